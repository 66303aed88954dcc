from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from ..auth.permissions import managed_unit_id, roles_required
from ..clock import local_today
from ..web import commit_or_flash
from . import bp, issuers, services
from .forms import IssuerForm
from .models import MAP_2025, MAP_PRE2025

MAPS_SHOWN = {
    MAP_2025: _l("Bản đồ từ 1/7/2025 (tỉnh – xã, phường)"),
    MAP_PRE2025: _l("Bản đồ trước 1/7/2025 (tỉnh – huyện – xã)"),
}


@bp.route("/")
@roles_required("admin", "trainer")
def index():
    # Trainee counts come from the people domain, which sits above units in the import
    # order; asking for them here keeps units/services free of that dependency.
    from ..people.services import trainee_counts_by_commune

    counts = trainee_counts_by_commune()
    rows = services.unit_overview(managed_unit_id(current_user), counts)
    # today's map first, then the pre-2025 one that history keeps
    rows.sort(key=lambda row: row["unit"].map != MAP_2025)
    lineage = services.lineage() if current_user.is_admin else {}
    waiting = sum(row["trainees"] for row in rows if row["unit"].map == MAP_PRE2025)
    return render_template(
        "units/index.html",
        rows=rows,
        lineage=lineage,
        maps=MAPS_SHOWN,
        convert=current_user.is_admin and waiting and services.live_map() == MAP_2025,
        waiting=waiting,
    )


@bp.route("/issuers", methods=["GET", "POST"])
@roles_required("admin")
def issuer_settings():
    form = IssuerForm()
    # The installation's own issuer, or a pre-2025 district's Phòng for the papers of that time.
    form.unit_id.choices = [SelectChoice(0, _("Toàn tỉnh (cơ quan tổ chức hiện nay)"))] + [
        SelectChoice(u.id, u.name) for u in services.managing_units(MAP_PRE2025) if u.level == "district"
    ]
    if form.validate_on_submit():
        data = {
            name: getattr(form, name).data
            for name in (
                "valid_from",
                "body_lines",
                "place",
                "signer_title",
                "signer_title_2",
                "signer_name",
                "symbol",
                "serial_pattern",
                "certifying_title",
            )
        }
        saved = commit_or_flash(
            lambda: issuers.save_setting(**data, unit_id=form.unit_id.data or None, user_id=current_user.id),
            issuers.IssuerError,
            _("Đã lưu cơ quan ban hành và người ký."),
        )
        if saved is not None:
            return redirect(url_for("units.issuer_settings"))
    elif not form.is_submitted():
        current = issuers.in_force(local_today(), services.province()) if services.province() else None
        if current is not None:
            issuer = current.issuer
            form.body_lines.data, form.place.data = "\n".join(issuer.body_lines), issuer.place
            form.signer_title.data = issuer.signer_title[0]
            form.signer_title_2.data = issuer.signer_title[1] if len(issuer.signer_title) > 1 else ""
            form.signer_name.data, form.symbol.data = issuer.signer_name, issuer.symbol
            form.serial_pattern.data, form.certifying_title.data = current.serial_pattern, issuer.certifying_title
        form.valid_from.data = local_today()
    today = issuers.in_force(local_today(), services.province()) if services.province() else None
    example = issuers.serial(today.serial_pattern, 15, local_today().year, today.issuer.symbol) if today else ""
    return render_template("units/issuers.html", form=form, settings=issuers.settings(), today=today, example=example)
