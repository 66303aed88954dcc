"""The reports as files: XLSX (one sheet per table, numbers as numbers) and PDF (official
heading, the same tables, the charts)."""
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from ..curricula import catalogue
from ..people import GROUP_LABELS
from ..people.models import GROUPS
from ..pdf import FONT, FONT_BOLD, escaped, header_block, paragraph, tagged
from ..spreadsheets import keep_text
from .charts import report_drawings
from .services import Report, Tally


def _headings() -> list[str]:
    return [_("Khóa học"), _("Buổi học"), _("Học viên (người)"), _("Lượt học viên"), _("Tỷ lệ tham dự"),
            _("Hoàn thành"), _("GCN đã cấp"), _("GCN thu hồi")]


def _figures(tally: Tally | None) -> list:
    """A row's numbers; the attendance rate as a fraction (None when nothing was scheduled)."""
    if tally is None:
        return [0, 0, 0, 0, None, 0, 0, 0]
    return [len(tally.courses), tally.sessions, len(tally.trainees), tally.enrolments, tally.attendance_rate,
            tally.completions, tally.certificates_issued, tally.certificates_revoked]


def report_tables(report: Report, kind: str) -> list[tuple[str, str, list[tuple[str, Tally | None]]]]:
    """(sheet name, title, rows) for each table, in the order the page shows them."""
    tables = [
        ("Tong hop", _("Tổng hợp"), [(_("Tổng cộng"), report.total)]),
        ("Chuong trinh", _("Theo chương trình"),
         [(f"{c.code}. {c.title}", report.by_programme.get(c.code)) for c in catalogue().all_current()]),
        ("Nhom doi tuong", _("Theo nhóm đối tượng"), [(str(GROUP_LABELS[g]), report.by_group.get(g)) for g in GROUPS]),
    ]
    if kind == "province":
        tables.append(("Huyen", _("Theo huyện"), [(u.name, report.by_unit.get(u.id)) for u in report.units]))
    communes = []
    for unit in report.units:
        for commune in report.communes.get(unit.id, []):
            label = f"{commune.name} ({unit.name})" if kind == "province" else commune.name
            communes.append((label, report.by_commune.get(commune.id)))
    tables.append(("Xa", _("Theo xã"), communes))
    return tables


def _coverage_rows(report: Report) -> list[list]:
    rows = []
    for unit in report.units:
        row = [unit.name, len(report.communes.get(unit.id, []))]
        for group in GROUPS:
            missing = report.uncovered[group].get(unit.id, [])
            row += [len(missing), ", ".join(c.name for c in missing)]
        rows.append(row)
    return rows


def _coverage_headings() -> list[str]:
    headings = [_("Đơn vị"), _("Số xã")]
    for group in GROUPS:
        headings += [_("Số xã chưa có: %(g)s", g=GROUP_LABELS[group]), _("Danh sách")]
    return headings


def _title(report: Report, kind: str) -> str:
    if kind == "province":
        return _("BÁO CÁO KẾT QUẢ BỒI DƯỠNG CÁN BỘ THÔNG TIN CƠ SỞ TOÀN TỈNH")
    return _("BÁO CÁO KẾT QUẢ BỒI DƯỠNG CÁN BỘ THÔNG TIN CƠ SỞ") + f" — {report.scope.name if report.scope else ''}"


def _period_text(report: Report) -> str:
    return _("Từ %(a)s đến %(b)s", a=report.period.start.strftime("%d/%m/%Y"), b=report.period.end.strftime("%d/%m/%Y"))


def report_xlsx(report: Report, kind: str) -> io.BytesIO:
    """The report as a workbook: one sheet per table, a frozen header, numbers as numbers."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EFECE8")
    sheets = [(name, title, [_("Nội dung")] + _headings(), [[label] + _figures(t) for label, t in rows])
              for name, title, rows in report_tables(report, kind)]
    sheets.append(("Do bao phu", _("Độ bao phủ"), _coverage_headings(), _coverage_rows(report)))
    for name, title, headings, rows in sheets:
        sheet = workbook.create_sheet(name)
        sheet.append([_title(report, kind)])
        sheet.append([f"{title} — {_period_text(report)}"])
        sheet.append([])
        sheet.append(headings)
        for cell in sheet[4]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                keep_text(cell)
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.freeze_panes = "B5"
        sheet.column_dimensions["A"].width = 48
        for index in range(2, len(headings) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 14
        if headings == [_("Nội dung")] + _headings():
            for cell in sheet["F"][4:]:
                cell.number_format = "0.0%"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.print_title_rows = "4:4"
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    return str(value)


def report_pdf(report: Report, kind: str, issuer: list[str]) -> io.BytesIO:
    """The report as an A4 landscape PDF with the official heading (`issuer`: the issuing
    body's lines, from the issuer settings: training.units.issuers), the tables and the charts."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title=_title(report, kind))
    # Unit and programme names are data: escaped, since reportlab reads & and < as markup.
    story = [header_block(issuer, doc.width), Spacer(1, 6 * mm),
             paragraph(tagged(_title(report, kind), "b"), 13, align=TA_CENTER),
             paragraph(escaped(_period_text(report)), 10, align=TA_CENTER), Spacer(1, 4 * mm)]
    for _name, title, rows in report_tables(report, kind):
        data = [[paragraph(tagged(title, "b"), 8)] + [paragraph(tagged(h, "b"), 8) for h in _headings()]]
        data += [[paragraph(escaped(label), 8)] + [_cell(v) for v in _figures(t)] for label, t in rows]
        table = Table(data, colWidths=[doc.width * 0.34] + [doc.width * 0.66 / 8] * 8, repeatRows=1)
        table.setStyle(_grid())
        story += [table, Spacer(1, 4 * mm)]
    coverage = [[paragraph(tagged(h, "b"), 8) for h in _coverage_headings()]]
    coverage += [[paragraph(escaped(v), 8) for v in row] for row in _coverage_rows(report)]
    widths = [doc.width * 0.2, doc.width * 0.06, doc.width * 0.08, doc.width * 0.29, doc.width * 0.08, doc.width * 0.29]
    table = Table(coverage, colWidths=widths, repeatRows=1)
    table.setStyle(_grid())
    story += [paragraph(tagged(_("Độ bao phủ"), "b"), 10), table]
    for drawing in report_drawings(report, kind):
        story += [Spacer(1, 5 * mm), KeepTogether([_fit(drawing, doc.width, doc.height - 10 * mm)])]
    doc.build(story)
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
    return TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 8), ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#efece8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ])
