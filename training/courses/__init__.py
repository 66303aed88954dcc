"""Courses: scheduling a programme in a managing unit (the province, or a district of the map
before 1/7/2025), its sessions, trainers and enrolment."""

from flask import Blueprint

bp = Blueprint("courses", __name__)

from . import enrolment_views, schedule_views, views  # noqa: E402,F401  (their routes go on bp)
