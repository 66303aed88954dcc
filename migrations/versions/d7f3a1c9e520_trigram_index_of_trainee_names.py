"""trigram index of the trainees' folded names, for the search

The trainee search matches anywhere in the folded name (LIKE '%…%'), which read every trainee.
PostgreSQL: a GIN index with pg_trgm's operator class (the extension is created when the
database lets this user; without it the index is left out and the search works as before).
SQLite: an FTS5 table with the trigram tokenizer over trainee.name_folded, kept in step by
triggers (training/people/search.py reads it).

Revision ID: d7f3a1c9e520
Revises: c4e7a2d91f30
Create Date: 2026-12-07 11:00:00.000000

"""

import logging

from alembic import op
from sqlalchemy.exc import DBAPIError

# revision identifiers, used by Alembic.
revision = "d7f3a1c9e520"
down_revision = "c4e7a2d91f30"
branch_labels = None
depends_on = None

FTS = "trainee_name_trgm"
SQLITE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(name_folded, content='trainee', content_rowid='id', "
    "tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON trainee BEGIN "
    f"INSERT INTO {FTS}(rowid, name_folded) VALUES (new.id, new.name_folded); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON trainee BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, name_folded) VALUES ('delete', old.id, old.name_folded); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF name_folded ON trainee BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, name_folded) VALUES ('delete', old.id, old.name_folded); "
    f"INSERT INTO {FTS}(rowid, name_folded) VALUES (new.id, new.name_folded); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        try:
            with bind.begin_nested():
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DBAPIError as exc:
            logging.getLogger("alembic.runtime.migration").warning(
                "pg_trgm is not available (%s): the trainee search works without its trigram index. "
                "A superuser can run CREATE EXTENSION pg_trgm, then `flask db downgrade c4e7a2d91f30` and "
                "`flask db upgrade`.",
                exc.orig,
            )
            return
        op.execute("CREATE INDEX IF NOT EXISTS ix_trainee_name_trgm ON trainee USING gin (name_folded gin_trgm_ops)")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_trainee_name_trgm")
