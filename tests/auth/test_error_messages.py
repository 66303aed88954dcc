"""The account form's refusals reach the user in words, and the password stays unchanged."""

from html import unescape

import pytest

from tests.conftest import PASSWORD
from training.extensions import db
from training.people.models import User


@pytest.mark.parametrize("new_password", ["ngan-7", "x" * 129])
def test_a_new_password_of_the_wrong_length_is_refused(login, trainer_a, new_password):
    response = login(trainer_a).post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": new_password,
            "confirm": new_password,
        },
    )
    assert response.status_code == 200
    assert "Mật khẩu cần từ 8 đến 128 ký tự." in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(User, trainer_a.id).check_password(PASSWORD)
