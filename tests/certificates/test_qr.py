"""The fast QR encoder behind every certificate's QR (training.pdf.qr): the very symbol the
`qrcode` package makes, module for module, and a drawing that a real decoder reads back."""

import io
import random
import string

import pytest
import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas

from tests.certificates.conftest import qr_codes_in
from training.pdf import qr
from training.pdf.qr import QUIET_ZONE, draw_qr
from training.people.models import CODE_ALPHABET

LEVELS = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}


def reference(data: str, level: int = ERROR_CORRECT_M, border: int = 4) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=level, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def samples(count: int, seed: int) -> list[str]:
    """Verification URLs on several hosts, badge codes, digits, Vietnamese text and random
    printable text of every length up to a version-10-ish symbol."""
    rng = random.Random(seed)
    code = lambda n: "".join(rng.choice(CODE_ALPHABET) for _ in range(n))  # noqa: E731
    out = []
    for i in range(count):
        kind = i % 6
        if kind == 0:
            out.append(f"https://taphuan.bacgiang.gov.vn/v/{code(17)}")
        elif kind == 1:
            out.append(f"http://127.0.0.1:{rng.randint(1024, 65535)}/v/{code(17)}")
        elif kind == 2:
            out.append(code(rng.randint(6, 16)))
        elif kind == 3:
            out.append(str(rng.randint(0, 10 ** rng.randint(1, 80))))
        elif kind == 4:
            out.append("Giấy chứng nhận của Nguyễn Thị Hương, xã Đồng Kỳ " * rng.randint(1, 4))
        else:
            out.append("".join(rng.choice(string.printable) for _ in range(rng.randint(1, 300))))
    return out


@pytest.mark.parametrize("data", samples(60, seed=5))
def test_the_symbol_is_the_one_qrcode_makes(data):
    assert qr.encode(data, ERROR_CORRECT_M).matrix(QUIET_ZONE) == reference(data)


@pytest.mark.parametrize("level", LEVELS.values(), ids=LEVELS.keys())
def test_every_error_correction_level_matches_qrcode(level):
    for data in samples(24, seed=level + 11):
        assert qr.encode(data, level).matrix(4) == reference(data, level), data


def test_large_versions_with_version_information_match_qrcode():
    # Version 7 and up carry two version-information blocks; 40 is the largest there is.
    for length in (160, 400, 1000, 1800):
        data = ("Đồng Kỳ 215/2026/0001 " * 100)[:length]
        symbol = qr.encode(data)
        assert symbol.size >= 45
        assert symbol.matrix(0) == reference(data, border=0)


def test_too_much_data_is_refused():
    with pytest.raises(qrcode.exceptions.DataOverflowError):
        qr.encode("x" * 2400)
    with pytest.raises(
        (qrcode.exceptions.DataOverflowError, ValueError)
    ):  # qrcode 8.2 says "Invalid version (was 41…)"
        reference("x" * 2400)


def test_each_mask_is_scored_as_qrcode_scores_it():
    data = "https://taphuan.bacgiang.gov.vn/v/K7QW2MZP9RTX4HVC8"
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    version, bits = qr._fit(code.data_list, ERROR_CORRECT_M)
    assert version == code.best_fit()
    layout = qr._layout(version, ERROR_CORRECT_M)
    codewords = qr._codewords(bits, version, ERROR_CORRECT_M)
    assert codewords == util.create_data(version, ERROR_CORRECT_M, code.data_list)
    stream = format(int.from_bytes(bytes(codewords), "big"), f"0{len(codewords) * 8}b")
    stream = stream[: layout.data_count].ljust(layout.data_count + 1, "0")
    rows, cols = int("".join(layout.gather_rows(stream)), 2), int("".join(layout.gather_cols(stream)), 2)
    for pattern, (mask_rows, mask_cols) in enumerate(layout.masks):
        code.makeImpl(True, pattern)  # what qrcode scores while it chooses
        assert layout.penalty(
            layout.trial_rows | (rows ^ mask_rows), layout.trial_cols | (cols ^ mask_cols)
        ) == util.lost_point(code.modules), pattern


def test_runs_cover_exactly_the_dark_modules():
    symbol = qr.encode("https://taphuan.bacgiang.gov.vn/v/K7QW2MZP9RTX4HVC8")
    painted = [[False] * symbol.size for _ in range(symbol.size)]
    for row, column, length in symbol.runs():
        assert length >= 1 and (column == 0 or not painted[row][column - 1])
        for c in range(column, column + length):
            assert not painted[row][c]
            painted[row][c] = True
    assert painted == symbol.matrix(0)


def test_drawn_codes_decode_back(tmp_path):
    urls = [
        f"https://taphuan.bacgiang.gov.vn/v/{code}"
        for code in ("K7QW2MZP9RTX4HVC8", "22222222222222222", "ZZZZZZZZZZZZZZZZZ")
    ]
    urls.append("Nguyễn Thị Hương · 215/2026/0001")
    buffer = io.BytesIO()
    page = pdfcanvas.Canvas(buffer, pagesize=A4)
    for index, data in enumerate(urls):
        draw_qr(page, data, (20 + (index % 2) * 100) * mm, (40 + (index // 2) * 110) * mm, (25 + index * 10) * mm)
    page.showPage()
    page.save()
    assert sorted(qr_codes_in(buffer.getvalue())) == sorted(urls)
