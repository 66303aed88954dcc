"""Wrong answers to a phone's identification question, counted per identity and per phone.

A hall of 100–200 phones identifies within a minute from one Wi-Fi or 4G address, through one
course session: nothing they share (the address, the session) may be what is counted, or the
hall throttles itself. What is counted is what a guesser must vary: the identity typed (a
personal code or a phone number: a phone number and a birth date are guessable, so an
identity takes only a few wrong birth dates) and the phone (the random ticket of the page it
was given). Right answers are never counted.

The counters live in the rate-limit store (RATELIMIT_STORAGE_URI: memory, or Redis when
several processes serve), whether or not Flask-Limiter's own limits are enabled.
"""

from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

#: wrong answers allowed for one identity (code or phone typed), whichever phone sends them
PER_IDENTITY = parse("5 per 15 minutes")
#: wrong answers allowed from one phone (one identification page), whatever it types
PER_PHONE = parse("8 per 15 minutes")
_EXTENSION = "taphuan.checkin_guesses"


@dataclass(frozen=True)
class Refusal:
    """Too many wrong answers: until when (naive UTC)."""

    until: datetime


def _limiter() -> FixedWindowRateLimiter:
    limiter = current_app.extensions.get(_EXTENSION)
    if limiter is None:
        storage = storage_from_string(current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
        limiter = current_app.extensions[_EXTENSION] = FixedWindowRateLimiter(storage)
    return limiter


def _keys(identity: str, phone: str) -> list[tuple]:
    keys = []
    if identity:
        keys.append((PER_IDENTITY, "checkin-identity", identity[:40]))
    if phone:
        keys.append((PER_PHONE, "checkin-phone", phone[:40]))
    return keys


def refused(identity: str, phone: str) -> Refusal | None:
    """A Refusal when this identity or this phone has used up its wrong answers."""
    limiter = _limiter()
    ends = [
        limiter.get_window_stats(item, *key).reset_time
        for item, *key in _keys(identity, phone)
        if not limiter.test(item, *key)
    ]
    if not ends:
        return None
    return Refusal(datetime.fromtimestamp(max(ends), timezone.utc).replace(tzinfo=None))


def count_wrong(identity: str, phone: str) -> None:
    """Count one wrong answer against the identity typed and the phone."""
    limiter = _limiter()
    for item, *key in _keys(identity, phone):
        limiter.hit(item, *key)
