"""Loading and reading the administrative unit trees of the two maps."""

from collections.abc import Iterable, Mapping
from typing import TypeVar

from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db
from ..vietnamese import clean, sort_key
from . import catalogue
from .models import MAP_2025, MAP_PRE2025, Unit

#: a unit, or anything else with a name (an area)
T = TypeVar("T")


class UnitError(DomainError):
    """A unit operation that cannot be done; the message is for the user."""


def load_province(province_code: int, map_name: str = MAP_2025) -> Unit:
    """Create or update a province and its units on one map, from the national list.

    The 2025 map (the default) hangs the communes straight under the province; the pre-2025
    map has province → district → commune. Units are matched by map and code, so loading
    again changes nothing, and loading one map never touches a unit of the other.

    :raises UnitError: if the map has no province with this code.
    """
    found = catalogue.rows(map_name, province_code)
    if not found:
        raise UnitError(
            f"Không có tỉnh/thành phố mã {province_code} trên bản đồ "
            + ("từ 1/7/2025." if map_name == MAP_2025 else "trước 1/7/2025.")
        )
    existing = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.map == map_name))}

    def upsert(code: str, name: str, level: str, parent: Unit | None) -> Unit:
        unit = existing.get(code)
        if unit is None:
            unit = Unit(map=map_name, code=code)
            db.session.add(unit)
            existing[code] = unit
        # Only what differs is set, so a second load leaves every row as it was.
        for attribute, value in (("name", clean(name)), ("level", level), ("parent", parent)):
            if getattr(unit, attribute) != value:
                setattr(unit, attribute, value)
        return unit

    province = upsert(found[0].province_code, found[0].province, "province", None)
    districts: dict[str, Unit] = {}
    for row in found:
        parent = province
        if row.district_code is not None:
            parent = districts.get(row.district_code) or upsert(row.district_code, row.district, "district", province)
            districts[row.district_code] = parent
        upsert(row.code, row.name, "commune", parent)
    db.session.flush()
    return province


def live_map() -> str:
    """The map today's work is on: the 2025 map once it is loaded, else the pre-2025 one."""
    has_new = db.session.scalar(select(Unit.id).where(Unit.map == MAP_2025).limit(1))
    return MAP_2025 if has_new is not None else MAP_PRE2025


def find(map_name: str, code: str) -> Unit | None:
    """The unit of this map with this official code."""
    return db.session.scalar(select(Unit).where(Unit.map == map_name, Unit.code == catalogue.code(code)))


def province(map_name: str | None = None) -> Unit | None:
    """The province this installation serves on a map (the live one by default; the first
    loaded, should there be several)."""
    query = select(Unit).where(Unit.level == "province", Unit.map == (map_name or live_map()))
    return db.session.scalars(query.order_by(Unit.id).limit(1)).first()


def in_name_order(units: Iterable[T]) -> list[T]:
    """Units (or areas) in Vietnamese order of their names, the order trainee names follow,
    for every list a person reads: the database's own order is by code point, which puts
    "Xã Đông Sơn" after "Xã Xuân Lương"."""
    return sorted(units, key=lambda unit: sort_key(unit.name))


def managing_units(map_name: str | None = None) -> list[Unit]:
    """Units that trainers work in: provinces whose communes hang directly under them
    (two-level structure), then districts, each in name order; of one map, or of both when
    map_name is None."""
    districts = select(Unit).where(Unit.level == "district")
    parent_ids = select(Unit.parent_id).where(Unit.level == "commune")
    flat_provinces = select(Unit).where(Unit.level == "province", Unit.id.in_(parent_ids))
    if map_name is not None:
        districts, flat_provinces = districts.where(Unit.map == map_name), flat_provinces.where(Unit.map == map_name)
    return in_name_order(db.session.scalars(flat_provinces)) + in_name_order(db.session.scalars(districts))


def communes_of(unit_id: int | None) -> list[Unit]:
    """Communes managed by a unit (all communes when unit_id is None), in name order."""
    query = select(Unit).where(Unit.level == "commune")
    if unit_id is not None:
        query = query.where(Unit.parent_id == unit_id)
    return in_name_order(db.session.scalars(query))


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


def lineage() -> dict[int, list[tuple[str, bool]]]:
    """Where each commune came from or went to, for /units: unit id → [(name, recorded)],
    in name order.

    An old commune shows its successor, a new one its sources: as recorded by a conversion or
    a merge (recorded=True), else as the national table proposes for units not yet converted
    (recorded=False). Two queries per province of the new map, whatever the size."""
    found: dict[int, list[tuple[str, bool]]] = {}
    for old in db.session.scalars(select(Unit).where(Unit.successor_id.is_not(None), Unit.level == "commune")):
        found.setdefault(old.id, []).append((old.successor.name, True))
        found.setdefault(old.successor_id, []).append((old.name, True))
    old_by_code = {
        u.code: u
        for u in db.session.scalars(
            select(Unit).where(Unit.map == MAP_PRE2025, Unit.level == "commune", Unit.successor_id.is_(None))
        )
    }
    for new_province in db.session.scalars(select(Unit).where(Unit.map == MAP_2025, Unit.level == "province")):
        new_by_code = {c.code: c for c in new_province.children}
        for old_code, successors in catalogue.successors(int(new_province.code)).items():
            old = old_by_code.get(old_code)
            if old is None:
                continue
            for successor in successors:
                new = new_by_code.get(successor.code)
                if new is not None:
                    found.setdefault(old.id, []).append((new.name, False))
                    found.setdefault(new.id, []).append((old.name, False))
    for names in found.values():
        names.sort(key=lambda entry: sort_key(entry[0]))
    return found


def rename_unit(unit: Unit, name: str) -> Unit:
    """Rename a unit (after a decision renaming it). Flushes.

    :raises UnitError: for an empty or overlong name, or one a sibling already has.
    """
    name = clean(name)
    if not name or len(name) > 120:
        raise UnitError("Tên đơn vị phải có từ 1 đến 120 ký tự.")
    sibling = db.session.scalar(
        select(Unit.id).where(
            Unit.parent_id == unit.parent_id, Unit.map == unit.map, Unit.name == name, Unit.id != unit.id
        )
    )
    if sibling is not None:
        raise UnitError(f"Đã có đơn vị “{name}” cùng cấp.")
    unit.name = name
    db.session.flush()
    return unit
