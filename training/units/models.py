from datetime import date, datetime

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db

LEVELS = ("province", "district", "commune")

#: the three-level map in force until 30/6/2025 (province → district → commune)
MAP_PRE2025 = "pre2025"
#: the two-level map in force since 1/7/2025 (province → commune)
MAP_2025 = "2025"
MAPS = (MAP_PRE2025, MAP_2025)


class Unit(db.Model):
    """An administrative unit on one of the two dated maps. Official codes are reused between
    the maps (7246 was Xã Canh Nậu, it is now Xã Xuân Lương), so a unit is identified by its
    map and code, never its code alone."""

    # The unique index also serves every lookup by map (its first column).
    __table_args__ = (UniqueConstraint("map", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: MAP_PRE2025 | MAP_2025
    map: Mapped[str] = mapped_column(String(10))
    #: official code from the national list of its map (e.g. "24"); unique within the map
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    #: province | district | commune
    level: Mapped[str] = mapped_column(String(10), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    #: the unit whose people this one's were moved to (by the conversion to the 2025 map, or
    #: by a merge); None while the unit is live
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children", foreign_keys=[parent_id])
    children: Mapped[list["Unit"]] = relationship(
        back_populates="parent", order_by="Unit.name", foreign_keys=[parent_id]
    )
    successor: Mapped["Unit | None"] = relationship(remote_side=[id], foreign_keys=[successor_id])

    @property
    def province(self) -> "Unit":
        """The province this unit is in (itself for a province)."""
        unit = self
        while unit.parent is not None:
            unit = unit.parent
        return unit

    @property
    def managing_unit_id(self) -> int | None:
        """The unit whose trainers manage this commune: its district, or the province."""
        return self.parent_id if self.level == "commune" else self.id

    def __repr__(self) -> str:
        return f"<Unit {self.map}/{self.code} {self.name}>"


class IssuerSetting(db.Model):
    """Who issues the papers from a date on: the issuing body, place, signer, document symbol
    and certificate serial pattern, as the admin sets them. A paper takes the setting in force
    on its own date, so a 2024 paper keeps the issuer of 2024 after a reorganisation."""

    # One setting per scope and date; the unique index also serves the lookup by scope.
    __table_args__ = (UniqueConstraint("unit_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the unit whose papers this setting is for (a pre-2025 district's Phòng, say); None for
    #: the whole installation (the province's Sở)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    #: in force from this date until the next setting of the same scope
    valid_from: Mapped[date] = mapped_column(Date)
    #: the issuing body, superior first, one line each ("UBND TỈNH BẮC NINH\nSỞ VĂN HÓA, …")
    body_lines: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(String(80))
    #: the signer's title, one or two lines ("KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC")
    signer_title: Mapped[str] = mapped_column(String(200))
    signer_name: Mapped[str] = mapped_column(String(120), default="")
    #: the issuing body's symbol in document numbers ("SVHTTDL")
    symbol: Mapped[str] = mapped_column(String(40))
    #: certificate serials, with {number}, {year} and {symbol}: "{number}/{year}/GCN-{symbol}"
    serial_pattern: Mapped[str] = mapped_column(String(80))
    #: the head who certifies, as a certificate's body says it
    certifying_title: Mapped[str] = mapped_column(String(250))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    unit: Mapped[Unit | None] = relationship()

    def __repr__(self) -> str:
        return f"<IssuerSetting {self.unit_id} {self.valid_from}>"


area_commune = Table(
    "area_commune",
    db.metadata,
    Column("area_id", Integer, ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), primary_key=True),
)

AREA_KINDS = ("province", "district", "cluster")


class Area(db.Model):
    """What a trainer works in, as the admin assigns it: the whole province, a pre-2025
    district (so the data of that time keeps its scope), or a group of communes (a cụm)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: province | district | cluster
    kind: Mapped[str] = mapped_column(String(10))
    #: the province or district the area is; for a cluster, the province its communes are in
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)

    unit: Mapped[Unit] = relationship()
    #: a cluster's communes (empty for the other kinds, whose communes are their unit's)
    communes: Mapped[list[Unit]] = relationship(secondary=area_commune, order_by=Unit.name)

    def __repr__(self) -> str:
        return f"<Area {self.kind} {self.name}>"
