"""The attendance sheet of a course as XLSX, drawn from the sheet's data (sheet.py). Pure
document code: the views send the bytes, in Vietnamese.
"""

from copy import copy
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..pdf.fonts import ISSUER_SIZE, MOTTO_SIZE, MOTTO_SUB_SIZE
from ..pdf.paper import MOTTO, MOTTO_SUB
from ..pdf.words import place_and_date
from ..spreadsheets import PAPER_FONT, RowsInOrder, styled
from .sheet import SheetData, legend

# --- the attendance sheet as XLSX -------------------------------------------------------------

#: number formats of the workbook's figures (numbers, never text): the counts whole, the share
#: as the paper prints it ("94%")
COUNT_FORMAT, SHARE_FORMAT = "0", "0%"


def attendance_xlsx(data: SheetData) -> bytes:
    """The attendance sheet as one worksheet: title rows, a frozen heading row, numbers as
    numbers, the share as a percentage, and a landscape A4 print setup repeating the heading.
    Written row by row (a write-only workbook): a course of hundreds of trainees by forty
    sessions is never held as cells all at once."""
    course = data.course
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Điểm danh")[:31])
    book.properties.title = _("Danh sách điểm danh %(code)s", code=course.code)
    book.properties.creator = course.unit.name
    rows = RowsInOrder(sheet)

    headers = [_("STT"), _("Họ và tên"), _("Chức vụ"), _("Đơn vị (xã)")]
    headers += [f"{c.day_label}\n{c.half}" for c in data.columns]
    headers += [_("Số tiết đã dự"), _("Số tiết chương trình"), _("Tỷ lệ"), _("Ghi chú")]
    last_col = len(headers)
    last_letter = get_column_letter(last_col)
    bold = Font(name=PAPER_FONT, bold=True)
    plain = Font(name=PAPER_FONT)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    thin = Side(style="thin", color="666666")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    banner_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def cell(value, **styles):
        return styled(sheet, value, **{"font": plain, **styles})

    def banner(row: int, text: str, **styles):
        """A line as wide as the sheet."""
        rows.put(row, [cell(text, **{"alignment": banner_alignment, **styles})])
        rows.merge(row, 1, last_col)

    # Everything about rows and columns is set before the rows are written.
    # Wide enough for a position on one line ("Phó Chủ tịch Hội Liên hiệp Phụ nữ xã"): a
    # spreadsheet does not grow a row for wrapped text on its own.
    widths = [6, 26, 36, 18] + [6.5] * len(data.columns) + [9, 12, 8, 30]
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    head_row = 9
    after = head_row + len(data.rows) + 2
    sheet.row_dimensions[head_row].height = 45
    sheet.row_dimensions[after].height = 30
    sheet.freeze_panes = f"C{head_row + 1}"
    sheet.print_title_rows = f"{head_row}:{head_row}"
    sheet.print_area = f"A1:{last_letter}{after + 10}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    # Page numbers centred at the top from page 2 on (the first page's own header stays empty).
    sheet.HeaderFooter.oddHeader.center.text = "&P"
    sheet.HeaderFooter.differentFirst = True

    # The paper's heading: the issuing body left (its superior in regular type, the body in
    # bold), quốc hiệu and tiêu ngữ right in the PDF's sizes, the tiêu ngữ underlined as the PDF
    # rules it (as long as the line), then the title, the course and its facts.
    split = min(4, last_col - 1)
    issuer = data.issuer
    body_lines = issuer.body_lines[:2]
    mottos = [
        cell(MOTTO, font=Font(name=PAPER_FONT, size=MOTTO_SIZE, bold=True), alignment=banner_alignment),
        cell(
            MOTTO_SUB,
            font=Font(name=PAPER_FONT, size=MOTTO_SUB_SIZE, bold=True, underline="single"),
            alignment=banner_alignment,
        ),
    ]
    for index in range(2):
        left = [None] * split
        if index < len(body_lines):
            font = Font(name=PAPER_FONT, size=ISSUER_SIZE, bold=index == len(body_lines) - 1)
            left[0] = cell(body_lines[index].upper(), font=font, alignment=banner_alignment)
        rows.put(1 + index, left + [mottos[index]])
        rows.merge(1 + index, 1, split)
        rows.merge(1 + index, split + 1, last_col)
    banner(4, _("DANH SÁCH ĐIỂM DANH HỌC VIÊN"), font=Font(name=PAPER_FONT, bold=True, size=14))
    banner(5, course.title, font=Font(name=PAPER_FONT, bold=True, size=13))
    programme, code, dates, venue = _("Chương trình"), _("Mã lớp"), _("Thời gian"), _("Địa điểm")
    banner(6, f"{programme}: {data.programme}", font=Font(name=PAPER_FONT, size=12))
    banner(
        7,
        f"{code}: {course.code}   {dates}: {data.dates}   {venue}: {course.venue}",
        font=Font(name=PAPER_FONT, size=12),
    )

    fill = PatternFill("solid", fgColor="E8E8E8")
    rows.put(head_row, [cell(text, font=bold, alignment=centre, fill=fill, border=box) for text in headers])

    # Style the first trainee's row, then copy its cells' style records to the other rows:
    # assigning style objects cell by cell is what makes openpyxl slow on large sheets.
    first_session, share_col = 5, last_col - 1
    centred = Alignment(horizontal="center", vertical="center")
    wrapped = Alignment(vertical="center", wrap_text=True)
    prototypes: list = []
    for offset, row in enumerate(data.rows):
        values = [
            row.number,
            row.name,
            row.position,
            row.commune,
            *row.marks,
            row.attended,
            row.required,
            row.share,
            row.remark,
        ]
        if not prototypes:
            for col, value in enumerate(values, start=1):
                number_format = SHARE_FORMAT if col == share_col else COUNT_FORMAT
                first = cell(
                    value,
                    border=box,
                    alignment=centred if col == 1 or col >= first_session else wrapped,
                    **({"number_format": number_format} if isinstance(value, (int, float)) else {}),
                )
                prototype = copy(first._style)
                prototype.quotePrefix = False  # the first trainee's own text may have needed one; not the others'
                prototypes.append(prototype)
        rows.put(head_row + 1 + offset, [styled(sheet, value, style) for value, style in zip(values, prototypes)])

    rows.put(
        after,
        [
            cell(
                legend(data),
                font=Font(name=PAPER_FONT, italic=True),
                alignment=Alignment(wrap_text=True, vertical="top"),
            )
        ],
    )
    rows.merge(after, 1, last_col)
    # The signers as on the PDF: who drew the sheet up on the left, the date and the head of the
    # organising body on the right, the name under the room to sign.
    centred_line = Alignment(horizontal="center")
    gap = [None] * split
    rows.put(
        after + 2,
        gap
        + [
            cell(place_and_date(issuer.place, data.on), font=Font(name=PAPER_FONT, italic=True), alignment=centred_line)
        ],
    )
    rows.merge(after + 2, split + 1, last_col)
    maker = [cell(_("NGƯỜI LẬP BIỂU"), font=bold, alignment=centred_line)] + [None] * (split - 1)
    titles = [cell(line.upper(), font=bold, alignment=centred_line) for line in issuer.signer_title]
    for offset in range(max(1, len(titles))):
        rows.put(after + 3 + offset, (maker if offset == 0 else gap) + titles[offset : offset + 1])
        rows.merge(after + 3 + offset, split + 1, last_col)
    rows.merge(after + 3, 1, split)
    if issuer.signer_name:
        name_row = after + 3 + len(issuer.signer_title) + 4
        rows.put(name_row, gap + [cell(issuer.signer_name, font=bold, alignment=centred_line)])
        rows.merge(name_row, split + 1, last_col)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
