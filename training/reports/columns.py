"""The columns of every report table, each defined once: its heading, how its value is read
from a Tally and whether it is a count or a share. The page (templates/reports/_tally_head.html
and _tally_cells.html), the XLSX and the PDF are all drawn from COLUMNS, so a new column is one
line here."""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .figures import Tally


@dataclass(frozen=True)
class Column:
    #: the name a text that quotes the figure (the PDF's sentence) knows it by
    key: str
    heading: str
    value: Callable[[Tally], int | float | None]
    #: a fraction shown as a percentage with one decimal (else a whole count)
    share: bool = False

    def of(self, tally: Tally | None) -> int | float | None:
        """The column's figure for a row; a row with no tally counts 0 and has no share."""
        if tally is None:
            return None if self.share else 0
        return self.value(tally)

    @property
    def number_format(self) -> str:
        """The spreadsheet's number format (the reader's locale supplies the decimal comma)."""
        return "0.0%" if self.share else "#,##0"


COLUMNS = (
    Column("courses", _l("Số lớp"), lambda t: t.courses),
    Column("sessions", _l("Buổi học"), lambda t: t.sessions),
    Column("trainees", _l("Học viên (người)"), lambda t: t.trainees),
    Column("enrolments", _l("Lượt người"), lambda t: t.enrolments),
    Column("attendance", _l("Tỷ lệ tham dự"), lambda t: t.attendance_rate, share=True),
    Column("completions", _l("Hoàn thành"), lambda t: t.completions),
    Column("issued", _l("GCN đã cấp"), lambda t: t.certificates_issued),
    Column("valid", _l("GCN còn hiệu lực"), lambda t: t.certificates_valid),
    Column("revoked", _l("GCN thu hồi"), lambda t: t.certificates_revoked),
)


def figures(tally: Tally | None) -> list[int | float | None]:
    """A row's figures, in the order of COLUMNS."""
    return [column.of(tally) for column in COLUMNS]


def by_key(tally: Tally | None) -> dict[str, int | float | None]:
    """A row's figures by column key."""
    return {column.key: column.of(tally) for column in COLUMNS}


def is_blank(tally: Tally | None) -> bool:
    """A row with nothing to show (every count 0): the page hides such communes until asked."""
    return not any(figures(tally))
