"""Units are listed in Vietnamese order on every page that lists them, with the collation the
trainee names use: code points put "Xã Đông Sơn" after "Xã Xuân Lương" and "Xã Tân Hiệp"
after "Xã Tiến Thắng", and "Huyện Ứng Hòa" after "Huyện Yên Thế"."""

import html as html_lib
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from training.clock import local_today
from training.courses import services as courses
from training.extensions import db
from training.people import services as people
from training.units.areas import save_area
from training.units.models import MAP_PRE2025, Unit
from training.vietnamese import sort_key

#: district A's communes in Vietnamese order: d before đ, ngang before huyền ("Đông" before
#: "Đồng"), a before â before i ("Tam", "Tân", "Tiến")
COMMUNES_A = [
    "Thị trấn Phồn Xương",
    "Xã Dương Hưu",
    "Xã Đông Sơn",
    "Xã Đồng Kỳ",
    "Xã Gia Bình",
    "Xã Hồng Kỳ",
    "Xã Tam Tiến",
    "Xã Tân Hiệp",
    "Xã Tiến Thắng",
    "Xã Xuân Lương",
]
#: u before ư before v
DISTRICTS = ["Huyện Tân Yên", "Huyện Ứng Hòa", "Huyện Việt Yên", "Huyện Yên Thế"]
AREAS = ["Cụm Dương Hưu", "Cụm Đông Sơn", "Cụm Gia Bình"]


@pytest.fixture
def many(units):
    """The shared tree with more communes in district A and two more districts, whose names
    code points put in the wrong order."""
    for n, name in enumerate(
        ["Xã Đông Sơn", "Xã Tam Tiến", "Xã Tân Hiệp", "Xã Tiến Thắng", "Xã Xuân Lương", "Xã Dương Hưu", "Xã Gia Bình"]
    ):
        units[name] = Unit(map=MAP_PRE2025, code=str(7210 + n), name=name, level="commune", parent=units["A"])
    for code, name in (("217", "Huyện Việt Yên"), ("218", "Huyện Ứng Hòa")):
        units[name] = Unit(map=MAP_PRE2025, code=code, name=name, level="district", parent=units["province"])
        db.session.add(Unit(map=MAP_PRE2025, code=code + "01", name="Xã Một", level="commune", parent=units[name]))
    db.session.add_all(units.values())
    db.session.commit()
    for name in reversed(AREAS):
        save_area(name, "cluster", units["A"], [units["Xã Tam Tiến"].id])
    db.session.commit()
    assert sorted(COMMUNES_A) != COMMUNES_A and sorted(DISTRICTS) != DISTRICTS  # code points get them wrong
    return units


def options(html: str, name: str) -> list[str]:
    """The labels of a select's options, in page order (the empty or "all" ones left out)."""
    found = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no select {name}"
    labels = [
        html_lib.unescape(label).strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", found.group(1))
    ]
    return [label for label in labels if label and not label.startswith(("Tất cả", "—", "Toàn"))]


def in_page_order(html: str, names: list[str]) -> list[str]:
    """`names` in the order the page first shows them."""
    return sorted(names, key=lambda name: html.index(name))


def test_the_collation_is_the_trainee_names_one():
    assert sorted(reversed(COMMUNES_A), key=sort_key) == COMMUNES_A
    assert sorted(["Xã Xuân Lương", "Xã Đông Sơn", "Xã Gia Bình", "Xã Dương Hưu"], key=sort_key) == [
        "Xã Dương Hưu",
        "Xã Đông Sơn",
        "Xã Gia Bình",
        "Xã Xuân Lương",
    ]


def test_trainee_pages_list_communes_and_districts_in_vietnamese_order(many, login, admin, trainer_a):
    client = login(admin)
    form = client.get("/trainees/new").get_data(as_text=True)
    assert [c for c in options(form, "commune_id") if c in COMMUNES_A] == COMMUNES_A
    assert in_page_order(form, DISTRICTS) == DISTRICTS  # the optgroups
    listing = client.get(f"/trainees?unit={many['A'].id}").get_data(as_text=True)
    assert options(listing, "commune") == COMMUNES_A
    assert options(listing, "unit") == DISTRICTS
    assert options(login(trainer_a).get("/trainees/new").get_data(as_text=True), "commune_id") == COMMUNES_A


def test_course_pages_list_units_and_communes_in_vietnamese_order(many, login, admin, trainer_a):
    client = login(admin)
    assert options(client.get("/courses/new").get_data(as_text=True), "unit_id") == DISTRICTS
    assert options(client.get("/courses/new").get_data(as_text=True), "area_id") == AREAS
    assert options(client.get("/courses").get_data(as_text=True), "unit") == DISTRICTS
    assert options(client.get("/calendar").get_data(as_text=True), "unit") == DISTRICTS
    course = courses.create_course(
        many["A"].id, "CT1", "Lớp", "Hội trường", local_today() + timedelta(days=7), 30, [trainer_a.id]
    )
    db.session.commit()
    enrol = login(trainer_a).get(f"/courses/{course.id}/enrol").get_data(as_text=True)
    assert options(enrol, "commune_id") == COMMUNES_A


def test_accounts_pages_list_districts_in_vietnamese_order(many, login, admin, trainer_a):
    client = login(admin)
    assert options(client.get("/users/new").get_data(as_text=True), "unit_id") == DISTRICTS
    assert options(client.get(f"/users/{trainer_a.id}/edit").get_data(as_text=True), "unit_id") == DISTRICTS
    assert options(client.get("/trainees/import").get_data(as_text=True), "unit_id") == DISTRICTS


def test_units_and_areas_pages_list_in_vietnamese_order(many, login, admin):
    client = login(admin)
    page = client.get("/units/").get_data(as_text=True)
    assert in_page_order(page, DISTRICTS) == DISTRICTS
    assert in_page_order(page, COMMUNES_A) == COMMUNES_A
    areas = client.get("/units/areas").get_data(as_text=True)
    assert options(areas, "assign-area_id") == AREAS
    assert in_page_order(areas, AREAS) == AREAS
    merge = client.get(f"/units/{many['Xã Gia Bình'].id}").get_data(as_text=True)
    assert options(merge, "merge-target_id") == [c for c in COMMUNES_A if c != "Xã Gia Bình"]


def test_the_conversion_page_lists_old_communes_in_vietnamese_order(app, login, admin, units):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "load", "--province", "24", "--legacy"]).exit_code == 0
    # Yên Thế's communes of the issue's example, whose order code points got wrong
    names = ["Xã Xuân Lương", "Xã Đông Sơn", "Xã Tiến Thắng", "Xã Tân Hiệp", "Xã Tam Tiến"]
    yen_the = db.session.scalar(select(Unit).where(Unit.map == MAP_PRE2025, Unit.name == "Huyện Yên Thế"))
    for name in names:
        commune = db.session.scalar(select(Unit).where(Unit.parent_id == yen_the.id, Unit.name == name))
        people.save_trainee(
            None,
            {
                "full_name": f"Người ở {name}",
                "birth_date": date(1984, 5, 6),
                "gender": "female",
                "commune_id": commune.id,
                "group": "commune_broadcast",
            },
        )
    db.session.commit()
    assert runner.invoke(args=["units", "load", "--province", "24"]).exit_code == 0
    html = login(admin).get("/units/convert").get_data(as_text=True)
    rows = re.findall(r"<td>(Xã [^<]+?) <span class=\"muted\">", html)
    assert rows == ["Xã Đông Sơn", "Xã Tam Tiến", "Xã Tân Hiệp", "Xã Tiến Thắng", "Xã Xuân Lương"]


def test_the_survey_summary_lists_areas_in_vietnamese_order(many, login, admin, trainer_a, trainer_b, make_trainee):
    from tests.certificates.conftest import start_course

    many["B"].name = "Huyện Đông Anh"  # code points put it after Huyện Yên Thế
    start_course(many, trainer_a, [make_trainee()], first_day=date(2026, 2, 23))
    start_course(
        many,
        trainer_b,
        [make_trainee(commune="Xã Ngọc Thiện")],
        first_day=date(2026, 2, 23),
        district="B",
        venue="Hội trường UBND huyện Đông Anh",
    )
    page = login(admin).get("/surveys?from=01/01/2026&to=31/12/2026&by=area").get_data(as_text=True)
    assert in_page_order(page, ["Huyện Yên Thế", "Huyện Đông Anh"]) == ["Huyện Đông Anh", "Huyện Yên Thế"]
