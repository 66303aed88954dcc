"""The results and certificate pages as a trainer uses them: a failing score that does not
count, holding one person back from a batch, and the history in words."""

import re

from sqlalchemy import select

from tests.certificates.conftest import issue
from tests.helpers import count
from training.audit import AuditEvent
from training.certificates.models import Certificate
from training.extensions import db

SIGNER = {"signer_title": "TRƯỞNG PHÒNG VĂN HÓA VÀ THÔNG TIN", "signer_name": "Hoàng Văn Ký", "place": "Yên Thế"}


def html(response) -> str:
    return response.get_data(as_text=True)


def test_a_failing_score_in_a_programme_without_required_assessment_is_said_so(make_finished, login, trainer_a):
    # CT1 does not require the assessment; its pass mark is still 5
    finished = make_finished(names=["Nguyễn Thị Hoa"], programme="CT1", scores={0: 4})
    client = login(trainer_a)
    note = "điểm 4 dưới điểm đạt 5, nhưng chương trình không bắt buộc bài kiểm tra nên vẫn đủ điều kiện"
    results = html(client.get(f"/courses/{finished.course.id}/results"))
    eligibility = html(client.get(f"/courses/{finished.course.id}/certificates"))
    for page in (results, eligibility):
        assert "Đủ điều kiện" in page and note in page
    assert note in html(client.get(f"/courses/{finished.course.id}/certificates/issue"))


def test_the_trainer_holds_one_person_back_from_a_batch_with_a_reason(make_finished, login, trainer_a):
    finished = make_finished(names=["Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Minh Châu"])
    hoa, binh, chau = (finished.enrolment(t) for t in finished.trainees)
    client = login(trainer_a)
    url = f"/courses/{finished.course.id}/certificates/issue"
    page = html(client.get(url))
    for enrolment in (hoa, binh, chau):
        assert re.search(rf'name="issue" value="{enrolment.id}"[^>]*checked', page)
    offered = {"offered": [hoa.id, binh.id, chau.id]}

    # unticked without a reason: nothing issued, the ticks come back as they were
    response = client.post(url, data={**SIGNER, **offered, "issue": [hoa.id, chau.id]})
    page = html(response)
    assert "Cần ghi lý do chưa cấp cho Trần Văn Bình." in page
    assert not re.search(rf'name="issue" value="{binh.id}"[^>]*checked', page)
    assert re.search(rf'name="issue" value="{hoa.id}"[^>]*checked', page)
    assert count(Certificate) == 0

    response = client.post(
        url,
        data={
            **SIGNER,
            **offered,
            "issue": [hoa.id, chau.id],
            "withheld_reason": "Hồ sơ cá nhân chưa khớp, chờ xác minh",
        },
    )
    assert response.status_code == 302
    assert set(db.session.scalars(select(Certificate.holder_name))) == {"Nguyễn Thị Hoa", "Lê Minh Châu"}
    [held] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.withheld")).all()
    assert held.object_ref == f"enrolment:{binh.id}" and held.data["reason"] == "Hồ sơ cá nhân chưa khớp, chờ xác minh"
    # Bình is still offered later, once cleared
    page = html(client.get(url))
    assert re.search(rf'name="issue" value="{binh.id}"[^>]*checked', page)
    assert client.post(url, data={**SIGNER, "offered": [binh.id], "issue": [binh.id]}).status_code == 302
    assert count(Certificate) == 3


def test_the_certificate_history_reads_in_words(make_finished, login, trainer_a):
    finished = make_finished(names=["Nguyễn Thị Hoa"])
    [certificate] = issue(finished, user_id=trainer_a.id)
    page = html(login(trainer_a).get(f"/certificates/{certificate.id}"))
    history = page[page.index('class="history"') :]
    assert "Cấp giấy chứng nhận" in history and "certificate.issue" not in history
