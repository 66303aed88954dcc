"""Personal data: the public verification page shows the minimum, a trainee's data can be
downloaded whole, and erased (with their enrolments, attendance, scores and account) unless a
certificate was issued to them; the audit log is kept; only their district's trainers and the
admin may do either."""

import json
from datetime import date

import pytest
from sqlalchemy import select

from tests.attendance.conftest import checkin_path, remember_device, ticket_of
from tests.helpers import count
from tests.security.conftest import HOLDER_BIRTH, HOLDER_NAME, HOLDER_PHONE, OTHER_NAME
from training.attendance.models import Attendance, ScanLog
from training.audit import AuditEvent
from training.certificates.models import Assessment, Certificate
from training.certificates.services import revoke
from training.courses.models import CourseSession, Enrolment
from training.extensions import db
from training.people.models import Trainee, User


def _text(response) -> str:
    return response.get_data(as_text=True)


# --- the public verification page ---------------------------------------------------------------


def _assert_minimum(page: str, world) -> None:
    holder = world.holder
    assert HOLDER_NAME in page and world.certificate.serial in page
    for secret in (
        HOLDER_BIRTH.strftime("%d/%m/%Y"),
        HOLDER_BIRTH.isoformat(),
        HOLDER_PHONE,
        holder.personal_code,
        holder.commune.name,
        holder.position,
    ):
        assert secret not in page, f"the public page shows {secret!r}"


def test_the_public_verification_page_shows_the_minimum(app, world):
    visitor = app.test_client()
    page = visitor.get(f"/v/{world.certificate.verify_code}")
    assert page.status_code == 200 and 'data-outcome="valid"' in _text(page)
    _assert_minimum(_text(page), world)
    by_serial = visitor.post("/verify", data={"serial": world.certificate.serial, "full_name": "nguyen thi bi mat"})
    assert 'data-outcome="valid"' in _text(by_serial)
    _assert_minimum(_text(by_serial), world)


def test_a_revoked_certificate_shows_the_category_not_the_written_reason(app, world):
    with app.test_request_context():
        revoke(world.certificate, "error", "Ghi nhầm ngày sinh 05/06/1987 của học viên", world.admin.id)
        db.session.commit()
    page = _text(app.test_client().get(f"/v/{world.certificate.verify_code}"))
    assert 'data-outcome="revoked"' in page and "Ghi nhầm ngày sinh" not in page
    _assert_minimum(page, world)


# --- export -------------------------------------------------------------------------------------


def test_the_export_holds_everything_about_the_trainee(app, world, login):
    response = login(world.trainer_a).get(f"/trainees/{world.holder.id}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data())
    person = data["trainee"]
    assert (person["full_name"], person["birth_date"], person["phone"], person["personal_code"]) == (
        HOLDER_NAME,
        HOLDER_BIRTH.isoformat(),
        HOLDER_PHONE,
        world.holder.personal_code,
    )
    assert data["account"] == world.trainee_user.username
    assert sorted(e["course"] for e in data["enrolments"]) == sorted(
        [world.running.course.code, world.closed.course.code]
    )
    # Four sessions of the closed (CT2) course, and the check-in to the open session of the running one.
    rows = db.session.scalars(select(Attendance).where(Attendance.trainee_id == world.holder.id)).all()
    assert len(data["attendance"]) == len(rows) == 5
    assert {a["course"] for a in data["attendance"]} == {world.running.course.code, world.closed.course.code}
    assert [c["serial"] for c in data["certificates"]] == [world.certificate.serial]

    other = json.loads(login(world.admin).get(f"/trainees/{world.other.id}/export.json").get_data())
    assert other["scores"] == [{"course": world.running.course.code, "score": 7.5, "passed": True}]
    assert other["certificates"] == [] and other["account"] is None


# --- erase --------------------------------------------------------------------------------------


def _footprint(trainee_id: int) -> dict:
    enrolments = db.session.scalars(select(Enrolment.id).where(Enrolment.trainee_id == trainee_id)).all()
    return {
        "trainee": count(Trainee, Trainee.id == trainee_id),
        "account": count(User, User.trainee_id == trainee_id),
        "enrolments": len(enrolments),
        "attendance": count(Attendance, Attendance.trainee_id == trainee_id),
        "scores": count(Assessment, Assessment.enrolment_id.in_(enrolments)) if enrolments else 0,
        "scans": count(ScanLog, ScanLog.trainee_id == trainee_id),
    }


@pytest.fixture
def other_signed_in_once(app, world, make_user):
    """`other` gets an account, and checks in from a phone while signed in with it: their
    account is then the actor of an audit event (as on a real phone)."""
    account = make_user("hocvien.riengtu", "trainee", None)
    account.trainee_id = world.other.id
    db.session.commit()
    phone = app.test_client(user=account)
    remember_device(phone, world.other)
    with app.test_request_context():
        path = checkin_path(world.running.current)
    asked = phone.get(path)  # "is this you?", then yes
    assert phone.post(path, data={"ticket": ticket_of(asked), "action": "confirm"}).status_code == 200
    return account


def test_erase_removes_the_trainee_and_their_rows_and_keeps_the_audit_log(app, world, login, other_signed_in_once):
    trainee_id = world.other.id
    before = _footprint(trainee_id)
    assert before == {"trainee": 1, "account": 1, "enrolments": 1, "attendance": 2, "scores": 1, "scans": 0}
    audit_before = db.session.scalars(select(AuditEvent.id)).all()
    assert count(AuditEvent, AuditEvent.actor_id == other_signed_in_once.id) == 1
    kept = {"courses": count(Enrolment) - 1, "attendance": count(Attendance) - 2, "certificates": count(Certificate)}

    client = login(world.trainer_a)
    page = client.get(f"/trainees/{trainee_id}/erase")
    assert page.status_code == 200 and OTHER_NAME in _text(page)
    response = client.post(f"/trainees/{trainee_id}/erase", data={})
    assert response.status_code == 302 and response.headers["Location"] == "/trainees"

    assert _footprint(trainee_id) == dict.fromkeys(before, 0)
    assert {"courses": count(Enrolment), "attendance": count(Attendance), "certificates": count(Certificate)} == kept
    # Every audit event is still there, plus one for the erasure.
    after = db.session.scalars(select(AuditEvent)).all()
    assert set(audit_before) < {e.id for e in after}
    assert [e.action for e in after if e.id not in audit_before] == ["trainee.erase"]


def test_a_trainer_cannot_erase_a_trainee_of_a_closed_course(app, world, login):
    trainee_id = world.holder.id
    before = _footprint(trainee_id)
    audit_before = count(AuditEvent)
    response = login(world.trainer_a).post(f"/trainees/{trainee_id}/erase", data={}, follow_redirects=True)
    assert response.status_code == 200
    assert "Chỉ quản trị cấp tỉnh được xóa dữ liệu cá nhân của học viên này." in _text(response)
    assert _footprint(trainee_id) == before and count(AuditEvent) == audit_before


def test_erasure_keeps_the_training_records_the_law_requires_and_masks_the_rest(app, world, login):
    """Decree 13/2023: the closed course's rows (its figures) and the issued certificate with
    what it states stay; the trainee's own details, open courses, scans and account go."""
    trainee_id, closed_id, running_id = world.holder.id, world.closed.course.id, world.running.course.id
    certificate_id, code = world.certificate.id, world.certificate.verify_code
    kept_attendance = count(
        Attendance,
        Attendance.trainee_id == trainee_id,
        Attendance.session_id.in_(select(CourseSession.id).where(CourseSession.course_id == closed_id)),
    )
    assert kept_attendance > 0
    response = login(world.admin).post(f"/trainees/{trainee_id}/erase", data={}, follow_redirects=True)
    assert "Hồ sơ đào tạo của các khóa đã kết thúc và giấy chứng nhận đã cấp được giữ" in _text(response)

    db.session.expire_all()
    trainee = db.session.get(Trainee, trainee_id)
    assert trainee.full_name == f"Học viên đã xóa dữ liệu #{trainee_id}" and trainee.erased_at is not None
    assert (trainee.phone, trainee.position, trainee.birth_date) == ("", "", date(HOLDER_BIRTH.year, 1, 1))
    assert count(User, User.trainee_id == trainee_id) == 0  # the account is gone
    assert {e.course_id for e in db.session.scalars(select(Enrolment).where(Enrolment.trainee_id == trainee_id))} == {
        closed_id
    }
    assert count(Attendance, Attendance.trainee_id == trainee_id) == kept_attendance  # the running course's went
    assert running_id != closed_id
    certificate = db.session.get(Certificate, certificate_id)
    assert (certificate.holder_name, certificate.holder_birth_date) == (HOLDER_NAME, HOLDER_BIRTH)
    page = app.test_client().get(f"/v/{code}")
    assert page.status_code == 200 and HOLDER_NAME in _text(page)  # still verifiable, as issued
    listed = _text(login(world.admin).get("/trainees"))
    assert "Học viên đã xóa dữ liệu" not in listed and HOLDER_NAME not in listed


def test_the_trainee_page_links_to_export_and_erase(world, login):
    for user in (world.trainer_a, world.admin):
        page = _text(login(user).get(f"/trainees/{world.other.id}"))
        assert f'href="/trainees/{world.other.id}/export.json"' in page and "Tải dữ liệu (JSON)" in page
        assert f'href="/trainees/{world.other.id}/erase"' in page and "Xóa dữ liệu…" in page


@pytest.mark.parametrize("who", ["B", "trainee", "anonymous"])
def test_only_the_district_and_the_admin_may_export_or_erase(app, world, who):
    client = app.test_client() if who == "anonymous" else app.test_client(user=world.users[who])
    refused = 302 if who == "anonymous" else 403
    trainee_id = world.other.id
    before = _footprint(trainee_id)
    assert client.get(f"/trainees/{trainee_id}/export.json").status_code == refused
    assert client.get(f"/trainees/{trainee_id}/erase").status_code == refused
    assert client.post(f"/trainees/{trainee_id}/erase", data={}).status_code == refused
    assert _footprint(trainee_id) == before
