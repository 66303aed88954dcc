"""Figures for the district and province reports: read-only, a fixed number of queries
whatever the size of the province (aggregates in SQL, roll-ups in Python).

Definitions, for the period [start, end] (local dates, inclusive):
- a course is *held* when its status is running or closed and its dates overlap the period;
- a session is *held* when it belongs to a held course, falls in the period and has started;
  a row's sessions are the held sessions of its courses (for a group or a commune, the held
  courses its trainees were counted in);
- an *enrolment* counts when it is active in a held course; *trainees trained* are the
  distinct people behind those enrolments;
- *attendance rate* = attended periods (present or late) at held sessions / periods of held
  sessions, over counted enrolments;
- a *completion* is a counted enrolment of a closed course that meets the programme's
  completion rule (attendance share of the programme's periods, and the assessment if any);
- *certificates issued* are originals issued in the period; *valid* are those of them not
  revoked (by now); *revoked* are those revoked in the period;
- *coverage*: communes with no trained officer of a group.
"""
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager

from ..attendance.models import Attendance
from ..certificates.models import Assessment, Certificate
from ..clock import to_utc, utcnow
from ..courses.models import Course, CourseSession, Enrolment
from ..curricula import catalogue
from ..extensions import db
from ..people.models import GROUPS, Trainee
from ..units.models import Unit
from ..units.services import communes_by_unit, communes_of, managing_units

HELD = ("running", "closed")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        return to_utc(datetime.combine(self.start, time.min)), to_utc(datetime.combine(self.end + timedelta(days=1), time.min))


@dataclass
class Tally:
    """Counts for one row of a report table (a programme, a group, a district or a commune)."""

    courses: set = field(default_factory=set)
    sessions: int = 0
    trainees: set = field(default_factory=set)
    enrolments: int = 0
    attended_periods: int = 0
    scheduled_periods: int = 0
    completions: int = 0
    certificates_issued: int = 0
    certificates_valid: int = 0
    certificates_revoked: int = 0

    @property
    def attendance_rate(self) -> float | None:
        return self.attended_periods / self.scheduled_periods if self.scheduled_periods else None

    def absorb(self, other: "Tally") -> None:
        """Add another tally's counts to this one (sets joined, numbers summed)."""
        for name in _TALLY_FIELDS:
            mine = getattr(self, name)
            if isinstance(mine, set):
                mine |= getattr(other, name)
            else:
                setattr(self, name, mine + getattr(other, name))


_TALLY_FIELDS = tuple(f.name for f in fields(Tally))


@dataclass
class Report:
    """All figures of one report: totals, and tallies per programme, group, unit and commune."""

    period: Period
    scope: Unit | None
    total: Tally
    by_programme: dict[str, Tally]
    by_group: dict[str, Tally]
    by_programme_group: dict[tuple[str, str], Tally]
    by_unit: dict[int, Tally]
    by_commune: dict[int, Tally]
    units: list[Unit]
    communes: dict[int, list[Unit]]
    #: group → managing unit id → communes with nobody of that group trained
    uncovered: dict[str, dict[int, list[Unit]]]
    #: commune id → the groups of its trainees counted (what `uncovered` is worked out from)
    trained_groups: dict[int, set[str]]
    #: the HTML charts drawn from these figures so far, by kind and language (charts.report_svgs)
    svgs: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False, compare=False)


def build_report(period: Period, unit_id: int | None = None) -> Report:
    """The figures for one managing unit (a district), or the whole province when unit_id is None."""
    start_utc, end_utc = period.utc_bounds
    now = utcnow()
    course_filter = and_(Course.status.in_(HELD), Course.starts_on <= period.end, Course.ends_on >= period.start)
    if unit_id is not None:
        course_filter = and_(course_filter, Course.unit_id == unit_id)
    courses = _rows(select(Course.id, Course.unit_id, Course.curriculum_code, Course.curriculum_version, Course.status)
                    .where(course_filter))

    # Held sessions and their periods, per course.
    session_rows = _rows(
        select(CourseSession.course_id, func.count(), func.coalesce(func.sum(CourseSession.periods), 0))
        .join(Course).where(course_filter, CourseSession.starts_at >= start_utc, CourseSession.starts_at < end_utc,
                            CourseSession.starts_at <= now)
        .group_by(CourseSession.course_id)
    )
    sessions_per_course = {row[0]: (row[1], row[2]) for row in session_rows}

    # Counted enrolments with the trainee's group and commune.
    enrolment_rows = _rows(
        select(Enrolment.id, Enrolment.trainee_id, Enrolment.course_id, Trainee.group, Trainee.commune_id, Unit.parent_id)
        .join(Course, Course.id == Enrolment.course_id).join(Trainee, Trainee.id == Enrolment.trainee_id)
        .join(Unit, Unit.id == Trainee.commune_id)
        .where(course_filter, Enrolment.status == "enrolled")
    )

    # Periods attended per (trainee, course): at held sessions for the rate (a check-in opens
    # before the start, so a session not yet held may already have some); overall for completion.
    in_period = and_(CourseSession.starts_at >= start_utc, CourseSession.starts_at < end_utc, CourseSession.starts_at <= now)
    attended_rows = _rows(
        select(Attendance.trainee_id, CourseSession.course_id,
               func.sum(case((and_(Attendance.status.in_(("present", "late")), in_period), CourseSession.periods), else_=0)),
               func.sum(case((Attendance.status.in_(("present", "late")), CourseSession.periods), else_=0)),
               func.sum(case((Attendance.status == "excused", CourseSession.periods), else_=0)))
        .join(CourseSession, CourseSession.id == Attendance.session_id).join(Course, Course.id == CourseSession.course_id)
        .where(course_filter)
        .group_by(Attendance.trainee_id, CourseSession.course_id)
    )
    attended = {(r[0], r[1]): (int(r[2] or 0), int(r[3] or 0), int(r[4] or 0)) for r in attended_rows}
    scores = dict(_rows(
        select(Assessment.enrolment_id, Assessment.score).join(Enrolment).join(Course, Course.id == Enrolment.course_id).where(course_filter)
    ))

    certificate_filter = Certificate.copy_number == 0
    if unit_id is not None:
        certificate_filter = and_(certificate_filter, Certificate.issuing_unit_id == unit_id)
    cert_rows = _rows(
        select(Certificate.issued_at, Certificate.revoked_at, Course.curriculum_code, Trainee.group, Trainee.commune_id, Unit.parent_id)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id).join(Course, Course.id == Enrolment.course_id)
        .join(Trainee, Trainee.id == Enrolment.trainee_id).join(Unit, Unit.id == Trainee.commune_id)
        .where(certificate_filter)
    )

    total = Tally()
    by_programme: dict[str, Tally] = defaultdict(Tally)
    by_group: dict[str, Tally] = defaultdict(Tally)
    by_programme_group: dict[tuple[str, str], Tally] = defaultdict(Tally)
    by_unit: dict[int, Tally] = defaultdict(Tally)
    by_commune: dict[int, Tally] = defaultdict(Tally)

    for course_id, course_unit, code, _version, _status in courses:
        for tally in (total, by_programme[code], by_unit[course_unit]):
            tally.courses.add(course_id)

    # What an enrolment needs from its course, looked up once per course rather than per row
    # (a province has tens of thousands of rows).
    per_course = {course_id: (code, catalogue().get(code, version), status == "closed",
                              sessions_per_course.get(course_id, (0, 0))[1])
                  for course_id, _unit, code, version, status in courses}
    for enrolment_id, trainee_id, course_id, group, commune_id, unit in enrolment_rows:
        code, curriculum, closed, scheduled = per_course[course_id]
        in_period_attended, overall_attended, excused = attended.get((trainee_id, course_id), (0, 0, 0))
        completed = closed and curriculum.is_completed(curriculum.attendance_share(overall_attended, excused), scores.get(enrolment_id))
        for tally in (total, by_programme[code], by_group[group], by_programme_group[(code, group)], by_unit[unit], by_commune[commune_id]):
            tally.trainees.add(trainee_id)
            tally.enrolments += 1
            tally.attended_periods += in_period_attended
            tally.scheduled_periods += scheduled
            tally.completions += completed
            tally.courses.add(course_id)

    # Sessions are counted per course, not per trainee, so a group's or a commune's row shows
    # the sessions of the courses its trainees attended.
    for tally in (total, *by_programme.values(), *by_group.values(), *by_programme_group.values(), *by_unit.values(),
                  *by_commune.values()):
        tally.sessions = sum(sessions_per_course.get(course_id, (0, 0))[0] for course_id in tally.courses)

    for issued_at, revoked_at, code, group, commune_id, unit in cert_rows:
        for tally in (total, by_programme[code], by_group[group], by_unit[unit], by_commune[commune_id]):
            tally.certificates_issued += start_utc <= issued_at < end_utc
            tally.certificates_valid += start_utc <= issued_at < end_utc and revoked_at is None
            tally.certificates_revoked += revoked_at is not None and start_utc <= revoked_at < end_utc

    trained_groups: dict[int, set[str]] = defaultdict(set)
    for _e, _t, _c, group, commune_id, _u in enrolment_rows:
        trained_groups[commune_id].add(group)
    scope = db.session.get(Unit, unit_id) if unit_id is not None else None
    units, communes, uncovered = _coverage(scope, trained_groups)
    return Report(period, scope, total, dict(by_programme), dict(by_group), dict(by_programme_group), dict(by_unit),
                  dict(by_commune), units, communes, uncovered, dict(trained_groups))


def _rows(statement) -> list:
    """The rows of a column query, read through the session's connection rather than the
    ORM, which passes each row's columns through Python one by one: a province of 50,000
    trainees gives its reports some 20,000 enrolment rows and as many attendance sums, and
    building every district's figures took 1.5 times as long that way. Unlike the ORM, it
    does not flush the session first: reports.cache.report(), build_report's one caller, has
    flushed it with its first query (the stamps, through the ORM)."""
    return db.session.connection().execute(statement).all()


def _coverage(scope: Unit | None, trained_groups: dict[int, set[str]]):
    """The units a report lists (its own, or every managing unit for the province), their
    communes, and per group the communes with nobody of it trained."""
    if scope is None:
        units, every_commune = managing_units(), communes_by_unit()
        communes = {u.id: every_commune.get(u.id, []) for u in units}
    else:
        units, communes = [scope], {scope.id: communes_of(scope.id)}
    uncovered = {g: {u.id: [c for c in communes[u.id] if g not in trained_groups.get(c.id, ())] for u in units} for g in GROUPS}
    return units, communes, uncovered


def reporting_units() -> list[int]:
    """The units whose figures make up the province's: every unit that runs a course or has
    issued a certificate."""
    return sorted(db.session.scalars(select(Course.unit_id).union(select(Certificate.issuing_unit_id))))


def merge_reports(period: Period, parts: list[Report]) -> Report:
    """The province report put together from the reports of every unit in reporting_units():
    the same figures as build_report(period), as each course, and each certificate, is
    counted in its own unit's report only."""
    tables: dict[str, dict] = {name: defaultdict(Tally) for name in
                               ("by_programme", "by_group", "by_programme_group", "by_unit", "by_commune")}
    total = Tally()
    trained_groups: dict[int, set[str]] = defaultdict(set)
    for part in parts:
        total.absorb(part.total)
        for name, merged in tables.items():
            for key, tally in getattr(part, name).items():
                merged[key].absorb(tally)
        for commune_id, groups in part.trained_groups.items():
            trained_groups[commune_id] |= groups
    units, communes, uncovered = _coverage(None, trained_groups)
    return Report(period, None, total, *(dict(merged) for merged in tables.values()), units, communes, uncovered,
                  dict(trained_groups))


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
        select(Enrolment).join(Course).options(contains_eager(Enrolment.course))
        .where(Enrolment.trainee_id == trainee.id).order_by(Course.starts_on.desc())
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
    scores = dict(db.session.execute(select(Assessment.enrolment_id, Assessment.score).where(Assessment.enrolment_id.in_([e.id for e in enrolments]))).all())
    certificates: dict[int, list[Certificate]] = defaultdict(list)
    for certificate in db.session.scalars(select(Certificate).where(Certificate.enrolment_id.in_([e.id for e in enrolments])).order_by(Certificate.copy_number)):
        certificates[certificate.enrolment_id].append(certificate)
    rows = []
    for enrolment in enrolments:
        course = enrolment.course
        curriculum = catalogue().get(course.curriculum_code, course.curriculum_version)
        attended = periods.get((course.id, "present"), 0) + periods.get((course.id, "late"), 0)
        share = curriculum.attendance_share(attended, periods.get((course.id, "excused"), 0))
        score = scores.get(enrolment.id)
        completed = curriculum.is_completed(share, score) if course.status == "closed" and enrolment.status == "enrolled" else None
        rows.append(RecordRow(enrolment, attended, share, score, completed, certificates.get(enrolment.id, [])))
    return rows
