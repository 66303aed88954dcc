"""The trainee search through its trigram index (training/people/search.py) finds exactly what
the plain substring search found: every piece of every name, short queries, quotes and LIKE
wildcards, after names are added, changed and erased; on SQLite and PostgreSQL alike."""

import pytest
from sqlalchemy import select, text

from training.extensions import db
from training.people import search
from training.people.models import Trainee
from training.people.services import TraineeFilter, trainee_query
from training.vietnamese import fold

NAMES = [
    "Nguyễn Thị Ngọc Ánh",
    "Trương Văn Đức",
    "Lương Thị Thu Hường",
    "Nông Thị Quỳnh",
    "Đàm Đức Đạt",
    "Ưng Hoàng Phúc",
    "H'Hen Niê",
    "Y-Moan Êban",
    'Bế Văn "Tí"',
    "Lò Văn Ơn",
    "Nguyễn Văn 100%",
    "Trần_Thị Hà",
    "Hoàng Thị Lan Anh",
    "Hoàng Thị Lan",
    "Phan Thị Quý",
    "Nguyễn Văn An",
]


@pytest.fixture
def trainees(make_trainee):
    return [make_trainee(name) for name in NAMES]


def _found(query: str) -> list[str]:
    return [t.full_name for t in db.session.scalars(trainee_query(TraineeFilter(q=query)))]


def _expected(query: str) -> list[str]:
    """The plain substring search, done in Python over every trainee, in the list's order."""
    folded = fold(query)
    everyone = db.session.scalars(select(Trainee).order_by(Trainee.name_key, Trainee.id)).all()
    return [t.full_name for t in everyone if folded in t.name_folded]


def _queries() -> list[str]:
    pieces = {
        "",
        "x",
        "zzz",
        "%",
        "_",
        '"',
        "'",
        "an",
        "a",
        "lan",
        "lan anh",
        "thi lan",
        "NGUYỄN",
        "hường",
        "đức",
        "100%",
        "n_t",
        "tran_thi",
        '"ti"',
        "h'hen",
        "y-moan",
        "quy",
        "quỳnh",
        "  van   duc ",
    }
    for name in NAMES:
        folded = fold(name)
        pieces.add(name)
        for size in (1, 2, 3, 4, 7):
            pieces.update(folded[i : i + size] for i in range(0, max(1, len(folded) - size + 1), 2))
    return sorted(pieces)


def test_every_piece_of_every_name_is_found_as_the_substring_search_finds_it(trainees, monkeypatch):
    queries = _queries()
    assert len(queries) > 150
    for query in queries:
        assert _found(query) == _expected(query), query
    # Beyond FEW names found by the trigrams the LIKE alone answers: the same rows again.
    monkeypatch.setattr(search, "FEW", 1)
    for query in queries:
        assert _found(query) == _expected(query), query


def test_the_index_follows_names_added_changed_and_erased(trainees, make_trainee):
    assert _found("lan anh") == ["Hoàng Thị Lan Anh"]
    trainees[12].full_name = "Hoàng Thị Mai Anh"
    db.session.commit()
    assert _found("lan anh") == [] and _found("mai anh") == ["Hoàng Thị Mai Anh"]
    db.session.delete(trainees[12])
    db.session.commit()
    assert _found("mai anh") == []
    make_trainee("Vừa Thêm Lan Anh")
    assert _found("lan anh") == ["Vừa Thêm Lan Anh"] == _expected("lan anh")


def test_the_search_reads_the_trigram_index(trainees):
    if db.engine.dialect.name == "sqlite":
        # The FTS table holds every name; a name of three letters or more is looked up there.
        assert db.session.scalar(text(f"SELECT count(*) FROM {search.FTS_TABLE}")) == len(NAMES)
        assert search.trigram_candidates("lan anh") == [trainees[12].id]
        assert search.trigram_candidates("an") is None
    else:
        # PostgreSQL plans the list's own LIKE on the GIN index (when it is the cheaper way,
        # which with a few rows it is only when the table scan is ruled out).
        compiled = trainee_query(TraineeFilter(q="lan anh")).compile(db.engine)
        connection = db.session.connection()
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params))
        assert search.PG_INDEX in plan, plan
        db.session.rollback()
