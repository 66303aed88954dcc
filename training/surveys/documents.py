"""The survey as files: the paper form (PDF) for trainees without a phone, and the results of a
course or of a period as XLSX, PDF and JSON. Nothing here receives who answered: only counts,
distributions, means and the short answers in alphabetical order."""

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from ..clock import local_today
from ..pdf.fonts import FONT, escaped, paragraph, tagged
from ..pdf.paper import header_block
from ..spreadsheets import keep_text
from ..units.issuers import issuer_for
from .questionnaire import Question, Questionnaire
from .services import min_answers
from .summaries import CourseResults, QuestionResult, Summary

WIDTH = A4[0] - 30 * mm
BOX = 4 * mm


def _doc(buffer, title: str, pagesize=A4) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
    )


def _number_pages(canvas, doc) -> None:
    # Page numbers centred at the top from the second page, as on official papers.
    if doc.page > 1:
        width, height = doc.pagesize
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(width / 2, height - 8 * mm, str(doc.page))


def _course_lines(course) -> list:
    dates = course.starts_on.strftime("%d/%m/%Y")
    if course.ends_on != course.starts_on:
        dates += " – " + course.ends_on.strftime("%d/%m/%Y")
    return [
        paragraph(tagged(course.title, "b"), 11, align=TA_CENTER),
        paragraph(escaped(f"{course.code} · {dates} · {course.venue}"), 9, align=TA_CENTER),
    ]


def _boxes(options: tuple[str, ...], width: float) -> Table:
    """A row of empty squares, each with its label, for a trainee to tick."""
    cells, widths = [], []
    for number, label in enumerate(options, 1):
        cells += ["", paragraph(escaped(f"{number}. {label}"), 8)]
        widths += [BOX + 2 * mm, width / len(options) - BOX - 2 * mm]
    table = Table([cells], colWidths=widths, rowHeights=[BOX + 2 * mm])
    table.setStyle(
        TableStyle(
            [("BOX", (i, 0), (i, 0), 0.7, colors.black) for i in range(0, len(cells), 2)]
            + [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 2)]
        )
    )
    return table


def paper_pdf(course, questionnaire: Questionnaire, questions: tuple[Question, ...]) -> bytes:
    """The paper form: the course, the instructions, each question with boxes to tick or lines
    to write on. It carries no name field: it is as anonymous as the phone's."""
    buffer = io.BytesIO()
    story = [
        header_block(issuer_for(local_today(), course.unit), WIDTH),
        Spacer(1, 6 * mm),
        paragraph(tagged(questionnaire.title.upper(), "b"), 13, align=TA_CENTER),
        Spacer(1, 2 * mm),
    ]
    story += _course_lines(course)
    story += [Spacer(1, 3 * mm)]
    if questionnaire.intro:
        story.append(paragraph(tagged(questionnaire.intro, "i"), 9))
    story += [
        paragraph(
            escaped(
                _(
                    "Đánh dấu X vào một ô cho mỗi câu; ở câu “chọn một hoặc nhiều”, đánh dấu mọi ô phù hợp. "
                    "Không ghi tên vào phiếu."
                )
            ),
            9,
        ),
        Spacer(1, 4 * mm),
    ]
    for number, question in enumerate(questions, 1):
        head = paragraph(
            tagged(f"{number}. {question.text}", "b")
            + ("" if question.required else escaped(" " + _("(không bắt buộc)"))),
            10,
        )
        if question.kind == "text":
            lines = Table([[""]] * 3, colWidths=[WIDTH], rowHeights=[8 * mm] * 3)
            lines.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.grey)]))
            body = lines
        else:
            body = _boxes(question.options, WIDTH)
        story.append(KeepTogether([head, Spacer(1, 1.5 * mm), body, Spacer(1, 4 * mm)]))
    story += [Spacer(1, 4 * mm), paragraph(tagged(_("Xin cảm ơn anh/chị!"), "i"), 10, align=TA_CENTER)]
    _doc(buffer, questionnaire.title).build(story, onLaterPages=_number_pages)
    return buffer.getvalue()


# --- results ---------------------------------------------------------------------------------------


def _rate(value) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def _mean(value) -> str:
    return "—" if value is None else f"{value:.2f}".replace(".", ",")


def _question_rows(result: QuestionResult) -> list[list]:
    """(option, count, share) rows of a question, or its short answers."""
    if result.question.kind == "text":
        return [[text, "", ""] for text in result.texts]
    return [
        [f"{i + 1}. {label}", result.counts[i], _rate(result.share(i))]
        for i, label in enumerate(result.question.options)
    ]


def course_xlsx(results: CourseResults) -> bytes:
    """One sheet: the counts, then per question its distribution and mean (or short answers),
    only when there are enough answers."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh gia"
    bold = Font(bold=True)
    rows = [
        [_("Kết quả phiếu đánh giá"), results.course.title],
        [_("Mã khóa học"), results.course.code],
        [_("Phiếu"), f"{results.questionnaire.title} ({results.questionnaire.code} v{results.questionnaire.version})"],
        [_("Học viên"), results.enrolled],
        [_("Số phiếu"), results.responses],
        [_("Tỷ lệ phản hồi"), results.response_rate],
        [_("Mức độ hài lòng trung bình"), round(results.satisfaction, 2) if results.satisfaction is not None else None],
    ]
    for row in rows:
        sheet.append(row)
    sheet["B6"].number_format = "0%"
    if not results.visible:
        sheet.append([_("Chưa đủ %(n)d phiếu: kết quả chưa được hiển thị.", n=min_answers())])
    for result in results.questions if results.visible else []:
        sheet.append([])
        sheet.append([result.question.text, _("Số phiếu"), _("Tỷ lệ")])
        sheet.cell(sheet.max_row, 1).font = bold
        if result.question.kind == "text":
            for text in result.texts:
                sheet.append([text])
                keep_text(sheet.cell(sheet.max_row, 1))
        else:
            for index, label in enumerate(result.question.options):
                sheet.append([f"{index + 1}. {label}", result.counts[index], result.share(index)])
                sheet.cell(sheet.max_row, 3).number_format = "0%"
        if result.mean is not None:
            sheet.append([_("Điểm trung bình"), round(result.mean, 2)])
    sheet.column_dimensions["A"].width = 70
    sheet.column_dimensions["B"].width = 14
    for row in sheet.iter_rows():
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _grid() -> TableStyle:
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ]
    )


def course_pdf(results: CourseResults) -> bytes:
    buffer = io.BytesIO()
    story = [paragraph(tagged(_("KẾT QUẢ PHIẾU ĐÁNH GIÁ KHÓA BỒI DƯỠNG"), "b"), 13, align=TA_CENTER), Spacer(1, 2 * mm)]
    story += _course_lines(results.course)
    story += [
        Spacer(1, 4 * mm),
        paragraph(
            escaped(
                _(
                    "Số phiếu: %(r)d/%(e)d học viên (tỷ lệ phản hồi %(p)s). Mức độ hài lòng trung bình: %(m)s/5.",
                    r=results.responses,
                    e=results.enrolled,
                    p=_rate(results.response_rate),
                    m=_mean(results.satisfaction),
                )
            ),
            10,
        ),
        Spacer(1, 4 * mm),
    ]
    if not results.visible:
        story.append(paragraph(escaped(_("Chưa đủ %(n)d phiếu: kết quả chưa được hiển thị.", n=min_answers())), 10))
    for number, result in enumerate(results.questions if results.visible else [], 1):
        head = paragraph(tagged(f"{number}. {result.question.text}", "b"), 10)
        body = [
            [
                paragraph(escaped(_("Câu trả lời")), 8),
                paragraph(escaped(_("Số phiếu")), 8),
                paragraph(escaped(_("Tỷ lệ")), 8),
            ]
        ]
        body += [[paragraph(escaped(row[0]), 8), str(row[1]), row[2]] for row in _question_rows(result)]
        if result.mean is not None:
            body.append([paragraph(tagged(_("Điểm trung bình"), "b"), 8), _mean(result.mean), ""])
        table = Table(body, colWidths=[WIDTH - 50 * mm, 25 * mm, 25 * mm], repeatRows=1)
        table.setStyle(_grid())
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 8)]))
        story.append(KeepTogether([head, Spacer(1, 1.5 * mm), table, Spacer(1, 4 * mm)]))
    _doc(buffer, _("Kết quả phiếu đánh giá")).build(story, onLaterPages=_number_pages)
    return buffer.getvalue()


def course_json(results: CourseResults) -> dict:
    data = {
        "course": {"code": results.course.code, "title": results.course.title},
        "questionnaire": {"code": results.questionnaire.code, "version": results.questionnaire.version},
        "enrolled": results.enrolled,
        "responses": results.responses,
        "by_source": results.by_source,
        "response_rate": results.response_rate,
        "visible": results.visible,
        "satisfaction": results.satisfaction,
        "questions": [],
    }
    for result in results.questions if results.visible else []:
        item = {
            "key": result.question.key,
            "kind": result.question.kind,
            "text": result.question.text,
            "answered": result.answered,
        }
        if result.question.kind == "text":
            item["texts"] = result.texts
        else:
            item["options"] = [
                {"label": label, "count": result.counts[i]} for i, label in enumerate(result.question.options)
            ]
            item["mean"] = result.mean
        data["questions"].append(item)
    return data


# --- the summaries -------------------------------------------------------------------------------


def grouping_label(grouping: str) -> str:
    return {"programme": _("Chương trình"), "trainer": _("Giảng viên"), "area": _("Địa bàn")}[grouping]


def summary_headings(summary: Summary) -> list[str]:
    return [
        grouping_label(summary.grouping),
        _("Khóa học"),
        _("Học viên"),
        _("Số phiếu"),
        _("Tỷ lệ phản hồi"),
        _("Mức độ hài lòng trung bình"),
    ] + [q.text for q in summary.columns]


def summary_rows(summary: Summary, min_answers: int) -> list[list]:
    """Each group's figures; its means only when it holds at least min_answers responses."""
    rows = []
    for label, figures in summary.rows + [(_("Tổng cộng"), summary.total)]:
        shown = figures.responses >= min_answers
        rows.append(
            [
                label,
                figures.courses,
                figures.enrolled,
                figures.responses,
                figures.response_rate,
                figures.satisfaction if shown else None,
            ]
            + [figures.mean(q.key) if shown else None for q in summary.columns]
        )
    return rows


def summary_xlsx(summary: Summary, min_answers: int) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Tong hop"
    sheet.append(
        [
            _(
                "Phiếu đánh giá: từ %(a)s đến %(b)s",
                a=summary.first.strftime("%d/%m/%Y"),
                b=summary.last.strftime("%d/%m/%Y"),
            )
        ]
    )
    sheet.append(summary_headings(summary))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in summary_rows(summary, min_answers):
        sheet.append(
            [row[0], row[1], row[2], row[3], row[4]] + [round(v, 2) if v is not None else None for v in row[5:]]
        )
        sheet.cell(sheet.max_row, 5).number_format = "0%"
        keep_text(sheet.cell(sheet.max_row, 1))
    sheet.column_dimensions["A"].width = 45
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def summary_pdf(summary: Summary, min_answers: int) -> bytes:
    buffer = io.BytesIO()
    story = [
        paragraph(tagged(_("TỔNG HỢP PHIẾU ĐÁNH GIÁ KHÓA BỒI DƯỠNG"), "b"), 13, align=TA_CENTER),
        paragraph(
            escaped(
                _(
                    "Theo %(g)s, các khóa học kết thúc từ %(a)s đến %(b)s",
                    g=grouping_label(summary.grouping).lower(),
                    a=summary.first.strftime("%d/%m/%Y"),
                    b=summary.last.strftime("%d/%m/%Y"),
                )
            ),
            10,
            align=TA_CENTER,
        ),
        Spacer(1, 5 * mm),
    ]
    width = landscape(A4)[0] - 30 * mm
    headings = summary_headings(summary)
    body = [[paragraph(escaped(h), 7) for h in headings]]
    for row in summary_rows(summary, min_answers):
        body.append(
            [paragraph(escaped(row[0]), 8), str(row[1]), str(row[2]), str(row[3]), _rate(row[4])]
            + [_mean(v) for v in row[5:]]
        )
    first = 60 * mm
    rest = (width - first) / (len(headings) - 1)
    table = Table(body, colWidths=[first] + [rest] * (len(headings) - 1), repeatRows=1)
    table.setStyle(_grid())
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 4 * mm),
        paragraph(
            escaped(_("Điểm trung bình trên thang 1–5; chỉ tính khi nhóm có từ %(n)d phiếu trở lên.", n=min_answers)), 8
        ),
    ]
    _doc(buffer, _("Tổng hợp phiếu đánh giá"), landscape(A4)).build(story, onLaterPages=_number_pages)
    return buffer.getvalue()
