"""What the attendance sheet and the blank sign-in sheet share as PDF: the landscape page,
the heading, the tables split into parts, and the signers at the end."""

from io import BytesIO
from typing import NamedTuple

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..courses.models import Course
from ..pdf.fonts import SERIF, escaped, paragraph, tagged
from ..pdf.issuer import Issuer
from ..pdf.paper import (
    PageMark,
    TableByPage,
    closing,
    header_block,
    headless,
    keep_with,
    signer_flowables,
    table_tail,
)
from ..pdf.words import place_and_date
from .sheet import Part, SheetData

PAGE = landscape(A4)
#: margins of Nghị định 30 for a landscape page: the binding edge (top) a little wider
MARGIN = 15 * mm
TOP_MARGIN = 20 * mm
WIDTH = PAGE[0] - 2 * MARGIN
GRID = colors.black
HEAD_BG = colors.HexColor("#eeeeee")
#: the size of the trainees' rows (a table on a landscape page; the body text is 13 pt)
CELL_SIZE = 10
#: room to sign on a sheet (a landscape page has less of it than a portrait one)
SIGN_SPACE = 18 * mm
#: width (mm) of the number column, the first on both sheets
STT_W = 9


def document(title: str, course: Course):
    """A function making the sheet's doc template on a buffer (build_keeping_signer may build twice)."""

    def make(buffer: BytesIO) -> SimpleDocTemplate:
        return SimpleDocTemplate(
            buffer,
            pagesize=PAGE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=TOP_MARGIN,
            bottomMargin=MARGIN,
            title=title,
            author=course.unit.name,
            subject=course.title,
            initialFontName=SERIF,
        )

    return make


def heading(data: SheetData, title: str) -> list:
    """The top of the sheet: the official heading, its title, the course and its facts."""
    course = data.course

    def fact(label: str, value: str) -> str:
        return f"{tagged(label + ':', 'b')} {escaped(value)}"

    facts = [
        fact(_("Chương trình"), data.programme),
        " &nbsp;&nbsp; ".join(
            [fact(_("Mã lớp"), course.code), fact(_("Thời gian"), data.dates), fact(_("Địa điểm"), course.venue)]
        ),
    ]
    return [
        header_block(data.issuer, WIDTH, left_share=0.42),
        Spacer(1, 4 * mm),
        paragraph(f"<b>{escaped(title)}</b>", 14, align=TA_CENTER),
        Spacer(1, 1 * mm),
        paragraph(f"<b>{escaped(course.title)}</b>", 13, align=TA_CENTER),
        Spacer(1, 1.5 * mm),
        *[paragraph(line, 12, align=TA_CENTER) for line in facts],
        Spacer(1, 3 * mm),
    ]


def _signer_block(data: SheetData, blank: bool) -> Table:
    """The foot of the sheet: the person who drew it up on the left, the date and the head of
    the organising body on the right. A blank form leaves the date to fill and says how to sign;
    an issued sheet bears its date and the signer of the issuer settings."""
    maker = [paragraph("", 12), paragraph(tagged(_("NGƯỜI LẬP BIỂU"), "b"), 13, align=TA_CENTER)]
    if blank:
        maker.append(paragraph(tagged(_("(Ký, ghi rõ họ tên)"), "i"), 12, align=TA_CENTER))
        head = Issuer(
            body_lines=data.issuer.body_lines,
            place=data.issuer.place,
            signer_title=(_("THỦ TRƯỞNG CƠ QUAN TỔ CHỨC LỚP"),),
            signer_name="",
            symbol=data.issuer.symbol,
            certifying_title=data.issuer.certifying_title,
        )
        right = signer_flowables(head, place_and_date(data.issuer.place, None), blank=True, space=SIGN_SPACE)
    else:
        right = signer_flowables(data.issuer, place_and_date(data.issuer.place, data.on), space=SIGN_SPACE)
    return closing(WIDTH, maker, right, left_share=0.4)


def ending(data: SheetData, log: dict, blank: bool, note: str | None, last_rows: list) -> list:
    """What ends the sheet, kept together: the table's last rows, the legend or note, the signers."""
    parts = list(last_rows)
    if note:
        parts += [Spacer(1, 2 * mm), paragraph(tagged(note, "i"), 11)]
    parts += [Spacer(1, 3 * mm), _signer_block(data, blank)]
    return [keep_with(log, *parts)]


def grid_style(header_rows: int) -> list:
    """The style every table of the sheets starts from: the grid, `header_rows` heading rows shaded."""
    return [
        ("FONT", (0, 0), (-1, -1), SERIF, CELL_SIZE),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_BG),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]


def widen_to_fit(columns: list[tuple[list[float], int, list[str], float]], spare: float) -> float:
    """Widen columns so that their longest entry stays on one line, within `spare` mm: the
    column lacking least first, so that when not all can, a name or commune still does and the
    long position takes the rest. A column: its list of widths in mm, its index there, its
    entries and their font size. Returns the spare width left."""
    lacking = [
        (max([0.0] + [(stringWidth(entry, SERIF, size) + 6) / mm - widths[index] for entry in entries]), widths, index)
        for widths, index, entries, size in columns
    ]
    for short, widths, index in sorted(lacking, key=lambda item: item[0]):
        given = min(short, spare)
        widths[index] += given
        spare -= given
    return spare


class Text(NamedTuple):
    """A body cell's text, made a Paragraph only when the page that shows it is laid out: a
    sheet of hundreds of trainees would otherwise hold all of them, wrapped, from the start."""

    markup: str
    style: ParagraphStyle

    def paragraph(self) -> Paragraph:
        return Paragraph(self.markup, self.style)


def _made(rows: list[list]) -> list[list]:
    """The rows with their Text cells made into Paragraphs."""
    return [[cell.paragraph() if isinstance(cell, Text) else cell for cell in row] for row in rows]


def _table_maker(commands: list, widths: list[float], padding: float, line: float):
    """Builds a table of the sheet from its heading rows and some of its body rows; one with
    its heading is laid out a page at a time (TableByPage)."""

    def table(rows: list[list], heights: list[float]) -> Table:
        made = Table(_made(rows), colWidths=widths, rowHeights=[None, None] + heights)
        made.setStyle(TableStyle(commands))
        return made

    def make(rows: list[list], header: bool = True):
        if header:
            return TableByPage(table, rows, 2, _row_heights(rows[2:], widths, padding, line))
        made = Table(_made(rows), colWidths=widths, rowHeights=_row_heights(rows, widths, padding, line))
        made.setStyle(TableStyle(headless(commands, 2)))
        return made

    return make


def _row_heights(rows: list[list], widths: list[float], padding: float, line: float) -> list[float]:
    """Each row's height, worked out once (a Paragraph wrapped and let go): reportlab would
    otherwise wrap every paragraph again each time a long table is split across pages."""
    heights = []
    for cells in rows:
        tallest = line
        for cell, width in zip(cells, widths):
            if isinstance(cell, Text):
                tallest = max(tallest, cell.paragraph().wrap(width - 4, 10_000)[1])
        heights.append(tallest + 2 * padding)
    return heights


def tables_by_part(
    data: SheetData, parts: list[Part], heading, rows_of, padding: float, log: dict, split: bool
) -> tuple[list, list]:
    """The sheet's tables for the story: a note when nobody is enrolled, else a table for each
    part (rows_of(data, part) gives its rows, style, widths and line height), each part after
    the first on a new page, headed by heading(part) when there are several. Returns the story
    and the last part's last rows, which go with the signers (training.pdf.build_keeping_signer)."""
    if not data.rows:
        return [paragraph(tagged(_("Lớp bồi dưỡng chưa có học viên."), "i"), 12), PageMark(log, "table")], []
    story, last_rows = [], []
    for part in parts:
        if part.count > 1:
            if not part.first:
                story.append(PageBreak())
            story += [paragraph(f"<b>{escaped(heading(part))}</b>", 12), Spacer(1, 1.5 * mm)]
        rows, commands, widths, line = rows_of(data, part)
        make = _table_maker(commands, widths, padding, line)
        if part.last:
            body, last_rows = table_tail(make, rows, 2, split)
            story += body
        else:
            story.append(make(rows))
    return story + [PageMark(log, "table")], last_rows
