import click
from flask.cli import AppGroup

from ..auth.passwords import NotCommon, is_common
from ..extensions import db
from . import services

users_cli = AppGroup("users", help="Tài khoản người dùng (user accounts).")


@users_cli.command("create-admin")
@click.argument("username")
@click.option("--full-name", default="Quản trị hệ thống", show_default=True)
@click.password_option(help="Mật khẩu (ít nhất 8 ký tự); hỏi nếu không cho.")
def create_admin(username: str, full_name: str, password: str) -> None:
    """Tạo tài khoản quản trị cấp tỉnh."""
    if is_common(password):
        raise click.ClickException(str(NotCommon.message))
    try:
        user = services.create_user(username, password, full_name, "admin")
    except services.PeopleError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Đã tạo tài khoản quản trị {user.username}.")
