"""The attendance sheet and the blank sign-in sheet as papers of Nghị định 30/2020: read back
with pdftotext (page by page) and pdffonts (poppler-utils)."""

import subprocess
import tracemalloc
import unicodedata
from datetime import date
from datetime import time as clock_time
from io import BytesIO

import pytest
from openpyxl import load_workbook

from training.attendance import roster, sheet, sheet_layout, sheet_pdf, sheet_xlsx, signin_pdf
from training.courses import services as courses
from training.courses.enrolment import enrol_many
from training.courses.planning import save_session
from training.extensions import db
from training.pdf.issuer import Issuer

VENUE = "Hội trường UBND huyện Yên Thế"
KT = Issuer(
    body_lines=("UBND HUYỆN YÊN THẾ", "PHÒNG VĂN HÓA VÀ THÔNG TIN"),
    place="Yên Thế",
    signer_title=("KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG"),
    signer_name="Nguyễn Văn Ký",
    symbol="VHTT",
    certifying_title="TRƯỞNG PHÒNG VĂN HÓA VÀ THÔNG TIN HUYỆN YÊN THẾ",
)


def pages(content: bytes) -> list[str]:
    """The text of each page (pdftotext -layout), NFC-normalised."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    text = unicodedata.normalize("NFC", out.stdout.decode("utf-8"))
    return [page for page in text.split("\f") if page.strip()]


def fonts(content: bytes) -> list[str]:
    """The names of the fonts a PDF uses (pdffonts), subset prefixes dropped."""
    out = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True).stdout.decode()
    return [line.split()[0].split("+")[-1] for line in out.splitlines()[2:] if line.strip()]


def flat(text: str) -> str:
    return " ".join(text.split())


def first_line(page: str) -> str:
    return page.strip().splitlines()[0].strip()


def make_course(units, trainer, make_trainee, first_day: date, trainees: int, remark: str = ""):
    """A CT1 course of district A with two sessions on `first_day` and `trainees` trainees;
    the first trainee is excused from the second session with `remark`."""
    course = courses.create_course(
        units["A"].id, "CT1", "Lớp bồi dưỡng thông tin cơ sở", VENUE, first_day, max(60, trainees), [trainer.id]
    )
    modules = [m.code for m in course.curriculum.modules]
    sessions = [
        save_session(course, None, modules[0], first_day, clock_time(7, 30), clock_time(11, 0), VENUE, trainer.id),
        save_session(course, None, modules[1], first_day, clock_time(13, 30), clock_time(16, 30), VENUE, trainer.id),
    ]
    people = [make_trainee(f"Nguyễn Văn Học {chr(65 + i // 26)}{chr(65 + i % 26)}") for i in range(trainees)]
    enrol_many(course, people)
    db.session.commit()
    if remark:
        roster.mark(sessions[1], people[0], "excused", remark, trainer.id)
        db.session.commit()
    return course, people


def test_the_sheet_is_set_in_the_serif_with_the_decree_date_and_a_two_line_kt_signer(
    in_request, units, trainer_a, make_trainee
):
    course, _people = make_course(units, trainer_a, make_trainee, date(2026, 5, 4), 3)
    content = sheet_pdf.attendance_pdf(sheet.sheet_data(course, KT))
    used = fonts(content)
    assert "NotoSerif-Regular" in used and "NotoSerif-Bold" in used
    assert not [name for name in used if "BeVietnam" in name or name == "Helvetica"], used
    [page] = pages(content)
    assert "Yên Thế, ngày 04 tháng 5 năm 2026" in page  # May: no leading zero
    lines = [line.strip() for line in page.splitlines()]
    # The signer's title on two lines, KT. above, in capitals; the name under the room to sign.
    kt = next(i for i, line in enumerate(lines) if line.endswith("KT. TRƯỞNG PHÒNG"))
    assert lines[kt + 1].endswith("PHÓ TRƯỞNG PHÒNG")
    assert lines[kt].split("KT.")[0].strip() == "" or "NGƯỜI LẬP BIỂU" in lines[kt]
    assert "Nguyễn Văn Ký" in flat(page.split("PHÓ TRƯỞNG PHÒNG", 1)[1])
    # An issued paper: no instructions in brackets.
    assert "(Ký" not in page


def test_a_february_sheet_writes_the_month_with_its_zero(in_request, units, trainer_a, make_trainee):
    course, _people = make_course(units, trainer_a, make_trainee, date(2026, 2, 9), 2)
    assert "Yên Thế, ngày 09 tháng 02 năm 2026" in flat(pages(sheet_pdf.attendance_pdf(sheet.sheet_data(course)))[0])


def test_the_absence_remarks_fill_the_ghi_chu_column_on_paper_page_and_workbook(
    in_request, units, trainer_a, make_trainee, login
):
    course, people = make_course(
        units, trainer_a, make_trainee, date(2026, 5, 4), 3, remark="Ốm, có giấy của trạm y tế"
    )
    data = sheet.sheet_data(course)
    row = next(r for r in data.rows if r.trainee.id == people[0].id)
    assert row.remark == "04/05 C: Ốm, có giấy của trạm y tế"
    assert [r.remark for r in data.rows if r is not row] == ["", ""]

    [page] = pages(sheet_pdf.attendance_pdf(data))
    heading = next(line for line in page.splitlines() if "Họ và tên" in line)
    assert heading.rstrip().endswith("Ghi chú") and "Ký tên" not in page
    # The remark on the trainee's own line, in the last column (it may wrap inside its cell).
    line = next(line for line in page.splitlines() if people[0].full_name in line)
    assert line.index("04/05 C:") > line.index(row.share_label)
    assert "trạm y tế" in page

    html = unicodedata.normalize("NFC", login(trainer_a).get(f"/courses/{course.id}/attendance").get_data(as_text=True))
    assert '<th rowspan="2" class="sign">Ghi chú</th>' in html
    assert '<td class="sign">04/05 C: Ốm, có giấy của trạm y tế</td>' in html

    workbook = load_workbook(BytesIO(login(trainer_a).get(f"/courses/{course.id}/attendance.xlsx").get_data()))
    ws = workbook.active
    head = next(r for r in ws.iter_rows() if r[0].value == "STT")
    assert head[-1].value == "Ghi chú"
    named = next(r for r in ws.iter_rows() if r[1].value == people[0].full_name)
    assert named[-1].value == "04/05 C: Ốm, có giấy của trạm y tế"


def test_the_workbook_names_the_papers_serif_and_heads_like_the_paper(
    in_request, units, trainer_a, make_trainee, login
):
    course, _people = make_course(units, trainer_a, make_trainee, date(2026, 5, 4), 3)
    ws = load_workbook(BytesIO(login(trainer_a).get(f"/courses/{course.id}/attendance.xlsx").get_data())).active
    written = [cell for row in ws.iter_rows() for cell in row if cell.value is not None]
    # The PDF's serif (pdffonts: NotoSerif-Regular/-Bold), by its family name, in every cell.
    assert {cell.font.name for cell in written} == {"Noto Serif"}
    assert "NotoSerif-Regular" in fonts(sheet_pdf.attendance_pdf(sheet.sheet_data(course)))
    # The heading as on paper: superior body regular, the body bold, quốc hiệu and tiêu ngữ bold
    # in the decree's sizes, the tiêu ngữ underlined as long as itself.
    assert (ws["A1"].value, ws["A1"].font.b) == ("UBND HUYỆN YÊN THẾ", False)
    assert (ws["A2"].value, ws["A2"].font.b) == ("PHÒNG VĂN HÓA VÀ THÔNG TIN", True)
    motto = next(c for c in ws[1] if c.value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    sub = next(c for c in ws[2] if c.value == "Độc lập - Tự do - Hạnh phúc")
    assert motto.font.b and motto.font.sz == 12.5 and sub.font.b and sub.font.sz == 13 and sub.font.u == "single"
    # Figures are numbers with number formats, not text.
    head = next(r for r in ws.iter_rows() if r[0].value == "STT")
    columns = {cell.value: cell.column - 1 for cell in head}
    row = next(r for r in ws.iter_rows() if r[1].value == _people[0].full_name)
    attended, share = row[columns["Số tiết đã dự"]], row[columns["Tỷ lệ"]]
    assert isinstance(attended.value, int) and attended.number_format == "0"
    assert isinstance(share.value, (int, float)) and share.number_format == "0%"


def test_the_signer_block_never_stands_alone_and_pages_are_numbered_from_two(
    in_request, units, trainer_a, make_trainee
):
    """Add trainees one by one until the sheet runs onto a second page: at that point the rows
    fill page 1 exactly and, laid out naively, the signers would stand alone on page 2."""
    course, people = make_course(units, trainer_a, make_trainee, date(2026, 5, 4), 6)
    for _attempt in range(30):
        content = sheet_pdf.attendance_pdf(sheet.sheet_data(course))
        if len(pages(content)) > 1:
            break
        enrol_many(course, [make_trainee(f"Trần Thị Thêm {len(people):02d}")])
        people.append(course.active_enrolments[-1].trainee)
        db.session.commit()
    else:
        pytest.fail("the sheet never ran onto a second page")
    data = sheet.sheet_data(course)
    first, second = pages(content)
    # Page 1: no number at the top; page 2: "2" centred at the top.
    assert first_line(first).startswith("UBND HUYỆN YÊN THẾ")
    assert first_line(second) == "2" and second.lstrip("\n").splitlines()[0].startswith(" " * 40)  # centred
    # The last trainee's row shares page 2 with the signers, under the repeated heading, and
    # page 1 still holds the rows before.
    last = data.rows[-1].name
    assert last in second and "NGƯỜI LẬP BIỂU" in second and "TRƯỞNG PHÒNG" in second and "Họ và tên" in second
    assert "NGƯỜI LẬP BIỂU" not in first and data.rows[0].name in first
    on_second = [row.name for row in data.rows if row.name in second]
    assert 1 <= len(on_second) <= 3


def test_the_blank_sign_in_sheet_keeps_its_last_rows_with_the_signers(in_request, units, trainer_a, make_trainee):
    course, people = make_course(units, trainer_a, make_trainee, date(2026, 2, 9), 6)
    seen_two_pages = False
    for _attempt in range(20):
        content = signin_pdf.signin_pdf(sheet.sheet_data(course))
        found = pages(content)
        if len(found) > 1:
            assert len(people) > 9, "nine trainees and the signers fit on one page"
            seen_two_pages = True
            assert first_line(found[1]) == "2" and not first_line(found[0]).isdigit()
            data = sheet.sheet_data(course)
            assert data.rows[-1].name in found[-1] and "THỦ TRƯỞNG CƠ QUAN TỔ CHỨC LỚP" in found[-1]
            assert "THỦ TRƯỞNG CƠ QUAN TỔ CHỨC LỚP" not in found[0]
            break
        # Nine trainees fit on one page with the signers.
        if len(people) == 9:
            assert "(Ký, ghi rõ họ tên, đóng dấu)" in found[0] and "Ghi chú" in found[0]
        enrol_many(course, [make_trainee(f"Trần Thị Thêm {len(people):02d}")])
        people.append(course.active_enrolments[-1].trainee)
        db.session.commit()
    assert seen_two_pages
    used = fonts(content)
    assert "NotoSerif-Regular" in used and "Helvetica" not in used


def test_a_long_position_stays_on_its_trainees_line_when_the_page_has_room(in_request, units, trainer_a, make_trainee):
    course, _people = make_course(units, trainer_a, make_trainee, date(2026, 5, 4), 2)
    long = make_trainee("Lương Ngọc Thảo", position="Công chức Văn hóa - xã hội, phụ trách đài truyền thanh")
    enrol_many(course, [long])
    db.session.commit()
    for content in (
        sheet_pdf.attendance_pdf(sheet.sheet_data(course)),
        signin_pdf.signin_pdf(sheet.sheet_data(course)),
    ):
        line = next(line for line in pages(content)[0].splitlines() if "Lương Ngọc Thảo" in line)
        assert "phụ trách đài truyền thanh" in line, line


def test_a_long_sheet_is_laid_out_a_page_at_a_time(in_request, units, trainer_a, make_trainee, monkeypatch):
    """A reportlab Table keeps a style record for each cell: a sheet of many trainees makes one
    only of the rows a page shows, never one of all its rows, and loses no row between pages."""
    course, _people = make_course(units, trainer_a, make_trainee, date(2026, 5, 4), 60)
    data = sheet.sheet_data(course)
    made, real = [], sheet_layout.Table

    def counted(rows, *args, **kwargs):
        made.append(len(rows))
        return real(rows, *args, **kwargs)

    monkeypatch.setattr(sheet_layout, "Table", counted)
    for build in (sheet_pdf.attendance_pdf, signin_pdf.signin_pdf):
        made.clear()
        found = pages(build(data))
        assert len(found) >= 3
        on_page = [[row.name for row in data.rows if row.name in page] for page in found]
        assert [name for names in on_page for name in names] == [row.name for row in data.rows]
        # the heading's two rows and a page's trainees at most; never the 62 rows at once
        assert max(made) <= 2 + max(len(names) for names in on_page) < 2 + len(data.rows)


def test_a_long_sheet_is_written_to_its_workbook_row_by_row(in_request, units, trainer_a, make_trainee):
    """The workbook of a sheet is written as its rows come (openpyxl's write-only mode), not
    held as cells: building it takes little more memory for 150 trainees than for 10."""
    sizes = {}
    for week, count in enumerate((10, 150)):
        course, _people = make_course(units, trainer_a, make_trainee, date(2026, 5, 4 + 7 * week), count)
        data = sheet.sheet_data(course)
        sheet_xlsx.attendance_xlsx(data)
        tracemalloc.start()
        content = sheet_xlsx.attendance_xlsx(data)
        sizes[count] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows = list(load_workbook(BytesIO(content)).active.iter_rows(min_row=10, values_only=True))
        assert [row[1] for row in rows[:count]] == [row.name for row in data.rows]
    assert sizes[150] - sizes[10] < 300 * 1024, sizes
