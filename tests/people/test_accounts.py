"""The admin manages accounts: edit, role, deactivate and reactivate, a sign-in for a
trainee's own pages, and never the last admin locked out."""

import re

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.helpers import page_text
from training.audit import AuditEvent
from training.extensions import db
from training.people.models import User


def flashes(page: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'<div class="flash flash-\w+" role="\w+">(.*?)</div>', page, re.S)
    ]


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_the_admin_edits_a_trainer_and_makes_them_an_admin(login, admin, trainer_a, units):
    client = login(admin)
    page = page_text(client.get("/users"))
    assert f'href="/users/{trainer_a.id}/edit"' in page
    response = client.post(
        f"/users/{trainer_a.id}/edit", data={"full_name": "Trần Văn Khánh", "role": "trainer", "unit_id": units["B"].id}
    )
    assert response.status_code == 302
    user = reload(trainer_a)
    assert (user.full_name, user.unit_id) == ("Trần Văn Khánh", units["B"].id)
    client.post(f"/users/{trainer_a.id}/edit", data={"full_name": "Trần Văn Khánh", "role": "admin", "unit_id": 0})
    user = reload(trainer_a)
    assert (user.role, user.unit_id) == ("admin", None)
    assert [
        e.data["after"]["role"]
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.update"))
    ] == ["trainer", "admin"]


def test_a_deactivated_account_cannot_sign_in_and_can_be_reactivated(login, admin, trainer_a, client):
    response = login(admin).post(
        f"/users/{trainer_a.id}/active", data={"active": "0", "reason": "Nghỉ hưu"}, follow_redirects=True
    )
    assert "Đã khóa tài khoản trainer.a; mọi phiên đăng nhập của tài khoản đã kết thúc." in flashes(page_text(response))
    assert reload(trainer_a).is_active is False
    signed_in = client.post("/login", data={"username": "trainer.a", "password": PASSWORD}, follow_redirects=True)
    assert "/login" in signed_in.request.path
    login(admin).post(f"/users/{trainer_a.id}/active", data={"active": "1"})
    assert reload(trainer_a).is_active is True
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["user.deactivate", "user.activate"]


def test_the_last_admin_can_be_neither_deactivated_nor_demoted(login, admin, make_user):
    client = login(admin)
    response = client.post(f"/users/{admin.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "admin là quản trị viên cuối cùng đang hoạt động: không khóa được." in flashes(page_text(response))
    response = client.post(f"/users/{admin.id}/edit", data={"full_name": "Admin", "role": "trainer", "unit_id": 0})
    assert "admin là quản trị viên cuối cùng đang hoạt động: không đổi vai trò được." in page_text(response)
    assert (reload(admin).role, reload(admin).is_active) == ("admin", True)
    second = make_user("admin2", "admin", None)
    client.post(f"/users/{second.id}/active", data={"active": "0"})
    assert reload(second).is_active is False


def test_the_admin_gives_a_trainee_a_sign_in_for_their_own_pages(login, admin, make_trainee, client):
    lan = make_trainee("Hoàng Thị Lan")
    page = page_text(login(admin).get(f"/trainees/{lan.id}"))
    assert "Cấp tài khoản đăng nhập cho học viên" in page
    response = login(admin).post(
        f"/trainees/{lan.id}/account", data={"username": "lan.ht", "password": "mat-khau-lan-1"}, follow_redirects=True
    )
    assert any(m.startswith("Đã tạo tài khoản lan.ht cho Hoàng Thị Lan") for m in flashes(page_text(response)))
    account = db.session.scalar(select(User).where(User.username == "lan.ht"))
    assert (account.role, account.trainee_id) == ("trainee", lan.id)
    again = login(admin).post(
        f"/trainees/{lan.id}/account", data={"username": "lan2", "password": "mat-khau-lan-1"}, follow_redirects=True
    )
    assert "Hoàng Thị Lan đã có tài khoản đăng nhập." in flashes(page_text(again))
    # she signs in and finds her own page
    client.post("/login", data={"username": "lan.ht", "password": "mat-khau-lan-1"})
    assert "Xin chào, Hoàng Thị Lan" in page_text(client.get("/me"))
