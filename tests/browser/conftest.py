"""Browser tests: a live server with the demo data, driven by a real headless Chromium.

The browser is the system's /usr/bin/chromium (Debian's package); Playwright never downloads
one. Without it the tests are skipped on a workstation but fail in CI (CI is set), where a
missing browser must not pass unnoticed.
"""

import os
import secrets
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

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


class LiveServer(SimpleNamespace):
    """A served app: `app`, its base `url`, and by name what its set-up returned."""


def district_with_trainer(password: str):
    """Bắc Giang › Huyện Yên Thế › Xã Đồng Kỳ and a trainer of the district ("giangvien",
    `password`), for a module's own served data; (district, commune, trainer), flushed."""
    from training.extensions import db
    from training.people import services as people
    from training.units.models import Unit

    province = Unit(map="pre2025", code="24", name="Tỉnh Bắc Giang", level="province")
    district = Unit(map="pre2025", code="215", name="Huyện Yên Thế", level="district", parent=province)
    commune = Unit(map="pre2025", code="7201", name="Xã Đồng Kỳ", level="commune", parent=district)
    db.session.add_all([province, district, commune])
    db.session.flush()
    return district, commune, people.create_user("giangvien", password, "Trần Văn Khánh", "trainer", district.id)


def session_open_now(password: str, people, title: str, capacity: int = 40):
    """A course of `district_with_trainer(password)`'s district (made here), open, with one trainee per
    (full name, birth date) of `people` enrolled and one session, CT1.1, that started two
    minutes ago and runs an hour; (session, trainees), flushed."""
    from training.clock import LOCAL_TZ, to_utc
    from training.courses import services as courses
    from training.courses.enrolment import enrol_many
    from training.courses.planning import save_session
    from training.extensions import db
    from training.people import services as people_services

    district, commune, trainer = district_with_trainer(password)
    trainees = [
        people_services.save_trainee(
            None,
            {
                "full_name": name,
                "birth_date": born,
                "gender": "female",
                "position": "Công chức Văn hóa - Xã hội",
                "commune_id": commune.id,
                "group": "commune_broadcast",
                "phone": "",
            },
        )
        for name, born in people
    ]
    now = datetime.now(LOCAL_TZ).replace(tzinfo=None, second=0, microsecond=0)
    start, end = now - timedelta(minutes=2), now + timedelta(minutes=60)
    course = courses.create_course(
        district.id, "CT1", title, "Hội trường UBND huyện Yên Thế", start.date(), capacity, [trainer.id]
    )
    if start.date() == end.date():
        session = save_session(course, None, "CT1.1", start.date(), start.time(), end.time(), "", trainer.id)
    else:  # near midnight no same-day slot holds "now" with an hour to spare: stretch one
        session = save_session(
            course,
            None,
            "CT1.1",
            start.date(),
            start.time(),
            datetime.max.time().replace(microsecond=0),
            "",
            trainer.id,
        )
        session.ends_at = to_utc(end)
    courses.change_status(course, "open")
    enrol_many(course, trainees)
    db.session.flush()
    return session, trainees


@pytest.fixture(scope="session")
def serve(tmp_path_factory):
    """A factory of live servers. `with serve(set_up) as server:` makes the app on a SQLite
    file of its own, with CSRF on as in production, runs set_up() in its app context and
    commits, serves it over HTTP from a thread, and gives a LiveServer with the names of the
    dict set_up returned; the server stops at the end of the block. The app's PUBLIC_BASE_URL
    is the server's own address, as a deployment sets it to the public one; keywords are
    further settings of the app (RATELIMIT_ENABLED=True…)."""
    from training import create_app
    from training.extensions import db

    @contextmanager
    def _serve(set_up, **config):
        folder = tmp_path_factory.mktemp("live-server")
        app = create_app(
            {
                "SECRET_KEY": secrets.token_urlsafe(32),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite'}",
                "WTF_CSRF_ENABLED": True,
                "RATELIMIT_ENABLED": False,
                "PUBLIC_BASE_URL": "http://127.0.0.1",  # the port is known once the server listens
                **config,
            }
        )
        with app.app_context():
            db.create_all()
            made = set_up() or {}
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["PUBLIC_BASE_URL"] = url
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(app=app, url=url, **made)
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
            with app.app_context():
                db.engine.dispose()

    return _serve


@pytest.fixture(scope="session")
def server(serve):
    """The server the page fixtures below open: the app with the demo data. A module that needs
    other data overrides this fixture, module-scoped, with a server of its own from `serve`
    (tests/browser/test_certificates.py, tests/browser/test_checkin.py)."""
    from training import demo

    with serve(demo.load) as server:
        yield server


@pytest.fixture
def live_server(server) -> str:
    """The base URL of `server`."""
    return server.url


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
