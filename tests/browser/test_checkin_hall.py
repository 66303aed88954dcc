"""Check-in as a real hall does it, in Chromium: a room of phones behind one address, each
mistyping once; a borrowed phone saying "not me"; the result page switched to English; and
the trainer's roster page left open while a badge is scanned.

The app is served with its rate limits on, as deployed (the conftest's `serve` turns them off
for the other modules): a hall must never be throttled by what its phones share.
"""

from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select

from tests.browser.conftest import session_open_now
from training.attendance import qr
from training.attendance.models import Attendance
from training.extensions import db, limiter

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PASSWORD = "mat-khau-giang-vien"
HALL = 32


def _hall_now() -> dict:
    """A course of HALL trainees with a session that started two minutes ago and runs an
    hour; the session's id, and the trainees' (name, code, birth date, id)."""
    people = [(f"Học Viên Hội Trường {n + 1:02d}", date(1970 + n % 30, 1 + n % 12, 1 + n % 28)) for n in range(HALL)]
    session, trainees = session_open_now(PASSWORD, people, "Lớp cả hội trường", capacity=60)
    return {"session_id": session.id, "people": [(t.full_name, t.personal_code, t.birth_date, t.id) for t in trainees]}


@pytest.fixture(scope="module")
def server(serve):
    was = limiter.enabled
    try:
        with serve(_hall_now, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://") as server:
            yield server
    finally:
        limiter.enabled = was  # one object for the process


def status_of(server, trainee_id: int) -> Attendance | None:
    with server.app.app_context():
        row = db.session.scalar(
            select(Attendance).where(Attendance.session_id == server.session_id, Attendance.trainee_id == trainee_id)
        )
        if row is not None:
            db.session.expunge(row)
        return row


def checkin_url(server) -> str:
    with server.app.app_context():
        return f"/checkin/{qr.make_token(server.session_id)}"


def forget_records(server, *trainee_ids: int) -> None:
    with server.app.app_context():
        db.session.execute(delete(Attendance).where(Attendance.trainee_id.in_(trainee_ids)))
        db.session.commit()


@pytest.mark.slow
def test_a_hall_of_phones_behind_one_address_each_mistyping_once_is_all_recorded(new_page, server):
    people = server.people[:30]
    phones = [new_page(**PHONE) for _ in people]
    url = checkin_url(server)  # the projector's code of this moment
    for phone in phones:  # the link opened by the whole hall at once
        phone.goto(url, wait_until="commit")
    for phone in phones:
        expect(phone.get_by_label("Mã cá nhân")).to_be_visible()
    tickets = {phone.locator("input[name=ticket]").get_attribute("value") for phone in phones}
    assert len(tickets) == len(phones)  # one per phone, never shared

    for phone, (_name, code, born, _id) in zip(phones, people):
        phone.get_by_label("Mã cá nhân").fill(code)
        phone.get_by_label("Ngày sinh").fill((born + timedelta(days=1)).strftime("%d/%m/%Y"))  # a slip of the finger
        phone.get_by_role("button", name="Điểm danh").click(no_wait_after=True)
    for phone, (_name, code, _born, _id) in zip(phones, people):
        expect(phone.locator(".form-error")).to_contain_text("không khớp với học viên nào của khóa học này")
        expect(phone.get_by_label("Mã cá nhân")).to_have_value(code)  # what was typed is still there

    for phone, (_name, _code, born, _id) in zip(phones, people):
        phone.get_by_label("Ngày sinh").fill(born.strftime("%d%m%Y"))  # a numeric keyboard has no "/"
        phone.get_by_role("button", name="Điểm danh").click(no_wait_after=True)
    for phone, (name, _code, _born, _id) in zip(phones, people):
        expect(phone.locator(".checkin-result")).to_have_attribute("data-reason", "ok")
        expect(phone.locator(".checkin-result .name")).to_have_text(name)
    assert all(status_of(server, trainee_id) is not None for *_rest, trainee_id in people)


def test_a_borrowed_phone_says_not_me_and_its_owner_is_not_recorded(new_page, server):
    (owner, owner_code, owner_born, owner_id), (borrower, borrower_code, borrower_born, borrower_id) = server.people[
        30:32
    ]
    phone = new_page(**PHONE)
    phone.goto(checkin_url(server))
    phone.get_by_label("Mã cá nhân").fill(owner_code)
    phone.get_by_label("Ngày sinh").fill(owner_born.strftime("%d/%m/%Y"))
    phone.get_by_role("button", name="Điểm danh").click()
    expect(phone.locator(".checkin-result")).to_have_attribute("data-reason", "ok")
    forget_records(server, owner_id)  # as if that was an earlier session: the phone remembers the owner

    phone.goto(checkin_url(server))  # the owner lends the phone
    expect(phone.get_by_role("heading", name=f"Điểm danh là {owner}?")).to_be_visible()
    assert status_of(server, owner_id) is None  # nothing recorded before the holder says who they are
    phone.get_by_role("button", name="Không phải tôi").click()
    expect(phone.get_by_label("Mã cá nhân")).to_be_visible()
    expect(phone.locator(".notice")).to_contain_text("Điện thoại này đã quên học viên trước")
    assert status_of(server, owner_id) is None

    phone.get_by_label("Mã cá nhân").fill(borrower_code)
    phone.get_by_label("Ngày sinh").fill(borrower_born.strftime("%d/%m/%Y"))
    phone.get_by_role("button", name="Điểm danh").click()
    expect(phone.locator(".checkin-result .name")).to_have_text(borrower)
    assert status_of(server, owner_id) is None and status_of(server, borrower_id).method == "qr_self"

    # the result page in English keeps the page: no token run again, no error
    phone.get_by_role("button", name="English").click()
    expect(phone.locator("h1")).to_have_text("Checked in")
    expect(phone.locator(".checkin-result .name")).to_have_text(borrower)
    expect(phone.locator(".checkin-result.bad")).to_have_count(0)
    forget_records(server, borrower_id)


def test_a_stale_roster_page_saved_after_a_scan_keeps_the_scan_and_names_the_conflict(new_page, sign_in, server):
    (late_name, late_code, _b, late_id), (other_name, _c, _d, other_id) = server.people[0], server.people[1]
    forget_records(server, late_id, other_id)
    roster = new_page()
    sign_in(roster, "giangvien", PASSWORD)
    roster.goto(f"/sessions/{server.session_id}/roster")
    roster.get_by_label(f"Vắng: {late_name}").check()
    roster.get_by_role("button", name="Lưu điểm danh").click()
    expect(roster.locator(".flash-success")).to_contain_text("1 thay đổi")
    assert status_of(server, late_id).status == "absent"

    # the page stays open; the trainee arrives and the trainer's badge scanner records her
    scanner = new_page()
    sign_in(scanner, "giangvien", PASSWORD)
    scanner.goto(f"/sessions/{server.session_id}/scan")
    scanner.locator("#code").fill(late_code)
    scanner.locator("#code").press("Enter")
    expect(scanner.locator("#last")).to_contain_text(late_name)
    # the scanner names a badge from its roster at once; the server's answer comes after
    expect(scanner.locator("#last")).to_have_attribute("data-state", "sent")
    scanned = status_of(server, late_id)
    assert scanned.status in ("present", "late") and scanned.method == "qr_badge"

    roster.get_by_label(f"Có mặt: {other_name}").check()
    roster.get_by_label(f"Ghi chú: {late_name}").fill("không thấy đến")
    roster.get_by_role("button", name="Lưu điểm danh").click()
    expect(roster.locator(".flash-warning").first).to_contain_text("Chưa ghi đè 1 học viên")
    expect(roster.locator(".flash-warning").nth(1)).to_contain_text(f"{late_name}: đã thay đổi sau khi trang được mở")
    assert status_of(server, late_id).method == "qr_badge" and status_of(server, late_id).status == scanned.status
    assert status_of(server, other_id).status == "present"
    expect(roster.get_by_label(f"{'Muộn' if scanned.status == 'late' else 'Có mặt'}: {late_name}")).to_be_checked()


def test_leaving_the_roster_with_unsaved_changes_asks_first(new_page, sign_in, server):
    name = server.people[2][0]
    roster = new_page()
    sign_in(roster, "giangvien", PASSWORD)
    roster.goto(f"/sessions/{server.session_id}/roster")
    roster.get_by_label(f"Có phép: {name}").check()
    asked = []
    roster.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    roster.close(run_before_unload=True)
    deadline = datetime.now() + timedelta(seconds=5)
    while not asked and datetime.now() < deadline:
        roster.wait_for_timeout(100) if not roster.is_closed() else None
    assert asked == ["beforeunload"]


def test_the_roster_on_a_phone_is_a_card_per_trainee_with_every_choice_reachable(new_page, sign_in, server):
    page = new_page(**PHONE)
    sign_in(page, "giangvien", PASSWORD)
    page.goto(f"/sessions/{server.session_id}/roster")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    name = server.people[3][0]
    for label in ("Có mặt", "Muộn", "Vắng", "Có phép", "Chưa ghi"):
        choice = page.get_by_label(f"{label}: {name}")
        box = choice.locator("xpath=ancestor::label[1]").bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44 and box["x"] + box["width"] <= 390, (label, box)
        expect(choice.locator("xpath=ancestor::label[1]")).to_contain_text(label)
    remark = page.get_by_label(f"Ghi chú: {name}").bounding_box()
    assert remark["x"] + remark["width"] <= 390


def test_every_target_of_the_check_in_page_is_thumb_sized_on_a_phone(new_page, server):
    phone = new_page(**PHONE)
    phone.goto(checkin_url(server))
    targets = phone.locator("main input:not([type=hidden]), main button, main a")
    assert targets.count() >= 3  # the code, the birth date, the button
    for index in range(targets.count()):
        target = targets.nth(index)
        if target.is_visible():
            box = target.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44, (target.evaluate("e => e.outerHTML"), box)
            assert box["x"] + box["width"] <= 390
