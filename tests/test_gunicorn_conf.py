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


class _Worker:
    """What post_worker_init reads of a gunicorn worker."""

    def __init__(self, age: int, workers: int, config: dict):
        from types import SimpleNamespace

        self.age, self.cfg, self.wsgi = age, SimpleNamespace(workers=workers), SimpleNamespace(config=config)
        self.warnings: list[str] = []
        self.log = SimpleNamespace(warning=self.warnings.append)


def test_several_processes_counting_the_limits_each_in_memory_are_warned_about_once():
    hook = runpy.run_path(str(CONF))["post_worker_init"]
    try:
        first, second = _Worker(1, 4, {"RATELIMIT_STORAGE_URI": "memory://"}), _Worker(2, 4, {"RATELIMIT_STORAGE_URI": "memory://"})
        hook(first)
        hook(second)
        assert len(first.warnings) == 1 and "4 × 10 a minute" in first.warnings[0] and second.warnings == []
        for quiet in (_Worker(1, 4, {"RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/0"}),
                      _Worker(1, 1, {"RATELIMIT_STORAGE_URI": "memory://"}),
                      _Worker(1, 4, {"RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ENABLED": False})):
            hook(quiet)
            assert quiet.warnings == []
    finally:
        gc.unfreeze()
