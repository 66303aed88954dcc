"""The district calendar (week and month), the trainee's schedule and the iCalendar files."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from icalendar import Calendar

from training.clock import local_today
from training.courses import calendar as cal
from training.courses import services
from training.courses.calendar import calendar_entries
from training.courses.enrolment import enrol_many, withdraw
from training.courses.models import Course
from training.courses.planning import generate_sessions
from training.extensions import db

MONDAY = date(2026, 3, 2)  # CT1 from here: Mon 07:30 CT1.1, Mon 13:30 CT1.2, Tue 07:30 CT1.3


def new_course(
    units,
    trainer,
    district: str = "A",
    programme: str = "CT1",
    starts_on: date = MONDAY,
    venue: str = "Hội trường UBND huyện Yên Thế",
    title: str = "",
) -> Course:
    """A committed course with its generated sessions."""
    course = services.create_course(units[district].id, programme, title, venue, starts_on, 30, [trainer.id])
    generate_sessions(course)
    db.session.commit()
    return course


@pytest.fixture
def course_a(units, trainer_a):
    return new_course(units, trainer_a, title="Lớp Yên Thế đợt 1")


@pytest.fixture
def course_b(units, trainer_b):
    return new_course(units, trainer_b, district="B", venue="Hội trường UBND huyện Tân Yên", title="Lớp Tân Yên đợt 1")


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- pure calendar logic --------------------------------------------------------------------


def test_week_starts_on_monday_and_month_shows_whole_weeks():
    week = cal.period_for("week", date(2026, 3, 5))  # a Thursday
    assert (week.first, week.last) == (MONDAY, date(2026, 3, 8))
    assert (week.previous, week.next) == (date(2026, 2, 23), date(2026, 3, 9))
    month = cal.period_for("month", date(2026, 3, 18))  # 1/3/2026 is a Sunday, 31/3 a Tuesday
    assert (month.first, month.last) == (date(2026, 2, 23), date(2026, 4, 5))
    assert month.first.weekday() == 0 and len(month.days) % 7 == 0  # whole weeks, Monday first
    assert (month.previous, month.next) == (date(2026, 2, 1), date(2026, 4, 1))
    assert cal.period_for("month", date(2026, 12, 10)).next == date(2027, 1, 1)
    assert cal.period_for("month", date(2026, 1, 10)).previous == date(2025, 12, 1)


def test_vietnamese_weekday_names(app):
    with app.test_request_context():
        assert [cal.weekday_name(MONDAY + timedelta(days=n)) for n in range(7)] == [
            "Thứ Hai",
            "Thứ Ba",
            "Thứ Tư",
            "Thứ Năm",
            "Thứ Sáu",
            "Thứ Bảy",
            "Chủ nhật",
        ]


# --- week and month pages -------------------------------------------------------------------


def test_week_view_shows_the_districts_sessions_only(login, course_a, course_b, trainer_a):
    html = _html(login(trainer_a).get("/calendar?view=week&date=2026-03-04"))
    assert "02/03/2026" in html and "08/03/2026" in html
    for name in ("Thứ Hai", "Thứ Ba", "Thứ Bảy", "Chủ nhật"):
        assert name in html
    assert course_a.code in html and "Lớp Yên Thế đợt 1" in html
    assert html.count(f'href="/courses/{course_a.id}#sessions"') == 3
    assert "07:30–10:45" in html and "13:30–16:45" in html
    assert "CT1.1" in html and "CT1.3" in html and "Hội trường UBND huyện Yên Thế" in html
    assert course_b.code not in html and "Tân Yên" not in html.split("<main", 1)[1]


def test_week_view_leaves_out_other_weeks_and_cancelled_courses(login, units, trainer_a, course_a):
    later = new_course(units, trainer_a, starts_on=MONDAY + timedelta(days=7), venue="Nhà văn hóa xã Đồng Kỳ")
    cancelled = new_course(units, trainer_a, starts_on=date(2026, 3, 5), venue="Trường THCS Đồng Kỳ")
    services.change_status(cancelled, "cancelled", "Trùng lịch họp huyện")
    db.session.commit()
    html = _html(login(trainer_a).get("/calendar?date=2026-03-02"))
    assert course_a.code in html
    assert later.code not in html and cancelled.code not in html
    assert f"{later.code}" in _html(login(trainer_a).get("/calendar?date=2026-03-09"))


def test_calendar_entries_carry_what_the_page_draws(app, units, trainer_a, trainer_b, course_a, course_b):
    assert course_a.status == "draft"
    entries = calendar_entries(MONDAY, MONDAY + timedelta(days=6))
    assert len(entries) == 6
    assert [e.starts_at for e in entries] == sorted(e.starts_at for e in entries)
    first = next(e for e in entries if e.course_id == course_a.id)
    session = course_a.sessions[0]
    assert (first.id, first.starts_at, first.ends_at, first.module_code, first.venue) == (
        session.id,
        session.starts_at,
        session.ends_at,
        "CT1.1",
        "Hội trường UBND huyện Yên Thế",
    )
    assert first.module_title == session.module.title != ""
    assert (first.course_code, first.course_title, first.course_status, first.unit_name) == (
        course_a.code,
        "Lớp Yên Thế đợt 1",
        "draft",
        "Huyện Yên Thế",
    )
    only_b = calendar_entries(MONDAY, MONDAY + timedelta(days=6), units["B"].id)
    assert {e.course_id for e in only_b} == {course_b.id} and len(only_b) == 3


def test_admin_week_and_month_show_module_titles_districts_and_drafts(login, admin, course_a, course_b):
    course_b.status = "open"
    db.session.commit()
    title = course_a.sessions[0].module.title
    client = login(admin)
    week = _html(client.get("/calendar?view=week&date=2026-03-02")).split("<main", 1)[1]
    assert f"CT1.1. {title}" in week
    assert "Huyện Yên Thế" in week and "Huyện Tân Yên" in week
    assert week.count('tag-warn">Nháp') == 3  # course A's three sessions, not course B's
    month = _html(client.get("/calendar?view=month&date=2026-03-02"))
    assert f'title="Lớp Yên Thế đợt 1 — CT1.1. {title} — Hội trường UBND huyện Yên Thế"' in month


def test_week_navigation_links(login, trainer_a):
    html = _html(login(trainer_a).get("/calendar?view=week&date=2026-03-04"))
    assert 'href="/calendar?view=week&amp;date=2026-02-23"' in html
    assert 'href="/calendar?view=week&amp;date=2026-03-09"' in html
    assert 'href="/calendar?view=week"' in html  # today
    assert 'href="/calendar?view=month&amp;date=2026-03-04"' in html


def test_month_view_shows_the_month_and_navigates(login, units, trainer_a, course_a, course_b):
    april = new_course(units, trainer_a, starts_on=date(2026, 4, 20), venue="Nhà văn hóa xã Hồng Kỳ")
    html = _html(login(trainer_a).get("/calendar?view=month&date=2026-03-18"))
    assert "Tháng 3/2026" in html
    assert html.count(f'href="/courses/{course_a.id}#sessions"') == 3
    assert course_b.code not in html and april.code not in html
    assert "date=2026-02-01" in html and "date=2026-04-01" in html
    assert april.code in _html(login(trainer_a).get("/calendar?view=month&date=2026-04-01"))


@pytest.mark.parametrize("query", ["view=year&date=not-a-date", "view=month&date=9999-12-31", "date=0001-01-01"])
def test_bad_parameters_fall_back_to_this_week_or_month(login, trainer_a, query):
    html = _html(login(trainer_a).get(f"/calendar?{query}"))
    today = local_today()
    if "month" in query:
        assert f"Tháng {today.month}/{today.year}" in html
    else:
        assert (today - timedelta(days=today.weekday())).strftime("%d/%m/%Y") in html


def test_admin_sees_every_district_or_chooses_one(login, admin, units, course_a, course_b):
    client = login(admin)
    html = _html(client.get("/calendar?date=2026-03-02"))
    assert course_a.code in html and course_b.code in html
    html = _html(client.get(f"/calendar?date=2026-03-02&unit={units['B'].id}"))
    assert course_b.code in html and course_a.code not in html


def test_trainer_cannot_choose_another_district(login, trainer_a, units, course_b):
    html = _html(login(trainer_a).get(f"/calendar?date=2026-03-02&unit={units['B'].id}"))
    assert course_b.code not in html


def test_trainee_gets_no_district_calendar(login, make_user):
    assert login(make_user("hv", "trainee", None)).get("/calendar").status_code == 403


# --- iCalendar ------------------------------------------------------------------------------


def _events(response) -> list:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    parsed = Calendar.from_ical(response.data)
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    return parsed.walk("VEVENT")


def test_course_ics_parses_back_with_local_times_and_stable_uids(login, trainer_a, course_a):
    client = login(trainer_a)
    response = client.get(f"/courses/{course_a.id}/calendar.ics")
    assert "attachment" in response.headers["Content-Disposition"] and ".ics" in response.headers["Content-Disposition"]
    events = _events(response)
    assert len(events) == 3
    first = min(events, key=lambda e: e.decoded("DTSTART"))
    start, end = first["DTSTART"].dt, first["DTEND"].dt
    assert first["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert str(start.tzinfo) == "Asia/Ho_Chi_Minh"
    assert (start.date(), start.time(), end.time()) == (MONDAY, time(7, 30), time(10, 45))
    assert start.utcoffset() == timedelta(hours=7)
    assert "CT1.1" in first["SUMMARY"] and course_a.code in first["SUMMARY"]
    assert first["LOCATION"] == "Hội trường UBND huyện Yên Thế"
    uids = {str(e["UID"]) for e in events}
    assert uids == {f"session-{s.id}@taphuan" for s in course_a.sessions}
    assert {str(e["UID"]) for e in _events(client.get(f"/courses/{course_a.id}/calendar.ics"))} == uids


def test_trainee_ics_has_the_enrolled_courses_only(login, units, trainer_a, course_a, make_trainee, make_user):
    other = new_course(units, trainer_a, starts_on=date(2026, 3, 16), venue="Nhà văn hóa xã Hồng Kỳ")
    left = new_course(units, trainer_a, starts_on=date(2026, 3, 23), venue="Nhà văn hóa xã Đồng Kỳ")
    trainee = make_trainee("Hoàng Thị Lan")
    enrol_many(course_a, [trainee])
    enrol_many(left, [trainee])
    withdraw(left.enrolments[0], "Ốm")
    db.session.commit()
    events = _events(login(trainer_a).get(f"/trainees/{trainee.id}/calendar.ics"))
    assert {str(e["UID"]) for e in events} == {f"session-{s.id}@taphuan" for s in course_a.sessions}
    assert other.code not in str(events)

    account = make_user("hoangthilan", "trainee", None)
    account.trainee = trainee
    db.session.commit()
    mine = _events(login(account).get("/me/calendar.ics"))
    assert {str(e["UID"]) for e in mine} == {str(e["UID"]) for e in events}
    assert all("URL" not in e for e in mine)  # a trainee cannot open the course pages


def test_another_districts_trainer_gets_403_on_the_ics_files(login, trainer_b, course_a, make_trainee):
    trainee = make_trainee()
    client = login(trainer_b)
    assert client.get(f"/courses/{course_a.id}/calendar.ics").status_code == 403
    assert client.get(f"/trainees/{trainee.id}/calendar.ics").status_code == 403
    assert client.get(f"/trainees/{trainee.id}/schedule").status_code == 403


def test_my_ics_is_for_trainees(login, trainer_a, make_user):
    assert login(trainer_a).get("/me/calendar.ics").status_code == 403
    assert login(make_user("khong-ho-so", "trainee", None)).get("/me/calendar.ics").status_code == 404


# --- the trainee's schedule -----------------------------------------------------------------


@pytest.fixture
def enrolled_trainee(units, trainer_a, make_trainee, make_user):
    """A trainee with an account, enrolled in a past course and an upcoming one."""
    today = local_today()
    past = new_course(
        units, trainer_a, starts_on=today - timedelta(days=30), venue="Nhà văn hóa xã Đồng Kỳ", title="Lớp đã học"
    )
    upcoming = new_course(
        units, trainer_a, starts_on=today + timedelta(days=10), venue="Hội trường huyện", title="Lớp sắp học"
    )
    trainee = make_trainee("Hoàng Thị Lan")
    enrol_many(past, [trainee])
    enrol_many(upcoming, [trainee])
    account = make_user("hoangthilan", "trainee", None)
    account.trainee = trainee
    db.session.commit()
    return trainee, account, past, upcoming


def test_my_schedule_shows_upcoming_and_past_by_course(login, enrolled_trainee):
    trainee, account, past, upcoming = enrolled_trainee
    html = _html(login(account).get("/me/schedule"))
    head, rest = html.split("Sắp tới", 1)
    soon, done = rest.split("Đã học", 1)
    assert "Lớp sắp học" in soon and "Lớp đã học" not in soon
    assert "Lớp đã học" in done
    assert soon.count("CT1.") == 3 and done.count("CT1.") == 3
    assert "07:30–10:45" in soon and "/me/calendar.ics" in html
    assert f"/courses/{upcoming.id}" not in html  # no links a trainee could not follow


def test_trainer_sees_a_trainees_schedule_with_links(login, trainer_a, enrolled_trainee):
    trainee, _account, past, upcoming = enrolled_trainee
    html = _html(login(trainer_a).get(f"/trainees/{trainee.id}/schedule"))
    assert "Hoàng Thị Lan" in html and "Lớp sắp học" in html and "Lớp đã học" in html
    assert f'href="/courses/{upcoming.id}"' in html and f"/trainees/{trainee.id}/calendar.ics" in html
    assert f"/trainees/{trainee.id}/schedule" in _html(login(trainer_a).get(f"/trainees/{trainee.id}"))


def test_me_page_links_to_the_schedule(login, enrolled_trainee):
    _trainee, account, _past, _upcoming = enrolled_trainee
    html = _html(login(account).get("/me"))
    assert "/me/schedule" in html and "/me/calendar.ics" in html
    assert login(account).get(f"/trainees/{_trainee.id}/schedule").status_code == 403


def test_schedule_split_keeps_a_session_under_way_upcoming(app, units, trainer_a):
    course = new_course(units, trainer_a)
    first = course.sessions[0]
    upcoming, past = cal.schedule_by_course(course.sessions, first.starts_at + timedelta(minutes=30))
    assert past == [] and upcoming == [(course, course.sessions)]
    upcoming, past = cal.schedule_by_course(course.sessions, datetime(2030, 1, 1))
    assert upcoming == [] and past == [(course, course.sessions)]
    assert re.fullmatch(r"session-\d+@taphuan", cal.session_uid(first))


def test_schedule_of_an_account_without_a_trainee_record(login, make_user):
    html = _html(login(make_user("chua-gan", "trainee", None)).get("/me/schedule"))
    assert "chưa gắn với hồ sơ học viên" in html and ".ics" not in html.split("<main", 1)[1]


def test_a_cancelled_course_exports_no_events(login, trainer_a, course_a):
    services.change_status(course_a, "cancelled", "Bão")
    db.session.commit()
    response = login(trainer_a).get(f"/courses/{course_a.id}/calendar.ics")
    assert response.status_code == 200 and Calendar.from_ical(response.data).walk("VEVENT") == []
