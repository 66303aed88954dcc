"""A trainer's day in Chromium: dates typed and shown as dd/mm/yyyy and times in 24 hours in
an English-language browser, and a course form sent twice (Back, then submit) that creates
one course."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD

VENUE = "Phòng họp số 3, UBND huyện Yên Thế"


@pytest.fixture
def english_page(browser, live_server):
    """A page of a Chromium whose language is American English, as a trainer's laptop may be."""
    context = browser.new_context(base_url=live_server, locale="en-US", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.locator("form:has(#username)").get_by_role("button", name="Đăng nhập").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def create_course(page, day: str, venue: str = VENUE) -> None:
    page.goto("/courses/new")
    page.get_by_label("Chương trình").select_option("CT3")
    page.get_by_label("Địa điểm").fill(venue)
    page.get_by_label("Ngày bắt đầu").fill(day)
    page.get_by_role("button", name="Tạo khóa học").click()


def test_an_english_browser_types_and_reads_dates_as_dd_mm_yyyy_and_times_in_24_hours(english_page, server):
    page = english_page
    assert page.evaluate("navigator.language") == "en-US"
    sign_in(page, "trainer")
    page.goto("/courses/new")
    starts = page.get_by_label("Ngày bắt đầu")
    expect(starts).to_have_attribute("type", "text")  # not the browser's mm/dd/yyyy date box
    expect(starts).to_have_attribute("placeholder", "dd/mm/yyyy")
    page.get_by_text("Giờ học, ngày nghỉ và quy định đi muộn").click()
    expect(page.get_by_label("Chiều từ")).to_have_value("13:30")  # not "01:30 PM"

    # 4 March 2032 (a Thursday), which an American reads as 3 April
    create_course(page, "04/03/2032", venue="Phòng họp số 5, UBND huyện Yên Thế")
    expect(page.locator(".flash-success")).to_contain_text("Đã tạo khóa học 24-2032-CT3-")
    expect(page.locator("dl.facts")).to_contain_text("04/03/2032")

    page.get_by_role("link", name="+ Thêm buổi").click()
    page.get_by_label("Ngày").fill("05/03/2032")
    page.get_by_label("Bắt đầu").fill("13:30")
    page.get_by_label("Kết thúc").fill("16:30")
    page.get_by_role("button", name="Lưu buổi học").click()
    row = page.locator("table.sessions tbody tr").first
    expect(row).to_contain_text("05/03/2032")
    expect(row).to_contain_text("13:30–16:30")

    # a mistyped date is named, with what was typed kept
    page.goto("/courses/new")
    page.get_by_label("Địa điểm").fill(VENUE)
    page.get_by_label("Ngày bắt đầu").fill("31/02/2032")
    page.get_by_role("button", name="Tạo khóa học").click()
    expect(page.get_by_text("Ngày “31/02/2032” không hợp lệ")).to_be_visible()
    expect(page.get_by_label("Ngày bắt đầu")).to_have_value("31/02/2032")
    expect(page.get_by_label("Địa điểm")).to_have_value(VENUE)


def test_back_and_submitting_the_course_form_again_creates_no_second_course(page, server):
    from training.courses.models import Course
    from training.extensions import db

    def courses_at(venue: str) -> list[str]:
        with server.app.app_context():
            return list(db.session.scalars(db.select(Course.code).where(Course.venue == venue)))

    venue = "Nhà văn hóa thôn Đồng Lầm"
    sign_in(page, "trainer")
    create_course(page, "10/05/2032", venue=venue)
    expect(page).to_have_url(re.compile(r"/courses/\d+$"))
    assert len(courses_at(venue)) == 1

    page.go_back()
    expect(page).to_have_url(re.compile(r"/courses/new$"))
    expect(page.get_by_label("Địa điểm")).to_have_value(venue)  # the form as it was sent
    page.get_by_role("button", name="Tạo khóa học").click()
    # the browser fetched the form afresh (with a new token) and refilled it: the course's
    # twin is found and named instead
    expect(page.locator(".flash-error")).to_contain_text(f"Đã có khóa học {courses_at(venue)[0]} cùng chương trình")
    expect(page.get_by_label("Địa điểm")).to_have_value(venue)
    assert len(courses_at(venue)) == 1


def test_the_enrol_by_filter_button_keeps_to_one_line_at_1366_px(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, "trainer")
        page.goto("/courses")
        page.get_by_role("link", name=re.compile(r"\d+-\d{4}-CT2-")).first.click()
        page.get_by_role("link", name="+ Ghi danh học viên").click()
        by_filter = page.locator("section", has=page.get_by_role("heading", name="Ghi danh theo bộ lọc"))
        button = by_filter.get_by_role("button", name="Ghi danh theo bộ lọc")
        communes = by_filter.get_by_label("Xã/phường")
        # one line of text: no taller than the select box beside it (it was five lines, a word each)
        assert button.bounding_box()["height"] <= communes.bounding_box()["height"] + 8
    finally:
        context.close()


def test_an_english_browser_types_the_issuers_date_and_a_survey_birth_date_as_dd_mm_yyyy(english_page, server):
    from training.courses.models import Course
    from training.extensions import db
    from training.surveys.services import link_token

    page = english_page
    sign_in(page, "admin")
    page.goto("/units/issuers")
    valid_from = page.get_by_label("Áp dụng từ ngày")
    expect(valid_from).to_have_attribute("type", "text")  # not the browser's mm/dd/yyyy date box
    expect(valid_from).to_have_attribute("placeholder", "dd/mm/yyyy")
    expect(valid_from).to_have_value(re.compile(r"^\d{2}/\d{2}/\d{4}$"))  # today, as Vietnamese write it
    valid_from.fill("31/02/2032")
    page.get_by_role("button", name=re.compile("Lưu")).click()
    expect(page.get_by_text("Ngày “31/02/2032” không hợp lệ")).to_be_visible()
    expect(page.get_by_label("Áp dụng từ ngày")).to_have_value("31/02/2032")
    # 4 March 2032, which an American reads as 3 April; the rest as the page filled it in
    page.get_by_label("Áp dụng từ ngày").fill("04/03/2032")
    page.get_by_role("button", name=re.compile("Lưu")).click()
    expect(page.locator(".flash-success")).to_contain_text("Đã lưu cơ quan ban hành và người ký.")
    expect(page.locator("table")).to_contain_text("04/03/2032")

    with server.app.app_context():
        token = link_token(db.session.scalar(db.select(Course.id).order_by(Course.id).limit(1)))
    page.goto(f"/survey/{token}")
    born = page.get_by_label(re.compile("Ngày sinh"))
    expect(born).to_have_attribute("type", "text")
    expect(born).to_have_attribute("placeholder", "dd/mm/yyyy")
