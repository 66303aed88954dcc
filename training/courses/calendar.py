"""The calendar, schedules and the dashboard: week and month ranges (weeks start on Monday),
Vietnamese weekday names, sessions grouped by local day, iCalendar files, and the queries that
read the sessions and courses they show.

Sessions are stored in naive UTC; everything here shows and exports them in
Asia/Ho_Chi_Minh, with the VTIMEZONE in the file so phones place them right.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import contains_eager, joinedload

from ..clock import LOCAL_TZ, local_today, to_local, utc_at, utcnow
from ..curricula import catalogue
from ..extensions import db
from ..units.models import Unit
from .models import Course, CourseSession, Enrolment

VIEWS = ("week", "month")
#: Monday first, as Vietnamese calendars and date.weekday() count
WEEKDAYS = (_l("Thứ Hai"), _l("Thứ Ba"), _l("Thứ Tư"), _l("Thứ Năm"), _l("Thứ Sáu"), _l("Thứ Bảy"), _l("Chủ nhật"))
WEEKDAYS_SHORT = (_l("T2"), _l("T3"), _l("T4"), _l("T5"), _l("T6"), _l("T7"), _l("CN"))
#: the domain part of every event UID, so a re-imported file updates rather than duplicates
UID_DOMAIN = "taphuan"


def weekday_name(day: date, short: bool = False) -> str:
    """ "Thứ Hai" … "Chủ nhật" (or "T2" … "CN") for a date."""
    return str((WEEKDAYS_SHORT if short else WEEKDAYS)[day.weekday()])


def course_dates(course) -> str:
    """When a course runs, as its documents write it: "từ 03/03/2025 đến 05/03/2025", or
    the one day."""
    first = course.starts_on.strftime("%d/%m/%Y")
    if course.ends_on and course.ends_on != course.starts_on:
        return _("từ %(a)s đến %(b)s", a=first, b=course.ends_on.strftime("%d/%m/%Y"))
    return first


def week_start(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class CalendarPeriod:
    """The stretch of days a calendar page shows, with its neighbours for navigation."""

    view: str
    #: the day the page was asked for (kept when switching views)
    anchor: date
    #: first and last day shown (a month view shows whole weeks)
    first: date
    last: date
    previous: date
    next: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def in_view_month(self, day: date) -> bool:
        return self.view == "week" or (day.year, day.month) == (self.anchor.year, self.anchor.month)


def period_for(view: str, anchor: date) -> CalendarPeriod:
    """The week (Monday–Sunday) or the month (in whole weeks) holding `anchor`."""
    if view == "month":
        first_of_month = anchor.replace(day=1)
        last_of_month = _add_months(first_of_month, 1) - timedelta(days=1)
        first = week_start(first_of_month)
        last = week_start(last_of_month) + timedelta(days=6)
        return CalendarPeriod(
            "month", anchor, first, last, _add_months(first_of_month, -1), _add_months(first_of_month, 1)
        )
    first = week_start(anchor)
    return CalendarPeriod(
        "week", anchor, first, first + timedelta(days=6), first - timedelta(days=7), first + timedelta(days=7)
    )


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """A session as the calendar draws it."""

    id: int
    starts_at: datetime  # naive UTC, as stored
    ends_at: datetime
    module_code: str
    module_title: str  # "" when the programme does not know the module
    venue: str
    course_id: int
    course_code: str
    course_title: str
    course_status: str
    unit_name: str


def by_day(entries: Iterable[CalendarEntry]) -> dict[date, list[CalendarEntry]]:
    """Entries grouped by their local day, each day's in the order given."""
    days: dict[date, list[CalendarEntry]] = {}
    for entry in entries:
        days.setdefault(to_local(entry.starts_at).date(), []).append(entry)
    return days


def schedule_by_course(sessions: Iterable[CourseSession], now: datetime) -> tuple[list, list]:
    """A trainee's sessions split at `now` (naive UTC) into (upcoming, past), each a list of
    (course, sessions): upcoming courses by their next session, past ones latest first.
    A session still under way counts as upcoming; a closed course's sessions are all past,
    whatever their dates say (it ended early, or was closed before a postponed session)."""
    upcoming: dict = {}
    past: dict = {}
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.id or 0)):
        ahead = session.ends_at > now and session.course.status != "closed"
        (upcoming if ahead else past).setdefault(session.course, []).append(session)
    return list(upcoming.items()), sorted(past.items(), key=lambda item: item[1][-1].starts_at, reverse=True)


# --- iCalendar ------------------------------------------------------------------------------


def session_uid(session: CourseSession) -> str:
    """A UID that stays the same however often the file is downloaded."""
    return f"session-{session.id}@{UID_DOMAIN}"


def session_summary(session: CourseSession) -> str:
    module = session.module
    title = f"{session.module_code}. {module.title}" if module else session.module_code
    return f"{title} – {session.course.title} ({session.course.code})"


def ics_calendar(sessions: Iterable[CourseSession], name: str, course_url=None) -> bytes:
    """An iCalendar file of the sessions, times in Asia/Ho_Chi_Minh with its VTIMEZONE.

    `course_url`, if given, maps a course to a link put on each of its events.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Tập huấn//Giảm nghèo về thông tin//VI")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", LOCAL_TZ.key)
    stamp = utcnow().replace(tzinfo=timezone.utc)
    for session in sessions:
        course = session.course
        event = Event()
        event.add("uid", session_uid(session))
        event.add("dtstamp", stamp)
        event.add("dtstart", to_local(session.starts_at))
        event.add("dtend", to_local(session.ends_at))
        event.add("summary", session_summary(session))
        event.add("location", session.venue)
        lines = [course.title, f"{course.code} · {course.unit.name}"]
        if session.trainer is not None:
            lines.append(_("Giảng viên: %(name)s", name=session.trainer.full_name))
        lines.append(_("%(n)d tiết", n=session.periods))
        event.add("description", "\n".join(lines))
        event.add("status", "TENTATIVE" if course.status == "draft" else "CONFIRMED")
        if course_url is not None:
            event.add("url", course_url(course))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


# --- calendar, schedules and the dashboard --------------------------------------------------


def _scheduled(query: Select, unit_id: int | None = None) -> Select:
    """`query` (of sessions, or of their columns) limited to courses that are not cancelled, in
    time order; restricted to a managing unit when `unit_id` is given."""
    query = (
        query.join(CourseSession.course)
        .where(Course.status != "cancelled")
        .order_by(CourseSession.starts_at, Course.code, CourseSession.id)
    )
    return query.where(Course.unit_id == unit_id) if unit_id is not None else query


def _sessions_query(unit_id: int | None = None) -> Select:
    """_scheduled sessions with their course, its unit and their trainer loaded in the same query."""
    return _scheduled(select(CourseSession), unit_id).options(
        contains_eager(CourseSession.course).joinedload(Course.unit), joinedload(CourseSession.trainer)
    )


def _starting_between(first: date, last: date):
    """Sessions starting on the local days `first`..`last` (inclusive)."""
    return and_(
        CourseSession.starts_at >= utc_at(first, time.min),
        CourseSession.starts_at < utc_at(last + timedelta(days=1), time.min),
    )


def sessions_between(first: date, last: date, unit_id: int | None = None) -> list[CourseSession]:
    """Sessions starting on the local days `first`..`last` (inclusive), in one query."""
    return list(db.session.scalars(_sessions_query(unit_id).where(_starting_between(first, last))))


def calendar_entries(first: date, last: date, unit_id: int | None = None) -> list[CalendarEntry]:
    """What the calendar shows of the sessions starting on the local days `first`..`last`, in
    time order, read as plain rows in one query: a province's busiest week has a hundred
    sessions, and loading each as objects with its course and unit took longer than drawing
    it (bench/scale.py)."""
    columns = select(
        CourseSession.id,
        CourseSession.starts_at,
        CourseSession.ends_at,
        CourseSession.module_code,
        CourseSession.venue,
        Course.id,
        Course.code,
        Course.title,
        Course.status,
        Course.curriculum_code,
        Course.curriculum_version,
        Unit.name,
    )
    query = _scheduled(columns, unit_id).join(Course.unit).where(_starting_between(first, last))
    programmes, entries = catalogue(), []
    for (
        session_id,
        starts_at,
        ends_at,
        module_code,
        venue,
        course_id,
        course_code,
        course_title,
        status,
        code,
        version,
        unit_name,
    ) in db.session.execute(query):
        module = programmes.module(code, version, module_code)
        entries.append(
            CalendarEntry(
                session_id,
                starts_at,
                ends_at,
                module_code,
                module.title if module else "",
                venue,
                course_id,
                course_code,
                course_title,
                status,
                unit_name,
            )
        )
    return entries


def course_calendar_sessions(course: Course) -> list[CourseSession]:
    """A course's sessions for its calendar file (none when the course is cancelled)."""
    return [] if course.status == "cancelled" else list(course.sessions)


def trainee_sessions(trainee_id: int) -> list[CourseSession]:
    """Sessions of the courses a trainee is enrolled in (not withdrawn, course not cancelled)."""
    query = _sessions_query().join(
        Enrolment,
        and_(Enrolment.course_id == Course.id, Enrolment.trainee_id == trainee_id, Enrolment.status == "enrolled"),
    )
    return list(db.session.scalars(query))


@dataclass
class Dashboard:
    """What a trainer sees first: sessions today and soon, and courses needing attention."""

    today: date
    today_sessions: list[CourseSession]
    upcoming_sessions: list[CourseSession]
    #: active courses (draft, open or running) with no session planned
    no_sessions: list[Course]
    #: (course, enrolled) of courses starting within DASHBOARD_DAYS with under half their places filled
    under_filled: list[tuple[Course, int]]
    #: open or running courses whose last day has passed
    not_closed: list[Course]

    @property
    def attention_count(self) -> int:
        return len(self.no_sessions) + len(self.under_filled) + len(self.not_closed)


def dashboard(unit_id: int | None, today: date | None = None, area_id: int | None = None) -> Dashboard:
    """The home page's data for a managing unit (None: every unit), or only a cụm's courses
    with `area_id`, in a fixed number of queries however many courses there are."""
    today = today or local_today()
    horizon = today + timedelta(days=current_app.config["DASHBOARD_DAYS"])
    sessions = [s for s in sessions_between(today, horizon, unit_id) if area_id is None or s.course.area_id == area_id]
    today_sessions = [s for s in sessions if to_local(s.starts_at).date() == today]
    upcoming = [s for s in sessions if to_local(s.starts_at).date() > today]

    def courses(*where) -> Select:
        query = select(Course).options(joinedload(Course.unit)).where(*where).order_by(Course.starts_on, Course.code)
        if area_id is not None:
            query = query.where(Course.area_id == area_id)
        return query.where(Course.unit_id == unit_id) if unit_id is not None else query

    has_session = select(CourseSession.id).where(CourseSession.course_id == Course.id).exists()
    no_sessions = list(db.session.scalars(courses(Course.status.in_(("draft", "open", "running")), ~has_session)))

    enrolled = (
        select(func.count(Enrolment.id))
        .where(Enrolment.course_id == Course.id, Enrolment.status == "enrolled")
        .correlate(Course)
        .scalar_subquery()
    )
    under_filled = [
        (course, count)
        for course, count in db.session.execute(
            courses(
                Course.status.in_(("draft", "open", "running")),
                Course.starts_on >= today,
                Course.starts_on <= horizon,
                enrolled * 2 < Course.capacity,
            ).add_columns(enrolled)
        )
    ]
    not_closed = list(db.session.scalars(courses(Course.status.in_(("open", "running")), Course.ends_on < today)))
    return Dashboard(today, today_sessions, upcoming, no_sessions, under_filled, not_closed)
