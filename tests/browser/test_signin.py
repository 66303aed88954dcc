"""Sign in through the real form in Chromium, open a programme, and the login page on a phone."""

import re

from playwright.sync_api import expect

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def test_trainer_signs_in_and_opens_a_programme(page, sign_in, live_server):
    sign_in(page, "trainer")
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trần Văn Khánh")

    page.get_by_role("navigation").get_by_role("link", name="Chương trình").click()
    expect(page).to_have_url(re.compile(r"/curricula/?$"))
    page.get_by_role("link", name="CT1", exact=True).click()

    expect(page).to_have_url(re.compile(r"/curricula/CT1$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("CT1. Kiến thức cơ bản về công tác thông tin cơ sở")
    modules = page.locator("table tbody tr")
    expect(modules).to_have_count(3)
    expect(modules.nth(0)).to_contain_text("CT1.1")
    expect(modules.nth(1)).to_contain_text("Một số vấn đề cơ bản về công tác thông tin cơ sở")
    expect(page.locator("table tfoot")).to_contain_text("12")


def test_wrong_password_stays_on_the_login_page(page, sign_in, live_server):
    sign_in(page, "trainer", "not-the-password")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")


def test_anonymous_visitor_is_sent_to_login_and_back(page, live_server):
    page.goto("/curricula/CT2")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Tên đăng nhập").fill("admin")
    page.get_by_label("Mật khẩu").fill("taphuan-demo")
    page.locator("form:has(#username)").get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{live_server}/curricula/CT2")


def test_sign_out(page, sign_in, live_server):
    sign_in(page, "admin")
    expect(page).to_have_url(f"{live_server}/")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/trainees")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_csrf_is_enforced_on_the_live_server(page, live_server):
    response = page.request.post(f"{live_server}/login", form={"username": "admin", "password": "taphuan-demo"})
    assert response.status == 400
    assert "Phiên làm việc đã hết hạn" in response.text()


def _horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_login_page_fits_a_phone(new_page):
    page = new_page(**PHONE)
    page.goto("/login")
    expect(page.get_by_label("Tên đăng nhập")).to_be_visible()
    assert page.evaluate("document.documentElement.clientWidth") == 360
    assert _horizontal_overflow(page) == 0
    box = page.get_by_label("Mật khẩu").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
