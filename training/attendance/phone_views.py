"""The trainee's phone: the page a session's QR opens (/checkin/<token>), its answers, the
result page, and the short address (/c) for a phone that cannot scan.

A new phone answers one question (personal code or phone number, and birth date) and is
remembered by a random key of the trainee; a remembered phone asks "is this you?" before it
records anything, so a borrowed phone never checks in its owner (README, "QR check-in").
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy.orm import joinedload

from ..auth import public
from ..clock import to_local, utcnow
from ..courses.models import CourseSession
from ..extensions import db, limiter
from ..security import no_store
from . import bp, guesses, phones, qr
from .answers import CheckinResult
from .checkin import check_in, check_in_device, device_result, preview_device
from .forms import IdentifyForm
from .identify import identify_trainee, normalise_code, normalise_phone
from .window import checkin_state, closed_message, open_session_ids


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


def _checkin_page(
    result: CheckinResult | None,
    heading: _Heading | None = None,
    status: int = 200,
    form=None,
    error: str | None = None,
    **extra,
):
    """The phone's page, never kept by a browser or proxy: it names a trainee, or is a step
    towards naming one."""
    page = render_template("attendance/checkin.html", result=result, heading=heading, form=form, error=error, **extra)
    return no_store(make_response(page, status))


_RESULT_STATUS = {
    "ok": 200,
    "already_checked_in": 200,
    "kept_manual_mark": 200,
    "confirm": 200,
    "not_enrolled": 403,
    "session_closed": 409,
}


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
            return _checkin_page(
                preview,
                heading,
                _RESULT_STATUS.get(preview.reason, 400),
                ticket=ticket,
                result_url=_result_url(session.id, key) if preview.reason == "already_checked_in" else None,
            )
    form = IdentifyForm(formdata=None)
    form.ticket.data = ticket
    return _checkin_page(None, heading, form=form)


def _answer(form: IdentifyForm):
    """A phone's answer to its page: identify (code and birth date), confirm (a remembered
    phone: "yes, it is me"), or not me (forget the phone, then identify)."""
    try:
        ticket = phones.read_ticket(form.ticket.data)
    except SignatureExpired:
        return _checkin_page(
            None, error=_("Đã quá thời gian điểm danh của lần quét này. Hãy quét lại mã QR đang chiếu."), status=410
        )
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
        return _checkin_page(
            None,
            heading,
            form=form,
            status=429,
            form_error=_(
                "Đã nhập sai quá nhiều lần. Hãy thử lại sau %(m)d phút (lúc %(t)s), hoặc hỏi giảng viên để được "
                "điểm danh bằng thẻ.",
                m=minutes,
                t=to_local(refusal.until).strftime("%H:%M"),
            ),
        )
    found = identify_trainee(session, form.code.data, form.born)
    device = secrets.token_urlsafe(12)
    # None also when the trainee was erased in the moment between the two reads
    result = check_in(session, found.trainee.id, "qr_self", device=device) if found.trainee is not None else None
    if result is None:
        if found.reason == "not_in_course":
            message = _("Bạn không có tên trong danh sách của khóa học này. Hãy hỏi giảng viên của lớp.")
        else:
            guesses.count_wrong(identity, ticket.nonce)
            message = _(
                "Mã (hoặc số điện thoại) và ngày sinh không khớp với học viên nào của khóa học này. "
                "Hãy kiểm tra mã trên thẻ học viên và ngày sinh, hoặc hỏi giảng viên."
            )
        return _checkin_page(None, heading, form=form, status=400, form_error=message)
    key, result_url = (
        found.trainee.device_key,
        _result_url(session.id, found.trainee.device_key),
    )  # before the commit expires them
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
        return _checkin_page(
            None,
            error=_("Không thấy điểm danh này nữa. Hãy quét lại mã QR đang chiếu hoặc hỏi giảng viên."),
            status=404,
        )
    return _checkin_page(result, _Heading.of(session), result_url=request.path)


@bp.route("/checkin/forget", methods=["POST"])
@public
def forget_device():
    response = _checkin_page(None, forgotten=True)
    return phones.forget_phone(response)


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
