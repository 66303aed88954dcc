"""Rotating session check-in tokens and QR images.

A token names a session and a 30-second time step and is signed with the app's secret,
so it cannot be made for another session or another time. The current and the previous
step are accepted: a photo of the projector stops working within a minute.
"""
import base64
import functools
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from flask import current_app

from ..pdf.qr import encode

STEP_SECONDS = 30
_TOKEN = re.compile(r"^(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$")


class TokenError(Exception):
    """A refused token; `reason` is invalid_token or expired_token, the message is for people."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class TokenInfo:
    session_id: int
    step: int


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def seconds_left_in_step(now: float | None = None) -> float:
    now = time.time() if now is None else now
    return STEP_SECONDS - (now % STEP_SECONDS)


def _signature(session_id: int, step: int) -> str:
    key = hashlib.sha256(b"checkin-token|" + current_app.secret_key.encode()).digest()
    digest = hmac.new(key, f"{session_id}|{step}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


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

    :raises TokenError: malformed, forged, or older than the previous step.
    """
    from flask_babel import gettext as _

    match = _TOKEN.match(token or "")
    if not match:
        raise TokenError("invalid_token", _("Mã QR không hợp lệ. Hãy quét mã đang chiếu trên màn hình."))
    session_id, step, signature = int(match[1]), int(match[2]), match[3]
    if not hmac.compare_digest(signature, _signature(session_id, step)):
        raise TokenError("invalid_token", _("Mã QR không hợp lệ hoặc đã bị sửa. Hãy quét mã đang chiếu trên màn hình."))
    now_step = current_step(now)
    if step > now_step:
        raise TokenError("invalid_token", _("Mã QR không hợp lệ. Hãy quét mã đang chiếu trên màn hình."))
    if step < now_step - 1:
        raise TokenError("expired_token", _("Mã QR này đã hết hạn. Hãy quét lại mã đang chiếu trên màn hình."))
    return TokenInfo(session_id, step)


@functools.lru_cache(maxsize=64)
def qr_svg(data: str) -> str:
    """An SVG (a single path, scalable to any projector) of a QR code for `data`, drawn by
    the encoder the certificates use (training/pdf/qr.py).

    Kept for the last 64 texts: a projector asks for its code every few seconds and the code
    changes every 30."""
    return encode(data).svg(border=2)
