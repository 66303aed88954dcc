"""What one badge check-in (POST /api/v1/checkins) sends to the database, statement by
statement: a hall of scanners sends one per trainee, and bench/checkin_burst.py holds its
throughput against the floor's (bench/floor_app.py: one read and four writes). A statement
added to this path, or a read the ORM makes behind the code's back, fails here first."""

import re

from tests.queries import statements_sent
from training.extensions import db


def shape(sent) -> list[str]:
    """Each statement as its verb and table ("SELECT user": the table of its first column;
    "INSERT scan_log"), or as it is when it names none (BEGIN IMMEDIATE)."""
    shapes = []
    for statement in sent:
        words = " ".join(statement.split())
        verb = words.split(" ", 1)[0].upper()
        table = re.match(r'(?:SELECT|INSERT INTO)\s+"?(\w+)', words)
        shapes.append(f"{verb} {table[1]}" if verb in ("SELECT", "INSERT") and table else words)
    return shapes


def scan(client, session_id: int, code: str, nonce: str):
    db.session.expunge_all()  # as a request served by another process finds it: nothing loaded yet
    with statements_sent() as sent:
        response = client.post("/api/v1/checkins", json={"session": session_id, "code": code, "nonce": nonce})
    assert response.status_code == 200
    return response.get_json(), shape(sent)


def lock(statements: list[str]) -> list[str]:
    """SQLite takes its write lock with a statement of its own (services._write_lock)."""
    return ["BEGIN IMMEDIATE", *statements] if db.engine.dialect.name == "sqlite" else statements


def test_a_badge_check_in_reads_three_times_and_writes_what_the_floor_writes(login, trainer_a, course_now):
    client = login(trainer_a)
    session_id, code = course_now.current.id, course_now.trainees[0].personal_code
    answer, sent = scan(client, session_id, code, "cost-nonce-1")
    assert answer["reason"] == "ok"
    # the account behind the cookie (its session token), the session with its course (the
    # permission and the check-in window), the facts of the code; then the record, its audit
    # row, the scan log and the district's report stamp. Not the account again after the
    # commit expired it (the security headers read it back once).
    assert sent == [
        "SELECT user",
        "SELECT course_session",
        "SELECT trainee",
        *lock(["INSERT attendance", "INSERT audit_event", "INSERT scan_log", "INSERT report_stamp"]),
    ], sent


def test_a_second_scan_of_the_same_badge_writes_only_its_log(login, trainer_a, course_now):
    client = login(trainer_a)
    session_id, code = course_now.current.id, course_now.trainees[0].personal_code
    scan(client, session_id, code, "cost-nonce-1")
    answer, sent = scan(client, session_id, code, "cost-nonce-2")
    assert answer["reason"] == "already_checked_in"
    # the record came with the facts: not read again; no report counts a scan log
    assert sent == ["SELECT user", "SELECT course_session", "SELECT trainee", *lock(["INSERT scan_log"])], sent
