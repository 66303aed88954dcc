"""Courses: scheduling a programme in a district, its sessions, trainers and enrolment."""

from . import enrolment_views  # noqa: F401  (its routes are registered on the blueprint)
from .views import bp  # noqa: F401
