"""Attendance: QR check-in (session QR and badges), the manual roster and attendance sheets."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)

from . import phone_views, scanner_views, views  # noqa: E402,F401
