"""The manual roster: the trainer's marks of a session (present, late, absent, excused) set by
hand, saved against what changed since the page was loaded, each change audited.

Services flush and never commit; the view or command that calls them commits once.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from .. import audit
from ..clock import to_local, utcnow
from ..courses.models import CourseSession, Enrolment
from ..errors import DomainError
from ..extensions import db
from ..people.models import Trainee
from .answers import status_label
from .checkin import write_lock
from .models import ATTENDED, STATUSES, Attendance
from .window import status_for


class AttendanceError(DomainError):
    """An attendance operation that cannot be done; the message is for the user."""


def roster(session: CourseSession, for_update: bool = False) -> list[tuple[Enrolment, Attendance | None]]:
    """Enrolled trainees of the session's course in Vietnamese name order, with their record;
    two queries (the trainees and their communes come with the enrolments). `for_update`
    locks the records (PostgreSQL) until the transaction ends, for a save that checks them."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Trainee)
        .options(contains_eager(Enrolment.trainee).joinedload(Trainee.commune))
        .where(Enrolment.course_id == session.course_id, Enrolment.status == "enrolled")
        .order_by(Trainee.name_key)
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
        raise AttendanceError(
            _(
                "Buổi học ngày %(d)s chưa đến: chỉ điểm danh được từ một ngày trước buổi học.",
                d=to_local(session.starts_at).strftime("%d/%m/%Y"),
            )
        )


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
    return _(
        "%(status)s, %(how)s lúc %(t)s",
        status=status_label(record.status),
        how=_method_label(record.method),
        t=to_local(record_time(record)).strftime("%H:%M"),
    )


def save_roster(
    session: CourseSession,
    edits: dict[int, RosterEdit],
    user_id: int,
    accept: frozenset[int] = frozenset(),
    rest: str | None = None,
) -> RosterSaved:
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
    write_lock()
    enrolled = {
        enrolment.trainee_id: (enrolment.trainee, record) for enrolment, record in roster(session, for_update=True)
    }
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
            saved.conflicts.append(
                _(
                    "%(name)s: đã thay đổi sau khi trang được mở (nay %(now)s); thay đổi của bạn chưa được ghi.",
                    name=trainee.full_name,
                    now=_now_reads(row),
                )
            )
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
    audit.record(
        "attendance.clear",
        row,
        actor_id=user_id,
        session_id=session.id,
        trainee_id=trainee.id,
        trainee=trainee.full_name,
        before={"status": row.status, "remark": row.remark, "method": row.method},
        after=None,
    )
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
        .where(
            Enrolment.course_id == session.course_id, Enrolment.trainee_id == trainee.id, Enrolment.status == "enrolled"
        )
    ).first()
    return (False, None) if found is None else (True, found[1])


def mark_many(
    session: CourseSession,
    rows: list[tuple[Enrolment, Attendance | None]],
    marks: dict[int, tuple[str, str]],
    user_id: int,
) -> int:
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


def _apply_mark(
    session: CourseSession, trainee: Trainee, row: Attendance | None, status: str, remark: str, user_id: int
) -> tuple[Attendance, Trainee, dict | None] | None:
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
        audit.record(
            action[0] if action else "attendance.mark",
            row,
            actor_id=user_id,
            trainee=trainee.full_name,
            before=before,
            after={"status": row.status, "remark": row.remark},
        )
    db.session.flush()


def mark_unmarked_absent(session: CourseSession, user_id: int) -> int:
    """Mark every enrolled trainee with no record as absent (once the session has started);
    returns how many. Flushes.

    :raises AttendanceError: the session has not started yet.
    """
    if utcnow() < session.starts_at:
        raise AttendanceError(_("Buổi học chưa bắt đầu."))
    rows = roster(session)
    return mark_many(
        session, rows, {enrolment.trainee_id: ("absent", "") for enrolment, record in rows if record is None}, user_id
    )
