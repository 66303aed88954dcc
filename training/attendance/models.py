from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..courses.models import CourseSession
from ..extensions import db
from ..people.models import Trainee, User

STATUSES = ("present", "late", "absent", "excused")
#: the statuses that count as having attended (late is attended)
ATTENDED = ("present", "late")
#: reason codes a scan can end with (also the API's `reason` values)
REASONS = ("ok", "already_checked_in", "not_enrolled", "unknown_code", "session_closed", "invalid_token")


class Attendance(db.Model):
    """A trainee's attendance at one session; at most one row per pair, so a second scan
    can never create a second record."""

    # The unique index serves the lookups by session too (its first column): no index of its own.
    __table_args__ = (UniqueConstraint("session_id", "trainee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_session.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainee.id"), index=True)
    #: present | late | absent | excused
    status: Mapped[str] = mapped_column(String(10))
    #: qr_self (trainee scanned the session QR) | qr_badge (trainer scanned the badge) | manual
    method: Mapped[str] = mapped_column(String(10))
    #: when the trainee was seen (the scan time, which for an offline scan is before arrival)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: device that recorded it: the trainee's phone id or the scanner's id
    device: Mapped[str] = mapped_column(String(64), default="")
    remark: Mapped[str] = mapped_column(Text, default="")
    #: when the trainee scanned the session QR over a mark the trainer set by hand (absent or
    #: excused): the mark stands, and the roster shows the scan for the trainer to accept
    self_scan_at: Mapped[datetime | None] = mapped_column(DateTime)

    session: Mapped[CourseSession] = relationship()
    trainee: Mapped[Trainee] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Attendance s{self.session_id} t{self.trainee_id} {self.status}>"


class ScanLog(db.Model):
    """Every scan the scanner API received, failed ones included. A scan carries a nonce
    made on the device; a nonce is processed once and a resend gets the stored answer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str | None] = mapped_column(String(64), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_session.id", ondelete="CASCADE"), index=True)
    #: the scanned text, cut to 64 characters (it may be anything a scanner typed)
    code: Mapped[str] = mapped_column(String(64))
    #: one of REASONS
    reason: Mapped[str] = mapped_column(String(24), index=True)
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("trainee.id"))
    scanned_at: Mapped[datetime] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    offline: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    device: Mapped[str] = mapped_column(String(64), default="")

    trainee: Mapped[Trainee | None] = relationship()
