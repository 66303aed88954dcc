from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..clock import utcnow
from ..extensions import db, limiter
from ..people.models import User
from ..web import safe_next
from . import bp, public
from .forms import LoginForm, PasswordChangeForm


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip().lower()))
        now = utcnow()
        if user is not None and user.locked_until and user.locked_until > now:
            minutes = max(1, round((user.locked_until - now).total_seconds() / 60))
            flash(_("Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. Thử lại sau %(m)d phút.", m=minutes), "error")
        elif user is not None and user.is_active and user.check_password(form.password.data):
            user.failed_logins, user.locked_until = 0, None
            db.session.commit()
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        else:
            if user is not None:
                _count_failure(user, now)
            flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
    return render_template("auth/login.html", form=form)


def _count_failure(user: User, now) -> None:
    """One more wrong password; at the limit, lock sign-in for LOGIN_LOCK_MINUTES."""
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0
    db.session.commit()


@bp.route("/logout", methods=["POST"])
def logout():
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
            current_user.set_password(form.new_password.data)
            db.session.commit()
            flash(_("Đã đổi mật khẩu."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)
