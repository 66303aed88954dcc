"""The trainer's scanner and projector in a real Chromium when the hall's conditions turn bad:
the scanner reloaded with no network (its service worker), a laptop clock 40 minutes slow, an
ended sign-in; the projector losing its network and its sign-in and getting them back.

Served like tests/browser/test_checkin.py: its own app with a session open now."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_checkin import PASSWORD, _open_session_now
from training.attendance.models import Attendance, ScanLog
from training.clock import utcnow
from training.extensions import db
from training.people.models import Trainee

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(serve):
    with serve(_open_session_now) as server:
        yield server


def rows(server, names) -> list:
    """(name, checked_in_at, scan logs) of the attendance rows of these trainees."""
    with server.app.app_context():
        found = db.session.execute(
            select(Trainee.full_name, Attendance.checked_in_at, Attendance.method)
            .join(Attendance, Attendance.trainee_id == Trainee.id)
            .where(Attendance.session_id == server.session_id, Trainee.full_name.in_(names))
        ).all()
        return [tuple(row) for row in found]


def logs(server, code: str) -> list:
    with server.app.app_context():
        return [
            (log.reason, log.offline, log.scanned_at)
            for log in db.session.scalars(select(ScanLog).where(ScanLog.code == code))
        ]


def signed_in_page(new_page, sign_in, slow_by: timedelta | None = None):
    page = new_page()
    if slow_by is not None:
        # The laptop's clock: installed before any page, it runs on from there.
        page.clock.install(time=datetime.now() - slow_by)
    sign_in(page, "giangvien", PASSWORD)
    expect(page).not_to_have_url(re.compile(r"/login"))
    return page


def test_the_scanner_opens_offline_and_times_queued_scans_on_the_servers_clock(server, new_page, sign_in):
    names = ["Nguyễn Thị Hoa", "Trần Văn Bình"]
    page = signed_in_page(new_page, sign_in, slow_by=timedelta(minutes=40))
    assert (
        page.evaluate("Date.now()") < (datetime.now() - timedelta(minutes=39)).timestamp() * 1000
    )  # the clock is slow
    path = f"/sessions/{server.session_id}/scan"
    page.goto(path)
    expect(page.locator("#roster-count")).to_have_text("4")  # online: roster and clock learned
    # The service worker has taken the page and kept it.
    page.wait_for_function(
        "caches.open('taphuan-scanner-v1').then(c => c.match(location.pathname)).then(r => !!r && "
        "!!navigator.serviceWorker.controller)"
    )
    offset = page.evaluate("JSON.parse(localStorage.getItem('taphuan.clock')).offset")
    assert 39 * 60_000 < offset < 41 * 60_000

    context = page.context
    context.set_offline(True)
    # What reaches the server while the browser is offline: no page and no file. A reloaded or
    # new page's first clock request (a fetch, Sec-Fetch-Dest "empty") is left out: Chromium's
    # offline emulation let one out as the page was being replaced in 1 run in 5 here, where a
    # laptop without network would simply fail it (and the page would say it is offline).
    reached = []
    wsgi = server.app.wsgi_app

    def counting(environ, start):
        if environ.get("HTTP_SEC_FETCH_DEST") != "empty":
            reached.append(environ["PATH_INFO"])
        return wsgi(environ, start)

    server.app.wsgi_app = counting
    try:
        reloaded = page.reload()  # with no network: the kept page, not the browser's error page
        assert reloaded.from_service_worker and reloaded.status == 200
        fresh = context.new_page()  # and in a new tab, as from a bookmark
        opened = fresh.goto(path)
        assert opened.from_service_worker and opened.status == 200
        expect(fresh.get_by_role("heading", name="Quét thẻ học viên")).to_be_visible()
        fresh.close()
    finally:
        server.app.wsgi_app = wsgi
    assert reached == []
    expect(page.get_by_role("heading", name="Quét thẻ học viên")).to_be_visible()
    expect(page.locator("#net-offline")).to_be_visible()
    expect(page.locator("#net-online")).to_be_hidden()  # one label at a time
    for name in names:
        page.locator("#code").fill(server.codes[name])
        page.locator("#code").press("Enter")
    expect(page.locator("#queue-count")).to_have_text("2")
    expect(page.locator("#history li[data-state=queued]")).to_have_count(2)
    expect(page.locator("#history")).to_contain_text(names[0])  # named from the roster kept offline
    page.reload()  # the queue survives a reload
    expect(page.locator("#queue-count")).to_have_text("2")
    assert rows(server, names) == []

    context.set_offline(False)
    expect(page.locator("#history li[data-state=sent]")).to_have_count(2, timeout=20_000)
    expect(page.locator("#queue-count")).to_have_text("0")
    expect(page.locator("#net-online")).to_be_visible()
    page.wait_for_timeout(1000)  # room for a resend, which must be harmless
    recorded = rows(server, names)
    assert sorted(name for name, _at, _method in recorded) == sorted(names)  # each once
    now = utcnow()
    for name, at, method in recorded:
        # The server's time of the scans (made a few seconds ago), not the laptop's 40 minutes before.
        assert method == "qr_badge" and now - timedelta(minutes=2) < at <= now, (name, at, now)
    for name in names:
        [(reason, offline, scanned_at)] = logs(server, server.codes[name])
        assert reason == "ok" and offline and now - timedelta(minutes=2) < scanned_at <= now


def test_a_lost_sign_in_keeps_the_scans_and_asks_to_sign_in_again(server, new_page, sign_in):
    name = "Lê Minh Châu"
    page = signed_in_page(new_page, sign_in)
    page.goto(f"/sessions/{server.session_id}/scan")
    expect(page.locator("#roster-count")).to_have_text("4")
    page.context.clear_cookies()  # the sign-in has ended
    page.locator("#code").fill(server.codes[name])
    page.locator("#code").press("Enter")
    prompt = page.locator("#signin-prompt")
    expect(prompt).to_be_visible()
    expect(page.locator("#net-signed-out")).to_be_visible()
    expect(page.locator("#history li[data-state=queued]")).to_have_count(1)
    assert prompt.get_by_role("link").get_attribute("target") == "_blank"  # the scanner page stays, with its queue

    other = page.context.new_page()  # what the link opens
    sign_in(other, "giangvien", PASSWORD)
    expect(page.locator("#history li[data-state=sent]")).to_have_count(1, timeout=20_000)
    expect(prompt).to_be_hidden()
    assert [n for n, _at, _m in rows(server, [name])] == [name]


def test_a_refused_scan_stays_until_dismissed_and_the_field_keeps_the_focus(server, new_page, sign_in):
    page = signed_in_page(new_page, sign_in)
    page.goto(f"/sessions/{server.session_id}/scan")
    expect(page.locator("#roster-count")).to_have_text("4")
    page.keyboard.type("23456789AB")
    page.keyboard.press("Tab")  # a USB scanner set to end with Tab
    refused = page.locator("#history li[data-state=refused]")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("Không có học viên nào mang mã 23456789AB")
    expect(page.locator("#code")).to_be_focused()
    page.keyboard.type(server.codes["Đỗ Thị Ánh"])
    page.keyboard.press("Enter")
    expect(page.locator("#last")).to_have_attribute("data-state", "sent")
    expect(refused).to_have_count(1)  # a later good scan does not hide the refusal
    page.reload()
    expect(refused).to_have_count(1)
    refused.get_by_role("button", name="Đã xem").click()
    expect(refused).to_have_count(0)
    expect(page.locator("#code")).to_be_focused()


def test_the_projector_hides_its_code_without_network_or_sign_in_and_recovers(server, new_page, sign_in):
    page = signed_in_page(new_page, sign_in)
    page.goto(f"/sessions/{server.session_id}/projector")
    code = page.locator("#qr svg")
    expect(code).to_be_visible()
    expect(page.locator("#short-code")).to_have_text(re.compile(r"^\d{6}$"))

    context = page.context
    context.set_offline(True)
    expect(code).to_be_hidden()
    expect(page.locator("#short")).to_be_hidden()
    expect(page.locator("#qr-reason")).to_contain_text("Mất kết nối tới máy chủ")
    context.set_offline(False)
    expect(code).to_be_visible(timeout=15_000)
    expect(page.locator("#qr-hidden")).to_be_hidden()

    context.clear_cookies()
    expect(code).to_be_hidden(timeout=15_000)
    expect(page.locator("#qr-reason")).to_contain_text("Phiên đăng nhập đã hết")
    expect(page.locator("#qr-login")).to_be_visible()
    other = context.new_page()
    sign_in(other, "giangvien", PASSWORD)
    expect(code).to_be_visible(timeout=15_000)
    expect(page.locator("#qr-login")).to_be_hidden()


def test_a_send_that_fails_while_online_shows_and_is_sent_again(server, new_page, sign_in):
    """The browser says it is online but the server answers 500: the scan says so, is kept,
    and goes out once the server answers again."""
    name = "Trần Văn Bình"
    page = signed_in_page(new_page, sign_in)
    page.goto(f"/sessions/{server.session_id}/scan")
    expect(page.locator("#roster-count")).to_have_text("4")
    page.route(
        "**/api/v1/checkins", lambda route: route.fulfill(status=500, content_type="text/html", body="<h1>500</h1>")
    )
    page.locator("#code").fill(server.codes[name])
    page.locator("#code").press("Enter")
    failed = page.locator("#history li[data-state=failed]")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("Chưa gửi được")
    expect(page.locator("#net-failing")).to_be_visible()
    expect(page.locator("#net-online")).to_be_hidden()
    page.unroute("**/api/v1/checkins")
    expect(page.locator("#history li[data-state=sent]")).to_have_count(1, timeout=20_000)
    expect(page.locator("#net-online")).to_be_visible()
