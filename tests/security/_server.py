"""Serve the app in a process of its own for tests/security/test_faults.py, with one step of a
long request slowed down, so that the test can kill the server while the request is half done.

    python -m tests.security._server DATABASE_URL MARKER STEP AFTER

STEP is `import` (the trainee importer saving each row) or `certificates` (the batch auditing
each certificate it has inserted). After AFTER calls of that step the process writes to MARKER
how many rows of that kind its own transaction sees, then sleeps, inside the request and before
its commit. The port it listens on is written to MARKER.port first. The slowing is done here,
by the test's own script: the app has no hook for it.
"""

import sys
import time
from pathlib import Path

from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from training import create_app


def slow_down(step: str, after: int, marker: Path) -> None:
    from sqlalchemy import func, select

    from training.extensions import db

    if step == "import":
        from training.people import importer as module
        from training.people.models import Trainee as model

        name = "save_trainee"
    elif step == "certificates":
        # The batch draws every certificate, inserts them together, then audits each: slowed
        # at its audit rows, the batch's transaction holds all its certificates.
        from training import audit as module
        from training.certificates.models import Certificate as model

        name = "record"
    else:
        raise SystemExit(f"unknown step {step}")
    original, calls = getattr(module, name), [0]

    def slowed(*args, **kwargs):
        result = original(*args, **kwargs)
        if step == "certificates" and args[0] != "certificate.issue":
            return result
        calls[0] += 1
        if calls[0] == after:
            # What this request's own (uncommitted) transaction holds by now, for the test.
            db.session.flush()
            marker.write_text(str(db.session.scalar(select(func.count()).select_from(model))))
            time.sleep(600)
        return result

    setattr(module, name, slowed)


def main() -> None:
    url, marker, step, after = sys.argv[1:5]
    marker = Path(marker)
    import functools

    from training.people import models

    # The same cheap hashes as the suite (tests/conftest.py), should anything hash here.
    models.generate_password_hash = functools.partial(generate_password_hash, method="pbkdf2:sha256:1000")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-checks",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    slow_down(step, int(after), marker)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    Path(f"{marker}.port").write_text(str(server.server_port))
    server.serve_forever()


if __name__ == "__main__":
    main()
