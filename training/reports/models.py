"""The stamps that tell every process when the figures a report counts have changed."""
from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

#: the scope of a change that may touch every unit's figures (a unit renamed, a trainee
#: erased, a bulk statement that names no unit)
EVERY_UNIT = 0
#: an execution option naming the managing unit whose figures an ORM bulk statement (insert(),
#: update(), delete() through the session) changes; without it the statement moves EVERY_UNIT
REPORT_UNIT = "training_report_unit"


class ReportStamp(db.Model):
    """A version per scope, a managing unit's id or EVERY_UNIT, that takes a new random value
    in every transaction that changes what that unit's figures count (see
    training.reports.cache). A unit's row appears with the first such change."""

    scope: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
