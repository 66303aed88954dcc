"""Use cases for courses: reading them with permission checks, creating and editing them, and
their status. Sessions are planned in planning.py, trainees enrolled in enrolment.py, and the
calendar and dashboard read in calendar.py.

Services flush and never commit; the view or command that calls them commits once.
"""

from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import audit
from ..auth.permissions import may_reopen_course, require_course
from ..clock import local_today, to_local
from ..curricula import catalogue
from ..errors import DomainError
from ..extensions import db
from ..people.models import User
from ..units.models import Area, Unit
from ..vietnamese import clean, fold
from .models import Course, CourseSession, Enrolment

#: allowed status changes; a closed course can be reopened by the admin only
TRANSITIONS = {
    "draft": ("open", "cancelled"),
    "open": ("draft", "running", "cancelled"),
    "running": ("closed", "cancelled"),
    "closed": ("running",),
    "cancelled": (),
}


class CourseError(DomainError):
    """A course operation that cannot be done; the message is for the user."""


class ConflictError(CourseError):
    """Sessions clash with other bookings; `reasons` names every clash (the message joins them)."""

    separator = " "


# --- reading, with permission checks -------------------------------------------------------


def get_course_or_404(course_id: int, write: bool = False) -> Course:
    """The course, if the current user may act on its district; with `write`, also refuses a
    trainer when the course is closed or cancelled (read-only except for the admin).

    :raises NotFound, Forbidden:
    """
    course = db.get_or_404(Course, course_id)
    require_course(course, write)
    return course


#: a session with its course; built once: every scan of a badge scanner asks it, and a
#: Session.get with a loader option builds and keys its statement anew each time
_SESSION_WITH_COURSE = (
    select(CourseSession).options(joinedload(CourseSession.course)).where(CourseSession.id == bindparam("session_id"))
)


def get_session_or_404(session_id: int, write: bool = False) -> CourseSession:
    """A session of a course the current user may act on (see get_course_or_404); the course
    comes in the same query."""
    session = db.session.execute(_SESSION_WITH_COURSE, {"session_id": session_id}).scalar()
    if session is None:
        abort(404)
    require_course(session.course, write)
    return session


@dataclass
class CourseFilter:
    unit_id: int | None = None
    #: a cụm trainer's area: only its courses
    area_id: int | None = None
    curriculum_code: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def course_query(filters: CourseFilter) -> Select:
    """Courses matching the filters, newest first."""
    query = select(Course).options(selectinload(Course.unit))
    if filters.unit_id is not None:
        query = query.where(Course.unit_id == filters.unit_id)
    if filters.area_id is not None:
        query = query.where(Course.area_id == filters.area_id)
    if filters.curriculum_code:
        query = query.where(Course.curriculum_code == filters.curriculum_code)
    if filters.status:
        query = query.where(Course.status == filters.status)
    if filters.date_from:
        query = query.where(Course.ends_on >= filters.date_from)
    if filters.date_to:
        query = query.where(Course.starts_on <= filters.date_to)
    if filters.q:
        pattern = f"%{filters.q}%"
        query = query.where(or_(Course.title.ilike(pattern), Course.code.ilike(pattern)))
    return query.order_by(Course.starts_on.desc(), Course.id.desc())


def district_trainers(unit_id: int) -> list[User]:
    """Active trainer accounts of a managing unit."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == "trainer", User.unit_id == unit_id, User.is_active.is_(True))
            .order_by(User.full_name)
        )
    )


# --- courses --------------------------------------------------------------------------------


def _next_code(unit: Unit, year: int, curriculum_code: str) -> str:
    prefix = f"{unit.code}-{year}-{curriculum_code}-"
    taken = db.session.scalars(select(Course.code).where(Course.code.like(prefix + "%"))).all()
    numbers = [int(code.rsplit("-", 1)[1]) for code in taken if code.rsplit("-", 1)[1].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def check_trainers(unit_id: int, trainer_ids: list[int]) -> list[User]:
    """The trainers of these ids, each a trainer of the organising unit.

    :raises CourseError: for none given, or one unknown or of another unit."""
    trainers = [db.session.get(User, i) for i in trainer_ids]
    if not trainers:
        raise CourseError(_("Cần ít nhất một giảng viên."))
    for trainer in trainers:
        if trainer is None or trainer.role != "trainer" or trainer.unit_id != unit_id:
            raise CourseError(_("Giảng viên phải thuộc đơn vị tổ chức khóa học."))
    return trainers


def _check_area(unit_id: int, area_id: int | None) -> Area | None:
    """The area a course of unit `unit_id` is put in (None: the whole unit).

    :raises CourseError: no such area, or an area of another unit.
    """
    if not area_id:
        return None
    area = db.session.get(Area, area_id)
    if area is None or area.unit_id != unit_id:
        raise CourseError(_("Địa bàn đã chọn không thuộc đơn vị tổ chức khóa học."))
    return area


def create_course(
    unit_id: int,
    curriculum_code: str,
    title: str,
    venue: str,
    starts_on: date,
    capacity: int,
    trainer_ids: list[int],
    notes: str = "",
    created_by: User | None = None,
    slots: dict | None = None,
    area_id: int | None = None,
) -> Course:
    """Create a draft course of the current version of a programme, with its day's slot
    times when `slots` gives them (else the defaults); flushes.

    :raises CourseError: unknown programme, unit, area or trainers, an area of another unit,
        bad capacity or slot times.
    """
    curriculum = catalogue().current(curriculum_code)
    unit = db.session.get(Unit, unit_id)
    if curriculum is None:
        raise CourseError(_("Không có chương trình %(code)s.", code=curriculum_code))
    if unit is None or unit.level == "commune":
        raise CourseError(_("Đơn vị tổ chức không hợp lệ."))
    area = _check_area(unit.id, area_id)
    if capacity < 1:
        raise CourseError(_("Số học viên tối đa phải lớn hơn 0."))
    course = Course(
        code=_next_code(unit, starts_on.year, curriculum.code),
        curriculum_code=curriculum.code,
        curriculum_version=curriculum.version,
        unit_id=unit.id,
        title=clean(title) or curriculum.title,
        venue=clean(venue),
        starts_on=starts_on,
        ends_on=starts_on,
        capacity=capacity,
        notes=(notes or "").strip(),
        created_by_id=created_by.id if created_by else None,
        area=area,
    )
    course.trainers = check_trainers(unit.id, trainer_ids)
    db.session.add(course)
    db.session.flush()  # the slot columns' defaults are filled in
    _set_slots(course, slots)
    return course


def same_course(unit_id: int, curriculum_code: str, starts_on: date, venue: str) -> Course | None:
    """A course that is not cancelled, of the same unit and programme, starting the same day
    at the same venue (accents and case aside): what a course form sent a second time (Back,
    then submit, the browser having fetched a fresh form and refilled it) would repeat."""
    candidates = db.session.scalars(
        select(Course).where(
            Course.unit_id == unit_id,
            Course.curriculum_code == curriculum_code,
            Course.starts_on == starts_on,
            Course.status != "cancelled",
        )
    )
    return next((c for c in candidates if fold(c.venue) == fold(venue)), None)


def _set_slots(course: Course, slots: dict | None) -> None:
    """Set the course's slot times given in `slots` (field name → time) and check their order.

    :raises CourseError: the morning does not end before the afternoon.
    """
    for key, value in (slots or {}).items():
        setattr(course, key, value)
    if not (course.morning_start < course.morning_end <= course.afternoon_start < course.afternoon_end):
        raise CourseError(_("Giờ buổi sáng phải kết thúc trước giờ buổi chiều."))


def update_course(
    course: Course,
    title: str,
    venue: str,
    starts_on: date,
    capacity: int,
    trainer_ids: list[int],
    notes: str,
    slots: dict | None = None,
) -> Course:
    """Edit a course's details (not its programme); flushes.

    :raises CourseError: capacity below the current enrolment, bad trainers or slot times.
    """
    enrolled = enrolment_counts([course.id]).get(course.id, 0)
    if capacity < enrolled:
        raise CourseError(
            _("Đã có %(n)d học viên ghi danh; không thể giảm số chỗ xuống %(c)d.", n=enrolled, c=capacity)
        )
    course.trainers = check_trainers(course.unit_id, trainer_ids)
    course.title, course.venue, course.notes = clean(title), clean(venue), (notes or "").strip()
    moved = starts_on != course.starts_on
    course.starts_on, course.capacity = starts_on, capacity
    _set_slots(course, slots)
    if moved and course.sessions:
        # A new start date is where the next "generate" begins (a postponed course); the
        # sessions stay where they are until then, so the date is not snapped back to them.
        course.ends_on = max([starts_on] + [to_local(s.ends_at).date() for s in course.sessions])
    else:
        sync_dates(course)
    db.session.flush()
    return course


def move_to_area(course: Course, area_id: int | None) -> Course:
    """Put a course in another area of its unit (None: the whole unit), as the admin does;
    audited. A cụm's course takes only that cụm's trainees, so a move that would leave an
    enrolled trainee outside it is refused. Flushes.

    :raises CourseError: an area of another unit, or enrolled trainees outside the cụm.
    """
    area = _check_area(course.unit_id, area_id)
    if area == course.area:
        return course
    if area is not None and area.kind == "cluster":
        inside = {c.id for c in area.communes}
        outside = [e.trainee for e in course.active_enrolments if e.trainee.commune_id not in inside]
        if outside:
            raise CourseError(
                _(
                    "Không chuyển được sang %(area)s: %(names)s đã ghi danh nhưng không thuộc các xã, phường của cụm.",
                    area=area.name,
                    names=", ".join(f"{t.full_name} ({t.commune.name})" for t in outside),
                )
            )
    audit.record(
        "course.area", course, before=course.area.name if course.area else None, after=area.name if area else None
    )
    course.area = area
    db.session.flush()
    return course


def check_status_change(course: Course, new_status: str, reason: str = "", by: User | None = None) -> None:
    """Refuse, before anything is written, a status change that change_status would refuse;
    `by` is the user making it (None: a command, which may not reopen a course).

    :raises CourseError: a change that is not allowed, or a cancel without a reason.
    """
    if new_status not in TRANSITIONS.get(course.status, ()):
        raise CourseError(
            _(
                "Không thể chuyển khóa học từ “%(a)s” sang “%(b)s”.",
                a=status_label(course.status),
                b=status_label(new_status),
            )
        )
    if course.status == "closed" and not may_reopen_course(by):
        raise CourseError(_("Chỉ quản trị viên mới mở lại được khóa học đã kết thúc."))
    if new_status == "cancelled" and not clean(reason):
        raise CourseError(_("Cần ghi lý do hủy khóa học."))
    if course.status == "closed" and not clean(reason):
        # Reopening lets results and certificates change after the fact: the trail says why.
        raise CourseError(_("Cần ghi lý do mở lại khóa học đã kết thúc."))
    if new_status in ("open", "running") and not course.sessions:
        raise CourseError(_("Khóa học chưa có buổi học nào: hãy lập lịch trước."))


def change_status(course: Course, new_status: str, reason: str = "", by: User | None = None) -> Course:
    """Move a course along draft → open → running → closed, or cancel it with a reason; `by`
    is the user making the change (check_status_change).

    :raises CourseError: a change that is not allowed, or a cancel without a reason.
    """
    check_status_change(course, new_status, reason, by)
    before = course.status
    course.status = new_status
    if new_status == "cancelled":
        course.cancel_reason = clean(reason)
    audit.record(
        "course.reopen" if before == "closed" else "course.status",
        course,
        before=before,
        after=new_status,
        reason=clean(reason),
    )
    db.session.flush()
    return course


def suggested_status(course: Course, today: date | None = None) -> str:
    """The status a trainer most likely moves the course to next, for the status box to
    offer first; "" when no step is the obvious one (a running course before its last day:
    closing it then is a deliberate act, not a default)."""
    today = today or local_today()
    if course.status == "draft":
        return "open"
    if course.status == "open":
        return "running" if course.starts_on <= today else ""
    if course.status == "running":
        return "closed" if course.ends_on < today else ""
    return ""


def status_label(status: str) -> str:
    labels = {
        "draft": _("Nháp"),
        "open": _("Mở ghi danh"),
        "running": _("Đang học"),
        "closed": _("Đã kết thúc"),
        "cancelled": _("Đã hủy"),
    }
    return labels.get(status, status)


def sync_dates(course: Course) -> None:
    """Set a course's first and last day from its sessions (the start date alone when it has
    none); planning calls it after every change to the sessions."""
    if course.sessions:
        course.starts_on = (
            to_local(course.sessions[0].starts_at).date() if course.sessions[0].starts_at else course.starts_on
        )
        course.ends_on = max(to_local(s.ends_at).date() for s in course.sessions)
    else:
        course.ends_on = course.starts_on


def enrolment_counts(course_ids: list[int]) -> dict[int, int]:
    """Active enrolments per course, in one query (here, not in enrolment.py, because editing a
    course checks its capacity against them and enrolment builds on this module)."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.course_id, func.count())
        .where(Enrolment.course_id.in_(course_ids), Enrolment.status == "enrolled")
        .group_by(Enrolment.course_id)
    )
    return dict(rows.all())
