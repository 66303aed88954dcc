"""The parts every official paper has, as Nghị định 30/2020/NĐ-CP sets them out: the heading
(issuing body, quốc hiệu and tiêu ngữ with their rules), the signer block, "Nơi nhận", page
numbers from page 2, and the build that keeps the signer block from standing alone on a page."""

from io import BytesIO

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .fonts import (
    BODY_SIZE,
    ISSUER_SIZE,
    MOTTO_SIZE,
    MOTTO_SUB_SIZE,
    SERIF,
    SERIF_BOLD,
    balanced_lines,
    escaped,
    paragraph,
    register_fonts,
    style,
    tagged,
)
from .issuer import Issuer

#: quốc hiệu and tiêu ngữ, which head every official paper
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_SUB = "Độc lập - Tự do - Hạnh phúc"
#: room for a signature (and the seal) between the signer's title and name
SIGNATURE_SPACE = 24 * mm
#: rows of a table kept on the page of the signer block when that block would stand alone
TAIL_ROWS = 3
#: the margins of a portrait A4 paper, Nghị định 30/2020 (top, bottom, left, right), and the
#: width of its text
TOP, BOTTOM, LEFT, RIGHT = 20 * mm, 20 * mm, 30 * mm, 15 * mm
TEXT_WIDTH = A4[0] - LEFT - RIGHT


def portrait_document(buffer, title: str, author: str, subject: str | None = None) -> SimpleDocTemplate:
    """The doc template of a portrait A4 paper in Nghị định 30's margins, in the papers' serif."""
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=title,
        author=author,
        subject=subject,
        initialFontName=SERIF,
    )


def _bare(table: Table, valign: str = "TOP") -> Table:
    # FONT too: a table sets its cells' font even around a Paragraph (else Helvetica joins the file).
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SERIF, BODY_SIZE),
                ("VALIGN", (0, 0), (-1, -1), valign),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def issuer_lines(issuer: Issuer, width: float) -> list[tuple[str, str]]:
    """The issuing body as the heading prints it in `width` points: (font, line) pairs in
    capitals, its superior in regular type and the body itself in bold, a long name cut into
    even lines (balanced_lines)."""
    register_fonts()
    lines = []
    for index, line in enumerate(issuer.body_lines):
        font = SERIF if index == 0 and len(issuer.body_lines) > 1 else SERIF_BOLD
        lines += [(font, piece) for piece in balanced_lines(line.upper(), font, ISSUER_SIZE, width)]
    return lines


def header_block(
    issuer: Issuer, width: float, number: str | None = None, dated: str | None = None, left_share: float = 0.4
) -> Table:
    """The heading of an official paper: the issuing body (its superior in regular type, the
    body itself in bold, a rule of about a third of the line under it) and the number on the
    left; quốc hiệu and tiêu ngữ on the right, a rule exactly as long as the tiêu ngữ under it,
    then the place and date in italics."""
    left_w, right_w = width * left_share, width * (1 - left_share)
    lines = issuer_lines(issuer, left_w - 2)
    body = [
        Paragraph(
            tagged(text, "b") if font == SERIF_BOLD else escaped(text),
            style(ISSUER_SIZE, align=TA_CENTER, leading=ISSUER_SIZE * 1.2),
        )
        for font, text in lines
    ]
    last_font, last = lines[-1]
    last_width = min(left_w, pdfmetrics.stringWidth(last, last_font, ISSUER_SIZE))
    left = body + [Rule(max(20 * mm, last_width * 0.4))]
    if number:
        left += [Spacer(1, 1.5 * mm), Paragraph(escaped(number), style(BODY_SIZE, align=TA_CENTER))]
    right = [
        Paragraph(tagged(MOTTO, "b"), style(MOTTO_SIZE, align=TA_CENTER, leading=MOTTO_SIZE * 1.2)),
        Paragraph(tagged(MOTTO_SUB, "b"), style(MOTTO_SUB_SIZE, align=TA_CENTER, leading=MOTTO_SUB_SIZE * 1.2)),
        Rule(pdfmetrics.stringWidth(MOTTO_SUB, SERIF_BOLD, MOTTO_SUB_SIZE)),
    ]
    if dated:
        right += [Spacer(1, 1.5 * mm), Paragraph(tagged(dated, "i"), style(BODY_SIZE, align=TA_CENTER))]
    return _bare(Table([[left, right]], colWidths=[left_w, right_w]))


class Rule(Flowable):
    """A centred rule under a line of the heading, clear of that line's descenders."""

    #: points between the bottom of the line above (near its baseline) and the rule: past the descenders
    GAP = 5

    def __init__(self, length: float):
        super().__init__()
        self.length = length

    def wrap(self, available_width, _available_height):
        self.available_width = available_width
        return available_width, self.GAP + 1

    def draw(self):
        start = (self.available_width - self.length) / 2
        self.canv.setStrokeColor(colors.black)
        self.canv.setLineWidth(0.6)
        self.canv.line(start, 1, start + self.length, 1)


def signer_flowables(
    issuer: Issuer,
    dated: str | None = None,
    blank: bool = False,
    size: float = BODY_SIZE,
    space: float = SIGNATURE_SPACE,
) -> list:
    """The signer block: the place and date (when given) in italics, the title in bold capitals
    (one line each: "KT. GIÁM ĐỐC" above "PHÓ GIÁM ĐỐC"), room to sign, the full name in bold.
    Only a blank form says how to sign it."""
    centred = {"align": TA_CENTER}
    parts = []
    if dated:
        parts.append(paragraph(tagged(dated, "i"), size, **centred))
    parts += [paragraph(tagged(line.upper(), "b"), size, **centred) for line in issuer.signer_title]
    if blank:
        parts.append(paragraph(tagged(_("(Ký, ghi rõ họ tên, đóng dấu)"), "i"), size - 1, **centred))
    parts.append(Spacer(1, space))
    if issuer.signer_name:
        parts.append(paragraph(tagged(issuer.signer_name, "b"), size, **centred))
    return parts


def recipients(lines: list[str]) -> list:
    """ "Nơi nhận:" (bold italic, 12 pt) and its lines (11 pt), at the foot of a paper that is sent."""
    return [paragraph(tagged(_("Nơi nhận:"), "b", "i"), 12)] + [
        paragraph(escaped(line), 11, leading=13) for line in lines
    ]


def closing(width: float, left: list, right: list, left_share: float = 0.45) -> Table:
    """The foot of a paper side by side: "Nơi nhận" (or a second signer) left, the signer right."""
    return _bare(Table([[left or "", right]], colWidths=[width * left_share, width * (1 - left_share)]))


def page_number(canvas, doc) -> None:
    """Page numbers as Nghị định 30 puts them: centred in the top margin, from page 2 on."""
    if doc.page < 2:
        return
    canvas.saveState()
    canvas.setFont(SERIF, BODY_SIZE)
    canvas.setFillColor(colors.black)
    canvas.drawCentredString(doc.pagesize[0] / 2, doc.pagesize[1] - doc.topMargin / 2 - 4, str(doc.page))
    canvas.restoreState()


class PageMark(Flowable):
    """Takes no room; notes in `log[key]` the page it lands on."""

    def __init__(self, log: dict, key: str):
        super().__init__()
        self.log, self.key = log, key

    def wrap(self, *_args):
        return 0, 0

    def draw(self):
        self.log[self.key] = self.canv.getPageNumber()


class TableByPage(Flowable):
    """A long table laid out a page at a time: its rows are kept as given, and a reportlab Table
    is made only of the heading rows and the rows that fit where it lands. A Table keeps a style
    record for every cell, and one split across pages copies them for the rest of its rows; a
    sheet of hundreds of trainees by forty sessions would hold some 14,000 of them at once.

    `make_table(rows, heights)` makes the Table of some rows (the `header_rows` first) with the
    given heights of the body rows; `heights`: every body row's height, worked out beforehand."""

    def __init__(self, make_table, rows: list[list], header_rows: int, heights: list[float]):
        super().__init__()
        self.make_table, self.rows, self.header_rows, self.heights = make_table, rows, header_rows, heights
        self._head: tuple[float, float] | None = None
        self.hAlign = "CENTER"  # placed on the page as its tables are (a Table is centred in its frame)

    def _head_size(self) -> tuple[float, float]:
        """The width of the table and the height of its heading rows."""
        if self._head is None:
            self._head = self.make_table(self.rows[: self.header_rows], []).wrap(0, 0)
        return self._head

    def wrap(self, availWidth, availHeight):
        self.width, head = self._head_size()
        self.height = head + sum(self.heights)
        return self.width, self.height

    def split(self, availWidth, availHeight):
        room = availHeight - self._head_size()[1]
        fit, used = 0, 0.0
        for height in self.heights:
            if used + height > room:
                break
            fit, used = fit + 1, used + height
        if fit == 0:
            return []  # not even one row under the heading: the page is ended and it goes on the next
        head, body = self.rows[: self.header_rows], self.rows[self.header_rows :]
        rest = TableByPage(self.make_table, head + body[fit:], self.header_rows, self.heights[fit:])
        rest._head = self._head
        return [self.make_table(head + body[:fit], self.heights[:fit])] + ([rest] if body[fit:] else [])

    def draw(self):
        table = self.make_table(self.rows, self.heights)
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)


def table_by_page(make_table, rows: list[list], header_rows: int, chunk: int = 40) -> TableByPage:
    """A TableByPage whose row heights reportlab works out itself, `chunk` rows at a time (a
    Table measures its rows when wrapped): laid out as one Table of all the rows would be,
    without ever making one. `make_table(rows, heights)` as for TableByPage; `heights` None
    lets the Table measure its rows."""
    head, body = rows[:header_rows], rows[header_rows:]
    heights: list[float] = []
    for start in range(0, len(body), chunk):
        measured = make_table(head + body[start : start + chunk], None)
        measured.wrap(0, 0)
        heights += measured._rowHeights[header_rows:]
    return TableByPage(make_table, rows, header_rows, heights)


def build_keeping_signer(make_doc, make_story, **build_kw) -> bytes:
    """Build a paper whose signer block must not stand alone on a page.

    `make_doc(buffer)` gives a fresh doc template; `make_story(log, split)` gives the story:
    the table's body but its last rows (table_tail's first part), PageMark(log, "table"), then
    keep_with(log, last rows, signer). The last rows first go without their heading, seamless
    under the rest; when they and the signer do not fit under it and go to the next page, the
    story is built again with `split` True, so that they go there under the repeated heading.
    """
    buffer, log = BytesIO(), {}
    make_doc(buffer).build(make_story(log, False), **build_kw)
    if log.get("table") is None or log.get("signer", 0) <= log["table"]:
        return buffer.getvalue()
    buffer, log = BytesIO(), {}
    make_doc(buffer).build(make_story(log, True), **build_kw)
    return buffer.getvalue()


def headless(commands: list, header_rows: int) -> list:
    """Table style commands for the same table without its first `header_rows` rows."""
    result = []
    for command in commands:
        name, (c0, r0), (c1, r1), *rest = command
        if 0 <= r1 < header_rows:
            continue
        if r0 >= 0:
            r0 = max(0, r0 - header_rows)
        if r1 >= 0:
            r1 -= header_rows
        result.append((name, (c0, r0), (c1, r1), *rest))
    return result


def table_tail(make_table, rows: list, header_rows: int, split: bool, tail: int = TAIL_ROWS) -> tuple[list, list]:
    """A table cut for build_keeping_signer: (flowables before the mark, flowables kept with
    the signer). `make_table(rows, header)` builds the table from rows that start with the
    heading rows (`header` True) or from body rows alone."""
    body = rows[header_rows:]
    if len(body) <= tail:
        return [], [make_table(rows, True)]
    first = make_table(rows[:header_rows] + body[:-tail], True)
    last = make_table(rows[:header_rows] + body[-tail:], True) if split else make_table(body[-tail:], False)
    return [first], [last]


def keep_with(log: dict, *flowables) -> KeepTogether:
    """The flowables that end a paper (a table's last rows, legend, signer), kept together and
    marked for build_keeping_signer."""
    return KeepTogether([PageMark(log, "signer"), *flowables])
