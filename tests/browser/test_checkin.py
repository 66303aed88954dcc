"""QR check-in in a real Chromium: the projector's QR read back with zbarimg, a trainee's phone,
the trainer's badge scanner typed into like a USB scanner, and a scan made offline.

The demo data has no session open at an arbitrary moment, so this module serves its own app
(the conftest's `serve`, CSRF on as in production) with a course whose session is open now,
made through the course services in the server's app context; the tests read the server's
database directly.
"""

import re
import subprocess
import time
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import LiveServer, session_open_now
from training.attendance.models import Attendance, ScanLog
from training.extensions import db

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PASSWORD = "mat-khau-giang-vien"
#: (full name, birth date) of the enrolled trainees; each test checks in a different one
TRAINEES = [
    ("Nguyễn Thị Hoa", date(1985, 3, 15)),
    ("Trần Văn Bình", date(1990, 11, 2)),
    ("Lê Minh Châu", date(1979, 7, 30)),
    ("Đỗ Thị Ánh", date(1992, 5, 9)),
]


def _open_session_now() -> dict:
    """District A's course with a session that started two minutes ago and runs an hour; its
    session_id, and codes: full name → personal code."""
    session, trainees = session_open_now(PASSWORD, TRAINEES, "Lớp kiểm thử điểm danh")
    return {"session_id": session.id, "codes": {t.full_name: t.personal_code for t in trainees}}


@pytest.fixture(scope="module")
def server(serve):
    """This module's own server, which the conftest's pages open."""
    with serve(_open_session_now) as server:
        yield server


@pytest.fixture
def trainer_page(new_page, sign_in):
    """Opens a page signed in as the course's trainer, in a fresh context of its own."""

    def _open():
        page = new_page()
        sign_in(page, "giangvien", PASSWORD)
        expect(page).not_to_have_url(re.compile(r"/login"))
        return page

    return _open


def records(server: LiveServer, name: str) -> list[Attendance]:
    from training.people.models import Trainee

    with server.app.app_context():
        rows = db.session.scalars(
            select(Attendance)
            .join(Trainee)
            .where(Attendance.session_id == server.session_id, Trainee.full_name == name)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def scan_logs(server: LiveServer, code: str) -> list[ScanLog]:
    with server.app.app_context():
        rows = db.session.scalars(
            select(ScanLog).where(ScanLog.session_id == server.session_id, ScanLog.code == code)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def decode_projector_qr(page, tmp_path) -> str:
    """Screenshot the QR on the projector page and read it with zbarimg."""
    expect(page.locator("#qr svg")).to_be_visible()
    png = tmp_path / f"qr-{time.monotonic_ns()}.png"
    page.locator("#qr").screenshot(path=str(png))  # the box, not the SVG, which the page swaps as the code rotates
    result = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True)
    assert result.returncode == 0, f"zbarimg found no QR code in the projector's screenshot: {result.stderr}"
    return result.stdout.strip()


@pytest.fixture
def projector(trainer_page, server):
    page = trainer_page()
    page.goto(f"/sessions/{server.session_id}/projector")
    return page


def test_the_projector_shows_a_qr_that_opens_the_check_in_page(projector, new_page, server, tmp_path):
    expect(projector.locator("h1")).to_have_text("Quét mã để điểm danh")
    expect(projector.locator("#enrolled")).to_have_text(str(len(TRAINEES)))
    url = decode_projector_qr(projector, tmp_path)
    assert re.fullmatch(re.escape(server.url) + r"/checkin/\d+\.\d+\.[A-Za-z0-9_-]{22}", url), url
    assert url.split("/checkin/")[1].startswith(f"{server.session_id}.")

    phone = new_page(**PHONE)
    response = phone.goto(url)
    assert response.status == 200
    expect(phone.get_by_role("heading", name="Điểm danh lần đầu trên điện thoại này")).to_be_visible()
    expect(phone.get_by_label("Mã cá nhân")).to_be_visible()


def test_the_projector_polls_without_the_drawing_it_shows(trainer_page, server, tmp_path):
    from training.attendance import qr

    with server.app.app_context():  # the step's length is a setting of the served app
        left = qr.seconds_left_in_step()
    if left < 5:  # the code would change between the page and its first poll
        time.sleep(left + 0.5)
    page = trainer_page()
    with page.expect_response(lambda r: "/projector.json" in r.url) as polled:
        page.goto(f"/sessions/{server.session_id}/projector")
    state = polled.value.json()
    assert "shown=" in polled.value.url and "svg" not in state and state["checked_in"] >= 0
    assert decode_projector_qr(page, tmp_path) == state["url"]  # the page still shows the current code


def test_the_projector_follows_the_code_through_a_rotation_a_close_and_a_lost_answer(trainer_page, server):
    """projector.js against scripted answers: a new code is drawn and reported as shown, a
    closed session shows its message and asks without `shown`, a lost answer hides the code
    (phones would be refused it soon) and the next answer draws it again."""
    import json

    page = trainer_page()
    asked: list[str] = []

    def state(**fields):
        return {
            "state": "open",
            "checked_in": 1,
            "enrolled": len(TRAINEES),
            "seconds_left": 0,
            "server_time": "08:00:00",
            **fields,
        }

    script = [
        state(step=101, url="http://x/checkin/b", svg='<svg id="code-b"></svg>'),
        state(step=101, url="http://x/checkin/b"),  # still current: no drawing
        {**state(state="ended", message="Đã kết thúc điểm danh")},
        state(step=103, url="http://x/checkin/c", svg='<svg id="code-c"></svg>'),
        None,  # the answer is lost
        state(step=103, url="http://x/checkin/c", svg='<svg id="code-c"></svg>', seconds_left=30),
    ]

    def answer(route):
        asked.append(route.request.url)
        reply = script.pop(0) if script else state(step=103, url="http://x/checkin/c", seconds_left=30)
        if reply is None:
            route.abort()
        else:
            route.fulfill(status=200, content_type="application/json", body=json.dumps(reply))

    page.route("**/projector.json*", answer)
    page.goto(f"/sessions/{server.session_id}/projector")
    deadline = time.monotonic() + 15
    while len(asked) < 6 and time.monotonic() < deadline:  # the lost answer is asked again after 3 s
        page.wait_for_timeout(100)
    queries = [url.partition("?")[2] for url in asked]
    assert queries[0] == f"shown={page.locator('#qr').get_attribute('data-shown')}"  # the code it was drawn with
    assert queries[1:6] == ["shown=101", "shown=101", "", "shown=103", ""]
    expect(page.locator("#qr svg#code-c")).to_be_visible()
    expect(page.locator("#qr-hidden")).to_be_hidden()
    expect(page.locator("#count")).to_have_text("1")


def test_a_trainee_checks_in_on_a_phone(projector, new_page, server, tmp_path):
    name = "Nguyễn Thị Hoa"
    url = decode_projector_qr(projector, tmp_path)
    phone = new_page(**PHONE)
    phone.goto(url)
    phone.get_by_label("Mã cá nhân").fill(server.codes[name].lower())
    phone.get_by_label("Ngày sinh").fill("1985-03-15")  # a date field: the phone's date picker gives ISO dates
    phone.get_by_role("button", name="Điểm danh").click()

    result = phone.locator(".checkin-result")
    expect(result).to_have_attribute("data-reason", "ok")
    expect(result.locator(".name")).to_have_text(name)
    expect(result.locator(".when strong")).to_have_text(re.compile(r"^(Đúng giờ|Đi muộn)$"))
    for element in (result.locator(".name"), result.locator(".when")):
        assert (
            float(element.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 20
        )  # readable at arm's length
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    [row] = records(server, name)
    assert (row.method, row.status) == ("qr_self", "present")

    # The next scan from the same phone needs no questions and records nothing new.
    phone.goto(decode_projector_qr(projector, tmp_path))
    expect(result).to_have_attribute("data-reason", "already_checked_in")
    expect(result).to_contain_text(f"{name} đã điểm danh lúc")
    expect(phone.get_by_label("Mã cá nhân")).to_have_count(0)
    assert len(records(server, name)) == 1
    expect(projector.locator("#count")).to_have_text("1", timeout=10_000)  # the projector's live count


def test_a_phone_opens_the_check_in_page_again_without_fetching_its_styles(projector, new_page, server, tmp_path):
    """A weak rural connection pays for every request: the first visit's page carries its own
    styles (no stylesheet to wait for), and the second scan's page comes with no request for
    the script or the icon, which the phone keeps (training/assets.py)."""
    asked: list[str] = []
    served = server.app.wsgi_app

    def counting(environ, start_response):
        asked.append(environ["PATH_INFO"])
        return served(environ, start_response)

    server.app.wsgi_app = counting
    try:
        phone = new_page(**PHONE)
        phone.goto(decode_projector_qr(projector, tmp_path))
        expect(phone.get_by_label("Mã cá nhân")).to_be_visible()
        # Chromium asks for the icon on its own, after the page is shown: wait for it, or it
        # would be counted as the second visit's
        deadline = time.monotonic() + 10
        while "/static/favicon.svg" not in asked and time.monotonic() < deadline:
            phone.wait_for_timeout(50)
        first = [path for path in asked if path.startswith("/static/")]
        asked.clear()
        phone.goto(decode_projector_qr(projector, tmp_path))
        expect(phone.get_by_label("Mã cá nhân")).to_be_visible()
        again = [path for path in asked if path.startswith("/checkin/") or path.startswith("/static/")]
    finally:
        server.app.wsgi_app = served
    assert {"/static/js/app.js", "/static/favicon.svg"} <= set(first) and "/static/css/app.css" not in first
    assert len(again) == 1 and again[0].startswith("/checkin/"), again
    # the page is drawn with its styles all the same (they centre the check-in box)
    assert phone.locator(".checkin").evaluate("e => getComputedStyle(e).textAlign") == "center"


def scanner(trainer_page, server):
    """The trainer's badge-scanner page, its roster loaded."""
    page = trainer_page()
    page.goto(f"/sessions/{server.session_id}/scan")
    expect(page.locator("#roster-count")).to_have_text(str(len(TRAINEES)))  # the roster is kept for offline use
    return page


def test_the_scanner_records_a_code_typed_into_its_field(trainer_page, server):
    name = "Trần Văn Bình"
    page = scanner(trainer_page, server)
    expect(page.locator("#code")).to_be_focused()  # a USB scanner types wherever the focus is
    page.keyboard.type(server.codes[name])
    page.keyboard.press("Enter")

    expect(page.locator("#last")).to_contain_text(name)
    expect(page.locator("#last")).to_have_class(re.compile(r"\bnew\b"))
    expect(page.locator("#queue-count")).to_have_text("0")
    expect(page.locator("#code")).to_have_value("")
    [row] = records(server, name)
    assert row.method == "qr_badge"

    page.keyboard.type("23456789AB")
    page.keyboard.press("Enter")
    expect(page.locator("#last")).to_contain_text("Không có học viên nào mang mã 23456789AB")
    expect(page.locator("#last")).to_have_class(re.compile(r"\brefused\b"))


def test_a_scan_made_offline_is_sent_when_the_network_returns(trainer_page, server):
    name = "Lê Minh Châu"
    code = server.codes[name]
    page = scanner(trainer_page, server)
    context = page.context

    context.set_offline(True)
    expect(page.locator("#net-offline")).to_be_visible()
    page.locator("#code").fill(code)
    page.locator("#code").press("Enter")
    expect(page.locator("#queue-count")).to_have_text("1")
    expect(page.locator("#last")).to_contain_text(f"{name} — Đã lưu trên máy")
    time.sleep(1)
    assert records(server, name) == []

    context.set_offline(False)
    expect(page.locator("#queue-count")).to_have_text("0")
    expect(page.locator("#last")).to_contain_text(name)
    expect(page.locator("#last")).to_have_class(re.compile(r"\bnew\b"))
    expect(page.locator("#net-online")).to_be_visible()
    expect(page.locator("#net-offline")).to_be_hidden()

    page.wait_for_timeout(1500)  # room for a resend, which must be harmless
    [row] = records(server, name)
    assert (row.method, row.status) == ("qr_badge", "present")
    [log] = scan_logs(server, code)
    assert log.offline and log.reason == "ok"
    kept = page.evaluate(f"JSON.parse(localStorage.getItem('taphuan.scans.{server.session_id}'))")
    assert [scan["state"] for scan in kept] == ["sent"]


def test_a_scan_survives_the_pages_csrf_token_expiring(trainer_page, server):
    """A scanner page stays open for a whole session, longer than a CSRF token lives; a scan
    sent with an expired token is kept and sent again with a fresh one, never dropped."""
    name = "Đỗ Thị Ánh"
    server.app.config["WTF_CSRF_TIME_LIMIT"] = 2
    try:
        page = scanner(trainer_page, server)
        page.wait_for_timeout(3000)  # the token in the page has expired
        page.locator("#code").fill(server.codes[name])
        page.locator("#code").press("Enter")
        expect(page.locator("#last")).to_contain_text(name)
        expect(page.locator("#last")).to_have_class(re.compile(r"\bnew\b"))
        expect(page.locator("#queue-count")).to_have_text("0")
    finally:
        server.app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    [row] = records(server, name)
    assert row.method == "qr_badge"
    assert len(scan_logs(server, server.codes[name])) == 1
