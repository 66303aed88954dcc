"""Someone who already completed a programme is not trained and certified again unnoticed:
enrolment names them and wants a reason on every path (one by one, by filter, from a file),
and issuing gives no second certificate of the same programme version."""

import csv
import io
import re
from datetime import date

from sqlalchemy import select

from tests.certificates.conftest import SIGNER, Finished, close, issue, mark_all
from tests.helpers import count
from training.audit import AuditEvent
from training.certificates import eligibility, issuing
from training.certificates.models import Certificate
from training.courses import services as courses
from training.courses.enrolment import enrol_many
from training.courses.models import Enrolment
from training.courses.planning import generate_sessions
from training.extensions import db

SECOND_MONDAY = date(2026, 4, 6)


def html(response) -> str:
    return response.get_data(as_text=True)


def flashes(page: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", m).strip() for m in re.findall(r'<div class="flash flash-\w+"[^>]*>(.*?)</div>', page, re.S)
    ]


def enrolled_names(course) -> set[str]:
    db.session.expire_all()
    return {
        e.trainee.full_name
        for e in db.session.scalars(
            select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.status == "enrolled")
        )
    }


def second_course(units, trainer, venue="Phòng họp số 2"):
    course = courses.create_course(units["A"].id, "CT1", "", venue, SECOND_MONDAY, 40, [trainer.id])
    generate_sessions(course)
    db.session.commit()
    return course


def test_enrolment_names_who_completed_the_programme_and_wants_a_reason_on_every_path(
    make_finished, make_trainee, units, login, trainer_a
):
    first = make_finished(names=["Hoàng Thị Lan", "Trần Văn Bình"])
    serial = {c.holder_name: c.serial for c in issue(first)}
    assert serial == {"Trần Văn Bình": "1/2026/GCN-PVHTT-215", "Hoàng Thị Lan": "2/2026/GCN-PVHTT-215"}  # in name order
    lan, binh = first.trainees
    cuc = make_trainee("Lê Thị Cúc")  # never trained: enrolled without a word
    course = second_course(units, trainer_a)
    client = login(trainer_a)
    enrol = f"/courses/{course.id}/enrol"

    # one by one: the search marks her, a tick without a reason is refused and stays ticked
    page = html(client.get(enrol, query_string={"q": "Lan"}))
    assert "Đã hoàn thành CT1: GCN 2/2026/GCN-PVHTT-215, khóa 215-2026-CT1-01" in page
    response = client.post(f"{enrol}?q=Lan", data={"trainee_ids": [lan.id]})
    page = html(response)
    assert (
        "Hoàng Thị Lan đã hoàn thành chương trình CT1 (GCN 2/2026/GCN-PVHTT-215, khóa 215-2026-CT1-01): "
        "ghi lý do học lại để ghi danh."
    ) in flashes(page)
    assert re.search(rf'value="{lan.id}"[^>]*checked', page)
    assert enrolled_names(course) == set()
    client.post(f"{enrol}?q=Lan", data={"trainee_ids": [lan.id], "again_reason": "Giấy chứng nhận cũ đã quá 5 năm"})
    assert enrolled_names(course) == {"Hoàng Thị Lan"}
    [again] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "enrolment.again")).all()
    assert again.data["reason"] == "Giấy chứng nhận cũ đã quá 5 năm" and again.data["trainee"] == "Hoàng Thị Lan"

    # by filter: the new trainee is enrolled, the one who completed it is left out and named
    response = client.post(
        f"{enrol}/filter", data={"commune_id": units["Xã Đồng Kỳ"].id, "group": ""}, follow_redirects=True
    )
    assert enrolled_names(course) == {"Hoàng Thị Lan", "Lê Thị Cúc"}
    assert any(
        m.startswith("Chưa ghi danh 1 người đã hoàn thành chương trình: Trần Văn Bình (GCN 1/2026/GCN-PVHTT-215")
        for m in flashes(html(response))
    )

    # from a file: Bình again (left out without a reason), then with a reason
    content = _csv([[binh.personal_code], [cuc.personal_code]])
    response = client.post(
        f"{enrol}/import",
        data={"file": (io.BytesIO(content), "ds.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    messages = flashes(html(response))
    assert "Bỏ qua 1 người đã ghi danh khóa học này từ trước." in messages
    assert any(m.startswith("Chưa ghi danh 1 người đã hoàn thành chương trình: Trần Văn Bình") for m in messages)
    assert "Trần Văn Bình" not in enrolled_names(course)
    client.post(
        f"{enrol}/import",
        data={"file": (io.BytesIO(content), "ds.csv"), "again_reason": "Học lại theo kế hoạch tỉnh"},
        content_type="multipart/form-data",
    )
    assert enrolled_names(course) == {"Hoàng Thị Lan", "Lê Thị Cúc", "Trần Văn Bình"}
    assert count(AuditEvent, AuditEvent.action == "enrolment.again") == 2


def test_no_second_certificate_of_the_same_programme_version(make_finished, units, login, trainer_a):
    first = make_finished(names=["Hoàng Thị Lan"])
    [original] = issue(first)
    lan = first.trainees[0]
    course = second_course(units, trainer_a)
    courses.change_status(course, "open")
    courses.change_status(course, "running")
    enrol_many(course, [lan], again_reason="Học lại theo kế hoạch tỉnh")
    db.session.commit()
    second = Finished(course, list(course.sessions), [lan])
    mark_all(second, lan, "present", trainer_a.id)
    close(course)

    page = html(login(trainer_a).get(f"/courses/{course.id}/certificates"))
    assert "đã có giấy chứng nhận 1/2026/GCN-PVHTT-215 của chương trình này (khóa 215-2026-CT1-01)" in page
    [row] = eligibility.course_eligibility(course)
    assert not row.eligible
    response = login(trainer_a).post(
        f"/courses/{course.id}/certificates/issue",
        data={"signer_title": "TRƯỞNG PHÒNG", "signer_name": "Hoàng Văn Ký", "place": "Yên Thế"},
        follow_redirects=True,
    )
    assert "Không còn học viên nào đủ điều kiện mà chưa được cấp giấy chứng nhận." in html(response)
    assert db.session.scalars(select(Certificate.serial)).all() == [original.serial]
    # A lost certificate is replaced by a copy of the original, which still works.
    copy = issuing.issue_copy(original, SIGNER, trainer_a.id)
    assert copy.serial == original.serial and copy.copy_number == 1


def _csv(rows) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["Mã cá nhân"])
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")
