"""What every XLSX the app writes (attendance sheet, reports, import template) does to text
cells that a spreadsheet would run."""

#: how a text starts when a spreadsheet would read it as a formula (or a DDE call)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def keep_text(cell) -> None:
    """Keep an openpyxl cell whose text starts like a formula as text, with Excel's quote
    prefix: it shows exactly as typed, where an apostrophe put into the value would show as
    part of a name (and an imported copy would no longer match)."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type, cell.quotePrefix = "s", True
