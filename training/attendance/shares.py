"""Attendance shares: each trainee's attended periods over a course, as the attendance sheet
and the certificates count them.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..courses.models import Course, Enrolment
from ..extensions import db
from ..people.models import Trainee
from .models import ATTENDED, Attendance


@dataclass
class TraineeAttendance:
    """One trainee's attendance over a course: a status per session and the share of periods."""

    enrolment: Enrolment
    marks: dict[int, str]
    attended_periods: int
    required_periods: int

    @property
    def share(self) -> float:
        return self.attended_periods / self.required_periods if self.required_periods else 0.0


def course_attendance(course: Course) -> list[TraineeAttendance]:
    """Every active trainee of a course with their marks and attended periods, in Vietnamese
    name order. Late counts as attended; excused counts when the programme says so. The share
    is of the programme's periods, not of the sessions scheduled. Three queries (the trainees
    and their communes come with the enrolments)."""
    curriculum = course.curriculum
    sessions = {s.id: s for s in course.sessions}
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Trainee)
        .options(contains_eager(Enrolment.trainee).joinedload(Trainee.commune))
        .where(Enrolment.course_id == course.id, Enrolment.status == "enrolled")
        .order_by(Trainee.name_key)
    ).all()
    marks: dict[int, dict[int, str]] = {}
    if sessions:
        for row in db.session.execute(
            select(Attendance.trainee_id, Attendance.session_id, Attendance.status).where(
                Attendance.session_id.in_(sessions)
            )
        ):
            marks.setdefault(row.trainee_id, {})[row.session_id] = row.status
    result = []
    for enrolment in enrolments:
        own = marks.get(enrolment.trainee_id, {})
        attended = sum(sessions[sid].periods for sid, status in own.items() if status in ATTENDED)
        excused = sum(sessions[sid].periods for sid, status in own.items() if status == "excused")
        result.append(
            TraineeAttendance(enrolment, own, curriculum.counted_periods(attended, excused), curriculum.periods)
        )
    return result
