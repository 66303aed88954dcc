"""Browser tests: a live server with the demo data, driven by a real headless Chromium.

The browser is the system's /usr/bin/chromium (Debian's package); Playwright never downloads
one. Without it the tests are skipped on a workstation but fail in CI (CI is set), where a
missing browser must not pass unnoticed.
"""
import os
import secrets
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI containers run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent
DEMO_PASSWORD = "taphuan-demo"


def pytest_collection_modifyitems(config, items):
    # This hook sees every collected test, not only this folder's.
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app served over HTTP from a thread, on its own SQLite file, with CSRF on as in
    production and the demo data loaded; yields its base URL."""
    from training import create_app, demo
    from training.extensions import db

    folder = tmp_path_factory.mktemp("live-server")
    app = create_app({
        "SECRET_KEY": secrets.token_urlsafe(32),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite'}",
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        db.create_all()
        demo.load()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (make dev)")
    # Playwright's sync API runs its own asyncio loop in a greenlet and closes it on exit, so
    # nothing is left for warnings-as-errors to trip over; keep every browser inside this block.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """A factory of pages in fresh browser contexts (own cookies), closed after the test."""
    contexts = []

    def _new_page(**context_options):
        context = browser.new_context(base_url=live_server, locale="vi-VN", **context_options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def sign_in():
    """Sign in through the real login form."""

    def _sign_in(page, username: str, password: str = DEMO_PASSWORD):
        page.goto("/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.locator("form:has(#username)").get_by_role("button", name="Đăng nhập").click()

    return _sign_in
