"""The home page of trainers and the admin: today's and upcoming sessions, and the courses that
need attention (no sessions, under-filled, not closed after their end), in a fixed number of
queries."""

import itertools
from datetime import date, timedelta

import pytest

from tests.queries import statements_sent
from training.clock import local_today, to_local
from training.courses import services
from training.courses.calendar import dashboard
from training.courses.enrolment import enrol_many
from training.courses.models import Course
from training.courses.planning import generate_sessions
from training.extensions import db

_venues = itertools.count(1)


def new_course(
    units,
    trainer,
    starts_on: date,
    district: str = "A",
    sessions: bool = True,
    capacity: int = 30,
    status: str = "draft",
    title: str = "",
) -> Course:
    """A committed CT1 course (1½ days, Sundays not skipped so dates stay predictable)."""
    course = services.create_course(
        units[district].id, "CT1", title, f"Phòng học số {next(_venues)}", starts_on, capacity, [trainer.id]
    )
    course.skip_sundays = False
    if sessions:
        generate_sessions(course)
    for step in {"draft": [], "open": ["open"], "running": ["open", "running"]}[status]:
        services.change_status(course, step)
    db.session.commit()
    return course


def _section(html: str, section_id: str) -> str:
    return html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def today():
    return local_today()


def test_todays_and_upcoming_sessions_appear(login, units, trainer_a, trainer_b, today):
    running = new_course(units, trainer_a, today, status="running", title="Lớp đang học hôm nay")
    soon = new_course(units, trainer_a, today + timedelta(days=5), status="open", title="Lớp tuần sau")
    far = new_course(units, trainer_a, today + timedelta(days=20), status="open", title="Lớp tháng sau")
    elsewhere = new_course(units, trainer_b, today, district="B", status="running", title="Lớp huyện khác")
    html = login(trainer_a).get("/").get_data(as_text=True)

    todays = _section(html, "today")
    assert "Lớp đang học hôm nay" in todays and running.code in todays
    assert "07:30–10:45" in todays and "13:30–16:45" in todays and "CT1.1" in todays
    assert f'href="/courses/{running.id}#sessions"' in todays
    assert "Lớp huyện khác" not in html and elsewhere.code not in html
    upcoming = _section(html, "upcoming")
    assert "Lớp tuần sau" in upcoming and soon.code in upcoming
    assert (today + timedelta(days=5)).strftime("%d/%m") in upcoming
    assert "Lớp đang học hôm nay" in upcoming  # its second day is tomorrow
    assert far.code not in html

    other_html = login(trainer_b).get("/").get_data(as_text=True)
    assert "Lớp huyện khác" in _section(other_html, "today") and "Lớp đang học hôm nay" not in other_html


def test_admin_sees_every_district(login, admin, units, trainer_a, trainer_b, today):
    new_course(units, trainer_a, today, status="running", title="Lớp Yên Thế")
    new_course(units, trainer_b, today, district="B", status="running", title="Lớp Tân Yên")
    todays = _section(login(admin).get("/").get_data(as_text=True), "today")
    assert "Lớp Yên Thế" in todays and "Lớp Tân Yên" in todays and "Huyện Tân Yên" in todays


def test_a_course_without_sessions_needs_attention(login, units, trainer_a, today):
    course = new_course(units, trainer_a, today + timedelta(days=30), sessions=False, title="Lớp chưa lập lịch")
    html = login(trainer_a).get("/").get_data(as_text=True)
    assert "Lớp chưa lập lịch" in _section(html, "attention")
    assert f'href="/courses/{course.id}#sessions"' in html.split('id="attention-no-sessions"', 1)[1]


def test_an_under_filled_course_starting_soon_needs_attention(login, units, trainer_a, make_trainee, today):
    thin = new_course(units, trainer_a, today + timedelta(days=3), capacity=10, status="open", title="Lớp ít người")
    full = new_course(units, trainer_a, today + timedelta(days=7), capacity=4, status="open", title="Lớp đủ người")
    new_course(units, trainer_a, today + timedelta(days=25), capacity=10, status="open", title="Lớp còn xa")
    enrol_many(thin, [make_trainee() for _ in range(4)])
    enrol_many(full, [make_trainee() for _ in range(2)])  # exactly half: not under-filled
    db.session.commit()
    html = login(trainer_a).get("/").get_data(as_text=True)
    under = html.split('id="attention-under-filled"', 1)[1].split("</ul>", 1)[0]
    assert "Lớp ít người" in under and "4/10" in under
    assert "Lớp đủ người" not in under and "Lớp còn xa" not in under
    assert f'href="/courses/{thin.id}/enrol"' in under


def test_cancelled_courses_are_not_flagged(login, units, trainer_a, today):
    course = new_course(units, trainer_a, today + timedelta(days=3), status="open", title="Lớp đã hủy")
    services.change_status(course, "cancelled", "Bão")
    db.session.commit()
    html = login(trainer_a).get("/").get_data(as_text=True)
    assert "Lớp đã hủy" not in html


def test_a_course_left_open_after_its_end_needs_attention(login, units, trainer_a, today):
    stale = new_course(units, trainer_a, today - timedelta(days=20), status="running", title="Lớp quên đóng")
    done = new_course(units, trainer_a, today - timedelta(days=40), status="running", title="Lớp đã đóng")
    services.change_status(done, "closed")
    db.session.commit()
    assert stale.ends_on < today
    html = login(trainer_a).get("/").get_data(as_text=True)
    flagged = html.split('id="attention-not-closed"', 1)[1].split("</ul>", 1)[0]
    assert "Lớp quên đóng" in flagged and stale.ends_on.strftime("%d/%m/%Y") in flagged
    assert "Lớp đã đóng" not in html


def test_nothing_to_show(login, trainer_a):
    html = login(trainer_a).get("/").get_data(as_text=True)
    assert "Hôm nay không có buổi học nào." in html and "Không có khóa học nào cần chú ý." in html
    assert 'href="/courses"' in html and 'href="/trainees"' in html and 'href="/calendar"' in html  # quick links


def test_dashboard_service_sorts_sessions_by_day(app, units, trainer_a, today):
    course = new_course(units, trainer_a, today)
    dash = dashboard(units["A"].id, today)
    assert [s.id for s in dash.today_sessions] == [
        s.id for s in course.sessions if to_local(s.starts_at).date() == today
    ]
    assert all(to_local(s.starts_at).date() > today for s in dash.upcoming_sessions)
    assert dash.under_filled == [(course, 0)] and dash.no_sessions == [] and dash.not_closed == []
    assert dash.attention_count == 1


def _add_one_of_each(units, trainers, make_trainee, today, n: int) -> None:
    """A running course today, an upcoming one (under-filled, with a trainee), one without
    sessions and one left open after its end; each on its own trainer and venue."""
    trainer = trainers[n]
    new_course(units, trainer, today, status="running")
    upcoming = new_course(units, trainer, today + timedelta(days=4), status="open")
    enrol_many(upcoming, [make_trainee()])
    new_course(units, trainer, today + timedelta(days=9), sessions=False)
    new_course(units, trainer, today - timedelta(days=10), status="running")
    db.session.commit()


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_query_count_does_not_grow_with_the_courses(login, units, make_user, make_trainee, today, role):
    trainers = [make_user(f"gv{n}", "trainer", "A") for n in range(6)]
    viewer = trainers[0] if role == "trainer" else make_user("quantri", "admin", None)
    client = login(viewer)
    _add_one_of_each(units, trainers, make_trainee, today, 0)
    client.get("/")  # warm up: the programme catalogue, the session cookie
    db.session.expire_all()  # each measured request starts from an empty identity map
    with statements_sent() as few:
        html = client.get("/").get_data(as_text=True)
    assert html.count("<li>") >= 4
    for n in range(1, 6):
        _add_one_of_each(units, trainers, make_trainee, today, n)
    db.session.expire_all()
    with statements_sent() as many:
        html = client.get("/").get_data(as_text=True)
    dash = dashboard(units["A"].id, today)
    assert len(dash.no_sessions) == 6 and len(dash.not_closed) == 6 and len(dash.under_filled) >= 6
    assert len(dash.today_sessions) == 12
    assert len(many) == len(few), "\n".join(many)
    assert len(few) <= 8, "\n".join(few)


def test_demo_data_fills_every_list_of_the_province(app, today):
    from training import demo
    from training.units.models import MAP_2025, Unit

    demo.load()
    db.session.commit()
    bac_ninh = db.session.scalar(db.select(Unit).where(Unit.map == MAP_2025, Unit.code == "24"))
    dash = dashboard(bac_ninh.id, today)
    assert dash.today_sessions and dash.upcoming_sessions and dash.under_filled
    assert dash.not_closed and dash.no_sessions
    courses = db.session.scalars(db.select(Course)).all()
    statuses = {c.status for c in courses if c.unit_id == bac_ninh.id}
    assert {"closed", "running", "open", "draft"} <= statuses
    for course in courses:
        assert all(e.trainee.group in course.curriculum.groups for e in course.enrolments)
        assert all(e.trainee.district_id == course.unit_id for e in course.enrolments)
        if course.status == "closed":
            assert course.ends_on < today and course.enrolments
    demo.load()  # a second load adds nothing
    assert len(db.session.scalars(db.select(Course)).all()) == len(courses)
