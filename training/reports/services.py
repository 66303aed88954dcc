"""Figures for the area and province reports: read-only, a fixed number of queries
whatever the size of the province (aggregates in SQL, roll-ups in Python).

Definitions, for the period [start, end] (local dates, inclusive):
- a course is *held* when its status is running or closed and its dates overlap the period;
- a session is *held* when it belongs to a held course, falls in the period and has started;
  a row's sessions are the held sessions of its courses (for a group or a commune, the held
  courses its trainees were counted in);
- an *enrolment* counts when it is active in a held course; it counts in the commune its
  trainee was enrolled from (Enrolment.commune_id), so a trainee moved later, or converted to
  the 2025 map, stays counted where they were; *trainees trained* ("người") are the distinct
  people behind those enrolments;
- *attendance rate* = attended periods (present or late) at held sessions / periods of held
  sessions, over counted enrolments;
- *completed* ("Hoàn thành", people) are the distinct people with a counted enrolment of a
  closed course that meets the programme's completion rule (attendance share of the
  programme's periods, and the assessment if any): two courses completed count once;
- *certificates issued* are originals issued in the period; *valid* are those of them not
  revoked (by now); *revoked* are those revoked in the period;
- *coverage*: communes with no trained officer of a group.

An *area report* counts an area's communes: the enrolments from them and the certificates of
those enrolments, in whichever unit's courses. The *province report* lists the managing units
of the map the period ends on (a 2024 period: the pre-2025 districts and communes; today: the
province's communes), and of any other map its figures count communes of, with the areas the
admin made as subtotals (an area may overlap another: each subtotal counts its own communes).
"""

from array import array
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import contains_eager

from ..attendance.models import Attendance
from ..certificates.models import Assessment, Certificate
from ..clock import to_utc, utcnow
from ..courses.models import Course, CourseSession, Enrolment
from ..curricula import catalogue
from ..extensions import db
from ..people.models import GROUPS, Trainee
from ..units.areas import areas
from ..units.models import MAP_2025, MAP_PRE2025, MAPS, Area, Unit
from ..units.services import communes_by_unit, communes_of, live_map, managing_units

HELD = ("running", "closed")
#: the day the 2025 map came into force
MAP_2025_FROM = date(2025, 7, 1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        return to_utc(datetime.combine(self.start, time.min)), to_utc(
            datetime.combine(self.end + timedelta(days=1), time.min)
        )


@dataclass(slots=True)
class Tally:
    """Counts for one row of a report table (a programme, a group, a unit, an area or a
    commune). `trainees` and `completions` count people: someone in two courses of the row
    counts once, and once as completed if they completed either."""

    courses: int = 0
    sessions: int = 0
    #: distinct people enrolled ("Học viên (người)")
    trainees: int = 0
    #: enrolments, a person once per course ("Lượt học viên")
    enrolments: int = 0
    attended_periods: int = 0
    scheduled_periods: int = 0
    #: distinct people with a completed enrolment ("Hoàn thành")
    completions: int = 0
    certificates_issued: int = 0
    certificates_valid: int = 0
    certificates_revoked: int = 0
    #: group → distinct people of it (each trainee has one group)
    groups: dict[str, int] = field(default_factory=dict)

    @property
    def attendance_rate(self) -> float | None:
        return self.attended_periods / self.scheduled_periods if self.scheduled_periods else None


#: the counts a merge adds up (courses and certificates belong to one unit's report each)
_SUMMED = (
    "courses",
    "sessions",
    "enrolments",
    "attended_periods",
    "scheduled_periods",
    "certificates_issued",
    "certificates_valid",
    "certificates_revoked",
)
#: the tables of tallies a report holds, each keyed by what its rows are
TABLES = ("by_programme", "by_group", "by_programme_group", "by_unit", "by_area", "by_commune")


@dataclass(frozen=True)
class People:
    """The people behind a tally's distinct counts, kept only in a report that a merge will
    read (a unit's, for the province): sorted arrays of trainee ids, 8 bytes an id."""

    trainees: array
    completers: array


@dataclass(frozen=True)
class AreaRef:
    """An area a report shows: an Area the admin made, or a managing unit taken whole (a
    pre-2025 district, a province) as a trainer without an area works in."""

    #: the Area's id; None for a unit taken whole
    id: int | None
    name: str
    #: province | district | cluster
    kind: str
    #: the unit whose issuer signs the area's papers (the area's province or district)
    unit_id: int
    commune_ids: tuple[int, ...]

    @property
    def key(self) -> str:
        """What names it in a request and in by_area: "a12" (an Area) or "u7" (a unit)."""
        return f"a{self.id}" if self.id is not None else f"u{self.unit_id}"


@dataclass
class Report:
    """All figures of one report: totals, and tallies per programme, group, unit, area and
    commune. `scope` is the area of an area report, None for the province or a unit's part."""

    period: Period
    scope: AreaRef | None
    total: Tally
    by_programme: dict[str, Tally]
    by_group: dict[str, Tally]
    by_programme_group: dict[tuple[str, str], Tally]
    #: managing unit id → its communes' figures
    by_unit: dict[int, Tally]
    #: AreaRef.key → its communes' figures (the province report's subtotals)
    by_area: dict[str, Tally]
    by_commune: dict[int, Tally]
    #: the managing units listed, of the map(s) the period's figures are on
    units: list[Unit]
    communes: dict[int, list[Unit]]
    #: the areas whose subtotals the province report shows (none in an area report)
    areas: list[AreaRef]
    #: group → managing unit id → communes with nobody of that group trained
    uncovered: dict[str, dict[int, list[Unit]]]
    #: commune id → the groups of its trainees counted (what `uncovered` is worked out from)
    trained_groups: dict[int, set[str]]
    #: (table, key) → the people behind that tally ("total", None for the total); only in a
    #: unit's report kept for merge_reports
    people: dict[tuple[str, Hashable], People] | None = field(default=None, repr=False, compare=False)
    #: the HTML charts drawn from these figures so far, by kind and language (charts.report_svgs)
    svgs: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False, compare=False)
    #: the held courses counted (what the reports' survey line is read from)
    course_ids: tuple[int, ...] = ()


class _Counting:
    """A row's figures while a report is built, with the sets behind its distinct counts."""

    __slots__ = (
        "courses",
        "trainees",
        "completers",
        "enrolments",
        "attended",
        "scheduled",
        "issued",
        "valid",
        "revoked",
    )

    def __init__(self):
        self.courses, self.trainees, self.completers = set(), set(), set()
        self.enrolments = self.attended = self.scheduled = self.issued = self.valid = self.revoked = 0

    def tally(self, sessions_per_course: dict, group_of: dict[int, str]) -> Tally:
        # Sessions are counted per course, not per trainee, so a group's or a commune's row
        # shows the sessions of the courses its trainees attended.
        groups: dict[str, int] = defaultdict(int)
        for trainee_id in self.trainees:
            groups[group_of[trainee_id]] += 1
        return Tally(
            len(self.courses),
            sum(sessions_per_course.get(c, (0, 0))[0] for c in self.courses),
            len(self.trainees),
            self.enrolments,
            self.attended,
            self.scheduled,
            len(self.completers),
            self.issued,
            self.valid,
            self.revoked,
            dict(groups),
        )

    def people(self) -> People:
        return People(array("q", sorted(self.trainees)), array("q", sorted(self.completers)))


def build_report(
    period: Period, unit_id: int | None = None, area: AreaRef | None = None, keep_people: bool = False
) -> Report:
    """The figures of the courses of one managing unit (`unit_id`: a unit's part of the
    province, see merge_reports), of one area (its communes' trainees, wherever trained), or
    of the whole province: the rows read (_read), added up (_count), then turned into
    tallies. `keep_people`: keep the ids a merge needs (Report.people), and leave out the
    units and coverage, which the merge works out for the whole."""
    found = _read(period, *_filters(period, unit_id, area))
    counted = _count(period, area, found)
    total, tables = _tables(
        (key, row.tally(found.sessions_per_course, counted.group_of)) for key, row in counted.rows.items()
    )
    people = {key: row.people() for key, row in counted.rows.items()} if keep_people else None
    trained_groups, course_ids = dict(counted.trained_groups), tuple(row[0] for row in found.courses)
    del found, counted  # the rows and their sets go before the units are read
    if keep_people:  # a part of the province's, whose units merge_reports lists
        return Report(
            period, area, total, *tables.values(), [], {}, [], {}, trained_groups, people, course_ids=course_ids
        )
    units, communes, uncovered = _coverage(period, area, trained_groups)
    return Report(
        period,
        area,
        total,
        *tables.values(),
        units,
        communes,
        _areas_listed(units) if area is None else [],
        uncovered,
        trained_groups,
        course_ids=course_ids,
    )


def _filters(period: Period, unit_id: int | None, area: AreaRef | None) -> tuple:
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
class _Found:
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


def _read(period: Period, course_filter, enrolment_filter, certificate_filter) -> _Found:
    """The rows a report adds up, under the conditions of _filters."""
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
    return _Found(
        courses,
        {row[0]: (row[1], row[2]) for row in session_rows},
        enrolments,
        {(r[0], r[1]): (int(r[2] or 0), int(r[3] or 0), int(r[4] or 0)) for r in attended_rows},
        scores,
        certificates,
    )


@dataclass
class _Counted:
    """A report's rows added up, with what their tallies need."""

    rows: dict[tuple[str, Hashable], _Counting]
    #: trainee id → group, for the rows' counts per group
    group_of: dict[int, str]
    #: commune id → the groups of its trainees counted
    trained_groups: dict[int, set[str]]


def _count(period: Period, area: AreaRef | None, found: _Found) -> _Counted:
    """Add up the courses, enrolments and certificates read into the rows of the report's
    tables (_keys)."""
    areas_of = _areas_by_commune() if area is None else {c: (area.key,) for c in area.commune_ids}
    rows: dict[tuple[str, Hashable], _Counting] = defaultdict(_Counting)
    rows[("total", None)] = _Counting()  # a total even of nothing, for merge_reports to read
    for course_id, course_unit, code, _version, _status in found.courses:
        for key in (("total", None), ("by_programme", code)):
            rows[key].courses.add(course_id)
        if area is None:  # a course counts in its own unit's row; in an area, where it trained
            rows[("by_unit", course_unit)].courses.add(course_id)
    group_of, trained_groups = _count_enrolments(found, rows, areas_of)
    _count_certificates(period, found.certificates, rows, areas_of)
    return _Counted(rows, group_of, trained_groups)


def _count_enrolments(found: _Found, rows: dict, areas_of: dict[int, tuple]) -> tuple[dict, dict]:
    """Add each counted enrolment to its rows; the group of each trainee and the groups
    counted per commune."""
    # What an enrolment needs from its course, looked up once per course rather than per row
    # (a province has tens of thousands of rows).
    per_course = {
        course_id: (
            code,
            catalogue().get(code, version),
            status == "closed",
            found.sessions_per_course.get(course_id, (0, 0))[1],
        )
        for course_id, _unit, code, version, status in found.courses
    }
    group_of: dict[int, str] = {}
    rows_of: dict[tuple, list[_Counting]] = {}
    trained_groups: dict[int, set[str]] = defaultdict(set)
    for enrolment_id, trainee_id, course_id, group, commune_id, unit in found.enrolments:
        code, curriculum, closed, scheduled = per_course[course_id]
        in_period_attended, overall_attended, excused = found.attended.get((trainee_id, course_id), (0, 0, 0))
        completed = closed and curriculum.is_completed(
            curriculum.attendance_share(overall_attended, excused), found.scores.get(enrolment_id)
        )
        group_of[trainee_id] = group
        trained_groups[commune_id].add(group)
        place = (code, group, unit, commune_id)
        targets = rows_of.get(place)
        if targets is None:  # the rows of a programme, group and commune, looked up once
            targets = rows_of[place] = [rows[key] for key in _keys(*place, areas_of, with_group=True)]
        for row in targets:
            row.trainees.add(trainee_id)
            if completed:
                row.completers.add(trainee_id)
            row.enrolments += 1
            row.attended += in_period_attended
            row.scheduled += scheduled
            row.courses.add(course_id)
    return group_of, trained_groups


def _count_certificates(period: Period, certificates: list, rows: dict, areas_of: dict[int, tuple]) -> None:
    """Add the originals issued or revoked in the period to their rows."""
    start_utc, end_utc = period.utc_bounds
    for issued_at, revoked_at, code, group, commune_id, unit in certificates:
        issued, revoked = start_utc <= issued_at < end_utc, revoked_at is not None and start_utc <= revoked_at < end_utc
        if issued or revoked:  # no row for a certificate of another period
            for key in _keys(code, group, unit, commune_id, areas_of, with_group=False):
                rows[key].issued += issued
                rows[key].valid += issued and revoked_at is None
                rows[key].revoked += revoked


def _tables(tallies) -> tuple[Tally, dict[str, dict]]:
    """The total and the tables of a report from its ((table, key), tally) pairs."""
    tables: dict[str, dict] = {name: {} for name in TABLES}
    total = Tally()
    for (table, key), tally in tallies:
        if table == "total":
            total = tally
        else:
            tables[table][key] = tally
    return total, tables


def _keys(code: str, group: str, unit: int, commune_id: int, areas_of: dict[int, tuple], with_group: bool):
    """The rows an enrolment (or, without the programme-and-group row, a certificate) counts in."""
    yield "total", None
    yield "by_programme", code
    yield "by_group", group
    if with_group:
        yield "by_programme_group", (code, group)
    yield "by_unit", unit
    yield "by_commune", commune_id
    for area_key in areas_of.get(commune_id, ()):
        yield "by_area", area_key


def _rows(statement) -> list:
    """The rows of a column query, read through the session's connection rather than the
    ORM, which passes each row's columns through Python one by one: a province of 50,000
    trainees gives its reports some 20,000 enrolment rows and as many attendance sums, and
    building every district's figures took 1.5 times as long that way. Unlike the ORM, it
    does not flush the session first: reports.cache.report(), build_report's one caller, has
    flushed it with its first query (the stamps, through the ORM)."""
    return db.session.connection().execute(statement).all()


def area_ref(area: Area) -> AreaRef:
    """What a report shows of an Area: a province's or district's communes are its unit's."""
    communes = area.communes if area.kind == "cluster" else communes_of(area.unit_id)
    return AreaRef(area.id, area.name, area.kind, area.unit_id, tuple(c.id for c in communes))


def unit_area(unit: Unit) -> AreaRef:
    """A managing unit taken whole as an area."""
    return AreaRef(None, unit.name, unit.level, unit.id, tuple(c.id for c in communes_of(unit.id)))


def report_areas() -> list[AreaRef]:
    """The areas the admin may choose a report of: the Areas made, by name, then every
    managing unit taken whole (today's province, then the pre-2025 districts); none without
    communes, so a report never opens on an empty unit."""
    every_commune = communes_by_unit()
    made = [area_ref(a) for a in areas()]
    whole = [
        AreaRef(None, u.name, u.level, u.id, tuple(c.id for c in every_commune.get(u.id, [])))
        for u in managing_units(live_map()) + [u for m in MAPS if m != live_map() for u in managing_units(m)]
    ]
    return [a for a in made + whole if a.commune_ids]


def _areas_listed(units: list[Unit]) -> list[AreaRef]:
    """The Areas the admin made on the units a province report lists, for its subtotals."""
    listed = {u.id for u in units}
    return [area_ref(a) for a in areas() if a.unit_id in listed]


def _areas_by_commune() -> dict[int, tuple[str, ...]]:
    """commune id → the keys of the Areas it is in (a commune may be in a cụm and its province)."""
    found: dict[int, list[str]] = defaultdict(list)
    for area in map(area_ref, areas()):
        for commune_id in area.commune_ids:
            found[commune_id].append(area.key)
    return {commune: tuple(keys) for commune, keys in found.items()}


def report_maps(period: Period, communes_counted) -> list[str]:
    """The maps a province report lists units of: the one in force at the period's end (the
    2025 map once loaded), and any other its figures count communes of (a 2025 year holds
    courses of both)."""
    in_force = MAP_2025 if period.end >= MAP_2025_FROM and live_map() == MAP_2025 else MAP_PRE2025
    counted = set(db.session.scalars(select(Unit.map).distinct().where(Unit.id.in_(list(communes_counted)))))
    return [m for m in MAPS if m == in_force or m in counted]


def _coverage(period: Period, area: AreaRef | None, trained_groups: dict[int, set[str]]):
    """The units a report lists (for an area, those its communes hang under; for the
    province, every managing unit of report_maps), their communes, and per group the communes
    with nobody of it trained."""
    every_commune = communes_by_unit()
    if area is None:
        units = [u for m in report_maps(period, trained_groups) for u in managing_units(m)]
        communes = {u.id: every_commune.get(u.id, []) for u in units}
    else:
        mine = set(area.commune_ids)
        communes = {}
        for unit_id, listed in every_commune.items():
            kept = [c for c in listed if c.id in mine]
            if kept:
                communes[unit_id] = kept
        units = [u for u in managing_units() if u.id in communes]
    uncovered = {
        g: {u.id: [c for c in communes[u.id] if g not in trained_groups.get(c.id, ())] for u in units} for g in GROUPS
    }
    return units, communes, uncovered


def reporting_units() -> list[int]:
    """The units whose figures make up the province's: every unit that runs a course or has
    issued a certificate."""
    return sorted(db.session.scalars(select(Course.unit_id).union(select(Certificate.issuing_unit_id))))


def merge_reports(period: Period, parts: list[Report]) -> Report:
    """The province report put together from the reports of every unit in reporting_units(),
    each built with keep_people: the same figures as build_report(period), as each course,
    and each certificate, is counted in its own unit's report only, and the people counted
    in several are joined by their ids. The result keeps counts only."""
    found: dict[tuple[str, Hashable], list[tuple[Tally, People]]] = defaultdict(list)
    trained_groups: dict[int, set[str]] = defaultdict(set)
    for part in parts:
        found[("total", None)].append((part.total, part.people[("total", None)]))
        for table in TABLES:
            for key, tally in getattr(part, table).items():
                found[(table, key)].append((tally, part.people[(table, key)]))
        for commune_id, groups in part.trained_groups.items():
            trained_groups[commune_id] |= groups
    group_of = {
        trainee_id: group
        for (table, group), pairs in found.items()
        if table == "by_group"
        for _tally, people in pairs
        for trainee_id in people.trainees
    }
    total, tables = _tables((key, _merged(pairs, group_of)) for key, pairs in found.items())
    units, communes, uncovered = _coverage(period, None, trained_groups)
    return Report(
        period,
        None,
        total,
        *tables.values(),
        units,
        communes,
        _areas_listed(units),
        uncovered,
        dict(trained_groups),
        course_ids=tuple(sorted({c for part in parts for c in part.course_ids})),
    )


def _merged(pairs: list[tuple[Tally, People]], group_of: dict[int, str]) -> Tally:
    """One row's tallies from several units' reports added up, its people counted once."""
    if len(pairs) == 1:
        return pairs[0][0]  # shared with the unit's kept report: tallies are never changed once built
    merged = Tally(**{name: sum(getattr(tally, name) for tally, _p in pairs) for name in _SUMMED})
    trainees = set().union(*(people.trainees for _t, people in pairs))
    merged.trainees = len(trainees)
    merged.completions = len(set().union(*(people.completers for _t, people in pairs)))
    groups: dict[str, int] = defaultdict(int)
    for trainee_id in trainees:
        groups[group_of[trainee_id]] += 1
    merged.groups = dict(groups)
    return merged


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
