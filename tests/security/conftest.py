"""Security fixtures: one district-A world that every role is tried against, built through the
real services (the attendance and certificate test helpers), with "now" frozen on the morning
of the running course's second session so that its check-in is open.

- `holder`: a trainee of district A with a sign-in account, enrolled in the running course
  (checked in to the open session) and holder of a certificate of the closed course;
- `other`: a second trainee of district A, enrolled in the running course, with attendance and
  a score but no certificate (erasable);
- a running CT1 course (sessions on Monday, Tuesday — open now — and Wednesday) and a closed
  CT2 course a month earlier with an issued certificate (another programme: someone who
  completed CT1 is enrolled in CT1 again only with a reason).
"""

from dataclasses import dataclass
from datetime import date, time

import pytest
from sqlalchemy import select

from tests.attendance.conftest import Clock, CourseNow, freeze_clock, make_course_now
from tests.certificates.conftest import SIGNER, Finished, close, mark_all, start_course
from training.attendance import checkin, roster
from training.attendance.models import Attendance
from training.certificates.eligibility import record_score
from training.certificates.issuing import issue_batch
from training.certificates.models import Certificate
from training.courses.models import CourseSession, Enrolment
from training.courses.planning import save_session
from training.extensions import db
from training.people.models import Trainee, User

HOLDER_NAME = "Nguyễn Thị Bí Mật"
HOLDER_BIRTH = date(1987, 6, 5)
HOLDER_PHONE = "0912000777"
OTHER_NAME = "Trần Văn Riêng Tư"
#: the closed course ran a month before the running one
CLOSED_MONDAY = date(2026, 2, 2)
ISSUED_ON = date(2026, 2, 20)


@pytest.fixture
def frozen_clock(monkeypatch) -> Clock:
    return freeze_clock(monkeypatch)


@dataclass
class World:
    admin: User
    trainer_a: User
    trainer_b: User
    trainee_user: User
    holder: Trainee
    other: Trainee
    running: CourseNow
    closed: Finished
    certificate: Certificate
    attendance: Attendance
    enrolment: Enrolment  # `other`'s, in the running course
    _spare: int = 0

    @property
    def users(self) -> dict:
        return {"trainee": self.trainee_user, "A": self.trainer_a, "B": self.trainer_b, "admin": self.admin}

    def spare_session(self) -> CourseSession:
        """A new session of the running course (Thursday onwards), nobody's attendance on it."""
        self._spare += 1
        day = date(2026, 3, 5 + self._spare)
        course = self.running.course
        session = save_session(
            course, None, "CT1.3", day, time(14, 0), time(15, 30), course.venue, self.trainer_a.id, periods=2
        )
        db.session.commit()
        return session


@pytest.fixture
def world(app, units, admin, trainer_a, trainer_b, make_user, make_trainee, frozen_clock) -> World:
    holder = make_trainee(HOLDER_NAME, birth_date=HOLDER_BIRTH, phone=HOLDER_PHONE)
    other = make_trainee(OTHER_NAME, commune="Xã Hồng Kỳ", birth_date=date(1990, 1, 2), phone="0912000888")
    trainee_user = make_user("hocvien.bimat", "trainee", None)
    trainee_user.trainee_id = holder.id
    db.session.commit()

    closed = start_course(units, trainer_a, [holder], "CT2", first_day=CLOSED_MONDAY)
    mark_all(closed, holder, "present", trainer_a.id)
    record_score(closed.enrolment(holder), 8.0, trainer_a.id)  # CT2 requires the assessment
    close(closed.course)
    [certificate] = issue_batch(closed.course, SIGNER, trainer_a.id, on=ISSUED_ON)
    db.session.commit()

    running = make_course_now(units, trainer_a, [holder, other])
    checkin.check_in(running.current, holder.id, "qr_self", device="phone-of-holder")
    roster.mark(running.past, other, "present", "", trainer_a.id)
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.course_id == running.course.id, Enrolment.trainee_id == other.id)
    )
    record_score(enrolment, 7.5, trainer_a.id)
    db.session.commit()
    record = db.session.scalar(
        select(Attendance).where(Attendance.trainee_id == holder.id, Attendance.session_id == running.current.id)
    )
    return World(
        admin, trainer_a, trainer_b, trainee_user, holder, other, running, closed, certificate, record, enrolment
    )
