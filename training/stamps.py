"""The report stamps: a version per managing unit that moves when that unit's figures change.

The reports kept between requests (training/reports/cache.py) hold until the stamps they
were built under move. `ReportStamp` holds a version per managing unit and one for changes
that may touch every unit (EVERY_UNIT); a unit's version takes a new random value when a
transaction commits that added, changed or deleted one of its courses, sessions, enrolments,
attendance records, results or certificates, or a trainee enrolled in its courses;
EVERY_UNIT's when a unit or an area changes, a trainee is deleted, or a bulk statement names
no unit. It is written in that transaction, just before its COMMIT, so a change committed by
any process is seen by every other at its next request. Random rather than counting up, so
that a database restored from a backup (or another test's database) never shows a version a
process has already seen.

The stamps are moved by listeners on every session of the process (watch_sessions, called by
create_app), not by a call beside each write: every path that writes a counted row, through
the unit of work or a bulk statement, moves its stamp without knowing about reports, and a
new path cannot forget to. A bulk statement names its unit with the REPORT_UNIT execution
option (a check-in), or moves EVERY_UNIT. What they cost a check-in is mostly the stamp's own
INSERT: their before_commit step took 0.08-0.13 ms of a 3.3 ms check-in (bench/checkin_cost.py,
timed by hand), the statement listener a few microseconds for each statement of a request.
The counted tables are known here by name, so that the domains that import REPORT_UNIT import
nothing of the domains after them through this module.
"""

import functools
import secrets
from dataclasses import dataclass, field

from sqlalchemy import BigInteger, bindparam, event, inspect, select, union
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db, insert_or_update

#: the scope of a change that may touch every unit's figures (a unit renamed, a trainee
#: erased, a bulk statement that names no unit)
EVERY_UNIT = 0
#: an execution option naming the managing unit whose figures an ORM bulk statement (insert(),
#: update(), delete() through the session) changes; without it the statement moves EVERY_UNIT
REPORT_UNIT = "training_report_unit"
#: more rows of one kind than this in a transaction move EVERY_UNIT instead of looking up
#: their units (a trainee import of thousands of rows)
LOOKUP_LIMIT = 500
_CHANGED = "training.report_figures_changed"


class ReportStamp(db.Model):
    """A version per scope, a managing unit's id or EVERY_UNIT, that takes a new random value
    in every transaction that changes what that unit's figures count (see the module's
    docstring). A unit's row appears with the first such change."""

    scope: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


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


#: the tables whose rows the reports count, by name (a statement's table may be an annotated
#: copy), with the columns that say whose figures a changed row counts in and the set of
#: _Changes each goes to: a unit, or a course, session, enrolment or trainee whose units are
#: looked up (a course's also gives the issuers of its certificates, which stay with the unit
#: that issued them if the course moves)
_OWNER = {
    "course": (("unit_id", "units"), ("id", "courses")),
    "certificate": (("issuing_unit_id", "units"),),
    "course_session": (("course_id", "courses"),),
    "enrolment": (("course_id", "courses"),),
    "attendance": (("session_id", "sessions"),),
    "assessment": (("enrolment_id", "enrolments"),),
    "trainee": (("id", "trainees"),),
}
#: a change to these may touch every unit's figures
_EVERY_UNIT_TABLES = frozenset({"unit", "area"})
_COUNTED_TABLES = frozenset(_OWNER) | _EVERY_UNIT_TABLES


def _after_flush(session: Session, _context) -> None:
    changes = session.info.get(_CHANGED)
    if changes is not None and changes.every_unit:
        return
    new, deleted = session.new, session.deleted
    for obj in (*new, *session.dirty, *deleted):
        table = getattr(obj, "__tablename__", None)
        if table == "trainee" and obj in new:
            continue  # enrolled nowhere yet, so counted nowhere: an import of trainees moves no stamp
        if table in _EVERY_UNIT_TABLES or (table == "trainee" and obj in deleted):
            _changes(session).every_unit = True
            return
        for column, bucket in _OWNER.get(table, ()):
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


def _after_bulk_statement(state) -> None:
    # insert(Attendance) etc. run through session.execute, ORM-enabled or on the table: no
    # flush sees their rows. Run for every statement of the app: a SELECT leaves at the first
    # attribute asked (is_insert, is_update and is_delete would each ask it again).
    statement = state.statement
    if statement.is_dml and getattr(getattr(statement, "table", None), "name", None) in _COUNTED_TABLES:
        unit = state.execution_options.get(REPORT_UNIT)
        changes = _changes(state.session)
        if unit is not None:
            changes.units.add(unit)
        else:
            changes.every_unit = True


@functools.cache
def _lookups() -> tuple[dict, object]:
    """The statements that find the units owning changed rows, per set of _Changes, and the
    lock of edited trainees; built once from the tables (every commit that changed rows of
    those kinds asks)."""
    tables = db.metadata.tables
    course, session, enrolment = tables["course"].c, tables["course_session"].c, tables["enrolment"].c
    certificate, trainee = tables["certificate"].c, tables["trainee"].c
    ids = bindparam("ids", expanding=True)
    #: certificates of the enrolments matching a condition, by their issuing unit
    issuers = select(certificate.issuing_unit_id).join_from(
        tables["certificate"], tables["enrolment"], enrolment.id == certificate.enrolment_id
    )
    units_of = {
        "courses": union(select(course.unit_id).where(course.id.in_(ids)), issuers.where(enrolment.course_id.in_(ids))),
        "sessions": select(course.unit_id)
        .distinct()
        .join_from(tables["course"], tables["course_session"])
        .where(session.id.in_(ids)),
        "enrolments": select(course.unit_id)
        .distinct()
        .join_from(tables["course"], tables["enrolment"])
        .where(enrolment.id.in_(ids)),
        "trainees": union(
            select(course.unit_id)
            .join_from(tables["course"], tables["enrolment"])
            .where(enrolment.trainee_id.in_(ids)),
            issuers.where(enrolment.trainee_id.in_(ids)),
        ),
    }
    # On PostgreSQL, the edited trainees locked against enrolments until the commit: an
    # enrolment's foreign-key check (KEY SHARE) does not wait for the edit's own row lock, so
    # without this a trainee enrolled in another district between the lookup and the commit
    # would leave that district's kept report with the trainee as they were.
    lock_trainees = select(trainee.id).where(trainee.id.in_(ids)).order_by(trainee.id).with_for_update()
    return units_of, lock_trainees


def _scopes(connection, changes: _Changes) -> set[int]:
    """The stamps to move for `changes`: the units owning the changed rows, looked up in at
    most four statements, or EVERY_UNIT."""
    found = {name: ids for name in ("courses", "sessions", "enrolments", "trainees") if (ids := getattr(changes, name))}
    if changes.every_unit or any(len(ids) > LOOKUP_LIMIT for ids in found.values()):
        return {EVERY_UNIT}
    if not found:  # the units were named (a check-in): nothing to look up
        return changes.units
    units_of, lock_trainees = _lookups()
    if changes.trainees and connection.dialect.name == "postgresql":
        connection.execute(lock_trainees, {"ids": list(changes.trainees)})
    units = set(changes.units)
    for name, ids in found.items():
        units.update(connection.execute(units_of[name], {"ids": list(ids)}).scalars())
    return units


def _move_stamps(connection, changes: _Changes) -> None:
    """Move the stamps of `changes` in one statement, built once per dialect (every check-in
    of a burst moves one), sorted, so that two transactions moving the same stamps take their
    row locks (PostgreSQL) in the same order."""
    scopes = _scopes(connection, changes)
    if scopes:
        version = new_version()
        connection.execute(
            insert_or_update(ReportStamp, "scope", "version"),
            [{"scope": scope, "version": version} for scope in sorted(scopes)],
        )


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


def _transaction_ended(session: Session, transaction) -> None:
    # A rolled-back savepoint keeps what was gathered (the changes before it still stand);
    # the end of the whole transaction, committed or not, clears it.
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)


#: what every session of the process runs, by event
_LISTENERS = (
    ("after_flush", _after_flush),
    ("do_orm_execute", _after_bulk_statement),
    ("before_commit", _before_commit),
    ("after_commit", _after_commit),
    ("after_transaction_end", _transaction_ended),
)


def watch_sessions() -> None:
    """Have every database session of the process move the stamps of what it commits (once
    per process, however many apps it makes)."""
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
