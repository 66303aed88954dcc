"""Sign-in, sign-out, own password, and the permission helpers every domain uses."""

import functools
import hmac

from flask import Blueprint, Flask, jsonify, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import bindparam, select

from ..extensions import db, login_manager

bp = Blueprint("auth", __name__)


def public(view):
    """Mark a view as reachable without signing in (the login wall lets it through)."""
    view.is_public = True
    return view


def install_login_wall(app: Flask) -> None:
    """Every endpoint requires sign-in unless its view is marked @public, so a new route
    is protected by default rather than by remembering a decorator."""

    @app.before_request
    def _require_login():
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint)
        if getattr(view, "is_public", False) or current_user.is_authenticated:
            return None
        if request.path.startswith("/api/"):
            return jsonify(error="unauthorized", message=gettext("Cần đăng nhập.")), 401
        return login_manager.unauthorized()


@functools.cache
def _user_by_id():
    """The statement reading an account by its id, built once (on first use: the models are
    imported after this package): every signed-in request asks it, and Session.get builds
    and keys a statement anew each time."""
    from ..people.models import User

    return select(User).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def _load_user(cookie_id: str):
    # The cookie names the account by its id and its session token (User.get_id); sign-out,
    # a new password and deactivation replace the token, and no other account ever has it.
    user_id, _dot, token = cookie_id.partition(".")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 12 and token):
        return None
    user = db.session.execute(_user_by_id(), {"user_id": int(user_id)}).scalar()
    if user is None or not user.is_active or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (gettext's N_ convention)."""
    return message


login_manager.login_view = "auth.login"
# Flask-Login flashes this through localize_callback, in the visitor's language.
login_manager.login_message = N_("Vui lòng đăng nhập để tiếp tục.")
login_manager.localize_callback = gettext
login_manager.login_message_category = "info"

from . import views  # noqa: E402,F401
