import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..auth import public
from ..auth.permissions import roles_required
from ..clock import to_local, to_utc, utcnow
from ..courses.models import CourseSession
from ..courses.services import enrolment_counts, get_session_or_404
from ..extensions import csrf, db, limiter
from ..security import no_store
from ..web import commit_or_flash, external_url
from . import bp, openapi, qr, services
from .forms import IdentifyForm
from .models import STATUSES, ScanLog

DEVICE_COOKIE = "taphuan_device"
DEVICE_MAX_AGE = 180 * 24 * 3600
#: how long a phone may take to fill in the identification form after scanning
TICKET_SECONDS = 300


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="trainee-device")


def _ticket_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="checkin-ticket")


def _remembered_device() -> tuple[int | None, str]:
    """The id of the trainee this phone was identified as, and its device id, from the
    signed cookie."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None, ""
    try:
        data = _device_serializer().loads(raw)
    except BadSignature:
        return None, ""
    return data.get("t"), str(data.get("d", ""))


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


def _checkin_page(result: services.CheckinResult | None, heading: _Heading | None = None, status: int = 200, form=None,
                  error: str | None = None):
    return make_response(render_template("attendance/checkin.html", result=result, heading=heading, form=form, error=error), status)


_RESULT_STATUS = {"ok": 200, "already_checked_in": 200, "not_enrolled": 403, "session_closed": 409}

# --- the trainee's phone: /checkin/<token> ----------------------------------------------------


@bp.route("/checkin/<token>", methods=["GET", "POST"])
@public
@limiter.limit("600 per minute", methods=["POST"])
@limiter.limit("20 per 5 minutes", methods=["POST"], key_func=lambda: request.form.get("ticket", "")[:80] or request.remote_addr)
def checkin(token: str):
    form = IdentifyForm()
    if request.method == "POST":
        return _identify_and_check_in(form)
    try:
        info = qr.read_token(token)
    except qr.TokenError as exc:
        return _checkin_page(None, error=str(exc), status=410 if exc.reason == "expired_token" else 400)
    session = db.session.get(CourseSession, info.session_id, options=[joinedload(CourseSession.course)])
    if session is None:
        return _checkin_page(None, error=_("Mã QR không hợp lệ. Hãy quét mã đang chiếu trên màn hình."), status=400)
    heading = _Heading.of(session)
    state = services.checkin_state(session)
    if state != "open":
        return _checkin_page(services.CheckinResult("session_closed", services._closed_message(session, state)), heading, 409)
    trainee_id, device = _remembered_device()
    if trainee_id is not None:
        result = services.check_in(session, trainee_id, "qr_self", device=device)
        if result is not None:  # None: the trainee it remembers has since been erased
            db.session.commit()
            return _checkin_page(result, heading, _RESULT_STATUS.get(result.reason, 400))
    form.ticket.data = _ticket_serializer().dumps(session.id)
    return _checkin_page(None, heading, form=form)


def _identify_and_check_in(form: IdentifyForm):
    try:
        session_id = _ticket_serializer().loads(form.ticket.data or "", max_age=TICKET_SECONDS)
    except SignatureExpired:
        return _checkin_page(None, error=_("Đã quá thời gian điểm danh của lần quét này. Hãy quét lại mã QR đang chiếu."), status=410)
    except BadSignature:
        return _checkin_page(None, error=_("Yêu cầu không hợp lệ. Hãy quét lại mã QR đang chiếu."), status=400)
    session = db.session.get(CourseSession, session_id, options=[joinedload(CourseSession.course)])
    if session is None:  # deleted since the code was scanned
        return _checkin_page(None, error=_("Mã QR không hợp lệ. Hãy quét mã đang chiếu trên màn hình."), status=400)
    heading = _Heading.of(session)
    if not form.validate_on_submit():
        return _checkin_page(None, heading, form=form, status=400)
    birth_date = _parse_birth_date(form.birth_date.data)
    trainee = services.identify_trainee(session, form.code.data, birth_date) if birth_date else None
    device = secrets.token_urlsafe(12)
    # None also when the trainee was erased in the moment between the two reads
    result = services.check_in(session, trainee.id, "qr_self", device=device) if trainee is not None else None
    if result is None:
        form.code.errors = [_("Không tìm thấy học viên của khóa học với mã (hoặc số điện thoại) và ngày sinh này.")]
        return _checkin_page(None, heading, form=form, status=400)
    remembered = {"t": trainee.id, "d": device}  # before the commit expires the trainee
    db.session.commit()
    response = _checkin_page(result, heading, _RESULT_STATUS.get(result.reason, 400))
    response.set_cookie(
        DEVICE_COOKIE, _device_serializer().dumps(remembered), max_age=DEVICE_MAX_AGE,
        httponly=True, samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response


def _parse_birth_date(text: str) -> date | None:
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@bp.route("/checkin/forget", methods=["POST"])
@public
def forget_device():
    response = make_response(render_template("attendance/checkin.html", result=None, heading=None, form=None,
                                             error=None, forgotten=True))
    response.delete_cookie(DEVICE_COOKIE)
    return response


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
    state = services.checkin_state(session)
    data = {
        "state": state,
        "checked_in": services.checked_in_count(session),
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
@limiter.limit("30 per minute", methods=["POST"])
def short_code():
    """The short address on the projector, for a phone that cannot scan the QR: the code
    shown beside it leads to the same check-in. Throttled (a code is six digits) and valid
    only in the time steps a QR is."""
    code, error, status = (request.form.get("code") or "")[:20], None, 200
    if request.method == "POST":
        token = qr.find_short_code(code, services.open_session_ids())
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
    for enrolment, record in services.roster(session):
        t = enrolment.trainee
        trainees.append({"code": t.personal_code, "name": t.full_name, "commune": t.commune.name,
                         "status": record.status if record else None})
    return no_store(jsonify(session_id=session.id, state=services.checkin_state(session), trainees=trainees,
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
    result = services.scan_badge(
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
    rows = services.roster(session)
    if request.method == "POST":
        marks = {enrolment.trainee_id: (request.form[f"status-{enrolment.trainee_id}"],
                                        request.form.get(f"remark-{enrolment.trainee_id}", ""))
                 for enrolment, _record in rows if request.form.get(f"status-{enrolment.trainee_id}") in STATUSES}
        commit_or_flash(lambda: services.mark_many(session, rows, marks, current_user.id), services.AttendanceError,
                        lambda changed: _("Đã lưu điểm danh: %(n)d thay đổi.", n=changed))
        return redirect(url_for("attendance.manual_roster", session_id=session.id))
    return render_template("attendance/roster.html", session=session, rows=rows, statuses=STATUSES,
                           state=services.checkin_state(session), now=utcnow())


@bp.route("/sessions/<int:session_id>/mark-absent", methods=["POST"])
@roles_required("admin", "trainer")
def mark_absent(session_id: int):
    session = get_session_or_404(session_id, write=True)
    commit_or_flash(lambda: services.mark_unmarked_absent(session, current_user.id), services.AttendanceError,
                    lambda count: _("Đã ghi vắng mặt cho %(n)d học viên chưa điểm danh.", n=count))
    return redirect(url_for("attendance.manual_roster", session_id=session.id))


@bp.route("/sessions/<int:session_id>/scans")
@roles_required("admin", "trainer")
def scan_log(session_id: int):
    session = get_session_or_404(session_id)
    logs = db.session.scalars(select(ScanLog).options(joinedload(ScanLog.trainee)).where(ScanLog.session_id == session.id)
                              .order_by(ScanLog.received_at.desc()).limit(500)).all()
    return no_store(make_response(render_template("attendance/scans.html", session=session, logs=logs,
                                                  reasons=services.reason_labels())))


# --- attendance sheets and badges ---------------------------------------------------------------
# The official papers are always in Vietnamese, whatever language the screen is in; the HTML
# page follows the screen. Pure document code lives in sheet.py and badges.py. (Imported here
# so that this section stays self-contained.)
from io import BytesIO  # noqa: E402

from flask import send_file  # noqa: E402
from flask_babel import force_locale  # noqa: E402

from ..courses.services import get_course_or_404  # noqa: E402
from ..pdf import MOTTO, MOTTO_SUB  # noqa: E402
from . import badges, sheet  # noqa: E402

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
    return _course_document(course_id, sheet.attendance_pdf, "application/pdf", "diem-danh-{code}.pdf")


@bp.route("/courses/<int:course_id>/attendance.xlsx")
@roles_required("admin", "trainer")
def attendance_xlsx(course_id: int):
    return _course_document(course_id, sheet.attendance_xlsx, XLSX_MIMETYPE, "diem-danh-{code}.xlsx")


@bp.route("/courses/<int:course_id>/signin-sheet.pdf")
@roles_required("admin", "trainer")
def signin_sheet_pdf(course_id: int):
    return _course_document(course_id, sheet.signin_pdf, "application/pdf", "ky-ten-{code}.pdf")


@bp.route("/courses/<int:course_id>/badges.pdf")
@roles_required("admin", "trainer")
def badges_pdf(course_id: int):
    return _course_document(course_id, badges.badges_pdf, "application/pdf", "the-hoc-vien-{code}.pdf")
