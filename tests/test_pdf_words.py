"""The words and numbers every paper shares (training.pdf): the decree's date, the decimal
comma, lower case in running text, the heading's balanced lines, the signer."""

from datetime import date

from training.pdf.fonts import SERIF_BOLD, balanced_lines, register_fonts
from training.pdf.issuer import Issuer, with_signer
from training.pdf.paper import signer_flowables
from training.pdf.words import decimal, in_text, percent, place_and_date, written_date

ISSUER = Issuer(
    body_lines=("UBND TỈNH BẮC NINH", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"),
    place="Bắc Ninh",
    signer_title=("GIÁM ĐỐC",),
    signer_name="",
    symbol="SVHTTDL",
    certifying_title="GIÁM ĐỐC SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH TỈNH BẮC NINH",
)


def test_a_leading_zero_only_for_days_below_ten_and_for_january_and_february():
    assert written_date(date(2026, 5, 4)) == "ngày 04 tháng 5 năm 2026"
    assert written_date(date(2026, 2, 14)) == "ngày 14 tháng 02 năm 2026"
    assert written_date(date(2027, 1, 5)) == "ngày 05 tháng 01 năm 2027"
    assert written_date(date(2026, 12, 31)) == "ngày 31 tháng 12 năm 2026"
    assert place_and_date("Bắc Ninh", date(2026, 10, 10)) == "Bắc Ninh, ngày 10 tháng 10 năm 2026"


def test_blank_dates_are_left_to_fill(app):
    with app.test_request_context():
        assert place_and_date("Bắc Ninh", None) == "Bắc Ninh, ngày …… tháng …… năm ……"


def test_numbers_take_the_decimal_comma():
    assert percent(0.9391) == "93,9%" and percent(1.0) == "100,0%" and percent(0.6667, 0) == "67%"
    assert percent(None) == "—"
    assert decimal(1234.5) == "1.234,5"


def test_units_and_positions_in_running_text_are_lower_case_abbreviations_are_not():
    assert in_text("Xã Canh Nậu") == "xã Canh Nậu"
    assert in_text("Huyện Yên Thế") == "huyện Yên Thế"
    assert in_text("Công chức Văn hóa - xã hội") == "công chức Văn hóa - xã hội"
    assert in_text("UBND xã Canh Nậu") == "UBND xã Canh Nậu"
    assert in_text("") == "" and in_text(None) == ""


def test_a_long_issuing_body_is_cut_where_its_two_lines_are_most_even(app):
    register_fonts()
    assert balanced_lines("PHÒNG VĂN HÓA VÀ THÔNG TIN", SERIF_BOLD, 12.5, 1000) == ["PHÒNG VĂN HÓA VÀ THÔNG TIN"]
    assert balanced_lines("PHÒNG VĂN HÓA VÀ THÔNG TIN", SERIF_BOLD, 12.5, 190) == ["PHÒNG VĂN HÓA", "VÀ THÔNG TIN"]


def test_a_long_issuing_body_is_cut_before_its_va_where_both_lines_fit(app):
    register_fonts()
    # The Sở's name in the left column of the heading (40% of 165 mm): not "THỂ" / "THAO".
    width = 0.4 * 165 * 72 / 25.4 - 2
    assert balanced_lines("SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", SERIF_BOLD, 12.5, width) == [
        "SỞ VĂN HÓA, THỂ THAO",
        "VÀ DU LỊCH",
    ]


def test_a_typed_two_line_title_becomes_two_lines_and_only_a_blank_form_says_how_to_sign(app):
    kt = with_signer(ISSUER, "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", "Trần Văn Phó")
    assert kt.signer_title == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC") and kt.signer_name == "Trần Văn Phó"
    assert with_signer(ISSUER, "  ", "").signer_title == ("GIÁM ĐỐC",)
    with app.test_request_context():
        issued = [
            f.getPlainText() if hasattr(f, "getPlainText") else ""
            for f in signer_flowables(kt, "Bắc Ninh, ngày 04 tháng 5 năm 2026")
        ]
        blank = [f.getPlainText() if hasattr(f, "getPlainText") else "" for f in signer_flowables(ISSUER, blank=True)]
    assert issued[1:3] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"] and issued[-1] == "Trần Văn Phó"
    assert not any("(Ký" in text for text in issued)
    assert "(Ký, ghi rõ họ tên, đóng dấu)" in blank
