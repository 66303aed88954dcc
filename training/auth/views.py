from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..extensions import db, limiter
from ..people.models import User
from ..web import safe_next
from . import bp, public, throttle
from .forms import LoginForm, PasswordChangeForm


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
