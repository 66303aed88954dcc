"""The attendance sheet's print page in Chromium: the remarks column, the signers the way the
paper has them (who drew it up on the left, the dated head of the organising body on the
right), at a desktop width and a phone's."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_the_print_page_has_ghi_chu_and_the_signers_in_their_places(page, sign_in, live_server, tmp_path, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "trainer")
    page.goto("/courses")
    page.locator("a[href^='/courses/']").filter(has_text=re.compile(r"\d+-\d{4}-CT\d-\d{2}")).first.click()
    expect(page).to_have_url(re.compile(r"/courses/\d+$"))
    page.goto(page.url + "/attendance")
    expect(page.locator("h1.paper-title")).to_contain_text("DANH SÁCH ĐIỂM DANH HỌC VIÊN")
    expect(page.locator("th.sign").first).to_have_text("Ghi chú")
    maker, head = page.locator(".sheet-sign .paper-signer").all()
    expect(maker).to_contain_text("NGƯỜI LẬP BIỂU")
    expect(head).to_contain_text(re.compile(r"ngày \d{2} tháng (\d|1[0-2]|0[12]) năm \d{4}"))
    expect(head).to_contain_text("GIÁM ĐỐC")  # the demo's issuer: the Sở, a KT. signer
    assert "(Ký" not in page.locator(".sheet-sign").inner_text()
    left, right = maker.bounding_box(), head.bounding_box()
    if width >= 1000:
        assert left["x"] < right["x"] and abs(left["y"] - right["y"]) < 5  # side by side
    else:
        assert right["y"] > left["y"]  # stacked on a phone
    page.screenshot(path=str(tmp_path / f"sheet-{width}.png"), full_page=True)
