"""Use cases for results and certificates: scores, eligibility, issuing, verification,
revocation and replacement copies.

Services flush and never commit; the view or command that calls them commits once.
"""
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask import abort, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..attendance.services import TraineeAttendance, course_attendance
from ..auth.permissions import require_unit
from ..clock import local_today, to_local, utcnow
from ..courses.models import Course, Enrolment
from ..extensions import db, dialect_insert, insert_or_skip
from ..pdf import issuer_lines, place_name
from ..people.models import CODE_ALPHABET
from ..vietnamese import fold
from ..web import external_url
from .models import REVOKE_CATEGORIES, Assessment, Certificate, SerialCounter, VerificationCount

VERIFY_CODE_LENGTH = 17  # 17 characters of a 31-letter alphabet ≈ 84 bits


class CertificateError(Exception):
    """A certificate operation that cannot be done; the message is for the user."""


def new_verify_code() -> str:
    """A random verification code of about 84 bits, without confusable characters."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(VERIFY_CODE_LENGTH))


def get_certificate_or_404(certificate_id: int) -> Certificate:
    """A certificate of a course the current user may act on (a trainee: their own).

    :raises NotFound, Forbidden:
    """
    certificate = db.get_or_404(Certificate, certificate_id)
    if current_user.role == "trainee":
        if current_user.trainee_id != certificate.enrolment.trainee_id:
            abort(403)
    else:
        require_unit(certificate.enrolment.course.unit_id)
    return certificate


# --- results --------------------------------------------------------------------------------

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
        super().__init__("; ".join(problems.values()))


def record_scores(eligibility: list["Eligibility"], scores: dict[int, float | None], user_id: int | None) -> int:
    """Set (or clear) the scores of several trainees of a course at once (enrolment id →
    score), as the results page saves them, all or none; returns how many changed.
    `eligibility` is the course's course_eligibility(), which the page has read already, so
    what the course holds is read once, whatever the number of trainees. Flushes.

    :raises ScoresRejected: with the reason for every score that cannot be recorded.
    """
    rows = {row.enrolment.id: row for row in eligibility}
    problems = {}
    for enrolment_id, score in scores.items():
        row = rows.get(enrolment_id)
        problem = _("Không có học viên này trong khóa học.") if row is None else _score_problem(row.enrolment, row.certificate, score)
        if problem:
            problems[enrolment_id] = problem
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
        return _("Điểm phải từ 0 đến 10.")
    if certificate is not None:
        return _("%(name)s đã được cấp giấy chứng nhận; không sửa được điểm.", name=enrolment.trainee.full_name)
    return None


def _apply_score(enrolment: Enrolment, assessment: Assessment | None, score: float | None, user_id: int | None) -> Assessment | None:
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
    audit.record("result.score", enrolment, actor_id=user_id, trainee=enrolment.trainee.full_name, before=before, after=score)
    return assessment if score is not None else None


# --- eligibility ----------------------------------------------------------------------------

@dataclass
class Eligibility:
    """Whether one trainee meets the programme's completion rule, and why not."""

    attendance: TraineeAttendance
    assessment: Assessment | None
    certificate: Certificate | None
    reasons: list[str]

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
    assessments = {a.enrolment_id: a for a in db.session.scalars(select(Assessment).where(Assessment.enrolment_id.in_(ids)))} if ids else {}
    certificates = {
        c.enrolment_id: c for c in db.session.scalars(
            select(Certificate).where(Certificate.enrolment_id.in_(ids), Certificate.copy_number == 0))
    } if ids else {}
    result = []
    for row in rows:
        assessment = assessments.get(row.enrolment.id)
        # The rule is the programme's (the same the reports count completions by); this
        # only puts each shortfall into words.
        reasons = []
        for shortfall in curriculum.shortfalls(row.share, assessment.score if assessment else None):
            if shortfall == "attendance":
                reasons.append(_("tham dự %(a)d/%(b)d tiết (%(p)s%%), cần từ %(m)s%%", a=row.attended_periods,
                                 b=row.required_periods, p=_percent(row.share), m=_percent(rule.min_attendance)))
            elif shortfall == "no_score":
                reasons.append(_("chưa có điểm bài kiểm tra/thu hoạch"))
            else:
                reasons.append(_("điểm %(s)s dưới điểm đạt %(m)s", s=_number(assessment.score), m=_number(rule.pass_mark)))
        result.append(Eligibility(row, assessment, certificates.get(row.enrolment.id), reasons))
    return result


def _percent(share: float) -> str:
    return f"{share * 100:.1f}".rstrip("0").rstrip(".")


def _number(value: float) -> str:
    return f"{value:g}"


def _original(enrolment: Enrolment) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id, Certificate.copy_number == 0))


# --- issuing --------------------------------------------------------------------------------

def reserve_serials(unit_id: int, year: int, count: int) -> range:
    """Reserve `count` consecutive serial numbers for a unit and year, atomically.

    The counter row is bumped with one UPDATE … RETURNING, which the database serialises,
    so two batches issued at the same moment get disjoint ranges.
    """
    db.session.execute(insert_or_skip(SerialCounter), {"unit_id": unit_id, "year": year, "last": 0})
    last = db.session.execute(
        update(SerialCounter).where(SerialCounter.unit_id == unit_id, SerialCounter.year == year)
        .values(last=SerialCounter.last + count).returning(SerialCounter.last)
    ).scalar_one()
    return range(last - count + 1, last + 1)


def format_serial(unit_code: str, year: int, number: int) -> str:
    return f"{unit_code}/{year}/{number:04d}"


@dataclass
class SignerInfo:
    """Who signs the certificates of a batch, and where they are issued."""

    title: str
    name: str
    place: str
    issuer: str
    issuer_parent: str


def default_signer(course: Course) -> SignerInfo:
    with force_locale("vi"):  # a certificate is an official Vietnamese paper, whatever the UI language
        parent, office = issuer_lines(course.unit)
    return SignerInfo(
        title=current_app.config.get("CERTIFICATE_SIGNER_TITLE", "TRƯỞNG PHÒNG VĂN HÓA VÀ THÔNG TIN"),
        name="", place=place_name(course.unit.name), issuer=office.upper(), issuer_parent=parent,
    )


def issue_batch(course: Course, signer: SignerInfo, user_id: int | None, on: date | None = None) -> list[Certificate]:
    """Issue certificates to every eligible trainee of a closed course who has none yet.

    Serials are reserved in one step; each PDF is made once, here, and stored with its hash.
    Flushes.

    :raises CertificateError: the course is not closed, or nobody is eligible.
    """
    from .pdf import render_certificate

    if course.status != "closed":
        raise CertificateError(_("Chỉ cấp giấy chứng nhận khi khóa học đã kết thúc (trạng thái “Đã kết thúc”)."))
    if not signer.name.strip():
        raise CertificateError(_("Cần ghi họ tên người ký."))
    on = on or local_today()
    # Take the unit's serial counter first: a second batch of the same course (a double click,
    # two trainers at once) waits here until this one commits, then finds it already issued.
    reserve_serials(course.unit_id, on.year, 0)
    todo = [e for e in course_eligibility(course) if e.eligible and e.certificate is None]
    if not todo:
        raise CertificateError(_("Không còn học viên nào đủ điều kiện mà chưa được cấp giấy chứng nhận."))
    numbers = reserve_serials(course.unit_id, on.year, len(todo))
    facts = _certificate_facts(course)
    issued = []
    for number, eligibility in zip(numbers, todo):
        enrolment = eligibility.enrolment
        certificate = _new_certificate(course, enrolment, format_serial(course.unit.code, on.year, number), 0, user_id,
                                       holder_name=enrolment.trainee.full_name, **facts)
        _store_pdf(certificate, render_certificate(certificate, enrolment, signer, on))
        issued.append(certificate)
    db.session.add_all(issued)
    db.session.flush()  # one INSERT each, the PDF included; the ids for the audit trail
    for certificate in issued:
        audit.record("certificate.issue", certificate, actor_id=user_id, serial=certificate.serial, trainee=certificate.holder_name)
    db.session.flush()
    return issued


def _certificate_facts(course: Course) -> dict:
    """What every certificate of a course states about it, fixed at issue: the programme and
    the dates of the course, from its first session's day to its last's."""
    sessions = course.sessions
    first = to_local(sessions[0].starts_at).date() if sessions else course.starts_on
    last = to_local(sessions[-1].ends_at).date() if sessions else course.ends_on
    dates = first.strftime("%d/%m/%Y") if first == last else f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"
    return {"programme": f"{course.curriculum.code}. {course.curriculum.title}", "course_dates": dates}


def _new_certificate(course: Course, enrolment: Enrolment, serial: str, copy_number: int, user_id: int | None, *,
                     holder_name: str, programme: str, course_dates: str) -> Certificate:
    """A certificate not yet added to the session, stating what it is given."""
    return Certificate(
        serial=serial, copy_number=copy_number, verify_code=new_verify_code(), enrolment=enrolment,
        issuing_unit_id=course.unit_id, issued_by_id=user_id, holder_name=holder_name, programme=programme,
        holder_birth_date=enrolment.trainee.birth_date,
        course_code=course.code, course_dates=course_dates, issuer_name=course.unit.name,
    )


def _store_pdf(certificate: Certificate, pdf: bytes) -> None:
    certificate.pdf, certificate.sha256 = pdf, hashlib.sha256(pdf).hexdigest()


def _next_copy_number(serial: str) -> int:
    return db.session.scalar(select(func.max(Certificate.copy_number)).where(Certificate.serial == serial)) + 1


def issue_copy(original: Certificate, signer: SignerInfo, user_id: int | None, on: date | None = None) -> Certificate:
    """A replacement copy for a lost certificate: the same serial, marked as a copy and linked
    to the original, with its own verification code. Flushes.

    :raises CertificateError: the original is revoked or is itself a copy, or another copy of
        it was issued at the same moment.
    """
    from .pdf import render_certificate

    if original.is_copy:
        raise CertificateError(_("Hãy cấp bản sao từ giấy chứng nhận gốc."))
    if original.is_revoked:
        raise CertificateError(_("Giấy chứng nhận đã bị thu hồi, không cấp bản sao."))
    if not signer.name.strip():
        raise CertificateError(_("Cần ghi họ tên người ký."))
    course = original.enrolment.course
    copy = _new_certificate(course, original.enrolment, original.serial, _next_copy_number(original.serial), user_id,
                            holder_name=original.holder_name, programme=original.programme, course_dates=original.course_dates)
    copy.replaces = original
    _store_pdf(copy, render_certificate(copy, original.enrolment, signer, on or local_today()))
    try:
        with db.session.begin_nested():
            db.session.add(copy)
            db.session.flush()
    except IntegrityError:
        # Someone issued a copy of the same certificate a moment ago and took this number.
        raise CertificateError(_("Vừa có một bản sao khác của giấy chứng nhận này được cấp. "
                                 "Hãy tải lại trang để xem bản sao đó trước khi cấp thêm.")) from None
    audit.record("certificate.copy", copy, actor_id=user_id, serial=copy.serial, original=original.id)
    db.session.flush()
    return copy


# --- revocation -----------------------------------------------------------------------------

def revoke(certificate: Certificate, category: str, reason: str, user_id: int | None) -> Certificate:
    """Revoke a certificate (its verification URL keeps working and says so); audited.

    :raises CertificateError: unknown category, missing reason, or already revoked.
    """
    if category not in REVOKE_CATEGORIES:
        raise CertificateError(_("Chọn loại lý do thu hồi."))
    if not reason.strip():
        raise CertificateError(_("Cần ghi lý do thu hồi."))
    if certificate.is_revoked:
        raise CertificateError(_("Giấy chứng nhận đã bị thu hồi từ trước."))
    certificate.revoked_at, certificate.revoke_category, certificate.revoke_reason = utcnow(), category, reason.strip()
    audit.record("certificate.revoke", certificate, actor_id=user_id, category=category, reason=reason.strip())
    db.session.flush()
    return certificate


def unrevoke(certificate: Certificate, reason: str, user_id: int | None) -> Certificate:
    """Undo a revocation, audited with the reason.

    :raises CertificateError: not revoked, or no reason.
    """
    if not certificate.is_revoked:
        raise CertificateError(_("Giấy chứng nhận đang có hiệu lực."))
    if not reason.strip():
        raise CertificateError(_("Cần ghi lý do khôi phục."))
    before = {"category": certificate.revoke_category, "reason": certificate.revoke_reason}
    certificate.revoked_at, certificate.revoke_category, certificate.revoke_reason = None, "", ""
    audit.record("certificate.unrevoke", certificate, actor_id=user_id, before=before, reason=reason.strip())
    db.session.flush()
    return certificate


# --- public verification --------------------------------------------------------------------

def _typed(text: str | None) -> str:
    """Public input with control characters read as spaces: nobody means them, and PostgreSQL
    refuses NUL in text, in a look-up as in the log."""
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in (text or ""))


def verify_by_code(code: str) -> tuple[str, Certificate | None]:
    """Look up a certificate by its verification code and count the look-up."""
    canonical = "".join(_typed(code).split()).replace("-", "").upper()[:32]
    certificate = None
    if len(canonical) == VERIFY_CODE_LENGTH and all(ch in CODE_ALPHABET for ch in canonical):
        certificate = db.session.scalar(select(Certificate).where(Certificate.verify_code == canonical))
    return _log(certificate, "qr")


def verify_by_serial(serial: str, full_name: str) -> tuple[str, Certificate | None]:
    """Look up a certificate by its serial and the holder's full name (accents and case
    ignored) and count the look-up; a copy is preferred over its revoked original."""
    serial, full_name = _typed(serial), _typed(full_name)
    candidates = db.session.scalars(
        select(Certificate).where(Certificate.serial == (serial or "").strip()).order_by(Certificate.copy_number.desc())
    ).all()
    matches = [c for c in candidates if fold(c.holder_name) == fold(full_name)]
    certificate = next((c for c in matches if not c.is_revoked), matches[0] if matches else None)
    return _log(certificate, "serial")


def _log(certificate: Certificate | None, via: str) -> tuple[str, Certificate | None]:
    """Count the look-up (what was typed is not kept: a count per day, way, outcome and
    certificate, added to in one statement)."""
    outcome = "unknown" if certificate is None else "revoked" if certificate.is_revoked else "valid"
    statement = dialect_insert(VerificationCount).values(
        day=local_today(), via=via, outcome=outcome, certificate_id=certificate.id if certificate else 0, count=1)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["day", "via", "outcome", "certificate_id"],
        set_={"count": VerificationCount.__table__.c.count + 1}))
    return outcome, certificate


def verification_url(certificate: Certificate) -> str:
    """The absolute public URL the certificate's QR carries (PUBLIC_BASE_URL decides the host)."""
    return external_url("certificates.verify_code", code=certificate.verify_code)
