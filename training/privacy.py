"""A trainee's personal data: export everything held about them, and erase it when no
issued certificate depends on it. The audit log is kept (it names records, not people's
details), as the upward reporting and any later inspection need it."""
from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from . import audit
from .attendance.models import Attendance, ScanLog
from .audit import AuditEvent
from .auth.permissions import roles_required
from .certificates.models import Assessment, Certificate
from .clock import to_local
from .courses.forms import ConfirmForm
from .courses.models import CourseSession, Enrolment
from .extensions import db
from .people.models import Trainee, User
from .people.services import get_trainee_or_404

bp = Blueprint("privacy", __name__)


class PrivacyError(Exception):
    """The data cannot be erased; the message says why."""


def export_trainee(trainee: Trainee) -> dict:
    """Everything held about one trainee, as plain data."""
    # Each row with the course (and session) it names: one query each, not one per row.
    enrolments = db.session.scalars(select(Enrolment).options(joinedload(Enrolment.course)).where(Enrolment.trainee_id == trainee.id)).all()
    ids = [e.id for e in enrolments]
    attendance = db.session.scalars(select(Attendance).options(joinedload(Attendance.session).joinedload(CourseSession.course))
                                    .where(Attendance.trainee_id == trainee.id)).all()
    scores = db.session.scalars(select(Assessment).where(Assessment.enrolment_id.in_(ids))).all() if ids else []
    certificates = db.session.scalars(select(Certificate).where(Certificate.enrolment_id.in_(ids))).all() if ids else []
    return {
        "trainee": {
            "full_name": trainee.full_name, "birth_date": trainee.birth_date.isoformat(), "gender": trainee.gender,
            "position": trainee.position, "commune": trainee.commune.name, "group": trainee.group, "phone": trainee.phone,
            "personal_code": trainee.personal_code, "created_at": trainee.created_at.isoformat(),
        },
        "account": trainee.user.username if trainee.user else None,
        "enrolments": [{"course": e.course.code, "title": e.course.title, "status": e.status, "withdraw_reason": e.withdraw_reason,
                        "enrolled_at": e.enrolled_at.isoformat()} for e in enrolments],
        "attendance": [{"course": a.session.course.code, "session_start": to_local(a.session.starts_at).isoformat(),
                        "status": a.status, "method": a.method, "remark": a.remark,
                        "checked_in_at": to_local(a.checked_in_at).isoformat() if a.checked_in_at else None} for a in attendance],
        "scores": [{"course": s.enrolment.course.code, "score": s.score, "passed": s.passed} for s in scores],
        "certificates": [{"serial": c.serial, "copy_number": c.copy_number, "issued_at": c.issued_at.isoformat(),
                          "revoked": c.is_revoked} for c in certificates],
    }


def erase_trainee(trainee: Trainee) -> None:
    """Delete a trainee and their enrolments, attendance, scores, scans and account; flushes.

    :raises PrivacyError: a certificate was issued to them (it must stay verifiable).
    """
    ids = db.session.scalars(select(Enrolment.id).where(Enrolment.trainee_id == trainee.id)).all()
    if ids and db.session.scalar(select(Certificate.id).where(Certificate.enrolment_id.in_(ids)).limit(1)) is not None:
        raise PrivacyError(_("Không xóa được: học viên đã được cấp giấy chứng nhận, giấy này phải kiểm tra được."))
    audit.record("trainee.erase", trainee, enrolments=len(ids))
    if ids:
        db.session.execute(delete(Assessment).where(Assessment.enrolment_id.in_(ids)))
    db.session.execute(delete(Attendance).where(Attendance.trainee_id == trainee.id))
    db.session.execute(delete(ScanLog).where(ScanLog.trainee_id == trainee.id))
    db.session.execute(delete(Enrolment).where(Enrolment.trainee_id == trainee.id))
    # Events the trainee's own account caused (a check-in from a signed-in phone) stay in the
    # log, no longer pointing at the account that is deleted.
    accounts = select(User.id).where(User.trainee_id == trainee.id).scalar_subquery()
    db.session.execute(update(AuditEvent).where(AuditEvent.actor_id.in_(accounts)).values(actor_id=None))
    db.session.execute(delete(User).where(User.trainee_id == trainee.id))
    db.session.delete(trainee)
    db.session.flush()


@bp.route("/trainees/<int:trainee_id>/export.json")
@roles_required("admin", "trainer")
def export(trainee_id: int):
    trainee = get_trainee_or_404(trainee_id)
    response = jsonify(export_trainee(trainee))
    response.headers["Content-Disposition"] = f"attachment; filename=hoc-vien-{trainee.id}.json"
    return response


@bp.route("/trainees/<int:trainee_id>/erase", methods=["GET", "POST"])
@roles_required("admin", "trainer")
def erase(trainee_id: int):
    trainee = get_trainee_or_404(trainee_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = trainee.full_name
        try:
            erase_trainee(trainee)
        except PrivacyError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("people.trainee", trainee_id=trainee_id))
        db.session.commit()
        flash(_("Đã xóa dữ liệu của %(name)s.", name=name), "success")
        return redirect(url_for("people.trainees"))
    return render_template("privacy/erase.html", trainee=trainee, form=form, user=current_user)
