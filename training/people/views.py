import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from ..auth.permissions import commune_scope, managed_unit_id, require_unit, roles_required
from ..extensions import db
from ..ids import db_int
from ..units.services import communes_by_unit, communes_of, live_map, managing_units
from ..web import commit_or_flash, flash_form_errors
from . import bp, importer, role_label, services
from .forms import (
    PasswordResetForm,
    TraineeAccountForm,
    TraineeForm,
    TraineeImportForm,
    UserActiveForm,
    UserCreateForm,
    UserEditForm,
)
from .list_reader import ImportRejected
from .models import GROUPS, User

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# WTForms 3.3 deprecates tuple and dict choices; SelectChoice carries the optgroup instead.
def _commune_choices() -> list[SelectChoice]:
    """Communes the current user may use: their own district's, or all grouped by district."""
    unit_id, scope = managed_unit_id(current_user), commune_scope(current_user)
    if unit_id is not None:
        return [SelectChoice(c.id, c.name) for c in communes_of(unit_id) if scope is None or c.id in scope]
    communes = communes_by_unit()
    return [
        SelectChoice(c.id, c.name, optgroup=u.name) for u in managing_units(live_map()) for c in communes.get(u.id, [])
    ]


def _unit_choices() -> list[SelectChoice]:
    return [SelectChoice(u.id, u.name) for u in managing_units(live_map())]


def _int_arg(name: str) -> int | None:
    return request.args.get(name, type=db_int)


@bp.route("/trainees")
@roles_required("admin", "trainer")
def trainees():
    unit_id, scope = managed_unit_id(current_user) or _int_arg("unit"), commune_scope(current_user)
    filters = services.TraineeFilter(
        q=request.args.get("q", "").strip(),
        unit_id=unit_id,
        commune_id=_int_arg("commune"),
        group=request.args.get("group") if request.args.get("group") in GROUPS else None,
        commune_ids=scope,
    )
    page = db.paginate(
        services.trainee_query(filters), per_page=current_app.config["PAGE_SIZE"], error_out=False, count=False
    )
    page.total = _total(page, filters)
    return render_template(
        "people/trainees.html",
        page=page,
        filters=filters,
        units=managing_units() if current_user.is_admin else [],
        communes=[c for c in communes_of(unit_id) if scope is None or c.id in scope] if unit_id else [],
    )


def _total(page, filters: services.TraineeFilter) -> int:
    """How many trainees the list holds: a page short of full is the last one, so its rows
    give the total (one person's name is found without a second search); else counted."""
    if len(page.items) < page.per_page and (page.items or page.page == 1):
        return (page.page - 1) * page.per_page + len(page.items)
    return services.count_trainees(filters)


def _trainee_form_page(trainee, form: TraineeForm):
    form.commune_id.choices = _commune_choices()
    duplicates = []
    if form.validate_on_submit():
        duplicates = services.find_probable_duplicates(
            form.full_name.data, form.birth_date.data, form.commune_id.data, exclude_id=trainee.id if trainee else None
        )
        if duplicates and not form.confirm_duplicate.data:
            flash(_("Có thể trùng với học viên đã có. Hãy kiểm tra trước khi lưu."), "warning")
        else:
            saved = commit_or_flash(
                lambda: services.save_trainee(trainee, form.data),
                services.PeopleError,
                lambda t: _("Đã lưu học viên %(name)s.", name=t.full_name),
            )
            if saved is not None:
                return redirect(url_for("people.trainee", trainee_id=saved.id))
    return render_template("people/trainee_form.html", form=form, trainee=trainee, duplicates=duplicates)


@bp.route("/trainees/new", methods=["GET", "POST"])
@roles_required("admin", "trainer")
def trainee_new():
    return _trainee_form_page(None, TraineeForm())


@bp.route("/trainees/<int:trainee_id>")
def trainee(trainee_id: int):
    trainee = services.get_trainee_or_404(trainee_id)
    return render_template("people/trainee.html", trainee=trainee, account_form=TraineeAccountForm())


@bp.route("/trainees/<int:trainee_id>/edit", methods=["GET", "POST"])
def trainee_edit(trainee_id: int):
    trainee = services.get_trainee_or_404(trainee_id)
    return _trainee_form_page(trainee, TraineeForm(obj=trainee))


@bp.route("/trainees/import", methods=["GET", "POST"])
@roles_required("admin", "trainer")
def trainee_import():
    form = TraineeImportForm()
    form.unit_id.choices = _unit_choices()
    if not current_user.is_admin:
        form.unit_id.choices = [SelectChoice(current_user.unit_id, current_user.unit.name)]
        if form.unit_id.data is None:
            form.unit_id.data = current_user.unit_id
    if form.is_submitted():
        # Another district's id is refused outright, not quietly swapped for one's own.
        require_unit(form.unit_id.data)
    errors = []

    def rejected(exc: ImportRejected) -> str:
        errors.extend(exc.errors)  # listed on the page, beside the form
        return _(
            "Chưa nhập dòng nào: tệp có %(n)s dòng lỗi. Sửa các dòng dưới đây rồi tải lên lại.",
            n=format_decimal(len(errors)),
        )

    if form.validate_on_submit():
        upload = form.file.data
        created = commit_or_flash(
            lambda: importer.import_trainees(
                upload.filename, upload.read(), form.unit_id.data, commune_scope(current_user)
            ),
            ImportRejected,
            lambda created: _("Đã nhập %(n)s học viên.", n=format_decimal(len(created))),
            rejected,
        )
        if created is not None:
            return redirect(url_for("people.trainees", unit=form.unit_id.data))
    return render_template("people/import.html", form=form, errors=errors)


@bp.route("/trainees/import/template.xlsx")
@roles_required("admin", "trainer")
def trainee_import_template():
    unit_id = managed_unit_id(current_user) or _int_arg("unit")
    content = importer.template_workbook(unit_id, commune_scope(current_user))
    return send_file(
        io.BytesIO(content), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name="mau-nhap-hoc-vien.xlsx"
    )


@bp.route("/users")
@roles_required("admin")
def users():
    query = db.select(User).options(joinedload(User.unit)).order_by(User.role, User.username)
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("people/users.html", page=page, active_form=UserActiveForm())


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def user_new():
    form = UserCreateForm()
    form.unit_id.choices = _unit_choices()
    if form.validate_on_submit():
        user = commit_or_flash(
            lambda: services.create_user(
                form.username.data, form.password.data, form.full_name.data, "trainer", form.unit_id.data
            ),
            services.PeopleError,
            lambda u: _("Đã tạo tài khoản giảng viên %(u)s.", u=u.username),
        )
        if user is not None:
            return redirect(url_for("people.users"))
    return render_template("people/user_form.html", form=form)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required("admin")
def user_reset_password(user_id: int):
    user = services.get_user_or_404(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        db.session.commit()
        flash(_("Đã đặt lại mật khẩu cho %(u)s.", u=user.username), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("people.users"))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(user_id: int):
    user = services.get_user_or_404(user_id)
    form = UserEditForm(obj=user)
    staff = user.role != "trainee"
    form.role.choices = [(r, role_label(r)) for r in (("admin", "trainer") if staff else ("trainee",))]
    form.unit_id.choices = [(0, "—")] + [(c.value, c.label) for c in _unit_choices()]
    if request.method == "GET":
        form.unit_id.data = user.unit_id or 0
    if form.validate_on_submit():
        saved = commit_or_flash(
            lambda: services.update_user(user, form.full_name.data, form.role.data, form.unit_id.data or None),
            services.PeopleError,
            lambda u: _("Đã lưu tài khoản %(u)s.", u=u.username),
        )
        if saved is not None:
            return redirect(url_for("people.users"))
    return render_template("people/user_edit.html", form=form, user=user, staff=staff)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required("admin")
def user_set_active(user_id: int):
    user = services.get_user_or_404(user_id)
    form = UserActiveForm()
    if request.form.get("active") not in ("0", "1"):
        abort(400)  # say which, never deactivate by default
    active = request.form.get("active") == "1"
    if form.validate_on_submit():
        commit_or_flash(
            lambda: services.set_active(user, active, current_user, form.reason.data or ""),
            services.PeopleError,
            _("Đã mở khóa tài khoản %(u)s.", u=user.username)
            if active
            else _("Đã khóa tài khoản %(u)s; mọi phiên đăng nhập của tài khoản đã kết thúc.", u=user.username),
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("people.users"))


@bp.route("/trainees/<int:trainee_id>/account", methods=["POST"])
@roles_required("admin")
def trainee_account(trainee_id: int):
    trainee = services.get_trainee_or_404(trainee_id)
    form = TraineeAccountForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: services.create_trainee_account(trainee, form.username.data, form.password.data),
            services.PeopleError,
            lambda u: _(
                "Đã tạo tài khoản %(u)s cho %(name)s: học viên đăng nhập để xem lịch học và thẻ học viên.",
                u=u.username,
                name=trainee.full_name,
            ),
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("people.trainee", trainee_id=trainee.id))
