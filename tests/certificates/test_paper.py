"""The certificate as a paper of Nghị định 30/2020: its font, date, signer, the course in words,
the register number and the re-issue mark, read back with pdftotext and pdffonts."""

import subprocess
from dataclasses import replace
from datetime import date, timedelta

from tests.certificates.conftest import SIGNER, issue, pdf_text
from training.certificates import issuing
from training.extensions import db


def fonts(pdf: bytes) -> list[str]:
    out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [line.split()[0].split("+")[-1] for line in out.splitlines()[2:] if line.strip()]


def test_the_certificate_is_set_in_the_serif_alone(make_finished):
    [certificate] = issue(make_finished(names=["Nguyễn Thị Hoa"]))
    used = fonts(certificate.pdf)
    assert {"NotoSerif-Regular", "NotoSerif-Bold", "NotoSerif-Italic"} <= set(used)
    assert not [name for name in used if not name.startswith("NotoSerif")], used


def test_may_and_february_dates_follow_the_decree(make_finished):
    [may] = issue(make_finished(names=["Nguyễn Thị Hoa"]), on=date(2026, 5, 4))
    assert "Yên Thế, ngày 04 tháng 5 năm 2026" in pdf_text(may.pdf)
    [february] = issue(
        make_finished(names=["Trần Văn Bình"], first_day=date(2026, 3, 2) + timedelta(weeks=2)), on=date(2027, 2, 14)
    )
    assert "Yên Thế, ngày 14 tháng 02 năm 2027" in pdf_text(february.pdf)


def test_a_kt_signer_is_printed_on_two_lines_with_the_name_under_them(make_finished):
    signer = replace(SIGNER, title="KT. TRƯỞNG PHÒNG\nPHÓ TRƯỞNG PHÒNG", name="Lê Thị Phó")
    [certificate] = issuing.issue_batch(
        make_finished(names=["Nguyễn Thị Hoa"]).course, signer, None, on=date(2026, 5, 4)
    )
    db.session.commit()
    lines = [line.strip() for line in pdf_text(certificate.pdf).splitlines()]
    at = lines.index("KT. TRƯỞNG PHÒNG")
    assert lines[at + 1] == "PHÓ TRƯỞNG PHÒNG" and "Lê Thị Phó" in lines[at + 2 :]
    assert not any(line.startswith("(Ký") for line in lines)  # an issued paper: no instructions


def test_the_body_names_the_certifying_head_and_the_course_in_words(make_finished):
    finished = make_finished(names=["Nguyễn Thị Hoa"], position="Công chức Văn hóa - xã hội")
    [certificate] = issue(finished)
    text = " ".join(pdf_text(certificate.pdf).split())
    assert "TRƯỞNG PHÒNG VĂN HÓA VÀ THÔNG TIN HUYỆN YÊN THẾ CHỨNG NHẬN:" in text
    assert "Chức vụ, đơn vị công tác: công chức Văn hóa - xã hội, xã Đồng Kỳ, huyện Yên Thế" in text
    assert "tổ chức từ ngày 02/03/2026 đến ngày 04/03/2026 tại Hội trường UBND huyện Yên Thế." in text
    assert finished.course.code not in text  # no internal code on the paper
    assert f"Số vào sổ cấp: {certificate.serial}" in text and "Số: " not in text


def test_a_replacement_says_which_reissue_it_is_and_the_stored_original_is_untouched(make_finished, trainer_a):
    [original] = issue(make_finished(names=["Nguyễn Thị Hoa"]))
    stored, digest = original.pdf, original.sha256
    first = issuing.issue_copy(original, SIGNER, trainer_a.id)
    db.session.commit()
    assert "(Cấp lại lần 1)" in pdf_text(first.pdf) and "(Cấp lại" not in pdf_text(original.pdf)
    db.session.refresh(original)
    assert original.pdf == stored and original.sha256 == digest


def test_a_long_line_wraps_evenly_leaving_no_word_alone(make_finished):
    # The demo's position and commune take a little more than a line: "… huyện Yên" / "Thế".
    finished = make_finished(
        names=["Lê Kim Ân"], position="Công chức Văn hóa - xã hội, phụ trách đài truyền thanh của xã"
    )
    [certificate] = issue(finished)
    lines = [line.strip() for line in pdf_text(certificate.pdf).splitlines() if line.strip()]
    at = next(i for i, line in enumerate(lines) if line.startswith("Chức vụ, đơn vị công tác:"))
    assert lines[at + 1].endswith("huyện Yên Thế") and len(lines[at + 1].split()) >= 4, lines[at : at + 2]
