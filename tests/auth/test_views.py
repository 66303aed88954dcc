"""Sign-in through the real form, `next` validation, sign-out and changing one's password."""

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from training.extensions import db
from training.people.models import User

WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."


def sign_in(client, username, password, next_url=None):
    url = "/login" if next_url is None else f"/login?next={next_url}"
    return client.post(url, data={"username": username, "password": password})


def test_login_page_shows_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="username"' in html and 'name="password"' in html


def test_login_form_round_trip(client, trainer_a):
    response = sign_in(client, "trainer.a", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Trainer.A" in home.get_data(as_text=True)  # the signed-in user's full name


def test_username_is_trimmed(client, trainer_a):
    assert sign_in(client, "  trainer.a ", PASSWORD).status_code == 302


def test_wrong_password_is_refused_with_a_message(client, trainer_a):
    response = sign_in(client, "trainer.a", "not-the-password")
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)
    assert client.get("/trainees").status_code == 302  # still anonymous


def test_unknown_user_gets_the_same_message(client, units):
    response = sign_in(client, "nobody", PASSWORD)
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)


def test_anonymous_user_is_sent_to_login_with_next(client, units):
    response = client.get("/trainees?q=an")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_next_same_site_path_is_followed(client, trainer_a):
    response = sign_in(client, "trainer.a", PASSWORD, next_url="/trainees")
    assert response.status_code == 302
    assert response.headers["Location"] == "/trainees"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/trainees",
        "https://evil.example",
        "https://evil.example/login",
        "http:evil.example",
        "/\\evil.example",
        "evil.example",
    ],
)
def test_next_to_another_site_is_refused(client, trainer_a, target):
    response = client.post(
        "/login", query_string={"next": target}, data={"username": "trainer.a", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example/"])
def test_the_language_switch_goes_back_only_to_this_site(client, target):
    response = client.post("/lang", data={"lang": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_signed_in_user_visiting_login_goes_home(login, trainer_a):
    response = login(trainer_a).get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logout_is_post_only(client, trainer_a):
    sign_in(client, "trainer.a", PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.get("/trainees").status_code == 200  # a GET did not sign out
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    after = client.get("/trainees")
    assert after.status_code == 302 and "/login" in after.headers["Location"]


def test_change_password_wrong_current_password_is_refused(login, trainer_a):
    client = login(trainer_a)
    response = client.post(
        "/account/password",
        data={
            "current_password": "wrong-password",
            "new_password": "mat-khau-moi-1",
            "confirm": "mat-khau-moi-1",
        },
    )
    assert response.status_code == 200
    assert "Mật khẩu hiện tại không đúng." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, trainer_a.id).check_password(PASSWORD)


def test_change_password_needs_matching_confirmation(login, trainer_a):
    client = login(trainer_a)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "mat-khau-moi-1",
            "confirm": "mat-khau-moi-2",
        },
    )
    assert response.status_code == 200
    assert "Hai mật khẩu không khớp." in response.get_data(as_text=True)


def test_change_password_then_sign_in_with_the_new_one(client, trainer_a):
    sign_in(client, "trainer.a", PASSWORD)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "mat-khau-moi-1",
            "confirm": "mat-khau-moi-1",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    client.post("/logout")
    assert WRONG in sign_in(client, "trainer.a", PASSWORD).get_data(as_text=True)
    assert sign_in(client, "trainer.a", "mat-khau-moi-1").status_code == 302
    assert client.get("/trainees").status_code == 200


def test_inactive_user_cannot_sign_in(client, trainer_a):
    db.session.get(User, trainer_a.id).is_active = False
    db.session.commit()
    response = sign_in(client, "trainer.a", PASSWORD)
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)
    assert client.get("/trainees").status_code == 302


def test_deactivated_user_loses_their_session(client, trainer_a):
    sign_in(client, "trainer.a", PASSWORD)
    assert client.get("/trainees").status_code == 200
    db.session.scalar(select(User).where(User.username == "trainer.a")).is_active = False
    db.session.commit()
    response = client.get("/trainees")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_passwords_are_stored_hashed(trainer_a):
    stored = db.session.get(User, trainer_a.id).password_hash
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
