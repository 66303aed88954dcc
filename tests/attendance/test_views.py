"""Attendance pages and the scanner API: the trainee's phone, the projector, the badge scanner,
the manual roster and the scan log, and who may open each."""

import json
import re
import subprocess
import time
from datetime import datetime
from urllib.parse import urlsplit

import jsonschema
import pytest
from itsdangerous.timed import TimestampSigner
from openapi_spec_validator import validate as validate_openapi
from PIL import Image, ImageDraw
from sqlalchemy import select

from tests.attendance.conftest import checkin_path, confirm, make_course_now, remember_device, roster_form, ticket_of
from tests.helpers import count, page_text
from tests.queries import statements_sent
from training.attendance import checkin, phone_views, phones, qr, roster
from training.attendance.identify import Identification
from training.attendance.models import REASONS, Attendance, ScanLog
from training.audit import AuditEvent
from training.clock import to_utc
from training.extensions import db
from training.people.models import Trainee

FORM_REFUSED = "Mã (hoặc số điện thoại) và ngày sinh không khớp với học viên nào của khóa học này."


def local(hour: int, minute: int = 0) -> datetime:
    return to_utc(datetime(2026, 3, 3, hour, minute))


def record_of(trainee) -> Attendance | None:
    db.session.expire_all()
    return db.session.scalar(select(Attendance).where(Attendance.trainee_id == trainee.id))


def identify(client, session, code: str, birth_date: str):
    """Scan the projector with a new phone, then answer its one question."""
    path = checkin_path(session)
    form = client.get(path)
    assert form.status_code == 200
    return client.post(path, data={"ticket": ticket_of(form), "code": code, "birth_date": birth_date})


def device_cookie(client):
    return client.get_cookie(phones.DEVICE_COOKIE, domain="taphuan.test")


# --- the trainee's phone ---------------------------------------------------------------------


def test_a_new_phone_is_asked_once_who_it_is(client, course_now):
    response = client.get(checkin_path(course_now.current))
    assert response.status_code == 200
    text = page_text(response)
    assert course_now.course.title in text
    assert 'name="code"' in text and 'name="birth_date"' in text
    assert "Điểm danh lần đầu trên điện thoại này" in text
    assert device_cookie(client) is None
    assert count(Attendance) == 0


@pytest.mark.parametrize("typed", ["15/03/1985", "1985-03-15", "15-03-1985", " 15.03.1985 "])
def test_the_right_code_and_birth_date_check_in_and_remember_the_phone(client, course_now, typed):
    hoa = course_now.trainees[0]
    response = identify(client, course_now.current, hoa.personal_code, typed)
    assert response.status_code == 200
    text = page_text(response)
    assert 'data-reason="ok"' in text
    assert hoa.full_name in text and "Đúng giờ" in text and "08:05" in text
    assert course_now.course.title in text and "08:00–11:00" in text  # the session, drawn after the commit

    cookie = device_cookie(client)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert phones._device_serializer().loads(cookie.value)["k"] == hoa.device_key
    row = record_of(hoa)
    assert (row.status, row.method, row.checked_in_at) == ("present", "qr_self", local(8, 5))
    assert row.device == phones._device_serializer().loads(cookie.value)["d"] and row.device


def test_identifying_reads_the_session_the_trainee_and_the_facts_once(client, course_now):
    hoa = course_now.trainees[0]
    form = client.get(checkin_path(course_now.current))
    with statements_sent() as sent:
        response = client.post(
            checkin_path(course_now.current),
            data={"ticket": ticket_of(form), "code": hoa.personal_code, "birth_date": "15/03/1985"},
        )
    assert 'data-reason="ok"' in page_text(response)
    assert phones._device_serializer().loads(device_cookie(client).value)["k"] == hoa.device_key
    # not the trainee again after the commit, to write the phone's cookie; +1: the reminder of
    # an open course survey the trainee has not answered (surveys)
    assert sent.reads == 4, sent


def test_a_trainee_erased_while_identifying_gets_the_form_again(client, course_now, monkeypatch):
    # found by code and birth date, erased before the check-in reads its facts
    gone = Trainee(id=987654, full_name="Người Đã Xóa")
    monkeypatch.setattr(phone_views, "identify_trainee", lambda *_args: Identification(gone, "ok"))
    form = client.get(checkin_path(course_now.current))
    response = client.post(
        checkin_path(course_now.current),
        data={"ticket": ticket_of(form), "code": course_now.trainees[0].personal_code, "birth_date": "15/03/1985"},
    )
    assert response.status_code == 400 and FORM_REFUSED in page_text(response)
    assert device_cookie(client) is None and count(Attendance) == 0


def test_the_code_may_be_typed_loosely_or_replaced_by_the_phone_number(client, app, course_now):
    hoa, binh = course_now.trainees[:2]
    loose = f" {hoa.personal_code[:4].lower()} {hoa.personal_code[4:]} "
    assert 'data-reason="ok"' in page_text(identify(client, course_now.current, loose, "15/03/1985"))
    other_phone = app.test_client()
    response = identify(other_phone, course_now.current, binh.phone, "02/11/1990")
    assert 'data-reason="ok"' in page_text(response) and binh.full_name in page_text(response)
    assert count(Attendance) == 2


@pytest.mark.parametrize(
    "code, birth_date",
    [
        ("WRONGCODE9", "15/03/1985"),  # no such code
        (None, "16/03/1985"),  # the right code, the wrong birth date
        ("0999999999", "15/03/1985"),  # an unknown phone number
    ],
)
def test_a_wrong_code_or_birth_date_is_refused_clearly(client, course_now, code, birth_date):
    hoa = course_now.trainees[0]
    response = identify(client, course_now.current, code or hoa.personal_code, birth_date)
    assert response.status_code == 400
    text = page_text(response)
    assert FORM_REFUSED in text
    assert 'name="ticket"' in text  # the form again, to try once more
    assert course_now.course.title in text
    assert device_cookie(client) is None
    assert count(Attendance) == 0


def test_empty_answers_are_refused(client, course_now):
    form = client.get(checkin_path(course_now.current))
    response = client.post(
        checkin_path(course_now.current), data={"ticket": ticket_of(form), "code": "", "birth_date": ""}
    )
    assert response.status_code == 400
    assert 'class="error"' in page_text(response) and course_now.course.title in page_text(response)
    assert count(Attendance) == 0


def test_a_phone_that_checked_in_is_told_so_the_second_time(client, course_now, clock):
    hoa = course_now.trainees[0]
    identify(client, course_now.current, hoa.personal_code, "15/03/1985")
    clock.advance(minutes=20)
    response = client.get(checkin_path(course_now.current))
    assert response.status_code == 200
    text = page_text(response)
    assert 'data-reason="already_checked_in"' in text
    assert f"{hoa.full_name} đã điểm danh lúc 08:05" in text
    assert 'name="code"' not in text
    assert count(Attendance) == 1


def test_a_known_phone_checks_in_once_confirmed_and_late_is_shown(client, course_now, clock):
    binh = course_now.trainees[1]
    remember_device(client, binh, "phone-binh")
    clock.advance(minutes=15, seconds=1)
    response = confirm(client, course_now.current)
    assert response.status_code == 200
    text = page_text(response)
    assert 'data-reason="ok"' in text and binh.full_name in text
    assert "Đi muộn" in text and "đi muộn" in text
    row = record_of(binh)
    assert (row.status, row.method, row.device) == ("late", "qr_self", "phone-binh")


def test_a_known_phone_checks_in_with_two_reads_and_shows_the_session(client, course_now):
    # The session (with its course) and the check-in's facts, which bring the trainee: the
    # trainee is not read apart, nor the session again for the page after the commit expired
    # it (4 reads before, on every phone of a hall); as many for the page asking "is it you?".
    hoa, session = course_now.trainees[0], course_now.current
    remember_device(client, hoa)
    path = checkin_path(session)
    with statements_sent() as sent:
        asked = client.get(path)
    assert 'data-reason="confirm"' in page_text(asked) and sent.reads == 2, sent
    title, module_code, name, hoa_id = session.course.title, session.module_code, hoa.full_name, hoa.id
    db.session.expunge_all()  # as a new request of another process would find it
    with statements_sent() as sent:
        response = client.post(path, data={"ticket": ticket_of(asked), "action": "confirm"})
    text = page_text(response)
    assert 'data-reason="ok"' in text and name in text
    assert title in text and module_code in text and "08:00–" in text
    assert sent.reads == 3, sent  # +1: the reminder of an open course survey (surveys)
    assert db.session.scalar(select(Attendance.status).where(Attendance.trainee_id == hoa_id)) == "present"


def test_a_phone_remembering_an_erased_trainee_is_asked_who_it_is(client, course_now):
    from training.privacy import erase_trainee

    gone = course_now.trainees[0]
    remember_device(client, gone)
    erase_trainee(gone)
    db.session.commit()
    response = client.get(checkin_path(course_now.current))
    assert response.status_code == 200 and 'name="code"' in page_text(response)
    assert count(Attendance) == 0


def test_the_same_phone_serves_the_next_session_too(client, course_now, clock):
    hoa = course_now.trainees[0]
    identify(client, course_now.current, hoa.personal_code, "15/03/1985")
    clock.set_local(datetime(2026, 3, 4, 7, 55))
    response = confirm(client, course_now.future)
    assert 'data-reason="ok"' in page_text(response)
    assert count(Attendance, Attendance.trainee_id == hoa.id) == 2


def test_a_cookie_with_a_bad_signature_is_a_new_phone(client, course_now):
    client.set_cookie(phones.DEVICE_COOKIE, "eyJ0IjoxLCJkIjoieCJ9.forged", domain="taphuan.test")
    response = client.get(checkin_path(course_now.current))
    assert response.status_code == 200 and 'name="code"' in page_text(response)
    assert count(Attendance) == 0


def test_forget_clears_the_phone(client, course_now):
    hoa = course_now.trainees[0]
    identify(client, course_now.current, hoa.personal_code, "15/03/1985")
    assert device_cookie(client) is not None
    response = client.post("/checkin/forget")
    assert response.status_code == 200
    assert "Điện thoại này đã quên thông tin học viên" in page_text(response)
    assert device_cookie(client) is None
    assert 'name="code"' in page_text(client.get(checkin_path(course_now.current)))


def test_the_result_page_offers_to_forget_the_phone(client, course_now):
    response = identify(client, course_now.current, course_now.trainees[0].personal_code, "15/03/1985")
    assert 'action="/checkin/forget"' in page_text(response)


def test_an_expired_ticket_is_refused(client, course_now, monkeypatch):
    hoa = course_now.trainees[0]
    form = client.get(checkin_path(course_now.current))
    ticket = ticket_of(form)
    later = (
        int(time.time()) + client.application.config["CHECKIN_TICKET_SECONDS"] + 1
    )  # itsdangerous reads the real clock
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.post(
        checkin_path(course_now.current), data={"ticket": ticket, "code": hoa.personal_code, "birth_date": "15/03/1985"}
    )
    assert response.status_code == 410
    assert "Đã quá thời gian điểm danh của lần quét này" in page_text(response)
    assert count(Attendance) == 0 and device_cookie(client) is None


def test_a_ticket_for_a_session_deleted_since_the_scan_is_refused_in_words(client, course_now):
    from training.courses.models import CourseSession

    hoa = course_now.trainees[0]
    path = checkin_path(course_now.future)
    ticket = ticket_of(client.get(checkin_path(course_now.current)))
    db.session.delete(db.session.get(CourseSession, course_now.current.id))
    db.session.commit()
    response = client.post(path, data={"ticket": ticket, "code": hoa.personal_code, "birth_date": "15/03/1985"})
    assert response.status_code == 400
    assert "Mã QR không hợp lệ. Hãy quét mã đang chiếu trên màn hình." in page_text(response)
    assert count(Attendance) == 0 and device_cookie(client) is None


@pytest.mark.parametrize("ticket", ["", "not-a-ticket", "MQ.forged.signature"])
def test_a_forged_ticket_is_refused(client, course_now, ticket):
    response = client.post(
        checkin_path(course_now.current),
        data={"ticket": ticket, "code": course_now.trainees[0].personal_code, "birth_date": "15/03/1985"},
    )
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in page_text(response)
    assert count(Attendance) == 0


def test_a_ticket_outlives_the_token_but_not_the_session(client, course_now, clock):
    """The form may take a minute to fill in (the token has rotated), but not past the end."""
    hoa, binh = course_now.trainees[:2]
    path = checkin_path(course_now.current)
    ticket = ticket_of(client.get(path))
    clock.advance(minutes=2)
    assert 'data-reason="ok"' in page_text(
        client.post(path, data={"ticket": ticket, "code": hoa.personal_code, "birth_date": "15/03/1985"})
    )
    other = client.application.test_client()
    ticket = ticket_of(other.get(checkin_path(course_now.current)))
    clock.set_local(datetime(2026, 3, 3, 11, 1))
    response = other.post(path, data={"ticket": ticket, "code": binh.personal_code, "birth_date": "02/11/1990"})
    assert response.status_code == 409 and 'data-reason="session_closed"' in page_text(response)
    assert record_of(binh) is None


def test_the_phone_page_needs_no_sign_in_and_fits_a_phone(client, course_now):
    response = client.get(checkin_path(course_now.current))
    assert response.status_code == 200  # not a redirect to the sign-in page, which would lose the token
    assert 'name="viewport"' in page_text(response)


# --- the projector -------------------------------------------------------------------------------


def test_the_projector_shows_the_qr_the_session_and_the_count(login, trainer_a, course_now):
    response = login(trainer_a).get(f"/sessions/{course_now.current.id}/projector")
    assert response.status_code == 200
    text = page_text(response)
    assert "<svg" in text and 'aria-label="QR"' in text
    assert course_now.course.title in text and "CT1.2" in text and "08:00–11:00" in text
    assert '<span id="count">0</span>/<span id="enrolled">3</span>' in text
    assert "js/projector.js" in text


def test_projector_state_gives_a_url_that_verifies(login, trainer_a, course_now, clock):
    state = login(trainer_a).get(f"/sessions/{course_now.current.id}/projector.json").get_json()
    assert state["state"] == "open"
    assert (state["checked_in"], state["enrolled"]) == (0, 3)
    assert state["server_time"] == "08:05:00"
    assert 0 < state["seconds_left"] <= qr.step_seconds()
    url = urlsplit(state["url"])
    assert (url.scheme, url.netloc) == ("http", "taphuan.test") and url.path.startswith("/checkin/")
    info = qr.read_token(url.path.rsplit("/", 1)[1], clock.time())
    assert info.session_id == course_now.current.id and info.step == qr.current_step(clock.time())
    assert state["svg"].startswith("<svg")


def test_projector_state_counts_check_ins_and_rotates_the_code(login, trainer_a, course_now, clock):
    client = login(trainer_a)
    first = client.get(f"/sessions/{course_now.current.id}/projector.json").get_json()
    checkin.check_in(course_now.current, course_now.trainees[0].id, "qr_self")
    checkin.check_in(course_now.current, course_now.trainees[1].id, "qr_self")
    roster.mark(course_now.current, course_now.trainees[2], "absent", "", trainer_a.id)
    db.session.commit()
    clock.advance(seconds=qr.step_seconds())
    later = client.get(f"/sessions/{course_now.current.id}/projector.json").get_json()
    assert later["checked_in"] == 2  # absent is not checked in
    assert later["url"] != first["url"]
    assert later["server_time"] == "08:05:30"


def test_projector_polls_within_a_step_draw_the_code_once_and_count_active_enrolments(login, trainer_a, course_now):
    """The projector asks every few seconds: the code it shows changes every 30, so polls in
    between reuse the drawing; a withdrawn trainee is not counted as expected."""
    from training.courses.enrolment import withdraw

    withdraw(course_now.course.enrolments[0], "Chuyển công tác")
    db.session.commit()
    client = login(trainer_a)
    qr.qr_svg.cache_clear()
    first = client.get(f"/sessions/{course_now.current.id}/projector.json").get_json()
    again = client.get(f"/sessions/{course_now.current.id}/projector.json").get_json()
    assert (first["url"], first["svg"]) == (again["url"], again["svg"])
    assert (qr.qr_svg.cache_info().misses, qr.qr_svg.cache_info().hits) == (1, 1)
    assert first["enrolled"] == 2


def test_projector_polls_leave_out_the_drawing_it_already_shows(login, trainer_a, course_now, clock):
    client = login(trainer_a)
    page = page_text(client.get(f"/sessions/{course_now.current.id}/projector"))
    path = f"/sessions/{course_now.current.id}/projector.json"
    full = client.get(path)
    shown = full.get_json()["step"]
    assert shown == qr.current_step(clock.time())
    assert f'data-shown="{shown}"' in page  # what the page drew first
    assert full.get_json()["url"].split("/checkin/")[1].split(".")[1] == str(shown)  # the step of its token
    checkin.check_in(course_now.current, course_now.trainees[0].id, "qr_self")
    db.session.commit()
    short = client.get(path, query_string={"shown": shown})
    state = short.get_json()
    assert "svg" not in state and state["url"] == full.get_json()["url"] and state["checked_in"] == 1
    assert len(short.get_data()) * 5 < len(full.get_data())  # a few hundred bytes instead of ~4 kB
    clock.advance(seconds=qr.step_seconds())  # the code the projector shows is no longer current
    rotated = client.get(path, query_string={"shown": shown}).get_json()
    assert rotated["step"] == shown + 1 and rotated["svg"].startswith("<svg")


@pytest.mark.parametrize(
    "which, state, message", [("future", "not_yet", "Chưa mở điểm danh"), ("past", "ended", "Đã kết thúc điểm danh")]
)
def test_projector_state_when_check_in_is_not_open(login, trainer_a, course_now, which, state, message):
    session = getattr(course_now, which)
    client = login(trainer_a)
    data = client.get(f"/sessions/{session.id}/projector.json").get_json()
    assert data["state"] == state and data["message"] == message
    assert "url" not in data and "svg" not in data
    text = page_text(client.get(f"/sessions/{session.id}/projector"))
    assert message in text and "<svg" not in text


def render_qr_svg(svg: str, scale: int = 8, margin: int = 4) -> Image.Image:
    """Draw the projector's SVG as the browser would: its one path is a list of unit squares
    ("Mx,yHx+1Vy+1Hxz") in a square viewBox; white around it, as on the page."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg)[1])
    path = re.search(r'<path d="([^"]+)"', svg)[1]
    squares = re.findall(r"M(\d+),(\d+)H(\d+)V(\d+)H\1z", path)
    assert "".join(f"M{x},{y}H{x2}V{y2}H{x}z" for x, y, x2, y2 in squares) == path, "the path holds more than squares"
    image = Image.new("L", ((size + 2 * margin) * scale,) * 2, 255)
    draw = ImageDraw.Draw(image)
    for x, y, x2, y2 in squares:
        draw.rectangle(
            [
                (int(x) + margin) * scale,
                (int(y) + margin) * scale,
                (int(x2) + margin) * scale - 1,
                (int(y2) + margin) * scale - 1,
            ],
            fill=0,
        )
    return image


def test_the_projector_svg_decodes_to_its_url(login, trainer_a, course_now, tmp_path):
    state = login(trainer_a).get(f"/sessions/{course_now.current.id}/projector.json").get_json()
    png = tmp_path / "projector.png"
    render_qr_svg(state["svg"]).save(png)
    decoded = subprocess.run(
        ["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert decoded == state["url"]


def test_the_decoded_url_opens_the_check_in_page(login, trainer_a, client, course_now, tmp_path):
    state = login(trainer_a).get(f"/sessions/{course_now.current.id}/projector.json").get_json()
    png = tmp_path / "projector.png"
    render_qr_svg(state["svg"]).save(png)
    url = subprocess.run(
        ["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True, check=True
    ).stdout.strip()
    remember_device(client, course_now.trainees[0])
    assert 'data-reason="confirm"' in page_text(client.get(urlsplit(url).path))


# --- the scanner page and the API ------------------------------------------------------------------


def test_the_scanner_page_carries_what_its_script_needs(login, trainer_a, course_now):
    text = page_text(login(trainer_a).get(f"/sessions/{course_now.current.id}/scan"))
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', text)
    assert f'data-session="{course_now.current.id}"' in text
    assert 'data-api="/api/v1/checkins"' in text
    assert f'data-roster="/api/v1/sessions/{course_now.current.id}/roster"' in text
    assert 'id="code"' in text and 'id="queue-count"' in text
    assert "vendor/jsqr/jsQR.js" in text and "js/scanner.js" in text


def post_scan(client, **payload):
    return client.post("/api/v1/checkins", json=payload)


def test_the_api_answers_every_reason_code(login, trainer_a, course_now, other_course):
    client = login(trainer_a)
    current, hoa = course_now.current.id, course_now.trainees[0]
    answers = {
        "ok": post_scan(client, session=current, code=hoa.personal_code, nonce="api-nonce-1"),
        "already_checked_in": post_scan(client, session=current, code=hoa.personal_code, nonce="api-nonce-2"),
        "not_enrolled": post_scan(
            client, session=current, code=other_course.trainees[0].personal_code, nonce="api-nonce-3"
        ),
        "unknown_code": post_scan(client, session=current, code="23456789AB", nonce="api-nonce-4"),
        "session_closed": post_scan(client, session=course_now.future.id, code=hoa.personal_code, nonce="api-nonce-5"),
        "invalid_token": post_scan(client, session=current, code="http://example.com/?q=1", nonce="api-nonce-6"),
    }
    assert set(answers) == set(REASONS)
    for reason, response in answers.items():
        assert response.status_code == 200, reason
        body = response.get_json()
        assert body["reason"] == reason and body["ok"] is (reason == "ok") and body["message"], body
    ok = answers["ok"].get_json()
    assert ok["trainee"] == {"id": hoa.id, "name": hoa.full_name, "commune": "Xã Đồng Kỳ"}
    assert (ok["status"], ok["checked_in_at"]) == ("present", "08:05")
    assert answers["already_checked_in"].get_json()["checked_in_at"] == "08:05"
    assert count(Attendance) == 1
    assert count(ScanLog) == 6
    row = record_of(hoa)
    assert (row.method, row.recorded_by_id) == ("qr_badge", trainer_a.id)


def test_a_resent_nonce_gets_the_same_answer_and_one_row(login, trainer_a, course_now):
    client = login(trainer_a)
    payload = {
        "session": course_now.current.id,
        "code": course_now.trainees[0].personal_code,
        "nonce": "resend-0001",
        "scanned_at": "2026-03-03T08:04:30+07:00",
        "offline": True,
        "device": "scanner-1",
    }
    first, again = post_scan(client, **payload), post_scan(client, **payload)
    assert first.get_json() == again.get_json()
    assert count(Attendance) == 1 and count(ScanLog) == 1


@pytest.mark.parametrize(
    "scanned_at, status, seen",
    [
        ("2026-03-03T08:10:00+07:00", "present", (8, 10)),
        ("2026-03-03T08:20:00+07:00", "late", (8, 20)),
        ("2026-03-03T01:20:00Z", "late", (8, 20)),
        ("2026-03-03T08:14:00", "present", (8, 14)),  # no offset: Vietnam's time
        ("2026-03-03T10:30:00+07:00", "late", (9, 30)),  # in the future: now
    ],
)
def test_an_offline_scan_is_judged_at_its_scan_time(login, trainer_a, course_now, clock, scanned_at, status, seen):
    clock.set_local(datetime(2026, 3, 3, 9, 30))  # the scanner got its connection back at 09:30
    response = post_scan(
        login(trainer_a),
        session=course_now.current.id,
        code=course_now.trainees[0].personal_code,
        nonce="offline-0001",
        scanned_at=scanned_at,
        offline=True,
    )
    body = response.get_json()
    assert (body["reason"], body["status"]) == ("ok", status)
    assert record_of(course_now.trainees[0]).checked_in_at == local(*seen)
    assert db.session.scalar(select(ScanLog.offline)) is True


def test_an_online_scan_ignores_the_devices_clock(login, trainer_a, course_now):
    post_scan(
        login(trainer_a),
        session=course_now.current.id,
        code=course_now.trainees[0].personal_code,
        nonce="online-0001",
        scanned_at="2026-03-03T07:00:00+07:00",
        offline=False,
    )
    assert record_of(course_now.trainees[0]).checked_in_at == local(8, 5)


BAD_PAYLOADS = {
    "no session": {"code": "23456789AB"},
    "no code": {"session": 1},
    "session as text": {"session": "1", "code": "23456789AB"},
    "session as boolean": {"session": True, "code": "23456789AB"},
    "session zero": {"session": 0, "code": "23456789AB"},
    "session too large": {"session": 2**40, "code": "23456789AB"},
    "code as number": {"session": 1, "code": 23456789},
    "empty code": {"session": 1, "code": ""},
    "offline as text": {"session": 1, "code": "23456789AB", "offline": "yes"},
    "short nonce": {"session": 1, "code": "23456789AB", "nonce": "abc"},
    "nonce with spaces": {"session": 1, "code": "23456789AB", "nonce": "abc def ghi"},
    "nonce as number": {"session": 1, "code": "23456789AB", "nonce": 12345678},
    "bad scan time": {"session": 1, "code": "23456789AB", "scanned_at": "hôm qua"},
    "scan time as number": {"session": 1, "code": "23456789AB", "scanned_at": 1700000000},
    "unknown field": {"session": 1, "code": "23456789AB", "trainee_id": 5},
    "device too long": {"session": 1, "code": "23456789AB", "device": "d" * 65},
}


@pytest.mark.parametrize("name", BAD_PAYLOADS)
def test_bad_payloads_are_400_and_disagree_with_the_schema_too(login, trainer_a, course_now, name):
    payload = dict(BAD_PAYLOADS[name])
    if type(payload.get("session")) is int and payload["session"] == 1:
        payload["session"] = course_now.current.id
    response = post_scan(login(trainer_a), **payload)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request" and response.get_json()["message"]
    schema = services_schema()
    assert list(
        jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).iter_errors(payload)
    ), name
    assert count(ScanLog) == 0


def test_a_scan_time_that_cannot_be_stored_is_400(login, trainer_a, course_now):
    response = post_scan(
        login(trainer_a),
        session=course_now.current.id,
        code="23456789AB",
        scanned_at="0001-01-01T00:00:00+07:00",
        offline=True,
    )
    assert response.status_code == 400 and any("scanned_at" in problem for problem in response.get_json()["details"])
    assert count(ScanLog) == 0


def test_a_good_payload_agrees_with_the_schema(course_now):
    payload = {
        "session": course_now.current.id,
        "code": "23456789AB",
        "nonce": "good-nonce-01",
        "scanned_at": "2026-03-03T08:04:30+07:00",
        "offline": True,
        "device": "scanner-1",
    }
    jsonschema.validate(payload, services_schema(), cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('"text"', "application/json"),
        ("session=1&code=X", "application/x-www-form-urlencoded"),
        ("", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(login, trainer_a, course_now, body, content_type):
    response = login(trainer_a).post("/api/v1/checkins", data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


def test_an_unknown_session_is_404(login, trainer_a, course_now):
    response = post_scan(login(trainer_a), session=999999, code="23456789AB")
    assert response.status_code == 404
    assert response.is_json


def test_a_badge_scan_sends_a_few_statements_whatever_the_class_size(units, login, make_user, make_trainee, clock):
    """A hall of scanners sends one scan per trainee: each reads at most the user, the session
    with its course, and everything the rules need in one statement, then writes the record,
    its audit row, the scan log and its district's report stamp (an upsert, as the district's
    row may not exist yet); as many for a class of 3 as of 12."""
    sent = {}
    for size in (3, 12):
        trainer = make_user(f"scanner.size{size}", "trainer", "A")
        people = [make_trainee(f"Người Quét Số {size}-{n}") for n in range(size)]
        course = make_course_now(units, trainer, people, venue=f"Hội trường quét {size}")
        client = login(trainer)
        scan = {"session": course.current.id, "code": people[-1].personal_code, "nonce": f"class-size-{size}"}
        with statements_sent() as scanning:
            answer = post_scan(client, **scan)
        assert answer.status_code == 200 and answer.get_json()["reason"] == "ok", answer.get_data(as_text=True)
        assert record_of(people[-1]).status == "present"
        sent[size] = [statement.split()[0].upper() for statement in scanning]
    assert sent[3] == sent[12], sent
    assert sent[3].count("SELECT") <= 3 and sent[3].count("INSERT") == 4 and "UPDATE" not in sent[3], sent[3]


def test_the_api_wants_a_signed_in_trainer(client, login, trainer_b, make_user, make_trainee, course_now):
    payload = {"session": course_now.current.id, "code": course_now.trainees[0].personal_code}
    anonymous = client.post("/api/v1/checkins", json=payload)
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthorized"
    assert login(trainer_b).post("/api/v1/checkins", json=payload).status_code == 403
    trainee_user = make_user("hoc.vien", "trainee", None)
    assert login(trainee_user).post("/api/v1/checkins", json=payload).status_code == 403
    assert count(Attendance) == 0 and count(ScanLog) == 0


def test_the_admin_may_scan_anywhere(login, admin, course_now):
    response = post_scan(login(admin), session=course_now.current.id, code=course_now.trainees[0].personal_code)
    assert response.get_json()["reason"] == "ok"


def test_a_closed_course_takes_no_more_scans_from_a_trainer(login, trainer_a, course_now, clock):
    """Closing a course makes it read-only for its trainers; a late upload from a scanner must
    not change it."""
    from training.courses import services as courses

    courses.change_status(course_now.course, "closed")
    db.session.commit()
    response = post_scan(
        login(trainer_a),
        session=course_now.current.id,
        code=course_now.trainees[0].personal_code,
        nonce="after-closing-1",
        scanned_at="2026-03-03T08:04:00+07:00",
        offline=True,
    )
    assert response.status_code == 403
    assert count(Attendance) == 0


def test_the_api_needs_the_csrf_header_when_csrf_is_on(app, login, trainer_a, course_now):
    app.config["WTF_CSRF_ENABLED"] = True
    client = login(trainer_a)
    payload = {"session": course_now.current.id, "code": course_now.trainees[0].personal_code, "nonce": "csrf-nonce-01"}
    refused = client.post("/api/v1/checkins", json=payload)
    assert refused.status_code == 400 and refused.is_json
    assert client.post("/api/v1/checkins", json=payload, headers={"X-CSRFToken": "forged"}).status_code == 400
    assert count(Attendance) == 0

    scanner = client.get(f"/sessions/{course_now.current.id}/scan")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', scanner.get_data(as_text=True))[1]
    accepted = client.post("/api/v1/checkins", json=payload, headers={"X-CSRFToken": token})
    assert accepted.status_code == 200 and accepted.get_json()["reason"] == "ok"
    assert count(Attendance) == 1


def test_the_api_roster_renews_the_scanner_pages_csrf_token(app, login, trainer_a, course_now):
    """The scanner page stays open longer than its CSRF token lives; the roster it refreshes
    carries a fresh one, which the API accepts."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = login(trainer_a)
    client.get(f"/sessions/{course_now.current.id}/scan")
    token = client.get(f"/api/v1/sessions/{course_now.current.id}/roster").get_json()["csrf_token"]
    response = client.post(
        "/api/v1/checkins",
        json={"session": course_now.current.id, "code": course_now.trainees[0].personal_code},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200 and response.get_json()["reason"] == "ok"


def test_the_api_roster_lists_the_trainees_for_offline_use(login, trainer_a, course_now):
    checkin.check_in(course_now.current, course_now.trainees[0].id, "qr_self")
    db.session.commit()
    data = login(trainer_a).get(f"/api/v1/sessions/{course_now.current.id}/roster").get_json()
    assert data["session_id"] == course_now.current.id and data["state"] == "open" and data["csrf_token"]
    assert [t["name"] for t in data["trainees"]] == ["Trần Văn Bình", "Lê Minh Châu", "Nguyễn Thị Hoa"]
    by_name = {t["name"]: t for t in data["trainees"]}
    hoa = course_now.trainees[0]
    assert by_name[hoa.full_name] == {
        "code": hoa.personal_code,
        "name": hoa.full_name,
        "commune": "Xã Đồng Kỳ",
        "status": "present",
    }
    assert by_name["Trần Văn Bình"]["status"] is None


# --- the OpenAPI document ------------------------------------------------------------------------


def services_schema() -> dict:
    from training.attendance import openapi

    return openapi.CHECKIN_REQUEST


def test_the_openapi_document_is_valid_and_public(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    spec = response.get_json()
    validate_openapi(spec)
    assert spec["openapi"].startswith("3.1")
    assert spec["servers"] == [{"url": "http://taphuan.test"}]
    post = spec["paths"]["/api/v1/checkins"]["post"]
    assert set(post["responses"]) >= {"200", "400", "401", "403", "404"}
    assert "/api/v1/sessions/{session_id}/roster" in spec["paths"]


def test_the_openapi_document_lists_the_reason_codes_and_request_fields(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert schemas["CheckinResult"]["properties"]["reason"]["enum"] == list(REASONS)
    request_schema = schemas["CheckinRequest"]
    assert set(request_schema["properties"]) == {"session", "code", "nonce", "scanned_at", "offline", "device"}
    assert request_schema["required"] == ["session", "code"] and request_schema["additionalProperties"] is False
    assert json.dumps(spec, ensure_ascii=False)  # serialisable as it is served


# --- the manual roster, mark-absent, the scan log ----------------------------------------------------


def test_the_roster_lists_trainees_in_vietnamese_order_with_their_marks(login, trainer_a, course_now):
    checkin.check_in(course_now.current, course_now.trainees[0].id, "qr_self", at=local(8, 3))
    db.session.commit()
    response = login(trainer_a).get(f"/sessions/{course_now.current.id}/roster")
    assert response.status_code == 200
    text = page_text(response)
    names = re.findall(r'<th scope="row" class="who">(Trần Văn Bình|Lê Minh Châu|Nguyễn Thị Hoa)\s', text)
    assert names == ["Trần Văn Bình", "Lê Minh Châu", "Nguyễn Thị Hoa"]
    hoa = course_now.trainees[0]
    assert re.search(rf'name="status-{hoa.id}" value="present"[^>]*checked', text)
    assert "08:03 · QR điện thoại" in text
    assert 'name="action" value="rest_absent"' in text


def test_the_roster_saves_changes_and_audits_each(login, trainer_a, course_now):
    hoa, binh, chau = course_now.trainees
    client = login(trainer_a)
    url = f"/sessions/{course_now.current.id}/roster"
    form = roster_form(
        client,
        course_now.current.id,
        **{f"status_{hoa.id}": "present", f"status_{binh.id}": "excused", f"remark_{binh.id}": "Họp Đảng ủy xã"},
    )
    response = client.post(url, data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert "Đã lưu điểm danh: 2 thay đổi." in page_text(client.get(url))
    assert (record_of(hoa).status, record_of(binh).status, record_of(binh).remark) == (
        "present",
        "excused",
        "Họp Đảng ủy xã",
    )
    assert record_of(chau) is None
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance.mark")))
    assert len(events) == 2 and {e.actor_id for e in events} == {trainer_a.id}

    client.post(url, data=roster_form(client, course_now.current.id))  # the page saved again as loaded
    assert "Đã lưu điểm danh: 0 thay đổi." in page_text(client.get(url))
    assert count(AuditEvent, AuditEvent.action == "attendance.mark") == 2

    client.post(
        url, data=roster_form(client, course_now.current.id, **{f"status_{binh.id}": "absent", f"remark_{binh.id}": ""})
    )
    last = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "attendance.mark").order_by(AuditEvent.id.desc())
    ).first()
    assert (last.data["before"], last.data["after"]) == (
        {"status": "excused", "remark": "Họp Đảng ủy xã"},
        {"status": "absent", "remark": ""},
    )


def test_saving_the_roster_reads_as_often_for_a_large_class_as_for_a_small_one(
    units, login, make_user, make_trainee, clock
):
    """Reads stay constant (the roster once); only each changed record and its audit row are
    written per trainee. Measured on a class of 3 and one of 12."""
    selects = {}
    for size in (3, 12):
        trainer = make_user(f"trainer.size{size}", "trainer", "A")  # two courses at the same hours
        people = [make_trainee(f"Học Viên Số {size}-{n}") for n in range(size)]
        course = make_course_now(units, trainer, people, venue=f"Hội trường {size}")
        client = login(trainer)
        roster_url = f"/sessions/{course.current.id}/roster"
        form = roster_form(
            client,
            course.current.id,
            **{f"status_{t.id}": "present" if n % 2 else "excused" for n, t in enumerate(people)},
        )
        with statements_sent() as saving:
            assert client.post(roster_url, data=form).status_code == 302
        with statements_sent() as marking:
            assert client.post(f"/sessions/{course.past.id}/mark-absent").status_code == 302
        selects[size] = [saving.reads, marking.reads]
        assert count(Attendance, Attendance.session_id.in_([course.current.id, course.past.id])) == 2 * size
        assert count(AuditEvent, AuditEvent.action == "attendance.mark", AuditEvent.actor_id == trainer.id) == 2 * size
    assert selects[3] == selects[12], selects


def test_the_roster_ignores_unknown_statuses(login, trainer_a, course_now):
    hoa = course_now.trainees[0]
    client = login(trainer_a)
    client.post(
        f"/sessions/{course_now.current.id}/roster",
        data=roster_form(client, course_now.current.id, **{f"status_{hoa.id}": "sick"}),
    )
    assert record_of(hoa) is None and count(AuditEvent, AuditEvent.action == "attendance.mark") == 0


def test_a_closed_course_roster_is_read_only_for_trainers_not_the_admin(login, trainer_a, admin, course_now):
    from training.courses import services as courses

    courses.change_status(course_now.course, "closed")
    db.session.commit()
    hoa = course_now.trainees[0]
    url = f"/sessions/{course_now.current.id}/roster"
    trainer = login(trainer_a)
    text = page_text(trainer.get(url))
    assert "disabled" in text and "Lưu điểm danh" not in text
    assert trainer.post(url, data={f"status-{hoa.id}": "present"}).status_code == 403
    assert trainer.post(f"/sessions/{course_now.current.id}/mark-absent").status_code == 403
    admin_client = login(admin)
    assert (
        admin_client.post(
            url, data=roster_form(admin_client, course_now.current.id, **{f"status_{hoa.id}": "present"})
        ).status_code
        == 302
    )
    assert record_of(hoa).status == "present"


def test_mark_absent_marks_the_unmarked_and_says_how_many(login, trainer_a, course_now):
    checkin.check_in(course_now.current, course_now.trainees[0].id, "qr_self")
    db.session.commit()
    client = login(trainer_a)
    response = client.post(f"/sessions/{course_now.current.id}/mark-absent")
    assert response.status_code == 302
    assert "Đã ghi vắng mặt cho 2 học viên chưa điểm danh." in page_text(client.get(response.headers["Location"]))
    assert [record_of(t).status for t in course_now.trainees] == ["present", "absent", "absent"]
    assert count(AuditEvent, AuditEvent.action == "attendance.mark", AuditEvent.actor_id == trainer_a.id) == 2


def test_mark_absent_waits_for_the_session_to_start(login, trainer_a, course_now):
    client = login(trainer_a)
    assert "Ghi vắng cho người chưa điểm danh" not in page_text(client.get(f"/sessions/{course_now.future.id}/roster"))
    response = client.post(f"/sessions/{course_now.future.id}/mark-absent")
    assert response.status_code == 302
    assert "Buổi học chưa bắt đầu." in page_text(client.get(response.headers["Location"]))
    assert count(Attendance) == 0


def test_the_scan_log_shows_every_scan_with_its_result(login, trainer_a, course_now):
    client = login(trainer_a)
    hoa = course_now.trainees[0]
    post_scan(client, session=course_now.current.id, code=hoa.personal_code, nonce="log-0001")
    post_scan(
        client,
        session=course_now.current.id,
        code="23456789AB",
        nonce="log-0002",
        scanned_at="2026-03-03T08:01:00+07:00",
        offline=True,
    )
    response = client.get(f"/sessions/{course_now.current.id}/scans")
    assert response.status_code == 200
    text = page_text(response)
    assert hoa.full_name in text and hoa.personal_code in text and "23456789AB" in text
    # the reasons in words, not their codes
    assert (
        "<td>Đã ghi nhận</td>" in text and "<td>Mã không có trong hệ thống</td>" in text and "unknown_code" not in text
    )
    assert "08:01:00" in text and "✓" in text


def test_the_scan_log_reads_as_often_for_three_trainees_as_for_one(login, trainer_a, course_now):
    client = login(trainer_a)
    url = f"/sessions/{course_now.current.id}/scans"
    reads = []
    for n, trainee in enumerate(course_now.trainees):
        post_scan(client, session=course_now.current.id, code=trainee.personal_code, nonce=f"log-read-{n:04d}")
        db.session.expire_all()
        with statements_sent() as sent:
            text = page_text(client.get(url))
        assert all(t.full_name in text for t in course_now.trainees[: n + 1])
        reads.append(sent.reads)
    assert reads[0] == reads[-1], reads


def test_the_scan_log_of_a_quiet_session_says_so(login, trainer_a, course_now):
    assert "Chưa có lần quét nào." in page_text(login(trainer_a).get(f"/sessions/{course_now.future.id}/scans"))


# --- who may open what ------------------------------------------------------------------------------

TRAINER_PAGES = [
    ("GET", "/sessions/{id}/projector"),
    ("GET", "/sessions/{id}/projector.json"),
    ("GET", "/sessions/{id}/scan"),
    ("GET", "/sessions/{id}/roster"),
    ("POST", "/sessions/{id}/roster"),
    ("POST", "/sessions/{id}/mark-absent"),
    ("GET", "/sessions/{id}/scans"),
    ("GET", "/api/v1/sessions/{id}/roster"),
]


@pytest.mark.parametrize("method, url", TRAINER_PAGES)
def test_a_trainer_of_another_district_is_refused(login, trainer_b, course_now, method, url):
    hoa = course_now.trainees[0]
    response = login(trainer_b).open(
        url.format(id=course_now.current.id), method=method, data={f"status-{hoa.id}": "absent"}
    )
    assert response.status_code == 403
    assert count(Attendance) == 0


@pytest.mark.parametrize("method, url", TRAINER_PAGES)
def test_a_trainee_account_is_refused(login, make_user, course_now, method, url):
    response = login(make_user("hoc.vien", "trainee", None)).open(url.format(id=course_now.current.id), method=method)
    assert response.status_code == 403


@pytest.mark.parametrize("method, url", TRAINER_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, course_now, method, url):
    response = client.open(url.format(id=course_now.current.id), method=method)
    if url.startswith("/api/"):
        assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    else:
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("method, url", TRAINER_PAGES)
def test_the_courses_trainer_and_the_admin_may(login, trainer_a, admin, course_now, method, url):
    for user in (trainer_a, admin):
        response = login(user).open(url.format(id=course_now.current.id), method=method)
        assert response.status_code in (200, 302), (user, url)
