"""Attendance fixtures: a frozen clock the services, views and tokens all read, and a course
of district A with one session in the past, one open now and one in the future, with
enrolled trainees.

The clock is frozen rather than real so that "now" never falls near midnight or between two
token steps by accident; tests move it with `clock.advance(...)` instead of sleeping.
"""

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from training.attendance import checkin, phone_views, phones, qr, roster, scanner_views, views, window
from training.clock import to_utc
from training.courses import services as courses
from training.courses.enrolment import enrol_many
from training.courses.models import Course, CourseSession
from training.courses.planning import save_session
from training.extensions import db
from training.people.models import Trainee

#: a Tuesday, 08:05 in Vietnam: five minutes into the session that is open "now"
NOW_LOCAL = datetime(2026, 3, 3, 8, 5)
MONDAY, TUESDAY, WEDNESDAY = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)
START, END = time(8, 0), time(11, 0)
VENUE = "Hội trường UBND huyện Yên Thế"
OTHER_VENUE = "Nhà văn hóa xã Đồng Kỳ"

#: (full name, birth date, phone) of the trainees enrolled in the course
TRAINEES = [
    ("Nguyễn Thị Hoa", date(1985, 3, 15), "0912000001"),
    ("Trần Văn Bình", date(1990, 11, 2), "0912000002"),
    ("Lê Minh Châu", date(1979, 7, 30), "0912000003"),
]


class Clock:
    """A settable naive-UTC "now"; `time()` is the same moment as a Unix timestamp."""

    def __init__(self, local: datetime):
        self.utc = to_utc(local)

    def now(self) -> datetime:
        return self.utc

    def time(self) -> float:
        return self.utc.replace(tzinfo=timezone.utc).timestamp()

    def set_local(self, local: datetime) -> None:
        self.utc = to_utc(local)

    def advance(self, **delta) -> None:
        self.utc += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return freeze_clock(monkeypatch)


def freeze_clock(monkeypatch) -> Clock:
    """Freeze "now" at NOW_LOCAL for the attendance services, views and tokens."""
    frozen = Clock(NOW_LOCAL)
    for module in (checkin, window, roster, phone_views, scanner_views, views):
        monkeypatch.setattr(module, "utcnow", frozen.now)
    monkeypatch.setattr(qr, "time", SimpleNamespace(time=frozen.time))
    return frozen


@dataclass
class CourseNow:
    course: Course
    past: CourseSession
    current: CourseSession
    future: CourseSession
    trainees: list[Trainee] = field(default_factory=list)


def make_course_now(units, trainer, trainees, venue: str = VENUE, late_after_minutes: int = 15) -> CourseNow:
    """A running CT1 course of district A: CT1.1 on Monday (past), CT1.2 on Tuesday (open at
    NOW_LOCAL), CT1.3 on Wednesday (future), each 08:00–11:00 (4 periods), trainees enrolled."""
    course = courses.create_course(units["A"].id, "CT1", "", venue, MONDAY, 200, [trainer.id])
    course.late_after_minutes = late_after_minutes
    past = save_session(course, None, "CT1.1", MONDAY, START, END, venue, trainer.id)
    current = save_session(course, None, "CT1.2", TUESDAY, START, END, venue, trainer.id)
    future = save_session(course, None, "CT1.3", WEDNESDAY, START, END, venue, trainer.id)
    courses.change_status(course, "open")
    courses.change_status(course, "running")
    if trainees:
        enrol_many(course, trainees)
    db.session.commit()
    return CourseNow(course, past, current, future, list(trainees))


@pytest.fixture
def course_now(clock, units, trainer_a, make_trainee) -> CourseNow:
    trainees = [make_trainee(name, birth_date=born, phone=phone) for name, born, phone in TRAINEES]
    return make_course_now(units, trainer_a, trainees)


@pytest.fixture
def other_course(clock, units, make_user, make_trainee) -> CourseNow:
    """A second course of district A, at the same hours in another hall with another
    trainer, and one trainee of its own."""
    trainer = make_user("trainer.a2", "trainer", "A")
    trainee = make_trainee("Phạm Quốc Dũng", commune="Xã Hồng Kỳ", birth_date=date(1988, 1, 20))
    return make_course_now(units, trainer, [trainee], venue=OTHER_VENUE)


def checkin_path(session: CourseSession, now: float | None = None) -> str:
    """The path the projector's QR points to, for the (frozen) current step."""
    return f"/checkin/{qr.make_token(session.id, now)}"


def remember_device(client, trainee: Trainee, device: str = "phone-1") -> None:
    """Give a test client the signed cookie a phone gets after identifying once."""
    client.set_cookie(
        phones.DEVICE_COOKIE,
        phones._device_serializer().dumps({"k": trainee.device_key, "d": device}),
        domain="taphuan.test",
    )


def confirm(client, session: CourseSession, response=None):
    """On a remembered phone's "is this you?" page (`response`, or the projector's link opened
    now), answer "yes"."""
    response = response or client.get(checkin_path(session))
    return client.post(checkin_path(session), data={"ticket": ticket_of(response), "action": "confirm"})


def ticket_of(response) -> str:
    """The signed ticket in the identification form a new phone is shown."""
    match = re.search(r'<input[^>]*name="ticket"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no ticket in the identification form"
    return match[1]


class _FormFields(HTMLParser):
    """The values a browser would submit from a page's form[data-roster]."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.inside = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "data-roster" in attrs:
            self.inside = True
        if not self.inside or tag != "input" or "disabled" in attrs:
            return
        kind, name = attrs.get("type", "text"), attrs.get("name")
        if name and (kind in ("hidden", "text") or (kind == "radio" and "checked" in attrs)):
            self.fields[name] = html.unescape(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def roster_form(client, session_id: int, **changes) -> dict[str, str]:
    """What the roster page of a session submits as loaded now, with `changes` (field name →
    value, e.g. status_12="present" for status-12) made by the trainer."""
    parser = _FormFields()
    parser.feed(client.get(f"/sessions/{session_id}/roster").get_data(as_text=True))
    return {**parser.fields, **{name.replace("_", "-"): value for name, value in changes.items()}}
