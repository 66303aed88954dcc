"""Answering on the phone: once per trainee and course, editable from the answering device until
the survey closes, never for a course the trainee is not in."""

from datetime import date

from sqlalchemy import select

from tests.attendance.conftest import confirm, make_course_now
from tests.helpers import count
from tests.surveys.conftest import answers, texts
from training.extensions import db
from training.surveys import answering, services
from training.surveys.models import Answer, Respondent, Response, Survey


def _values(response_row) -> dict:
    return {(a.question_key, a.position): (a.value, a.text) for a in response_row.answers}


def test_the_phone_answers_once_and_the_answer_is_stored_apart(surveyed, phone):
    client = phone(surveyed.trainees[0])
    page = client.get(surveyed.path)
    assert page.status_code == 200 and 'name="q-noi_dung"' in texts(page)
    assert page.headers["Cache-Control"] == "no-store"
    saved = client.post(surveyed.path, data=answers())
    assert saved.status_code == 303
    assert count(Respondent) == 1 and count(Response) == 1
    respondent = db.session.scalar(select(Respondent))
    assert (respondent.trainee_id, respondent.source) == (surveyed.trainees[0].id, "phone")
    response = db.session.scalar(select(Response))
    survey = db.session.scalar(select(Survey))
    assert (
        (response.questionnaire_code, response.questionnaire_version)
        == ("PDG", "1")
        == (survey.questionnaire_code, survey.questionnaire_version)
    )
    assert _values(response)[("noi_dung", 0)] == (4, "")
    assert _values(response)[("hinh_thuc", 1)][0] == 1 and _values(response)[("hinh_thuc", 3)][0] == 3
    assert _values(response)[("de_xuat", 0)] == (None, "Thêm phần thực hành")
    assert _values(response)[("module:CT1.1", 0)] == (5, "")
    # no column of the answers names a trainee
    assert not [c for c in list(Response.__table__.c) + list(Answer.__table__.c) if "trainee" in c.name]
    thanks = client.get(saved.headers["Location"])
    assert "Đã ghi nhận phiếu đánh giá" in texts(thanks)


def test_the_same_phone_edits_its_answer_in_place(surveyed, phone):
    client = phone(surveyed.trainees[0])
    client.post(surveyed.path, data=answers())
    page = client.get(surveyed.path)
    assert "Lưu thay đổi" in texts(page)
    assert 'value="4" checked' in texts(page).replace("\n", "")  # the stored answer is shown again
    edited = client.post(surveyed.path, data=answers({"q-noi_dung": "2", "q-hinh_thuc": None, "q-de_xuat": ""}))
    assert edited.status_code == 303
    assert count(Respondent) == 1 and count(Response) == 1
    db.session.expire_all()
    values = _values(db.session.scalar(select(Response)))
    assert values[("noi_dung", 0)] == (2, "")
    assert ("hinh_thuc", 1) not in values and ("de_xuat", 0) not in values


def test_a_second_device_cannot_answer_twice(surveyed, phone):
    phone(surveyed.trainees[0], "phone-1").post(surveyed.path, data=answers())
    other_phone = phone(surveyed.trainees[0], "phone-2")
    page = other_phone.get(surveyed.path)
    assert "đã gửi phiếu" in texts(page) and 'name="q-noi_dung"' not in texts(page)
    again = other_phone.post(surveyed.path, data=answers({"q-noi_dung": "1"}))
    assert again.status_code == 409
    assert count(Response) == 1
    assert db.session.scalar(select(Answer.value).where(Answer.question_key == "noi_dung")) == 4


def test_a_trainee_cannot_answer_for_another_course(surveyed, phone, units, make_user, make_trainee):
    stranger = make_trainee("Người Khóa Khác", birth_date=date(1991, 5, 5))
    other = make_course_now(units, make_user("trainer.a3"), [stranger])
    client = phone(stranger)
    assert client.get(surveyed.path).status_code == 403
    assert client.post(surveyed.path, data=answers()).status_code == 403
    assert count(Response) == 0
    # and the service refuses it too, whatever the page does
    try:
        answering.answer(surveyed.course, stranger.id, {"noi_dung": 4}, None)
    except services.SurveyError:
        pass
    else:
        raise AssertionError("a trainee answered for a course they are not in")
    assert other.course.id != surveyed.course.id


def test_missing_answers_keep_what_was_chosen(surveyed, phone):
    client = phone(surveyed.trainees[0])
    page = client.post(surveyed.path, data=answers({"q-giang_vien": None, "q-noi_dung": "9"}))
    assert page.status_code == 400
    body = texts(page)
    assert body.count('class="field-error"') == 2
    assert 'value="3" checked' in body.replace("\n", "")  # to_chuc = 3 is kept
    assert "Thêm phần thực hành" in body
    assert count(Response) == 0


def test_a_new_phone_identifies_by_code_and_birth_date(app, surveyed):
    trainee = surveyed.trainees[1]
    client = app.test_client()
    form = client.get(surveyed.path)
    assert 'name="code"' in texts(form) and 'name="q-noi_dung"' not in texts(form)
    wrong = client.post(
        surveyed.path, data={"action": "identify", "code": trainee.personal_code, "birth_date": "01/01/1999"}
    )
    assert wrong.status_code == 400
    right = client.post(
        surveyed.path,
        data={
            "action": "identify",
            "code": trainee.personal_code,
            "birth_date": trainee.birth_date.strftime("%d/%m/%Y"),
        },
    )
    assert right.status_code == 200 and 'name="q-noi_dung"' in texts(right)
    assert (
        client.get_cookie("taphuan_device", domain="taphuan.test") is not None
    )  # remembered for the next check-in too
    assert client.post(surveyed.path, data=answers()).status_code == 303
    assert db.session.scalar(select(Respondent.trainee_id)) == trainee.id


def test_the_survey_opens_when_the_last_session_ends_and_closes_after(surveyed, phone, clock, app):
    client = phone(surveyed.trainees[0])
    clock.set_local(clock.utc.replace(year=2026, month=2, day=24))  # during the course
    assert "sẽ mở khi buổi học cuối kết thúc" in texts(client.get(surveyed.path))
    assert client.post(surveyed.path, data=answers()).status_code == 200  # the notice, nothing stored
    assert count(Response) == 0
    services.open_now(surveyed.course)  # the trainer opens it early
    db.session.commit()
    assert client.post(surveyed.path, data=answers()).status_code == 303
    services.close_now(surveyed.course)
    db.session.commit()
    assert "đã đóng" in texts(client.get(surveyed.path))
    assert client.post(surveyed.path, data=answers({"q-noi_dung": "1"})).status_code == 200
    assert db.session.scalar(select(Answer.value).where(Answer.question_key == "noi_dung")) == 4


def test_it_closes_by_itself_after_the_days_allowed(surveyed, phone, clock, app):
    clock.advance(days=app.config.get("SURVEY_OPEN_DAYS", 14))
    assert services.state(surveyed.course, None) == "closed"
    assert "đã đóng" in texts(phone(surveyed.trainees[0]).get(surveyed.path))


def test_a_forged_link_is_not_found(client, surveyed):
    assert client.get("/survey/" + surveyed.token[:-2] + "xx").status_code == 404
    assert client.get("/survey/1").status_code == 404


def test_reminders_on_me_and_after_check_in(app, surveyed, phone, make_user, login):
    trainee = surveyed.trainees[0]
    user = make_user("hv.kin", "trainee", None)
    user.trainee_id = trainee.id
    db.session.commit()
    me = login(user).get("/me")
    assert surveyed.token in texts(me) and "Mời anh/chị đánh giá" in texts(me)
    reminders = answering.open_for_trainee(trainee.id)
    assert [r.course_id for r in reminders] == [surveyed.course.id]
    # signed in, the trainee answers from /me's link without identifying again
    assert login(user).post(surveyed.path, data=answers()).status_code == 303
    assert answering.open_for_trainee(trainee.id) == []
    assert "Mời anh/chị đánh giá" not in texts(login(user).get("/me"))


def test_the_check_in_result_shows_an_open_survey(surveyed, phone, units, make_user, clock):
    """A trainee checks in to another course's session while this course's survey is open."""
    trainee = surveyed.trainees[2]
    running = make_course_now(units, make_user("trainer.a4"), [trainee])
    page = confirm(phone(trainee), running.current)  # "is this you?" — yes
    assert page.status_code == 200
    assert surveyed.token in texts(page) and "Mời anh/chị đánh giá" in texts(page)


def test_the_course_page_shows_the_response_rate(surveyed, phone, login, trainer_a):
    phone(surveyed.trainees[0]).post(surveyed.path, data=answers())
    page = login(trainer_a).get(f"/courses/{surveyed.course.id}")
    assert "1/6 phiếu, tỷ lệ phản hồi 17%" in texts(page)


def test_a_post_without_the_csrf_token_is_refused(app, surveyed, phone):
    app.config["WTF_CSRF_ENABLED"] = True
    client = phone(surveyed.trainees[0])
    assert client.post(surveyed.path, data=answers()).status_code == 400
    assert count(Response) == 0


def test_erasing_a_trainee_keeps_the_anonymous_answers(surveyed, phone, login, trainer_a):
    trainee = surveyed.trainees[0]
    phone(trainee).post(surveyed.path, data=answers())
    assert login(trainer_a).post(f"/trainees/{trainee.id}/erase", data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(trainee), trainee.id) is None
    assert count(Respondent) == 0 and count(Response) == 1


def test_a_crafted_trainee_id_on_a_paper_form_is_no_error(surveyed, login, trainer_a):
    client = login(trainer_a)
    data = {k: v for k, v in answers().items() if k != "action"}
    for value in ("99999999999999999999", "-1", "abc"):  # not an id: saved, nobody marked
        response = client.post(f"/courses/{surveyed.course.id}/survey/paper", data=dict(data, trainee=value))
        assert response.status_code == 302, value
    # an id of nobody in the course: refused with a message, the form shown again as typed
    refused = client.post(f"/courses/{surveyed.course.id}/survey/paper", data=dict(data, trainee="424242"))
    assert refused.status_code == 200 and "Học viên này không có tên trong khóa học." in texts(refused)
    assert "Thêm phần thực hành" in texts(refused)
    assert count(Response) == 3 and count(Respondent) == 0
