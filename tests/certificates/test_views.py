"""Certificate pages: results form, eligibility and issue pages, downloads, revoke and copies
through the forms, the public verification pages (and what they hide), rate limits and
who may see what."""

import hashlib
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.certificates.conftest import issue, pdf_text, qr_codes_in
from tests.helpers import count
from tests.queries import statements_sent
from training import create_app
from training.audit import AuditEvent
from training.certificates.models import Assessment, Certificate, VerificationCount
from training.extensions import db, limiter

HOST = "http://taphuan.test"
PHONE = "0912345678"
BIRTH = date(1985, 3, 15)


def html(response) -> str:
    return response.get_data(as_text=True)


def flashes(page: str) -> list[str]:
    return re.findall(r'<div class="flash flash-\w+"[^>]*>(.*?)</div>', page, re.S)


def score_errors(page: str) -> list[str]:
    """The problems the results page names beside each trainee's box, in the page's order."""
    return re.findall(r'<div class="error" id="score-error-\d+">(.*?)</div>', page, re.S)


@pytest.fixture
def course_with_certificates(make_finished, trainer_a):
    """A closed CT1 course of district A: Hoa and Châu certified, Bình not eligible."""
    finished = make_finished(attendance={1: ["present", "absent", "absent"]}, phone=PHONE, birth_date=BIRTH)
    issued = issue(finished, user_id=trainer_a.id)
    return finished, {c.holder_name: c for c in issued}


# --- results --------------------------------------------------------------------------------


def test_scores_are_saved_from_the_results_form(make_finished, login, trainer_a):
    finished = make_finished(names=["Nguyễn Thị Hoa", "Trần Văn Bình"], programme="CT2", closed=False)
    hoa, binh = (finished.enrolment(t) for t in finished.trainees)
    client = login(trainer_a)
    page = html(client.get(f"/courses/{finished.course.id}/results"))
    assert f'name="score-{hoa.id}"' in page and "đạt từ 5" in page

    response = client.post(
        f"/courses/{finished.course.id}/results",
        data={f"score-{hoa.id}": "7,5", f"score-{binh.id}": "4"},
        follow_redirects=True,
    )
    assert "Đã lưu kết quả: 2 thay đổi." in flashes(html(response))
    scores = {a.enrolment_id: (a.score, a.passed, a.recorded_by_id) for a in db.session.scalars(select(Assessment))}
    assert scores == {hoa.id: (7.5, True, trainer_a.id), binh.id: (4.0, False, trainer_a.id)}
    assert "điểm 4 dưới điểm đạt 5" in html(response)  # the page now says why Bình is not eligible


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("abc", "Trần Văn Bình: “abc” không phải là điểm."),
        ("11", "Trần Văn Bình: điểm phải từ 0 đến 10."),
        ("-1", "Trần Văn Bình: điểm phải từ 0 đến 10."),
        ("nan", "Trần Văn Bình: điểm phải từ 0 đến 10."),
    ],
)
def test_invalid_scores_are_refused_and_nothing_is_saved(make_finished, login, trainer_a, bad, message):
    finished = make_finished(names=["Nguyễn Thị Hoa", "Trần Văn Bình"], programme="CT2", closed=False)
    hoa, binh = (finished.enrolment(t) for t in finished.trainees)
    response = login(trainer_a).post(
        f"/courses/{finished.course.id}/results", data={f"score-{hoa.id}": "8,5", f"score-{binh.id}": bad}
    )
    assert response.status_code == 422
    page = html(response)
    assert score_errors(page) == [message]
    # what was typed comes back, the good score and the bad one
    assert f'name="score-{hoa.id}" value="8,5"' in page and f'name="score-{binh.id}" value="{bad}"' in page
    assert count(Assessment) == 0  # not even Hoa's valid score
    assert count(AuditEvent, AuditEvent.action == "result.score") == 0


def test_every_bad_score_is_named_in_the_pages_order(make_finished, login, trainer_a):
    finished = make_finished(names=["Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Minh Châu"], programme="CT2", closed=False)
    hoa, binh, chau = (finished.enrolment(t) for t in finished.trainees)
    response = login(trainer_a).post(
        f"/courses/{finished.course.id}/results",
        data={f"score-{hoa.id}": "12", f"score-{binh.id}": "7", f"score-{chau.id}": "x"},
    )
    rows = {e.id: e for e in (hoa, binh, chau)}
    order = [e.id for e in sorted(rows.values(), key=lambda e: e.trainee.name_key)]
    expected = {hoa.id: "Nguyễn Thị Hoa: điểm phải từ 0 đến 10.", chau.id: "Lê Minh Châu: “x” không phải là điểm."}
    page = html(response)
    assert score_errors(page) == [expected[i] for i in order if i in expected]
    assert flashes(page) == ["Chưa lưu: 2 điểm cần sửa (tô đỏ bên dưới)."]
    assert f'name="score-{binh.id}" value="7"' in page  # Bình's good score is kept on the page, unsaved
    assert count(Assessment) == 0


def test_a_decimal_comma_is_saved_and_shown_back_with_a_comma(make_finished, login, trainer_a):
    finished = make_finished(names=["Nguyễn Thị Hoa"], programme="CT2", closed=False)
    hoa = finished.enrolment(finished.trainees[0])
    client = login(trainer_a)
    client.post(f"/courses/{finished.course.id}/results", data={f"score-{hoa.id}": "8,5"})
    assert db.session.scalar(select(Assessment.score)) == 8.5
    page = html(client.get(f"/courses/{finished.course.id}/results"))
    assert f'name="score-{hoa.id}" value="8,5"' in page
    assert ">8,5<" in html(client.get(f"/courses/{finished.course.id}/certificates"))


def test_saving_results_reads_as_often_for_a_large_class_as_for_a_small_one(make_finished, login, make_user):
    """What the course holds is read once; only each changed score and its audit row are written."""
    reads = []
    for n, size in enumerate((2, 8)):
        trainer = make_user(f"trainer.results{size}", "trainer", "A")
        finished = make_finished(
            names=[f"Học Viên {size}-{i}" for i in range(size)],
            programme="CT2",
            closed=False,
            trainer=trainer,
            first_day=date(2026, 3, 2 + 7 * n),
            venue=f"Hội trường {size}",
        )
        form = {f"score-{finished.enrolment(t).id}": "6" for t in finished.trainees}
        client = login(trainer)
        with statements_sent() as sent:
            assert client.post(f"/courses/{finished.course.id}/results", data=form).status_code == 302
        reads.append(sent.reads)
    assert count(Assessment) == 2 + 8
    assert reads[0] == reads[1], reads


def test_scores_are_locked_once_a_certificate_exists(make_finished, login, admin, trainer_a):
    finished = make_finished(names=["Nguyễn Thị Hoa", "Trần Văn Bình"], programme="CT2", scores={0: 8, 1: 3})
    [certificate] = issue(finished)
    hoa, binh = (finished.enrolment(t) for t in finished.trainees)
    url = f"/courses/{finished.course.id}/results"
    # A closed course is read-only for its trainer ...
    assert login(trainer_a).post(url, data={f"score-{binh.id}": "9"}).status_code == 403
    # ... and the admin, who may still correct results, cannot touch a certified trainee's score.
    client = login(admin)
    page = html(client.get(url))
    assert re.search(rf'name="score-{hoa.id}" value="8"[^>]*disabled', page)
    assert not re.search(rf'name="score-{binh.id}" value="3"[^>]*disabled', page)
    response = client.post(url, data={f"score-{hoa.id}": "2", f"score-{binh.id}": "3"}, follow_redirects=True)
    assert score_errors(html(response)) == ["Nguyễn Thị Hoa đã được cấp giấy chứng nhận; không sửa được điểm."]
    assert db.session.scalar(select(Assessment.score).where(Assessment.enrolment_id == hoa.id)) == 8
    # What a browser sends: nothing for the disabled box, so the others can still be saved.
    response = client.post(url, data={f"score-{binh.id}": "6"}, follow_redirects=True)
    assert flashes(html(response)) == ["Đã lưu kết quả: 1 thay đổi."]
    scores = dict(db.session.execute(select(Assessment.enrolment_id, Assessment.score)).all())
    assert scores == {hoa.id: 8, binh.id: 6}
    db.session.refresh(certificate)
    assert not certificate.is_revoked


# --- eligibility and issue --------------------------------------------------------------------


def test_the_certificates_page_lists_everyone_with_the_reason(course_with_certificates, login, trainer_a):
    finished, issued = course_with_certificates
    page = html(login(trainer_a).get(f"/courses/{finished.course.id}/certificates"))
    assert "Điều kiện: tham dự ít nhất 80% số tiết" in page
    row = re.search(r"<tr>\s*<td class=\"num\">\d+</td><td>Trần Văn Bình</td>.*?</tr>", page, re.S).group(0)
    assert "Không đủ" in row and "tham dự 4/12 tiết (33,3%), cần từ 80%" in row
    for name, certificate in issued.items():
        assert certificate.serial in page and f"/certificates/{certificate.id}.pdf" in page


def test_issue_through_the_confirmation_page(make_finished, login, trainer_a):
    finished = make_finished(attendance={1: ["present", "absent", "absent"]})
    client = login(trainer_a)
    url = f"/courses/{finished.course.id}/certificates/issue"
    page = html(client.get(url))
    assert "2 người đủ điều kiện" in page and "Xác nhận cấp giấy chứng nhận" in page
    assert "Nguyễn Thị Hoa" in page and "Trần Văn Bình" not in page

    # The confirmation needs a signer; nothing is issued without one.
    page = html(client.post(url, data={"signer_title": "TRƯỞNG PHÒNG", "signer_name": "", "place": "Yên Thế"}))
    assert count(Certificate) == 0 and 'id="signer_name-error">Cần ghi họ tên người ký.</small>' in page

    response = client.post(
        url,
        data={"signer_title": "Trưởng phòng Văn hóa và Thông tin", "signer_name": "Hoàng Văn Ký", "place": "Yên Thế"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/courses/{finished.course.id}/certificates"
    )
    assert count(Certificate) == 2
    certificate = db.session.scalars(select(Certificate)).first()
    text = pdf_text(certificate.pdf)
    assert "TRƯỞNG PHÒNG VĂN HÓA VÀ THÔNG TIN" in text and "Hoàng Văn Ký" in text
    # The QR points at this site's verification page (no PUBLIC_BASE_URL in the test config).
    assert qr_codes_in(certificate.pdf) == [f"{HOST}/v/{certificate.verify_code}"]
    # A second confirmation issues nothing more.
    assert "Không còn học viên nào đủ điều kiện" in html(client.get(url))


def test_no_issue_before_the_course_is_closed(make_finished, login, trainer_a):
    finished = make_finished(closed=False)
    client = login(trainer_a)
    url = f"/courses/{finished.course.id}/certificates/issue"
    assert "Khóa học chưa kết thúc" in html(client.get(url))
    response = client.post(
        url,
        data={"signer_title": "TRƯỞNG PHÒNG", "signer_name": "Hoàng Văn Ký", "place": "Yên Thế"},
        follow_redirects=True,
    )
    assert any("khóa học đã kết thúc" in f for f in flashes(html(response)))
    assert count(Certificate) == 0


def test_the_qr_follows_public_base_url_when_configured(app, make_finished, login, trainer_a):
    app.config["PUBLIC_BASE_URL"] = "https://taphuan.bacgiang.gov.vn"
    finished = make_finished(names=["Nguyễn Thị Hoa"])
    login(trainer_a).post(
        f"/courses/{finished.course.id}/certificates/issue",
        data={"signer_title": "TRƯỞNG PHÒNG", "signer_name": "Hoàng Văn Ký", "place": "Yên Thế"},
    )
    certificate = db.session.scalar(select(Certificate))
    assert qr_codes_in(certificate.pdf) == [f"https://taphuan.bacgiang.gov.vn/v/{certificate.verify_code}"]


# --- downloads ------------------------------------------------------------------------------


def test_download_serves_the_stored_pdf(course_with_certificates, login, trainer_a):
    _finished, issued = course_with_certificates
    certificate = issued["Nguyễn Thị Hoa"]
    client = login(trainer_a)
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == certificate.pdf
    response = client.get(f"/certificates/{certificate.id}.pdf?download=1")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "giay-chung-nhan-2-2026-GCN-PVHTT-215.pdf" in response.headers["Content-Disposition"]


def test_a_renamed_trainee_downloads_the_same_bytes(course_with_certificates, login, trainer_a):
    finished, issued = course_with_certificates
    certificate = issued["Nguyễn Thị Hoa"]
    trainee = finished.trainees[0]
    client = login(trainer_a)
    before = client.get(f"/certificates/{certificate.id}.pdf").data

    response = client.post(
        f"/trainees/{trainee.id}/edit",
        data={
            "full_name": "Nguyễn Thị Hoà An",
            "birth_date": "1986-01-02",
            "gender": "female",
            "position": "Phó Chủ tịch UBND xã",
            "commune_id": trainee.commune_id,
            "group": trainee.group,
            "phone": "0987654321",
        },
    )
    assert response.status_code == 302
    db.session.refresh(trainee)
    assert trainee.full_name == "Nguyễn Thị Hoà An"

    after = client.get(f"/certificates/{certificate.id}.pdf").data
    assert after == before
    db.session.refresh(certificate)
    assert hashlib.sha256(after).hexdigest() == certificate.sha256
    assert "Nguyễn Thị Hoa" in pdf_text(after) and "Hoà An" not in pdf_text(after)


def test_the_course_pdf_has_one_page_per_valid_certificate(course_with_certificates, login, trainer_a):
    finished, issued = course_with_certificates
    client = login(trainer_a)
    url = f"/courses/{finished.course.id}/certificates.pdf"
    response = client.get(url)
    assert response.headers["Content-Disposition"] == f"attachment; filename=giay-chung-nhan-{finished.course.code}.pdf"
    assert response.headers["Content-Length"] == str(len(response.data))
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2
    assert sorted(c.serial for c in issued.values()) == [
        re.search(r"Số vào sổ cấp: (\S+)", page.extract_text()).group(1) for page in reader.pages
    ]

    # A replacement copy adds a page; a revoked certificate leaves.
    client.post(
        f"/certificates/{issued['Nguyễn Thị Hoa'].id}/copy",
        data={"signer_title": "TRƯỞNG PHÒNG", "signer_name": "Hoàng Văn Ký", "place": "Yên Thế"},
    )
    client.post(
        f"/certificates/{issued['Lê Minh Châu'].id}/revoke", data={"category": "error", "reason": "Sai ngày sinh"}
    )
    reader = PdfReader(io.BytesIO(client.get(url).data))
    assert len(reader.pages) == 2
    texts = [page.extract_text() for page in reader.pages]
    assert all(issued["Nguyễn Thị Hoa"].serial in text for text in texts)


def test_the_course_pdf_reads_as_often_for_eight_certificates_as_for_two(make_finished, login, make_user):
    reads = []
    for n, size in enumerate((2, 8)):
        trainer = make_user(f"trainer.pdf{size}", "trainer", "A")
        finished = make_finished(
            names=[f"Học Viên Số {size}-{i}" for i in range(size)],
            trainer=trainer,
            first_day=date(2026, 3, 2 + 7 * n),
            venue=f"Hội trường {size}",
        )
        issue(finished, user_id=trainer.id)
        client = login(trainer)
        db.session.expire_all()
        with statements_sent() as sent:
            response = client.get(f"/courses/{finished.course.id}/certificates.pdf")
        assert len(PdfReader(io.BytesIO(response.data)).pages) == size
        reads.append(sent.reads)
    assert reads[0] == reads[1], reads


def test_the_course_pdf_without_valid_certificates_says_so(make_finished, login, trainer_a):
    finished = make_finished(closed=False)
    response = login(trainer_a).get(f"/courses/{finished.course.id}/certificates.pdf", follow_redirects=True)
    assert "chưa có giấy chứng nhận nào còn hiệu lực" in html(response)


# --- revoke, unrevoke and copies through the forms ---------------------------------------------


def test_revoke_and_unrevoke_through_the_detail_page(course_with_certificates, login, trainer_a):
    _finished, issued = course_with_certificates
    certificate = issued["Nguyễn Thị Hoa"]
    client = login(trainer_a)
    base = f"/certificates/{certificate.id}"

    response = client.post(f"{base}/revoke", data={"category": "fraud", "reason": ""}, follow_redirects=True)
    assert flashes(html(response)) == ["Cần ghi lý do thu hồi."]
    assert not certificate.is_revoked

    response = client.post(
        f"{base}/revoke", data={"category": "fraud", "reason": "Điểm danh hộ"}, follow_redirects=True
    )
    page = html(response)
    assert f"Đã thu hồi giấy chứng nhận {certificate.serial}." in flashes(page)
    db.session.refresh(certificate)
    assert certificate.is_revoked and certificate.revoke_reason == "Điểm danh hộ"
    assert "Gian lận hồ sơ, điểm danh hoặc kết quả" in page and "Điểm danh hộ" in page  # staff see the reason

    response = client.post(f"{base}/unrevoke", data={"reason": ""}, follow_redirects=True)
    assert "Cần ghi lý do khôi phục." in flashes(html(response))
    response = client.post(f"{base}/unrevoke", data={"reason": "Đã xác minh có mặt"}, follow_redirects=True)
    assert f"Đã khôi phục hiệu lực giấy chứng nhận {certificate.serial}." in flashes(html(response))
    db.session.refresh(certificate)
    assert not certificate.is_revoked
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_ref == f"certificate:{certificate.id}", AuditEvent.action.like("certificate.%revoke"))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor_id) for e in events] == [
        ("certificate.revoke", trainer_a.id),
        ("certificate.unrevoke", trainer_a.id),
    ]
    assert events[0].data == {"category": "fraud", "reason": "Điểm danh hộ"}
    assert events[1].data["reason"] == "Đã xác minh có mặt"


def test_a_copy_through_the_detail_page(course_with_certificates, login, trainer_a):
    _finished, issued = course_with_certificates
    original = issued["Nguyễn Thị Hoa"]
    client = login(trainer_a)
    response = client.post(
        f"/certificates/{original.id}/copy",
        data={"signer_title": "TRƯỞNG PHÒNG", "signer_name": "Hoàng Văn Ký", "place": "Yên Thế"},
    )
    copy = db.session.scalar(select(Certificate).where(Certificate.copy_number == 1))
    assert response.headers["Location"].endswith(f"/certificates/{copy.id}")
    assert (copy.serial, copy.replaces_id) == (original.serial, original.id)
    assert (copy.holder_name, copy.programme, copy.course_dates) == (
        original.holder_name,
        original.programme,
        original.course_dates,
    )
    page = html(client.get(f"/certificates/{copy.id}"))
    assert flashes(page) == [f"Đã cấp bản sao số 1 của giấy chứng nhận {original.serial}."]
    assert "(bản sao 1)" in page and f'href="/certificates/{original.id}"' in page
    assert "(Cấp lại lần 1)" in pdf_text(client.get(f"/certificates/{copy.id}.pdf").data)


# --- public verification ------------------------------------------------------------------------


def test_the_valid_page_shows_the_certificate_and_hides_personal_data(course_with_certificates, client):
    finished, issued = course_with_certificates
    certificate = issued["Nguyễn Thị Hoa"]
    response = client.get(f"/v/{certificate.verify_code}")  # anonymous: no sign-in
    page = html(response)
    assert response.status_code == 200 and 'data-outcome="valid"' in page and "Giấy chứng nhận hợp lệ" in page
    for shown in (
        "Nguyễn Thị Hoa",
        "CT1. Kiến thức cơ bản về công tác thông tin cơ sở",
        "02/03/2026 – 04/03/2026",
        "UBND HUYỆN YÊN THẾ - PHÒNG VĂN HÓA VÀ THÔNG TIN",
        certificate.serial,
    ):
        assert shown in page, shown
    trainee = finished.trainees[0]
    for hidden in ("15/03/1985", "1985", PHONE, trainee.personal_code, "Xã Đồng Kỳ", "Công chức Văn hóa"):
        assert hidden not in page, hidden


def test_the_revoked_page_shows_the_category_and_date_but_not_the_reason(course_with_certificates, client, trainer_a):
    _finished, issued = course_with_certificates
    certificate = issued["Nguyễn Thị Hoa"]
    from training.certificates import services

    with client.application.test_request_context():
        services.revoke(certificate, "fraud", "Người khác điểm danh hộ bà Hoa", trainer_a.id)
    db.session.commit()
    page = html(client.get(f"/v/{certificate.verify_code}"))
    assert 'data-outcome="revoked"' in page and "Giấy chứng nhận đã bị thu hồi" in page
    assert "Gian lận hồ sơ, điểm danh hoặc kết quả" in page
    from training.clock import to_local

    assert f"Ngày thu hồi: {to_local(certificate.revoked_at):%d/%m/%Y}" in page
    assert "điểm danh hộ" not in page and "Người khác" not in page
    assert "Nguyễn Thị Hoa" in page and certificate.serial in page
    assert "15/03/1985" not in page and PHONE not in page


def test_an_unknown_code_is_a_404_that_reveals_nothing(course_with_certificates, client):
    response = client.get("/v/2222222222222222Z")
    page = html(response)
    assert response.status_code == 404 and 'data-outcome="unknown"' in page and "Không tìm thấy giấy chứng nhận" in page
    assert "Nguyễn Thị Hoa" not in page


def test_verify_by_serial_and_name_without_accents(course_with_certificates, client):
    _finished, issued = course_with_certificates
    certificate = issued["Lê Minh Châu"]
    assert client.get("/verify").status_code == 200
    page = html(client.post("/verify", data={"serial": certificate.serial, "full_name": "le minh CHAU"}))
    assert 'data-outcome="valid"' in page and "Lê Minh Châu" in page
    page = html(client.post("/verify", data={"serial": certificate.serial, "full_name": "Nguyễn Thị Hoa"}))
    assert 'data-outcome="unknown"' in page and "Lê Minh Châu" not in page
    # Missing fields are pointed out on the form, in Vietnamese, and nothing is looked up.
    before = looked_up()
    page = html(client.post("/verify", data={"serial": certificate.serial, "full_name": " "}))
    assert "Nhập họ và tên người được cấp." in page and "data-outcome" not in page
    assert looked_up() == before


def looked_up() -> int:
    return db.session.scalar(select(func.coalesce(func.sum(VerificationCount.count), 0)))


def test_every_verification_is_counted_in_a_few_rows(course_with_certificates, client):
    """A flood of anonymous look-ups adds to counts per day, way, outcome and certificate:
    never a row each."""
    _finished, issued = course_with_certificates
    certificate = issued["Nguyễn Thị Hoa"]
    for _ in range(3):
        client.get(f"/v/{certificate.verify_code}")
    for i in range(20):
        client.get(f"/v/2222222222222222{i:X}")
    client.post("/verify", data={"serial": certificate.serial, "full_name": "nguyen thi hoa"})
    rows = db.session.scalars(select(VerificationCount)).all()
    assert {(v.via, v.outcome, v.certificate_id): v.count for v in rows} == {
        ("qr", "valid", certificate.id): 3,
        ("qr", "unknown", 0): 20,
        ("serial", "valid", certificate.id): 1,
    }


@pytest.fixture
def rate_limited_app(app, database_url):
    """A second app on the same database with rate limiting on (the suite's app has it off).
    The limiter is one object for the process: its switch is put back afterwards."""
    was = limiter.enabled
    limited = create_app(
        {
            **{k: app.config[k] for k in ("TESTING", "SECRET_KEY", "WTF_CSRF_ENABLED", "SERVER_NAME")},
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    limiter.reset()
    try:
        yield limited
    finally:
        limiter.enabled = was
        with limited.app_context():
            db.engine.dispose()


def test_the_verification_pages_are_rate_limited(course_with_certificates, rate_limited_app):
    _finished, issued = course_with_certificates
    certificate = issued["Nguyễn Thị Hoa"]
    client = rate_limited_app.test_client()
    for _ in range(30):
        assert client.get(f"/v/{certificate.verify_code}").status_code == 200
    assert client.get(f"/v/{certificate.verify_code}").status_code == 429
    assert client.get("/v/2222222222222222Z").status_code == 429  # per visitor, not per code
    for _ in range(20):
        assert (
            client.post("/verify", data={"serial": certificate.serial, "full_name": "Nguyễn Thị Hoa"}).status_code
            == 200
        )
    assert client.post("/verify", data={"serial": certificate.serial, "full_name": "Nguyễn Thị Hoa"}).status_code == 429
    assert looked_up() == 50  # refused look-ups are not counted


# --- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/courses/{course}/results"),
        ("post", "/courses/{course}/results"),
        ("get", "/courses/{course}/certificates"),
        ("get", "/courses/{course}/certificates/issue"),
        ("post", "/courses/{course}/certificates/issue"),
        ("get", "/courses/{course}/certificates.pdf"),
        ("get", "/certificates/{certificate}"),
        ("get", "/certificates/{certificate}.pdf"),
        ("post", "/certificates/{certificate}/revoke"),
        ("post", "/certificates/{certificate}/unrevoke"),
        ("post", "/certificates/{certificate}/copy"),
    ],
)
def test_a_trainer_of_another_district_is_refused(course_with_certificates, login, trainer_b, method, path):
    finished, issued = course_with_certificates
    certificate = issued["Nguyễn Thị Hoa"]
    url = path.format(course=finished.course.id, certificate=certificate.id)
    data = {
        "category": "fraud",
        "reason": "x",
        "signer_title": "T",
        "signer_name": "N",
        "place": "P",
        f"score-{finished.enrolment(finished.trainees[0]).id}": "1",
    }
    response = getattr(login(trainer_b), method)(url, data=data if method == "post" else None)
    assert response.status_code == 403
    db.session.refresh(certificate)
    assert not certificate.is_revoked and count(Certificate) == 2 and count(Assessment) == 0


def test_a_trainee_downloads_only_their_own_certificates(course_with_certificates, login, trainee_user):
    finished, issued = course_with_certificates
    hoa = trainee_user(finished.trainees[0])
    client = login(hoa)
    own, other = issued["Nguyễn Thị Hoa"], issued["Lê Minh Châu"]
    assert client.get(f"/certificates/{own.id}.pdf").data == own.pdf
    assert client.get(f"/certificates/{other.id}.pdf").status_code == 403
    page = html(client.get("/me/certificates"))
    assert own.serial in page and other.serial not in page
    assert f"/certificates/{own.id}.pdf?download=1" in page
    for path in (
        f"/certificates/{own.id}",
        f"/courses/{finished.course.id}/certificates",
        f"/courses/{finished.course.id}/results",
    ):
        assert client.get(path).status_code == 403, path


def test_my_certificates_lists_revoked_ones_without_a_download(
    course_with_certificates, login, trainee_user, trainer_a
):
    finished, issued = course_with_certificates
    own = issued["Nguyễn Thị Hoa"]
    login(trainer_a).post(f"/certificates/{own.id}/revoke", data={"category": "error", "reason": "Sai ngày sinh"})
    holder = login(trainee_user(finished.trainees[0]))
    page = html(holder.get("/me/certificates"))
    assert own.serial in page and "Đã thu hồi" in page and f"/certificates/{own.id}.pdf" not in page
    assert holder.get(f"/certificates/{own.id}.pdf").status_code == 403
    assert login(trainer_a).get(f"/certificates/{own.id}.pdf").data == own.pdf


def test_a_trainee_without_certificates_is_told_so(make_trainee, login, trainee_user):
    page = html(login(trainee_user(make_trainee("Phạm Quốc Dũng"))).get("/me/certificates"))
    assert "Bạn chưa có giấy chứng nhận nào." in page


def test_staff_have_no_my_certificates_page(login, trainer_a):
    assert login(trainer_a).get("/me/certificates").status_code == 403


def test_the_admin_may_act_in_every_district(course_with_certificates, login, admin):
    finished, issued = course_with_certificates
    client = login(admin)
    assert client.get(f"/courses/{finished.course.id}/certificates").status_code == 200
    assert client.get(f"/certificates/{issued['Nguyễn Thị Hoa'].id}").status_code == 200


def test_the_public_pages_need_no_sign_in(course_with_certificates, client):
    _finished, issued = course_with_certificates
    assert client.get(f"/v/{issued['Nguyễn Thị Hoa'].verify_code}").status_code == 200
    assert client.get("/verify").status_code == 200
    assert client.post("/verify", data={"serial": "x", "full_name": "y"}).status_code == 200
    assert client.get(f"/certificates/{issued['Nguyễn Thị Hoa'].id}.pdf").status_code == 302  # to the sign-in page


# --- links to the certificate pages ---------------------------------------------------------------


def test_my_page_links_to_my_certificates(make_trainee, login, trainee_user):
    page = html(login(trainee_user(make_trainee("Phạm Quốc Dũng"))).get("/me"))
    assert 'href="/me/certificates"' in page and "Giấy chứng nhận của tôi" in page


def test_the_course_page_links_to_results_and_certificates(make_finished, login, trainer_a):
    finished = make_finished(closed=False)
    page = html(login(trainer_a).get(f"/courses/{finished.course.id}"))
    actions = re.search(r'<div class="actions">.*?</div>', page, re.S).group(0)
    assert f'href="/courses/{finished.course.id}/results">Kết quả</a>' in actions
    assert f'href="/courses/{finished.course.id}/certificates">Giấy chứng nhận</a>' in actions
