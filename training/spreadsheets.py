"""What every XLSX the app writes (attendance sheet, reports, import template) shares: the
font of the papers, what it does to text cells that a spreadsheet would run, and how a
large sheet is written row by row."""

from copy import copy

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet.cell_range import CellRange

#: the font a workbook of papers names: the serif of the PDF papers, by its family name (the PDFs
#: embed it as NotoSerif-Regular/-Bold); a workbook does not carry fonts, so a machine without it
#: shows its own serif in its place
PAPER_FONT = "Noto Serif"

#: how a text starts when a spreadsheet would read it as a formula (or a DDE call)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def keep_text(cell) -> None:
    """Keep an openpyxl cell whose text starts like a formula as text, with Excel's quote
    prefix: it shows exactly as typed, where an apostrophe put into the value would show as
    part of a name (and an imported copy would no longer match)."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type, cell.quotePrefix = "s", True


def styled(sheet, value, style=None, **styles) -> WriteOnlyCell:
    """A cell for a write-only sheet (rows written as they come, never all held): `style` a
    style record to copy (fast, for the many rows alike), else `styles` attributes to set (font,
    alignment, number_format…). Text that a spreadsheet would run stays text (keep_text)."""
    cell = WriteOnlyCell(sheet, value=value if value != "" else None)
    if style is not None:
        cell._style = copy(style)
    for name, setting in styles.items():
        setattr(cell, name, setting)
    keep_text(cell)
    return cell


class RowsInOrder:
    """Writes a write-only sheet's rows by their number, the rows between left empty: such a
    sheet takes its rows once each, in order."""

    def __init__(self, sheet):
        self.sheet, self.written = sheet, 0

    def put(self, number: int, cells: list) -> None:
        """Row `number` (1-based, after the last written): its cells from column A (None: empty)."""
        if number <= self.written:
            raise ValueError(f"row {number} comes after row {self.written}")
        for _gap in range(self.written + 1, number):
            self.sheet.append([])
        self.sheet.append(cells)
        self.written = number

    def append(self, cells: list) -> None:
        """The row after the last written."""
        self.put(self.written + 1, cells)

    def merge(self, row: int, first: int, last: int) -> None:
        """Merge columns `first`–`last` (1-based) of row `row`."""
        if last > first:
            self.sheet.merged_cells.add(CellRange(min_row=row, max_row=row, min_col=first, max_col=last))
