"""Benchmark: a hall of trainees checking in at once, through the badge scanner's API.

    .venv/bin/python bench/checkin_burst.py [--rounds 5] [--clients 200] [--json PATH]

The app runs under gunicorn with the production settings (gunicorn.conf.py: 2 processes per
core of 1 thread each, unless WEB_CONCURRENCY / GUNICORN_THREADS say otherwise) on a SQLite file (WAL) in a
throw-away instance folder, with a course of `clients` enrolled trainees and rounds + 1
sessions open now. A trainer signs in once through the login form (CSRF token and all) and the
session cookie and the scanner page's CSRF token are shared by every client.

Each round, `clients` threads, each on its own TCP connection, wait at a barrier and then POST
one badge scan each to /api/v1/checkins (a distinct trainee, a fresh nonce), all for the same
session; the next round uses the next session. The rounds alternate with rounds of the same
client against bench/bare_app.py (a bare Flask route answering the same POST with a small
JSON) under the same gunicorn settings, and against bench/floor_app.py (the least a check-in of
this design does in this stack: its read and four writes through SQLAlchemy Core, with no
sign-in, rules or ORM) on the same database, for sessions of its own: all three see the same
machine. The first round of each is a warm-up and is not counted.

Figures: throughput per round (clients / time from the first request sent to the last answer
received; median over the rounds), latency per request (connect to last byte; p50/p95/p99 over
all counted requests), and the Attendance rows in the database afterwards. Then, as a hall
does it rather than all at one instant: two more rounds of the check-in in which each client
starts at a random moment within --hall-seconds (10: six times as dense as a hall of 200
scanning within a minute), with their latencies.
Targets: check-in throughput ≥ ½ of the floor's in the same run (its share of the least a
check-in of this design can do here); badge scans arriving as a hall does (the hall rounds)
p95 < 50 ms; every check-in recorded exactly once (rows = rounds × clients, each answer "ok").
The bare route's and the floor's figures are printed beside them. The burst at one instant
measures how fast a queue of 200 drains rather than any one trainer's wait, so its p95 and
its share of the bare route are printed without a target.
"""

import http.client
import http.cookiejar
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    ROOT,
    Report,
    arguments,
    make_app,
    median,
    percentile,
    postgres_url,
    scanner_sign_in,
    server_env,
    temp_instance,
)

HOST = "127.0.0.1"
#: rounds of the hall, each client starting at a random moment (see the module's docstring)
HALL_ROUNDS = 2
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn started by this script (and stopped by it, by its own process id)."""

    def __init__(self, name: str, target: str, env: dict, chdir: Path | None = None):
        self.name, self.port = name, free_port()
        command = [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"{HOST}:{self.port}"]
        if chdir:
            command += ["--chdir", str(chdir)]
        self.log = open(Path(env["TRAINING_INSTANCE_PATH"]) / f"{name}.log", "w")
        self.process = subprocess.Popen(
            command + [target], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited ({self.process.returncode}); see {self.log.name}")
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                connection.request("GET", path)
                connection.getresponse().read()
                connection.close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name}: not answering on port {self.port}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def sign_in(port: int, username: str, password: str, session_id: int) -> tuple[str, str]:
    """Sign in over HTTP and open the scanner page; the Cookie header and the CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def fetch(path: str, form: dict | None = None) -> tuple[str, str]:
        response = opener.open(
            f"http://{HOST}:{port}{path}", data=urllib.parse.urlencode(form).encode() if form else None
        )
        return response.geturl(), response.read().decode()

    csrf = scanner_sign_in(fetch, username, password, session_id)
    return "; ".join(f"{c.name}={c.value}" for c in jar), csrf


def burst(
    port: int, bodies: list[bytes], headers: dict, delays: list[float] | None = None
) -> tuple[float, list[tuple[float, int, bytes]]]:
    """Every body POSTed at once, one thread and connection each, or each `delays[i]` seconds
    after the start; (wall seconds, results)."""
    barrier = threading.Barrier(len(bodies) + 1)
    results: list = [None] * len(bodies)
    marks: list = [None] * len(bodies)

    def client(index: int, body: bytes) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=120)
        barrier.wait()
        if delays:
            time.sleep(delays[index])
        started = time.perf_counter()
        try:
            connection.request("POST", "/api/v1/checkins", body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            status = response.status
        except OSError as exc:
            data, status = str(exc).encode(), 0
        finished = time.perf_counter()
        connection.close()
        results[index] = (finished - started, status, data)
        marks[index] = (started, finished)

    threads = [threading.Thread(target=client, args=(i, body), daemon=True) for i, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    barrier.wait()
    for thread in threads:
        thread.join()
    wall = max(m[1] for m in marks) - min(m[0] for m in marks)
    return wall, results


def scan_bodies(session_id: int, codes: list[str]) -> list[bytes]:
    """One badge scan per code for the session, each with a fresh nonce, as JSON bodies."""
    return [
        json.dumps({"session": session_id, "code": code, "nonce": secrets.token_hex(8), "device": "bench"}).encode()
        for code in codes
    ]


def answer_reasons(answers: list[tuple[int, bytes]]) -> dict[str, int]:
    """How many answers gave each reason (or HTTP status, when not a 200 with JSON)."""
    reasons: dict[str, int] = {}
    for status, data in answers:
        try:
            reason = json.loads(data).get("reason", "?") if status == 200 else f"HTTP {status}"
        except ValueError:
            reason = f"HTTP {status} (not JSON)"
        reasons[reason] = reasons.get(reason, 0) + 1
    return reasons


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="counted rounds (sessions), after one warm-up round (5)")
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients per round (200)")
    parser.add_argument(
        "--hall-seconds",
        type=float,
        default=10.0,
        help="the hall rounds: each client starts at a random moment within this many seconds (10)",
    )
    args = parser.parse_args()
    report = Report("checkin burst")

    with temp_instance("checkin") as instance:
        app = make_app(instance)
        from fixtures import PASSWORD, build_course
        from sqlalchemy import func, select

        from training.attendance.models import Attendance, ScanLog
        from training.extensions import db

        rounds = args.rounds + 1
        with app.app_context():  # a session per round for the app, another for the floor; two for the hall
            built = build_course(args.clients, 2 * rounds + HALL_ROUNDS, open_now=True)
        # the bare route reads no session: it gets the app's bodies
        sessions = {
            "bare": built.session_ids[:rounds],
            "app": built.session_ids[:rounds],
            "floor": built.session_ids[rounds : 2 * rounds],
            "hall": built.session_ids[2 * rounds :],
        }
        env = server_env(instance, app)  # gunicorn's app and the floor use the database make_app made
        servers = {
            "bare": Server("bare", "bare_app:app", env, chdir=ROOT / "bench"),
            "app": Server("app", "app:app", env),
            "floor": Server("floor", "floor_app:app", env, chdir=ROOT / "bench"),
        }
        try:
            servers["app"].wait_ready("/login")
            servers["bare"].wait_ready("/api/v1/checkins")
            servers["floor"].wait_ready("/")
            cookie, csrf = sign_in(servers["app"].port, built.trainer_username, PASSWORD, built.session_ids[0])
            headers = {"Content-Type": "application/json", "Cookie": cookie, "X-CSRFToken": csrf}
            figures = {name: {"walls": [], "latencies": [], "answers": []} for name in servers}
            for round_no in range(rounds):
                for name, server in servers.items():
                    bodies = scan_bodies(sessions[name][round_no], built.codes)
                    wall, results = burst(server.port, bodies, headers)
                    if round_no == 0:
                        continue  # warm-up
                    figures[name]["walls"].append(wall)
                    figures[name]["latencies"] += [r[0] for r in results]
                    figures[name]["answers"] += [r[1:] for r in results]
                    print(
                        f"  round {round_no} {name:5}: {len(bodies) / wall:7.1f} req/s, "
                        f"p95 {percentile([r[0] for r in results], 95) * 1000:7.1f} ms",
                        flush=True,
                    )
            hall = {"latencies": [], "answers": []}
            arrivals = random.Random(1288)
            for session_id in sessions["hall"]:
                bodies = scan_bodies(session_id, built.codes)
                delays = [arrivals.uniform(0, args.hall_seconds) for _ in bodies]
                _wall, results = burst(servers["app"].port, bodies, headers, delays)
                hall["latencies"] += [r[0] for r in results]
                hall["answers"] += [r[1:] for r in results]
        finally:
            for server in servers.values():
                server.stop()

        with app.app_context():
            counted = sessions["app"][1:]
            rows = db.session.scalar(
                select(func.count()).select_from(Attendance).where(Attendance.session_id.in_(counted))
            )
            pairs = db.session.scalar(
                select(func.count()).select_from(
                    select(Attendance.session_id, Attendance.trainee_id)
                    .where(Attendance.session_id.in_(counted))
                    .distinct()
                    .subquery()
                )
            )
            scans = db.session.scalar(select(func.count()).select_from(ScanLog).where(ScanLog.session_id.in_(counted)))
            db.engine.dispose()

    expected = args.rounds * args.clients
    reasons, floor_reasons = answer_reasons(figures["app"]["answers"]), answer_reasons(figures["floor"]["answers"])
    bare_errors = sum(1 for status, _data in figures["bare"]["answers"] if status != 200)

    tput = {name: median([args.clients / w for w in fig["walls"]]) for name, fig in figures.items()}
    pct = {name: {p: percentile(fig["latencies"], p) * 1000 for p in (50, 95, 99)} for name, fig in figures.items()}
    ratio = tput["app"] / tput["bare"]
    workers, threads = (
        os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)),
        os.environ.get("GUNICORN_THREADS", "1"),
    )
    report.note(
        f"gunicorn {workers} workers × {threads} threads (gunicorn.conf.py), "
        f"{'PostgreSQL' if postgres_url() else 'SQLite WAL on disk'}; "
        f"{args.rounds} rounds × {args.clients} concurrent clients, after a warm-up round; medians over rounds."
    )
    report.note(f"check-in answers: {reasons}; floor answers: {floor_reasons}; bare route errors: {bare_errors}")
    report.add("bare route: throughput (median)", f"{tput['bare']:.0f} req/s")
    report.add("bare route: latency p50/p95/p99", "/".join(f"{pct['bare'][p]:.0f}" for p in (50, 95, 99)) + " ms")
    report.add("floor (bench/floor_app.py): throughput (median)", f"{tput['floor']:.0f} req/s")
    report.add("floor / bare throughput: the most a check-in could reach", f"{tput['floor'] / tput['bare']:.2f}×")
    report.add("floor: latency p50/p95/p99", "/".join(f"{pct['floor'][p]:.0f}" for p in (50, 95, 99)) + " ms")
    report.add("check-in: throughput (median)", f"{tput['app']:.0f} req/s")
    report.add("check-in / bare throughput", f"{ratio:.2f}×")
    share = tput["app"] / tput["floor"]
    report.add("check-in / floor throughput: its share of the floor", f"{share:.2f}×", "≥ 0.50×", share >= 0.5)
    report.add(
        f"check-in: latency p50/p95/p99, {args.clients} at one instant (a queue draining)",
        "/".join(f"{pct['app'][p]:.0f}" for p in (50, 95, 99)) + " ms",
    )
    hall_pct = [percentile(hall["latencies"], p) * 1000 for p in (50, 95, 99)]
    report.add(
        f"check-in, {args.clients} clients arriving within {args.hall_seconds:g} s: latency p50/p95/p99",
        "/".join(f"{value:.0f}" for value in hall_pct) + f" ms (answers: {answer_reasons(hall['answers'])})",
    )
    report.add("badge scans arriving as a hall does: p95", f"{hall_pct[1]:.0f} ms", "< 50 ms", hall_pct[1] < 50)
    exact = rows == expected and pairs == expected and reasons.get("ok", 0) == expected
    report.add(
        "check-ins recorded (rows / expected)",
        f"{rows} / {expected} (answers ok: {reasons.get('ok', 0)}, scan log: {scans})",
        "exactly once",
        exact,
    )
    print()
    report.print()
    report.write(args.json)


if __name__ == "__main__":
    main()
