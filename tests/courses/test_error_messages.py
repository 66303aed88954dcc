"""Every refusal of the course pages reaches the user in words: each test posts the real form
(course, session, split, delete, enrolment, import, withdrawal), checks the status and the
message on the page, and that nothing was written."""

import csv
import io
import re
from datetime import time
from html import unescape

import pytest

from tests.courses.conftest import MONDAY, VENUE, enrolled_ids, local_span
from tests.helpers import count, page_text, vietnamese_number
from training.attendance import roster
from training.courses.enrolment import enrol_many
from training.courses.models import Course, CourseSession, Enrolment
from training.extensions import db


def flashes(response) -> list[str]:
    return [
        unescape(f.strip())
        for f in re.findall(r'<div class="flash flash-\w+"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S)
    ]


def course_form(units, trainers, **overrides) -> dict:
    data = {
        "unit_id": units["A"].id,
        "curriculum_code": "CT1",
        "title": "",
        "venue": VENUE,
        "starts_on": MONDAY.isoformat(),
        "capacity": "30",
        "trainer_ids": [t.id for t in trainers],
        "notes": "",
        "morning_start": "07:30",
        "morning_end": "11:30",
        "afternoon_start": "13:30",
        "afternoon_end": "17:00",
        "skip_sundays": "y",
        "late_after_minutes": "15",
    }
    data.update(overrides)
    return data


def session_form(trainer, **overrides) -> dict:
    data = {
        "module_code": "CT1.2",
        "day": MONDAY.isoformat(),
        "start": "13:30",
        "end": "15:00",
        "periods": "",
        "venue": "",
        "trainer_id": str(trainer.id),
    }
    data.update(overrides)
    return data


def upload(rows: list[list], header=("Mã cá nhân", "Họ và tên", "Ngày sinh"), name: str = "danh-sach.csv") -> dict:
    out = io.StringIO()
    csv.writer(out).writerows([list(header), *rows])
    return {"file": (io.BytesIO(out.getvalue().encode("utf-8")), name)}


def with_attendance(course: Course, trainee, user) -> Course:
    """Enrol a trainee and mark them present at the course's first session."""
    enrol_many(course, [trainee])
    roster.mark(course.sessions[0], trainee, "present", "", user.id)
    db.session.commit()
    return course


def schedule(course: Course) -> list[tuple]:
    db.session.expire_all()
    return [(s.id, s.module_code, local_span(s)) for s in db.session.get(Course, course.id).sessions]


# --- the course form --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("starts_on", "31/02/2026", "Ngày “31/02/2026” không hợp lệ: nhập theo dạng dd/mm/yyyy"),
        ("starts_on", "", "Nhập ngày bắt đầu (dd/mm/yyyy)."),
        ("trainer_ids", [], "Chọn ít nhất một giảng viên."),
    ],
)
def test_a_course_form_with_a_bad_field_is_refused(login, units, trainer_a, field, value, message):
    response = login(trainer_a).post("/courses/new", data=course_form(units, [trainer_a], **{field: value}))
    assert response.status_code == 200
    assert message in page_text(response)
    assert count(Course) == 0


def test_lowering_the_capacity_below_the_enrolled_is_refused(login, units, trainer_a, make_course, make_trainee):
    course = make_course("CT1", capacity=5)
    enrol_many(course, [make_trainee(), make_trainee()])
    db.session.commit()
    response = login(trainer_a).post(f"/courses/{course.id}/edit", data=course_form(units, [trainer_a], capacity="1"))
    assert response.status_code == 200
    assert "Đã có 2 học viên ghi danh; không thể giảm số chỗ xuống 1." in flashes(response)
    db.session.expire_all()
    assert db.session.get(Course, course.id).capacity == 5


# --- sessions ---------------------------------------------------------------------------------


def test_generating_with_slots_too_short_for_one_period_is_refused(login, trainer_a, make_course):
    course = make_course("CT1", morning_end=time(8, 0), afternoon_end=time(14, 0))
    response = login(trainer_a).post(f"/courses/{course.id}/sessions/generate", follow_redirects=True)
    assert response.status_code == 200
    assert "Buổi học quá ngắn để dạy một tiết (45 phút)." in flashes(response)
    assert count(CourseSession) == 0


def test_regenerating_a_course_with_attendance_is_refused(login, trainer_a, make_course, make_trainee):
    course = with_attendance(make_course("CT1", sessions=True), make_trainee(), trainer_a)
    before = schedule(course)
    response = login(trainer_a).post(f"/courses/{course.id}/sessions/generate", follow_redirects=True)
    assert "Khóa học đã có điểm danh; hãy sửa từng buổi thay vì lập lại lịch." in flashes(response)
    assert schedule(course) == before


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"start": "15:00", "end": "13:30"}, "Giờ kết thúc phải sau giờ bắt đầu."),
        ({"day": "02/13/2026"}, "Ngày “02/13/2026” không hợp lệ: nhập theo dạng dd/mm/yyyy"),
        ({"start": "1:30 PM"}, "Giờ “1:30 PM” không hợp lệ: nhập theo dạng 24 giờ hh:mm"),
        ({"end": ""}, "Nhập giờ hợp lệ."),
    ],
)
def test_a_session_form_with_bad_times_is_refused(login, trainer_a, make_course, overrides, message):
    course = make_course("CT1")
    response = login(trainer_a).post(f"/courses/{course.id}/sessions/new", data=session_form(trainer_a, **overrides))
    assert response.status_code == 200
    assert message in page_text(response)
    assert count(CourseSession) == 0


def test_a_session_in_a_hall_already_taken_is_refused_with_the_clash_named(login, trainer_a, trainer_a2, make_course):
    first = make_course("CT1", sessions=True)
    second = make_course("CT1", trainers=[trainer_a2])
    response = login(trainer_a).post(
        f"/courses/{second.id}/sessions/new",
        data=session_form(trainer_a2, module_code="CT1.1", start="08:00", end="10:00"),
    )
    assert response.status_code == 200
    page = " ".join(flashes(response))
    assert f"Địa điểm “{VENUE}” đã được dùng trùng giờ: buổi CT1.1 của khóa {first.code}" in page
    assert count(CourseSession, CourseSession.course_id == second.id) == 0


def test_splitting_beyond_the_sessions_periods_is_refused(login, trainer_a, make_course):
    course = make_course("CT1", sessions=True)
    before = schedule(course)
    response = login(trainer_a).post(
        f"/sessions/{course.sessions[0].id}/split", data={"first_periods": "4"}, follow_redirects=True
    )
    assert "Tách buổi học: phần đầu phải có từ 1 đến 3 tiết." in flashes(response)
    assert schedule(course) == before


def test_deleting_a_session_with_attendance_is_refused(login, trainer_a, make_course, make_trainee):
    course = with_attendance(make_course("CT1", sessions=True), make_trainee(), trainer_a)
    before = schedule(course)
    response = login(trainer_a).post(f"/sessions/{course.sessions[0].id}/delete", follow_redirects=True)
    assert "Buổi học đã có điểm danh, không thể xóa." in flashes(response)
    assert schedule(course) == before


# --- enrolment --------------------------------------------------------------------------------


def test_enrolling_nobody_is_refused(login, trainer_a, make_course):
    course = make_course("CT1")
    response = login(trainer_a).post(f"/courses/{course.id}/enrol", data={})
    assert response.status_code == 200
    assert "Chọn ít nhất một học viên." in flashes(response)
    assert count(Enrolment) == 0


def test_enrolling_a_trainee_of_another_district_is_refused(login, admin, make_course, make_trainee):
    # Only the admin reaches the rule: a trainer asking for another district's trainee gets a 403.
    course = make_course("CT1")
    outsider = make_trainee("Đỗ Văn Ngoài", commune="Xã Ngọc Thiện")
    response = login(admin).post(f"/courses/{course.id}/enrol", data={"trainee_ids": [outsider.id]})
    assert response.status_code == 200
    assert "Đỗ Văn Ngoài không thuộc đơn vị tổ chức khóa học." in flashes(response)
    assert count(Enrolment) == 0


def test_enrolling_a_trainee_twice_is_refused(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    trainee = make_trainee("Vũ Thị Lặp")
    enrol_many(course, [trainee])
    db.session.commit()
    response = login(trainer_a).post(f"/courses/{course.id}/enrol", data={"trainee_ids": [trainee.id]})
    assert "Vũ Thị Lặp đã ghi danh khóa học này." in flashes(response)
    assert count(Enrolment) == 1


def test_withdrawing_twice_is_refused(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    (enrolment,) = enrol_many(course, [make_trainee("Nguyễn Thị Rút")])
    db.session.commit()
    client = login(trainer_a)
    client.post(f"/enrolments/{enrolment.id}/withdraw", data={"reason": "Chuyển công tác"})
    response = client.post(f"/enrolments/{enrolment.id}/withdraw", data={"reason": "Lần hai"}, follow_redirects=True)
    assert "Nguyễn Thị Rút đã rút tên khỏi khóa học từ trước." in flashes(response)
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).withdraw_reason == "Chuyển công tác"


# --- enrolment from a file --------------------------------------------------------------------


def post_import(client, course, data):
    return client.post(f"/courses/{course.id}/enrol/import", data=data, content_type="multipart/form-data")


def test_an_import_without_a_file_is_refused(login, trainer_a, make_course):
    course = make_course("CT1")
    response = post_import(login(trainer_a), course, {})
    assert response.status_code == 200
    assert "Chọn một tệp." in flashes(response)
    assert count(Enrolment) == 0


def import_errors(response) -> str:
    page = page_text(response)
    return page[page.index('id="import-errors"') :]


def test_an_import_names_the_lines_as_the_spreadsheet_shows_them(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    trainee = make_trainee()
    out = io.StringIO()
    csv.writer(out).writerows([[], [], ["Mã cá nhân"], [trainee.personal_code], ["KHONGCO99"]])  # header on line 3
    response = post_import(login(trainer_a), course, {"file": (io.BytesIO(out.getvalue().encode()), "danh-sach.csv")})
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>(.*?)</td></tr>', import_errors(response))
    assert rows == [("5", "Không có học viên mã KHONGCO99 trong Huyện Yên Thế")], rows
    assert count(Enrolment) == 0


def test_an_import_of_too_many_rows_is_refused(login, trainer_a, make_course):
    from training.people.list_reader import MAX_ROWS

    course = make_course("CT1")
    response = post_import(login(trainer_a), course, upload([["KHONGCO99"]] * (MAX_ROWS + 1), header=("Mã cá nhân",)))
    assert (
        f"Tệp có {vietnamese_number(MAX_ROWS + 1)} dòng; mỗi lần nhập tối đa {vietnamese_number(MAX_ROWS)} dòng."
        in import_errors(response)
    )
    assert count(Enrolment) == 0


def test_an_import_without_the_needed_columns_is_refused(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    trainee = make_trainee()
    response = post_import(login(trainer_a), course, upload([[trainee.full_name]], header=("Họ và tên",)))
    assert response.status_code == 200
    assert "Chưa ghi danh ai: tệp có 1 dòng lỗi." in flashes(response)
    assert "Cần cột “Mã cá nhân”, hoặc hai cột “Họ và tên” và “Ngày sinh”." in import_errors(response)
    assert count(Enrolment) == 0


def test_an_empty_file_is_refused_as_empty(login, trainer_a, make_course):
    course = make_course("CT1")
    response = post_import(login(trainer_a), course, {"file": (io.BytesIO(b""), "danh-sach.csv")})
    assert "Tệp không có dữ liệu." in import_errors(response)
    assert count(Enrolment) == 0


def test_an_import_of_only_a_header_is_refused(login, trainer_a, make_course):
    course = make_course("CT1")
    response = post_import(login(trainer_a), course, upload([]))
    assert "Tệp không có dòng dữ liệu nào." in import_errors(response)
    assert count(Enrolment) == 0


def test_an_import_names_an_unknown_code_and_an_ambiguous_name(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    known = make_trainee()
    for commune in ("Xã Đồng Kỳ", "Xã Hồng Kỳ"):
        make_trainee("Nguyễn Văn An", commune=commune)
    rows = [[known.personal_code, "", ""], ["ZZZZ999999", "", ""], ["", "Nguyễn Văn An", "15/03/1985"]]
    response = post_import(login(trainer_a), course, upload(rows))
    assert response.status_code == 200
    errors = import_errors(response)
    assert "Không có học viên mã ZZZZ999999 trong Huyện Yên Thế" in errors
    assert "Có nhiều học viên Nguyễn Văn An cùng ngày sinh: hãy ghi mã cá nhân" in errors
    assert enrolled_ids(course) == set()


@pytest.mark.parametrize("first_periods", ["", "0", "hai"])
def test_a_split_form_left_empty_or_out_of_range_is_refused_in_words(login, trainer_a, make_course, first_periods):
    # The page's number box has min and max but may be emptied; the refusal must still say why.
    course = make_course("CT1", sessions=True)
    before = schedule(course)
    response = login(trainer_a).post(
        f"/sessions/{course.sessions[0].id}/split", data={"first_periods": first_periods}, follow_redirects=True
    )
    assert "Tách buổi học: phần đầu phải có từ 1 đến 3 tiết." in flashes(response)
    assert schedule(course) == before
