"""Trainee badges: eight to an A4 page (2 × 4), each with the organiser, the course and its
dates, the trainee's name,
position and commune, and their personal QR code (the code itself, nothing else) printed
under it in text, so a trainer can type it when a scanner fails.

Pure document code: `badges_pdf` takes the course's rows (sheet.sheet_data) and returns bytes.
"""

from io import BytesIO

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from ..pdf.fonts import FONT, FONT_BOLD, escaped, even_lines, paragraph, register_fonts, style
from ..pdf.qr import draw_qr
from .sheet import Row, SheetData

# Badges keep the screen's sans-serif (Be Vietnam Pro): they are read at a glance, not filed.

COLUMNS, ROWS = 2, 4
PER_PAGE = COLUMNS * ROWS
BADGE_W, BADGE_H = 90 * mm, 66 * mm
PAD = 4 * mm
QR_SIZE = 28 * mm
#: name sizes tried, largest first, until the name fits its box
NAME_SIZES = (17, 15, 13.5, 12, 10.5, 9)
CUT = colors.HexColor("#9a9a9a")


def _origin(index: int) -> tuple[float, float]:
    """Lower-left corner of the badge at `index` (0–7) on its page, left to right, top down."""
    page_w, page_h = A4
    left = (page_w - COLUMNS * BADGE_W) / 2
    top = (page_h + ROWS * BADGE_H) / 2
    column, row = index % COLUMNS, index // COLUMNS
    return left + column * BADGE_W, top - (row + 1) * BADGE_H


def _cut_marks(canvas: Canvas) -> None:
    """Thin dashed lines around every badge and short marks outside the grid, for the scissors."""
    page_w, page_h = A4
    left, bottom = _origin(PER_PAGE - COLUMNS)
    right, top = left + COLUMNS * BADGE_W, bottom + ROWS * BADGE_H
    canvas.saveState()
    canvas.setStrokeColor(CUT)
    canvas.setLineWidth(0.3)
    canvas.setDash(2, 2)
    for i in range(COLUMNS + 1):
        x = left + i * BADGE_W
        canvas.line(x, bottom, x, top)
    for i in range(ROWS + 1):
        y = bottom + i * BADGE_H
        canvas.line(left, y, right, y)
    canvas.setDash()
    canvas.setLineWidth(0.5)
    gap, length = 1.5 * mm, 5 * mm
    for i in range(COLUMNS + 1):
        x = left + i * BADGE_W
        canvas.line(x, top + gap, x, min(page_h, top + gap + length))
        canvas.line(x, bottom - gap, x, max(0, bottom - gap - length))
    for i in range(ROWS + 1):
        y = bottom + i * BADGE_H
        canvas.line(left - gap, y, max(0, left - gap - length), y)
        canvas.line(right + gap, y, min(page_w, right + gap + length), y)
    canvas.restoreState()


def _draw_paragraph(canvas: Canvas, paragraph: Paragraph, x: float, top: float, width: float) -> float:
    """Draw a paragraph with its top at `top`; returns its height."""
    _w, height = paragraph.wrap(width, 1000)
    paragraph.drawOn(canvas, x, top - height)
    return height


def _name_paragraph(name: str, width: float, height: float) -> Paragraph:
    """The name in the largest size at which it fits the box (it wraps if long)."""
    for size in NAME_SIZES:
        fitted = paragraph(f"<b>{escaped(name)}</b>", size, leading=size * 1.15, sans=True)
        if fitted.wrap(width, 1000)[1] <= height:
            return fitted
    return fitted


def _badge(canvas: Canvas, x: float, y: float, data: SheetData, row: Row) -> None:
    inner_w = BADGE_W - 2 * PAD
    top = y + BADGE_H - PAD
    # The organiser, the course (at most two lines) and its dates across the top, a rule under them.
    organiser = paragraph(escaped(data.issuer.body_lines[-1].upper()), 6.5, align=TA_CENTER, leading=7.5, sans=True)
    top -= _draw_paragraph(canvas, organiser, x + PAD, top, inner_w) + 0.5 * mm
    # The course in even lines: a name ending "– cụm" / "Xuân Lương" would leave a word alone.
    title = "<br/>".join(escaped(line) for line in even_lines(data.course.title, FONT_BOLD, 7.5, inner_w - 1))
    heading = paragraph(f"<b>{title}</b>", 7.5, align=TA_CENTER, leading=9, sans=True)
    top -= min(_draw_paragraph(canvas, heading, x + PAD, top, inner_w), 18)
    dates = paragraph(escaped(data.dates), 7, align=TA_CENTER, leading=8.5, sans=True)
    heading_h = _draw_paragraph(canvas, dates, x + PAD, top, inner_w)
    rule_y = top - heading_h - 1.2 * mm
    canvas.saveState()
    canvas.setStrokeColor(colors.HexColor("#b0302a"))
    canvas.setLineWidth(0.8)
    canvas.line(x + PAD, rule_y, x + BADGE_W - PAD, rule_y)
    canvas.restoreState()

    # The QR in the lower right corner, its code in text under it.
    code_h = 5 * mm
    qr_x = x + BADGE_W - PAD - QR_SIZE
    qr_y = y + PAD + code_h
    draw_qr(canvas, row.trainee.personal_code, qr_x, qr_y, QR_SIZE)
    canvas.setFont(FONT_BOLD, 10)
    canvas.setFillColor(colors.black)
    canvas.drawCentredString(qr_x + QR_SIZE / 2, y + PAD + 1 * mm, row.trainee.personal_code)

    # The name across the badge above the QR (as large as fits), then position and commune
    # beside the QR.
    text_top = rule_y - 2 * mm
    label = paragraph(escaped(_("HỌC VIÊN")), 7, leading=8.5, sans=True)
    text_top -= _draw_paragraph(canvas, label, x + PAD, text_top, inner_w) + 0.5 * mm
    qr_top = qr_y + QR_SIZE
    name = _name_paragraph(row.name, inner_w, text_top - qr_top - 1 * mm)
    _draw_paragraph(canvas, name, x + PAD, text_top, inner_w)
    detail_top = qr_top - 1.5 * mm
    detail_w = inner_w - QR_SIZE - 2 * mm
    detail_style = style(8.5, leading=10.5, sans=True)
    for detail in (row.position, row.commune):
        if detail:
            lines = "<br/>".join(escaped(line) for line in even_lines(detail, FONT, 8.5, detail_w - 1))
            detail_top -= (
                _draw_paragraph(canvas, Paragraph(lines, detail_style), x + PAD, detail_top, detail_w) + 1 * mm
            )


def badges_pdf(data: SheetData) -> bytes:
    """Badges for every enrolled trainee of the course, in the sheet's (Vietnamese name) order."""
    register_fonts()
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, initialFontName=FONT)
    canvas.setTitle(_("Thẻ học viên %(code)s", code=data.course.code))
    canvas.setAuthor(data.course.unit.name)
    rows = data.rows
    for start in range(0, max(len(rows), 1), PER_PAGE):
        _cut_marks(canvas)
        for index, row in enumerate(rows[start : start + PER_PAGE]):
            _badge(canvas, *_origin(index), data, row)
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawCentredString(A4[0] / 2, 6 * mm, f"{data.course.code} · {start // PER_PAGE + 1}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
