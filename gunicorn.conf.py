"""gunicorn settings for serving the app in production: `gunicorn app:app` from the project's
root reads this file (or `gunicorn -c gunicorn.conf.py app:app` from elsewhere). Flags on the
command line win, e.g. `-b 0.0.0.0:8000`.

Two single-threaded processes per core (four on a 2-core host). A request here spends most of
its time in Python (SQLAlchemy, templates, PDF drawing), not waiting on the database, so
threads in one process only take turns on its interpreter lock: bench/checkin_burst.py (200
badge scans at once, SQLite) measured 193 check-ins/s with 2 processes × 8 threads, 260 with
4 × 2 and 338 with 4 × 1 (p95 933 → 530 ms), on one 2-core machine in one run. A slow
request (a 300-trainee attendance sheet takes about a second) holds one process, not the
site. WEB_CONCURRENCY and GUNICORN_THREADS change the counts.
"""

import ctypes
import ctypes.util
import gc
import os
import time

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A hall of trainees scanning at once opens a couple of hundred connections together.
backlog = 2048
keepalive = 5
timeout = 60
graceful_timeout = 20
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
# Load the app once, in the master, and fork the workers from it: they share its code and
# data (copy-on-write) instead of each building its own. Four workers at 50,000 trainees,
# signed in and past a few pages, took 471 MiB proportional set size (PSS) in all without it
# and 250 MiB with it; after a sweep of reports (bench/memory.py --quick), 657 and 468.
# Nothing connects to the database or Redis while the app is built, and post_fork leaves
# each worker its own pool all the same. New code needs a restart of the master (`systemctl
# restart taphuan`, as the README says), not a HUP; GUNICORN_PRELOAD=0 loads the app in each
# worker instead (bench/memory.py --no-preload compares the two).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"


def post_fork(server, worker):
    """Give the worker fresh database pools: a connection the master had opened (none is, but
    nothing should rest on that) would otherwise be one socket shared by several processes.
    close=False leaves the master's own connections open for the master."""
    app = getattr(server.app, "callable", None)  # the app the master loaded (preload_app)
    if app is not None and "sqlalchemy" in getattr(app, "extensions", {}):  # bench/bare_app.py has none
        # Imported here, not at the top: gunicorn reads this file before it applies --chdir and
        # --pythonpath, so `gunicorn -c /srv/taphuan/gunicorn.conf.py --chdir /srv/taphuan app:app`
        # run from elsewhere could not import training yet; by the first fork the app is loaded.
        from training.extensions import db

        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)


def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()
#: a request that took this long (an import, a certificate batch, a report file) is followed by a
#: collection and a trim; a check-in (3–5 ms) never is
TRIM_AFTER_SECONDS = float(os.environ.get("GUNICORN_TRIM_AFTER_SECONDS", "0.2"))


def pre_request(worker, req):
    req.taphuan_started = time.monotonic()


def post_request(worker, req, environ, resp):
    """After a long request (the answer has been sent): collect what it left in reference
    cycles, then hand the C heap's free pages back to the system (malloc_trim). A request's own
    objects (its Request, a form and its upload) point at each other and wait for a full
    collection, which may not come for a long time, and the memory around them does not go
    back meanwhile (pymalloc releases a 1-MiB arena only once nothing in it is left): a
    5,000-row import left a process 17-19 MiB larger, 11-14 once collected (about 1 ms with
    the app's objects frozen, post_worker_init). glibc likewise keeps the space between the
    objects that stay: a trim gave 12 MiB back after a certificate batch, in under 1 ms."""
    started = getattr(req, "taphuan_started", None)
    if started is None or time.monotonic() - started < TRIM_AFTER_SECONDS:
        return
    gc.collect()
    if _TRIM is not None:
        _TRIM(0)


def post_worker_init(worker):
    """Exempt what was made while loading the app (about 130,000 objects: Flask,
    SQLAlchemy, reportlab, the catalogue; made by the master, with preload_app) from the
    cyclic garbage collector, which would
    otherwise walk them all on every full collection: 60–80 ms, at a moment no request
    chooses. bench/scale.py measured the province report just after a change at p95 146 →
    67 ms (N = 1,000) and 189 → 125 ms (N = 50,000) with this. What is frozen is still freed
    as usual once nothing refers to it. The first worker also warns when every process
    counts the rate limits on its own."""
    gc.freeze()
    if worker is not None and worker.age == 1:  # the first worker says it, once per start
        warning = per_process_limits_warning(getattr(worker.wsgi, "config", {}), worker.cfg.workers)
        if warning:
            worker.log.warning(warning)


def per_process_limits_warning(config, workers: int) -> str | None:
    """With the default memory:// store each process counts the rate limits on its own, so
    the sign-in limit (10 a minute per address) multiplies by the number of processes."""
    if (
        workers > 1
        and config.get("RATELIMIT_ENABLED", True)
        and str(config.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory://")
    ):
        return (
            f"RATELIMIT_STORAGE_URI is memory://: each of the {workers} processes counts the rate limits on its own "
            f"(sign-in: {workers} × 10 a minute per address). Set TRAINING_RATELIMIT_STORAGE_URI to one Redis "
            f"that every process and host reaches, e.g. redis://redis.internal:6379/0."
        )
    return None
