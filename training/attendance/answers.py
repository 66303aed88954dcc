"""The answers a check-in gives: whom and what they name, as plain values that outlive the
commit, and their words in the page's language."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from ..clock import to_local


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


def recorded(record: SeenRecord, trainee: SeenTrainee) -> CheckinResult:
    """The answer for a check-in recorded now or before: the trainee and the time seen."""
    return CheckinResult("ok", recorded_message(trainee, record.status, record.at), trainee, record)


def recorded_message(trainee: SeenTrainee, status: str, at: datetime) -> str:
    """The words of a recorded check-in: on time or late, and when."""
    when = to_local(at).strftime("%H:%M")
    if status == "late":
        return _("%(name)s: đã điểm danh lúc %(t)s (đi muộn).", name=trainee.full_name, t=when)
    return _("%(name)s: đã điểm danh lúc %(t)s (đúng giờ).", name=trainee.full_name, t=when)


def kept(facts, trainee: SeenTrainee, at: datetime) -> CheckinResult:
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


def already(record: SeenRecord, trainee: SeenTrainee) -> CheckinResult:
    """The answer for a trainee checked in before, with the first time."""
    when = to_local(record.at).strftime("%H:%M")
    return CheckinResult(
        "already_checked_in", _("%(name)s đã điểm danh lúc %(t)s.", name=trainee.full_name, t=when), trainee, record
    )


def not_in_course() -> CheckinResult:
    """The answer for a code of someone the scanner may not see: no name, id or commune."""
    return CheckinResult("not_enrolled", _("Người mang mã này không có tên trong khóa học này."))
