"""Benchmark: the memory a serving process, and the whole server, hold at 50,000 trainees.

    .venv/bin/python bench/memory.py [--size 50000] [--quick] [--json PATH]

The app runs under gunicorn with the shipped settings (gunicorn.conf.py) on a copy of
bench/scale.py's database of `size` trainees (built and cached by it), twice: with one worker
("one serving process"), then with the shipped number of workers (WEB_CONCURRENCY, else 2 per
core: "the whole server"). Each is driven over HTTP, signed in as the province admin, through
the same steps, and its memory read from /proc/<pid>/smaps_rollup after each:

1. after start: signed in, the home page served; then after a warm-up: a report of a year with
   no data as page, XLSX and PDF from every client, and an import of 10 rows;
2. after a sweep of report periods: the province report and two districts' reports as page,
   XLSX and PDF, for the 12 months of the scale data's first year and 3 wide periods (its two
   years apart and together); with several workers, one client per worker sends the sweep,
   each from another period, so every worker builds and keeps reports;
3. after importing 5,000 trainees (one .csv through the import form);
4. after issuing 300 certificates in one course (the issue form) and downloading the course's
   merged PDF (the course: a closed course of the scale data grown to 300 trainees, every
   session attended, every score recorded).

Figures: the worker's resident size (RSS) at each step; for the whole server, the sum of the
processes' proportional set sizes (PSS: a page the forked workers share is counted once,
split between them) and of their RSS (shared pages counted in each), and the largest worker.
Targets: each step of the one worker within its size after a warm-up (each kind of request
once on the least data: its working set of modules, fonts and templates) plus the report budget
(the REPORT_CACHE_BYTES setting, what a process may keep of built reports); the whole
server's PSS after every step under 1.2 GiB; no report request answered with an error.
Beside them, without a target: how much a sign-in's password check takes while it runs
(werkzeug's scrypt, in a process of its own).

--quick: 2 monthly periods and 1 wide one, one district, 500 imported rows, 30 certificates.
--no-preload: the workers each load the app (GUNICORN_PRELOAD=0), to see what preload_app saves.
"""

import http.cookiejar
import io
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from checkin_burst import HOST, Server
from common import Report, arguments, form_token, fresh_database, make_app, server_env, sign_in, temp_instance
from scale import cached_database

MiB = 2**20
WHOLE_SERVER_LIMIT = 1.2 * 1024 * MiB
ADMIN, PASSWORD = "admin", "taphuan-demo"  # training/demo.py


def memory_of(pid: int) -> dict[str, int]:
    """Rss, Pss and the private (USS) bytes of a process, from /proc/<pid>/smaps_rollup."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                values[parts[0].rstrip(":")] = int(parts[1]) * 1024
    return {"rss": values["Rss"], "pss": values["Pss"], "uss": values["Private_Clean"] + values["Private_Dirty"]}


def workers_of(master: int) -> list[int]:
    with open(f"/proc/{master}/task/{master}/children") as children:
        return [int(pid) for pid in children.read().split()]


class Client:
    """One signed-in browser: cookies kept, pages fetched and read to the end."""

    def __init__(self, port: int):
        self.base = f"http://{HOST}:{port}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        sign_in(self.fetch, ADMIN, PASSWORD)

    def fetch(self, path: str, form: dict | None = None, files: dict | None = None) -> tuple[str, str]:
        data, headers = None, {}
        if files:
            data, headers["Content-Type"] = multipart(form or {}, files)
        elif form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        with self.opener.open(request, timeout=900) as response:
            body = response.read()
            kind = response.headers.get_content_type()
            return response.geturl(), body.decode() if kind.startswith("text/") else ""


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """A multipart/form-data body (fields, and files as name → (filename, bytes)) and its type."""
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    for name, value in fields.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        body.write(content + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


class Data:
    """What the steps use, read from (and added to) one run's copy of the scale database."""

    def __init__(self, app, certificates: int):
        from sqlalchemy import func, select

        from training.courses.models import Course, CourseSession
        from training.extensions import db
        from training.units.models import Unit
        from training.units.services import communes_of, live_map, managing_units

        with app.app_context():
            first = db.session.scalar(
                select(func.min(CourseSession.starts_at)).join(Course).where(Course.code.like("%-S%"))
            )
            self.year = first.year
            self.districts = db.session.scalars(
                select(Unit.id).where(Unit.level == "district").order_by(Unit.name).limit(2)
            ).all()
            # the import form offers the managing units of the live map (the province, since 2025)
            self.import_unit = managing_units(live_map())[0].id
            self.communes = [commune.name for commune in communes_of(self.import_unit)]
            self.course_id = grow_course(certificates)
            db.session.remove()

    def periods(self, months: int, wide: int) -> list[str]:
        """Query strings of `months` monthly periods of the first year, then `wide` longer ones."""
        year = self.year
        monthly = [
            f"start={date(year, m, 1)}&end={date(year + m // 12, m % 12 + 1, 1) - timedelta(days=1)}"
            for m in range(1, months + 1)
        ]
        longer = [f"year={year}", f"year={year + 1}", f"start={date(year, 1, 1)}&end={date(year + 1, 12, 31)}"][:wide]
        return monthly + longer


def grow_course(size: int) -> int:
    """A closed course of the scale data grown to `size` trainees of its district and group,
    every session attended by all and every score recorded (8/10); its id. Commits."""
    from sqlalchemy import insert, select, update

    from training.attendance.models import Attendance
    from training.certificates.models import Assessment
    from training.clock import utcnow
    from training.courses.models import Course, CourseSession, Enrolment
    from training.extensions import db
    from training.people.models import Trainee
    from training.units.models import Unit

    course = db.session.scalar(
        select(Course).where(Course.code.like("%-S%"), Course.status == "closed").order_by(Course.id).limit(1)
    )
    members = db.session.scalars(select(Enrolment.trainee_id).where(Enrolment.course_id == course.id)).all()
    group = db.session.scalar(select(Trainee.group).where(Trainee.id == members[0]))
    more = db.session.scalars(
        select(Trainee.id)
        .join(Unit, Unit.id == Trainee.commune_id)
        .where(Unit.parent_id == course.unit_id, Trainee.group == group, Trainee.id.not_in(members))
        .order_by(Trainee.id)
        .limit(max(size - len(members), 0))
    ).all()
    now = utcnow()
    if more:
        db.session.execute(
            insert(Enrolment),
            [
                {
                    "course_id": course.id,
                    "trainee_id": t,
                    "status": "enrolled",
                    "withdraw_reason": "",
                    "enrolled_at": now,
                    "enrolled_by_id": None,
                }
                for t in more
            ],
        )
    sessions = db.session.execute(
        select(CourseSession.id, CourseSession.starts_at).where(CourseSession.course_id == course.id)
    ).all()
    db.session.execute(
        update(Attendance)
        .where(Attendance.session_id.in_([s.id for s in sessions]))
        .values(status="present", checked_in_at=Attendance.recorded_at)
    )
    if more:
        db.session.execute(
            insert(Attendance),
            [
                {
                    "session_id": s.id,
                    "trainee_id": t,
                    "status": "present",
                    "method": "manual",
                    "checked_in_at": s.starts_at,
                    "recorded_at": now,
                    "recorded_by_id": None,
                    "device": "",
                    "remark": "",
                }
                for s in sessions
                for t in more
            ],
        )
    enrolments = db.session.scalars(select(Enrolment.id).where(Enrolment.course_id == course.id)).all()
    db.session.execute(
        insert(Assessment),
        [{"enrolment_id": e, "score": 8.0, "recorded_at": now, "recorded_by_id": None} for e in enrolments],
    )
    course.capacity = len(enrolments)
    db.session.commit()
    return course.id


def import_file(communes: list[str], rows: int, name: str = "Học Viên Nhập Số") -> bytes:
    """A .csv of `rows` new trainees in the import template's columns, none already there."""
    rng = random.Random(5000)
    lines = ["Họ và tên,Ngày sinh,Giới tính,Chức vụ,Xã/phường,Nhóm,Điện thoại"]
    for n in range(rows):
        lines.append(
            f"{name} {n:05d},{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1965, 2000)},"
            f"{rng.choice(['Nam', 'Nữ'])},Công chức Văn hóa - Xã hội,{rng.choice(communes)},{rng.choice('12')},"
            f"09{rng.randrange(10**8):08d}"
        )
    return ("\n".join(lines) + "\n").encode()


class Run:
    """One gunicorn with `workers` workers on its own copy of the database, and its steps."""

    def __init__(self, name: str, workers: int, source, folder: str, args):
        config = {}
        if isinstance(source, str):  # PostgreSQL: a copy of the cached database, dropped at exit
            config["SQLALCHEMY_DATABASE_URI"] = fresh_database(f"{source}_{name}", template=source)
        else:
            shutil.copyfile(source, Path(folder) / "training.sqlite")
        app = make_app(folder, **config)  # migrates the copy to the current head
        self.budget = int(app.config["REPORT_CACHE_BYTES"])
        self.data = Data(app, args.certificates)
        with app.app_context():
            from training.extensions import db

            db.engine.dispose()
        env = dict(
            server_env(folder, app),
            TRAINING_RATELIMIT_ENABLED="false",
            WEB_CONCURRENCY=str(workers),
            GUNICORN_PRELOAD="0" if args.no_preload else "1",
        )
        self.workers, self.args = workers, args
        self.server = Server(name, "app:app", env)
        self.server.wait_ready("/healthz", timeout=120)
        self.clients = [Client(self.server.port) for _ in range(workers)]
        for client in self.clients:
            client.fetch("/")

    def memory(self) -> dict[str, int]:
        """The whole server's PSS and RSS summed, and the largest worker's RSS."""
        master = self.server.process.pid
        processes = [memory_of(pid) for pid in [master, *workers_of(master)]]
        workers = processes[1:]
        return {
            "pss": sum(p["pss"] for p in processes),
            "rss": sum(p["rss"] for p in processes),
            "worker_rss": max(p["rss"] for p in workers),
            "workers": len(workers),
        }

    def sweep(self) -> None:
        """Every client through every report of every period, each from its own place in the
        list; the requests answered with an error are kept in self.failed (count, of how many,
        which)."""
        data, args = self.data, self.args
        units = ["/reports/province", *[f"/reports/district?unit={u}" for u in data.districts[: args.districts]]]
        paths = [
            f"{unit}{'&' if '?' in unit else '?'}{period}{fmt}"
            for period in data.periods(args.months, args.wide)
            for unit in units
            for fmt in ("", "&format=xlsx", "&format=pdf")
        ]
        errors = []

        def walk(index: int, client: Client) -> None:
            start = index * len(paths) // len(self.clients)
            for path in paths[start:] + paths[:start]:
                try:
                    client.fetch(path)
                except OSError as exc:  # an HTTP error too
                    errors.append(f"{path} ({getattr(exc, 'code', exc)})")

        threads = [threading.Thread(target=walk, args=(n, c)) for n, c in enumerate(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.failed = (len(errors), len(paths) * len(self.clients), sorted(set(errors)))

    def warm_up(self) -> None:
        """Each kind of work once, on the least data: every client through a report of a year
        before the data (page, XLSX, PDF), then one import of 10 rows. What the process holds
        after this is its working set (modules first used, fonts, templates), the baseline
        the later steps are held to."""
        for client in self.clients:
            for fmt in ("", "&format=xlsx", "&format=pdf"):
                client.fetch(f"/reports/province?year={self.data.year - 1}{fmt}")
        self.import_trainees(10, "Học Viên Khởi Động")

    def import_trainees(self, rows: int | None = None, name: str = "Học Viên Nhập Số") -> None:
        client, data, rows = self.clients[0], self.data, rows or self.args.rows
        token = form_token(client.fetch("/trainees/import")[1])
        landed, page = client.fetch(
            "/trainees/import",
            {"csrf_token": token, "unit_id": data.import_unit},
            {"file": ("hoc-vien.csv", import_file(data.communes, rows, name))},
        )
        if f"Đã nhập {rows:,} học viên".replace(",", ".") not in page:  # 5.000: thousands set off by dots
            raise SystemExit(f"the import did not go through ({landed})")

    def certificates(self) -> None:
        """Issue the course's certificates and download the merged PDF, which must have a page
        for each."""
        from pypdf import PdfReader

        client, course = self.clients[0], self.data.course_id
        token = form_token(client.fetch(f"/courses/{course}/certificates/issue")[1])
        _landed, page = client.fetch(
            f"/courses/{course}/certificates/issue",
            {
                "csrf_token": token,
                "signer_title": "TRƯỞNG PHÒNG",
                "signer_name": "Hoàng Văn Ký",
                "place": "Yên Thế",
                "withheld_reason": "",
            },
        )
        said = re.search(r"Đã cấp (\d+) giấy chứng nhận", page)
        if not said:
            raise SystemExit("the certificates were not issued")
        issued = int(said.group(1))
        request = urllib.request.Request(f"{client.base}/courses/{course}/certificates.pdf")
        with client.opener.open(request, timeout=900) as response:
            pages = len(PdfReader(io.BytesIO(response.read())).pages)
        if pages != issued:
            raise SystemExit(f"the merged PDF has {pages} pages for {issued} certificates")
        self.issued = issued

    def stop(self) -> None:
        self.server.stop()


def scrypt_sign_in() -> tuple[int, int]:
    """The password check of a sign-in (werkzeug's scrypt hash, as User.set_password makes
    it), in a fresh process: how much its peak resident size grows while it runs, and what
    it keeps afterwards."""
    code = (
        "import sys\n"
        "from werkzeug.security import check_password_hash, generate_password_hash\n"
        "def status(key):\n"
        "    return next(int(l.split()[1]) * 1024 for l in open('/proc/self/status') if l.startswith(key))\n"
        "hashed = sys.argv[1]\n"
        "before = status('VmHWM')\n"
        "assert check_password_hash(hashed, 'mat-khau-thu')\n"
        "print(status('VmHWM') - before, status('VmRSS') - before)\n"
    )
    from werkzeug.security import generate_password_hash

    done = subprocess.run(
        [sys.executable, "-c", code, generate_password_hash("mat-khau-thu")], capture_output=True, text=True, check=True
    )
    peak, kept = (int(v) for v in done.stdout.split())
    return peak, kept


def mib(value: int) -> str:
    return f"{value / MiB:.0f} MiB"


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=50000, help="trainees in the province (50000)")
    parser.add_argument("--quick", action="store_true", help="fewer periods, rows and certificates, to check it works")
    parser.add_argument(
        "--no-preload",
        action="store_true",
        help="serve without preload_app (GUNICORN_PRELOAD=0): each worker loads the app itself",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1))),
        help="the whole server's workers (gunicorn.conf.py's count)",
    )
    args = parser.parse_args()
    args.months, args.wide, args.districts, args.rows, args.certificates = (
        (2, 1, 1, 500, 30) if args.quick else (12, 3, 2, 5000, 300)
    )
    report = Report("memory")
    source = cached_database(args.size, False)
    started = time.monotonic()
    for name, workers in (("one", 1), ("whole", args.workers)):
        with temp_instance(f"memory-{name}") as folder:
            run = Run(name, workers, source, folder, args)
            try:
                steps = [
                    ("after start", lambda: None),
                    ("after a warm-up (each kind of request once, on the least data)", run.warm_up),
                    (f"after the report sweep ({args.months} monthly + {args.wide} wide periods)", run.sweep),
                    (f"after importing {args.rows:,} trainees", run.import_trainees),
                    (f"after {args.certificates} certificates and their merged PDF", run.certificates),
                ]
                baseline = None
                for label, step in steps:
                    began = time.monotonic()
                    step()
                    seconds = time.monotonic() - began
                    seen = run.memory()
                    print(f"  {name} ({workers}): {label}: {seen} in {seconds:.0f} s", flush=True)
                    if workers == 1:
                        baseline = seen["worker_rss"] if step == run.warm_up else baseline
                        limit = baseline + run.budget if baseline else None
                        target = (
                            f"≤ {mib(limit)} (warm-up + budget {mib(run.budget)})"
                            if limit and step != run.warm_up
                            else ""
                        )
                        report.add(
                            f"one worker, RSS {label}",
                            mib(seen["worker_rss"]),
                            target,
                            seen["worker_rss"] <= limit if target else None,
                        )
                    else:
                        report.add(
                            f"whole server ({seen['workers']} workers), PSS {label}",
                            mib(seen["pss"]),
                            f"< {mib(WHOLE_SERVER_LIMIT)}",
                            seen["pss"] < WHOLE_SERVER_LIMIT,
                        )
                        report.add(
                            f"whole server, RSS summed / largest worker, {label}",
                            f"{mib(seen['rss'])} / {mib(seen['worker_rss'])}",
                        )
                report.note(f"{name}: {run.issued} certificates issued, the merged PDF has a page for each")
                failed, sent, which = run.failed
                report.add(
                    f"{'one worker' if workers == 1 else 'whole server'}: report requests answered with an error",
                    f"{failed} of {sent}",
                    "0",
                    failed == 0,
                )
                if which:
                    report.note(f"{name}: failed: " + "; ".join(which[:6]) + (" …" if len(which) > 6 else ""))
            finally:
                run.stop()
    peak, kept = scrypt_sign_in()
    report.add("a sign-in's password check (scrypt): peak growth / kept", f"{mib(peak)} / {mib(kept)}")
    report.note(
        f"N = {args.size:,} trainees, {'PostgreSQL' if isinstance(source, str) else 'SQLite'}; gunicorn.conf.py "
        f"({'without' if args.no_preload else 'with'} preload_app, gthread), driven over HTTP as the province admin; "
        f"{time.monotonic() - started:.0f} s in all. "
        "PSS counts a page the forked workers share once; RSS summed counts it in each."
    )
    report.print()
    report.write(args.json)


if __name__ == "__main__":
    main()
