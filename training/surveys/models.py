"""A course's survey, who answered it, and the answers, kept apart so that no page, export or
query of the app can say who gave which answer (see README: "Phiếu đánh giá")."""

import secrets
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..courses.models import Course
from ..extensions import db

SOURCES = ("phone", "paper")


def _response_id() -> str:
    return secrets.token_urlsafe(16)


class Survey(db.Model):
    """The evaluation of one course, pinned to the questionnaire version it asks."""

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), unique=True)
    questionnaire_code: Mapped[str] = mapped_column(String(20))
    questionnaire_version: Mapped[str] = mapped_column(String(20))
    #: set when the trainer opens it before the last session ends (else it opens then)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: set when the trainer closes it (else it closes SURVEY_OPEN_DAYS after it opened)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    course: Mapped[Course] = relationship()

    def __repr__(self) -> str:
        return f"<Survey {self.id} course {self.course_id} {self.questionnaire_code} {self.questionnaire_version}>"


class Respondent(db.Model):
    """That a trainee has answered a survey (by phone, or on paper that the trainer typed in);
    nothing here points to the answers."""

    __table_args__ = (UniqueConstraint("survey_id", "trainee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainee.id", ondelete="CASCADE"), index=True)
    #: phone | paper
    source: Mapped[str] = mapped_column(String(10))

    def __repr__(self) -> str:
        return f"<Respondent survey {self.survey_id} trainee {self.trainee_id}>"


class Response(db.Model):
    """One filled-in form, with no link to who filled it in.

    Its id is random, not a sequence, and it keeps no time: neither the order of the rows nor
    a timestamp can be matched against the respondents'."""

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=_response_id)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    #: the questionnaire answered, as on the survey (kept here too, so an answer set reads alone)
    questionnaire_code: Mapped[str] = mapped_column(String(20))
    questionnaire_version: Mapped[str] = mapped_column(String(20))
    #: phone | paper
    source: Mapped[str] = mapped_column(String(10))
    #: SHA-256 of a random key only the answering device keeps (its cookie): what lets that
    #: device, and nobody else, edit the answers; empty for paper forms
    edit_hash: Mapped[str] = mapped_column(String(64), default="", index=True)

    answers: Mapped[list["Answer"]] = relationship(cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Response {self.id} survey {self.survey_id} {self.source}>"


class Answer(db.Model):
    """One answer of a response: a scale value or option number, or a short text (several
    rows for a several-choice question, one per option ticked)."""

    # No sequence number here either (it would give the order answers came in).
    response_id: Mapped[str] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    #: the question's key in the questionnaire, or module:<code> for a generated one
    question_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    #: 0, or for a several-choice question the option's number (one row per option ticked)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, default=0, autoincrement=False)
    #: 1–5 on a scale; the option's number (from 1) for a choice
    value: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<Answer {self.response_id} {self.question_key}={self.value or self.text!r}>"
