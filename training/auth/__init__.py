"""Authentication and authorisation.

Shared, importing no domain: the login wall and @public (here) and the role and scope checks
(permissions.py) every domain uses. Sign-in stands after people, whose accounts it reads:
views.py (the blueprint, the user loader, signing in and out, one's own password),
throttle.py, forms.py.
"""

from flask import Flask, jsonify, request
from flask_babel import gettext
from flask_login import current_user

from ..extensions import login_manager


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
