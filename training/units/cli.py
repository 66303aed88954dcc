import click
from flask.cli import AppGroup

from ..extensions import db
from . import services

units_cli = AppGroup("units", help="Đơn vị hành chính (administrative units).")


@units_cli.command("load")
@click.option("--province", "province_code", type=int, required=True, help="Mã tỉnh, ví dụ 24 (Bắc Giang).")
@click.option("--two-level", is_flag=True, help="Xã trực thuộc tỉnh (mô hình hai cấp từ 7/2025).")
def load(province_code: int, two_level: bool) -> None:
    """Nạp tỉnh và các đơn vị trực thuộc từ danh mục vietnam-provinces."""
    try:
        province = services.load_province(province_code, two_level=two_level)
    except services.UnitError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{province.name}: {len(province.children)} đơn vị trực thuộc.")
