"""A trainee's personal data (Decree 13/2023/NĐ-CP): export everything held about them, and
erase it. What the law requires of training records stays: a closed course's enrolments,
attendance and results (its figures in the reports), and every issued certificate with the
name, birth date and serial it states (it must stay verifiable). The trainee's own record is
then masked (name, birth day and month, position, phone, personal code) rather than deleted,
and everything else about them goes: open courses, scans, their account. The audit log is
kept (it names records, not people's details). SECURITY.md says what is kept and for how long."""

from datetime import date

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from . import audit
from .attendance.models import Attendance, ScanLog
from .audit import AuditEvent
from .auth.permissions import roles_required
from .certificates.models import Assessment, Certificate
from .clock import to_local, utcnow
from .courses.forms import ConfirmForm
from .courses.models import Course, CourseSession, Enrolment
from .errors import DomainError
from .extensions import db
from .people.models import Trainee, User, random_code
from .people.services import get_trainee_or_404
from .security import no_store
from .web import commit_or_flash

bp = Blueprint("privacy", __name__)


class PrivacyError(DomainError):
    """The data cannot be erased; the message says why."""


def export_trainee(trainee: Trainee) -> dict:
    """Everything held about one trainee, as plain data."""
    # Each row with the course (and session) it names: one query each, not one per row.
    enrolments = db.session.scalars(
        select(Enrolment).options(joinedload(Enrolment.course)).where(Enrolment.trainee_id == trainee.id)
    ).all()
    ids = [e.id for e in enrolments]
    attendance = db.session.scalars(
        select(Attendance)
        .options(joinedload(Attendance.session).joinedload(CourseSession.course))
        .where(Attendance.trainee_id == trainee.id)
    ).all()
    scores = db.session.scalars(select(Assessment).where(Assessment.enrolment_id.in_(ids))).all() if ids else []
    certificates = db.session.scalars(select(Certificate).where(Certificate.enrolment_id.in_(ids))).all() if ids else []
    return {
        "trainee": {
            "full_name": trainee.full_name,
            "birth_date": trainee.birth_date.isoformat(),
            "gender": trainee.gender,
            "position": trainee.position,
            "commune": trainee.commune.name,
            "group": trainee.group,
            "phone": trainee.phone,
            "personal_code": trainee.personal_code,
            "created_at": trainee.created_at.isoformat(),
        },
        "account": trainee.user.username if trainee.user else None,
        "enrolments": [
            {
                "course": e.course.code,
                "title": e.course.title,
                "status": e.status,
                "withdraw_reason": e.withdraw_reason,
                "enrolled_at": e.enrolled_at.isoformat(),
            }
            for e in enrolments
        ],
        "attendance": [
            {
                "course": a.session.course.code,
                "session_start": to_local(a.session.starts_at).isoformat(),
                "status": a.status,
                "method": a.method,
                "remark": a.remark,
                "checked_in_at": to_local(a.checked_in_at).isoformat() if a.checked_in_at else None,
            }
            for a in attendance
        ],
        "scores": [{"course": s.enrolment.course.code, "score": s.score, "passed": s.passed} for s in scores],
        "certificates": [
            {
                "serial": c.serial,
                "copy_number": c.copy_number,
                "issued_at": c.issued_at.isoformat(),
                "revoked": c.is_revoked,
            }
            for c in certificates
        ],
    }


#: the name an erased trainee's record keeps, with its number
ERASED_NAME = "Học viên đã xóa dữ liệu"


def erase_trainee(trainee: Trainee, by: User | None = None) -> bool:
    """Erase a trainee's personal data; flushes. With nothing the law requires to keep (no
    closed course, no certificate) the trainee and all their rows are deleted; otherwise the
    closed courses' rows and the certificates stay, the record is masked (erased_at set) and
    the rest is deleted. True when the record was masked rather than deleted.

    :raises PrivacyError: a trainer (`by`) asked for a trainee with training records to keep:
        the province's admin decides those.
    """
    kept_enrolments = db.session.scalars(
        select(Enrolment.id).join(Enrolment.course).where(Enrolment.trainee_id == trainee.id, Course.status == "closed")
    ).all()
    certified = db.session.scalars(
        select(Enrolment.id)
        .join(Certificate, Certificate.enrolment_id == Enrolment.id)
        .where(Enrolment.trainee_id == trainee.id)
    ).all()
    keep = sorted(set(kept_enrolments) | set(certified))
    if keep and by is not None and not by.is_admin:
        raise PrivacyError(
            _(
                "Học viên đã học khóa đã kết thúc hoặc đã được cấp giấy chứng nhận: hồ sơ đào tạo này phải giữ. "
                "Chỉ quản trị cấp tỉnh được xóa dữ liệu cá nhân của học viên này."
            )
        )
    kept_courses = select(Enrolment.course_id).where(Enrolment.id.in_(keep))
    gone = db.session.scalars(
        select(Enrolment.id).where(Enrolment.trainee_id == trainee.id, Enrolment.id.not_in(keep))
    ).all()
    audit.record("trainee.erase", trainee, enrolments=len(gone), kept_enrolments=len(keep))
    if gone:
        db.session.execute(delete(Assessment).where(Assessment.enrolment_id.in_(gone)))
    sessions_kept = select(CourseSession.id).where(CourseSession.course_id.in_(kept_courses))
    db.session.execute(
        delete(Attendance).where(Attendance.trainee_id == trainee.id, Attendance.session_id.not_in(sessions_kept))
    )
    db.session.execute(delete(ScanLog).where(ScanLog.trainee_id == trainee.id))
    db.session.execute(delete(Enrolment).where(Enrolment.id.in_(gone)))
    # Events the trainee's own account caused (a check-in from a signed-in phone) stay in the
    # log, no longer pointing at the account that is deleted.
    accounts = select(User.id).where(User.trainee_id == trainee.id).scalar_subquery()
    db.session.execute(update(AuditEvent).where(AuditEvent.actor_id.in_(accounts)).values(actor_id=None))
    db.session.execute(delete(User).where(User.trainee_id == trainee.id))
    if not keep:
        db.session.delete(trainee)
        db.session.flush()
        return False
    # Kept for the figures: commune, group and gender (what the reports count by) and the
    # birth year; the certificates keep, in their own columns, what they state.
    trainee.full_name = f"{ERASED_NAME} #{trainee.id}"
    trainee.birth_date = date(trainee.birth_date.year, 1, 1)
    trainee.position, trainee.phone = "", ""
    trainee.personal_code = random_code()  # the badge's QR no longer names anyone
    trainee.erased_at = utcnow()
    db.session.flush()
    return True


@bp.route("/trainees/<int:trainee_id>/export.json")
@roles_required("admin", "trainer")
def export(trainee_id: int):
    trainee = get_trainee_or_404(trainee_id)
    response = no_store(jsonify(export_trainee(trainee)))
    response.headers["Content-Disposition"] = f"attachment; filename=hoc-vien-{trainee.id}.json"
    return response


@bp.route("/trainees/<int:trainee_id>/erase", methods=["GET", "POST"])
@roles_required("admin", "trainer")
def erase(trainee_id: int):
    trainee = get_trainee_or_404(trainee_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = trainee.full_name  # before it is masked
        masked = commit_or_flash(
            lambda: erase_trainee(trainee, current_user),
            PrivacyError,
            lambda masked: (
                _(
                    "Đã xóa dữ liệu cá nhân của %(name)s. Hồ sơ đào tạo của các khóa đã kết thúc và giấy chứng nhận "
                    "đã cấp được giữ theo quy định (tên trong hồ sơ đã được che).",
                    name=name,
                )
                if masked
                else _("Đã xóa dữ liệu của %(name)s.", name=name)
            ),
        )
        if masked is None:
            return redirect(url_for("people.trainee", trainee_id=trainee_id))
        return redirect(url_for("people.trainees"))
    return render_template("privacy/erase.html", trainee=trainee, form=form, user=current_user)
