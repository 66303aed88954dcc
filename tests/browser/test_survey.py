"""The course survey in a real Chromium on a phone-sized screen: a trainee opens the survey
link, identifies once, answers, sees the thanks, and edits the answer; the trainer then sees
the results. Set SURVEY_SCREENSHOTS=<folder> to keep screenshots of the pages at 390 and
1366 px."""

import os
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import district_with_trainer
from training.clock import LOCAL_TZ
from training.extensions import db

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PASSWORD = "mat-khau-giang-vien"
NAMES = ["Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Minh Châu", "Đỗ Thị Ánh", "Phạm Văn Đức", "Vũ Thị Én"]
BORN = date(1985, 3, 15)


def _course_just_ended() -> dict:
    """District A's CT1 course whose three sessions ended over the last three days, six
    trainees enrolled, and five answers already in (typed in from paper)."""
    from training.courses import services as courses
    from training.courses.enrolment import enrol_many
    from training.courses.planning import save_session
    from training.people import services as people
    from training.surveys import answering
    from training.surveys import services as surveys

    district, commune, trainer = district_with_trainer(PASSWORD)
    trainees = [
        people.save_trainee(
            None,
            {
                "full_name": name,
                "birth_date": BORN,
                "gender": "female",
                "position": "Công chức Văn hóa - Xã hội",
                "commune_id": commune.id,
                "group": "commune_broadcast",
                "phone": "",
            },
        )
        for name in NAMES
    ]
    today = datetime.now(LOCAL_TZ).date()
    first = today - timedelta(days=3)
    course = courses.create_course(
        district.id, "CT1", "Lớp bồi dưỡng CT1 xã Đồng Kỳ", "Hội trường UBND huyện Yên Thế", first, 40, [trainer.id]
    )
    for index, module in enumerate(("CT1.1", "CT1.2", "CT1.3")):
        save_session(
            course, None, module, first + timedelta(days=index), time(7, 30), time(10, 30), course.venue, trainer.id
        )
    courses.change_status(course, "open")
    courses.change_status(course, "running")
    enrol_many(course, trainees)
    db.session.flush()
    for score in (5, 4, 4, 3, 5):
        answering.enter_paper(
            course,
            {
                "noi_dung": score,
                "giang_vien": 5,
                "to_chuc": 4,
                "hai_long": score,
                "thoi_luong": 2,
                "de_xuat": f"Góp ý số {score}",
            },
        )
    return {
        "course_id": course.id,
        "token": surveys.link_token(course.id),
        "code": trainees[0].personal_code,
        "codes": [t.personal_code for t in trainees],
        "trainee_id": trainees[0].id,
    }


@pytest.fixture(scope="module")
def server(serve):
    with serve(_course_just_ended) as server:
        yield server


def _shoot(page, name: str) -> None:
    folder = os.environ.get("SURVEY_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _responses(server) -> int:
    from training.surveys.models import Respondent, Response

    with server.app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Response)),
            db.session.scalar(select(func.count()).select_from(Respondent)),
        )


def test_a_trainee_answers_the_survey_on_a_phone(server, new_page, sign_in):
    phone = new_page(**PHONE)
    phone.goto(f"/survey/{server.token}")
    _shoot(phone, "phone-identify-390")
    phone.get_by_label("Mã cá nhân (trên thẻ học viên) hoặc số điện thoại").fill(server.code)
    phone.get_by_label("Ngày sinh").fill(BORN.isoformat())
    phone.get_by_role("button", name="Mở phiếu đánh giá").click()
    expect(phone.get_by_role("heading", name="Phiếu đánh giá khóa bồi dưỡng")).to_be_visible()
    phone.get_by_role("button", name="Gửi phiếu đánh giá").click()  # nothing ticked yet
    expect(phone.locator(".field-error").first).to_be_visible()
    for question, answer in (
        ("1. Nội dung khóa học", "4 · Hài lòng"),
        ("2. Giảng viên", "5 · Rất hài lòng"),
        ("3. Công tác tổ chức", "3 · Bình thường"),
        ("4. Nhìn chung", "4 · Hài lòng"),
        ("5. Thời lượng", "Vừa đủ"),
    ):
        phone.get_by_role("group", name=question).get_by_text(answer, exact=True).click()
    phone.get_by_role("group", name="6. Hình thức").get_by_text("Tham quan mô hình").click()
    phone.get_by_role("group", name="7. Nội dung").locator("textarea").fill("Thêm bài thực hành dựng bản tin")
    _shoot(phone, "phone-form-390")
    phone.get_by_role("button", name="Gửi phiếu đánh giá").click()
    expect(phone.get_by_text("Đã ghi nhận phiếu đánh giá. Cảm ơn anh/chị!")).to_be_visible()
    assert _responses(server) == (6, 1)
    # the same phone edits its answer; still one answer
    phone.get_by_role("group", name="1. Nội dung khóa học").get_by_text("5 · Rất hài lòng", exact=True).click()
    phone.get_by_role("button", name="Lưu thay đổi").click()
    expect(phone.get_by_text("Đã ghi nhận phiếu đánh giá. Cảm ơn anh/chị!")).to_be_visible()
    assert _responses(server) == (6, 1)
    _shoot(phone, "phone-saved-390")

    for size, options in (("1366", DESKTOP), ("390", PHONE)):
        staff = new_page(**options)
        sign_in(staff, "giangvien", PASSWORD)
        staff.goto(f"/courses/{server.course_id}/survey")
        expect(staff.get_by_text("6/6 học viên đã trả lời")).to_be_visible()
        expect(staff.get_by_text("Thêm bài thực hành dựng bản tin")).to_be_visible()
        assert NAMES[0] not in staff.content()
        _shoot(staff, f"results-{size}")
        staff.goto("/surveys?by=trainer")
        expect(staff.get_by_role("cell", name="Trần Văn Khánh")).to_be_visible()
        _shoot(staff, f"summary-{size}")
    # the same form on a desktop screen, for another trainee (nothing recorded here)
    desktop = new_page(**DESKTOP)
    desktop.goto(f"/survey/{server.token}")
    desktop.get_by_label("Mã cá nhân (trên thẻ học viên) hoặc số điện thoại").fill(server.codes[1])
    desktop.get_by_label("Ngày sinh").fill(BORN.isoformat())
    desktop.get_by_role("button", name="Mở phiếu đánh giá").click()
    expect(desktop.get_by_role("button", name="Gửi phiếu đánh giá")).to_be_visible()
    _shoot(desktop, "phone-form-1366")
