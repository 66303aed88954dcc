"""The attendance sheet of a course as PDF, drawn from the sheet's data (sheet.py) on the
pieces it shares with the sign-in sheet (sheet_layout.py). Pure document code: the views send
the bytes, in Vietnamese.
"""

from flask_babel import gettext as _
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..pdf.fonts import SERIF_BOLD, escaped, paragraph, register_fonts, style
from ..pdf.paper import build_keeping_signer, page_number
from .sheet import Part, SheetData, day_groups, legend
from .sheet_layout import (
    CELL_SIZE,
    STT_W,
    WIDTH,
    Text,
    document,
    ending,
    grid_style,
    heading,
    tables_by_part,
    widen_to_fit,
)

#: widths (mm) of the fixed columns; the session columns share what is left
NAME_W, POSITION_W, COMMUNE_W, PERIODS_W, SHARE_W, NOTE_W = 40, 32, 28, 14, 12, 24
#: a session column is never wider than this; spare width goes to the text columns
SESSION_MAX_W = 11


def _fit_size(text: str, width: float, largest: float, smallest: float = 5) -> float:
    """The largest font size (down to `smallest`) at which `text` fits in `width` points."""
    needed = stringWidth(text, SERIF_BOLD, 1)
    return max(smallest, min(largest, (width - 2) / needed if needed else largest))


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
        spare = widen_to_fit(columns, spare)
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
    commands = grid_style(2) + [
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
        cells = [str(row.number), Text(escaped(row.name), body_style)]
        if part.first:
            cells += [Text(escaped(row.position), body_style), Text(escaped(row.commune), body_style)]
        cells += row.marks[chunk]
        if part.last:
            cells += [row.periods_label, row.share_label, Text(escaped(row.remark), note_style)]
        rows.append(cells)
    return rows, commands, widths, body_style.leading


#: top and bottom padding of a trainee's row on the attendance sheet
ROW_PADDING = 3.5


def attendance_pdf(data: SheetData) -> bytes:
    """The attendance sheet: A4 landscape, the official heading, a row per trainee with a mark
    per session, periods, share and the remarks made when marking; the legend and the signers
    at the end, with at least the last rows of the table."""
    register_fonts()
    course = data.course
    title = _("DANH SÁCH ĐIỂM DANH HỌC VIÊN")

    def story(log: dict, split: bool) -> list:
        tables, last_rows = tables_by_part(
            data, data.parts, lambda part: part.heading, _attendance_rows, ROW_PADDING, log, split
        )
        return heading(data, title) + tables + ending(data, log, blank=False, note=legend(data), last_rows=last_rows)

    return build_keeping_signer(
        document(_("Danh sách điểm danh %(code)s", code=course.code), course),
        story,
        onFirstPage=page_number,
        onLaterPages=page_number,
    )
