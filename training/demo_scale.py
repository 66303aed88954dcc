"""`flask demo load --scale N`: a whole province with N trainees, courses and full
attendance, for benchmarks. Rows go in with bulk INSERTs (no per-row ORM work), so 50,000
trainees take minutes, not hours; the data is synthetic but shaped like the real thing."""

import random
from datetime import date, time, timedelta

from sqlalchemy import func, insert, select

from .attendance.models import Attendance
from .clock import utc_at, utcnow
from .courses.models import Course, CourseSession, Enrolment, course_trainer
from .courses.planning import plan_sessions
from .curricula import catalogue
from .demo import PASSWORD, POSITIONS, PROVINCE_CODE, _name
from .extensions import db
from .people.models import CODE_ALPHABET, Trainee, User
from .people.services import create_user
from .units.models import MAP_PRE2025, Unit
from .units.services import communes_of, load_province, managing_units
from .vietnamese import fold, name_sort_key

COURSE_SIZE = 30
CHUNK = 5000


def load_scale(trainee_count: int, seed: int = 1288, echo=print) -> dict[str, int]:
    """Add `trainee_count` trainees spread over the province's communes, a trainer per
    district, courses of about 30 trainees of one group in one district (closed, with every
    session attended), and return the row counts added."""
    rng = random.Random(seed)
    load_province(PROVINCE_CODE, MAP_PRE2025)
    db.session.flush()
    districts = [u for u in managing_units(MAP_PRE2025) if u.level == "district"]
    communes = {d.id: communes_of(d.id) for d in districts}
    trainers = _trainers(districts)
    codes = set(db.session.scalars(select(Trainee.personal_code)))
    now = utcnow()
    rows = []
    for index in range(trainee_count):
        district = districts[index % len(districts)]
        commune = rng.choice(communes[district.id])
        group = "commune_broadcast" if index % 3 == 0 else "party_mass_org"
        gender = rng.choice(["male", "female"])
        name = _name(rng, gender)
        code = _unique_code(rng, codes)
        rows.append(
            {
                "full_name": name,
                "name_key": name_sort_key(name),
                "name_folded": fold(name),
                "birth_date": date(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28)),
                "gender": gender,
                "position": rng.choice(POSITIONS[group]),
                "commune_id": commune.id,
                "group": group,
                "phone": "09" + "".join(str(rng.randint(0, 9)) for _ in range(8)),
                "personal_code": code,
                "created_at": now,
                "updated_at": now,
            }
        )
    _bulk(Trainee, rows)
    echo(f"  {trainee_count} học viên")

    # Courses: group the new trainees by district and group, then cut into classes of ~30.
    new = db.session.execute(
        select(Trainee.id, Trainee.group, Unit.parent_id, Trainee.commune_id)
        .join(Unit, Unit.id == Trainee.commune_id)
        .where(Trainee.created_at == now)
        .order_by(Trainee.id)
    ).all()
    by_class: dict[tuple[int, str], list[int]] = {}
    commune_of = {trainee_id: commune_id for trainee_id, _group, _district, commune_id in new}
    for trainee_id, group, district_id, _commune in new:
        by_class.setdefault((district_id, group), []).append(trainee_id)
    programmes = {
        g: [c for c in catalogue().all_current() if g in c.groups] for g in ("commune_broadcast", "party_mass_org")
    }
    first_day = date(date.today().year - 1, 1, 5)
    counter = db.session.scalar(select(func.count()).select_from(Course)) or 0
    course_rows, plans = [], []
    for (district_id, group), members in sorted(by_class.items()):
        district = next(d for d in districts if d.id == district_id)
        for start in range(0, len(members), COURSE_SIZE):
            counter += 1
            curriculum = programmes[group][counter % len(programmes[group])]
            day = first_day + timedelta(days=(counter * 7) % 600)
            while day.weekday() == 6:
                day += timedelta(days=1)
            course = Course(
                starts_on=day,
                morning_start=time(7, 30),
                morning_end=time(11, 30),
                afternoon_start=time(13, 30),
                afternoon_end=time(17, 0),
                skip_sundays=True,
                skip_saturdays=False,
            )
            planned = plan_sessions(course, curriculum)
            course_rows.append(
                {
                    "code": f"{district.code}-S{counter:06d}",
                    "curriculum_code": curriculum.code,
                    "curriculum_version": curriculum.version,
                    "unit_id": district_id,
                    "title": curriculum.title,
                    "venue": f"Hội trường {district.name} phòng {counter}",
                    "starts_on": planned[0].day,
                    "ends_on": planned[-1].day,
                    "capacity": COURSE_SIZE,
                    "status": "closed",
                    "cancel_reason": "",
                    "notes": "",
                    "morning_start": time(7, 30),
                    "morning_end": time(11, 30),
                    "afternoon_start": time(13, 30),
                    "afternoon_end": time(17, 0),
                    "skip_saturdays": False,
                    "skip_sundays": True,
                    "late_after_minutes": 15,
                    "created_at": now,
                }
            )
            plans.append((planned, members[start : start + COURSE_SIZE], trainers[district_id]))
    _bulk(Course, course_rows)
    course_ids = dict(db.session.execute(select(Course.code, Course.id).where(Course.created_at == now)).all())
    links, sessions, enrolments = [], [], []
    for row, (planned, members, trainer_id) in zip(course_rows, plans):
        course_id = course_ids[row["code"]]
        links.append({"course_id": course_id, "user_id": trainer_id})
        for plan in planned:
            sessions.append(
                {
                    "course_id": course_id,
                    "module_code": plan.module_code,
                    "starts_at": utc_at(plan.day, plan.start),
                    "ends_at": utc_at(plan.day, plan.end),
                    "periods": plan.periods,
                    "venue": row["venue"],
                    "trainer_id": trainer_id,
                }
            )
        for trainee_id in members:
            enrolments.append(
                {
                    "course_id": course_id,
                    "trainee_id": trainee_id,
                    "commune_id": commune_of[trainee_id],
                    "status": "enrolled",
                    "withdraw_reason": "",
                    "enrolled_at": now,
                    "enrolled_by_id": trainer_id,
                }
            )
    db.session.execute(insert(course_trainer), links)
    _bulk(CourseSession, sessions)
    _bulk(Enrolment, enrolments)
    echo(f"  {len(course_rows)} khóa học, {len(sessions)} buổi, {len(enrolments)} lượt ghi danh")

    members_of = {}
    for enrolment in enrolments:
        members_of.setdefault(enrolment["course_id"], []).append(enrolment["trainee_id"])
    attendance = []
    ids = list(course_ids.values())
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for session_id, course_id, starts_at in db.session.execute(
            select(CourseSession.id, CourseSession.course_id, CourseSession.starts_at).where(
                CourseSession.course_id.in_(chunk)
            )
        ):
            for trainee_id in members_of.get(course_id, []):
                roll = rng.random()
                status = "present" if roll < 0.9 else "late" if roll < 0.95 else "absent" if roll < 0.98 else "excused"
                attendance.append(
                    {
                        "session_id": session_id,
                        "trainee_id": trainee_id,
                        "status": status,
                        "method": "qr_self" if status in ("present", "late") else "manual",
                        "checked_in_at": starts_at if status in ("present", "late") else None,
                        "recorded_at": now,
                        "recorded_by_id": None,
                        "device": "",
                        "remark": "",
                    }
                )
        if len(attendance) >= CHUNK * 4:
            _bulk(Attendance, attendance)
            attendance.clear()
    _bulk(Attendance, attendance)
    total_attendance = db.session.scalar(select(func.count()).select_from(Attendance))
    echo(f"  {total_attendance} bản ghi điểm danh (tổng)")
    return {
        "trainees": trainee_count,
        "courses": len(course_rows),
        "sessions": len(sessions),
        "enrolments": len(enrolments),
    }


def _trainers(districts: list[Unit]) -> dict[int, int]:
    result = {}
    for district in districts:
        username = f"gv{district.code}"
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(username, PASSWORD, f"Giảng viên {district.name}", "trainer", district.id)
        result[district.id] = user.id
    return result


def _unique_code(rng: random.Random, taken: set[str]) -> str:
    while True:
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(10))
        if code not in taken:
            taken.add(code)
            return code


def _bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])
    db.session.flush()
