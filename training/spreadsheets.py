"""What every XLSX the app writes (attendance sheet, reports, import template) shares: the
font of the papers and what it does to text cells that a spreadsheet would run."""

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
