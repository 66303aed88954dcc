"""The attendance sheet (danh sách điểm danh) of a course, and the blank sign-in sheet printed
before it starts: the data they show, assembled once (the HTML page renders it in
templates/attendance/sheet.html, sheet_pdf.py, signin_pdf.py and sheet_xlsx.py draw the papers from it).

Pure document code: functions take a course and return plain data; the views send it.
Strings go through gettext, and the views render the official papers in Vietnamese.
"""

import math
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..clock import local_today, to_local
from ..courses.calendar import course_dates
from ..courses.models import Course, CourseSession
from ..extensions import db
from ..pdf.issuer import Issuer
from ..pdf.words import percent, place_and_date
from ..people.models import Trainee
from ..units.issuers import issuer_for
from .models import Attendance
from .shares import course_attendance

#: the mark printed for each attendance status (a blank cell: not marked)
MARKS = {"present": "x", "late": "M", "absent": "V", "excused": "P"}
#: morning (Sáng) and afternoon (Chiều), by the session's local start hour
MORNING, AFTERNOON = "S", "C"
#: more session columns than this and the sheet is cut into parts (each repeats STT and name)
MAX_SESSIONS_PER_PART = 20


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
        """ "Phần 2/3: buổi 13-24 (…)", above the part's table on the page and in the PDF."""
        return _(
            "Phần %(n)d/%(total)d: buổi %(a)d-%(b)d (%(first)s - %(last)s)",
            n=self.number,
            total=self.count,
            a=self.first_column + 1,
            b=self.first_column + len(self.columns),
            first=self.columns[0].label,
            last=self.columns[-1].label,
        )


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
        """ "Yên Thế, ngày 04 tháng 3 năm 2026", above the signer."""
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
        chunk = columns[index * size : (index + 1) * size]
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
            select(Attendance.trainee_id, Attendance.session_id, Attendance.remark).where(
                Attendance.session_id.in_(labels), Attendance.remark != ""
            )
        )
        for trainee_id, session_id, remark in sorted(
            found, key=lambda r: (r.trainee_id, list(labels).index(r.session_id))
        ):
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
        rows.append(
            Row(
                number=number,
                trainee=trainee,
                name=trainee.full_name,
                position=trainee.position or "",
                commune=trainee.commune.name if trainee.commune else "",
                marks=[MARKS.get(record.marks.get(c.session.id, ""), "") for c in columns],
                attended=record.attended_periods,
                required=record.required_periods,
                share=record.share,
                remark=remarks.get(trainee.id, ""),
            )
        )
    curriculum = course.curriculum
    on = paper_date(course)
    return SheetData(
        course=course,
        issuer=issuer or issuer_for(on, course.unit),
        on=on,
        programme=f"{curriculum.code}. {curriculum.title}",
        dates=course_dates(course),
        columns=columns,
        rows=rows,
        excused_counts=curriculum.completion.excused_counts,
        required_periods=curriculum.periods,
        parts=split_parts(columns, MAX_SESSIONS_PER_PART),
    )


def legend(data: SheetData) -> str:
    """What the marks mean, printed under the table."""
    text = _(
        "Ký hiệu: x - có mặt; M - đi muộn; V - vắng không phép; P - vắng có phép; ô trống - chưa điểm danh. "
        "S - buổi sáng; C - buổi chiều."
    )
    counted = _("Số tiết: số tiết đã tham dự/số tiết của chương trình; đi muộn được tính là có mặt")
    if data.excused_counts:
        counted += _(", vắng có phép cũng được tính")
    return f"{text} {counted}."
