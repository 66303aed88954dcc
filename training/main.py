"""Pages that belong to no domain: the home page, the language switch and /healthz."""
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from .auth import public
from .auth.permissions import commune_scope, managed_unit_id
from .clock import to_local
from .courses.services import DASHBOARD_DAYS, dashboard, status_label
from .web import safe_next
from .extensions import db, limiter

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    if current_user.role == "trainee":
        return redirect(url_for("people.me"))
    area_id = current_user.area_id if commune_scope(current_user) is not None else None  # a cụm's trainer
    return render_template("main/home.html", dash=dashboard(managed_unit_id(current_user), area_id=area_id), days=DASHBOARD_DAYS,
                           status_label=status_label)


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
