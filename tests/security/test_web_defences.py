"""Web defences, as a browser or an attacker meets them: CSRF on every state-changing request,
security headers, cookie flags, sign-in rate limit and lockout, check-in and verification rate
limits, the upload size limit, the secret-key check at start-up, and templates without inline
scripts (so the Content-Security-Policy can forbid them)."""

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.attendance.conftest import checkin_path, ticket_of
from tests.conftest import PASSWORD
from tests.helpers import count
from tests.security.conftest import HOLDER_BIRTH
from tests.security.test_permission_matrix import ARGUMENTS, OVERRIDES
from training import create_app
from training.clock import utcnow
from training.courses.models import CourseSession
from training.extensions import db, limiter
from training.people.models import Trainee

ROOT = Path(__file__).resolve().parents[2]
LOCKED = "Đã nhập sai nhiều lần từ thiết bị này."
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
CSRF_MESSAGE = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ"


def _second_app(app, database_url, **config):
    """Another app on the suite's database (the tables and the world are already there)."""
    base = {k: app.config[k] for k in ("TESTING", "SECRET_KEY", "WTF_CSRF_ENABLED", "RATELIMIT_ENABLED", "SERVER_NAME")}
    other = create_app({**base, "SQLALCHEMY_DATABASE_URI": database_url, **config})
    other.test_client_class = app.test_client_class
    return other


def _dispose(other) -> None:
    """Close a second app's pool of connections. The suite's session gives its own back first:
    an object of it loaded while `other` was the current app (Flask-SQLAlchemy picks the engine
    by the current app) holds a connection of `other`'s engine, which dispose() would leave to
    the garbage collector, closed with a ResourceWarning in some later test."""
    db.session.close()
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def csrf_app(app, database_url):
    """The app as deployed: CSRF protection on."""
    protected = _second_app(app, database_url, WTF_CSRF_ENABLED=True)
    yield protected
    _dispose(protected)


@pytest.fixture
def rate_limited_app(app, database_url):
    """The app with its rate limits on. The limiter is one object for the process: its switch
    and its counters are put back afterwards."""
    was = limiter.enabled
    limited = _second_app(app, database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    limiter.reset()
    try:
        yield limited
    finally:
        limiter.reset()
        limiter.enabled = was
        _dispose(limited)


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match[1]


# --- CSRF ---------------------------------------------------------------------------------------


def _post_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if "POST" in rule.methods), key=lambda r: r.endpoint)


def test_every_post_route_refuses_a_request_without_a_csrf_token(csrf_app, world, make_trainee):
    victim = make_trainee("Người Không Được Xóa")
    rules = _post_rules(csrf_app)
    assert len(rules) > 30  # the walk sees the whole map
    failures = []
    for rule in rules:
        values = {
            name: (OVERRIDES.get(rule.endpoint, {}).get(name) or ARGUMENTS[name])(world) for name in rule.arguments
        }
        if rule.endpoint == "privacy.erase":
            values["trainee_id"] = victim.id
        _domain, path = rule.build(values)
        for who, client in (("admin", csrf_app.test_client(user=world.admin)), ("anonymous", csrf_app.test_client())):
            if path.startswith("/api/"):
                response = client.post(
                    path, json={"session": world.running.current.id, "code": world.other.personal_code}
                )
                # The API asks who is calling first (401, as documented), then for the token.
                expected = (401, "unauthorized") if who == "anonymous" else (400, "csrf_expired")
                ok = response.is_json and (response.status_code, response.get_json()["error"]) == expected
            else:
                response = client.post(path, data={})
                ok = response.status_code == 400 and CSRF_MESSAGE in response.get_data(as_text=True)
            if not ok:
                failures.append(f"{rule.endpoint} POST {path} as {who}: {response.status_code}")
    assert not failures, "\n".join(failures)
    # … and refused before anything was done.
    assert db.session.get(Trainee, victim.id) is not None
    assert count(CourseSession) == len(world.running.course.sessions) + len(world.closed.course.sessions)


def test_a_form_post_with_the_page_token_is_accepted(csrf_app, world, make_trainee):
    victim = make_trainee("Người Sẽ Bị Xóa").id
    client = csrf_app.test_client(user=world.admin)
    page = client.get(f"/trainees/{victim}/erase")
    assert client.post(f"/trainees/{victim}/erase", data={"csrf_token": "forged"}).status_code == 400
    assert count(Trainee, Trainee.id == victim) == 1
    response = client.post(f"/trainees/{victim}/erase", data={"csrf_token": _csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert count(Trainee, Trainee.id == victim) == 0


def test_the_scanner_api_takes_the_token_in_a_header(csrf_app, world):
    client = csrf_app.test_client(user=world.trainer_a)
    token = _csrf_token(client.get(f"/sessions/{world.running.current.id}/scan").get_data(as_text=True))
    scan = {"session": world.running.current.id, "code": world.other.personal_code, "nonce": "csrf-header-1"}
    assert client.post("/api/v1/checkins", json=scan, headers={"X-CSRFToken": "forged"}).status_code == 400
    response = client.post("/api/v1/checkins", json=scan, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["reason"] == "ok"


# --- headers ------------------------------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize("path", ["/login", "/healthz", "/no-such-page", "/api/v1/openapi.json"])
def test_security_headers_on_every_kind_of_response(client, units, path):
    response = client.get(path)
    csp = _csp(response)
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src and "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert not any(
        source.startswith(("'nonce-", "'sha")) or source in ("*", "data:", "http:", "https:") for source in script_src
    )
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert "Strict-Transport-Security" not in response.headers  # plain http: HSTS would be ignored or wrong


def test_hsts_only_over_https(client, units):
    response = client.get("/login", base_url="https://taphuan.test")
    hsts = response.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts)[1]) >= 180 * 24 * 3600
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_proxy_https_counts_only_behind_a_configured_proxy(app, database_url, units):
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in app.test_client().get("/login", headers=forwarded).headers
    proxied = _second_app(app, database_url, PROXY_COUNT=1)
    try:
        assert "Strict-Transport-Security" in proxied.test_client().get("/login", headers=forwarded).headers
    finally:
        _dispose(proxied)


# --- cookies ------------------------------------------------------------------------------------


def _set_cookie(response, name: str) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    assert cookies, f"no {name} cookie set"
    return cookies[-1]


def _attributes(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def test_session_cookie_is_httponly_and_samesite_lax(client, trainer_a):
    response = client.post("/login", data={"username": "trainer.a", "password": PASSWORD})
    assert response.status_code == 302
    attributes = _attributes(_set_cookie(response, "session"))
    assert "httponly" in attributes and "samesite=lax" in attributes
    assert "secure" not in attributes  # not configured: plain-http deployments must still work


def test_cookies_are_secure_when_configured(app, database_url, trainer_a):
    secure = _second_app(app, database_url, SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    try:
        response = secure.test_client().post(
            "/login", data={"username": "trainer.a", "password": PASSWORD}, base_url="https://taphuan.test"
        )
        attributes = _attributes(_set_cookie(response, "session"))
        assert {"secure", "httponly", "samesite=lax"} <= attributes
    finally:
        _dispose(secure)


@pytest.mark.parametrize("secure", [False, True])
def test_the_phone_cookie_of_check_in_is_httponly_lax_and_secure_when_configured(app, database_url, world, secure):
    phone_app = _second_app(app, database_url, SESSION_COOKIE_SECURE=secure)
    try:
        phone = phone_app.test_client()
        with phone_app.test_request_context():
            path = checkin_path(world.running.current)
        ticket = ticket_of(phone.get(path))
        response = phone.post(
            path,
            data={
                "ticket": ticket,
                "code": world.holder.personal_code,
                "birth_date": HOLDER_BIRTH.strftime("%d/%m/%Y"),
            },
        )
        assert response.status_code == 200
        attributes = _attributes(_set_cookie(response, "taphuan_device"))
        assert {"httponly", "samesite=lax"} <= attributes
        assert ("secure" in attributes) is secure
    finally:
        _dispose(phone_app)


# --- sign-in: rate limit and lockout ------------------------------------------------------------


def test_sign_in_is_rate_limited(rate_limited_app, units):
    client = rate_limited_app.test_client()
    for attempt in range(10):
        response = client.post("/login", data={"username": f"nobody{attempt}", "password": "wrong-password"})
        assert response.status_code == 200, attempt
    refused = client.post("/login", data={"username": "nobody", "password": "wrong-password"})
    assert refused.status_code == 429
    assert '<header class="site-header' in refused.get_data(as_text=True)  # the site's error page
    assert client.get("/login").status_code == 200  # reading the form is not limited


def test_five_wrong_passwords_lock_the_account_for_a_while(client, trainer_a, monkeypatch):
    for _ in range(5):
        assert WRONG in client.post("/login", data={"username": "trainer.a", "password": "wrong-password"}).get_data(
            as_text=True
        )
    # Now even the right password is refused, with the reason.
    response = client.post("/login", data={"username": "trainer.a", "password": PASSWORD})
    assert response.status_code == 200 and LOCKED in response.get_data(as_text=True)
    assert client.get("/trainees").status_code == 302  # not signed in

    start = utcnow()
    monkeypatch.setattr("training.auth.throttle.utcnow", lambda: start + timedelta(minutes=14))
    assert LOCKED in client.post("/login", data={"username": "trainer.a", "password": PASSWORD}).get_data(as_text=True)
    monkeypatch.setattr("training.auth.throttle.utcnow", lambda: start + timedelta(minutes=15, seconds=5))
    response = client.post("/login", data={"username": "trainer.a", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/trainees").status_code == 200


def test_a_right_password_before_the_limit_resets_the_count(client, trainer_a):
    for _ in range(4):
        client.post("/login", data={"username": "trainer.a", "password": "wrong-password"})
    assert client.post("/login", data={"username": "trainer.a", "password": PASSWORD}).status_code == 302
    client.post("/logout")
    for _ in range(4):
        client.post("/login", data={"username": "trainer.a", "password": "wrong-password"})
    assert client.post("/login", data={"username": "trainer.a", "password": PASSWORD}).status_code == 302


# --- check-in and verification rate limits ------------------------------------------------------


def test_certificate_verification_is_rate_limited(rate_limited_app, world):
    client = rate_limited_app.test_client()
    for _ in range(30):
        assert client.get(f"/v/{world.certificate.verify_code}").status_code == 200
    assert client.get(f"/v/{world.certificate.verify_code}").status_code == 429
    assert client.get("/v/ANOTHERCODE2345678").status_code == 429  # per visitor, not per code
    other_visitor = rate_limited_app.test_client()
    assert (
        other_visitor.get(f"/v/{world.certificate.verify_code}", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code
        == 200
    )


def test_check_in_identification_is_rate_limited(rate_limited_app, world):
    """Wrong answers are counted per identity typed (a code or phone number, from any phone)
    and per phone (its page's ticket), never per address: tests/attendance/test_phone.py."""
    client = rate_limited_app.test_client()
    with rate_limited_app.test_request_context():
        path = checkin_path(world.running.current)
    ticket = ticket_of(client.get(path))
    guess = {"ticket": ticket, "code": "WRONGCODE2", "birth_date": "01/01/1990"}
    for attempt in range(5):
        assert client.post(path, data=guess).status_code == 400, attempt  # not found
    refused = client.post(path, data=guess)
    assert refused.status_code == 429 and "Đã nhập sai quá nhiều lần" in refused.get_data(as_text=True)
    # The right answer is refused too from this phone: guessing codes against one ticket stops here.
    right = {**guess, "code": world.holder.personal_code, "birth_date": HOLDER_BIRTH.strftime("%d/%m/%Y")}
    for attempt in range(3):
        client.post(path, data={**guess, "code": f"WRONGCODE{attempt + 3}"})
    assert client.post(path, data=right).status_code == 429


# --- uploads ------------------------------------------------------------------------------------


def _oversized_csv(app) -> bytes:
    """A valid one-row import padded with blank lines (skipped by the importer) past the limit,
    so that without the limit it would import one trainee."""
    head = "Họ và tên,Ngày sinh,Giới tính,Xã/phường,Nhóm\nNguyễn Văn Quá Cỡ,01/02/1980,Nam,Xã Đồng Kỳ,1\n".encode()
    return head + b",,,,\n" * ((app.config["MAX_CONTENT_LENGTH"] - len(head)) // 5 + 1)


def _upload(client, path: str, content: bytes, **fields):
    """A multipart POST encoded in memory (the test client would spool a large body to a
    temporary file it never closes)."""
    upload = FileStorage(BytesIO(content), filename="list.csv", content_type="text/csv")
    boundary, body = encode_multipart({**fields, "file": upload})
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_an_upload_over_the_limit_is_refused_and_nothing_imported(app, login, world):
    client = login(world.trainer_a)
    content = _oversized_csv(app)
    assert len(content) > 5 * 1024 * 1024
    before = count(Trainee)
    response = _upload(client, "/trainees/import", content, unit_id=str(world.trainer_a.unit_id))
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.get_data(as_text=True)
    assert count(Trainee) == before
    assert _upload(client, f"/courses/{world.running.course.id}/enrol/import", content).status_code == 413
    # The same file under the limit is imported: the limit is what refused it.
    small = content[: content.index(b",,,,")]
    response = _upload(client, "/trainees/import", small, unit_id=str(world.trainer_a.unit_id))
    assert response.status_code == 302 and count(Trainee) == before + 1


# --- secret key ---------------------------------------------------------------------------------


def test_a_short_secret_key_is_refused_outside_testing_and_debug(tmp_path):
    config = {
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "SECRET_KEY": "too-short-for-production",
        "PUBLIC_BASE_URL": "https://taphuan.example.vn",
    }
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)
    assert create_app({**config, "TESTING": True}).secret_key == "too-short-for-production"
    assert create_app({**config, "DEBUG": True}).debug
    assert create_app({**config, "SECRET_KEY": "x" * 32}).secret_key == "x" * 32


def test_production_start_up_reads_the_environment_and_refuses_a_short_key(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINING_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("TRAINING_PUBLIC_BASE_URL", "https://taphuan.example.vn")
    monkeypatch.setenv("TRAINING_SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    # Without a key, one is generated into the instance folder: long, random, private.
    monkeypatch.delenv("TRAINING_SECRET_KEY")
    app = create_app()
    key_file = tmp_path / "instance" / "secret_key"
    assert app.secret_key == key_file.read_text().strip() and len(app.secret_key) >= 32
    assert key_file.stat().st_mode & 0o077 == 0
    assert create_app().secret_key == app.secret_key  # the same key on the next start


# --- templates ----------------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def test_no_template_has_inline_scripts_or_event_handlers():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert len(templates) > 30
    problems = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for pattern, what in (
            (INLINE_SCRIPT, "inline <script>"),
            (HANDLER, "on…= handler"),
            (re.compile(r"javascript:", re.I), "javascript: URL"),
        ):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: {what}: {match.group(0).strip()}")
    assert not problems, "\n".join(problems)
