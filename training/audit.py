"""The audit trail: who changed what, when, from what to what.

Every change to attendance, results and certificates (and course status) is recorded here.
"""

import json
from datetime import datetime

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import DateTime, ForeignKey, String, Text, insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .clock import utcnow
from .extensions import db


class AuditEvent(db.Model):
    """One recorded change."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    #: dotted verb, e.g. "course.status", "attendance.mark", "certificate.revoke"
    action: Mapped[str] = mapped_column(String(60), index=True)
    #: "<table>:<id>" of the object changed
    object_ref: Mapped[str] = mapped_column(String(60), index=True)
    #: JSON with the details, typically {"before": …, "after": …}
    detail: Mapped[str] = mapped_column(Text, default="{}")

    actor = relationship("User")

    @property
    def data(self) -> dict:
        return json.loads(self.detail or "{}")

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_ref}>"


def record(action: str, obj, actor_id: int | None = None, **detail) -> AuditEvent:
    """Add an audit event for `obj` (a model instance with an id); the caller commits."""
    event = AuditEvent(**_event(action, f"{obj.__tablename__}:{obj.id}", actor_id, detail))
    db.session.add(event)
    return event


# Built once, on the table (no ORM bulk-insert machinery): a check-in burst writes one per scan.
_INSERT_EVENT = insert(AuditEvent.__table__)


def record_now(action: str, table: str, row_id: int, actor_id: int | None = None, **detail) -> None:
    """Write an audit event for the row `table`:`row_id` at once, as one INSERT outside the
    unit of work: for a path that writes its own rows that way (a check-in). Sent on the
    session's connection, in its transaction: the ORM's handling of a statement cost a check-in
    as much as the INSERT itself."""
    db.session.connection().execute(_INSERT_EVENT, _event(action, f"{table}:{row_id}", actor_id, detail))


def _event(action: str, object_ref: str, actor_id: int | None, detail: dict) -> dict:
    if actor_id is None and current_user and getattr(current_user, "is_authenticated", False):
        actor_id = current_user.id
    return {
        "actor_id": actor_id,
        "action": action,
        "object_ref": object_ref,
        "detail": json.dumps(detail, ensure_ascii=False, default=str),
    }


def history(obj) -> list[AuditEvent]:
    """Audit events of one object, newest first."""
    ref = f"{obj.__tablename__}:{obj.id}"
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.object_ref == ref)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )


def label(action: str) -> str:
    """What an action of the trail means, in the page's language; the code itself when it is
    one this list does not know yet, so nothing is hidden."""
    labels = {
        "attendance.checkin": _("Điểm danh bằng mã QR"),
        "attendance.mark": _("Điểm danh thủ công"),
        "certificate.issue": _("Cấp giấy chứng nhận"),
        "certificate.copy": _("Cấp bản sao"),
        "certificate.revoke": _("Thu hồi"),
        "certificate.unrevoke": _("Khôi phục hiệu lực"),
        "certificate.withheld": _("Chưa cấp giấy chứng nhận"),
        "course.status": _("Đổi trạng thái khóa học"),
        "course.reopen": _("Mở lại khóa học"),
        "course.area": _("Đổi địa bàn khóa học"),
        "enrolment.withdraw": _("Rút tên khỏi khóa học"),
        "enrolment.again": _("Ghi danh học lại"),
        "result.score": _("Ghi điểm"),
        "trainee.erase": _("Xóa dữ liệu cá nhân"),
        "user.update": _("Sửa tài khoản"),
        "user.deactivate": _("Khóa tài khoản"),
        "user.activate": _("Mở khóa tài khoản"),
    }
    return labels.get(action, action)
