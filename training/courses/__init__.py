"""Courses: scheduling a programme in a district, its sessions, trainers and enrolment."""
from flask import Blueprint

bp = Blueprint("courses", __name__)

from . import views  # noqa: E402,F401
