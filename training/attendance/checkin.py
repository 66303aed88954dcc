"""Check-in: the hours a session takes check-ins and the lateness rule, recording a
trainee seen at a session (the session's QR on their phone, or their badge scanned by the
trainer), and the answers a check-in gives.

Services flush and never commit; the view or command that calls them commits once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from .. import audit
from ..clock import to_local, utcnow
from ..courses.models import Course, CourseSession, Enrolment
from ..extensions import db, insert_or_skip
from ..people.models import Trainee
from ..stamps import REPORT_UNIT
from ..units.models import Unit
from .identify import normalise_code
from .models import ATTENDED, Attendance, ScanLog


@dataclass(frozen=True)
class SeenTrainee:
    """Who a check-in answer names."""

    id: int
    full_name: str
    commune: str


@dataclass(frozen=True)
class SeenRecord:
    """What a check-in answer shows of the trainee's record of the session."""

    id: int
    status: str
    method: str
    #: when the trainee was seen (or, for a record set by hand with no time, when it was set)
    at: datetime


@dataclass
class CheckinResult:
    """The answer to one check-in attempt: a reason code, a message, and whom and what it is
    about if anyone. Plain values, so that an answer outlives the commit."""

    reason: str
    message: str
    trainee: SeenTrainee | None = None
    record: SeenRecord | None = None

    @property
    def ok(self) -> bool:
        return self.reason == "ok"

    def as_json(self) -> dict:
        data = {"reason": self.reason, "ok": self.ok, "message": self.message}
        if self.trainee is not None:
            data["trainee"] = {"id": self.trainee.id, "name": self.trainee.full_name, "commune": self.trainee.commune}
        if self.record is not None:
            data["status"] = self.record.status
            data["checked_in_at"] = to_local(self.record.at).strftime("%H:%M")
        return data


# --- the check-in window and lateness -------------------------------------------------------


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


def reason_labels() -> dict[str, str]:
    """A short phrase in the page's language for each scan reason code (REASONS)."""
    return {
        "ok": _("Đã ghi nhận"),
        "already_checked_in": _("Đã điểm danh trước đó"),
        "not_enrolled": _("Không có tên trong khóa học"),
        "unknown_code": _("Mã không có trong hệ thống"),
        "session_closed": _("Ngoài giờ điểm danh"),
        "invalid_token": _("Mã không hợp lệ"),
    }


# --- recording a check-in --------------------------------------------------------------------


def check_in(
    session: CourseSession,
    trainee_id: int,
    method: str,
    at: datetime | None = None,
    recorded_by_id: int | None = None,
    device: str = "",
) -> CheckinResult | None:
    """Record that a trainee was seen at a session (QR or badge); idempotent. None when no
    trainee has that id (a phone remembering one who has since been erased).

    A second check-in of the same trainee gives `already_checked_in` with the first time,
    including when two arrive at once (the unique row decides). Writes with single statements
    (no flush), see _record_checkin.
    """
    facts = _facts(_FACTS_OF_TRAINEE, _facts_parameters(session, trainee_id=trainee_id))
    if facts is None:
        return None
    return _record_checkin(session, facts, method, at or utcnow(), recorded_by_id, device)


def check_in_device(session: CourseSession, key: str, device: str = "") -> CheckinResult | None:
    """Record the trainee a phone remembers (by their device key) as seen at the session, once
    the phone's holder has confirmed it is them (QR self check-in). None when no trainee has
    that key (erased since, or never)."""
    facts = _facts(_FACTS_OF_KEY, _facts_parameters(session, key=key)) if key else None
    if facts is None:
        return None
    return _record_checkin(session, facts, "qr_self", utcnow(), None, device)


def preview_device(session: CourseSession, key: str) -> CheckinResult | None:
    """What a remembered phone is shown before anything is recorded: `confirm` (ask "is this
    you?"), or the answer a check-in would give without writing anything: already checked in,
    not in this course, check-in not open. None when no trainee has that key."""
    facts = _facts(_FACTS_OF_KEY, _facts_parameters(session, key=key)) if key else None
    if facts is None:
        return None
    trainee = SeenTrainee(facts.id, facts.full_name, facts.commune)
    return _refusal(session, facts, trainee, utcnow()) or CheckinResult("confirm", "", trainee)


def device_result(session: CourseSession, key: str) -> CheckinResult | None:
    """The phone's answer again, read back without recording anything (the result page after
    a language switch or a reload): the trainee's record of the session as it is now."""
    facts = _facts(_FACTS_OF_KEY, _facts_parameters(session, key=key)) if key else None
    if facts is None or facts.enrolment_id is None:
        return None
    trainee = SeenTrainee(facts.id, facts.full_name, facts.commune)
    if facts.record_id is None:
        return None
    if facts.status in ATTENDED:
        return _recorded(_seen(facts), trainee)
    if facts.self_scan_at is not None:
        return _kept(facts, trainee, facts.self_scan_at)
    return None


# All a check-in decides on, in one row per trainee: who they are, whether they are enrolled
# in the session's course, their record of the session, and whether the scan's nonce was seen
# before. A hall of scanners asks it for every scan, so it is one statement of plain columns
# (no ORM objects to build), built once and run with each scan's parameters.
#: a record as a check-in answers with it (see _seen)
_RECORD = (
    Attendance.id.label("record_id"),
    Attendance.status,
    Attendance.method,
    Attendance.checked_in_at,
    Attendance.recorded_at,
    Attendance.self_scan_at,
)
_FACTS = (
    select(
        Trainee.id,
        Trainee.full_name,
        Unit.name.label("commune"),
        Unit.parent_id.label("district_id"),
        Enrolment.id.label("enrolment_id"),
        *_RECORD,
        select(ScanLog.id).where(ScanLog.nonce == bindparam("nonce")).exists().label("nonce_seen"),
    )
    .join(Unit, Unit.id == Trainee.commune_id)
    .outerjoin(
        Enrolment,
        (Enrolment.trainee_id == Trainee.id)
        & (Enrolment.course_id == bindparam("course_id"))
        & (Enrolment.status == "enrolled"),
    )
    .outerjoin(Attendance, (Attendance.session_id == bindparam("session_id")) & (Attendance.trainee_id == Trainee.id))
)
_FACTS_OF_CODE = _FACTS.where(Trainee.personal_code == bindparam("code"))
_FACTS_OF_TRAINEE = _FACTS.where(Trainee.id == bindparam("trainee_id"))
_FACTS_OF_KEY = _FACTS.where(Trainee.device_key == bindparam("key"))
_ATTENDANCE = Attendance.__table__
#: a hand-set absence or excuse that a trainer's badge scan turns into a check-in, unless it
#: has become an attendance since it was read; SET from the parameters given (Core, built once)
_SCAN_WINS = update(_ATTENDANCE).where(
    _ATTENDANCE.c.id == bindparam("record_id"), _ATTENDANCE.c.status.not_in(ATTENDED)
)
#: a trainee's own scan over a hand-set absence or excuse: the mark stands, the scan is kept
#: beside it for the trainer to accept (the first scan's time, unless the mark changed since)
_SCAN_KEPT = (
    update(_ATTENDANCE)
    .where(
        _ATTENDANCE.c.id == bindparam("record_id"),
        _ATTENDANCE.c.status.not_in(ATTENDED),
        _ATTENDANCE.c.self_scan_at.is_(None),
    )
    .values(self_scan_at=bindparam("at"))
)


def _facts(statement, parameters: dict):
    """The one row of _FACTS a statement finds, or None. Run on the session's connection: a
    plain row wanted, the ORM's handling of a statement cost as much as the database's."""
    return db.session.connection().execute(statement, parameters).first()


def _facts_parameters(session: CourseSession, nonce: str | None = None, **trainee) -> dict:
    return {"session_id": session.id, "course_id": session.course_id, "nonce": nonce, **trainee}


def _record_checkin(
    session: CourseSession, facts, method: str, at: datetime, recorded_by_id: int | None, device: str
) -> CheckinResult:
    """Check the rules against `facts` (a row of _FACTS) and write the check-in.

    The facts are read without the write lock, which a hall of scanners queues for; it is
    taken only to write, and every write is guarded against what may have changed since: a new
    row is inserted unless the unique (session, trainee) row exists by then, a hand-set absence
    is changed only while it is still not an attendance. Either way the loser reports the
    winner's record.
    """
    trainee = SeenTrainee(facts.id, facts.full_name, facts.commune)
    refused = _refusal(session, facts, trainee, at)
    if refused is not None:
        return refused
    status, device = status_for(session, at), device[:64]
    # Worded before the write lock is taken, which every other scan of the hall waits for:
    # a request's first translated sentence also loads its language.
    said = _recorded_message(trainee, status, at)
    write_lock()
    written = {
        "status": status,
        "method": method,
        "checked_in_at": at,
        "recorded_at": utcnow(),
        "recorded_by_id": recorded_by_id,
        "device": device,
        "self_scan_at": None,
    }
    # the reports kept of the other districts stay valid (training/stamps.py)
    in_unit = {REPORT_UNIT: session.course.unit_id}
    if facts.record_id is not None and method == "qr_self":
        # Marked absent or excused by the trainer, then the trainee scans the session's QR:
        # the trainer's mark stands; the roster shows the scan for the trainer to accept.
        kept = db.session.execute(
            _SCAN_KEPT, {"record_id": facts.record_id, "at": at}, execution_options=in_unit
        ).rowcount
        if kept:
            audit.record_now(
                "attendance.self_scan_kept",
                Attendance.__tablename__,
                facts.record_id,
                actor_id=None,
                status=facts.status,
                at=at,
                device=device,
            )
        record = _record_of(session.id, trainee.id)
        if record is not None and record.status in ATTENDED:  # accepted or scanned meanwhile
            return _already(record, trainee)
        return _kept(facts, trainee, at if kept else (facts.self_scan_at or at))
    if facts.record_id is not None:
        # Marked absent or excused by hand earlier, then the trainer scans the badge: the
        # trainer's own act, which changes the mark.
        changed = db.session.execute(
            _SCAN_WINS, {"record_id": facts.record_id, **written}, execution_options=in_unit
        ).rowcount
        if not changed:
            return _already(_record_of(session.id, trainee.id), trainee)
        row_id, before = facts.record_id, facts.status
    else:
        row_id = db.session.execute(
            insert_or_skip(Attendance, "session_id", "trainee_id", returning="id"),
            {"session_id": session.id, "trainee_id": trainee.id, **written},
            execution_options=in_unit,
        ).scalar()
        if row_id is None:  # another scan recorded this trainee a moment ago
            return _already(_record_of(session.id, trainee.id), trainee)
        before = None
    audit.record_now(
        "attendance.checkin",
        Attendance.__tablename__,
        row_id,
        actor_id=recorded_by_id,
        before=before,
        after=status,
        method=method,
    )
    return CheckinResult("ok", said, trainee, SeenRecord(row_id, status, method, at))


def _refusal(session: CourseSession, facts, trainee: SeenTrainee, at: datetime) -> CheckinResult | None:
    """The answer to a check-in at `at` that records nothing (check-in not open, not in the
    course, already checked in), or None when it may be recorded."""
    state = checkin_state(session, at)
    if state != "open":
        return CheckinResult("session_closed", closed_message(session, state), trainee)
    if facts.enrolment_id is None:
        return CheckinResult(
            "not_enrolled", _("%(name)s không có tên trong khóa học này.", name=trainee.full_name), trainee
        )
    if facts.record_id is not None and facts.status in ATTENDED:
        return _already(_seen(facts), trainee)
    return None


def write_lock() -> None:
    """On SQLite, start the check-in's transaction with the database's write lock taken.

    pysqlite runs the check's reads outside a transaction and opens a deferred one at the
    first write. BEGIN IMMEDIATE takes the write lock up front instead, so that the writes
    (record, audit row, scan log, report stamp) are one transaction that queues for the lock
    on the busy timeout and, once it holds it, sees what a racing scan committed. PostgreSQL
    needs none of this: its unique indexes make racing inserts wait.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _seen(row) -> SeenRecord:
    return SeenRecord(row.record_id, row.status, row.method, row.checked_in_at or row.recorded_at)


def _record_of(session_id: int, trainee_id: int) -> SeenRecord | None:
    row = (
        db.session.connection()
        .execute(select(*_RECORD).where(Attendance.session_id == session_id, Attendance.trainee_id == trainee_id))
        .first()
    )
    return _seen(row) if row is not None else None


def _recorded(record: SeenRecord, trainee: SeenTrainee) -> CheckinResult:
    return CheckinResult("ok", _recorded_message(trainee, record.status, record.at), trainee, record)


def _recorded_message(trainee: SeenTrainee, status: str, at: datetime) -> str:
    when = to_local(at).strftime("%H:%M")
    if status == "late":
        return _("%(name)s: đã điểm danh lúc %(t)s (đi muộn).", name=trainee.full_name, t=when)
    return _("%(name)s: đã điểm danh lúc %(t)s (đúng giờ).", name=trainee.full_name, t=when)


def _kept(facts, trainee: SeenTrainee, at: datetime) -> CheckinResult:
    """The answer to a self-scan over the trainer's mark: the mark stands, the trainer will see it."""
    label = status_label(facts.status)
    return CheckinResult(
        "kept_manual_mark",
        _(
            "Giảng viên đã ghi %(name)s là “%(status)s” ở buổi này. Lượt quét lúc %(t)s đã được gửi để giảng viên "
            "xem lại; "
            "nếu có nhầm lẫn, hãy báo giảng viên.",
            name=trainee.full_name,
            status=label,
            t=to_local(at).strftime("%H:%M"),
        ),
        trainee,
        SeenRecord(facts.record_id, facts.status, facts.method, at),
    )


def status_label(status: str | None) -> str:
    """A status as people read it (never the code)."""
    return {"present": _("Có mặt"), "late": _("Muộn"), "absent": _("Vắng"), "excused": _("Có phép")}.get(
        status or "", _("Chưa ghi")
    )


def _already(record: SeenRecord, trainee: SeenTrainee) -> CheckinResult:
    when = to_local(record.at).strftime("%H:%M")
    return CheckinResult(
        "already_checked_in", _("%(name)s đã điểm danh lúc %(t)s.", name=trainee.full_name, t=when), trainee, record
    )


def scan_badge(
    session: CourseSession,
    code: str,
    nonce: str | None,
    scanned_at: datetime | None,
    offline: bool,
    user_id: int | None,
    device: str = "",
) -> CheckinResult:
    """Handle one badge scan from the scanner page or API; logs it; a repeated nonce gets the
    first answer again without recording anything twice. Every rule is checked on arrival;
    an offline scan is judged at its scan time, which may not lie in the future. Writes with
    single statements (no flush).

    Like check_in, it reads without the write lock: a resend racing its first attempt finds
    no log yet, then meets the first attempt's row and log in the unique indexes, and gets
    its answer from there.
    """
    canonical, device = normalise_code(code), device[:64]
    facts = _facts(_FACTS_OF_CODE, _facts_parameters(session, nonce, code=canonical)) if canonical else None
    # Without facts (a code of nobody) the scan writes only its log, whose insert meets a
    # repeated nonce in the unique index: no need to ask first.
    if facts is not None and facts.nonce_seen:
        return _replay(nonce, user_id)
    now = utcnow()
    at = min(scanned_at, now) if (offline and scanned_at) else now
    if facts is not None and facts.enrolment_id is None and facts.district_id != session.course.unit_id:
        # Someone of another area: the scanner learns nothing of them, not even in its log.
        facts = None
        result = _not_in_course()
    elif canonical is None:
        result = CheckinResult("invalid_token", _("Mã vừa quét không phải mã học viên."))
    elif facts is None:
        result = CheckinResult("unknown_code", _("Không có học viên nào mang mã %(code)s.", code=canonical))
    else:
        result = _record_checkin(session, facts, "qr_badge", at, user_id, device)
    write_lock()  # taken already if the scan wrote a record; a refused scan's log still needs it
    logged = (
        db.session.connection()
        .execute(
            insert_or_skip(ScanLog, "nonce", returning="id"),
            {
                "nonce": nonce or None,
                "session_id": session.id,
                "code": (code or "")[:64],
                "reason": result.reason,
                "trainee_id": facts.id if facts is not None else None,
                "scanned_at": at,
                "offline": offline,
                "user_id": user_id,
                "device": device,
            },
        )
        .scalar()
    )
    if logged is None:  # the same nonce arrived twice at once; the other request's answer stands
        return _replay(nonce, user_id)
    return result


def recent_scans(session: CourseSession, limit: int = 500) -> list[ScanLog]:
    """The session's scan log, newest first, with the trainee each scan named."""
    return db.session.scalars(
        select(ScanLog)
        .options(joinedload(ScanLog.trainee))
        .where(ScanLog.session_id == session.id)
        .order_by(ScanLog.received_at.desc())
        .limit(limit)
    ).all()


def _not_in_course() -> CheckinResult:
    """The answer for a code of someone the scanner may not see: no name, id or commune."""
    return CheckinResult("not_enrolled", _("Người mang mã này không có tên trong khóa học này."))


def _replay(nonce: str, user_id: int | None) -> CheckinResult:
    """The answer a scan with this nonce got the first time; only to the user who sent it (a
    nonce is no secret once logged, and another user's resend must learn nothing from it)."""
    log = db.session.scalar(
        select(ScanLog).options(joinedload(ScanLog.trainee).joinedload(Trainee.commune)).where(ScanLog.nonce == nonce)
    )
    if log.user_id != user_id:
        return CheckinResult("invalid_token", _("Lần quét này đã được xử lý trước đó."))
    trainee = SeenTrainee(log.trainee.id, log.trainee.full_name, log.trainee.commune.name) if log.trainee else None
    record = _record_of(log.session_id, log.trainee_id) if log.trainee_id else None
    if log.reason == "ok" and record is not None:
        return _recorded(record, trainee)
    if log.reason == "already_checked_in" and record is not None:
        return _already(record, trainee)
    return CheckinResult(log.reason, _("Lần quét này đã được xử lý trước đó."), trainee, record)


def checked_in_count(session: CourseSession) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Attendance)
            .where(Attendance.session_id == session.id, Attendance.status.in_(ATTENDED))
        )
        or 0
    )
