"""The trainer's pages of a session's attendance (the manual roster, the history of
changes) and a course's attendance papers (sheet, sign-in sheet, badges). The trainee's
phone is served by phone_views.py, the projector and scanner by scanner_views.py.
"""

from io import BytesIO

from flask import flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.permissions import roles_required
from ..clock import utcnow
from ..courses.services import get_course_or_404, get_session_or_404
from ..pdf.paper import MOTTO, MOTTO_SUB
from ..people.services import get_trainee_or_404
from ..security import no_store
from ..web import commit_or_flash
from . import badges, bp, history, sheet, sheet_pdf, sheet_xlsx, signin_pdf
from .answers import status_label
from .models import STATUSES
from .roster import (
    AttendanceError,
    RosterEdit,
    check_markable,
    mark_unmarked_absent,
    record_time,
    record_version,
    roster,
    save_roster,
)
from .window import checkin_state

# --- the manual roster --------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/roster", methods=["GET", "POST"])
@roles_required("admin", "trainer")
def manual_roster(session_id: int):
    session = get_session_or_404(session_id, write=request.method == "POST")
    if request.method == "POST":
        rest = {"all_present": "present", "rest_absent": "absent"}.get(request.form.get("action", ""))
        accepted = _int_or_none(request.form.get("accept"))
        accept = frozenset({accepted}) if accepted is not None else frozenset()
        saved = commit_or_flash(
            lambda: save_roster(session, _roster_edits(request.form), current_user.id, accept=accept, rest=rest),
            AttendanceError,
            lambda saved: _("Đã lưu điểm danh: %(n)d thay đổi.", n=saved.changed),
        )
        if saved is not None and saved.conflicts:
            flash(
                _(
                    "Chưa ghi đè %(n)d học viên: điểm danh của họ đã thay đổi sau khi trang được mở (có người quét mã, "
                    "hoặc một trang khác đã lưu). Hãy xem lại các dòng này:",
                    n=len(saved.conflicts),
                ),
                "warning",
            )
            for message in saved.conflicts:
                flash(message, "warning")
        if saved is not None and saved.changed_elsewhere:
            flash(
                _("Đã thay đổi trong lúc trang được mở (giữ nguyên): %(list)s", list=" ".join(saved.changed_elsewhere)),
                "info",
            )
        return redirect(url_for("attendance.manual_roster", session_id=session.id))
    rows = roster(session)
    ahead = None
    try:
        check_markable(session)
    except AttendanceError as exc:
        ahead = str(exc)
    page = render_template(
        "attendance/roster.html",
        session=session,
        rows=rows,
        statuses=STATUSES,
        ahead=ahead,
        state=checkin_state(session),
        now=utcnow(),
        version=record_version,
        record_time=record_time,
        status_label=status_label,
    )
    return no_store(make_response(page))


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 10 else None


def _roster_edits(form) -> dict[int, RosterEdit]:
    """The rows of a roster page as saved: each row carries the version and the mark and
    remark it was loaded with (v-, was-, was-remark-), beside the mark and remark chosen."""
    edits = {}
    for name in form:
        trainee_id = _int_or_none(name[2:]) if name.startswith("v-") else None
        if trainee_id is None:
            continue
        status = form.get(f"status-{trainee_id}", "")
        if status and status not in STATUSES:
            continue  # crafted: left as it is
        edits[trainee_id] = RosterEdit(
            status,
            form.get(f"remark-{trainee_id}", "")[:500],
            form.get(f"was-{trainee_id}", ""),
            form.get(f"was-remark-{trainee_id}", ""),
            form.get(name, ""),
        )
    return edits


@bp.route("/sessions/<int:session_id>/history")
@roles_required("admin", "trainer")
def session_history(session_id: int):
    """Who changed the session's attendance, when, from what to what."""
    session = get_session_or_404(session_id)
    return _history_page(session=session, trainee=None, entries=history.session_history(session))


@bp.route("/trainees/<int:trainee_id>/attendance-history")
@roles_required("admin", "trainer")
def trainee_history(trainee_id: int):
    """Who changed the trainee's attendance, in every session, when, from what to what."""
    trainee = get_trainee_or_404(trainee_id)
    return _history_page(session=None, trainee=trainee, entries=history.trainee_history(trainee))


def _history_page(**context):
    return no_store(make_response(render_template("attendance/history.html", **context)))


@bp.route("/sessions/<int:session_id>/mark-absent", methods=["POST"])
@roles_required("admin", "trainer")
def mark_absent(session_id: int):
    session = get_session_or_404(session_id, write=True)
    commit_or_flash(
        lambda: mark_unmarked_absent(session, current_user.id),
        AttendanceError,
        lambda count: _("Đã ghi vắng mặt cho %(n)d học viên chưa điểm danh.", n=count),
    )
    return redirect(url_for("attendance.manual_roster", session_id=session.id))


# --- attendance sheets and badges ---------------------------------------------------------------
# The official papers are always in Vietnamese, whatever language the screen is in; the HTML
# page follows the screen. Pure document code lives in sheet*.py and badges.py.

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _course_document(course_id: int, build, mimetype: str, filename: str):
    course = get_course_or_404(course_id)
    with force_locale("vi"):
        content = build(sheet.sheet_data(course))
    response = send_file(
        BytesIO(content),
        mimetype=mimetype,
        download_name=filename.format(code=course.code),
        as_attachment=mimetype == XLSX_MIMETYPE,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/courses/<int:course_id>/attendance")
@roles_required("admin", "trainer")
def attendance_sheet(course_id: int):
    course = get_course_or_404(course_id)
    return render_template(
        "attendance/sheet.html",
        data=sheet.sheet_data(course),
        course=course,
        motto=(MOTTO, MOTTO_SUB),
        day_groups=sheet.day_groups,
        legend=sheet.legend,
    )


@bp.route("/courses/<int:course_id>/attendance.pdf")
@roles_required("admin", "trainer")
def attendance_pdf(course_id: int):
    return _course_document(course_id, sheet_pdf.attendance_pdf, "application/pdf", "diem-danh-{code}.pdf")


@bp.route("/courses/<int:course_id>/attendance.xlsx")
@roles_required("admin", "trainer")
def attendance_xlsx(course_id: int):
    return _course_document(course_id, sheet_xlsx.attendance_xlsx, XLSX_MIMETYPE, "diem-danh-{code}.xlsx")


@bp.route("/courses/<int:course_id>/signin-sheet.pdf")
@roles_required("admin", "trainer")
def signin_sheet_pdf(course_id: int):
    return _course_document(course_id, signin_pdf.signin_pdf, "application/pdf", "ky-ten-{code}.pdf")


@bp.route("/courses/<int:course_id>/badges.pdf")
@roles_required("admin", "trainer")
def badges_pdf(course_id: int):
    return _course_document(course_id, badges.badges_pdf, "application/pdf", "the-hoc-vien-{code}.pdf")
