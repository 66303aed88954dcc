"""The national lists of administrative units, read from the `vietnamadminunits` package
(MIT): its SQLite file holds both maps with official codes (the three-level map as it stood
on 30/6/2025, and the two-level map since 1/7/2025), and its conversion table says which new
commune each old one went to, with the communes that were split among several.

The package's own Python API geocodes addresses (shapely, geopy); only its data files are read
here, with the standard library, so nothing of that is imported.
"""

import functools
import importlib.util
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .models import MAP_2025


@dataclass(frozen=True)
class Row:
    """One commune of a map, with its province and (on the old map) its district."""

    province_code: str
    province: str
    district_code: str | None
    district: str | None
    code: str
    name: str


@dataclass(frozen=True)
class Successor:
    """A new commune an old one went to; `default` marks where most of a split one went."""

    code: str
    default: bool


def _data_dir() -> Path:
    # find_spec locates the package without running its __init__ (which imports shapely).
    spec = importlib.util.find_spec("vietnamadminunits")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _query(sql: str, *params) -> list[sqlite3.Row]:
    connection = sqlite3.connect(f"file:{_data_dir() / 'dataset.db'}?mode=ro", uri=True)
    try:
        connection.row_factory = sqlite3.Row
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def code(value: str | int) -> str:
    """An official code as the app stores it: without the leading zeros ("07246" → "7246")."""
    return str(int(value))


def rows(map_name: str, province_code: int) -> list[Row]:
    """The communes of a province on a map, in the package's order (empty if none)."""
    padded = f"{province_code:02d}"
    if map_name == MAP_2025:
        found = _query(
            "SELECT DISTINCT provinceCode, province, wardCode, ward FROM admin_units WHERE provinceCode = ?", padded
        )
        return [Row(code(r[0]), r[1], None, None, code(r[2]), r[3]) for r in found]
    found = _query(
        "SELECT DISTINCT provinceCode, province, districtCode, district, wardCode, ward"
        " FROM admin_units_legacy WHERE provinceCode = ?",
        padded,
    )
    return [Row(code(r[0]), r[1], code(r[2]), r[3], code(r[4]), r[5]) for r in found]


@functools.cache
def _converter() -> dict:
    return json.loads((_data_dir() / "converter_2025.json").read_text(encoding="utf-8"))


def successors(province_code: int) -> dict[str, list[Successor]]:
    """Old commune code → the new commune(s) of province `province_code` (on the 2025 map) it
    went to: one for a commune merged whole, several (one marked default) for a split one.
    Keys cover every old province merged into this one."""
    new = _query(
        "SELECT DISTINCT provinceKey, wardKey, wardCode FROM admin_units WHERE provinceCode = ?", f"{province_code:02d}"
    )
    if not new:
        return {}
    province_key = new[0][0]
    new_codes = {r[1]: code(r[2]) for r in new}
    old_provinces = _converter()["DICT_PROVINCE"].get(province_key, [])
    marks = ",".join("?" * len(old_provinces))
    old_codes = {
        f"{r[0]}_{r[1]}_{r[2]}": code(r[3])
        for r in _query(
            "SELECT DISTINCT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy"
            f" WHERE provinceKey IN ({marks})",
            *old_provinces,
        )
    }
    table: dict[str, list[Successor]] = {}
    for new_key, old_keys in _converter()["DICT_PROVINCE_WARD_NO_DIVIDED"].get(province_key, {}).items():
        for old_key in old_keys:
            if old_key in old_codes and new_key in new_codes:
                table[old_codes[old_key]] = [Successor(new_codes[new_key], True)]
    for old_key, parts in _converter()["DICT_PROVINCE_WARD_DIVIDED"].get(province_key, {}).items():
        if old_key in old_codes:
            table[old_codes[old_key]] = [
                Successor(new_codes[p["newWardKey"]], p["isDefaultNewWard"])
                for p in parts
                if p["newWardKey"] in new_codes
            ]
    return table


def legacy_province_codes(province_code: int) -> list[str]:
    """Codes of the old provinces merged into province `province_code` of the 2025 map."""
    found = _query("SELECT provinceKey FROM admin_units WHERE provinceCode = ? LIMIT 1", f"{province_code:02d}")
    if not found:
        return []
    keys = _converter()["DICT_PROVINCE"].get(found[0][0], [])
    marks = ",".join("?" * len(keys))
    return sorted(
        {
            code(r[0])
            for r in _query(
                f"SELECT DISTINCT provinceCode FROM admin_units_legacy WHERE provinceKey IN ({marks})", *keys
            )
        },
        key=int,
    )
