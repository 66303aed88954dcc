"""The course plan (kế hoạch tổ chức lớp bồi dưỡng) as an A4 PDF, built with reportlab from the
shared PDF pieces: the issuing office and national motto, the programme and course facts, the
table of sessions (its header row repeated on every page), the total periods and the signer.

`course_plan_pdf` returns a BytesIO; the view sends it.
"""
from datetime import date
from io import BytesIO

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from ..clock import local_today, to_local
from ..people import GROUP_LABELS
from ..pdf import FONT, escaped, header_block, paragraph, register_fonts, tagged
from ..pdf.issuer import Issuer
from ..units.issuers import issuer_for
from .calendar import course_dates, weekday_name
from .models import Course

MARGIN = 15 * mm
#: STT, date, time, module, periods, venue, trainer (sums to the A4 text width, 180 mm)
COLUMNS = (9 * mm, 24 * mm, 23 * mm, 56 * mm, 12 * mm, 31 * mm, 25 * mm)


def _facts(course: Course) -> list:
    curriculum = course.curriculum
    rows = [
        (_("Chương trình"), f"{escaped(curriculum.code)}. {escaped(curriculum.title)} <font size=8.5>("
         + escaped(_("phiên bản %(v)s", v=course.curriculum_version)) + ")</font>"),
        (_("Tên lớp"), escaped(course.title)),
        (_("Mã lớp"), escaped(course.code)),
        (_("Đối tượng"), "; ".join(escaped(GROUP_LABELS.get(g, g)) for g in curriculum.groups)),
        (_("Thời gian"), escaped(course_dates(course))),
        (_("Địa điểm"), escaped(course.venue)),
        (_("Giảng viên"), escaped(", ".join(t.full_name for t in course.trainers)) or "—"),
        (_("Số học viên"), escaped(_("%(n)d đã ghi danh / %(c)d chỗ", n=len(course.active_enrolments), c=course.capacity))),
        (_("Thời lượng"), escaped(_("%(n)d tiết (mỗi tiết 45 phút)", n=curriculum.periods))),
    ]
    table = Table([[paragraph(f"<b>{escaped(label)}:</b>", 9.5), paragraph(value, 9.5)] for label, value in rows], colWidths=[32 * mm, 148 * mm])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]))
    return [table]


def _sessions_table(course: Course) -> Table:
    head = [_("STT"), _("Ngày"), _("Thời gian"), _("Chuyên đề"), _("Số tiết"), _("Địa điểm"), _("Giảng viên")]
    rows = [[paragraph(f"<b>{escaped(h)}</b>", 9, align=TA_CENTER) for h in head]]
    for number, session in enumerate(course.sessions, start=1):
        start, end = to_local(session.starts_at), to_local(session.ends_at)
        module = session.module
        module_text = f"<b>{escaped(session.module_code)}</b>" + (f". {escaped(module.title)}" if module else "")
        rows.append([
            paragraph(str(number), 9, align=TA_CENTER),
            paragraph(f"{escaped(weekday_name(start.date()))}<br/>{start.strftime('%d/%m/%Y')}", 9),
            paragraph(f"{start.strftime('%H:%M')}–{end.strftime('%H:%M')}", 9, align=TA_CENTER),
            paragraph(module_text, 9),
            paragraph(str(session.periods), 9, align=TA_CENTER),
            paragraph(escaped(session.venue), 9),
            paragraph(escaped(session.trainer.full_name) if session.trainer else "—", 9),
        ])
    total = sum(s.periods for s in course.sessions)
    rows.append([paragraph(tagged(_("Tổng số tiết"), "b"), 9, align=TA_RIGHT), "", "", "", paragraph(f"<b>{total}</b>", 9, align=TA_CENTER), "", ""])
    table = Table(rows, colWidths=COLUMNS, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("SPAN", (0, -1), (3, -1)),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _signer(width: float, issuer: Issuer) -> KeepTogether:
    recipients = [
        paragraph(tagged(_("Nơi nhận:"), "b", "i"), 9),
        paragraph(escaped(_("- %(body)s (để báo cáo);", body=issuer.body_lines[0])), 8.5),
        paragraph(escaped(_("- UBND các xã, phường có học viên;")), 8.5),
        paragraph(escaped(_("- Giảng viên, học viên;")), 8.5),
        paragraph(escaped(_("- Lưu: VT.")), 8.5),
    ]
    signer = [
        *[paragraph(tagged(line, "b"), 10.5, align=TA_CENTER) for line in issuer.signer_title],
        paragraph(escaped(_("(Ký, ghi rõ họ tên và đóng dấu)")), 9, align=TA_CENTER, italic=True),
        Spacer(1, 20 * mm),  # room for the signature and the seal
    ]
    table = Table([[recipients, signer]], colWidths=[width * 0.5, width * 0.5])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([Spacer(1, 6 * mm), table])


def _page_number(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 8)
    canvas.drawRightString(A4[0] - MARGIN, 8 * mm, _("Trang %(n)d", n=doc.page))
    canvas.restoreState()


def course_plan_pdf(course: Course, today: date | None = None) -> BytesIO:
    """The printable plan of a course, as an A4 PDF in a Vietnamese font."""
    register_fonts()
    today = today or local_today()
    issuer = issuer_for(today, course.unit)
    buffer = BytesIO()
    width = A4[0] - 2 * MARGIN
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 3 * mm,
        title=_("Kế hoạch tổ chức lớp bồi dưỡng %(code)s", code=course.code), author=course.unit.name,
        subject=course.curriculum.title,
    )
    dated = _("%(place)s, ngày %(d)s tháng %(m)s năm %(y)d", place=issuer.place,
              d=today.strftime("%d"), m=today.strftime("%m"), y=today.year)
    under_heading = Table(
        [[paragraph(escaped(_("Số: ……/KH-%(symbol)s", symbol=issuer.symbol)), 10, align=TA_CENTER), paragraph(f"<i>{escaped(dated)}</i>", 10, align=TA_CENTER)]],
        colWidths=[width * 0.42, width * 0.58],
    )
    under_heading.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story = [
        header_block(list(issuer.body_lines), width),
        Spacer(1, 2 * mm),
        under_heading,
        Spacer(1, 7 * mm),
        paragraph(tagged(_("KẾ HOẠCH TỔ CHỨC LỚP BỒI DƯỠNG"), "b"), 14, align=TA_CENTER),
        Spacer(1, 1 * mm),
        paragraph(f"<b>{escaped(course.curriculum.title)}</b>", 11.5, align=TA_CENTER),
        Spacer(1, 6 * mm),
        *_facts(course),
        Spacer(1, 5 * mm),
        paragraph(tagged(_("LỊCH HỌC"), "b"), 11),
        Spacer(1, 2 * mm),
    ]
    if course.sessions:
        story.append(_sessions_table(course))
    else:
        story.append(paragraph(tagged(_("Chưa có buổi học nào."), "i"), 9.5))
    story.append(_signer(width, issuer))
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    buffer.seek(0)
    return buffer
