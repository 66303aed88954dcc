"""The rows a report adds up: the conditions a report of a unit, an area or the province
counts under (filters), and the six queries that read them (read), whatever the size of the
province."""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select

from ..attendance.models import Attendance
from ..certificates.models import Assessment, Certificate
from ..clock import utcnow
from ..courses.models import Course, CourseSession, Enrolment
from ..extensions import db
from ..people.models import Trainee
from ..units.models import Unit
from .figures import AreaRef, Period

HELD = ("running", "closed")


def filters(period: Period, unit_id: int | None, area: AreaRef | None) -> tuple:
    """The conditions on courses, enrolments and certificates that a report of one unit, of
    one area or of the province counts."""
    course_filter = and_(Course.status.in_(HELD), Course.starts_on <= period.end, Course.ends_on >= period.start)
    enrolment_filter = Enrolment.status == "enrolled"
    certificate_filter = Certificate.copy_number == 0
    if unit_id is not None:
        course_filter = and_(course_filter, Course.unit_id == unit_id)
        certificate_filter = and_(certificate_filter, Certificate.issuing_unit_id == unit_id)
    elif area is not None:
        # the area's courses are those its communes' trainees were counted in, and its own
        in_area = Enrolment.commune_id.in_(area.commune_ids)
        own = Course.area_id == area.id if area.id is not None else Course.unit_id == area.unit_id
        trained_here = select(Enrolment.course_id).where(in_area, Enrolment.status == "enrolled")
        course_filter = and_(course_filter, or_(own, Course.id.in_(trained_here)))
        enrolment_filter = and_(enrolment_filter, in_area)
        certificate_filter = and_(certificate_filter, in_area)
    return course_filter, enrolment_filter, certificate_filter


@dataclass
class Found:
    """What a report reads, in six queries whatever the size of the province."""

    #: (id, unit, programme code, programme version, status) of the held courses
    courses: list
    #: course id → (held sessions, their periods)
    sessions_per_course: dict[int, tuple[int, int]]
    #: (id, trainee, course, trainee's group, commune enrolled from, its unit) of the counted enrolments
    enrolments: list
    #: (trainee, course) → periods attended at held sessions, attended overall, excused
    attended: dict[tuple[int, int], tuple[int, int, int]]
    #: enrolment id → score
    scores: dict[int, float]
    #: (issued at, revoked at, programme code, group, commune, its unit) of the originals
    certificates: list


def read(period: Period, course_filter, enrolment_filter, certificate_filter) -> Found:
    """The rows a report adds up, under the conditions of filters."""
    start_utc, end_utc = period.utc_bounds
    courses = _rows(
        select(Course.id, Course.unit_id, Course.curriculum_code, Course.curriculum_version, Course.status).where(
            course_filter
        )
    )
    # Held sessions: a check-in opens before the start, so a session not yet held may already
    # have attendance, counted for completion but not in the rate.
    in_period = and_(
        CourseSession.starts_at >= start_utc, CourseSession.starts_at < end_utc, CourseSession.starts_at <= utcnow()
    )
    session_rows = _rows(
        select(CourseSession.course_id, func.count(), func.coalesce(func.sum(CourseSession.periods), 0))
        .join(Course)
        .where(course_filter, in_period)
        .group_by(CourseSession.course_id)
    )
    # Counted enrolments with the trainee's group and the commune they were enrolled from.
    enrolments = _rows(
        select(
            Enrolment.id, Enrolment.trainee_id, Enrolment.course_id, Trainee.group, Enrolment.commune_id, Unit.parent_id
        )
        .join(Course, Course.id == Enrolment.course_id)
        .join(Trainee, Trainee.id == Enrolment.trainee_id)
        .join(Unit, Unit.id == Enrolment.commune_id)
        .where(course_filter, enrolment_filter)
    )
    # Periods attended per (trainee, course): at held sessions for the rate; overall for completion.
    attended_rows = _rows(
        select(
            Attendance.trainee_id,
            CourseSession.course_id,
            func.sum(
                case((and_(Attendance.status.in_(("present", "late")), in_period), CourseSession.periods), else_=0)
            ),
            func.sum(case((Attendance.status.in_(("present", "late")), CourseSession.periods), else_=0)),
            func.sum(case((Attendance.status == "excused", CourseSession.periods), else_=0)),
        )
        .join(CourseSession, CourseSession.id == Attendance.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .where(course_filter)
        .group_by(Attendance.trainee_id, CourseSession.course_id)
    )
    scores = dict(
        _rows(
            select(Assessment.enrolment_id, Assessment.score)
            .join(Enrolment)
            .join(Course, Course.id == Enrolment.course_id)
            .where(course_filter)
        )
    )
    certificates = _rows(
        select(
            Certificate.issued_at,
            Certificate.revoked_at,
            Course.curriculum_code,
            Trainee.group,
            Enrolment.commune_id,
            Unit.parent_id,
        )
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .join(Course, Course.id == Enrolment.course_id)
        .join(Trainee, Trainee.id == Enrolment.trainee_id)
        .join(Unit, Unit.id == Enrolment.commune_id)
        .where(certificate_filter)
    )
    return Found(
        courses,
        {row[0]: (row[1], row[2]) for row in session_rows},
        enrolments,
        {(r[0], r[1]): (int(r[2] or 0), int(r[3] or 0), int(r[4] or 0)) for r in attended_rows},
        scores,
        certificates,
    )


def _rows(statement) -> list:
    """The rows of a column query, read through the session's connection rather than the
    ORM, which passes each row's columns through Python one by one: a province of 50,000
    trainees gives its reports some 20,000 enrolment rows and as many attendance sums, and
    building every district's figures took 1.5 times as long that way. Unlike the ORM, it
    does not flush the session first: reports.cache.report(), build_report's one caller, has
    flushed it with its first query (the stamps, through the ORM)."""
    return db.session.connection().execute(statement).all()
