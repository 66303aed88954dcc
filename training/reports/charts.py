"""The report charts, drawn once with reportlab graphics: as SVG for the page and as the
same Drawing inside the PDF, so both show identical figures."""
from xml.sax.saxutils import escape

from flask_babel import get_locale
from flask_babel import gettext as _
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from ..pdf import FONT, FONT_BOLD, register_fonts
from ..people import GROUP_SHORT_LABELS
from ..people.models import GROUPS
from .services import Report

GROUP_COLOURS = {"commune_broadcast": colors.HexColor("#b3261e"), "party_mass_org": colors.HexColor("#1f5fa8")}
BAR = colors.HexColor("#2e7d32")


def _bar_chart(title: str, labels: list[str], series: list[list[float]], colours: list, value_max: float | None = None,
               legend: list[tuple] | None = None, percent: bool = False, width: int = 520) -> Drawing:
    register_fonts()
    row_height = 12 * max(1, len(series))
    height = 60 + max(1, len(labels)) * (row_height + 8)
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 16, title, fontName=FONT_BOLD, fontSize=12))
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 30
    chart.width, chart.height = width - 190, height - 70
    chart.data = series if any(series) else [[0]]
    chart.categoryAxis.categoryNames = labels or ["—"]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 10
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.reverseDirection = True
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 9
    chart.valueAxis.valueMin = 0
    top = max([v for s in series for v in s] + [0])
    chart.valueAxis.valueMax = value_max if value_max is not None else max(1, top * 1.15)
    if percent:
        chart.valueAxis.labelTextFormat = "%d%%"
    chart.barLabelFormat = "%d%%" if percent else "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 9
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    for index, colour in enumerate(colours):
        chart.bars[index].fillColor = colour
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    if legend:
        key = Legend()
        key.x, key.y = 150, 12
        key.fontName, key.fontSize = FONT, 10
        key.alignment = "right"
        key.columnMaximum = 1
        key.deltax = 280
        key.colorNamePairs = legend
        drawing.add(key)
    return drawing


def report_drawings(report: Report, kind: str) -> list[Drawing]:
    """Trainees per unit (district, or commune for a district report) by group; attendance
    rate per programme; coverage (share of communes with a trained officer) per group."""
    if kind == "province":
        places = [(u.name, report.by_unit.get(u.id)) for u in report.units]
        place_title = _("Học viên đã bồi dưỡng theo huyện và nhóm đối tượng")
    else:
        places = [(c.name, report.by_commune.get(c.id)) for u in report.units for c in report.communes.get(u.id, [])]
        place_title = _("Học viên đã bồi dưỡng theo xã và nhóm đối tượng")
    per_group = {g: [tally.groups.get(g, 0) if tally else 0 for _name, tally in places] for g in GROUPS}
    trainees = _bar_chart(place_title, [name for name, _t in places], [per_group[g] for g in GROUPS],
                          [GROUP_COLOURS[g] for g in GROUPS], legend=[(GROUP_COLOURS[g], str(GROUP_SHORT_LABELS[g])) for g in GROUPS])

    programmes = sorted(report.by_programme)
    rates = [round((report.by_programme[c].attendance_rate or 0) * 100) for c in programmes]
    attendance = _bar_chart(_("Tỷ lệ tham dự theo chương trình"), programmes, [rates], [BAR], value_max=100, percent=True)

    units = report.units
    coverage_series = []
    for group in GROUPS:
        values = []
        for unit in units:
            total = len(report.communes.get(unit.id, []))
            missing = len(report.uncovered[group].get(unit.id, []))
            values.append(round(100 * (total - missing) / total) if total else 0)
        coverage_series.append(values)
    coverage = _bar_chart(_("Tỷ lệ xã có cán bộ đã được bồi dưỡng"), [u.name for u in units], coverage_series,
                          [GROUP_COLOURS[g] for g in GROUPS], value_max=100, percent=True,
                          legend=[(GROUP_COLOURS[g], str(GROUP_SHORT_LABELS[g])) for g in GROUPS])
    return [trainees, attendance, coverage]


def report_svgs(report: Report, kind: str) -> list[str]:
    """The charts as inline SVG for the HTML report, drawn once per report, kind and language:
    a kept report (reports/cache.py) is shown again and again, and drawing its charts took
    most of the page's time. Each is an image with a title and a caption naming the table it
    sums, for a screen reader, and ids of its own (reportlab names every chart's clip "clip",
    so a second chart on the page would be clipped by the first one's)."""
    key = (kind, str(get_locale()))
    if key not in report.svgs:
        tables = [_("Theo huyện") if kind == "province" else _("Theo xã"), _("Theo chương trình"), _("Độ bao phủ")]
        svgs = []
        for number, (drawing, table) in enumerate(zip(report_drawings(report, kind), tables), 1):
            svg = renderSVG.drawToString(drawing)
            svgs.append(_labelled(svg[svg.index("<svg"):], f"chart{number}", drawing.contents[0].text,
                                  _("Số liệu của biểu đồ ở bảng “%(table)s” phía trên.", table=table)))
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
