"""Units in the web app: both maps on /units with each commune's sources or successor and its
trainees; the conversion page; renaming and merging without the command line."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.helpers import vietnamese_number
from training.audit import AuditEvent
from training.extensions import db
from training.people import services as people
from training.people.models import Trainee, User
from training.units.models import MAP_2025, MAP_PRE2025, Unit


def unit(map_name: str, code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.map == map_name, Unit.code == code))


def trainee_in(commune: Unit, name: str) -> Trainee:
    trainee = people.save_trainee(
        None,
        {
            "full_name": name,
            "birth_date": date(1984, 5, 6),
            "gender": "female",
            "commune_id": commune.id,
            "group": "commune_broadcast",
        },
    )
    db.session.commit()
    return trainee


@pytest.fixture
def both_maps(app, units):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "load", "--province", "24", "--legacy"]).exit_code == 0
    trainees = [
        trainee_in(unit(MAP_PRE2025, "7246"), "Thân Thị Hoa"),
        trainee_in(unit(MAP_PRE2025, "7243"), "Giáp Văn Bình"),
    ]
    trainer = people.create_user("gv.yenthe", PASSWORD, "Trần Văn Khánh", "trainer", unit(MAP_PRE2025, "215").id)
    db.session.commit()
    assert runner.invoke(args=["units", "load", "--province", "24"]).exit_code == 0
    return trainees, trainer


def test_units_page_shows_both_maps_with_sources_successors_and_counts(both_maps, login, admin):
    html = login(admin).get("/units/").get_data(as_text=True)
    assert (
        html.index("Bản đồ từ 1/7/2025")
        < html.index("Tỉnh Bắc Ninh")
        < html.index("Bản đồ trước 1/7/2025")
        < html.index("Huyện Yên Thế")
    )
    assert "99 xã/phường · 0 học viên" in html
    yen_the = html[html.index("<strong>Huyện Yên Thế</strong>") :]
    assert re.match(r"<strong>Huyện Yên Thế</strong>\s*<span class=\"muted\">\d+ xã/phường · 2 học viên", yen_the)
    # Xã Xuân Lương (new) lists its three sources, proposed by the national table until converted
    row = html[html.index("Xã Xuân Lương</td>") if "Xã Xuân Lương</td>" in html else html.index("Xã Xuân Lương") :]
    assert "Xã Canh Nậu" in row[:600] and "Xã Đồng Tiến" in row[:600]
    assert "2 học viên còn ở xã, phường của bản đồ trước 1/7/2025." in html


def test_a_province_of_trainees_is_counted_in_vietnamese_thousands(both_maps, login, admin, monkeypatch):
    """Province-sized counts on the units page read as Vietnamese write them (50.010, not 50010)."""
    from training.people import unit_views

    monkeypatch.setattr(
        unit_views, "trainee_counts_by_commune", lambda: {u.id: 25005 for u in db.session.scalars(select(Unit))}
    )
    html = login(admin).get("/units/").get_data(as_text=True)
    on_the_old_map = len(db.session.scalars(select(Unit).where(Unit.map == MAP_PRE2025, Unit.level == "commune")).all())
    assert vietnamese_number(on_the_old_map * 25005) + " học viên còn ở xã, phường" in html
    assert re.search(r"\d{1,3}(\.\d{3})+ học viên</span>", html), "a district's total in thousands"


def test_the_conversion_page_previews_then_moves_everyone(both_maps, login, admin):
    (hoa, binh), trainer = both_maps
    client = login(admin)
    page = client.get("/units/convert")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Xã Canh Nậu" in html and "Xã Xuân Lương" in html and "Trần Văn Khánh: Huyện Yên Thế → Tỉnh Bắc Ninh" in html
    db.session.expire_all()
    assert db.session.get(Trainee, hoa.id).commune.map == MAP_PRE2025  # a preview changes nothing
    response = client.post("/units/convert", data={"confirmed": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Trainee, hoa.id).commune == db.session.get(Trainee, binh.id).commune == unit(MAP_2025, "7246")
    assert db.session.get(User, trainer.id).unit == unit(MAP_2025, "24")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "unit.convert")).actor_id == admin.id
    again = client.get("/units/convert").get_data(as_text=True)
    assert "Không còn gì phải chuyển." in again
    # /units now shows what was recorded
    html = client.get("/units/").get_data(as_text=True)
    assert "2 học viên còn ở" not in html


def test_the_conversion_page_asks_where_a_split_communes_people_go(app, login, admin, units):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "load", "--province", "20", "--legacy"]).exit_code == 0
    split = trainee_in(unit(MAP_PRE2025, "6079"), "Hoàng Văn Toàn")
    assert runner.invoke(args=["units", "load", "--province", "20"]).exit_code == 0
    client = login(admin)
    html = client.get("/units/convert").get_data(as_text=True)
    old = unit(MAP_PRE2025, "6079")
    assert f'name="choice-{old.id}"' in html and "Xã bị chia" in html
    refused = client.post("/units/convert", data={"confirmed": "1"})
    assert refused.status_code == 200 and "Hãy chọn xã, phường mới cho học viên của" in refused.get_data(as_text=True)
    target = unit(MAP_2025, "6184")
    assert client.post("/units/convert", data={"confirmed": "1", f"choice-{old.id}": str(target.id)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Trainee, split.id).commune == target


def test_rename_and_merge_two_communes_with_confirmation(login, admin, make_trainee, units):
    moving = make_trainee(commune="Xã Hồng Kỳ")
    client = login(admin)
    source, target = units["Xã Hồng Kỳ"], units["Xã Đồng Kỳ"]
    assert client.post(f"/units/{source.id}", data={"rename-name": "Xã Hồng  Kỳ Mới"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, source.id).name == "Xã Hồng Kỳ Mới"
    # the first post asks; nothing moves yet
    asked = client.post(f"/units/{source.id}", data={"merge-target_id": str(target.id)})
    assert asked.status_code == 200 and "Xác nhận sáp nhập" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Trainee, moving.id).commune_id == source.id
    done = client.post(f"/units/{source.id}", data={"merge-target_id": str(target.id), "merge-confirmed": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Trainee, moving.id).commune_id == target.id
    assert db.session.get(Unit, source.id).successor_id == target.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "unit.merge"))
    assert event.data["trainees"] == [moving.id] and event.actor_id == admin.id


def test_a_commune_cannot_be_merged_into_another_district(login, admin, units):
    client = login(admin)
    response = client.post(
        f"/units/{units['Xã Hồng Kỳ'].id}", data={"merge-target_id": str(units["Xã Cao Xá"].id), "merge-confirmed": "1"}
    )
    assert response.status_code == 200  # not a choice offered: refused by the form
    db.session.expire_all()
    assert db.session.get(Unit, units["Xã Hồng Kỳ"].id).successor_id is None


@pytest.mark.parametrize("path", ["/units/convert", "/units/1"])
def test_only_the_admin_moves_units(login, trainer_a, units, path):
    client = login(trainer_a)
    assert client.get(path).status_code == 403
    assert client.post(path, data={"confirmed": "1"}).status_code == 403


def test_an_unknown_unit_is_404(login, admin, units):
    assert login(admin).get("/units/999999").status_code == 404
