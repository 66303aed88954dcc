"""How the reports look: one list of columns behind the page, the XLSX and the PDF; the page's
summary and charts before its tables; numbers as numbers in the workbook and with the decimal
comma on paper; the workbook's font, sheets, heading and charts; fonts of the PDF; the survey's
line; the file names; the period typed as dd/mm/yyyy. Read from what a user gets: the page's
HTML, the workbook opened with openpyxl, the PDF through pdftotext and pdffonts."""

import io
import re
import subprocess
import zipfile
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import pytest
from flask_babel import refresh
from openpyxl import load_workbook

from tests.helpers import page_text
from training.courses.models import Course
from training.extensions import db
from training.reports import columns, exports_pdf
from training.reports.columns import Column
from training.surveys import services as surveys
from training.surveys.models import Answer, Response
from training.units.models import Unit

from .conftest import YEAR
from .test_figures import body_rows, expected, get_ok, page_tables

ROOT = Path(__file__).resolve().parents[2]
PROVINCE = f"/reports/province?year={YEAR}"


def _pdf(data: bytes) -> tuple[str, str]:
    """(text, font list) of a PDF, by pdftotext and pdffonts."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout
    return " ".join(text.decode().split()), fonts.decode()


def _font_names(fonts: str) -> set[str]:
    return {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:] if line.strip()}


# --- one list of columns ----------------------------------------------------------------------


def test_a_column_added_to_the_list_shows_on_the_page_in_the_xlsx_and_in_the_pdf(world, login, monkeypatch):
    extra = Column("test", "Cột thêm", lambda tally: 1234567)
    monkeypatch.setattr(columns, "COLUMNS", (*columns.COLUMNS, extra))
    client = login(world.users["admin"])

    html = page_text(get_ok(client, PROVINCE))
    tables = page_tables(html)
    assert tables["summary"][0][-1][0] == "Cột thêm"
    assert body_rows(tables["by-programme"])["CT1. Kiến thức cơ bản về công tác thông tin cơ sở"][-1] == "1.234.567"

    workbook = load_workbook(io.BytesIO(get_ok(client, PROVINCE + "&format=xlsx").data))
    sheet = workbook["Theo chương trình"]
    assert [c.value for c in sheet[7]][-1] == "Cột thêm"
    cell = sheet.cell(8, len(columns.COLUMNS) + 1)
    assert cell.value == 1234567 and cell.number_format == "#,##0"

    text, _fonts = _pdf(get_ok(client, PROVINCE + "&format=pdf").data)
    assert "Cột thêm" in text and "1.234.567" in text


def test_page_xlsx_and_pdf_head_their_figures_with_the_same_words(world, login):
    client = login(world.users["admin"])
    headings = [str(c.heading) for c in columns.COLUMNS]
    assert "GCN còn hiệu lực" in headings
    tables = page_tables(page_text(get_ok(client, PROVINCE)))
    for table in ("summary", "by-programme", "by-group", "by-unit", "by-commune"):
        assert [text for text, _attrs in tables[table][0][1:]] == headings, table
    workbook = load_workbook(io.BytesIO(get_ok(client, PROVINCE + "&format=xlsx").data))
    for name in ("Tổng hợp", "Theo chương trình", "Theo nhóm đối tượng", "Theo huyện", "Theo xã, phường"):
        assert [c.value for c in workbook[name][7]] == ["Đơn vị", *headings], name


def test_valid_certificates_leave_out_the_revoked(world, login):
    """District B issued two certificates in 2025 (B1/b1, B2/b2); B1/b1 was revoked in September."""
    client = login(world.users["admin"])
    url = f"/reports/district?unit={world.unit_ids['B']}&year={YEAR}"
    row = body_rows(page_tables(page_text(get_ok(client, url)))["summary"])["Tổng cộng"]
    issued, valid, revoked = row[6:9]
    assert (issued, valid, revoked) == ("2", "1", "1")
    text, _fonts = _pdf(get_ok(client, url + "&format=pdf").data)
    assert "đã cấp 2 giấy chứng nhận (còn hiệu lực 1), thu hồi 1." in text


# --- the page ---------------------------------------------------------------------------------


def test_the_page_opens_with_the_summary_and_the_charts_before_the_tables(world, login):
    html = page_text(get_ok(login(world.users["admin"]), PROVINCE))
    assert html.index('id="key-figures"') < html.index("<svg") < html.index('id="summary"')
    tiles = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)<", html))
    assert tiles["Số lớp"] == "5" and tiles["Tỷ lệ tham dự"] == "82,9%" and tiles["GCN còn hiệu lực"] == "2"


def test_charts_are_readable_images_with_the_legend_in_the_order_of_the_bars(world, login):
    html = page_text(get_ok(login(world.users["admin"]), PROVINCE))
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        assert 'role="img"' in svg and re.search(r"<title id=\"[^\"]+\">[^<]+</title>", svg)
        assert min(float(size) for size in re.findall(r"font-size: ([\d.]+)px", svg)) >= 11
        assert int(re.search(r'width="(\d+)"', svg).group(1)) <= 560  # shown at this size, never scaled
    # the trainees chart: the legend's swatches (10 × 10) top to bottom, and the two bars of the
    # top district top to bottom, name the colours in the same order (y grows upwards here)
    legend, bars = [], []
    for y, width, height, fill in re.findall(
        r'<rect x="[\d.]+" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" '
        r'style="[^"]*fill: (rgb\([^)]+\))',
        svgs[0],
    ):
        (legend if (width, height) == ("10", "10") else bars).append((float(y), fill))
    legend_order = [fill for _y, fill in sorted(legend, reverse=True)]
    top_bars = [fill for _y, fill in sorted(bars, reverse=True)[:2]]
    assert len(legend_order) == 2 and top_bars == legend_order


def test_the_commune_table_marks_its_empty_rows_to_hide_them_and_keeps_them_in_the_files(world, login):
    client = login(world.users["admin"])
    html = page_text(get_ok(client, PROVINCE))
    table = html[html.index('id="by-commune"') :]
    table = table[: table.index("</table>")]
    blank = re.findall(r'<tr class="blank"><td>([^<]+)</td>', table)
    want = expected(world, date(YEAR, 1, 1), date(YEAR, 12, 31))
    assert sorted(blank) == sorted(name for name in world.communes if not any(want.row("commune", name)))
    assert "=1+1" in blank and "Xã Đồng Kỳ" not in blank
    assert f"Hiện cả {len(blank)} xã, phường chưa có số liệu" in html
    assert html.index('id="show-blank"') < html.index('id="by-commune"')  # the box precedes the table it opens
    css = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert "#show-blank:not(:checked) ~ table tr.blank { display: none; }" in css
    workbook = load_workbook(io.BytesIO(get_ok(client, PROVINCE + "&format=xlsx").data))
    labels = [row[0] for row in workbook["Theo xã, phường"].iter_rows(min_row=8, values_only=True)]
    assert all(any(label.startswith(name + " (") for label in labels) for name in blank)


# --- XLSX ---------------------------------------------------------------------------------------


def test_the_workbook_is_in_the_papers_serif_with_numbers_charts_and_a_heading(world, login):
    data = get_ok(login(world.users["admin"]), PROVINCE + "&format=xlsx").data
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [
        "Tổng hợp",
        "Theo chương trình",
        "Theo nhóm đối tượng",
        "Theo huyện",
        "Theo xã, phường",
        "Xã chưa có người được bồi dưỡng",
        "Biểu đồ",
    ]
    fonts = {
        cell.font.name for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None
    }
    assert fonts == {"Noto Serif"}  # the family of the PDF's NotoSerif
    summary = workbook["Tổng hợp"]
    assert summary["A1"].value == "UBND TỈNH BẮC GIANG" and summary["D1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert summary["A4"].value.startswith("Phụ lục: Biểu tổng hợp kết quả bồi dưỡng")
    assert summary["A5"].value == "Tổng hợp (từ 01/01/2025 đến 31/12/2025)"
    assert summary["A7"].value == "Đơn vị" and summary["A8"].value == "Tổng cộng"
    for cell, column in zip(summary[8][1:], columns.COLUMNS):
        assert isinstance(cell.value, float if column.share else int), column.key
        assert cell.number_format == ("0.0%" if column.share else "#,##0"), column.key
    # the charts: three bar charts drawn by the spreadsheet, on the sheet that holds their figures
    charts = [name for name in zipfile.ZipFile(io.BytesIO(data)).namelist() if name.startswith("xl/charts/chart")]
    assert len(charts) == 3
    sheet = workbook["Biểu đồ"]
    assert len(sheet._charts) == 3
    assert sheet["A1"].value == "Học viên đã bồi dưỡng theo huyện và nhóm đối tượng"
    chart = zipfile.ZipFile(io.BytesIO(data)).read(charts[1]).decode()
    assert re.search(r'barDir val="bar"\s*/>', chart) and "'Biểu đồ'!$B$" in chart
    assert set(re.findall(r'typeface="([^"]+)"', chart)) == {"Noto Serif"}  # title, axes and legend


# --- PDF ------------------------------------------------------------------------------------------


def test_the_report_pdf_and_its_charts_use_only_the_embedded_serif(world, login):
    client = login(world.users["admin"])
    for url in (PROVINCE, f"/reports/district?unit={world.unit_ids['A']}&year={YEAR}"):
        _text, fonts = _pdf(get_ok(client, url + "&format=pdf").data)
        assert _font_names(fonts) <= {
            "NotoSerif-Regular",
            "NotoSerif-Bold",
            "NotoSerif-Italic",
            "NotoSerif-BoldItalic",
        }, fonts
        assert all(" yes " in line for line in fonts.splitlines()[2:] if line.strip())  # embedded


def test_the_pdf_writes_shares_with_the_decimal_comma(world, login):
    text, _fonts = _pdf(get_ok(login(world.users["admin"]), PROVINCE + "&format=pdf").data)
    assert "tỷ lệ tham dự 82,9%" in text and "82.9%" not in text


# --- the survey's line ----------------------------------------------------------------------------


def _answer(course: Course, values: list[int]) -> None:
    """Survey responses for a course, one 1–5 answer each to its first scale question."""
    survey = surveys.ensure_survey(course)
    key = next(q.key for q in surveys.questions_of(course, survey) if q.is_scale)
    for value in values:
        response = Response(
            survey_id=survey.id,
            questionnaire_code=survey.questionnaire_code,
            questionnaire_version=survey.questionnaire_version,
            source="paper",
        )
        response.answers.append(Answer(question_key=key, value=value))
        db.session.add(response)
    db.session.commit()


def test_the_reports_give_the_mean_satisfaction_and_the_response_rate(world, login):
    # held in 2025 with 9 counted enrolments; 5 answers: (4 + 5 + 3 + 4 + 5) / 5 = 4.2, 5 / 9 = 55.6 %
    _answer(db.session.get(Course, world.course_ids["A1"]), [4, 5])
    _answer(db.session.get(Course, world.course_ids["A6"]), [3, 4])
    _answer(db.session.get(Course, world.course_ids["B1"]), [5])
    client = login(world.users["admin"])

    html = page_text(get_ok(client, PROVINCE))
    tiles = dict(re.findall(r"<dt>([^<]+)</dt>\s*<dd>([^<]+)<", html))
    assert tiles["Mức độ hài lòng trung bình"] == "4,2" and tiles["Tỷ lệ phản hồi"] == "55,6%"
    text, _fonts = _pdf(get_ok(client, PROVINCE + "&format=pdf").data)
    assert "Mức độ hài lòng trung bình 4,2/5; tỷ lệ phản hồi 55,6% (5 phiếu)." in text
    summary = load_workbook(io.BytesIO(get_ok(client, PROVINCE + "&format=xlsx").data))["Tổng hợp"]
    rows = {row[0].value: row[1] for row in summary.iter_rows(min_row=10) if row[0].value}
    satisfaction, rate = rows["Mức độ hài lòng trung bình (thang 1–5)"], rows["Tỷ lệ phản hồi phiếu đánh giá"]
    assert satisfaction.value == pytest.approx(4.2) and satisfaction.number_format == "0.0"
    assert rate.value == pytest.approx(5 / 9) and rate.number_format == "0.0%"

    # district B alone has one answer: too few to say how satisfied anyone was
    url = f"/reports/district?unit={world.unit_ids['B']}&year={YEAR}"
    assert "Chưa đủ 5 phiếu đánh giá (mới có 1)" in page_text(get_ok(client, url))
    text, _fonts = _pdf(get_ok(client, url + "&format=pdf").data)
    assert "Phiếu đánh giá: mới có 1 phiếu, chưa đủ 5 phiếu để tính mức độ hài lòng trung bình; tỷ lệ phản hồi" in text
    assert "4,2" not in text and "5,0/5" not in text


# --- file names -----------------------------------------------------------------------------------


def test_downloads_are_named_after_the_unit_and_the_period(world, login):
    client = login(world.users["admin"])
    header = get_ok(client, PROVINCE + "&format=xlsx").headers["Content-Disposition"]
    assert header == (
        "attachment; filename=bao-cao-tinh-bac-giang-2025.xlsx; "
        "filename*=UTF-8''b%C3%A1o-c%C3%A1o-t%E1%BB%89nh-b%E1%BA%AFc-giang-2025.xlsx"
    )
    assert unquote(header.split("UTF-8''")[1]) == "báo-cáo-tỉnh-bắc-giang-2025.xlsx"

    district = db.session.get(Unit, world.unit_ids["A"])
    district.name = "Huyện Đồng Văn"
    db.session.commit()
    header = get_ok(client, f"/reports/district?unit={district.id}&start=2025-03-01&end=2025-06-30&format=pdf").headers[
        "Content-Disposition"
    ]
    # đ is written d in the plain name (a plain fold would drop it), and kept in the UTF-8 one
    assert "filename=bao-cao-huyen-dong-van-20250301-20250630.pdf;" in header
    assert unquote(header.split("UTF-8''")[1]) == "báo-cáo-huyện-đồng-văn-20250301-20250630.pdf"


# --- the period's date boxes ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_period_is_typed_and_shown_as_dd_mm_yyyy_in_either_language(world, login, lang):
    client = login(world.users["admin"])
    client.post("/lang", data={"lang": lang, "next": "/"})
    refresh()  # the requests share the test's app context, where Flask-Babel keeps the locale it found first
    html = page_text(get_ok(client, "/reports/province?start=01/03/2025&end=30/06/2025"))
    boxes = {
        re.search(r'name="(\w+)"', box).group(1): box
        for box in re.findall(r"<input ([^>]*)>", html)
        if re.search(r'name="(start|end)"', box)
    }
    for name, value in (("start", "01/03/2025"), ("end", "30/06/2025")):
        assert 'type="text"' in boxes[name] and f'value="{value}"' in boxes[name] and "dd/mm/yyyy" in boxes[name]
    assert "01/03/2025" in html and "30/06/2025" in html
    tables = page_tables(html)
    # March–June 2025: A1 (March) and B1 (June) only
    assert body_rows(tables["summary"])[("Tổng cộng" if lang == "vi" else "Total")][0] == "2"


def test_a_mistyped_date_is_kept_with_a_clear_message(world, login):
    client = login(world.users["admin"])
    response = get_ok(client, "/reports/province?year=2025&start=31/02/2025&end=30/06/2025")
    html = page_text(response)
    assert 'value="31/02/2025"' in html
    assert "Ngày “31/02/2025” không hợp lệ: nhập theo dạng dd/mm/yyyy" in html
    assert "Từ 01/01/2025 đến 31/12/2025" in html  # the year's report meanwhile
    html = page_text(get_ok(client, "/reports/province?start=30/06/2025&end=01/03/2025"))
    assert "“Đến ngày” (01/03/2025) trước “Từ ngày” (30/06/2025): hãy đổi lại hai ngày." in html
    html = page_text(get_ok(client, "/reports/province?start=01/03/2025&end="))
    assert "Nhập cả hai ngày để xem báo cáo theo khoảng ngày." in html


def test_a_district_of_many_untrained_communes_prints_its_list_across_pages(world, login, units):
    """Every commune of a large district untrained: the list of their names is text that
    breaks across pages (in a table cell it was taller than the page: the PDF was a 500)."""
    names = [f"Xã Thử Nghiệm Có Tên Rất Dài Số {n}" for n in range(1, 301)]
    db.session.add_all(
        Unit(map="pre2025", code=str(90000 + n), name=name, level="commune", parent=units["B"])
        for n, name in enumerate(names)
    )
    db.session.commit()
    text, _fonts = _pdf(get_ok(login(world.users["admin"]), PROVINCE + "&format=pdf").data)
    assert names[0] in text and names[-1] in text


def test_a_province_of_many_communes_has_its_tables_laid_out_a_page_at_a_time(world, login, units, monkeypatch):
    """The commune table of a province of several hundred communes is never one reportlab
    Table (a style record per cell, copied at each page break): tables of a few dozen rows,
    with every commune still in the file."""
    names = [f"Xã Thử Nghiệm Số {n}" for n in range(1, 301)]
    db.session.add_all(
        Unit(map="pre2025", code=str(90000 + n), name=name, level="commune", parent=units["B"])
        for n, name in enumerate(names)
    )
    db.session.commit()
    made, real = [], exports_pdf.Table

    def counted(rows, *args, **kwargs):
        made.append(len(rows))
        return real(rows, *args, **kwargs)

    monkeypatch.setattr(exports_pdf, "Table", counted)
    text, _fonts = _pdf(get_ok(login(world.users["admin"]), PROVINCE + "&format=pdf").data)
    assert all(name in text for name in names)
    assert len(made) > 10 and max(made) < 100
