"""The trainer's side of check-in: the projector that never shows a code phones would be
refused, its short code for phones that cannot scan, the scanner API's answers (who may learn
what, in which shape and language, on which clock) and the scanner's service worker."""

import re

import pytest
from sqlalchemy import func, select

from tests.attendance.conftest import checkin_path, make_course_now, remember_device
from tests.helpers import page_text
from training import create_app
from training.attendance import qr
from training.attendance.models import Attendance, ScanLog
from training.courses.enrolment import enrol_many
from training.extensions import db, limiter

HEADING = "Quét mã để điểm danh"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def post_scan(client, **payload):
    return client.post("/api/v1/checkins", json=payload)


def projector_state(client, session) -> dict:
    response = client.get(f"/sessions/{session.id}/projector.json")
    assert response.status_code == 200
    return response.get_json()


# --- clock skew between hosts (issue 25, item 5) ------------------------------------------------


@pytest.mark.parametrize("behind", [0.5, 1.0, 2.0])
def test_a_host_a_little_behind_accepts_a_code_from_its_first_moment(app, clock, behind):
    """The projector's host drew the code of a step that has just begun; a second host whose
    clock is `behind` seconds slow, still in the previous step, accepts it."""
    begun = (qr.current_step(clock.time()) + 1) * qr.step_seconds() + 0.01  # a step's first moment
    token = qr.make_token(7, begun)
    info = qr.read_token(token, begun - behind)
    assert (info.session_id, info.step) == (7, qr.current_step(begun))


def test_a_host_a_little_ahead_still_takes_the_previous_code(app, clock):
    """The grace step covers a host ahead: a code from 29 s ago on the maker's clock is 31 s
    old on a host 2 s ahead, and accepted."""
    made = qr.current_step(clock.time()) * qr.step_seconds() + 29
    assert qr.read_token(qr.make_token(7, made - 29), made + 2).session_id == 7


def test_a_code_of_a_step_well_ahead_is_still_refused(app, clock):
    now = clock.time() + 10  # mid-step
    with pytest.raises(qr.TokenError) as refused:
        qr.read_token(qr.make_token(7, now + qr.step_seconds()), now)
    assert refused.value.reason == "invalid_token"


# --- the projector ---------------------------------------------------------------------------


def test_the_projector_shows_a_code_a_short_code_and_where_to_type_it(login, trainer_a, course_now, clock):
    state = projector_state(login(trainer_a), course_now.current)
    step = qr.current_step(clock.time())
    assert state["heading"] == HEADING and state["svg"].startswith("<svg")
    assert re.fullmatch(r"\d{6}", state["short_code"]) and state["short_code"] == qr.short_code(
        course_now.current.id, step
    )
    assert state["short_url"] == "http://taphuan.test/c"
    # the page itself shows them too, with the heading and a full-screen button
    text = page_text(login(trainer_a).get(f"/sessions/{course_now.current.id}/projector"))
    assert state["short_code"] in text and "http://taphuan.test/c" in text and 'id="fullscreen"' in text


def test_a_draft_course_gives_no_live_code_and_its_tokens_are_refused(
    app, login, trainer_a, units, make_trainee, clock
):
    trainee = make_trainee("Vũ Thị Nháp")
    draft = make_course_now(units, trainer_a, [])
    draft.course.status = "draft"
    enrol_many(draft.course, [trainee])
    db.session.commit()
    client = login(trainer_a)
    state = projector_state(client, draft.current)
    assert state["state"] == "not_open" and "svg" not in state and "url" not in state and "short_code" not in state
    assert "chưa mở" in state["message"] and state["heading"] != HEADING
    # A token made for it anyway (an old photo, a forged projector) records nobody.
    remember_device(client, trainee)
    assert client.get(checkin_path(draft.current)).status_code == 409
    scanned = post_scan(client, session=draft.current.id, code=trainee.personal_code, nonce="draft-scan-01").get_json()
    assert scanned["reason"] == "session_closed"
    assert count(Attendance) == 0


def test_after_the_session_the_heading_no_longer_asks_to_scan(login, trainer_a, course_now, clock):
    clock.advance(hours=4)  # past 11:00
    state = projector_state(login(trainer_a), course_now.current)
    assert state["state"] == "ended" and "svg" not in state and state["heading"] != HEADING
    html = login(trainer_a).get(f"/sessions/{course_now.current.id}/projector").get_data(as_text=True)
    assert HEADING not in html


def test_the_projector_warns_when_phones_cannot_open_its_code(app, login, trainer_a, course_now):
    client = login(trainer_a)
    assert projector_state(client, course_now.current)["loopback"] is False
    for loopback in ("http://127.0.0.1:5000", "http://localhost:5000", "http://[::1]:5000"):  # as `make run` opens it
        app.config["PUBLIC_BASE_URL"] = loopback
        state = projector_state(client, course_now.current)
        assert state["url"].startswith(f"{loopback}/checkin/") and state["loopback"] is True, loopback
    app.config["PUBLIC_BASE_URL"] = "https://taphuan.bacninh.gov.vn"
    try:
        state = projector_state(client, course_now.current)
    finally:
        del app.config["PUBLIC_BASE_URL"]
    assert state["url"].startswith("https://taphuan.bacninh.gov.vn/checkin/") and state["loopback"] is False
    assert state["short_url"] == "https://taphuan.bacninh.gov.vn/c"


# --- the short code (/c) -----------------------------------------------------------------------


def test_the_short_code_leads_to_the_sessions_check_in(client, course_now, clock):
    code = qr.short_code(course_now.current.id, qr.current_step(clock.time()))
    assert client.get("/c").status_code == 200
    response = client.post("/c", data={"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302
    token = response.headers["Location"].rsplit("/", 1)[1]
    assert qr.read_token(token, clock.time()).session_id == course_now.current.id
    follow = client.get(response.headers["Location"])
    assert follow.status_code == 200 and 'name="ticket"' in follow.get_data(as_text=True)


def test_a_short_code_is_valid_only_in_its_time_steps_and_keeps_what_was_typed(client, course_now, clock):
    code = qr.short_code(course_now.current.id, qr.current_step(clock.time()))
    clock.advance(seconds=2 * qr.step_seconds())
    response = client.post("/c", data={"code": code})
    assert response.status_code == 400 and f'value="{code}"' in response.get_data(as_text=True)
    assert "Mã không đúng hoặc đã đổi" in page_text(response)


def test_a_draft_courses_short_code_leads_nowhere(client, units, trainer_a, clock):
    draft = make_course_now(units, trainer_a, [])
    draft.course.status = "draft"
    db.session.commit()
    assert (
        client.post("/c", data={"code": qr.short_code(draft.current.id, qr.current_step(clock.time()))}).status_code
        == 400
    )


def test_guessing_short_codes_is_throttled_but_a_hall_typing_the_right_code_is_not(
    app, database_url, course_now, clock
):
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
        client = limited.test_client()
        right = qr.short_code(course_now.current.id, qr.current_step(clock.time()))
        hall = [client.post("/c", data={"code": right}).status_code for _phone in range(40)]
        answers = [client.post("/c", data={"code": f"{n:06d}"}).status_code for n in range(35) if f"{n:06d}" != right]
    finally:
        limiter.reset()
        limiter.enabled = was
        with limited.app_context():
            db.engine.dispose()
    assert hall == [302] * 40  # one address, forty phones: none held up
    assert set(answers[:30]) == {400} and set(answers[30:]) == {429}


# --- the scanner API: what another district's people reveal --------------------------------------


def test_a_badge_of_another_district_reveals_nobody(login, trainer_a, course_now, make_trainee):
    stranger = make_trainee("Hoàng Văn Tân", commune="Xã Ngọc Thiện")  # district B
    db.session.commit()
    response = post_scan(
        login(trainer_a), session=course_now.current.id, code=stranger.personal_code, nonce="other-district-01"
    )
    body = response.get_json()
    assert response.status_code == 200 and body["reason"] == "not_enrolled" and "trainee" not in body
    assert "Hoàng Văn Tân" not in response.get_data(as_text=True) and "Ngọc Thiện" not in response.get_data(
        as_text=True
    )
    assert str(stranger.id) not in body["message"]
    log = db.session.scalar(select(ScanLog).where(ScanLog.nonce == "other-district-01"))
    assert log.trainee_id is None  # the scan log page names nobody either
    log_page = login(trainer_a).get(f"/sessions/{course_now.current.id}/scans").get_data(as_text=True)
    assert "Hoàng Văn Tân" not in log_page


def test_a_badge_of_ones_own_district_not_in_the_course_is_named(login, trainer_a, course_now, make_trainee):
    neighbour = make_trainee("Đinh Thị Láng", commune="Xã Hồng Kỳ")  # district A, not enrolled
    db.session.commit()
    body = post_scan(
        login(trainer_a), session=course_now.current.id, code=neighbour.personal_code, nonce="own-district-01"
    ).get_json()
    assert body["reason"] == "not_enrolled" and body["trainee"]["name"] == "Đinh Thị Láng"


def test_another_trainers_nonce_resent_learns_nothing(login, trainer_a, make_user, course_now):
    hoa = course_now.trainees[0]
    first = post_scan(
        login(trainer_a), session=course_now.current.id, code=hoa.personal_code, nonce="trainer-a-scan-01"
    ).get_json()
    assert first["trainee"]["name"] == hoa.full_name
    colleague = make_user("trainer.a.colleague", "trainer", "A")
    resent = post_scan(login(colleague), session=course_now.current.id, code="23456789AB", nonce="trainer-a-scan-01")
    body = resent.get_json()
    assert resent.status_code == 200 and body["reason"] != "ok" and "trainee" not in body
    assert hoa.full_name not in resent.get_data(as_text=True)
    assert count(ScanLog) == 1 and count(Attendance) == 1


# --- the scanner API: shape, language, status codes, clock ---------------------------------------


def test_an_anonymous_post_is_401_before_any_csrf_check(app, database_url, course_now):
    protected = create_app(
        {
            **{k: app.config[k] for k in ("TESTING", "SECRET_KEY", "RATELIMIT_ENABLED", "SERVER_NAME")},
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": True,
        }
    )
    try:
        response = protected.test_client().post(
            "/api/v1/checkins", json={"session": course_now.current.id, "code": "23456789AB"}
        )
    finally:
        with protected.app_context():
            db.engine.dispose()
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def test_a_signed_in_post_without_its_token_is_told_to_fetch_one(app, database_url, trainer_a, course_now):
    protected = create_app(
        {
            **{k: app.config[k] for k in ("TESTING", "SECRET_KEY", "RATELIMIT_ENABLED", "SERVER_NAME")},
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": True,
        }
    )
    protected.test_client_class = app.test_client_class
    try:
        client = protected.test_client(user=trainer_a)
        refused = client.post(
            "/api/v1/checkins", json={"session": course_now.current.id, "code": course_now.trainees[0].personal_code}
        )
        token = client.get("/api/v1/time").get_json()["csrf_token"]
        accepted = client.post(
            "/api/v1/checkins",
            json={"session": course_now.current.id, "code": course_now.trainees[0].personal_code},
            headers={"X-CSRFToken": token},
        )
    finally:
        with protected.app_context():
            db.engine.dispose()
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf_expired"
    assert accepted.status_code == 200 and accepted.get_json()["reason"] == "ok"


def test_every_error_answer_has_a_string_code_and_a_message(client, login, trainer_a, trainer_b, course_now):
    answers = [
        client.post("/api/v1/checkins", json={}),  # 401
        login(trainer_b).post("/api/v1/checkins", json={"session": course_now.current.id, "code": "23456789AB"}),  # 403
        login(trainer_a).post("/api/v1/checkins", json={"session": 999999, "code": "23456789AB"}),  # 404
        login(trainer_a).post("/api/v1/checkins", json={"session": "x"}),  # 400
        login(trainer_a).post("/api/v1/checkins", data="x", content_type="text/plain"),  # 400
        login(trainer_a).get("/api/v1/nothing"),  # 404
    ]
    assert [a.status_code for a in answers] == [401, 403, 404, 400, 400, 404]
    for answer in answers:
        body = answer.get_json()
        assert isinstance(body["error"], str) and body["error"] and isinstance(body["message"], str) and body["message"]


def test_the_api_speaks_the_pages_language(login, trainer_a, course_now):
    client = login(trainer_a)
    with client.session_transaction() as session:
        session["lang"] = "en"
    refused = post_scan(client, session=course_now.current.id, code="", nonce="short")
    body = refused.get_json()
    assert refused.status_code == 400 and body["error"] == "bad_request"
    assert body["message"] == "Invalid request; the scan was not recorded."
    assert "'code'" in " ".join(body["details"])  # the developer's detail stays apart


def test_every_answer_carries_the_servers_clock(login, trainer_a, course_now, clock):
    client = login(trainer_a)
    expected = clock.now().isoformat(timespec="milliseconds") + "Z"
    scan = post_scan(client, session=course_now.current.id, code=course_now.trainees[0].personal_code, nonce="clock-01")
    roster = client.get(f"/api/v1/sessions/{course_now.current.id}/roster")
    ping = client.get("/api/v1/time")
    assert (
        scan.get_json()["server_time"] == roster.get_json()["server_time"] == ping.get_json()["server_time"] == expected
    )
    assert ping.get_json()["csrf_token"]


# --- the scanner page and its service worker ------------------------------------------------------


def test_the_service_worker_is_served_where_its_scope_covers_the_scanner(client, login, trainer_a, course_now):
    worker = client.get("/sessions/scanner-sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert "no-cache" in worker.headers["Cache-Control"] and "caches.open" in worker.get_data(as_text=True)
    page = login(trainer_a).get(f"/sessions/{course_now.current.id}/scan").get_data(as_text=True)
    assert 'data-worker="/sessions/scanner-sw.js"' in page
    # the scanner page lies under the worker's folder, which is its default scope
    assert f"/sessions/{course_now.current.id}/scan".startswith("/sessions/")


def test_the_scan_log_shows_reasons_in_words(login, trainer_a, course_now):
    client = login(trainer_a)
    with client.session_transaction() as session:  # before the first request: the test's app context keeps its locale
        session["lang"] = "en"
    post_scan(client, session=course_now.current.id, code="ZZZZZZZZZZ", nonce="words-01")
    text = page_text(client.get(f"/sessions/{course_now.current.id}/scans"))
    assert "Code not in the system" in text and "unknown_code" not in text
