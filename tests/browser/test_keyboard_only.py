"""The two pages used most in a class, by keyboard alone (Tab, arrows, typing, Enter), in Chromium:
the trainer's roster, reached from the course page, and the trainee's check-in form, on a
desktop and on a 390-px phone. What the keys did is read back from the served database.

This module serves its own app (the conftest's `serve`, CSRF on) with a course whose session
is open now, as tests/browser/test_checkin.py does.
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import session_open_now
from training.attendance import qr
from training.attendance.models import Attendance
from training.extensions import db

pytestmark = pytest.mark.browser

PASSWORD = "mat-khau-giang-vien"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
#: (full name, birth date) of the enrolled trainees: the roster test marks the first three (the
#: roster's first rows, sorted by given name), the check-in tests the last two
TRAINEES = [
    ("Nguyễn Thị Hoa", date(1985, 3, 15)),
    ("Trần Văn Bình", date(1990, 11, 2)),
    ("Lê Minh Châu", date(1979, 7, 30)),
    ("Phạm Văn Vinh", date(1988, 1, 20)),
    ("Hoàng Thị Xuân", date(1992, 5, 9)),
]
NO_MATCH = "không khớp với học viên nào của khóa học này"


def _session_open_now() -> dict:
    """A course with TRAINEES enrolled and a session that started two minutes ago and runs an
    hour; its course_id and session_id, and the trainees' ids and codes by name."""
    session, trainees = session_open_now(PASSWORD, TRAINEES, "Lớp điểm danh bằng bàn phím")
    return {
        "course_id": session.course_id,
        "session_id": session.id,
        "ids": {t.full_name: t.id for t in trainees},
        "codes": {t.full_name: t.personal_code for t in trainees},
    }


@pytest.fixture(scope="module")
def server(serve):
    with serve(_session_open_now) as server:
        yield server


def record_of(server, name: str) -> Attendance | None:
    with server.app.app_context():
        row = db.session.scalar(
            select(Attendance).where(
                Attendance.session_id == server.session_id, Attendance.trainee_id == server.ids[name]
            )
        )
        if row is not None:
            db.session.expunge(row)
        return row


def focused(page) -> dict:
    """What has the keyboard focus: its tag, id, type, value, href, text and ARIA attributes."""
    return page.evaluate("""() => { const e = document.activeElement; return {
        tag: e.tagName.toLowerCase(), id: e.id, type: e.type || "", value: e.value ?? "",
        href: e.getAttribute("href") || "",
        text: e.textContent.trim(), label: e.getAttribute("aria-label") || "", role: e.getAttribute("role") || "",
        invalid: e.getAttribute("aria-invalid"), describedby: e.getAttribute("aria-describedby") || ""}; }""")


def tab_until(page, wanted, most: int = 60) -> dict:
    """Press Tab until the focused element satisfies `wanted` (a test of `focused(page)`)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        now = focused(page)
        if wanted(now):
            return now
    raise AssertionError(f"{most} Tabs never reached the element; last focus: {now}")


def test_a_trainer_marks_one_trainee_absent_with_a_note_by_keyboard_alone(page, sign_in, server):
    note = "ốm, có báo trước qua điện thoại"
    sign_in(page, "giangvien", PASSWORD)
    page.goto(f"/courses/{server.course_id}")

    # the course page's "Điểm danh" of the session, reached with Tab and followed with Enter
    roster_path = f"/sessions/{server.session_id}/roster"
    tab_until(page, lambda e: e["href"].endswith(roster_path))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{roster_path}")

    # the first Tab is the skip link, which puts the focus at the content
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Bỏ qua đến nội dung"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "content"

    # Tab reaches each row's group of choices on its current one ("Chưa ghi"), named in Vietnamese
    # with the trainee's name, then the row's note; the second row is the one marked absent
    rows = [name.strip() for name in page.locator(".roster-row .who").all_inner_texts()]
    first, absent, third = rows[:3]
    assert set(rows[:3]) == {name for name, _born in TRAINEES[:3]}
    stop = tab_until(page, lambda e: e["type"] == "radio", most=10)
    expect(page.locator(":focus")).to_have_accessible_name(f"Chưa ghi: {first}")
    assert stop["value"] == ""
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_accessible_name(f"Ghi chú: {first}")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_accessible_name(f"Chưa ghi: {absent}")

    # the arrows move through the statuses of that row only, each read with the name
    for name in ("Có phép", "Vắng", "Muộn", "Có mặt"):
        page.keyboard.press("ArrowLeft")
        expect(page.locator(":focus")).to_have_accessible_name(f"{name}: {absent}")
        expect(page.locator(":focus")).to_be_checked()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator(":focus")).to_have_accessible_name(f"Vắng: {absent}")
    expect(page.get_by_role("radio", name=f"Vắng: {absent}")).to_be_checked()
    expect(page.get_by_role("radio", name=f"Chưa ghi: {first}")).to_be_checked()  # the other rows are untouched

    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_accessible_name(f"Ghi chú: {absent}")
    page.keyboard.type(note)

    # on to the save button, pressed with Enter
    tab_until(page, lambda e: e["tag"] == "button" and e["text"] == "Lưu điểm danh", most=10)
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_contain_text("1 thay đổi")

    row = record_of(server, absent)
    assert (row.status, row.remark, row.method) == ("absent", note, "manual")
    assert record_of(server, first) is None and record_of(server, third) is None
    # the page shown again has the saved choice and note
    expect(page.get_by_role("radio", name=f"Vắng: {absent}")).to_be_checked()
    expect(page.get_by_role("textbox", name=f"Ghi chú: {absent}")).to_have_value(note)


@pytest.mark.parametrize(("trainee", "device"), [(3, {}), (4, PHONE)], ids=["desktop", "phone-390px"])
def test_a_trainee_checks_in_on_the_identification_form_by_keyboard_alone(new_page, server, trainee, device):
    name, born = TRAINEES[trainee]
    code = server.codes[name]
    phone = new_page(**device)
    with server.app.app_context():
        phone.goto(f"/checkin/{qr.make_token(server.session_id)}")
    if device:
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing off the screen's side

    def fill_and_send(birth_date: str) -> None:
        """From the code field: type the code afresh, Tab, the birth date afresh, Enter."""
        assert focused(phone)["id"] == "code"
        phone.keyboard.press("ControlOrMeta+a")
        phone.keyboard.type(code)
        phone.keyboard.press("Tab")
        assert focused(phone)["id"] == "birth_date"
        phone.keyboard.press("ControlOrMeta+a")
        phone.keyboard.type(birth_date)
        with phone.expect_navigation():
            phone.keyboard.press("Enter")

    # the skip link is out of sight until the first Tab; from it, the next Tab is the form's first field
    skip = phone.get_by_role("link", name="Bỏ qua đến nội dung")
    assert skip.bounding_box()["y"] + skip.bounding_box()["height"] <= 0
    phone.keyboard.press("Tab")
    assert focused(phone)["text"] == "Bỏ qua đến nội dung" and skip.bounding_box()["y"] >= 0
    phone.keyboard.press("Enter")
    phone.keyboard.press("Tab")
    expect(phone.locator(":focus")).to_have_accessible_name("Mã cá nhân (trên thẻ học viên) hoặc số điện thoại")

    # a date that does not exist: the focus lands on the birth date, marked and tied to its message
    fill_and_send("31/02/" + str(born.year))
    field = focused(phone)
    assert field["id"] == "birth_date" and field["invalid"] == "true" and field["describedby"], field
    message = phone.locator(f"#{field['describedby'].split()[-1]}")
    expect(message).to_be_visible()
    expect(phone.locator(":focus")).to_have_accessible_description(re.compile(re.escape(message.inner_text())))
    assert record_of(server, name) is None

    # a real date that is not the trainee's: the focus lands on the message, read as an alert
    phone.keyboard.press("Shift+Tab")  # back to the code
    fill_and_send((born + timedelta(days=1)).strftime("%d/%m/%Y"))
    summary = focused(phone)
    assert summary["role"] == "alert" and NO_MATCH in summary["text"], summary
    assert record_of(server, name) is None

    # from the message, Tab goes on to the form: the right date, sent with Enter, is recorded
    phone.keyboard.press("Tab")
    fill_and_send(born.strftime("%d%m%Y"))
    expect(phone.locator(".checkin-result")).to_have_attribute("data-reason", "ok")
    expect(phone.locator(".checkin-result .name")).to_have_text(name)
    row = record_of(server, name)
    assert row is not None and row.method == "qr_self" and row.status in ("present", "late")
