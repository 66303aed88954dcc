"""Sign-in: the blueprint, the user loader, signing in and out, and one's own password."""

import functools
import hmac

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import bindparam, select

from ..extensions import db, limiter, login_manager
from ..people.models import User
from ..web import safe_next
from . import public, throttle
from .forms import LoginForm, PasswordChangeForm

bp = Blueprint("auth", __name__)


@functools.cache
def _user_by_id():
    """The statement reading an account by its id, built once: every signed-in request asks
    it, and Session.get builds and keys a statement anew each time. Built on first use, not at
    import: building it configures the mappers, which waits for every domain's models."""
    return select(User).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def _load_user(cookie_id: str):
    # The cookie names the account by its id and its session token (User.get_id); sign-out,
    # a new password and deactivation replace the token, and no other account ever has it.
    user_id, _dot, token = cookie_id.partition(".")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 12 and token):
        return None
    user = db.session.execute(_user_by_id(), {"user_id": int(user_id)}).scalar()
    if user is None or not user.is_active or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (gettext's N_ convention)."""
    return message


login_manager.login_view = "auth.login"
# Flask-Login flashes this through localize_callback, in the visitor's language.
login_manager.login_message = N_("Vui lòng đăng nhập để tiếp tục.")
login_manager.localize_callback = _
login_manager.login_message_category = "info"


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        username, address = form.username.data.strip().lower(), request.remote_addr or ""
        admission = throttle.admit(username, address)
        db.session.commit()  # counted before the password is checked, for attempts arriving together
        if admission.locked_minutes:
            # Said alike for every name, with an account or without.
            flash(
                _("Đã nhập sai nhiều lần từ thiết bị này. Thử lại sau %(m)d phút.", m=admission.locked_minutes), "error"
            )
            return render_template("auth/login.html", form=form)
        if admission.slow:
            throttle.pause()
        user = db.session.scalar(select(User).where(User.username == username))
        if throttle.password_matches(user, form.password.data) and user.is_active:
            throttle.succeeded(username, address)
            db.session.commit()
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # Every session of the account ends, on this device and on any other.
        current_user.end_sessions()
        db.session.commit()
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(_("Mật khẩu hiện tại không đúng."))
        else:
            current_user.set_password(form.new_password.data)  # ends every other session
            db.session.commit()
            login_user(current_user._get_current_object())  # this one goes on, under the new token
            flash(_("Đã đổi mật khẩu."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)
