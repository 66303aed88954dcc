"""Work released in many threads at the same moment: check-ins arriving at once
(tests/attendance/test_concurrency.py, tests/security/test_faults.py), certificate batches
issued at once (tests/certificates/test_services.py)."""

import threading
import time

from training.attendance import checkin
from training.courses.models import CourseSession
from training.extensions import db

BARRIER_SECONDS = 120  # for every thread to be started and waiting
JOIN_SECONDS = 300  # for all of them to finish, counted once for the lot


def run_together(count: int, work, *, app=None) -> list:
    """work(i) in `count` threads released at the same moment; their results, in order. With
    `app`, each thread works in an app context of its own, so its own database session and
    connection, as a request of its own. A thread's exception, or a thread that hangs, fails
    the test."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def call(i: int):
        if app is None:
            return work(i)
        with app.app_context():
            return work(i)

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=BARRIER_SECONDS)
            results[i] = call(i)
        except BaseException as exc:
            errors.append((i, repr(exc)))

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_SECONDS
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, errors[:5]
    return results


def check_ins_together(app, session_id: int, trainee_ids: list[int], answer=lambda result: result.reason) -> list:
    """Every trainee_ids[i] checks in to the session from its own phone ("phone-i"), all at
    the same moment, each in an app context of its own (see run_together); answer(result) of
    each check-in once committed, in order. The same id may stand more than once."""

    def check_in(i: int):
        session = db.session.get(CourseSession, session_id)
        result = checkin.check_in(session, trainee_ids[i], "qr_self", device=f"phone-{i}")
        db.session.commit()
        return answer(result)

    return run_together(len(trainee_ids), check_in, app=app)
