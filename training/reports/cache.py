"""Reports kept between requests until what they count changes.

A province report reads every enrolment and attendance row of its year: about 400 ms for a
province of 50,000 trainees, where drawing the page and its charts takes about 50. The figures
change far less often than they are looked at (a report is opened, filtered, printed, exported
to XLSX and PDF), so each process keeps the reports it built and answers from them for as
long as both of these hold:

- the stamps have not moved (training/stamps.py): a managing unit's stamp moves when a
  transaction commits that changed what its figures count, EVERY_UNIT's when a change may
  touch every unit, so a change committed by any process is seen by every other at its next
  request;
- no session has started since. A session counts as held once it has started, so a report
  is also rebuilt when the clock passes the next session's start, with nothing written.

The province's report is put together from the reports of every unit that runs courses
(merging.merge_reports), each kept as that unit's part, which depends on its own stamp and
EVERY_UNIT's: in the middle of a training day on the old map, when check-ins move one
district's stamp after another, opening the province report rebuilds only the districts that
changed since it was last put together (on today's map the province runs every course: one
part). An area's report depends on every stamp, as its communes' trainees may be trained in
any unit's courses; a change to an Area (its communes) moves EVERY_UNIT.

What is kept is bounded twice, per process, from the app's settings: REPORT_CACHE_ENTRIES
reports and REPORT_CACHE_BYTES bytes (entry_size), the oldest dropped first. A kept report
holds counts; a unit's part also the ids of the people behind its distinct counts, as sorted
arrays of 8-byte ids (figures.People), which the province's merge joins and then drops.

A kept report holds its units as plain UnitRefs (id, code, name, level, parent), never as
objects of the database session of the request that built it.
"""

import functools
import sys
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from ..courses.models import Course, CourseSession
from ..extensions import db
from ..stamps import EVERY_UNIT, ReportStamp
from ..units.models import Unit
from . import counting, merging, reading
from .figures import AreaRef, Period, Report


@dataclass
class _Entry:
    versions: Hashable
    valid_until: datetime | None
    report: Report
    #: what the kept report holds in memory (entry_size)
    size: int = 0
    #: the charts the report held when measured (a page draws them into a kept report)
    charts: int = 0


_lock = threading.Lock()
_entries: dict[tuple, _Entry] = {}


def report(period: Period, area: AreaRef | None = None) -> Report:
    """The area's report (build_report(period, area=area)), or the province's when area is
    None, built afresh only when its figures may have changed (see the module's docstring)."""
    stamps = dict(db.session.execute(select(ReportStamp.scope, ReportStamp.version)).all())
    if not stamps:  # a database made without the migrations and never written to
        return counting.build_report(period, area=area)
    # the clock reading.read counts sessions as held by, so that what is kept agrees with it
    now = reading.utcnow()
    # asked once, and only if a report is built: every unit's after a change everywhere
    next_starts = functools.cache(functools.partial(_next_starts, now))
    versions = frozenset(stamps.items())
    if area is not None:
        # An area's trainees may be trained in any unit's courses: every stamp counts. The
        # communes are part of the key, so a cụm given other communes is counted afresh.
        key = (db.engine.url, period, area)
        kept = _kept(key, versions, now)
        if kept is not None:
            return kept.report
        built = _snapshot(counting.build_report(period, area=area))
        return _keep(key, _Entry(versions, min(next_starts().values(), default=None), built)).report
    key = (db.engine.url, period, None)
    kept = _kept(key, versions, now)
    if kept is not None:
        return kept.report
    parts = [_unit_entry(period, unit, stamps, now, next_starts) for unit in merging.reporting_units()]
    merged = _snapshot(merging.merge_reports(period, [part.report for part in parts]))
    ends = [part.valid_until for part in parts if part.valid_until is not None]
    return _keep(key, _Entry(versions, min(ends, default=None), merged)).report


def _next_starts(now: datetime) -> dict[int, datetime]:
    """unit id → the start of the next session of its courses."""
    query = (
        select(Course.unit_id, func.min(CourseSession.starts_at))
        .join(Course)
        .where(CourseSession.starts_at > now)
        .group_by(Course.unit_id)
    )
    return dict(db.session.execute(query).all())


def _unit_entry(
    period: Period,
    unit_id: int,
    stamps: dict[int, int],
    now: datetime,
    next_starts: Callable[[], dict[int, datetime]],
) -> _Entry:
    """One unit's kept part of the province report, with the people a merge needs, built
    afresh when its stamp or EVERY_UNIT's has moved; kept until its next session starts
    (`next_starts`)."""
    key = (db.engine.url, period, unit_id)  # one process may serve several databases (tests, benchmarks)
    versions = (stamps.get(EVERY_UNIT), stamps.get(unit_id))
    kept = _kept(key, versions, now)
    if kept is not None:
        return kept
    built = _snapshot(counting.build_report(period, unit_id, keep_people=True))
    return _keep(key, _Entry(versions, next_starts().get(unit_id), built))


def _kept(key: tuple, versions: Hashable, now: datetime) -> _Entry | None:
    with _lock:
        entry = _entries.get(key)
        if entry is not None and entry.charts != len(entry.report.svgs):
            # charts drawn since it was measured: measured again, and the budget held
            entry.size, entry.charts = entry_size(entry.report), len(entry.report.svgs)
            _within_limits()
            entry = _entries.get(key)
    if entry is not None and entry.versions == versions and (entry.valid_until is None or now < entry.valid_until):
        return entry
    return None


def _keep(key: tuple, entry: _Entry) -> _Entry:
    """Keep `entry`, then drop the oldest entries until the kept reports are within both
    limits of the app's settings: REPORT_CACHE_ENTRIES reports, REPORT_CACHE_BYTES bytes
    (an entry bigger than the whole budget is not kept)."""
    entry.size, entry.charts = entry_size(entry.report), len(entry.report.svgs)
    with _lock:
        _entries.pop(key, None)
        _entries[key] = entry
        _within_limits()
    return entry


def _within_limits() -> None:
    """Drop the oldest entries until both limits hold; called with the lock held."""
    limit, budget = current_app.config["REPORT_CACHE_ENTRIES"], current_app.config["REPORT_CACHE_BYTES"]
    held = sum(kept.size for kept in _entries.values())
    while _entries and (len(_entries) > limit or held > budget):
        held -= _entries.pop(next(iter(_entries))).size


def kept_bytes() -> int:
    """What the kept reports of this process hold, by entry_size."""
    with _lock:
        return sum(entry.size for entry in _entries.values())


def entry_size(report: Report) -> int:
    """The bytes a kept report holds: sys.getsizeof of every object it reaches, each once
    (the units a report lists in several tables count once; the tallies the province shares
    with a unit's report count in both entries, so the budget errs on the safe side). Not
    the classes, nor the ints and strings interned for the whole process."""
    seen: set[int] = set()
    size = 0
    stack: list = [report]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, (bool, type)):
            continue
        seen.add(id(obj))
        size += sys.getsizeof(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif is_dataclass(obj):
            stack.extend(getattr(obj, f.name) for f in fields(obj))
    return size


@dataclass(frozen=True)
class UnitRef:
    """What a report shows of a unit, held apart from any database session (a kept report
    outlives the request that built it)."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    map: str


def _snapshot(built: Report) -> Report:
    """The report with its units replaced by UnitRefs."""
    refs: dict[int, UnitRef] = {}

    def ref(unit: Unit) -> UnitRef:
        if unit.id not in refs:
            refs[unit.id] = UnitRef(unit.id, unit.code, unit.name, unit.level, unit.parent_id, unit.map)
        return refs[unit.id]

    return replace(
        built,
        units=[ref(u) for u in built.units],
        communes={key: [ref(c) for c in communes] for key, communes in built.communes.items()},
        uncovered={
            group: {key: [ref(c) for c in communes] for key, communes in by_unit.items()}
            for group, by_unit in built.uncovered.items()
        },
    )


def clear() -> None:
    """Forget every kept report (for a test that counts the reports built)."""
    with _lock:
        _entries.clear()
