"""Rotating check-in tokens: what /checkin/<token> refuses, with which message and status.

A token is accepted for its own 30-second step and the one after; it must be signed with
this app's key for exactly that session and step, and the session must be open.
"""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.attendance.conftest import checkin_path, confirm, remember_device, ticket_of
from tests.helpers import page_text
from training import create_app
from training.attendance import qr
from training.attendance.models import Attendance
from training.extensions import db

NOT_OPEN = "chưa mở điểm danh"
ENDED = "đã kết thúc điểm danh"
EXPIRED = "đã hết hạn"
INVALID = "Mã QR không hợp lệ"
TAMPERED = "đã bị sửa"


def attendance_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Attendance))


def with_signature(token: str, signature: str) -> str:
    session_id, step, _ = token.split(".")
    return f"{session_id}.{step}.{signature}"


def flip(ch: str) -> str:
    return "B" if ch == "A" else "A"


# --- read_token on its own ------------------------------------------------------------------


def test_a_fresh_token_reads_back_its_session_and_step(app, clock):
    token = qr.make_token(7, clock.time())
    info = qr.read_token(token, clock.time())
    assert (info.session_id, info.step) == (7, qr.current_step(clock.time()))


def test_the_previous_step_is_accepted_and_the_one_before_is_expired(app, clock):
    now = clock.time()
    assert qr.read_token(qr.make_token(7, now - qr.step_seconds()), now).session_id == 7
    with pytest.raises(qr.TokenError) as refused:
        qr.read_token(qr.make_token(7, now - 2 * qr.step_seconds()), now)
    assert refused.value.reason == "expired_token"
    assert EXPIRED in str(refused.value)


def test_a_token_from_a_later_step_is_refused(app, clock):
    now = clock.time()
    with pytest.raises(qr.TokenError) as refused:
        qr.read_token(qr.make_token(7, now + qr.step_seconds()), now)
    assert refused.value.reason == "invalid_token"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "7.123",
        "7.123.short",
        "x.123.AAAAAAAAAAAAAAAAAAAAAA",
        "7.123.AAAAAAAAAAAAAAAAAAAAAA.extra",
        "7.123.AAAAAAAAAAAAAAAAAAAA+/",
        "-7.123.AAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_malformed_tokens_are_invalid(app, clock, token):
    with pytest.raises(qr.TokenError) as refused:
        qr.read_token(token, clock.time())
    assert refused.value.reason == "invalid_token"


def test_a_token_names_its_session_and_step_under_the_signature(app, clock):
    now = clock.time()
    token = qr.make_token(7, now)
    session_id, step, signature = token.split(".")
    for forged in (f"8.{step}.{signature}", f"7.{int(step) - 1}.{signature}"):
        with pytest.raises(qr.TokenError) as refused:
            qr.read_token(forged, now)
        assert refused.value.reason == "invalid_token"


# --- through /checkin/<token> -----------------------------------------------------------------


def test_the_current_token_of_the_open_session_asks_a_new_phone_who_it_is(client, course_now):
    response = client.get(checkin_path(course_now.current))
    assert response.status_code == 200
    assert 'name="ticket"' in page_text(response) and 'name="code"' in page_text(response)


def test_the_previous_step_still_works_on_the_phone(client, course_now, clock):
    path = checkin_path(course_now.current)
    clock.advance(seconds=qr.step_seconds())
    response = client.get(path)
    assert response.status_code == 200
    assert 'name="ticket"' in page_text(response)


def test_a_token_two_steps_old_is_refused_as_expired(client, course_now, clock):
    path = checkin_path(course_now.current)
    clock.advance(seconds=2 * qr.step_seconds())
    response = client.get(path)
    assert response.status_code == 410
    assert EXPIRED in page_text(response)
    assert 'name="ticket"' not in page_text(response)


def test_a_photo_of_the_qr_stops_working_within_a_minute(client, course_now, clock):
    """Whatever moment in its step the photo was taken, 60 s later it is refused."""
    photo = checkin_path(course_now.current)
    clock.advance(seconds=qr.seconds_left_in_step(clock.time()) - 0.5)  # taken at the very end of a step
    clock.advance(seconds=0.5)
    assert client.get(photo).status_code == 200  # the next step: still the grace window
    clock.advance(seconds=qr.step_seconds())
    assert client.get(photo).status_code == 410


def test_a_known_phone_with_an_expired_token_records_nothing(client, course_now, clock):
    remember_device(client, course_now.trainees[0])
    path = checkin_path(course_now.current)
    clock.advance(seconds=2 * qr.step_seconds())
    assert client.get(path).status_code == 410
    assert attendance_rows() == 0


def test_a_future_session_is_not_open_yet(client, course_now):
    remember_device(client, course_now.trainees[0])
    response = client.get(checkin_path(course_now.future))
    assert response.status_code == 409
    text = page_text(response)
    assert NOT_OPEN in text
    assert 'data-reason="session_closed"' in text
    assert "04/03/2026" in text  # the day it opens
    assert attendance_rows() == 0


def test_check_in_opens_a_quarter_of_an_hour_before_the_start(client, course_now, clock):
    remember_device(client, course_now.trainees[0])
    clock.set_local(datetime(2026, 3, 4, 7, 44))
    assert client.get(checkin_path(course_now.future)).status_code == 409
    clock.set_local(datetime(2026, 3, 4, 7, 46))
    response = confirm(client, course_now.future)
    assert response.status_code == 200
    assert 'data-reason="ok"' in page_text(response)


def test_a_past_session_has_ended(client, course_now):
    remember_device(client, course_now.trainees[0])
    response = client.get(checkin_path(course_now.past))
    assert response.status_code == 409
    assert ENDED in page_text(response)
    assert attendance_rows() == 0


def test_the_session_closes_at_its_end(client, course_now, clock):
    remember_device(client, course_now.trainees[0])
    clock.set_local(datetime(2026, 3, 3, 11, 0, 1))
    response = client.get(checkin_path(course_now.current))
    assert response.status_code == 409
    assert ENDED in page_text(response)


def test_another_courses_qr_is_refused_as_not_enrolled(client, course_now, other_course):
    """A trainee of this course whose phone scans the other course's projector."""
    trainee = course_now.trainees[0]
    remember_device(client, trainee)
    response = client.get(checkin_path(other_course.current))
    assert response.status_code == 403
    text = page_text(response)
    assert 'data-reason="not_enrolled"' in text
    assert f"{trainee.full_name} không có tên trong khóa học này" in text
    assert attendance_rows() == 0


def test_another_courses_qr_does_not_identify_a_new_phone_either(client, course_now, other_course):
    trainee = course_now.trainees[0]
    response = client.get(checkin_path(other_course.current))
    ticket = ticket_of(response)
    response = client.post(
        checkin_path(other_course.current),
        data={"ticket": ticket, "code": trainee.personal_code, "birth_date": "15/03/1985"},
    )
    assert response.status_code == 400
    assert "Bạn không có tên trong danh sách của khóa học này. Hãy hỏi giảng viên của lớp." in page_text(response)
    assert attendance_rows() == 0


def test_a_tampered_signature_is_refused(client, course_now):
    remember_device(client, course_now.trainees[0])
    token = qr.make_token(course_now.current.id)
    signature = token.split(".")[2]
    response = client.get(f"/checkin/{with_signature(token, flip(signature[0]) + signature[1:])}")
    assert response.status_code == 400
    assert TAMPERED in page_text(response)
    assert attendance_rows() == 0


def test_a_token_relabelled_for_another_session_is_refused(client, course_now):
    """The future session's signature does not open the current session."""
    remember_device(client, course_now.trainees[0])
    future = qr.make_token(course_now.future.id)
    relabelled = f"{course_now.current.id}.{future.split('.', 1)[1]}"
    response = client.get(f"/checkin/{relabelled}")
    assert response.status_code == 400
    assert TAMPERED in page_text(response)
    assert attendance_rows() == 0


@pytest.mark.parametrize("token", ["abc", "1.2", "1.2.tooshort", "forgotten", "1.2.AAAAAAAAAAAAAAAAAAAAAA%3Cscript%3E"])
def test_a_malformed_token_is_refused(client, course_now, token):
    response = client.get(f"/checkin/{token}")
    assert response.status_code == 400
    assert INVALID in page_text(response)


def test_a_token_signed_with_another_key_is_refused(client, course_now):
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "another-deployment-secret-key-of-enough-length",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    session_id = course_now.current.id
    with other.app_context():
        token = qr.make_token(session_id)
    remember_device(client, course_now.trainees[0])
    response = client.get(f"/checkin/{token}")
    assert response.status_code == 400
    assert TAMPERED in page_text(response)
    assert attendance_rows() == 0


def test_a_token_for_a_session_that_does_not_exist_is_refused(client, course_now):
    response = client.get(f"/checkin/{qr.make_token(999999)}")
    assert response.status_code == 400
    assert INVALID in page_text(response)


def test_a_token_from_a_later_step_is_refused_on_the_phone(client, course_now, clock):
    remember_device(client, course_now.trainees[0])
    response = client.get(f"/checkin/{qr.make_token(course_now.current.id, clock.time() + qr.step_seconds())}")
    assert response.status_code == 400
    assert attendance_rows() == 0


def test_a_cancelled_course_closes_check_in(client, course_now):
    course_now.course.status = "cancelled"
    db.session.commit()
    remember_device(client, course_now.trainees[0])
    response = client.get(checkin_path(course_now.current))
    assert response.status_code == 409
    assert ENDED in page_text(response)
