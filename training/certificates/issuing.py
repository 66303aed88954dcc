"""Issuing certificates: serial numbers reserved from a counter, the signer of a batch, a closed
course's batch (each PDF made once and stored with its hash) and replacement copies.

Services flush and never commit; the view or command that calls them commits once.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..clock import local_today, to_local
from ..courses.models import Course, Enrolment
from ..extensions import db, insert_or_skip
from ..units.issuers import in_force, issuer_for, serial, serial_scope
from .eligibility import course_eligibility
from .models import Certificate, SerialCounter
from .pdf import render_certificate
from .services import CertificateError
from .verification import new_verify_code, verification_url

#: certificates issue_batch renders, then writes, together: a PDF is held only until its INSERT
FLUSH_EVERY = 20


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

    Serials are reserved in one step; each PDF is made once, here, and stored with its hash,
    FLUSH_EVERY certificates at a time. Flushes.

    :raises CertificateError: the course is not closed, nobody is eligible, or people are held
        back without a reason.
    """
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
    for start in range(0, len(todo), FLUSH_EVERY):
        part = []
        for number, eligibility in zip(numbers[start : start + FLUSH_EVERY], todo[start : start + FLUSH_EVERY]):
            enrolment = eligibility.enrolment
            certificate = _new_certificate(
                course, enrolment, make_serial(number), 0, user_id, holder_name=enrolment.trainee.full_name, **facts
            )
            _store_pdf(
                certificate, render_certificate(certificate, enrolment, signer, on, verification_url(certificate))
            )
            part.append(certificate)
        db.session.add_all(part)
        db.session.flush()  # one INSERT each, the PDF included; the ids for the audit trail
        for certificate in part:
            # Written, the PDF is let go (read again from the database if asked for): the 300
            # PDFs of a batch (11 MiB) were all held until its end, and the process kept the space.
            db.session.expire(certificate, ["pdf"])
            audit.record(
                "certificate.issue",
                certificate,
                actor_id=user_id,
                serial=certificate.serial,
                trainee=certificate.holder_name,
            )
        issued.extend(part)
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
    _store_pdf(copy, render_certificate(copy, original.enrolment, signer, on or local_today(), verification_url(copy)))
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
