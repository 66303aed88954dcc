"""The course plan: a print-friendly page and an A4 PDF in a Vietnamese font."""

import io
import re
import subprocess
import unicodedata
from datetime import date, time, timedelta

import pytest
from pypdf import PdfReader

from training.clock import to_local
from training.courses import plan_pdf, services
from training.courses.enrolment import enrol_many
from training.courses.planning import generate_sessions, save_session, split_session
from training.extensions import db
from training.pdf.issuer import Issuer
from training.units.issuers import place_of
from training.units.models import Unit

MONDAY = date(2026, 3, 2)


@pytest.fixture
def course(units, trainer_a, make_trainee):
    """CT2 (four modules of 8 periods: several days) in district A, with two trainees."""
    course = services.create_course(
        units["A"].id,
        "CT2",
        "Lớp kỹ năng đài truyền thanh xã",
        "Hội trường UBND huyện Yên Thế",
        MONDAY,
        30,
        [trainer_a.id],
    )
    generate_sessions(course)
    enrol_many(course, [make_trainee(), make_trainee()])
    db.session.commit()
    return course


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


def test_plan_pdf_has_the_heading_programme_code_and_every_session_date(login, trainer_a, course):
    response = login(trainer_a).get(f"/courses/{course.id}/plan.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.pages[0].mediabox.width == pytest.approx(595.27, abs=0.5)  # A4
    text = _pdf_text(response.data)
    assert "UBND HUYỆN YÊN THẾ" in text and "PHÒNG VĂN HÓA VÀ THÔNG TIN" in " ".join(text.split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "LỊCH HỌC LỚP BỒI DƯỠNG" in text and "Kèm theo Kế hoạch số" in text
    assert "phiên bản" not in text and "chỗ" not in text  # no version or free places on an official paper
    assert "Kỹ năng nghiệp vụ thông tin cơ sở và đài truyền thanh cấp xã" in text  # the programme, diacritics intact
    assert course.code in text and "Hội trường UBND huyện Yên Thế" in text and "Trainer.A" in text
    days = {to_local(s.starts_at).strftime("%d/%m/%Y") for s in course.sessions}
    assert len(days) >= 4
    for day in days:
        assert day in text
    assert "Thứ Hai" in text and "07:30" in text
    assert "Tổng số tiết" in text and "32" in text
    assert "TRƯỞNG PHÒNG" in text and "Yên Thế, ngày" in text


def test_plan_pdf_repeats_the_header_row_on_every_page(login, trainer_a, course):
    # Enough sessions to run over a page: split every one of them.
    for session in list(course.sessions):
        if session.periods > 1:
            split_session(session, 1)
    db.session.commit()
    reader = PdfReader(io.BytesIO(login(trainer_a).get(f"/courses/{course.id}/plan.pdf").data))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        text = unicodedata.normalize("NFC", page.extract_text())
        assert "STT" in text and "Chuyên đề" in text and "Giảng viên" in text


def test_plan_pdf_is_vietnamese_even_with_an_english_screen(login, trainer_a, course):
    client = login(trainer_a)
    client.post("/lang", data={"lang": "en", "next": "/"})
    text = _pdf_text(client.get(f"/courses/{course.id}/plan.pdf").data)
    assert "LỊCH HỌC LỚP BỒI DƯỠNG" in text and "Tổng số tiết" in text


def test_plan_pdf_of_a_course_without_sessions(app, units, trainer_a):
    course = services.create_course(units["A"].id, "CT1", "", "Hội trường", MONDAY, 30, [trainer_a.id])
    db.session.commit()
    with app.test_request_context():
        text = _pdf_text(plan_pdf.course_plan_pdf(course, on=date(2026, 2, 20)).getvalue())
    assert course.code in text and "Chưa có buổi học nào" in text and "ngày 20 tháng 02 năm 2026" in text


def test_plan_html_lists_the_sessions_for_printing(login, trainer_a, course):
    response = login(trainer_a).get(f"/courses/{course.id}/plan")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # The page is the paper: its title, heading, date and signer are the PDF's.
    assert f"<title>Lịch học lớp {course.code}" in html and "Kế hoạch lớp" not in html
    assert "LỊCH HỌC LỚP BỒI DƯỠNG" in html and "KẾ HOẠCH TỔ CHỨC" not in html and "Kèm theo Kế hoạch số" in html
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html
    on = plan_pdf.paper_date(course)
    assert f"ngày {on.day:02d} tháng" in html and "Số: ……/KH" not in html
    assert "phiên bản" not in html and "chỗ" not in html and "(Ký, ghi rõ họ tên" not in html
    assert "nghỉ giải lao 09:45–10:00" in html and "nghỉ giải lao 15:00–15:15" in html
    assert course.code in html and "Kỹ năng nghiệp vụ thông tin cơ sở và đài truyền thanh cấp xã" in html
    for session in course.sessions:
        assert to_local(session.starts_at).strftime("%d/%m/%Y") in html
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") == len(course.sessions)
    assert "data-print" in html and "onclick" not in html and f"/courses/{course.id}/plan.pdf" in html
    assert 'class="print-toolbar no-print"' in html and 'class="site-header no-print"' in html


def test_course_page_links_to_the_plan(login, trainer_a, course):
    html = login(trainer_a).get(f"/courses/{course.id}").get_data(as_text=True)
    actions = html.split('<div class="actions">', 1)[1].split("</div>", 1)[0]
    assert f"/courses/{course.id}/plan" in actions and f"/courses/{course.id}/plan.pdf" in actions
    assert "Lịch học (bản in)" in actions and "Lịch học PDF" in actions and "Kế hoạch" not in actions


def test_another_districts_trainer_gets_403_on_the_plan(login, trainer_b, course):
    client = login(trainer_b)
    assert client.get(f"/courses/{course.id}/plan").status_code == 403
    assert client.get(f"/courses/{course.id}/plan.pdf").status_code == 403


def test_place_name_drops_the_unit_kind():
    assert place_of(Unit(name="Huyện Yên Thế")) == "Yên Thế"
    assert place_of(Unit(name="Thành phố Bắc Giang")) == "Bắc Giang"
    assert place_of(Unit(name="Tỉnh Bắc Ninh")) == "Bắc Ninh"


def test_the_plan_page_its_pdf_and_the_attendance_sheet_give_the_dates_in_the_same_words(login, trainer_a, course):
    assert course.ends_on > course.starts_on
    dates = f"từ {course.starts_on:%d/%m/%Y} đến {course.ends_on:%d/%m/%Y}"
    client = login(trainer_a)
    assert dates in client.get(f"/courses/{course.id}/plan").get_data(as_text=True)
    assert dates in _pdf_text(client.get(f"/courses/{course.id}/plan.pdf").data)
    assert dates in client.get(f"/courses/{course.id}/attendance").get_data(as_text=True)


def test_a_one_day_course_gives_its_one_date(login, units, trainer_a):
    course = services.create_course(units["A"].id, "CT1", "", "Hội trường", MONDAY, 30, [trainer_a.id])
    db.session.commit()
    html = login(trainer_a).get(f"/courses/{course.id}/plan").get_data(as_text=True)
    assert f"<dd>{MONDAY:%d/%m/%Y}</dd>" in html and "từ 02/03/2026" not in html


# --- the timetable as a paper of Nghị định 30/2020 ---------------------------------------------


def _pages(data: bytes) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return [page for page in unicodedata.normalize("NFC", out.stdout.decode()).split("\f") if page.strip()]


def _fonts(data: bytes) -> list[str]:
    out = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return [line.split()[0].split("+")[-1] for line in out.splitlines()[2:] if line.strip()]


def test_the_timetable_is_set_in_the_serif_and_says_where_the_breaks_are(login, trainer_a, course):
    data = login(trainer_a).get(f"/courses/{course.id}/plan.pdf").data
    used = _fonts(data)
    assert "NotoSerif-Regular" in used and "NotoSerif-Bold" in used
    assert not [name for name in used if not name.startswith("NotoSerif")], used
    text = " ".join(_pdf_text(data).split())
    # Every session whose times leave room beyond its periods says where its break falls.
    pauses = [plan_pdf.break_text(session) for session in course.sessions]
    assert "nghỉ giải lao 09:45–10:00" in pauses and "nghỉ giải lao 15:00–15:15" in pauses
    for pause in filter(None, pauses):
        assert f"({pause})" in text
    assert "Số học viên: 2 người" in text and "đã ghi danh" not in text


def test_a_session_typed_with_room_for_a_break_has_it_after_half_its_periods(app, units, trainer_a):
    course = services.create_course(units["A"].id, "CT1", "", "Hội trường", MONDAY, 30, [trainer_a.id])
    with app.test_request_context():
        # Off the morning slot's periods (07:30, 08:15, …): the break after half the session's periods.
        session = save_session(course, None, "CT1.1", MONDAY, time(8, 0), time(11, 15), "Hội trường", None, periods=4)
        assert plan_pdf.break_text(session) == "nghỉ giải lao 09:30–09:45"
        # On the afternoon slot's periods: the slot's break, after its second period, not after the session's first.
        session = save_session(course, None, "CT1.2", MONDAY, time(13, 30), time(16, 0), "Hội trường", None, periods=3)
        assert plan_pdf.break_text(session) == "nghỉ giải lao 15:00–15:15"
        session = save_session(
            course, None, "CT1.3", MONDAY + timedelta(days=1), time(7, 30), time(11, 15), "Hội trường", None, periods=5
        )
        assert plan_pdf.break_text(session) == ""


def test_a_long_timetable_numbers_its_pages_from_two_and_keeps_its_last_rows_with_the_signer(login, trainer_a, course):
    for session in list(course.sessions):
        if session.periods > 1:
            split_session(session, 1)
    db.session.commit()
    pages = _pages(login(trainer_a).get(f"/courses/{course.id}/plan.pdf").data)
    assert len(pages) >= 2
    assert pages[0].strip().splitlines()[0].strip().startswith("UBND")  # no number on page 1
    for number, page in enumerate(pages[1:], start=2):
        assert page.strip().splitlines()[0].strip() == str(number)
    assert "TRƯỞNG PHÒNG" in pages[-1] and "Tổng số tiết" in pages[-1]
    rows = [line for line in pages[-1].splitlines() if re.search(r"\d{2}/\d{2}/\d{4}", line)]
    assert rows, "the signer's page holds table rows too"
    assert all("TRƯỞNG PHÒNG" not in page for page in pages[:-1])


def test_the_timetable_is_dated_no_later_than_the_course_and_the_decree_way(app, units, trainer_a):
    course = services.create_course(units["A"].id, "CT1", "", "Hội trường", date(2026, 5, 4), 30, [trainer_a.id])
    db.session.commit()
    with app.test_request_context():
        assert plan_pdf.paper_date(course, today=date(2026, 12, 7)) == date(2026, 5, 4)
        assert plan_pdf.paper_date(course, today=date(2026, 4, 20)) == date(2026, 4, 20)
        text = _pdf_text(
            plan_pdf.course_plan_pdf(course, on=plan_pdf.paper_date(course, today=date(2026, 12, 7))).getvalue()
        )
    assert "Yên Thế, ngày 04 tháng 5 năm 2026" in text


KT = Issuer(
    body_lines=("UBND TỈNH BẮC NINH", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"),
    place="Bắc Ninh",
    signer_title=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
    signer_name="Nguyễn Văn Ký",
    symbol="SVHTTDL",
    certifying_title="GIÁM ĐỐC SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH TỈNH BẮC NINH",
)


def test_the_timetable_prints_a_kt_signer_on_two_lines_and_a_february_date_with_its_zero(app, course):
    with app.test_request_context():
        found = _pages(plan_pdf.course_plan_pdf(course, on=date(2026, 2, 20), issuer=KT).getvalue())
    assert "Bắc Ninh, ngày 20 tháng 02 năm 2026" in found[0]
    page = found[-1]
    lines = [line.strip() for line in page.splitlines()]
    kt = next(i for i, line in enumerate(lines) if line.endswith("KT. GIÁM ĐỐC"))
    assert lines[kt + 1].endswith("PHÓ GIÁM ĐỐC") and "Nguyễn Văn Ký" in " ".join(lines[kt + 2 :])
    assert "(Ký" not in page  # an issued paper says nothing of how to sign it


def test_a_timetable_whose_rows_just_fill_page_one_keeps_its_last_rows_with_the_signer(app, units, trainer_a):
    """Add sessions one at a time until the timetable runs onto a second page: there the rows
    fill page 1 exactly and, laid out naively, the signer would stand alone on page 2."""
    course = services.create_course(units["A"].id, "CT1", "", "Hội trường", MONDAY, 30, [trainer_a.id])
    with app.test_request_context():
        for day in range(40):
            found = _pages(plan_pdf.course_plan_pdf(course, on=MONDAY, issuer=KT).getvalue())
            if len(found) > 1:
                break
            save_session(
                course, None, "CT1.1", MONDAY + timedelta(days=day), time(7, 30), time(8, 15), "Hội trường", None
            )
            db.session.commit()
            db.session.refresh(course)
        else:
            pytest.fail("the timetable never ran onto a second page")
    assert len(course.sessions) > 1
    first, second = found
    assert first.strip().splitlines()[0].strip().startswith("UBND") and second.strip().splitlines()[0].strip() == "2"
    assert "PHÓ GIÁM ĐỐC" in second and "PHÓ GIÁM ĐỐC" not in first
    last = to_local(course.sessions[-1].starts_at).strftime("%d/%m/%Y")
    rows = [line for line in second.splitlines() if re.search(r"\d{2}/\d{2}/\d{4}", line)]
    assert rows and last in second and "Tổng số tiết" in second and "STT" in second
