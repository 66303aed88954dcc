"""Results against a hand computation on a fixed set of answers (four by phone, two on paper
typed in by the trainer), the five-answer threshold, and the summaries over a period."""

import re
from datetime import date
from types import SimpleNamespace

import pytest

from tests.queries import objects_loaded
from tests.surveys.conftest import answers, texts
from training.courses import services as courses
from training.courses.models import Course
from training.extensions import db
from training.reports import exports
from training.surveys import answering, summaries

# Six forms. noi_dung, giang_vien, to_chuc, hai_long and the module CT1.1 are 1–5 scales;
# thoi_luong is one choice of 3, hinh_thuc several of 4, de_xuat a short text.
FORMS = [
    {
        "q-noi_dung": "5",
        "q-giang_vien": "5",
        "q-to_chuc": "3",
        "q-hai_long": "4",
        "q-thoi_luong": "2",
        "q-hinh_thuc": ["1", "3"],
        "q-de_xuat": "b: thêm thực hành",
        "q-module:CT1.1": "5",
    },
    {
        "q-noi_dung": "4",
        "q-giang_vien": "5",
        "q-to_chuc": "3",
        "q-hai_long": "4",
        "q-thoi_luong": "2",
        "q-hinh_thuc": ["1"],
        "q-de_xuat": "A: tài liệu in sớm hơn",
        "q-module:CT1.1": "4",
    },
    {
        "q-noi_dung": "4",
        "q-giang_vien": "5",
        "q-to_chuc": "3",
        "q-hai_long": "5",
        "q-thoi_luong": "1",
        "q-hinh_thuc": None,
        "q-de_xuat": None,
        "q-module:CT1.1": "3",
    },
    {
        "q-noi_dung": "3",
        "q-giang_vien": "5",
        "q-to_chuc": "3",
        "q-hai_long": "3",
        "q-thoi_luong": "2",
        "q-hinh_thuc": None,
        "q-de_xuat": None,
        "q-module:CT1.1": None,
    },
    # the two paper forms
    {
        "q-noi_dung": "5",
        "q-giang_vien": "5",
        "q-to_chuc": "3",
        "q-hai_long": "4",
        "q-thoi_luong": "3",
        "q-hinh_thuc": None,
        "q-de_xuat": None,
        "q-module:CT1.1": None,
    },
    {
        "q-noi_dung": "2",
        "q-giang_vien": "5",
        "q-to_chuc": "3",
        "q-hai_long": "4",
        "q-thoi_luong": "2",
        "q-hinh_thuc": None,
        "q-de_xuat": None,
        "q-module:CT1.1": None,
    },
]


def _answer_all(surveyed, phone, login, trainer, forms=FORMS):
    for trainee, form in zip(surveyed.trainees, forms[:4]):
        assert phone(trainee).post(surveyed.path, data=answers(form)).status_code == 303
    staff = login(trainer)
    for index, form in enumerate(forms[4:], 4):
        data = {k: v for k, v in answers(form).items() if k != "action"}
        if index == 4:
            data["trainee"] = str(surveyed.trainees[4].id)  # handed in by; the other is unnamed
        assert staff.post(f"/courses/{surveyed.course.id}/survey/paper", data=data).status_code == 302


def test_results_match_a_hand_computation(surveyed, phone, login, trainer_a):
    _answer_all(surveyed, phone, login, trainer_a)
    results = summaries.course_results(surveyed.course)
    assert (results.enrolled, results.responses, results.by_source) == (6, 6, {"phone": 4, "paper": 2})
    assert results.response_rate == 1.0 and results.visible
    by_key = {r.question.key: r for r in results.questions}
    assert by_key["noi_dung"].counts == [0, 1, 1, 2, 2]
    assert by_key["noi_dung"].mean == pytest.approx(23 / 6)
    assert by_key["hai_long"].mean == pytest.approx(24 / 6)
    assert (by_key["giang_vien"].mean, by_key["to_chuc"].mean) == (5, 3)
    assert (by_key["module:CT1.1"].answered, by_key["module:CT1.1"].mean) == (3, pytest.approx(4))
    assert by_key["module:CT1.2"].answered == 0 and by_key["module:CT1.2"].mean is None
    assert by_key["thoi_luong"].counts == [1, 4, 1]
    assert (by_key["hinh_thuc"].answered, by_key["hinh_thuc"].counts) == (2, [2, 0, 1, 0])
    assert by_key["de_xuat"].texts == ["A: tài liệu in sớm hơn", "b: thêm thực hành"]  # alphabetical
    # the mean of every 1–5 answer: (23 + 30 + 18 + 24 + 12) / (4 × 6 + 3)
    assert results.satisfaction == pytest.approx(107 / 27)
    figures = summaries.figures_for([surveyed.course.id])
    assert (figures.responses, figures.enrolled, figures.response_rate) == (6, 6, 1.0)
    assert figures.satisfaction == pytest.approx(107 / 27)
    page = texts(login(trainer_a).get(f"/courses/{surveyed.course.id}/survey"))
    assert "Mức độ hài lòng trung bình: 3,96/5" in page
    assert "trung bình 3,83" in page and "2 · 33%" in page


def test_the_figures_of_many_courses_read_the_courses_only_where_they_have_a_survey(
    surveyed, phone, login, trainer_a, units
):
    """A province's report of a few years names thousands of courses: its survey figures read
    their ids and statuses, and a course itself only where its survey's questions need it."""
    _answer_all(surveyed, phone, login, trainer_a)
    quiet = courses.create_course(units["A"].id, "CT1", "", "Hội trường", date(2026, 3, 2), 30, [trainer_a.id])
    dropped = courses.create_course(units["A"].id, "CT1", "", "Hội trường", date(2026, 3, 9), 30, [trainer_a.id])
    courses.change_status(dropped, "cancelled", "Không đủ học viên")
    db.session.commit()
    ids = [surveyed.course.id, quiet.id, dropped.id]
    db.session.expunge_all()
    with objects_loaded(Course) as read:
        # what a report's survey line reads: its courses by id (the rest of a report is not needed)
        figures = exports.survey_line(SimpleNamespace(course_ids=tuple(ids))).figures
    assert read == [surveyed.course.id]
    # the cancelled course is left out; the one without a survey counts, with nobody enrolled
    assert (figures.courses, figures.responses, figures.enrolled) == (2, 6, 6)
    assert figures.satisfaction == pytest.approx(107 / 27)


def test_paper_forms_count_like_phone_answers(surveyed, phone, login, trainer_a):
    _answer_all(surveyed, phone, login, trainer_a)
    # the trainee who handed in a paper form is counted as answered: no reminder, no second answer
    assert answering.open_for_trainee(surveyed.trainees[4].id) == []
    assert phone(surveyed.trainees[4]).post(surveyed.path, data=answers()).status_code == 409
    assert answering.open_for_trainee(surveyed.trainees[5].id) != []
    # a paper form with nothing ticked is refused
    empty = login(trainer_a).post(
        f"/courses/{surveyed.course.id}/survey/paper",
        data={k: v for k, v in answers().items() if not k.startswith("q-")},
    )
    assert empty.status_code == 400
    assert summaries.course_results(surveyed.course).responses == 6


def test_nothing_is_shown_below_five_answers(surveyed, phone, login, trainer_a, admin):
    for trainee, form in zip(surveyed.trainees, FORMS[:4]):
        phone(trainee).post(surveyed.path, data=answers(form))
    for user in (trainer_a, admin):
        client = login(user)
        page = texts(client.get(f"/courses/{surveyed.course.id}/survey"))
        assert "Kết quả hiện khi có từ 5 phiếu" in page and "thêm thực hành" not in page and "trung bình 4" not in page
        data = client.get(f"/api/v1/courses/{surveyed.course.id}/survey").get_json()
        assert (data["responses"], data["visible"], data["questions"], data["satisfaction"]) == (4, False, [], None)
    results = summaries.course_results(surveyed.course)
    assert not results.visible and all(r.answered == 0 for r in results.questions)
    phone(surveyed.trainees[4]).post(surveyed.path, data=answers(FORMS[4]))
    data = login(trainer_a).get(f"/api/v1/courses/{surveyed.course.id}/survey").get_json()
    assert (data["responses"], data["visible"]) == (5, True)
    assert data["questions"][0]["options"][4]["count"] == 2  # noi_dung = 5 twice


def test_summaries_by_programme_trainer_and_area(surveyed, phone, login, trainer_a, trainer_b, admin):
    _answer_all(surveyed, phone, login, trainer_a)
    first, last = date(2026, 1, 1), date(2026, 3, 3)
    for grouping, label in (("programme", "CT1. "), ("trainer", trainer_a.full_name), ("area", "Huyện Yên Thế")):
        summary = summaries.summary(first, last, grouping, admin)
        [(row_label, figures)] = summary.rows
        assert row_label.startswith(label)
        assert (figures.courses, figures.responses, figures.enrolled) == (1, 6, 6)
        assert figures.satisfaction == pytest.approx(107 / 27)
        assert figures.mean("noi_dung") == pytest.approx(23 / 6)
    # another district's trainer sees none of district A's courses; a period without them is empty
    assert summaries.summary(first, last, "area", trainer_b).rows == []
    assert summaries.summary(date(2026, 3, 1), last, "area", admin).rows == []
    page = texts(login(trainer_a).get("/surveys?from=01/01/2026&to=03/03/2026&by=area"))
    assert "Huyện Yên Thế" in page and "3,96" in page and "100%" in page
    b_page = texts(login(trainer_b).get("/surveys?from=01/01/2026&to=03/03/2026&by=area"))
    assert "Huyện Yên Thế" not in b_page


def test_a_group_below_five_answers_shows_no_mean(surveyed, phone, login, trainer_a, admin):
    for trainee, form in zip(surveyed.trainees, FORMS[:3]):
        phone(trainee).post(surveyed.path, data=answers(form))
    page = texts(login(admin).get("/surveys?from=01/01/2026&to=03/03/2026&by=trainer"))
    assert trainer_a.full_name in page and "—" in page
    assert not re.search(r"\d,\d\d", page)  # no mean of any kind
