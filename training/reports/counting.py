"""The figures of the area and province reports counted (build_report): read-only, a fixed
number of queries whatever the size of the province (aggregates in SQL, roll-ups in Python).

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
from dataclasses import dataclass

from ..curricula import catalogue
from .figures import AreaRef, People, Period, Report, Tally, tally_tables
from .places import areas_by_commune, areas_listed, coverage
from .reading import Found, filters, read


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
    province, see merging.merge_reports), of one area (its communes' trainees, wherever trained), or
    of the whole province: the rows read (reading.read), added up (_count), then turned into
    tallies. `keep_people`: keep the ids a merge needs (Report.people), and leave out the
    units and coverage, which the merge works out for the whole."""
    found = read(period, *filters(period, unit_id, area))
    counted = _count(period, area, found)
    total, tables = tally_tables(
        (key, row.tally(found.sessions_per_course, counted.group_of)) for key, row in counted.rows.items()
    )
    people = {key: row.people() for key, row in counted.rows.items()} if keep_people else None
    trained_groups, course_ids = dict(counted.trained_groups), tuple(row[0] for row in found.courses)
    del found, counted  # the rows and their sets go before the units are read
    if keep_people:  # a part of the province's, whose units merge_reports lists
        return Report(
            period, area, total, *tables.values(), [], {}, [], {}, trained_groups, people, course_ids=course_ids
        )
    units, communes, uncovered = coverage(period, area, trained_groups)
    return Report(
        period,
        area,
        total,
        *tables.values(),
        units,
        communes,
        areas_listed(units) if area is None else [],
        uncovered,
        trained_groups,
        course_ids=course_ids,
    )


@dataclass
class _Counted:
    """A report's rows added up, with what their tallies need."""

    rows: dict[tuple[str, Hashable], _Counting]
    #: trainee id → group, for the rows' counts per group
    group_of: dict[int, str]
    #: commune id → the groups of its trainees counted
    trained_groups: dict[int, set[str]]


def _count(period: Period, area: AreaRef | None, found: Found) -> _Counted:
    """Add up the courses, enrolments and certificates read into the rows of the report's
    tables (_keys)."""
    areas_of = areas_by_commune() if area is None else {c: (area.key,) for c in area.commune_ids}
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


def _count_enrolments(found: Found, rows: dict, areas_of: dict[int, tuple]) -> tuple[dict, dict]:
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
