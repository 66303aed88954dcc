"""Courses: scheduling a programme in a district, its sessions, trainers and enrolment."""

from . import enrolment_views, schedule_views  # noqa: F401  (their routes are registered on the blueprint)
from .views import bp  # noqa: F401
