"""sessions that end, sign-in counters, verification counts, erasure

- user.session_token: what sign-in cookies name an account by (replaced to end its sessions);
  user.failed_logins and user.locked_until give way to the sign_in_counter table (per account
  name and address);
- on SQLite, user and trainee ids are never given again (AUTOINCREMENT; PostgreSQL's
  sequences already never do);
- verification (a row per anonymous look-up) becomes verification_count (a count per day);
- certificate.holder_birth_date (kept when the trainee is erased), trainee.erased_at.

Revision ID: 26c8fe3e72c7
Revises: a4271247a092
Create Date: 2026-12-07 10:45:43.236483

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "26c8fe3e72c7"
down_revision = "a4271247a092"
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _foreign_keys(on: bool) -> None:
    """SQLite: switch foreign keys, off while user and trainee are rebuilt, so that dropping
    the old copy of a table deletes (or cascades to) nothing that points at it."""
    if not _sqlite():
        return
    bind = op.get_bind()
    # SQLite ignores this PRAGMA inside a transaction, and the driver has one open once an
    # earlier migration of the same run wrote rows: commit what they did first (SQLite's DDL
    # is not transactional here anyway, so nothing is lost from a rollback).
    bind.connection.dbapi_connection.commit()
    bind.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar() != int(on):
        raise RuntimeError(
            "SQLite could not switch foreign keys (inside a transaction?): run this migration on its own."
        )


def _batch(table: str, autoincrement: bool):
    """A batch on `table`; on SQLite a rebuild with (or without) AUTOINCREMENT, so that ids are
    never given again (PostgreSQL's sequences never do: its tables are altered in place)."""
    if _sqlite():
        return op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement})
    return op.batch_alter_table(table)


def upgrade():
    _foreign_keys(False)
    with _batch("trainee", True) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
    # Every account gets a token of its own; sessions signed in before this (which named the
    # account by its id) end.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=43), nullable=True))
    bind = op.get_bind()
    user = sa.table("user", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    for (user_id,) in bind.execute(sa.select(user.c.id)).all():
        bind.execute(user.update().where(user.c.id == user_id).values(session_token=secrets.token_urlsafe(32)))
    with _batch("user", True) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=43), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_user_session_token"), ["session_token"])
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
    _foreign_keys(True)

    op.create_table(
        "sign_in_counter",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_counter")),
    )
    with op.batch_alter_table("sign_in_counter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_counter_window_started_at"), ["window_started_at"], unique=False)

    op.create_table(
        "verification_count",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("certificate_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "via", "outcome", "certificate_id", name=op.f("pk_verification_count")),
    )
    # The look-ups logged so far, as counts (what was typed is not kept).
    day = "date(at)" if _sqlite() else "CAST(at AS DATE)"
    op.execute(
        f"INSERT INTO verification_count (day, via, outcome, certificate_id, count) "
        f"SELECT {day}, via, outcome, COALESCE(certificate_id, 0), COUNT(*) FROM verification "
        f"GROUP BY {day}, via, outcome, COALESCE(certificate_id, 0)"
    )
    with op.batch_alter_table("verification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_at"))
        batch_op.drop_index(batch_op.f("ix_verification_certificate_id"))
    op.drop_table("verification")

    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder_birth_date", sa.Date(), nullable=True))
    op.execute(
        "UPDATE certificate SET holder_birth_date = (SELECT trainee.birth_date FROM enrolment "
        "JOIN trainee ON trainee.id = enrolment.trainee_id WHERE enrolment.id = certificate.enrolment_id)"
    )


def downgrade():
    _foreign_keys(False)
    with _batch("user", False) as batch_op:
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_user_session_token"), type_="unique")
        batch_op.drop_column("session_token")
    with _batch("trainee", False) as batch_op:
        batch_op.drop_column("erased_at")
    _foreign_keys(True)

    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_column("holder_birth_date")

    op.create_table(
        "verification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("query", sa.String(length=120), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificate.id"], name=op.f("fk_verification_certificate_id_certificate")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification")),
    )
    with op.batch_alter_table("verification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_certificate_id"), ["certificate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_verification_at"), ["at"], unique=False)

    op.drop_table("verification_count")
    with op.batch_alter_table("sign_in_counter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_counter_window_started_at"))
    op.drop_table("sign_in_counter")
