"""The places a report is about: the areas one may be asked for (an Area the admin made, or a
managing unit taken whole), the maps and units a report lists, and per group the communes
with nobody trained."""

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..people.models import GROUPS
from ..units.areas import areas
from ..units.models import MAP_2025, MAP_PRE2025, MAPS, Area, Unit
from ..units.services import communes_by_unit, communes_of, live_map, managing_units
from .figures import AreaRef, Period

#: the day the 2025 map came into force
MAP_2025_FROM = date(2025, 7, 1)


def area_ref(area: Area) -> AreaRef:
    """What a report shows of an Area: a province's or district's communes are its unit's."""
    communes = area.communes if area.kind == "cluster" else communes_of(area.unit_id)
    return AreaRef(area.id, area.name, area.kind, area.unit_id, tuple(c.id for c in communes))


def unit_area(unit: Unit) -> AreaRef:
    """A managing unit taken whole as an area."""
    return AreaRef(None, unit.name, unit.level, unit.id, tuple(c.id for c in communes_of(unit.id)))


def report_areas() -> list[AreaRef]:
    """The areas the admin may choose a report of: the Areas made, by name, then every
    managing unit taken whole (today's province, then the pre-2025 districts); none without
    communes, so a report never opens on an empty unit."""
    every_commune = communes_by_unit()
    made = [area_ref(a) for a in areas()]
    whole = [
        AreaRef(None, u.name, u.level, u.id, tuple(c.id for c in every_commune.get(u.id, [])))
        for u in managing_units(live_map()) + [u for m in MAPS if m != live_map() for u in managing_units(m)]
    ]
    return [a for a in made + whole if a.commune_ids]


def areas_listed(units: list[Unit]) -> list[AreaRef]:
    """The Areas the admin made on the units a province report lists, for its subtotals."""
    listed = {u.id for u in units}
    return [area_ref(a) for a in areas() if a.unit_id in listed]


def areas_by_commune() -> dict[int, tuple[str, ...]]:
    """commune id → the keys of the Areas it is in (a commune may be in a cụm and its province)."""
    found: dict[int, list[str]] = defaultdict(list)
    for area in map(area_ref, areas()):
        for commune_id in area.commune_ids:
            found[commune_id].append(area.key)
    return {commune: tuple(keys) for commune, keys in found.items()}


def report_maps(period: Period, communes_counted) -> list[str]:
    """The maps a province report lists units of: the one in force at the period's end (the
    2025 map once loaded), and any other its figures count communes of (a 2025 year holds
    courses of both)."""
    in_force = MAP_2025 if period.end >= MAP_2025_FROM and live_map() == MAP_2025 else MAP_PRE2025
    counted = set(db.session.scalars(select(Unit.map).distinct().where(Unit.id.in_(list(communes_counted)))))
    return [m for m in MAPS if m == in_force or m in counted]


def coverage(period: Period, area: AreaRef | None, trained_groups: dict[int, set[str]]):
    """The units a report lists (for an area, those its communes hang under; for the
    province, every managing unit of report_maps), their communes, and per group the communes
    with nobody of it trained."""
    every_commune = communes_by_unit()
    if area is None:
        units = [u for m in report_maps(period, trained_groups) for u in managing_units(m)]
        communes = {u.id: every_commune.get(u.id, []) for u in units}
    else:
        mine = set(area.commune_ids)
        communes = {}
        for unit_id, listed in every_commune.items():
            kept = [c for c in listed if c.id in mine]
            if kept:
                communes[unit_id] = kept
        units = [u for u in managing_units() if u.id in communes]
    uncovered = {
        g: {u.id: [c for c in communes[u.id] if g not in trained_groups.get(c.id, ())] for u in units} for g in GROUPS
    }
    return units, communes, uncovered
