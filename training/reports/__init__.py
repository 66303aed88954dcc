"""Reports: district and province figures for the yearly upward reporting, and a trainee's record."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import views  # noqa: E402,F401
