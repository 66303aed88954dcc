from datetime import date, datetime, time

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Table, Text, Time, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..curricula import catalogue
from ..extensions import db
from ..people.models import Trainee, User
from ..units.models import Area, Unit

STATUSES = ("draft", "open", "running", "closed", "cancelled")

course_trainer = Table(
    "course_trainer",
    db.metadata,
    Column("course_id", Integer, ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("user.id"), primary_key=True),
)


class Course(db.Model):
    """One run of a programme in a district: its dates, venue, trainers and trainees."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: readable, unique: <district code>-<year>-<programme>-<n>, e.g. 215-2026-CT1-02
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: the programme is pinned by code and version, so later edits of its file don't move it
    curriculum_code: Mapped[str] = mapped_column(String(20), index=True)
    curriculum_version: Mapped[str] = mapped_column(String(20))
    #: the district (or, with two levels, the province) running the course
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    #: the area of the unit the course is for (a cụm's course takes that cụm's trainees and
    #: belongs to its trainers); None: the whole unit
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    title: Mapped[str] = mapped_column(String(250))
    venue: Mapped[str] = mapped_column(String(250))
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    #: the last session's date; kept up to date as sessions change
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    capacity: Mapped[int] = mapped_column(default=40)
    #: draft | open | running | closed | cancelled
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: half-day slots the generator packs periods into (local wall-clock times)
    morning_start: Mapped[time] = mapped_column(Time, default=time(7, 30))
    morning_end: Mapped[time] = mapped_column(Time, default=time(11, 30))
    afternoon_start: Mapped[time] = mapped_column(Time, default=time(13, 30))
    afternoon_end: Mapped[time] = mapped_column(Time, default=time(17, 0))
    skip_saturdays: Mapped[bool] = mapped_column(default=False)
    skip_sundays: Mapped[bool] = mapped_column(default=True)
    #: minutes after a session's start after which a check-in counts as late
    late_after_minutes: Mapped[int] = mapped_column(default=15)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    unit: Mapped[Unit] = relationship()
    area: Mapped[Area | None] = relationship()
    trainers: Mapped[list[User]] = relationship(secondary=course_trainer, order_by=User.full_name)
    sessions: Mapped[list["CourseSession"]] = relationship(
        back_populates="course", order_by="CourseSession.starts_at", cascade="all, delete-orphan"
    )
    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="course", cascade="all, delete-orphan")

    @property
    def curriculum(self):
        return catalogue().get(self.curriculum_code, self.curriculum_version)

    @property
    def active_enrolments(self) -> list["Enrolment"]:
        return [e for e in self.enrolments if e.status == "enrolled"]

    @property
    def is_editable(self) -> bool:
        return self.status not in ("closed", "cancelled")

    def __repr__(self) -> str:
        return f"<Course {self.code}>"


class CourseSession(db.Model):
    """One meeting of a course: a module taught in a half-day slot (or part of one)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    module_code: Mapped[str] = mapped_column(String(20))
    #: naive UTC
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    #: teaching periods (45 minutes) this session counts for the module
    periods: Mapped[int]
    venue: Mapped[str] = mapped_column(String(250))
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    course: Mapped[Course] = relationship(back_populates="sessions")
    trainer: Mapped[User | None] = relationship()

    @property
    def module(self):
        return catalogue().module(self.course.curriculum_code, self.course.curriculum_version, self.module_code)

    def __repr__(self) -> str:
        return f"<CourseSession {self.id} {self.module_code} {self.starts_at}>"


def _trainee_commune(context) -> int | None:
    """An enrolment's commune when its writer gave none: the trainee's at the insert."""
    trainee_id = context.get_current_parameters()["trainee_id"]
    return context.connection.execute(select(Trainee.commune_id).where(Trainee.id == trainee_id)).scalar()


class Enrolment(db.Model):
    """A trainee's place in a course."""

    # The unique index serves the lookups by course too (its first column): no index of its own.
    __table_args__ = (UniqueConstraint("course_id", "trainee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainee.id"), index=True)
    #: the trainee's commune when enrolled, which reports count them in: a trainee moved later,
    #: or converted to the 2025 map, stays counted where they were (enrolment paths set it;
    #: an insert without it takes the trainee's commune of the moment)
    commune_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True, default=_trainee_commune)
    #: enrolled | withdrawn
    status: Mapped[str] = mapped_column(String(10), default="enrolled")
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")
    enrolled_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    course: Mapped[Course] = relationship(back_populates="enrolments")
    trainee: Mapped[Trainee] = relationship()

    def __repr__(self) -> str:
        return f"<Enrolment {self.course_id}/{self.trainee_id} {self.status}>"
