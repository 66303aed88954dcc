"""The province report put together from the reports of the units that make it up, each
kept by the cache as that unit's part (reports/cache.py): their counts added up, the people
counted in several joined by their ids."""

from collections import defaultdict
from collections.abc import Hashable

from sqlalchemy import select

from ..certificates.models import Certificate
from ..courses.models import Course
from ..extensions import db
from .figures import TABLES, People, Period, Report, Tally, tally_tables
from .places import areas_listed, coverage

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
    total, tables = tally_tables((key, _merged(pairs, group_of)) for key, pairs in found.items())
    units, communes, uncovered = coverage(period, None, trained_groups)
    return Report(
        period,
        None,
        total,
        *tables.values(),
        units,
        communes,
        areas_listed(units),
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
