"""The Alembic migrations build exactly the schema the models declare, and unwind cleanly.

The suite's other tests create tables with db.create_all(), so without this a model change
that forgot its migration would pass every test and then break `make run` on an existing
database. On failure: `flask db migrate -m "what changed"`, review the script, commit it.
"""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import current_app
from sqlalchemy import func, inspect, select, text

from training import create_app
from training.extensions import db
from training.people.search import is_search_index


@pytest.fixture
def empty_app(database_url):
    """The app on an empty database: a new SQLite file, or an emptied PostgreSQL schema."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-checks",
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    with app.app_context():
        _empty(database_url)
        yield app
        _empty(database_url)
        db.session.remove()
        db.engine.dispose()


def _empty(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()


def _flask_db(app, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, f"flask db {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"


def _differences() -> list:
    migrate = current_app.extensions["migrate"]
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": migrate.configure_args.get("compare_type", True),
                "compare_server_default": True,
                "include_name": lambda name, type_, parents: not is_search_index(name),
            },
        )
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    return {name for name in inspect(db.engine).get_table_names() if not is_search_index(name)} - {"alembic_version"}


def test_migrations_match_the_models(empty_app):
    _flask_db(empty_app, "upgrade")
    assert _tables() == set(db.metadata.tables)
    differences = _differences()
    assert not differences, (
        "The migrations and the models disagree; run `flask db migrate -m '…'` and commit the script:\n"
        + "\n".join(map(repr, differences))
    )


def test_downgrade_to_base_and_up_again(empty_app):
    _flask_db(empty_app, "upgrade")
    _flask_db(empty_app, "downgrade", "base")
    assert _tables() == set()
    _flask_db(empty_app, "upgrade")
    assert not _differences()


def test_setup_migrates_and_loads_the_demo_only_on_the_first_run(empty_app):
    """`make run` calls `flask setup`: a new database gets the schema and the demo data and
    the demo accounts are printed; a second run keeps what is there."""
    from training.people.models import User

    first = empty_app.test_cli_runner().invoke(args=["setup", "--demo"])  # not the embedded default: asked
    assert first.exit_code == 0, first.output
    assert "Cơ sở dữ liệu mới: nạp dữ liệu mẫu…" in first.output
    assert "Tài khoản mẫu (mật khẩu: taphuan-demo):" in first.output and "trainer" in first.output
    assert not _differences()
    users = db.session.scalar(select(func.count()).select_from(User))
    assert users >= 4

    again = empty_app.test_cli_runner().invoke(args=["setup"])
    assert again.exit_code == 0, again.output
    assert "Cơ sở dữ liệu mới" not in again.output and "Tài khoản mẫu" in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == users


def test_setup_never_loads_the_demo_accounts_silently_into_a_configured_database(empty_app):
    """The demo accounts' password is published: a database someone configured (here not the
    embedded default under instance/; PostgreSQL in production) gets them only with --demo."""
    from training.people.models import User

    result = empty_app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "Cơ sở dữ liệu mới, chưa có tài khoản nào." in result.output and "flask users create-admin" in result.output
    assert "taphuan-demo" not in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
