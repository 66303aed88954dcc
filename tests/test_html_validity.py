"""The main pages are valid HTML: the Nu HTML checker (npm `vnu-jar`, on Java) reads each one as
a user meets it, on the demo data, and reports no error.

`.ci/run` installs vnu-jar into node_modules/; elsewhere the test is skipped when it is missing,
in CI it fails. The pages do not depend on the database, so it runs once, on SQLite.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from training import demo
from training.attendance import qr
from training.auth.permissions import may_act_on_course, may_act_on_trainee
from training.certificates.models import Certificate
from training.courses.models import Course, CourseSession
from training.extensions import db
from training.people.models import Trainee, User

VNU = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="HTML does not depend on the database"),
]


def _checker_or_skip() -> list[str]:
    java = shutil.which("java")
    missing = [what for what, ok in (("java", java), (str(VNU), VNU.exists())) if not ok]
    if missing:
        message = f"the Nu HTML checker needs {', '.join(missing)} (.ci/run installs vnu-jar)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return [java, "-Xss4m", "-jar", str(VNU), "--format", "json", "--errors-only"]


def test_main_pages_are_valid_html(app, login, client, tmp_path):
    command = _checker_or_skip()
    demo.load()
    db.session.commit()
    users = {u.username: u for u in db.session.scalars(select(User))}
    # the demo trainer's own course and trainee (their area is a cụm of communes)
    trainer = users["trainer"]
    course = next(
        c
        for c in db.session.scalars(select(Course).where(Course.sessions.any()).order_by(Course.id))
        if may_act_on_course(trainer, c)
    )
    session = db.session.scalars(select(CourseSession).where(CourseSession.course_id == course.id)).first()
    trainee = next(
        t for t in db.session.scalars(select(Trainee).order_by(Trainee.id)) if may_act_on_trainee(trainer, t)
    )
    certificate = db.session.scalars(select(Certificate).order_by(Certificate.id)).first()
    _step, token = qr.current_code(session.id)
    pages = {
        None: ["/login", f"/checkin/{token}", "/verify"] + ([f"/v/{certificate.verify_code}"] if certificate else []),
        "trainer": [
            "/",
            "/courses",
            f"/courses/{course.id}",
            "/courses/new",
            "/calendar",
            "/trainees",
            f"/trainees/{trainee.id}",
            f"/sessions/{session.id}/roster",
            f"/sessions/{session.id}/scan",
            f"/sessions/{session.id}/projector",
            f"/courses/{course.id}/enrol",
            f"/courses/{course.id}/results",
        ],
        "admin": ["/reports/province", "/units/", "/users"],
        "hocvien": ["/me"],
    }
    files = []
    for username, paths in pages.items():
        browser = login(users[username]) if username else client
        for path in paths:
            response = browser.get(path)
            # 409: the check-in page of a session that is not open now, a page like any other
            assert response.status_code in (200, 409), (username, path, response.status_code)
            file = tmp_path / f"{len(files):02d}.html"
            file.write_bytes(response.data)
            files.append((file, username, path))
    result = subprocess.run(command + [str(f) for f, _u, _p in files], capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    by_file = {str(f): (u, p) for f, u, p in files}
    errors = [
        f"{by_file.get(m.get('url', '').removeprefix('file:'), m.get('url'))} line {m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error"
    ]
    assert not errors, "\n".join(errors)
