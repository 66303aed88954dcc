"""`next` after sign-in and the language switch stay on this site however the target is
written: browsers drop tabs and line breaks, trim spaces, and read a backslash as a slash."""

import pytest

from tests.conftest import PASSWORD
from training.web import safe_next

OFF_SITE = [
    "/\t/evil.example/phish",  # /login?next=/%09/evil.example/phish
    "/\n/evil.example/phish",
    "/\r/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t\\evil.example",
    "/\x0b/evil.example",
    "/\u200b/evil.example",
    "/\x00/evil.example",
    "https:/\t/evil.example",
    "java\tscript:alert(1)",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_goes_on_to_another_site(client, trainer_a, target):
    response = client.post(
        "/login", query_string={"next": target}, data={"username": "trainer.a", "password": PASSWORD}
    )
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response.headers["Location"] == "/"


def test_the_tab_from_the_report_is_refused(client, trainer_a):
    response = client.post("/login?next=/%09/evil.example/phish", data={"username": "trainer.a", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", [t for t in OFF_SITE if "\x00" not in t])
def test_the_language_switch_never_goes_on_to_another_site(client, target):
    response = client.post("/lang", data={"lang": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_refuses_what_a_browser_would_read_as_another_site(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/trainees", "/trainees?q=Nguy%E1%BB%85n+V%C4%83n&page=2", "/courses/12#phien"])
def test_paths_on_this_site_are_kept(target):
    assert safe_next(target) == target
