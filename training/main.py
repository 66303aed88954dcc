"""Pages that belong to no domain: the home page, the language switch and /healthz."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import format_decimal, format_percent
from flask_login import current_user
from sqlalchemy import text

from . import audit
from .auth import public
from .auth.permissions import commune_scope, managed_unit_id
from .clock import local_today, to_local
from .courses.calendar import dashboard
from .courses.services import status_label
from .extensions import db, limiter
from .web import once_token, safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    if current_user.role == "trainee":
        return redirect(url_for("courses.me"))
    area_id = current_user.area_id if commune_scope(current_user) is not None else None  # a cụm's trainer
    return render_template(
        "main/home.html",
        dash=dashboard(managed_unit_id(current_user), area_id=area_id),
        days=current_app.config["DASHBOARD_DAYS"],
        status_label=status_label,
    )


@bp.app_context_processor
def _create_forms() -> dict:
    # a callable, so a token is made (and remembered) only by the pages that render one
    return {"once_token": once_token}


@bp.route("/lang", methods=["POST"])
@public
def set_language():
    lang = request.form.get("lang", "vi")
    session["lang"] = lang if lang in ("vi", "en") else "vi"
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the database is not usable
        db.session.rollback()
        reason = type(exc).__name__
        return jsonify(status="error", db="unreachable", reason=reason), 503
    # A rate-limit store that is down leaves the site serving (the limits count in each
    # process's memory meanwhile), so it degrades the answer without failing the check: a
    # load balancer must not take every host out because Redis stopped. The default memory://
    # store is each process's own and has nothing to report.
    if current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return jsonify(status="ok", db="ok")
    if _rate_limit_store_answers():
        return jsonify(status="ok", db="ok", ratelimit="ok")
    return jsonify(status="degraded", db="ok", ratelimit="unreachable")


def _rate_limit_store_answers() -> bool:
    """Whether the shared rate-limit store answers a ping."""
    try:
        return bool(limiter.storage.check())
    except Exception:  # any client error (refused, timed out, bad credentials) means "no"
        return False


@bp.app_template_filter("vndate")
def vndate(value) -> str:
    """dd/mm/yyyy, the way Vietnamese documents write dates."""
    return value.strftime("%d/%m/%Y") if value else ""


@bp.app_template_filter("localtime")
def localtime(value, fmt: str = "%H:%M") -> str:
    """A stored UTC time in Vietnam's time, default HH:MM."""
    return to_local(value).strftime(fmt) if value else ""


@bp.app_template_filter("localdate")
def localdate(value) -> str:
    """The local date (dd/mm/yyyy) of a stored UTC time."""
    return to_local(value).strftime("%d/%m/%Y") if value else ""


@bp.app_template_filter("number")
def number(value, digits: int = 2) -> str:
    """A number as the page's language writes it ("8,5" in Vietnamese, "8.5" in English),
    with up to `digits` decimals and none when it is whole; "" for None."""
    if value is None:
        return ""
    return format_decimal(round(value, digits), format="#,##0." + "#" * digits if digits else "#,##0")


@bp.app_template_filter("percent")
def percent(share, digits: int = 1) -> str:
    """A share (0.333) as a percentage in the page's language ("33,3%"); "" for None."""
    if share is None:
        return ""
    return format_percent(share, format="#,##0." + "#" * digits + "%" if digits else "#,##0%")


@bp.app_template_filter("has_begun")
def has_begun(day) -> bool:
    """Whether a date (a course's first day) is today or before, in Vietnam."""
    return day is not None and day <= local_today()


@bp.app_template_filter("audit_action")
def audit_action(action: str) -> str:
    """An audit trail's action ("certificate.issue") in words ("Cấp giấy chứng nhận")."""
    return audit.label(action)
