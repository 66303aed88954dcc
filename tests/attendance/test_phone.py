"""The trainee's phone as a hall uses it: many phones behind one address, mistyped answers,
a borrowed phone, an erased trainee's phone, a self-scan over the trainer's mark, the result
page in another language, and what the page costs a weak network."""

import re
import time
from datetime import date, datetime

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from tests.attendance.conftest import checkin_path, confirm, make_course_now, roster_form, ticket_of
from tests.helpers import count, page_text
from tests.security.test_web_defences import rate_limited_app  # noqa: F401  (a fixture)
from training.attendance import guesses, phones, qr, roster
from training.attendance.models import Attendance
from training.extensions import db
from training.people.models import Trainee

NO_MATCH = "Mã (hoặc số điện thoại) và ngày sinh không khớp với học viên nào của khóa học này."
NOT_IN_COURSE = "Bạn không có tên trong danh sách của khóa học này. Hãy hỏi giảng viên của lớp."
THROTTLED = "Đã nhập sai quá nhiều lần. Hãy thử lại sau"


def answer(client, path: str, form_page, code: str, birth_date: str):
    return client.post(path, data={"ticket": ticket_of(form_page), "code": code, "birth_date": birth_date})


def record_of(trainee_id: int) -> Attendance | None:
    db.session.expire_all()
    return db.session.scalar(select(Attendance).where(Attendance.trainee_id == trainee_id))


def device_cookie(client):
    return client.get_cookie(phones.DEVICE_COOKIE, domain="taphuan.test")


# --- a hall identifying at once ---------------------------------------------------------------


def test_phones_opening_the_link_in_the_same_second_get_tickets_of_their_own(app, course_now):
    path = checkin_path(course_now.current)
    tickets = {ticket_of(app.test_client().get(path)) for _ in range(5)}
    assert len(tickets) == 5


def test_a_hall_behind_one_address_each_mistyping_once_is_all_recorded(
    rate_limited_app, units, trainer_a, make_trainee, clock
):
    """40 phones, one address (the test client's), one session, the same second: each types a
    wrong birth date once, then the right one. Every one is recorded."""
    people = [make_trainee(f"Học Viên Hội Trường {n}", birth_date=date(1980, 1, 1 + n % 28)) for n in range(40)]
    course = make_course_now(units, trainer_a, people)
    with rate_limited_app.test_request_context():
        path = checkin_path(course.current)
    phones = [rate_limited_app.test_client() for _ in people]
    pages = [phone.get(path) for phone in phones]
    for phone, page, trainee in zip(phones, pages, people):
        with answer(phone, path, page, trainee.personal_code, "02/02/1970") as wrong:
            assert wrong.status_code == 400 and NO_MATCH in page_text(wrong)
    for phone, page, trainee in zip(phones, pages, people):
        with answer(phone, path, page, trainee.personal_code, trainee.birth_date.strftime("%d/%m/%Y")) as right:
            assert right.status_code == 200 and 'data-reason="ok"' in page_text(right), trainee.full_name
    for page in pages:
        page.close()  # ends each request's app context, which gives its connection back
    assert count(Attendance, Attendance.session_id == course.current.id) == 40


def test_wrong_answers_for_one_identity_are_stopped_whichever_phone_sends_them(app, course_now, clock):
    hoa = course_now.trainees[0]
    path = checkin_path(course_now.current)
    for n in range(guesses.PER_IDENTITY.amount):
        phone = app.test_client()
        assert answer(phone, path, phone.get(path), hoa.personal_code, f"0{n + 1}/01/1970").status_code == 400
    phone = app.test_client()
    refused = answer(phone, path, phone.get(path), hoa.personal_code.lower(), "15/03/1985")  # even the right answer
    assert refused.status_code == 429
    text = page_text(refused)
    assert THROTTLED in text and "hỏi giảng viên" in text
    assert re.search(r"lúc \d\d:\d\d", text)
    # the form again, with what was typed, on the site's page (not a bare error page)
    assert f'value="{hoa.personal_code.lower()}"' in text and 'value="15/03/1985"' in text
    assert 'name="ticket"' in text and course_now.course.title in text
    assert record_of(hoa.id) is None
    # another trainee in the same hall is not held up
    binh = course_now.trainees[1]
    phone = app.test_client()
    assert 'data-reason="ok"' in page_text(answer(phone, path, phone.get(path), binh.personal_code, "02/11/1990"))


def test_one_phone_trying_many_identities_is_stopped(app, course_now, clock):
    path = checkin_path(course_now.current)
    phone = app.test_client()
    page = phone.get(path)
    for n in range(guesses.PER_PHONE.amount):
        assert answer(phone, path, page, f"0912{n:06d}", "01/01/1980").status_code == 400
    hoa = course_now.trainees[0]
    assert answer(phone, path, page, hoa.personal_code, "15/03/1985").status_code == 429
    assert record_of(hoa.id) is None


# --- what a phone may type, and what it is told --------------------------------------------------


@pytest.mark.parametrize("typed", ["15/03/1985", "15031985", "15 03 1985", "15/3/1985", "1985-03-15"])
def test_a_birth_date_is_typed_day_month_year(app, course_now, typed):
    hoa = course_now.trainees[0]
    phone = app.test_client()
    path = checkin_path(course_now.current)
    assert 'data-reason="ok"' in page_text(answer(phone, path, phone.get(path), hoa.personal_code, typed))


@pytest.mark.parametrize(
    "typed, message",
    [
        ("15/03/198500", "Năm sinh phải có đúng 4 chữ số, ví dụ 15/03/1985."),
        ("15/03/85", "Năm sinh phải có đúng 4 chữ số, ví dụ 15/03/1985."),
        ("31/02/1985", "Ngày sinh không có thật: hãy kiểm tra ngày và tháng (ngày/tháng/năm)."),
        ("03/15/1985", "Ngày sinh không có thật: hãy kiểm tra ngày và tháng (ngày/tháng/năm)."),
        ("mười lăm", "Hãy nhập ngày sinh theo dạng ngày/tháng/năm, ví dụ 15/03/1985."),
    ],
)
def test_a_birth_date_that_cannot_be_is_refused_in_words_keeping_what_was_typed(app, course_now, typed, message):
    hoa = course_now.trainees[0]
    phone = app.test_client()
    path = checkin_path(course_now.current)
    response = answer(phone, path, phone.get(path), hoa.personal_code, typed)
    assert response.status_code == 400
    text = page_text(response)
    assert message in text and f'value="{typed}"' in text and f'value="{hoa.personal_code}"' in text
    assert count(Attendance) == 0


def test_the_birth_date_box_is_text_with_a_numeric_keyboard(client, course_now):
    text = page_text(client.get(checkin_path(course_now.current)))
    box = re.search(r'<input[^>]*name="birth_date"[^>]*>', text)[0]
    assert 'inputmode="numeric"' in box and 'type="text"' in box and 'type="date"' not in box


@pytest.mark.parametrize(
    "stored, typed",
    [
        ("0912000009", "+84 912 000 009"),
        ("0912000009", "84912000009"),
        ("0912 000 009", "0912000009"),
        ("0912.000.009", "+84912000009"),
    ],
)
def test_a_phone_number_may_be_typed_with_84_and_spaces(app, course_now, make_trainee, stored, typed):
    from training.courses.enrolment import enrol_many

    dung = make_trainee("Phạm Thị Dung", birth_date=date(1991, 4, 1), phone=stored)
    enrol_many(course_now.course, [dung])
    db.session.commit()
    phone = app.test_client()
    path = checkin_path(course_now.current)
    response = answer(phone, path, phone.get(path), typed, "01/04/1991")
    assert 'data-reason="ok"' in page_text(response) and record_of(dung.id) is not None


def test_not_in_this_course_and_details_that_do_not_match_are_told_apart(app, course_now, other_course):
    stranger = other_course.trainees[0]  # right code and birth date, another course
    path = checkin_path(course_now.current)
    phone = app.test_client()
    response = answer(phone, path, phone.get(path), stranger.personal_code, "20/01/1988")
    assert response.status_code == 400 and NOT_IN_COURSE in page_text(response) and NO_MATCH not in page_text(response)
    response = answer(phone, path, phone.get(path), stranger.personal_code, "21/01/1988")
    assert NO_MATCH in page_text(response) and "hỏi giảng viên" in page_text(response)
    assert NOT_IN_COURSE not in page_text(response)
    assert count(Attendance) == 0


# --- a borrowed phone ------------------------------------------------------------------------


def identified_phone(app, course_now, trainee, birth_date: str):
    phone = app.test_client()
    path = checkin_path(course_now.current)
    assert 'data-reason="ok"' in page_text(answer(phone, path, phone.get(path), trainee.personal_code, birth_date))
    return phone


def test_a_remembered_phone_asks_before_it_records_and_not_me_records_nobody(app, course_now, clock):
    hoa, binh = course_now.trainees[:2]
    phone = identified_phone(app, course_now, hoa, "15/03/1985")
    clock.set_local(datetime(2026, 3, 4, 7, 55))  # the next day's session: Bình borrows Hoa's phone
    path = checkin_path(course_now.future)
    asked = phone.get(path)
    text = page_text(asked)
    assert asked.status_code == 200 and 'data-reason="confirm"' in text
    assert f"Điểm danh là {hoa.full_name}?" in text and "Đúng, điểm danh" in text and "Không phải tôi" in text
    assert count(Attendance, Attendance.session_id == course_now.future.id) == 0  # nothing yet

    not_me = phone.post(path, data={"ticket": ticket_of(asked), "action": "not_me"})
    assert not_me.status_code == 200 and device_cookie(phone) is None
    assert 'name="code"' in page_text(not_me)  # Bình can identify on it now
    assert count(Attendance, Attendance.session_id == course_now.future.id) == 0
    assert 'data-reason="ok"' in page_text(answer(phone, path, not_me, binh.personal_code, "02/11/1990"))
    assert [
        a.trainee_id
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == course_now.future.id))
    ] == [binh.id]


def test_a_remembered_phone_records_its_trainee_once_confirmed(app, course_now, clock):
    hoa = course_now.trainees[0]
    phone = identified_phone(app, course_now, hoa, "15/03/1985")
    clock.set_local(datetime(2026, 3, 4, 7, 55))
    response = confirm(phone, course_now.future)
    assert 'data-reason="ok"' in page_text(response)
    assert count(Attendance, Attendance.session_id == course_now.future.id, Attendance.trainee_id == hoa.id) == 1


def test_an_erased_trainees_phone_never_checks_in_the_next_trainee(app, course_now, make_trainee):
    """The phone names its trainee by a random key; and trainee ids are never given again
    (SQLite once gave the last erased trainee's id to the next one added)."""
    from training.courses.enrolment import enrol_many
    from training.privacy import erase_trainee

    last = make_trainee("Người Sẽ Xóa", birth_date=date(1970, 1, 1))
    enrol_many(course_now.course, [last])
    db.session.commit()
    phone = identified_phone(app, course_now, last, "01/01/1970")
    old_id = last.id
    db.session.execute(Attendance.__table__.delete())
    erase_trainee(last)
    db.session.commit()
    newcomer = make_trainee("Người Mới Đến", birth_date=date(1999, 9, 9))
    enrol_many(course_now.course, [newcomer])
    db.session.commit()
    assert newcomer.id != old_id  # ids are not reused (AUTOINCREMENT on SQLite)
    response = phone.get(checkin_path(course_now.current))
    text = page_text(response)
    assert 'name="code"' in text and newcomer.full_name not in text
    response = phone.post(checkin_path(course_now.current), data={"ticket": ticket_of(response), "action": "confirm"})
    assert newcomer.full_name not in page_text(response)
    assert count(Attendance) == 0


def test_the_phone_remembers_a_random_key_not_a_row_id(app, course_now):
    hoa = course_now.trainees[0]
    phone = identified_phone(app, course_now, hoa, "15/03/1985")
    remembered = phones._device_serializer().loads(device_cookie(phone).value)
    assert remembered["k"] == hoa.device_key and len(hoa.device_key) >= 20 and "t" not in remembered
    other = db.session.scalar(select(Trainee.device_key).where(Trainee.id != hoa.id).limit(1))
    assert other and other != hoa.device_key


# --- a self-scan over the trainer's mark -------------------------------------------------------


def test_a_self_scan_over_an_excuse_keeps_it_and_the_trainer_may_accept_it(app, login, trainer_a, course_now, clock):
    hoa = course_now.trainees[0]
    roster.mark(course_now.current, hoa, "excused", "ốm, có giấy", trainer_a.id)
    db.session.commit()
    clock.advance(minutes=20)  # 08:25
    phone = app.test_client()
    path = checkin_path(course_now.current)
    response = answer(phone, path, phone.get(path), hoa.personal_code, "15/03/1985")
    text = page_text(response)
    assert 'data-reason="kept_manual_mark"' in text and "“Có phép”" in text and "08:25" in text
    row = record_of(hoa.id)
    assert (row.status, row.method, row.remark) == ("excused", "manual", "ốm, có giấy")

    trainer = login(trainer_a)
    url = f"/sessions/{course_now.current.id}/roster"
    page = page_text(trainer.get(url))
    assert "Tự quét mã lúc 08:25" in page and f'name="accept" value="{hoa.id}"' in page
    trainer.post(url, data={**roster_form(trainer, course_now.current.id), "accept": str(hoa.id)})
    row = record_of(hoa.id)
    assert (row.status, row.method, row.self_scan_at) == ("late", "qr_self", None)
    assert row.checked_in_at.strftime("%H:%M") == "01:25"  # 08:25 in Vietnam, stored in UTC


def test_a_trainers_badge_scan_over_an_absence_changes_it(login, trainer_a, course_now):
    hoa = course_now.trainees[0]
    roster.mark(course_now.current, hoa, "absent", "", trainer_a.id)
    db.session.commit()
    answer_json = (
        login(trainer_a)
        .post(
            "/api/v1/checkins", json={"session": course_now.current.id, "code": hoa.personal_code, "nonce": "n-badge-1"}
        )
        .get_json()
    )
    assert answer_json["reason"] == "ok"
    row = record_of(hoa.id)
    assert (row.status, row.method) == ("present", "qr_badge")


# --- the result page, the language switch, caching ---------------------------------------------


def test_the_result_page_switches_language_without_running_the_token_again(app, course_now, clock):
    hoa = course_now.trainees[0]
    phone = app.test_client()
    path = checkin_path(course_now.current)
    result = answer(phone, path, phone.get(path), hoa.personal_code, "15/03/1985")
    text = page_text(result)
    next_url = re.search(r'<input type="hidden" name="next" value="([^"]+)"', text)[1]
    assert next_url.startswith("/checkin/result/")
    clock.advance(minutes=10)  # the QR's token has long expired
    switched = phone.post("/lang", data={"lang": "en", "next": next_url})
    assert switched.status_code == 302 and switched.headers["Location"] == next_url
    again = phone.get(next_url)
    text = page_text(again)
    assert again.status_code == 200 and hoa.full_name in text and 'data-reason="ok"' in text
    assert "expired" not in text.lower() and 'class="checkin-result bad"' not in text
    assert count(Attendance) == 1


@pytest.mark.parametrize("ticket", ["nonsense", "eyJzIjoxfQ.forged.sig"])
def test_a_forged_result_page_is_refused_in_words(client, course_now, ticket):
    response = client.get(f"/checkin/result/{ticket}")
    assert response.status_code == 410 and "Trang này đã hết hạn" in page_text(response)


def test_every_phone_page_is_never_stored_and_says_its_outcome(app, course_now, trainer_a):
    hoa = course_now.trainees[0]
    phone = app.test_client()
    path = checkin_path(course_now.current)
    form = phone.get(path)
    wrong = answer(phone, path, form, hoa.personal_code, "01/01/1970")
    right = answer(phone, path, form, hoa.personal_code, "15/03/1985")
    again = phone.get(path)
    expired = phone.get("/checkin/1.2.AAAAAAAAAAAAAAAAAAAAAA")
    for response in (form, wrong, right, again, expired):
        assert response.headers["Cache-Control"] == "no-store"
    assert re.search(r"<title>Điểm danh lần đầu trên điện thoại này ·", page_text(form))
    assert re.search(r"<title>Đã điểm danh ·", page_text(right)) and "<h1>Đã điểm danh</h1>" in page_text(right)
    assert re.search(r"<title>Đã điểm danh trước đó ·", page_text(again))
    assert re.search(
        r"<title>Không điểm danh được ·", page_text(expired)
    ) and "<h1>Không điểm danh được</h1>" in page_text(expired)
    assert '<p class="big" aria-hidden="true">✓</p>' in page_text(right)
    assert '<p class="big" aria-hidden="true">✗</p>' in page_text(expired)


def test_the_first_visit_needs_nothing_render_blocking_but_the_page(client, course_now):
    text = page_text(client.get(checkin_path(course_now.current)))
    head = text[: text.index("</head>")]
    assert "<style>" in head and 'rel="stylesheet"' not in head
    assert not re.search(r"<script(?![^>]*\bdefer\b)[^>]*\bsrc=", text)  # scripts, if any, never block drawing


# --- the timings are settings -------------------------------------------------------------------


def test_a_shorter_qr_step_and_ticket_lifetime_refuse_what_the_defaults_take(app, client, course_now, monkeypatch):
    """With 10-second codes, a QR drawn 25 s ago has had its two steps (the default's 30 s
    would still take it); with a 60-second ticket, a page answered 61 s after scanning must
    be scanned again (the default gives 5 minutes)."""
    app.config.update(CHECKIN_QR_STEP_SECONDS=10, CHECKIN_TICKET_SECONDS=60)
    now = qr.time.time()
    stale = client.get(checkin_path(course_now.current, now - 25))
    assert stale.status_code == 410 and "Mã QR này đã hết hạn" in page_text(stale)

    hoa = course_now.trainees[0]
    path = checkin_path(course_now.current)
    form = client.get(path)
    assert form.status_code == 200
    later = int(time.time()) + 61  # itsdangerous reads the real clock
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    late = answer(client, path, form, hoa.personal_code, "15/03/1985")
    assert late.status_code == 410 and "Đã quá thời gian điểm danh của lần quét này" in page_text(late)
    assert record_of(hoa.id) is None
