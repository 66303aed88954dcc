import click
from flask.cli import AppGroup

from ..auth.passwords import NotCommon, is_common
from ..extensions import analyze, db
from . import conversion, services

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


@click.command("convert")
@click.option("--province", "province_code", type=int, required=True, help="Mã tỉnh trên bản đồ từ 1/7/2025, ví dụ 24.")
@click.option(
    "--choose",
    "chosen",
    multiple=True,
    metavar="MÃ_CŨ=MÃ_MỚI",
    help="Xã mới cho học viên của một xã cũ bị chia (mã xã cũ = mã xã mới); hỏi nếu không cho.",
)
@click.option("--yes", is_flag=True, help="Chuyển luôn, không hỏi xác nhận.")
def convert_units(province_code: int, chosen: tuple[str, ...], yes: bool) -> None:
    """Chuyển học viên và giảng viên từ đơn vị trước 1/7/2025 sang đơn vị hiện hành.

    Khóa học, điểm danh, chứng chỉ và báo cáo cũ giữ nguyên đơn vị của chúng."""
    try:
        planned = conversion.plan(province_code)
    except conversion.ConversionError as exc:
        raise click.ClickException(str(exc)) from exc
    given = _parse_choices(chosen, planned)
    click.echo(
        f"{planned.province.name}: {planned.trainees} học viên ở {len(planned.moves)} xã cũ, "
        f"{len(planned.trainers)} giảng viên."
    )
    for move in planned.moves:
        targets = ", ".join(f"{c.name} ({c.code})" for c in move.candidates) or "không rõ"
        click.echo(f"  {move.old.name} ({move.old.code}, {move.old.parent.name}) → {targets}: {move.trainees} học viên")
    for trainer in planned.trainers:
        click.echo(f"  giảng viên {trainer.full_name}: {trainer.unit.name} → {planned.province.name}")
    choices = {m.old.id: given[m.old.code] for m in planned.moves if m.old.code in given}
    for move in planned.choices_needed:
        if move.old.id in choices:
            continue
        options = move.candidates or planned.communes
        default = move.proposed.code if move.proposed else None
        click.echo(
            f"{move.old.name} ({move.old.code}) "
            + (
                "bị chia; học viên của xã sang xã, phường nào?"
                if move.candidates
                else "không có trong bảng chuyển đổi; học viên sang xã, phường nào?"
            )
        )
        for option in options:
            click.echo(f"    {option.code}  {option.name}")
        picked = click.prompt(
            "Mã xã, phường mới", type=click.Choice([o.code for o in options]), default=default, show_choices=False
        )
        choices[move.old.id] = next(o.id for o in options if o.code == picked)
    if not planned.moves and not planned.trainers:
        click.echo("Không còn gì phải chuyển.")
    if not yes and not click.confirm("Chuyển?", default=False):
        raise click.ClickException("Chưa chuyển gì.")
    try:
        conversion.convert(province_code, choices)
    except conversion.ConversionError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    analyze()  # every trainee's commune changed at once: the planner's statistics are stale
    click.echo(f"Đã chuyển {planned.trainees} học viên và {len(planned.trainers)} giảng viên.")


def _parse_choices(chosen: tuple[str, ...], planned: conversion.Plan) -> dict[str, int]:
    """--choose OLD=NEW pairs → old commune code → new commune id."""
    new = {c.code: c.id for c in planned.communes}
    given = {}
    for pair in chosen:
        old, _, target = pair.partition("=")
        if target.strip() not in new:
            raise click.ClickException(
                f"--choose {pair}: không có xã, phường mã {target.strip()} trong {planned.province.name}."
            )
        given[old.strip()] = new[target.strip()]
    return given
