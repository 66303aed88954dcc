"""Rotating session check-in tokens and QR images.

A token names a session and a time step (CHECKIN_QR_STEP_SECONDS, 30 seconds by default) and
is signed with the app's secret, so it cannot be made for another session or another time. The current and the previous
step are accepted: a photo of the projector stops working within a minute. Hosts behind one
address may disagree on the time by a little (NTP keeps them within milliseconds, a host
without it drifts): a host slightly behind the one that drew a code accepts it from the
code's first moment (a code of the next step is taken in the last SKEW_SECONDS of a step); a
host slightly ahead is covered by the grace step, so a photo still stops working a minute
after its code first showed.

Beside the QR the projector shows a short numeric code of the same session and step, for a
phone that cannot scan: typed on the short address (/c), it leads to the same check-in.
"""

import base64
import functools
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from ..errors import DomainError
from ..pdf.qr import encode

#: how far apart two hosts' clocks may be and still accept each other's codes
SKEW_SECONDS = 5
SHORT_CODE_DIGITS = 6
_TOKEN = re.compile(r"^(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$")


class TokenError(DomainError):
    """A refused token; `reason` is invalid_token or expired_token, the message is for people."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class TokenInfo:
    session_id: int
    step: int


def step_seconds() -> int:
    """How long each code is shown: CHECKIN_QR_STEP_SECONDS, the same on every host."""
    return current_app.config["CHECKIN_QR_STEP_SECONDS"]


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // step_seconds())


def seconds_left_in_step(now: float | None = None) -> float:
    now = time.time() if now is None else now
    return step_seconds() - (now % step_seconds())


def _digest(purpose: bytes, session_id: int, step: int) -> bytes:
    key = hashlib.sha256(purpose + b"|" + current_app.secret_key.encode()).digest()
    return hmac.new(key, f"{session_id}|{step}".encode(), hashlib.sha256).digest()


def _signature(session_id: int, step: int) -> str:
    return base64.urlsafe_b64encode(_digest(b"checkin-token", session_id, step)[:16]).decode().rstrip("=")


def short_code(session_id: int, step: int) -> str:
    """The few digits the projector shows beside the QR of this session and step."""
    number = int.from_bytes(_digest(b"checkin-short-code", session_id, step)[:8], "big")
    return f"{number % 10**SHORT_CODE_DIGITS:0{SHORT_CODE_DIGITS}d}"


def accepted_steps(now: float | None = None) -> list[int]:
    """The steps whose codes are accepted at `now`: the current and the previous one, and the
    next one in the last seconds before it begins (a host behind the projector's)."""
    now = time.time() if now is None else now
    return [step for step in range(current_step(now) - 2, current_step(now) + 2) if _accepted(step, now)]


def _accepted(step: int, now: float) -> bool:
    step_length = step_seconds()
    return step * step_length - SKEW_SECONDS <= now < (step + 2) * step_length


def find_short_code(code: str, session_ids: list[int], now: float | None = None) -> str | None:
    """The check-in token for the session whose current short code is `code`, among the
    sessions given (those open for check-in now), or None."""
    code = "".join((code or "").split())
    if not re.fullmatch(rf"\d{{{SHORT_CODE_DIGITS}}}", code):
        return None
    for step in accepted_steps(now):
        for session_id in session_ids:
            if hmac.compare_digest(short_code(session_id, step), code):
                return f"{session_id}.{step}.{_signature(session_id, step)}"
    return None


def make_token(session_id: int, now: float | None = None) -> str:
    """The token for a session at the current time step."""
    return current_code(session_id, now)[1]


def current_code(session_id: int, now: float | None = None) -> tuple[int, str]:
    """The current time step and the session's token for it: the step names the code shown
    without giving the token away (the projector reports it every few seconds)."""
    step = current_step(now)
    return step, f"{session_id}.{step}.{_signature(session_id, step)}"


def read_token(token: str, now: float | None = None) -> TokenInfo:
    """Check a token's form, signature and age (not the session's opening hours).

    :raises TokenError: malformed, forged, older than the previous step, or of a step that
        begins more than SKEW_SECONDS from now.
    """
    match = _TOKEN.match(token or "")
    if not match:
        raise TokenError("invalid_token", _("Mã QR không hợp lệ. Hãy quét mã đang chiếu trên màn hình."))
    session_id, step, signature = int(match[1]), int(match[2]), match[3]
    if not hmac.compare_digest(signature, _signature(session_id, step)):
        raise TokenError("invalid_token", _("Mã QR không hợp lệ hoặc đã bị sửa. Hãy quét mã đang chiếu trên màn hình."))
    now = time.time() if now is None else now
    if not _accepted(step, now):
        if step > current_step(now):
            raise TokenError("invalid_token", _("Mã QR không hợp lệ. Hãy quét mã đang chiếu trên màn hình."))
        raise TokenError("expired_token", _("Mã QR này đã hết hạn. Hãy quét lại mã đang chiếu trên màn hình."))
    return TokenInfo(session_id, step)


@functools.lru_cache(maxsize=64)
def qr_svg(data: str) -> str:
    """An SVG (a single path, scalable to any projector) of a QR code for `data`, drawn by
    the encoder the certificates use (training/pdf/qr.py).

    Kept for the last 64 texts: a projector asks for its code every few seconds and the code
    changes every step."""
    return encode(data).svg(border=2)
