"""Static files under versioned URLs (training/assets.py): a page links each with the hash of
its content, and a request with the current hash may be kept by the browser for a year."""

import hashlib
import re
from pathlib import Path

from training import PROJECT_ROOT

LONG = "public, max-age=31536000, immutable"


def _static_links(html: str) -> dict[str, str]:
    """filename → version of every /static/ link in a page."""
    return dict(re.findall(r'/static/([^"?]+)\?v=([0-9a-f]+)"', html))


def _get(client, url: str, **kwargs):
    with client.get(url, **kwargs) as response:  # a file response must be closed
        return response.status_code, response.headers.get("Cache-Control"), response.headers.get("ETag")


def test_pages_link_static_files_with_the_hash_of_their_content(client):
    links = _static_links(client.get("/login").get_data(as_text=True))
    assert {"css/app.css", "js/app.js", "favicon.svg"} <= set(links)
    for filename, version in links.items():
        content = (PROJECT_ROOT / "static" / filename).read_bytes()
        assert version == hashlib.sha256(content).hexdigest()[:12]


def test_the_current_version_is_kept_for_a_year_and_others_are_asked_again(client):
    version = _static_links(client.get("/login").get_data(as_text=True))["css/app.css"]
    status, cache, etag = _get(client, f"/static/css/app.css?v={version}")
    assert (status, cache) == (200, LONG)
    # A browser that asks again anyway (a reload) gets 304 with the same promise.
    assert _get(client, f"/static/css/app.css?v={version}", headers={"If-None-Match": etag})[:2] == (304, LONG)
    assert _get(client, "/static/css/app.css")[:2] == (200, "no-cache")
    assert _get(client, "/static/css/app.css?v=0123456789ab")[:2] == (200, "no-cache")  # an old page's link
    assert _get(client, f"/static/../instance/secret_key?v={version}")[:2] == (404, None)


def test_no_request_reads_outside_the_static_folder_or_grows_the_memo(app, client, monkeypatch):
    outside = PROJECT_ROOT / "README.md"
    guess = hashlib.sha256(outside.read_bytes()).hexdigest()[:12]
    opened = []
    real_open = open
    monkeypatch.setattr(
        "builtins.open", lambda path, *args, **kw: opened.append(str(path)) or real_open(path, *args, **kw)
    )
    for method in ("OPTIONS", "HEAD", "GET"):
        for path in ("..%2fREADME.md", "../README.md", "..%2f..%2f..%2f..%2fdev%2fzero", "css%2f..%2f..%2fREADME.md"):
            with client.open(f"/static/{path}?v={guess}", method=method) as response:
                assert "immutable" not in response.headers.get("Cache-Control", ""), (method, path)
    assert not [path for path in opened if "README" in path or "zero" in path]
    assert [path for path in opened if path.endswith("app.css")]  # what it does read, it reads through open()
    for n in range(50):  # made-up names and other spellings of a real file leave one entry per file
        with client.get(f"/static/none-{n}.css?v=0123456789ab"):
            pass
        with client.get("/static/css/./app.css?v=0123456789ab"):
            pass
    # one entry per file: those asked for and those the 404 page's layout links to
    remembered = {Path(path).resolve() for path in app.extensions["static_versions"]}
    assert len(remembered) == len(app.extensions["static_versions"])
    assert remembered == {PROJECT_ROOT / "static" / name for name in ("css/app.css", "js/app.js", "favicon.svg")}


def test_a_changed_file_gets_a_new_url(app, client, tmp_path):
    app.static_folder = str(tmp_path)
    style = Path(tmp_path, "css", "app.css")
    style.parent.mkdir()
    style.write_text("body { color: black }")
    with app.test_request_context():
        from flask import url_for

        first = url_for("static", filename="css/app.css")
        app.debug = True  # make run: every link looks at the file again
        style.write_text("body { color: navy }")
        second = url_for("static", filename="css/app.css")
        missing = url_for("static", filename="css/none.css")
    assert first != second and second.endswith("?v=" + hashlib.sha256(b"body { color: navy }").hexdigest()[:12])
    assert _get(client, second)[:2] == (200, LONG)
    assert _get(client, first)[:2] == (200, "no-cache")
    assert missing == "/static/css/none.css"
