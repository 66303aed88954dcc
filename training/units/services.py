"""Loading and reading the administrative unit tree."""
import json
from collections.abc import Mapping

import vietnam_provinces
from sqlalchemy import select

from ..extensions import db
from ..vietnamese import clean
from .models import Unit


class UnitError(Exception):
    """A unit operation that cannot be done; the message is for the user."""


def load_province(province_code: int, two_level: bool = False) -> Unit:
    """Create or update a province and its units from the `vietnam-provinces` package.

    Three levels by default (province → district → commune). With `two_level`, communes are
    attached straight to the province, as in the structure in force since 7/2025.
    Idempotent: units are matched by their official code.

    :raises UnitError: if the package has no province with this code.
    """
    data = json.loads(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    province_data = next((p for p in data if p["code"] == province_code), None)
    if province_data is None:
        raise UnitError(f"Không có tỉnh/thành phố mã {province_code} trong danh mục.")
    existing = {u.code: u for u in db.session.scalars(select(Unit))}

    def upsert(code: int, name: str, level: str, parent: Unit | None) -> Unit:
        unit = existing.get(str(code))
        if unit is None:
            unit = Unit(code=str(code))
            db.session.add(unit)
            existing[unit.code] = unit
        unit.name, unit.level, unit.parent = clean(name), level, parent
        return unit

    province = upsert(province_data["code"], province_data["name"], "province", None)
    for district_data in province_data["districts"]:
        district = None
        if not two_level:
            district = upsert(district_data["code"], district_data["name"], "district", province)
        for ward in district_data["wards"]:
            upsert(ward["code"], ward["name"], "commune", district or province)
    db.session.flush()
    return province


def province() -> Unit | None:
    """The province this installation serves (the first loaded, should there be several)."""
    return db.session.scalars(select(Unit).where(Unit.level == "province").order_by(Unit.id).limit(1)).first()


def managing_units() -> list[Unit]:
    """Units that trainers work in: districts, or provinces whose communes hang directly
    under them (two-level structure)."""
    districts = db.session.scalars(select(Unit).where(Unit.level == "district").order_by(Unit.name)).all()
    parent_ids = select(Unit.parent_id).where(Unit.level == "commune")
    flat_provinces = db.session.scalars(
        select(Unit).where(Unit.level == "province", Unit.id.in_(parent_ids)).order_by(Unit.name)
    ).all()
    return list(flat_provinces) + list(districts)


def communes_of(unit_id: int | None) -> list[Unit]:
    """Communes managed by a unit (all communes when unit_id is None)."""
    query = select(Unit).where(Unit.level == "commune").order_by(Unit.name)
    if unit_id is not None:
        query = query.where(Unit.parent_id == unit_id)
    return list(db.session.scalars(query))


def communes_by_unit() -> dict[int, list[Unit]]:
    """Every commune, grouped by the unit that manages it, in name order; one query."""
    grouped: dict[int, list[Unit]] = {}
    for commune in communes_of(None):
        grouped.setdefault(commune.parent_id, []).append(commune)
    return grouped


def unit_overview(unit_id: int | None, counts: Mapping[int, int]):
    """Managing units with their communes and a count per commune (e.g. trainees), for
    /units; `counts` maps commune id → number. Two queries, whatever the size."""
    units = [u for u in managing_units() if unit_id is None or u.id == unit_id]
    by_parent = communes_by_unit()
    rows = []
    for unit in units:
        children = by_parent.get(unit.id, [])
        rows.append(
            {
                "unit": unit,
                "communes": [(c, counts.get(c.id, 0)) for c in children],
                "trainees": sum(counts.get(c.id, 0) for c in children),
            }
        )
    return rows
