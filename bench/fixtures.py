"""Data for the benchmarks that need one big course: a district with its communes, a trainer,
a course of CT1 with `trainees` enrolled trainees and `sessions` sessions, optionally with
every session marked. Built with the ORM and a few bulk inserts (the services' rules, such as
clashes between overlapping sessions, are not what these benchmarks measure)."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select

from training.attendance.models import Attendance
from training.clock import utc_at, utcnow
from training.courses.models import Course, CourseSession, Enrolment
from training.curricula import catalogue
from training.extensions import db
from training.people.models import CODE_ALPHABET, Trainee, User
from training.units.models import Unit
from training.vietnamese import fold, name_sort_key

PASSWORD = "bench-password-1288"
FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Thân",
    "Giáp",
]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Ngọc", "Quốc", "Thanh", "Hữu", "Xuân"]
GIVEN = [
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hùng",
    "Khoa",
    "Lan",
    "Linh",
    "Mai",
    "Ngân",
    "Phượng",
    "Thảo",
    "Trang",
    "Yến",
    "Việt",
]
COMMUNES = [
    "Xã Đồng Kỳ",
    "Xã Hồng Kỳ",
    "Thị trấn Phồn Xương",
    "Xã Đồng Lạc",
    "Xã Tân Sỏi",
    "Xã Bố Hạ",
    "Xã Canh Nậu",
    "Xã Xuân Lương",
]


@dataclass
class BigCourse:
    course_id: int
    session_ids: list[int]
    trainer_username: str
    codes: list[str]


def build_course(
    trainees: int, sessions: int, *, open_now: bool = False, marked: bool = False, seed: int = 7
) -> BigCourse:
    """Create the course (and commit). With `open_now`, every session runs from 5 minutes ago
    for three hours, so check-in is open in all of them; otherwise sessions follow one another,
    two a day (morning and afternoon), from a Monday last month. With `marked`, every trainee
    has a mark in every session (mostly present)."""
    rng = random.Random(seed)
    province = Unit(map="pre2025", code="24", name="Tỉnh Bắc Giang", level="province")
    district = Unit(map="pre2025", code="215", name="Huyện Yên Thế", level="district", parent=province)
    communes = [
        Unit(map="pre2025", code=str(7200 + n), name=name, level="commune", parent=district)
        for n, name in enumerate(COMMUNES)
    ]
    db.session.add_all([province, district, *communes])
    trainer = User(username="giangvien", full_name="Giảng viên Bench", role="trainer", unit=district)
    trainer.set_password(PASSWORD)
    db.session.add(trainer)
    db.session.flush()

    now = utcnow()
    codes = set()
    rows = []
    for n in range(trainees):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(10))
        while code in codes:
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(10))
        codes.add(code)
        rows.append(
            {
                "full_name": name,
                "name_key": name_sort_key(name),
                "name_folded": fold(name),
                "birth_date": date(1970 + n % 30, 1 + n % 12, 1 + n % 28),
                "gender": "female" if n % 2 else "male",
                "position": "Công chức Văn hóa - Xã hội",
                "commune_id": communes[n % len(communes)].id,
                "group": "commune_broadcast",
                "phone": f"09{n:08d}",
                "personal_code": code,
                "created_at": now,
                "updated_at": now,
            }
        )
    db.session.execute(insert(Trainee), rows)

    curriculum = catalogue().current("CT1")
    first_day = date.today().replace(day=1) - timedelta(days=30)
    first_day -= timedelta(days=first_day.weekday())
    course = Course(
        code="215-2026-CT1-99",
        curriculum_code=curriculum.code,
        curriculum_version=curriculum.version,
        unit_id=district.id,
        title=curriculum.title,
        venue="Hội trường UBND huyện Yên Thế",
        starts_on=first_day,
        ends_on=first_day,
        capacity=max(trainees, 1),
        status="running",
    )
    course.trainers = [trainer]
    db.session.add(course)
    db.session.flush()
    modules = [m.code for m in curriculum.modules]
    made = []
    for n in range(sessions):
        if open_now:
            starts = now - timedelta(minutes=5)
            ends = now + timedelta(hours=3)
        else:
            day = first_day + timedelta(days=n // 2)
            starts = utc_at(day, time(7, 30) if n % 2 == 0 else time(13, 30))
            ends = starts + timedelta(hours=3, minutes=45)
        made.append(
            CourseSession(
                course_id=course.id,
                module_code=modules[n % len(modules)],
                starts_at=starts,
                ends_at=ends,
                periods=4,
                venue=course.venue,
                trainer_id=trainer.id,
            )
        )
    db.session.add_all(made)
    course.ends_on = max((s.starts_at for s in made), default=datetime.combine(first_day, time())).date()
    db.session.flush()
    trainee_ids = db.session.scalars(select(Trainee.id).order_by(Trainee.id)).all()
    db.session.execute(
        insert(Enrolment),
        [
            {
                "course_id": course.id,
                "trainee_id": t,
                "status": "enrolled",
                "withdraw_reason": "",
                "enrolled_at": now,
                "enrolled_by_id": trainer.id,
            }
            for t in trainee_ids
        ],
    )
    if marked:
        marks = []
        for session in made:
            for trainee_id in trainee_ids:
                roll = rng.random()
                status = "present" if roll < 0.9 else "late" if roll < 0.95 else "absent" if roll < 0.98 else "excused"
                marks.append(
                    {
                        "session_id": session.id,
                        "trainee_id": trainee_id,
                        "status": status,
                        "method": "qr_badge" if status in ("present", "late") else "manual",
                        "checked_in_at": session.starts_at if status in ("present", "late") else None,
                        "recorded_at": now,
                        "recorded_by_id": trainer.id,
                        "device": "",
                        "remark": "",
                    }
                )
        for start in range(0, len(marks), 5000):
            db.session.execute(insert(Attendance), marks[start : start + 5000])
    db.session.commit()
    ordered_codes = db.session.scalars(select(Trainee.personal_code).order_by(Trainee.id)).all()
    return BigCourse(course.id, [s.id for s in made], trainer.username, list(ordered_codes))
