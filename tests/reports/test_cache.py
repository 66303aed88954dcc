"""Reports kept between requests: served again while nothing they count has changed, built
afresh as soon as something has (in this process, in another, or by the clock)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select, text

from training.attendance import services as attendance
from training.attendance.models import Attendance
from training.clock import utcnow
from training.courses import services as courses
from training.courses.models import CourseSession
from training.extensions import db
from training.people import services as people
from training.people.models import Trainee
from training.reports import cache
from training.reports import services as report_services
from training.reports.models import ReportStamp
from training.units.models import Unit

from .conftest import YEAR
from .test_figures import body_rows, get_ok, page_tables

URL = f"/reports/province?year={YEAR}"


@pytest.fixture
def builds(world, monkeypatch):
    """Counts the reports actually built (not served from the cache)."""
    cache.clear()
    calls = []
    real = report_services.build_report

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(report_services, "build_report", counting)
    return calls


def enrolments_shown(client) -> int:
    """The "Tổng cộng" row's enrolment count on the province page."""
    total = body_rows(page_tables(get_ok(client, URL).get_data(as_text=True))["summary"])["Tổng cộng"]
    return int(total[3])


def stamp() -> int:
    return db.session.scalar(select(ReportStamp.version))


def an_unenrolled_pair(world):
    """A session of a running course, and a new trainee of its district and group, who may be
    enrolled in it."""
    session = next(s for s in db.session.scalars(select(CourseSession).order_by(CourseSession.id)) if s.course.status == "running")
    commune = db.session.scalars(select(Unit).where(Unit.parent_id == session.course.unit_id).order_by(Unit.id)).first()
    trainee = people.save_trainee(None, {
        "full_name": "Hoàng Thị Mới", "birth_date": date(1990, 5, 5), "gender": "female", "position": "Công chức",
        "commune_id": commune.id, "group": session.course.curriculum.groups[0], "phone": "",
    })
    db.session.commit()
    assert courses.enrolment_problems(session.course, [trainee]) == {}
    return session, trainee


def test_the_same_report_is_served_again_without_building_it(world, login, builds):
    client = login(world.users["admin"])
    first = get_ok(client, URL).get_data(as_text=True)
    assert len(builds) == 1
    for _ in range(3):
        assert get_ok(client, URL).get_data(as_text=True) == first
    assert get_ok(client, URL + "&format=xlsx").status_code == 200
    assert len(builds) == 1
    # Another period or another district is another report.
    get_ok(client, f"/reports/province?year={YEAR - 1}")
    get_ok(client, f"/reports/district?unit={world.unit_ids['A']}&year={YEAR}")
    assert len(builds) == 3


def test_a_committed_enrolment_shows_at_once(world, login, builds):
    client = login(world.users["admin"])
    before = enrolments_shown(client)
    session, trainee = an_unenrolled_pair(world)
    version = stamp()
    courses.enrol_many(session.course, [trainee])
    db.session.commit()
    assert stamp() != version
    assert enrolments_shown(client) == before + 1
    assert len(builds) == 2


def test_attendance_written_in_bulk_moves_the_stamp(world, login, builds):
    """ORM bulk statements (imports, the scale loader) pass no flush; they move it too."""
    client = login(world.users["admin"])
    get_ok(client, URL)
    session = db.session.scalars(select(CourseSession).order_by(CourseSession.id.desc())).first()
    marked = set(db.session.scalars(select(Attendance.trainee_id).where(Attendance.session_id == session.id)))
    enrolled = [e.trainee_id for e in session.course.enrolments if e.trainee_id not in marked]
    assert enrolled, "the fixture has a session with somebody unmarked"
    version = stamp()
    db.session.execute(insert(Attendance), [{"session_id": session.id, "trainee_id": enrolled[0], "status": "present",
                                             "method": "manual", "recorded_at": utcnow(), "device": "", "remark": ""}])
    db.session.commit()
    assert stamp() != version
    get_ok(client, URL)
    assert len(builds) == 2


def test_a_rolled_back_change_keeps_the_report(world, login, builds):
    client = login(world.users["admin"])
    get_ok(client, URL)
    version = stamp()
    trainee = db.session.scalars(select(Trainee)).first()
    trainee.group = "party_mass_org" if trainee.group == "commune_broadcast" else "commune_broadcast"
    db.session.flush()
    db.session.rollback()
    assert stamp() == version
    get_ok(client, URL)
    assert len(builds) == 1


def test_the_stamp_moves_at_commit_whatever_savepoints_did(world, builds):
    """A change written before a savepoint that is rolled back still counts; so does one
    made only inside a savepoint that is released; a transaction with no change leaves it."""
    trainees = db.session.scalars(select(Trainee).order_by(Trainee.id)).all()
    version = stamp()
    trainees[0].position = "Chuyên viên"
    db.session.flush()
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            trainees[1].position = "Hoàn lại"
            db.session.flush()
            raise RuntimeError
    assert stamp() == version  # nothing is written before the commit
    db.session.commit()
    assert stamp() != version

    version = stamp()
    with db.session.begin_nested():
        trainees[1].position = "Trong điểm lưu"
    db.session.commit()
    assert stamp() != version

    version = stamp()
    trainees[0].position = "Chưa ghi trước khi lưu"  # written by the commit's own flush
    db.session.commit()
    assert stamp() != version

    version = stamp()
    db.session.scalars(select(Trainee)).all()
    db.session.commit()
    assert stamp() == version


def test_a_change_made_by_another_process_is_seen(world, login, builds):
    """Another process shares only the database: its commit moves the row every process reads."""
    client = login(world.users["admin"])
    get_ok(client, URL)
    db.session.execute(text("UPDATE report_stamp SET version = version + 1"))
    db.session.commit()
    get_ok(client, URL)
    assert len(builds) == 2


def test_a_session_starting_makes_the_report_count_it(world, login, builds, monkeypatch):
    """Nothing is written when a session starts, yet it counts as held from then on."""
    client = login(world.users["admin"])
    get_ok(client, URL)
    now = report_services.utcnow()
    upcoming = db.session.scalar(select(CourseSession.starts_at).where(CourseSession.starts_at > now).order_by(CourseSession.starts_at))
    assert upcoming is not None, "the fixture has a session after 'now'"
    monkeypatch.setattr(report_services, "utcnow", lambda: upcoming - timedelta(minutes=1))
    get_ok(client, URL)
    assert len(builds) == 1
    monkeypatch.setattr(report_services, "utcnow", lambda: upcoming + timedelta(minutes=1))
    get_ok(client, URL)
    assert len(builds) == 2


def test_a_check_in_moves_the_stamp(world, builds):
    session, trainee = an_unenrolled_pair(world)
    version = stamp()
    result = attendance.check_in(session, trainee, "qr_badge", at=session.starts_at)
    assert result.reason == "not_enrolled"
    db.session.commit()
    assert stamp() == version  # a refused scan changes nothing a report counts
    enrolment = session.course.enrolments[0]
    attendance.mark(session, enrolment.trainee, "excused", "Ốm", world.users["admin"].id)
    db.session.commit()
    assert stamp() != version


def test_only_the_last_few_reports_are_kept(world, login, builds, monkeypatch):
    monkeypatch.setattr(cache, "KEEP", 2)
    client = login(world.users["admin"])
    for year in (YEAR, YEAR - 1, YEAR - 2):
        get_ok(client, f"/reports/province?year={year}")
    get_ok(client, f"/reports/province?year={YEAR - 2}")  # still kept
    assert len(builds) == 3
    get_ok(client, f"/reports/province?year={YEAR}")  # the oldest, dropped
    assert len(builds) == 4


def test_a_kept_report_holds_no_objects_of_the_database_session(world, login, builds):
    """It outlives its request, so it must neither hold nor detach that request's objects: a
    trainee's record opened in the same database session afterwards still loads its commune."""
    client = login(world.users["admin"])
    trainee = db.session.get(Trainee, world.trainee_ids["a1"])
    get_ok(client, URL)
    kept = cache.report(report_services.Period.year(YEAR))
    units = [kept.scope, *kept.units, *(c for communes in kept.communes.values() for c in communes)]
    assert units[1:] and all(isinstance(u, cache.UnitRef) for u in units if u is not None)
    assert trainee.commune in db.session
    assert get_ok(client, f"/trainees/{trainee.id}/record").status_code == 200


def test_a_kept_reports_charts_are_drawn_once_in_each_language(world, login, builds, monkeypatch):
    """Drawing the charts was most of a kept report's page time; they are kept with it."""
    from flask_babel import refresh

    from training.reports import charts

    drawn = []
    real = charts.report_drawings
    monkeypatch.setattr(charts, "report_drawings", lambda report, kind: drawn.append(kind) or real(report, kind))
    client = login(world.users["admin"])
    first = get_ok(client, URL).get_data(as_text=True)
    assert "Tỷ lệ tham dự theo chương trình" in first
    assert get_ok(client, URL).get_data(as_text=True) == first
    assert drawn == ["province"]
    client.post("/lang", data={"lang": "en", "next": "/"})
    refresh()  # the requests share the test's app context, where Flask-Babel keeps the locale it found first
    english = get_ok(client, URL).get_data(as_text=True)
    assert "Attendance rate by programme" in english and "Tỷ lệ tham dự theo chương trình" not in english
    assert drawn == ["province", "province"] and len(builds) == 1
