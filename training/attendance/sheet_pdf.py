"""The attendance sheet of a course and its blank sign-in sheet as PDF, drawn from the
sheet's data (sheet.py). Pure document code: the views send the bytes, in Vietnamese.
"""

from dataclasses import dataclass
from datetime import date
from io import BytesIO

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..courses.models import Course
from ..pdf.fonts import SERIF, SERIF_BOLD, escaped, paragraph, register_fonts, style, tagged
from ..pdf.issuer import Issuer
from ..pdf.paper import (
    PageMark,
    build_keeping_signer,
    closing,
    header_block,
    headless,
    keep_with,
    page_number,
    signer_flowables,
    table_tail,
)
from ..pdf.words import place_and_date
from .sheet import MORNING, Part, SheetData, day_groups, legend, split_parts

#: signature boxes per part of the blank sign-in sheet (a box must be wide enough to sign in)
MAX_BOXES_PER_PART = 8

# --- PDF pieces shared by the attendance and sign-in sheets ----------------------------------

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


def _document(title: str, course: Course):
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


def _heading(data: SheetData, title: str) -> list:
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


def _ending(data: SheetData, log: dict, blank: bool, note: str | None, last_rows: list) -> list:
    """What ends the sheet, kept together: the table's last rows, the legend or note, the signers."""
    parts = list(last_rows)
    if note:
        parts += [Spacer(1, 2 * mm), paragraph(tagged(note, "i"), 11)]
    parts += [Spacer(1, 3 * mm), _signer_block(data, blank)]
    return [keep_with(log, *parts)]


def _fit_size(text: str, width: float, largest: float, smallest: float = 5) -> float:
    """The largest font size (down to `smallest`) at which `text` fits in `width` points."""
    needed = stringWidth(text, SERIF_BOLD, 1)
    return max(smallest, min(largest, (width - 2) / needed if needed else largest))


def _grid_style(header_rows: int) -> list:
    return [
        ("FONT", (0, 0), (-1, -1), SERIF, CELL_SIZE),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_BG),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]


# --- the attendance sheet as PDF --------------------------------------------------------------

#: widths (mm) of the fixed columns; the session columns share what is left
STT_W, NAME_W, POSITION_W, COMMUNE_W, PERIODS_W, SHARE_W, NOTE_W = 9, 40, 32, 28, 14, 12, 24
#: a session column is never wider than this; spare width goes to the text columns
SESSION_MAX_W = 11


def _widen_to_fit(columns: list[tuple[list[float], int, list[str], float]], spare: float) -> float:
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


def _attendance_widths(part: Part, data: SheetData) -> tuple[list[float], float]:
    """Column widths (points) of one part of the sheet and the width of a session column.
    The width the session columns leave goes first where the longest name, position or
    commune needs it to stay on one line, the rest in fixed shares (the remarks column takes
    some only when a trainee has a remark)."""
    text = [STT_W, NAME_W] + ([POSITION_W, COMMUNE_W] if part.first else [])
    tail = [PERIODS_W, SHARE_W, NOTE_W] if part.last else []
    free = WIDTH / mm - sum(text) - sum(tail)
    n = len(part.columns)
    session_w = min(SESSION_MAX_W, free / n) if n else 0
    spare = free - session_w * n
    if spare > 0:
        # First the name, position, commune and remarks where their longest entry needs it.
        columns = [(text, 1, [row.name for row in data.rows], CELL_SIZE)]
        if part.first:
            columns += [
                (text, 2, [row.position for row in data.rows], CELL_SIZE),
                (text, 3, [row.commune for row in data.rows], CELL_SIZE),
            ]
        if part.last:
            columns.append((tail, -1, [row.remark for row in data.rows], CELL_SIZE - 1))
        spare = _widen_to_fit(columns, spare)
        # Then the position most, a position ("Phó Chủ tịch Hội Liên hiệp Phụ nữ xã") being longer than any name.
        grow = {1: 0.2, 2: 0.5, 3: 0.3} if part.first else {1: 1.0}
        if part.last and any(row.remark for row in data.rows):
            # The remarks get a share too: a third, or half when they are beside the name alone.
            grow = {k: v * (0.67 if part.first else 0.5) for k, v in grow.items()}
        for index, share in grow.items():
            text[index] += spare * share
        if tail:
            tail[-1] += spare * (1 - sum(grow.values()))
    widths = text + [session_w] * n + tail
    return [w * mm for w in widths], session_w * mm


def _attendance_rows(data: SheetData, part: Part) -> tuple[list[list], list, list[float], float]:
    """The rows (two heading rows first), the style commands, the widths and the session
    column's width of one part of the sheet."""
    widths, session_w = _attendance_widths(part, data)
    n = len(part.columns)
    lead = 4 if part.first else 2
    mark_size = max(7, min(10, session_w / 2.2))
    head_size = 9.5

    def head(text):
        return paragraph(f"<b>{escaped(text)}</b>", head_size, align=TA_CENTER, leading=head_size * 1.15)

    top = [head(_("STT")), head(_("Họ và tên"))]
    if part.first:
        top += [head(_("Chức vụ")), head(_("Đơn vị (xã)"))]
    top += [""] * n
    if part.last:
        top += [head(_("Số tiết")), head(_("Tỷ lệ")), head(_("Ghi chú"))]
    second = [""] * len(top)
    commands = _grid_style(2) + [
        ("ALIGN", (0, 0), (-1, 1), "CENTER"),
        ("ALIGN", (0, 2), (0, -1), "CENTER"),
        ("ALIGN", (lead, 2), (-1, -1), "CENTER"),
        ("TOPPADDING", (0, 2), (-1, -1), ROW_PADDING),
        ("BOTTOMPADDING", (0, 2), (-1, -1), ROW_PADDING),
    ]
    # The fixed columns span both heading rows; the session columns show the date above, S/C below.
    for index in list(range(lead)) + list(range(lead + n, len(top))):
        commands.append(("SPAN", (index, 0), (index, 1)))
    column = lead
    for group in day_groups(part.columns):
        size = _fit_size(group.label, session_w * group.span, head_size)
        top[column] = group.label
        commands += [
            ("SPAN", (column, 0), (column + group.span - 1, 0)),
            ("FONT", (column, 0), (column, 0), SERIF_BOLD, size),
        ]
        column += group.span
    for offset, col in enumerate(part.columns):
        second[lead + offset] = col.half
    if n:
        commands += [
            ("FONT", (lead, 2), (lead + n - 1, -1), SERIF_BOLD, mark_size),
            ("FONT", (lead, 1), (lead + n - 1, 1), SERIF_BOLD, min(head_size, mark_size)),
        ]

    body_style = style(CELL_SIZE, leading=CELL_SIZE * 1.2)
    note_style = style(CELL_SIZE - 1, leading=(CELL_SIZE - 1) * 1.2)
    rows = [top, second]
    chunk = slice(part.first_column, part.first_column + n)
    for row in data.rows:
        cells = [str(row.number), Paragraph(escaped(row.name), body_style)]
        if part.first:
            cells += [Paragraph(escaped(row.position), body_style), Paragraph(escaped(row.commune), body_style)]
        cells += row.marks[chunk]
        if part.last:
            cells += [row.periods_label, row.share_label, Paragraph(escaped(row.remark), note_style)]
        rows.append(cells)
    return rows, commands, widths, body_style.leading


def _table_maker(commands: list, widths: list[float], padding: float, line: float):
    """Builds a table of the sheet from its heading rows and some of its body rows."""

    def make(rows: list[list], header: bool = True) -> Table:
        if header:
            heights = [None, None] + _row_heights(rows[2:], widths, padding, line)
            table = Table(rows, colWidths=widths, rowHeights=heights, repeatRows=2)
            table.setStyle(TableStyle(commands))
        else:
            table = Table(rows, colWidths=widths, rowHeights=_row_heights(rows, widths, padding, line))
            table.setStyle(TableStyle(headless(commands, 2)))
        return table

    return make


#: top and bottom padding of a trainee's row on the attendance sheet
ROW_PADDING = 3.5


def _row_heights(rows: list[list], widths: list[float], padding: float, line: float) -> list[float]:
    """Each row's height, computed once: reportlab would otherwise wrap every paragraph again
    each time a long table is split across pages."""
    heights = []
    for cells in rows:
        tallest = line
        for cell, width in zip(cells, widths):
            if isinstance(cell, Paragraph):
                tallest = max(tallest, cell.wrap(width - 4, 10_000)[1])
        heights.append(tallest + 2 * padding)
    return heights


def _tables_by_part(
    data: SheetData, parts: list[Part], heading, rows_of, padding: float, log: dict, split: bool
) -> tuple[list, list]:
    """The sheet's tables for the story: a note when nobody is enrolled, else a table for each
    part (rows_of(data, part) gives its rows, style, widths and line height), each part after
    the first on a new page, headed by heading(part) when there are several. Returns the story
    and the last part's last rows, which go with the signers (training.pdf.paper.build_keeping_signer)."""
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


def attendance_pdf(data: SheetData) -> bytes:
    """The attendance sheet: A4 landscape, the official heading, a row per trainee with a mark
    per session, periods, share and the remarks made when marking; the legend and the signers
    at the end, with at least the last rows of the table."""
    register_fonts()
    course = data.course
    title = _("DANH SÁCH ĐIỂM DANH HỌC VIÊN")

    def story(log: dict, split: bool) -> list:
        tables, last_rows = _tables_by_part(
            data, data.parts, lambda part: part.heading, _attendance_rows, ROW_PADDING, log, split
        )
        return _heading(data, title) + tables + _ending(data, log, blank=False, note=legend(data), last_rows=last_rows)

    return build_keeping_signer(
        _document(_("Danh sách điểm danh %(code)s", code=course.code), course),
        story,
        onFirstPage=page_number,
        onLaterPages=page_number,
    )


# --- the blank sign-in sheet as PDF -----------------------------------------------------------


@dataclass
class Box:
    """A signature box of the blank sheet: one session, or a whole day when there are many."""

    heading: str
    sub: str


def signin_boxes(data: SheetData) -> list[Box]:
    """One box per session when they fit on a page, else one per day; one plain box when the
    course has no sessions yet."""
    if not data.columns:
        return [Box(_("Ký tên"), "")]
    if len(data.columns) <= MAX_BOXES_PER_PART:
        return [Box(c.day_label, _("Sáng") if c.half == MORNING else _("Chiều")) for c in data.columns]
    days: list[date] = []
    for column in data.columns:
        if not days or days[-1] != column.day:
            days.append(column.day)
    return [Box(day.strftime("%d/%m"), _("Ngày %(n)d", n=index)) for index, day in enumerate(days, start=1)]


#: top and bottom padding of a row of the sign-in sheet: a box tall enough for a signature
SIGN_PADDING = 5
#: widths (mm) of the sign-in sheet's text columns and its remarks column; the spare width
#: the boxes leave goes where the longest name, position or commune needs it, then to them in
#: SIGNIN_GROW's shares
SIGNIN_NAME_W, SIGNIN_POSITION_W, SIGNIN_COMMUNE_W, SIGNIN_NOTE_W = 38, 40, 28, 22
SIGNIN_GROW = {1: 0.15, 2: 0.6, 3: 0.25}
#: widths (mm) of a signature box: room enough to sign, and no wider than a signature needs
SIGN_BOX_MIN, SIGN_BOX_MAX = 28, 40


def _signin_rows(data: SheetData, part: Part) -> tuple[list[list], list, list[float], float]:
    lead_widths = [STT_W, SIGNIN_NAME_W] + ([SIGNIN_POSITION_W, SIGNIN_COMMUNE_W] if part.first else [])
    tail_widths = [SIGNIN_NOTE_W] if part.last else []
    n = len(part.columns)
    free = WIDTH / mm - sum(lead_widths) - sum(tail_widths)
    # The text columns may take what boxes wider than SIGN_BOX_MIN would have; then the boxes
    # grow up to SIGN_BOX_MAX, and the text columns take what is left.
    box_min = min(SIGN_BOX_MIN, free / n)
    columns = [(lead_widths, 1, [row.name for row in data.rows], CELL_SIZE + 0.5)]
    if part.first:
        columns += [
            (lead_widths, 2, [row.position for row in data.rows], CELL_SIZE),
            (lead_widths, 3, [row.commune for row in data.rows], CELL_SIZE),
        ]
    left = _widen_to_fit(columns, free - box_min * n)
    box_w = min(SIGN_BOX_MAX, box_min + left / n)
    spare = left - (box_w - box_min) * n
    grow = SIGNIN_GROW if part.first else {1: 1.0}
    for index, share in grow.items():
        lead_widths[index] += spare * share
    lead = len(lead_widths)

    def head(text, size=10):
        return paragraph(f"<b>{escaped(text)}</b>", size, align=TA_CENTER, leading=size * 1.15)

    top = [head(_("STT")), head(_("Họ và tên"))] + ([head(_("Chức vụ")), head(_("Đơn vị (xã)"))] if part.first else [])
    top += [head(box.heading) for box in part.columns]
    second = [""] * lead + [paragraph(escaped(box.sub), 9.5, align=TA_CENTER) for box in part.columns]
    if part.last:
        top.append(head(_("Ghi chú")))
        second.append("")
    commands = _grid_style(2) + [
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("TOPPADDING", (0, 2), (-1, -1), SIGN_PADDING),
        ("BOTTOMPADDING", (0, 2), (-1, -1), SIGN_PADDING),
    ]
    for index in list(range(lead)) + ([len(top) - 1] if part.last else []):
        commands.append(("SPAN", (index, 0), (index, 1)))
    name_style, small = (
        style(CELL_SIZE + 0.5, leading=(CELL_SIZE + 0.5) * 1.2),
        style(CELL_SIZE, leading=CELL_SIZE * 1.2),
    )
    rows = [top, second]
    for row in data.rows:
        cells = [str(row.number), Paragraph(escaped(row.name), name_style)]
        if part.first:
            cells += [Paragraph(escaped(row.position), small), Paragraph(escaped(row.commune), small)]
        rows.append(cells + [""] * n + ([""] if part.last else []))
    widths = [w * mm for w in lead_widths + [box_w] * n + tail_widths]
    return rows, commands, widths, name_style.leading


def signin_pdf(data: SheetData) -> bytes:
    """The sheet trainees sign on arrival: the enrolled trainees with an empty box per session
    (or per day when there are many) and a remarks column, printed before the course; a blank
    form, its date and signature left to fill."""
    register_fonts()
    course = data.course
    title = _("DANH SÁCH HỌC VIÊN KÝ NHẬN THAM DỰ LỚP BỒI DƯỠNG")
    parts = split_parts(signin_boxes(data), MAX_BOXES_PER_PART)
    note = _("Học viên ký tên vào ô của ngày học mình tham dự.") if len(data.columns) > MAX_BOXES_PER_PART else None

    def story(log: dict, split: bool) -> list:
        tables, last_rows = _tables_by_part(
            data,
            parts,
            lambda part: _("Phần %(n)d/%(total)d", n=part.number, total=part.count),
            _signin_rows,
            SIGN_PADDING,
            log,
            split,
        )
        return _heading(data, title) + tables + _ending(data, log, blank=True, note=note, last_rows=last_rows)

    return build_keeping_signer(
        _document(_("Danh sách ký nhận %(code)s", code=course.code), course),
        story,
        onFirstPage=page_number,
        onLaterPages=page_number,
    )
