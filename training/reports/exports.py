"""The reports as files. PDF: a báo cáo as Nghị định 30/2020 lays it out (số/ký hiệu, place and
date, "Kính gửi", a short text with the key figures, the signer, "Nơi nhận"), its tables and
charts as the annex "Phụ lục: Biểu tổng hợp …". XLSX: one sheet per table of the annex, each
under the same heading, numbers as numbers."""

import io
from collections.abc import Callable
from dataclasses import dataclass
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
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select

from ..clock import local_today
from ..courses.models import Course
from ..curricula import catalogue
from ..extensions import db
from ..pdf.fonts import SERIF, SERIF_BOLD, escaped, paragraph, register_fonts, tagged
from ..pdf.issuer import Issuer
from ..pdf.paper import MOTTO, MOTTO_SUB, Rule, closing, header_block, page_number, recipients, signer_flowables
from ..pdf.words import decimal, in_text, percent, place_and_date
from ..people import GROUP_LABELS, GROUP_SHORT_LABELS
from ..people.models import GROUPS
from ..spreadsheets import keep_text
from ..surveys.services import Figures, figures_for, min_answers
from ..units import services as units
from ..units.issuers import issuer_for
from ..units.models import Unit
from . import columns
from .charts import report_charts, report_drawings
from .columns import Column
from .services import Report, Tally

#: margins of Nghị định 30/2020 (top, bottom, left, right)
TOP, BOTTOM, LEFT, RIGHT = 20 * mm, 20 * mm, 30 * mm, 15 * mm
#: the family of the PDF's serif (training.pdf.fonts.SERIF), so that the workbook prints like the paper
XLSX_FONT = "Noto Serif"
#: a table's cells in the annex
CELL = 10


@dataclass(frozen=True)
class SurveyLine:
    """ "Mức độ hài lòng trung bình" and "Tỷ lệ phản hồi" of a report's courses, and the answers
    a mean needs before it is shown (surveys.services.min_answers)."""

    figures: Figures
    needed: int

    @property
    def enough(self) -> bool:
        return self.figures.responses >= self.needed and self.figures.satisfaction is not None


def survey_line(report: Report) -> SurveyLine:
    """The survey's figures of the report's courses. Read when asked, not kept with the
    report's figures: answers keep coming in after a course has closed."""
    ids = list(report.course_ids)
    courses = list(db.session.scalars(select(Course).where(Course.id.in_(ids)))) if ids else []
    return SurveyLine(figures_for(courses), min_answers())


def survey_sentence(line: SurveyLine, share: Callable[[float], str], number: Callable[[float], str]) -> str:
    """The survey's sentence in the paper; below the answers a mean needs, that there are too
    few. `share` and `number` write a share and a mean."""
    survey = line.figures
    rate = share(survey.response_rate) if survey.response_rate is not None else "—"
    if not line.enough:
        return _(
            "Phiếu đánh giá: mới có %(r)d phiếu, chưa đủ %(n)d phiếu để tính mức độ hài lòng trung bình; "
            "tỷ lệ phản hồi %(rate)s.",
            r=survey.responses,
            n=line.needed,
            rate=rate,
        )
    return _(
        "Mức độ hài lòng trung bình %(s)s/5; tỷ lệ phản hồi %(rate)s (%(r)d phiếu).",
        s=number(survey.satisfaction),
        rate=rate,
        r=survey.responses,
    )


def _in_code_order(items: list) -> list:
    """Units in the order of their official codes (numeric codes as numbers)."""
    return sorted(items, key=lambda unit: (len(unit.code or ""), unit.code or "", unit.name))


def report_tables(report: Report, kind: str) -> list[tuple[str, str, list[tuple[str, Tally | None]]]]:
    """(sheet name, title, rows) for each table, in the order the page shows them."""
    tables = [
        (_("Tổng hợp"), _("Tổng hợp"), [(_("Tổng cộng"), report.total)]),
        (
            _("Theo chương trình"),
            _("Theo chương trình"),
            [(f"{c.code}. {c.title}", report.by_programme.get(c.code)) for c in catalogue().all_current()],
        ),
        (
            _("Theo nhóm đối tượng"),
            _("Theo nhóm đối tượng"),
            [(str(GROUP_LABELS[g]), report.by_group.get(g)) for g in GROUPS],
        ),
    ]
    # on today's map the province is the one unit (its row would repeat the total): its
    # areas are the subtotals; a report of the old map lists its districts as well
    several_units = kind == "province" and len(report.units) > 1
    if several_units:
        districts = [(u.name, report.by_unit.get(u.id)) for u in _in_code_order(report.units)]
        tables.append((_("Theo huyện"), _("Theo huyện"), districts))
    if kind == "province" and report.areas:
        tables.append(
            (_("Theo địa bàn"), _("Theo địa bàn"), [(a.name, report.by_area.get(a.key)) for a in report.areas])
        )
    communes = []
    for unit in _in_code_order(report.units):
        for commune in _in_code_order(report.communes.get(unit.id, [])):
            label = f"{commune.name} ({in_text(unit.name)})" if several_units else commune.name
            communes.append((label, report.by_commune.get(commune.id)))
    tables.append((_("Theo xã, phường"), _("Theo xã, phường"), communes))
    return tables


def _coverage_rows(report: Report) -> list[list]:
    rows = []
    for unit in _in_code_order(report.units):
        row = [unit.name, len(report.communes.get(unit.id, []))]
        for group in GROUPS:
            missing = report.uncovered[group].get(unit.id, [])
            row += [len(missing), ", ".join(c.name for c in missing)]
        rows.append(row)
    return rows


def _coverage_annex(report: Report, width: float) -> list:
    """The PDF's coverage annex: a table of the counts, then each unit's list of communes as
    text. A list in a table cell could not break across pages, and a province of a hundred
    communes with nobody trained yet makes a cell taller than the page."""

    def counts(row: list) -> list:  # Đơn vị, Số xã, then each group's count (its list follows it)
        return row[:2] + row[2::2]

    rows = _coverage_rows(report)
    headings = counts(_coverage_headings(short=True))
    table = [[paragraph(tagged(h, "b"), CELL - 1, leading=(CELL - 1) * 1.15) for h in headings]]
    table += [[paragraph(escaped(v), CELL - 1) for v in counts(row)] for row in rows]
    widths = [width * 0.34, width * 0.12] + [width * 0.54 / len(GROUPS)] * len(GROUPS)
    grid = Table(table, colWidths=widths, repeatRows=1)
    grid.setStyle(_grid())
    lists = []
    for row in rows:
        for group, names in zip(GROUPS, row[3::2]):
            if names:
                lead = _("%(unit)s, chưa có %(g)s:", unit=row[0], g=in_text(str(GROUP_LABELS[group])))
                lists.append(
                    paragraph(
                        tagged(escaped(lead), "b") + " " + escaped(names) + ".",
                        CELL,
                        align=TA_JUSTIFY,
                        leading=CELL * 1.3,
                    )
                )
    return [grid, Spacer(1, 3 * mm), *lists]


def _coverage_headings(short: bool = False) -> list[str]:
    headings = [_("Đơn vị"), _("Số xã")]
    for group in GROUPS:
        headings += [
            _("Số xã chưa có: %(g)s", g=(GROUP_SHORT_LABELS if short else GROUP_LABELS)[group]),
            _("Danh sách"),
        ]
    return headings


def _subject(report: Report, kind: str) -> str:
    """ "Kết quả bồi dưỡng cán bộ thông tin cơ sở năm 2026" (or of the period asked)."""
    start, end = report.period.start, report.period.end
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        when = _("năm %(y)d", y=start.year)
    else:
        when = _("từ %(a)s đến %(b)s", a=start.strftime("%d/%m/%Y"), b=end.strftime("%d/%m/%Y"))
    where = _("toàn tỉnh") if kind == "province" else in_text(report.scope.name if report.scope else "")
    return _("Kết quả bồi dưỡng cán bộ thông tin cơ sở %(where)s %(when)s", where=where, when=when)


def _title(report: Report, kind: str) -> str:
    return _("BÁO CÁO") + " " + _subject(report, kind)


def _period_text(report: Report) -> str:
    return _("Từ %(a)s đến %(b)s", a=report.period.start.strftime("%d/%m/%Y"), b=report.period.end.strftime("%d/%m/%Y"))


def _issuer(report: Report, issuer: Issuer | None, on: date) -> Issuer:
    """The issuer given, or the one in force on `on` for the report's unit (the province's for
    the province report); a kept report holds only a snapshot of its unit, so it is read again."""
    if issuer is not None:
        return issuer
    unit = db.session.get(Unit, report.scope.unit_id) if report.scope else units.province()
    return issuer_for(on, unit)


def _addressee(issuer: Issuer) -> str:
    """The body the report goes to: the issuer's superior, its name written out ("UBND Huyện
    Yên Thế" → "Ủy ban nhân dân huyện Yên Thế")."""
    superior = issuer.body_lines[0] if len(issuer.body_lines) > 1 else issuer.body_lines[0]
    if superior.upper().startswith("UBND "):
        # the settings print the body in capitals: "UBND TỈNH BẮC NINH" → "tỉnh Bắc Ninh"
        unit = superior[5:].title() if superior[5:].isupper() else superior[5:]
        return _("Ủy ban nhân dân %(unit)s", unit=in_text(unit))
    return superior


def report_xlsx(report: Report, kind: str, issuer: Issuer | None = None, on: date | None = None) -> io.BytesIO:
    """The report's annex as a workbook in the paper's serif: one sheet per table, each under the
    paper's heading, a frozen header row, numbers as numbers in the columns' number formats,
    the survey's figures under the summary, and a last sheet of the charts drawn by the
    spreadsheet from their figures."""
    on = on or local_today()
    issuer = _issuer(report, issuer, on)
    workbook = Workbook()
    workbook.remove(workbook.active)
    headings = [_("Đơn vị")] + [str(column.heading) for column in columns.COLUMNS]
    formats = [None] + [column.number_format for column in columns.COLUMNS]
    for index, (name, title, rows) in enumerate(report_tables(report, kind)):
        sheet = _sheet(workbook, name, title, headings, report, kind, issuer)
        for label, tally in rows:
            _append(sheet, [label] + columns.figures(tally), formats)
        if index == 0:
            _survey_rows(sheet, survey_line(report))
    coverage = _coverage_headings()
    title = _("Xã chưa có người được bồi dưỡng")
    sheet = _sheet(workbook, title, title, coverage, report, kind, issuer)
    for row in _coverage_rows(report):
        _append(sheet, row, [None, INTEGER] + [INTEGER, None] * len(GROUPS))
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


def _sheet(workbook: Workbook, name: str, title: str, headings: list[str], report: Report, kind: str, issuer: Issuer):
    """A sheet under the paper's heading (issuer and motto, the annex's title, the table's
    title and period), its column headings in row HEAD_ROW, set to print on A4 landscape."""
    sheet = workbook.create_sheet(_sheet_name(name))
    last = get_column_letter(len(headings))
    sheet.append([issuer.body_lines[0].upper(), None, None, MOTTO])
    sheet.append([issuer.body_lines[-1].upper(), None, None, MOTTO_SUB])
    sheet.append([])
    sheet.append([_("Phụ lục: Biểu tổng hợp %(what)s", what=in_text(_subject(report, kind)))])
    sheet.append([f"{title} ({_period_text(report).lower()})"])
    sheet.append([])
    sheet.append(headings)
    for merge in ("A1:C1", "A2:C2", f"D1:{last}1", f"D2:{last}2", f"A4:{last}4", f"A5:{last}5"):
        sheet.merge_cells(merge)
    for row in sheet.iter_rows(min_row=1, max_row=5):
        for cell in row:
            cell.font = PLAIN
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for ref in ("A2", "D1", "D2", "A4"):
        sheet[ref].font = BOLD
    for cell in sheet[HEAD_ROW]:
        cell.font, cell.fill = BOLD, HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = f"B{HEAD_ROW + 1}"
    sheet.column_dimensions["A"].width = 48
    for index in range(2, len(headings) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 14
    _print_on_a4(sheet)
    sheet.print_title_rows = f"{HEAD_ROW}:{HEAD_ROW}"
    sheet.oddHeader.center.text = "&P"
    sheet.HeaderFooter.differentFirst = True
    return sheet


def _print_on_a4(sheet) -> None:
    """A4 landscape, as wide as the page (a sheet would otherwise print its last columns on
    pages of their own), as long as it needs."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0


def _append(sheet, values: list, formats: list[str | None], font: Font = PLAIN) -> None:
    """A row of values, each number in its format; text that a spreadsheet would run stays text."""
    sheet.append(values)
    for index, cell in enumerate(sheet[sheet.max_row]):
        cell.font = font
        if index < len(formats) and formats[index]:
            cell.number_format = formats[index]
        keep_text(cell)


def _survey_rows(sheet, line: SurveyLine) -> None:
    """The survey's two figures under the summary table; the mean only from the answers it
    needs, else the reason it is missing."""
    sheet.append([])
    survey = line.figures
    too_few = _("Chưa đủ %(n)d phiếu đánh giá (mới có %(r)d)", n=line.needed, r=survey.responses)
    satisfaction = survey.satisfaction if line.enough else too_few
    _append(sheet, [_("Mức độ hài lòng trung bình (thang 1–5)"), satisfaction], [None, "0.0"])
    _append(sheet, [_("Tỷ lệ phản hồi phiếu đánh giá"), survey.response_rate], [None, "0.0%"])


def _chart_sheet(workbook: Workbook, report: Report, kind: str) -> None:
    """The charts of the page and the paper, as the spreadsheet's own bar charts, each beside
    the figures it is drawn from."""
    sheet = workbook.create_sheet(_sheet_name(_("Biểu đồ")))
    _print_on_a4(sheet)
    sheet.column_dimensions["A"].width = 36
    for letter in "BC":
        sheet.column_dimensions[letter].width = 16
    row = 1
    for chart in report_charts(report, kind):
        sheet.cell(row, 1, chart.title).font = BOLD
        head = row + 1
        _append(sheet, [_("Đơn vị")] + [name for name, _c, _v in chart.series], [], BOLD)
        for cell in sheet[head]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        number_format = "0%" if chart.share else INTEGER
        for index, label in enumerate(chart.labels):
            _append(
                sheet,
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


def _cell(value, column: Column) -> str:
    """A figure as the paper prints it: a share with the decimal comma, a count with the
    thousands' dot, "—" for a share of nothing."""
    if value is None:
        return "—"
    return percent(value) if column.share else decimal(value, 0)


def _text_body(report: Report, kind: str, issuer: Issuer) -> list:
    """The report's text: what was done, the key figures, where nobody was trained yet."""
    total = columns.by_key(report.total)
    para = {"align": TA_JUSTIFY, "leading": 13 * 1.35}
    opening = _(
        "Thực hiện nhiệm vụ bồi dưỡng cán bộ thông tin cơ sở, %(body)s báo cáo kết quả bồi dưỡng %(period)s như sau:",
        body=issuer.body_lines[-1],
        period=_period_text(report).lower(),
    )
    result = _(
        "Đã tổ chức %(c)s lớp bồi dưỡng với %(s)s buổi học; %(t)s người tham gia (%(e)s lượt người); tỷ lệ tham dự "
        "%(r)s; %(d)s lượt người hoàn thành chương trình; đã cấp %(i)s giấy chứng nhận (còn hiệu lực %(k)s), "
        "thu hồi %(v)s.",
        c=total["courses"],
        s=total["sessions"],
        t=total["trainees"],
        e=total["enrolments"],
        r=percent(total["attendance"]),
        d=total["completions"],
        i=total["issued"],
        k=total["valid"],
        v=total["revoked"],
    )
    survey = survey_sentence(survey_line(report), percent, lambda mean: decimal(mean, 1))
    missing = []
    for group in GROUPS:
        count = sum(len(v) for v in report.uncovered[group].values())
        missing.append(_("%(n)d xã, phường chưa có %(g)s được bồi dưỡng", n=count, g=in_text(str(GROUP_LABELS[group]))))
    coverage = "; ".join(missing) + "."
    annex = _("Số liệu chi tiết tại Phụ lục kèm theo.")
    indent = "&nbsp;" * 8
    return [
        paragraph(indent + escaped(opening), 13, **para),
        Spacer(1, 2 * mm),
        paragraph(indent + tagged(_("1. Kết quả chung"), "b"), 13, **para),
        paragraph(indent + escaped(result), 13, **para),
        paragraph(indent + escaped(survey), 13, **para),
        Spacer(1, 2 * mm),
        paragraph(indent + tagged(_("2. Xã, phường chưa có người được bồi dưỡng"), "b"), 13, **para),
        paragraph(indent + escaped(coverage[0].upper() + coverage[1:]), 13, **para),
        Spacer(1, 2 * mm),
        paragraph(indent + escaped(annex), 13, **para),
    ]


def report_pdf(report: Report, kind: str, issuer: Issuer | None = None, on: date | None = None) -> io.BytesIO:
    """The report as an A4 báo cáo: heading with số/ký hiệu, place and date; "Kính gửi"; the
    text with the key figures; "Nơi nhận" and the signer; then the annex of tables and charts.
    `issuer`: the issuer in force on `on` (training.units.issuers.issuer_for's when not given)."""
    register_fonts()
    on = on or local_today()
    issuer = _issuer(report, issuer, on)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=_title(report, kind),
        author=issuer.body_lines[-1],
        initialFontName=SERIF,
    )
    width = doc.width
    number = _("Số: ……/BC-%(symbol)s", symbol=issuer.symbol)
    story = [
        header_block(issuer, width, number=number, dated=place_and_date(issuer.place, on)),
        Spacer(1, 8 * mm),
        paragraph(tagged(_("BÁO CÁO"), "b"), 14, align=TA_CENTER),
        paragraph(tagged(_subject(report, kind), "b"), 14, align=TA_CENTER),
        Rule(30 * mm),
        Spacer(1, 4 * mm),
        paragraph(escaped(_("Kính gửi: %(to)s.", to=_addressee(issuer))), 14, align=TA_CENTER),
        Spacer(1, 5 * mm),
        *_text_body(report, kind, issuer),
        Spacer(1, 6 * mm),
    ]
    sent_to = [_("- Như trên;"), _("- Lưu: VT.")]
    story.append(KeepTogether([closing(width, recipients(sent_to), signer_flowables(issuer), left_share=0.45)]))

    # The annex: the tables and the charts.
    story += [
        PageBreak(),
        paragraph(tagged(_("Phụ lục"), "b"), 13, align=TA_CENTER),
        paragraph(tagged(_("BIỂU TỔNG HỢP KẾT QUẢ BỒI DƯỠNG CÁN BỘ THÔNG TIN CƠ SỞ"), "b"), 13, align=TA_CENTER),
        paragraph(
            tagged(
                _(
                    "(Kèm theo Báo cáo số ……/BC-%(symbol)s ngày %(date)s của %(body)s)",
                    symbol=issuer.symbol,
                    date=on.strftime("%d/%m/%Y"),
                    body=issuer.body_lines[-1],
                ),
                "i",
            ),
            12,
            align=TA_CENTER,
        ),
        Rule(30 * mm),
        Spacer(1, 4 * mm),
    ]
    label_w = width * 0.28
    for number_, (_name, title, rows) in enumerate(report_tables(report, kind), start=1):
        data = [
            [paragraph(tagged(_("Đơn vị") if title != _("Tổng hợp") else "", "b"), CELL)]
            + [
                paragraph(tagged(str(column.heading), "b"), CELL - 2, align=TA_CENTER, leading=(CELL - 2) * 1.15)
                for column in columns.COLUMNS
            ]
        ]
        data += [
            [paragraph(escaped(label), CELL)] + [_cell(column.of(t), column) for column in columns.COLUMNS]
            for label, t in rows
        ]
        share = (width - label_w) / len(columns.COLUMNS)
        table = Table(data, colWidths=[label_w] + [share] * len(columns.COLUMNS), repeatRows=1)
        table.setStyle(_grid())
        story += [paragraph(tagged(f"{number_}. {title}", "b"), 12, keep_with_next=True), table, Spacer(1, 5 * mm)]
    story += [
        paragraph(
            tagged(f"{len(report_tables(report, kind)) + 1}. " + _("Xã chưa có người được bồi dưỡng"), "b"),
            12,
            keep_with_next=True,
        ),
        *_coverage_annex(report, width),
    ]
    for drawing in report_drawings(report, kind, serif=True):
        story += [Spacer(1, 5 * mm), KeepTogether([_fit(drawing, width, doc.height - 10 * mm)])]
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    buffer.seek(0)
    return buffer


def _fit(drawing, width: float, height: float):
    """Shrink a chart that would not fit on one page (a district with many communes)."""
    factor = min(1.0, width / drawing.width, height / drawing.height)
    if factor < 1:
        drawing.scale(factor, factor)
        drawing.width, drawing.height = drawing.width * factor, drawing.height * factor
    return drawing


def _grid() -> TableStyle:
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), SERIF, CELL),
            ("FONT", (0, 0), (-1, 0), SERIF_BOLD, CELL),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
    )
