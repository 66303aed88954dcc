"""Enrolling trainees in a course: by choice, by filter or from a file, and withdrawing them.

Services flush and never commit; the view or command that calls them commits once.
"""

from dataclasses import dataclass, field
from functools import partial

from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.orm import aliased, joinedload

from .. import audit
from ..extensions import db
from ..people import group_label
from ..people.list_reader import HEADERS, ImportRejected, RowError, commune_key, parse_date, read_table
from ..people.models import Trainee, User
from ..people.services import NAMES_PER_QUERY
from ..units.models import Unit
from ..units.services import communes_of
from ..vietnamese import clean, fold
from .models import Course, CourseSession, Enrolment
from .planning import describe_session
from .services import CourseError, enrolment_counts

# --- enrolment ------------------------------------------------------------------------------


def _trainee_clashes(course: Course, trainee_ids: list[int]) -> dict[int, str]:
    """For each of these trainees enrolled in another course with a session that overlaps one
    of this course's, a description of the earliest such session; one query."""
    if not trainee_ids:
        return {}
    mine = aliased(CourseSession)
    rows = db.session.execute(
        select(Enrolment.trainee_id, CourseSession)
        .join(
            Enrolment,
            and_(
                Enrolment.course_id == CourseSession.course_id,
                Enrolment.trainee_id.in_(trainee_ids),
                Enrolment.status == "enrolled",
            ),
        )
        .join(Course, Course.id == CourseSession.course_id)
        .join(
            mine,
            and_(
                mine.course_id == course.id,
                mine.starts_at < CourseSession.ends_at,
                mine.ends_at > CourseSession.starts_at,
            ),
        )
        .where(CourseSession.course_id != course.id, Course.status != "cancelled")
        .order_by(CourseSession.starts_at, CourseSession.id)
    ).all()
    clashes: dict[int, str] = {}
    for trainee_id, session in rows:
        clashes.setdefault(trainee_id, describe_session(session))
    return clashes


def completed_before(course: Course, trainee_ids: list[int]) -> dict[int, str]:
    """trainee id → how they already completed the course's programme (any version): the
    serial and course of a valid certificate of it from another course; one query."""
    # Certificates live in a later domain; read them by table so courses stays below it.
    table = db.metadata.tables.get("certificate")
    if table is None or not trainee_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.trainee_id, table.c.serial, Course.code)
        .join(table, table.c.enrolment_id == Enrolment.id)
        .join(Course, Course.id == Enrolment.course_id)
        .where(
            Enrolment.trainee_id.in_(trainee_ids),
            Enrolment.course_id != course.id,
            Course.curriculum_code == course.curriculum_code,
            table.c.copy_number == 0,
            table.c.revoked_at.is_(None),
        )
        .order_by(table.c.issued_at)
    )
    found: dict[int, str] = {}
    for trainee_id, serial, code in rows:
        found.setdefault(trainee_id, _("GCN %(serial)s, khóa %(course)s", serial=serial, course=code))
    return found


def _problems(
    course: Course,
    trainees: list[Trainee],
    existing: dict[int, Enrolment],
    again_reason: str = "",
    completed: dict[int, str] | None = None,
) -> dict[int, str]:
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
            problems[trainee.id] = _(
                "%(name)s (%(commune)s) không thuộc %(area)s, địa bàn của khóa học.",
                name=trainee.full_name,
                commune=trainee.commune.name,
                area=course.area.name,
            )
        elif trainee.group not in curriculum.groups:
            problems[trainee.id] = _(
                "%(name)s thuộc nhóm đối tượng khác: chương trình %(code)s dành cho %(groups)s.",
                name=trainee.full_name,
                code=curriculum.code,
                groups="; ".join(group_label(g) for g in curriculum.groups),
            )
        elif trainee.id in existing and existing[trainee.id].status == "enrolled":
            problems[trainee.id] = _("%(name)s đã ghi danh khóa học này.", name=trainee.full_name)
        elif trainee.id in clashes:
            problems[trainee.id] = _(
                "%(name)s đã ghi danh %(clash)s, trùng giờ với khóa học này.",
                name=trainee.full_name,
                clash=clashes[trainee.id],
            )
        elif trainee.id in completed and not clean(again_reason):
            problems[trainee.id] = _(
                "%(name)s đã hoàn thành chương trình %(code)s (%(what)s): ghi lý do học lại để ghi danh.",
                name=trainee.full_name,
                code=curriculum.code,
                what=completed[trainee.id],
            )
    return problems


def _enrolments_of(course: Course, trainee_ids: list[int]) -> dict[int, Enrolment]:
    """These trainees' enrolments (current or withdrawn) in the course, by trainee id."""
    if not trainee_ids:
        return {}
    return {
        e.trainee_id: e
        for e in db.session.scalars(
            select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.trainee_id.in_(trainee_ids))
        )
    }


def enrol_many(
    course: Course, trainees: list[Trainee], again_reason: str = "", by: User | None = None
) -> list[Enrolment]:
    """Enrol several trainees, all or none; someone who already completed the programme only
    with `again_reason`, which the audit trail keeps; `by` is the user enrolling them (None: a
    command). Flushes.

    :raises EnrolmentRejected: with one reason per refused trainee, or the capacity shortfall.
    """
    existing = _enrolments_of(course, [t.id for t in trainees])
    completed = completed_before(course, [t.id for t in trainees])
    problems = _problems(course, trainees, existing, again_reason, completed)
    if problems:
        raise EnrolmentRejected([problems[t.id] for t in trainees if t.id in problems])
    return _enrol(course, trainees, existing, completed, again_reason, by)


def _enrol(
    course: Course,
    trainees: list[Trainee],
    existing: dict[int, Enrolment],
    completed: dict[int, str] | None = None,
    again_reason: str = "",
    by: User | None = None,
) -> list[Enrolment]:
    """enrol_many once each trainee's problems are known to be none: the capacity, then the
    rows (`existing`: the trainees' enrolments in the course, _enrolments_of), and the
    reason for each who trains again (`completed`, completed_before) in the audit trail."""
    free = course.capacity - enrolment_counts([course.id]).get(course.id, 0)
    if len(trainees) > free:
        raise EnrolmentRejected(
            [
                _(
                    "Khóa học còn %(free)d chỗ, không đủ cho %(n)d học viên (tối đa %(cap)d).",
                    free=max(free, 0),
                    n=len(trainees),
                    cap=course.capacity,
                )
            ]
        )
    enrolments = []
    for trainee in trainees:
        enrolment = existing.get(trainee.id)
        if enrolment is None:
            enrolment = Enrolment(course=course, trainee=trainee)
            db.session.add(enrolment)
        enrolment.status, enrolment.withdraw_reason = "enrolled", ""
        enrolment.commune_id = trainee.commune_id
        enrolment.enrolled_by_id = by.id if by is not None else None
        enrolments.append(enrolment)
    db.session.flush()
    for enrolment in enrolments:
        if enrolment.trainee_id in (completed or {}):
            audit.record(
                "enrolment.again",
                enrolment,
                trainee=enrolment.trainee.full_name,
                completed=completed[enrolment.trainee_id],
                reason=clean(again_reason),
            )
    return enrolments


class EnrolmentRejected(CourseError):
    """Enrolment refused as a whole; `reasons` lists each problem."""


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


def enrol_by_filter(
    course: Course, commune_id: int | None, group: str | None, again_reason: str = "", by: User | None = None
) -> EnrolOutcome:
    """Enrol everyone eligible_by_filter finds, as enrol_many does for `by`; those who completed
    the programme before only with `again_reason`, else they are left out and named. Flushes.

    :raises EnrolmentRejected: a clash or the capacity (nobody is enrolled then).
    """
    trainees = eligible_by_filter(course, commune_id, group)
    completed = completed_before(course, [t.id for t in trainees])
    left_out = [] if clean(again_reason) else [(t, completed[t.id]) for t in trainees if t.id in completed]
    left_ids = {t.id for t, _how in left_out}
    chosen = [t for t in trainees if t.id not in left_ids]
    if not chosen:
        return EnrolOutcome([], completed=left_out)
    return EnrolOutcome(enrol_many(course, chosen, again_reason, by), completed=left_out)


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
        select(Trainee)
        .join(Trainee.commune)
        .where(
            Unit.parent_id == course.unit_id, Trainee.group.in_(course.curriculum.groups), Trainee.id.not_in(enrolled)
        )
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
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.course_id == course.id)
            .options(joinedload(Enrolment.trainee).joinedload(Trainee.commune))
        )
    )


# --- enrolment from a file ------------------------------------------------------------------

ENROL_HEADERS = {
    "personal_code": ("ma ca nhan", "ma hoc vien", "personal code", "code"),
    "full_name": HEADERS["full_name"],
    "birth_date": HEADERS["birth_date"],
    "commune": HEADERS["commune"],
}


def import_enrolments(
    course: Course, filename: str, content: bytes, again_reason: str = "", by: User | None = None
) -> EnrolOutcome:
    """Enrol, as `by` (enrol_many), the trainees listed in a file (by personal code, or by name and birth date with
    the commune when names repeat); flushes. People already enrolled are skipped and counted,
    so an updated list adds only the new names; those who completed the programme before are
    enrolled only with `again_reason`, else left out and named. Any other bad row refuses
    the whole file.

    :raises ImportRejected: with every bad row named.
    """
    table = read_table(filename, content, ENROL_HEADERS)
    if "personal_code" not in table.columns and not {"full_name", "birth_date"} <= set(table.columns):
        raise ImportRejected(
            [RowError(table.header_line, _("Cần cột “Mã cá nhân”, hoặc hai cột “Họ và tên” và “Ngày sinh”."))]
        )
    listed = _listed_trainees(course, table)
    by_code = {t.personal_code: t for t in listed}
    by_name: dict[tuple, list[Trainee]] = {}
    for t in listed:
        by_name.setdefault((t.name_folded, t.birth_date), []).append(t)

    place = course.unit.name
    matched, seen = [], {}  # (line, trainee or None, problem)
    for line, row in table.rows:
        cell = partial(table.cell, row)
        trainee, problem = _match_trainee(cell, by_code, by_name, place)
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
        enrolled = _enrol(course, chosen, existing, completed, again_reason, by)
    except EnrolmentRejected as rejected:
        raise ImportRejected([RowError(0, reason) for reason in rejected.reasons]) from rejected
    audit.record("enrolment.import", course, file=filename[:120], rows=len(enrolled))
    return EnrolOutcome(enrolled, already=len(already), completed=left_out)


def _listed_trainees(course: Course, table) -> list[Trainee]:
    """The trainees of the course's unit whose personal code or folded name the file lists,
    NAMES_PER_QUERY at a time: reading every trainee of the unit read a province's 50,000 for a
    list of thirty."""
    codes = {clean(str(table.cell(row, "personal_code") or "")).upper() for _line, row in table.rows} - {""}
    names = {fold(clean(str(table.cell(row, "full_name") or ""))) for _line, row in table.rows} - {""}
    found = {}
    for column, values in ((Trainee.personal_code, sorted(codes)), (Trainee.name_folded, sorted(names))):
        for start in range(0, len(values), NAMES_PER_QUERY):
            query = (
                select(Trainee)
                .join(Trainee.commune)
                .where(Unit.parent_id == course.unit_id, column.in_(values[start : start + NAMES_PER_QUERY]))
            )
            found.update((t.id, t) for t in db.session.scalars(query))
    return list(found.values())


def _match_trainee(cell, by_code: dict, by_name: dict, place: str) -> tuple[Trainee | None, str | None]:
    code = clean(str(cell("personal_code") or "")).upper()
    if code:
        trainee = by_code.get(code)
        return (
            (trainee, None)
            if trainee
            else (None, _("Không có học viên mã %(code)s trong %(place)s", code=code, place=place))
        )
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
        return None, _(
            "Không tìm thấy học viên %(name)s, sinh ngày %(born)s trong %(place)s",
            name=name,
            place=place,
            born=born.strftime("%d/%m/%Y"),
        )
    if len(matches) > 1:
        return None, _("Có nhiều học viên %(name)s cùng ngày sinh: hãy ghi mã cá nhân", name=name)
    return matches[0], None
