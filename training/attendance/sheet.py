"""The attendance sheet (danh sách điểm danh) of a course, and the blank sign-in sheet printed
before it starts: the data they show, assembled once, and its PDF and XLSX forms (the HTML
page renders the same data in templates/attendance/sheet.html).

Pure document code: functions take a course and return bytes or plain data; the views send
them. Strings go through gettext, and the views render the official papers in Vietnamese.
"""
import math
from copy import copy
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select

from ..clock import local_today, to_local
from ..courses.calendar import course_dates
from ..courses.models import Course, CourseSession
from ..extensions import db
from ..pdf import (
    ISSUER_SIZE,
    MOTTO,
    MOTTO_SIZE,
    MOTTO_SUB,
    MOTTO_SUB_SIZE,
    SERIF,
    SERIF_BOLD,
    PageMark,
    build_keeping_signer,
    closing,
    escaped,
    header_block,
    headless,
    keep_with,
    page_number,
    paragraph,
    percent,
    place_and_date,
    register_fonts,
    signer_flowables,
    style,
    table_tail,
    tagged,
)
from ..pdf.issuer import Issuer
from ..people.models import Trainee
from ..spreadsheets import PAPER_FONT, keep_text
from ..units.issuers import issuer_for
from .models import Attendance
from .services import course_attendance

#: the mark printed for each attendance status (a blank cell: not marked)
MARKS = {"present": "x", "late": "M", "absent": "V", "excused": "P"}
#: morning (Sáng) and afternoon (Chiều), by the session's local start hour
MORNING, AFTERNOON = "S", "C"
#: more session columns than this and the sheet is cut into parts (each repeats STT and name)
MAX_SESSIONS_PER_PART = 20
#: signature boxes per part of the blank sign-in sheet (a box must be wide enough to sign in)
MAX_BOXES_PER_PART = 8


# --- the data --------------------------------------------------------------------------------

@dataclass
class Column:
    """One session of the course as a column of the sheet."""

    session: CourseSession
    day: date
    #: MORNING or AFTERNOON
    half: str

    @property
    def day_label(self) -> str:
        return self.day.strftime("%d/%m")

    @property
    def label(self) -> str:
        return f"{self.day_label} {self.half}"


@dataclass
class Row:
    """One enrolled trainee: their details, a mark per column, attended periods and share."""

    number: int
    trainee: Trainee
    name: str
    position: str
    commune: str
    marks: list[str]
    attended: int
    required: int
    share: float
    #: the remarks written when marking (an absence's reason), each after its session: "03/03 S: Ốm, có giấy"
    remark: str = ""

    @property
    def periods_label(self) -> str:
        return f"{self.attended}/{self.required}"

    @property
    def share_label(self) -> str:
        """The share as a paper writes it: "94%" (a decimal comma where there are decimals)."""
        return percent(self.share, 0)


@dataclass
class Part:
    """A slice of the session columns printed as one table; the first part carries the
    position and commune, the last the totals and the signature."""

    number: int
    count: int
    columns: list[Column]
    first_column: int
    first: bool
    last: bool

    @property
    def heading(self) -> str:
        """"Phần 2/3: buổi 13-24 (…)", above the part's table on the page and in the PDF."""
        return _("Phần %(n)d/%(total)d: buổi %(a)d-%(b)d (%(first)s - %(last)s)", n=self.number, total=self.count,
                 a=self.first_column + 1, b=self.first_column + len(self.columns), first=self.columns[0].label,
                 last=self.columns[-1].label)


@dataclass
class DayGroup:
    """Consecutive columns of the same day, for the spanning date heading."""

    label: str
    span: int


@dataclass
class SheetData:
    course: Course
    #: who issues the sheet, as printed (the settings in force on `on`)
    issuer: Issuer
    #: the sheet's date: the course's last day once it is over, else today
    on: date
    programme: str
    dates: str
    columns: list[Column]
    rows: list[Row]
    excused_counts: bool
    required_periods: int
    parts: list[Part] = field(default_factory=list)

    @property
    def dated(self) -> str:
        """"Yên Thế, ngày 04 tháng 3 năm 2026", above the signer."""
        return place_and_date(self.issuer.place, self.on)


def session_column(session: CourseSession) -> Column:
    start = to_local(session.starts_at)
    return Column(session, start.date(), MORNING if start.hour < 12 else AFTERNOON)


def split_parts(columns: list, limit: int) -> list[Part]:
    """Cut the columns into as few parts of at most `limit` as possible, of balanced size."""
    count = max(1, math.ceil(len(columns) / limit))
    size = math.ceil(len(columns) / count) if columns else 0
    parts = []
    for index in range(count):
        chunk = columns[index * size:(index + 1) * size]
        parts.append(Part(index + 1, count, chunk, index * size, index == 0, index == count - 1))
    return parts


def day_groups(columns: list[Column]) -> list[DayGroup]:
    groups: list[DayGroup] = []
    for column in columns:
        if groups and groups[-1].label == column.day_label:
            groups[-1].span += 1
        else:
            groups.append(DayGroup(column.day_label, 1))
    return groups


def _remarks(columns: list[Column]) -> dict[int, str]:
    """Each trainee's remarks over the course (one query), session by session: "03/03 S: Ốm, có giấy"."""
    labels = {column.session.id: column.label for column in columns}
    remarks: dict[int, list[str]] = {}
    if labels:
        found = db.session.execute(
            select(Attendance.trainee_id, Attendance.session_id, Attendance.remark)
            .where(Attendance.session_id.in_(labels), Attendance.remark != "")
        )
        for trainee_id, session_id, remark in sorted(found, key=lambda r: (r.trainee_id, list(labels).index(r.session_id))):
            if remark and remark.strip():
                remarks.setdefault(trainee_id, []).append(f"{labels[session_id]}: {remark.strip()}")
    return {trainee_id: "; ".join(parts) for trainee_id, parts in remarks.items()}


def paper_date(course: Course) -> date:
    """The date an attendance sheet bears: the course's last day once it is over, else today."""
    today = local_today()
    last = to_local(course.sessions[-1].ends_at).date() if course.sessions else course.ends_on
    return min(last, today) if last else today


def sheet_data(course: Course, issuer: Issuer | None = None) -> SheetData:
    """Everything the attendance sheet shows, in Vietnamese name order (as course_attendance
    gives it). A handful of queries, whatever the number of trainees. `issuer`: the one in
    force on the sheet's date (training.units.issuers.issuer_for's when not given)."""
    records = course_attendance(course)  # the trainees and their communes come with it
    columns = [session_column(s) for s in course.sessions]
    remarks = _remarks(columns)
    rows = []
    for number, record in enumerate(records, start=1):
        trainee = record.enrolment.trainee
        rows.append(Row(
            number=number, trainee=trainee, name=trainee.full_name, position=trainee.position or "",
            commune=trainee.commune.name if trainee.commune else "",
            marks=[MARKS.get(record.marks.get(c.session.id, ""), "") for c in columns],
            attended=record.attended_periods, required=record.required_periods, share=record.share,
            remark=remarks.get(trainee.id, ""),
        ))
    curriculum = course.curriculum
    on = paper_date(course)
    return SheetData(
        course=course, issuer=issuer or issuer_for(on, course.unit), on=on,
        programme=f"{curriculum.code}. {curriculum.title}", dates=course_dates(course), columns=columns, rows=rows,
        excused_counts=curriculum.completion.excused_counts, required_periods=curriculum.periods,
        parts=split_parts(columns, MAX_SESSIONS_PER_PART),
    )


def legend(data: SheetData) -> str:
    """What the marks mean, printed under the table."""
    text = _("Ký hiệu: x - có mặt; M - đi muộn; V - vắng không phép; P - vắng có phép; ô trống - chưa điểm danh. "
             "S - buổi sáng; C - buổi chiều.")
    counted = _("Số tiết: số tiết đã tham dự/số tiết của chương trình; đi muộn được tính là có mặt")
    if data.excused_counts:
        counted += _(", vắng có phép cũng được tính")
    return f"{text} {counted}."


# --- PDF pieces shared by the attendance and sign-in sheets ----------------------------------

PAGE = landscape(A4)
#: margins of Nghị định 30 for a landscape page: the binding edge (top) a little wider
MARGIN = 15 * mm
TOP_MARGIN = 20 * mm
WIDTH = PAGE[0] - 2 * MARGIN
GRID = colors.black
HEAD_BG = colors.HexColor("#eeeeee")
#: the size of the trainees' rows (a table on a landscape page; the body text is 13 pt)
CELL_SIZE = 10
#: room to sign on a sheet (a landscape page has less of it than a portrait one)
SIGN_SPACE = 18 * mm


def _document(title: str, course: Course):
    """A function making the sheet's doc template on a buffer (build_keeping_signer may build twice)."""
    def make(buffer: BytesIO) -> SimpleDocTemplate:
        return SimpleDocTemplate(
            buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=TOP_MARGIN, bottomMargin=MARGIN,
            title=title, author=course.unit.name, subject=course.title, initialFontName=SERIF,
        )
    return make


def _heading(data: SheetData, title: str) -> list:
    course = data.course
    def fact(label: str, value: str) -> str:
        return f"{tagged(label + ':', 'b')} {escaped(value)}"

    facts = [
        fact(_("Chương trình"), data.programme),
        " &nbsp;&nbsp; ".join([fact(_("Mã lớp"), course.code), fact(_("Thời gian"), data.dates),
                               fact(_("Địa điểm"), course.venue)]),
    ]
    return [
        header_block(data.issuer, WIDTH, left_share=0.42),
        Spacer(1, 4 * mm),
        paragraph(f"<b>{escaped(title)}</b>", 14, align=TA_CENTER),
        Spacer(1, 1 * mm),
        paragraph(f"<b>{escaped(course.title)}</b>", 13, align=TA_CENTER),
        Spacer(1, 1.5 * mm),
        *[paragraph(line, 12, align=TA_CENTER) for line in facts],
        Spacer(1, 3 * mm),
    ]


def _signer_block(data: SheetData, blank: bool) -> Table:
    """The foot of the sheet: the person who drew it up on the left, the date and the head of
    the organising body on the right. A blank form leaves the date to fill and says how to sign;
    an issued sheet bears its date and the signer of the issuer settings."""
    maker = [paragraph("", 12), paragraph(tagged(_("NGƯỜI LẬP BIỂU"), "b"), 13, align=TA_CENTER)]
    if blank:
        maker.append(paragraph(tagged(_("(Ký, ghi rõ họ tên)"), "i"), 12, align=TA_CENTER))
        head = Issuer(body_lines=data.issuer.body_lines, place=data.issuer.place,
                      signer_title=(_("THỦ TRƯỞNG CƠ QUAN TỔ CHỨC LỚP"),), signer_name="", symbol=data.issuer.symbol,
                      certifying_title=data.issuer.certifying_title)
        right = signer_flowables(head, place_and_date(data.issuer.place, None), blank=True, space=SIGN_SPACE)
    else:
        right = signer_flowables(data.issuer, place_and_date(data.issuer.place, data.on), space=SIGN_SPACE)
    return closing(WIDTH, maker, right, left_share=0.4)


def _ending(data: SheetData, log: dict, blank: bool, note: str | None, last_rows: list) -> list:
    """What ends the sheet, kept together: the table's last rows, the legend or note, the signers."""
    parts = list(last_rows)
    if note:
        parts += [Spacer(1, 2 * mm), paragraph(tagged(note, "i"), 11)]
    parts += [Spacer(1, 3 * mm), _signer_block(data, blank)]
    return [keep_with(log, *parts)]


def _fit_size(text: str, width: float, largest: float, smallest: float = 5) -> float:
    """The largest font size (down to `smallest`) at which `text` fits in `width` points."""
    needed = stringWidth(text, SERIF_BOLD, 1)
    return max(smallest, min(largest, (width - 2) / needed if needed else largest))


def _grid_style(header_rows: int) -> list:
    return [
        ("FONT", (0, 0), (-1, -1), SERIF, CELL_SIZE),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_BG),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]


# --- the attendance sheet as PDF --------------------------------------------------------------

#: widths (mm) of the fixed columns; the session columns share what is left
STT_W, NAME_W, POSITION_W, COMMUNE_W, PERIODS_W, SHARE_W, NOTE_W = 9, 40, 32, 28, 14, 12, 24
#: a session column is never wider than this; spare width goes to the text columns
SESSION_MAX_W = 11


def _widen_to_fit(columns: list[tuple[list[float], int, list[str], float]], spare: float) -> float:
    """Widen columns so that their longest entry stays on one line, within `spare` mm: the
    column lacking least first, so that when not all can, a name or commune still does and the
    long position takes the rest. A column: its list of widths in mm, its index there, its
    entries and their font size. Returns the spare width left."""
    lacking = [(max([0.0] + [(stringWidth(entry, SERIF, size) + 6) / mm - widths[index] for entry in entries]), widths, index)
               for widths, index, entries, size in columns]
    for short, widths, index in sorted(lacking, key=lambda item: item[0]):
        given = min(short, spare)
        widths[index] += given
        spare -= given
    return spare


def _attendance_widths(part: Part, data: SheetData) -> tuple[list[float], float]:
    """Column widths (points) of one part of the sheet and the width of a session column.
    The width the session columns leave goes first where the longest name, position or
    commune needs it to stay on one line, the rest in fixed shares (the remarks column takes
    some only when a trainee has a remark)."""
    text = [STT_W, NAME_W] + ([POSITION_W, COMMUNE_W] if part.first else [])
    tail = [PERIODS_W, SHARE_W, NOTE_W] if part.last else []
    free = WIDTH / mm - sum(text) - sum(tail)
    n = len(part.columns)
    session_w = min(SESSION_MAX_W, free / n) if n else 0
    spare = free - session_w * n
    if spare > 0:
        # First the name, position, commune and remarks where their longest entry needs it.
        columns = [(text, 1, [row.name for row in data.rows], CELL_SIZE)]
        if part.first:
            columns += [(text, 2, [row.position for row in data.rows], CELL_SIZE),
                        (text, 3, [row.commune for row in data.rows], CELL_SIZE)]
        if part.last:
            columns.append((tail, -1, [row.remark for row in data.rows], CELL_SIZE - 1))
        spare = _widen_to_fit(columns, spare)
        # Then the position most, a position ("Phó Chủ tịch Hội Liên hiệp Phụ nữ xã") being longer than any name.
        grow = {1: 0.2, 2: 0.5, 3: 0.3} if part.first else {1: 1.0}
        if part.last and any(row.remark for row in data.rows):
            # The remarks get a share too: a third, or half when they are beside the name alone.
            grow = {k: v * (0.67 if part.first else 0.5) for k, v in grow.items()}
        for index, share in grow.items():
            text[index] += spare * share
        if tail:
            tail[-1] += spare * (1 - sum(grow.values()))
    widths = text + [session_w] * n + tail
    return [w * mm for w in widths], session_w * mm


def _attendance_rows(data: SheetData, part: Part) -> tuple[list[list], list, list[float], float]:
    """The rows (two heading rows first), the style commands, the widths and the session
    column's width of one part of the sheet."""
    widths, session_w = _attendance_widths(part, data)
    n = len(part.columns)
    lead = 4 if part.first else 2
    mark_size = max(7, min(10, session_w / 2.2))
    head_size = 9.5

    def head(text):
        return paragraph(f"<b>{escaped(text)}</b>", head_size, align=TA_CENTER, leading=head_size * 1.15)

    top = [head(_("STT")), head(_("Họ và tên"))]
    if part.first:
        top += [head(_("Chức vụ")), head(_("Đơn vị (xã)"))]
    top += [""] * n
    if part.last:
        top += [head(_("Số tiết")), head(_("Tỷ lệ")), head(_("Ghi chú"))]
    second = [""] * len(top)
    commands = _grid_style(2) + [
        ("ALIGN", (0, 0), (-1, 1), "CENTER"),
        ("ALIGN", (0, 2), (0, -1), "CENTER"),
        ("ALIGN", (lead, 2), (-1, -1), "CENTER"),
        ("TOPPADDING", (0, 2), (-1, -1), ROW_PADDING),
        ("BOTTOMPADDING", (0, 2), (-1, -1), ROW_PADDING),
    ]
    # The fixed columns span both heading rows; the session columns show the date above, S/C below.
    for index in list(range(lead)) + list(range(lead + n, len(top))):
        commands.append(("SPAN", (index, 0), (index, 1)))
    column = lead
    for group in day_groups(part.columns):
        size = _fit_size(group.label, session_w * group.span, head_size)
        top[column] = group.label
        commands += [("SPAN", (column, 0), (column + group.span - 1, 0)), ("FONT", (column, 0), (column, 0), SERIF_BOLD, size)]
        column += group.span
    for offset, col in enumerate(part.columns):
        second[lead + offset] = col.half
    if n:
        commands += [("FONT", (lead, 2), (lead + n - 1, -1), SERIF_BOLD, mark_size),
                     ("FONT", (lead, 1), (lead + n - 1, 1), SERIF_BOLD, min(head_size, mark_size))]

    body_style = style(CELL_SIZE, leading=CELL_SIZE * 1.2)
    note_style = style(CELL_SIZE - 1, leading=(CELL_SIZE - 1) * 1.2)
    rows = [top, second]
    chunk = slice(part.first_column, part.first_column + n)
    for row in data.rows:
        cells = [str(row.number), Paragraph(escaped(row.name), body_style)]
        if part.first:
            cells += [Paragraph(escaped(row.position), body_style), Paragraph(escaped(row.commune), body_style)]
        cells += row.marks[chunk]
        if part.last:
            cells += [row.periods_label, row.share_label, Paragraph(escaped(row.remark), note_style)]
        rows.append(cells)
    return rows, commands, widths, body_style.leading


def _table_maker(commands: list, widths: list[float], padding: float, line: float):
    """Builds a table of the sheet from its heading rows and some of its body rows."""
    def make(rows: list[list], header: bool = True) -> Table:
        if header:
            heights = [None, None] + _row_heights(rows[2:], widths, padding, line)
            table = Table(rows, colWidths=widths, rowHeights=heights, repeatRows=2)
            table.setStyle(TableStyle(commands))
        else:
            table = Table(rows, colWidths=widths, rowHeights=_row_heights(rows, widths, padding, line))
            table.setStyle(TableStyle(headless(commands, 2)))
        return table
    return make


#: top and bottom padding of a trainee's row on the attendance sheet
ROW_PADDING = 3.5


def _row_heights(rows: list[list], widths: list[float], padding: float, line: float) -> list[float]:
    """Each row's height, computed once: reportlab would otherwise wrap every paragraph again
    each time a long table is split across pages."""
    heights = []
    for cells in rows:
        tallest = line
        for cell, width in zip(cells, widths):
            if isinstance(cell, Paragraph):
                tallest = max(tallest, cell.wrap(width - 4, 10_000)[1])
        heights.append(tallest + 2 * padding)
    return heights


def _tables_by_part(data: SheetData, parts: list[Part], heading, rows_of, padding: float, log: dict,
                    split: bool) -> tuple[list, list]:
    """The sheet's tables for the story: a note when nobody is enrolled, else a table for each
    part (rows_of(data, part) gives its rows, style, widths and line height), each part after
    the first on a new page, headed by heading(part) when there are several. Returns the story
    and the last part's last rows, which go with the signers (training.pdf.build_keeping_signer)."""
    if not data.rows:
        return [paragraph(tagged(_("Lớp bồi dưỡng chưa có học viên."), "i"), 12), PageMark(log, "table")], []
    story, last_rows = [], []
    for part in parts:
        if part.count > 1:
            if not part.first:
                story.append(PageBreak())
            story += [paragraph(f"<b>{escaped(heading(part))}</b>", 12), Spacer(1, 1.5 * mm)]
        rows, commands, widths, line = rows_of(data, part)
        make = _table_maker(commands, widths, padding, line)
        if part.last:
            body, last_rows = table_tail(make, rows, 2, split)
            story += body
        else:
            story.append(make(rows))
    return story + [PageMark(log, "table")], last_rows


def attendance_pdf(data: SheetData) -> bytes:
    """The attendance sheet: A4 landscape, the official heading, a row per trainee with a mark
    per session, periods, share and the remarks made when marking; the legend and the signers
    at the end, with at least the last rows of the table."""
    register_fonts()
    course = data.course
    title = _("DANH SÁCH ĐIỂM DANH HỌC VIÊN")

    def story(log: dict, split: bool) -> list:
        tables, last_rows = _tables_by_part(data, data.parts, lambda part: part.heading, _attendance_rows, ROW_PADDING,
                                            log, split)
        return _heading(data, title) + tables + _ending(data, log, blank=False, note=legend(data), last_rows=last_rows)

    return build_keeping_signer(_document(_("Danh sách điểm danh %(code)s", code=course.code), course), story,
                                onFirstPage=page_number, onLaterPages=page_number)


# --- the blank sign-in sheet as PDF -----------------------------------------------------------

@dataclass
class Box:
    """A signature box of the blank sheet: one session, or a whole day when there are many."""

    heading: str
    sub: str


def signin_boxes(data: SheetData) -> list[Box]:
    """One box per session when they fit on a page, else one per day; one plain box when the
    course has no sessions yet."""
    if not data.columns:
        return [Box(_("Ký tên"), "")]
    if len(data.columns) <= MAX_BOXES_PER_PART:
        return [Box(c.day_label, _("Sáng") if c.half == MORNING else _("Chiều")) for c in data.columns]
    days: list[date] = []
    for column in data.columns:
        if not days or days[-1] != column.day:
            days.append(column.day)
    return [Box(day.strftime("%d/%m"), _("Ngày %(n)d", n=index)) for index, day in enumerate(days, start=1)]


#: top and bottom padding of a row of the sign-in sheet: a box tall enough for a signature
SIGN_PADDING = 5
#: widths (mm) of the sign-in sheet's text columns and its remarks column; the spare width
#: the boxes leave goes where the longest name, position or commune needs it, then to them in
#: SIGNIN_GROW's shares
SIGNIN_NAME_W, SIGNIN_POSITION_W, SIGNIN_COMMUNE_W, SIGNIN_NOTE_W = 38, 40, 28, 22
SIGNIN_GROW = {1: 0.15, 2: 0.6, 3: 0.25}
#: widths (mm) of a signature box: room enough to sign, and no wider than a signature needs
SIGN_BOX_MIN, SIGN_BOX_MAX = 28, 40


def _signin_rows(data: SheetData, part: Part) -> tuple[list[list], list, list[float], float]:
    lead_widths = [STT_W, SIGNIN_NAME_W] + ([SIGNIN_POSITION_W, SIGNIN_COMMUNE_W] if part.first else [])
    tail_widths = [SIGNIN_NOTE_W] if part.last else []
    n = len(part.columns)
    free = WIDTH / mm - sum(lead_widths) - sum(tail_widths)
    # The text columns may take what boxes wider than SIGN_BOX_MIN would have; then the boxes
    # grow up to SIGN_BOX_MAX, and the text columns take what is left.
    box_min = min(SIGN_BOX_MIN, free / n)
    columns = [(lead_widths, 1, [row.name for row in data.rows], CELL_SIZE + 0.5)]
    if part.first:
        columns += [(lead_widths, 2, [row.position for row in data.rows], CELL_SIZE),
                    (lead_widths, 3, [row.commune for row in data.rows], CELL_SIZE)]
    left = _widen_to_fit(columns, free - box_min * n)
    box_w = min(SIGN_BOX_MAX, box_min + left / n)
    spare = left - (box_w - box_min) * n
    grow = SIGNIN_GROW if part.first else {1: 1.0}
    for index, share in grow.items():
        lead_widths[index] += spare * share
    lead = len(lead_widths)

    def head(text, size=10):
        return paragraph(f"<b>{escaped(text)}</b>", size, align=TA_CENTER, leading=size * 1.15)

    top = [head(_("STT")), head(_("Họ và tên"))] + ([head(_("Chức vụ")), head(_("Đơn vị (xã)"))] if part.first else [])
    top += [head(box.heading) for box in part.columns]
    second = [""] * lead + [paragraph(escaped(box.sub), 9.5, align=TA_CENTER) for box in part.columns]
    if part.last:
        top.append(head(_("Ghi chú")))
        second.append("")
    commands = _grid_style(2) + [
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("TOPPADDING", (0, 2), (-1, -1), SIGN_PADDING),
        ("BOTTOMPADDING", (0, 2), (-1, -1), SIGN_PADDING),
    ]
    for index in list(range(lead)) + ([len(top) - 1] if part.last else []):
        commands.append(("SPAN", (index, 0), (index, 1)))
    name_style, small = style(CELL_SIZE + 0.5, leading=(CELL_SIZE + 0.5) * 1.2), style(CELL_SIZE, leading=CELL_SIZE * 1.2)
    rows = [top, second]
    for row in data.rows:
        cells = [str(row.number), Paragraph(escaped(row.name), name_style)]
        if part.first:
            cells += [Paragraph(escaped(row.position), small), Paragraph(escaped(row.commune), small)]
        rows.append(cells + [""] * n + ([""] if part.last else []))
    widths = [w * mm for w in lead_widths + [box_w] * n + tail_widths]
    return rows, commands, widths, name_style.leading


def signin_pdf(data: SheetData) -> bytes:
    """The sheet trainees sign on arrival: the enrolled trainees with an empty box per session
    (or per day when there are many) and a remarks column, printed before the course; a blank
    form, its date and signature left to fill."""
    register_fonts()
    course = data.course
    title = _("DANH SÁCH HỌC VIÊN KÝ NHẬN THAM DỰ LỚP BỒI DƯỠNG")
    parts = split_parts(signin_boxes(data), MAX_BOXES_PER_PART)
    note = _("Học viên ký tên vào ô của ngày học mình tham dự.") if len(data.columns) > MAX_BOXES_PER_PART else None

    def story(log: dict, split: bool) -> list:
        tables, last_rows = _tables_by_part(data, parts, lambda part: _("Phần %(n)d/%(total)d", n=part.number, total=part.count),
                                            _signin_rows, SIGN_PADDING, log, split)
        return _heading(data, title) + tables + _ending(data, log, blank=True, note=note, last_rows=last_rows)

    return build_keeping_signer(_document(_("Danh sách ký nhận %(code)s", code=course.code), course), story,
                                onFirstPage=page_number, onLaterPages=page_number)


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
        banner(1 + index, line.upper(), 1, split,
               font=Font(name=PAPER_FONT, size=ISSUER_SIZE, bold=index == len(issuer.body_lines[:2]) - 1))
    banner(1, MOTTO, split + 1, last_col, font=Font(name=PAPER_FONT, size=MOTTO_SIZE, bold=True))
    banner(2, MOTTO_SUB, split + 1, last_col, font=Font(name=PAPER_FONT, size=MOTTO_SUB_SIZE, bold=True, underline="single"))
    banner(4, _("DANH SÁCH ĐIỂM DANH HỌC VIÊN"), font=Font(name=PAPER_FONT, bold=True, size=14))
    banner(5, course.title, font=Font(name=PAPER_FONT, bold=True, size=13))
    programme, code, dates, venue = _("Chương trình"), _("Mã lớp"), _("Thời gian"), _("Địa điểm")
    banner(6, f"{programme}: {data.programme}", font=Font(name=PAPER_FONT, size=12))
    banner(7, f"{code}: {course.code}   {dates}: {data.dates}   {venue}: {course.venue}", font=Font(name=PAPER_FONT, size=12))

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
        values = [row.number, row.name, row.position, row.commune, *row.marks, row.attended, row.required, row.share, row.remark]
        for col, value in enumerate(values, start=1):
            if offset:
                put(r, col, value, style=prototypes[col - 1])
                continue
            cell = put(r, col, value, border=box, alignment=centred if col == 1 or col >= first_session else wrapped,
                       **({"number_format": SHARE_FORMAT if col == share_col else COUNT_FORMAT}
                          if isinstance(value, (int, float)) else {}))
            prototype = copy(cell._style)
            prototype.quotePrefix = False  # the first trainee's own text may have needed one; not the others'
            prototypes.append(prototype)

    after = head_row + len(data.rows) + 2
    banner(after, legend(data), font=Font(name=PAPER_FONT, italic=True), alignment=Alignment(wrap_text=True, vertical="top"))
    sheet.row_dimensions[after].height = 30
    # The signers as on the PDF: who drew the sheet up on the left, the date and the head of the
    # organising body on the right, the name under the room to sign.
    put(after + 2, split + 1, place_and_date(issuer.place, data.on),
        font=Font(name=PAPER_FONT, italic=True), alignment=Alignment(horizontal="center"))
    sheet.merge_cells(start_row=after + 2, start_column=split + 1, end_row=after + 2, end_column=last_col)
    put(after + 3, 1, _("NGƯỜI LẬP BIỂU"), font=bold, alignment=Alignment(horizontal="center"))
    sheet.merge_cells(start_row=after + 3, start_column=1, end_row=after + 3, end_column=split)
    for offset, line in enumerate(issuer.signer_title):
        put(after + 3 + offset, split + 1, line.upper(), font=bold, alignment=Alignment(horizontal="center"))
        sheet.merge_cells(start_row=after + 3 + offset, start_column=split + 1, end_row=after + 3 + offset, end_column=last_col)
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
