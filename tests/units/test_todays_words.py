"""On the map in force since 1/7/2025 a province manages its communes directly: the pages a
province's admin and trainer meet speak of units and areas, never of a "huyện" that no longer
exists (the old map's own names, "Huyện Yên Thế", are proper names and may stand)."""

import re

import pytest
from sqlalchemy import select

from training.courses.models import Course
from training.extensions import db
from training.people.models import User


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return app


def text_of(response) -> str:
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return re.sub(r"<[^>]+>", " ", html.split("<body", 1)[1]) + " ".join(re.findall(r'placeholder="([^"]*)"', html))


def test_a_province_on_todays_map_is_not_told_of_districts(demo, login):
    admin, trainer = (db.session.scalar(select(User).where(User.username == name)) for name in ("admin", "trainer"))
    assert trainer.unit.level == "province"
    course = db.session.scalar(select(Course).where(Course.status == "open").order_by(Course.id))
    pages = {
        "admin: home": login(admin).get("/"),
        "admin: accounts": login(admin).get("/users"),
        "admin: a trainer's account": login(admin).get(f"/users/{trainer.id}/edit"),
        "trainer: home": login(trainer).get("/"),
        "trainer: a new course": login(trainer).get("/courses/new"),
        "trainer: enrol, nobody found": login(trainer).get(f"/courses/{course.id}/enrol?q=khongcoai"),
    }
    for name, response in pages.items():
        assert "huyện" not in text_of(response), name
    # Lists of what was done before 1/7/2025 name its districts ("Lớp … huyện Yên Thế", "Huyện
    # Yên Thế"); their filters and forms speak of units, "Huyện" standing only in such a name.
    lists = {
        "admin: courses": login(admin).get("/courses"),
        "admin: calendar": login(admin).get("/calendar"),
        "admin: trainees": login(admin).get("/trainees"),
        "admin: trainee import": login(admin).get("/trainees/import"),
        "admin: a new account": login(admin).get("/users/new"),
    }
    for name, response in {**pages, **lists}.items():
        followed_by = re.findall(r"Huyện(\s*\S?)", text_of(response))
        assert all(after.strip()[:1].isupper() for after in followed_by), (name, followed_by)
