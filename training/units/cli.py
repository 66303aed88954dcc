import click
from flask.cli import AppGroup

from ..extensions import db
from . import services
from .models import MAP_2025, MAP_PRE2025

units_cli = AppGroup("units", help="Đơn vị hành chính (administrative units).")


@units_cli.command("load")
@click.option(
    "--province",
    "province_code",
    type=int,
    required=True,
    help="Mã tỉnh, ví dụ 24 (Bắc Ninh; trước 1/7/2025: Bắc Giang).",
)
@click.option("--legacy", is_flag=True, help="Bản đồ ba cấp trước 1/7/2025 (tỉnh → huyện → xã), cho dữ liệu cũ.")
def load(province_code: int, legacy: bool) -> None:
    """Nạp tỉnh và các xã, phường của tỉnh theo danh mục hiện hành (từ 1/7/2025)."""
    try:
        province = services.load_province(province_code, MAP_PRE2025 if legacy else MAP_2025)
    except services.UnitError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{province.name}: {len(province.children)} đơn vị trực thuộc.")
