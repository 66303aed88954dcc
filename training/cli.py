"""Command-line entry points: `flask setup`, `flask demo load`, and each domain's group."""

import os

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import func, select

from . import demo
from .backup import backup_command, restore_command
from .demo_scale import load_scale
from .extensions import analyze, db, migration_lock
from .people.cli import convert_units, users_cli
from .people.models import User
from .units.cli import units_cli

demo_cli = AppGroup("demo", help="Dữ liệu mẫu (demo data).")


@demo_cli.command("load")
@click.option(
    "--scale", type=click.IntRange(min=1), help="Thêm N học viên, các khóa học và điểm danh đầy đủ (để đo hiệu năng)."
)
def demo_load(scale: int | None) -> None:
    """Nạp dữ liệu mẫu: tỉnh Bắc Giang, giảng viên, học viên."""
    demo.load()
    db.session.commit()
    if scale:
        click.echo(f"Nạp dữ liệu quy mô {scale} học viên…")
        load_scale(scale, echo=click.echo)
        db.session.commit()
    analyze()
    _print_accounts()


def _is_embedded_default() -> bool:
    """Whether the app runs on its own SQLite file under instance/ (the `make run` demo), not
    on a database someone configured."""
    default = "sqlite:///" + os.path.join(current_app.instance_path, "training.sqlite")
    return current_app.config["SQLALCHEMY_DATABASE_URI"] == default


@click.command("setup")
@click.option(
    "--demo/--no-demo",
    "load_demo",
    default=None,
    help="Nạp dữ liệu mẫu vào cơ sở dữ liệu mới (mặc định: chỉ với tệp SQLite mặc định trong instance/).",
)
def setup(load_demo: bool | None) -> None:
    """Migrate the database; on the very first run of the embedded default, or when asked
    with --demo, load the demo data (used by `make run`). A configured database (PostgreSQL)
    never gets the demo accounts, whose password is published, without --demo."""
    with migration_lock():
        upgrade()
        if db.session.scalar(select(func.count()).select_from(User)) == 0:
            if load_demo or (load_demo is None and _is_embedded_default()):
                click.echo("Cơ sở dữ liệu mới: nạp dữ liệu mẫu…")
                demo.load()
                db.session.commit()
                analyze()
            else:
                click.echo(
                    "Cơ sở dữ liệu mới, chưa có tài khoản nào. Tạo tài khoản quản trị: "
                    "flask users create-admin <tên-đăng-nhập> (hoặc flask setup --demo để nạp dữ liệu mẫu)."
                )
    _print_accounts()


def _print_accounts() -> None:
    demo_users = db.session.scalars(select(User).where(User.username.in_(demo.ACCOUNTS))).all()
    if not demo_users:
        return
    click.echo("\nTài khoản mẫu (mật khẩu: %s):" % demo.PASSWORD)
    for user in sorted(demo_users, key=lambda u: list(demo.ACCOUNTS).index(u.username)):
        unit = f" — {user.unit.name}" if user.unit else ""
        click.echo(f"  {user.username:10} {user.role}{unit}")
    click.echo(f"Database: {current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}\n")


def register(app) -> None:
    # `flask units convert` moves people, so it lives in the people domain, under the units group.
    units_cli.add_command(convert_units)
    for command in (setup, demo_cli, users_cli, units_cli, backup_command, restore_command):
        app.cli.add_command(command)
