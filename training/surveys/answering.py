"""Answering a course's survey: from the trainee's phone (editable from that device until it
closes), or on a paper form the trainer types in; who has not answered yet, and the open
surveys a trainee is reminded of.

Services flush and never commit; the view that calls them commits once.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..clock import to_local, utcnow
from ..courses.models import Course, Enrolment
from ..extensions import db
from ..people.models import Trainee
from .models import Answer, Respondent, Response, Survey
from .questionnaire import TEXT_MAX, Question
from .services import SurveyError, ensure_survey, link_token, state, survey_of, window


def is_enrolled(course: Course, trainee_id: int) -> bool:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Enrolment)
            .where(Enrolment.course_id == course.id, Enrolment.trainee_id == trainee_id, Enrolment.status == "enrolled")
        )
        > 0
    )


def respondent_of(survey: Survey | None, trainee_id: int) -> Respondent | None:
    if survey is None:
        return None
    return db.session.scalar(
        select(Respondent).where(Respondent.survey_id == survey.id, Respondent.trainee_id == trainee_id)
    )


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def response_by_key(survey: Survey | None, key: str | None) -> Response | None:
    """The response of this survey whose device key is `key` (None for none or a wrong one)."""
    if survey is None or not key:
        return None
    return db.session.scalar(
        select(Response)
        .options(selectinload(Response.answers))
        .where(Response.survey_id == survey.id, Response.edit_hash == _hash(key))
    )


def parse_answers(questions: tuple[Question, ...], form) -> tuple[dict, dict]:
    """Read a posted form (`q-<key>` fields) into {key: value} — an int on a scale or a
    choice, a list of ints for several choices, a string for a short answer — and
    {key: message} for what is missing or out of range. Nothing typed is lost: the values
    read are returned with the errors, for the form to show again."""
    values, errors = {}, {}
    for question in questions:
        name = f"q-{question.key}"
        if question.kind == "multi":
            picked = sorted(
                {int(v) for v in form.getlist(name) if v.isdigit() and 1 <= int(v) <= len(question.options)}
            )
            if picked:
                values[question.key] = picked
        elif question.kind == "text":
            text = " ".join((form.get(name) or "").split())
            if len(text) > TEXT_MAX:
                errors[question.key] = _("Tối đa %(n)d ký tự.", n=TEXT_MAX)
            if text:
                values[question.key] = text[:TEXT_MAX]
        else:
            raw = (form.get(name) or "").strip()
            if raw:
                if raw.isdigit() and 1 <= int(raw) <= len(question.options):
                    values[question.key] = int(raw)
                else:
                    errors[question.key] = _("Lựa chọn không hợp lệ.")
        if question.required and question.key not in values and question.key not in errors:
            errors[question.key] = (
                _("Xin chọn một câu trả lời.") if question.kind != "text" else _("Xin nhập câu trả lời.")
            )
    return values, errors


def _answers(values: dict) -> list[Answer]:
    answers = []
    for key, value in values.items():
        if isinstance(value, list):
            answers.extend(Answer(question_key=key, position=v, value=v) for v in value)
        elif isinstance(value, int):
            answers.append(Answer(question_key=key, position=0, value=value))
        else:
            answers.append(Answer(question_key=key, position=0, text=value))
    return answers


def answer(course: Course, trainee_id: int, values: dict, device_key: str | None) -> tuple[Response, str]:
    """Record a trainee's answers from their phone, or replace them when `device_key` is the
    key of the response this device gave; returns the response and the device's key for it
    (new on a first answer). Flushes.

    :raises SurveyError: when the survey is not open, the trainee is not enrolled, or they
        have answered already from another device (or on paper).
    """
    survey = survey_of(course)
    if state(course, survey) != "open":
        raise SurveyError(_("Phiếu đánh giá của khóa học này không mở."))
    if not is_enrolled(course, trainee_id):
        raise SurveyError(_("Anh/chị không có tên trong khóa học này."))
    survey = ensure_survey(course)
    respondent = respondent_of(survey, trainee_id)
    if respondent is not None:
        response = response_by_key(survey, device_key)
        if response is None:
            raise SurveyError(
                _("Anh/chị đã gửi phiếu đánh giá của khóa học này. Chỉ sửa được trên thiết bị đã gửi phiếu.")
            )
        response.answers = _answers(values)
        db.session.flush()
        return response, device_key
    key = secrets.token_urlsafe(24)
    db.session.add(Respondent(survey_id=survey.id, trainee_id=trainee_id, source="phone"))
    return _add_response(survey, "phone", values, edit_hash=_hash(key)), key


def enter_paper(course: Course, values: dict, trainee_id: int | None = None) -> Response:
    """Record a paper form the trainer types in; with `trainee_id` (who handed it in), they
    are counted as answered, with nothing linking them to these answers. Flushes.

    :raises SurveyError: when the course is cancelled, or that trainee has answered already.
    """
    if course.status == "cancelled":
        raise SurveyError(_("Khóa học đã hủy, không lấy ý kiến đánh giá."))
    if not values:
        raise SurveyError(_("Phiếu trống: chưa có câu trả lời nào được nhập."))
    survey = ensure_survey(course)
    if trainee_id is not None:
        if not is_enrolled(course, trainee_id):
            raise SurveyError(_("Học viên này không có tên trong khóa học."))
        if respondent_of(survey, trainee_id) is not None:
            raise SurveyError(_("Học viên này đã trả lời phiếu đánh giá."))
        db.session.add(Respondent(survey_id=survey.id, trainee_id=trainee_id, source="paper"))
    return _add_response(survey, "paper", values)


def _add_response(survey: Survey, source: str, values: dict, edit_hash: str = "") -> Response:
    """A new set of answers to the questionnaire version the survey asks; flushes."""
    response = Response(
        survey_id=survey.id,
        questionnaire_code=survey.questionnaire_code,
        questionnaire_version=survey.questionnaire_version,
        source=source,
        edit_hash=edit_hash,
        answers=_answers(values),
    )
    db.session.add(response)
    db.session.flush()
    return response


def unanswered(course: Course, survey: Survey | None) -> list:
    """Enrolled trainees who have not answered, in Vietnamese name order (for the paper form's
    "handed in by" list)."""
    answered = select(Respondent.trainee_id).where(Respondent.survey_id == (survey.id if survey else -1))
    return list(
        db.session.scalars(
            select(Trainee)
            .join(Enrolment, Enrolment.trainee_id == Trainee.id)
            .where(
                Enrolment.course_id == course.id, Enrolment.status == "enrolled", Enrolment.trainee_id.not_in(answered)
            )
            .order_by(Trainee.name_key)
        )
    )


@dataclass(frozen=True)
class Reminder:
    course_id: int
    title: str
    token: str
    closes_at: datetime


def open_for_trainee(trainee_id: int | None) -> list[Reminder]:
    """The open surveys a trainee has not answered yet, of the courses they are enrolled in.

    Shown on every check-in result, so one query in the usual case (a course under way, whose
    survey is not open): only courses whose last day has come, or whose survey a trainer
    opened, and that the trainee has not answered, are loaded further."""
    if trainee_id is None:
        return []
    days = int(current_app.config["SURVEY_OPEN_DAYS"])
    today = to_local(utcnow()).date()
    answered = (
        select(Respondent.id).where(Respondent.survey_id == Survey.id, Respondent.trainee_id == trainee_id).exists()
    )
    rows = db.session.execute(
        select(Course, Survey)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .outerjoin(Survey, Survey.course_id == Course.id)
        .where(
            Enrolment.trainee_id == trainee_id,
            Enrolment.status == "enrolled",
            Course.status != "cancelled",
            Course.ends_on >= today - timedelta(days=days + 1),
            or_(Course.ends_on <= today, Survey.opened_at.is_not(None)),
            ~answered,
        )
    ).all()
    reminders = []
    for course, survey in rows:
        if state(course, survey) == "open":
            reminders.append(Reminder(course.id, course.title, link_token(course.id), window(course, survey)[1]))
    return reminders
