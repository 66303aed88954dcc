"""The attendance sheet of a course as XLSX, drawn from the sheet's data (sheet.py). Pure
document code: the views send the bytes, in Vietnamese.
"""

from copy import copy
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..pdf.fonts import ISSUER_SIZE, MOTTO_SIZE, MOTTO_SUB_SIZE
from ..pdf.paper import MOTTO, MOTTO_SUB
from ..pdf.words import place_and_date
from ..spreadsheets import PAPER_FONT, keep_text
from .sheet import SheetData, legend

# --- the attendance sheet as XLSX -------------------------------------------------------------

#: number formats of the workbook's figures (numbers, never text): the counts whole, the share
#: as the paper prints it ("94%")
COUNT_FORMAT, SHARE_FORMAT = "0", "0%"


def attendance_xlsx(data: SheetData) -> bytes:
    """The attendance sheet as one worksheet: title rows, a frozen heading row, numbers as
    numbers, the share as a percentage, and a landscape A4 print setup repeating the heading."""
    course = data.course
    book = Workbook()
    sheet = book.active
    sheet.title = _("Điểm danh")[:31]
    book.properties.title = _("Danh sách điểm danh %(code)s", code=course.code)
    book.properties.creator = course.unit.name

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

    def put(row: int, col: int, value, style=None, **styles):
        """Write a cell: `style` a style record to copy (fast), `styles` attributes to set."""
        cell = sheet.cell(row=row, column=col, value=value if value != "" else None)
        if style is not None:
            cell._style = copy(style)
        else:
            cell.font = plain
        if isinstance(value, str) and value:
            cell.data_type = "s"  # never a formula, whatever the text
        for name, setting in styles.items():
            setattr(cell, name, setting)
        keep_text(cell)
        return cell

    def banner(row: int, text: str, first: int = 1, last: int = last_col, **styles):
        styles.setdefault("alignment", Alignment(horizontal="center", vertical="center", wrap_text=True))
        put(row, first, text, **styles)
        if last > first:
            sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)

    # The paper's heading: the issuing body left (its superior in regular type, the body in
    # bold), quốc hiệu and tiêu ngữ right in the PDF's sizes, the tiêu ngữ underlined as the PDF
    # rules it (as long as the line), then the title, the course and its facts.
    split = min(4, last_col - 1)
    issuer = data.issuer
    for index, line in enumerate(issuer.body_lines[:2]):
        banner(
            1 + index,
            line.upper(),
            1,
            split,
            font=Font(name=PAPER_FONT, size=ISSUER_SIZE, bold=index == len(issuer.body_lines[:2]) - 1),
        )
    banner(1, MOTTO, split + 1, last_col, font=Font(name=PAPER_FONT, size=MOTTO_SIZE, bold=True))
    banner(
        2,
        MOTTO_SUB,
        split + 1,
        last_col,
        font=Font(name=PAPER_FONT, size=MOTTO_SUB_SIZE, bold=True, underline="single"),
    )
    banner(4, _("DANH SÁCH ĐIỂM DANH HỌC VIÊN"), font=Font(name=PAPER_FONT, bold=True, size=14))
    banner(5, course.title, font=Font(name=PAPER_FONT, bold=True, size=13))
    programme, code, dates, venue = _("Chương trình"), _("Mã lớp"), _("Thời gian"), _("Địa điểm")
    banner(6, f"{programme}: {data.programme}", font=Font(name=PAPER_FONT, size=12))
    banner(
        7,
        f"{code}: {course.code}   {dates}: {data.dates}   {venue}: {course.venue}",
        font=Font(name=PAPER_FONT, size=12),
    )

    head_row = 9
    fill = PatternFill("solid", fgColor="E8E8E8")
    for col, text in enumerate(headers, start=1):
        put(head_row, col, text, font=bold, alignment=centre, fill=fill, border=box)
    sheet.row_dimensions[head_row].height = 45

    # Style the first trainee's row, then copy its cells' style records to the other rows:
    # assigning style objects cell by cell is what makes openpyxl slow on large sheets.
    first_session, share_col = 5, last_col - 1
    centred = Alignment(horizontal="center", vertical="center")
    wrapped = Alignment(vertical="center", wrap_text=True)
    prototypes: list = []
    for offset, row in enumerate(data.rows):
        r = head_row + 1 + offset
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
        for col, value in enumerate(values, start=1):
            if offset:
                put(r, col, value, style=prototypes[col - 1])
                continue
            cell = put(
                r,
                col,
                value,
                border=box,
                alignment=centred if col == 1 or col >= first_session else wrapped,
                **(
                    {"number_format": SHARE_FORMAT if col == share_col else COUNT_FORMAT}
                    if isinstance(value, (int, float))
                    else {}
                ),
            )
            prototype = copy(cell._style)
            prototype.quotePrefix = False  # the first trainee's own text may have needed one; not the others'
            prototypes.append(prototype)

    after = head_row + len(data.rows) + 2
    banner(
        after,
        legend(data),
        font=Font(name=PAPER_FONT, italic=True),
        alignment=Alignment(wrap_text=True, vertical="top"),
    )
    sheet.row_dimensions[after].height = 30
    # The signers as on the PDF: who drew the sheet up on the left, the date and the head of the
    # organising body on the right, the name under the room to sign.
    put(
        after + 2,
        split + 1,
        place_and_date(issuer.place, data.on),
        font=Font(name=PAPER_FONT, italic=True),
        alignment=Alignment(horizontal="center"),
    )
    sheet.merge_cells(start_row=after + 2, start_column=split + 1, end_row=after + 2, end_column=last_col)
    put(after + 3, 1, _("NGƯỜI LẬP BIỂU"), font=bold, alignment=Alignment(horizontal="center"))
    sheet.merge_cells(start_row=after + 3, start_column=1, end_row=after + 3, end_column=split)
    for offset, line in enumerate(issuer.signer_title):
        put(after + 3 + offset, split + 1, line.upper(), font=bold, alignment=Alignment(horizontal="center"))
        sheet.merge_cells(
            start_row=after + 3 + offset, start_column=split + 1, end_row=after + 3 + offset, end_column=last_col
        )
    if issuer.signer_name:
        name_row = after + 3 + len(issuer.signer_title) + 4
        put(name_row, split + 1, issuer.signer_name, font=bold, alignment=Alignment(horizontal="center"))
        sheet.merge_cells(start_row=name_row, start_column=split + 1, end_row=name_row, end_column=last_col)

    # Wide enough for a position on one line ("Phó Chủ tịch Hội Liên hiệp Phụ nữ xã"): a
    # spreadsheet does not grow a row for wrapped text on its own.
    widths = [6, 26, 36, 18] + [6.5] * len(data.columns) + [9, 12, 8, 30]
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = sheet.cell(row=head_row + 1, column=3)
    sheet.print_title_rows = f"{head_row}:{head_row}"
    sheet.print_area = f"A1:{last_letter}{after + 10}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    # Page numbers centred at the top from page 2 on (the first page's own header stays empty).
    sheet.oddHeader.center.text = "&P"
    sheet.HeaderFooter.differentFirst = True
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
