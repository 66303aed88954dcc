"""training.vietnamese: normalisation, accent folding and dictionary name order."""

import unicodedata

import pytest

from training.vietnamese import clean, fold, name_sort_key


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),
        ("  Nguyễn   Văn\tAn \n", "Nguyễn Văn An"),
        ("Xã\u00a0Đồng Kỳ", "Xã Đồng Kỳ"),  # no-break space from a spreadsheet
        (nfd("Nguyễn Thị Hướng"), "Nguyễn Thị Hướng"),
        (42, "42"),
    ],
)
def test_clean(raw, expected):
    assert clean(raw) == expected


def test_clean_returns_nfc():
    cleaned = clean(nfd("Phồn Xương"))
    assert unicodedata.is_normalized("NFC", cleaned)
    assert len(cleaned) == len("Phồn Xương")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hướng", "huong"),
        ("HƯỚNG", "huong"),
        ("Đức", "duc"),
        ("đức", "duc"),
        ("ĐỖ THỊ HÀ", "do thi ha"),
        (nfd("Nguyễn Thị Hường"), "nguyen thi huong"),
        ("  Xã  Ngọc Thiện ", "xa ngoc thien"),
        ("Trần Văn Ất", "tran van at"),
        (None, ""),
    ],
)
def test_fold(raw, expected):
    assert fold(raw) == expected


def test_fold_keeps_only_ascii_for_vietnamese_text():
    text = "ăâđêôơư ĂÂĐÊÔƠƯ àảãáạ ằẳẵắặ ầẩẫấậ èẻẽéẹ ềểễếệ ìỉĩíị òỏõóọ ồổỗốộ ờởỡớợ ùủũúụ ừửữứự ỳỷỹýỵ"
    assert fold(text).isascii()


def _sorted(names):
    return sorted(names, key=name_sort_key)


def test_tone_order():
    # none < huyền < hỏi < ngã < sắc < nặng
    ordered = ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"]
    assert _sorted(reversed(ordered)) == ordered
    assert _sorted(["Mạ", "Mã", "Má", "Mả", "Mà", "Ma"]) == ordered


def test_letter_order():
    ordered = [
        "A",
        "Ă",
        "Â",
        "B",
        "C",
        "D",
        "Đ",
        "E",
        "Ê",
        "G",
        "H",
        "I",
        "K",
        "L",
        "M",
        "N",
        "O",
        "Ô",
        "Ơ",
        "P",
        "Q",
        "R",
        "S",
        "T",
        "U",
        "Ư",
        "V",
        "X",
        "Y",
    ]
    assert _sorted(reversed(ordered)) == ordered


def test_letters_before_tones():
    # the letters of the word decide first; the tone only breaks a tie
    assert _sorted(["Ánh", "Anh", "An", "Ăn", "Ấn", "Ân"]) == ["An", "Anh", "Ánh", "Ăn", "Ân", "Ấn"]
    assert _sorted(["Ba", "Bà", "Bác", "Bắc", "Bạc"]) == ["Ba", "Bà", "Bác", "Bạc", "Bắc"]


def test_given_name_first_then_family_and_middle():
    names = ["Trần Văn An", "Nguyễn Thị Bình", "Nguyễn Văn An", "Lê An", "Nguyễn Thị An"]
    assert _sorted(names) == ["Lê An", "Nguyễn Thị An", "Nguyễn Văn An", "Trần Văn An", "Nguyễn Thị Bình"]


def test_d_and_dd_in_family_names():
    assert _sorted(["Đỗ Văn An", "Dương Văn An", "Đặng Văn An"]) == ["Dương Văn An", "Đặng Văn An", "Đỗ Văn An"]


def test_key_ignores_case_spacing_and_normal_form():
    assert (
        name_sort_key("nguyễn văn hướng")
        == name_sort_key("NGUYỄN  VĂN HƯỚNG ")
        == name_sort_key(nfd("Nguyễn Văn Hướng"))
    )


def test_key_is_digits_only_and_bounded():
    key = name_sort_key("Nguyễn Thị Minh Khai")
    assert key.isdigit()
    assert len(name_sort_key(" ".join(["Nguyễn"] * 100))) <= 250
    assert name_sort_key("") == "" and name_sort_key("   ") == ""


def test_foreign_letters_sort_after_vietnamese_ones():
    assert _sorted(["Zoe", "Yến", "Fan", "Anh"]) == ["Anh", "Yến", "Fan", "Zoe"]
