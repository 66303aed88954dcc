"""Planning a course's sessions: packing its programme into half-day slots with their breaks,
generating, editing and splitting sessions, and the clashes of trainers, venues and trainees.

Services flush and never commit; the view or command that calls them commits once.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from ..clock import local_today, to_local, utc_at
from ..curricula.catalogue import PERIOD_MINUTES, Curriculum
from ..extensions import db
from ..people.models import Trainee, User
from ..vietnamese import clean, fold
from .calendar import weekday_name
from .models import Course, CourseSession, Enrolment
from .services import ConflictError, CourseError, check_trainers, sync_dates

PERIOD = timedelta(minutes=PERIOD_MINUTES)
#: the break (nghỉ giải lao) planned in the middle of every half-day slot
BREAK_MINUTES = 15
BREAK = timedelta(minutes=BREAK_MINUTES)


def session_warnings(session: CourseSession, today: date | None = None) -> list[str]:
    """What a trainer should notice about a session just saved: on a Sunday, or in the past."""
    today = today or local_today()
    day = to_local(session.starts_at).date()
    warnings = []
    if day.weekday() == 6:
        warnings.append(_("Lưu ý: buổi học ngày %(d)s rơi vào Chủ nhật.", d=day.strftime("%d/%m/%Y")))
    if day < today:
        warnings.append(
            _(
                "Lưu ý: ngày %(d)s đã qua; kiểm tra lại nếu đây không phải là ghi bù một buổi đã học.",
                d=day.strftime("%d/%m/%Y"),
            )
        )
    return warnings


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
    Saturdays/Sundays are skipped as the course says. Every slot of two periods or more has a
    15-minute break after about half of its periods (slot_layout); a session across it ends
    that much later.
    """
    slots = [(course.morning_start, course.morning_end), (course.afternoon_start, course.afternoon_end)]
    layouts = [slot_layout(a, b) for a, b in slots]
    if not any(periods for periods, _before in layouts):
        raise CourseError(_("Buổi học quá ngắn để dạy một tiết (45 phút)."))
    planned: list[PlannedSession] = []
    day, slot, used = course.starts_on, 0, 0

    def skip_closed_days(d: date) -> date:
        while (d.weekday() == 6 and course.skip_sundays) or (d.weekday() == 5 and course.skip_saturdays):
            d += timedelta(days=1)
        return d

    def at(periods: int, starting: bool) -> datetime:
        # A session starting right at the break starts after it; one ending there ends before it.
        before = layouts[slot][1]
        past_break = periods >= before if starting else periods > before
        return datetime.combine(day, slots[slot][0]) + periods * PERIOD + (BREAK if past_break else timedelta())

    day = skip_closed_days(day)
    for module in curriculum.modules:
        remaining = module.periods
        while remaining:
            room = layouts[slot][0] - used
            # A module starts in a fresh slot unless it fits whole in what is left of this one,
            # so nobody teaches one stray period of a topic before lunch.
            starting_midway = remaining == module.periods and used > 0 and remaining > room
            if room <= 0 or starting_midway:
                slot, used = slot + 1, 0
                if slot == len(slots):
                    day, slot = skip_closed_days(day + timedelta(days=1)), 0
                continue
            take = min(room, remaining)
            planned.append(PlannedSession(module.code, day, at(used, True).time(), at(used + take, False).time(), take))
            used += take
            remaining -= take
    return planned


def _minutes(start: time, end: time) -> int:
    return int((datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() // 60)


def _slot_periods(start: time, end: time) -> int:
    return max(0, _minutes(start, end) // PERIOD_MINUTES)


def slot_layout(start: time, end: time) -> tuple[int, int]:
    """(periods, periods before the break) of a half-day slot. A slot that holds two periods
    besides a 15-minute break has one, after about half of its periods: 07:30–11:30 teaches 5
    periods with the break at 09:45–10:00, 13:30–17:00 teaches 4 with the break at 15:00–15:15.
    A shorter slot has no break (periods before it: all of them)."""
    with_break = (_minutes(start, end) - BREAK_MINUTES) // PERIOD_MINUTES
    if with_break >= 2:
        return with_break, (with_break + 1) // 2
    periods = _slot_periods(start, end)
    return periods, periods


def session_break(session: CourseSession) -> tuple[datetime, datetime] | None:
    """Where a session's break falls (local start and end), or None: a session lasting no
    longer than its periods has none (sessions planned before breaks were, among them). The
    break is its course's slot break when the session spans it at a period's end, else after
    half its periods."""
    start, end = to_local(session.starts_at), to_local(session.ends_at)
    spare = (end - start) - session.periods * PERIOD
    if spare < timedelta(minutes=5) or session.periods < 2:
        return None
    course = session.course
    for first, last in ((course.morning_start, course.morning_end), (course.afternoon_start, course.afternoon_end)):
        if first <= start.time() < last:
            point = datetime.combine(start.date(), first, start.tzinfo) + slot_layout(first, last)[1] * PERIOD
            if start < point < end - spare and (point - start) % PERIOD == timedelta():
                return point, point + spare
    point = start + (session.periods + 1) // 2 * PERIOD
    return point, point + spare


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
            clashes.append(
                _(
                    "Ngày bắt đầu gần nhất xếp được cả lịch mà không trùng: %(day)s (%(weekday)s). "
                    "Hãy đổi “Ngày bắt đầu” của khóa học sang ngày đó rồi lập lịch lại.",
                    day=free.strftime("%d/%m/%Y"),
                    weekday=weekday_name(free),
                )
            )
        raise ConflictError(clashes)
    sync_dates(course)
    db.session.flush()
    return created


def _lay_out(course: Course, trainer: User | None) -> list[CourseSession]:
    """The course's sessions from plan_sessions, added and flushed."""
    created = []
    for plan in plan_sessions(course, course.curriculum):
        session = CourseSession(
            module_code=plan.module_code,
            starts_at=utc_at(plan.day, plan.start),
            ends_at=utc_at(plan.day, plan.end),
            periods=plan.periods,
            venue=course.venue,
            trainer=trainer,
        )
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
            if (course.starts_on.weekday() == 6 and course.skip_sundays) or (
                course.starts_on.weekday() == 5 and course.skip_saturdays
            ):
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


def save_session(
    course: Course,
    session: CourseSession | None,
    module_code: str,
    day: date,
    start: time,
    end: time,
    venue: str,
    trainer_id: int | None,
    periods: int | None = None,
) -> CourseSession:
    """Add (session=None) or change a session (move, re-time, other venue or trainer); flushes.

    :raises ConflictError: the new time clashes, with the clash named.
    :raises CourseError: unknown module, end before start, trainer of another unit.
    """
    curriculum = course.curriculum
    if curriculum.module(module_code) is None:
        raise CourseError(_("Chuyên đề %(code)s không thuộc chương trình.", code=module_code))
    if end <= start:
        raise CourseError(_("Giờ kết thúc phải sau giờ bắt đầu."))
    trainer = check_trainers(course.unit_id, [trainer_id])[0] if trainer_id is not None else None
    if session is None:
        session = CourseSession(course=course)
        db.session.add(session)
    session.module_code = module_code
    session.starts_at, session.ends_at = utc_at(day, start), utc_at(day, end)
    session.periods = periods if periods else max(1, _slot_periods(start, end))
    session.venue = clean(venue) or course.venue
    # the relationship, not just the id, so a clash message names the new trainer
    session.trainer = trainer
    db.session.flush()
    check_conflicts([session])
    db.session.refresh(course)
    sync_dates(course)
    db.session.flush()
    return session


def split_session(session: CourseSession, first_periods: int) -> tuple[CourseSession, CourseSession]:
    """Split a session into two of the same module at a period boundary; flushes.

    :raises CourseError: the split point is not inside the session.
    """
    if not 0 < first_periods < session.periods:
        raise CourseError(_("Tách buổi học: phần đầu phải có từ 1 đến %(n)d tiết.", n=session.periods - 1))
    middle = session.starts_at + first_periods * PERIOD
    second_start = middle
    pause = session_break(session)
    if pause:
        # The break stays where it was: in the half it falls in, or between the two halves.
        local_middle, spare = to_local(middle), pause[1] - pause[0]
        if local_middle > pause[0]:
            middle = second_start = middle + spare
        elif local_middle == pause[0]:
            second_start = middle + spare
    second = CourseSession(
        course_id=session.course_id,
        module_code=session.module_code,
        starts_at=second_start,
        ends_at=session.ends_at,
        periods=session.periods - first_periods,
        venue=session.venue,
        trainer_id=session.trainer_id,
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
    if (
        table is not None
        and db.session.execute(select(table.c.id).where(table.c.session_id == session.id).limit(1)).first()
    ):
        raise CourseError(_("Buổi học đã có điểm danh, không thể xóa."))
    course = session.course
    course.sessions.remove(session)
    db.session.flush()
    sync_dates(course)


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


def describe_session(session: CourseSession) -> str:
    start = to_local(session.starts_at)
    return _(
        "buổi %(module)s của khóa %(course)s (%(day)s, %(start)s–%(end)s)",
        module=session.module_code,
        course=session.course.code,
        day=start.strftime("%d/%m/%Y"),
        start=start.strftime("%H:%M"),
        end=to_local(session.ends_at).strftime("%H:%M"),
    )


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
        select(mine.id, other)
        .join(Course, Course.id == other.course_id)
        .join(
            mine,
            and_(mine.id.in_(ids), other.starts_at < mine.ends_at, other.ends_at > mine.starts_at, other.id != mine.id),
        )
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
        .join(
            ours,
            and_(ours.trainee_id == theirs.trainee_id, ours.course_id == mine.course_id, ours.status == "enrolled"),
        )
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
                add(
                    _(
                        "Giảng viên %(name)s đã có lịch dạy trùng giờ: %(clash)s.",
                        name=session.trainer.full_name if session.trainer else "",
                        clash=describe_session(clash),
                    )
                )
        venue = fold(session.venue)
        clash = next((o for o in others if fold(o.venue) == venue), None)
        if clash is not None:
            add(
                _(
                    "Địa điểm “%(venue)s” đã được dùng trùng giờ: %(clash)s.",
                    venue=session.venue,
                    clash=describe_session(clash),
                )
            )
        if session.id in shared:
            clash, trainee = shared[session.id]
            add(
                _(
                    "Học viên %(name)s đã ghi danh %(clash)s, trùng giờ với buổi này.",
                    name=trainee.full_name,
                    clash=describe_session(clash),
                )
            )
    return found
