"""The trainee search's trigram index: "anywhere in the folded name" without reading every name.

A search matches the folded query anywhere in the folded name (LIKE '%…%'), which a B-tree
cannot seek, so it read every trainee of the province. Both databases can index the
three-letter pieces of a name instead:

- PostgreSQL: a GIN index with pg_trgm's operator class, which serves LIKE '%…%' itself (the
  migration creates the extension when the database lets it, and leaves the index out when
  not: the search then works as before);
- SQLite: an FTS5 table with the trigram tokenizer over trainee.name_folded (external content,
  kept in step by triggers); a query of three letters or more reads the ids from it (when they
  are few) and the same LIKE then checks each, so the rows found are exactly those of the
  plain search.

Queries shorter than three letters have no trigram and stay a plain LIKE. The index lives
outside the models (a GIN operator class, a virtual table): the listeners below add it to
tables made by create_all, migrations make it elsewhere, and `is_search_index` keeps Alembic's
comparisons from reporting it.
"""

from sqlalchemy import DDL, event, text

from ..extensions import db

FTS_TABLE = "trainee_name_trgm"
PG_INDEX = "ix_trainee_name_trgm"
#: up to this many names found by the trigrams, the search reads those rows by id; beyond, a
#: scan in name order is as quick (see trigram_candidates)
FEW = 400

SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(name_folded, content='trainee', content_rowid='id', "
    "tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON trainee BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, name_folded) VALUES (new.id, new.name_folded); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON trainee BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name_folded) VALUES ('delete', old.id, old.name_folded); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF name_folded ON trainee BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name_folded) VALUES ('delete', old.id, old.name_folded); "
    f"INSERT INTO {FTS_TABLE}(rowid, name_folded) VALUES (new.id, new.name_folded); END",
]
SQLITE_TRIGGERS = {f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au"}
PG_DDL = f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON trainee USING gin (name_folded gin_trgm_ops)"


def is_search_index(name: str | None) -> bool:
    """Whether a table or index name is this index's (Alembic's include_name): the FTS table,
    its shadow tables, the GIN index."""
    return bool(name) and (name == PG_INDEX or name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))


def trigram_candidates(folded: str) -> list[int] | None:
    """On SQLite, the ids of the trainees whose folded name holds `folded`'s trigrams in a
    row (a superset of the LIKE's rows, read from the FTS table), for `Trainee.id.in_(…)`
    beside the LIKE, when there are at most FEW of them; None where the LIKE alone is best: a
    query under three letters; a common one ("nguyen": thousands of names, where the list in
    name order finds its first page at once and the FTS table's long lists cost more than the
    scan); PostgreSQL, whose GIN index serves the LIKE itself."""
    if len(folded) < 3 or db.session.get_bind().dialect.name != "sqlite":
        return None
    ids = db.session.scalars(
        text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :phrase LIMIT :limit"),
        {"phrase": _phrase(folded), "limit": FEW + 1},
    ).all()
    return ids if len(ids) <= FEW else None


def count_matches(folded: str) -> int | None:
    """On SQLite, how many trainees, erased ones included, have `folded` in their folded
    name, read from the FTS table alone: a phrase of three letters or more matches exactly
    the names that hold it (the trigrams in a row), as the LIKE does, without reading the
    rows. None where there is no such count: a query under three letters, PostgreSQL."""
    if len(folded) < 3 or db.session.get_bind().dialect.name != "sqlite":
        return None
    return db.session.scalar(
        text(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :phrase"), {"phrase": _phrase(folded)}
    )


def _phrase(folded: str) -> str:
    """`folded` as an FTS5 phrase: in double quotes, a quote in it doubled."""
    return '"' + folded.replace('"', '""') + '"'


def ensure_sqlite_index(connection) -> None:
    """Put back the triggers that keep the SQLite index in step, if a table rebuild (Alembic's
    batch mode copies a table and drops the old one, triggers and all) lost them, and then
    re-read every name. Nothing to do where the index was never made."""
    if connection.dialect.name != "sqlite":
        return
    names = {
        row[0]
        for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    }
    if FTS_TABLE not in names or SQLITE_TRIGGERS <= names:
        return
    for statement in SQLITE_DDL[1:]:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def attach(table) -> None:
    """Make the index along with the trainee table in create_all (the tests, a new database
    without migrations)."""
    event.listen(table, "before_create", DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
    event.listen(table, "after_create", DDL(PG_DDL).execute_if(dialect="postgresql"))
    for statement in SQLITE_DDL:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    event.listen(table, "before_drop", DDL(f"DROP TABLE IF EXISTS {FTS_TABLE}").execute_if(dialect="sqlite"))
