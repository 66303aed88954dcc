"""The blank sign-in sheet of a course as PDF: the enrolled trainees and a box to sign per
session or per day, drawn from the sheet's data (sheet.py) on the pieces it shares with the
attendance sheet (sheet_layout.py)."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm

from ..pdf.fonts import escaped, paragraph, register_fonts, style
from ..pdf.paper import build_keeping_signer, page_number
from .sheet import MORNING, Part, SheetData, split_parts
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

#: signature boxes per part of the blank sign-in sheet (a box must be wide enough to sign in)
MAX_BOXES_PER_PART = 8


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
    left = widen_to_fit(columns, free - box_min * n)
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
    commands = grid_style(2) + [
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
        cells = [str(row.number), Text(escaped(row.name), name_style)]
        if part.first:
            cells += [Text(escaped(row.position), small), Text(escaped(row.commune), small)]
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
        tables, last_rows = tables_by_part(
            data,
            parts,
            lambda part: _("Phần %(n)d/%(total)d", n=part.number, total=part.count),
            _signin_rows,
            SIGN_PADDING,
            log,
            split,
        )
        return heading(data, title) + tables + ending(data, log, blank=True, note=note, last_rows=last_rows)

    return build_keeping_signer(
        document(_("Danh sách ký nhận %(code)s", code=course.code), course),
        story,
        onFirstPage=page_number,
        onLaterPages=page_number,
    )
