"""The report as a workbook: one sheet per table of the annex, each under the paper's heading,
numbers as numbers, and a sheet of the charts drawn by the spreadsheet itself."""

import io
from datetime import date

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.drawing.text import Font as TextFont
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..clock import local_today
from ..pdf.issuer import Issuer
from ..pdf.paper import MOTTO, MOTTO_SUB
from ..pdf.words import in_text
from ..people.models import GROUPS
from ..spreadsheets import RowsInOrder, styled
from . import columns
from .charts import report_charts
from .exports import (
    SurveyLine,
    coverage_headings,
    coverage_rows,
    period_text,
    report_issuer,
    report_tables,
    subject,
    survey_line,
)
from .figures import Report

#: the family of the PDF's serif (training.pdf.fonts.SERIF), so that the workbook prints like the paper
XLSX_FONT = "Noto Serif"


def report_xlsx(report: Report, kind: str, issuer: Issuer | None = None, on: date | None = None) -> io.BytesIO:
    """The report's annex as a workbook in the paper's serif: one sheet per table, each under the
    paper's heading, a frozen header row, numbers as numbers in the columns' number formats,
    the survey's figures under the summary, and a last sheet of the charts drawn by the
    spreadsheet from their figures."""
    on = on or local_today()
    issuer = report_issuer(report, issuer, on)
    workbook = Workbook(write_only=True)
    headings = [_("Đơn vị")] + [str(column.heading) for column in columns.COLUMNS]
    formats = [None] + [column.number_format for column in columns.COLUMNS]
    for index, (name, title, rows) in enumerate(report_tables(report, kind)):
        sheet_rows = _sheet(workbook, name, title, headings, report, kind, issuer)
        for label, tally in rows:
            _append(sheet_rows, [label] + columns.figures(tally), formats)
        if index == 0:
            _survey_rows(sheet_rows, survey_line(report))
    coverage = coverage_headings()
    title = _("Xã chưa có người được bồi dưỡng")
    sheet_rows = _sheet(workbook, title, title, coverage, report, kind, issuer)
    for row in coverage_rows(report):
        _append(sheet_rows, row, [None, INTEGER] + [INTEGER, None] * len(GROUPS))
    _chart_sheet(workbook, report, kind)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


#: the row of a sheet's column headings (the paper's heading above it)
HEAD_ROW = 7
INTEGER = "#,##0"
BOLD, PLAIN = Font(name=XLSX_FONT, bold=True), Font(name=XLSX_FONT)
HEAD_FILL = PatternFill("solid", fgColor="EEEEEE")


def _sheet(
    workbook: Workbook, name: str, title: str, headings: list[str], report: Report, kind: str, issuer: Issuer
) -> RowsInOrder:
    """A sheet under the paper's heading (issuer and motto, the annex's title, the table's
    title and period), its column headings in row HEAD_ROW, set to print on A4 landscape; the
    writer of its rows, which are written as they come (a write-only workbook)."""
    sheet = workbook.create_sheet(_sheet_name(name))
    rows = RowsInOrder(sheet)
    last = len(headings)
    sheet.column_dimensions["A"].width = 48
    for index in range(2, last + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 14
    _print_on_a4(sheet)
    sheet.freeze_panes = f"B{HEAD_ROW + 1}"
    sheet.print_title_rows = f"{HEAD_ROW}:{HEAD_ROW}"
    sheet.HeaderFooter.oddHeader.center.text = "&P"
    sheet.HeaderFooter.differentFirst = True

    centred = Alignment(horizontal="center", wrap_text=True)

    def line(text: str, font: Font = PLAIN):
        return styled(sheet, text, font=font, alignment=centred)

    gap = [line("")] * 2
    rows.put(1, [line(issuer.body_lines[0].upper())] + gap + [line(MOTTO, BOLD)])
    rows.put(2, [line(issuer.body_lines[-1].upper(), BOLD)] + gap + [line(MOTTO_SUB, BOLD)])
    rows.put(4, [line(_("Phụ lục: Biểu tổng hợp %(what)s", what=in_text(subject(report, kind))), BOLD)])
    rows.put(5, [line(f"{title} ({period_text(report).lower()})")])
    for row in (1, 2):
        rows.merge(row, 1, 3)
        rows.merge(row, 4, last)
    for row in (4, 5):
        rows.merge(row, 1, last)
    head = Alignment(wrap_text=True, vertical="top")
    rows.put(HEAD_ROW, [styled(sheet, text, font=BOLD, fill=HEAD_FILL, alignment=head) for text in headings])
    return rows


def _print_on_a4(sheet) -> None:
    """A4 landscape, as wide as the page (a sheet would otherwise print its last columns on
    pages of their own), as long as it needs."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0


def _append(rows: RowsInOrder, values: list, formats: list[str | None], font: Font = PLAIN) -> None:
    """The next row of values, each number in its format; text that a spreadsheet would run
    stays text."""
    cells = [
        styled(
            rows.sheet,
            value,
            font=font,
            **({"number_format": formats[index]} if index < len(formats) and formats[index] else {}),
        )
        for index, value in enumerate(values)
    ]
    rows.append(cells)


def _survey_rows(rows: RowsInOrder, line: SurveyLine) -> None:
    """The survey's two figures under the summary table, after an empty row; the mean only from
    the answers it needs, else the reason it is missing."""
    rows.append([])
    survey = line.figures
    too_few = _("Chưa đủ %(n)d phiếu đánh giá (mới có %(r)d)", n=line.needed, r=survey.responses)
    satisfaction = survey.satisfaction if line.enough else too_few
    _append(rows, [_("Mức độ hài lòng trung bình (thang 1–5)"), satisfaction], [None, "0.0"])
    _append(rows, [_("Tỷ lệ phản hồi phiếu đánh giá"), survey.response_rate], [None, "0.0%"])


def _chart_sheet(workbook: Workbook, report: Report, kind: str) -> None:
    """The charts of the page and the paper, as the spreadsheet's own bar charts, each beside
    the figures it is drawn from."""
    sheet = workbook.create_sheet(_sheet_name(_("Biểu đồ")))
    rows = RowsInOrder(sheet)
    _print_on_a4(sheet)
    sheet.column_dimensions["A"].width = 36
    for letter in "BC":
        sheet.column_dimensions[letter].width = 16
    row = 1
    heading = Alignment(wrap_text=True, vertical="top")
    for chart in report_charts(report, kind):
        rows.put(row, [styled(sheet, chart.title, font=BOLD)])
        head = row + 1
        names = [_("Đơn vị")] + [name for name, _c, _v in chart.series]
        rows.put(head, [styled(sheet, name, font=BOLD, alignment=heading) for name in names])
        number_format = "0%" if chart.share else INTEGER
        for index, label in enumerate(chart.labels):
            _append(
                rows,
                [label] + [values[index] for _n, _c, values in chart.series],
                [None] + [number_format] * len(chart.series),
            )
        last = head + max(1, len(chart.labels))
        bars = BarChart()
        bars.type, bars.grouping = "bar", "clustered"
        bars.title = Title(tx=Text(rich=_serif(chart.title, 1200, bold=True)), overlay=False)
        bars.add_data(
            Reference(sheet, min_col=2, max_col=1 + len(chart.series), min_row=head, max_row=last),
            titles_from_data=True,
        )
        bars.set_categories(Reference(sheet, min_col=1, min_row=head + 1, max_row=last))
        for series, (_name, colour, _values) in zip(bars.series, chart.series):
            series.graphicalProperties.solidFill = colour.hexval()[2:]
            series.graphicalProperties.line.noFill = True
        # the first label on top, the value axis at the bottom, as on the page
        bars.x_axis.scaling.orientation = "maxMin"
        bars.y_axis.crosses = "max"
        bars.x_axis.delete = bars.y_axis.delete = False
        bars.y_axis.scaling.min = 0
        if chart.share:
            bars.y_axis.scaling.max = 1
        bars.y_axis.number_format = number_format
        bars.y_axis.majorGridlines = None
        if len(chart.series) > 1:
            bars.legend.position, bars.legend.txPr = "t", _serif()
        else:
            bars.legend = None
        bars.x_axis.txPr = bars.y_axis.txPr = _serif()
        bars.width = 18
        bars.height = max(6, 1.5 + 0.5 * len(chart.labels) * len(chart.series))
        sheet.add_chart(bars, f"E{row}")
        # the next chart's figures start below this one's figures and below its drawing (about
        # two rows a centimetre)
        row = max(last, row + int(bars.height * 2)) + 2


def _serif(text: str | None = None, size: int = 1000, bold: bool = False) -> RichText:
    """A chart's text in the workbook's serif (`size` in hundredths of a point); `text`: the
    words of a title, else the properties an axis or a legend writes its words with."""
    props = CharacterProperties(latin=TextFont(typeface=XLSX_FONT), sz=size, b=bold)
    runs = [RegularTextRun(rPr=props, t=text)] if text else []
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), r=runs, endParaRPr=props)])


def _sheet_name(name: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of : \\ / ? * [ ]."""
    for bad in ":\\/?*[]":
        name = name.replace(bad, " ")
    return name[:31].strip()
