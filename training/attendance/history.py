"""The audit trail of attendance, as people read it: who changed a record, when, from what
to what.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit import AuditEvent
from ..courses.models import CourseSession
from ..extensions import db
from ..people.models import Trainee
from .answers import status_label
from .models import Attendance


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
    return {
        "attendance.mark": _("Giảng viên ghi"),
        "attendance.clear": _("Giảng viên bỏ điểm danh"),
        "attendance.self_scan_kept": _("Học viên tự quét mã; giữ điểm danh của giảng viên"),
        "attendance.accept_scan": _("Giảng viên chấp nhận lượt tự quét"),
    }.get(event.action, event.action)


def _history(records: list[tuple[int, int, int]], cleared_like: str) -> list[HistoryEntry]:
    """The attendance events of the given records (id, session id, trainee id), and of those
    cleared since (found by their clear events, whose detail names the session and trainee)."""
    refs = {f"attendance:{rid}": (sid, tid) for rid, sid, tid in records}
    for event in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "attendance.clear", AuditEvent.detail.like(cleared_like))
    ):
        data = event.data
        refs.setdefault(event.object_ref, (data.get("session_id"), data.get("trainee_id")))
    if not refs:
        return []
    events = db.session.scalars(
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(AuditEvent.object_ref.in_(refs), AuditEvent.action.like("attendance.%"))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ).all()
    trainee_ids = {tid for _sid, tid in refs.values() if tid}
    names = (
        dict(db.session.execute(select(Trainee.id, Trainee.full_name).where(Trainee.id.in_(trainee_ids))).all())
        if trainee_ids
        else {}
    )
    session_ids = {sid for sid, _tid in refs.values() if sid}
    sessions = (
        {s.id: s for s in db.session.scalars(select(CourseSession).where(CourseSession.id.in_(session_ids)))}
        if session_ids
        else {}
    )
    entries = []
    for event in events:
        data = event.data
        session_id, trainee_id = refs[event.object_ref]
        if event.action == "attendance.self_scan_kept":
            before = after = status_label(data.get("status"))
        else:
            before, after = _state_text(data.get("before")), _state_text(data.get("after"))
        entries.append(
            HistoryEntry(
                event.at,
                event.actor.full_name if event.actor else None,
                names.get(trainee_id) or data.get("trainee") or "?",
                sessions.get(session_id),
                _action_text(event, data),
                before,
                after,
            )
        )
    return entries


def session_history(session: CourseSession) -> list[HistoryEntry]:
    """Every change to the session's attendance, newest first."""
    records = db.session.execute(
        select(Attendance.id, Attendance.session_id, Attendance.trainee_id).where(Attendance.session_id == session.id)
    ).all()
    return _history(records, f'%"session_id": {int(session.id)},%')


def trainee_history(trainee: Trainee) -> list[HistoryEntry]:
    """Every change to the trainee's attendance, in every session, newest first."""
    records = db.session.execute(
        select(Attendance.id, Attendance.session_id, Attendance.trainee_id).where(Attendance.trainee_id == trainee.id)
    ).all()
    return _history(records, f'%"trainee_id": {int(trainee.id)},%')
