"""The timetable of a course (lịch học lớp bồi dưỡng) as an A4 PDF, the attachment of the plan
(Kế hoạch) by which the office opens the course: the issuing office and national motto, the
title with "(Kèm theo Kế hoạch số …)" for the plan's number and date, the course facts, the
table of sessions with their breaks (its header row repeated on every page), the total periods
and the signer, kept with the table's last rows. Laid out after Nghị định 30/2020.

`course_plan_pdf` returns a BytesIO; the view sends it.
"""

from datetime import date
from io import BytesIO

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from ..clock import local_today, to_local
from ..pdf.fonts import SERIF, SERIF_BOLD, escaped, paragraph, register_fonts, tagged
from ..pdf.issuer import Issuer
from ..pdf.paper import (
    TEXT_WIDTH,
    PageMark,
    Rule,
    build_keeping_signer,
    closing,
    header_block,
    headless,
    issuer_lines,
    keep_with,
    page_number,
    portrait_document,
    signer_flowables,
    table_tail,
)
from ..pdf.words import in_text, place_and_date
from ..people import GROUP_LABELS
from ..units.issuers import issuer_for
from .calendar import course_dates, weekday_name
from .models import Course, CourseSession
from .planning import session_break

#: STT, date, time, module, periods, venue, trainer (sums to the text width, 165 mm)
COLUMNS = (10 * mm, 22 * mm, 24 * mm, 48 * mm, 11 * mm, 26 * mm, 24 * mm)
CELL = 11
#: the text width of the page and the issuing body's share of the heading (header_block's)
WIDTH, HEADING_LEFT_SHARE = TEXT_WIDTH, 0.4


def _facts(course: Course) -> list:
    curriculum = course.curriculum
    rows = [
        (_("Chương trình"), f"{escaped(curriculum.code)}. {escaped(curriculum.title)}"),
        (_("Tên lớp"), escaped(course.title)),
        (_("Mã lớp"), escaped(course.code)),
        (_("Đối tượng"), "; ".join(escaped(in_text(str(GROUP_LABELS.get(g, g)))) for g in curriculum.groups)),
        (_("Thời gian"), escaped(course_dates(course))),
        (_("Địa điểm"), escaped(course.venue)),
        (_("Giảng viên"), escaped(", ".join(t.full_name for t in course.trainers)) or "—"),
        (_("Số học viên"), escaped(_("%(n)d người", n=len(course.active_enrolments)))),
        (_("Thời lượng"), escaped(_("%(n)d tiết (mỗi tiết 45 phút)", n=curriculum.periods))),
    ]
    table = Table(
        [[paragraph(f"<b>{escaped(label)}:</b>", 13), paragraph(value, 13, align=TA_JUSTIFY)] for label, value in rows],
        colWidths=[36 * mm, 129 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SERIF, 13),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return [table]


def break_text(session: CourseSession) -> str:
    """Where a session's break falls, as the timetable prints it ("nghỉ giải lao 09:45–10:00");
    "" for a session without one."""
    pause = session_break(session)
    if pause is None:
        return ""
    return _("nghỉ giải lao %(a)s–%(b)s", a=pause[0].strftime("%H:%M"), b=pause[1].strftime("%H:%M"))


def _session_rows(course: Course) -> list[list]:
    head = [_("STT"), _("Ngày"), _("Thời gian"), _("Chuyên đề"), _("Số tiết"), _("Địa điểm"), _("Giảng viên")]
    rows = [[paragraph(f"<b>{escaped(h)}</b>", CELL, align=TA_CENTER) for h in head]]
    for number, session in enumerate(course.sessions, start=1):
        start, end = to_local(session.starts_at), to_local(session.ends_at)
        module = session.module
        module_text = f"<b>{escaped(session.module_code)}</b>" + (f". {escaped(module.title)}" if module else "")
        pause = break_text(session)
        time_text = f"{start.strftime('%H:%M')}–{end.strftime('%H:%M')}"
        if pause:
            time_text += f"<br/><i><font size=9>({escaped(pause)})</font></i>"
        rows.append(
            [
                paragraph(str(number), CELL, align=TA_CENTER),
                paragraph(f"{escaped(weekday_name(start.date()))}<br/>{start.strftime('%d/%m/%Y')}", CELL),
                paragraph(time_text, CELL, align=TA_CENTER),
                paragraph(module_text, CELL),
                paragraph(str(session.periods), CELL, align=TA_CENTER),
                paragraph(escaped(session.venue), CELL),
                paragraph(escaped(session.trainer.full_name) if session.trainer else "—", CELL),
            ]
        )
    total = sum(s.periods for s in course.sessions)
    rows.append(
        [
            paragraph(tagged(_("Tổng số tiết"), "b"), CELL, align=TA_RIGHT),
            "",
            "",
            "",
            paragraph(f"<b>{total}</b>", CELL, align=TA_CENTER),
            "",
            "",
        ]
    )
    return rows


def _sessions_table(rows: list[list], header: bool = True) -> Table:
    table = Table(rows, colWidths=COLUMNS, repeatRows=1 if header else 0)
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), SERIF),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if len(rows) > 1 and rows[-1][1] == "" and rows[-1][3] == "":
        commands.append(("SPAN", (0, -1), (3, -1)))  # the total's row
    table.setStyle(TableStyle(commands if header else headless(commands, 1)))
    return table


def heading_lines(issuer: Issuer) -> list[tuple[bool, str]]:
    """The issuing body's lines as the timetable's heading cuts them, each with whether it is
    bold: the plan page prints the same lines."""
    return [(font == SERIF_BOLD, text) for font, text in issuer_lines(issuer, WIDTH * HEADING_LEFT_SHARE - 2)]


def attached_to(issuer: Issuer) -> str:
    """The line under the timetable's title naming the plan it is attached to, left for the
    plan's number and date (the number's symbol names the issuing body)."""
    return _("(Kèm theo Kế hoạch số ……/KH-%(symbol)s ngày …… tháng …… năm ……)", symbol=issuer.symbol)


def paper_date(course: Course, today: date | None = None) -> date:
    """The timetable's date: it is issued before the course, so never later than its first day."""
    today = today or local_today()
    return min(today, course.starts_on) if course.starts_on else today


def course_plan_pdf(course: Course, on: date | None = None, issuer: Issuer | None = None) -> BytesIO:
    """The timetable of a course as an A4 PDF in the papers' serif. `on`: its date (by default
    today, or the course's first day once that is past); `issuer`: the issuer in force then
    (training.units.issuers.issuer_for's when not given)."""
    register_fonts()
    on = on or paper_date(course)
    issuer = issuer or issuer_for(on, course.unit)
    width = WIDTH

    def make_doc(buffer):
        title = _("Lịch học lớp bồi dưỡng %(code)s", code=course.code)
        return portrait_document(buffer, title, course.unit.name, course.curriculum.title)

    attached = attached_to(issuer)

    def story(log: dict, split: bool) -> list:
        parts = [
            header_block(issuer, width, dated=place_and_date(issuer.place, on), left_share=HEADING_LEFT_SHARE),
            Spacer(1, 8 * mm),
            paragraph(tagged(_("LỊCH HỌC LỚP BỒI DƯỠNG"), "b"), 14, align=TA_CENTER),
            paragraph(f"<b>{escaped(course.curriculum.title)}</b>", 14, align=TA_CENTER),
            paragraph(tagged(attached, "i"), 13, align=TA_CENTER),
            Spacer(1, 1.5 * mm),  # clear of the descenders of the italic line above
            Rule(30 * mm),
            Spacer(1, 4 * mm),
            *_facts(course),
            Spacer(1, 4 * mm),
        ]
        last_rows = []
        if course.sessions:
            rows, last_rows = table_tail(_sessions_table, _session_rows(course), 1, split)
            parts += rows
        else:
            parts.append(paragraph(tagged(_("Chưa có buổi học nào."), "i"), 13))
        parts.append(PageMark(log, "table"))
        parts.append(
            keep_with(log, *last_rows, Spacer(1, 6 * mm), closing(width, [], signer_flowables(issuer), left_share=0.45))
        )
        return parts

    buffer = BytesIO(build_keeping_signer(make_doc, story, onFirstPage=page_number, onLaterPages=page_number))
    buffer.seek(0)
    return buffer
