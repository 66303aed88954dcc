"""Eligibility for a certificate: the trainees' assessment scores (the results), recorded one
by one or for a whole course at once, and each trainee judged against the programme's
completion rule.

Services flush and never commit; the view or command that calls them commits once.
"""

from dataclasses import dataclass, field

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..attendance.shares import TraineeAttendance, course_attendance
from ..clock import utcnow
from ..courses.models import Course, Enrolment
from ..extensions import db
from .models import Assessment, Certificate
from .services import CertificateError


def record_score(enrolment: Enrolment, score: float | None, user_id: int | None) -> Assessment | None:
    """Set (or clear, with None) a trainee's assessment score, audited; flushes.

    :raises CertificateError: a score outside 0–10, or the trainee already has a certificate.
    """
    assessment = db.session.scalar(select(Assessment).where(Assessment.enrolment_id == enrolment.id))
    problem = _score_problem(enrolment, _original(enrolment), score)
    if problem:
        raise CertificateError(problem)
    assessment = _apply_score(enrolment, assessment, score, user_id)
    db.session.flush()
    return assessment


class ScoresRejected(CertificateError):
    """Scores that cannot be recorded: enrolment id → why, for each such trainee."""

    def __init__(self, problems: dict[int, str]):
        self.problems = problems
        super().__init__(list(problems.values()))


def record_scores(
    eligibility: list["Eligibility"],
    scores: dict[int, float | None],
    user_id: int | None,
    unreadable: dict[int, str] | None = None,
) -> int:
    """Set (or clear) the scores of several trainees of a course at once (enrolment id →
    score), as the results page saves them, all or none; returns how many changed.
    `eligibility` is the course's course_eligibility(), which the page has read already, so
    what the course holds is read once, whatever the number of trainees. `unreadable` names
    the scores the page could not read as numbers (enrolment id → why): they are refused with
    the others, so nothing is saved while one is wrong. Flushes.

    :raises ScoresRejected: with the reason for every score that cannot be recorded.
    """
    rows = {row.enrolment.id: row for row in eligibility}
    problems = {}
    for enrolment_id, score in scores.items():
        row = rows.get(enrolment_id)
        problem = (
            _("Không có học viên này trong khóa học.")
            if row is None
            else _score_problem(row.enrolment, row.certificate, score)
        )
        if problem:
            problems[enrolment_id] = problem
    problems.update(unreadable or {})
    if problems:
        raise ScoresRejected(problems)
    changed = 0
    for enrolment_id, score in scores.items():
        row = rows[enrolment_id]
        if (row.assessment.score if row.assessment else None) != score:
            _apply_score(row.enrolment, row.assessment, score, user_id)
            changed += 1
    db.session.flush()
    return changed


def _score_problem(enrolment: Enrolment, certificate: Certificate | None, score: float | None) -> str | None:
    if score is not None and not 0 <= score <= 10:
        return _("%(name)s: điểm phải từ 0 đến 10.", name=enrolment.trainee.full_name)
    if certificate is not None:
        return _("%(name)s đã được cấp giấy chứng nhận; không sửa được điểm.", name=enrolment.trainee.full_name)
    return None


def _apply_score(
    enrolment: Enrolment, assessment: Assessment | None, score: float | None, user_id: int | None
) -> Assessment | None:
    """Write the score (unflushed) and audit it; the assessment, or None once cleared."""
    before = assessment.score if assessment else None
    if before == score:
        return assessment
    if score is None:
        db.session.delete(assessment)
    else:
        if assessment is None:
            assessment = Assessment(enrolment=enrolment, score=score)
            db.session.add(assessment)
        assessment.score = score
        assessment.recorded_by_id, assessment.recorded_at = user_id, utcnow()
    audit.record(
        "result.score", enrolment, actor_id=user_id, trainee=enrolment.trainee.full_name, before=before, after=score
    )
    return assessment if score is not None else None


# --- eligibility ----------------------------------------------------------------------------


@dataclass
class Eligibility:
    """Whether one trainee meets the programme's completion rule, and why not."""

    attendance: TraineeAttendance
    assessment: Assessment | None
    certificate: Certificate | None
    reasons: list[str]
    #: what the trainer should know but does not stop the certificate (a failing score in a
    #: programme that does not require the assessment)
    notes: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def enrolment(self) -> Enrolment:
        return self.attendance.enrolment


def course_eligibility(course: Course) -> list[Eligibility]:
    """Every active trainee of a course judged against the programme's completion rule."""
    curriculum = course.curriculum
    rule = curriculum.completion
    rows = course_attendance(course)
    ids = [row.enrolment.id for row in rows]
    assessments = (
        {a.enrolment_id: a for a in db.session.scalars(select(Assessment).where(Assessment.enrolment_id.in_(ids)))}
        if ids
        else {}
    )
    certificates = (
        {
            c.enrolment_id: c
            for c in db.session.scalars(
                select(Certificate).where(Certificate.enrolment_id.in_(ids), Certificate.copy_number == 0)
            )
        }
        if ids
        else {}
    )
    earlier = _certified_elsewhere(course, [row.enrolment.trainee_id for row in rows])
    result = []
    for row in rows:
        assessment = assessments.get(row.enrolment.id)
        # The rule is the programme's (the same the reports count completions by); this
        # only puts each shortfall into words.
        reasons = []
        for shortfall in curriculum.shortfalls(row.share, assessment.score if assessment else None):
            if shortfall == "attendance":
                reasons.append(
                    _(
                        "tham dự %(a)d/%(b)d tiết (%(p)s%%), cần từ %(m)s%%",
                        a=row.attended_periods,
                        b=row.required_periods,
                        p=_percent(row.share),
                        m=_percent(rule.min_attendance),
                    )
                )
            elif shortfall == "no_score":
                reasons.append(_("chưa có điểm bài kiểm tra/thu hoạch"))
            else:
                reasons.append(
                    _("điểm %(s)s dưới điểm đạt %(m)s", s=_number(assessment.score), m=_number(rule.pass_mark))
                )
        notes = []
        if not rule.assessment_required and assessment is not None and assessment.score < rule.pass_mark:
            notes.append(
                _(
                    "điểm %(s)s dưới điểm đạt %(m)s, nhưng chương trình không bắt buộc bài kiểm tra nên vẫn đủ điều "
                    "kiện",
                    s=_number(assessment.score),
                    m=_number(rule.pass_mark),
                )
            )
        certificate = certificates.get(row.enrolment.id)
        other = earlier.get(row.enrolment.trainee_id)
        if certificate is None and other is not None:
            # One programme version, one certificate: a lost one is replaced by a copy.
            reasons.append(
                _(
                    "đã có giấy chứng nhận %(serial)s của chương trình này (khóa %(course)s); "
                    "nếu bị mất, hãy cấp bản sao từ giấy đó",
                    serial=other.serial,
                    course=other.course_code,
                )
            )
        result.append(Eligibility(row, assessment, certificate, reasons, notes))
    return result


def _certified_elsewhere(course: Course, trainee_ids: list[int]) -> dict[int, Certificate]:
    """trainee id → a valid original certificate of the same programme version that they
    hold from another course; one query."""
    if not trainee_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.trainee_id, Certificate)
        .select_from(Certificate)
        .join(Certificate.enrolment)
        .join(Enrolment.course)
        .where(
            Enrolment.trainee_id.in_(trainee_ids),
            Enrolment.course_id != course.id,
            Course.curriculum_code == course.curriculum_code,
            Course.curriculum_version == course.curriculum_version,
            Certificate.copy_number == 0,
            Certificate.revoked_at.is_(None),
        )
        .order_by(Certificate.issued_at)
    )
    found: dict[int, Certificate] = {}
    for trainee_id, certificate in rows:
        found.setdefault(trainee_id, certificate)
    return found


def _percent(share: float) -> str:
    return format_decimal(round(share * 100, 1), format="#,##0.#")


def _number(value: float) -> str:
    return format_decimal(round(value, 2), format="#,##0.##")


def _original(enrolment: Enrolment) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(Certificate.enrolment_id == enrolment.id, Certificate.copy_number == 0)
    )
