"""TableByPage and table_by_page (training/pdf/paper.py) lay a long table out as reportlab's
own Table does, page for page and word for word, while making a Table only of what each page
shows."""

import re
import subprocess
from io import BytesIO

import pytest
from reportlab.lib.pagesizes import A4, landscape
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from training.pdf.fonts import SERIF, register_fonts, style
from training.pdf.paper import TableByPage, table_by_page

WIDTHS = [40, 300, 120, 120, 180]  # as wide as the frame of a landscape A4 with 15-mm margins
COMMANDS = [("FONT", (0, 0), (-1, -1), SERIF, 10), ("GRID", (0, 0), (-1, -1), 0.5, "black")]
PADDING, LINE = 6, 12


def rows(count: int) -> list[list]:
    head = [["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Ghi chú"], ["", "", "", "", ""]]
    body_style = style(10, leading=LINE)
    body = [
        [str(n), Paragraph(f"Học viên số {n}" + " rất dài" * (n % 4) * 6, body_style), "Công chức", "Xã A", ""]
        for n in range(1, count + 1)
    ]
    return head + body


def heights(body: list[list]) -> list[float]:
    return [max(LINE, row[1].wrap(WIDTHS[1] - 12, 10_000)[1]) + PADDING for row in body]


def table(rows_: list[list], body_heights: list[float] | None, repeat: int = 0) -> Table:
    """The table of some rows; `body_heights` None: reportlab measures them."""
    row_heights = None if body_heights is None else [None, None] + body_heights
    made = Table(rows_, colWidths=WIDTHS, rowHeights=row_heights, repeatRows=repeat)
    made.setStyle(TableStyle(COMMANDS))
    return made


def words(story: list) -> list[list[tuple]]:
    """Each page's words with their place (pdftotext -bbox), in points rounded to a tenth."""
    register_fonts()
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=42.5, rightMargin=42.5).build(story)
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=buffer.getvalue(), capture_output=True, check=True)
    pages = out.stdout.decode().split("<page ")[1:]
    found = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>'
    return [[(text, round(float(x), 1), round(float(y), 1)) for x, y, text in re.findall(found, p)] for p in pages]


@pytest.mark.parametrize("measured", [False, True], ids=["heights given", "heights measured by reportlab"])
@pytest.mark.parametrize("count", [5, 60])
def test_a_table_by_page_is_laid_out_as_a_table_is(app, count, measured):
    laid_out = []

    def counted(rows_: list[list], body_heights: list[float] | None) -> Table:
        if body_heights is not None:  # not table_by_page's measuring of a few dozen rows
            laid_out.append(len(rows_))
        return table(rows_, body_heights)

    lead = [Spacer(1, 200)]  # the first page has less room: the table starts part-way down
    if measured:
        plain = words([*lead, table(rows(count), None, repeat=2)])
        by_page = words([*lead, table_by_page(counted, rows(count), 2, chunk=7)])
    else:
        plain = words([*lead, table(rows(count), heights(rows(count)[2:]), repeat=2)])
        by_page = words([*lead, TableByPage(counted, rows(count), 2, heights(rows(count)[2:]))])
    assert by_page == plain
    assert len(plain) == 1 if count == 5 else len(plain) >= 3
    # never a Table of more rows than a page shows (and one of the heading alone, to measure it)
    first_column = 42.5 + WIDTHS[0]
    shown = max(sum(1 for text, x, _y in page if text.isdigit() and x < first_column) for page in plain)
    assert max(laid_out) <= 2 + shown
