"""Areas: what the admin gives a trainer to work in."""

from sqlalchemy import select

from ..extensions import db
from ..vietnamese import clean
from .models import Area, Unit
from .services import UnitError, in_name_order


def save_area(name: str, kind: str, unit: Unit, commune_ids: list[int] | None = None) -> Area:
    """Create an area: a whole province, a pre-2025 district, or a cụm of the province's
    communes. Flushes.

    :raises UnitError: for a name missing, a kind that does not fit the unit, or a cụm without
        communes or with communes of another province.
    """
    name = clean(name)
    if not name or len(name) > 120:
        raise UnitError("Tên địa bàn phải có từ 1 đến 120 ký tự.")
    # a cụm groups communes of a province (or, on the old map, of a district)
    fits = {
        "province": unit.level == "province",
        "district": unit.level == "district",
        "cluster": unit.level in ("province", "district"),
    }
    if not fits.get(kind, False):
        raise UnitError("Loại địa bàn không khớp với đơn vị đã chọn.")
    area = Area(name=name, kind=kind, unit=unit)
    if kind == "cluster":
        communes = list(
            db.session.scalars(select(Unit).where(Unit.id.in_(commune_ids or []), Unit.parent_id == unit.id))
        )
        if not communes or len(communes) != len(set(commune_ids or [])):
            raise UnitError("Một cụm gồm các xã, phường trực thuộc đơn vị đã chọn; hãy chọn ít nhất một.")
        area.communes = communes
    db.session.add(area)
    db.session.flush()
    return area


def areas() -> list[Area]:
    """Every area, in name order."""
    return in_name_order(db.session.scalars(select(Area)))
