"""Demo data: Bắc Giang with two districts' trainers, trainees and courses, for trying the app.

Deterministic (a fixed random seed), so every fresh install shows the same people. Course
dates are relative to the day of loading, so there is always a course in the past, one under
way today and one coming up.
"""
import random
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from .attendance import services as attendance
from .certificates import services as certificates
from .clock import local_today, utcnow
from .courses import services as courses
from .courses.models import Course
from .curricula import catalogue
from .extensions import db
from .people import services as people
from .people.models import Trainee, User
from .units.models import MAP_PRE2025, Unit
from .units.services import communes_of, load_province

PASSWORD = "taphuan-demo"
PROVINCE_CODE = 24
#: username → (role, full name, district code or None)
ACCOUNTS = {
    "admin": ("admin", "Nguyễn Thị Thanh Hà", None),
    "trainer": ("trainer", "Trần Văn Khánh", "215"),  # Huyện Yên Thế
    "trainer2": ("trainer", "Lê Thị Minh Phương", "216"),  # Huyện Tân Yên
    "hocvien": ("trainee", "Hoàng Thị Lan", None),
}

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Ngô", "Dương", "Bùi", "Đặng", "Thân", "Giáp", "Hà", "Lương"]
MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân"]
MIDDLE_FEMALE = ["Thị", "Thị", "Thu", "Thanh", "Ngọc", "Kim"]
GIVEN_MALE = ["Hùng", "Dũng", "Tuấn", "Cường", "Thắng", "Hướng", "Bình", "Quý", "Toàn", "Khải", "Đạt", "Sơn"]
GIVEN_FEMALE = ["Hương", "Lan", "Huyền", "Ánh", "Ngọc", "Thảo", "Oanh", "Yến", "Nga", "Ân", "Trang", "Hằng"]
POSITIONS = {
    "commune_broadcast": ["Công chức Văn hóa - Xã hội", "Công chức Văn hóa - Xã hội, phụ trách đài truyền thanh"],
    "party_mass_org": [
        "Phó Bí thư Đoàn xã", "Phó Chủ tịch Hội Liên hiệp Phụ nữ xã", "Phó Chủ tịch Ủy ban MTTQ xã",
        "Cán bộ Văn phòng Đảng ủy", "Phó Chủ tịch Hội Nông dân xã", "Phó Chủ tịch Hội Cựu chiến binh xã",
    ],
}


def _name(rng: random.Random, gender: str) -> str:
    middle = MIDDLE_MALE if gender == "male" else MIDDLE_FEMALE
    given = GIVEN_MALE if gender == "male" else GIVEN_FEMALE
    return f"{rng.choice(FAMILY)} {rng.choice(middle)} {rng.choice(given)}"


def load() -> None:
    """Load the province, the demo accounts and about 60 trainees; skips what exists."""
    load_province(PROVINCE_CODE, MAP_PRE2025)
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.map == MAP_PRE2025))}
    for username, (role, full_name, district) in ACCOUNTS.items():
        if db.session.scalar(select(User).where(User.username == username)) is None and role != "trainee":
            people.create_user(username, PASSWORD, full_name, role, units[district].id if district else None)
    if db.session.scalar(select(Trainee.id).limit(1)) is None:
        _load_trainees(units)
    if db.session.scalar(select(Course.id).limit(1)) is None:
        _load_courses(units)


def _load_trainees(units: dict[str, Unit]) -> None:
    rng = random.Random(1288)
    for district_code in ("215", "216"):
        communes = communes_of(units[district_code].id)[:6]
        for commune in communes:
            for group in ("commune_broadcast", "party_mass_org", "party_mass_org", "commune_broadcast", "party_mass_org"):
                gender = rng.choice(["male", "female"])
                people.save_trainee(None, {
                    "full_name": _name(rng, gender),
                    "birth_date": date(rng.randint(1968, 1998), rng.randint(1, 12), rng.randint(1, 28)),
                    "gender": gender,
                    "position": rng.choice(POSITIONS[group]),
                    "commune_id": commune.id,
                    "group": group,
                    "phone": "09" + "".join(str(rng.randint(0, 9)) for _ in range(8)),
                })
    # One trainee can sign in, to show the trainee's own pages.
    role, full_name, _ = ACCOUNTS["hocvien"]
    first_commune = communes_of(units["215"].id)[0]
    trainee = people.save_trainee(None, {
        "full_name": full_name, "birth_date": date(1990, 5, 12), "gender": "female",
        "position": "Công chức Văn hóa - Xã hội", "commune_id": first_commune.id,
        "group": "commune_broadcast", "phone": "0912000111",
    })
    account = people.create_user("hocvien", PASSWORD, full_name, role)
    account.trainee = trainee
    db.session.flush()


#: district code → venues its courses use, one per course so no two bookings meet
VENUES = {
    "215": ["Hội trường UBND huyện Yên Thế", "Trung tâm Văn hóa - Thể thao huyện Yên Thế", "Hội trường Huyện ủy Yên Thế",
            "Nhà văn hóa thị trấn Cầu Gồ"],
    "216": ["Hội trường UBND huyện Tân Yên", "Trung tâm Chính trị huyện Tân Yên", "Hội trường Huyện ủy Tân Yên",
            "Nhà văn hóa thị trấn Cao Thượng"],
}
#: district code → trainer username, then (programme, start offset in days from today, final status)
#: for its courses: one finished, one running today, one upcoming (a bit thin on trainees), and
#: one the trainer forgot to close (Yên Thế) or has not scheduled yet (Tân Yên), so the dashboard
#: has something in every list.
COURSE_PLAN = {
    "215": ("trainer", [("CT1", -45, "closed"), ("CT4", -1, "running"), ("CT2", 7, "open"), ("CT3", -20, "running")]),
    "216": ("trainer2", [("CT3", -30, "closed"), ("CT2", -1, "running"), ("CT1", 10, "open"), ("CT4", 35, "draft")]),
}


def _load_courses(units: dict[str, Unit]) -> None:
    """Courses in both demo districts, through the same services the pages use (so the
    programme's periods, the clash checks and the group rules all apply)."""
    today = local_today()
    for district_code, (username, plan) in COURSE_PLAN.items():
        trainer = db.session.scalar(select(User).where(User.username == username))
        district = units.get(district_code)
        if trainer is None or district is None:
            continue
        place = district.name.removeprefix("Huyện ")
        for (programme, offset, status), venue in zip(plan, VENUES[district_code]):
            curriculum = catalogue().current(programme)
            course = courses.create_course(
                district.id, programme, f"{curriculum.title} – {place}", venue, today + timedelta(days=offset),
                capacity=30, trainer_ids=[trainer.id], created_by=trainer,
                notes="Dữ liệu mẫu." if status != "draft" else "Dữ liệu mẫu: chưa lập lịch.",
            )
            if status == "draft":
                continue
            # The course under way must have a session today, even on a Sunday.
            course.skip_sundays = not (status == "running" and offset > -5 and today.weekday() == 6)
            courses.generate_sessions(course)
            courses.change_status(course, "open")
            courses.enrol_many(course, courses.eligible_by_filter(course, None, None))
            if status in ("running", "closed"):
                courses.change_status(course, "running")
                _record_attendance(course, trainer, random.Random(f"{district_code}-{programme}"))
            if status == "closed":
                courses.change_status(course, "closed")
                _issue_certificates(course, trainer)
    db.session.flush()


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
            attendance.mark(session, enrolment.trainee, status, "", trainer.id)
    if course.curriculum.completion.assessment_required and course.ends_on < local_today():
        for enrolment in course.active_enrolments:
            certificates.record_score(enrolment, round(rng.uniform(4.0, 9.5) * 2) / 2, trainer.id)


def _issue_certificates(course: Course, trainer: User) -> None:
    # Certificates carry the absolute verification URL; outside a request, use the address
    # `make run` serves on unless the deployment configured its public one.
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    with current_app.test_request_context("/", base_url=base):
        signer = certificates.default_signer(course)
        signer.name = "Nguyễn Văn Thành"
        try:
            certificates.issue_batch(course, signer, trainer.id)
        except certificates.CertificateError:
            pass  # nobody met the rule this time: the course page shows why
