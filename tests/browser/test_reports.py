"""The admin opens the province report in Chromium, sees its charts and downloads the XLSX,
whose summary holds the figures the page shows."""

import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.helpers import vietnamese_number


def test_admin_opens_the_province_report_sees_the_charts_and_downloads_the_xlsx(page, sign_in, live_server, tmp_path):
    sign_in(page, "admin")
    expect(page).to_have_url(f"{live_server}/")

    page.get_by_role("navigation").get_by_role("link", name="Báo cáo").click()
    expect(page).to_have_url(re.compile(r"/reports/province$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Báo cáo kết quả bồi dưỡng toàn tỉnh")

    # three charts, drawn server-side as SVG; on today's map the first is by area
    charts = page.locator("figure.chart")
    expect(charts).to_have_count(3)
    titles = [
        "Học viên đã bồi dưỡng theo địa bàn và nhóm đối tượng",
        "Tỷ lệ tham dự theo chương trình",
        "Tỷ lệ xã có cán bộ đã được bồi dưỡng",
    ]
    for index, title in enumerate(titles):
        svg = charts.nth(index).locator("svg")
        expect(svg).to_be_visible()
        expect(svg).to_contain_text(title)
        assert svg.bounding_box()["width"] > 100
    # the demo has trainees this year, so the first chart has bars (the demo records no
    # attendance, so the second may have none)
    assert charts.nth(0).locator("svg rect").count() > 1

    summary = page.locator("table#summary tbody tr").first.locator("td")
    expect(summary).to_have_count(9)
    shown = summary.all_inner_texts()
    assert int(shown[2]) > 0, "the demo data should have trained someone this year"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải Excel").click()
    download = download_info.value
    assert re.fullmatch(r"báo-cáo-tỉnh-bắc-ninh-\d{4}\.xlsx", download.suggested_filename)

    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = load_workbook(saved)
    sheet = workbook["Tổng hợp"]
    assert sheet["A7"].value == "Đơn vị" and sheet["A8"].value == "Tổng cộng"  # under the paper's heading
    figures = [cell.value for cell in sheet[8][1:]]
    assert figures[2] == int(shown[2])  # trainees (people), the same as on the page
    rate = figures[4]
    # the page writes a share with the decimal comma and no ",0": 0.829 → "82,9%", 0.9 → "90%"
    share = None if rate is None else f"{rate * 100:.1f}".replace(".", ",").removesuffix(",0") + "%"
    as_shown = (
        [vietnamese_number(v) for v in figures[:4]]
        + ["—" if rate is None else share]
        + [vietnamese_number(v) for v in figures[5:]]
    )
    assert as_shown == shown


def test_on_a_phone_the_report_scrolls_its_charts_and_tables_not_the_page_and_hides_empty_communes(new_page, sign_in):
    page = new_page(viewport={"width": 390, "height": 844})
    sign_in(page, "admin")
    page.goto("/reports/province")
    # the summary and the charts come before the first table
    first_chart, first_table = (
        page.locator("figure.chart").first.bounding_box(),
        page.locator("table#summary").bounding_box(),
    )
    assert page.locator("#key-figures").bounding_box()["y"] < first_chart["y"] < first_table["y"]
    # a chart keeps its drawn size (12 px words), its figure scrolls sideways; the page does not
    svg = page.locator("figure.chart svg").first
    assert svg.evaluate("e => e.getBoundingClientRect().width") == float(svg.get_attribute("width"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # communes with nothing to show are hidden until the box is ticked
    blank = page.locator("table#by-commune tr.blank")
    assert blank.count() > 0
    expect(blank.first).to_be_hidden()
    page.get_by_label(re.compile(r"Hiện cả \d+ xã, phường chưa có số liệu")).check()
    expect(blank.first).to_be_visible()


def test_report_dates_are_dd_mm_yyyy_in_an_english_chromium(browser, live_server, sign_in):
    context = browser.new_context(base_url=live_server, locale="en-US")
    try:
        page = context.new_page()
        sign_in(page, "admin")
        page.goto("/reports/province")
        page.get_by_label("Hoặc từ ngày").fill("01/03/2026")
        page.get_by_label("đến ngày").fill("30/06/2026")
        page.get_by_role("button", name="Xem").click()
        expect(page.locator(".report-sub")).to_contain_text("Từ 01/03/2026 đến 30/06/2026")
        expect(page.get_by_label("Hoặc từ ngày")).to_have_value("01/03/2026")
    finally:
        context.close()
