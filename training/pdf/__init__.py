"""Shared PDF pieces: the Vietnamese font, paragraph styles, the national motto block and
QR codes drawn as vector shapes. Every document in the app is built from these."""
from functools import lru_cache
from xml.sax.saxutils import escape

import fontpkg_be_vietnam_pro
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from . import qr

FONT = "BeVietnamPro"
FONT_BOLD = "BeVietnamPro-Bold"
FONT_ITALIC = "BeVietnamPro-Italic"
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_SUB = "Độc lập - Tự do - Hạnh phúc"
#: light modules around a QR code, as the standard asks (4)
QUIET_ZONE = 4


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register Be Vietnam Pro once per process (base-14 fonts have no Vietnamese glyphs)."""
    files = fontpkg_be_vietnam_pro.ROOT / "files"
    for name, filename in ((FONT, "BeVietnamPro-Regular.ttf"), (FONT_BOLD, "BeVietnamPro-Bold.ttf"),
                           (FONT_ITALIC, "BeVietnamPro-Italic.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(files / filename)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD)


def style(size: float = 10, bold: bool = False, align: int = 0, leading: float | None = None, italic: bool = False) -> ParagraphStyle:
    """A paragraph style in the document font."""
    register_fonts()
    font = FONT_BOLD if bold else FONT_ITALIC if italic else FONT
    return ParagraphStyle(f"s{size}{bold}{italic}{align}", fontName=font, fontSize=size, leading=leading or size * 1.25, alignment=align)


def escaped(value) -> str:
    """Data for a Paragraph's markup: None as empty, and the & < > a name or venue may hold
    escaped, where reportlab would read them as markup (or refuse the document)."""
    return "" if value is None else escape(str(value))


def tagged(text: str, *tags: str) -> str:
    """`text` escaped and wrapped in Paragraph markup: tagged(_("LỊCH HỌC"), "b") is
    "<b>LỊCH HỌC</b>". Messages go through here rather than inside an f-string, where the
    message extractor (`make translations-update`) would not see them."""
    return "".join(f"<{tag}>" for tag in tags) + escaped(text) + "".join(f"</{tag}>" for tag in reversed(tags))


def paragraph(markup: str, size: float = 9, **kw) -> Paragraph:
    """A Paragraph in the document font; data inside `markup` goes through escaped()."""
    return Paragraph(markup, style(size, **kw))


def header_block(issuer_lines: list[str], width: float) -> Table:
    """The two-column heading of an official paper: issuing body on the left, the national
    motto on the right, each with its short underline."""
    left = [Paragraph(issuer_lines[0].upper(), style(10, align=TA_CENTER))] + [
        Paragraph(f"<b>{line.upper()}</b>", style(10, align=TA_CENTER)) for line in issuer_lines[1:]
    ]
    right = [Paragraph(f"<b>{MOTTO}</b>", style(10, align=TA_CENTER)), Paragraph(f"<b>{MOTTO_SUB}</b>", style(11, align=TA_CENTER))]
    table = Table([[left + [Underline(40)], right + [Underline(120)]]], colWidths=[width * 0.42, width * 0.58])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


class Underline(Flowable):
    """A short centred rule, as under the motto of an official paper."""

    def __init__(self, length: float):
        super().__init__()
        self.length = length

    def wrap(self, available_width, _available_height):
        self.available_width = available_width
        return available_width, 4

    def draw(self):
        start = (self.available_width - self.length) / 2
        self.canv.setLineWidth(0.6)
        self.canv.line(start, 2, start + self.length, 2)


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
