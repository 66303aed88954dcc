"""The unit pages that need people: the list of units with their trainee counts, and the admin's
pages that move people between units: converting live data to today's map, merging two communes,
and giving trainers their areas. They sit in the people domain because they count or move
trainees and trainers; renaming, which moves nobody, is here too so a unit's page is one page."""

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ..auth.permissions import managed_unit_id, roles_required
from ..extensions import analyze, db
from ..ids import db_int
from ..security import no_store
from ..units import areas as unit_areas
from ..units import services as units
from ..units.forms import AreaForm, AssignForm, ConvertForm, MergeForm, RenameForm
from ..units.models import MAP_2025, MAP_PRE2025, Area, Unit
from ..web import commit_or_flash
from . import bp, conversion
from .models import User
from .services import trainee_counts_by_commune

MAPS_SHOWN = {
    MAP_2025: _l("Bản đồ từ 1/7/2025 (tỉnh – xã, phường)"),
    MAP_PRE2025: _l("Bản đồ trước 1/7/2025 (tỉnh – huyện – xã)"),
}


@bp.route("/units/")
@roles_required("admin", "trainer")
def units_index():
    counts = trainee_counts_by_commune()
    rows = units.unit_overview(managed_unit_id(current_user), counts)
    # today's map first, then the pre-2025 one that history keeps
    rows.sort(key=lambda row: row["unit"].map != MAP_2025)
    lineage = units.lineage() if current_user.is_admin else {}
    waiting = sum(row["trainees"] for row in rows if row["unit"].map == MAP_PRE2025)
    return render_template(
        "units/index.html",
        rows=rows,
        lineage=lineage,
        maps=MAPS_SHOWN,
        convert=current_user.is_admin and waiting and units.live_map() == MAP_2025,
        waiting=waiting,
    )


@bp.route("/units/convert", methods=["GET", "POST"])
@roles_required("admin")
def units_convert():
    province = units.province(MAP_2025)
    if province is None:
        return render_template("units/convert.html", plan=None, form=ConvertForm(), chosen={})
    planned = conversion.plan(int(province.code))
    form = ConvertForm()
    # The choice for each split commune, as posted (kept when the page is shown again).
    chosen = {m.old.id: request.form.get(f"choice-{m.old.id}", type=db_int) for m in planned.choices_needed}
    if form.validate_on_submit() and form.confirmed.data == "1":
        choices = {old_id: new_id for old_id, new_id in chosen.items() if new_id}
        done = commit_or_flash(
            lambda: conversion.convert(int(province.code), choices, current_user.id),
            conversion.ConversionError,
            lambda p: _(
                "Đã chuyển %(t)d học viên và %(g)d giảng viên sang bản đồ từ 1/7/2025.", t=p.trainees, g=len(p.trainers)
            ),
        )
        if done is not None:
            analyze()
            return redirect(url_for("people.units_index"))
    form.confirmed.data = "1"  # the page itself is the preview: posting it confirms
    return no_store(make_response(render_template("units/convert.html", plan=planned, form=form, chosen=chosen)))


def _unit_or_404(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@roles_required("admin")
def unit_edit(unit_id: int):
    unit = _unit_or_404(unit_id)
    rename, merge = RenameForm(prefix="rename"), MergeForm(prefix="merge")
    siblings = (
        units.in_name_order(c for c in unit.parent.children if c.id != unit.id and c.successor_id is None)
        if unit.parent
        else []
    )
    merge.target_id.choices = [SelectChoice(c.id, c.name) for c in siblings]
    target = None
    if request.method == "POST" and "rename-name" in request.form and rename.validate():
        if commit_or_flash(lambda: units.rename_unit(unit, rename.name.data), units.UnitError, _("Đã đổi tên đơn vị.")):
            return redirect(url_for("people.unit_edit", unit_id=unit.id))
    elif (
        request.method == "POST" and "merge-target_id" in request.form and unit.level == "commune" and merge.validate()
    ):
        target = db.session.get(Unit, merge.target_id.data)
        if merge.confirmed.data == "1":
            moved = commit_or_flash(
                lambda: conversion.merge_units(unit, target, current_user.id),
                conversion.ConversionError,
                lambda n: _(
                    "Đã sáp nhập %(a)s vào %(b)s: chuyển %(n)s học viên.",
                    a=unit.name,
                    b=target.name,
                    n=format_decimal(n),
                ),
            )
            if moved is not None:
                return redirect(url_for("people.units_index"))
        merge.confirmed.data = "1"  # asked once: the page now asks to confirm
    elif not rename.is_submitted():
        rename.name.data = unit.name
    counts = trainee_counts_by_commune()
    return render_template(
        "units/unit.html",
        unit=unit,
        rename=rename,
        merge=merge,
        target=target,
        trainees=counts.get(unit.id, 0),
        target_trainees=counts.get(target.id, 0) if target else 0,
        lineage=units.lineage().get(unit.id, []),
    )


@bp.route("/units/areas", methods=["GET", "POST"])
@roles_required("admin")
def units_areas():
    live = units.live_map()
    province = units.province(live)
    area_form, assign_form = AreaForm(prefix="area"), AssignForm(prefix="assign")
    area_form.unit_id.choices = [
        SelectChoice(u.id, u.name)
        for u in ([province] if province else []) + units.managing_units(MAP_PRE2025)
        if u.level in ("province", "district")
    ]
    communes = units.in_name_order(province.children) if province else []
    area_form.commune_ids.choices = [SelectChoice(c.id, c.name) for c in communes]
    trainers = list(
        db.session.scalars(
            select(User).where(User.role == "trainer", User.is_active.is_(True)).order_by(User.full_name)
        )
    )
    all_areas = unit_areas.areas()
    assign_form.user_id.choices = [SelectChoice(t.id, t.full_name) for t in trainers]
    assign_form.area_id.choices = [SelectChoice(a.id, a.name) for a in all_areas]
    if request.method == "POST" and "area-name" in request.form and area_form.validate():
        unit = db.session.get(Unit, area_form.unit_id.data)
        if commit_or_flash(
            lambda: unit_areas.save_area(area_form.name.data, area_form.kind.data, unit, area_form.commune_ids.data),
            units.UnitError,
            _("Đã tạo địa bàn."),
        ):
            return redirect(url_for("people.units_areas"))
    elif request.method == "POST" and "assign-user_id" in request.form and assign_form.validate():
        user, area = db.session.get(User, assign_form.user_id.data), db.session.get(Area, assign_form.area_id.data)
        if commit_or_flash(
            lambda: conversion.assign_area(user, area, current_user.id),
            conversion.ConversionError,
            _("Đã giao địa bàn cho giảng viên."),
        ):
            return redirect(url_for("people.units_areas"))
    return render_template(
        "units/areas.html",
        areas=all_areas,
        trainers=trainers,
        area_form=area_form,
        assign_form=assign_form,
        area_communes={a.id: units.in_name_order(a.communes) for a in all_areas},
    )
