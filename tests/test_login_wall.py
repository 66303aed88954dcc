"""Every route needs sign-in unless it is declared public here; error pages never leak internals."""

import pytest

from training import create_app
from training.auth import public

#: Endpoints an anonymous visitor may reach, each for a reason. A new public route must be
#: added here on purpose; one listed before its blueprint exists is harmless.
PUBLIC_ENDPOINTS = {
    "static",
    "auth.login",
    "main.healthz",  # load balancers and monitoring
    "main.set_language",  # the language switch on the login page
    "attendance.checkin",  # a trainee's phone opens the session QR without an account
    "attendance.forget_device",  # … and can forget the trainee it remembered
    "attendance.checkin_result",  # … and shows its signed result again (the language switch)
    "attendance.api_spec",  # the description of the scanner API, no data in it
    "attendance.short_code",  # a phone that cannot scan types the projector's short code
    "attendance.scanner_worker",  # the scanner's service worker script, no data in it
    "certificates.verify",  # anyone checks a certificate by its number
    "certificates.verify_code",  # … or from the QR printed on it
    "surveys.answer",  # a trainee's phone answers the course survey (it identifies them itself)
}

_DUMMY = {
    "IntegerConverter": 1,
    "FloatConverter": 1.0,
    "UUIDConverter": "00000000-0000-4000-8000-000000000001",
}
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-that-is-long-enough-for-checks",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
}


def _dummy(converter) -> object:
    if type(converter).__name__ == "AnyConverter":
        return sorted(converter.items)[0]
    return _DUMMY.get(type(converter).__name__, "x")


def _protected_requests() -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for one request per non-public rule of a freshly built app."""
    app = create_app(TEST_CONFIG)
    requests = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        methods = rule.methods - {"HEAD", "OPTIONS"}
        method = "GET" if "GET" in methods else sorted(methods)[0]
        values = {name: _dummy(conv) for name, conv in rule._converters.items()}
        _domain, path = rule.build(values)
        requests.append((rule.endpoint, method, path))
    return requests


def test_public_endpoints_are_exactly_the_declared_ones(app):
    marked = {endpoint for endpoint, view in app.view_functions.items() if getattr(view, "is_public", False)}
    assert marked - PUBLIC_ENDPOINTS == set(), "a route was made public without being declared here"
    assert marked | {"static"} == PUBLIC_ENDPOINTS & set(app.view_functions)


@pytest.fixture(scope="module")
def anonymous():
    """One app for the whole walk: the wall answers before any view touches the database."""
    return create_app(TEST_CONFIG).test_client()


@pytest.mark.parametrize(("endpoint", "method", "path"), _protected_requests(), ids=lambda v: str(v))
def test_anonymous_request_is_refused(anonymous, endpoint, method, path):
    response = anonymous.open(path, method=method)
    if path.startswith("/api/"):
        assert response.status_code == 401, endpoint
        assert response.get_json()["error"] == "unauthorized"
    else:
        assert response.status_code == 302, endpoint
        assert "/login" in response.headers["Location"], endpoint


def test_the_walk_covers_the_known_protected_routes():
    endpoints = {endpoint for endpoint, _m, _p in _protected_requests()}
    assert {
        "main.home",
        "auth.logout",
        "auth.change_password",
        "people.trainees",
        "people.trainee",
        "people.trainee_edit",
        "people.trainee_import",
        "people.users",
        "people.units_index",
        "curricula.index",
        "curricula.detail",
    } <= endpoints


def test_public_pages_answer_anonymous_visitors(client):
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    response = client.post("/lang", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    with client.get("/static/css/app.css") as static:  # a file response must be closed
        assert static.status_code == 200


def _assert_error_page(response, status: int, title: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert '<header class="site-header' in html and "</html>" in html  # the site's layout
    assert f'<p class="error-code">{status}</p>' in html and title in html
    assert "Traceback" not in html and "File &#34;" not in html and 'File "' not in html


def test_403_page_in_layout(login, make_user):
    trainee_user = make_user("hocvien", "trainee", None)
    _assert_error_page(login(trainee_user).get("/trainees"), 403, "Không có quyền truy cập")


def test_404_page_in_layout(login, admin):
    _assert_error_page(login(admin).get("/no-such-page"), 404, "Không tìm thấy trang")


def test_404_page_for_anonymous_visitor(client):
    _assert_error_page(client.get("/no-such-page"), 404, "Không tìm thấy trang")


def test_405_page_in_layout(login, admin):
    _assert_error_page(login(admin).get("/logout"), 405, "Thao tác không được phép")


@pytest.fixture
def failing_app():
    app = create_app({**TEST_CONFIG, "ERROR_PAGES_IN_TESTS": True})

    @public
    def boom():
        raise RuntimeError("secret detail: password=hunter2")

    def api_ping():
        return {"pong": True}

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/ping", "api_ping", api_ping)
    return app


def test_500_page_shows_no_stack_trace(failing_app, caplog):
    response = failing_app.test_client().get("/boom")
    _assert_error_page(response, 500, "Lỗi hệ thống")
    html = response.get_data(as_text=True)
    assert "hunter2" not in html and "RuntimeError" not in html
    assert "Sự cố đã được ghi lại" in html
    assert any("hunter2" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)  # logged, not shown


def test_api_paths_get_json_401_not_a_redirect(failing_app):
    response = failing_app.test_client().get("/api/ping")
    assert response.status_code == 401
    assert response.get_json() == {"error": "unauthorized", "message": "Cần đăng nhập."}


def test_api_404_is_json(failing_app):
    response = failing_app.test_client().get("/api/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
