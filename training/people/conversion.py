"""Moving live data from the pre-2025 map to the map in force since 1/7/2025.

Trainees move from their old commune to its successor on the new map, and trainers from
their old district (or old province) to the new province; each old unit then records where
its people went. Courses, attendance, results, certificates and reports keep the units they
had: a 2024 course of Huyện Yên Thế stays one, with its trainees' communes of the time shown
as they were only through the trainees' rows, which is why the move is audited per commune.

The successors come from the national conversion table; a commune that was split among
several new communes (or that the table does not know) is not guessed: whoever converts
chooses where its people go.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..audit import record
from ..errors import DomainError
from ..extensions import db
from ..units import catalogue
from ..units.models import MAP_2025, MAP_PRE2025, Area, Unit
from ..units.services import find, in_name_order
from ..vietnamese import sort_key
from .models import Trainee, User


class ConversionError(DomainError):
    """A conversion that cannot be done; the message is for the user."""


@dataclass
class CommuneMove:
    """One old commune that holds trainees, and where they can go."""

    old: Unit
    #: new communes the national table names: one if merged whole, several if split, none
    #: if the table does not know the commune
    candidates: list[Unit]
    trainees: int
    #: the table's choice for a split commune (where most of it went), or the only candidate
    proposed: Unit | None

    @property
    def needs_choice(self) -> bool:
        return len(self.candidates) != 1


@dataclass
class Plan:
    """What a conversion would move, before it moves anything."""

    province: Unit
    old_provinces: list[Unit]
    moves: list[CommuneMove]
    #: trainers whose unit is an old district or province; they move to the new province
    trainers: list[User]
    #: old communes without trainees that will just record their successor
    quiet: int = 0
    #: the communes of the new province, where people may go
    communes: list[Unit] = field(default_factory=list)
    #: every commune of the old provinces
    old_communes: list[Unit] = field(default_factory=list)

    @property
    def trainees(self) -> int:
        return sum(move.trainees for move in self.moves)

    @property
    def choices_needed(self) -> list[CommuneMove]:
        return [move for move in self.moves if move.needs_choice]


def plan(province_code: int) -> Plan:
    """The conversion of province `province_code` (its code on the new map), not applied.

    :raises ConversionError: if the new map of that province is not loaded.
    """
    province = find(MAP_2025, str(province_code))
    if province is None or province.level != "province":
        raise ConversionError(
            f"Chưa có tỉnh mã {province_code} trên bản đồ từ 1/7/2025: nạp trước bằng lệnh "
            f"flask units load --province {province_code}."
        )
    old_codes = catalogue.legacy_province_codes(province_code)
    old_provinces = list(
        db.session.scalars(
            select(Unit)
            .where(Unit.map == MAP_PRE2025, Unit.level == "province", Unit.code.in_(old_codes))
            .order_by(Unit.code)
        )
    )
    old_ids = [p.id for p in old_provinces]
    old_ids += db.session.scalars(select(Unit.id).where(Unit.level == "district", Unit.parent_id.in_(old_ids))).all()
    # by old district, then commune, both in name order, as the admin reads the preview
    old_communes = sorted(
        db.session.scalars(
            select(Unit).where(Unit.map == MAP_PRE2025, Unit.level == "commune", Unit.parent_id.in_(old_ids))
        ),
        key=lambda c: (sort_key(c.parent.name), sort_key(c.name)),
    )
    counts = dict(
        db.session.execute(
            select(Trainee.commune_id, func.count())
            .where(Trainee.commune_id.in_([c.id for c in old_communes]))
            .group_by(Trainee.commune_id)
        ).all()
    )
    new_communes = {c.code: c for c in province.children}
    table = catalogue.successors(province_code)
    moves, quiet = [], 0
    for old in old_communes:
        if not counts.get(old.id):
            quiet += old.successor_id is None
            continue
        successors = table.get(old.code, [])
        candidates = in_name_order(new_communes[s.code] for s in successors if s.code in new_communes)
        if old.successor is not None:
            # converted before: people added since follow the choice made then
            candidates, proposed = [old.successor], old.successor
        else:
            proposed = next((new_communes[s.code] for s in successors if s.default and s.code in new_communes), None)
        moves.append(CommuneMove(old, candidates, counts[old.id], proposed))
    trainers = list(
        db.session.scalars(
            select(User).where(User.role == "trainer", User.unit_id.in_(old_ids)).order_by(User.full_name)
        )
    )
    return Plan(province, old_provinces, moves, trainers, quiet, in_name_order(province.children), old_communes)


def convert(province_code: int, choices: dict[int, int], actor_id: int | None = None) -> Plan:
    """Move the trainees and trainers of the old map to the new one, as `plan` shows them.

    `choices` maps an old commune's id to the new commune chosen for its people; it is
    required for every commune that needs a choice, and may override any other. The caller
    commits once, so the whole move is one transaction. Running it again moves only what
    was added to the old units since.

    :raises ConversionError: if a choice is missing or names a unit outside the new province.
    """
    planned = plan(province_code)
    new_ids = {c.id: c for c in planned.communes}
    missing = [m.old.name for m in planned.moves if m.needs_choice and m.old.id not in choices]
    if missing:
        raise ConversionError("Hãy chọn xã, phường mới cho học viên của: " + ", ".join(missing) + ".")
    if any(target not in new_ids for target in choices.values()):
        raise ConversionError("Xã, phường được chọn không thuộc tỉnh trên bản đồ từ 1/7/2025.")
    for move in planned.moves:
        target = new_ids[choices[move.old.id]] if move.old.id in choices else move.candidates[0]
        moved = list(db.session.scalars(select(Trainee).where(Trainee.commune_id == move.old.id).order_by(Trainee.id)))
        for trainee in moved:
            trainee.commune = target
        if move.old.successor_id is None:
            move.old.successor = target
        record(
            "unit.convert",
            move.old,
            actor_id,
            to=f"{target.map}/{target.code}",
            to_name=target.name,
            trainees=[t.id for t in moved],
            split=len(move.candidates) > 1,
        )
    # Old communes without anyone still record a successor where the table names only one.
    table = catalogue.successors(province_code)
    by_code = {c.code: c for c in planned.communes}
    for old in planned.old_communes:
        successors = table.get(old.code, [])
        if old.successor_id is None and len(successors) == 1 and successors[0].code in by_code:
            old.successor = by_code[successors[0].code]
    for trainer in planned.trainers:
        record("user.unit", trainer, actor_id, before=trainer.unit.name, after=planned.province.name)
        trainer.unit = planned.province
    for old in planned.old_provinces:
        for unit in (old, *[c for c in old.children if c.level == "district"]):
            if unit.successor_id is None:
                unit.successor = planned.province
    db.session.flush()
    return planned


def merge_units(source: Unit, target: Unit, actor_id: int | None = None) -> int:
    """Merge commune `source` into `target` (after a decision merging them): its trainees
    move to `target`, and `source` stays, recording its successor, for the history that
    names it. Audited; flushes. Returns how many trainees moved.

    :raises ConversionError: unless both are live communes of the same map and province.
    """
    if source.id == target.id or source.level != "commune" or target.level != "commune":
        raise ConversionError("Chỉ sáp nhập một xã, phường vào một xã, phường khác.")
    if source.map != target.map or source.province.id != target.province.id:
        raise ConversionError(
            "Hai đơn vị phải cùng tỉnh, cùng bản đồ; chuyển sang bản đồ mới bằng chức năng chuyển đổi."
        )
    if source.successor_id is not None or target.successor_id is not None:
        raise ConversionError("Đơn vị này đã được sáp nhập hoặc chuyển đổi trước đây.")
    moved = list(db.session.scalars(select(Trainee).where(Trainee.commune_id == source.id).order_by(Trainee.id)))
    for trainee in moved:
        trainee.commune = target
    source.successor = target
    record(
        "unit.merge",
        source,
        actor_id,
        to=f"{target.map}/{target.code}",
        to_name=target.name,
        trainees=[t.id for t in moved],
    )
    db.session.flush()
    return len(moved)


def assign_area(user: User, area: Area, actor_id: int | None = None) -> User:
    """Give a trainer an area to work in: they then work in its unit (the province, or the
    district), limited to its communes for a cụm. Audited; flushes.

    :raises ConversionError: if the user is not a trainer.
    """
    if user.role != "trainer":
        raise ConversionError("Chỉ giao địa bàn cho giảng viên.")
    record("user.area", user, actor_id, before=user.area.name if user.area else None, after=area.name)
    user.area, user.unit_id = area, area.unit_id
    db.session.flush()
    return user
