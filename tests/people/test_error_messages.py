"""Every refusal of the trainee import and the account form reaches the user in words: each
test posts the real form, checks the status and the message on the page, and that nobody
was written."""

import io
import re
from html import unescape

from tests.helpers import count, page_text, vietnamese_number
from training.extensions import db
from training.people.list_reader import MAX_ROWS
from training.people.models import Trainee, User
from training.units.models import Unit

HEADER = "Họ và tên,Ngày sinh,Giới tính,Chức vụ,Xã/phường,Nhóm,Điện thoại\n"
ROW = "Nguyễn Thị Hương,20/04/1988,Nữ,Công chức,{commune},1,0912345678\n"


def flashes(response) -> list[str]:
    return [
        unescape(f.strip())
        for f in re.findall(r'<div class="flash flash-\w+"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S)
    ]


def import_errors(response) -> dict[str, str]:
    """Line → reason, from the error table of the import page."""
    section = page_text(response).split('id="import-errors"', 1)[1]
    return dict(re.findall(r'<tr><td class="num">([^<]*)</td><td>([^<]*)</td></tr>', section))


def upload(client, units, content: bytes | None, filename: str = "danh-sach.csv"):
    data = {"unit_id": str(units["A"].id)}
    if content is not None:
        data["file"] = (io.BytesIO(content), filename)
    return client.post("/trainees/import", data=data, content_type="multipart/form-data")


def refused(response, line: str, reason: str) -> None:
    assert response.status_code == 200
    assert any(f.startswith("Chưa nhập dòng nào: tệp có 1 dòng lỗi.") for f in flashes(response))
    assert import_errors(response) == {line: reason}
    assert count(Trainee) == 0


# --- the trainee import -----------------------------------------------------------------------


def test_an_import_without_a_file_is_refused(login, trainer_a, units):
    response = upload(login(trainer_a), units, None)
    assert response.status_code == 200
    assert "Chọn một tệp." in page_text(response)
    assert count(Trainee) == 0


def test_an_empty_file_is_refused(login, trainer_a, units):
    refused(upload(login(trainer_a), units, b"\r\n\r\n"), "—", "Tệp không có dữ liệu.")


def test_a_csv_in_an_unknown_encoding_is_refused(login, trainer_a, units):
    content = HEADER.encode() + b"Nguy\x81n Th\x8d H\x90\x9dng,20/04/1988\n"
    refused(upload(login(trainer_a), units, content), "—", "Không đọc được tệp CSV: hãy lưu với mã hóa UTF-8.")


def test_a_csv_the_reader_cannot_parse_names_the_line(login, trainer_a, units):
    content = (HEADER + ROW.format(commune="Xã Đồng Kỳ").replace("Công chức", "x" * 200_000)).encode()
    refused(
        upload(login(trainer_a), units, content),
        "2",
        "Không đọc được tệp CSV từ dòng 2. Hãy mở tệp bằng Excel, lưu lại dạng CSV UTF-8 rồi thử lại.",
    )


def test_a_file_over_the_row_limit_is_refused(login, trainer_a, units):
    content = (HEADER + ROW.format(commune="Xã Đồng Kỳ") * (MAX_ROWS + 1)).encode()
    refused(
        upload(login(trainer_a), units, content),
        "—",
        f"Tệp có {vietnamese_number(MAX_ROWS + 1)} dòng; mỗi lần nhập tối đa {vietnamese_number(MAX_ROWS)} dòng.",
    )


def test_a_commune_name_that_fits_two_communes_is_refused(login, trainer_a, units):
    db.session.add(Unit(map="pre2025", code="7204", name="Phường Đồng Kỳ", level="commune", parent=units["A"]))
    db.session.commit()
    content = (HEADER + ROW.format(commune="Đồng Kỳ")).encode()
    refused(
        upload(login(trainer_a), units, content),
        "2",
        "Tên xã/phường “Đồng Kỳ” trùng nhau, hãy ghi rõ “Xã” hoặc “Phường”.",
    )


# --- accounts ---------------------------------------------------------------------------------


def test_a_username_with_accents_is_refused(login, admin, units):
    response = login(admin).post(
        "/users/new",
        data={
            "username": "nguyễn.an",
            "full_name": "Nguyễn An",
            "unit_id": units["A"].id,
            "password": "mat-khau-gv-1",
        },
    )
    assert response.status_code == 200
    assert "Chỉ dùng chữ không dấu, số, dấu chấm, gạch ngang." in page_text(response)
    assert count(User) == 1
