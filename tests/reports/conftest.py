"""Report fixtures: a small province of KNOWN data, written down as plain specs (who lives
where, which courses ran when, who attended what, who got which certificate) and then built
through the real services, so that a test can compute every figure from the specs alone.

The period is the calendar year 2025 and "now" is frozen at NOW_LOCAL (15/12/2025), so that
one session of the running course lies in the future and does not count as held.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time

import pytest
from flask_login import login_user
from sqlalchemy import select

from training.attendance import roster
from training.certificates.eligibility import record_score
from training.certificates.issuing import default_signer, issue_batch, issue_copy
from training.certificates.services import revoke
from training.clock import utc_at
from training.courses import services as courses
from training.courses.enrolment import enrol_many, withdraw
from training.courses.models import Enrolment
from training.courses.planning import save_session
from training.extensions import db
from training.people import services as people
from training.people.models import Trainee
from training.reports import reading
from training.reports import views as report_views
from training.units.models import Unit

CB, PM = "commune_broadcast", "party_mass_org"
YEAR = 2025
NOW_LOCAL = datetime(2025, 12, 15, 10, 0)
#: a commune whose name would run as a formula in Excel if the export did not escape it
FORMULA_COMMUNE = "=1+1"


@dataclass(frozen=True)
class CourseSpec:
    """One course as data. Sessions: one per day, the programme's modules in order, each
    lasting `hours` local time and counting `periods`."""

    key: str
    district: str
    programme: str
    #: the status it ends in: closed | running | cancelled | draft
    status: str
    days: tuple[date, ...]
    periods: int
    hours: tuple[time, time] = (time(8, 0), time(11, 0))
    enrolled: tuple[str, ...] = ()
    #: enrolled, marked as in `attendance`, then withdrawn
    withdrawn: tuple[str, ...] = ()
    #: trainee → one status (or None: no row) per session
    attendance: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)
    #: the day issue_batch runs (it must issue exactly to `certificates`), or None
    issued_on: date | None = None


@dataclass(frozen=True)
class CertificateSpec:
    course: str
    trainee: str
    issued_on: date
    revoked_on: date | None = None
    #: a replacement copy of the trainee's original (never counts as issued)
    copy: bool = False


@dataclass
class World:
    """The specs, and the ids of what was built from them."""

    districts: dict  # key → name
    communes: dict  # commune name → district key
    trainee_specs: dict  # key → (full name, commune name, group)
    course_specs: list
    certificate_specs: list
    unit_ids: dict = field(default_factory=dict)  # district key or commune name → id
    trainee_ids: dict = field(default_factory=dict)  # key → id
    course_ids: dict = field(default_factory=dict)  # key → id
    certificates: dict = field(default_factory=dict)  # (course key, trainee key, copy) → the certificate
    users: dict = field(default_factory=dict)


def d(month: int, day: int, year: int = YEAR) -> date:
    return date(year, month, day)


THREE_LEVEL_TRAINEES = {
    "a1": ("Nguyễn Văn An", "Xã Đồng Kỳ", CB),
    "a2": ("Trần Thị Bích", "Xã Hồng Kỳ", CB),
    "a3": ("Lê Văn Cường", "Xã Đồng Kỳ", PM),
    "a4": ("Phạm Thị Dung", "Thị trấn Phồn Xương", PM),
    "a5": ("Hoàng Văn Em", "Thị trấn Phồn Xương", CB),
    "b1": ("Vũ Thị Giang", "Xã Ngọc Thiện", CB),
    "b2": ("Đặng Văn Hải", "Xã Cao Xá", PM),
    "b3": ("Bùi Thị Lan", "Xã Cao Xá", CB),
    "b4": ("Đỗ Văn Minh", "Xã Liên Sơn", PM),
}

P, L, A, E = "present", "late", "absent", "excused"

THREE_LEVEL_COURSES = [
    # District A ------------------------------------------------------------------------------
    # closed, in March: a1 completes (late counts), a2 does not (absent + excused), a5 attended
    # once and withdrew (counts nowhere)
    CourseSpec(
        "A1",
        "A",
        "CT1",
        "closed",
        (d(3, 3), d(3, 4), d(3, 5)),
        4,
        enrolled=("a1", "a2", "a5"),
        withdrawn=("a5",),
        attendance={"a1": (P, P, L), "a2": (P, A, E), "a5": (P, None, None)},
        issued_on=d(3, 10),
    ),
    # running: the first session was held; the second starts half an hour after "now", and a3
    # has already checked in for it (check-in opens before the start), which does not count yet
    CourseSpec(
        "A2",
        "A",
        "CT3",
        "running",
        (d(12, 8), d(12, 15)),
        4,
        (time(10, 30), time(13, 30)),
        enrolled=("a3", "a4"),
        attendance={"a3": (P, P), "a4": (A, None)},
    ),
    # cancelled after one session: nothing of it counts
    CourseSpec(
        "A3",
        "A",
        "CT4",
        "cancelled",
        (d(4, 7), d(4, 8), d(4, 9), d(4, 10)),
        8,
        (time(7, 30), time(17, 0)),
        enrolled=("a3",),
        attendance={"a3": (P, None, None, None)},
    ),
    # outside the period (December 2024); its certificate is revoked in 2025
    CourseSpec(
        "A4",
        "A",
        "CT2",
        "closed",
        (d(12, 2, 2024), d(12, 3, 2024), d(12, 4, 2024), d(12, 5, 2024)),
        8,
        (time(7, 30), time(17, 0)),
        enrolled=("a1",),
        attendance={"a1": (P, P, P, P)},
        scores={"a1": 8},
        issued_on=d(12, 10, 2024),
    ),
    # draft, with an enrolment: nothing of it counts
    CourseSpec("A5", "A", "CT1", "draft", (d(10, 6), d(10, 7), d(10, 8)), 4, enrolled=("a5",)),
    # closed, nobody completes: a1 fails the assessment, a2 misses a session (excused)
    CourseSpec(
        "A6",
        "A",
        "CT2",
        "closed",
        (d(9, 8), d(9, 9), d(9, 10), d(9, 11)),
        8,
        (time(7, 30), time(17, 0)),
        enrolled=("a1", "a2"),
        attendance={"a1": (P, P, P, P), "a2": (P, P, P, E)},
        scores={"a1": 4, "a2": 6},
    ),
    # District B ------------------------------------------------------------------------------
    # closed in June: b1 completes (certificate later revoked), b3 attends 75 % < 80 %
    CourseSpec(
        "B1",
        "B",
        "CT2",
        "closed",
        (d(6, 2), d(6, 3), d(6, 4), d(6, 5)),
        8,
        (time(7, 30), time(17, 0)),
        enrolled=("b1", "b3"),
        attendance={"b1": (P, P, P, P), "b3": (P, P, L, A)},
        scores={"b1": 7, "b3": 9},
        issued_on=d(6, 10),
    ),
    # across the new year: one session in 2024, one in 2025
    CourseSpec(
        "B2",
        "B",
        "CT3",
        "closed",
        (d(12, 30, 2024), d(1, 2)),
        4,
        enrolled=("b2",),
        attendance={"b2": (P, P)},
        issued_on=d(1, 5),
    ),
    # draft
    CourseSpec("B3", "B", "CT3", "draft", (d(11, 3), d(11, 4)), 4, enrolled=("b4",)),
]

THREE_LEVEL_CERTIFICATES = [
    CertificateSpec("A1", "a1", d(3, 10)),
    CertificateSpec("A1", "a1", d(6, 1), copy=True),
    CertificateSpec("A4", "a1", d(12, 10, 2024), revoked_on=d(2, 10)),
    CertificateSpec("B1", "b1", d(6, 10), revoked_on=d(9, 1)),
    CertificateSpec("B2", "b2", d(1, 5)),
]


@pytest.fixture
def frozen_now(monkeypatch):
    """Freeze "now" for the report: which sessions have started, and the default year."""
    monkeypatch.setattr(reading, "utcnow", lambda: utc_at(NOW_LOCAL.date(), NOW_LOCAL.time()))
    monkeypatch.setattr(report_views, "local_today", lambda: NOW_LOCAL.date())
    return NOW_LOCAL


def build_world(app, world: World, admin) -> World:
    """Create trainees, courses, sessions, enrolments, attendance, scores and certificates
    from the specs, through the services, as the admin (trainers of each district teach)."""
    with app.test_request_context():
        login_user(admin)
        for key, (name, commune, group) in world.trainee_specs.items():
            trainee = people.save_trainee(
                None,
                {
                    "full_name": name,
                    "birth_date": date(1980, 1, 1 + len(world.trainee_ids)),
                    "gender": "male",
                    "position": "Công chức",
                    "commune_id": world.unit_ids[commune],
                    "group": group,
                    "phone": "",
                },
            )
            db.session.flush()
            world.trainee_ids[key] = trainee.id
        for spec in world.course_specs:
            _build_course(world, spec, admin)
        db.session.commit()
    return world


def _build_course(world: World, spec: CourseSpec, admin) -> None:
    trainer = world.users[f"trainer.{spec.district}"]
    venue = f"Hội trường {spec.key}"
    course = courses.create_course(
        world.unit_ids[spec.district], spec.programme, "", venue, spec.days[0], 40, [trainer.id]
    )
    modules = [m.code for m in course.curriculum.modules]
    assert len(modules) == len(spec.days), f"{spec.key}: one session per module"
    sessions = [
        save_session(course, None, module, day, *spec.hours, venue, trainer.id, spec.periods)
        for module, day in zip(modules, spec.days)
    ]
    assert sum(s.periods for s in sessions) == course.curriculum.periods
    world.course_ids[spec.key] = course.id
    trainees = {key: db.session.get(Trainee, world.trainee_ids[key]) for key in spec.enrolled}
    if spec.status != "draft":
        courses.change_status(course, "open")
        courses.change_status(course, "running")
    if trainees:
        enrol_many(course, list(trainees.values()))
    for key, statuses in spec.attendance.items():
        for session, status in zip(sessions, statuses):
            if status:
                roster.mark(session, trainees[key], status, "", admin.id)
    for key in spec.withdrawn:
        enrolment = db.session.scalar(
            select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.trainee_id == trainees[key].id)
        )
        withdraw(enrolment, "Chuyển công tác")
    enrolments = {e.trainee_id: e for e in course.enrolments}
    for key, score in spec.scores.items():
        record_score(enrolments[trainees[key].id], score, admin.id)
    if spec.status == "closed":
        courses.change_status(course, "closed")
    elif spec.status == "cancelled":
        courses.change_status(course, "cancelled", "Thiếu kinh phí")
    if spec.issued_on:
        signer = default_signer(course)
        signer.name = "Nguyễn Văn Ký"
        issued = issue_batch(course, signer, admin.id, on=spec.issued_on)
        expected = {c.trainee for c in world.certificate_specs if c.course == spec.key and not c.copy}
        by_id = {v: k for k, v in world.trainee_ids.items()}
        assert {by_id[c.enrolment.trainee_id] for c in issued} == expected, f"{spec.key}: issue_batch issued to others"
        for certificate in issued:
            key = by_id[certificate.enrolment.trainee_id]
            cert_spec = next(
                c for c in world.certificate_specs if (c.course, c.trainee, c.copy) == (spec.key, key, False)
            )
            certificate.issued_at = utc_at(cert_spec.issued_on, time(9, 0))
            world.certificates[(spec.key, key, False)] = certificate
        for cert_spec in world.certificate_specs:
            if cert_spec.course != spec.key:
                continue
            original = world.certificates[(spec.key, cert_spec.trainee, False)]
            if cert_spec.copy:
                copy = issue_copy(original, signer, admin.id, on=cert_spec.issued_on)
                copy.issued_at = utc_at(cert_spec.issued_on, time(9, 0))
                world.certificates[(spec.key, cert_spec.trainee, True)] = copy
            if cert_spec.revoked_on:
                target = world.certificates[(spec.key, cert_spec.trainee, cert_spec.copy)]
                revoke(target, "error", "Cấp nhầm", admin.id)
                target.revoked_at = utc_at(cert_spec.revoked_on, time(14, 0))
    db.session.flush()


@pytest.fixture
def world(app, units, admin, trainer_a, trainer_b, frozen_now) -> World:
    """The three-level province of the `units` fixture (districts A and B), plus a commune
    named like a formula in district B, with the courses above."""
    formula = Unit(map="pre2025", code="7304", name=FORMULA_COMMUNE, level="commune", parent=units["B"])
    db.session.add(formula)
    db.session.commit()
    communes = {u.name: key for key in ("A", "B") for u in units[key].children}
    built = World(
        districts={"A": units["A"].name, "B": units["B"].name},
        communes=communes,
        trainee_specs=THREE_LEVEL_TRAINEES,
        course_specs=THREE_LEVEL_COURSES,
        certificate_specs=THREE_LEVEL_CERTIFICATES,
        unit_ids={
            "A": units["A"].id,
            "B": units["B"].id,
            **{name: units[name].id if name in units else formula.id for name in communes},
        },
        users={"admin": admin, "trainer.A": trainer_a, "trainer.B": trainer_b},
    )
    return build_world(app, built, admin)


@pytest.fixture
def flat_world(app, frozen_now) -> World:
    """The two-level structure (since 7/2025): communes hang straight under the province,
    whose trainers run the courses."""
    from tests.conftest import PASSWORD

    province = Unit(map="pre2025", code="98", name="Tỉnh Thử Nghiệm", level="province")
    communes = {
        name: Unit(map="pre2025", code=code, name=name, level="commune", parent=province)
        for code, name in (("9801", "Phường Một"), ("9802", "Xã Hai"), ("9803", "Xã Ba"))
    }
    db.session.add(province)
    db.session.flush()
    admin = people.create_user("admin", PASSWORD, "Quản trị", "admin")
    trainer = people.create_user("trainer.p", PASSWORD, "Giảng viên tỉnh", "trainer", province.id)
    db.session.commit()
    built = World(
        districts={"P": province.name},
        communes={name: "P" for name in communes},
        trainee_specs={
            "p1": ("Lý Văn Một", "Phường Một", CB),
            "p2": ("Mai Thị Hai", "Xã Hai", PM),
            "p3": ("Hà Văn Ba", "Xã Hai", CB),
        },
        course_specs=[
            CourseSpec(
                "P1",
                "P",
                "CT1",
                "closed",
                (d(5, 5), d(5, 6), d(5, 7)),
                4,
                enrolled=("p1", "p3"),
                attendance={"p1": (P, P, P), "p3": (P, A, A)},
                issued_on=d(5, 12),
            ),
            CourseSpec(
                "P2", "P", "CT3", "running", (d(12, 1), d(12, 29)), 4, enrolled=("p2",), attendance={"p2": (L, None)}
            ),
        ],
        certificate_specs=[CertificateSpec("P1", "p1", d(5, 12))],
        unit_ids={"P": province.id, **{name: unit.id for name, unit in communes.items()}},
        users={"admin": admin, "trainer.P": trainer},
    )
    return build_world(app, built, admin)
