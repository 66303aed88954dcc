"""Backups and the database file are their owner's alone; pg_dump never sees the password on
its command line; `flask restore` refuses a partial file or one of another schema revision."""

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.helpers import count
from training import backup
from training.extensions import db
from training.people.models import User


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def sqlite_only(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite file")


def test_the_sqlite_file_is_its_owners_alone(app, database_url, admin):
    sqlite_only(database_url)
    path = make_url(database_url).database
    assert mode(path) == 0o600
    assert mode(path + "-wal") == 0o600


def test_a_backup_is_its_owners_alone(app, database_url, admin, tmp_path):
    sqlite_only(database_url)
    os.umask(0o022)
    target = backup.backup(tmp_path / "saved" / "taphuan.sqlite")
    assert mode(target) == 0o600
    assert mode(target.parent) == 0o700


def test_pg_dump_gets_the_password_in_its_environment_not_its_arguments(app, tmp_path, monkeypatch):
    calls = []

    class Done:
        returncode, stdout, stderr = 0, "", ""

    def run(command, **kwargs):
        calls.append((command, kwargs.get("env") or {}))
        return Done()

    monkeypatch.setattr(backup.subprocess, "run", run)
    monkeypatch.setattr(backup.shutil, "which", lambda name: f"/usr/bin/{name}")
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://taphuan:b%C3%AD-m%E1%BA%ADt@db.example:5432/taphuan"
    backup.backup(tmp_path / "taphuan.dump")
    [(command, env)] = calls
    assert not any("bí-mật" in part or "b%C3%AD" in part for part in command)
    assert "postgresql://taphuan@db.example:5432/taphuan" in command
    assert env.get("PGPASSWORD") == "bí-mật"


def partial_backup(path: Path) -> Path:
    """A SQLite file with only the unit, user and trainee tables (and a user in it)."""
    partial = sqlite3.connect(path)
    partial.executescript(
        "CREATE TABLE unit (id INTEGER PRIMARY KEY); CREATE TABLE trainee (id INTEGER PRIMARY KEY);"
        "CREATE TABLE user (id INTEGER PRIMARY KEY, username TEXT); INSERT INTO user VALUES (1, 'ke-la');"
    )
    partial.close()
    return path


def test_restore_refuses_a_partial_file_and_changes_nothing(app, database_url, admin, trainer_a, tmp_path):
    sqlite_only(database_url)
    before = count(User)
    code, output = invoke(app, "restore", "--yes", str(partial_backup(tmp_path / "partial.sqlite")))
    assert code != 0 and "không đầy đủ: thiếu bảng" in output
    db.session.remove()
    assert count(User) == before


def test_restore_refuses_a_backup_of_another_schema_revision(app, database_url, admin, tmp_path):
    sqlite_only(database_url)
    db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
    db.session.execute(text("INSERT INTO alembic_version VALUES ('aaaaaaaaaaaa')"))
    db.session.commit()
    saved = backup.backup(tmp_path / "old.sqlite")
    db.session.execute(text("UPDATE alembic_version SET version_num = 'bbbbbbbbbbbb'"))
    db.session.commit()
    code, output = invoke(app, "restore", "--yes", str(saved))
    assert code != 0 and "phiên bản cơ sở dữ liệu aaaaaaaaaaaa" in output and "bbbbbbbbbbbb" in output
    db.session.remove()
    assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == "bbbbbbbbbbbb"


def invoke(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output
