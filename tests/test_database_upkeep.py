"""Database upkeep for a deployment of several hosts: migrations (and the first run's set-up)
one at a time, and the planner's statistics refreshed after a bulk load."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from training import create_app
from training.extensions import db

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")


@pytest.fixture
def empty_database(database_url):
    """The suite's database with nothing in it: a new SQLite file, or an emptied PostgreSQL schema."""
    if database_url.startswith("postgresql"):
        engine = create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    return database_url


def _setup_process(database_url: str, instance: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        FLASK_APP="app",
        DATABASE_URL=database_url,
        TRAINING_INSTANCE_PATH=str(instance),
        TRAINING_SECRET_KEY="x" * 40,
    )
    return subprocess.Popen(
        [FLASK, "setup", "--demo"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


@pytest.mark.slow
def test_two_hosts_running_setup_together_both_succeed(empty_database, tmp_path):
    """Two hosts started together on a new database: without a lock both create the tables
    (PostgreSQL: UniqueViolation on pg_type) and both load the demo."""
    hosts = [_setup_process(empty_database, tmp_path / f"host{i}") for i in (1, 2)]
    outputs = [host.communicate(timeout=300)[0] for host in hosts]
    assert [host.returncode for host in hosts] == [0, 0], "\n---\n".join(outputs)
    assert sum("Cơ sở dữ liệu mới: nạp dữ liệu mẫu" in output for output in outputs) == 1  # the demo loaded once
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM \"user\" WHERE username = 'admin'")) == 1
        assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    engine.dispose()


def catalog_last_analyze():
    """When pg_attribute, the catalog that every created and dropped table bloats, was last
    analysed by hand (autovacuum's own runs are counted apart)."""
    return db.session.scalar(text("SELECT last_analyze FROM pg_stat_sys_tables WHERE relname = 'pg_attribute'"))


def test_demo_load_leaves_the_planner_statistics(empty_database, tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        db.create_all()
        postgres = db.engine.dialect.name == "postgresql"
        if postgres:
            # Autovacuum's own ANALYZE must not be what the test sees.
            db.session.execute(text("ALTER TABLE trainee SET (autovacuum_enabled = false)"))
            db.session.commit()
            catalog_analysed = catalog_last_analyze()
        result = app.test_cli_runner().invoke(args=["demo", "load", "--scale", "200"])
        assert result.exit_code == 0, result.output
        if postgres:
            vacuumed = db.session.scalar(
                text("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'trainee'")
            )
            assert vacuumed  # the loaded pages all-visible: the list's count reads its index alone
            analysed, estimate = db.session.execute(
                text(
                    "SELECT s.last_analyze IS NOT NULL, c.reltuples FROM pg_stat_user_tables s "
                    "JOIN pg_class c ON c.oid = s.relid WHERE s.relname = 'trainee'"
                )
            ).one()
            assert analysed and estimate >= 200
            assert db.session.scalar(text("SELECT count(*) FROM pg_stats WHERE tablename = 'trainee'")) > 0
            # The system catalogs are left to autovacuum: sampling them once they are bloated
            # outlasted the statement time limit and failed the load.
            assert catalog_last_analyze() == catalog_analysed
        else:
            # SQLite is given no statistics (see analyze()): its planner does better without.
            assert not db.session.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).all()
        db.session.remove()
        if postgres:
            db.drop_all()
        db.engine.dispose()
