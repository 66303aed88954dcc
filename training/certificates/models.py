from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..clock import utcnow
from ..courses.models import Enrolment
from ..extensions import db
from ..people.models import User
from ..units.models import Unit

REVOKE_CATEGORIES = ("fraud", "error", "duplicate", "other")


class Assessment(db.Model):
    """The score (0–10) of a trainee's final assessment in a course."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), unique=True)
    score: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    enrolment: Mapped[Enrolment] = relationship()

    @property
    def passed(self) -> bool:
        """Whether the score reaches the pass mark of the course's (pinned) programme."""
        return self.score >= self.enrolment.course.curriculum.completion.pass_mark


class SerialCounter(db.Model):
    """The last serial number used per serial scope (a serial with everything but its number
    filled in: "{number}/2026/GCN-SVHTTDL"); it only grows, so a serial is never given twice,
    even when two batches are issued at the same moment or two bodies share a symbol."""

    __tablename__ = "certificate_serial_counter"

    scope: Mapped[str] = mapped_column(String(120), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class Certificate(db.Model):
    """An issued certificate. Its PDF is made once, at issue, and kept with its SHA-256, so
    later edits to a name or to the layout never change what was issued."""

    # The unique index serves the lookups by serial too (its first column): no index of its own.
    __table_args__ = (UniqueConstraint("serial", "copy_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: readable, from the issuer's pattern, e.g. 15/2026/GCN-SVHTTDL; a replacement copy keeps it
    serial: Mapped[str] = mapped_column(String(40))
    #: 0 for the original, 1, 2, … for replacement copies
    copy_number: Mapped[int] = mapped_column(default=0)
    #: random, ≥ 80 bits, no confusable characters; what the QR's verification URL carries
    verify_code: Mapped[str] = mapped_column(String(32), unique=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    issuing_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: the original this copy replaces
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    # What the certificate says, frozen at issue for the public verification page.
    holder_name: Mapped[str] = mapped_column(String(120))
    #: the holder's birth date as printed; kept when the trainee's own record is erased
    holder_birth_date: Mapped[date | None] = mapped_column(Date)
    programme: Mapped[str] = mapped_column(String(250))
    course_code: Mapped[str] = mapped_column(String(40))
    course_dates: Mapped[str] = mapped_column(String(60))
    issuer_name: Mapped[str] = mapped_column(String(160))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    sha256: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: one of REVOKE_CATEGORIES, shown publicly; the free-text reason is not
    revoke_category: Mapped[str] = mapped_column(String(20), default="")
    revoke_reason: Mapped[str] = mapped_column(Text, default="")

    enrolment: Mapped[Enrolment] = relationship()
    issuing_unit: Mapped[Unit] = relationship()
    issued_by: Mapped[User | None] = relationship()
    replaces: Mapped["Certificate | None"] = relationship(remote_side=[id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_copy(self) -> bool:
        return self.copy_number > 0

    def __repr__(self) -> str:
        return f"<Certificate {self.serial}#{self.copy_number}>"


class VerificationCount(db.Model):
    """Look-ups on the public verification pages, counted per day, way, outcome and
    certificate: a flood of anonymous look-ups adds to a few counters, never a row each."""

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: "qr" (/v/<code>) or "serial" (/verify)
    via: Mapped[str] = mapped_column(String(10), primary_key=True)
    #: valid | revoked | unknown
    outcome: Mapped[str] = mapped_column(String(10), primary_key=True)
    #: the certificate found; 0 when none was (so not a foreign key)
    certificate_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(default=0)
