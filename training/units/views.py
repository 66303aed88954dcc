"""The units' pages that need no people: the issuers of the papers and their signers."""

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ..auth.permissions import roles_required
from ..clock import local_today
from ..web import commit_or_flash
from . import bp, issuers, services
from .forms import IssuerForm
from .models import MAP_PRE2025


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
