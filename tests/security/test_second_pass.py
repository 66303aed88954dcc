"""The lower findings of the second security pass: report dates that overflow, pages with
personal data kept by browsers, common passwords, imports without an audit event, and
multiple choices posted twice."""

import io
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.courses.conftest import make_course  # noqa: F401 - the fixture
from tests.helpers import count, page_text
from training.audit import AuditEvent
from training.extensions import db
from training.people.models import User


@pytest.mark.parametrize("path", ["/reports/province", "/reports/district"])
@pytest.mark.parametrize(
    "dates", [("0001-01-01", "9999-12-31"), ("0001-01-01", "2025-12-31"), ("2025-01-01", "9999-12-31")]
)
def test_report_dates_out_of_range_are_a_clear_400(login, admin, units, path, dates):
    response = login(admin).get(path, query_string={"start": dates[0], "end": dates[1]})
    assert response.status_code == 400
    assert "Báo cáo chỉ tính cho các năm từ 2000 đến 2100." in page_text(response)


@pytest.mark.parametrize("path", ["/trainees/{id}", "/trainees/{id}/export.json", "/trainees/{id}/record", "/trainees"])
def test_pages_with_personal_data_are_not_kept_by_browsers(login, trainer_a, make_trainee, path):
    trainee = make_trainee()
    response = login(trainer_a).get(path.format(id=trainee.id))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_a_trainees_own_pages_are_not_kept_either(login, make_user, make_trainee):
    trainee = make_trainee()
    account = make_user("hocvien.rieng", "trainee", None)
    account.trainee_id = trainee.id
    db.session.commit()
    for path in ("/me", "/me/certificates"):
        response = login(account).get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", path


def test_public_pages_stay_cacheable(client, units):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")


@pytest.mark.parametrize("password", ["12345678", "matkhau123", "Password1", "aaaaaaaa", "taphuan-demo"])
def test_common_passwords_are_refused_everywhere(app, login, admin, trainer_a, password):
    own = login(trainer_a).post(
        "/account/password", data={"current_password": PASSWORD, "new_password": password, "confirm": password}
    )
    assert own.status_code == 200 and "Mật khẩu này quá phổ biến" in page_text(own)
    login(admin).post(f"/users/{trainer_a.id}/password", data={"password": password})
    created = login(admin).post(
        "/users/new",
        data={"username": "moi.tao", "full_name": "Mới Tạo", "password": password, "unit_id": trainer_a.unit_id},
    )
    assert "Mật khẩu này quá phổ biến" in page_text(created)
    db.session.expire_all()
    assert db.session.get(User, trainer_a.id).check_password(PASSWORD)  # neither change went through
    assert count(User, User.username == "moi.tao") == 0
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "quantri2", "--password", password])
    assert result.exit_code != 0 and "quá phổ biến" in result.output


def test_a_trainee_import_writes_an_audit_event(login, trainer_a, units):
    content = (
        "Họ và tên,Ngày sinh,Giới tính,Xã/phường,Nhóm\nNguyễn Văn Nhập,15/03/1985,Nam,Xã Đồng Kỳ,1\n"
        "Trần Thị Nhập,16/04/1986,Nữ,Xã Hồng Kỳ,2\n"
    ).encode()
    response = login(trainer_a).post(
        "/trainees/import",
        data={"unit_id": units["A"].id, "file": (io.BytesIO(content), "ds.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "trainee.import")).all()
    assert event.actor_id == trainer_a.id and event.object_ref == f"unit:{units['A'].id}"
    assert event.data["rows"] == 2 and event.data["file"] == "ds.csv"


def test_an_enrolment_import_writes_an_audit_event(login, trainer_a, make_course, make_trainee):
    course = make_course("CT1")
    trainee = make_trainee()
    content = f"Mã cá nhân\n{trainee.personal_code}\n".encode()
    response = login(trainer_a).post(
        f"/courses/{course.id}/enrol/import",
        data={"file": (io.BytesIO(content), "ghi-danh.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "enrolment.import")).all()
    assert event.object_ref == f"course:{course.id}" and event.data["rows"] == 1


def test_a_course_form_with_the_same_trainer_twice_is_refused_with_a_message(login, trainer_a, make_course, units):
    course = make_course("CT1")
    data = {
        "title": "Khóa thử",
        "venue": "Hội trường",
        "starts_on": "2026-03-02",
        "capacity": "40",
        "trainer_ids": [str(trainer_a.id), str(trainer_a.id)],
        "notes": "",
        "morning_start": "07:30",
        "morning_end": "11:30",
        "afternoon_start": "13:30",
        "afternoon_end": "17:00",
    }
    edited = login(trainer_a).post(f"/courses/{course.id}/edit", data=data)
    assert edited.status_code == 200 and "Mỗi mục chỉ được chọn một lần." in page_text(edited)
    created = login(trainer_a).post("/courses/new", data={**data, "unit_id": units["A"].id, "curriculum_code": "CT1"})
    assert created.status_code == 200 and "Mỗi mục chỉ được chọn một lần." in page_text(created)


def test_an_enrolment_with_the_same_trainee_twice_is_refused_with_a_message(
    login, trainer_a, make_course, make_trainee
):
    course = make_course("CT1")
    trainee = make_trainee()
    response = login(trainer_a).post(
        f"/courses/{course.id}/enrol", data={"trainee_ids": [trainee.id, trainee.id]}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Mỗi mục chỉ được chọn một lần." in page_text(response)
    assert date.today()  # nothing enrolled twice, nothing enrolled at all
