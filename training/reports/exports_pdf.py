"""The report as a PDF: a báo cáo as Nghị định 30/2020 lays it out (số/ký hiệu, place and
date, "Kính gửi", a short text with the key figures, the signer, "Nơi nhận"), its tables and
charts as the annex "Phụ lục: Biểu tổng hợp …"."""

import io
from collections.abc import Callable
from datetime import date

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer, Table, TableStyle

from ..clock import local_today
from ..pdf.fonts import SERIF, SERIF_BOLD, escaped, paragraph, register_fonts, tagged
from ..pdf.issuer import Issuer
from ..pdf.paper import (
    Rule,
    closing,
    header_block,
    page_number,
    portrait_document,
    recipients,
    signer_flowables,
    table_by_page,
)
from ..pdf.words import decimal, in_text, percent, place_and_date
from ..people import GROUP_LABELS
from ..people.models import GROUPS
from . import columns
from .charts import report_drawings
from .columns import Column
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

#: a table's cells in the annex
CELL = 10


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


def _coverage_annex(report: Report, width: float) -> list:
    """The PDF's coverage annex: a table of the counts, then each unit's list of communes as
    text. A list in a table cell could not break across pages, and a province of a hundred
    communes with nobody trained yet makes a cell taller than the page."""

    def counts(row: list) -> list:  # Đơn vị, Số xã, then each group's count (its list follows it)
        return row[:2] + row[2::2]

    rows = coverage_rows(report)
    headings = counts(coverage_headings(short=True))
    table = [[paragraph(tagged(h, "b"), CELL - 1, leading=(CELL - 1) * 1.15) for h in headings]]
    table += [[paragraph(escaped(v), CELL - 1) for v in counts(row)] for row in rows]
    widths = [width * 0.34, width * 0.12] + [width * 0.54 / len(GROUPS)] * len(GROUPS)
    grid = table_by_page(_gridded(widths), table, 1)
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


def _title(report: Report, kind: str) -> str:
    return _("BÁO CÁO") + " " + subject(report, kind)


def _addressee(issuer: Issuer) -> str:
    """The body the report goes to: the issuer's superior, its name written out ("UBND Huyện
    Yên Thế" → "Ủy ban nhân dân huyện Yên Thế")."""
    superior = issuer.body_lines[0] if len(issuer.body_lines) > 1 else issuer.body_lines[0]
    if superior.upper().startswith("UBND "):
        # the settings print the body in capitals: "UBND TỈNH BẮC NINH" → "tỉnh Bắc Ninh"
        unit = superior[5:].title() if superior[5:].isupper() else superior[5:]
        return _("Ủy ban nhân dân %(unit)s", unit=in_text(unit))
    return superior


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
        period=period_text(report).lower(),
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
    issuer = report_issuer(report, issuer, on)
    buffer = io.BytesIO()
    doc = portrait_document(buffer, _title(report, kind), issuer.body_lines[-1])
    width = doc.width
    number = _("Số: ……/BC-%(symbol)s", symbol=issuer.symbol)
    story = [
        header_block(issuer, width, number=number, dated=place_and_date(issuer.place, on)),
        Spacer(1, 8 * mm),
        paragraph(tagged(_("BÁO CÁO"), "b"), 14, align=TA_CENTER),
        paragraph(tagged(subject(report, kind), "b"), 14, align=TA_CENTER),
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
        table = table_by_page(_gridded([label_w] + [share] * len(columns.COLUMNS)), data, 1)
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


def _gridded(widths: list[float]):
    """Makes an annex table of some rows (the heading first) in the report's grid, for
    table_by_page: a province's table of communes is laid out a page at a time."""

    def make(rows: list[list], heights: list[float] | None) -> Table:
        table = Table(rows, colWidths=widths, rowHeights=None if heights is None else [None] + heights)
        table.setStyle(_grid())
        return table

    return make


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
