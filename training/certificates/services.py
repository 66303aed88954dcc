"""Use cases for results and certificates: scores, eligibility, issuing, verification,
revocation and replacement copies.

Services flush and never commit; the view or command that calls them commits once.
"""

import hashlib
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import abort
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..attendance.shares import TraineeAttendance, course_attendance
from ..auth.permissions import require_course
from ..clock import local_today, to_local, utcnow
from ..courses.models import Course, Enrolment
from ..errors import DomainError
from ..extensions import db, dialect_insert, insert_or_skip
from ..people.models import CODE_ALPHABET
from ..units.issuers import in_force, issuer_for, serial, serial_scope
from ..vietnamese import fold
from ..web import external_url
from .models import REVOKE_CATEGORIES, Assessment, Certificate, SerialCounter, VerificationCount

VERIFY_CODE_LENGTH = 17  # 17 characters of a 31-letter alphabet ≈ 84 bits


class CertificateError(DomainError):
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
        require_course(certificate.enrolment.course)
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


# --- issuing --------------------------------------------------------------------------------


def reserve_serials(scope: str, count: int) -> range:
    """Reserve `count` consecutive serial numbers of a serial scope, atomically.

    The counter row is bumped with one UPDATE … RETURNING, which the database serialises,
    so two batches issued at the same moment get disjoint ranges.
    """
    db.session.execute(insert_or_skip(SerialCounter), {"scope": scope, "last": 0})
    last = db.session.execute(
        update(SerialCounter)
        .where(SerialCounter.scope == scope)
        .values(last=SerialCounter.last + count)
        .returning(SerialCounter.last)
    ).scalar_one()
    return range(last - count + 1, last + 1)


@dataclass
class SignerInfo:
    """Who signs the certificates of a batch, and where they are issued."""

    title: str
    name: str
    place: str
    issuer: str
    issuer_parent: str


def default_signer(course: Course, on: date | None = None) -> SignerInfo:
    """The signer and issuing body in force on `on` (today) for the course's papers, from the
    issuer settings."""
    issuer = issuer_for(on or local_today(), course.unit)
    return SignerInfo(
        title="\n".join(issuer.signer_title),
        name=issuer.signer_name,
        place=issuer.place,
        issuer=issuer.body_lines[-1],
        issuer_parent=issuer.body_lines[0] if len(issuer.body_lines) > 1 else "",
    )


def _serials(course: Course, on: date) -> tuple[str, Callable[[int], str]]:
    """The counter scope of the course's certificates issued on `on`, and how a number
    becomes a serial, by the issuer settings in force then."""
    force = in_force(on, course.unit)
    pattern, symbol = force.serial_pattern, force.issuer.symbol
    return serial_scope(pattern, on.year, symbol), lambda number: serial(pattern, number, on.year, symbol)


def issue_batch(
    course: Course,
    signer: SignerInfo,
    user_id: int | None,
    on: date | None = None,
    withheld: set[int] | None = None,
    withheld_reason: str = "",
) -> list[Certificate]:
    """Issue certificates to every eligible trainee of a closed course who has none yet,
    except those whose enrolment ids are in `withheld`: they are held back, with the reason
    kept in the audit trail, and can be issued later.

    Serials are reserved in one step; each PDF is made once, here, and stored with its hash.
    Flushes.

    :raises CertificateError: the course is not closed, nobody is eligible, or people are held
        back without a reason.
    """
    from .pdf import render_certificate

    if course.status != "closed":
        raise CertificateError(_("Chỉ cấp giấy chứng nhận khi khóa học đã kết thúc (trạng thái “Đã kết thúc”)."))
    if not signer.name.strip():
        raise CertificateError(_("Cần ghi họ tên người ký."))
    on = on or local_today()
    # Take the unit's serial counter first: a second batch of the same course (a double click,
    # two trainers at once) waits here until this one commits, then finds it already issued.
    scope, make_serial = _serials(course, on)
    reserve_serials(scope, 0)
    todo = [e for e in course_eligibility(course) if e.eligible and e.certificate is None]
    if not todo:
        raise CertificateError(_("Không còn học viên nào đủ điều kiện mà chưa được cấp giấy chứng nhận."))
    held = [e for e in todo if e.enrolment.id in (withheld or set())]
    if held and not (withheld_reason or "").strip():
        raise CertificateError(
            _("Cần ghi lý do chưa cấp cho %(names)s.", names=", ".join(e.enrolment.trainee.full_name for e in held))
        )
    todo = [e for e in todo if e not in held]
    if not todo:
        raise CertificateError(_("Chưa chọn học viên nào để cấp giấy chứng nhận."))
    for eligibility in held:
        audit.record(
            "certificate.withheld",
            eligibility.enrolment,
            actor_id=user_id,
            trainee=eligibility.enrolment.trainee.full_name,
            reason=withheld_reason.strip(),
        )
    numbers = reserve_serials(scope, len(todo))
    facts = {**_certificate_facts(course), "issuer_name": _issuer_name(course, on)}
    issued = []
    for number, eligibility in zip(numbers, todo):
        enrolment = eligibility.enrolment
        certificate = _new_certificate(
            course, enrolment, make_serial(number), 0, user_id, holder_name=enrolment.trainee.full_name, **facts
        )
        _store_pdf(certificate, render_certificate(certificate, enrolment, signer, on))
        issued.append(certificate)
    db.session.add_all(issued)
    db.session.flush()  # one INSERT each, the PDF included; the ids for the audit trail
    for certificate in issued:
        audit.record(
            "certificate.issue",
            certificate,
            actor_id=user_id,
            serial=certificate.serial,
            trainee=certificate.holder_name,
        )
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


def _issuer_name(course: Course, on: date) -> str:
    """The issuing body as a certificate states it for ever: "UBND TỈNH BẮC NINH - SỞ VĂN HÓA,
    THỂ THAO VÀ DU LỊCH", by the settings in force on the day of issue."""
    body = issuer_for(on, course.unit).body_lines
    return " - ".join(body) if len(" - ".join(body)) <= 160 else body[-1][:160]


def _new_certificate(
    course: Course,
    enrolment: Enrolment,
    serial: str,
    copy_number: int,
    user_id: int | None,
    *,
    holder_name: str,
    programme: str,
    course_dates: str,
    issuer_name: str,
) -> Certificate:
    """A certificate not yet added to the session, stating what it is given."""
    return Certificate(
        serial=serial,
        copy_number=copy_number,
        verify_code=new_verify_code(),
        enrolment=enrolment,
        issuing_unit_id=course.unit_id,
        issued_by_id=user_id,
        holder_name=holder_name,
        programme=programme,
        holder_birth_date=enrolment.trainee.birth_date,
        course_code=course.code,
        course_dates=course_dates,
        issuer_name=issuer_name,
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
    copy = _new_certificate(
        course,
        original.enrolment,
        original.serial,
        _next_copy_number(original.serial),
        user_id,
        holder_name=original.holder_name,
        programme=original.programme,
        course_dates=original.course_dates,
        issuer_name=original.issuer_name,
    )
    copy.replaces = original
    _store_pdf(copy, render_certificate(copy, original.enrolment, signer, on or local_today()))
    try:
        with db.session.begin_nested():
            db.session.add(copy)
            db.session.flush()
    except IntegrityError:
        # Someone issued a copy of the same certificate a moment ago and took this number.
        raise CertificateError(
            _(
                "Vừa có một bản sao khác của giấy chứng nhận này được cấp. "
                "Hãy tải lại trang để xem bản sao đó trước khi cấp thêm."
            )
        ) from None
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
        day=local_today(), via=via, outcome=outcome, certificate_id=certificate.id if certificate else 0, count=1
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "via", "outcome", "certificate_id"],
            set_={"count": VerificationCount.__table__.c.count + 1},
        )
    )
    return outcome, certificate


def verification_url(certificate: Certificate) -> str:
    """The absolute public URL the certificate's QR carries (PUBLIC_BASE_URL decides the host)."""
    return external_url("certificates.verify_code", code=certificate.verify_code)
