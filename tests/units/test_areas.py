"""Areas: the admin gives a trainer a cụm; the trainer then sees and changes only its communes'
trainees and the cụm's courses (lists, pages, enrolment, dashboard)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from training.audit import AuditEvent
from training.clock import local_today
from training.courses import services as courses
from training.courses.calendar import dashboard
from training.courses.enrolment import eligible_by_filter
from training.courses.models import Course
from training.extensions import db
from training.people.conversion import assign_area
from training.people.models import User
from training.units.areas import save_area
from training.units.models import Area
from training.units.services import UnitError

VENUE = "Hội trường UBND xã Đồng Kỳ"


@pytest.fixture
def cum(units, make_user, make_trainee, admin):
    """District A's cụm of Xã Đồng Kỳ and Xã Hồng Kỳ, its trainer, a trainee inside and one
    outside (Thị trấn Phồn Xương, same district), and a course of the cụm beside one of the
    whole district."""
    area = save_area("Cụm Đồng Kỳ", "cluster", units["A"], [units["Xã Đồng Kỳ"].id, units["Xã Hồng Kỳ"].id])
    trainer = make_user("gv.cum", "trainer", "A")
    assign_area(trainer, area, admin.id)
    district_trainer = make_user("gv.huyen", "trainer", "A")
    inside = make_trainee("Thân Thị Hoa", commune="Xã Đồng Kỳ")
    outside = make_trainee("Giáp Văn Bình", commune="Thị trấn Phồn Xương")
    start = local_today() + timedelta(days=3)
    own = courses.create_course(units["A"].id, "CT1", "Lớp của cụm", VENUE, start, 30, [trainer.id], area_id=area.id)
    other = courses.create_course(
        units["A"].id, "CT1", "Lớp của huyện", "Hội trường huyện", start, 30, [district_trainer.id]
    )
    db.session.commit()
    return area, trainer, inside, outside, own, other


def test_a_cum_trainer_sees_and_changes_only_its_communes_and_courses(cum, login):
    area, trainer, inside, outside, own, other = cum
    client = login(trainer)
    listing = client.get("/trainees").get_data(as_text=True)
    assert "Thân Thị Hoa" in listing and "Giáp Văn Bình" not in listing
    assert client.get(f"/trainees/{inside.id}").status_code == 200
    assert client.get(f"/trainees/{outside.id}").status_code == 403
    assert client.get(f"/trainees/{outside.id}/edit").status_code == 403
    # the trainee form offers only the cụm's communes
    form = client.get("/trainees/new").get_data(as_text=True)
    assert "Xã Hồng Kỳ" in form and "Thị trấn Phồn Xương" not in form
    courses_page = client.get("/courses").get_data(as_text=True)
    assert "Lớp của cụm" in courses_page and "Lớp của huyện" not in courses_page
    assert client.get(f"/courses/{own.id}").status_code == 200
    assert client.get(f"/courses/{other.id}").status_code == 403
    # a cụm course takes the cụm's trainees only
    eligible = eligible_by_filter(own, None, None)
    assert [t.id for t in eligible] == [inside.id]
    # the district's trainer still sees the whole district
    assert {t.id for t in eligible_by_filter(other, None, None)} == {inside.id, outside.id}


def test_the_dashboard_follows_the_area(cum, login):
    area, trainer, inside, outside, own, other = cum
    dash = dashboard(trainer.unit_id, area_id=area.id)
    shown = {c.id for c in dash.no_sessions}
    assert own.id in shown and other.id not in shown
    home = login(trainer).get("/").get_data(as_text=True)
    assert "Lớp của cụm" in home and "Lớp của huyện" not in home


def test_a_course_created_by_a_cum_trainer_is_the_cums(cum, login):
    area, trainer, *_ = cum
    response = login(trainer).post(
        "/courses/new",
        data={
            "unit_id": trainer.unit_id,
            "curriculum_code": "CT1",
            "title": "Lớp mới của cụm",
            "venue": VENUE,
            "starts_on": (local_today() + timedelta(days=30)).isoformat(),
            "capacity": "30",
            "trainer_ids": [trainer.id],
            "morning_start": "07:30",
            "morning_end": "11:30",
            "afternoon_start": "13:30",
            "afternoon_end": "17:00",
            "skip_sundays": "y",
            "late_after_minutes": "15",
            "notes": "",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Course).where(Course.title == "Lớp mới của cụm")).area_id == area.id


def test_the_admin_makes_areas_and_assigns_trainers(login, admin, units, make_user):
    trainer = make_user("gv.moi", "trainer", "B")
    client = login(admin)
    assert client.get("/units/areas").status_code == 200
    response = client.post(
        "/units/areas",
        data={
            "area-name": "Cụm Ngọc Thiện",
            "area-kind": "cluster",
            "area-unit_id": units["B"].id,
            "area-commune_ids": [units["Xã Ngọc Thiện"].id, units["Xã Cao Xá"].id],
        },
    )
    assert response.status_code == 302
    area = db.session.scalar(select(Area).where(Area.name == "Cụm Ngọc Thiện"))
    assert {c.name for c in area.communes} == {"Xã Ngọc Thiện", "Xã Cao Xá"}
    assert (
        client.post("/units/areas", data={"assign-user_id": trainer.id, "assign-area_id": area.id}).status_code == 302
    )
    db.session.expire_all()
    assert db.session.get(User, trainer.id).area_id == area.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.area")).actor_id == admin.id
    page = client.get("/units/areas").get_data(as_text=True)
    assert "Cụm Ngọc Thiện" in page and "Gv.Moi" in page


def test_a_cum_of_another_units_communes_is_refused(units):
    with pytest.raises(UnitError, match="trực thuộc đơn vị đã chọn"):
        save_area("Cụm lẫn", "cluster", units["A"], [units["Xã Cao Xá"].id])
    with pytest.raises(UnitError, match="không khớp"):
        save_area("Huyện?", "district", units["province"])
