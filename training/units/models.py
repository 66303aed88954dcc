from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

LEVELS = ("province", "district", "commune")


class Unit(db.Model):
    """An administrative unit. Communes hang under a district, or directly under the
    province in the two-level structure in force since 7/2025."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: official code from the national list (e.g. "24" for Bắc Giang)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: province | district | commune
    level: Mapped[str] = mapped_column(String(10), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", order_by="Unit.name")

    @property
    def managing_unit_id(self) -> int | None:
        """The unit whose trainers manage this commune: its district, or the province."""
        return self.parent_id if self.level == "commune" else self.id

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"
