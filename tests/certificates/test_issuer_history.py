"""Certificates keep the issuer and serial they were issued with after the issuer settings
change: the stored PDF, its SHA-256 and the public verify page stay as they were."""

from datetime import date

from tests.certificates.conftest import issue, pdf_text
from tests.units.test_issuers import SO_VHTTDL
from training.certificates import issuing
from training.certificates.models import Certificate
from training.extensions import db
from training.units import issuers


def test_a_certificate_keeps_its_issuer_serial_pdf_and_verify_page(make_finished, units, client):
    [old] = issue(make_finished(names=["Nguyễn Thị Hoa"], first_day=date(2024, 11, 4)), on=date(2024, 11, 20))
    assert old.serial == "1/2024/GCN-PVHTT-215" and old.issuer_name == "UBND HUYỆN YÊN THẾ - PHÒNG VĂN HÓA VÀ THÔNG TIN"
    pdf, sha, verify = old.pdf, old.sha256, client.get(f"/v/{old.verify_code}").get_data(as_text=True)

    # the province reorganised: the Sở issues now, with its own serials
    issuers.save_setting(valid_from=date(2025, 7, 1), **SO_VHTTDL)
    db.session.commit()
    course = make_finished(names=["Trần Văn Bình"], first_day=date(2026, 3, 2)).course
    signer = issuing.default_signer(course, on=date(2026, 3, 20))  # what the issue page starts from
    assert (signer.title, signer.name, signer.place) == ("KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", "Nguyễn Văn Hùng", "Bắc Ninh")
    [new] = issuing.issue_batch(course, signer, None, on=date(2026, 3, 20))
    db.session.commit()
    assert new.serial == "1/2026/GCN-SVHTTDL"
    assert new.issuer_name == "UBND TỈNH BẮC NINH - SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"
    text = pdf_text(new.pdf)
    assert (
        "UBND TỈNH BẮC NINH" in text
        and "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH" in text
        and "Số vào sổ cấp: 1/2026/GCN-SVHTTDL" in text
    )
    assert "KT. GIÁM ĐỐC" in text and "PHÓ GIÁM ĐỐC" in text and "Bắc Ninh, ngày 20 tháng 3 năm 2026" in text

    db.session.expire_all()
    stored = db.session.get(Certificate, old.id)
    assert stored.pdf == pdf and stored.sha256 == sha and stored.serial == "1/2024/GCN-PVHTT-215"
    assert client.get(f"/v/{old.verify_code}").get_data(as_text=True) == verify
    assert "UBND HUYỆN YÊN THẾ" in pdf_text(stored.pdf)
