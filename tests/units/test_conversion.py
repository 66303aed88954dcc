"""Moving live data to the map of 1/7/2025: `flask units convert`, its plan and its audit."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from training.audit import AuditEvent
from training.extensions import db
from training.people import conversion
from training.people import services as people
from training.people.models import Trainee, User
from training.units.models import MAP_2025, MAP_PRE2025, Unit


def unit(map_name: str, code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.map == map_name, Unit.code == code))


def trainee_in(map_name: str, code: str, name: str) -> Trainee:
    trainee = people.save_trainee(
        None,
        {
            "full_name": name,
            "birth_date": date(1984, 5, 6),
            "gender": "female",
            "commune_id": unit(map_name, code).id,
            "group": "commune_broadcast",
        },
    )
    db.session.commit()
    return trainee


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def cli(runner, *args, input=None):
    result = runner.invoke(args=list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def yen_the(runner):
    """Old Bắc Giang with trainees in three Yên Thế communes that are Xã Xuân Lương today,
    and a trainer of Huyện Yên Thế; then today's map loaded beside it."""
    cli(runner, "units", "load", "--province", "24", "--legacy")
    people_ = {
        "Canh Nậu": trainee_in(MAP_PRE2025, "7246", "Thân Thị Hoa"),
        "Đồng Tiến": trainee_in(MAP_PRE2025, "7243", "Giáp Văn Bình"),
        "Xuân Lương": trainee_in(MAP_PRE2025, "7249", "Hà Thị Yến"),
        "Bố Hạ": trainee_in(MAP_PRE2025, "7294", "Lương Văn Sơn"),
    }
    trainer = people.create_user("gv.yenthe", PASSWORD, "Trần Văn Khánh", "trainer", unit(MAP_PRE2025, "215").id)
    db.session.commit()
    cli(runner, "units", "load", "--province", "24")
    return people_, trainer


def test_the_plan_shows_each_old_commune_and_moves_nothing(yen_the):
    trainees, trainer = yen_the
    planned = conversion.plan(24)
    moves = {m.old.name: ([c.name for c in m.candidates], m.trainees) for m in planned.moves}
    assert moves == {
        "Xã Canh Nậu": (["Xã Xuân Lương"], 1),
        "Xã Đồng Tiến": (["Xã Xuân Lương"], 1),
        "Xã Xuân Lương": (["Xã Xuân Lương"], 1),
        "Thị trấn Bố Hạ": (["Xã Bố Hạ"], 1),
    }
    assert planned.trainers == [trainer] and planned.choices_needed == []
    assert planned.province.name == "Tỉnh Bắc Ninh" and [p.name for p in planned.old_provinces] == ["Tỉnh Bắc Giang"]
    db.session.expire_all()
    assert {t.commune.map for t in db.session.scalars(select(Trainee))} == {MAP_PRE2025}


def test_converting_yen_the_puts_each_trainee_in_its_new_commune(runner, yen_the):
    trainees, trainer = yen_the
    output = cli(runner, "units", "convert", "--province", "24", input="y\n")
    assert "Xã Canh Nậu (7246, Huyện Yên Thế) → Xã Xuân Lương (7246): 1 học viên" in output
    assert "giảng viên Trần Văn Khánh: Huyện Yên Thế → Tỉnh Bắc Ninh" in output
    assert "Đã chuyển 4 học viên và 1 giảng viên." in output
    db.session.expire_all()
    xuan_luong = unit(MAP_2025, "7246")
    for name in ("Canh Nậu", "Đồng Tiến", "Xuân Lương"):
        assert db.session.get(Trainee, trainees[name].id).commune_id == xuan_luong.id
    assert db.session.get(Trainee, trainees["Bố Hạ"].id).commune.name == "Xã Bố Hạ"
    assert db.session.get(Trainee, trainees["Bố Hạ"].id).commune.map == MAP_2025
    assert db.session.get(User, trainer.id).unit.name == "Tỉnh Bắc Ninh"
    # the old units stay, and say where their people went
    canh_nau = unit(MAP_PRE2025, "7246")
    assert canh_nau.name == "Xã Canh Nậu" and canh_nau.successor_id == xuan_luong.id
    assert unit(MAP_PRE2025, "215").successor.name == "Tỉnh Bắc Ninh"
    assert unit(MAP_PRE2025, "7201").successor is not None  # no one there, successor recorded all the same
    # audited: one event per old commune, with who moved, and one per trainer
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_ref == f"unit:{canh_nau.id}"))
    assert event.action == "unit.convert" and event.data["trainees"] == [trainees["Canh Nậu"].id]
    assert event.data["to"] == "2025/7246"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.unit")) == 1


def test_converting_again_is_safe(runner, yen_the):
    trainees, _trainer = yen_the
    cli(runner, "units", "convert", "--province", "24", "--yes")
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    output = cli(runner, "units", "convert", "--province", "24", "--yes")
    assert "Không còn gì phải chuyển." in output
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    # someone added to an old commune afterwards follows the choice made then
    late = trainee_in(MAP_PRE2025, "7243", "Dương Văn Quý")
    cli(runner, "units", "convert", "--province", "24", "--yes")
    db.session.expire_all()
    assert db.session.get(Trainee, late.id).commune == unit(MAP_2025, "7246")


def test_declining_changes_nothing(runner, yen_the):
    trainees, _trainer = yen_the
    result = runner.invoke(args=["units", "convert", "--province", "24"], input="n\n")
    assert result.exit_code == 1 and "Chưa chuyển gì." in result.output
    db.session.expire_all()
    assert db.session.get(Trainee, trainees["Canh Nậu"].id).commune.map == MAP_PRE2025


def test_convert_needs_the_new_map_first(runner):
    cli(runner, "units", "load", "--province", "24", "--legacy")
    result = runner.invoke(args=["units", "convert", "--province", "24", "--yes"])
    assert result.exit_code == 1 and "flask units load --province 24" in result.output


@pytest.fixture
def lang_son(runner):
    """Lạng Sơn, where old Xã Hồng Phong (6079) was split between Xã Hồng Phong and Xã Đồng Đăng."""
    cli(runner, "units", "load", "--province", "20", "--legacy")
    split = trainee_in(MAP_PRE2025, "6079", "Hoàng Văn Toàn")
    cli(runner, "units", "load", "--province", "20")
    return split


def test_a_split_commune_is_asked_about(runner, lang_son):
    planned = conversion.plan(20)
    [move] = planned.choices_needed
    assert move.old.code == "6079" and {c.code for c in move.candidates} == {"6079", "6184"}
    with pytest.raises(conversion.ConversionError, match="Hãy chọn xã, phường mới cho học viên của"):
        conversion.convert(20, {})
    output = cli(runner, "units", "convert", "--province", "20", input="6184\ny\n")
    assert "bị chia; học viên của xã sang xã, phường nào?" in output
    db.session.expire_all()
    assert db.session.get(Trainee, lang_son.id).commune == unit(MAP_2025, "6184")
    assert unit(MAP_PRE2025, "6079").successor == unit(MAP_2025, "6184")


def test_a_split_commune_chosen_on_the_command_line(runner, lang_son):
    cli(runner, "units", "convert", "--province", "20", "--choose", "6079=6079", "--yes")
    db.session.expire_all()
    assert db.session.get(Trainee, lang_son.id).commune == unit(MAP_2025, "6079")
    result = runner.invoke(args=["units", "convert", "--province", "20", "--choose", "6079=7246", "--yes"])
    assert result.exit_code == 1 and "không có xã, phường mã 7246" in result.output
