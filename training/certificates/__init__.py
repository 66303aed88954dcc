"""Certificates: results, eligibility, issuing, public verification, revocation and copies."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)

from . import views  # noqa: E402,F401
