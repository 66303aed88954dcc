"""Every refusal of the certificate pages reaches the user in words: each test posts the real
form, checks the status and the message on the page, and that no certificate, copy or
revocation was written."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from tests.certificates.conftest import issue
from tests.helpers import count
from training.certificates import issuing
from training.certificates.models import Certificate
from training.extensions import db

SIGNER_FORM = {"signer_title": "TRƯỞNG PHÒNG", "signer_name": "Hoàng Văn Ký", "place": "Yên Thế"}


def flashes(response) -> list[str]:
    return [
        unescape(f.strip())
        for f in re.findall(r'<div class="flash flash-\w+"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S)
    ]


def field_errors(response) -> list[str]:
    return [
        unescape(e)
        for e in re.findall(r'<small class="error" id="[\w-]+">(.*?)</small>', response.get_data(as_text=True))
    ]


@pytest.fixture
def certified(make_finished, trainer_a):
    """A closed CT1 course of district A with Hoa's certificate issued."""
    finished = make_finished(names=("Nguyễn Thị Hoa",))
    (certificate,) = issue(finished, user_id=trainer_a.id)
    return finished, certificate


# --- issuing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, message",
    [
        ("signer_title", "Cần ghi chức vụ người ký."),
        ("place", "Cần ghi địa danh ghi ngày cấp."),
    ],
)
def test_issue_without_the_signers_title_or_place_is_refused(make_finished, login, trainer_a, field, message):
    finished = make_finished()
    response = login(trainer_a).post(
        f"/courses/{finished.course.id}/certificates/issue", data={**SIGNER_FORM, field: " "}
    )
    assert response.status_code == 200
    assert message in field_errors(response)
    assert count(Certificate) == 0


def test_issuing_again_when_everyone_has_one_is_refused(certified, login, trainer_a):
    finished, _certificate = certified
    response = login(trainer_a).post(f"/courses/{finished.course.id}/certificates/issue", data=SIGNER_FORM)
    assert response.status_code == 200
    assert "Không còn học viên nào đủ điều kiện mà chưa được cấp giấy chứng nhận." in flashes(response)
    assert count(Certificate) == 1


# --- revoking and restoring -------------------------------------------------------------------


def test_revoking_twice_is_refused(certified, login, trainer_a):
    _finished, certificate = certified
    client = login(trainer_a)
    client.post(f"/certificates/{certificate.id}/revoke", data={"category": "error", "reason": "Sai ngày sinh"})
    response = client.post(
        f"/certificates/{certificate.id}/revoke", data={"category": "fraud", "reason": "Lần hai"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Giấy chứng nhận đã bị thu hồi từ trước." in flashes(response)
    db.session.refresh(certificate)
    assert (certificate.revoke_category, certificate.revoke_reason) == ("error", "Sai ngày sinh")


def test_revoking_with_an_unknown_category_is_refused(certified, login, trainer_a):
    _finished, certificate = certified
    response = login(trainer_a).post(
        f"/certificates/{certificate.id}/revoke",
        data={"category": "whim", "reason": "Không thích"},
        follow_redirects=True,
    )
    assert flashes(response) == ["Chọn loại lý do thu hồi."]
    db.session.refresh(certificate)
    assert not certificate.is_revoked


def test_restoring_a_valid_certificate_is_refused(certified, login, trainer_a):
    _finished, certificate = certified
    response = login(trainer_a).post(
        f"/certificates/{certificate.id}/unrevoke", data={"reason": "Nhầm"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Giấy chứng nhận đang có hiệu lực." in flashes(response)
    db.session.refresh(certificate)
    assert not certificate.is_revoked and not certificate.revoke_reason


# --- replacement copies -----------------------------------------------------------------------


def test_a_copy_without_the_signer_is_refused(certified, login, trainer_a):
    _finished, certificate = certified
    response = login(trainer_a).post(
        f"/certificates/{certificate.id}/copy", data={**SIGNER_FORM, "place": ""}, follow_redirects=True
    )
    assert flashes(response) == ["Cần ghi địa danh ghi ngày cấp."]
    assert count(Certificate) == 1


def test_a_copy_of_a_copy_is_refused(certified, login, trainer_a):
    _finished, certificate = certified
    client = login(trainer_a)
    assert client.post(f"/certificates/{certificate.id}/copy", data=SIGNER_FORM).status_code == 302
    copy = db.session.scalar(select(Certificate).where(Certificate.copy_number == 1))
    response = client.post(f"/certificates/{copy.id}/copy", data=SIGNER_FORM, follow_redirects=True)
    assert response.status_code == 200
    assert "Hãy cấp bản sao từ giấy chứng nhận gốc." in flashes(response)
    assert count(Certificate) == 2


def test_a_copy_of_a_revoked_certificate_is_refused(certified, login, trainer_a):
    _finished, certificate = certified
    client = login(trainer_a)
    client.post(f"/certificates/{certificate.id}/revoke", data={"category": "duplicate", "reason": "Cấp hai lần"})
    response = client.post(f"/certificates/{certificate.id}/copy", data=SIGNER_FORM, follow_redirects=True)
    assert "Giấy chứng nhận đã bị thu hồi, không cấp bản sao." in flashes(response)
    assert count(Certificate) == 1


def test_a_copy_that_loses_the_race_for_its_number_is_refused(certified, login, trainer_a, monkeypatch):
    _finished, certificate = certified
    # Another trainer's copy took the number between the read and the insert: here, the
    # number is the original's own, which the unique (serial, copy number) index refuses.
    monkeypatch.setattr(issuing, "_next_copy_number", lambda serial: 0)
    response = login(trainer_a).post(f"/certificates/{certificate.id}/copy", data=SIGNER_FORM, follow_redirects=True)
    assert response.status_code == 200
    assert (
        "Vừa có một bản sao khác của giấy chứng nhận này được cấp. "
        "Hãy tải lại trang để xem bản sao đó trước khi cấp thêm."
    ) in flashes(response)
    assert count(Certificate) == 1


# --- public verification ----------------------------------------------------------------------


def test_verify_needs_the_serial_and_the_name(client):
    response = client.post("/verify", data={"serial": "", "full_name": " "})
    assert response.status_code == 200
    assert {"Nhập số hiệu giấy chứng nhận.", "Nhập họ và tên người được cấp."} <= set(field_errors(response))
