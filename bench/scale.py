"""Benchmark: do the busiest pages stay flat as the province grows?

    .venv/bin/python bench/scale.py [--sizes 1000 50000] [--requests 60] [--rebuild] [--json PATH]

For each size N, `flask demo load --scale N` data (the demo province plus N trainees in
closed ~30-trainee courses with full attendance, built by training.demo_scale.load_scale) in
a SQLite file, or in PostgreSQL when DATABASE_URL names a server there (`make bench
DATABASE_URL=postgresql+psycopg://…`). Built databases are cached, keyed on the generator's
source and the migrations: in bench/results/scale-N.sqlite, copied to a throw-away instance
folder for each run; on PostgreSQL as the database <name>_scale_N (the key in its comment),
copied for each run with CREATE DATABASE … TEMPLATE and dropped afterwards. The copy is
migrated to the current head; --rebuild builds afresh. Both are analysed after the load, as
`flask demo load` does.

The pages are fetched with the Flask test client as the province admin, `requests` times each
after one warm-up, the sizes and pages taken in turn so that both sizes see the same machine;
a before_cursor_execute listener counts the SQL statements of each request. Reports are kept
between requests until what they count changes (training/reports/cache.py, training/stamps.py);
"…just after a change" moves a stamp before each request (see AFTER_A_CHANGE), so it
times the report being built; the reports' clock is held at the run's start
(pin_report_clock). Server time is the wall time of the request in the test client (median,
p95). Targets, per page: the same number of statements at every size; p95 at the largest
size within 2× of the p95 at the smallest (1.5× for the trainee searches).
"""

import gc
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    RESULTS,
    ROOT,
    Report,
    arguments,
    database_url,
    fresh_database,
    make_app,
    median,
    percentile,
    pg_admin,
    postgres_url,
    temp_instance,
)

GENERATOR = [
    ROOT / "training" / "demo_scale.py",
    ROOT / "training" / "demo.py",
    ROOT / "training" / "units" / "services.py",
]
#: the calendar for a week with as many sessions as the smallest size's (Site.as_busy_as)
AS_BUSY = "calendar, a week as busy at both sizes"
#: the reports fetched right after a report stamp moved: the district's, as by a check-in (or
#: any change) in that district, which rebuilds its figures and puts the province's together
#: again from the districts' kept ones; or every unit's, as by a unit renamed, which rebuilds
#: every district's. Timed after the other pages.
IN_DISTRICT = ("district report, just after a change in it", "province report, just after a change in a district")
EVERYWHERE = "province report, just after a change everywhere"
AFTER_A_CHANGE = (*IN_DISTRICT, EVERYWHERE)
#: the searches, served by a trigram index, are held to a closer ratio than the other pages
SEARCH_LIMIT = 1.5
#: a page slower than this on its warm-up request gets fewer timed requests (and says so)
SLOW_S = 3.0


def cache_key() -> str:
    """The generator's source and the migrations it was built with: a copy is migrated to
    the current head before use, which needs the revision it was built at to be known."""
    digest = hashlib.sha256()
    for path in GENERATOR:
        digest.update(path.read_bytes())
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.name.encode())
    return digest.hexdigest()[:16]


def build(size: int, target: Path | str) -> float:
    """Build the size-N database into `target` (a SQLite file, via a temporary folder; or the
    name of a PostgreSQL database, made afresh); seconds taken."""
    from training import demo
    from training.demo_scale import load_scale
    from training.extensions import analyze, db

    started = time.perf_counter()
    with temp_instance(f"build{size}") as folder:
        config = {}
        if isinstance(target, str):
            pg_admin(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
            pg_admin(f'CREATE DATABASE "{target}"')
            config["SQLALCHEMY_DATABASE_URI"] = database_url(target)
        app = make_app(folder, **config)
        with app.app_context():
            demo.load()
            db.session.commit()
            load_scale(size, echo=lambda text: print(f"    N={size}:{text}", flush=True))
            db.session.commit()
            analyze()
            if isinstance(target, Path):
                with db.engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            db.engine.dispose()
        if isinstance(target, Path):
            shutil.move(str(Path(folder) / "training.sqlite"), target)
    return time.perf_counter() - started


def cached_postgres_database(size: int, rebuild: bool) -> str:
    """The name of the size-N database on the DATABASE_URL server, built if missing or stale."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name, key = f"{make_url(postgres_url()).database}_scale_{size}", cache_key()
    engine = create_engine(database_url("postgres"))
    with engine.connect() as connection:
        comment = connection.exec_driver_sql(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %(name)s", {"name": name}
        ).scalar()
    engine.dispose()
    if rebuild or comment != key:
        print(f"  building N={size} (kept afterwards as the database {name})…", flush=True)
        seconds = build(size, name)
        pg_admin(f"COMMENT ON DATABASE \"{name}\" IS '{key}'")
        print(f"  N={size} built in {seconds:.0f} s", flush=True)
    return name


def cached_database(size: int, rebuild: bool) -> Path | str:
    if postgres_url():
        return cached_postgres_database(size, rebuild)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path, stamp = RESULTS / f"scale-{size}.sqlite", RESULTS / f"scale-{size}.json"
    key = cache_key()
    if not rebuild and path.exists() and stamp.exists() and json.loads(stamp.read_text()).get("key") == key:
        return path
    print(f"  building N={size} (cached afterwards in {path.relative_to(ROOT)})…", flush=True)
    path.unlink(missing_ok=True)
    seconds = build(size, path)
    stamp.write_text(json.dumps({"key": key, "size": size, "build_seconds": round(seconds, 1)}))
    print(f"  N={size} built in {seconds:.0f} s", flush=True)
    return path


class Site:
    """One size's app on a private copy of its database, with a statement counter."""

    def __init__(self, size: int, source: Path | str, folder: str):
        from flask_login import FlaskLoginClient
        from sqlalchemy import event, func, select

        from training.clock import to_local
        from training.courses.calendar import period_for, sessions_between
        from training.courses.models import Course, CourseSession
        from training.extensions import db
        from training.people.models import Trainee, User
        from training.units.models import Unit

        config = {}
        if isinstance(source, str):  # a PostgreSQL database: a copy of it, dropped at exit
            config["SQLALCHEMY_DATABASE_URI"] = fresh_database(f"{source}_run", template=source)
        else:
            shutil.copyfile(source, Path(folder) / "training.sqlite")
        self.size = size
        self.app = make_app(folder, **config)  # migrates the copy to the current head
        self.app.test_client_class = FlaskLoginClient
        self.statements = 0

        def count(*_args):
            self.statements += 1

        with self.app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
            admin = db.session.scalar(select(User).where(User.username == "admin"))
            self.client = self.app.test_client(user=admin)
            # A course of the scale data (closed, ~30 trainees, every session marked), the
            # week of its first session, and the first district.
            course_id = db.session.scalar(select(func.min(Course.id)).where(Course.code.like("%-S%")))
            first = db.session.scalar(
                select(func.min(CourseSession.starts_at)).where(CourseSession.course_id == course_id)
            )
            district = db.session.scalar(select(Unit.id).where(Unit.level == "district").order_by(Unit.name).limit(1))
            week = period_for("week", to_local(first).date())
            self.week_sessions = len(sessions_between(week.first, week.last))
            self.trainees = db.session.scalar(select(func.count()).select_from(Trainee))
            db.session.remove()
        self.pages = {
            "trainee list, first page": "/trainees",
            # a family name: a full first page at both sizes (60 and 3,390 hits), so both pages
            # show the same rows and only the search itself can differ
            "trainee list, search": "/trainees?q=nguyen",
            # one person's name (one trainee at N = 1,000, a dozen at 50,000): the search the
            # trigram index serves (training/people/search.py)
            "trainee list, search for one name": "/trainees?q=do+cong+khai",
            "course page": f"/courses/{course_id}",
            "calendar, a week with sessions": f"/calendar?view=week&date={first.date().isoformat()}",
            # set by as_busy_as(): the same page for a week with as many sessions at every size
            AS_BUSY: f"/calendar?view=week&date={first.date().isoformat()}",
            "district report": f"/reports/district?unit={district}",
            "province report": "/reports/province",
            IN_DISTRICT[0]: f"/reports/district?unit={district}",
            IN_DISTRICT[1]: "/reports/province",
            EVERYWHERE: "/reports/province",
        }
        self.district = district

    def as_busy_as(self, sessions: int) -> None:
        """Show, for the AS_BUSY page, the week whose session count is nearest `sessions`: the
        busiest week grows with the province, and drawing more sessions takes longer whatever
        the database's size; this row times the database's size alone."""
        from collections import Counter

        from sqlalchemy import select

        from training.clock import to_local
        from training.courses.calendar import week_start
        from training.courses.models import Course, CourseSession
        from training.extensions import db

        with self.app.app_context():
            starts = db.session.scalars(
                select(CourseSession.starts_at).join(Course).where(Course.status != "cancelled")
            )
            weeks = Counter(week_start(to_local(at).date()) for at in starts)
            db.session.remove()
        week, self.busy_sessions = min(weeks.items(), key=lambda item: (abs(item[1] - sessions), item[0]))
        self.pages[AS_BUSY] = f"/calendar?view=week&date={week.isoformat()}"

    def fetch(self, page: str) -> tuple[float, int]:
        from training.stamps import EVERY_UNIT

        if page in AFTER_A_CHANGE:
            self.touch_reports(EVERY_UNIT if page == EVERYWHERE else self.district)
        self.statements = 0
        started = time.perf_counter()
        response = self.client.get(self.pages[page])
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"N={self.size} {self.pages[page]}: HTTP {response.status_code}")
        return elapsed, self.statements

    def touch_reports(self, scope: int) -> None:
        """Move a report stamp as a committed change does (training/stamps.py)."""
        from training.extensions import db, insert_or_update
        from training.stamps import ReportStamp, new_version

        with self.app.app_context(), db.engine.begin() as connection:
            connection.execute(
                insert_or_update(ReportStamp, "scope", "version"), {"scope": scope, "version": new_version()}
            )

    def close(self) -> None:
        from training.extensions import db

        with self.app.app_context():
            db.engine.dispose()


def pin_report_clock() -> None:
    """Hold the reports' clock (training.reports.reading.utcnow, which the report cache reads
    too) at this moment for the rest of the run. A kept report is rightly built again when one
    of its district's sessions starts, and the demo has sessions at 13:30: a run going past
    one would count that request's extra district among the statements of a page, depending on
    the time of day the benchmark was started rather than on the province's size."""
    from training.reports import reading

    now = reading.utcnow()
    reading.utcnow = lambda: now


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 50000])
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page and size (60)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached databases")
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    report = Report("scale")

    sources = {size: cached_database(size, args.rebuild) for size in sizes}
    folders = [temp_instance(f"scale{size}") for size in sizes]
    sites = [Site(size, sources[size], folder.name) for size, folder in zip(sizes, folders)]
    for site in sites:
        site.as_busy_as(sites[0].week_sessions)
    pin_report_clock()
    gc.freeze()  # as gunicorn.conf.py's post_worker_init does in every worker, once the app is loaded
    try:
        pages = list(sites[0].pages)
        times = {(s.size, p): [] for s in sites for p in pages}
        counts = {(s.size, p): set() for s in sites for p in pages}
        runs = {}
        # Warm up the pages that move the report stamp first, so that the others are warm
        # (their reports kept) when timed; then time the others, then those.
        kept = [p for p in pages if p not in AFTER_A_CHANGE]
        for page in [*AFTER_A_CHANGE, *kept]:
            warm = max(site.fetch(page)[0] for site in sites)
            runs[page] = args.requests if warm < SLOW_S else max(5, args.requests // 4)
        for group in (kept, AFTER_A_CHANGE):
            for n in range(max(runs[p] for p in group)):
                for page in (p for p in group if n < runs[p]):
                    for site in sites:
                        elapsed, statements = site.fetch(page)
                        times[(site.size, page)].append(elapsed)
                        counts[(site.size, page)].add(statements)
    finally:
        for site in sites:
            site.close()
        for folder in folders:
            folder.cleanup()

    small, large = sizes[0], sizes[-1]
    report.note(
        "sessions in the calendar week shown: "
        + ", ".join(f"{s.week_sessions} at N={s.size:,}" for s in sites)
        + "; in the week as busy: "
        + ", ".join(f"{s.busy_sessions} at N={s.size:,}" for s in sites)
        + "; trainees in the database: "
        + ", ".join(f"{s.trainees:,}" for s in sites)
        + " (the demo's own included)"
    )
    report.note(
        f"database: {'PostgreSQL' if postgres_url() else 'SQLite'}; "
        f"sizes N = {', '.join(f'{s:,}' for s in sizes)}; test client as the admin; {args.requests} timed requests "
        f"per page and size after a warm-up, interleaved; statements per request from a before_cursor_execute listener."
    )
    for page in pages:
        stmt = {s: counts[(s, page)] for s in sizes}
        same = all(stmt[s] == stmt[small] for s in sizes) and len(stmt[small]) == 1
        shown = " vs ".join("/".join(str(c) for c in sorted(stmt[s])) for s in sizes)
        report.add(f"{page}: SQL statements (N={small:,} vs {large:,})", shown, "same", same)
        med = {s: median(times[(s, page)]) * 1000 for s in sizes}
        p95 = {s: percentile(times[(s, page)], 95) * 1000 for s in sizes}
        ratio = p95[large] / p95[small]
        fewer = f" ({runs[page]} requests)" if runs[page] != args.requests else ""
        report.add(f"{page}: median ms (N={small:,} vs {large:,}){fewer}", " vs ".join(f"{med[s]:.0f}" for s in sizes))
        limit = SEARCH_LIMIT if page.startswith("trainee list, search") else 2.0
        report.add(
            f"{page}: p95 ms (N={small:,} vs {large:,})",
            " vs ".join(f"{p95[s]:.0f}" for s in sizes) + f"  ({ratio:.1f}×)",
            f"≤ {limit:.1f}×",
            ratio <= limit,
        )
    report.print()
    report.write(args.json)


if __name__ == "__main__":
    main()
