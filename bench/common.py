"""Shared pieces of the benchmarks: statistics, the result rows every benchmark reports, a
throw-away instance folder, and the JSON file bench/run.py collects.

A benchmark prints its own figures and, given ``--json PATH``, also writes them there as
``{"benchmark": name, "rows": [...], "notes": [...]}``; each row is one figure with its
target and whether it was met. Timings are wall-clock on a shared, noisy machine: compare
figures taken in the same run (ratios), and read medians, never single runs.
"""

import argparse
import json
import math
import os
import re
import secrets
import statistics
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def percentile(values, p: float) -> float:
    """The p-th percentile (0–100) with linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values) -> float:
    return statistics.median(values) if values else math.nan


@dataclass
class Row:
    """One figure of a benchmark, with its target (text) and whether it was met (None: no target)."""

    benchmark: str
    metric: str
    value: str
    target: str = ""
    ok: bool | None = None


class Report:
    """The rows of one benchmark; prints them and writes them as JSON for bench/run.py."""

    def __init__(self, name: str):
        self.name, self.rows, self.notes = name, [], []

    def add(self, metric: str, value: str, target: str = "", ok: bool | None = None) -> None:
        self.rows.append(Row(self.name, metric, value, target, ok))

    def note(self, text: str) -> None:
        self.notes.append(text)

    def print(self) -> None:
        print_table(self.rows)
        for text in self.notes:
            print("  " + text)

    def write(self, path: str | None) -> None:
        if path:
            Path(path).write_text(
                json.dumps(
                    {"benchmark": self.name, "rows": [asdict(r) for r in self.rows], "notes": self.notes},
                    ensure_ascii=False,
                    indent=1,
                )
            )


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("pass" if ok else "FAIL")


def print_table(rows: list[Row], file=None) -> None:
    """benchmark | metric | value | target | pass/fail, in aligned columns."""
    header = ("benchmark", "metric", "value", "target", "result")
    lines = [header] + [(r.benchmark, r.metric, r.value, r.target, verdict(r.ok)) for r in rows]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    out = file or sys.stdout
    for n, line in enumerate(lines):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * width for width in widths), file=out)
    out.flush()


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON here (bench/run.py reads it)")
    return parser


def temp_instance(prefix: str) -> tempfile.TemporaryDirectory:
    """A throw-away instance folder (config, SQLite file, secret key) on the real disk, where
    SQLite's fsyncs cost what they cost in production (not /dev/shm)."""
    return tempfile.TemporaryDirectory(prefix=f"taphuan-bench-{prefix}-")


def postgres_url() -> str | None:
    """DATABASE_URL when it names a PostgreSQL server: the benchmarks then run there, each in
    databases of its own on that server, made and dropped by it (`make bench DATABASE_URL=…`)."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def database_url(name: str) -> str:
    """The URL of database `name` on the DATABASE_URL server."""
    from sqlalchemy.engine import make_url

    return make_url(postgres_url()).set(database=name).render_as_string(hide_password=False)


def pg_admin(statement: str) -> None:
    """Run CREATE/DROP DATABASE (outside a transaction) on the DATABASE_URL server."""
    from sqlalchemy import create_engine

    engine = create_engine(database_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def fresh_database(name: str, template: str | None = None) -> str:
    """A new, empty (or `template`'s copy) database on the DATABASE_URL server, dropped when
    this process ends; its URL."""
    import atexit

    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    atexit.register(pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return database_url(name)


def bench_database_name(instance: str | Path) -> str:
    """A database name for a throw-away instance folder: the DATABASE_URL's own name and the folder's."""
    from sqlalchemy.engine import make_url

    folder = re.sub(r"[^a-z0-9_]", "_", Path(instance).name.lower())
    return f"{make_url(postgres_url()).database}_{folder}"[:63]


def make_app(instance: str | Path, **config):
    """The app on `instance`'s SQLite file, or on a new database of the DATABASE_URL server
    when it names PostgreSQL, migrated (Alembic, as in production)."""
    os.environ["TRAINING_INSTANCE_PATH"] = str(instance)
    from flask_migrate import upgrade

    from training import create_app

    if postgres_url() and "SQLALCHEMY_DATABASE_URI" not in config:
        uri = fresh_database(bench_database_name(instance))
    else:
        uri = f"sqlite:///{Path(instance) / 'training.sqlite'}"
    settings = {
        "SECRET_KEY": secrets.token_hex(32),
        "RATELIMIT_ENABLED": False,
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        "SQLALCHEMY_DATABASE_URI": uri,
    }
    settings.update(config)
    app = create_app(settings)
    with app.app_context():
        upgrade()
    return app


def server_env(instance: str | Path, app) -> dict:
    """The environment for a gunicorn serving `app`'s database from `instance`: the instance's
    SQLite file, or the PostgreSQL database make_app created on DATABASE_URL's server; with a
    fresh secret key and the public address every served process needs."""
    env = dict(
        os.environ,
        TRAINING_INSTANCE_PATH=str(instance),
        TRAINING_SECRET_KEY="bench-" + secrets.token_hex(32),
        TRAINING_PUBLIC_BASE_URL="http://127.0.0.1",
    )
    env.pop("DATABASE_URL", None)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        env["DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
    return env


def form_token(page: str) -> str:
    """The CSRF token of the first form of a page."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def sign_in(fetch, username: str, password: str) -> None:
    """Sign in through the login form (its CSRF token and all). `fetch(path, form=None)` GETs
    (or, with a form, POSTs) a path and returns (final URL, page text), keeping the cookies:
    over HTTP or through the test client alike."""
    landed, _page = fetch(
        "/login", {"csrf_token": form_token(fetch("/login")[1]), "username": username, "password": password}
    )
    if "/login" in landed:
        raise RuntimeError("sign-in failed")


def scanner_sign_in(fetch, username: str, password: str, session_id: int) -> str:
    """Sign in (see sign_in) and open a session's badge scanner; the scanner page's CSRF
    token, which the check-in API asks for."""
    sign_in(fetch, username, password)
    scanner = fetch(f"/sessions/{session_id}/scan")[1]
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', scanner).group(1)
