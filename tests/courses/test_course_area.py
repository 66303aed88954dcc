"""The course's area: the admin chooses it among the areas of the course's unit that exist (a
crafted or another unit's area is refused, with what was typed kept); a trainer's course is
in the trainer's area and stays there; the admin moves a course, audited, never away from
its enrolled trainees' communes."""

import re

import pytest
from sqlalchemy import func, select

from tests.courses.conftest import VENUE
from tests.courses.test_views import course_form
from tests.helpers import page_text
from training.audit import AuditEvent
from training.courses import services
from training.courses.enrolment import enrol_many, withdraw
from training.courses.models import Course
from training.extensions import db
from training.people.conversion import assign_area
from training.units.areas import save_area

TITLE = "Lớp bồi dưỡng cụm Đồng Kỳ"


@pytest.fixture
def areas(units, admin):
    """A cụm and the whole district as areas of district A, a cụm of district B."""
    cum = save_area("Cụm Đồng Kỳ", "cluster", units["A"], [units["Xã Đồng Kỳ"].id, units["Xã Hồng Kỳ"].id])
    district = save_area("Huyện Yên Thế", "district", units["A"])
    other = save_area("Cụm Ngọc Thiện", "cluster", units["B"], [units["Xã Ngọc Thiện"].id])
    db.session.commit()
    return cum, district, other


def courses() -> int:
    return db.session.scalar(select(func.count()).select_from(Course))


def area_options(html: str) -> list[str]:
    found = re.search(r'<select[^>]*name="area_id"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r"<option[^>]*>([^<]*)</option>", found.group(1))


def test_the_admin_puts_a_new_course_in_an_area(areas, login, admin, units, trainer_a):
    cum, district, other = areas
    client = login(admin)
    offered = area_options(page_text(client.get("/courses/new")))
    # every area of the units offered (A and B on this map), and the whole unit
    assert offered == ["Toàn đơn vị tổ chức", "Cụm Đồng Kỳ", "Cụm Ngọc Thiện", "Huyện Yên Thế"]
    response = client.post("/courses/new", data=course_form(units, [trainer_a], title=TITLE, area_id=str(cum.id)))
    assert response.status_code == 302
    assert db.session.scalar(select(Course).where(Course.title == TITLE)).area_id == cum.id


@pytest.mark.parametrize("area", ["999999", "abc", "other"])
def test_an_area_that_does_not_exist_or_is_another_units_is_refused_keeping_the_typing(
    areas, login, admin, units, trainer_a, area
):
    other = areas[2]
    before = courses()
    response = login(admin).post(
        "/courses/new",
        data=course_form(
            units, [trainer_a], title=TITLE, notes="Ghi chú đã gõ", area_id=str(other.id) if area == "other" else area
        ),
    )
    assert response.status_code == 200
    page = page_text(response)
    assert (
        "Địa bàn đã chọn không thuộc đơn vị tổ chức khóa học." if area == "other" else "Lựa chọn không hợp lệ"
    ) in page
    assert courses() == before
    assert f'value="{TITLE}"' in page and "Ghi chú đã gõ" in page and f'value="{VENUE}"' in page


def test_a_trainers_course_is_in_the_trainers_area_and_no_other(areas, login, admin, units, trainer_a):
    cum, district, _other = areas
    assign_area(trainer_a, cum, admin.id)
    db.session.commit()
    client = login(trainer_a)
    assert area_options(page_text(client.get("/courses/new"))) == ["Cụm Đồng Kỳ"]
    refused = client.post("/courses/new", data=course_form(units, [trainer_a], title=TITLE, area_id=str(district.id)))
    assert refused.status_code == 200 and "Lựa chọn không hợp lệ" in page_text(refused)
    assert courses() == 0
    # without the box, as with it: the trainer's own
    assert client.post("/courses/new", data=course_form(units, [trainer_a], title=TITLE)).status_code == 302
    course = db.session.scalar(select(Course).where(Course.title == TITLE))
    assert course.area_id == cum.id
    # editing keeps it there
    moved = client.post(
        f"/courses/{course.id}/edit", data=course_form(units, [trainer_a], title=TITLE, area_id=str(district.id))
    )
    assert moved.status_code == 200
    assert (
        client.post(f"/courses/{course.id}/edit", data=course_form(units, [trainer_a], title=TITLE)).status_code == 302
    )
    db.session.expire_all()
    assert db.session.get(Course, course.id).area_id == cum.id


def test_the_admin_moves_a_course_audited_but_not_away_from_its_trainees(
    areas, login, admin, units, trainer_a, make_course, make_trainee
):
    cum, district, _other = areas
    course = make_course("CT1")
    outside = make_trainee("Giáp Văn Bình", commune="Thị trấn Phồn Xương")
    enrol_many(course, [outside])
    db.session.commit()
    client = login(admin)
    response = client.post(
        f"/courses/{course.id}/edit", data=course_form(units, [trainer_a], title=TITLE, area_id=str(cum.id))
    )
    assert response.status_code == 200
    assert "Giáp Văn Bình (Thị trấn Phồn Xương) đã ghi danh nhưng không thuộc các xã, phường của cụm" in page_text(
        response
    )
    db.session.expire_all()
    assert db.session.get(Course, course.id).area_id is None
    assert (
        client.post(
            f"/courses/{course.id}/edit", data=course_form(units, [trainer_a], title=TITLE, area_id=str(district.id))
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Course, course.id).area_id == district.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.area"))
    assert event.actor_id == admin.id and "Huyện Yên Thế" in event.detail
    # the course page names a cụm it belongs to
    assert (
        client.post(
            f"/courses/{course.id}/edit", data=course_form(units, [trainer_a], title=TITLE, area_id="0")
        ).status_code
        == 302
    )
    withdraw(course.active_enrolments[0], "Chuyển lớp")
    services.move_to_area(course, cum.id)
    db.session.commit()
    assert f"{course.code} · Huyện Yên Thế · Cụm Đồng Kỳ" in page_text(client.get(f"/courses/{course.id}"))
