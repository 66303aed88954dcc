"""Calendar logic without the database: week and month ranges (weeks start on Monday),
Vietnamese weekday names, sessions grouped by local day, and iCalendar files.

Sessions are stored in naive UTC; everything here shows and exports them in
Asia/Ho_Chi_Minh, with the VTIMEZONE in the file so phones place them right.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event

from ..clock import LOCAL_TZ, to_local, utcnow
from .models import CourseSession

VIEWS = ("week", "month")
#: Monday first, as Vietnamese calendars and date.weekday() count
WEEKDAYS = (_l("Thứ Hai"), _l("Thứ Ba"), _l("Thứ Tư"), _l("Thứ Năm"), _l("Thứ Sáu"), _l("Thứ Bảy"), _l("Chủ nhật"))
WEEKDAYS_SHORT = (_l("T2"), _l("T3"), _l("T4"), _l("T5"), _l("T6"), _l("T7"), _l("CN"))
#: the domain part of every event UID, so a re-imported file updates rather than duplicates
UID_DOMAIN = "taphuan"


def weekday_name(day: date, short: bool = False) -> str:
    """"Thứ Hai" … "Chủ nhật" (or "T2" … "CN") for a date."""
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
        return CalendarPeriod("month", anchor, first, last, _add_months(first_of_month, -1), _add_months(first_of_month, 1))
    first = week_start(anchor)
    return CalendarPeriod("week", anchor, first, first + timedelta(days=6), first - timedelta(days=7), first + timedelta(days=7))


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
