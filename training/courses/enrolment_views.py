"""Enrolment pages of a course: choosing trainees, enrolling by filter or from a file, and
withdrawing them; registered on the courses blueprint."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..people import services as people
from ..people.list_reader import ImportRejected
from ..people.models import GROUPS
from ..web import commit_or_flash, flash_form_errors
from . import bp, services
from . import enrolment as enrolments
from .forms import EnrolFilterForm, EnrolForm, EnrolImportForm, WithdrawForm
from .models import Enrolment


@bp.route("/courses/<int:course_id>/enrol", methods=["GET", "POST"])
def enrol(course_id: int):
    course = services.get_course_or_404(course_id, write=request.method == "POST")
    form = EnrolForm()
    if form.validate_on_submit():
        # A POST without any ticked box carries no trainee_ids at all (data is None, not []).
        trainees = people.get_trainees_or_404(form.trainee_ids.data or [])
        if not trainees:
            flash(_("Chọn ít nhất một học viên."), "error")
        elif (
            commit_or_flash(
                lambda: enrolments.enrol_many(course, trainees, form.again_reason.data or "", current_user),
                enrolments.EnrolmentRejected,
                lambda enrolled: _("Đã ghi danh %(n)d học viên.", n=len(enrolled)),
            )
            is not None
        ):
            return redirect(url_for("courses.enrol", course_id=course.id, q=request.args.get("q", "")))
    elif form.is_submitted():
        flash_form_errors(form)
    q = request.args.get("q", "").strip()
    candidates = []
    if q:
        filters = people.TraineeFilter(q=q, unit_id=course.unit_id, commune_ids=enrolments.course_commune_ids(course))
        candidates = db.session.scalars(people.trainee_query(filters).limit(30)).all()
    enrolled_ids = {e.trainee_id for e in course.active_enrolments}
    return render_template(
        "courses/enrol.html",
        course=course,
        form=form,
        q=q,
        candidates=candidates,
        enrolled_ids=enrolled_ids,
        filter_form=_filter_form(course),
        import_form=EnrolImportForm(),
        curriculum=course.curriculum,
        # a refused batch comes back with its ticks, so one wrong tick costs one untick
        ticked=set(form.trainee_ids.data or []) if request.method == "POST" else set(),
        completed=enrolments.completed_before(course, [t.id for t in candidates]),
    )


def _filter_form(course) -> EnrolFilterForm:
    form = EnrolFilterForm()
    form.commune_id.choices = [(0, _("Tất cả xã/phường"))] + [
        (c.id, c.name) for c in enrolments.course_communes(course)
    ]
    form.group.choices = [("", _("Tất cả nhóm của chương trình"))] + [(g, g) for g in course.curriculum.groups]
    return form


@bp.route("/courses/<int:course_id>/enrol/filter", methods=["POST"])
def enrol_filter(course_id: int):
    course = services.get_course_or_404(course_id, write=True)
    form = EnrolFilterForm()
    form.commune_id.choices = [(0, "")] + [(c.id, c.name) for c in enrolments.course_communes(course)]
    form.group.choices = [("", "")] + [(g, g) for g in GROUPS]
    if form.validate_on_submit():
        outcome = commit_or_flash(
            lambda: enrolments.enrol_by_filter(
                course,
                form.commune_id.data or None,
                form.group.data or None,
                form.again_reason.data or "",
                current_user,
            ),
            enrolments.EnrolmentRejected,
            lambda done: (
                _("Đã ghi danh %(n)d học viên theo bộ lọc.", n=len(done.enrolled))
                if done.enrolled
                else _("Không còn học viên phù hợp với bộ lọc để ghi danh.")
            ),
        )
        if outcome is not None:
            _flash_left_out(outcome)
            if outcome.enrolled:
                return redirect(url_for("courses.detail", course_id=course.id, _anchor="enrolments"))
    return redirect(url_for("courses.enrol", course_id=course.id))


def _flash_left_out(outcome: enrolments.EnrolOutcome) -> None:
    """Say who an enrolment by filter or from a file left out, and how to include them."""
    if outcome.already:
        flash(_("Bỏ qua %(n)d người đã ghi danh khóa học này từ trước.", n=outcome.already), "info")
    if outcome.completed:
        flash(
            _(
                "Chưa ghi danh %(n)d người đã hoàn thành chương trình: %(names)s. Ghi lý do học lại rồi gửi lại "
                "nếu cần bồi dưỡng lại cho họ.",
                n=len(outcome.completed),
                names="; ".join(f"{t.full_name} ({how})" for t, how in outcome.completed),
            ),
            "warning",
        )


@bp.route("/courses/<int:course_id>/enrol/import", methods=["POST"])
def enrol_import(course_id: int):
    course = services.get_course_or_404(course_id, write=True)
    form = EnrolImportForm()
    errors = []

    def rejected(exc: ImportRejected) -> str:
        errors.extend(exc.errors)  # listed on the page, beside the form
        return _("Chưa ghi danh ai: tệp có %(n)d dòng lỗi.", n=len(errors))

    if form.validate_on_submit():
        outcome = commit_or_flash(
            lambda: enrolments.import_enrolments(
                course, form.file.data.filename, form.file.data.read(), form.again_reason.data or "", current_user
            ),
            ImportRejected,
            lambda outcome: _("Đã ghi danh %(n)d học viên từ tệp.", n=len(outcome.enrolled)),
            rejected,
        )
        if outcome is not None:
            _flash_left_out(outcome)
            return redirect(url_for("courses.detail", course_id=course.id, _anchor="enrolments"))
    else:
        flash_form_errors(form)
    return render_template(
        "courses/enrol.html",
        course=course,
        form=EnrolForm(),
        q="",
        candidates=[],
        enrolled_ids=set(),
        filter_form=_filter_form(course),
        import_form=form,
        curriculum=course.curriculum,
        import_errors=errors,
        ticked=set(),
        completed={},
    )


@bp.route("/enrolments/<int:enrolment_id>/withdraw", methods=["POST"])
def withdraw(enrolment_id: int):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    course = services.get_course_or_404(enrolment.course_id, write=True)
    form = WithdrawForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: enrolments.withdraw(enrolment, form.reason.data),
            services.CourseError,
            _("Đã rút tên %(name)s khỏi khóa học.", name=enrolment.trainee.full_name),
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("courses.detail", course_id=course.id, _anchor="enrolments"))
