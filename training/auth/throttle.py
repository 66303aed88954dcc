"""Throttling of password guesses that nobody can turn against the account's owner.

Attempts are counted per (account name, address): after LOGIN_MAX_FAILURES attempts without
a success in a window of LOGIN_LOCK_MINUTES, that address may not try that name again until
the window ends. A stranger who guesses wrong locks only their own address out; the owner
signs in from theirs. Each attempt takes its place in the count in one atomic statement
(INSERT … ON CONFLICT DO UPDATE SET attempts = attempts + 1 RETURNING) before its password
is checked, so however many guesses arrive at once, at most the limit are checked.

Guesses spread over many addresses are counted per account name too: past
LOGIN_ACCOUNT_SLOW_AFTER in a window each further attempt on that name waits
LOGIN_SLOW_SECONDS before its password is checked (slower, never refused).

Known and unknown names are answered alike: the same words, and a password hash checked
either way (against a dummy hash for a name that has no account).
"""

import functools
import hashlib
import hmac
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete
from werkzeug.security import check_password_hash

from ..clock import utcnow
from ..extensions import db, dialect_insert
from ..people import models as people_models
from ..people.models import User
from .models import SignInCounter


@dataclass
class Admission:
    #: this address has used up its attempts at this name; minutes until it may try again
    locked_minutes: int = 0
    #: the name has had many attempts from everywhere: check this one after a pause
    slow: bool = False


def _key(*parts: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, "\0".join(parts).encode(), hashlib.sha256).hexdigest()


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])


def _count(key: str, now: datetime) -> tuple[int, datetime]:
    """Add one attempt to the counter `key` (a new window when its last one has ended), in one
    statement; the count and the start of its window."""
    table = SignInCounter.__table__
    ended = table.c.window_started_at <= now - _window()
    statement = dialect_insert(SignInCounter).values(key=key, attempts=1, window_started_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "attempts": case((ended, 1), else_=table.c.attempts + 1),
            "window_started_at": case((ended, now), else_=table.c.window_started_at),
        },
    ).returning(table.c.attempts, table.c.window_started_at)
    attempts, started = db.session.execute(statement).one()
    return attempts, started


def admit(username: str, address: str) -> Admission:
    """Count an attempt to sign in as `username` from `address`, before its password is
    checked; the caller commits at once, so that concurrent attempts see it."""
    now = utcnow()
    config = current_app.config
    if random.random() < 0.02:  # now and then, forget windows that have ended
        db.session.execute(delete(SignInCounter).where(SignInCounter.window_started_at <= now - _window()))
    attempts, started = _count(_key("pair", username, address), now)
    if attempts > config["LOGIN_MAX_FAILURES"]:
        left = (started + _window() - now).total_seconds()
        return Admission(locked_minutes=max(1, round(left / 60)))
    account_attempts, _started = _count(_key("name", username), now)
    return Admission(slow=account_attempts > config["LOGIN_ACCOUNT_SLOW_AFTER"])


def pause() -> None:
    """The wait of an attempt on a name under attack from many addresses."""
    time.sleep(current_app.config["LOGIN_SLOW_SECONDS"])


def succeeded(username: str, address: str) -> None:
    """The address signed in: its attempts at this name start again from nothing."""
    db.session.execute(delete(SignInCounter).where(SignInCounter.key == _key("pair", username, address)))


@functools.cache
def _dummy_hash() -> str:
    # Made by the same function as real hashes (so with the same method and cost).
    return people_models.generate_password_hash(secrets.token_urlsafe(16))


def password_matches(user: User | None, password: str) -> bool:
    """Whether `password` is the account's; for no account, a hash is checked all the same
    (and fails), so that an unknown name takes as long to refuse as a known one."""
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return user.check_password(password)
