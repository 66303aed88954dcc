"""The production server settings (gunicorn.conf.py) that the README and the benchmarks rely on."""

import gc
import os
import runpy
import time
import weakref
from pathlib import Path
from types import SimpleNamespace

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_two_single_threaded_processes_per_core_by_default(monkeypatch):
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    settings = runpy.run_path(str(CONF))
    assert settings["workers"] == 2 * (os.cpu_count() or 1)
    assert (settings["worker_class"], settings["threads"], settings["bind"]) == ("gthread", 1, "127.0.0.1:8000")


def test_a_worker_exempts_what_it_loaded_from_the_cyclic_collector():
    hook = runpy.run_path(str(CONF))["post_worker_init"]
    assert gc.get_freeze_count() == 0
    try:
        hook(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


class _Worker:
    """What post_worker_init reads of a gunicorn worker."""

    def __init__(self, age: int, workers: int, config: dict):

        self.age, self.cfg, self.wsgi = age, SimpleNamespace(workers=workers), SimpleNamespace(config=config)
        self.warnings: list[str] = []
        self.log = SimpleNamespace(warning=self.warnings.append)


def test_several_processes_counting_the_limits_each_in_memory_are_warned_about_once():
    hook = runpy.run_path(str(CONF))["post_worker_init"]
    try:
        first, second = (
            _Worker(1, 4, {"RATELIMIT_STORAGE_URI": "memory://"}),
            _Worker(2, 4, {"RATELIMIT_STORAGE_URI": "memory://"}),
        )
        hook(first)
        hook(second)
        assert len(first.warnings) == 1 and "4 × 10 a minute" in first.warnings[0] and second.warnings == []
        for quiet in (
            _Worker(1, 4, {"RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/0"}),
            _Worker(1, 1, {"RATELIMIT_STORAGE_URI": "memory://"}),
            _Worker(1, 4, {"RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ENABLED": False}),
        ):
            hook(quiet)
            assert quiet.warnings == []
    finally:
        gc.unfreeze()


def test_the_workers_are_forked_from_one_loaded_app(monkeypatch):
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    assert runpy.run_path(str(CONF))["preload_app"] is True
    monkeypatch.setenv("GUNICORN_PRELOAD", "0")
    assert runpy.run_path(str(CONF))["preload_app"] is False


def test_a_forked_worker_opens_database_connections_of_its_own(app):
    """What the master connected (nothing does today) stays the master's: the worker gets a
    new pool, and the master's connection is neither shared nor closed under it."""

    from flask import Flask
    from sqlalchemy import text

    from training.extensions import db

    hook = runpy.run_path(str(CONF))["post_fork"]
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        masters = db.engine.pool
        assert masters.checkedin() == 1
    hook(SimpleNamespace(app=SimpleNamespace(callable=app)), worker=None)
    with app.app_context():
        assert db.engine.pool is not masters and db.engine.pool.checkedin() == 0
        assert masters.checkedin() == 1
    masters.dispose()  # the master's own connection, closed as the master would at exit
    hook(SimpleNamespace(app=SimpleNamespace(callable=None)), worker=None)  # without preload_app: nothing to do
    hook(SimpleNamespace(app=SimpleNamespace(callable=Flask("bare"))), worker=None)  # an app without a database


def test_a_long_request_gives_the_c_heaps_free_pages_back_and_a_short_one_does_not(tmp_path):
    """Half a hundred MiB of blocks freed around a few that stay: glibc keeps the pages until a
    trim. The hooks trim after a request that took TRIM_AFTER_SECONDS or more, not before."""
    import subprocess
    import sys

    script = tmp_path / "trim.py"
    script.write_text(
        f"""
import os, runpy, time
from types import SimpleNamespace
hooks = runpy.run_path({str(CONF)!r})
assert hooks["_TRIM"] is not None, "glibc's malloc_trim"
page = os.sysconf("SC_PAGE_SIZE")
rss = lambda: int(open("/proc/self/statm").read().split()[1]) * page // 2**20
blocks = [bytes(4000) for _ in range(15000)]
kept = blocks[::100]
del blocks
before = rss()
short = SimpleNamespace()
hooks["pre_request"](None, short)
hooks["post_request"](None, short, {{}}, None)
after_short = rss()
long = SimpleNamespace(taphuan_started=time.monotonic() - hooks["TRIM_AFTER_SECONDS"])
hooks["post_request"](None, long, {{}}, None)
print(before, after_short, rss())
"""
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout.split()
    before, after_short, after_long = map(int, out)
    assert after_short >= before - 1  # a short request: nothing given back
    assert after_long <= before - 30, (before, after_short, after_long)


def test_a_long_request_collects_what_it_left_in_reference_cycles_and_a_short_one_does_not():
    """A request's objects that refer to each other (its Request, a form and its upload) wait
    for a full collection and meanwhile hold the memory they sit in: after a long request the
    hooks collect them; after a short one (a check-in) they leave the collector alone."""
    hooks = runpy.run_path(str(CONF))

    class Form:
        pass

    def left_behind():
        form, upload = Form(), Form()
        form.upload, upload.form = upload, form  # a cycle, as a form and its field make
        form.content = bytes(2**20)
        return weakref.ref(form)

    enabled = gc.isenabled()
    gc.disable()  # only the hooks may collect here
    try:
        short = SimpleNamespace()
        hooks["pre_request"](None, short)
        form = left_behind()
        hooks["post_request"](None, short, {}, None)
        assert form() is not None
        long = SimpleNamespace(taphuan_started=time.monotonic() - hooks["TRIM_AFTER_SECONDS"])
        hooks["post_request"](None, long, {}, None)
        assert form() is None
    finally:
        if enabled:
            gc.enable()
