"""Trainee import from XLSX and CSV: all rows or none, every bad row named by its line."""

import csv
import io
import re
import unicodedata
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from training.extensions import db
from training.people import importer, list_reader, services
from training.people.models import Trainee

HEADER_VI = ["Họ và tên", "Ngày sinh", "Giới tính", "Chức vụ", "Xã/phường", "Nhóm", "Điện thoại"]
HEADER_EN = ["Full name", "Birth date", "Gender", "Position", "Commune", "Group", "Phone"]
BROADCAST = "Văn hóa - xã hội / đài truyền thanh xã"
PARTY = "Khối Đảng, đoàn thể xã"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng"]
MIDDLE = ["Văn", "Thị"]
GIVEN = ["An", "Bình", "Cúc", "Dũng", "Hương"]
COMMUNES = ["Xã Đồng Kỳ", "Xã Hồng Kỳ", "Thị trấn Phồn Xương"]
ERROR_ROW = re.compile(r'<tr><td class="num">([^<]*)</td><td>([^<]*)</td></tr>')


def good_rows(n: int = 50) -> list[list]:
    """n distinct, valid rows for district A."""
    rows = []
    for i in range(n):
        name = f"{FAMILY[i % 5]} {MIDDLE[i // 25 % 2]} {GIVEN[i // 5 % 5]}"
        rows.append(
            [
                name,
                f"{(i % 28) + 1:02d}/{(i % 12) + 1:02d}/{1970 + i % 30}",
                ["Nam", "Nữ"][i % 2],
                "Công chức Văn hóa - Xã hội",
                COMMUNES[i % 3],
                [BROADCAST, PARTY][i % 2],
                f"09123456{i:02d}",
            ]
        )
    return rows


def xlsx(rows: list[list], header: list[str] = HEADER_VI) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(
    rows: list[list], header: list[str] = HEADER_VI, delimiter: str = ",", encoding: str = "utf-8-sig"
) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def upload(client, content: bytes, filename: str, unit_id: int):
    return client.post(
        "/trainees/import",
        data={"file": (io.BytesIO(content), filename), "unit_id": str(unit_id)},
        content_type="multipart/form-data",
    )


def page_errors(response) -> dict[str, str]:
    """Line number → reason, from the error table of the import page."""
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    section = html.split('id="import-errors"', 1)[1] if 'id="import-errors"' in html else ""
    return dict(ERROR_ROW.findall(section))


def trainee_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Trainee))


def stored(name: str) -> Trainee:
    return db.session.scalar(select(Trainee).where(Trainee.full_name == name))


@pytest.fixture
def client_a(login, trainer_a):
    return login(trainer_a)


# --- the acceptance case: 50 rows, 3 bad ---------------------------------------------------


def broken_rows() -> list[list]:
    rows = good_rows(50)
    rows[9][1] = "31/02/1990"  # line 11: no such date
    rows[24][4] = "Xã Ngọc Thiện"  # line 26: a commune of another district
    rows[41][5] = "Nhóm 3"  # line 43: no such group
    return rows


def test_fifty_rows_three_bad_writes_nothing_and_names_the_lines(client_a, units):
    response = upload(client_a, xlsx(broken_rows()), "danh-sach.xlsx", units["A"].id)
    errors = page_errors(response)
    assert set(errors) == {"11", "26", "43"}
    assert "31/02/1990" in errors["11"] and "không có thật" in errors["11"]
    assert "Không có xã/phường “Xã Ngọc Thiện” trong Huyện Yên Thế" in errors["26"]
    assert "Nhóm “Nhóm 3” không hợp lệ" in errors["43"]
    assert "Chưa nhập dòng nào: tệp có 3 dòng lỗi" in response.get_data(as_text=True)
    assert trainee_count() == 0


def test_the_corrected_file_imports_fifty(client_a, units):
    assert trainee_count() == 0
    response = upload(client_a, xlsx(good_rows(50)), "danh-sach.xlsx", units["A"].id)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/trainees?unit={units['A'].id}"
    assert trainee_count() == 50
    assert "Đã nhập 50 học viên." in client_a.get(response.headers["Location"]).get_data(as_text=True)
    first = stored("Nguyễn Văn An")
    assert first.birth_date == date(1970, 1, 1) and first.gender == "male"
    assert first.commune_id == units["Xã Đồng Kỳ"].id and first.group == "commune_broadcast"
    assert first.phone == "0912345600" and first.position == "Công chức Văn hóa - Xã hội"
    assert first.name_folded == "nguyen van an" and first.personal_code
    second = stored("Trần Văn An")
    assert (
        second.gender == "female" and second.group == "party_mass_org" and second.commune_id == units["Xã Hồng Kỳ"].id
    )


def test_importing_reads_as_often_for_fifty_rows_as_for_five(client_a, units):
    """Duplicates are looked up once for the whole file, not once a row: what grows with the
    rows is their INSERTs alone (one a row on SQLite, batched on PostgreSQL)."""
    from tests.queries import statements_sent

    upload(client_a, xlsx(good_rows(1)), "danh-sach.xlsx", units["A"].id)  # the first request's own reads aside
    reads, total = {}, {}
    for n in (5, 50):
        rows = good_rows(n)
        for row in rows:
            row[0] = f"{row[0]} Lần {n}"  # not the same people again
        with statements_sent() as sent:
            assert upload(client_a, xlsx(rows), "danh-sach.xlsx", units["A"].id).status_code == 302
        reads[n], total[n] = sent.reads, len(sent)
    assert trainee_count() == 56
    assert reads[5] == reads[50] and total[50] - total[5] <= 45, (reads, total)


def test_every_problem_of_a_row_is_listed(client_a, units):
    rows = good_rows(2)
    rows[1][0] = ""
    rows[1][2] = "Khác"
    rows[1][6] = "12345"
    reason = page_errors(upload(client_a, xlsx(rows), "x.xlsx", units["A"].id))["3"]
    assert "Thiếu họ và tên" in reason
    assert "Giới tính “Khác” không hợp lệ" in reason
    assert "Số điện thoại “12345” không hợp lệ" in reason


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        (1, "1990-05-12", "Ngày sinh phải theo dạng dd/mm/yyyy"),
        (1, "", "Ngày sinh phải theo dạng dd/mm/yyyy"),
        (1, "12/05/1900", "Ngày sinh nằm ngoài khoảng hợp lý"),
        (4, "", "Thiếu xã/phường"),
        (5, "", "Nhóm “” không hợp lệ"),
    ],
)
def test_row_reasons(client_a, units, column, value, reason):
    rows = good_rows(3)
    rows[2][column] = value
    errors = page_errors(upload(client_a, xlsx(rows), "x.xlsx", units["A"].id))
    assert list(errors) == ["4"]
    assert reason in errors["4"]
    assert trainee_count() == 0


# --- headers, dates, communes, normalisation -------------------------------------------------


def test_english_headers(client_a, units):
    assert upload(client_a, xlsx(good_rows(5), HEADER_EN), "x.xlsx", units["A"].id).status_code == 302
    assert trainee_count() == 5


def test_headers_ignore_accents_case_and_order(client_a, units):
    header = ["NHÓM", "ho va ten", "Xa/Phuong", "ngày sinh", "GIỚI TÍNH"]
    rows = [[r[5], r[0], r[4], r[1], r[2]] for r in good_rows(4)]
    assert upload(client_a, xlsx(rows, header), "x.xlsx", units["A"].id).status_code == 302
    assert trainee_count() == 4
    assert stored("Nguyễn Văn An").phone == ""


def test_missing_required_column_is_named(client_a, units):
    header = ["Họ và tên", "Giới tính", "Xã/phường", "Nhóm"]
    rows = [[r[0], r[2], r[4], r[5]] for r in good_rows(2)]
    errors = page_errors(upload(client_a, xlsx(rows, header), "x.xlsx", units["A"].id))
    assert errors == {"1": "Thiếu cột: Ngày sinh. Hãy dùng tệp mẫu."}


def test_excel_date_cells_and_text_dates(client_a, units):
    rows = good_rows(4)
    rows[0][1] = datetime(1984, 7, 3)
    rows[1][1] = date(1991, 12, 31)
    rows[2][1] = "5/6/1979"
    rows[3][1] = " 09.11.1988 "
    assert upload(client_a, xlsx(rows), "x.xlsx", units["A"].id).status_code == 302
    assert [stored(r[0]).birth_date for r in rows] == [
        date(1984, 7, 3),
        date(1991, 12, 31),
        date(1979, 6, 5),
        date(1988, 11, 9),
    ]


def test_phone_typed_as_a_number_keeps_its_leading_zero(client_a, units):
    rows = good_rows(2)
    rows[0][6] = 912345678
    rows[1][6] = "+84 98 765 4321"
    assert upload(client_a, xlsx(rows), "x.xlsx", units["A"].id).status_code == 302
    assert stored(rows[0][0]).phone == "0912345678"
    assert stored(rows[1][0]).phone == "0987654321"


@pytest.mark.parametrize("number", [float("inf"), float("nan")])
def test_a_phone_cell_holding_no_real_number_is_a_bad_row_not_a_crash(number):
    with pytest.raises(ValueError, match="không hợp lệ"):
        importer._parse_phone(number)


@pytest.mark.parametrize(
    ("typed", "commune"),
    [
        ("Xã Đồng Kỳ", "Xã Đồng Kỳ"),
        ("đồng kỳ", "Xã Đồng Kỳ"),
        ("DONG KY", "Xã Đồng Kỳ"),
        ("xa dong ky", "Xã Đồng Kỳ"),
        ("  XÃ   HỒNG KỲ ", "Xã Hồng Kỳ"),
        ("Phồn Xương", "Thị trấn Phồn Xương"),
        ("thi tran phon xuong", "Thị trấn Phồn Xương"),
        ("TT Phồn Xương", "Thị trấn Phồn Xương"),
        ("Phường Phồn Xương", "Thị trấn Phồn Xương"),
    ],
)
def test_commune_matching_ignores_accents_case_and_prefix(client_a, units, typed, commune):
    rows = good_rows(1)
    rows[0][4] = typed
    assert upload(client_a, xlsx(rows), "x.xlsx", units["A"].id).status_code == 302
    assert stored(rows[0][0]).commune_id == units[commune].id


def test_text_is_trimmed_and_nfc_normalised(client_a, units):
    nfd = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731  (what macOS and some keyboards produce)
    rows = [
        [
            nfd("  Nguyễn   Thị  Hướng "),
            "15/03/1985",
            nfd("Nữ"),
            nfd(" Phó Chủ tịch Hội Phụ nữ "),
            nfd("Xã Hồng Kỳ"),
            nfd(PARTY),
            " 0912 345 678 ",
        ]
    ]
    assert upload(client_a, xlsx(rows), "x.xlsx", units["A"].id).status_code == 302
    trainee = db.session.scalar(select(Trainee))
    assert trainee.full_name == "Nguyễn Thị Hướng"
    assert unicodedata.is_normalized("NFC", trainee.full_name)
    assert trainee.position == "Phó Chủ tịch Hội Phụ nữ" and unicodedata.is_normalized("NFC", trainee.position)
    assert trainee.gender == "female" and trainee.group == "party_mass_org"
    assert trainee.commune_id == units["Xã Hồng Kỳ"].id and trainee.phone == "0912345678"


@pytest.mark.parametrize(
    "group",
    [
        "1",
        "commune_broadcast",
        BROADCAST.upper(),
        "Công chức văn hóa - xã hội cấp xã, phụ trách đài truyền thanh cấp xã",
    ],
)
def test_group_spellings(client_a, units, group):
    rows = good_rows(1)
    rows[0][5] = group
    assert upload(client_a, xlsx(rows), "x.xlsx", units["A"].id).status_code == 302
    assert stored(rows[0][0]).group == "commune_broadcast"


# --- CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [
        (",", "utf-8-sig"),  # Excel's "CSV UTF-8", with a byte-order mark
        (";", "utf-8-sig"),  # Excel with a Vietnamese locale separates with ';'
        (";", "utf-8"),
        ("\t", "utf-8"),
    ],
)
def test_csv(client_a, units, delimiter, encoding):
    content = csv_file(good_rows(10), delimiter=delimiter, encoding=encoding)
    response = upload(client_a, content, "danh-sach.csv", units["A"].id)
    assert response.status_code == 302, page_errors(response)
    assert trainee_count() == 10
    assert stored("Nguyễn Văn An").group == "commune_broadcast"
    assert stored("Trần Văn An").group == "party_mass_org"  # "Khối Đảng, đoàn thể xã" kept whole


def test_csv_with_bad_rows_names_the_lines(client_a, units):
    content = csv_file(broken_rows(), HEADER_EN, delimiter=";")
    assert set(page_errors(upload(client_a, content, "x.csv", units["A"].id))) == {"11", "26", "43"}
    assert trainee_count() == 0


# --- duplicates -----------------------------------------------------------------------------


def test_duplicate_row_inside_the_file(client_a, units):
    rows = good_rows(4)
    rows.append(list(rows[1]))
    rows[4][0] = rows[4][0].upper()  # the same person in capitals is still the same person
    errors = page_errors(upload(client_a, xlsx(rows), "x.xlsx", units["A"].id))
    assert errors == {"6": "Trùng với dòng 3 trong tệp."}
    assert trainee_count() == 0


def test_row_duplicating_an_existing_trainee(client_a, units, make_trainee):
    make_trainee("Nguyễn Văn An", commune="Xã Đồng Kỳ", birth_date=date(1970, 1, 1))
    errors = page_errors(upload(client_a, xlsx(good_rows(3)), "x.xlsx", units["A"].id))
    assert errors == {"2": "Đã có học viên cùng họ tên, ngày sinh và xã trong hệ thống."}
    assert trainee_count() == 1


def test_the_duplicate_check_reads_only_the_trainees_of_the_files_names(client_a, units, make_trainee, monkeypatch):
    """Every trainee of the unit's communes was read for it: a province's 50,000 for a file
    of ten rows. The names are asked for a few at a time (here 2)."""
    make_trainee("Nguyễn Văn An", commune="Xã Đồng Kỳ", birth_date=date(1970, 1, 1))  # line 2
    make_trainee("Phạm Văn An", commune="Xã Đồng Kỳ", birth_date=date(1973, 4, 4))  # line 5
    for n in range(10):
        make_trainee(commune="Xã Đồng Kỳ")
    monkeypatch.setattr(services, "NAMES_PER_QUERY", 2)
    read = []
    monkeypatch.setattr(importer, "identities_in", lambda *args: read.append(services.identities_in(*args)) or read[-1])
    errors = page_errors(upload(client_a, xlsx(good_rows(5)), "x.xlsx", units["A"].id))
    assert set(errors) == {"2", "5"} and trainee_count() == 12
    commune = units["Xã Đồng Kỳ"].id
    assert read == [{("nguyen van an", date(1970, 1, 1), commune), ("pham van an", date(1973, 4, 4), commune)}]


def test_importing_the_same_file_twice_is_refused(client_a, units):
    content = xlsx(good_rows(5))
    assert upload(client_a, content, "x.xlsx", units["A"].id).status_code == 302
    assert len(page_errors(upload(client_a, content, "x.xlsx", units["A"].id))) == 5
    assert trainee_count() == 5


# --- files that cannot be read --------------------------------------------------------------


def test_wrong_extension_is_refused_by_the_form(client_a, units):
    response = upload(client_a, b"hello", "danh-sach.txt", units["A"].id)
    assert response.status_code == 200
    assert "Chỉ nhận tệp .xlsx hoặc .csv." in response.get_data(as_text=True)


def test_damaged_xlsx(client_a, units):
    errors = page_errors(upload(client_a, b"not a zip file", "x.xlsx", units["A"].id))
    assert "Không đọc được tệp Excel" in errors["—"]


def test_header_only_file(client_a, units):
    errors = page_errors(upload(client_a, xlsx([]), "x.xlsx", units["A"].id))
    assert errors == {"—": "Tệp không có dòng dữ liệu nào."}


def test_blank_rows_are_skipped(client_a, units):
    rows = good_rows(3)
    rows.insert(1, [None] * 7)
    rows.insert(3, ["", " ", "", "", "", "", ""])
    assert upload(client_a, xlsx(rows), "x.xlsx", units["A"].id).status_code == 302
    assert trainee_count() == 3


def test_line_numbers_count_blank_rows_above_the_header(client_a, units):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([None])
    sheet.append([None])
    sheet.append(HEADER_VI)  # header on line 3
    rows = good_rows(3)
    rows[1][1] = "32/01/1990"  # line 5 as Excel shows it
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert set(page_errors(upload(client_a, buffer.getvalue(), "x.xlsx", units["A"].id))) == {"5"}


# --- template, permissions, the service ----------------------------------------------------


def test_template_download(client_a, units):
    with client_a.get("/trainees/import/template.xlsx") as response:
        assert response.status_code == 200
        assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert "mau-nhap-hoc-vien.xlsx" in response.headers["Content-Disposition"]
        content = response.get_data()
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER_VI
    lists = workbook["Danh muc"]
    communes = {row[0] for row in lists.iter_rows(min_row=2, values_only=True) if row[0]}
    assert communes == {"Thị trấn Phồn Xương", "Xã Đồng Kỳ", "Xã Hồng Kỳ"}  # district A's only

    # the example row is marked as one, with a commune of the district's list
    assert sheet["A2"].value == "Ví dụ: Nguyễn Thị Hương"
    assert sheet["E2"].value in communes


def test_the_template_uploaded_unchanged_creates_nobody(client_a, units):
    content = client_a.get("/trainees/import/template.xlsx").get_data()
    assert page_errors(upload(client_a, content, "mau.xlsx", units["A"].id)) == {"—": "Tệp không có dòng dữ liệu nào."}
    assert trainee_count() == 0
    # filled in below the example, it imports the rows typed and still skips the example
    workbook = load_workbook(io.BytesIO(content))
    workbook.worksheets[0].append(good_rows(1)[0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert upload(client_a, buffer.getvalue(), "mau.xlsx", units["A"].id).status_code == 302
    assert [t.full_name for t in db.session.scalars(select(Trainee))] == [good_rows(1)[0][0]]


def test_a_list_with_title_lines_and_a_blank_row_above_its_header_is_read(client_a, units):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["UBND HUYỆN YÊN THẾ"])
    sheet.append(["DANH SÁCH CÁN BỘ ĐĂNG KÝ BỒI DƯỠNG NĂM 2026"])
    sheet.append([])
    sheet.append(HEADER_VI)
    rows = good_rows(2)
    rows[1][1] = "31/02/1980"  # a bad row is named by the line the spreadsheet shows
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert page_errors(upload(client_a, buffer.getvalue(), "x.xlsx", units["A"].id)) == {
        "6": "Ngày sinh 31/02/1980 không có thật."
    }


def test_trainer_cannot_import_into_another_district(client_a, units):
    rows = good_rows(2)
    for row in rows:
        row[4] = "Xã Ngọc Thiện"
    response = upload(client_a, xlsx(rows), "x.xlsx", units["B"].id)
    assert response.status_code == 403
    assert trainee_count() == 0


def test_admin_imports_into_a_chosen_district(login, admin, units):
    rows = good_rows(2)
    for row, commune in zip(rows, ["Ngọc Thiện", "Xã Cao Xá"]):
        row[4] = commune
    response = upload(login(admin), xlsx(rows), "x.xlsx", units["B"].id)
    assert response.status_code == 302
    assert {t.commune_id for t in db.session.scalars(select(Trainee))} == {
        units["Xã Ngọc Thiện"].id,
        units["Xã Cao Xá"].id,
    }


def test_trainer_posting_no_unit_imports_into_own_district(client_a, units):
    response = client_a.post(
        "/trainees/import",
        data={"file": (io.BytesIO(xlsx(good_rows(2))), "x.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert trainee_count() == 2


def test_trainee_role_cannot_import(login, make_user, units):
    response = upload(login(make_user("hocvien", "trainee", None)), xlsx(good_rows(1)), "x.xlsx", units["A"].id)
    assert response.status_code == 403


def test_service_all_or_nothing(units):
    with pytest.raises(list_reader.ImportRejected) as rejected:
        importer.import_trainees("x.xlsx", xlsx(broken_rows()), units["A"].id)
    assert [e.line for e in rejected.value.errors] == [11, 26, 43]
    db.session.rollback()
    assert trainee_count() == 0
    created = importer.import_trainees("x.csv", csv_file(good_rows(50)), units["A"].id)
    db.session.commit()
    assert len(created) == 50 and trainee_count() == 50


def test_commune_key():
    assert list_reader.commune_key("Xã Đồng Kỳ") == list_reader.commune_key("dong ky") == "dong ky"
    assert list_reader.commune_key("Thị trấn Phồn Xương") == list_reader.commune_key("TT. Phồn Xương") == "phon xuong"
    assert list_reader.commune_key("Phường Trần Phú") == "tran phu"


def test_on_todays_map_a_commune_not_there_is_said_to_be_missing_from_the_province(app, units):
    """Since 1/7/2025 communes stand directly under the province: the refusal names the
    province the file was imported for, never a "huyện" that no longer exists."""
    from training.units.models import MAP_2025, Unit

    assert app.test_cli_runner().invoke(args=["units", "load", "--province", "24"]).exit_code == 0
    province = db.session.scalar(select(Unit).where(Unit.map == MAP_2025, Unit.level == "province"))
    row = ["Nguyễn Văn Mới", "01/02/1980", "Nam", "Cán bộ", "Xã Không Có Thật", BROADCAST, ""]
    with pytest.raises(list_reader.ImportRejected) as refused:
        importer.import_trainees("x.xlsx", xlsx([row]), province.id)
    assert [(e.line, e.message) for e in refused.value.errors] == [
        (2, "Không có xã/phường “Xã Không Có Thật” trong Tỉnh Bắc Ninh.")
    ]
    assert trainee_count() == 0
