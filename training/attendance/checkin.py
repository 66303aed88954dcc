"""Check-in: recording a trainee seen at a session (the session's QR on their phone, or their
badge scanned by the trainer). The hours a session takes check-ins are in window.py, the
answers a check-in gives in answers.py.

Services flush and never commit; the view or command that calls them commits once.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from .. import audit
from ..clock import utcnow
from ..courses.models import CourseSession, Enrolment
from ..extensions import db, insert_or_skip
from ..people.models import Trainee
from ..stamps import REPORT_UNIT
from ..units.models import Unit
from . import answers
from .answers import CheckinResult, SeenRecord, SeenTrainee
from .identify import normalise_code
from .models import ATTENDED, Attendance, ScanLog
from .window import checkin_state, closed_message, status_for


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
        return answers.recorded(_seen(facts), trainee)
    if facts.self_scan_at is not None:
        return answers.kept(facts, trainee, facts.self_scan_at)
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
    said = answers.recorded_message(trainee, status, at)
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
            return answers.already(record, trainee)
        return answers.kept(facts, trainee, at if kept else (facts.self_scan_at or at))
    if facts.record_id is not None:
        # Marked absent or excused by hand earlier, then the trainer scans the badge: the
        # trainer's own act, which changes the mark.
        changed = db.session.execute(
            _SCAN_WINS, {"record_id": facts.record_id, **written}, execution_options=in_unit
        ).rowcount
        if not changed:
            return answers.already(_record_of(session.id, trainee.id), trainee)
        row_id, before = facts.record_id, facts.status
    else:
        row_id = db.session.execute(
            insert_or_skip(Attendance, "session_id", "trainee_id", returning="id"),
            {"session_id": session.id, "trainee_id": trainee.id, **written},
            execution_options=in_unit,
        ).scalar()
        if row_id is None:  # another scan recorded this trainee a moment ago
            return answers.already(_record_of(session.id, trainee.id), trainee)
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
        return answers.already(_seen(facts), trainee)
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
        result = answers.not_in_course()
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
        return answers.recorded(record, trainee)
    if log.reason == "already_checked_in" and record is not None:
        return answers.already(record, trainee)
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
