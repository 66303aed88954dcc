"""A trainer's day on the course screens, mistakes included: enrolment from an office's
list, ticks that survive a refusal, and the messages that keep the trainer moving."""

import io
import re

from openpyxl import Workbook

from tests.courses.conftest import enrolled_ids
from tests.helpers import count, page_text
from training.courses.models import Enrolment
from training.extensions import db


def flashes(page: str) -> list[str]:
    """The flashed messages of a page (role="status" or "alert"), not its standing warnings."""
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'<div class="flash flash-\w+" role="\w+">(.*?)</div>', page, re.S)
    ]


def office_list(codes: list[str]) -> bytes:
    """A list as a commune office writes one: title lines, a blank row, then the header."""
    book = Workbook()
    sheet = book.active
    sheet.append(["UBND HUYỆN YÊN THẾ"])
    sheet.append(["DANH SÁCH CÁN BỘ CỬ ĐI BỒI DƯỠNG"])
    sheet.append([])
    sheet.append(["STT", "Mã cá nhân", "Họ và tên"])
    for number, code in enumerate(codes, 1):
        sheet.append([number, code, ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, course, content: bytes):
    return client.post(
        f"/courses/{course.id}/enrol/import",
        data={"file": (io.BytesIO(content), "ds.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


# --- 7. enrol from a file -------------------------------------------------------------------


def test_an_office_list_is_read_and_an_updated_list_adds_only_the_new_names(
    login, trainer_a, make_course, make_trainee
):
    course = make_course("CT1")
    first, second, third = make_trainee(), make_trainee(), make_trainee()
    client = login(trainer_a)
    response = upload(client, course, office_list([first.personal_code, second.personal_code]))
    assert flashes(page_text(response)) == ["Đã ghi danh 2 học viên từ tệp."]
    assert enrolled_ids(course) == {first.id, second.id}

    # the office sends the list again with one more name
    response = upload(client, course, office_list([first.personal_code, second.personal_code, third.personal_code]))
    assert flashes(page_text(response)) == [
        "Đã ghi danh 1 học viên từ tệp.",
        "Bỏ qua 2 người đã ghi danh khóa học này từ trước.",
    ]
    assert enrolled_ids(course) == {first.id, second.id, third.id}


def test_a_bad_row_of_an_office_list_is_named_by_its_spreadsheet_line(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    good = make_trainee()
    response = upload(login(trainer_a), course, office_list([good.personal_code, "SAIMA12345"]))
    page = page_text(response)
    errors = page[page.index('id="import-errors"') :]
    assert '<td class="num">6</td>' in errors and "SAIMA12345" in errors
    assert count(Enrolment, Enrolment.course_id == course.id) == 0


# --- 14. enrolment one by one ---------------------------------------------------------------


def test_a_trainee_of_another_group_gets_no_checkbox_and_a_refusal_keeps_the_ticks(
    login, trainer_a, make_course, make_trainee, make_user, units
):
    course = make_course("CT1", capacity=1)
    other_group = make_trainee("Phạm Văn Hưng", group="party_mass_org")
    hoa, hai = make_trainee("Nguyễn Thị Hưng Hoa"), make_trainee("Nguyễn Văn Hưng Hải")
    client = login(trainer_a)
    page = page_text(client.get(f"/courses/{course.id}/enrol?q=hung"))
    assert f'value="{other_group.id}"' not in page and "không thuộc đối tượng của chương trình" in page
    assert f'value="{hoa.id}"' in page
    # two ticks for one place: refused, and both boxes come back ticked
    response = client.post(f"/courses/{course.id}/enrol?q=hung", data={"trainee_ids": [hoa.id, hai.id]})
    page = page_text(response)
    assert "còn 1 chỗ" in page
    assert re.search(rf'value="{hoa.id}"[^>]*checked', page) and re.search(rf'value="{hai.id}"[^>]*checked', page)
    assert enrolled_ids(course) == set()


# --- 16. reopening a closed course ----------------------------------------------------------


def test_the_admin_reopens_a_closed_course_with_a_reason_kept_in_its_history(login, admin, trainer_a, make_course):
    from tests.courses.conftest import move_to
    from training.audit import AuditEvent

    course = move_to(make_course("CT1", sessions=True), "open", "running", "closed")
    url = f"/courses/{course.id}/status"
    # the trainer cannot, the admin cannot without a reason
    response = login(trainer_a).post(url, data={"status": "running", "reason": "x"}, follow_redirects=True)
    assert "Chỉ quản trị viên mới mở lại được khóa học đã kết thúc." in flashes(page_text(response))
    client = login(admin)
    page = page_text(client.get(f"/courses/{course.id}"))
    assert "Lý do (bắt buộc khi hủy hoặc mở lại)" in page
    response = client.post(url, data={"status": "running"}, follow_redirects=True)
    assert "Cần ghi lý do mở lại khóa học đã kết thúc." in flashes(page_text(response))
    db.session.refresh(course)
    assert course.status == "closed"

    response = client.post(
        url, data={"status": "running", "reason": "Sửa điểm nhập nhầm của Nguyễn Thị Hoa"}, follow_redirects=True
    )
    db.session.refresh(course)
    assert course.status == "running"
    [event] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "course.reopen")).all()
    assert (event.actor_id, event.data["reason"]) == (admin.id, "Sửa điểm nhập nhầm của Nguyễn Thị Hoa")
    history = page_text(response).split('class="status-history"', 1)[1]
    assert "Mở lại khóa học" in history and "Sửa điểm nhập nhầm của Nguyễn Thị Hoa" in history


def test_a_cancelled_course_does_not_warn_about_its_periods(login, trainer_a, make_course):
    from tests.courses.conftest import move_to

    course = make_course("CT1")  # no session: every module is short of periods
    client = login(trainer_a)
    assert "Số tiết đã xếp chưa khớp" in page_text(client.get(f"/courses/{course.id}"))
    move_to(course, "cancelled", reason="Không đủ học viên")
    assert "Số tiết đã xếp chưa khớp" not in page_text(client.get(f"/courses/{course.id}"))


# --- 5. create forms sent twice -------------------------------------------------------------


def test_a_course_form_sent_twice_creates_one_course(login, trainer_a, units):
    from training.courses.models import Course

    client = login(trainer_a)
    page = page_text(client.get("/courses/new"))
    token = re.search(r'name="once" value="([^"]+)"', page).group(1)
    form = {
        "unit_id": units["A"].id,
        "curriculum_code": "CT1",
        "venue": "Hội trường xã",
        "starts_on": "04/03/2027",
        "capacity": 30,
        "trainer_ids": [trainer_a.id],
        "late_after_minutes": 15,
        "morning_start": "07:30",
        "morning_end": "11:30",
        "afternoon_start": "13:30",
        "afternoon_end": "17:00",
        "once": token,
    }
    first = client.post("/courses/new", data=form)
    assert first.status_code == 302
    # the same form again (a double click): back to the course made the first time
    again = client.post("/courses/new", data=form, follow_redirects=True)
    assert "Biểu mẫu này đã được gửi trước đó nên không tạo thêm. Đây là kết quả của lần gửi đó." in flashes(
        page_text(again)
    )
    assert count(Course) == 1
    # the same course typed again in a fresh form: its twin is named
    page = page_text(client.post("/courses/new", data={**form, "once": "", "venue": "hội trường XÃ"}))
    assert "Đã có khóa học 215-2027-CT1-01 cùng chương trình, cùng ngày bắt đầu và địa điểm" in page
    assert count(Course) == 1
    assert client.post("/courses/new", data={**form, "once": "", "venue": "Nhà văn hóa thôn"}).status_code == 302
    assert count(Course) == 2


# --- 14. the course list's dates ------------------------------------------------------------


def test_a_from_date_after_the_to_date_says_so(login, trainer_a, make_course):
    make_course("CT1")
    page = page_text(login(trainer_a).get("/courses", query_string={"from": "31/12/2026", "to": "01/01/2026"}))
    assert "“Từ ngày” (31/12/2026) sau “Đến ngày” (01/01/2026)" in page
    assert 'name="from" value="31/12/2026"' in page


# --- 14. planning sessions ------------------------------------------------------------------


def test_generation_lists_every_clash_and_offers_the_next_free_start(login, trainer_a, make_course):
    from datetime import date

    from tests.courses.conftest import MONDAY, VENUE
    from training.courses.models import Course, CourseSession

    # CT1 fills Monday morning, Monday afternoon and Tuesday morning; the same trainer and
    # hall are taken by another course on those days
    make_course("CT1", sessions=True)
    second = make_course("CT1", venue=VENUE, title="Lớp thứ hai")
    before = count(CourseSession)
    response = login(trainer_a).post(f"/courses/{second.id}/sessions/generate", follow_redirects=True)
    messages = flashes(page_text(response))
    trainer_clashes = [m for m in messages if m.startswith("Giảng viên Trainer.A đã có lịch dạy trùng giờ")]
    venue_clashes = [m for m in messages if m.startswith(f"Địa điểm “{VENUE}” đã được dùng trùng giờ")]
    assert len(trainer_clashes) == 3 and len(venue_clashes) == 3  # every clashing session, not the first
    # from Tuesday the plan would still meet the other course's Tuesday morning: Wednesday
    assert "Ngày bắt đầu gần nhất xếp được cả lịch mà không trùng: 04/03/2026 (Thứ Tư)." in " ".join(messages)
    assert count(CourseSession) == before
    assert db.session.get(Course, second.id).starts_on == MONDAY == date(2026, 3, 2)


def test_a_session_on_a_sunday_or_in_the_past_is_saved_with_a_warning(login, trainer_a, make_course):
    course = make_course("CT1")
    form = {
        "module_code": "CT1.1",
        "day": "08/03/2026",
        "start": "07:30",
        "end": "10:30",
        "periods": "",
        "venue": "Hội trường",
        "trainer_id": trainer_a.id,
    }
    response = login(trainer_a).post(f"/courses/{course.id}/sessions/new", data=form, follow_redirects=True)
    messages = flashes(page_text(response))
    assert "Lưu ý: buổi học ngày 08/03/2026 rơi vào Chủ nhật." in messages
    assert any(m.startswith("Lưu ý: ngày 08/03/2026 đã qua") for m in messages)


def test_the_status_box_offers_no_close_before_the_last_day_and_replanning_hides_with_attendance(
    login, trainer_a, make_course, make_trainee
):
    from datetime import timedelta

    from tests.courses.conftest import move_to
    from training.attendance import roster
    from training.clock import local_today
    from training.courses.enrolment import enrol_many

    today = local_today()
    course = move_to(
        make_course("CT1", starts_on=today - timedelta(days=today.weekday()), sessions=True), "open", "running"
    )
    course.ends_on = today + timedelta(days=3)
    db.session.commit()
    client = login(trainer_a)
    page = page_text(client.get(f"/courses/{course.id}"))
    box = page[page.index('name="status"') : page.index("</select>", page.index('name="status"'))]
    assert '<option selected value="">— chọn —</option>' in box and 'selected value="closed"' not in box
    assert "Lập lại lịch từ chương trình" in page
    trainee = make_trainee()
    enrol_many(course, [trainee])
    roster.mark(course.sessions[0], trainee, "present", "", trainer_a.id)
    db.session.commit()
    page = page_text(client.get(f"/courses/{course.id}"))
    assert "Lập lại lịch từ chương trình" not in page
    # the suggestion moves to "closed" once the last day has passed
    course.ends_on = today - timedelta(days=1)
    db.session.commit()
    page = page_text(client.get(f"/courses/{course.id}"))
    assert 'selected value="closed"' in page


# --- 17. English: one programme is a "Programme", many are "Programmes" -----------------------


def test_english_labels_say_one_or_many_as_the_page_means(login, trainer_a, make_course):
    from flask_babel import refresh

    course = make_course("CT1")
    client = login(trainer_a)
    client.post("/lang", data={"lang": "en", "next": "/"})
    refresh()
    try:
        page = page_text(client.get(f"/courses/{course.id}"))
        nav = page[page.index("<nav") : page.index("</nav>")]
        assert ">Programmes<" in nav and ">Courses<" in nav
        actions = page[page.index('class="actions"') : page.index("</div>", page.index('class="actions"'))]
        assert ">Results</a>" in actions and ">Certificates</a>" in actions
        assert "<dt>Programme</dt>" in page
        listing = page_text(client.get("/courses"))
        assert "<th>Course</th>" in listing and "<h1>Courses</h1>" in listing
    finally:
        client.post("/lang", data={"lang": "vi", "next": "/"})
        refresh()


def test_a_list_reads_only_the_trainees_it_names(login, trainer_a, make_course, make_trainee, monkeypatch):
    """Every trainee of the course's unit was read to match a list: a province's 50,000 for a
    list of thirty. The codes are asked for a few at a time (here one)."""
    from training.courses import enrolment

    course = make_course("CT1")
    first, second = make_trainee(), make_trainee()
    for _ in range(5):
        make_trainee()
    monkeypatch.setattr(enrolment, "NAMES_PER_QUERY", 1)
    read = []
    listed = enrolment._listed_trainees
    monkeypatch.setattr(enrolment, "_listed_trainees", lambda *args: read.append(listed(*args)) or read[-1])
    response = upload(login(trainer_a), course, office_list([first.personal_code, second.personal_code]))
    assert flashes(page_text(response)) == ["Đã ghi danh 2 học viên từ tệp."]
    assert enrolled_ids(course) == {first.id, second.id}
    assert [{t.id for t in found} for found in read] == [{first.id, second.id}]
