"""A trainee's record: every course of one trainee, with attendance share, result and
certificates."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from ..attendance.models import Attendance
from ..certificates.models import Assessment, Certificate
from ..courses.models import Course, CourseSession, Enrolment
from ..curricula import catalogue
from ..extensions import db
from ..people.models import Trainee


@dataclass
class RecordRow:
    """One course in a trainee's record."""

    enrolment: Enrolment
    attended_periods: int
    share: float
    score: float | None
    completed: bool | None
    certificates: list[Certificate]


def trainee_record(trainee: Trainee) -> list[RecordRow]:
    """Every course of one trainee, newest first, with attendance share, result and
    certificates (a fixed number of queries)."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Course)
        .options(contains_eager(Enrolment.course))
        .where(Enrolment.trainee_id == trainee.id)
        .order_by(Course.starts_on.desc())
    ).all()
    ids = [e.course_id for e in enrolments]
    periods = {}
    if ids:
        for course_id, status, total in db.session.execute(
            select(CourseSession.course_id, Attendance.status, func.sum(CourseSession.periods))
            .join(CourseSession, CourseSession.id == Attendance.session_id)
            .where(Attendance.trainee_id == trainee.id, CourseSession.course_id.in_(ids))
            .group_by(CourseSession.course_id, Attendance.status)
        ):
            periods[(course_id, status)] = int(total or 0)
    scores = dict(
        db.session.execute(
            select(Assessment.enrolment_id, Assessment.score).where(
                Assessment.enrolment_id.in_([e.id for e in enrolments])
            )
        ).all()
    )
    certificates: dict[int, list[Certificate]] = defaultdict(list)
    for certificate in db.session.scalars(
        select(Certificate)
        .where(Certificate.enrolment_id.in_([e.id for e in enrolments]))
        .order_by(Certificate.copy_number)
    ):
        certificates[certificate.enrolment_id].append(certificate)
    rows = []
    for enrolment in enrolments:
        course = enrolment.course
        curriculum = catalogue().get(course.curriculum_code, course.curriculum_version)
        attended = periods.get((course.id, "present"), 0) + periods.get((course.id, "late"), 0)
        share = curriculum.attendance_share(attended, periods.get((course.id, "excused"), 0))
        score = scores.get(enrolment.id)
        completed = (
            curriculum.is_completed(share, score)
            if course.status == "closed" and enrolment.status == "enrolled"
            else None
        )
        rows.append(RecordRow(enrolment, attended, share, score, completed, certificates.get(enrolment.id, [])))
    return rows
