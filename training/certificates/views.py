import io
import tempfile

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..auth import public
from ..auth.permissions import may_print_certificate, may_see_certificate, roles_required
from ..courses.services import get_course_or_404
from ..extensions import db, limiter
from ..ids import db_int
from ..web import commit_or_flash, flash_form_errors, mark_created, resubmitted
from . import bp, eligibility, issuing, services, verification
from .forms import REVOKE_CATEGORY_LABELS, IssueForm, RevokeForm, UnrevokeForm, VerifyForm
from .merge import write_merged
from .models import Certificate

PDF = "application/pdf"


def _pdf(content: bytes, name: str, download: bool = False):
    return send_file(io.BytesIO(content), mimetype=PDF, as_attachment=download, download_name=name)


def get_certificate_or_404(certificate_id: int, may=may_see_certificate) -> Certificate:
    """A certificate the current user `may` act on (auth.permissions.may_see_certificate:
    a trainee their own, staff those of courses they may act on).

    :raises NotFound, Forbidden:
    """
    certificate = db.get_or_404(Certificate, certificate_id)
    if not may(current_user, certificate):
        abort(403)
    return certificate


def _file_name(certificate: Certificate) -> str:
    suffix = f"-ban-sao-{certificate.copy_number}" if certificate.is_copy else ""
    return f"giay-chung-nhan-{certificate.serial.replace('/', '-')}{suffix}.pdf"


# --- results and eligibility ------------------------------------------------------------------


@bp.app_template_global()
def course_eligibility(course) -> list[eligibility.Eligibility]:
    """Each enrolment's eligibility for a certificate, for the page confirming that a course is
    closed: that page belongs to courses, which comes before certificates and so cannot ask."""
    return eligibility.course_eligibility(course)


@bp.route("/courses/<int:course_id>/results", methods=["GET", "POST"])
@roles_required("admin", "trainer")
def results(course_id: int):
    course = get_course_or_404(course_id, write=request.method == "POST")
    rows = eligibility.course_eligibility(course)
    typed, problems = {}, {}

    def refused(exc: eligibility.ScoresRejected) -> str:
        problems.update(exc.problems)  # each named beside its trainee
        return _("Chưa lưu: %(n)d điểm cần sửa (tô đỏ bên dưới).", n=len(problems))

    if request.method == "POST":
        scores, unreadable = {}, {}
        for row in rows:
            raw = request.form.get(f"score-{row.enrolment.id}")
            if raw is None:  # not on the form: a certified trainee's box is disabled, and browsers leave it out
                continue
            typed[row.enrolment.id] = raw = raw.strip()
            if raw == "" and row.assessment is None:
                continue
            try:
                # "8,5" as Vietnamese write it, or "8.5"
                scores[row.enrolment.id] = float(raw.replace(",", ".")) if raw else None
            except ValueError:
                unreadable[row.enrolment.id] = _(
                    "%(name)s: “%(v)s” không phải là điểm.", name=row.enrolment.trainee.full_name, v=raw
                )
        changed = commit_or_flash(
            lambda: eligibility.record_scores(rows, scores, current_user.id, unreadable),
            eligibility.ScoresRejected,
            lambda changed: _("Đã lưu kết quả: %(n)d thay đổi.", n=changed),
            refused,
        )
        if changed is not None:
            return redirect(url_for("certificates.results", course_id=course.id))
        # Nothing saved while one score is wrong; the page comes back with what was typed,
        # every problem named beside its trainee.
        rows = eligibility.course_eligibility(course)
    return render_template(
        "certificates/results.html",
        course=course,
        rows=rows,
        rule=course.curriculum.completion,
        typed=typed,
        problems=problems,
    ), 422 if problems else 200


@bp.route("/courses/<int:course_id>/certificates")
@roles_required("admin", "trainer")
def course_certificates(course_id: int):
    course = get_course_or_404(course_id)
    rows = eligibility.course_eligibility(course)
    issued = db.session.scalars(
        select(Certificate)
        .where(Certificate.enrolment.has(course_id=course.id))
        .order_by(Certificate.serial, Certificate.copy_number)
    ).all()
    return render_template(
        "certificates/course.html",
        course=course,
        rows=rows,
        issued=issued,
        rule=course.curriculum.completion,
        revoke_form=RevokeForm(),
        unrevoke_form=UnrevokeForm(),
        categories=REVOKE_CATEGORY_LABELS,
    )


def _one_line(title: str) -> str:
    """A two-line signer title ("KT. GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC") in one form field."""
    return title.replace("\n", " / ")


def _lines(title: str) -> str:
    return "\n".join(part.strip() for part in title.split(" / ") if part.strip())


@bp.route("/courses/<int:course_id>/certificates/issue", methods=["GET", "POST"])
@roles_required("admin", "trainer")
def issue(course_id: int):
    course = get_course_or_404(course_id)
    signer = issuing.default_signer(course)
    form = IssueForm(signer_title=_one_line(signer.title), signer_name=signer.name, place=signer.place)
    # The page lists the people it offers, each ticked; whoever the trainer unticks is held back.
    offered = {i for i in request.form.getlist("offered", type=db_int) if i}
    ticked = {i for i in request.form.getlist("issue", type=db_int) if i}
    if form.validate_on_submit():
        signer.title, signer.name, signer.place = (
            _lines(form.signer_title.data),
            form.signer_name.data.strip(),
            form.place.data.strip(),
        )
        issued = commit_or_flash(
            lambda: issuing.issue_batch(
                course,
                signer,
                current_user.id,
                withheld=offered - ticked,
                withheld_reason=form.withheld_reason.data or "",
            ),
            services.CertificateError,
            lambda batch: _("Đã cấp %(n)d giấy chứng nhận.", n=len(batch)),
        )
        if issued is not None:  # an empty list is a success too
            return redirect(url_for("certificates.course_certificates", course_id=course.id))
    todo = [row for row in eligibility.course_eligibility(course) if row.eligible and row.certificate is None]
    return render_template(
        "certificates/issue.html",
        course=course,
        form=form,
        todo=todo,
        ticked=ticked if request.method == "POST" else {row.enrolment.id for row in todo},
    )


# --- downloads ----------------------------------------------------------------------------------


@bp.route("/certificates/<int:certificate_id>.pdf")
def download(certificate_id: int):
    certificate = get_certificate_or_404(certificate_id, may_print_certificate)
    return _pdf(certificate.pdf, _file_name(certificate), download=request.args.get("download") == "1")


@bp.route("/courses/<int:course_id>/certificates.pdf")
@roles_required("admin", "trainer")
def course_pdf(course_id: int):
    course = get_course_or_404(course_id)
    # One stored PDF at a time, from the database to the merged file on disk: a course's few
    # hundred certificates are never all in memory, nor the merged result (merge.py).
    pdfs = db.session.scalars(
        select(Certificate.pdf)
        .where(Certificate.enrolment.has(course_id=course.id), Certificate.revoked_at.is_(None))
        .order_by(Certificate.serial, Certificate.copy_number)
        .execution_options(yield_per=20)
    )
    merged = tempfile.TemporaryFile()
    try:
        pages = write_merged(pdfs, merged)
    except BaseException:
        merged.close()
        raise
    if not pages:
        merged.close()
        flash(_("Khóa học chưa có giấy chứng nhận nào còn hiệu lực."), "warning")
        return redirect(url_for("certificates.course_certificates", course_id=course.id))
    response = Response(_read_and_close(merged), mimetype=PDF, headers={"Content-Length": str(merged.tell())})
    merged.seek(0)
    response.headers.set("Content-Disposition", "attachment", filename=f"giay-chung-nhan-{course.code}.pdf")
    return response


def _read_and_close(file):
    """A file's content in pieces, the file closed once it is all sent or the client leaves."""
    with file:
        while piece := file.read(256 * 1024):
            yield piece


@bp.route("/me/certificates")
@roles_required("trainee")
def mine():
    certificates = (
        db.session.scalars(
            select(Certificate)
            .where(Certificate.enrolment.has(trainee_id=current_user.trainee_id))
            .order_by(Certificate.issued_at.desc())
        ).all()
        if current_user.trainee_id
        else []
    )
    return render_template("certificates/mine.html", certificates=certificates)


# --- revocation and copies ------------------------------------------------------------------------


@bp.route("/certificates/<int:certificate_id>")
@roles_required("admin", "trainer")
def detail(certificate_id: int):
    certificate = get_certificate_or_404(certificate_id)
    signer = issuing.default_signer(certificate.enrolment.course)
    return render_template(
        "certificates/detail.html",
        certificate=certificate,
        history=audit.history(certificate),
        revoke_form=RevokeForm(),
        unrevoke_form=UnrevokeForm(),
        copy_form=IssueForm(signer_title=_one_line(signer.title), signer_name=signer.name, place=signer.place),
        categories=REVOKE_CATEGORY_LABELS,
        url=verification.verification_url(certificate),
    )


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@roles_required("admin", "trainer")
def revoke(certificate_id: int):
    certificate = get_certificate_or_404(certificate_id)
    form = RevokeForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: services.revoke(certificate, form.category.data, form.reason.data, current_user.id),
            services.CertificateError,
            _("Đã thu hồi giấy chứng nhận %(s)s.", s=certificate.serial),
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("certificates.detail", certificate_id=certificate.id))


@bp.route("/certificates/<int:certificate_id>/unrevoke", methods=["POST"])
@roles_required("admin", "trainer")
def unrevoke(certificate_id: int):
    certificate = get_certificate_or_404(certificate_id)
    form = UnrevokeForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: services.unrevoke(certificate, form.reason.data, current_user.id),
            services.CertificateError,
            _("Đã khôi phục hiệu lực giấy chứng nhận %(s)s.", s=certificate.serial),
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("certificates.detail", certificate_id=certificate.id))


@bp.route("/certificates/<int:certificate_id>/copy", methods=["POST"])
@roles_required("admin", "trainer")
def copy(certificate_id: int):
    certificate = get_certificate_or_404(certificate_id)
    form = IssueForm()
    if form.validate_on_submit():
        if (again := resubmitted()) is not None:  # a double click must not make two copies
            return again
        signer = issuing.default_signer(certificate.enrolment.course)
        signer.title, signer.name, signer.place = (
            _lines(form.signer_title.data),
            form.signer_name.data.strip(),
            form.place.data.strip(),
        )
        new = commit_or_flash(
            lambda: issuing.issue_copy(certificate, signer, current_user.id),
            services.CertificateError,
            lambda c: _("Đã cấp bản sao số %(n)d của giấy chứng nhận %(s)s.", n=c.copy_number, s=c.serial),
        )
        if new is not None:
            mark_created(url_for("certificates.detail", certificate_id=new.id))
            return redirect(url_for("certificates.detail", certificate_id=new.id))
    else:
        flash_form_errors(form)
    return redirect(url_for("certificates.detail", certificate_id=certificate.id))


# --- public verification ------------------------------------------------------------------------


@bp.route("/v/<code>")
@public
@limiter.limit("30 per minute")
def verify_code(code: str):
    outcome, certificate = verification.verify_by_code(code)
    page = render_template(
        "certificates/verify.html",
        outcome=outcome,
        certificate=certificate,
        form=VerifyForm(),
        categories=REVOKE_CATEGORY_LABELS,
    )
    db.session.commit()  # the count of this look-up; after drawing, which would else read the certificate again
    return page, 404 if outcome == "unknown" else 200


@bp.route("/verify", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", methods=["POST"])
def verify():
    form = VerifyForm()
    outcome = certificate = None
    if form.validate_on_submit():
        outcome, certificate = verification.verify_by_serial(form.serial.data, form.full_name.data)
    page = render_template(
        "certificates/verify.html",
        outcome=outcome,
        certificate=certificate,
        form=form,
        categories=REVOKE_CATEGORY_LABELS,
    )
    db.session.commit()  # the count of a look-up, as in verify_code
    return page
