"""Course pages: the list, creating and editing a course, its status, and its sessions;
enrolment_views.py and schedule_views.py hold the course's other pages."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..auth.permissions import commune_scope, managed_unit_id, require_unit, roles_required
from ..clock import parse_day, to_local, utcnow
from ..curricula import catalogue
from ..extensions import db
from ..ids import db_int
from ..units.areas import areas
from ..units.models import Unit
from ..units.services import live_map, managing_units
from ..web import commit_or_flash, mark_created, resubmitted
from . import bp, planning, services
from .enrolment import course_enrolments
from .forms import (
    ConfirmForm,
    CourseForm,
    SessionForm,
    SplitForm,
    StatusForm,
    WithdrawForm,
)
from .models import STATUSES

#: the statuses a trainer cannot leave again, reached only through a confirmation page
FINAL_STATUSES = ("closed", "cancelled")

# --- courses --------------------------------------------------------------------------------


@bp.route("/courses")
@roles_required("admin", "trainer")
def index():
    filters = services.CourseFilter(
        unit_id=managed_unit_id(current_user) or request.args.get("unit", type=db_int),
        area_id=current_user.area_id if commune_scope(current_user) is not None else None,
        curriculum_code=request.args.get("programme") or None,
        status=request.args.get("status") if request.args.get("status") in STATUSES else None,
        date_from=date_arg("from"),
        date_to=date_arg("to"),
        q=request.args.get("q", "").strip(),
    )
    warnings = [
        _(
            "Ngày “%(v)s” không hợp lệ: nhập theo dạng dd/mm/yyyy; điều kiện này chưa được dùng để lọc.",
            v=request.args[name],
        )
        for name in ("from", "to")
        if request.args.get(name, "").strip() and date_arg(name) is None
    ]
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        warnings.append(
            _(
                "“Từ ngày” (%(a)s) sau “Đến ngày” (%(b)s): không khóa học nào nằm trong khoảng này. Hãy đổi lại hai "
                "ngày.",
                a=filters.date_from.strftime("%d/%m/%Y"),
                b=filters.date_to.strftime("%d/%m/%Y"),
            )
        )
    page = db.paginate(services.course_query(filters), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    counts = services.enrolment_counts([c.id for c in page.items])
    return render_template(
        "courses/index.html",
        page=page,
        filters=filters,
        counts=counts,
        warnings=warnings,
        units=managing_units() if current_user.is_admin else [],
        curricula=catalogue().all_current(),
        statuses=STATUSES,
        status_label=services.status_label,
    )


def date_arg(name: str):
    """A date from the query string, as typed (dd/mm/yyyy) or as links carry it (yyyy-mm-dd)."""
    return parse_day(request.args.get(name, ""))


def _fill_course_form(form: CourseForm, unit_id: int | None, course=None) -> None:
    # New courses are planned on today's map; older ones keep the units they had.
    form.unit_id.choices = (
        [(u.id, u.name) for u in managing_units(live_map())]
        if current_user.is_admin
        else [(current_user.unit_id, current_user.unit.name)]
    )
    if unit_id and current_user.is_admin and unit_id not in [choice[0] for choice in form.unit_id.choices]:
        form.unit_id.choices.append((unit_id, db.session.get(Unit, unit_id).name))
    if course is not None:
        form.unit_id.choices = [(course.unit_id, course.unit.name)]
    form.curriculum_code.choices = [(c.code, f"{c.code}. {c.title}") for c in catalogue().all_current()]
    _fill_area_choices(form, [choice[0] for choice in form.unit_id.choices], course)
    unit_id = unit_id or form.unit_id.data or (form.unit_id.choices[0][0] if form.unit_id.choices else None)
    form.trainer_ids.choices = [(t.id, t.full_name) for t in services.district_trainers(unit_id)] if unit_id else []


def _fill_area_choices(form: CourseForm, unit_ids: list[int], course=None) -> None:
    """The admin chooses among the areas of the course's unit that exist; a trainer's course
    stays in its area (a new one: the trainer's own), the one choice offered, so another is
    refused."""
    whole = (0, _("Toàn đơn vị tổ chức"))
    if current_user.is_admin:
        form.area_id.choices = [whole] + [(a.id, a.name) for a in areas() if a.unit_id in unit_ids]
    else:
        area = course.area if course is not None else current_user.area
        form.area_id.choices = [(area.id, area.name) if area else whole]
    if not form.area_id.raw_data:
        # not sent (a first showing, or a form without the box): the course's own area, or
        # for a new course the first choice
        form.area_id.data = (course.area_id or 0) if course is not None else form.area_id.choices[0][0]


@bp.route("/courses/new", methods=["GET", "POST"])
@roles_required("admin", "trainer")
def create():
    form = CourseForm()
    if request.method == "GET" and not current_user.is_admin:
        form.trainer_ids.data = [current_user.id]
    if current_user.is_admin and request.method == "GET" and request.args.get("unit", type=db_int):
        form.unit_id.data = request.args.get("unit", type=db_int)
    _fill_course_form(form, managed_unit_id(current_user))
    if form.validate_on_submit():
        require_unit(form.unit_id.data)
        if (again := resubmitted()) is not None:
            return again
        twin = services.same_course(form.unit_id.data, form.curriculum_code.data, form.starts_on.data, form.venue.data)
        if twin is not None:
            flash(
                _(
                    "Đã có khóa học %(code)s cùng chương trình, cùng ngày bắt đầu và địa điểm: không tạo thêm. "
                    "Nếu đây là một lớp khác, hãy đổi địa điểm hoặc ngày.",
                    code=twin.code,
                ),
                "error",
            )
            return render_template("courses/form.html", form=form, course=None, twin=twin)
        course = commit_or_flash(
            lambda: services.create_course(
                form.unit_id.data,
                form.curriculum_code.data,
                form.title.data,
                form.venue.data,
                form.starts_on.data,
                form.capacity.data,
                form.trainer_ids.data,
                form.notes.data,
                created_by=current_user,
                slots={key: getattr(form, key).data for key in CourseForm.SLOT_FIELDS},
                area_id=form.area_id.data or None,
            ),
            services.CourseError,
            lambda created: _("Đã tạo khóa học %(code)s. Bước tiếp theo: lập lịch các buổi học.", code=created.code),
        )
        if course is not None:
            mark_created(url_for("courses.detail", course_id=course.id))
            return redirect(url_for("courses.detail", course_id=course.id))
    return render_template("courses/form.html", form=form, course=None)


@bp.route("/courses/<int:course_id>")
def detail(course_id: int):
    course = services.get_course_or_404(course_id)
    status_form = StatusForm()
    status_form.status.choices = [(s, services.status_label(s)) for s in services.TRANSITIONS[course.status]]
    suggested = services.suggested_status(course)
    if not suggested and status_form.status.choices:
        # nothing pre-selected: the trainer chooses (a running course is not "closed" by default)
        status_form.status.choices.insert(0, ("", _("— chọn —")))
    status_form.status.data = suggested
    enrolments = sorted(course_enrolments(course), key=lambda e: (e.status != "enrolled", e.trainee.name_key))
    return render_template(
        "courses/detail.html",
        course=course,
        curriculum=course.curriculum,
        status_form=status_form,
        confirm_form=ConfirmForm(),
        withdraw_form=WithdrawForm(),
        split_form=SplitForm(),
        mismatches=planning.period_mismatches(course) if course.status != "cancelled" else [],
        enrolments=enrolments,
        status_label=services.status_label,
        history=audit.history(course),
        can_replan=not planning.has_attendance(course),
        enrolled=sum(e.status == "enrolled" for e in enrolments),  # counted from the list, not read again
    )


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
def edit(course_id: int):
    course = services.get_course_or_404(course_id, write=True)
    form = CourseForm(obj=course)
    if request.method == "GET":
        form.trainer_ids.data = [t.id for t in course.trainers]
    _fill_course_form(form, course.unit_id, course)
    form.curriculum_code.choices = [(course.curriculum_code, f"{course.curriculum_code} ({course.curriculum_version})")]
    if form.validate_on_submit():
        saved = commit_or_flash(
            lambda: services.update_course(
                services.move_to_area(course, form.area_id.data or None) if current_user.is_admin else course,
                form.title.data,
                form.venue.data,
                form.starts_on.data,
                form.capacity.data,
                form.trainer_ids.data,
                form.notes.data,
                {key: getattr(form, key).data for key in CourseForm.SLOT_FIELDS},
            ),
            services.CourseError,
            _("Đã lưu khóa học."),
        )
        if saved is not None:
            return redirect(url_for("courses.detail", course_id=course.id))
    return render_template("courses/form.html", form=form, course=course)


@bp.route("/courses/<int:course_id>/status", methods=["POST"])
def change_status(course_id: int):
    course = services.get_course_or_404(course_id)
    form = StatusForm()
    form.status.choices = [("", "")] + [(s, s) for s in STATUSES]
    if form.validate_on_submit() and not form.status.data:
        flash(_("Chọn trạng thái mới."), "error")
    elif form.validate_on_submit():
        if form.status.data in FINAL_STATUSES and form.confirmed.data != "yes":
            # Closing or cancelling cannot be undone by a trainer: show what it leaves first,
            # unless the change would be refused anyway.
            try:
                services.check_status_change(course, form.status.data, form.reason.data or "", current_user)
            except services.CourseError as exc:
                flash(str(exc), "error")
                return redirect(url_for("courses.detail", course_id=course.id))
            now = utcnow()
            return render_template(
                "courses/confirm_status.html",
                course=course,
                form=form,
                unfinished=[s for s in course.sessions if s.ends_at > now],
            )
        commit_or_flash(
            lambda: services.change_status(course, form.status.data, form.reason.data or "", current_user),
            services.CourseError,
            lambda changed: _("Khóa học chuyển sang: %(s)s.", s=services.status_label(changed.status)),
        )
    return redirect(url_for("courses.detail", course_id=course.id))


# --- sessions -------------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/sessions/generate", methods=["POST"])
def generate_sessions(course_id: int):
    course = services.get_course_or_404(course_id, write=True)
    if ConfirmForm().validate_on_submit():
        commit_or_flash(
            lambda: planning.generate_sessions(course),
            services.CourseError,
            lambda created: _("Đã lập %(n)d buổi học từ các chuyên đề của chương trình.", n=len(created)),
        )
    return redirect(url_for("courses.detail", course_id=course.id, _anchor="sessions"))


def _session_form_page(course, session, form: SessionForm):
    form.module_code.choices = [(m.code, f"{m.code}. {m.title} ({m.periods} tiết)") for m in course.curriculum.modules]
    form.trainer_id.choices = [(0, _("— chưa phân công —"))] + [
        (t.id, t.full_name) for t in services.district_trainers(course.unit_id)
    ]
    if form.validate_on_submit():
        if session is None and (again := resubmitted()) is not None:
            return again
        saved = commit_or_flash(
            lambda: planning.save_session(
                course,
                session,
                form.module_code.data,
                form.day.data,
                form.start.data,
                form.end.data,
                form.venue.data or course.venue,
                form.trainer_id.data or None,
                form.periods.data,
            ),
            services.CourseError,
            lambda s: _(
                "Đã lưu buổi học %(m)s ngày %(d)s.", m=s.module_code, d=to_local(s.starts_at).strftime("%d/%m/%Y")
            ),
        )
        for warning in planning.session_warnings(saved) if saved is not None else []:
            flash(warning, "warning")
        if saved is not None:
            mark_created(url_for("courses.detail", course_id=course.id, _anchor="sessions"))
            return redirect(url_for("courses.detail", course_id=course.id, _anchor="sessions"))
    return render_template("courses/session_form.html", form=form, course=course, session=session)


@bp.route("/courses/<int:course_id>/sessions/new", methods=["GET", "POST"])
def session_new(course_id: int):
    course = services.get_course_or_404(course_id, write=True)
    form = SessionForm()
    if request.method == "GET":
        form.venue.data = course.venue
        form.trainer_id.data = course.trainers[0].id if course.trainers else 0
    return _session_form_page(course, None, form)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def session_edit(session_id: int):
    session = services.get_session_or_404(session_id, write=True)
    form = SessionForm()
    if request.method == "GET":
        start, end = to_local(session.starts_at), to_local(session.ends_at)
        form.module_code.data, form.day.data, form.start.data, form.end.data = (
            session.module_code,
            start.date(),
            start.time(),
            end.time(),
        )
        form.periods.data, form.venue.data, form.trainer_id.data = (
            session.periods,
            session.venue,
            session.trainer_id or 0,
        )
    return _session_form_page(session.course, session, form)


@bp.route("/sessions/<int:session_id>/split", methods=["POST"])
def session_split(session_id: int):
    session = services.get_session_or_404(session_id, write=True)
    form = SplitForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: planning.split_session(session, form.first_periods.data),
            services.CourseError,
            _("Đã tách buổi học thành hai buổi."),
        )
    else:
        # An emptied or non-numeric box fails the form before the service could say why.
        flash(_("Tách buổi học: phần đầu phải có từ 1 đến %(n)d tiết.", n=session.periods - 1), "error")
    return redirect(url_for("courses.detail", course_id=session.course_id, _anchor="sessions"))


@bp.route("/sessions/<int:session_id>/delete", methods=["POST"])
def session_delete(session_id: int):
    session = services.get_session_or_404(session_id, write=True)
    course_id = session.course_id
    if ConfirmForm().validate_on_submit():
        commit_or_flash(lambda: planning.delete_session(session), services.CourseError, _("Đã xóa buổi học."))
    return redirect(url_for("courses.detail", course_id=course_id, _anchor="sessions"))
