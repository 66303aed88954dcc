"""Tập huấn: training-course management for grassroots information officers."""

import os
import secrets
from pathlib import Path

from babel import Locale
from flask import Flask, has_request_context, session
from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from .database import configure_timeouts
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .ids import IntegerConverter

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI, error pages."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("TRAINING_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    # Before any route is added: <int:…> ids beyond the database's integers are a 404.
    app.url_map.converters["int"] = IntegerConverter
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.join(app.instance_path, "training.sqlite"),
        CURRICULA_DIR=str(PROJECT_ROOT / "curricula"),
        QUESTIONNAIRES_DIR=str(PROJECT_ROOT / "questionnaires"),  # surveys
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_DEFAULT_TIMEZONE="Asia/Ho_Chi_Minh",
        BABEL_TRANSLATION_DIRECTORIES=str(PROJECT_ROOT / "translations"),
        LANGUAGES=["vi", "en"],
        PROVINCE_CODE="24",
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        RATELIMIT_STORAGE_URI="memory://",
        # A shared store (Redis) that stops answering must not stop the site: the limits are
        # counted in this process's memory until it is back (Flask-Limiter logs the switch).
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_HEADERS_ENABLED=True,
        # Rows per page of the lists (trainees, courses, accounts).
        PAGE_SIZE=25,
        # Days ahead the home page looks for sessions and under-filled courses.
        DASHBOARD_DAYS=14,
        # QR check-in (training/attendance/qr.py, phones.py, checkin.py): the projector's code
        # changes every step (the same on every host); a phone has the ticket's seconds to
        # answer its page after scanning, may show its result again for hours, and is
        # remembered (its trainee) for days; a session takes check-ins from some minutes
        # before it starts.
        CHECKIN_QR_STEP_SECONDS=30,
        CHECKIN_TICKET_SECONDS=300,
        CHECKIN_RESULT_HOURS=12,
        CHECKIN_OPENS_MINUTES_BEFORE=15,
        PHONE_REMEMBER_DAYS=180,
        # Course surveys (training/surveys/services.py): days open after the last session, and
        # answers below which no result is shown (no answer can be traced to a person).
        SURVEY_OPEN_DAYS=14,
        SURVEY_MIN_ANSWERS=5,
        # Sign-in throttling (training/auth/throttle.py): attempts per account name and
        # address in a window; past the per-name figure, attempts from anywhere are slowed.
        LOGIN_MAX_FAILURES=5,
        LOGIN_LOCK_MINUTES=15,
        LOGIN_ACCOUNT_SLOW_AFTER=20,
        LOGIN_SLOW_SECONDS=2,
        # Absolute base of every link that leaves the page (projector and certificate QR codes,
        # .ics, the API's `servers`), e.g. "https://taphuan.bacgiang.gov.vn"; required outside
        # debug, testing and the `flask` command (see _require_public_base_url).
        PUBLIC_BASE_URL="",
        # Seconds the database may take to answer before a page gets 503 (training/database.py);
        # 0: no limit (long maintenance work from the command line).
        DATABASE_TIMEOUT=10,
        # Reports kept between requests, per process (training/reports/cache.py): at most this
        # many bytes and this many reports, the oldest dropped first. 32 MiB a process: four
        # workers (gunicorn.conf.py on 2 cores) keep at most 128 MiB, beside their ~100 MiB
        # each after start and ~90 MiB a merged certificate PDF takes while built, so the
        # server stays near 1 GiB, leaving a 2 GB host its database and system.
        REPORT_CACHE_BYTES=32 * 1024 * 1024,
        REPORT_CACHE_ENTRIES=64,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("TRAINING")
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    else:
        app.config.from_mapping(test_config)
    _ensure_secret_key(app)
    _require_public_base_url(app)
    _engine_and_store_options(app)
    configure_timeouts(app)
    if app.config.get("PROXY_COUNT"):
        # Behind a reverse proxy: trust its X-Forwarded-* headers (client address for the
        # rate limits, https for secure cookies and HSTS) from that many hops.
        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    register_extensions(app)
    register_blueprints(app)
    register_cli(app)
    from .errors import register_error_handlers
    from .security import install_security_headers, refuse_nul_bytes

    register_error_handlers(app)
    install_security_headers(app)
    refuse_nul_bytes(app)
    return app


def _ensure_secret_key(app: Flask) -> None:
    """Use the configured key, or one generated once into instance/secret_key."""
    if app.config.get("SECRET_KEY"):
        if len(app.config["SECRET_KEY"]) < 32 and not (app.testing or app.debug):
            raise RuntimeError("SECRET_KEY phải dài ít nhất 32 ký tự (SECRET_KEY is too short).")
        return
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _require_public_base_url(app: Flask) -> None:
    """Refuse to serve without PUBLIC_BASE_URL: behind a proxy the Host header is whatever the
    proxy sends (its upstream's name, an internal address, or anything a client forged), and a
    link built from it is printed on certificates for good. Debug, testing and the `flask`
    command (the development server, CLI commands) may fall back to the request's host."""
    if app.config.get("PUBLIC_BASE_URL") or app.debug or app.testing or os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        return
    raise RuntimeError(
        "Cần đặt PUBLIC_BASE_URL, địa chỉ công khai của trang, ví dụ https://taphuan.example.vn "
        "(PUBLIC_BASE_URL is required outside debug: set TRAINING_PUBLIC_BASE_URL)."
    )


def _engine_and_store_options(app: Flask) -> None:
    """Defaults for a database and a rate-limit store on other hosts. pool_pre_ping tests a
    pooled connection before a request uses it, so a restarted database server costs a
    reconnect instead of an error per worker; short Redis timeouts keep a store that stopped
    answering from holding requests (the limiter then counts in memory)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        }
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss")):
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_connect_timeout": 0.5,
            "socket_timeout": 0.5,
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite leaves foreign keys off by default; WAL lets readers work during a check-in burst.
    # In WAL mode, synchronous=NORMAL syncs at checkpoints rather than at every commit: still
    # safe from corruption, and a commit no longer holds the write lock through an fsync (a
    # power cut may lose the last commits, never the database).
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # The file holds every trainee's personal data: its owner's alone (and its WAL's).
        for _seq, _name, path in cursor.execute("PRAGMA database_list").fetchall():
            for suffix in ("", "-wal", "-shm") if path else ():
                try:
                    os.chmod(path + suffix, 0o600)
                except OSError:
                    pass
        cursor.close()


#: the languages as Babel's Locales, parsed once: Flask-Babel parses what the selector answers
#: on every request that translates a word, and parsing looks for the language's data on disk
_LOCALES = {code: Locale.parse(code) for code in ("vi", "en")}


def _select_locale() -> Locale | str:
    # Vietnamese unless the user picked English with the switch in the header; CLI commands
    # and services run outside a request, where there is no session to ask.
    code = session.get("lang", "vi") if has_request_context() else "vi"
    return _LOCALES.get(code, code)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    # Flask-Babel 4 no longer puts get_locale in templates; base.html needs it for <html lang>.
    app.jinja_env.globals["get_locale"] = get_locale
    limiter.init_app(app)

    from . import assets, curricula, stamps, surveys

    # what a commit changes of the figures reports count moves their stamps (training/stamps.py)
    stamps.watch_sessions()

    assets.init_app(app)
    curricula.init_app(app)
    surveys.init_app(app)  # after curricula: it reads the programmes' modules


def register_blueprints(app: Flask) -> None:
    from . import attendance, auth, certificates, courses, main, people, privacy, reports, surveys, units
    from . import curricula as curricula_domain
    from .auth import views as signin

    for package in (
        main,
        signin,
        units,
        people,
        curricula_domain,
        courses,
        attendance,
        certificates,
        surveys,
        reports,
        privacy,
    ):
        app.register_blueprint(package.bp)
    auth.install_login_wall(app)


def register_cli(app: Flask) -> None:
    from .cli import register

    register(app)
