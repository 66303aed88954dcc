"""Course fixtures: a factory for courses of district A (services.create_course, trainer_a),
acting as a user outside a request, and small readers for sessions in local time."""

from datetime import date, time

import pytest
from sqlalchemy import select

from training.clock import to_local
from training.courses import services
from training.courses.models import Course, CourseSession, Enrolment
from training.courses.planning import generate_sessions
from training.extensions import db

#: a Monday, so the first week of a plan is easy to reason about
MONDAY = date(2026, 3, 2)
VENUE = "Hội trường UBND huyện Yên Thế"


@pytest.fixture
def make_course(units, trainer_a):
    """Create a committed draft course; by default CT1 in district A with trainer_a, from MONDAY.

    Extra keyword arguments set course attributes before committing (slot times, skip days);
    `sessions=True` also generates its sessions.
    """

    def _make(
        programme: str = "CT1",
        starts_on: date = MONDAY,
        venue: str = VENUE,
        capacity: int = 40,
        trainers: list | None = None,
        district: str = "A",
        title: str = "",
        notes: str = "",
        sessions: bool = False,
        **settings,
    ) -> Course:
        course = services.create_course(
            units[district].id,
            programme,
            title,
            venue,
            starts_on,
            capacity,
            [t.id for t in (trainers if trainers is not None else [trainer_a])],
            notes,
        )
        for key, value in settings.items():
            setattr(course, key, value)
        if sessions:
            generate_sessions(course)
        db.session.commit()
        return course

    return _make


@pytest.fixture
def trainer_a2(make_user):
    """A second trainer of district A, for clashes that must not be about the trainer."""
    return make_user("trainer.a2", "trainer", "A")


def move_to(course: Course, *statuses: str, reason: str = "") -> Course:
    """Walk a course through the given statuses, committing each step."""
    for status in statuses:
        services.change_status(course, status, reason)
        db.session.commit()
    return course


def local_span(session: CourseSession) -> tuple[date, time, time]:
    """A session's local day, start and end (what the trainer sees)."""
    start, end = to_local(session.starts_at), to_local(session.ends_at)
    assert start.date() == end.date(), f"{session!r} crosses midnight"
    return start.date(), start.time().replace(tzinfo=None), end.time().replace(tzinfo=None)


def periods_by_module(course: Course) -> dict[str, int]:
    totals: dict[str, int] = {}
    for session in course.sessions:
        totals[session.module_code] = totals.get(session.module_code, 0) + session.periods
    return totals


def enrolled_ids(course: Course) -> set[int]:
    return set(
        db.session.scalars(
            select(Enrolment.trainee_id).where(Enrolment.course_id == course.id, Enrolment.status == "enrolled")
        )
    )
