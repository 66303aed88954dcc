"""Certificates in a real Chromium: a trainer issues the certificates of a closed course through
the confirmation page, one certificate's PDF is rendered to an image and its QR read back with
zbarimg, and an anonymous visitor who opens the decoded URL sees that the certificate is valid.

The module serves its own app (the conftest's `serve`, CSRF on as in production) with a
finished course made through the services in the server's app context. Its PUBLIC_BASE_URL is
the server's own address, as a deployment sets it to the public one, so the QR points back at
this server.
"""

import re
from datetime import date, datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import district_with_trainer
from tests.certificates.conftest import pdf_text, qr_codes_in
from training.extensions import db

PASSWORD = "mat-khau-giang-vien"
FIRST_DAY = date(2026, 3, 2)
#: (full name, attended every session); the last one missed two of three and is not eligible
TRAINEES = [("Nguyễn Thị Hoa", True), ("Trần Văn Bình", True), ("Lê Minh Châu", False)]


def _finished_course() -> dict:
    """District A's CT1 course, held (three sessions), attendance marked, and closed."""
    from training.attendance import roster
    from training.courses import services as courses
    from training.courses.enrolment import enrol_many
    from training.courses.planning import save_session
    from training.people import services as people

    district, commune, trainer = district_with_trainer(PASSWORD)
    course = courses.create_course(district.id, "CT1", "", "Hội trường UBND huyện Yên Thế", FIRST_DAY, 40, [trainer.id])
    sessions = []
    for index, module in enumerate(m.code for m in course.curriculum.modules):
        day = FIRST_DAY + timedelta(days=index)
        end = (datetime.combine(day, time(7, 30)) + timedelta(minutes=45 * 4)).time()
        sessions.append(save_session(course, None, module, day, time(7, 30), end, "", trainer.id))
    courses.change_status(course, "open")
    courses.change_status(course, "running")
    trainees = [
        people.save_trainee(
            None,
            {
                "full_name": name,
                "birth_date": date(1985, 3, 15),
                "gender": "female",
                "position": "Công chức Văn hóa - Xã hội",
                "commune_id": commune.id,
                "group": "commune_broadcast",
                "phone": "0912000001",
            },
        )
        for name, _full in TRAINEES
    ]
    enrol_many(course, trainees)
    for trainee, (_name, full) in zip(trainees, TRAINEES):
        for index, session in enumerate(sessions):
            roster.mark(session, trainee, "present" if full or index == 0 else "absent", "", trainer.id)
    courses.change_status(course, "closed")
    return {"course_id": course.id}


@pytest.fixture(scope="module")
def server(serve):
    """This module's own server, which the conftest's pages open."""
    with serve(_finished_course) as server:
        yield server


def test_issue_then_verify_from_the_decoded_qr(server, new_page, sign_in):
    from training.certificates.models import Certificate

    page = new_page()
    sign_in(page, "giangvien", PASSWORD)
    expect(page).not_to_have_url(re.compile(r"/login"))

    # The course page leads to its certificates, where everyone is judged with a reason.
    page.goto(f"/courses/{server.course_id}")
    page.locator(".page-head .actions").get_by_role("link", name="Giấy chứng nhận", exact=True).click()
    expect(page).to_have_url(f"{server.url}/courses/{server.course_id}/certificates")
    rows = page.locator("#eligibility tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="Lê Minh Châu")).to_contain_text("tham dự 4/12 tiết")
    expect(rows.filter(has_text="Nguyễn Thị Hoa")).to_contain_text("Đủ điều kiện")

    # Issue: the confirmation page lists who gets one and asks for the signer.
    page.get_by_role("link", name="Cấp giấy chứng nhận").click()
    expect(page.locator(".issue-list li")).to_have_count(2)
    page.get_by_label("Họ tên người ký").fill("Hoàng Văn Ký")
    page.get_by_role("button", name="Xác nhận cấp giấy chứng nhận").click()
    expect(page).to_have_url(f"{server.url}/courses/{server.course_id}/certificates")
    expect(page.locator(".flash-success")).to_have_text("Đã cấp 2 giấy chứng nhận.")
    issued = page.locator("table.compact tbody tr")
    expect(issued).to_have_count(2)

    # Download Hoa's certificate as the trainer's browser would, with its cookies.
    hoa = issued.filter(has_text="Nguyễn Thị Hoa")
    href = hoa.get_by_role("link", name="PDF").get_attribute("href")
    response = page.request.get(href)  # the page's context's request, with its cookies
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert "Nguyễn Thị Hoa" in pdf_text(pdf)
    with server.app.app_context():
        stored = db.session.scalar(select(Certificate).where(Certificate.holder_name == "Nguyễn Thị Hoa"))
        assert pdf == stored.pdf
        code = stored.verify_code

    # Its QR, read off the rendered page, is the public verification URL ...
    [url] = qr_codes_in(pdf)
    assert url == f"{server.url}/v/{code}"

    # ... which anyone opens without signing in, and sees a valid certificate.
    visitor = new_page()
    visitor.goto(url)
    expect(visitor).to_have_url(url)
    result = visitor.locator(".verify-result")
    expect(result).to_have_attribute("data-outcome", "valid")
    expect(result).to_contain_text("Giấy chứng nhận hợp lệ")
    expect(result.locator(".holder")).to_have_text("Nguyễn Thị Hoa")
    expect(result).not_to_contain_text("15/03/1985")
    expect(visitor.get_by_role("button", name="Đăng xuất")).to_have_count(0)  # really anonymous
