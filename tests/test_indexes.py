"""The lookups by attendance session, enrolment course and certificate serial are served by the
unique index that starts with that column, which is why none of them has an index of its own
(migration c4e7a2d91f30). If a unique index lost or reordered its columns, these lookups would
read the whole table: a check-in burst and every course page would slow with the province."""

import pytest

from training.extensions import db


def _plan(statement: str) -> str:
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        return " ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}"))
    # PostgreSQL reads a small table whole whatever its indexes, unless told not to.
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return " ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}"))


@pytest.mark.parametrize(
    "table, column, value, unique_index",
    [
        ("attendance", "session_id", "1", ("sqlite_autoindex_attendance_1", "uq_attendance_session_id")),
        ("enrolment", "course_id", "1", ("sqlite_autoindex_enrolment_1", "uq_enrolment_course_id")),
        ("certificate", "serial", "'215/2026/0001'", ("sqlite_autoindex_certificate_1", "uq_certificate_serial")),
    ],
)
def test_a_lookup_by_the_first_column_of_a_unique_index_uses_that_index(app, table, column, value, unique_index):
    plan = _plan(f"SELECT * FROM {table} WHERE {column} = {value}")
    db.session.rollback()
    assert any(name in plan for name in unique_index), plan
