"""Use cases for courses: creation, status, session planning, conflicts and enrolment.

Services flush and never commit; the view or command that calls them commits once.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from .. import audit
from ..auth.permissions import require_course
from ..clock import local_today, to_local, utc_at
from ..curricula import catalogue
from ..curricula.catalogue import PERIOD_MINUTES, Curriculum
from ..extensions import db
from ..people import group_label
from ..people.importer import HEADERS, ImportRejected, RowError, commune_key, parse_date, read_table
from ..people.models import Trainee, User
from ..units.models import Area, Unit
from ..units.services import communes_of
from ..vietnamese import clean, fold
from .calendar import CalendarEntry, weekday_name
from .models import Course, CourseSession, Enrolment

#: allowed status changes; a closed course can be reopened by the admin only
TRANSITIONS = {
    "draft": ("open", "cancelled"),
    "open": ("draft", "running", "cancelled"),
    "running": ("closed", "cancelled"),
    "closed": ("running",),
    "cancelled": (),
}
PERIOD = timedelta(minutes=PERIOD_MINUTES)


class CourseError(Exception):
    """A course operation that cannot be done; the message is for the user."""


class ConflictError(CourseError):
    """Sessions clash with other bookings; `reasons` names every clash (the message joins them)."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(" ".join(reasons))


# --- reading, with permission checks -------------------------------------------------------

def get_course_or_404(course_id: int, write: bool = False) -> Course:
    """The course, if the current user may act on its district; with `write`, also refuses a
    trainer when the course is closed or cancelled (read-only except for the admin).

    :raises NotFound, Forbidden:
    """
    return _allowed(db.get_or_404(Course, course_id), write)


def _allowed(course: Course, write: bool) -> Course:
    """The course, if the current user may act on it (see get_course_or_404); else 403."""
    require_course(course)
    if write and not course.is_editable and not current_user.is_admin:
        abort(403)
    return course


#: a session with its course; built once: every scan of a badge scanner asks it, and a
#: Session.get with a loader option builds and keys its statement anew each time
_SESSION_WITH_COURSE = (select(CourseSession).options(joinedload(CourseSession.course))
                        .where(CourseSession.id == bindparam("session_id")))


def get_session_or_404(session_id: int, write: bool = False) -> CourseSession:
    """A session of a course the current user may act on (see get_course_or_404); the course
    comes in the same query."""
    session = db.session.execute(_SESSION_WITH_COURSE, {"session_id": session_id}).scalar()
    if session is None:
        abort(404)
    _allowed(session.course, write)
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
    return list(db.session.scalars(
        select(User).where(User.role == "trainer", User.unit_id == unit_id, User.is_active.is_(True)).order_by(User.full_name)
    ))


# --- courses --------------------------------------------------------------------------------

def _next_code(unit: Unit, year: int, curriculum_code: str) -> str:
    prefix = f"{unit.code}-{year}-{curriculum_code}-"
    taken = db.session.scalars(select(Course.code).where(Course.code.like(prefix + "%"))).all()
    numbers = [int(code.rsplit("-", 1)[1]) for code in taken if code.rsplit("-", 1)[1].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def _check_trainers(unit_id: int, trainer_ids: list[int]) -> list[User]:
    trainers = [db.session.get(User, i) for i in trainer_ids]
    if not trainers:
        raise CourseError(_("Cần ít nhất một giảng viên."))
    for trainer in trainers:
        if trainer is None or trainer.role != "trainer" or trainer.unit_id != unit_id:
            raise CourseError(_("Giảng viên phải thuộc huyện tổ chức khóa học."))
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


def create_course(unit_id: int, curriculum_code: str, title: str, venue: str, starts_on: date,
                  capacity: int, trainer_ids: list[int], notes: str = "", created_by: User | None = None,
                  slots: dict | None = None, area_id: int | None = None) -> Course:
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
    course.trainers = _check_trainers(unit.id, trainer_ids)
    db.session.add(course)
    db.session.flush()  # the slot columns' defaults are filled in
    _set_slots(course, slots)
    return course


def same_course(unit_id: int, curriculum_code: str, starts_on: date, venue: str) -> Course | None:
    """A course that is not cancelled, of the same unit and programme, starting the same day
    at the same venue (accents and case aside): what a course form sent a second time (Back,
    then submit, the browser having fetched a fresh form and refilled it) would repeat."""
    candidates = db.session.scalars(select(Course).where(
        Course.unit_id == unit_id, Course.curriculum_code == curriculum_code, Course.starts_on == starts_on,
        Course.status != "cancelled"))
    return next((c for c in candidates if fold(c.venue) == fold(venue)), None)


def _set_slots(course: Course, slots: dict | None) -> None:
    """Set the course's slot times given in `slots` (field name → time) and check their order.

    :raises CourseError: the morning does not end before the afternoon.
    """
    for key, value in (slots or {}).items():
        setattr(course, key, value)
    if not (course.morning_start < course.morning_end <= course.afternoon_start < course.afternoon_end):
        raise CourseError(_("Giờ buổi sáng phải kết thúc trước giờ buổi chiều."))


def update_course(course: Course, title: str, venue: str, starts_on: date, capacity: int, trainer_ids: list[int],
                  notes: str, slots: dict | None = None) -> Course:
    """Edit a course's details (not its programme); flushes.

    :raises CourseError: capacity below the current enrolment, bad trainers or slot times.
    """
    enrolled = enrolment_counts([course.id]).get(course.id, 0)
    if capacity < enrolled:
        raise CourseError(_("Đã có %(n)d học viên ghi danh; không thể giảm số chỗ xuống %(c)d.", n=enrolled, c=capacity))
    course.trainers = _check_trainers(course.unit_id, trainer_ids)
    course.title, course.venue, course.notes = clean(title), clean(venue), (notes or "").strip()
    moved = starts_on != course.starts_on
    course.starts_on, course.capacity = starts_on, capacity
    _set_slots(course, slots)
    if moved and course.sessions:
        # A new start date is where the next "generate" begins (a postponed course); the
        # sessions stay where they are until then, so the date is not snapped back to them.
        course.ends_on = max([starts_on] + [to_local(s.ends_at).date() for s in course.sessions])
    else:
        _sync_dates(course)
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
            raise CourseError(_("Không chuyển được sang %(area)s: %(names)s đã ghi danh nhưng không thuộc các xã, phường của cụm.",
                                area=area.name, names=", ".join(f"{t.full_name} ({t.commune.name})" for t in outside)))
    audit.record("course.area", course, before=course.area.name if course.area else None, after=area.name if area else None)
    course.area = area
    db.session.flush()
    return course


def check_status_change(course: Course, new_status: str, reason: str = "") -> None:
    """Refuse, before anything is written, a status change that change_status would refuse.

    :raises CourseError: a change that is not allowed, or a cancel without a reason.
    """
    if new_status not in TRANSITIONS.get(course.status, ()):
        raise CourseError(_("Không thể chuyển khóa học từ “%(a)s” sang “%(b)s”.", a=status_label(course.status), b=status_label(new_status)))
    if course.status == "closed" and not current_user.is_admin:
        raise CourseError(_("Chỉ quản trị viên mới mở lại được khóa học đã kết thúc."))
    if new_status == "cancelled" and not clean(reason):
        raise CourseError(_("Cần ghi lý do hủy khóa học."))
    if course.status == "closed" and not clean(reason):
        # Reopening lets results and certificates change after the fact: the trail says why.
        raise CourseError(_("Cần ghi lý do mở lại khóa học đã kết thúc."))
    if new_status in ("open", "running") and not course.sessions:
        raise CourseError(_("Khóa học chưa có buổi học nào: hãy lập lịch trước."))


def change_status(course: Course, new_status: str, reason: str = "") -> Course:
    """Move a course along draft → open → running → closed, or cancel it with a reason.

    :raises CourseError: a change that is not allowed, or a cancel without a reason.
    """
    check_status_change(course, new_status, reason)
    before = course.status
    course.status = new_status
    if new_status == "cancelled":
        course.cancel_reason = clean(reason)
    audit.record("course.reopen" if before == "closed" else "course.status", course, before=before, after=new_status,
                 reason=clean(reason))
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


def session_warnings(session: CourseSession, today: date | None = None) -> list[str]:
    """What a trainer should notice about a session just saved: on a Sunday, or in the past."""
    today = today or local_today()
    day = to_local(session.starts_at).date()
    warnings = []
    if day.weekday() == 6:
        warnings.append(_("Lưu ý: buổi học ngày %(d)s rơi vào Chủ nhật.", d=day.strftime("%d/%m/%Y")))
    if day < today:
        warnings.append(_("Lưu ý: ngày %(d)s đã qua; kiểm tra lại nếu đây không phải là ghi bù một buổi đã học.",
                          d=day.strftime("%d/%m/%Y")))
    return warnings


def status_label(status: str) -> str:
    labels = {
        "draft": _("Nháp"), "open": _("Mở ghi danh"), "running": _("Đang học"),
        "closed": _("Đã kết thúc"), "cancelled": _("Đã hủy"),
    }
    return labels.get(status, status)


def _sync_dates(course: Course) -> None:
    if course.sessions:
        course.starts_on = to_local(course.sessions[0].starts_at).date() if course.sessions[0].starts_at else course.starts_on
        course.ends_on = max(to_local(s.ends_at).date() for s in course.sessions)
    else:
        course.ends_on = course.starts_on


# --- session planning -----------------------------------------------------------------------

@dataclass
class PlannedSession:
    module_code: str
    day: date
    start: time
    end: time
    periods: int


def plan_sessions(course: Course, curriculum: Curriculum) -> list[PlannedSession]:
    """Pack the programme's periods into the course's half-day slots from its start date.

    Each session teaches one module within one slot; a module starts in a fresh slot unless
    it fits in the rest of the current one; a module longer than a slot continues in the next;
    Saturdays/Sundays are skipped as the course says.
    """
    slots = [(course.morning_start, course.morning_end), (course.afternoon_start, course.afternoon_end)]
    capacities = [_slot_periods(a, b) for a, b in slots]
    if not any(capacities):
        raise CourseError(_("Buổi học quá ngắn để dạy một tiết (45 phút)."))
    planned: list[PlannedSession] = []
    day, slot, used = course.starts_on, 0, 0

    def skip_closed_days(d: date) -> date:
        while (d.weekday() == 6 and course.skip_sundays) or (d.weekday() == 5 and course.skip_saturdays):
            d += timedelta(days=1)
        return d

    day = skip_closed_days(day)
    for module in curriculum.modules:
        remaining = module.periods
        while remaining:
            room = capacities[slot] - used
            # A module starts in a fresh slot unless it fits whole in what is left of this one,
            # so nobody teaches one stray period of a topic before lunch.
            starting_midway = remaining == module.periods and used > 0 and remaining > room
            if room <= 0 or starting_midway:
                slot, used = slot + 1, 0
                if slot == len(slots):
                    day, slot = skip_closed_days(day + timedelta(days=1)), 0
                continue
            take = min(room, remaining)
            start = (datetime.combine(day, slots[slot][0]) + used * PERIOD)
            planned.append(PlannedSession(module.code, day, start.time(), (start + take * PERIOD).time(), take))
            used += take
            remaining -= take
    return planned


def _slot_periods(start: time, end: time) -> int:
    minutes = (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() / 60
    return max(0, int(minutes // PERIOD_MINUTES))


def generate_sessions(course: Course) -> list[CourseSession]:
    """Replace the course's sessions with a fresh plan from its programme; flushes.

    :raises ConflictError: a generated session clashes (trainer, venue or trainee), named.
    :raises CourseError: the course has recorded attendance, or no trainer.
    """
    if has_attendance(course):
        raise CourseError(_("Khóa học đã có điểm danh; hãy sửa từng buổi thay vì lập lại lịch."))
    trainer = course.trainers[0] if course.trainers else None
    for session in list(course.sessions):
        course.sessions.remove(session)
    db.session.flush()
    created = _lay_out(course, trainer)
    clashes = conflicts(created)
    if clashes:
        # Every clash at once, and where the whole plan would fit: the trainer moves the
        # start date once instead of learning the clashes one generation at a time.
        free = _next_free_start(course, trainer)
        if free is not None:
            clashes.append(_("Ngày bắt đầu gần nhất xếp được cả lịch mà không trùng: %(day)s (%(weekday)s). "
                             "Hãy đổi “Ngày bắt đầu” của khóa học sang ngày đó rồi lập lịch lại.",
                             day=free.strftime("%d/%m/%Y"), weekday=weekday_name(free)))
        raise ConflictError(clashes)
    _sync_dates(course)
    db.session.flush()
    return created


def _lay_out(course: Course, trainer: User | None) -> list[CourseSession]:
    """The course's sessions from plan_sessions, added and flushed."""
    created = []
    for plan in plan_sessions(course, course.curriculum):
        session = CourseSession(module_code=plan.module_code, starts_at=utc_at(plan.day, plan.start),
                                ends_at=utc_at(plan.day, plan.end), periods=plan.periods, venue=course.venue, trainer=trainer)
        course.sessions.append(session)
        created.append(session)
    db.session.flush()
    return created


#: how many days after the chosen start generate_sessions looks for a start that fits
FREE_START_SEARCH_DAYS = 60


def _next_free_start(course: Course, trainer: User | None) -> date | None:
    """The first day after the course's start date from which its whole plan clashes with
    nothing, within FREE_START_SEARCH_DAYS; the course's sessions are left as they were
    laid out for the day tried last (the caller refuses and rolls back)."""
    wanted = course.starts_on
    try:
        for offset in range(1, FREE_START_SEARCH_DAYS + 1):
            course.starts_on = wanted + timedelta(days=offset)
            if (course.starts_on.weekday() == 6 and course.skip_sundays) or (course.starts_on.weekday() == 5 and course.skip_saturdays):
                continue
            for session in list(course.sessions):
                course.sessions.remove(session)
            db.session.flush()
            if not conflicts(_lay_out(course, trainer)):
                return course.starts_on
        return None
    finally:
        course.starts_on = wanted


def has_attendance(course: Course) -> bool:
    """Whether any session of the course has attendance recorded (then it cannot be re-planned)."""
    # Attendance lives in a later domain; look it up by table so courses stays below it.
    table = db.metadata.tables.get("attendance")
    if table is None or not course.sessions:
        return False
    ids = [s.id for s in course.sessions]
    return db.session.execute(select(table.c.id).where(table.c.session_id.in_(ids)).limit(1)).first() is not None


def save_session(course: Course, session: CourseSession | None, module_code: str, day: date, start: time, end: time,
                 venue: str, trainer_id: int | None, periods: int | None = None) -> CourseSession:
    """Add (session=None) or change a session (move, re-time, other venue or trainer); flushes.

    :raises ConflictError: the new time clashes, with the clash named.
    :raises CourseError: unknown module, end before start, trainer of another district.
    """
    curriculum = course.curriculum
    if curriculum.module(module_code) is None:
        raise CourseError(_("Chuyên đề %(code)s không thuộc chương trình.", code=module_code))
    if end <= start:
        raise CourseError(_("Giờ kết thúc phải sau giờ bắt đầu."))
    if trainer_id is not None:
        trainer = db.session.get(User, trainer_id)
        if trainer is None or trainer.role != "trainer" or trainer.unit_id != course.unit_id:
            raise CourseError(_("Giảng viên phải thuộc huyện tổ chức khóa học."))
    if session is None:
        session = CourseSession(course=course)
        db.session.add(session)
    session.module_code = module_code
    session.starts_at, session.ends_at = utc_at(day, start), utc_at(day, end)
    session.periods = periods if periods else max(1, _slot_periods(start, end))
    session.venue = clean(venue) or course.venue
    # the relationship, not just the id, so a clash message names the new trainer
    session.trainer = db.session.get(User, trainer_id) if trainer_id is not None else None
    db.session.flush()
    check_conflicts([session])
    db.session.refresh(course)
    _sync_dates(course)
    db.session.flush()
    return session


def split_session(session: CourseSession, first_periods: int) -> tuple[CourseSession, CourseSession]:
    """Split a session into two of the same module at a period boundary; flushes.

    :raises CourseError: the split point is not inside the session.
    """
    if not 0 < first_periods < session.periods:
        raise CourseError(_("Tách buổi học: phần đầu phải có từ 1 đến %(n)d tiết.", n=session.periods - 1))
    middle = session.starts_at + first_periods * PERIOD
    second = CourseSession(
        course_id=session.course_id, module_code=session.module_code, starts_at=middle, ends_at=session.ends_at,
        periods=session.periods - first_periods, venue=session.venue, trainer_id=session.trainer_id,
    )
    session.ends_at, session.periods = middle, first_periods
    db.session.add(second)
    db.session.flush()
    return session, second


def delete_session(session: CourseSession) -> None:
    """Remove a session that has no attendance yet; flushes.

    :raises CourseError: attendance was already recorded for it.
    """
    table = db.metadata.tables.get("attendance")
    if table is not None and db.session.execute(select(table.c.id).where(table.c.session_id == session.id).limit(1)).first():
        raise CourseError(_("Buổi học đã có điểm danh, không thể xóa."))
    course = session.course
    course.sessions.remove(session)
    db.session.flush()
    _sync_dates(course)


def period_mismatches(course: Course) -> list[tuple[str, str, int, int]]:
    """Modules whose scheduled periods differ from the programme: (code, title, planned, required)."""
    scheduled: dict[str, int] = {}
    for session in course.sessions:
        scheduled[session.module_code] = scheduled.get(session.module_code, 0) + session.periods
    return [
        (m.code, m.title, scheduled.get(m.code, 0), m.periods)
        for m in course.curriculum.modules
        if scheduled.get(m.code, 0) != m.periods
    ]


# --- conflicts ------------------------------------------------------------------------------

def _describe(session: CourseSession) -> str:
    start = to_local(session.starts_at)
    return _("buổi %(module)s của khóa %(course)s (%(day)s, %(start)s–%(end)s)", module=session.module_code,
             course=session.course.code, day=start.strftime("%d/%m/%Y"), start=start.strftime("%H:%M"),
             end=to_local(session.ends_at).strftime("%H:%M"))


def check_conflicts(sessions: list[CourseSession]) -> None:
    """Refuse sessions (of one course, flushed) whose trainer, venue or trainees are already
    booked at their time.

    :raises ConflictError: naming every clash (conflicts()).
    """
    clashes = conflicts(sessions)
    if clashes:
        raise ConflictError(clashes)


def conflicts(sessions: list[CourseSession]) -> list[str]:
    """What clashes with these sessions (of one course, flushed): for each session in time
    order, its trainer's, its venue's and a shared trainee's clash, each named once. Two
    queries however many sessions: a generated plan is checked at once."""
    ids = [s.id for s in sessions]
    mine, other, theirs, ours = aliased(CourseSession), aliased(CourseSession), aliased(Enrolment), aliased(Enrolment)
    overlapping = (
        select(mine.id, other).join(Course, Course.id == other.course_id)
        .join(mine, and_(mine.id.in_(ids), other.starts_at < mine.ends_at, other.ends_at > mine.starts_at, other.id != mine.id))
        .where(Course.status != "cancelled")
        .order_by(other.starts_at, other.id)
    )
    booked: dict[int, list[CourseSession]] = {}
    for session_id, clash in db.session.execute(overlapping):
        booked.setdefault(session_id, []).append(clash)
    # trainees enrolled both in the session's course and in a clashing session's other course
    shared: dict[int, tuple[CourseSession, Trainee]] = {}
    for session_id, clash, trainee in db.session.execute(
        overlapping.add_columns(Trainee)
        .join(theirs, and_(theirs.course_id == other.course_id, theirs.status == "enrolled"))
        .join(ours, and_(ours.trainee_id == theirs.trainee_id, ours.course_id == mine.course_id, ours.status == "enrolled"))
        .join(Trainee, Trainee.id == theirs.trainee_id)
        .where(other.course_id != mine.course_id)
    ):
        shared.setdefault(session_id, (clash, trainee))
    found: list[str] = []

    def add(message: str) -> None:
        if message not in found:
            found.append(message)

    for session in sorted(sessions, key=lambda s: (s.starts_at, s.id)):
        others = booked.get(session.id, [])
        if session.trainer_id is not None:
            clash = next((o for o in others if o.trainer_id == session.trainer_id), None)
            if clash is not None:
                add(_("Giảng viên %(name)s đã có lịch dạy trùng giờ: %(clash)s.",
                      name=session.trainer.full_name if session.trainer else "", clash=_describe(clash)))
        venue = fold(session.venue)
        clash = next((o for o in others if fold(o.venue) == venue), None)
        if clash is not None:
            add(_("Địa điểm “%(venue)s” đã được dùng trùng giờ: %(clash)s.", venue=session.venue, clash=_describe(clash)))
        if session.id in shared:
            clash, trainee = shared[session.id]
            add(_("Học viên %(name)s đã ghi danh %(clash)s, trùng giờ với buổi này.", name=trainee.full_name, clash=_describe(clash)))
    return found


def _trainee_clashes(course: Course, trainee_ids: list[int]) -> dict[int, str]:
    """For each of these trainees enrolled in another course with a session that overlaps one
    of this course's, a description of the earliest such session; one query."""
    if not trainee_ids:
        return {}
    mine = aliased(CourseSession)
    rows = db.session.execute(
        select(Enrolment.trainee_id, CourseSession)
        .join(Enrolment, and_(Enrolment.course_id == CourseSession.course_id, Enrolment.trainee_id.in_(trainee_ids),
                              Enrolment.status == "enrolled"))
        .join(Course, Course.id == CourseSession.course_id)
        .join(mine, and_(mine.course_id == course.id, mine.starts_at < CourseSession.ends_at, mine.ends_at > CourseSession.starts_at))
        .where(CourseSession.course_id != course.id, Course.status != "cancelled")
        .order_by(CourseSession.starts_at, CourseSession.id)
    ).all()
    clashes: dict[int, str] = {}
    for trainee_id, session in rows:
        clashes.setdefault(trainee_id, _describe(session))
    return clashes


# --- enrolment ------------------------------------------------------------------------------

def completed_before(course: Course, trainee_ids: list[int]) -> dict[int, str]:
    """trainee id → how they already completed the course's programme (any version): the
    serial and course of a valid certificate of it from another course; one query."""
    # Certificates live in a later domain; read them by table so courses stays below it.
    table = db.metadata.tables.get("certificate")
    if table is None or not trainee_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.trainee_id, table.c.serial, Course.code)
        .join(table, table.c.enrolment_id == Enrolment.id).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.trainee_id.in_(trainee_ids), Enrolment.course_id != course.id,
               Course.curriculum_code == course.curriculum_code, table.c.copy_number == 0, table.c.revoked_at.is_(None))
        .order_by(table.c.issued_at)
    )
    found: dict[int, str] = {}
    for trainee_id, serial, code in rows:
        found.setdefault(trainee_id, _("GCN %(serial)s, khóa %(course)s", serial=serial, course=code))
    return found


def _problems(course: Course, trainees: list[Trainee], existing: dict[int, Enrolment], again_reason: str = "",
              completed: dict[int, str] | None = None) -> dict[int, str]:
    """trainee id → why they cannot be enrolled in this course (the others may be), capacity
    aside, given their enrolments in it (`existing`, _enrolments_of) and who completed the
    programme before (`completed`, completed_before: they need `again_reason`); a fixed
    number of queries however many trainees are asked about."""
    curriculum = course.curriculum
    clashes = _trainee_clashes(course, [t.id for t in trainees])
    if completed is None:
        completed = completed_before(course, [t.id for t in trainees])
    # The communes (for the district) in one query: the lazy loads below then find them loaded.
    db.session.scalars(select(Unit).where(Unit.id.in_({t.commune_id for t in trainees}))).all()
    problems = {}
    cluster = course_commune_ids(course)
    for trainee in trainees:
        if trainee.district_id != course.unit_id:
            problems[trainee.id] = _("%(name)s không thuộc đơn vị tổ chức khóa học.", name=trainee.full_name)
        elif cluster is not None and trainee.commune_id not in cluster:
            problems[trainee.id] = _("%(name)s (%(commune)s) không thuộc %(area)s, địa bàn của khóa học.",
                                     name=trainee.full_name, commune=trainee.commune.name, area=course.area.name)
        elif trainee.group not in curriculum.groups:
            problems[trainee.id] = _("%(name)s thuộc nhóm đối tượng khác: chương trình %(code)s dành cho %(groups)s.",
                                     name=trainee.full_name, code=curriculum.code,
                                     groups="; ".join(group_label(g) for g in curriculum.groups))
        elif trainee.id in existing and existing[trainee.id].status == "enrolled":
            problems[trainee.id] = _("%(name)s đã ghi danh khóa học này.", name=trainee.full_name)
        elif trainee.id in clashes:
            problems[trainee.id] = _("%(name)s đã ghi danh %(clash)s, trùng giờ với khóa học này.", name=trainee.full_name,
                                     clash=clashes[trainee.id])
        elif trainee.id in completed and not clean(again_reason):
            problems[trainee.id] = _("%(name)s đã hoàn thành chương trình %(code)s (%(what)s): ghi lý do học lại để ghi danh.",
                                     name=trainee.full_name, code=curriculum.code, what=completed[trainee.id])
    return problems


def _enrolments_of(course: Course, trainee_ids: list[int]) -> dict[int, Enrolment]:
    """These trainees' enrolments (current or withdrawn) in the course, by trainee id."""
    if not trainee_ids:
        return {}
    return {e.trainee_id: e for e in db.session.scalars(
        select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.trainee_id.in_(trainee_ids)))}


def enrol_many(course: Course, trainees: list[Trainee], again_reason: str = "") -> list[Enrolment]:
    """Enrol several trainees, all or none; someone who already completed the programme only
    with `again_reason`, which the audit trail keeps. Flushes.

    :raises EnrolmentRejected: with one reason per refused trainee, or the capacity shortfall.
    """
    existing = _enrolments_of(course, [t.id for t in trainees])
    completed = completed_before(course, [t.id for t in trainees])
    problems = _problems(course, trainees, existing, again_reason, completed)
    if problems:
        raise EnrolmentRejected([problems[t.id] for t in trainees if t.id in problems])
    return _enrol(course, trainees, existing, completed, again_reason)


def _enrol(course: Course, trainees: list[Trainee], existing: dict[int, Enrolment],
           completed: dict[int, str] | None = None, again_reason: str = "") -> list[Enrolment]:
    """enrol_many once each trainee's problems are known to be none: the capacity, then the
    rows (`existing`: the trainees' enrolments in the course, _enrolments_of), and the
    reason for each who trains again (`completed`, completed_before) in the audit trail."""
    free = course.capacity - enrolment_counts([course.id]).get(course.id, 0)
    if len(trainees) > free:
        raise EnrolmentRejected([_("Khóa học còn %(free)d chỗ, không đủ cho %(n)d học viên (tối đa %(cap)d).", free=max(free, 0), n=len(trainees), cap=course.capacity)])
    enrolments = []
    for trainee in trainees:
        enrolment = existing.get(trainee.id)
        if enrolment is None:
            enrolment = Enrolment(course=course, trainee=trainee)
            db.session.add(enrolment)
        enrolment.status, enrolment.withdraw_reason = "enrolled", ""
        enrolment.commune_id = trainee.commune_id
        enrolment.enrolled_by_id = current_user.id if current_user and current_user.is_authenticated else None
        enrolments.append(enrolment)
    db.session.flush()
    for enrolment in enrolments:
        if enrolment.trainee_id in (completed or {}):
            audit.record("enrolment.again", enrolment, trainee=enrolment.trainee.full_name,
                         completed=completed[enrolment.trainee_id], reason=clean(again_reason))
    return enrolments


class EnrolmentRejected(CourseError):
    """Enrolment refused as a whole; `reasons` lists each problem."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("; ".join(reasons))


@dataclass
class EnrolOutcome:
    """What an enrolment by filter or from a file did: who was enrolled, and who was left
    out and why, for the page to say."""

    enrolled: list[Enrolment]
    #: already enrolled in the course (a file listing them again)
    already: int = 0
    #: (trainee, how) of those who completed the programme before and were not enrolled for
    #: want of a reason to train them again
    completed: list[tuple[Trainee, str]] = field(default_factory=list)


def enrol_by_filter(course: Course, commune_id: int | None, group: str | None, again_reason: str = "") -> EnrolOutcome:
    """Enrol everyone eligible_by_filter finds; those who completed the programme before only
    with `again_reason`, else they are left out and named. Flushes.

    :raises EnrolmentRejected: a clash or the capacity (nobody is enrolled then).
    """
    trainees = eligible_by_filter(course, commune_id, group)
    completed = completed_before(course, [t.id for t in trainees])
    left_out = [] if clean(again_reason) else [(t, completed[t.id]) for t in trainees if t.id in completed]
    left_ids = {t.id for t, _how in left_out}
    chosen = [t for t in trainees if t.id not in left_ids]
    if not chosen:
        return EnrolOutcome([], completed=left_out)
    return EnrolOutcome(enrol_many(course, chosen, again_reason), completed=left_out)


def course_commune_ids(course: Course) -> set[int] | None:
    """The communes whose trainees a cụm's course takes (its cụm's); None for a course of a
    whole unit."""
    if course.area is None or course.area.kind != "cluster":
        return None
    return {commune.id for commune in course.area.communes}


def course_communes(course: Course) -> list[Unit]:
    """The communes a course takes trainees from, in name order (the enrolment filter's)."""
    cluster = course_commune_ids(course)
    return [c for c in communes_of(course.unit_id) if cluster is None or c.id in cluster]


def eligible_by_filter(course: Course, commune_id: int | None, group: str | None) -> list[Trainee]:
    """Trainees of the course's district and programme groups, matching the filter, who are
    not yet enrolled."""
    enrolled = select(Enrolment.trainee_id).where(Enrolment.course_id == course.id, Enrolment.status == "enrolled")
    query = (
        select(Trainee).join(Trainee.commune)
        .where(Unit.parent_id == course.unit_id, Trainee.group.in_(course.curriculum.groups), Trainee.id.not_in(enrolled))
        .order_by(Trainee.name_key)
    )
    if (cluster := course_commune_ids(course)) is not None:
        query = query.where(Trainee.commune_id.in_(cluster or [0]))
    if commune_id:
        query = query.where(Trainee.commune_id == commune_id)
    if group:
        query = query.where(Trainee.group == group)
    return list(db.session.scalars(query))


def withdraw(enrolment: Enrolment, reason: str) -> Enrolment:
    """Withdraw a trainee from a course, keeping the record; flushes.

    :raises CourseError: no reason given.
    """
    if not clean(reason):
        raise CourseError(_("Cần ghi lý do rút tên."))
    if enrolment.status == "withdrawn":
        raise CourseError(_("%(name)s đã rút tên khỏi khóa học từ trước.", name=enrolment.trainee.full_name))
    enrolment.status, enrolment.withdraw_reason = "withdrawn", clean(reason)
    audit.record("enrolment.withdraw", enrolment, reason=clean(reason))
    db.session.flush()
    return enrolment


def course_enrolments(course: Course) -> list[Enrolment]:
    """A course's enrolments, withdrawn ones too, with their trainees and the trainees'
    communes, in one query (the course page lists them all)."""
    return list(db.session.scalars(
        select(Enrolment).where(Enrolment.course_id == course.id).options(joinedload(Enrolment.trainee).joinedload(Trainee.commune))
    ))


def enrolment_counts(course_ids: list[int]) -> dict[int, int]:
    """Active enrolments per course, in one query."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.course_id, func.count()).where(Enrolment.course_id.in_(course_ids), Enrolment.status == "enrolled").group_by(Enrolment.course_id)
    )
    return dict(rows.all())


# --- enrolment from a file ------------------------------------------------------------------

ENROL_HEADERS = {
    "personal_code": ("ma ca nhan", "ma hoc vien", "personal code", "code"),
    "full_name": HEADERS["full_name"],
    "birth_date": HEADERS["birth_date"],
    "commune": HEADERS["commune"],
}


def import_enrolments(course: Course, filename: str, content: bytes, again_reason: str = "") -> EnrolOutcome:
    """Enrol the trainees listed in a file (by personal code, or by name and birth date with
    the commune when names repeat); flushes. People already enrolled are skipped and counted,
    so an updated list adds only the new names; those who completed the programme before are
    enrolled only with `again_reason`, else left out and named. Any other bad row refuses
    the whole file.

    :raises ImportRejected: with every bad row named.
    """
    table = read_table(filename, content, ENROL_HEADERS)
    if "personal_code" not in table.columns and not {"full_name", "birth_date"} <= set(table.columns):
        raise ImportRejected([RowError(table.header_line, _("Cần cột “Mã cá nhân”, hoặc hai cột “Họ và tên” và “Ngày sinh”."))])
    district_trainees = list(db.session.scalars(select(Trainee).join(Trainee.commune).where(Unit.parent_id == course.unit_id)))
    by_code = {t.personal_code: t for t in district_trainees}
    by_name: dict[tuple, list[Trainee]] = {}
    for t in district_trainees:
        by_name.setdefault((fold(t.full_name), t.birth_date), []).append(t)

    matched, seen = [], {}  # (line, trainee or None, problem)
    for line, row in table.rows:
        cell = partial(table.cell, row)
        trainee, problem = _match_trainee(cell, by_code, by_name)
        if trainee is not None and trainee.id in seen:
            problem = _("Trùng với dòng %(line)d trong tệp", line=seen[trainee.id])
        elif trainee is not None:
            seen[trainee.id] = line
        matched.append((line, trainee, problem))
    # Each trainee's own problem, asked once for the whole file.
    candidates = [trainee for _line, trainee, problem in matched if trainee is not None and not problem]
    existing = _enrolments_of(course, [t.id for t in candidates])
    already = {t.id for t in candidates if t.id in existing and existing[t.id].status == "enrolled"}
    candidates = [t for t in candidates if t.id not in already]
    completed = completed_before(course, [t.id for t in candidates])
    left_out = [] if clean(again_reason) else [(t, completed[t.id]) for t in candidates if t.id in completed]
    skipped = already | {t.id for t, _how in left_out}
    problems = _problems(course, [t for t in candidates if t.id not in skipped], existing, again_reason, completed)
    errors, chosen = [], []
    for line, trainee, problem in matched:
        if trainee is not None and not problem and trainee.id in skipped:
            continue
        problem = problem or (problems.get(trainee.id) if trainee is not None else None)
        if problem:
            errors.append(RowError(line, problem))
        else:
            chosen.append(trainee)
    if errors:
        raise ImportRejected(errors)
    if not chosen:
        if skipped:
            return EnrolOutcome([], already=len(already), completed=left_out)
        raise ImportRejected([RowError(0, _("Tệp không có dòng dữ liệu nào."))])
    try:
        enrolled = _enrol(course, chosen, existing, completed, again_reason)
    except EnrolmentRejected as rejected:
        raise ImportRejected([RowError(0, reason) for reason in rejected.reasons]) from rejected
    audit.record("enrolment.import", course, file=filename[:120], rows=len(enrolled))
    return EnrolOutcome(enrolled, already=len(already), completed=left_out)


def _match_trainee(cell, by_code: dict, by_name: dict) -> tuple[Trainee | None, str | None]:
    code = clean(str(cell("personal_code") or "")).upper()
    if code:
        trainee = by_code.get(code)
        return (trainee, None) if trainee else (None, _("Không có học viên mã %(code)s trong huyện", code=code))
    name = clean(str(cell("full_name") or ""))
    try:
        born = parse_date(cell("birth_date"))
    except ValueError as exc:
        return None, str(exc)
    matches = by_name.get((fold(name), born), [])
    commune = clean(str(cell("commune") or ""))
    if len(matches) > 1 and commune:
        matches = [t for t in matches if commune_key(t.commune.name) == commune_key(commune)]
    if not matches:
        return None, _("Không tìm thấy học viên %(name)s, sinh ngày %(born)s trong huyện", name=name, born=born.strftime("%d/%m/%Y"))
    if len(matches) > 1:
        return None, _("Có nhiều học viên %(name)s cùng ngày sinh: hãy ghi mã cá nhân", name=name)
    return matches[0], None


# --- calendar, schedules and the dashboard --------------------------------------------------

#: how far ahead the dashboard looks for upcoming sessions and under-filled courses
DASHBOARD_DAYS = 14


def _scheduled(query: Select, unit_id: int | None = None) -> Select:
    """`query` (of sessions, or of their columns) limited to courses that are not cancelled, in
    time order; restricted to a managing unit when `unit_id` is given."""
    query = (query.join(CourseSession.course).where(Course.status != "cancelled")
             .order_by(CourseSession.starts_at, Course.code, CourseSession.id))
    return query.where(Course.unit_id == unit_id) if unit_id is not None else query


def _sessions_query(unit_id: int | None = None) -> Select:
    """_scheduled sessions with their course, its unit and their trainer loaded in the same query."""
    return _scheduled(select(CourseSession), unit_id).options(
        contains_eager(CourseSession.course).joinedload(Course.unit), joinedload(CourseSession.trainer))


def _starting_between(first: date, last: date):
    """Sessions starting on the local days `first`..`last` (inclusive)."""
    return and_(CourseSession.starts_at >= utc_at(first, time.min),
                CourseSession.starts_at < utc_at(last + timedelta(days=1), time.min))


def sessions_between(first: date, last: date, unit_id: int | None = None) -> list[CourseSession]:
    """Sessions starting on the local days `first`..`last` (inclusive), in one query."""
    return list(db.session.scalars(_sessions_query(unit_id).where(_starting_between(first, last))))


def calendar_entries(first: date, last: date, unit_id: int | None = None) -> list[CalendarEntry]:
    """What the calendar shows of the sessions starting on the local days `first`..`last`, in
    time order, read as plain rows in one query: a province's busiest week has a hundred
    sessions, and loading each as objects with its course and unit took longer than drawing
    it (bench/scale.py)."""
    columns = select(CourseSession.id, CourseSession.starts_at, CourseSession.ends_at, CourseSession.module_code,
                     CourseSession.venue, Course.id, Course.code, Course.title, Course.status,
                     Course.curriculum_code, Course.curriculum_version, Unit.name)
    query = _scheduled(columns, unit_id).join(Course.unit).where(_starting_between(first, last))
    programmes, entries = catalogue(), []
    for (session_id, starts_at, ends_at, module_code, venue, course_id, course_code, course_title, status,
         code, version, unit_name) in db.session.execute(query):
        module = programmes.module(code, version, module_code)
        entries.append(CalendarEntry(session_id, starts_at, ends_at, module_code, module.title if module else "", venue,
                                     course_id, course_code, course_title, status, unit_name))
    return entries


def course_calendar_sessions(course: Course) -> list[CourseSession]:
    """A course's sessions for its calendar file (none when the course is cancelled)."""
    return [] if course.status == "cancelled" else list(course.sessions)


def trainee_sessions(trainee_id: int) -> list[CourseSession]:
    """Sessions of the courses a trainee is enrolled in (not withdrawn, course not cancelled)."""
    query = _sessions_query().join(
        Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.trainee_id == trainee_id, Enrolment.status == "enrolled")
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
    horizon = today + timedelta(days=DASHBOARD_DAYS)
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
        .correlate(Course).scalar_subquery()
    )
    under_filled = [
        (course, count) for course, count in db.session.execute(
            courses(Course.status.in_(("draft", "open", "running")), Course.starts_on >= today, Course.starts_on <= horizon,
                    enrolled * 2 < Course.capacity).add_columns(enrolled)
        )
    ]
    not_closed = list(db.session.scalars(courses(Course.status.in_(("open", "running")), Course.ends_on < today)))
    return Dashboard(today, today_sessions, upcoming, no_sessions, under_filled, not_closed)
