"""When a session takes check-ins: the window around its hours, the course statuses that allow
them, and lateness."""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..clock import to_local, utcnow
from ..courses.models import Course, CourseSession
from ..extensions import db


def checkin_opens_at(session: CourseSession) -> datetime:
    minutes = current_app.config["CHECKIN_OPENS_MINUTES_BEFORE"]
    return session.starts_at - timedelta(minutes=minutes)


#: the course statuses in which its sessions take check-ins
CHECKIN_COURSE_STATUSES = ("open", "running")


def checkin_state(session: CourseSession, at: datetime | None = None) -> str:
    """'not_yet', 'open' or 'ended' for a (naive UTC) moment; a closed or cancelled course is
    'ended' (its record is final), a course still in draft 'not_open' (it may yet move, and
    nobody may be recorded at it: no live QR, no scan)."""
    at = at or utcnow()
    if session.course.status in ("closed", "cancelled") or at > session.ends_at:
        return "ended"
    if session.course.status not in CHECKIN_COURSE_STATUSES:
        return "not_open"
    if at < checkin_opens_at(session):
        return "not_yet"
    return "open"


def status_for(session: CourseSession, at: datetime) -> str:
    """present, or late when seen after the start plus the course's grace minutes."""
    late_after = session.starts_at + timedelta(minutes=session.course.late_after_minutes)
    return "late" if at > late_after else "present"


def closed_message(session: CourseSession, state: str) -> str:
    if state == "not_open":
        return _("Khóa học chưa mở nên chưa điểm danh được.")
    if state == "not_yet":
        return _(
            "Buổi học chưa mở điểm danh (mở từ %(t)s ngày %(d)s).",
            t=to_local(checkin_opens_at(session)).strftime("%H:%M"),
            d=to_local(session.starts_at).strftime("%d/%m/%Y"),
        )
    return _("Buổi học đã kết thúc điểm danh.")


def open_session_ids(at: datetime | None = None) -> list[int]:
    """The sessions taking check-ins at a (naive UTC) moment, as checkin_state would say
    'open' of each: what a short code typed on /c may belong to (a handful at any time)."""
    at = at or utcnow()
    opens_before = timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES_BEFORE"])
    return list(
        db.session.scalars(
            select(CourseSession.id)
            .join(Course, Course.id == CourseSession.course_id)
            .where(
                Course.status.in_(CHECKIN_COURSE_STATUSES),
                CourseSession.starts_at <= at + opens_before,
                CourseSession.ends_at >= at,
            )
        )
    )
