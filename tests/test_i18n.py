"""Vietnamese by default, English on request, and an English catalogue that keeps up with the code.

The msgids are the Vietnamese strings themselves. After adding or changing a UI string, run
`make translations-update` and translate the new (or fuzzy) entries in
translations/en/LC_MESSAGES/messages.po; test_every_extracted_string_has_an_english_translation
fails until that is done.
"""

import re
import tokenize
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from flask_babel import refresh

ROOT = Path(__file__).resolve().parent.parent
EN_PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = EN_PO.with_suffix(".mo")
#: The keywords of the Makefile's BABEL_EXTRACT, on top of Babel's defaults (_, gettext, ngettext…).
KEYWORDS = ["_l", "lazy_gettext"]


@pytest.fixture
def compiled_catalogue():
    # The .mo is build output (`make translations`, which `make test` runs first).
    if not EN_MO.exists():
        pytest.fail(f"{EN_MO.relative_to(ROOT)} is missing: run `make translations` (or `make test`).")


def test_vietnamese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "<h1>Đăng nhập</h1>" in html
    assert "Sign in" not in html


def test_language_switch_shows_english_and_back(client, compiled_catalogue):
    response = client.post("/lang", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"

    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "<title>Sign in · " in html and "<h1>Sign in</h1>" in html
    assert ">Password<" in html  # a form label: lazy_gettext is translated too
    assert "Đăng nhập" not in html
    assert "Tiếng Việt" in html  # the switch now offers the way back

    client.post("/lang", data={"lang": "vi", "next": "/login"})
    # The app fixture keeps one app context open across requests, and Flask-Babel caches the
    # locale on it (`g`); a real server starts every request afresh.
    refresh()
    assert "<h1>Đăng nhập</h1>" in client.get("/login").get_data(as_text=True)


def test_unknown_language_falls_back_to_vietnamese(client):
    client.post("/lang", data={"lang": "fr", "next": "/login"})
    assert '<html lang="vi">' in client.get("/login").get_data(as_text=True)


def _extract(tmp_path: Path, monkeypatch):
    """Run the same extraction as `make translations-update`, into a temporary .pot."""
    pot = tmp_path / "messages.pot"
    argv = ["pybabel", "-q", "extract", "-F", "babel.cfg", "-o", str(pot)]
    for keyword in KEYWORDS:
        argv += ["-k", keyword]
    monkeypatch.chdir(ROOT)  # so that locations read training/…, as in the catalogue
    CommandLineInterface().run(argv + ["."])
    with pot.open("rb") as f:
        return read_po(f)


def test_every_extracted_string_has_an_english_translation(tmp_path, monkeypatch):
    extracted = _extract(tmp_path, monkeypatch)
    with EN_PO.open("rb") as f:
        english = read_po(f, locale="en")
    assert not english.fuzzy, "the catalogue header is marked fuzzy: pybabel compile would skip it"
    assert len(extracted) > 100, "extraction found almost nothing: is babel.cfg right?"

    problems = []
    for message in extracted:
        if not message.id:
            continue
        key = message.id[0] if message.pluralizable else message.id
        where = "%s:%s" % message.locations[0] if message.locations else "?"
        translated = english.get(key)
        if translated is None:
            problems.append(f"not in the catalogue: {key!r} ({where})")
        elif translated.fuzzy:
            problems.append(f"fuzzy, check and clear the flag: {key!r} ({where})")
        elif not all(translated.string) if translated.pluralizable else not translated.string:
            problems.append(f"no English text: {key!r} ({where})")
    assert not problems, (
        "Run `make translations-update`, then translate these in "
        f"{EN_PO.relative_to(ROOT)}:\n  " + "\n  ".join(problems)
    )


def test_no_message_hides_inside_an_f_string():
    """The extractor reads an f-string as one string token and never sees a _() inside it, so
    such a message is never offered for translation (training.pdf.fonts.tagged is the way round)."""
    hidden = []
    for path in sorted((ROOT / "training").rglob("*.py")):
        with path.open("rb") as source:
            for token in tokenize.tokenize(source.readline):
                if (
                    token.type == tokenize.STRING
                    and re.match(r"(?i)[rb]*f", token.string)
                    and re.search(r"\b_l?\(", token.string)
                ):
                    hidden.append(f"{path.relative_to(ROOT)}:{token.start[0]}: {token.string[:60]}")
    assert not hidden, "messages inside f-strings:\n" + "\n".join(hidden)


def test_translations_keep_their_placeholders():
    with EN_PO.open("rb") as f:
        english = read_po(f, locale="en")
    errors = [f"{message.id!r}: {error}" for message, errs in english.check() for error in errs]
    assert not errors, "\n".join(errors)
