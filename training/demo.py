"""Demo data: today's Bắc Ninh (the map of 1/7/2025) with the Sở Văn hóa, Thể thao và Du lịch
as organiser, two trainers each working in an area of five communes (a cụm), trainees and 2026 courses;
plus, to show history, one 2024 course of the former Huyện Yên Thế (old Bắc Giang, on the
pre-2025 map) with the certificates its Phòng Văn hóa và Thông tin issued then. That
course's trainees are still on the old map: converting them is the admin's first task
(`flask units convert --province 24`, or the units page).

Deterministic (a fixed random seed), so every fresh install shows the same people. Course
dates are relative to the day of loading, so there is always a course in the past, one under
way today and one coming up.
"""

import random
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from .attendance import roster
from .certificates.eligibility import record_score
from .certificates.issuing import default_signer, issue_batch
from .certificates.services import CertificateError
from .clock import local_today, to_utc, utcnow
from .courses import services as courses
from .courses.enrolment import eligible_by_filter, enrol_many
from .courses.models import Course
from .courses.planning import generate_sessions
from .curricula import catalogue
from .extensions import db
from .people import services as people
from .people.models import Trainee, User
from .units import issuers
from .units.areas import save_area
from .units.models import MAP_2025, MAP_PRE2025, Area, IssuerSetting, Unit
from .units.services import find, load_province

PASSWORD = "taphuan-demo"
PROVINCE_CODE = 24
#: username → (role, full name, works in the new province)
ACCOUNTS = {
    "admin": ("admin", "Nguyễn Thị Thanh Hà", False),
    "trainer": ("trainer", "Trần Văn Khánh", True),
    "trainer2": ("trainer", "Lê Thị Minh Phương", True),
    "hocvien": ("trainee", "Hoàng Thị Lan", False),
}
#: trainer username → the area (a cụm of communes on today's map) they work in: the former
#: Yên Thế and Tân Yên, each now five communes of Bắc Ninh
CLUSTERS = {
    "trainer": ("Xã Xuân Lương", "Xã Yên Thế", "Xã Bố Hạ", "Xã Tam Tiến", "Xã Đồng Kỳ"),
    "trainer2": ("Xã Tân Yên", "Xã Ngọc Thiện", "Xã Nhã Nam", "Xã Phúc Hòa", "Xã Quang Trung"),
}
AREA_NAMES = {"trainer": "Cụm Yên Thế", "trainer2": "Cụm Tân Yên"}
#: the former district's trainer of the 2024 course (no longer signs in)
FORMER_TRAINER = ("gv.yenthe", "Hà Văn Tuấn")
#: old Yên Thế communes (pre-2025 codes) whose officers took the 2024 course
HISTORY_COMMUNES = ("7246", "7243", "7249", "7294", "7288")

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đỗ",
    "Ngô",
    "Dương",
    "Bùi",
    "Đặng",
    "Thân",
    "Giáp",
    "Hà",
    "Lương",
]
MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân"]
MIDDLE_FEMALE = ["Thị", "Thị", "Thu", "Thanh", "Ngọc", "Kim"]
GIVEN_MALE = ["Hùng", "Dũng", "Tuấn", "Cường", "Thắng", "Hướng", "Bình", "Quý", "Toàn", "Khải", "Đạt", "Sơn"]
GIVEN_FEMALE = ["Hương", "Lan", "Huyền", "Ánh", "Ngọc", "Thảo", "Oanh", "Yến", "Nga", "Ân", "Trang", "Hằng"]
POSITIONS = {
    "commune_broadcast": ["Công chức Văn hóa - Xã hội", "Công chức Văn hóa - Xã hội, phụ trách đài truyền thanh"],
    "party_mass_org": [
        "Phó Bí thư Đoàn xã",
        "Phó Chủ tịch Hội Liên hiệp Phụ nữ xã",
        "Phó Chủ tịch Ủy ban MTTQ xã",
        "Cán bộ Văn phòng Đảng ủy",
        "Phó Chủ tịch Hội Nông dân xã",
        "Phó Chủ tịch Hội Cựu chiến binh xã",
    ],
}


def _name(rng: random.Random, gender: str) -> str:
    middle = MIDDLE_MALE if gender == "male" else MIDDLE_FEMALE
    given = GIVEN_MALE if gender == "male" else GIVEN_FEMALE
    return f"{rng.choice(FAMILY)} {rng.choice(middle)} {rng.choice(given)}"


def load() -> None:
    """Load both maps of the province, the issuers, the demo accounts, trainees and courses;
    skips what exists."""
    load_province(PROVINCE_CODE, MAP_2025)
    load_province(PROVINCE_CODE, MAP_PRE2025)
    province = find(MAP_2025, str(PROVINCE_CODE))
    if db.session.scalar(select(IssuerSetting.id).limit(1)) is None:
        _load_issuers()
    for username, (role, full_name, in_province) in ACCOUNTS.items():
        if db.session.scalar(select(User).where(User.username == username)) is None and role != "trainee":
            people.create_user(username, PASSWORD, full_name, role, province.id if in_province else None)
    communes = {c.name: c for c in province.children}
    if db.session.scalar(select(Area.id).limit(1)) is None:
        for username, names in CLUSTERS.items():
            area = save_area(AREA_NAMES[username], "cluster", province, [communes[n].id for n in names])
            trainer = db.session.scalar(select(User).where(User.username == username))
            if trainer is not None and trainer.area_id is None:
                trainer.area = area
    if db.session.scalar(select(Trainee.id).limit(1)) is None:
        _load_trainees(communes)
    if db.session.scalar(select(Course.id).limit(1)) is None:
        _load_history()
        _load_courses(province, communes)


def _load_issuers() -> None:
    """The Sở VHTTDL issues since the reorganisation; the former district's Phòng issued the
    papers of its own courses before it."""
    issuers.save_setting(
        valid_from=date(2025, 7, 1),
        body_lines="UBND TỈNH BẮC NINH\nSỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
        place="Bắc Ninh",
        signer_title="KT. GIÁM ĐỐC",
        signer_title_2="PHÓ GIÁM ĐỐC",
        signer_name="Nguyễn Văn Thành",
        symbol="SVHTTDL",
        serial_pattern=issuers.DEFAULT_SERIAL_PATTERN,
        certifying_title="GIÁM ĐỐC SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH TỈNH BẮC NINH",
    )
    yen_the = find(MAP_PRE2025, "215")
    issuers.save_setting(
        valid_from=date(2023, 1, 1),
        unit_id=yen_the.id,
        body_lines="UBND HUYỆN YÊN THẾ\nPHÒNG VĂN HÓA VÀ THÔNG TIN",
        place="Yên Thế",
        signer_title="TRƯỞNG PHÒNG",
        signer_title_2="",
        signer_name="Hoàng Văn Ký",
        symbol="VHTT",
        serial_pattern="{number:03d}/{year}/GCN-{symbol}",
        certifying_title="TRƯỞNG PHÒNG VĂN HÓA VÀ THÔNG TIN HUYỆN YÊN THẾ",
    )


def _new_trainee(rng: random.Random, commune: Unit, group: str) -> Trainee:
    gender = rng.choice(["male", "female"])
    return people.save_trainee(
        None,
        {
            "full_name": _name(rng, gender),
            "birth_date": date(rng.randint(1968, 1998), rng.randint(1, 12), rng.randint(1, 28)),
            "gender": gender,
            "position": rng.choice(POSITIONS[group]),
            "commune_id": commune.id,
            "group": group,
            "phone": "09" + "".join(str(rng.randint(0, 9)) for _ in range(8)),
        },
    )


def _load_trainees(communes: dict[str, Unit]) -> None:
    rng = random.Random(1288)
    for names in CLUSTERS.values():
        for name in names:
            for group in (
                "commune_broadcast",
                "party_mass_org",
                "party_mass_org",
                "commune_broadcast",
                "party_mass_org",
            ):
                _new_trainee(rng, communes[name], group)
    # One trainee can sign in, to show the trainee's own pages.
    role, full_name, _ = ACCOUNTS["hocvien"]
    trainee = people.save_trainee(
        None,
        {
            "full_name": full_name,
            "birth_date": date(1990, 5, 12),
            "gender": "female",
            "position": "Công chức Văn hóa - Xã hội",
            "commune_id": communes[CLUSTERS["trainer"][0]].id,
            "group": "commune_broadcast",
            "phone": "0912000111",
        },
    )
    account = people.create_user("hocvien", PASSWORD, full_name, role)
    account.trainee = trainee
    db.session.flush()


#: trainer username → venues its courses use, one per course so no two bookings meet
VENUES = {
    "trainer": [
        "Hội trường UBND xã Yên Thế",
        "Trung tâm Văn hóa - Thể thao xã Xuân Lương",
        "Hội trường Đảng ủy xã Bố Hạ",
        "Nhà văn hóa xã Tam Tiến",
    ],
    "trainer2": [
        "Hội trường UBND xã Tân Yên",
        "Trung tâm Chính trị xã Nhã Nam",
        "Hội trường Đảng ủy xã Ngọc Thiện",
        "Nhà văn hóa xã Phúc Hòa",
    ],
}
#: trainer username → (programme, start offset in days from today, final status) for its
#: courses: one finished, one running today, one upcoming (a bit thin on trainees), and one the
#: trainer forgot to close (trainer) or has not scheduled yet (trainer2), so the dashboard has
#: something in every list.
COURSE_PLAN = {
    "trainer": [("CT1", -45, "closed"), ("CT4", -1, "running"), ("CT2", 7, "open"), ("CT3", -20, "running")],
    "trainer2": [("CT3", -30, "closed"), ("CT2", -1, "running"), ("CT1", 10, "open"), ("CT4", 35, "draft")],
}


def _load_courses(province: Unit, communes: dict[str, Unit]) -> None:
    """Courses of the province, each trainer's with the trainees of their communes, through
    the same services the pages use (so the programme's periods, the clash checks and the
    group rules all apply)."""
    today = local_today()
    for username, plan in COURSE_PLAN.items():
        trainer = db.session.scalar(select(User).where(User.username == username))
        if trainer is None:
            continue
        place = CLUSTERS[username][0].removeprefix("Xã ")
        for (programme, offset, status), venue in zip(plan, VENUES[username]):
            curriculum = catalogue().current(programme)
            course = courses.create_course(
                province.id,
                programme,
                f"{curriculum.title} – cụm {place}",
                venue,
                today + timedelta(days=offset),
                capacity=30,
                trainer_ids=[trainer.id],
                created_by=trainer,
                notes="Dữ liệu mẫu." if status != "draft" else "Dữ liệu mẫu: chưa lập lịch.",
                area_id=trainer.area_id,
            )
            if status == "draft":
                continue
            # The course under way must have a session today, even on a Sunday.
            course.skip_sundays = not (status == "running" and offset > -5 and today.weekday() == 6)
            generate_sessions(course)
            courses.change_status(course, "open")
            for name in CLUSTERS[username]:
                enrol_many(course, eligible_by_filter(course, communes[name].id, None))
            if status in ("running", "closed"):
                courses.change_status(course, "running")
                _record_attendance(course, trainer, random.Random(f"{username}-{programme}"))
            if status == "closed":
                courses.change_status(course, "closed")
                _issue_certificates(course, trainer)
    db.session.flush()


def _load_history() -> None:
    """A 2024 course of the former Huyện Yên Thế on the old map, closed, with the
    certificates its Phòng issued then; its trainees are still on the old map."""
    yen_the = find(MAP_PRE2025, "215")
    username, full_name = FORMER_TRAINER
    trainer = db.session.scalar(select(User).where(User.username == username))
    if trainer is None:
        trainer = people.create_user(username, PASSWORD + "-2024", full_name, "trainer", yen_the.id)
    rng = random.Random(2024)
    for code in HISTORY_COMMUNES:
        for group in ("commune_broadcast", "commune_broadcast"):
            _new_trainee(rng, find(MAP_PRE2025, code), group)
    course = courses.create_course(
        yen_the.id,
        "CT1",
        "Kiến thức cơ bản về công tác thông tin cơ sở – huyện Yên Thế năm 2024",
        "Hội trường UBND huyện Yên Thế",
        date(2024, 10, 14),
        capacity=30,
        trainer_ids=[trainer.id],
        created_by=trainer,
        notes="Dữ liệu mẫu: khóa học năm 2024, trước khi sắp xếp đơn vị hành chính.",
    )
    generate_sessions(course)
    courses.change_status(course, "open")
    enrol_many(course, eligible_by_filter(course, None, None))
    courses.change_status(course, "running")
    _record_attendance(course, trainer, random.Random("yenthe-2024"))
    courses.change_status(course, "closed")
    _issue_certificates(course, trainer, on=date(2024, 10, 25))
    trainer.is_active = False  # the district is gone; its trainer no longer signs in here


def _record_attendance(course: Course, trainer: User, rng: random.Random) -> None:
    """Marks for every session that has ended (mostly present, a few late, absent or
    excused) and, for a skills programme, assessment scores."""
    now = utcnow()
    for session in course.sessions:
        if session.ends_at > now:
            continue
        for enrolment in course.active_enrolments:
            roll = rng.random()
            status = "present" if roll < 0.86 else "late" if roll < 0.93 else "absent" if roll < 0.97 else "excused"
            roster.mark(session, enrolment.trainee, status, "", trainer.id)
    if course.curriculum.completion.assessment_required and course.ends_on < local_today():
        for enrolment in course.active_enrolments:
            record_score(enrolment, round(rng.uniform(4.0, 9.5) * 2) / 2, trainer.id)


def _issue_certificates(course: Course, trainer: User, on: date | None = None) -> None:
    # Certificates carry the absolute verification URL; outside a request, use the address
    # `make run` serves on unless the deployment configured its public one.
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    with current_app.test_request_context("/", base_url=base):
        signer = default_signer(course, on)
        try:
            issued = issue_batch(course, signer, trainer.id, on=on)
        except CertificateError:
            return  # nobody met the rule this time: the course page shows why
    if on is not None:  # a course of the past was issued then, and its year's reports count it
        for certificate in issued:
            certificate.issued_at = to_utc(datetime.combine(on, time(9)))
