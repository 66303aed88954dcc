"""Sign-in throttling that nobody can turn against an account's owner, that says the same for
names with and without an account, and whose counter counts attempts arriving together."""

from collections import Counter

import pytest

from tests.conftest import PASSWORD
from tests.helpers import page_text
from tests.together import run_together
from training.extensions import db

WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


def attempt(app, username: str, password: str, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/login", data={"username": username, "password": password})


def flashes(response) -> str:
    text = page_text(response)
    start = text.find('class="flash')
    return text[start : text.find("</div>", start)] if start >= 0 else ""


@pytest.fixture
def hashes_checked(monkeypatch):
    """How many password hashes sign-in checks (a real account's, or the stand-in for a name
    that has none)."""
    checked = Counter()

    def counting(original):
        def check(pwhash, password):
            checked["all"] += 1
            return original(pwhash, password)

        return check

    import training.people.models as models

    monkeypatch.setattr(models, "check_password_hash", counting(models.check_password_hash))
    try:
        import training.auth.throttle as throttle
    except ImportError:  # the code before throttling checked only real accounts
        pass
    else:
        monkeypatch.setattr(throttle, "check_password_hash", counting(throttle.check_password_hash))
    return checked


def test_a_stranger_cannot_lock_the_owner_out(app, admin):
    for _ in range(app.config["LOGIN_MAX_FAILURES"] * 3):
        attempt(app, "admin", "doan-mo-mat-khau", ATTACKER)
    response = attempt(app, "admin", PASSWORD, OWNER)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_address_that_guessed_is_stopped(app, admin, hashes_checked):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert WRONG in page_text(attempt(app, "admin", "doan-mo-mat-khau", ATTACKER))
    before = hashes_checked["all"]
    response = attempt(app, "admin", PASSWORD, ATTACKER)  # even the right password, from there
    assert response.status_code == 200
    assert "Thử lại sau 15 phút" in page_text(response)
    assert hashes_checked["all"] == before  # not checked at all


def test_known_and_unknown_names_get_the_same_words(app, admin):
    limit = app.config["LOGIN_MAX_FAILURES"]
    known = [flashes(attempt(app, "admin", "sai-mat-khau", ATTACKER)) for _ in range(limit + 1)]
    unknown = [flashes(attempt(app, "khong-co-ai", "sai-mat-khau", ATTACKER)) for _ in range(limit + 1)]
    assert known == unknown
    assert WRONG in known[0] and "Thử lại sau" in known[-1]


def test_an_unknown_name_costs_a_password_hash_like_a_known_one(app, admin, hashes_checked):
    attempt(app, "admin", "sai-mat-khau", ATTACKER)
    assert hashes_checked["all"] == 1
    attempt(app, "khong-co-ai", "sai-mat-khau", ATTACKER)
    assert hashes_checked["all"] == 2


def test_success_starts_the_count_again(app, admin):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        attempt(app, "admin", "sai-mat-khau", OWNER)
    assert attempt(app, "admin", PASSWORD, OWNER).status_code == 302
    for _ in range(limit - 1):
        attempt(app, "admin", "sai-mat-khau", OWNER)
    assert attempt(app, "admin", PASSWORD, OWNER).status_code == 302


def test_forty_guesses_at_once_from_one_address_check_at_most_the_limit(app, admin, hashes_checked):
    """On SQLite and on PostgreSQL: each attempt takes its place in the count atomically
    before its password is checked."""
    limit = app.config["LOGIN_MAX_FAILURES"]

    def guess(i: int) -> int:
        return attempt(app, "admin", f"doan-{i}", ATTACKER).status_code

    assert set(run_together(40, guess, app=app)) == {200}
    assert hashes_checked["all"] <= limit
    right = attempt(app, "admin", PASSWORD, ATTACKER)
    assert right.status_code == 200  # the right password, last, is not let through either
    assert hashes_checked["all"] <= limit


def test_guesses_from_many_addresses_are_slowed_past_the_per_name_figure(app, admin, monkeypatch):
    from training.auth import throttle

    pauses = []
    monkeypatch.setattr(throttle, "pause", lambda: pauses.append(1))
    app.config["LOGIN_ACCOUNT_SLOW_AFTER"] = 10

    def guess(i: int) -> int:
        return attempt(app, "admin", "doan", f"192.0.2.{i + 1}").status_code

    assert set(run_together(40, guess, app=app)) == {200}
    assert len(pauses) == 30  # every attempt past the tenth, counted exactly though they came together
    # Slowed, never refused: the owner still signs in from their own address.
    assert attempt(app, "admin", PASSWORD, OWNER).status_code == 302
    db.session.rollback()
