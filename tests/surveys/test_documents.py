"""The paper form and the result files: what they say, read back through poppler and openpyxl."""

import io

from openpyxl import load_workbook

from tests.certificates.conftest import pdf_text
from tests.surveys.conftest import answers
from tests.surveys.test_results import FORMS


def test_the_paper_form_has_every_question_and_no_name_field(surveyed, login, trainer_a):
    response = login(trainer_a).get(f"/courses/{surveyed.course.id}/survey/paper.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    text = " ".join(pdf_text(response.data).split())
    assert "PHIẾU ĐÁNH GIÁ KHÓA BỒI DƯỠNG" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert surveyed.course.code in text
    for phrase in (
        "Nội dung khóa học phù hợp",
        "1. Rất không hài lòng",
        "5. Rất hài lòng",
        "2. Vừa đủ",
        "Thực hành nhiều hơn",
        "Nội dung anh/chị đề nghị bổ sung",
        "Chuyên đề “CT1.3.",
        "Không ghi tên vào phiếu",
    ):
        assert phrase in text, phrase
    assert "Họ và tên" not in text


def test_the_results_files_hold_the_figures(surveyed, phone, login, trainer_a):
    for trainee, form in zip(surveyed.trainees, FORMS[:5]):
        phone(trainee).post(surveyed.path, data=answers(form))
    client = login(trainer_a)
    book = load_workbook(io.BytesIO(client.get(f"/courses/{surveyed.course.id}/survey/results.xlsx").data))
    rows = [[c for c in row] for row in book.active.iter_rows(values_only=True)]
    assert ["Số phiếu", 5] == list(rows[4][:2])
    assert rows[5][1] == 5 / 6
    noi_dung = rows.index(next(r for r in rows if r[0] == "Nội dung khóa học phù hợp với công việc của anh/chị ở xã"))
    assert [r[1] for r in rows[noi_dung + 1 : noi_dung + 6]] == [0, 0, 1, 2, 2]
    assert rows[noi_dung + 6][:2] == ["Điểm trung bình", 4.2]
    text = " ".join(pdf_text(client.get(f"/courses/{surveyed.course.id}/survey/results.pdf").data).split())
    assert "Số phiếu: 5/6 học viên (tỷ lệ phản hồi 83%)" in text and "4,20" in text
