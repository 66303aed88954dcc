"""Time limits on every conversation with the database, so that a database that is slow,
locked or cut off behind a link that stopped moving answers a page with 503 within seconds
instead of holding a worker for ever.

PostgreSQL (psycopg 3):
- connect_timeout: a new connection that is not set up in time fails;
- statement_timeout and lock_timeout: the server ends a statement that runs, or waits for a
  lock, longer than DATABASE_TIMEOUT; idle_in_transaction_session_timeout ends a session that
  sits in a transaction for four times that;
- and on the client side, a deadline on every wait for the server (DATABASE_TIMEOUT plus two
  seconds): when the link itself is frozen the server never sees the statement, so only the
  client can stop waiting. The connection is then closed, and the pool replaces it.

SQLite waits DATABASE_TIMEOUT for another writer's lock (busy_timeout) before "database is
locked". Either way the error is an OperationalError, which training/errors.py answers 503.

DATABASE_TIMEOUT = 0 turns the limits off (long maintenance work from the command line).
"""

import psycopg
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

IDLE_IN_TRANSACTION_MS = 5 * 60 * 1000

#: the connect_args key that carries the client-side deadline to the connection factory
_DEADLINE_ARG = "taphuan_answer_within"


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection that stops waiting for the server after `answer_within` seconds."""

    answer_within: float | None = None

    def wait(self, gen, interval=psycopg.connection._WAIT_INTERVAL, timeout=None):
        try:
            return super().wait(gen, interval=interval, timeout=timeout if timeout is not None else self.answer_within)
        except psycopg.errors._WaitTimeout as exc:
            # The conversation is lost half-way: close the connection, so that SQLAlchemy
            # sees a disconnect and the pool opens a new one next time.
            self.pgconn.finish()
            raise psycopg.OperationalError(f"the database did not answer within {self.answer_within:g} s") from exc


@event.listens_for(Engine, "do_connect")
def _connect_with_deadline(_dialect, _record, cargs, cparams):
    answer_within = cparams.pop(_DEADLINE_ARG, None)
    if answer_within is None:
        return None  # the driver's own connect
    connection = DeadlineConnection.connect(*cargs, **cparams)
    connection.answer_within = answer_within
    return connection


def configure_timeouts(app: Flask) -> None:
    """Put the time limits into the engine options (SQLALCHEMY_ENGINE_OPTIONS), keeping any
    connect argument the configuration already sets."""
    seconds = float(app.config.get("DATABASE_TIMEOUT") or 0)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    connect_args = options.setdefault("connect_args", {})
    if seconds <= 0:
        return
    if uri.startswith("postgresql+psycopg"):
        ms = int(seconds * 1000)
        connect_args.setdefault("connect_timeout", max(2, round(seconds)))
        connect_args.setdefault(
            "options",
            f"-c statement_timeout={ms} -c lock_timeout={ms} "
            f"-c idle_in_transaction_session_timeout={max(IDLE_IN_TRANSACTION_MS, ms)}",
        )
        connect_args.setdefault(_DEADLINE_ARG, seconds + 2)
    elif uri.startswith("sqlite"):
        connect_args.setdefault("timeout", seconds)  # Python's sqlite3: the busy timeout
