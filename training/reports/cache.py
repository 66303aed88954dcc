"""Reports kept between requests until what they count changes.

A province report reads every enrolment and attendance row of its year: about 300 ms for a
province of 50,000 trainees, where drawing the page and its charts takes about 40. The figures
change far less often than they are looked at (a report is opened, filtered, printed, exported
to XLSX and PDF), so each process keeps the last few reports it built and answers from them
for as long as both of these hold:

- the stamp has not moved. `ReportStamp.version` takes a new random value when a transaction
  commits in which a flush (or an ORM bulk statement) added, changed or deleted a course,
  session, enrolment, attendance record, result, certificate, trainee or unit; it is written
  in that transaction, just before its COMMIT, so a change committed by any process is seen
  by every other at its next request. Random rather than counting up, so that a database
  restored from a backup (or another test's database) never shows a version a process has
  already seen;
- no session has started since. A session counts as held once it has started, so a report
  is also rebuilt when the clock passes the next session's start, with nothing written.

A kept report holds its units as plain UnitRefs (id, code, name, level, parent), never as
objects of the database session of the request that built it.
"""
import secrets
import threading
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from ..attendance.models import Attendance
from ..certificates.models import Assessment, Certificate
from ..courses.models import Course, CourseSession, Enrolment
from ..extensions import db
from ..people.models import Trainee
from ..units.models import Unit
from . import services
from .models import ReportStamp

#: what the reports count; a change to any of these moves the stamp
COUNTED = (Course, CourseSession, Enrolment, Attendance, Assessment, Certificate, Trainee, Unit)
#: reports kept per process, the least recently built dropped first: every district's and
#: the province's for this year, and a few more. A year's province report of 50,000 trainees
#: holds about 10 MB (the trainee sets behind the distinct counts), a district's a tenth.
KEEP = 16
_CHANGED = "training.report_figures_changed"


@dataclass
class _Entry:
    version: int
    valid_until: datetime | None
    report: services.Report


_lock = threading.Lock()
_entries: dict[tuple, _Entry] = {}


def report(period: services.Period, unit_id: int | None = None) -> services.Report:
    """The report of build_report(period, unit_id), built afresh only when its figures may
    have changed (see the module's docstring)."""
    key = (db.engine.url, period, unit_id)  # one process may serve several databases (tests, benchmarks)
    version = db.session.scalar(select(ReportStamp.version).where(ReportStamp.id == 1))
    if version is None:  # a database made without the migrations and never written to
        return services.build_report(period, unit_id)
    now = services.utcnow()
    with _lock:
        entry = _entries.get(key)
    if entry is not None and entry.version == version and (entry.valid_until is None or now < entry.valid_until):
        return entry.report
    built = _snapshot(services.build_report(period, unit_id))
    next_start = db.session.scalar(select(func.min(CourseSession.starts_at)).where(CourseSession.starts_at > now))
    with _lock:
        _entries.pop(key, None)
        _entries[key] = _Entry(version, next_start, built)
        while len(_entries) > KEEP:
            _entries.pop(next(iter(_entries)))
    return built


@dataclass(frozen=True)
class UnitRef:
    """What a report shows of a unit, held apart from any database session (a kept report
    outlives the request that built it)."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None


def _snapshot(built: services.Report) -> services.Report:
    """The report with its units replaced by UnitRefs."""
    refs: dict[int, UnitRef] = {}

    def ref(unit: Unit) -> UnitRef:
        if unit.id not in refs:
            refs[unit.id] = UnitRef(unit.id, unit.code, unit.name, unit.level, unit.parent_id)
        return refs[unit.id]

    return replace(
        built,
        scope=ref(built.scope) if built.scope is not None else None,
        units=[ref(u) for u in built.units],
        communes={key: [ref(c) for c in communes] for key, communes in built.communes.items()},
        uncovered={group: {key: [ref(c) for c in communes] for key, communes in by_unit.items()}
                   for group, by_unit in built.uncovered.items()},
    )


def clear() -> None:
    """Forget every kept report (for a test that counts the reports built)."""
    with _lock:
        _entries.clear()


def _mark_changed(session: Session) -> None:
    session.info[_CHANGED] = True


def new_version() -> int:
    return secrets.randbits(62)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    if any(isinstance(obj, COUNTED) for obj in (*session.new, *session.dirty, *session.deleted)):
        _mark_changed(session)


@event.listens_for(Session, "do_orm_execute")
def _after_bulk_statement(state) -> None:
    # insert(Attendance) etc. run through session.execute: no flush sees their rows.
    if state.is_insert or state.is_update or state.is_delete:
        mapper = state.bind_mapper
        if mapper is not None and issubclass(mapper.class_, COUNTED):
            _mark_changed(state.session)


# Built once: every check-in of a burst moves the stamp.
_MOVE_STAMP = update(ReportStamp.__table__).where(ReportStamp.__table__.c.id == 1)


@event.listens_for(Session, "before_commit")
def _move_stamp(session: Session) -> None:
    """Move the stamp as the transaction's last statement before COMMIT: a savepoint's
    release is no commit, and holding the stamp's row lock (PostgreSQL) only from there to the
    COMMIT means that no transaction waits for another while holding it."""
    if session.in_nested_transaction():
        return
    session.flush()  # the commit's own flush comes after this event; count what it writes
    if session.info.pop(_CHANGED, False):
        connection, version = session.connection(), new_version()
        if connection.execute(_MOVE_STAMP, {"version": version}).rowcount == 0:
            connection.execute(ReportStamp.__table__.insert().values(id=1, version=version))


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction) -> None:
    # A rolled-back savepoint keeps the mark (the changes before it still stand); the end of
    # the whole transaction, committed or not, clears it.
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
