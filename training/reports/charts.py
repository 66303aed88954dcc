"""The report charts: their figures (report_charts), drawn with reportlab graphics as SVG for
the page and inside the PDF, and as the spreadsheet's own charts in the XLSX, so that all three
show identical figures."""

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask_babel import get_locale
from flask_babel import gettext as _
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..pdf.fonts import FONT, FONT_BOLD, SERIF, SERIF_BOLD, register_fonts
from ..people import GROUP_SHORT_LABELS
from ..people.models import GROUPS
from .figures import Report

GROUP_COLOURS = {"commune_broadcast": colors.HexColor("#b3261e"), "party_mass_org": colors.HexColor("#1f5fa8")}
BAR = colors.HexColor("#2e7d32")
#: a chart's width in points (pixels on the page, where it is shown at this size and never
#: scaled down: text stays at its size on a phone, which scrolls the chart instead)
WIDTH = 470
#: text sizes: title, labels, figures on the bars
TITLE_SIZE, LABEL_SIZE, VALUE_SIZE = 14, 12, 11


@dataclass
class Chart:
    """One chart's figures, drawn by reportlab for the page and the PDF, and by the
    spreadsheet itself in the XLSX (exports_xlsx.report_xlsx)."""

    title: str
    #: the table of the report whose figures it shows
    table: str
    labels: list[str]
    #: (name, colour, values), top to bottom within a label's group of bars
    series: list[tuple[str, colors.Color, list[float]]]
    #: values are shares (0–1), shown as percentages, else counts
    share: bool = False


def report_charts(report: Report, kind: str) -> list[Chart]:
    """Trainees per unit with trainees (district, or commune for an area report) by group;
    attendance rate per programme; coverage (share of communes with a trained officer) per
    group."""
    if kind == "province" and len(report.units) > 1:
        places = [(u.name, report.by_unit.get(u.id)) for u in report.units]
        place_title, place_table = _("Học viên đã bồi dưỡng theo huyện và nhóm đối tượng"), _("Theo huyện")
    elif kind == "province" and report.areas:
        places = [(a.name, report.by_area.get(a.key)) for a in report.areas]
        place_title, place_table = _("Học viên đã bồi dưỡng theo địa bàn và nhóm đối tượng"), _("Theo địa bàn")
    else:
        places = [(c.name, report.by_commune.get(c.id)) for u in report.units for c in report.communes.get(u.id, [])]
        place_title, place_table = _("Học viên đã bồi dưỡng theo xã và nhóm đối tượng"), _("Theo xã, phường")
    # places with nobody trained would be rows of empty bars (the tables and the coverage
    # chart show them)
    places = [(name, tally) for name, tally in places if tally and tally.trainees]
    trainees = Chart(
        place_title,
        place_table,
        [name for name, _t in places],
        [
            (str(GROUP_SHORT_LABELS[g]), GROUP_COLOURS[g], [tally.groups.get(g, 0) for _name, tally in places])
            for g in GROUPS
        ],
    )
    programmes = sorted(report.by_programme)
    attendance = Chart(
        _("Tỷ lệ tham dự theo chương trình"),
        _("Theo chương trình"),
        programmes,
        [(_("Tỷ lệ tham dự"), BAR, [report.by_programme[c].attendance_rate or 0 for c in programmes])],
        share=True,
    )
    coverage_series = []
    for group in GROUPS:
        values = []
        for unit in report.units:
            total = len(report.communes.get(unit.id, []))
            missing = len(report.uncovered[group].get(unit.id, []))
            values.append((total - missing) / total if total else 0)
        coverage_series.append((str(GROUP_SHORT_LABELS[group]), GROUP_COLOURS[group], values))
    coverage = Chart(
        _("Tỷ lệ xã có cán bộ đã được bồi dưỡng"),
        _("Xã chưa có người được bồi dưỡng"),
        [u.name for u in report.units],
        coverage_series,
        share=True,
    )
    return [trainees, attendance, coverage]


def _drawing(chart: Chart, fonts: tuple[str, str]) -> Drawing:
    """Horizontal bars, one group of bars per label, top to bottom in the order of the labels,
    and within a group the series top to bottom, as the legend under the title lists them.
    `fonts`: regular and bold; the drawing's default font is the regular one, so that no text of
    it falls back to reportlab's Helvetica."""
    register_fonts()
    regular, bold = fonts
    labels = chart.labels or ["—"]
    series = [[round(v * 100) if chart.share else v for v in values] for _n, _c, values in chart.series]
    legend = len(series) > 1
    group = 14 * len(series) + 8
    label_width = min(WIDTH * 0.45, max(stringWidth(label, regular, LABEL_SIZE) for label in labels) + 8)
    legend_height = len(series) * (LABEL_SIZE + 6) + 4 if legend else 0
    plot_height = len(labels) * group
    height = TITLE_SIZE + 14 + legend_height + plot_height + 24
    drawing = Drawing(WIDTH, height, initialFontName=regular)
    drawing.add(String(0, height - TITLE_SIZE, chart.title, fontName=bold, fontSize=TITLE_SIZE))
    if legend:
        key = Legend()
        key.x, key.y = 0, height - TITLE_SIZE - 14
        key.fontName, key.fontSize = regular, LABEL_SIZE
        key.alignment = "right"
        key.columnMaximum = len(series)
        key.dx = key.dy = LABEL_SIZE - 2
        key.deltay = LABEL_SIZE + 6
        key.colorNamePairs = [(colour, name) for name, colour, _v in chart.series]
        drawing.add(key)
    bars = HorizontalBarChart()
    bars.x, bars.y = label_width, 24
    bars.width, bars.height = WIDTH - label_width - 44, plot_height
    # reportlab draws a group's first series at the bottom: it gets them last to first
    bars.data = list(reversed(series)) if chart.labels else [[0]]
    bars.categoryAxis.categoryNames = labels
    bars.categoryAxis.labels.fontName = regular
    bars.categoryAxis.labels.fontSize = LABEL_SIZE
    bars.categoryAxis.labels.boxAnchor = "e"
    bars.categoryAxis.reverseDirection = True
    bars.valueAxis.labels.fontName = regular
    bars.valueAxis.labels.fontSize = VALUE_SIZE
    bars.valueAxis.valueMin = 0
    if chart.share:
        bars.valueAxis.valueMax, bars.valueAxis.valueStep = 100, 20
        bars.valueAxis.labelTextFormat = "%d%%"
    else:
        # whole steps (people are not counted in tenths), some room right of the longest bar
        top = max([v for values in series for v in values] + [1])
        step = max(1, math.ceil(top / 5))
        bars.valueAxis.valueMax = step * math.ceil(top * 1.1 / step)
        bars.valueAxis.valueStep = step
        bars.valueAxis.labelTextFormat = "%d"
    bars.barLabelFormat = "%d%%" if chart.share else "%d"
    bars.barLabels.fontName = regular
    bars.barLabels.fontSize = VALUE_SIZE
    bars.barLabels.boxAnchor = "w"
    bars.barLabels.dx = 3
    for index, (_name, colour, _values) in enumerate(reversed(chart.series)):
        bars.bars[index].fillColor = colour
        bars.bars[index].strokeColor = None
    drawing.add(bars)
    return drawing


def report_drawings(report: Report, kind: str, serif: bool = False) -> list[Drawing]:
    """The charts drawn: in the papers' serif (`serif`, for the PDF), else in the screen's
    Be Vietnam Pro."""
    fonts = (SERIF, SERIF_BOLD) if serif else (FONT, FONT_BOLD)
    return [_drawing(chart, fonts) for chart in report_charts(report, kind)]


def report_svgs(report: Report, kind: str) -> list[str]:
    """The charts as inline SVG for the HTML report, drawn once per report, kind and language:
    a kept report (reports/cache.py) is shown again and again, and drawing its charts took
    most of the page's time. Each is an image with a title and a caption naming the table it
    sums, for a screen reader, and ids of its own (reportlab names every chart's clip "clip",
    so a second chart on the page would be clipped by the first one's)."""
    key = (kind, str(get_locale()))
    if key not in report.svgs:
        svgs = []
        for number, (drawing, chart) in enumerate(zip(report_drawings(report, kind), report_charts(report, kind)), 1):
            svg = renderSVG.drawToString(drawing)
            svgs.append(
                _labelled(
                    svg[svg.index("<svg") :],
                    f"chart{number}",
                    chart.title,
                    _("Số liệu của biểu đồ ở bảng “%(table)s” phía dưới.", table=chart.table),
                )
            )
        report.svgs[key] = svgs
    return report.svgs[key]


def _labelled(svg: str, prefix: str, title: str, caption: str) -> str:
    """An SVG from reportlab as an image a screen reader can name: its empty title and
    description filled in, role="img", and its ids prefixed so they are unique on the page."""
    svg = svg.replace("<title>...</title>", f'<title id="{prefix}-title">{escape(title)}</title>', 1)
    svg = svg.replace("<desc>...</desc>", f'<desc id="{prefix}-desc">{escape(caption)}</desc>', 1)
    for name in ("clip", "group"):
        svg = svg.replace(f'id="{name}"', f'id="{prefix}-{name}"').replace(f"url(#{name})", f"url(#{prefix}-{name})")
    return svg.replace("<svg ", f'<svg role="img" aria-labelledby="{prefix}-title {prefix}-desc" ', 1)
