"""A course's survey: the questionnaire it asks, when it is open, opening and closing it by
hand, and its public link. Answering it is in answering.py, its results in summaries.py.

Services flush and never commit; the view that calls them commits once.
"""

from datetime import datetime, timedelta

from flask import abort, current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..courses.models import Course
from ..errors import DomainError
from ..extensions import db
from .models import Survey
from .questionnaire import Question, Questionnaire, Questionnaires


class SurveyError(DomainError):
    """A survey operation that cannot be done; the message is for the user."""


def questionnaires() -> Questionnaires:
    """The questionnaires loaded by this app."""
    return current_app.extensions["questionnaires"]


def min_answers() -> int:
    """Below this many answers no result of a survey is shown (no answer can be traced to a
    person); SURVEY_MIN_ANSWERS, 5 by default."""
    return int(current_app.config["SURVEY_MIN_ANSWERS"])


# --- a course's survey and its window ----------------------------------------------------------


def survey_of(course: Course) -> Survey | None:
    return db.session.scalar(select(Survey).where(Survey.course_id == course.id))


def questionnaire_of(course: Course, survey: Survey | None = None) -> Questionnaire:
    """The questionnaire a course's survey asks: the version pinned on its survey once it has
    one, else the current one of the course's programme."""
    if survey is not None:
        pinned = questionnaires().get(survey.questionnaire_code, survey.questionnaire_version)
        if pinned is not None:
            return pinned
    return questionnaires().for_programme(course.curriculum_code)


def questions_of(course: Course, survey: Survey | None = None) -> tuple[Question, ...]:
    """The questionnaire's questions, then one for each module of the course's programme."""
    return questionnaire_of(course, survey).for_curriculum(course.curriculum)


def ensure_survey(course: Course) -> Survey:
    """The course's survey, created (pinned to the current questionnaire version) if missing; flushes."""
    survey = survey_of(course)
    if survey is None:
        questionnaire = questionnaire_of(course)
        survey = Survey(
            course_id=course.id, questionnaire_code=questionnaire.code, questionnaire_version=questionnaire.version
        )
        db.session.add(survey)
        db.session.flush()
    return survey


def _last_end(course: Course) -> datetime | None:
    return max((s.ends_at for s in course.sessions), default=None)


def window(course: Course, survey: Survey | None) -> tuple[datetime | None, datetime | None]:
    """(opens_at, closes_at) in naive UTC: it opens when the trainer opens it or when the last
    session ends, and closes when the trainer closes it or SURVEY_OPEN_DAYS days later."""
    opens_at = (survey.opened_at if survey and survey.opened_at else None) or _last_end(course)
    if survey is not None and survey.closed_at is not None:
        return opens_at, survey.closed_at
    days = int(current_app.config["SURVEY_OPEN_DAYS"])
    return opens_at, (opens_at + timedelta(days=days) if opens_at else None)


def state(course: Course, survey: Survey | None, at: datetime | None = None) -> str:
    """'none' (a cancelled course, or one with no session), 'not_yet', 'open' or 'closed'."""
    at = at or utcnow()
    opens_at, closes_at = window(course, survey)
    if course.status == "cancelled" or opens_at is None:
        return "none"
    if at < opens_at:
        return "not_yet"
    return "open" if at < closes_at else "closed"


def open_now(course: Course) -> Survey:
    """Open the survey at once: before the last session ends, or again after it closed (for
    another SURVEY_OPEN_DAYS days); flushes.

    :raises SurveyError: for a cancelled course.
    """
    if course.status == "cancelled":
        raise SurveyError(_("Khóa học đã hủy, không lấy ý kiến đánh giá."))
    survey = ensure_survey(course)
    now = utcnow()
    if state(course, survey, now) != "open":
        survey.opened_at, survey.closed_at = now, None
        db.session.flush()
    return survey


def close_now(course: Course) -> Survey:
    """Close the survey: no answer or edit is taken afterwards; flushes."""
    survey = ensure_survey(course)
    if state(course, survey) != "open":
        raise SurveyError(_("Phiếu đánh giá đang không mở."))
    survey.closed_at = utcnow()
    db.session.flush()
    return survey


# --- links ---------------------------------------------------------------------------------------


def _link_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="course-survey")


def link_token(course_id: int) -> str:
    """The signed token of a course's public survey link (no course id to count through)."""
    return _link_serializer().dumps(course_id)


def course_of_token(token: str) -> Course:
    """The course of a survey link.

    :raises NotFound: for a token that is not one of ours, or a course since deleted.
    """
    try:
        course_id = _link_serializer().loads(token)
    except BadSignature:
        abort(404)
    if not isinstance(course_id, int):
        abort(404)
    return db.get_or_404(Course, course_id, options=[selectinload(Course.sessions)])
