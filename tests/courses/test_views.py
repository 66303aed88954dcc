"""Course pages: creating and scheduling a course, enrolment, the list, and who may do what."""

import csv
import io
import re
from datetime import date, datetime, time, timedelta, timezone

import pytest
from flask_babel import refresh
from sqlalchemy import select

from tests.courses.conftest import MONDAY, VENUE, enrolled_ids, local_span, move_to
from tests.helpers import count, page_text
from training.courses import services
from training.courses.enrolment import enrol_many
from training.courses.models import Course, CourseSession, Enrolment
from training.courses.planning import period_mismatches
from training.extensions import db

CODE_LINK = re.compile(r'<a href="/courses/\d+">(\d{3}-\d{4}-CT\d-\d{2})</a>')


def listed(response) -> list[str]:
    """Course codes of a /courses page, in page order."""
    assert response.status_code == 200
    return CODE_LINK.findall(response.get_data(as_text=True))


def course_form(units, trainers, **overrides) -> dict:
    data = {
        "unit_id": units["A"].id,
        "curriculum_code": "CT1",
        "title": "",
        "venue": VENUE,
        "starts_on": MONDAY.isoformat(),
        "capacity": "30",
        "trainer_ids": [t.id for t in trainers],
        "notes": "Mang theo máy tính xách tay.",
        "morning_start": "07:30",
        "morning_end": "11:30",
        "afternoon_start": "13:30",
        "afternoon_end": "17:00",
        "skip_sundays": "y",
        "late_after_minutes": "15",
    }
    data.update(overrides)
    return data


def session_form(session: CourseSession, **overrides) -> dict:
    day, start, end = local_span(session)
    data = {
        "module_code": session.module_code,
        "day": day.isoformat(),
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
        "periods": str(session.periods),
        "venue": session.venue,
        "trainer_id": str(session.trainer_id or 0),
    }
    data.update(overrides)
    return data


def csv_upload(rows: list[list], name: str = "danh-sach.csv") -> dict:
    out = io.StringIO()
    csv.writer(out).writerows([["Mã cá nhân", "Họ và tên", "Ngày sinh"], *rows])
    return {"file": (io.BytesIO(out.getvalue().encode("utf-8")), name)}


def reload(course: Course) -> Course:
    db.session.expire_all()
    return db.session.get(Course, course.id)


# --- creating and scheduling ----------------------------------------------------------------


def test_new_course_form_offers_the_district_trainers(login, trainer_a, trainer_b, make_user):
    colleague = make_user("trainer.a2", "trainer", "A")
    page = page_text(login(trainer_a).get("/courses/new"))
    assert "Trainer.A2" in page and colleague.full_name in page
    assert "Trainer.B" not in page


def test_trainer_creates_a_course_through_the_form(login, units, trainer_a):
    response = login(trainer_a).post("/courses/new", data=course_form(units, [trainer_a]))
    assert response.status_code == 302
    course = db.session.scalars(select(Course)).one()
    assert response.headers["Location"].endswith(f"/courses/{course.id}")
    assert re.fullmatch(r"215-\d{4}-CT1-01", course.code)
    assert course.code == f"215-{MONDAY.year}-CT1-01"
    assert course.unit_id == units["A"].id
    assert course.status == "draft"
    assert course.trainers == [trainer_a]
    assert course.created_by_id == trainer_a.id
    assert (course.starts_on, course.capacity, course.venue) == (MONDAY, 30, VENUE)
    assert course.title == course.curriculum.title
    assert course.skip_sundays and not course.skip_saturdays
    assert course.notes == "Mang theo máy tính xách tay."


def test_custom_slots_from_the_form_are_kept(login, units, trainer_a):
    data = course_form(units, [trainer_a], morning_start="08:00", afternoon_end="16:30", skip_saturdays="y")
    assert login(trainer_a).post("/courses/new", data=data).status_code == 302
    course = db.session.scalars(select(Course)).one()
    assert (course.morning_start, course.afternoon_end) == (time(8, 0), time(16, 30))
    assert course.skip_saturdays


def test_slots_in_the_wrong_order_are_refused(login, units, trainer_a):
    data = course_form(units, [trainer_a], morning_end="14:00")
    response = login(trainer_a).post("/courses/new", data=data)
    assert response.status_code == 200
    assert "Giờ buổi sáng phải kết thúc trước giờ buổi chiều" in page_text(response)
    assert count(Course) == 0


def test_trainer_cannot_create_a_course_in_another_district(login, units, trainer_a, trainer_b):
    data = course_form(units, [trainer_b], unit_id=units["B"].id)
    response = login(trainer_a).post("/courses/new", data=data)
    assert response.status_code in (200, 403)
    assert count(Course) == 0


def test_trainer_cannot_name_a_trainer_of_another_district(login, units, trainer_a, trainer_b):
    response = login(trainer_a).post("/courses/new", data=course_form(units, [trainer_b]))
    assert response.status_code == 200
    assert count(Course) == 0


def test_admin_creates_a_course_for_any_district(login, units, admin, trainer_b):
    data = course_form(units, [trainer_b], unit_id=units["B"].id, curriculum_code="CT3")
    assert login(admin).post("/courses/new", data=data).status_code == 302
    course = db.session.scalars(select(Course)).one()
    assert course.code == f"216-{MONDAY.year}-CT3-01"
    assert course.created_by_id == admin.id


def test_edit_a_course(login, units, trainer_a, make_course):
    course = make_course("CT1")
    client = login(trainer_a)
    page = client.get(f"/courses/{course.id}/edit")
    assert page.status_code == 200 and VENUE in page_text(page)
    data = course_form(units, [trainer_a], title="Lớp CT1 đợt 2", venue="Nhà văn hóa xã Đồng Kỳ", capacity="25")
    assert client.post(f"/courses/{course.id}/edit", data=data).status_code == 302
    course = reload(course)
    assert (course.title, course.venue, course.capacity) == ("Lớp CT1 đợt 2", "Nhà văn hóa xã Đồng Kỳ", 25)
    assert course.curriculum_code == "CT1"


def test_postpone_a_course_through_the_form_then_regenerate(login, units, trainer_a, make_course):
    course = make_course("CT1", sessions=True)
    later = MONDAY + timedelta(days=7)
    client = login(trainer_a)
    data = course_form(units, [trainer_a], starts_on=later.isoformat())
    assert client.post(f"/courses/{course.id}/edit", data=data).status_code == 302
    assert reload(course).starts_on == later
    assert client.post(f"/courses/{course.id}/sessions/generate").status_code == 302
    course = reload(course)
    assert local_span(course.sessions[0])[0] == later
    assert course.ends_on == later + timedelta(days=1)


def test_detail_page_shows_the_course(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1", sessions=True)
    trainee = make_trainee("Nguyễn Thị Hương", commune="Xã Hồng Kỳ")
    enrol_many(course, [trainee])
    db.session.commit()
    page = page_text(login(trainer_a).get(f"/courses/{course.id}"))
    assert course.code in page and VENUE in page and "Trainer.A" in page
    assert "02/03/2026" in page and "07:30–10:45" in page
    assert "Nguyễn Thị Hương" in page and "Xã Hồng Kỳ" in page
    assert "Văn hóa - xã hội / đài truyền thanh xã" in page  # the trainee's group


def test_generate_sessions_through_the_page(login, trainer_a, make_course):
    course = make_course("CT1")
    response = login(trainer_a).post(f"/courses/{course.id}/sessions/generate")
    assert response.status_code == 302
    course = reload(course)
    assert [s.module_code for s in course.sessions] == ["CT1.1", "CT1.2", "CT1.3"]
    assert course.ends_on == MONDAY + timedelta(days=1)


def test_generate_refused_on_a_clash_names_it(login, trainer_a, make_course):
    first = make_course("CT1", sessions=True)
    second = make_course("CT1", venue="Nhà văn hóa xã Đồng Kỳ")
    response = login(trainer_a).post(f"/courses/{second.id}/sessions/generate", follow_redirects=True)
    assert first.code in page_text(response)
    assert count(CourseSession, CourseSession.course_id == second.id) == 0


def test_edit_session_moves_it_to_another_day(login, trainer_a, make_course):
    course = make_course("CT1", sessions=True)
    session = course.sessions[-1]
    client = login(trainer_a)
    page = client.get(f"/sessions/{session.id}/edit")
    assert page.status_code == 200
    assert "CT1.3" in page_text(page)
    later = MONDAY + timedelta(days=3)
    response = client.post(f"/sessions/{session.id}/edit", data=session_form(session, day=later.isoformat()))
    assert response.status_code == 302
    db.session.expire_all()
    assert local_span(db.session.get(CourseSession, session.id)) == (later, time(7, 30), time(10, 45))
    assert reload(course).ends_on == later


def test_edit_session_onto_a_clash_is_refused_with_the_clash_named(login, trainer_a, make_course):
    first = make_course("CT1", sessions=True)
    second = make_course("CT1", venue="Nhà văn hóa xã Đồng Kỳ", starts_on=MONDAY + timedelta(days=7), sessions=True)
    session = second.sessions[0]
    response = login(trainer_a).post(f"/sessions/{session.id}/edit", data=session_form(session, day=MONDAY.isoformat()))
    assert response.status_code == 200
    assert first.code in page_text(response)
    db.session.expire_all()
    assert local_span(db.session.get(CourseSession, session.id))[0] == MONDAY + timedelta(days=7)


def test_add_a_session(login, trainer_a, make_course):
    course = make_course("CT1")
    client = login(trainer_a)
    assert client.get(f"/courses/{course.id}/sessions/new").status_code == 200
    data = {
        "module_code": "CT1.2",
        "day": MONDAY.isoformat(),
        "start": "13:30",
        "end": "15:00",
        "periods": "",
        "venue": "",
        "trainer_id": str(trainer_a.id),
    }
    assert client.post(f"/courses/{course.id}/sessions/new", data=data).status_code == 302
    (session,) = reload(course).sessions
    assert (session.module_code, session.periods, session.venue) == ("CT1.2", 2, VENUE)


def test_split_a_session(login, trainer_a, make_course):
    course = make_course("CT1", sessions=True)
    session = course.sessions[0]
    response = login(trainer_a).post(f"/sessions/{session.id}/split", data={"first_periods": "2"})
    assert response.status_code == 302
    course = reload(course)
    assert [(s.module_code, s.periods) for s in course.sessions] == [
        ("CT1.1", 2),
        ("CT1.1", 2),
        ("CT1.2", 4),
        ("CT1.3", 4),
    ]
    assert period_mismatches(course) == []


def test_delete_a_session_and_the_page_warns_of_the_gap(login, trainer_a, make_course):
    course = make_course("CT1", sessions=True)
    client = login(trainer_a)
    response = client.post(f"/sessions/{course.sessions[1].id}/delete")
    assert response.status_code == 302
    assert [s.module_code for s in reload(course).sessions] == ["CT1.1", "CT1.3"]
    page = page_text(client.get(f"/courses/{course.id}"))
    assert "Số tiết đã xếp chưa khớp với chương trình" in page
    assert "đã xếp 0 tiết, chương trình quy định 4 tiết" in page


def test_status_change_through_the_form(login, trainer_a, make_course):
    course = make_course("CT1", sessions=True)
    client = login(trainer_a)
    response = client.post(f"/courses/{course.id}/status", data={"status": "open", "reason": ""})
    assert response.status_code == 302
    assert reload(course).status == "open"
    page = page_text(
        client.post(f"/courses/{course.id}/status", data={"status": "cancelled", "reason": ""}, follow_redirects=True)
    )
    assert "Cần ghi lý do hủy khóa học" in page
    assert reload(course).status == "open"
    # Cancelling asks first, then goes through with the reason carried by the confirmation.
    page = page_text(client.post(f"/courses/{course.id}/status", data={"status": "cancelled", "reason": "Lũ lụt"}))
    assert "Hủy khóa học?" in page and "Lũ lụt" in page
    assert reload(course).status == "open"
    client.post(f"/courses/{course.id}/status", data={"status": "cancelled", "reason": "Lũ lụt", "confirmed": "yes"})
    course = reload(course)
    assert (course.status, course.cancel_reason) == ("cancelled", "Lũ lụt")


def test_closing_shows_what_it_leaves_undone_before_it_is_confirmed(login, trainer_a, make_course, make_trainee):
    """Closing is final for a trainer: the page names the sessions not yet over and each
    trainee who does not meet the completion rule, with the reason, and writes nothing."""
    course = make_course("CT1", starts_on=date.today() + timedelta(days=3), sessions=True)
    trainees = [make_trainee("Lê Văn Đủ"), make_trainee("Trần Thị Thiếu")]
    enrol_many(course, trainees)
    services.change_status(course, "open")
    services.change_status(course, "running")
    db.session.commit()
    client = login(trainer_a)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    unfinished = sum(1 for s in course.sessions if s.ends_at > now)
    assert unfinished > 0, "the course must still have sessions ahead"

    response = client.post(f"/courses/{course.id}/status", data={"status": "closed"})
    assert response.status_code == 200
    page = page_text(response)
    assert "Kết thúc khóa học?" in page
    assert f"Còn {unfinished} buổi học chưa kết thúc" in page
    assert "0/2 học viên đủ điều kiện hoàn thành chương trình" in page
    assert "Lê Văn Đủ: tham dự 0/" in page and "Trần Thị Thiếu: tham dự 0/" in page
    assert 'name="confirmed" value="yes"' in response.get_data(as_text=True)
    assert reload(course).status == "running"

    client.post(f"/courses/{course.id}/status", data={"status": "closed", "confirmed": "yes"})
    assert reload(course).status == "closed"


def test_a_change_that_would_be_refused_is_refused_at_once_not_confirmed(login, trainer_a, make_course):
    course = make_course("CT1", sessions=True)
    client = login(trainer_a)
    page = page_text(
        client.post(f"/courses/{course.id}/status", data={"status": "cancelled", "reason": " "}, follow_redirects=True)
    )
    assert "Cần ghi lý do hủy khóa học" in page and "Hủy khóa học?" not in page
    page = page_text(client.post(f"/courses/{course.id}/status", data={"status": "closed"}, follow_redirects=True))
    assert "Không thể chuyển" in page and "Kết thúc khóa học?" not in page
    assert reload(course).status == "draft"


def test_a_disallowed_status_change_through_the_form_is_refused(login, trainer_a, make_course):
    course = make_course("CT1")
    page = page_text(
        login(trainer_a).post(f"/courses/{course.id}/status", data={"status": "closed"}, follow_redirects=True)
    )
    assert "Không thể chuyển" in page
    assert reload(course).status == "draft"
    page = page_text(
        login(trainer_a).post(f"/courses/{course.id}/status", data={"status": "open"}, follow_redirects=True)
    )
    assert "chưa có buổi học" in page
    assert reload(course).status == "draft"


# --- enrolment ------------------------------------------------------------------------------


def test_ticking_an_unknown_or_another_districts_trainee_is_refused(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    mine = make_trainee("Nguyễn Văn Mình")
    theirs = make_trainee("Đỗ Văn Ngoài", commune="Xã Ngọc Thiện")
    client = login(trainer_a)
    assert client.post(f"/courses/{course.id}/enrol", data={"trainee_ids": [mine.id, 999999]}).status_code == 404
    assert client.post(f"/courses/{course.id}/enrol", data={"trainee_ids": [mine.id, theirs.id]}).status_code == 403
    assert enrolled_ids(course) == set()
    # The same trainee ticked twice (only a crafted request sends that) is refused with a message.
    twice = client.post(f"/courses/{course.id}/enrol", data={"trainee_ids": [mine.id, mine.id]})
    assert twice.status_code == 200 and "Mỗi mục chỉ được chọn một lần." in twice.get_data(as_text=True)
    assert enrolled_ids(course) == set()
    assert client.post(f"/courses/{course.id}/enrol", data={"trainee_ids": [mine.id]}).status_code == 302
    assert enrolled_ids(course) == {mine.id}


def enrolled_by(course) -> set[int | None]:
    """Who the course's enrolments record as having enrolled them (the services are told)."""
    return set(db.session.scalars(select(Enrolment.enrolled_by_id).where(Enrolment.course_id == course.id)))


def test_search_and_enrol_one(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    trainee = make_trainee("Nguyễn Thị Hương")
    make_trainee("Nguyễn Thị Hương Giang", commune="Xã Ngọc Thiện")  # another district: not offered
    client = login(trainer_a)
    page = page_text(client.get(f"/courses/{course.id}/enrol?q=huong"))
    assert f'value="{trainee.id}"' in page
    assert "Hương Giang" not in page
    response = client.post(f"/courses/{course.id}/enrol", data={"trainee_ids": [trainee.id]})
    assert response.status_code == 302
    assert enrolled_ids(course) == {trainee.id}
    assert enrolled_by(course) == {trainer_a.id}


def test_enrol_one_of_the_wrong_group_shows_the_reason(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    trainee = make_trainee("Phạm Văn Đoàn", group="party_mass_org")
    response = login(trainer_a).post(f"/courses/{course.id}/enrol", data={"trainee_ids": [trainee.id]})
    assert response.status_code == 200
    assert "Phạm Văn Đoàn thuộc nhóm đối tượng khác" in page_text(response)
    assert enrolled_ids(course) == set()


def test_enrol_beyond_capacity_shows_the_shortfall(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1", capacity=1)
    trainees = [make_trainee(), make_trainee()]
    response = login(trainer_a).post(f"/courses/{course.id}/enrol", data={"trainee_ids": [t.id for t in trainees]})
    assert "còn 1 chỗ" in page_text(response)
    assert enrolled_ids(course) == set()


def test_enrol_by_filter(login, trainer_a, units, make_course, make_trainee):
    course = make_course("CT1")
    wanted = [make_trainee(commune="Xã Hồng Kỳ"), make_trainee(commune="Xã Hồng Kỳ")]
    make_trainee(commune="Xã Hồng Kỳ", group="party_mass_org")
    make_trainee(commune="Xã Đồng Kỳ")
    response = login(trainer_a).post(
        f"/courses/{course.id}/enrol/filter", data={"commune_id": units["Xã Hồng Kỳ"].id, "group": ""}
    )
    assert response.status_code == 302
    assert enrolled_ids(course) == {t.id for t in wanted}
    assert enrolled_by(course) == {trainer_a.id}


def test_enrol_by_filter_with_nobody_left_warns(login, trainer_a, units, make_course):
    course = make_course("CT1")
    response = login(trainer_a).post(
        f"/courses/{course.id}/enrol/filter", data={"commune_id": 0, "group": ""}, follow_redirects=True
    )
    assert "Không còn học viên phù hợp" in page_text(response)


def test_enrol_by_filter_beyond_capacity_enrols_nobody(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1", capacity=2)
    for _ in range(3):
        make_trainee()
    response = login(trainer_a).post(
        f"/courses/{course.id}/enrol/filter", data={"commune_id": 0, "group": ""}, follow_redirects=True
    )
    assert "còn 2 chỗ" in page_text(response)
    assert count(Enrolment, Enrolment.course_id == course.id) == 0


def test_enrol_import(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    by_code = make_trainee()
    by_name = make_trainee("Trần Văn Hướng", birth_date=date(1979, 11, 2))
    upload = csv_upload([[by_code.personal_code, "", ""], ["", "Trần Văn Hướng", "02/11/1979"]])
    response = login(trainer_a).post(
        f"/courses/{course.id}/enrol/import", data=upload, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert enrolled_ids(course) == {by_code.id, by_name.id}
    assert enrolled_by(course) == {trainer_a.id}


def test_enrol_import_with_bad_rows_lists_them_and_enrols_nobody(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    good = make_trainee()
    wrong = make_trainee("Phạm Văn Đoàn", group="party_mass_org")
    upload = csv_upload([[good.personal_code, "", ""], ["SAIMA12345", "", ""], [wrong.personal_code, "", ""]])
    response = login(trainer_a).post(
        f"/courses/{course.id}/enrol/import", data=upload, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    page = page_text(response)
    assert "tệp có 2 dòng lỗi" in page
    errors = page[page.index('id="import-errors"') :]
    assert "SAIMA12345" in errors and "Phạm Văn Đoàn" in errors
    assert '<td class="num">3</td>' in errors and '<td class="num">4</td>' in errors
    assert count(Enrolment, Enrolment.course_id == course.id) == 0


def test_enrol_import_refuses_other_file_types(login, trainer_a, make_course):
    course = make_course("CT1")
    upload = {"file": (io.BytesIO(b"hello"), "danh-sach.txt")}
    response = login(trainer_a).post(
        f"/courses/{course.id}/enrol/import", data=upload, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert ".xlsx hoặc .csv" in page_text(response)


def test_the_course_page_names_session_days_in_the_pages_language(login, trainer_a, make_course):
    course = make_course("CT1", sessions=True)  # from MONDAY
    first = f"{MONDAY:%d/%m/%Y}"
    assert re.search(rf"<td>T2 {first}</td>", page_text(login(trainer_a).get(f"/courses/{course.id}")))
    english = login(trainer_a)
    english.post("/lang", data={"lang": "en", "next": "/"})
    refresh()  # the requests share the test's app context, where Flask-Babel keeps the locale it found first
    assert re.search(rf"<td>Mon {first}</td>", page_text(english.get(f"/courses/{course.id}")))


def test_withdraw(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    trainee = make_trainee("Nguyễn Thị Hương")
    (enrolment,) = enrol_many(course, [trainee])
    db.session.commit()
    client = login(trainer_a)
    page = page_text(client.post(f"/enrolments/{enrolment.id}/withdraw", data={"reason": ""}, follow_redirects=True))
    assert "Cần ghi lý do rút tên" in page
    assert enrolled_ids(course) == {trainee.id}
    page = page_text(
        client.post(f"/enrolments/{enrolment.id}/withdraw", data={"reason": "x" * 501}, follow_redirects=True)
    )
    assert "Không được dài quá 500 ký tự." in page and "Cần ghi lý do rút tên" not in page
    assert enrolled_ids(course) == {trainee.id}
    response = client.post(f"/enrolments/{enrolment.id}/withdraw", data={"reason": "Nghỉ thai sản"})
    assert response.status_code == 302
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, enrolment.id)
    assert (enrolment.status, enrolment.withdraw_reason) == ("withdrawn", "Nghỉ thai sản")
    assert "Đã rút tên: Nghỉ thai sản" in page_text(client.get(f"/courses/{course.id}"))


# --- the list -------------------------------------------------------------------------------


@pytest.fixture
def some_courses(make_course, trainer_b):
    """Four courses in two districts, programmes, statuses and months."""
    a1 = make_course("CT1", sessions=True)
    a2 = move_to(make_course("CT2", starts_on=date(2026, 4, 6), sessions=True), "open")
    b1 = make_course(
        "CT1", district="B", trainers=[trainer_b], starts_on=date(2026, 5, 4), venue="Hội trường UBND huyện Tân Yên"
    )
    b2 = move_to(
        make_course(
            "CT3", district="B", trainers=[trainer_b], starts_on=date(2026, 6, 1), venue="Hội trường UBND huyện Tân Yên"
        ),
        "cancelled",
        reason="Hoãn",
    )
    return {"A1": a1.code, "A2": a2.code, "B1": b1.code, "B2": b2.code}


def test_admin_lists_every_course_newest_first(login, admin, some_courses):
    assert listed(login(admin).get("/courses")) == [some_courses[k] for k in ("B2", "B1", "A2", "A1")]


def test_trainer_lists_only_their_district(login, trainer_a, trainer_b, units, some_courses):
    assert listed(login(trainer_a).get("/courses")) == [some_courses["A2"], some_courses["A1"]]
    # asking for another district changes nothing
    assert listed(login(trainer_b).get(f"/courses?unit={units['A'].id}")) == [some_courses["B2"], some_courses["B1"]]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("unit={A}", ["A2", "A1"]),
        ("unit={B}", ["B2", "B1"]),
        ("programme=CT1", ["B1", "A1"]),
        ("programme=CT3", ["B2"]),
        ("status=open", ["A2"]),
        ("status=cancelled", ["B2"]),
        ("status=draft", ["B1", "A1"]),
        ("status=nonsense", ["B2", "B1", "A2", "A1"]),
        ("from=2026-04-01", ["B2", "B1", "A2"]),
        ("to=2026-04-30", ["A2", "A1"]),
        ("from=2026-04-01&to=2026-05-31", ["B1", "A2"]),
        ("from=2026-03-03&to=2026-03-03", ["A1"]),  # the second day of a two-day course
        ("from=not-a-date", ["B2", "B1", "A2", "A1"]),
        ("unit={B}&programme=CT1&status=draft", ["B1"]),
        ("q=CT2", ["A2"]),
    ],
)
def test_list_filters(login, admin, units, some_courses, query, expected):
    url = "/courses?" + query.format(A=units["A"].id, B=units["B"].id)
    assert listed(login(admin).get(url)) == [some_courses[k] for k in expected]


def test_list_is_paginated(login, trainer_a, make_course):
    codes = [make_course("CT1", starts_on=MONDAY + timedelta(days=7 * i)).code for i in range(45)]
    newest_first = codes[::-1]
    client = login(trainer_a)
    first = client.get("/courses")
    assert "45 khóa học" in page_text(first)
    assert "page=2" in page_text(first)
    pages = [listed(first)] + [listed(client.get(f"/courses?page={n}")) for n in (2, 3)]
    assert 0 < len(pages[0]) < 45
    assert sum(pages, []) == newest_first  # every course once, in order, over the pages
    assert listed(client.get("/courses?page=9")) == []


def test_pagination_keeps_the_filters(login, trainer_a, make_course):
    for i in range(26):
        make_course("CT2", starts_on=MONDAY + timedelta(days=7 * i))
    make_course("CT1")
    page = page_text(login(trainer_a).get("/courses?programme=CT2"))
    assert re.search(
        r'href="/courses\?[^"]*programme=CT2[^"]*page=2|href="/courses\?[^"]*page=2[^"]*programme=CT2', page
    )


# --- who may do what ------------------------------------------------------------------------

#: every course page and action: (method, path, form data)
ACTIONS = [
    ("get", "/courses/{course}", None),
    ("get", "/courses/{course}/edit", None),
    ("post", "/courses/{course}/edit", "course"),
    ("post", "/courses/{course}/status", {"status": "open", "reason": ""}),
    ("post", "/courses/{course}/sessions/generate", {}),
    ("get", "/courses/{course}/sessions/new", None),
    ("post", "/courses/{course}/sessions/new", "session"),
    ("get", "/sessions/{session}/edit", None),
    ("post", "/sessions/{session}/edit", "session"),
    ("post", "/sessions/{session}/split", {"first_periods": "2"}),
    ("post", "/sessions/{session}/delete", {}),
    ("get", "/courses/{course}/enrol", None),
    ("post", "/courses/{course}/enrol", "trainee"),
    ("post", "/courses/{course}/enrol/filter", {"commune_id": "0", "group": ""}),
    ("post", "/courses/{course}/enrol/import", "upload"),
    ("post", "/enrolments/{enrolment}/withdraw", {"reason": "Thử"}),
]
WRITES = [a for a in ACTIONS if a[0] == "post" and "status" not in a[1]] + [
    ("get", "/courses/{course}/edit", None),
    ("get", "/courses/{course}/sessions/new", None),
    ("get", "/sessions/{session}/edit", None),
]


@pytest.fixture
def target(units, trainer_a, make_course, make_trainee):
    """A course of district A with sessions, one enrolled trainee and one who could be enrolled."""
    course = make_course("CT1", sessions=True)
    enrolled = make_trainee("Nguyễn Thị Hương")
    waiting = make_trainee("Trần Văn Hướng")
    (enrolment,) = enrol_many(course, [enrolled])
    db.session.commit()
    ids = {"course": course.id, "session": course.sessions[0].id, "enrolment": enrolment.id}
    payloads = {
        "course": course_form(units, [trainer_a], title="Bị sửa"),
        "session": session_form(course.sessions[0], day=(MONDAY + timedelta(days=3)).isoformat()),
        "trainee": {"trainee_ids": [waiting.id]},
    }

    def snapshot():
        db.session.expire_all()
        c = db.session.get(Course, course.id)
        return (
            c.title,
            c.status,
            [(s.id, s.starts_at, s.ends_at, s.periods) for s in c.sessions],
            sorted((e.trainee_id, e.status) for e in c.enrolments),
        )

    def call(client, method, path, data):
        url = path.format(**ids)
        if data == "upload":
            return client.post(
                url, data=csv_upload([[waiting.personal_code, "", ""]]), content_type="multipart/form-data"
            )
        data = payloads.get(data, data) if isinstance(data, str) else data
        return client.get(url) if method == "get" else client.post(url, data=data)

    return course, snapshot, call


@pytest.mark.parametrize("method,path,data", ACTIONS, ids=[f"{m} {p}" for m, p, _ in ACTIONS])
def test_trainer_of_another_district_gets_403(login, trainer_b, target, method, path, data):
    _course, snapshot, call = target
    before = snapshot()
    assert call(login(trainer_b), method, path, data).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("method,path,data", ACTIONS, ids=[f"{m} {p}" for m, p, _ in ACTIONS])
def test_trainer_of_the_district_may(login, trainer_a, target, method, path, data):
    _course, _snapshot, call = target
    assert call(login(trainer_a), method, path, data).status_code in (200, 302)


@pytest.mark.parametrize("method,path,data", WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_a_closed_course_is_read_only_for_a_trainer(login, trainer_a, target, method, path, data):
    course, snapshot, call = target
    move_to(course, "open", "running", "closed")
    before = snapshot()
    assert call(login(trainer_a), method, path, data).status_code == 403
    assert snapshot() == before


def test_a_trainer_cannot_reopen_a_closed_course(login, trainer_a, target):
    course, snapshot, _call = target
    move_to(course, "open", "running", "closed")
    client = login(trainer_a)
    assert client.get(f"/courses/{course.id}").status_code == 200
    page = page_text(client.post(f"/courses/{course.id}/status", data={"status": "running"}, follow_redirects=True))
    assert "Chỉ quản trị viên" in page
    assert snapshot()[1] == "closed"


@pytest.mark.parametrize("method,path,data", WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_a_closed_course_stays_editable_by_the_admin(login, admin, target, method, path, data):
    course, snapshot, call = target
    move_to(course, "open", "running", "closed")
    assert call(login(admin), method, path, data).status_code in (200, 302)


def test_admin_edits_and_reopens_a_closed_course(login, admin, units, trainer_a, target):
    course, snapshot, _call = target
    move_to(course, "open", "running", "closed")
    client = login(admin)
    assert (
        client.post(f"/courses/{course.id}/edit", data=course_form(units, [trainer_a], title="Sửa sau")).status_code
        == 302
    )
    session = reload(course).sessions[0]
    later = MONDAY + timedelta(days=3)
    assert (
        client.post(f"/sessions/{session.id}/edit", data=session_form(session, day=later.isoformat())).status_code
        == 302
    )
    assert (
        client.post(
            f"/courses/{course.id}/status", data={"status": "running", "reason": "Sửa điểm nhập nhầm"}
        ).status_code
        == 302
    )
    course = reload(course)
    assert (course.title, course.status) == ("Sửa sau", "running")
    assert later in {local_span(s)[0] for s in course.sessions}


def test_closed_course_page_offers_changes_to_the_admin_only(login, admin, trainer_a, target):
    course, _snapshot, _call = target
    move_to(course, "open", "running", "closed")
    session_edit = f'href="/sessions/{course.sessions[0].id}/edit"'
    enrol = f'href="/courses/{course.id}/enrol"'
    trainer_page = page_text(login(trainer_a).get(f"/courses/{course.id}"))
    assert session_edit not in trainer_page and enrol not in trainer_page
    assert f'href="/courses/{course.id}/edit"' not in trainer_page
    admin_page = page_text(login(admin).get(f"/courses/{course.id}"))
    assert session_edit in admin_page and enrol in admin_page


@pytest.mark.parametrize("path", ["/courses", "/courses/new", "/courses/{course}", "/courses/{course}/enrol"])
def test_a_trainee_account_gets_403(login, make_user, target, path):
    course, _snapshot, _call = target
    trainee_user = make_user("hocvien", "trainee", None)
    assert login(trainee_user).get(path.format(course=course.id)).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, target):
    course, _snapshot, _call = target
    response = client.get(f"/courses/{course.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
