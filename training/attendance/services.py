"""Use cases for attendance: QR and badge check-in, the manual roster, attendance shares.

Services flush and never commit; the view or command that calls them commits once.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import contains_eager, joinedload

from .. import audit
from ..audit import AuditEvent
from ..clock import to_local, utcnow
from ..courses.models import Course, CourseSession, Enrolment
from ..extensions import db, insert_or_skip
from ..people.models import CODE_ALPHABET, Trainee
from ..stamps import REPORT_UNIT
from ..units.models import Unit
from .models import STATUSES, Attendance, ScanLog

ATTENDED = ("present", "late")


class AttendanceError(Exception):
    """An attendance operation that cannot be done; the message is for the user."""


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
    minutes = current_app.config.get("CHECKIN_OPENS_MINUTES_BEFORE", 15)
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


def _closed_message(session: CourseSession, state: str) -> str:
    if state == "not_open":
        return _("Khóa học chưa mở nên chưa điểm danh được.")
    if state == "not_yet":
        return _("Buổi học chưa mở điểm danh (mở từ %(t)s ngày %(d)s).", t=to_local(checkin_opens_at(session)).strftime("%H:%M"),
                 d=to_local(session.starts_at).strftime("%d/%m/%Y"))
    return _("Buổi học đã kết thúc điểm danh.")


def open_session_ids(at: datetime | None = None) -> list[int]:
    """The sessions taking check-ins at a (naive UTC) moment, as checkin_state would say
    'open' of each: what a short code typed on /c may belong to (a handful at any time)."""
    at = at or utcnow()
    opens_before = timedelta(minutes=current_app.config.get("CHECKIN_OPENS_MINUTES_BEFORE", 15))
    return list(db.session.scalars(
        select(CourseSession.id).join(Course, Course.id == CourseSession.course_id)
        .where(Course.status.in_(CHECKIN_COURSE_STATUSES), CourseSession.starts_at <= at + opens_before,
               CourseSession.ends_at >= at)
    ))


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

def check_in(session: CourseSession, trainee_id: int, method: str, at: datetime | None = None,
             recorded_by_id: int | None = None, device: str = "") -> CheckinResult | None:
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
_RECORD = (Attendance.id.label("record_id"), Attendance.status, Attendance.method, Attendance.checked_in_at,
           Attendance.recorded_at, Attendance.self_scan_at)
_FACTS = (
    select(Trainee.id, Trainee.full_name, Unit.name.label("commune"), Unit.parent_id.label("district_id"),
           Enrolment.id.label("enrolment_id"), *_RECORD,
           select(ScanLog.id).where(ScanLog.nonce == bindparam("nonce")).exists().label("nonce_seen"))
    .join(Unit, Unit.id == Trainee.commune_id)
    .outerjoin(Enrolment, (Enrolment.trainee_id == Trainee.id) & (Enrolment.course_id == bindparam("course_id"))
               & (Enrolment.status == "enrolled"))
    .outerjoin(Attendance, (Attendance.session_id == bindparam("session_id")) & (Attendance.trainee_id == Trainee.id))
)
_FACTS_OF_CODE = _FACTS.where(Trainee.personal_code == bindparam("code"))
_FACTS_OF_TRAINEE = _FACTS.where(Trainee.id == bindparam("trainee_id"))
_FACTS_OF_KEY = _FACTS.where(Trainee.device_key == bindparam("key"))
_ATTENDANCE = Attendance.__table__
#: a hand-set absence or excuse that a trainer's badge scan turns into a check-in, unless it
#: has become an attendance since it was read; SET from the parameters given (Core, built once)
_SCAN_WINS = update(_ATTENDANCE).where(_ATTENDANCE.c.id == bindparam("record_id"), _ATTENDANCE.c.status.not_in(ATTENDED))
#: a trainee's own scan over a hand-set absence or excuse: the mark stands, the scan is kept
#: beside it for the trainer to accept (the first scan's time, unless the mark changed since)
_SCAN_KEPT = (update(_ATTENDANCE).where(_ATTENDANCE.c.id == bindparam("record_id"), _ATTENDANCE.c.status.not_in(ATTENDED),
                                        _ATTENDANCE.c.self_scan_at.is_(None))
              .values(self_scan_at=bindparam("at")))


def _facts(statement, parameters: dict):
    """The one row of _FACTS a statement finds, or None. Run on the session's connection: a
    plain row wanted, the ORM's handling of a statement cost as much as the database's."""
    return db.session.connection().execute(statement, parameters).first()


def _facts_parameters(session: CourseSession, nonce: str | None = None, **trainee) -> dict:
    return {"session_id": session.id, "course_id": session.course_id, "nonce": nonce, **trainee}


def _record_checkin(session: CourseSession, facts, method: str, at: datetime, recorded_by_id: int | None,
                    device: str) -> CheckinResult:
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
    _write_lock()
    written = {"status": status, "method": method, "checked_in_at": at, "recorded_at": utcnow(),
               "recorded_by_id": recorded_by_id, "device": device, "self_scan_at": None}
    # the reports kept of the other districts stay valid (training/stamps.py)
    in_unit = {REPORT_UNIT: session.course.unit_id}
    if facts.record_id is not None and method == "qr_self":
        # Marked absent or excused by the trainer, then the trainee scans the session's QR:
        # the trainer's mark stands; the roster shows the scan for the trainer to accept.
        kept = db.session.execute(_SCAN_KEPT, {"record_id": facts.record_id, "at": at}, execution_options=in_unit).rowcount
        if kept:
            audit.record_now("attendance.self_scan_kept", Attendance.__tablename__, facts.record_id, actor_id=None,
                             status=facts.status, at=at, device=device)
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
        row_id = db.session.execute(insert_or_skip(Attendance, "session_id", "trainee_id", returning="id"),
                                    {"session_id": session.id, "trainee_id": trainee.id, **written},
                                    execution_options=in_unit).scalar()
        if row_id is None:  # another scan recorded this trainee a moment ago
            return _already(_record_of(session.id, trainee.id), trainee)
        before = None
    audit.record_now("attendance.checkin", Attendance.__tablename__, row_id, actor_id=recorded_by_id, before=before,
                     after=status, method=method)
    return CheckinResult("ok", said, trainee, SeenRecord(row_id, status, method, at))


def _refusal(session: CourseSession, facts, trainee: SeenTrainee, at: datetime) -> CheckinResult | None:
    """The answer to a check-in at `at` that records nothing (check-in not open, not in the
    course, already checked in), or None when it may be recorded."""
    state = checkin_state(session, at)
    if state != "open":
        return CheckinResult("session_closed", _closed_message(session, state), trainee)
    if facts.enrolment_id is None:
        return CheckinResult("not_enrolled", _("%(name)s không có tên trong khóa học này.", name=trainee.full_name), trainee)
    if facts.record_id is not None and facts.status in ATTENDED:
        return _already(_seen(facts), trainee)
    return None


def _write_lock() -> None:
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
    row = db.session.connection().execute(
        select(*_RECORD).where(Attendance.session_id == session_id, Attendance.trainee_id == trainee_id)
    ).first()
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
    return CheckinResult("kept_manual_mark", _(
        "Giảng viên đã ghi %(name)s là “%(status)s” ở buổi này. Lượt quét lúc %(t)s đã được gửi để giảng viên xem lại; "
        "nếu có nhầm lẫn, hãy báo giảng viên.", name=trainee.full_name, status=label, t=to_local(at).strftime("%H:%M")),
        trainee, SeenRecord(facts.record_id, facts.status, facts.method, at))


def status_label(status: str | None) -> str:
    """A status as people read it (never the code)."""
    return {"present": _("Có mặt"), "late": _("Muộn"), "absent": _("Vắng"), "excused": _("Có phép")}.get(status or "", _("Chưa ghi"))


def _already(record: SeenRecord, trainee: SeenTrainee) -> CheckinResult:
    when = to_local(record.at).strftime("%H:%M")
    return CheckinResult("already_checked_in", _("%(name)s đã điểm danh lúc %(t)s.", name=trainee.full_name, t=when),
                         trainee, record)


def normalise_code(text: str) -> str | None:
    """A scanned or typed personal code in canonical form, or None if it cannot be one."""
    code = "".join((text or "").split()).upper()
    if not 6 <= len(code) <= 16 or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def scan_badge(session: CourseSession, code: str, nonce: str | None, scanned_at: datetime | None, offline: bool,
               user_id: int | None, device: str = "") -> CheckinResult:
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
    _write_lock()  # taken already if the scan wrote a record; a refused scan's log still needs it
    logged = db.session.connection().execute(insert_or_skip(ScanLog, "nonce", returning="id"), {
        "nonce": nonce or None, "session_id": session.id, "code": (code or "")[:64], "reason": result.reason,
        "trainee_id": facts.id if facts is not None else None, "scanned_at": at, "offline": offline, "user_id": user_id,
        "device": device,
    }).scalar()
    if logged is None:  # the same nonce arrived twice at once; the other request's answer stands
        return _replay(nonce, user_id)
    return result


def _not_in_course() -> CheckinResult:
    """The answer for a code of someone the scanner may not see: no name, id or commune."""
    return CheckinResult("not_enrolled", _("Người mang mã này không có tên trong khóa học này."))


def _replay(nonce: str, user_id: int | None) -> CheckinResult:
    """The answer a scan with this nonce got the first time; only to the user who sent it (a
    nonce is no secret once logged, and another user's resend must learn nothing from it)."""
    log = db.session.scalar(select(ScanLog).options(joinedload(ScanLog.trainee).joinedload(Trainee.commune))
                            .where(ScanLog.nonce == nonce))
    if log.user_id != user_id:
        return CheckinResult("invalid_token", _("Lần quét này đã được xử lý trước đó."))
    trainee = SeenTrainee(log.trainee.id, log.trainee.full_name, log.trainee.commune.name) if log.trainee else None
    record = _record_of(log.session_id, log.trainee_id) if log.trainee_id else None
    if log.reason == "ok" and record is not None:
        return _recorded(record, trainee)
    if log.reason == "already_checked_in" and record is not None:
        return _already(record, trainee)
    return CheckinResult(log.reason, _("Lần quét này đã được xử lý trước đó."), trainee, record)


@dataclass(frozen=True)
class Identification:
    """Who a phone's answers name: the trainee (enrolled in the session's course), or why not:
    `no_match` (no trainee has that code or phone with that birth date) or `not_in_course`
    (one has, but is not in this course: both secrets were right, so saying so tells nothing
    that was not known)."""

    trainee: Trainee | None
    reason: str


def normalise_phone(text: str) -> str | None:
    """A typed phone number as the digits a trainee's record holds: spaces, dots, dashes and
    brackets dropped, "+84"/"84" read as the leading 0. None if it cannot be a phone number."""
    digits = "".join(ch for ch in (text or "") if ch not in " .-()")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits if digits.isdigit() and 9 <= len(digits) <= 11 else None


def _stored_phone():
    """Trainee.phone without the separators a record may have been typed with."""
    column = Trainee.phone
    for ch in (" ", ".", "-"):
        column = func.replace(column, ch, "")
    return column


def identify_trainee(session: CourseSession, code_or_phone: str, birth_date) -> Identification:
    """The trainee of the session's course with this personal code (or phone number) and birth
    date. A code is tried first, then the phone number; two trainees sharing a phone and a birth
    date are no answer."""
    code = normalise_code(code_or_phone)
    phone = normalise_phone(code_or_phone)
    matches = []
    if code:
        matches.append(Trainee.personal_code == code)
    if phone:
        matches.append(_stored_phone().in_({phone, "+84" + phone[1:]}))
    # the course's trainees first (its enrolments are indexed): the answer of every right guess
    enrolled = select(Trainee).join(Enrolment, Enrolment.trainee_id == Trainee.id).where(
        Enrolment.course_id == session.course_id, Enrolment.status == "enrolled", Trainee.birth_date == birth_date)
    for match in matches:
        found = db.session.scalars(enrolled.where(match)).all()
        if found:
            return Identification(found[0], "ok") if len(found) == 1 else Identification(None, "no_match")
    # then, for a wrong one, whether it names someone of another course
    for match in matches:
        if db.session.scalar(select(Trainee.id).where(Trainee.birth_date == birth_date, match).limit(1)) is not None:
            return Identification(None, "not_in_course")
    return Identification(None, "no_match")


# --- the manual roster ------------------------------------------------------------------------

def roster(session: CourseSession, for_update: bool = False) -> list[tuple[Enrolment, Attendance | None]]:
    """Enrolled trainees of the session's course in Vietnamese name order, with their record;
    two queries (the trainees and their communes come with the enrolments). `for_update`
    locks the records (PostgreSQL) until the transaction ends, for a save that checks them."""
    enrolments = db.session.scalars(
        select(Enrolment).join(Trainee).options(contains_eager(Enrolment.trainee).joinedload(Trainee.commune))
        .where(Enrolment.course_id == session.course_id, Enrolment.status == "enrolled").order_by(Trainee.name_key)
    ).all()
    query = select(Attendance).where(Attendance.session_id == session.id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    records = {a.trainee_id: a for a in db.session.scalars(query)}
    return [(e, records.get(e.trainee_id)) for e in enrolments]


#: how far ahead of a session its attendance may be marked by hand
MARK_AHEAD = timedelta(days=1)


def check_markable(session: CourseSession) -> None:
    """Refuse marking a session that is more than a day away (a slip of the date, or a roster
    filled in for a later day).

    :raises AttendanceError:
    """
    if session.starts_at - utcnow() > MARK_AHEAD:
        raise AttendanceError(_("Buổi học ngày %(d)s chưa đến: chỉ điểm danh được từ một ngày trước buổi học.",
                                d=to_local(session.starts_at).strftime("%d/%m/%Y")))


def record_version(record: Attendance | None) -> str:
    """What a roster page remembers of a record to tell, when it is saved, whether the record
    changed since the page was loaded: every write sets recorded_at (a scan, a mark), and a
    self-scan kept beside a mark sets self_scan_at. "" for no record."""
    if record is None:
        return ""
    scan = record.self_scan_at.isoformat() if record.self_scan_at else ""
    return f"{record.recorded_at.isoformat()}|{scan}"


@dataclass(frozen=True)
class RosterEdit:
    """One row of a roster page as it was saved: the mark chosen ("" for none), the remark,
    and the row as the page was loaded with it (its mark, remark and record_version)."""

    status: str
    remark: str
    loaded_status: str
    loaded_remark: str
    loaded_version: str

    @property
    def changed(self) -> bool:
        return self.status != self.loaded_status or self.remark.strip() != self.loaded_remark.strip()


@dataclass
class RosterSaved:
    """What a roster save did: how many records it changed, the trainees whose change it
    refused because their record changed since the page was loaded (`conflicts`), and those
    the page did not change but which changed meanwhile (`changed_elsewhere`), one message each."""

    changed: int = 0
    conflicts: list[str] = field(default_factory=list)
    changed_elsewhere: list[str] = field(default_factory=list)


def _method_label(method: str) -> str:
    return {"qr_self": _("QR điện thoại"), "qr_badge": _("quét thẻ"), "manual": _("giảng viên ghi")}.get(method, "")


def record_time(record: Attendance) -> datetime:
    """When a record's mark was made, as the roster shows it: the scan's time for a scan, the
    moment the trainer set it for a mark by hand (never the session's start)."""
    if record.method == "manual" or record.checked_in_at is None:
        return record.recorded_at
    return record.checked_in_at


def _now_reads(record: Attendance | None) -> str:
    if record is None:
        return _("chưa điểm danh")
    return _("%(status)s, %(how)s lúc %(t)s", status=status_label(record.status), how=_method_label(record.method),
             t=to_local(record_time(record)).strftime("%H:%M"))


def save_roster(session: CourseSession, edits: dict[int, RosterEdit], user_id: int, accept: frozenset[int] = frozenset(),
                rest: str | None = None) -> RosterSaved:
    """Save a roster page: write only the rows the trainer changed on it, and only where the
    record is still as the page was loaded (optimistic concurrency: a scan or another page's
    save in between wins, and the trainee is named in `conflicts`). `accept`: trainees whose
    self-scan kept beside a mark the trainer accepts (present or late by the scan's time).
    `rest`: a status for everyone who has no record once the page's changes are written ("all
    present", "absent for the unmarked"). Audits each change. Flushes.

    :raises AttendanceError: a session more than a day ahead, an unknown status, a trainee
        not in the course.
    """
    check_markable(session)
    if rest is not None:
        _check_status(rest)
        if rest == "absent" and utcnow() < session.starts_at:
            raise AttendanceError(_("Buổi học chưa bắt đầu."))
    for edit in edits.values():
        if edit.status:
            _check_status(edit.status)
    _write_lock()
    enrolled = {enrolment.trainee_id: (enrolment.trainee, record) for enrolment, record in roster(session, for_update=True)}
    saved, changes, cleared = RosterSaved(), [], set()
    for trainee_id, edit in edits.items():
        if trainee_id not in enrolled:
            raise _not_enrolled(db.session.get(Trainee, trainee_id))
        trainee, row = enrolled[trainee_id]
        moved = record_version(row) != edit.loaded_version
        if not edit.changed and trainee_id not in accept:
            if moved:
                saved.changed_elsewhere.append(_("%(name)s: nay %(now)s.", name=trainee.full_name, now=_now_reads(row)))
            continue
        if moved:
            saved.conflicts.append(_("%(name)s: đã thay đổi sau khi trang được mở (nay %(now)s); thay đổi của bạn chưa được ghi.",
                                     name=trainee.full_name, now=_now_reads(row)))
            continue
        if trainee_id in accept and row is not None and row.self_scan_at is not None:
            changes.append(_accept_scan(session, trainee, row, user_id))
        elif not edit.status:
            if row is not None:
                _clear(session, trainee, row, user_id)
                cleared.add(trainee_id)
                saved.changed += 1
            elif edit.remark.strip():
                saved.conflicts.append(_("%(name)s: hãy chọn một trạng thái để lưu ghi chú.", name=trainee.full_name))
        else:
            change = _apply_mark(session, trainee, row, edit.status, edit.remark, user_id)
            if change:
                changes.append(change)
    if rest is not None:
        for trainee_id, (trainee, row) in enrolled.items():
            edit = edits.get(trainee_id)
            if row is None and trainee_id not in cleared and not (edit and edit.status) and trainee_id not in accept:
                changes.append(_apply_mark(session, trainee, None, rest, edit.remark if edit else "", user_id))
    _audit_marks(changes, user_id)
    saved.changed += len(changes)
    return saved


def _accept_scan(session: CourseSession, trainee: Trainee, row: Attendance, user_id: int):
    """The trainer accepts a self-scan kept beside their mark: present or late by the scan's
    time, as the scan would have been recorded."""
    before = {"status": row.status, "remark": row.remark}
    row.status, row.method, row.checked_in_at = status_for(session, row.self_scan_at), "qr_self", row.self_scan_at
    row.self_scan_at, row.recorded_by_id, row.recorded_at = None, user_id, utcnow()
    return row, trainee, before, "attendance.accept_scan"


def _clear(session: CourseSession, trainee: Trainee, row: Attendance, user_id: int) -> None:
    """Remove a record (the trainer clears a mark), audited with what it was."""
    audit.record("attendance.clear", row, actor_id=user_id, session_id=session.id, trainee_id=trainee.id,
                 trainee=trainee.full_name, before={"status": row.status, "remark": row.remark, "method": row.method},
                 after=None)
    db.session.delete(row)


def mark(session: CourseSession, trainee: Trainee, status: str, remark: str, user_id: int) -> Attendance | None:
    """Set a trainee's attendance by hand, auditing before → after; returns the row, or None
    when nothing changed. Flushes.

    :raises AttendanceError: unknown status or a trainee not in the course.
    """
    _check_status(status)
    enrolled, row = _enrolment_record(session, trainee)
    if not enrolled:
        raise _not_enrolled(trainee)
    change = _apply_mark(session, trainee, row, status, remark, user_id)
    _audit_marks([change] if change else [], user_id)
    return change[0] if change else None


def _enrolment_record(session: CourseSession, trainee: Trainee) -> tuple[bool, Attendance | None]:
    """Whether the trainee is enrolled in the session's course, and their record of the
    session if they are and have one, in one query."""
    found = db.session.execute(
        select(Enrolment.id, Attendance)
        .outerjoin(Attendance, (Attendance.session_id == session.id) & (Attendance.trainee_id == Enrolment.trainee_id))
        .where(Enrolment.course_id == session.course_id, Enrolment.trainee_id == trainee.id, Enrolment.status == "enrolled")
    ).first()
    return (False, None) if found is None else (True, found[1])


def mark_many(session: CourseSession, rows: list[tuple[Enrolment, Attendance | None]], marks: dict[int, tuple[str, str]],
              user_id: int) -> int:
    """Set several trainees' attendance by hand at once (trainee id → (status, remark)), as
    the roster page saves it, auditing each change; returns how many changed. `rows` is the
    session's roster(), which the caller has read already, so the roster is read once and the
    changes flushed together, whatever the number of trainees. Flushes.

    :raises AttendanceError: an unknown status, or a trainee not in the course.
    """
    enrolled = {enrolment.trainee_id: (enrolment.trainee, record) for enrolment, record in rows}
    changes = []
    for trainee_id, (status, remark) in marks.items():
        _check_status(status)
        if trainee_id not in enrolled:
            raise _not_enrolled(db.session.get(Trainee, trainee_id))
        trainee, row = enrolled[trainee_id]
        change = _apply_mark(session, trainee, row, status, remark, user_id)
        if change:
            changes.append(change)
    _audit_marks(changes, user_id)
    return len(changes)


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise AttendanceError(_("Trạng thái điểm danh không hợp lệ."))


def _not_enrolled(trainee: Trainee | None) -> AttendanceError:
    name = trainee.full_name if trainee else "?"
    return AttendanceError(_("%(name)s không có tên trong khóa học này.", name=name))


def _apply_mark(session: CourseSession, trainee: Trainee, row: Attendance | None, status: str, remark: str,
                user_id: int) -> tuple[Attendance, Trainee, dict | None] | None:
    """Change (or add) the record in memory; (row, trainee, before), or None if unchanged."""
    remark = (remark or "").strip()[:500]
    if row is not None and row.status == status and (row.remark or "") == remark:
        return None
    before = {"status": row.status, "remark": row.remark} if row else None
    if row is None:
        row = Attendance(session_id=session.id, trainee_id=trainee.id, method="manual")
        db.session.add(row)
    if row.status != status:
        row.method = "manual"  # a remark alone does not hide that the trainee scanned in
        row.self_scan_at = None  # the trainer has decided, after any scan kept beside the mark
    row.status, row.remark = status, remark
    row.recorded_by_id, row.recorded_at = user_id, utcnow()
    if status in ATTENDED and row.checked_in_at is None:
        row.checked_in_at = session.starts_at
    return row, trainee, before


def _audit_marks(changes: list, user_id: int) -> None:
    """Flush the changed records (new ones get their ids), then audit each before → after
    (a change may name its own action as a fourth item: an accepted scan)."""
    if not changes:
        return
    db.session.flush()
    for row, trainee, before, *action in changes:
        audit.record(action[0] if action else "attendance.mark", row, actor_id=user_id, trainee=trainee.full_name,
                     before=before, after={"status": row.status, "remark": row.remark})
    db.session.flush()


def mark_unmarked_absent(session: CourseSession, user_id: int) -> int:
    """Mark every enrolled trainee with no record as absent (once the session has started);
    returns how many. Flushes.

    :raises AttendanceError: the session has not started yet.
    """
    if utcnow() < session.starts_at:
        raise AttendanceError(_("Buổi học chưa bắt đầu."))
    rows = roster(session)
    return mark_many(session, rows, {enrolment.trainee_id: ("absent", "") for enrolment, record in rows if record is None}, user_id)


def checked_in_count(session: CourseSession) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Attendance).where(Attendance.session_id == session.id, Attendance.status.in_(ATTENDED))
    ) or 0


# --- attendance shares ----------------------------------------------------------------------

@dataclass
class TraineeAttendance:
    """One trainee's attendance over a course: a status per session and the share of periods."""

    enrolment: Enrolment
    marks: dict[int, str]
    attended_periods: int
    required_periods: int

    @property
    def share(self) -> float:
        return self.attended_periods / self.required_periods if self.required_periods else 0.0


def course_attendance(course: Course) -> list[TraineeAttendance]:
    """Every active trainee of a course with their marks and attended periods, in Vietnamese
    name order. Late counts as attended; excused counts when the programme says so. The share
    is of the programme's periods, not of the sessions scheduled. Three queries (the trainees
    and their communes come with the enrolments)."""
    curriculum = course.curriculum
    sessions = {s.id: s for s in course.sessions}
    enrolments = db.session.scalars(
        select(Enrolment).join(Trainee).options(contains_eager(Enrolment.trainee).joinedload(Trainee.commune))
        .where(Enrolment.course_id == course.id, Enrolment.status == "enrolled").order_by(Trainee.name_key)
    ).all()
    marks: dict[int, dict[int, str]] = {}
    if sessions:
        for row in db.session.execute(select(Attendance.trainee_id, Attendance.session_id, Attendance.status).where(Attendance.session_id.in_(sessions))):
            marks.setdefault(row.trainee_id, {})[row.session_id] = row.status
    result = []
    for enrolment in enrolments:
        own = marks.get(enrolment.trainee_id, {})
        attended = sum(sessions[sid].periods for sid, status in own.items() if status in ATTENDED)
        excused = sum(sessions[sid].periods for sid, status in own.items() if status == "excused")
        result.append(TraineeAttendance(enrolment, own, curriculum.counted_periods(attended, excused), curriculum.periods))
    return result


# --- the audit trail of attendance, as people read it -------------------------------------------

@dataclass(frozen=True)
class HistoryEntry:
    """One change to a record of attendance: when, by whom (None: the trainee's own phone),
    whose record and of which session, what was done, and the mark before and after."""

    at: datetime
    actor: str | None
    trainee: str
    session: CourseSession | None
    action: str
    before: str
    after: str


def _state_text(value) -> str:
    """A mark as the audit wrote it (a status, or {"status", "remark"}), as people read it."""
    if value is None:
        return _("Chưa ghi")
    if isinstance(value, str):
        return status_label(value)
    text = status_label(value.get("status"))
    return f"{text} ({value['remark']})" if value.get("remark") else text


def _action_text(event, data: dict) -> str:
    if event.action == "attendance.checkin":
        return _("Học viên tự quét mã QR") if data.get("method") == "qr_self" else _("Giảng viên quét thẻ")
    return {"attendance.mark": _("Giảng viên ghi"), "attendance.clear": _("Giảng viên bỏ điểm danh"),
            "attendance.self_scan_kept": _("Học viên tự quét mã; giữ điểm danh của giảng viên"),
            "attendance.accept_scan": _("Giảng viên chấp nhận lượt tự quét")}.get(event.action, event.action)


def _history(records: list[tuple[int, int, int]], cleared_like: str) -> list[HistoryEntry]:
    """The attendance events of the given records (id, session id, trainee id), and of those
    cleared since (found by their clear events, whose detail names the session and trainee)."""
    refs = {f"attendance:{rid}": (sid, tid) for rid, sid, tid in records}
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance.clear",
                                                             AuditEvent.detail.like(cleared_like))):
        data = event.data
        refs.setdefault(event.object_ref, (data.get("session_id"), data.get("trainee_id")))
    if not refs:
        return []
    events = db.session.scalars(select(AuditEvent).options(joinedload(AuditEvent.actor))
                                .where(AuditEvent.object_ref.in_(refs), AuditEvent.action.like("attendance.%"))
                                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())).all()
    trainee_ids = {tid for _sid, tid in refs.values() if tid}
    names = dict(db.session.execute(select(Trainee.id, Trainee.full_name).where(Trainee.id.in_(trainee_ids))).all()) if trainee_ids else {}
    session_ids = {sid for sid, _tid in refs.values() if sid}
    sessions = {s.id: s for s in db.session.scalars(select(CourseSession).where(CourseSession.id.in_(session_ids)))} if session_ids else {}
    entries = []
    for event in events:
        data = event.data
        session_id, trainee_id = refs[event.object_ref]
        if event.action == "attendance.self_scan_kept":
            before = after = status_label(data.get("status"))
        else:
            before, after = _state_text(data.get("before")), _state_text(data.get("after"))
        entries.append(HistoryEntry(event.at, event.actor.full_name if event.actor else None,
                                    names.get(trainee_id) or data.get("trainee") or "?", sessions.get(session_id),
                                    _action_text(event, data), before, after))
    return entries


def session_history(session: CourseSession) -> list[HistoryEntry]:
    """Every change to the session's attendance, newest first."""
    records = db.session.execute(select(Attendance.id, Attendance.session_id, Attendance.trainee_id)
                                 .where(Attendance.session_id == session.id)).all()
    return _history(records, f'%"session_id": {int(session.id)},%')


def trainee_history(trainee: Trainee) -> list[HistoryEntry]:
    """Every change to the trainee's attendance, in every session, newest first."""
    records = db.session.execute(select(Attendance.id, Attendance.session_id, Attendance.trainee_id)
                                 .where(Attendance.trainee_id == trainee.id)).all()
    return _history(records, f'%"trainee_id": {int(trainee.id)},%')
