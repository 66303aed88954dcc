"""What a trainee's phone carries, signed with the app's secret: the ticket of its check-in
page (which session, which phone, given when), the ticket of its result page, and the cookie
that remembers its trainee (README, "QR check-in"). The check-in and the course survey share
the cookie.
"""

import secrets
from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

DEVICE_COOKIE = "taphuan_device"
# How long the cookie remembers the phone (PHONE_REMEMBER_DAYS), how long a phone may take to
# answer its page after scanning (CHECKIN_TICKET_SECONDS), and how long the result page of a
# check-in can be shown again, after a language switch or a reload (CHECKIN_RESULT_HOURS):
# settings, in create_app.


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="trainee-device")


def _ticket_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="checkin-ticket")


def _result_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="checkin-result")


def remembered_device() -> tuple[str, str]:
    """The device key of the trainee this phone was identified as, and its device id, from
    the signed cookie ("" when none). A cookie of the old shape, naming a row id, is no
    memory at all: row ids are given again after an erasure."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return "", ""
    try:
        data = _device_serializer().loads(raw)
    except BadSignature:
        return "", ""
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        return "", ""
    return data["k"], str(data.get("d", ""))[:64]


def remember_phone(response, key: str, device: str):
    """Give the phone the signed cookie that remembers its trainee (by their random key, never
    a row id) and this device. Returns `response`."""
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps({"k": key, "d": device}),
        max_age=current_app.config["PHONE_REMEMBER_DAYS"] * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response


def forget_phone(response):
    """Drop the cookie that remembers the phone's trainee. Returns `response`."""
    response.delete_cookie(DEVICE_COOKIE)
    return response


def new_ticket(session_id: int) -> str:
    """A ticket for one phone's page: the session, and a random nonce that names this phone
    (its wrong answers are counted by it), signed with the time it was given."""
    return _ticket_serializer().dumps({"s": session_id, "n": secrets.token_urlsafe(9)})


@dataclass(frozen=True)
class Ticket:
    session_id: int
    nonce: str


def read_ticket(text: str) -> Ticket:
    """:raises SignatureExpired, BadSignature:"""
    data = _ticket_serializer().loads(text or "", max_age=current_app.config["CHECKIN_TICKET_SECONDS"])
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise BadSignature("not a ticket")
    return Ticket(data["s"], str(data.get("n", ""))[:20])


def result_ticket(session_id: int, key: str) -> str:
    """The ticket of a check-in's result page: the session and the trainee's device key."""
    return _result_serializer().dumps({"s": session_id, "k": key})


def read_result_ticket(text: str) -> tuple[int, str]:
    """The session id and device key a result ticket names.

    :raises BadSignature: forged, malformed or older than CHECKIN_RESULT_HOURS.
    """
    try:
        data = _result_serializer().loads(text, max_age=current_app.config["CHECKIN_RESULT_HOURS"] * 3600)
        return int(data["s"]), str(data["k"])
    except (KeyError, TypeError, ValueError):
        raise BadSignature("not a result ticket") from None
