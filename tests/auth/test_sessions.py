"""Sessions that end: a cookie names its account by a token that sign-out, a new password
and deactivation replace, and that dies with the account; ids are never given twice."""

from flask_login.utils import encode_cookie
from sqlalchemy import select

from tests.conftest import PASSWORD
from training import privacy
from training.extensions import db
from training.people.models import Trainee, User

HOST = "taphuan.test"


def signed_in_client(app, username: str, password: str = PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302 and response.headers["Location"] == "/", "the sign-in itself failed"
    return client


def saved_cookie(client) -> str:
    """The session cookie as a browser would have kept it (a copy, a backup, a stolen one)."""
    return client.get_cookie("session", domain=HOST).value


def replay(app, cookie: str, name: str = "session"):
    """A new browser that presents `cookie`; who it is signed in as, if anyone."""
    client = app.test_client()
    client.set_cookie(name, cookie, domain=HOST)
    return client


def is_signed_in(client) -> bool:
    response = client.get("/account/password")
    return response.status_code == 200


def test_an_erased_trainees_cookie_does_not_sign_in_the_next_account(app, admin, make_trainee, make_user, in_request):
    trainee = make_trainee("Lê Thị Sẽ Xóa")
    account = make_user("hocvien.sexoa", "trainee", None)
    account.trainee_id = trainee.id
    db.session.commit()
    old_user_id, old_trainee_id = account.id, trainee.id
    cookie = saved_cookie(signed_in_client(app, "hocvien.sexoa"))

    privacy.erase_trainee(db.session.get(Trainee, old_trainee_id))
    db.session.commit()
    newcomer = make_user("giangvien.moi", "trainer", "B")
    new_trainee = make_trainee("Phạm Văn Mới Đến")

    client = replay(app, cookie)
    assert not is_signed_in(client)
    assert client.get("/trainees").status_code == 302  # sent to the sign-in page, not a trainer's list
    assert newcomer.id != old_user_id and new_trainee.id != old_trainee_id  # ids never given twice


def test_sign_out_ends_every_session_of_the_account(app, trainer_a):
    laptop = signed_in_client(app, "trainer.a")
    phone = replay(app, saved_cookie(signed_in_client(app, "trainer.a")))
    copied = saved_cookie(laptop)
    assert is_signed_in(phone)

    laptop.post("/logout")

    assert not is_signed_in(laptop)
    assert not is_signed_in(replay(app, copied))  # the cookie saved before signing out
    assert not is_signed_in(phone)  # the other device too


def test_a_remember_me_cookie_dies_with_the_sessions(app, trainer_a):
    with app.test_request_context():
        remember = encode_cookie(str(trainer_a.get_id()))
    assert is_signed_in(replay(app, remember, "remember_token"))
    signed_in_client(app, "trainer.a").post("/logout")
    assert not is_signed_in(replay(app, remember, "remember_token"))


def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(app, trainer_a):
    here = signed_in_client(app, "trainer.a")
    elsewhere = replay(app, saved_cookie(signed_in_client(app, "trainer.a")))
    response = here.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "mot-mat-khau-moi-9", "confirm": "mot-mat-khau-moi-9"},
    )
    assert response.status_code == 302
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)


def test_a_reset_by_the_admin_ends_every_session(app, admin, trainer_a, login):
    cookie = saved_cookie(signed_in_client(app, "trainer.a"))
    response = login(admin).post(f"/users/{trainer_a.id}/password", data={"password": "mot-mat-khau-moi-9"})
    assert response.status_code == 302
    assert not is_signed_in(replay(app, cookie))
    assert signed_in_client(app, "trainer.a", "mot-mat-khau-moi-9")


def test_deactivation_ends_every_session_and_reactivation_lets_the_owner_sign_in_again(app, admin, trainer_a, login):
    cookie = saved_cookie(signed_in_client(app, "trainer.a"))
    response = login(admin).post(f"/users/{trainer_a.id}/active", data={"active": "0"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, trainer_a.id).is_active is False
    assert not is_signed_in(replay(app, cookie))
    refused = app.test_client().post("/login", data={"username": "trainer.a", "password": PASSWORD})
    assert refused.status_code == 200

    login(admin).post(f"/users/{trainer_a.id}/active", data={"active": "1"})
    assert not is_signed_in(replay(app, cookie))  # the old cookie stays dead
    assert signed_in_client(app, "trainer.a")


def test_the_admin_cannot_lock_their_own_account(app, admin, make_user, login):
    make_user("admin.two", "admin", None)  # not the last admin: the refusal is for locking oneself
    response = login(admin).post(f"/users/{admin.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "Không thể tự khóa tài khoản của chính mình." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_active is True


def test_every_account_has_its_own_token(app, admin, trainer_a, trainer_b):
    tokens = db.session.scalars(select(User.session_token)).all()
    assert len(set(tokens)) == 3 and all(len(t) >= 40 for t in tokens)
    assert admin.get_id() not in (str(admin.id), admin.id)
