"""Every refusal of the check-in pages and the scanner API reaches the user in words: each
test drives one through the client and checks the status, the message and that nothing was
recorded."""

from tests.attendance.conftest import checkin_path
from tests.helpers import count, page_text
from training.attendance import qr
from training.attendance.models import Attendance, ScanLog


def post_scan(client, **payload):
    return client.post("/api/v1/checkins", json=payload)


# --- the trainee's phone ----------------------------------------------------------------------


def test_a_qr_of_a_session_not_yet_open_says_when_it_opens(client, course_now):
    response = client.get(checkin_path(course_now.future))
    assert response.status_code == 409
    assert "Buổi học chưa mở điểm danh (mở từ 07:45 ngày 04/03/2026)." in page_text(response)
    assert course_now.course.title in page_text(response) and course_now.future.module_code in page_text(response)
    assert count(Attendance) == 0


def test_a_qr_of_a_session_that_is_over_says_so(client, course_now):
    response = client.get(checkin_path(course_now.past))
    assert response.status_code == 409
    assert "Buổi học đã kết thúc điểm danh." in page_text(response)
    assert course_now.course.title in page_text(response) and course_now.past.module_code in page_text(response)
    assert count(Attendance) == 0


def test_an_old_qr_is_expired(client, course_now, clock):
    old = clock.time() - 3 * qr.step_seconds()
    response = client.get(checkin_path(course_now.current, old))
    assert response.status_code == 410
    assert "Mã QR này đã hết hạn. Hãy quét lại mã đang chiếu trên màn hình." in page_text(response)
    assert count(Attendance) == 0


def test_a_qr_of_a_session_deleted_since_is_invalid(client, course_now):
    response = client.get(f"/checkin/{qr.make_token(999999)}")
    assert response.status_code == 400
    assert "Mã QR không hợp lệ. Hãy quét mã đang chiếu trên màn hình." in page_text(response)
    assert count(Attendance) == 0


# --- the scanner API --------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_asked_for_json(login, trainer_a, course_now):
    response = login(trainer_a).post(
        "/api/v1/checkins", data="session=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    body = response.get_json()
    assert (body["error"], body["message"]) == ("bad_request", "Yêu cầu không hợp lệ: cần dữ liệu JSON.")
    assert count(ScanLog) == 0


def test_a_scanned_code_that_is_no_personal_code_is_named_so(login, trainer_a, course_now):
    response = post_scan(
        login(trainer_a), session=course_now.current.id, code="http://example.com/?q=1", nonce="bad-code-01"
    )
    body = response.get_json()
    assert response.status_code == 200
    assert (body["ok"], body["reason"], body["message"]) == (
        False,
        "invalid_token",
        "Mã vừa quét không phải mã học viên.",
    )
    assert count(Attendance) == 0


def test_an_unknown_code_is_named(login, trainer_a, course_now):
    body = post_scan(login(trainer_a), session=course_now.current.id, code="23456789AB", nonce="unknown-01").get_json()
    assert (body["reason"], body["message"]) == ("unknown_code", "Không có học viên nào mang mã 23456789AB.")
    assert count(Attendance) == 0


def test_a_scan_before_the_session_opens_says_when_it_opens(login, trainer_a, course_now):
    body = post_scan(
        login(trainer_a), session=course_now.future.id, code=course_now.trainees[0].personal_code, nonce="early-0001"
    ).get_json()
    assert (body["reason"], body["message"]) == (
        "session_closed",
        "Buổi học chưa mở điểm danh (mở từ 07:45 ngày 04/03/2026).",
    )
    assert count(Attendance) == 0


def test_a_refused_scan_sent_again_is_told_it_was_handled(login, trainer_a, course_now):
    client = login(trainer_a)
    payload = {"session": course_now.current.id, "code": "23456789AB", "nonce": "resent-refused-01"}
    assert post_scan(client, **payload).get_json()["reason"] == "unknown_code"
    again = post_scan(client, **payload).get_json()
    assert (again["reason"], again["message"]) == ("unknown_code", "Lần quét này đã được xử lý trước đó.")
    assert count(ScanLog) == 1 and count(Attendance) == 0
