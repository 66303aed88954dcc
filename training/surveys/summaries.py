"""The results of the course surveys: one course's (shown from min_answers() answers), and
the figures summed over many courses, by programme, trainer or area, and for the reports
(figures_for)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..auth.permissions import managed_unit_id
from ..courses.models import Course
from ..courses.services import enrolment_counts
from ..curricula import catalogue
from ..extensions import db
from ..vietnamese import sort_key
from .models import Answer, Response, Survey
from .questionnaire import Question, Questionnaire
from .services import min_answers, questionnaire_of, questionnaires, questions_of, survey_of


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


def _course_figures(ids: list[int]) -> dict[int, Figures]:
    """Figures per course id, in four queries whatever the number of courses; the courses
    themselves are read only where they have a survey (its questions depend on them)."""
    figures = {course_id: Figures(courses=1) for course_id in ids}
    for course_id, count in enrolment_counts(ids).items():
        figures[course_id].enrolled = count
    if not ids:
        return figures
    surveys = {
        s.id: s
        for s in db.session.scalars(
            select(Survey).options(selectinload(Survey.course)).where(Survey.course_id.in_(ids))
        )
    }
    if not surveys:
        return figures
    for survey_id, count in db.session.execute(
        select(Response.survey_id, func.count())
        .where(Response.survey_id.in_(list(surveys)))
        .group_by(Response.survey_id)
    ):
        figures[surveys[survey_id].course_id].responses = count
    scale_keys = {sid: {q.key for q in questions_of(s.course, s) if q.is_scale} for sid, s in surveys.items()}
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


def figures_for(course_ids: list[int]) -> Figures:
    """ "Mức độ hài lòng trung bình" and "Tỷ lệ phản hồi" of a set of courses (by id), for the
    area and province reports (`.satisfaction`, `.response_rate`) and a course's page.
    Cancelled courses are left out. Reads the courses' ids and statuses, not the courses: a
    province's report of a few years names thousands."""
    kept = (
        list(db.session.scalars(select(Course.id).where(Course.id.in_(course_ids), Course.status != "cancelled")))
        if course_ids
        else []
    )
    total = Figures()
    for figure in _course_figures(kept).values():
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
    per_course = _course_figures([course.id for course in courses])
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
