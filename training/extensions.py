"""Flask extensions, created unbound and initialised in create_app(); database upkeep that
sits beside them (statistics after bulk loads, one migration at a time)."""

import contextlib
import fcntl
import functools
import threading
from pathlib import Path

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


def insert_or_skip(model, *conflict_columns: str, returning: str | None = None):
    """INSERT … ON CONFLICT (conflict_columns) DO NOTHING [RETURNING the column named
    `returning`] into `model`'s table, in the dialect of the database in use (ON CONFLICT is
    written by each: SQLite and PostgreSQL). A Core statement on the table, built once per
    dialect and arguments: a check-in burst runs the same statements for every scan, and the
    ORM's bulk-insert machinery cost each about as much as the rest of its work; execute it
    with the row's values as parameters."""
    return _insert_or_skip(db.session.get_bind().dialect.name, model.__table__, conflict_columns, returning)


def insert_or_update(model, conflict_column: str, *update_columns: str):
    """INSERT … ON CONFLICT (conflict_column) DO UPDATE SET update_columns to the values given,
    into `model`'s table, built once like insert_or_skip: a row written by whichever of two
    racing transactions comes second, without an error for either."""
    return _insert_or_update(db.session.get_bind().dialect.name, model.__table__, conflict_column, update_columns)


def _dialect_insert(dialect: str):
    return pg_insert if dialect == "postgresql" else sqlite_insert


@functools.cache
def _insert_or_skip(dialect: str, table, conflict_columns: tuple[str, ...], returning: str | None):
    statement = _dialect_insert(dialect)(table).on_conflict_do_nothing(index_elements=list(conflict_columns) or None)
    return statement.returning(table.c[returning]) if returning is not None else statement


@functools.cache
def _insert_or_update(dialect: str, table, conflict_column: str, update_columns: tuple[str, ...]):
    statement = _dialect_insert(dialect)(table)
    return statement.on_conflict_do_update(
        index_elements=[conflict_column], set_={name: statement.excluded[name] for name in update_columns}
    )


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load (`flask demo load --scale N`,
    `flask restore`, a conversion of the units), on a connection of its own: call it once the
    load is committed. Autovacuum would get there in time, or never where it is off; until
    then the planner guesses that a table of thousands holds a handful of rows (the trainee
    search ran 5.7× slower). SQLite is left without statistics on purpose: given them, its
    planner counted the trainee search's hits through the commune index instead of scanning
    the covering one, 20× slower at 50,000 trainees (390 against 19 ms).

    With a vacuum: it marks the loaded pages all-visible, so that the counts read their
    covering indexes alone (where autovacuum is off nothing else would: the trainee list's
    count at 50,000 took 26 ms from the table, 4.3 from its index; both steps together took
    0.37 s for every table at that size).

    Only the application's tables: a bare ANALYZE also samples the system catalogs, which
    grow with every schema ever created and dropped in the database and are autovacuum's to
    keep; on a bloated catalog it outlasted DATABASE_TIMEOUT and the load failed."""
    if db.engine.dialect.name != "postgresql":
        return
    quote = db.engine.dialect.identifier_preparer.format_table
    tables = ", ".join(quote(table) for table in db.metadata.sorted_tables)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM (ANALYZE) {tables}")


#: the PostgreSQL advisory lock that migrations take: any fixed 64-bit number, the same on every
#: host ("taphuan" in ASCII)
MIGRATION_LOCK_KEY = 0x74_61_70_68_75_61_6E
_held = threading.local()


@contextlib.contextmanager
def migration_lock():
    """One migration (and first-run set-up) at a time across every host and process: a
    PostgreSQL advisory lock, or a lock file beside a SQLite database. Two hosts started
    together would otherwise both create the same tables and one fail. Re-entrant within a
    thread: `flask setup` holds it around the migrations, which take it again."""
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    with _lock_for(db.engine):
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0


@contextlib.contextmanager
def _lock_for(engine):
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with open(Path(engine.url.database).with_name(Path(engine.url.database).name + ".migrate-lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            yield
    else:
        yield


def dialect_insert(model):
    """An INSERT into `model`'s table in the dialect of the database in use, for an upsert
    whose ON CONFLICT clause the caller writes (a counter that adds one)."""
    return _dialect_insert(db.session.get_bind().dialect.name)(model.__table__)
