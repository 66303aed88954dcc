"""Use cases of the course surveys: when a survey is open, answering (phone or paper), editing
from the answering device, and the results, per course and summed over courses.

Services flush and never commit; the view that calls them commits once.
"""

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import abort, current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..auth.permissions import managed_unit_id
from ..clock import to_local, utcnow
from ..courses.models import Course, Enrolment
from ..courses.services import enrolment_counts
from ..curricula import catalogue
from ..errors import DomainError
from ..extensions import db
from ..people.models import Trainee
from ..vietnamese import sort_key
from .models import Answer, Respondent, Response, Survey
from .questionnaire import TEXT_MAX, Question, Questionnaire, Questionnaires


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


# --- answering -----------------------------------------------------------------------------------


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
    response = Response(
        survey_id=survey.id,
        questionnaire_code=survey.questionnaire_code,
        questionnaire_version=survey.questionnaire_version,
        source="phone",
        edit_hash=_hash(key),
        answers=_answers(values),
    )
    db.session.add(response)
    db.session.flush()
    return response, key


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
    response = Response(
        survey_id=survey.id,
        questionnaire_code=survey.questionnaire_code,
        questionnaire_version=survey.questionnaire_version,
        source="paper",
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


# --- results -------------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: Question
    #: how many responses answered it
    answered: int = 0
    #: per option (scale value or choice number, from 1): how many chose it
    counts: list[int] = field(default_factory=list)
    mean: float | None = None
    texts: list[str] = field(default_factory=list)

    def share(self, index: int) -> float:
        return self.counts[index] / self.answered if self.answered else 0.0


@dataclass
class CourseResults:
    course: Course
    survey: Survey | None
    questionnaire: Questionnaire
    enrolled: int
    #: responses (phone and paper)
    responses: int
    by_source: dict[str, int]
    questions: list[QuestionResult]
    #: whether there are enough responses (min_answers) to show anything but the counts
    visible: bool
    satisfaction: float | None

    @property
    def response_rate(self) -> float | None:
        return min(1.0, self.responses / self.enrolled) if self.enrolled else None


def _question_results(
    questions: tuple[Question, ...], answers: list[tuple[str, int | None, str]]
) -> list[QuestionResult]:
    by_key = {q.key: QuestionResult(q, counts=[0] * len(q.options)) for q in questions}
    answered: dict[str, set] = defaultdict(set)
    for response_id, key, value, text in answers:
        result = by_key.get(key)
        if result is None:
            continue
        answered[key].add(response_id)
        if result.question.kind == "text":
            if text:
                result.texts.append(text)
        elif value is not None and 1 <= value <= len(result.counts):
            result.counts[value - 1] += 1
    for key, result in by_key.items():
        result.answered = len(answered[key])
        if result.question.is_scale and result.answered:
            result.mean = sum((i + 1) * c for i, c in enumerate(result.counts)) / sum(result.counts)
        # Alphabetical, never in the order they came: the order could tell who wrote what.
        result.texts.sort(key=str.casefold)
    return list(by_key.values())


def _mean_of_scales(results: list[QuestionResult]) -> float | None:
    total = sum((i + 1) * c for r in results if r.question.is_scale for i, c in enumerate(r.counts))
    count = sum(sum(r.counts) for r in results if r.question.is_scale)
    return total / count if count else None


def course_results(course: Course) -> CourseResults:
    """A course's survey results: counts always; the distribution, means and short answers
    only when at least min_answers() responses exist."""
    survey = survey_of(course)
    questions = questions_of(course, survey)
    enrolled = enrolment_counts([course.id]).get(course.id, 0)
    by_source: dict[str, int] = {}
    rows = []
    if survey is not None:
        by_source = dict(
            db.session.execute(
                select(Response.source, func.count()).where(Response.survey_id == survey.id).group_by(Response.source)
            ).all()
        )
        rows = db.session.execute(
            select(Answer.response_id, Answer.question_key, Answer.value, Answer.text)
            .join(Response)
            .where(Response.survey_id == survey.id)
        ).all()
    responses = sum(by_source.values())
    visible = responses >= min_answers()
    results = _question_results(questions, rows if visible else [])
    return CourseResults(
        course,
        survey,
        questionnaire_of(course, survey),
        enrolled,
        responses,
        by_source,
        results,
        visible,
        _mean_of_scales(results) if visible else None,
    )


# --- over many courses: by programme, trainer and area --------------------------------------------

GROUPINGS = ("programme", "trainer", "area")


def area_of(course: Course) -> tuple[int, str]:
    """The area a course counts under in the summaries: today its managing unit. The one
    place to change when areas replace districts."""
    return course.unit_id, course.unit.name


@dataclass
class Figures:
    """What the reports say of a set of courses' surveys."""

    courses: int = 0
    enrolled: int = 0
    responses: int = 0
    #: sum and count of every 1–5 answer
    scale_total: int = 0
    scale_count: int = 0
    #: per scale question key: [sum, count]
    by_key: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    @property
    def satisfaction(self) -> float | None:
        """Mức độ hài lòng trung bình: the mean of every 1–5 answer."""
        return self.scale_total / self.scale_count if self.scale_count else None

    @property
    def response_rate(self) -> float | None:
        """Tỷ lệ phản hồi: responses over active enrolments."""
        return min(1.0, self.responses / self.enrolled) if self.enrolled else None

    def mean(self, key: str) -> float | None:
        total, count = self.by_key.get(key, (0, 0))
        return total / count if count else None

    def add(self, other: "Figures") -> None:
        self.courses += other.courses
        self.enrolled += other.enrolled
        self.responses += other.responses
        self.scale_total += other.scale_total
        self.scale_count += other.scale_count
        for key, (total, count) in other.by_key.items():
            self.by_key[key][0] += total
            self.by_key[key][1] += count


def _course_figures(courses: list[Course]) -> dict[int, Figures]:
    """Figures per course, in four queries whatever the number of courses."""
    ids = [c.id for c in courses]
    figures = {c.id: Figures(courses=1) for c in courses}
    for course_id, count in enrolment_counts(ids).items():
        figures[course_id].enrolled = count
    if not ids:
        return figures
    surveys = {s.id: s for s in db.session.scalars(select(Survey).where(Survey.course_id.in_(ids)))}
    if not surveys:
        return figures
    for survey_id, count in db.session.execute(
        select(Response.survey_id, func.count())
        .where(Response.survey_id.in_(list(surveys)))
        .group_by(Response.survey_id)
    ):
        figures[surveys[survey_id].course_id].responses = count
    courses_by_id = {c.id: c for c in courses}
    scale_keys = {
        sid: {q.key for q in questions_of(courses_by_id[s.course_id], s) if q.is_scale} for sid, s in surveys.items()
    }
    rows = db.session.execute(
        select(Response.survey_id, Answer.question_key, func.sum(Answer.value), func.count())
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.survey_id.in_(list(surveys)), Answer.value.is_not(None))
        .group_by(Response.survey_id, Answer.question_key)
    )
    for survey_id, key, total, count in rows:
        if key in scale_keys[survey_id]:
            figure = figures[surveys[survey_id].course_id]
            figure.scale_total += int(total)
            figure.scale_count += count
            figure.by_key[key][0] += int(total)
            figure.by_key[key][1] += count
    return figures


def figures_for(courses: list[Course]) -> Figures:
    """ "Mức độ hài lòng trung bình" and "Tỷ lệ phản hồi" of a set of courses, for the area and
    province reports (`.satisfaction`, `.response_rate`). Cancelled courses are left out."""
    total = Figures()
    for figure in _course_figures([c for c in courses if c.status != "cancelled"]).values():
        total.add(figure)
    return total


@dataclass
class Summary:
    first: date
    last: date
    grouping: str
    #: (label, figures), in label order
    rows: list[tuple[str, Figures]]
    total: Figures
    #: the scale questions of the default questionnaire: the columns of the summary
    columns: list[Question]


def courses_between(first: date, last: date, user) -> list[Course]:
    """Courses whose last day falls in [first, last], of the units this user may see."""
    query = (
        select(Course)
        .options(joinedload(Course.unit), selectinload(Course.trainers), selectinload(Course.sessions))
        .where(Course.ends_on >= first, Course.ends_on <= last, Course.status != "cancelled")
    )
    unit_id = managed_unit_id(user)
    if unit_id is not None:
        query = query.where(Course.unit_id == unit_id)
    return list(db.session.scalars(query).unique())


def summary(first: date, last: date, grouping: str, user) -> Summary:
    """The surveys of the courses that ended in a period, summed by programme, trainer or area.
    A group's means are shown only when it holds at least min_answers() responses (the view
    hides them below)."""
    courses = courses_between(first, last, user)
    per_course = _course_figures(courses)
    groups: dict[tuple, Figures] = defaultdict(Figures)
    labels: dict[tuple, str] = {}
    for course in courses:
        if grouping == "trainer":
            keys = [((t.id,), t.full_name) for t in course.trainers] or [((0,), _("(chưa phân công)"))]
        elif grouping == "area":
            unit_id, name = area_of(course)
            keys = [((unit_id,), name)]
        else:
            curriculum = catalogue().current(course.curriculum_code)
            keys = [
                (
                    (course.curriculum_code,),
                    f"{course.curriculum_code}. {curriculum.title}" if curriculum else course.curriculum_code,
                )
            ]
        for key, label in keys:
            groups[key].add(per_course[course.id])
            labels[key] = label
    total = Figures()
    for figure in per_course.values():
        total.add(figure)
    # Vietnamese order: code points put a unit or trainer whose name starts with Đ after Z
    rows = sorted(((labels[k], f) for k, f in groups.items()), key=lambda row: sort_key(row[0]))
    columns = [q for q in questionnaires().default.questions if q.is_scale]
    return Summary(first, last, grouping, rows, total, columns)


def default_period(today: date) -> tuple[date, date]:
    """The year so far: what the province sums for its yearly report."""
    return date(today.year, 1, 1), today
