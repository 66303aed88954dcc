"""The production server settings (gunicorn.conf.py) that the README and the benchmarks rely on."""
import gc
import os
import runpy
from pathlib import Path

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
