"""Reports kept between requests until what they count changes.

A province report reads every enrolment and attendance row of its year: about 400 ms for a
province of 50,000 trainees, where drawing the page and its charts takes about 50. The figures
change far less often than they are looked at (a report is opened, filtered, printed, exported
to XLSX and PDF), so each process keeps the reports it built and answers from them for as
long as both of these hold:

- the stamps have not moved. `ReportStamp` holds a version per managing unit and one for
  changes that may touch every unit (EVERY_UNIT); a unit's version takes a new random value
  when a transaction commits that added, changed or deleted one of its courses, sessions,
  enrolments, attendance records, results or certificates, or a trainee enrolled in its
  courses; EVERY_UNIT's when a unit changes, a trainee is deleted, or a bulk statement names
  no unit. It is written in that transaction, just before its COMMIT, so a change committed
  by any process is seen by every other at its next request. Random rather than counting up,
  so that a database restored from a backup (or another test's database) never shows a
  version a process has already seen;
- no session has started since. A session counts as held once it has started, so a report
  is also rebuilt when the clock passes the next session's start, with nothing written.

The province's report is put together from the reports of every unit that runs courses
(services.merge_reports), each kept as that unit's part, which depends on its own stamp and
EVERY_UNIT's: in the middle of a training day on the old map, when check-ins move one
district's stamp after another, opening the province report rebuilds only the districts that
changed since it was last put together (on today's map the province runs every course: one
part). An area's report depends on every stamp, as its communes' trainees may be trained in
any unit's courses; a change to an Area (its communes) moves EVERY_UNIT.

What is kept is bounded twice, per process, from the app's settings: REPORT_CACHE_ENTRIES
reports and REPORT_CACHE_BYTES bytes (entry_size), the oldest dropped first. A kept report
holds counts; a unit's part also the ids of the people behind its distinct counts, as sorted
arrays of 8-byte ids (services.People), which the province's merge joins and then drops.

A kept report holds its units as plain UnitRefs (id, code, name, level, parent), never as
objects of the database session of the request that built it.
"""
import functools
import secrets
import sys
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, event, func, inspect, select
from sqlalchemy.orm import Session

from ..attendance.models import Attendance
from ..certificates.models import Assessment, Certificate
from ..courses.models import Course, CourseSession, Enrolment
from ..extensions import db, insert_or_update
from ..people.models import Trainee
from ..units.models import Area, Unit
from . import services
from .models import EVERY_UNIT, REPORT_UNIT, ReportStamp

#: more rows of one kind than this in a transaction move EVERY_UNIT instead of looking up
#: their units (a trainee import of thousands of rows)
LOOKUP_LIMIT = 500
_CHANGED = "training.report_figures_changed"


@dataclass
class _Entry:
    versions: Hashable
    valid_until: datetime | None
    report: services.Report
    #: what the kept report holds in memory (entry_size)
    size: int = 0
    #: the charts the report held when measured (a page draws them into a kept report)
    charts: int = 0


_lock = threading.Lock()
_entries: dict[tuple, _Entry] = {}


def report(period: services.Period, area: services.AreaRef | None = None) -> services.Report:
    """The area's report (build_report(period, area=area)), or the province's when area is
    None, built afresh only when its figures may have changed (see the module's docstring)."""
    stamps = dict(db.session.execute(select(ReportStamp.scope, ReportStamp.version)).all())
    if not stamps:  # a database made without the migrations and never written to
        return services.build_report(period, area=area)
    now = services.utcnow()
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
        built = _snapshot(services.build_report(period, area=area))
        return _keep(key, _Entry(versions, min(next_starts().values(), default=None), built)).report
    key = (db.engine.url, period, None)
    kept = _kept(key, versions, now)
    if kept is not None:
        return kept.report
    parts = [_unit_entry(period, unit, stamps, now, next_starts) for unit in services.reporting_units()]
    merged = _snapshot(services.merge_reports(period, [part.report for part in parts]))
    ends = [part.valid_until for part in parts if part.valid_until is not None]
    return _keep(key, _Entry(versions, min(ends, default=None), merged)).report


def _next_starts(now: datetime) -> dict[int, datetime]:
    """unit id → the start of the next session of its courses."""
    query = (select(Course.unit_id, func.min(CourseSession.starts_at)).join(Course)
             .where(CourseSession.starts_at > now).group_by(Course.unit_id))
    return dict(db.session.execute(query).all())


def _unit_entry(period: services.Period, unit_id: int, stamps: dict[int, int], now: datetime,
                next_starts: Callable[[], dict[int, datetime]]) -> _Entry:
    """One unit's kept part of the province report, with the people a merge needs, built
    afresh when its stamp or EVERY_UNIT's has moved; kept until its next session starts
    (`next_starts`)."""
    key = (db.engine.url, period, unit_id)  # one process may serve several databases (tests, benchmarks)
    versions = (stamps.get(EVERY_UNIT), stamps.get(unit_id))
    kept = _kept(key, versions, now)
    if kept is not None:
        return kept
    built = _snapshot(services.build_report(period, unit_id, keep_people=True))
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


def entry_size(report: services.Report) -> int:
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


def _snapshot(built: services.Report) -> services.Report:
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
        uncovered={group: {key: [ref(c) for c in communes] for key, communes in by_unit.items()}
                   for group, by_unit in built.uncovered.items()},
    )


def clear() -> None:
    """Forget every kept report (for a test that counts the reports built)."""
    with _lock:
        _entries.clear()


def new_version() -> int:
    return secrets.randbits(62)


@dataclass
class _Changes:
    """What a transaction changed that reports count, gathered at each flush and turned into
    the scopes whose stamps move at its commit."""

    every_unit: bool = False
    units: set[int] = field(default_factory=set)
    courses: set[int] = field(default_factory=set)
    sessions: set[int] = field(default_factory=set)
    enrolments: set[int] = field(default_factory=set)
    trainees: set[int] = field(default_factory=set)


def _changes(session: Session) -> _Changes:
    """The transaction's _Changes, made at its first counted row: one that wrote none has none."""
    changes = session.info.get(_CHANGED)
    if changes is None:
        changes = session.info[_CHANGED] = _Changes()
    return changes


#: the columns that say whose figures a changed row counts in, and the set of _Changes each
#: goes to: a unit, or a course, session, enrolment or trainee whose units are looked up (a
#: course's also gives the issuers of its certificates, which stay with the unit that issued
#: them if the course moves)
_OWNER = {Course: (("unit_id", "units"), ("id", "courses")), Certificate: (("issuing_unit_id", "units"),),
          CourseSession: (("course_id", "courses"),), Enrolment: (("course_id", "courses"),),
          Attendance: (("session_id", "sessions"),), Assessment: (("enrolment_id", "enrolments"),),
          Trainee: (("id", "trainees"),)}


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    changes = session.info.get(_CHANGED)
    if changes is not None and changes.every_unit:
        return
    new, deleted = session.new, session.deleted
    for obj in (*new, *session.dirty, *deleted):
        kind = type(obj)
        if kind is Trainee and obj in new:
            continue  # enrolled nowhere yet, so counted nowhere: an import of trainees moves no stamp
        if kind in (Unit, Area) or (kind is Trainee and obj in deleted):
            _changes(session).every_unit = True
            return
        for column, bucket in _OWNER.get(kind, ()):
            owners = _owners(obj, column, obj in new)
            if owners is None:
                _changes(session).every_unit = True
                return
            getattr(_changes(session), bucket).update(owners)


def _owners(obj, column: str, is_new: bool) -> set | None:
    """The values of obj's owner column before and after the flush (a course moved to another
    unit counts in both), read without loading anything; None when they are not known: not
    loaded, or set on a row whose value before was never loaded."""
    state = inspect(obj)
    if column == "id" and state.identity:
        return set(state.identity)
    history = state.attrs[column].history
    if history.added and not is_new and not (history.unchanged or history.deleted):
        return None
    return {value for value in (*history.added, *history.unchanged, *history.deleted) if value is not None} or None


#: the tables whose rows the reports count, by name (a statement's table may be an annotated copy)
_COUNTED_TABLES = frozenset(model.__tablename__ for model in (*_OWNER, Unit, Area))


@event.listens_for(Session, "do_orm_execute")
def _after_bulk_statement(state) -> None:
    # insert(Attendance) etc. run through session.execute, ORM-enabled or on the table: no
    # flush sees their rows.
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _COUNTED_TABLES:
            unit = state.execution_options.get(REPORT_UNIT)
            changes = _changes(state.session)
            if unit is not None:
                changes.units.add(unit)
            else:
                changes.every_unit = True


_IDS = bindparam("ids", expanding=True)
#: certificates of the enrolments matching a condition, by their issuing unit
_ISSUERS = select(Certificate.issuing_unit_id).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
#: the units owning changed rows, per set of _Changes; built once, as every commit may ask
_UNITS_OF = {
    "courses": select(Course.unit_id).where(Course.id.in_(_IDS)).union(_ISSUERS.where(Enrolment.course_id.in_(_IDS))),
    "sessions": select(Course.unit_id).distinct().join(CourseSession).where(CourseSession.id.in_(_IDS)),
    "enrolments": select(Course.unit_id).distinct().join(Enrolment).where(Enrolment.id.in_(_IDS)),
    "trainees": select(Course.unit_id).join(Enrolment).where(Enrolment.trainee_id.in_(_IDS))
                .union(_ISSUERS.where(Enrolment.trainee_id.in_(_IDS))),
}
#: on PostgreSQL, the edited trainees locked against enrolments until the commit: an
#: enrolment's foreign-key check (KEY SHARE) does not wait for the edit's own row lock, so
#: without this a trainee enrolled in another district between the lookup below and the
#: commit would leave that district's kept report with the trainee as they were
_LOCK_TRAINEES = select(Trainee.id).where(Trainee.id.in_(_IDS)).order_by(Trainee.id).with_for_update()


def _scopes(connection, changes: _Changes) -> set[int]:
    """The stamps to move for `changes`: the units owning the changed rows, looked up in at
    most four statements, or EVERY_UNIT."""
    found = {name: getattr(changes, name) for name in _UNITS_OF}
    if changes.every_unit or any(len(ids) > LOOKUP_LIMIT for ids in found.values()):
        return {EVERY_UNIT}
    if changes.trainees and connection.dialect.name == "postgresql":
        connection.execute(_LOCK_TRAINEES, {"ids": list(changes.trainees)})
    units = set(changes.units)
    for name, ids in found.items():
        if ids:
            units.update(connection.execute(_UNITS_OF[name], {"ids": list(ids)}).scalars())
    return units


def _move_stamps(connection, changes: _Changes) -> None:
    """Move the stamps of `changes` in one statement, built once per dialect (every check-in
    of a burst moves one), sorted, so that two transactions moving the same stamps take their
    row locks (PostgreSQL) in the same order."""
    scopes = _scopes(connection, changes)
    if scopes:
        version = new_version()
        connection.execute(insert_or_update(ReportStamp, "scope", "version"),
                           [{"scope": scope, "version": version} for scope in sorted(scopes)])


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    """Move the stamps as the transaction's last statements before COMMIT: holding the
    stamps' row locks (PostgreSQL) only from there to the COMMIT means that no transaction
    waits for another while holding one. A savepoint's release is no commit: it leaves them."""
    if session.in_nested_transaction():
        return
    session.flush()  # the commit's own flush comes after this event; count what it writes
    changes = session.info.pop(_CHANGED, None)
    if changes is not None:
        _move_stamps(session.connection(), changes)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    """A transaction committed with a savepoint still open (its commit fires before_commit
    while the savepoint is current, as a release does) kept what it gathered: move those
    stamps now, in a transaction of their own. A report built in between is built again."""
    if session.in_nested_transaction():
        return  # a savepoint released: the commit is still to come
    changes = session.info.pop(_CHANGED, None)
    if changes is not None:
        with db.engine.begin() as connection:
            _move_stamps(connection, changes)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction) -> None:
    # A rolled-back savepoint keeps what was gathered (the changes before it still stand);
    # the end of the whole transaction, committed or not, clears it.
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
