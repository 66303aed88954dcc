"""Check-ins arriving at once: a room of trainees scanning the projector in the same second,
and a scanner resending the same scan while the first is still being handled.

Each thread works in its own app context, so its own database session and connection, on the
file database of the suite (SQLite in WAL mode, or PostgreSQL with TEST_DATABASE_URL).
"""

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.attendance.conftest import make_course_now
from tests.together import check_ins_together, run_together
from training.attendance import checkin
from training.attendance.models import Attendance, ScanLog
from training.courses.models import CourseSession
from training.extensions import db

pytestmark = pytest.mark.slow

ROOM = 100
SAME = 50


def rows(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def room(clock, units, trainer_a, make_trainee):
    """A course with ROOM enrolled trainees."""
    trainees = [
        make_trainee(
            f"Học Viên Số {i:03d}",
            commune=("Xã Đồng Kỳ", "Xã Hồng Kỳ")[i % 2],
            birth_date=date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
        )
        for i in range(ROOM)
    ]
    return make_course_now(units, trainer_a, trainees)


def test_a_room_checking_in_at_once_gives_one_row_each(app, room):
    session_id = room.current.id
    reasons = check_ins_together(app, session_id, [t.id for t in room.trainees])
    assert Counter(reasons) == {"ok": ROOM}
    assert rows(Attendance) == ROOM
    assert rows(Attendance, Attendance.session_id == session_id) == ROOM
    assert db.session.scalar(select(func.count(func.distinct(Attendance.trainee_id)))) == ROOM


def test_a_room_of_badge_scans_through_the_api_gives_one_row_each(app, room, trainer_a):
    session_id = room.current.id
    codes = [t.personal_code for t in room.trainees]
    clients = [app.test_client(user=trainer_a) for _ in range(ROOM)]  # one signed-in scanner each

    def post(i: int) -> tuple[int, str]:
        response = clients[i].post(
            "/api/v1/checkins", json={"session": session_id, "code": codes[i], "nonce": f"room-scan-{i:04d}"}
        )
        return response.status_code, response.get_json()["reason"]

    answers = run_together(ROOM, post)
    assert Counter(answers) == {(200, "ok"): ROOM}
    assert rows(Attendance) == ROOM
    assert rows(ScanLog) == ROOM


def test_the_same_trainee_fifty_times_at_once_gives_one_row(app, room):
    answers = check_ins_together(
        app,
        room.current.id,
        [room.trainees[0].id] * SAME,
        lambda result: (result.reason, result.record.id, result.record.at),
    )
    assert Counter(reason for reason, _, _ in answers) == {"ok": 1, "already_checked_in": SAME - 1}
    assert len({(row_id, at) for _, row_id, at in answers}) == 1  # everyone was told the same row and time
    assert rows(Attendance) == 1


def test_the_same_nonce_fifty_times_at_once_gives_one_row_and_one_log(app, room, trainer_a):
    session_id, code, trainer_id = room.current.id, room.trainees[0].personal_code, trainer_a.id

    def scan(_i: int):
        session = db.session.get(CourseSession, session_id)
        result = checkin.scan_badge(session, code, "one-scan-resent-0001", None, False, trainer_id, "scanner-1")
        db.session.commit()
        return result.as_json()

    answers = run_together(SAME, scan, app=app)
    assert all(answer == answers[0] for answer in answers), Counter(a["reason"] for a in answers)
    assert answers[0]["reason"] == "ok"
    assert rows(Attendance) == 1
    assert rows(ScanLog) == 1
    assert rows(ScanLog, ScanLog.nonce == "one-scan-resent-0001") == 1
