"""Benchmark: the attendance sheet of a big course, as PDF and XLSX.

    .venv/bin/python bench/attendance_sheet.py [--runs 5] [--trainees 300] [--sessions 40] [--json PATH]

A course of 300 trainees and 40 sessions, every trainee marked in every session, in a
throw-away SQLite file; the documents are fetched through their views
(/courses/<id>/attendance.pdf and .xlsx) with the Flask test client as the course's trainer,
so the time includes the queries, the sheet data and the document. The two are fetched in
turn, `runs` times each after one warm-up, and the median is reported (the HTML print page too,
without a target). Target: under 2 s each.

Then each document (and the blank sign-in sheet) once more under tracemalloc: the peak of the
Python memory held while it is built and sent, the request's own working set included. Target:
under 5 MiB each (a sheet of 300 × 40 held a cell style for every cell: 12.5 MiB for the PDF).
"""

import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Report, arguments, make_app, median, temp_instance

TARGET_S = 2.0
PEAK_TARGET = 5 * 2**20


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each document (5)")
    parser.add_argument("--trainees", type=int, default=300)
    parser.add_argument("--sessions", type=int, default=40)
    args = parser.parse_args()
    report = Report("attendance sheet")

    with temp_instance("sheet") as instance:
        app = make_app(instance)
        from fixtures import build_course
        from flask_login import FlaskLoginClient
        from sqlalchemy import select

        from training.extensions import db
        from training.people.models import User

        app.test_client_class = FlaskLoginClient
        with app.app_context():
            built = build_course(args.trainees, args.sessions, marked=True)
            user = db.session.scalar(select(User).where(User.username == built.trainer_username))
            client = app.test_client(user=user)
            db.session.remove()
        urls = {
            "PDF": f"/courses/{built.course_id}/attendance.pdf",
            "XLSX": f"/courses/{built.course_id}/attendance.xlsx",
            "HTML page": f"/courses/{built.course_id}/attendance",
        }
        times = {name: [] for name in urls}
        cpu = {name: [] for name in urls}
        sizes = {}
        for run in range(args.runs + 1):
            for name, url in urls.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code}")
                sizes[name] = len(response.data)
                if run:  # the first run warms fonts and caches
                    times[name].append(elapsed)
                    cpu[name].append(elapsed_cpu)
        peaks = {}
        for name, url in {
            "PDF": urls["PDF"],
            "XLSX": urls["XLSX"],
            "sign-in sheet PDF": f"/courses/{built.course_id}/signin-sheet.pdf",
        }.items():
            client.get(url)  # its fonts and templates loaded first, as in a serving process
            tracemalloc.start()
            response = client.get(url)
            peaks[name] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
        with app.app_context():
            db.engine.dispose()

    report.note(
        f"{args.trainees} trainees × {args.sessions} sessions, all marked; through the views with the test client; "
        f"median of {args.runs} runs after a warm-up (all runs, s: "
        + "; ".join(f"{n} " + " ".join(f"{t:.2f}" for t in ts) for n, ts in times.items())
        + ")"
    )
    report.note(
        "CPU time of this process, median (s): "
        + "; ".join(f"{n} {median(ts):.2f}" for n, ts in cpu.items())
        + " (wall above CPU is time the machine gave to others)"
    )
    for name in ("PDF", "XLSX"):
        value = median(times[name])
        report.add(
            f"{name} ({sizes[name] // 1024} kB), median", f"{value:.2f} s", f"< {TARGET_S:.0f} s", value < TARGET_S
        )
    report.add(f"HTML print page ({sizes['HTML page'] // 1024} kB), median", f"{median(times['HTML page']):.2f} s")
    for name, peak in peaks.items():
        report.add(
            f"{name}: peak memory while built (tracemalloc)",
            f"{peak / 2**20:.1f} MiB",
            f"< {PEAK_TARGET / 2**20:.0f} MiB",
            peak < PEAK_TARGET,
        )
    report.print()
    report.write(args.json)


if __name__ == "__main__":
    main()
