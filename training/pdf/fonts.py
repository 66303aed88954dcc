"""The fonts of the papers and what is written in them: Be Vietnam Pro (badges) and Noto Serif
(official papers), registered once; the type sizes of Nghị định 30/2020; paragraph styles and
markup; text cut into lines by its width in a font."""

import os
import tempfile
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

import fontpkg_be_vietnam_pro
import fontpkg_noto_serif
from fontTools.ttLib import TTFont as ToolsFont
from fontTools.varLib import instancer
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

#: the sans-serif of the screen, kept for badges
FONT = "BeVietnamPro"
FONT_BOLD = "BeVietnamPro-Bold"
FONT_ITALIC = "BeVietnamPro-Italic"
#: the serif of official papers
SERIF = "NotoSerif"
SERIF_BOLD = "NotoSerif-Bold"
SERIF_ITALIC = "NotoSerif-Italic"
SERIF_BOLD_ITALIC = "NotoSerif-BoldItalic"
#: sizes of Nghị định 30/2020: quốc hiệu, tiêu ngữ, issuing body, body text
MOTTO_SIZE, MOTTO_SUB_SIZE, ISSUER_SIZE, BODY_SIZE = 12.5, 13, 12.5, 13


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
