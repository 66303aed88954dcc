"""The stamp that tells every process when the figures a report counts have changed."""
from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ReportStamp(db.Model):
    """One row (id 1) whose version takes a new random value in every transaction that
    changes what the reports count (see training.reports.cache)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
