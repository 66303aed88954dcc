"""Curricula: the four programmes of Decision 1288, read from curricula/*.toml."""

from flask import Blueprint, Flask, current_app

from .catalogue import Catalogue, load_catalogue

bp = Blueprint("curricula", __name__, url_prefix="/curricula")


def init_app(app: Flask) -> None:
    """Load the programmes once at start-up; an invalid file stops the app here."""
    app.extensions["curricula"] = load_catalogue(app.config["CURRICULA_DIR"])


def catalogue() -> Catalogue:
    """The programmes loaded by this app."""
    return current_app.extensions["curricula"]


from . import views  # noqa: E402,F401
