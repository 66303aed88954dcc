"""A trainer of a cụm adds, edits, imports and enrols trainees of the cụm's communes only: a
file with a row of another commune imports nothing and names that row, as every bad row is
named; a cụm's course takes only the cụm's trainees, whoever enrols them."""

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.helpers import page_text
from training.clock import local_today
from training.courses import services as courses
from training.courses.models import Enrolment
from training.extensions import db
from training.people.conversion import assign_area
from training.people.models import Trainee
from training.units.areas import save_area

HEADER = ["Họ và tên", "Ngày sinh", "Giới tính", "Chức vụ", "Xã/phường", "Nhóm", "Điện thoại"]
BROADCAST = "Văn hóa - xã hội / đài truyền thanh xã"
ERROR_ROW = re.compile(r'<tr><td class="num">([^<]*)</td><td>([^<]*)</td></tr>')


@pytest.fixture
def cum(units, make_user, make_trainee, admin):
    """District A's cụm of Xã Đồng Kỳ and Xã Hồng Kỳ with its trainer; a trainee inside it
    and one outside (Thị trấn Phồn Xương, same district); a course of the cụm."""
    area = save_area("Cụm Đồng Kỳ", "cluster", units["A"], [units["Xã Đồng Kỳ"].id, units["Xã Hồng Kỳ"].id])
    trainer = make_user("gv.cum", "trainer", "A")
    assign_area(trainer, area, admin.id)
    inside = make_trainee("Thân Thị Hoa", commune="Xã Hồng Kỳ")
    outside = make_trainee("Giáp Văn Bình", commune="Thị trấn Phồn Xương")
    course = courses.create_course(
        units["A"].id,
        "CT1",
        "Lớp của cụm",
        "Hội trường xã Đồng Kỳ",
        local_today() + timedelta(days=10),
        30,
        [trainer.id],
        area_id=area.id,
    )
    db.session.commit()
    return area, trainer, inside, outside, course


def csv_bytes(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode("utf-8-sig")


def row(name: str, commune: str) -> list:
    return [name, "15/03/1985", "Nữ", "Công chức Văn hóa - Xã hội", commune, BROADCAST, ""]


def trainees() -> int:
    return db.session.scalar(select(func.count()).select_from(Trainee))


def enrolled(course) -> set[int]:
    return set(
        db.session.scalars(
            select(Enrolment.trainee_id).where(Enrolment.course_id == course.id, Enrolment.status == "enrolled")
        )
    )


def test_a_cum_trainers_file_with_a_row_of_another_commune_imports_nothing(cum, login, units):
    _area, trainer, *_ = cum
    before = trainees()
    content = csv_bytes(
        [
            row("Nguyễn Thị An", "Xã Đồng Kỳ"),
            row("Lê Văn Cường", "Thị trấn Phồn Xương"),
            row("Trần Thị Dung", "Xã Hồng Kỳ"),
            row("Phạm Văn Em", "Xã Cao Xá"),
        ]
    )
    response = login(trainer).post(
        "/trainees/import",
        data={"file": (io.BytesIO(content), "ds.csv"), "unit_id": str(units["A"].id)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    errors = dict(ERROR_ROW.findall(page_text(response).split('id="import-errors"', 1)[1]))
    # line 3: a commune of the district outside the cụm; line 5: another district's commune
    assert set(errors) == {"3", "5"}
    assert "Thị trấn Phồn Xương không thuộc địa bàn được giao cho bạn" in errors["3"]
    assert "Xã Cao Xá" in errors["5"]
    assert trainees() == before
    # the same file without those rows goes in
    good = csv_bytes([row("Nguyễn Thị An", "Xã Đồng Kỳ"), row("Trần Thị Dung", "Hồng Kỳ")])
    assert (
        login(trainer)
        .post(
            "/trainees/import",
            data={"file": (io.BytesIO(good), "ds.csv"), "unit_id": str(units["A"].id)},
            content_type="multipart/form-data",
        )
        .status_code
        == 302
    )
    assert trainees() == before + 2


def test_the_district_trainer_still_imports_the_whole_district(cum, login, units, make_user):
    content = csv_bytes([row("Lê Văn Cường", "Thị trấn Phồn Xương")])
    response = login(make_user("gv.huyen", "trainer", "A")).post(
        "/trainees/import",
        data={"file": (io.BytesIO(content), "ds.csv"), "unit_id": str(units["A"].id)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302


def test_a_cum_trainers_template_offers_only_the_cums_communes(cum, login):
    _area, trainer, *_ = cum
    response = login(trainer).get("/trainees/import/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["Danh muc"]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]] == ["Xã Đồng Kỳ", "Xã Hồng Kỳ"]


def test_a_cum_trainer_cannot_add_or_move_a_trainee_to_another_commune(cum, login, units):
    _area, trainer, inside, *_ = cum
    client = login(trainer)
    data = {
        "full_name": "Nguyễn Văn Mới",
        "birth_date": "01/02/1980",
        "gender": "male",
        "position": "",
        "commune_id": str(units["Thị trấn Phồn Xương"].id),
        "group": "commune_broadcast",
        "phone": "",
    }
    before = trainees()
    response = client.post("/trainees/new", data=data)
    assert response.status_code == 200 and "Lựa chọn không hợp lệ" in page_text(response)
    assert trainees() == before
    moved = client.post(f"/trainees/{inside.id}/edit", data={**data, "full_name": inside.full_name})
    assert moved.status_code == 200
    db.session.expire_all()
    assert db.session.get(Trainee, inside.id).commune.name == "Xã Hồng Kỳ"
    # the list's commune filter offers only the cụm's communes
    listing = client.get("/trainees").get_data(as_text=True)
    assert "Xã Hồng Kỳ" in listing and "Thị trấn Phồn Xương" not in listing


def test_a_cums_course_refuses_a_trainee_of_another_commune_on_every_path(cum, login, admin):
    _area, trainer, inside, outside, course = cum
    client = login(admin)  # the admin may act on every trainee: the course's cụm is what refuses
    response = client.post(f"/courses/{course.id}/enrol", data={"trainee_ids": [inside.id, outside.id]})
    assert response.status_code == 200
    assert "Giáp Văn Bình (Thị trấn Phồn Xương) không thuộc Cụm Đồng Kỳ, địa bàn của khóa học." in page_text(response)
    assert enrolled(course) == set()
    # from a file: the other commune's row is named, nobody is enrolled
    out = io.StringIO()
    csv.writer(out).writerows(
        [["Mã cá nhân", "Họ và tên", "Ngày sinh"], [inside.personal_code, "", ""], [outside.personal_code, "", ""]]
    )
    response = login(trainer).post(
        f"/courses/{course.id}/enrol/import",
        data={"file": (io.BytesIO(out.getvalue().encode()), "ds.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    errors = dict(ERROR_ROW.findall(page_text(response).split('id="import-errors"', 1)[1]))
    assert list(errors) == ["3"] and "Giáp Văn Bình" in errors["3"]
    assert enrolled(course) == set()
    # the enrol page offers and finds only the cụm's
    page = login(trainer).get(f"/courses/{course.id}/enrol?q=Giáp").get_data(as_text=True)
    assert "Giáp Văn Bình" not in page and "Thị trấn Phồn Xương" not in page
    assert (
        login(trainer).post(f"/courses/{course.id}/enrol/filter", data={"commune_id": "0", "group": ""}).status_code
        == 302
    )
    assert enrolled(course) == {inside.id}
