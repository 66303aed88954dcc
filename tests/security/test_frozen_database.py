"""A database behind a link that stops moving (not cut: frozen) answers 503 within seconds:
pages, /healthz and the public verification page. The link is a small TCP proxy that the test
starts on loopback in front of PostgreSQL, and freezes by no longer passing bytes on.

On SQLite the same promise is a lock held by another writer: the page answers 503 when the
busy timeout ends (test_a_locked_sqlite_database_answers_503)."""

import os
import select
import socket
import sqlite3
import threading
import time

import pytest
from sqlalchemy.engine import make_url

from training import create_app
from training.extensions import db

#: how long a request may take before the test calls it hung (a guard, not a measurement:
#: without the time limits a request never answers at all)
HUNG = 60
TIMEOUT = 2

POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


class FreezableProxy:
    """Forwards loopback connections to `upstream`; freeze() stops passing bytes either way
    (and holds new connections without answering), as a link that hangs does. Each
    connection is served by one thread that alone reads, writes and closes its two sockets
    (a socket closed under another thread's feet could have its number given to a new one)."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.frozen = threading.Event()
        self.closed = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        server = None
        try:
            while self.frozen.is_set() and not self.closed.is_set():
                time.sleep(0.05)  # a new connection is accepted, and never answered
            server = socket.create_connection(self.upstream)
            peer = {client: server, server: client}
            while not self.closed.is_set():
                if self.frozen.is_set():
                    time.sleep(0.05)
                    continue
                ready, _, _ = select.select([client, server], [], [], 0.05)
                for source in ready:
                    data = source.recv(65536)
                    if not data:
                        return
                    peer[source].sendall(data)
        except OSError:
            return
        finally:
            for sock in (client, server):
                if sock is not None:
                    sock.close()

    def close(self) -> None:
        self.closed.set()
        for thread in self.threads:
            thread.join(5)
        self.listener.close()


def signed_in(app, user):
    """A client of `app` signed in as `user`, made without touching the database (the
    user's session token read first, in the test's own app context)."""
    token = user.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = token, True
    return client


def answered(client, path: str):
    """The response to GET `path`, or None when it has not come after HUNG seconds."""
    result = []
    worker = threading.Thread(target=lambda: result.append(client.get(path)), daemon=True)
    worker.start()
    worker.join(HUNG)
    return result[0] if result else None


@pytest.fixture
def proxied(app, database_url, admin):
    if not POSTGRES:
        pytest.skip("the frozen link needs PostgreSQL's network connection; SQLite is a file (see the lock test)")
    url = make_url(database_url)
    proxy = FreezableProxy((url.host or "127.0.0.1", url.port or 5432))
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    linked = create_app(
        {
            **{
                k: app.config[k]
                for k in ("TESTING", "SECRET_KEY", "WTF_CSRF_ENABLED", "SERVER_NAME", "RATELIMIT_ENABLED")
            },
            "SQLALCHEMY_DATABASE_URI": through,
            "DATABASE_TIMEOUT": TIMEOUT,
        }
    )
    yield linked, proxy
    proxy.frozen.clear()
    with linked.app_context():
        db.engine.dispose()
    proxy.close()


def test_a_frozen_link_answers_503_within_seconds(proxied, admin):
    linked, proxy = proxied
    trainer = signed_in(linked, admin)
    visitor = linked.test_client()
    assert answered(visitor, "/healthz").status_code == 200  # the link works, the pool holds a connection
    assert answered(trainer, "/trainees").status_code == 200

    proxy.frozen.set()
    for client, path in (
        (visitor, "/healthz"),
        (trainer, "/trainees"),
        (visitor, "/v/2222222222222222Z"),
        (trainer, "/courses"),
        (visitor, "/healthz"),
    ):
        response = answered(client, path)
        assert response is not None, f"{path} hung"
        assert response.status_code == 503, path
        if path == "/healthz":
            assert response.get_json()["db"] == "unreachable"
        else:
            assert "cơ sở dữ liệu" in response.get_data(as_text=True)

    proxy.frozen.clear()
    assert answered(visitor, "/healthz").status_code == 200  # and it recovers with the link


def test_the_json_api_answers_503_as_json(proxied, admin):
    linked, proxy = proxied
    client = signed_in(linked, admin)
    assert answered(client, "/api/v1/sessions/999999/roster").status_code == 404  # the link works
    proxy.frozen.set()
    response = answered(client, "/api/v1/sessions/999999/roster")
    assert response is not None and response.status_code == 503
    assert response.is_json and response.get_json()["error"] == "unavailable"  # one shape for errors: a string code


def test_a_locked_sqlite_database_answers_503(app, database_url, admin):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's lock; PostgreSQL is tried with a frozen link above")
    locked = create_app(
        {
            **{
                k: app.config[k]
                for k in ("TESTING", "SECRET_KEY", "WTF_CSRF_ENABLED", "SERVER_NAME", "RATELIMIT_ENABLED")
            },
            "SQLALCHEMY_DATABASE_URI": database_url,
            "DATABASE_TIMEOUT": 1,
        }
    )
    holder = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing, and not letting go
    try:
        with locked.app_context():
            # Readers go on reading (WAL); the pages that write wait for the lock, then say so.
            response = answered(locked.test_client(), "/v/2222222222222222Z")  # counts the look-up
            assert response is not None and response.status_code == 503
            assert "cơ sở dữ liệu" in response.get_data(as_text=True)
            response = answered(locked.test_client(), "/login")
            assert response is not None and response.status_code == 200
            response = locked.test_client().post("/login", data={"username": "admin", "password": "sai-mat-khau"})
            assert response.status_code == 503
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        with locked.app_context():
            db.engine.dispose()
