"""The floor for a check-in: the least that any badge check-in of this design does, in this
stack, served by gunicorn with the app's settings (gunicorn.conf.py) on the app's SQLite file.
Run as `gunicorn --chdir bench floor_app:app` with TRAINING_INSTANCE_PATH set, as
checkin_burst.py does; checkin_cost.py times it in one process.

Per POST, what a check-in cannot do without: one read of the facts (the trainee behind the
code, their enrolment and record, whether the nonce was seen, the course's district), then,
under SQLite's write lock, the four writes (the record, its audit row, the scan log that makes
a resend harmless, the district's report stamp) and the COMMIT, through SQLAlchemy Core with
the project's own statement builders (extensions.insert_or_skip, insert_or_update) on a plain
connection. Everything else the app does is left out: no sign-in, session cookie, CSRF or
permission check, no rules (open window, lateness, hand-set absences), no ORM, no translated
message. A real check-in cannot cost less than this; the bare route (bare_app.py) is the floor
of any request."""

import json
import os
import secrets
from pathlib import Path

from flask import Flask, jsonify, request
from sqlalchemy import bindparam, insert, select

from training.attendance.models import Attendance, ScanLog
from training.audit import AuditEvent
from training.clock import utcnow
from training.courses.models import Course, CourseSession, Enrolment
from training.extensions import db, insert_or_skip, insert_or_update
from training.people.models import Trainee
from training.stamps import ReportStamp

# Flask-SQLAlchemy's engine, as the app's (importing training registers its connect hook: WAL,
# synchronous=NORMAL, busy timeout); used through a plain connection, never the ORM session.
app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = (
    os.environ.get("DATABASE_URL") or f"sqlite:///{Path(os.environ['TRAINING_INSTANCE_PATH']) / 'training.sqlite'}"
)
db.init_app(app)

FACTS = (
    select(
        Trainee.id,
        Trainee.full_name,
        Enrolment.id.label("enrolment_id"),
        Attendance.id.label("record_id"),
        Course.unit_id,
        select(ScanLog.id).where(ScanLog.nonce == bindparam("nonce")).exists().label("nonce_seen"),
    )
    .select_from(Trainee)
    .join(CourseSession, CourseSession.id == bindparam("session_id"))
    .join(Course, Course.id == CourseSession.course_id)
    .outerjoin(
        Enrolment,
        (Enrolment.trainee_id == Trainee.id) & (Enrolment.course_id == Course.id) & (Enrolment.status == "enrolled"),
    )
    .outerjoin(Attendance, (Attendance.session_id == CourseSession.id) & (Attendance.trainee_id == Trainee.id))
    .where(Trainee.personal_code == bindparam("code"))
)
AUDIT = insert(AuditEvent.__table__)


@app.route("/api/v1/checkins", methods=["POST"])
def checkin():
    scan = request.get_json(silent=True) or {}
    with db.engine.connect() as connection:
        facts = connection.execute(
            FACTS, {"session_id": scan["session"], "code": scan["code"], "nonce": scan["nonce"]}
        ).first()
        if facts is None or facts.enrolment_id is None or facts.nonce_seen:
            return jsonify(reason="refused", ok=False)
        now = utcnow()
        if connection.dialect.name == "sqlite":  # take the write lock now, as the app does; PostgreSQL locks rows
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        record_id = connection.execute(
            insert_or_skip(Attendance, "session_id", "trainee_id", returning="id"),
            {
                "session_id": scan["session"],
                "trainee_id": facts.id,
                "status": "present",
                "method": "qr_badge",
                "checked_in_at": now,
                "recorded_at": now,
                "recorded_by_id": None,
                "device": "",
                "remark": "",
            },
        ).scalar()
        reason = "ok" if record_id is not None else "already_checked_in"
        connection.execute(
            AUDIT,
            {
                "at": now,
                "actor_id": None,
                "action": "attendance.checkin",
                "object_ref": f"attendance:{record_id}",
                "detail": json.dumps({"after": "present"}),
            },
        )
        connection.execute(
            insert_or_skip(ScanLog, "nonce"),
            {
                "nonce": scan["nonce"],
                "session_id": scan["session"],
                "code": scan["code"][:64],
                "reason": reason,
                "trainee_id": facts.id,
                "scanned_at": now,
                "received_at": now,
                "offline": False,
                "user_id": None,
                "device": "",
            },
        )
        connection.execute(
            insert_or_update(ReportStamp, "scope", "version"), {"scope": facts.unit_id, "version": secrets.randbits(62)}
        )
        connection.commit()
    return jsonify(reason=reason, ok=reason == "ok", trainee={"id": facts.id, "name": facts.full_name})
