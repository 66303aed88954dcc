"""Small helpers shared by the views of every domain."""

import secrets
import unicodedata
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _

from .errors import DomainError
from .extensions import db

T = TypeVar("T")
E = TypeVar("E", bound=DomainError)


def commit_or_flash(
    action: Callable[[], T],
    error: type[E],
    success: str | Callable[[T], str] | None,
    failure: Callable[[E], str | None] | None = None,
) -> T | None:
    """Run a service call; commit and flash `success` when it works, roll back and flash each of
    the domain error's `reasons` when it raises `error`. Returns the call's result, or None when
    it raised.

    `success` may instead be a function of the call's result, called after the commit, for a
    message that names what was done; None flashes nothing (the page that follows says it).
    `failure`, for a view that shows the page again with the error's details (the bad rows of
    a file, the scores to correct), is called with the error after the rollback: it keeps what
    the page needs, and what it returns is flashed instead of the reasons (None: nothing)."""
    try:
        result = action()
    except error as exc:
        db.session.rollback()
        messages = exc.reasons if failure is None else [failure(exc)]
        for message in messages:
            if message:
                flash(message, "error")
        return None
    db.session.commit()
    if success is not None:
        flash(success(result) if callable(success) else success, "success")
    return result


def flash_form_errors(form) -> None:
    """Flash each of a form's field errors: for a form posted from a page that redirects
    back rather than showing the form again."""
    for messages in form.errors.values():
        for message in messages:
            flash(message, "error")


def safe_next(target: str | None) -> str | None:
    """A page to go on to after a form, if it is a path on this site: "/courses" yes;
    "//evil.example", "/\\evil.example", "/\t/evil.example" or "https://…" no (None).

    Judged as a browser reads it: browsers drop tabs and line breaks anywhere in a URL, trim
    spaces and control characters at its ends, and read a backslash as a slash, so
    "/<TAB>/evil.example" is "//evil.example" to them. A target holding any of these is
    refused outright rather than cleaned."""
    if not target or any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") or ch == "\\" for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for links that leave the page (QR codes, certificates, .ics, OpenAPI
    `servers`): on PUBLIC_BASE_URL when it is set, never on the Host header a proxy sent."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


# --- forms that create something: safe to submit twice ---------------------------------------
# A create form carries a one-time token (the hidden "once" field); the view marks it spent with
# the page of what it created. The same form sent again (Back, then submit; a double click)
# finds its token spent and leads to what the first submission made instead of making another.

_ONCE_KEY, _ONCE_KEEP = "once", 20


def once_token() -> str:
    """A fresh one-time token for a create form, remembered (unspent) in the session."""
    tokens = dict(session.get(_ONCE_KEY, {}))
    token = secrets.token_urlsafe(12)
    tokens[token] = ""
    session[_ONCE_KEY] = dict(list(tokens.items())[-_ONCE_KEEP:])
    return token


def already_created() -> str | None:
    """The page of what this POST's form already created, when its token was spent; None
    when it is new (or carries no token: a client that is not a page of this site)."""
    token = request.form.get(_ONCE_KEY, "")
    return session.get(_ONCE_KEY, {}).get(token) or None if token else None


def resubmitted():
    """For a create view, before it creates: a redirect to what this form already created
    (saying so), when it is sent a second time; else None."""
    done = already_created()
    if done is None:
        return None
    flash(_("Biểu mẫu này đã được gửi trước đó nên không tạo thêm. Đây là kết quả của lần gửi đó."), "warning")
    return redirect(done)


def mark_created(url: str) -> None:
    """Spend this POST's token: a second submission of the form is sent to `url`."""
    token = request.form.get(_ONCE_KEY, "")
    if token:
        tokens = dict(session.get(_ONCE_KEY, {}))
        tokens[token] = url
        session[_ONCE_KEY] = dict(list(tokens.items())[-_ONCE_KEEP:])
