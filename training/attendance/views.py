import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..auth import public
from ..auth.permissions import roles_required
from ..clock import to_local, to_utc, utcnow
from ..courses.models import CourseSession
from ..courses.services import enrolment_counts, get_session_or_404
from ..extensions import csrf, db, limiter
from ..people.services import get_trainee_or_404
from ..security import no_store
from ..web import commit_or_flash, external_url
from . import bp, guesses, history, openapi, phones, qr
from .checkin import (
    CheckinResult,
    check_in,
    check_in_device,
    checked_in_count,
    checkin_state,
    closed_message,
    device_result,
    open_session_ids,
    preview_device,
    reason_labels,
    scan_badge,
    status_label,
)
from .forms import IdentifyForm
from .identify import identify_trainee, normalise_code, normalise_phone
from .models import STATUSES, ScanLog
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


@dataclass(frozen=True)
class _Heading:
    """What the phone's page says of the session, taken as soon as the session is loaded: a
    check-in's commit expires the session object, and the page, drawn after it, would load it
    again, one more query on every phone of a hall scanning at once."""

    title: str
    module_code: str
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def of(cls, session: CourseSession) -> "_Heading":
        return cls(session.course.title, session.module_code, session.starts_at, session.ends_at)


def _checkin_page(result: CheckinResult | None, heading: _Heading | None = None, status: int = 200, form=None,
                  error: str | None = None, **extra):
    """The phone's page, never kept by a browser or proxy: it names a trainee, or is a step
    towards naming one."""
    page = render_template("attendance/checkin.html", result=result, heading=heading, form=form, error=error, **extra)
    return no_store(make_response(page, status))


_RESULT_STATUS = {"ok": 200, "already_checked_in": 200, "kept_manual_mark": 200, "confirm": 200, "not_enrolled": 403,
                  "session_closed": 409}

# --- the trainee's phone: /checkin/<token> ----------------------------------------------------
# A new phone answers one question (personal code or phone number, and birth date) and is
# remembered by a random key of the trainee; a remembered phone asks "is this you?" before it
# records anything, so a borrowed phone never checks in its owner (README, "QR check-in").


@bp.route("/checkin/<token>", methods=["GET", "POST"])
@public
def checkin(token: str):
    if request.method == "POST":
        return _answer(IdentifyForm())
    try:
        info = qr.read_token(token)
    except qr.TokenError as exc:
        return _checkin_page(None, error=str(exc), status=410 if exc.reason == "expired_token" else 400)
    session = db.session.get(CourseSession, info.session_id, options=[joinedload(CourseSession.course)])
    if session is None:
        return _checkin_page(None, error=_("Mã QR không hợp lệ. Hãy quét mã đang chiếu trên màn hình."), status=400)
    heading = _Heading.of(session)
    state = checkin_state(session)
    if state != "open":
        return _checkin_page(CheckinResult("session_closed", closed_message(session, state)), heading, 409)
    key, _device = phones.remembered_device()
    ticket = phones.new_ticket(session.id)
    if key:
        preview = preview_device(session, key)
        if preview is not None:  # None: the trainee it remembers has since been erased
            return _checkin_page(preview, heading, _RESULT_STATUS.get(preview.reason, 400), ticket=ticket,
                                 result_url=_result_url(session.id, key) if preview.reason == "already_checked_in" else None)
    form = IdentifyForm(formdata=None)
    form.ticket.data = ticket
    return _checkin_page(None, heading, form=form)


def _answer(form: IdentifyForm):
    """A phone's answer to its page: identify (code and birth date), confirm (a remembered
    phone: "yes, it is me"), or not me (forget the phone, then identify)."""
    try:
        ticket = phones.read_ticket(form.ticket.data)
    except SignatureExpired:
        return _checkin_page(None, error=_("Đã quá thời gian điểm danh của lần quét này. Hãy quét lại mã QR đang chiếu."), status=410)
    except BadSignature:
        return _checkin_page(None, error=_("Yêu cầu không hợp lệ. Hãy quét lại mã QR đang chiếu."), status=400)
    session = db.session.get(CourseSession, ticket.session_id, options=[joinedload(CourseSession.course)])
    if session is None:  # deleted since the code was scanned
        return _checkin_page(None, error=_("Mã QR không hợp lệ. Hãy quét mã đang chiếu trên màn hình."), status=400)
    heading = _Heading.of(session)
    action = request.form.get("action", "identify")
    if action == "confirm":
        return _confirm(session, heading, form)
    if action == "not_me":
        form = IdentifyForm(formdata=None)
        form.ticket.data = phones.new_ticket(session.id)
        response = _checkin_page(None, heading, form=form, forgotten=True)
        return phones.forget_phone(response)
    return _identify(session, heading, form, ticket)


def _confirm(session: CourseSession, heading: _Heading, form: IdentifyForm):
    key, device = phones.remembered_device()
    result = check_in_device(session, key, device=device) if key else None
    if result is None:  # forgotten, or the trainee erased, since the page was shown
        form = IdentifyForm(formdata=None)
        form.ticket.data = phones.new_ticket(session.id)
        return _checkin_page(None, heading, form=form)
    result_url = _result_url(session.id, key)  # before the commit expires the session
    db.session.commit()
    return _checkin_page(result, heading, _RESULT_STATUS.get(result.reason, 400), result_url=result_url)


def _identify(session: CourseSession, heading: _Heading, form: IdentifyForm, ticket: phones.Ticket):
    if not form.validate():
        return _checkin_page(None, heading, form=form, status=400)
    identity = normalise_code(form.code.data) or normalise_phone(form.code.data) or form.code.data.upper()
    refusal = guesses.refused(identity, ticket.nonce)
    if refusal is not None:
        minutes = max(1, round((refusal.until - utcnow()).total_seconds() / 60))
        return _checkin_page(None, heading, form=form, status=429, form_error=_(
            "Đã nhập sai quá nhiều lần. Hãy thử lại sau %(m)d phút (lúc %(t)s), hoặc hỏi giảng viên để được điểm danh bằng thẻ.",
            m=minutes, t=to_local(refusal.until).strftime("%H:%M")))
    found = identify_trainee(session, form.code.data, form.born)
    device = secrets.token_urlsafe(12)
    # None also when the trainee was erased in the moment between the two reads
    result = check_in(session, found.trainee.id, "qr_self", device=device) if found.trainee is not None else None
    if result is None:
        if found.reason == "not_in_course":
            message = _("Bạn không có tên trong danh sách của khóa học này. Hãy hỏi giảng viên của lớp.")
        else:
            guesses.count_wrong(identity, ticket.nonce)
            message = _("Mã (hoặc số điện thoại) và ngày sinh không khớp với học viên nào của khóa học này. "
                        "Hãy kiểm tra mã trên thẻ học viên và ngày sinh, hoặc hỏi giảng viên.")
        return _checkin_page(None, heading, form=form, status=400, form_error=message)
    key, result_url = found.trainee.device_key, _result_url(session.id, found.trainee.device_key)  # before the commit expires them
    db.session.commit()
    response = _checkin_page(result, heading, _RESULT_STATUS.get(result.reason, 400), result_url=result_url)
    return phones.remember_phone(response, key, device)


def _result_url(session_id: int, key: str) -> str:
    return url_for("attendance.checkin_result", ticket=phones.result_ticket(session_id, key))


@bp.route("/checkin/result/<ticket>")
@public
def checkin_result(ticket: str):
    """A check-in's answer shown again, read from the record without recording anything: where
    the language switch of a result page leads, when the QR's token has long expired."""
    try:
        session_id, key = phones.read_result_ticket(ticket)
    except BadSignature:
        return _checkin_page(None, error=_("Trang này đã hết hạn. Hãy quét lại mã QR đang chiếu."), status=410)
    session = db.session.get(CourseSession, session_id, options=[joinedload(CourseSession.course)])
    result = device_result(session, key) if session is not None else None
    if result is None:
        return _checkin_page(None, error=_("Không thấy điểm danh này nữa. Hãy quét lại mã QR đang chiếu hoặc hỏi giảng viên."),
                             status=404)
    return _checkin_page(result, _Heading.of(session), result_url=request.path)


@bp.route("/checkin/forget", methods=["POST"])
@public
def forget_device():
    response = _checkin_page(None, forgotten=True)
    return phones.forget_phone(response)


# --- the trainer's projector --------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/projector")
@roles_required("admin", "trainer")
def projector(session_id: int):
    session = get_session_or_404(session_id)
    return render_template("attendance/projector.html", session=session, state=_projector_state(session))


@bp.route("/sessions/<int:session_id>/projector.json")
@roles_required("admin", "trainer")
def projector_state(session_id: int):
    session = get_session_or_404(session_id)
    return jsonify(_projector_state(session, shown=request.args.get("shown")))


#: hosts a phone in the hall can never reach: the projector warns when its QR names one
_LOOPBACK = re.compile(r"^(localhost|127(\.\d{1,3}){3}|::1|0\.0\.0\.0)$", re.IGNORECASE)


def _projector_state(session, shown: str | None = None) -> dict:
    """What the projector shows now. The token comes from the server's clock, so a laptop
    with a wrong clock still shows codes that are accepted.

    The projector asks every 5 s and its code changes every 30: when it says it shows the
    current one (`shown`, its time step), the drawing is left out (about 170 bytes instead of
    4.4 kB), which on a laptop's mobile data was most of the projector's traffic."""
    state = checkin_state(session)
    data = {
        "state": state,
        "checked_in": checked_in_count(session),
        "enrolled": enrolment_counts([session.course_id]).get(session.course_id, 0),
        "seconds_left": round(qr.seconds_left_in_step(), 1),
        "server_time": to_local(utcnow()).strftime("%H:%M:%S"),
    }
    if state == "open":
        step, token = qr.current_code(session.id)
        url = external_url("attendance.checkin", token=token)
        data.update(step=step, url=url, heading=_("Quét mã để điểm danh"), short_code=qr.short_code(session.id, step),
                    short_url=external_url("attendance.short_code"),
                    loopback=bool(_LOOPBACK.match(urlsplit(url).hostname or "")))
        if shown != str(step):
            data["svg"] = qr.qr_svg(url)
    else:
        data["heading"] = _("Điểm danh buổi học")
        data["message"] = {"not_yet": _("Chưa mở điểm danh"), "ended": _("Đã kết thúc điểm danh")}.get(
            state, _("Khóa học chưa mở nên chưa điểm danh được."))
    return data


@bp.route("/c", methods=["GET", "POST"])
@public
# Only wrong codes count: a hall behind one address typing the right code is never held up.
@limiter.limit("30 per minute", methods=["POST"], deduct_when=lambda response: response.status_code == 400)
def short_code():
    """The short address on the projector, for a phone that cannot scan the QR: the code
    shown beside it leads to the same check-in. Wrong codes are throttled (a code is six
    digits) and a code is valid only in the time steps a QR is."""
    code, error, status = (request.form.get("code") or "")[:20], None, 200
    if request.method == "POST":
        token = qr.find_short_code(code, open_session_ids())
        if token is not None:
            return redirect(url_for("attendance.checkin", token=token))
        error, status = _("Mã không đúng hoặc đã đổi. Hãy nhập mã đang chiếu trên màn hình."), 400
    return make_response(render_template("attendance/short_code.html", code=code, error=error), status)


# --- the trainer's badge scanner and its JSON API ----------------------------------------------


@bp.route("/sessions/<int:session_id>/scan")
@roles_required("admin", "trainer")
def scan(session_id: int):
    session = get_session_or_404(session_id)
    return render_template("attendance/scan.html", session=session)


@bp.route("/sessions/scanner-sw.js")
@public
def scanner_worker():
    """The scanner's service worker, which keeps the page and its files for a laptop that
    opens it with no network. Served here rather than from /static so that its scope (the
    folder it is served from) covers the scanner pages; never cached for long, so that a
    new version reaches the laptops at their next visit."""
    script = Path(current_app.static_folder, "js", "scanner-sw.js").read_bytes()
    return Response(script, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})


def _server_time() -> str:
    """The server's clock as the scanner reads it (ISO 8601, UTC, milliseconds): the page
    corrects the time of every scan it queued by its distance from this."""
    return utcnow().isoformat(timespec="milliseconds") + "Z"


def _api_error(code: str, message: str, status: int, **extra):
    return jsonify(error=code, message=message, server_time=_server_time(), **extra), status


@bp.route("/api/v1/time")
@roles_required("admin", "trainer")
def api_time():
    # A fresh CSRF token too: the scanner page outlives the one it was served with (an hour).
    return jsonify(server_time=_server_time(), csrf_token=generate_csrf())


@bp.route("/api/v1/sessions/<int:session_id>/roster")
@roles_required("admin", "trainer")
def api_roster(session_id: int):
    session = get_session_or_404(session_id)
    trainees = []
    for enrolment, record in roster(session):
        t = enrolment.trainee
        trainees.append({"code": t.personal_code, "name": t.full_name, "commune": t.commune.name,
                         "status": record.status if record else None})
    return no_store(jsonify(session_id=session.id, state=checkin_state(session), trainees=trainees,
                            csrf_token=generate_csrf(), server_time=_server_time()))


# The global CSRF check runs before the login wall, and would answer a visitor 400 where the
# API promises 401: the check is made here instead, after sign-in and role.
@bp.route("/api/v1/checkins", methods=["POST"])
@csrf.exempt
@roles_required("admin", "trainer")
def api_checkin():
    try:
        if current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect()
    except CSRFError:
        return _api_error("csrf_expired", _("Trang đã mở quá lâu; đang lấy mã bảo mật mới, lần quét được giữ lại."), 400)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _api_error("bad_request", _("Yêu cầu không hợp lệ: cần dữ liệu JSON."), 400)
    errors = openapi.validate_checkin(payload)
    if errors:
        # The details are for an API client's developer; the sentence is for the trainer.
        return _api_error("bad_request", _("Yêu cầu không hợp lệ; lần quét không được ghi."), 400, details=errors)
    # A scan records attendance: a closed course takes none from its trainers (an offline
    # scanner may upload long after the course was closed), as on the roster.
    session = get_session_or_404(payload["session"], write=True)
    scanned_at = None
    if payload.get("scanned_at"):
        scanned_at = to_utc(datetime.fromisoformat(payload["scanned_at"]))
    result = scan_badge(
        session, payload["code"], payload.get("nonce"), scanned_at, bool(payload.get("offline")),
        current_user.id, device=str(payload.get("device", "")),
    )
    db.session.commit()
    return no_store(jsonify(server_time=_server_time(), **result.as_json()))


@bp.route("/api/v1/openapi.json")
@public
def api_spec():
    return jsonify(openapi.spec(external_url("main.home").rstrip("/")))


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
            AttendanceError, lambda saved: _("Đã lưu điểm danh: %(n)d thay đổi.", n=saved.changed))
        if saved is not None and saved.conflicts:
            flash(_("Chưa ghi đè %(n)d học viên: điểm danh của họ đã thay đổi sau khi trang được mở (có người quét mã, "
                    "hoặc một trang khác đã lưu). Hãy xem lại các dòng này:", n=len(saved.conflicts)), "warning")
            for message in saved.conflicts:
                flash(message, "warning")
        if saved is not None and saved.changed_elsewhere:
            flash(_("Đã thay đổi trong lúc trang được mở (giữ nguyên): %(list)s",
                    list=" ".join(saved.changed_elsewhere)), "info")
        return redirect(url_for("attendance.manual_roster", session_id=session.id))
    rows = roster(session)
    ahead = None
    try:
        check_markable(session)
    except AttendanceError as exc:
        ahead = str(exc)
    page = render_template("attendance/roster.html", session=session, rows=rows, statuses=STATUSES, ahead=ahead,
                           state=checkin_state(session), now=utcnow(), version=record_version,
                           record_time=record_time, status_label=status_label)
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
        edits[trainee_id] = RosterEdit(status, form.get(f"remark-{trainee_id}", "")[:500],
                                                form.get(f"was-{trainee_id}", ""), form.get(f"was-remark-{trainee_id}", ""),
                                                form.get(name, ""))
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
    commit_or_flash(lambda: mark_unmarked_absent(session, current_user.id), AttendanceError,
                    lambda count: _("Đã ghi vắng mặt cho %(n)d học viên chưa điểm danh.", n=count))
    return redirect(url_for("attendance.manual_roster", session_id=session.id))


@bp.route("/sessions/<int:session_id>/scans")
@roles_required("admin", "trainer")
def scan_log(session_id: int):
    session = get_session_or_404(session_id)
    logs = db.session.scalars(select(ScanLog).options(joinedload(ScanLog.trainee)).where(ScanLog.session_id == session.id)
                              .order_by(ScanLog.received_at.desc()).limit(500)).all()
    return no_store(make_response(render_template("attendance/scans.html", session=session, logs=logs,
                                                  reasons=reason_labels())))


# --- attendance sheets and badges ---------------------------------------------------------------
# The official papers are always in Vietnamese, whatever language the screen is in; the HTML
# page follows the screen. Pure document code lives in sheet.py and badges.py. (Imported here
# so that this section stays self-contained.)
from io import BytesIO  # noqa: E402

from flask import send_file  # noqa: E402
from flask_babel import force_locale  # noqa: E402

from ..courses.services import get_course_or_404  # noqa: E402
from ..pdf import MOTTO, MOTTO_SUB  # noqa: E402
from . import badges, sheet, sheet_pdf, sheet_xlsx  # noqa: E402

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _course_document(course_id: int, build, mimetype: str, filename: str):
    course = get_course_or_404(course_id)
    with force_locale("vi"):
        content = build(sheet.sheet_data(course))
    response = send_file(BytesIO(content), mimetype=mimetype, download_name=filename.format(code=course.code),
                         as_attachment=mimetype == XLSX_MIMETYPE)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/courses/<int:course_id>/attendance")
@roles_required("admin", "trainer")
def attendance_sheet(course_id: int):
    course = get_course_or_404(course_id)
    return render_template("attendance/sheet.html", data=sheet.sheet_data(course), course=course,
                           motto=(MOTTO, MOTTO_SUB), day_groups=sheet.day_groups, legend=sheet.legend)


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
    return _course_document(course_id, sheet_pdf.signin_pdf, "application/pdf", "ky-ten-{code}.pdf")


@bp.route("/courses/<int:course_id>/badges.pdf")
@roles_required("admin", "trainer")
def badges_pdf(course_id: int):
    return _course_document(course_id, badges.badges_pdf, "application/pdf", "the-hoc-vien-{code}.pdf")
