"""Serving from several hosts: a database server that restarts, a shared rate-limit store that
stops answering, and links that must carry the public address whatever Host header a proxy
(or a client) sends."""

import logging
import os
import socket

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.helpers import page_text
from training import create_app
from training.attendance import qr
from training.extensions import db, limiter

POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
PUBLIC = "https://taphuan.example.vn"


def _second_app(app, database_url, **config):
    """Another app on the suite's database, its requests each in an app context of their own
    (as in production: the suite's `app` keeps one context open for the whole test)."""
    base = {k: app.config[k] for k in ("TESTING", "SECRET_KEY", "WTF_CSRF_ENABLED", "RATELIMIT_ENABLED")}
    return create_app({**base, "SQLALCHEMY_DATABASE_URI": database_url, **config})


def _dispose(other) -> None:
    with other.app_context():
        db.engine.dispose()


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- 1. the database server restarts -----------------------------------------------------------


def test_postgresql_connections_are_checked_before_use_sqlite_needs_none(app, database_url):
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    assert options.get("pool_pre_ping") is (True if POSTGRES else None)


@pytest.mark.skipif(not POSTGRES, reason="a database server to restart: PostgreSQL (make test-postgres)")
def test_requests_after_the_database_dropped_every_connection_are_answered(app, database_url, world):
    other = _second_app(app, database_url)
    trainer = other.test_client()
    try:
        # Warm the pool: the sign-in, a page and the health check each use a pooled connection.
        response = trainer.post("/login", data={"username": world.trainer_a.username, "password": "mat-khau-thu"})
        assert response.status_code == 302
        assert trainer.get("/trainees").status_code == 200
        assert trainer.get("/healthz").status_code == 200
        db.session.remove()  # the suite's own connection goes back to its pool too

        # What a restart of the server does to the pooled connections: every backend of this
        # database but the one asking is ended.
        url = make_url(database_url)
        with psycopg.connect(
            host=url.host, port=url.port or 5432, user=url.username, dbname=url.database, autocommit=True
        ) as admin:
            ended = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()[0]
        assert ended >= 1

        response = trainer.get("/trainees")
        assert response.status_code == 200 and world.holder.full_name in page_text(response)
        health = trainer.get("/healthz")
        assert health.status_code == 200 and health.get_json()["db"] == "ok"
        assert db.session.execute(text("SELECT 1")).scalar() == 1  # the suite's pool recovers as well
    finally:
        _dispose(other)


# --- 2. the shared rate-limit store stops answering -------------------------------------------------


@pytest.fixture
def dead_store_app(app, database_url):
    """The app with its rate limits on and their store a Redis where nobody listens. The
    limiter is one object for the process: its state is put back afterwards."""
    was = limiter.enabled
    other = _second_app(
        app, database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_unused_port()}/5"
    )
    try:
        yield other
    finally:
        limiter._storage_dead = False
        limiter.enabled = was
        _dispose(other)


def test_a_dead_rate_limit_store_leaves_the_site_serving_and_says_so(dead_store_app, world, caplog):
    client = dead_store_app.test_client()
    caplog.set_level(logging.WARNING, logger="flask-limiter")

    # Sign-in: a wrong password is answered as usual, the right one signs in.
    response = client.post("/login", data={"username": world.trainer_a.username, "password": "sai-mat-khau"})
    assert response.status_code == 200 and "Tên đăng nhập hoặc mật khẩu không đúng." in page_text(response)
    response = client.post("/login", data={"username": world.trainer_a.username, "password": "mat-khau-thu"})
    assert response.status_code == 302

    # A certificate's public check and a phone opening the projector's code.
    response = dead_store_app.test_client().get(f"/v/{world.certificate.verify_code}")
    assert response.status_code == 200 and world.certificate.serial in page_text(response)
    token = qr.make_token(world.running.current.id)
    response = dead_store_app.test_client().get(f"/checkin/{token}")
    assert response.status_code == 200 and 'name="ticket"' in page_text(response)

    # The switch to counting in memory is logged once, not per request.
    falling_back = [r for r in caplog.records if "falling back to in-memory" in r.getMessage()]
    assert len(falling_back) == 1

    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "degraded", "db": "ok", "ratelimit": "unreachable"}


def test_the_limits_still_count_while_the_store_is_down(dead_store_app, world):
    client = dead_store_app.test_client()
    answers = [client.post("/login", data={"username": "nobody", "password": "x"}).status_code for _ in range(11)]
    assert answers == [200] * 10 + [429]


def _redis_listens() -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(os.environ.get("CI") != "true" and not _redis_listens(), reason="no Redis on 127.0.0.1:6379")
def test_healthz_reports_a_live_store(app, database_url):
    other = _second_app(app, database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/5")
    try:
        assert other.test_client().get("/healthz").get_json() == {"status": "ok", "db": "ok", "ratelimit": "ok"}
    finally:
        _dispose(other)


# --- 4. links on the public address -----------------------------------------------------------


def test_the_app_refuses_to_serve_without_its_public_address(monkeypatch):
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40}
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(config)
    assert create_app({**config, "PUBLIC_BASE_URL": PUBLIC}).config["PUBLIC_BASE_URL"] == PUBLIC
    assert create_app({**config, "DEBUG": True}).debug  # the development server may use the Host header
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # `flask setup`, `flask run`: no link is served from them
    assert create_app(config)


def test_links_leaving_the_page_ignore_a_forged_host_header(app, login, world):
    app.config["PUBLIC_BASE_URL"] = PUBLIC
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    trainer = login(world.trainer_a)
    trainer.get("/")  # the session cookie, which the test client sends only to its own host…
    session = trainer.get_cookie("session", domain="taphuan.test")
    trainer.set_cookie("session", session.value, domain="evil.example")  # …so the forger gets it too
    course_id = world.running.course.id

    response = trainer.get(f"/sessions/{world.running.current.id}/projector.json", headers=forged)
    assert response.status_code == 200, response.status
    state = response.get_json()
    assert state["url"].startswith(f"{PUBLIC}/checkin/")
    spec = trainer.get("/api/v1/openapi.json", headers=forged).get_json()
    assert all(server["url"].startswith(PUBLIC) for server in spec["servers"])
    ics = trainer.get(f"/courses/{course_id}/calendar.ics", headers=forged).get_data(as_text=True)
    assert f"{PUBLIC}/courses/{course_id}" in ics.replace("\r\n ", "")
    assert "evil.example" not in ics
