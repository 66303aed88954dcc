"""`flask backup` and `flask restore`: a consistent copy of the database and its return.

SQLite is copied with its online backup API (safe while the app serves); PostgreSQL with
pg_dump's custom format and pg_restore.
"""
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import make_url

from .extensions import analyze, db

#: tables every backup of this application has
BACKUP_TABLES = {"unit", "user", "trainee"}


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq_url() -> str:
    # pg_dump and pg_restore want a plain libpq URL, without SQLAlchemy's driver suffix.
    return _url().set(drivername="postgresql").render_as_string(hide_password=False)


def default_backup_path() -> Path:
    suffix = ".sqlite" if _url().get_backend_name() == "sqlite" else ".dump"
    return Path(current_app.instance_path) / "backups" / f"taphuan-{datetime.now():%Y%m%d-%H%M%S}{suffix}"


def backup(target: Path) -> Path:
    """Write a consistent copy of the database to `target`.

    :raises BackupError: the database kind is not supported or the dump failed.
    """
    url = _url()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"Không tạo được thư mục {target.parent}: {exc}") from exc
    if url.get_backend_name() == "sqlite":
        db.session.remove()
        try:
            # Read-only: a wrong path must not create an empty database and "back it up".
            source = _open_read_only(Path(url.database))
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
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url()])
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
            raise BackupError(f"{source} không phải bản sao lưu của Tập huấn (thiếu bảng {', '.join(sorted(BACKUP_TABLES - tables))}).")
        live = sqlite3.connect(url.database)
        try:
            with live:
                backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
        return
    if url.get_backend_name() == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={_libpq_url()}", str(source)])
        return
    raise BackupError(f"Không hỗ trợ khôi phục cơ sở dữ liệu {url.get_backend_name()}.")


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"Cần cài {command[0]} (gói postgresql-client).")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{command[0]} thất bại.")


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
