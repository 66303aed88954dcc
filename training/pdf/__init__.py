"""Shared PDF pieces: the fonts, paragraph styles, the parts every official paper has (the
heading with the national motto, the place and date, the signer, "Nơi nhận", page numbers) and
QR codes drawn as vector shapes. Every document in the app is built from these.

Official papers follow Nghị định 30/2020/NĐ-CP (thể thức văn bản): a Times-like serif with full
Vietnamese coverage (Noto Serif), quốc hiệu 12.5 pt bold, tiêu ngữ 13 pt bold with a rule as long
as the line, issuing body 12.5 pt, body 13 pt, page numbers centred in the top margin from page
2, a signer block that never stands alone on a page. Badges keep Be Vietnam Pro.
"""

import os
import tempfile
from dataclasses import replace
from datetime import date
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

import fontpkg_be_vietnam_pro
import fontpkg_noto_serif
from babel.numbers import format_decimal, format_percent
from flask_babel import gettext as _
from fontTools.ttLib import TTFont as ToolsFont
from fontTools.varLib import instancer
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from . import qr
from .issuer import Issuer

#: the sans-serif of the screen, kept for badges
FONT = "BeVietnamPro"
FONT_BOLD = "BeVietnamPro-Bold"
FONT_ITALIC = "BeVietnamPro-Italic"
#: the serif of official papers
SERIF = "NotoSerif"
SERIF_BOLD = "NotoSerif-Bold"
SERIF_ITALIC = "NotoSerif-Italic"
SERIF_BOLD_ITALIC = "NotoSerif-BoldItalic"
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_SUB = "Độc lập - Tự do - Hạnh phúc"
#: sizes of Nghị định 30/2020: quốc hiệu, tiêu ngữ, issuing body, body text
MOTTO_SIZE, MOTTO_SUB_SIZE, ISSUER_SIZE, BODY_SIZE = 12.5, 13, 12.5, 13
#: room for a signature (and the seal) between the signer's title and name
SIGNATURE_SPACE = 24 * mm
#: light modules around a QR code, as the standard asks (4)
QUIET_ZONE = 4
#: rows of a table kept on the page of the signer block when that block would stand alone
TAIL_ROWS = 3


def _bold_instance(source: Path, name: str, style_name: str) -> str:
    """A static bold instance of a variable Noto Serif file (reportlab reads only a variable
    font's default, regular, outlines). Made once per machine with fontTools (some seconds)
    and kept in the user's cache folder, where other processes find it; written atomically."""
    stamp = f"{getattr(fontpkg_noto_serif, '__version__', '')}-{source.stat().st_size}"
    candidates = [
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "taphuan-fonts",
        Path(tempfile.gettempdir()) / "taphuan-fonts",
    ]
    for folder in candidates:
        target = folder / f"{name}-{stamp}.ttf"
        if target.is_file():
            return str(target)
    bold = instancer.instantiateVariableFont(ToolsFont(str(source)), {"wght": 700, "wdth": 100})
    for record in bold["name"].names:
        if record.nameID == 2:
            record.string = style_name
        elif record.nameID == 4:
            record.string = f"Noto Serif {style_name}"
        elif record.nameID == 6:
            record.string = name
    buffer = BytesIO()
    bold.save(buffer)
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=folder, suffix=".part")
            with os.fdopen(handle, "wb") as out:
                out.write(buffer.getvalue())
            target = folder / f"{name}-{stamp}.ttf"
            os.replace(partial, target)
            return str(target)
        except OSError:
            continue
    raise OSError("no writable folder for the bold serif font")


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register Be Vietnam Pro and Noto Serif once per process (base-14 fonts have no
    Vietnamese glyphs)."""
    files = fontpkg_be_vietnam_pro.ROOT / "files"
    for name, filename in (
        (FONT, "BeVietnamPro-Regular.ttf"),
        (FONT_BOLD, "BeVietnamPro-Bold.ttf"),
        (FONT_ITALIC, "BeVietnamPro-Italic.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(files / filename)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD)
    serif = fontpkg_noto_serif.ROOT / "files"
    upright, italic = serif / "NotoSerif[wdth,wght].ttf", serif / "NotoSerif-Italic[wdth,wght].ttf"
    pdfmetrics.registerFont(TTFont(SERIF, str(upright)))
    pdfmetrics.registerFont(TTFont(SERIF_ITALIC, str(italic)))
    pdfmetrics.registerFont(TTFont(SERIF_BOLD, _bold_instance(upright, "NotoSerif-Bold", "Bold")))
    pdfmetrics.registerFont(TTFont(SERIF_BOLD_ITALIC, _bold_instance(italic, "NotoSerif-BoldItalic", "Bold Italic")))
    pdfmetrics.registerFontFamily(
        SERIF, normal=SERIF, bold=SERIF_BOLD, italic=SERIF_ITALIC, boldItalic=SERIF_BOLD_ITALIC
    )


def style(
    size: float = BODY_SIZE,
    bold: bool = False,
    align: int = 0,
    leading: float | None = None,
    italic: bool = False,
    sans: bool = False,
    keep_with_next: bool = False,
) -> ParagraphStyle:
    """A paragraph style in the serif of official papers (`sans`: Be Vietnam Pro, for badges)."""
    register_fonts()
    if sans:
        font = FONT_BOLD if bold else FONT_ITALIC if italic else FONT
    else:
        font = SERIF_BOLD if bold else SERIF_ITALIC if italic else SERIF
    return ParagraphStyle(
        f"s{size}{bold}{italic}{align}{sans}",
        fontName=font,
        fontSize=size,
        leading=leading or size * 1.25,
        alignment=align,
        keepWithNext=keep_with_next,
    )


def escaped(value) -> str:
    """Data for a Paragraph's markup: None as empty, and the & < > a name or venue may hold
    escaped, where reportlab would read them as markup (or refuse the document)."""
    return "" if value is None else escape(str(value))


def tagged(text: str, *tags: str) -> str:
    """`text` escaped and wrapped in Paragraph markup: tagged(_("LỊCH HỌC"), "b") is
    "<b>LỊCH HỌC</b>". Messages go through here rather than inside an f-string, where the
    message extractor (`make translations-update`) would not see them."""
    return "".join(f"<{tag}>" for tag in tags) + escaped(text) + "".join(f"</{tag}>" for tag in reversed(tags))


def paragraph(markup: str, size: float = BODY_SIZE, **kw) -> Paragraph:
    """A Paragraph in the papers' font; data inside `markup` goes through escaped()."""
    return Paragraph(markup, style(size, **kw))


# --- words and numbers as papers write them ---------------------------------------------------


def written_date(on: date) -> str:
    """The date as Nghị định 30/2020/NĐ-CP writes it, "ngày 04 tháng 5 năm 2026": a day below
    10 and the months 1 and 2 take a leading zero, the other months none."""
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"ngày {on.day:02d} tháng {month} năm {on.year}"  # an official paper's words, in any UI language


def place_and_date(place: str, on: date | None) -> str:
    """ "Bắc Ninh, ngày 04 tháng 5 năm 2026"; with no date, the blanks a form leaves to fill."""
    if on is None:
        return _("%(place)s, ngày …… tháng …… năm ……", place=place)
    return f"{place}, {written_date(on)}"


def decimal(value: float, digits: int = 1) -> str:
    """A number with the Vietnamese decimal comma: 1234.5 → "1.234,5"."""
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0", locale="vi")


def percent(share: float | None, digits: int = 1) -> str:
    """A share as a percentage with the decimal comma: 0.939 → "93,9%"; None → "—"."""
    if share is None:
        return "—"
    return format_percent(share, format="#,##0." + "0" * digits + "%" if digits else "#,##0%", locale="vi")


def in_text(name: str | None) -> str:
    """A unit or position as running text writes it (Phụ lục II of Nghị định 30): the kind of
    unit or the first word in lower case, "Xã Canh Nậu" → "xã Canh Nậu", "Công chức Văn hóa -
    xã hội" → "công chức Văn hóa - xã hội"; an abbreviation ("UBND") stays as it is."""
    if not name:
        return ""
    first = name.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return name
    return name[0].lower() + name[1:]


def with_signer(issuer: Issuer, title: str | None = None, name: str | None = None, place: str | None = None) -> Issuer:
    """`issuer` with the signer (and place) someone typed on a form, where they typed one; a
    title of two lines ("KT. GIÁM ĐỐC" then "PHÓ GIÁM ĐỐC") is typed on two lines."""
    changes = {}
    if title and title.strip():
        changes["signer_title"] = tuple(line.strip() for line in title.strip().splitlines() if line.strip())
    if name is not None and name.strip():
        changes["signer_name"] = name.strip()
    if place and place.strip():
        changes["place"] = place.strip()
    return replace(issuer, **changes)


# --- the parts of an official paper -----------------------------------------------------------


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


def balanced_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` on one line if it fits `width`, else cut before a "VÀ" where both lines fit
    ("SỞ VĂN HÓA, THỂ THAO" / "VÀ DU LỊCH", never "SỞ VĂN HÓA, THỂ" / "THAO VÀ DU LỊCH"), else
    at the word that makes the two lines most even ("PHÒNG VĂN HÓA" / "VÀ THÔNG TIN")."""
    if pdfmetrics.stringWidth(text, font, size) <= width or " " not in text:
        return [text]
    words = text.split(" ")
    cuts = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]

    def widest(cut: tuple[str, str]) -> float:
        return max(pdfmetrics.stringWidth(part, font, size) for part in cut)

    before_and = [cut for cut in cuts if cut[1].split(" ", 1)[0].upper() == "VÀ" and widest(cut) <= width]
    first, rest = min(before_and or cuts, key=widest)
    return [first] + balanced_lines(rest, font, size, width)


def even_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` in as few lines of at most `width` as it needs, made as even as they go, so that
    no word ("Thế.") is left alone on the last line."""
    lines = simpleSplit(text, font, size, width)
    if len(lines) < 2:
        return lines
    # The narrowest width that still gives as few lines, within a point.
    low, high = pdfmetrics.stringWidth(text, font, size) / len(lines), width
    while high - low > 1:
        middle = (low + high) / 2
        if len(simpleSplit(text, font, size, middle)) <= len(lines):
            high = middle
        else:
            low = middle
    return simpleSplit(text, font, size, high)


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


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw a QR code as vector shapes with its lower-left corner at (x, y), quiet zone included.

    Dark modules are merged into horizontal runs and filled as one path, drawn in module units
    (whole numbers) under a scaling transform: far cheaper than one rectangle object per module
    or reportlab formatting four decimals per rectangle.
    """
    symbol = qr.encode(data, ERROR_CORRECT_M)
    count = symbol.size + 2 * QUIET_ZONE
    top = count - 1 - QUIET_ZONE
    path = " ".join(f"{QUIET_ZONE + column} {top - row} {length} 1 re" for row, column, length in symbol.runs())
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.transform(size / count, 0, 0, size / count, x, y)
    canvas.addLiteral(path + " f")
    canvas.restoreState()
