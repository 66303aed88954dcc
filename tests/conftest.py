"""Fixtures: an app per test on a fresh database (SQLite, or PostgreSQL through
TEST_DATABASE_URL), factories for units and people, and signed-in clients."""

import functools
import itertools
import os
import tempfile
from datetime import date
from pathlib import Path

import pytest
from flask import g, request_started
from flask_login import FlaskLoginClient, login_user
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from training import create_app
from training.extensions import db
from training.people import services as people
from training.people.models import Trainee, User
from training.units.models import Unit

PASSWORD = "mat-khau-thu"


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch):
    """scrypt costs over half a second a hash here and the suite hashes hundreds of passwords;
    a cheap pbkdf2 keeps the same code path (check_password_hash reads the method back)."""
    fast = functools.partial(generate_password_hash, method="pbkdf2:sha256:1000")
    monkeypatch.setattr("training.people.models.generate_password_hash", fast)


@pytest.fixture
def database_url(tmp_path):
    """PostgreSQL when TEST_DATABASE_URL is set (CI runs the suite on both), else a SQLite file,
    on the memory-backed /dev/shm where there is one: on disk, SQLite's fsyncs take most of
    the suite's time."""
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"]
        return
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm, prefix="taphuan-test-") as folder:
            yield f"sqlite:///{Path(folder) / 'test.sqlite'}"
    else:
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-checks",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "taphuan.test",
        }
    )
    app.test_client_class = FlaskLoginClient

    @request_started.connect_via(app)
    def _forget_cached_user(_sender, **_extra):
        # The app context below lives for the whole test, so each request would otherwise
        # see the user Flask-Login cached in `g` by an earlier request (of another client).
        g.pop("_login_user", None)

    with app.app_context():
        if database_url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        db.create_all()
        yield app
        db.session.remove()
        if database_url.startswith("postgresql"):
            db.drop_all()
        db.engine.dispose()
    request_started.disconnect(_forget_cached_user, app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def units(app):
    """A small three-level tree: one province, districts A and B with three communes each."""
    province = Unit(map="pre2025", code="24", name="Tỉnh Bắc Giang", level="province")
    tree = {"province": province}
    for key, code, name, communes in (
        (
            "A",
            "215",
            "Huyện Yên Thế",
            [("7201", "Xã Đồng Kỳ"), ("7202", "Xã Hồng Kỳ"), ("7203", "Thị trấn Phồn Xương")],
        ),
        ("B", "216", "Huyện Tân Yên", [("7301", "Xã Ngọc Thiện"), ("7302", "Xã Cao Xá"), ("7303", "Xã Liên Sơn")]),
    ):
        district = Unit(map="pre2025", code=code, name=name, level="district", parent=province)
        tree[key] = district
        for ccode, cname in communes:
            tree[cname] = Unit(map="pre2025", code=ccode, name=cname, level="commune", parent=district)
    db.session.add(province)
    db.session.commit()
    return tree


_names = itertools.count(1)


@pytest.fixture
def make_trainee(units):
    def _make(
        full_name: str | None = None, commune: str = "Xã Đồng Kỳ", group: str = "commune_broadcast", **kw
    ) -> Trainee:
        data = {
            "full_name": full_name or f"Nguyễn Văn Thử {next(_names)}",
            "birth_date": kw.pop("birth_date", date(1985, 3, 15)),
            "gender": kw.pop("gender", "male"),
            "position": kw.pop("position", "Công chức Văn hóa - Xã hội"),
            "commune_id": units[commune].id,
            "group": group,
            "phone": kw.pop("phone", ""),
        }
        trainee = people.save_trainee(None, data)
        db.session.commit()
        return trainee

    return _make


@pytest.fixture
def make_user(units):
    def _make(username: str, role: str = "trainer", district: str | None = "A") -> User:
        unit_id = units[district].id if role == "trainer" and district else None
        user = people.create_user(username, PASSWORD, username.title(), role, unit_id)
        db.session.commit()
        return user

    return _make


@pytest.fixture
def admin(make_user):
    return make_user("admin", "admin", None)


@pytest.fixture
def trainer_a(make_user):
    return make_user("trainer.a", "trainer", "A")


@pytest.fixture
def trainer_b(make_user):
    return make_user("trainer.b", "trainer", "B")


@pytest.fixture
def in_request(app):
    """A request context for calling services directly: their messages are translated, which
    needs the visitor's locale, some build URLs (on the test SERVER_NAME) and some ask who is
    acting."""
    with app.test_request_context():
        yield


@pytest.fixture
def acting_as(in_request):
    """Sign `user` in for the service calls that follow."""

    def _act(user):
        login_user(user)
        return user

    return _act


@pytest.fixture
def login(app):
    """A test client signed in as `user` (Flask-Login's test client, no form round-trip)."""
    return lambda user: app.test_client(user=user)
