"""`flask backup` and `flask restore`: a consistent copy of the database and its return.

SQLite is copied with its online backup API (safe while the app serves); PostgreSQL with
pg_dump's custom format and pg_restore.
"""

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from .errors import DomainError
from .extensions import analyze, db

#: tables every backup of this application has (and, checked too, every table of the models)
BACKUP_TABLES = {"unit", "user", "trainee"}


class BackupError(DomainError):
    """A backup or restore that could not be done; the message says why."""


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq_url() -> str:
    # pg_dump and pg_restore want a plain libpq URL, without SQLAlchemy's driver suffix, and
    # without the password, which goes in their environment (PGPASSWORD): a command line is
    # readable by every user of the machine (ps).
    url = _url()
    return URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port, database=url.database, query=url.query
    ).render_as_string(hide_password=False)


def _libpq_env() -> dict[str, str]:
    password = _url().password
    return {**os.environ, "PGPASSWORD": password} if password else dict(os.environ)


def _private_file(path: Path) -> None:
    """Create `path` (or keep it) readable and writable by its owner only, before anything is
    written into it: a backup holds every trainee's personal data."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    path.chmod(0o600)


def default_backup_path() -> Path:
    suffix = ".sqlite" if _url().get_backend_name() == "sqlite" else ".dump"
    return Path(current_app.instance_path) / "backups" / f"taphuan-{datetime.now():%Y%m%d-%H%M%S}{suffix}"


def backup(target: Path) -> Path:
    """Write a consistent copy of the database to `target`.

    :raises BackupError: the database kind is not supported or the dump failed.
    """
    url = _url()
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"Không tạo được thư mục {target.parent}: {exc}") from exc
    try:
        _private_file(target)
    except OSError as exc:
        raise BackupError(f"Không ghi được tệp {target}: {exc}") from exc
    if url.get_backend_name() == "sqlite":
        db.session.remove()
        try:
            # Read-only: a wrong path must not create an empty database and "back it up".
            try:
                source = _open_read_only(Path(url.database))
            except sqlite3.Error:
                target.unlink(missing_ok=True)  # no empty file left where a backup seemed to be
                raise
            try:
                copy = sqlite3.connect(target)
                with copy:
                    source.backup(copy)
                copy.close()
            finally:
                source.close()
        except (OSError, sqlite3.Error) as exc:
            raise BackupError(f"Không sao lưu được từ {url.database} vào {target}: {exc}") from exc
        return target
    if url.get_backend_name() == "postgresql":
        try:
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url()])
        except BackupError:
            target.unlink(missing_ok=True)
            raise
        return target
    raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu {url.get_backend_name()}.")


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A SQLite file opened read-only (never created), whatever characters its path holds."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def restore(source: Path) -> None:
    """Replace the database's content with a backup made by `backup`.

    :raises BackupError: the file is missing or not a backup of this database kind.
    """
    if not source.is_file():
        raise BackupError(f"Không thấy tệp {source}.")
    url = _url()
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        try:
            backup_db = _open_read_only(source)
            tables = {row[0] for row in backup_db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} không phải tệp sao lưu SQLite.") from exc
        # SQLite opens an empty file, or another program's database, without complaint:
        # restoring that would silently replace every record with nothing.
        if not BACKUP_TABLES <= tables:
            backup_db.close()
            raise BackupError(
                f"{source} không phải bản sao lưu của Tập huấn (thiếu bảng "
                f"{', '.join(sorted(BACKUP_TABLES - tables))})."
            )
        revision = None
        if "alembic_version" in tables:
            revision = backup_db.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = revision[0] if revision else None
        try:
            _check_complete(source, tables, revision)
        except BackupError:
            backup_db.close()
            raise
        live = sqlite3.connect(url.database)
        try:
            with live:
                backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
        return
    if url.get_backend_name() == "postgresql":
        listing = _run(["pg_restore", "--list", str(source)])
        tables = {
            line.split()[-2] for line in listing.splitlines() if " TABLE public " in line and " TABLE DATA " not in line
        }
        revision = None
        if "alembic_version" in tables:
            data = _run(["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(source)])
            rows = data.split("FROM stdin;\n", 1)[1].split("\n\\.", 1)[0].split() if "FROM stdin;" in data else []
            revision = rows[0] if rows else None
        _check_complete(source, tables, revision)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url()}",
                str(source),
            ]
        )
        return
    raise BackupError(f"Không hỗ trợ khôi phục cơ sở dữ liệu {url.get_backend_name()}.")


def _live_revision() -> str | None:
    """The schema revision (Alembic's) of the database in use; None where it has none."""
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _check_complete(source: Path, tables: set[str], revision: str | None) -> None:
    """Refuse a backup that lacks a table of this version, or was made at another schema
    revision: restoring it would replace the whole database with part of one.

    :raises BackupError: with what is missing or which revisions differ."""
    missing = set(db.metadata.tables) - tables
    if missing:
        raise BackupError(f"{source} không đầy đủ: thiếu bảng {', '.join(sorted(missing))}. Không khôi phục.")
    live = _live_revision()
    if live is not None and revision != live:
        raise BackupError(
            f"{source} được sao lưu ở phiên bản cơ sở dữ liệu {revision or '(không rõ)'}, còn hệ thống đang ở "
            f"phiên bản {live}. Hãy khôi phục bằng đúng phiên bản phần mềm đã sao lưu, rồi chạy flask db upgrade."
        )


def _run(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        raise BackupError(f"Cần cài {command[0]} (gói postgresql-client).")
    result = subprocess.run(command, capture_output=True, text=True, env=_libpq_env())
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{command[0]} thất bại.")
    return result.stdout


@click.command("backup")
@click.argument("target", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path | None) -> None:
    """Sao lưu cơ sở dữ liệu (mặc định vào instance/backups/)."""
    try:
        path = backup(target or default_backup_path())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Đã sao lưu vào {path} ({path.stat().st_size:,} byte).")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Không hỏi lại.")
def restore_command(source: Path, yes: bool) -> None:
    """Khôi phục cơ sở dữ liệu từ một bản sao lưu (thay toàn bộ dữ liệu hiện có)."""
    if not yes:
        click.confirm(f"Toàn bộ dữ liệu hiện có sẽ bị thay bằng {source}. Tiếp tục?", abort=True)
    try:
        restore(source)
        analyze()  # the rows come back; the planner's statistics may not (pg_restore)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Đã khôi phục từ {source}.")
