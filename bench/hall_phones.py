"""Benchmark: a hall of phones checking in through the real pages, as trainees do.

    .venv/bin/python bench/hall_phones.py [--phones 200] [--seconds 10] [--json PATH]

The app runs under gunicorn with the production settings (gunicorn.conf.py), on a SQLite file
(WAL) in a throw-away instance folder, served and signed in to as bench/checkin_burst.py does
(its Server and sign_in), with a course of `phones` enrolled trainees and sessions open now.
The trainer's projector gives the QR's link (GET /sessions/<id>/projector.json).

First-time phones: each of `phones` clients, on its own connection, at a random moment within
--seconds (a hall, six times as dense as 200 phones within a minute), opens the link (GET: the
identification page, its ticket and CSRF token) and submits the form with its personal code
and birth date typed as dd/mm/yyyy (POST). Remembered phones: the same phones, with the cookie
the first visit left, open the next session's link ("is this you?") and confirm (POST).
Figures: latency per request (connect to last byte), p50/p95/p99 of the page and of the
answer, for each kind; the Attendance rows afterwards (each phone recorded once in each
session); and what the first visit costs a phone: the page's bytes (as sent, and gzipped as a
proxy would send them) and the round trips needed before it can be drawn (the HTML plus any
render-blocking stylesheet or script it links).
Targets: p95 of the identification (the POST a trainee waits on) < 50 ms; every phone
recorded exactly once per session.
"""

import gzip
import http.client
import json
import random
import re
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from checkin_burst import HOST, Server, sign_in
from common import Report, arguments, make_app, percentile, postgres_url, server_env, temp_instance

#: what the first visit must fetch before it can draw: stylesheets, and scripts neither deferred nor async
_BLOCKING = re.compile(r'<link[^>]+rel="stylesheet"[^>]*>|<script(?![^>]*\b(?:defer|async)\b)[^>]*\bsrc=[^>]*>')


class Phone:
    """One phone: its own connection per request, its own cookies."""

    def __init__(self, port: int, code: str, birth_date: str):
        self.port, self.code, self.birth_date = port, code, birth_date
        self.cookies: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        self.reason = ""
        self.first_page = b""
        self.first_headers: list[tuple[str, str]] = []

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, bytes, list]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "Max-Age=0" not in header and "expires=Thu, 01 Jan 1970" not in header:
                self.cookies[name] = value
        connection.close()
        return response.status, data, response.getheaders()

    def timed(self, name: str, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        started = time.perf_counter()
        try:
            status, data, headers = self.request(method, path, form)
        except OSError as exc:
            self.timings[name] = time.perf_counter() - started
            return 0, str(exc)
        self.timings[name] = time.perf_counter() - started
        if name == "open" and not self.first_page:  # the first visit's page, for its bytes
            self.first_page, self.first_headers = data, headers
        return status, data.decode()

    def identify(self, link: str) -> None:
        status, page = self.timed("open", "GET", link)
        fields = _fields(page)
        if status != 200 or "ticket" not in fields:
            self.reason = f"open: HTTP {status}"
            return
        status, page = self.timed("answer", "POST", link, {**fields, "code": self.code, "birth_date": self.birth_date})
        self.reason = _reason(status, page)

    def confirm(self, link: str) -> None:
        status, page = self.timed("open", "GET", link)
        fields = _fields(page)
        if status != 200 or "ticket" not in fields:
            self.reason = f"open: HTTP {status} ({_reason(status, page)})"
            return
        status, page = self.timed("answer", "POST", link, {**fields, "action": "confirm"})
        self.reason = _reason(status, page)


def _fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input[^>]*name="(csrf_token|ticket)"[^>]*value="([^"]+)"', page))


def _reason(status: int, page: str) -> str:
    found = re.search(r'data-reason="([a-z_]+)"', page)
    return found[1] if found else f"HTTP {status}"


def hall(phones: list[Phone], link: str, act: str, seconds: float, rng: random.Random) -> None:
    """Each phone does `act` (identify, confirm) at a random moment within `seconds`."""
    delays = [rng.uniform(0, seconds) for _ in phones]
    barrier = threading.Barrier(len(phones) + 1)

    def run(phone: Phone, delay: float) -> None:
        barrier.wait()
        time.sleep(delay)
        getattr(phone, act)(link)

    threads = [threading.Thread(target=run, args=(p, d), daemon=True) for p, d in zip(phones, delays)]
    for thread in threads:
        thread.start()
    barrier.wait()
    for thread in threads:
        thread.join()


def projector_link(port: int, cookie: str, session_id: int) -> str:
    """The path of the QR the session's projector shows now."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", f"/sessions/{session_id}/projector.json", headers={"Cookie": cookie})
    state = json.loads(connection.getresponse().read())
    connection.close()
    return urllib.parse.urlsplit(state["url"]).path


def first_visit(phone: Phone) -> dict:
    """What the first page cost: bytes (body, headers, gzipped body), and the requests it
    needs before it can be drawn."""
    page = phone.first_page.decode()
    head_bytes = sum(len(k) + len(v) + 4 for k, v in phone.first_headers)
    blocking = _BLOCKING.findall(page)
    return {
        "body": len(phone.first_page),
        "headers": head_bytes,
        "gzip": len(gzip.compress(phone.first_page, 6)),
        "blocking": blocking,
        "round_trips": 1 + (1 if blocking else 0),
    }


def latencies(phones: list[Phone], name: str) -> list[float]:
    return [p.timings[name] for p in phones if name in p.timings]


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=200, help="phones in the hall (200)")
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="each phone arrives at a random moment within this many seconds (10)",
    )
    args = parser.parse_args()
    report = Report("hall phones")
    rng = random.Random(1288)

    with temp_instance("hall") as instance:
        app = make_app(instance)
        from fixtures import PASSWORD, build_course
        from sqlalchemy import func, select

        from training.attendance.models import Attendance
        from training.extensions import db
        from training.people.models import Trainee

        with app.app_context():  # a warm-up session, the first visits' session, the remembered phones'
            built = build_course(args.phones, 3, open_now=True)
            born = dict(db.session.execute(select(Trainee.personal_code, Trainee.birth_date)).all())
            db.engine.dispose()
        warm, first, again = built.session_ids
        env = server_env(instance, app)
        server = Server("app", "app:app", env)
        try:
            server.wait_ready("/login")
            cookie, _csrf = sign_in(server.port, built.trainer_username, PASSWORD, warm)
            warmers = [Phone(server.port, code, born[code].strftime("%d/%m/%Y")) for code in built.codes[:20]]
            hall(warmers, projector_link(server.port, cookie, warm), "identify", 1.0, rng)  # warm-up, not counted
            phones = [Phone(server.port, code, born[code].strftime("%d/%m/%Y")) for code in built.codes]
            hall(phones, projector_link(server.port, cookie, first), "identify", args.seconds, rng)
            visit = first_visit(phones[0])
            identified = {
                "open": latencies(phones, "open"),
                "answer": latencies(phones, "answer"),
                "reasons": _count(p.reason for p in phones),
            }
            for phone in phones:
                phone.timings.clear()
            hall(phones, projector_link(server.port, cookie, again), "confirm", args.seconds, rng)
            remembered = {
                "open": latencies(phones, "open"),
                "answer": latencies(phones, "answer"),
                "reasons": _count(p.reason for p in phones),
            }
        finally:
            server.stop()
        with app.app_context():
            rows = {
                sid: db.session.scalar(
                    select(func.count()).select_from(
                        select(Attendance.trainee_id).where(Attendance.session_id == sid).distinct().subquery()
                    )
                )
                for sid in (first, again)
            }
            db.engine.dispose()

    def figures(values: list[float]) -> tuple[str, float]:
        pct = [percentile(values, p) * 1000 for p in (50, 95, 99)]
        return "/".join(f"{v:.0f}" for v in pct) + " ms", pct[1]

    report.note(
        f"gunicorn (gunicorn.conf.py), {'PostgreSQL' if postgres_url() else 'SQLite WAL on disk'}; {args.phones} "
        "phones arriving at random within "
        f"{args.seconds:g} s, each on its own connections and cookies."
    )
    report.note(f"first-time answers: {identified['reasons']}; remembered phones' answers: {remembered['reasons']}")
    text, _p95 = figures(identified["open"])
    report.add("first visit: open the link (GET), p50/p95/p99", text)
    text, p95 = figures(identified["answer"])
    report.add("first visit: identify (POST the form), p50/p95/p99", text, "p95 < 50 ms", p95 < 50)
    text, _p95 = figures(remembered["open"])
    report.add('remembered phone: open the link (GET, "is this you?"), p50/p95/p99', text)
    text, p95 = figures(remembered["answer"])
    report.add("remembered phone: confirm (POST), p50/p95/p99", text, "p95 < 50 ms", p95 < 50)
    everyone = (
        rows[first] == args.phones
        and rows[again] == args.phones
        and identified["reasons"].get("ok") == args.phones
        and remembered["reasons"].get("ok") == args.phones
    )
    report.add(
        "phones recorded (first visit / remembered)",
        f"{rows[first]} / {rows[again]} of {args.phones}",
        "every one, once",
        everyone,
    )
    report.add(
        "first visit: page bytes (body + headers; body gzipped)",
        f"{visit['body'] + visit['headers']} B ({visit['body']} + {visit['headers']}; gzip {visit['gzip']} B)",
    )
    report.add(
        "first visit: round trips before the page can be drawn",
        f"{visit['round_trips']} (render-blocking: {visit['blocking'] or 'none'})",
        "1",
        visit["round_trips"] == 1,
    )
    print()
    report.print()
    report.write(args.json)


def _count(values) -> dict[str, int]:
    counted: dict[str, int] = {}
    for value in values:
        counted[value] = counted.get(value, 0) + 1
    return counted


if __name__ == "__main__":
    main()
