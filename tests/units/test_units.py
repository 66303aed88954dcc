"""Administrative units: loading the two dated maps, /units; and the other CLI commands."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from training.certificates.models import Certificate
from training.courses.models import Course, Enrolment
from training.extensions import db
from training.people import services as people
from training.people.models import Trainee, User
from training.units import services as units_services
from training.units.models import MAP_2025, MAP_PRE2025, Unit


def count(level: str, parent: Unit | None = None, map_name: str | None = None) -> int:
    query = select(func.count()).select_from(Unit).where(Unit.level == level)
    if parent is not None:
        query = query.where(Unit.parent_id == parent.id)
    if map_name is not None:
        query = query.where(Unit.map == map_name)
    return db.session.scalar(query)


def unit(map_name: str, code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.map == map_name, Unit.code == code))


def snapshot(map_name: str) -> dict[int, tuple]:
    """Every column of every unit of a map, by id."""
    return {
        u.id: (u.map, u.code, u.name, u.level, u.parent_id, u.successor_id)
        for u in db.session.scalars(select(Unit).where(Unit.map == map_name))
    }


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def load(runner, *extra):
    result = runner.invoke(args=["units", "load", "--province", "24", *extra])
    assert result.exit_code == 0, result.output
    return result


# --- flask units load -------------------------------------------------------------------------


def test_load_todays_bac_ninh_by_default(runner):
    result = load(runner)
    assert "Tỉnh Bắc Ninh: 99 đơn vị trực thuộc." in result.output
    assert (count("province"), count("district"), count("commune")) == (1, 0, 99)
    bac_ninh = unit(MAP_2025, "24")
    assert bac_ninh.name == "Tỉnh Bắc Ninh" and bac_ninh.parent is None and bac_ninh.map == MAP_2025
    communes = [c.name for c in bac_ninh.children]
    assert sum(n.startswith("Xã ") for n in communes) == 66 and sum(n.startswith("Phường ") for n in communes) == 33
    assert not any(n.startswith("Thị trấn") for n in communes)
    xuan_luong = unit(MAP_2025, "7246")
    assert xuan_luong.name == "Xã Xuân Lương" and xuan_luong.parent_id == bac_ninh.id


def test_load_the_legacy_bac_giang(runner):
    result = load(runner, "--legacy")
    assert "Tỉnh Bắc Giang: 10 đơn vị trực thuộc." in result.output
    assert (count("province"), count("district"), count("commune")) == (1, 10, 192)
    bac_giang = unit(MAP_PRE2025, "24")
    assert bac_giang.name == "Tỉnh Bắc Giang" and bac_giang.parent is None
    yen_the = unit(MAP_PRE2025, "215")
    assert yen_the.name == "Huyện Yên Thế" and yen_the.parent_id == bac_giang.id
    assert count("commune", yen_the) == 17
    assert unit(MAP_PRE2025, "7246").name == "Xã Canh Nậu"
    assert {u.level for u in bac_giang.children} == {"district"}


@pytest.mark.parametrize("extra", [(), ("--legacy",)], ids=["2025", "pre2025"])
def test_loading_twice_is_a_no_op(runner, extra):
    load(runner, *extra)
    map_name = MAP_PRE2025 if extra else MAP_2025
    before = snapshot(map_name)
    load(runner, *extra)
    db.session.expire_all()
    assert snapshot(map_name) == before


def test_loading_the_new_map_changes_no_old_unit(runner, make_trainee, units):
    """A database that started on the old map (the fixture's districts, then the whole old
    Bắc Giang) takes today's map beside it: the same codes name other units there."""
    load(runner, "--legacy")
    trainee = make_trainee(commune="Xã Đồng Kỳ")
    before = snapshot(MAP_PRE2025)
    load(runner)
    db.session.expire_all()
    assert snapshot(MAP_PRE2025) == before
    assert count("commune", map_name=MAP_2025) == 99
    # "7246" names one unit on each map
    assert unit(MAP_PRE2025, "7246").name == "Xã Canh Nậu" and unit(MAP_2025, "7246").name == "Xã Xuân Lương"
    assert db.session.get(Trainee, trainee.id).commune.map == MAP_PRE2025
    assert units_services.live_map() == MAP_2025
    assert units_services.province().name == "Tỉnh Bắc Ninh"
    assert units_services.province(MAP_PRE2025).name == "Tỉnh Bắc Giang"


def test_unknown_province_is_an_error(runner):
    result = runner.invoke(args=["units", "load", "--province", "99"])
    assert result.exit_code == 1
    assert "Không có tỉnh/thành phố mã 99" in result.output
    assert count("province") == 0


def test_a_province_merged_away_is_not_on_the_new_map(runner):
    # Vĩnh Phúc (26) is part of Phú Thọ since 1/7/2025; it exists only on the old map.
    result = runner.invoke(args=["units", "load", "--province", "26"])
    assert result.exit_code == 1 and "trên bản đồ từ 1/7/2025" in result.output
    assert runner.invoke(args=["units", "load", "--province", "26", "--legacy"]).exit_code == 0
    assert unit(MAP_PRE2025, "26").name == "Tỉnh Vĩnh Phúc"


def test_the_new_map_page_and_a_province_trainer(runner, app, login, admin):
    load(runner)
    bac_ninh = unit(MAP_2025, "24")
    commune = unit(MAP_2025, "7246")  # Xã Xuân Lương
    trainee = people.save_trainee(
        None,
        {
            "full_name": "Thân Văn Toàn",
            "birth_date": date(1980, 1, 2),
            "gender": "male",
            "commune_id": commune.id,
            "group": "commune_broadcast",
        },
    )
    trainer = people.create_user("gv.tinh", PASSWORD, "Giáp Thị Nga", "trainer", bac_ninh.id)
    db.session.commit()

    page = login(admin).get("/units/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tỉnh Bắc Ninh" in html and "99 xã/phường · 1 học viên" in html

    client = login(trainer)
    assert client.get("/units/").status_code == 200
    assert client.get(f"/trainees/{trainee.id}").status_code == 200
    assert "Thân Văn Toàn" in client.get("/trainees").get_data(as_text=True)
    response = client.post(
        f"/trainees/{trainee.id}/edit",
        data={
            "full_name": "Thân Văn Toàn",
            "birth_date": "1980-01-02",
            "gender": "male",
            "position": "Phó Bí thư Đoàn xã",
            "commune_id": commune.id,
            "group": "party_mass_org",
            "phone": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Trainee, trainee.id).group == "party_mass_org"


# --- /units -----------------------------------------------------------------------------------


def test_units_page_lists_districts_communes_and_counts(login, admin, make_trainee):
    make_trainee(commune="Xã Đồng Kỳ")
    make_trainee(commune="Xã Đồng Kỳ")
    make_trainee(commune="Xã Ngọc Thiện")
    response = login(admin).get("/units/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 đơn vị quản lý (tỉnh, huyện) · 3 học viên" in html
    assert "Huyện Yên Thế" in html and "Huyện Tân Yên" in html
    assert "3 xã/phường · 2 học viên" in html and "3 xã/phường · 1 học viên" in html
    for commune in ("Xã Đồng Kỳ", "Xã Hồng Kỳ", "Thị trấn Phồn Xương", "Xã Ngọc Thiện", "Xã Cao Xá", "Xã Liên Sơn"):
        assert commune in html
    assert '<td class="num">2</td>' in html


def test_trainer_sees_only_own_district(login, trainer_a, make_trainee):
    make_trainee(commune="Xã Ngọc Thiện")
    html = login(trainer_a).get("/units/").get_data(as_text=True)
    assert "Huyện Yên Thế" in html and "Xã Đồng Kỳ" in html
    assert "Huyện Tân Yên" not in html and "Xã Ngọc Thiện" not in html
    assert "1 đơn vị quản lý (tỉnh, huyện) · 0 học viên" in html


def test_trainee_role_cannot_see_units(login, make_user, units):
    assert login(make_user("hocvien", "trainee", None)).get("/units/").status_code == 403


def test_empty_units_page_says_how_to_load(login, app):
    user = people.create_user("quantri", PASSWORD, "Quản trị", "admin")
    db.session.commit()
    html = login(user).get("/units/").get_data(as_text=True)
    assert "flask units load --province 24" in html


# --- flask users create-admin, flask demo load --------------------------------------------------


def test_create_admin(runner, app):
    result = runner.invoke(
        args=["users", "create-admin", "SoTTTT", "--password", "mat-khau-quan-tri", "--full-name", "Sở TT&TT"]
    )
    assert result.exit_code == 0, result.output
    assert "Đã tạo tài khoản quản trị sotttt." in result.output
    user = db.session.scalar(select(User).where(User.username == "sotttt"))
    assert user.role == "admin" and user.unit_id is None and user.full_name == "Sở TT&TT"
    assert user.check_password("mat-khau-quan-tri")
    signed_in = app.test_client().post("/login", data={"username": "sotttt", "password": "mat-khau-quan-tri"})
    assert signed_in.status_code == 302


def test_create_admin_refuses_a_short_password(runner):
    result = runner.invoke(args=["users", "create-admin", "quantri", "--password", "ngan"])
    assert result.exit_code == 1
    assert "mật khẩu từ 8 ký tự" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_admin_refuses_a_taken_username(runner, admin):
    result = runner.invoke(args=["users", "create-admin", "admin", "--password", "mat-khau-quan-tri"])
    assert result.exit_code == 1
    assert "đã có người dùng" in result.output


def test_demo_load(runner, app):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    for username in ("admin", "trainer", "trainer2", "hocvien"):
        assert username in result.output
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert {"admin", "trainer", "trainer2", "hocvien"} <= set(users)
    assert users["admin"].role == "admin"
    bac_ninh = unit(MAP_2025, "24")
    assert bac_ninh.name == "Tỉnh Bắc Ninh" and count("commune", bac_ninh) == 99
    assert users["trainer"].role == "trainer" and users["trainer"].unit == bac_ninh
    assert users["trainer"].area.name == "Cụm Yên Thế" and len(users["trainer"].area.communes) == 5
    assert users["trainer2"].area.name == "Cụm Tân Yên"
    assert users["trainer2"].role == "trainer" and users["trainer2"].unit == bac_ninh
    assert users["hocvien"].role == "trainee" and users["hocvien"].trainee.commune.name == "Xã Xuân Lương"
    assert users["trainer"].check_password("taphuan-demo")

    trainees = list(db.session.scalars(select(Trainee)))
    today = [t for t in trainees if t.commune.map == MAP_2025]
    assert 50 <= len(today) <= 60 and {t.commune.parent_id for t in today} == {bac_ninh.id}
    assert {t.group for t in today} == {"commune_broadcast", "party_mass_org"}
    assert len({t.commune_id for t in today}) == 10
    assert all(t.full_name.count(" ") >= 2 for t in trainees)  # family, middle and given names

    # 2026 courses of the province, issued by the Sở; one 2024 course of old Yên Thế, issued by its Phòng
    new_courses = db.session.scalars(select(Course).where(Course.unit_id == bac_ninh.id)).all()
    assert len(new_courses) == 8 and all(c.starts_on.year >= 2026 for c in new_courses)
    assert {c.area.name for c in new_courses} == {"Cụm Yên Thế", "Cụm Tân Yên"}
    [history] = db.session.scalars(select(Course).where(Course.unit_id == unit(MAP_PRE2025, "215").id)).all()
    assert history.starts_on.year == 2024 and history.status == "closed"
    certificates = db.session.scalars(select(Certificate)).all()
    old = [c for c in certificates if c.enrolment.course_id == history.id]
    assert old and all(
        c.serial.endswith("/2024/GCN-VHTT") and c.issuer_name == "UBND HUYỆN YÊN THẾ - PHÒNG VĂN HÓA VÀ THÔNG TIN"
        for c in old
    )
    assert {c.enrolment.trainee.commune.map for c in old} == {MAP_PRE2025}
    new = [c for c in certificates if c.enrolment.course_id != history.id]
    assert new and all(
        c.serial.endswith("/GCN-SVHTTDL") and "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH" in c.issuer_name for c in new
    )

    # a second run adds nothing
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == len(trainees)
    assert db.session.scalar(select(func.count()).select_from(User)) == len(users)


def test_converting_the_demo_yen_the_trainees(runner, app):
    """The demo's 2024 trainees are on the old map; converting puts each in its new commune
    (Canh Nậu → Xuân Lương), and the 2024 course and its certificates stay as issued."""
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    old_trainees = {t.id: t.commune.code for t in db.session.scalars(select(Trainee)) if t.commune.map == MAP_PRE2025}
    assert len(old_trainees) == 10
    history = db.session.scalar(select(Course).where(Course.starts_on < date(2025, 1, 1)))
    before = {
        c.id: (c.pdf, c.sha256, c.serial, c.issuer_name)
        for c in db.session.scalars(
            select(Certificate).join(Certificate.enrolment).where(Enrolment.course_id == history.id)
        )
    }
    assert before
    result = runner.invoke(args=["units", "convert", "--province", "24", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Xã Canh Nậu (7246, Huyện Yên Thế) → Xã Xuân Lương (7246): 2 học viên" in result.output
    db.session.expire_all()
    expected = {
        "7246": "Xã Xuân Lương",
        "7243": "Xã Xuân Lương",
        "7249": "Xã Xuân Lương",
        "7294": "Xã Bố Hạ",
        "7288": "Xã Yên Thế",
    }
    for trainee_id, old_code in old_trainees.items():
        commune = db.session.get(Trainee, trainee_id).commune
        assert commune.map == MAP_2025 and commune.name == expected[old_code]
    assert db.session.get(Course, history.id).unit.name == "Huyện Yên Thế"
    for certificate_id, kept in before.items():
        certificate = db.session.get(Certificate, certificate_id)
        assert (certificate.pdf, certificate.sha256, certificate.serial, certificate.issuer_name) == kept


def test_demo_load_at_scale_adds_a_province_of_closed_courses_with_full_attendance(runner, app):
    """`flask demo load --scale N`, which the benchmarks build their province with: N more
    trainees, each enrolled in one closed course of at most 30, with a record of every session."""
    from training.attendance.models import Attendance
    from training.courses.models import CourseSession

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    before = db.session.scalar(select(func.count()).select_from(Trainee))
    result = runner.invoke(args=["demo", "load", "--scale", "120"])
    assert result.exit_code == 0, result.output
    assert "Nạp dữ liệu quy mô 120 học viên…" in result.output and "  120 học viên" in result.output
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == before + 120

    scaled = select(Course.id).where(Course.code.like("%-S%"))
    per_course = dict(
        db.session.execute(
            select(Enrolment.course_id, func.count())
            .where(Enrolment.course_id.in_(scaled))
            .group_by(Enrolment.course_id)
        ).all()
    )
    assert sum(per_course.values()) == 120 and max(per_course.values()) <= 30
    assert set(db.session.scalars(select(Course.status).where(Course.id.in_(scaled)))) == {"closed"}
    expected_records = db.session.scalar(
        select(func.count())
        .select_from(CourseSession)
        .join(Enrolment, Enrolment.course_id == CourseSession.course_id)
        .where(CourseSession.course_id.in_(scaled))
    )
    records = db.session.scalar(
        select(func.count()).select_from(Attendance).join(CourseSession).where(CourseSession.course_id.in_(scaled))
    )
    assert records == expected_records > 0
