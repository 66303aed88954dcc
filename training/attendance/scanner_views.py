"""The trainer's hall: the projector showing the session's rotating QR, the badge scanner
page and its JSON API (openapi.py), and the log of scans.
"""

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf

from ..auth import public
from ..auth.permissions import roles_required
from ..clock import to_local, to_utc, utcnow
from ..courses.services import enrolment_counts, get_session_or_404
from ..extensions import csrf, db
from ..security import no_store
from ..web import external_url
from . import bp, openapi, qr
from .answers import reason_labels
from .checkin import checked_in_count, recent_scans, scan_badge
from .roster import roster
from .window import checkin_state

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
        data.update(
            step=step,
            url=url,
            heading=_("Quét mã để điểm danh"),
            short_code=qr.short_code(session.id, step),
            short_url=external_url("attendance.short_code"),
            loopback=bool(_LOOPBACK.match(urlsplit(url).hostname or "")),
        )
        if shown != str(step):
            data["svg"] = qr.qr_svg(url)
    else:
        data["heading"] = _("Điểm danh buổi học")
        data["message"] = {"not_yet": _("Chưa mở điểm danh"), "ended": _("Đã kết thúc điểm danh")}.get(
            state, _("Khóa học chưa mở nên chưa điểm danh được.")
        )
    return data


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
        trainees.append(
            {
                "code": t.personal_code,
                "name": t.full_name,
                "commune": t.commune.name,
                "status": record.status if record else None,
            }
        )
    return no_store(
        jsonify(
            session_id=session.id,
            state=checkin_state(session),
            trainees=trainees,
            csrf_token=generate_csrf(),
            server_time=_server_time(),
        )
    )


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
        return _api_error(
            "csrf_expired", _("Trang đã mở quá lâu; đang lấy mã bảo mật mới, lần quét được giữ lại."), 400
        )
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
        session,
        payload["code"],
        payload.get("nonce"),
        scanned_at,
        bool(payload.get("offline")),
        current_user.id,
        device=str(payload.get("device", "")),
    )
    db.session.commit()
    return no_store(jsonify(server_time=_server_time(), **result.as_json()))


@bp.route("/api/v1/openapi.json")
@public
def api_spec():
    return jsonify(openapi.spec(external_url("main.home").rstrip("/")))


# --- the log of scans ----------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/scans")
@roles_required("admin", "trainer")
def scan_log(session_id: int):
    session = get_session_or_404(session_id)
    return no_store(
        make_response(
            render_template(
                "attendance/scans.html", session=session, logs=recent_scans(session), reasons=reason_labels()
            )
        )
    )
