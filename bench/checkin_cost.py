"""Benchmark: where a check-in's time goes, one request at a time, inside one process.

    .venv/bin/python bench/checkin_cost.py [--requests 300] [--rounds 5] [--json PATH]

The burst benchmark (checkin_burst.py) compares the check-in with a bare Flask route under
gunicorn; this one explains the gap by timing, with the test client and no server, the same
JSON POST answered by five routes of increasing work, interleaved round by round:

- the bare route of bench/bare_app.py (no session, no sign-in, no database);
- the floor of bench/floor_app.py: a check-in's read and four writes through SQLAlchemy Core,
  with no sign-in, rules or ORM (the least a check-in of this design does in this stack);
- a signed-in no-op: the app's login wall, session cookie, CSRF check and JSON answer;
- the same plus the session lookup and permission check every check-in does;
- the check-in itself (`POST /api/v1/checkins`: one read of what the rules need,
  BEGIN IMMEDIATE, inserts of the record, its audit row and the scan log, the report
  stamp, COMMIT), a fresh trainee each time.

Beside them, the other way a hall checks in: a trainee's phone that has identified itself
once opening the projector's QR link (`GET /checkin/<token>`, no sign-in: the signed device
cookie, the session, the same check-in and an HTML page), for sessions of its own.

The two no-op routes are added to the app by this script only. Figures: milliseconds per
request (median over the rounds) and each as a share of the check-in. No target: it is the
floor under the burst's "≥ ½ of the bare route" target.
"""

import os
import re
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Report, arguments, make_app, median, postgres_url, scanner_sign_in, temp_instance


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per route and round (300)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds, after one warm-up (5)")
    args = parser.parse_args()
    report = Report("checkin cost")

    with temp_instance("cost") as instance:
        app = make_app(instance)
        if postgres_url():  # the floor reads DATABASE_URL as it is imported: the database make_app made
            os.environ["DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
        from bare_app import app as bare
        from fixtures import PASSWORD, build_course
        from flask import jsonify, request
        from flask_login import current_user
        from floor_app import app as floor
        from sqlalchemy import select

        from training.attendance import qr
        from training.attendance.phones import DEVICE_COOKIE, _device_serializer
        from training.courses.services import get_session_or_404
        from training.extensions import db
        from training.people.models import Trainee

        def signed_in_noop():
            payload = request.get_json(silent=True)
            return jsonify(ok=True, user=current_user.id, session=payload["session"])

        def with_session_lookup():
            payload = request.get_json(silent=True)
            return jsonify(ok=True, session=get_session_or_404(payload["session"], write=True).id)

        app.add_url_rule("/bench/noop", "bench_noop", signed_in_noop, methods=["POST"])
        app.add_url_rule("/bench/lookup", "bench_lookup", with_session_lookup, methods=["POST"])
        rounds = args.rounds + 1
        with app.app_context():
            # a session per round for the badge scans, another for the phones, another for the floor
            built = build_course(args.requests * rounds, 3 * rounds, open_now=True)
            keys = dict(db.session.execute(select(Trainee.personal_code, Trainee.device_key)).all())
            with app.test_request_context():
                remembered = {code: _device_serializer().dumps({"k": keys[code], "d": "bench"}) for code in built.codes}
            db.session.remove()

        client = app.test_client()

        def fetch(path: str, form: dict | None = None) -> tuple[str, str]:
            response = client.post(path, data=form, follow_redirects=True) if form else client.get(path)
            return response.request.path, response.get_data(as_text=True)

        headers = {"X-CSRFToken": scanner_sign_in(fetch, built.trainer_username, PASSWORD, built.session_ids[0])}
        phone = app.test_client()

        def post(route_client, url):
            def send(session_id: int, code: str) -> tuple[int, str]:
                response = route_client.post(
                    url,
                    headers=headers,
                    json={"session": session_id, "code": code, "nonce": secrets.token_hex(8), "device": "bench"},
                )
                return response.status_code, (response.get_json() or {}).get("reason", "")

            return send

        # each round's session for the badge scans → the phones' and the floor's sessions of that round
        phones_session = dict(zip(built.session_ids[:rounds], built.session_ids[rounds : 2 * rounds]))
        floor_session = dict(zip(built.session_ids[:rounds], built.session_ids[2 * rounds :]))
        to_floor = post(floor.test_client(), "/api/v1/checkins")
        qr_links = {}  # the projector's link to each phones' session

        def from_phone(session_id: int, code: str) -> tuple[int, str]:
            if session_id not in qr_links:  # made at the round's first phone: a link lives 30–60 s
                with app.app_context():
                    qr_links[session_id] = f"/checkin/{qr.make_token(phones_session[session_id])}"
            phone.set_cookie(DEVICE_COOKIE, remembered[code])
            asked = phone.get(qr_links[session_id]).get_data(as_text=True)  # "is this you?"
            response = phone.post(
                qr_links[session_id],
                data={
                    "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', asked)[1],
                    "ticket": re.search(r'name="ticket" value="([^"]+)"', asked)[1],
                    "action": "confirm",
                },
            )
            reason = re.search(r'data-reason="([a-z_]+)"', response.get_data(as_text=True))
            return response.status_code, reason[1] if reason else ""

        routes = {
            "bare route (bench/bare_app.py)": post(bare.test_client(), "/api/v1/checkins"),
            "floor (bench/floor_app.py)": lambda session_id, code: to_floor(floor_session[session_id], code),
            "signed-in no-op (login wall, CSRF, JSON)": post(client, "/bench/noop"),
            "+ session lookup and permission": post(client, "/bench/lookup"),
            "check-in (POST /api/v1/checkins)": post(client, "/api/v1/checkins"),
            "a remembered phone's check-in (open the link, confirm)": from_phone,
        }
        timings: dict[str, list[float]] = {name: [] for name in routes}
        answers = set()
        for round_no, session_id in enumerate(built.session_ids[:rounds]):
            codes = built.codes[round_no * args.requests : (round_no + 1) * args.requests]
            for name, send in routes.items():
                started = time.perf_counter()
                for code in codes:
                    answers.add((name, *send(session_id, code)))
                if round_no:  # the first round warms up
                    timings[name].append((time.perf_counter() - started) / len(codes) * 1000)
        with app.app_context():
            db.engine.dispose()

    checkin = median(timings["check-in (POST /api/v1/checkins)"])
    for name, values in timings.items():
        ms = median(values)
        report.add(f"{name}: ms per request (median)", f"{ms:.2f} ms ({ms / checkin:.0%} of a check-in)")
    refused = sorted(
        a for a in answers if a[1] != 200 or (a[0].startswith(("check-in", "a remembered", "floor")) and a[2] != "ok")
    )
    report.note(
        f"{args.rounds} rounds × {args.requests} requests per route after a warm-up round, in one process "
        f"(Flask test client, {'PostgreSQL' if postgres_url() else 'SQLite WAL on disk'}); answers not 200/ok: "
        f"{refused or 'none'}"
    )
    report.print()
    report.write(args.json)


if __name__ == "__main__":
    main()
