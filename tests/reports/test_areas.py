"""Reports on today's map: by area and by the commune a trainee was enrolled from, so that
a 2024 report still counts the old map's units after the conversion to the 2025 one; and
the kept reports' memory: counts, and ids only in a compact form, within a byte budget."""

import io
import subprocess
from datetime import date
from types import SimpleNamespace

import pytest
from flask import current_app
from openpyxl import load_workbook
from sqlalchemy import func, insert, select

from training.certificates.models import Certificate
from training.courses.enrolment import course_communes, enrol_many, withdraw
from training.courses.models import Course, Enrolment
from training.extensions import db
from training.people import services as people
from training.people.models import Trainee, User
from training.reports import cache, counting, merging, places
from training.reports.figures import TABLES, Period, Report, Tally
from training.units.models import MAP_2025, MAP_PRE2025, Area, Unit

from .conftest import YEAR
from .test_cache import assert_same_figures
from .test_figures import body_rows, get_ok, page_tables

HISTORY = Period.year(2024)


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    cache.clear()
    return app


def this_year() -> Period:
    """The year of the demo's running courses."""
    running = db.session.scalar(select(Course.starts_on).where(Course.status == "running").limit(1))
    return Period.year(running.year)


def province_2025() -> Unit:
    return db.session.scalar(select(Unit).where(Unit.map == MAP_2025, Unit.level == "province"))


def figures(report: Report) -> dict:
    """Every count of a report, by table and key, with the units and communes it lists."""
    tables = {
        name: {
            key: (
                t.courses,
                t.sessions,
                t.trainees,
                t.enrolments,
                t.attended_periods,
                t.scheduled_periods,
                t.completions,
                t.certificates_issued,
                t.certificates_revoked,
                t.groups,
            )
            for key, t in getattr(report, name).items()
        }
        for name in ("total", *TABLES)
        if name != "total"
    }
    total = report.total
    return {
        "total": (total.courses, total.trainees, total.enrolments, total.completions, total.certificates_issued),
        **tables,
        "units": [(u.map, u.code) for u in report.units],
        "communes": {k: [c.code for c in v] for k, v in report.communes.items()},
    }


def test_a_2024_report_counts_the_old_map_and_stays_the_same_after_the_conversion(demo):
    """The demo's 2024 course of Huyện Yên Thế: its trainees are counted in their old
    communes, before and after `flask units convert` moves them to today's map."""
    yen_the = db.session.scalar(select(Unit).where(Unit.map == MAP_PRE2025, Unit.code == "215"))
    area = places.unit_area(yen_the)
    before = counting.build_report(HISTORY), counting.build_report(HISTORY, area=area)
    province, district = before
    assert province.total.trainees == province.total.completions == 10
    assert {u.map for u in province.units} == {MAP_PRE2025} and yen_the in province.units
    counted = db.session.scalars(select(Unit).where(Unit.id.in_(province.by_commune)))
    assert {c.parent_id for c in counted} == {yen_the.id}
    assert figures(district)["total"] == figures(province)["total"]

    result = demo.test_cli_runner().invoke(args=["units", "convert", "--province", "24", "--yes"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert {db.session.get(Unit, t.commune_id).map for t in db.session.scalars(select(Trainee))} == {MAP_2025}
    after = counting.build_report(HISTORY), counting.build_report(HISTORY, area=area)
    assert [figures(r) for r in after] == [figures(r) for r in before]


def test_the_demo_counts_its_2024_certificates_in_2024_and_not_in_the_year_of_loading(demo):
    """The 2024 course's certificates were issued in 2024: that year's report counts them,
    today's does not (they once carried the time the demo was loaded)."""
    old_course = db.session.scalar(select(Course).where(Course.starts_on < date(2025, 1, 1)))
    of_old_course = Certificate.enrolment_id.in_(select(Enrolment.id).where(Enrolment.course_id == old_course.id))
    old_certificates = db.session.scalars(select(Certificate).where(of_old_course)).all()
    assert old_certificates and {c.issued_at.year for c in old_certificates} == {2024}
    assert counting.build_report(HISTORY).total.certificates_issued == len(old_certificates)
    today_certificates = db.session.scalar(
        select(func.count()).select_from(Certificate).where(~of_old_course, Certificate.copy_number == 0)
    )
    assert counting.build_report(this_year()).total.certificates_issued == today_certificates


def test_the_province_report_of_today_lists_its_communes_with_the_areas_as_subtotals(demo):
    period = this_year()
    report = counting.build_report(period)
    province = province_2025()
    assert [u.id for u in report.units] == [province.id]  # no empty district of the old map
    assert len(report.communes[province.id]) == 99
    clusters = list(db.session.scalars(select(Area).order_by(Area.name)))
    assert [a.key for a in report.areas] == [f"a{a.id}" for a in clusters]
    for area in clusters:
        ids = {c.id for c in area.communes}
        held = select(Course.id).where(
            Course.status.in_(("running", "closed")), Course.starts_on <= period.end, Course.ends_on >= period.start
        )
        people = set(
            db.session.scalars(
                select(Enrolment.trainee_id).where(
                    Enrolment.commune_id.in_(ids), Enrolment.status == "enrolled", Enrolment.course_id.in_(held)
                )
            )
        )
        subtotal = report.by_area[f"a{area.id}"]
        assert people and subtotal.trainees == len(people)
        assert subtotal.enrolments == sum(report.by_commune[c].enrolments for c in ids if c in report.by_commune)
        # an area's own report counts the same
        assert counting.build_report(period, area=places.area_ref(area)).total.trainees == len(people)
    # the province put together from its units' parts counts as the province at once
    parts = [counting.build_report(period, unit, keep_people=True) for unit in merging.reporting_units()]
    assert_same_figures(merging.merge_reports(period, parts), report)


def test_the_province_page_and_files_show_the_areas_as_subtotals_and_no_lone_province_row(demo, login):
    """Today's province is one unit: its row would repeat the total, so the page, the XLSX
    and the PDF give the areas' subtotals instead."""
    from training.reports.exports import report_tables

    admin = db.session.scalar(select(User).where(User.role == "admin"))
    year = this_year().start.year
    report = counting.build_report(this_year())
    titles = [title for _sheet, title, _rows in report_tables(report, "province")]
    assert "Theo địa bàn" in titles and "Theo huyện" not in titles
    page = get_ok(login(admin), f"/reports/province?year={year}").get_data(as_text=True)
    assert 'id="by-area"' in page and 'id="by-unit"' not in page
    client = login(admin)
    workbook = load_workbook(io.BytesIO(get_ok(client, f"/reports/province?year={year}&format=xlsx").data))
    assert "Theo địa bàn" in workbook.sheetnames and "Theo huyện" not in workbook.sheetnames
    sheet_labels = {row[0] for row in workbook["Theo địa bàn"].iter_rows(values_only=True)}
    pdf = subprocess.run(
        ["pdftotext", "-", "-"],
        input=get_ok(client, f"/reports/province?year={year}&format=pdf").data,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for area in db.session.scalars(select(Area)):
        assert area.name in page and area.name in sheet_labels and area.name in pdf
    old = report_tables(counting.build_report(HISTORY), "province")
    assert "Theo huyện" in [title for _sheet, title, _rows in old]  # the old map's districts stay


def test_a_year_with_nothing_held_is_a_report_of_zeros(demo, login):
    """Every unit that ever ran a course has a part, empty in such a year."""
    with current_app.test_request_context():
        report = cache.report(Period.year(2030))
    assert len(cache._entries) == len(merging.reporting_units()) + 1
    assert report.total == Tally() and len(report.communes[province_2025().id]) == 99


def test_a_trainer_opens_the_report_of_their_area_and_the_admin_chooses_any(demo, login):
    trainer = db.session.scalar(select(User).where(User.username == "trainer"))
    client = login(trainer)
    year = this_year().start.year
    for url in (f"/reports/area?year={year}", f"/reports/district?year={year}&unit={province_2025().id}"):
        tables = page_tables(get_ok(client, url).get_data(as_text=True))
        assert set(body_rows(tables["by-commune"])) == {c.name for c in trainer.area.communes}
    admin = login(db.session.scalar(select(User).where(User.username == "admin")))
    other = db.session.scalar(select(Area).where(Area.id != trainer.area_id))
    html = get_ok(admin, f"/reports/area?year={year}&area=a{other.id}").get_data(as_text=True)
    assert set(body_rows(page_tables(html)["by-commune"])) == {c.name for c in other.communes}
    assert f'<option value="a{other.id}" selected>' in html
    # the first choice without one: an area, never a unit without communes
    first = get_ok(admin, f"/reports/area?year={year}").get_data(as_text=True)
    chosen = places.report_areas()[0]
    assert chosen.key == f"a{min(db.session.scalars(select(Area)), key=lambda a: a.name).id}"
    assert f'<option value="{chosen.key}" selected>' in first
    assert len(body_rows(page_tables(first)["by-commune"])) == len(chosen.commune_ids) > 0
    assert admin.get(f"/reports/area?area=a987654&year={year}").status_code == 404
    assert admin.get(f"/reports/area?area=abc&year={year}").status_code == 404


def test_every_enrolment_keeps_the_commune_of_its_trainee_when_enrolled(demo):
    course = db.session.scalar(select(Course).where(Course.status == "open").limit(1))
    group = course.curriculum.groups[0]
    first_commune, second_commune = [c.id for c in course_communes(course)[:2]]  # a cụm course takes its cụm's
    with current_app.test_request_context():
        trainee, other = (
            people.save_trainee(
                None,
                {
                    "full_name": name,
                    "birth_date": date(1990, 1, 2),
                    "gender": "female",
                    "position": "Công chức",
                    "commune_id": first_commune,
                    "group": group,
                    "phone": "",
                },
            )
            for name in ("Đinh Thị Mới", "Tạ Văn Mới")
        )
        enrolment = enrol_many(course, [trainee])[0]
        assert enrolment.commune_id == first_commune
        # moved, withdrawn and enrolled again: the commune of the new enrolment
        trainee.commune_id = second_commune
        withdraw(enrolment, "Chuyển công tác")
        enrol_many(course, [trainee])
        assert enrolment.commune_id == trainee.commune_id
    # an insert that names no commune (a bulk load) takes the trainee's
    db.session.execute(insert(Enrolment), [{"course_id": course.id, "trainee_id": other.id, "status": "enrolled"}])
    assert (
        db.session.scalar(
            select(Enrolment.commune_id).where(Enrolment.trainee_id == other.id, Enrolment.course_id == course.id)
        )
        == other.commune_id
    )


# --- what kept reports hold ---------------------------------------------------------------------


def _reachable(obj, seen=None):
    """Every object a kept report reaches, as entry_size walks it."""
    seen = set() if seen is None else seen
    stack = [obj]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif hasattr(item, "__dataclass_fields__"):
            stack.extend(getattr(item, name) for name in item.__dataclass_fields__)


def test_kept_reports_hold_counts_and_compact_ids_only(world, login):
    from array import array

    client = login(world.users["admin"])
    for _ in range(2):  # the charts drawn at the first are measured at the second
        get_ok(client, f"/reports/province?year={YEAR}")
    entries = list(cache._entries.values())
    assert len(entries) == 3  # the province and its two districts' parts
    for entry in entries:
        held = list(_reachable(entry.report))
        assert not [s for s in held if isinstance(s, (set, frozenset)) and any(isinstance(v, int) for v in s)]
        arrays = [a for a in held if isinstance(a, array)]
        if entry.report.people is None:  # the province: counts only
            assert arrays == []
        else:
            assert arrays and all(list(a) == sorted(set(a)) for a in arrays)
        assert entry.size == cache.entry_size(entry.report) >= sum(a.itemsize * len(a) for a in arrays)
    assert cache.kept_bytes() == sum(entry.size for entry in entries)


def test_the_byte_budget_drops_the_oldest_reports_first(app, monkeypatch):
    """A fake report whose size is its number: the budget, then the count, then an entry
    bigger than the budget."""
    monkeypatch.setattr(cache, "entry_size", lambda report: report.size)
    monkeypatch.setitem(current_app.config, "REPORT_CACHE_BYTES", 1000)
    monkeypatch.setitem(current_app.config, "REPORT_CACHE_ENTRIES", 4)
    cache.clear()

    def keep(name, size):
        cache._keep(name, cache._Entry(None, None, SimpleNamespace(size=size, svgs={})))
        return list(cache._entries)

    assert keep("a", 400) == ["a"]
    assert keep("b", 400) == ["a", "b"]
    assert keep("c", 300) == ["b", "c"]  # 1,100 bytes: the oldest goes
    assert cache.kept_bytes() == 700
    assert keep("b", 100) == ["c", "b"]  # kept again: now the newest
    assert keep("d", 10) == ["c", "b", "d"]
    assert keep("e", 10) == ["c", "b", "d", "e"]
    assert keep("f", 10) == ["b", "d", "e", "f"]  # the count
    assert keep("g", 2000) == []  # bigger than the whole budget: nothing kept
    assert cache.kept_bytes() == 0


def test_a_cluster_given_other_communes_is_counted_afresh(demo):
    """An Area's communes are no course data, but the province's subtotals count them."""
    from training.stamps import EVERY_UNIT, ReportStamp

    period = this_year()
    with current_app.test_request_context():
        kept = cache.report(period)
        area = db.session.scalar(select(Area).order_by(Area.id).limit(1))
        before = db.session.get(ReportStamp, EVERY_UNIT).version
        area.communes = area.communes[:1]
        db.session.commit()
        assert db.session.get(ReportStamp, EVERY_UNIT).version != before
        again = cache.report(period)
    assert again is not kept
    assert again.by_area[f"a{area.id}"] == counting.build_report(period).by_area[f"a{area.id}"]
    assert again.by_area[f"a{area.id}"] != kept.by_area[f"a{area.id}"]
