"""Trainee pages and account management: who may see and change what."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from training.extensions import db
from training.people.models import Trainee, User

TRAINEE_LINK = re.compile(r'<a href="/trainees/(\d+)">([^<]+)</a>')


def listed(response) -> list[str]:
    """Names of the trainees in a /trainees page, in page order."""
    assert response.status_code == 200
    return [name for _id, name in TRAINEE_LINK.findall(response.get_data(as_text=True))]


def trainee_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Trainee))


def form_data(units, **overrides) -> dict:
    data = {
        "full_name": "Nguyễn Thị Hương",
        "birth_date": "1988-04-20",
        "gender": "female",
        "position": "Công chức Văn hóa - Xã hội",
        "commune_id": units["Xã Đồng Kỳ"].id,
        "group": "commune_broadcast",
        "phone": "0912345678",
    }
    data.update(overrides)
    return data


# --- permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/trainees/{id}", "/trainees/{id}/edit"])
def test_trainer_of_another_district_is_refused(login, trainer_b, make_trainee, path):
    trainee = make_trainee("Hoàng Văn Quý", commune="Xã Đồng Kỳ")
    response = login(trainer_b).get(path.format(id=trainee.id))
    assert response.status_code == 403


def test_trainer_of_another_district_cannot_post_an_edit(login, trainer_b, units, make_trainee):
    trainee = make_trainee("Hoàng Văn Quý", commune="Xã Đồng Kỳ")
    response = login(trainer_b).post(
        f"/trainees/{trainee.id}/edit",
        data=form_data(units, full_name="Đã Bị Sửa", commune_id=units["Xã Ngọc Thiện"].id),
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Trainee, trainee.id).full_name == "Hoàng Văn Quý"


@pytest.mark.parametrize("path", ["/trainees/{id}", "/trainees/{id}/edit"])
def test_trainer_of_the_district_may_open(login, trainer_a, make_trainee, path):
    trainee = make_trainee("Hoàng Văn Quý", commune="Xã Đồng Kỳ")
    response = login(trainer_a).get(path.format(id=trainee.id))
    assert response.status_code == 200
    assert "Hoàng Văn Quý" in response.get_data(as_text=True)


def test_trainer_edits_own_districts_trainee(login, trainer_a, units, make_trainee):
    trainee = make_trainee("Hoàng Văn Quý", commune="Xã Đồng Kỳ")
    response = login(trainer_a).post(
        f"/trainees/{trainee.id}/edit",
        data=form_data(units, full_name="Hoàng Văn  Quý Mới", commune_id=units["Xã Hồng Kỳ"].id),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/trainees/{trainee.id}"
    db.session.expire_all()
    saved = db.session.get(Trainee, trainee.id)
    assert saved.full_name == "Hoàng Văn Quý Mới" and saved.commune_id == units["Xã Hồng Kỳ"].id


def test_trainer_cannot_move_a_trainee_into_another_district(login, trainer_a, units, make_trainee):
    trainee = make_trainee("Hoàng Văn Quý", commune="Xã Đồng Kỳ")
    response = login(trainer_a).post(
        f"/trainees/{trainee.id}/edit",
        data=form_data(units, commune_id=units["Xã Ngọc Thiện"].id),
    )
    assert response.status_code == 200  # the form refuses a commune outside the district
    db.session.expire_all()
    assert db.session.get(Trainee, trainee.id).commune_id == units["Xã Đồng Kỳ"].id


def test_admin_sees_trainees_of_both_districts(login, admin, make_trainee):
    in_a = make_trainee("Hoàng Văn Quý", commune="Xã Đồng Kỳ")
    in_b = make_trainee("Lê Thị Oanh", commune="Xã Ngọc Thiện")
    client = login(admin)
    for trainee in (in_a, in_b):
        assert client.get(f"/trainees/{trainee.id}").status_code == 200
        assert client.get(f"/trainees/{trainee.id}/edit").status_code == 200
    assert set(listed(client.get("/trainees"))) == {"Hoàng Văn Quý", "Lê Thị Oanh"}


def test_unknown_trainee_is_404(login, admin, units):
    assert login(admin).get("/trainees/999999").status_code == 404


@pytest.mark.parametrize("path", ["/trainees", "/trainees/new", "/trainees/import", "/trainees/import/template.xlsx"])
def test_trainee_role_is_refused_the_trainee_pages(login, make_user, path):
    assert login(make_user("hocvien", "trainee", None)).get(path).status_code == 403


def test_trainee_role_cannot_open_a_trainee(login, make_user, make_trainee):
    trainee = make_trainee("Hoàng Văn Quý")
    assert login(make_user("hocvien", "trainee", None)).get(f"/trainees/{trainee.id}").status_code == 403


def test_trainee_home_is_their_own_page(login, make_user, make_trainee):
    user = make_user("hocvien", "trainee", None)
    trainee = make_trainee("Hoàng Thị Lan")
    user.trainee = trainee
    db.session.commit()
    client = login(user)
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/me"
    page = client.get("/me").get_data(as_text=True)
    assert trainee.personal_code in page and "Xã Đồng Kỳ" in page


def test_trainer_list_shows_only_own_district(login, trainer_a, make_trainee):
    make_trainee("Hoàng Văn Quý", commune="Xã Đồng Kỳ")
    make_trainee("Đỗ Thị Yến", commune="Thị trấn Phồn Xương")
    make_trainee("Lê Thị Oanh", commune="Xã Ngọc Thiện")
    client = login(trainer_a)
    assert set(listed(client.get("/trainees"))) == {"Hoàng Văn Quý", "Đỗ Thị Yến"}
    # asking for the other district in the URL changes nothing
    b_id = db.session.scalar(select(User.unit_id).where(User.username == "trainer.a"))
    assert set(listed(client.get(f"/trainees?unit={b_id + 1}"))) == {"Hoàng Văn Quý", "Đỗ Thị Yến"}


# --- create, duplicates ----------------------------------------------------------------------


def test_create_trainee_through_the_form(login, trainer_a, units):
    client = login(trainer_a)
    assert client.get("/trainees/new").status_code == 200
    response = client.post("/trainees/new", data=form_data(units, full_name="  Nguyễn   Thị Hương "))
    assert response.status_code == 302
    trainee = db.session.scalar(select(Trainee))
    assert response.headers["Location"] == f"/trainees/{trainee.id}"
    assert "Đã lưu học viên Nguyễn Thị Hương." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert trainee.full_name == "Nguyễn Thị Hương"
    assert trainee.name_folded == "nguyen thi huong"
    assert trainee.name_key and trainee.name_key.isdigit()
    assert trainee.birth_date == date(1988, 4, 20)
    assert trainee.commune_id == units["Xã Đồng Kỳ"].id and trainee.group == "commune_broadcast"
    assert trainee.phone == "0912345678"
    assert len(trainee.personal_code) == 10
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "20/04/1988" in page and trainee.personal_code in page


def test_personal_codes_are_random_and_unique(make_trainee):
    codes = {make_trainee().personal_code for _ in range(20)}
    assert len(codes) == 20


@pytest.mark.parametrize("born", ["1800-01-01", "2090-06-01"])
def test_a_birth_date_no_trainee_can_have_is_refused(login, trainer_a, units, born):
    response = login(trainer_a).post("/trainees/new", data=form_data(units, birth_date=born))
    assert response.status_code == 200
    assert "Ngày sinh nằm ngoài khoảng hợp lý." in response.get_data(as_text=True)
    assert trainee_count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("full_name", "", "Không được để trống."),
        ("birth_date", "31/04/1988", "Ngày “31/04/1988” không hợp lệ: nhập theo dạng dd/mm/yyyy"),
        ("birth_date", "", "Nhập ngày sinh hợp lệ."),
        ("phone", "12345", "Số điện thoại gồm 10 chữ số"),
        ("group", "farmers", "Lựa chọn không hợp lệ."),
    ],
)
def test_invalid_trainee_form_is_not_saved(login, trainer_a, units, field, value, message):
    response = login(trainer_a).post("/trainees/new", data=form_data(units, **{field: value}))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert trainee_count() == 0


def test_the_forms_own_checks_stay_english_on_an_english_page(login, trainer_a, units):
    """WTForms' built-in messages come from translations/vi/LC_MESSAGES/wtforms.po on a
    Vietnamese page (test above; WTForms ships no Vietnamese) and are WTForms' own in English."""
    client = login(trainer_a)
    client.post("/lang", data={"lang": "en", "next": "/"})
    html = client.post("/trainees/new", data=form_data(units, full_name="", group="farmers")).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "This field is required." in html and "Not a valid choice." in html
    assert "Không được để trống." not in html
    assert trainee_count() == 0


def test_probable_duplicate_needs_confirmation(login, trainer_a, units, make_trainee):
    existing = make_trainee("Nguyễn Thị Hương", commune="Xã Đồng Kỳ", birth_date=date(1988, 4, 20))
    client = login(trainer_a)
    # the same person typed without accents and in capitals is still a probable duplicate
    response = client.post("/trainees/new", data=form_data(units, full_name="NGUYEN THI HUONG"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Có thể trùng với học viên đã có" in html
    assert f'href="/trainees/{existing.id}"' in html
    assert 'name="confirm_duplicate"' in html
    assert trainee_count() == 1

    response = client.post("/trainees/new", data=form_data(units, full_name="NGUYEN THI HUONG", confirm_duplicate="y"))
    assert response.status_code == 302
    assert trainee_count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"birth_date": "1988-04-21"},
        {"commune_id": "Xã Hồng Kỳ"},
        {"full_name": "Nguyễn Thị Hoa"},
    ],
)
def test_different_birth_date_commune_or_name_is_no_duplicate(login, trainer_a, units, make_trainee, change):
    make_trainee("Nguyễn Thị Hương", commune="Xã Đồng Kỳ", birth_date=date(1988, 4, 20))
    if "commune_id" in change:
        change = {"commune_id": units[change["commune_id"]].id}
    response = login(trainer_a).post("/trainees/new", data=form_data(units, **change))
    assert response.status_code == 302
    assert trainee_count() == 2


def test_editing_a_trainee_is_no_duplicate_of_itself(login, trainer_a, units, make_trainee):
    trainee = make_trainee("Nguyễn Thị Hương", commune="Xã Đồng Kỳ", birth_date=date(1988, 4, 20))
    response = login(trainer_a).post(f"/trainees/{trainee.id}/edit", data=form_data(units, position="Phó Chủ tịch"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Trainee, trainee.id).position == "Phó Chủ tịch"


# --- list: pagination and filters ------------------------------------------------------------


def test_pagination(login, admin, make_trainee):
    for i in range(30):
        make_trainee(f"Nguyễn Văn Thử {i:02d}")
    client = login(admin)
    first = client.get("/trainees")
    html = first.get_data(as_text=True)
    assert "30 học viên" in html
    assert len(listed(first)) == 25
    assert "page=2" in html
    second = listed(client.get("/trainees?page=2"))
    assert len(second) == 5
    assert not set(second) & set(listed(first))
    assert listed(client.get("/trainees?page=9")) == []


def test_filter_by_commune(login, trainer_a, units, make_trainee):
    make_trainee("Hoàng Văn Quý", commune="Xã Đồng Kỳ")
    make_trainee("Đỗ Thị Yến", commune="Xã Hồng Kỳ")
    client = login(trainer_a)
    assert listed(client.get(f"/trainees?commune={units['Xã Hồng Kỳ'].id}")) == ["Đỗ Thị Yến"]


def test_filter_by_group(login, trainer_a, make_trainee):
    make_trainee("Hoàng Văn Quý", group="commune_broadcast")
    make_trainee("Đỗ Thị Yến", group="party_mass_org")
    client = login(trainer_a)
    assert listed(client.get("/trainees?group=party_mass_org")) == ["Đỗ Thị Yến"]
    assert listed(client.get("/trainees?group=commune_broadcast")) == ["Hoàng Văn Quý"]
    assert len(listed(client.get("/trainees?group=nonsense"))) == 2


def test_admin_filters_by_district(login, admin, units, make_trainee):
    make_trainee("Hoàng Văn Quý", commune="Xã Đồng Kỳ")
    make_trainee("Lê Thị Oanh", commune="Xã Ngọc Thiện")
    client = login(admin)
    assert listed(client.get(f"/trainees?unit={units['B'].id}")) == ["Lê Thị Oanh"]
    assert listed(client.get(f"/trainees?unit={units['A'].id}")) == ["Hoàng Văn Quý"]


def test_filters_combine_with_search(login, admin, units, make_trainee):
    make_trainee("Hoàng Văn Hướng", commune="Xã Đồng Kỳ", group="party_mass_org")
    make_trainee("Trần Thị Hương", commune="Xã Đồng Kỳ", group="commune_broadcast")
    make_trainee("Lê Văn Hướng", commune="Xã Ngọc Thiện", group="party_mass_org")
    client = login(admin)
    url = f"/trainees?q=huong&unit={units['A'].id}&group=party_mass_org"
    assert listed(client.get(url)) == ["Hoàng Văn Hướng"]


# --- accounts --------------------------------------------------------------------------------


def test_admin_creates_a_trainer_who_can_then_sign_in(app, login, admin, units):
    client = login(admin)
    assert client.get("/users/new").status_code == 200
    response = client.post(
        "/users/new",
        data={
            "username": "gv.tanyen",
            "full_name": "Phạm Văn Đạt",
            "unit_id": units["B"].id,
            "password": "mat-khau-gv-1",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/users"
    user = db.session.scalar(select(User).where(User.username == "gv.tanyen"))
    assert user.role == "trainer" and user.unit_id == units["B"].id and user.full_name == "Phạm Văn Đạt"
    users_page = client.get("/users").get_data(as_text=True)
    assert "gv.tanyen" in users_page and "Đã tạo tài khoản giảng viên gv.tanyen." in users_page

    other = app.test_client()
    assert other.post("/login", data={"username": "gv.tanyen", "password": "mat-khau-gv-1"}).status_code == 302
    assert other.get("/trainees").status_code == 200


def test_duplicate_username_is_refused(login, admin, trainer_a, units):
    response = login(admin).post(
        "/users/new",
        data={
            "username": "trainer.a",
            "full_name": "X",
            "unit_id": units["B"].id,
            "password": "mat-khau-gv-1",
        },
    )
    assert response.status_code == 200
    assert "đã có người dùng" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "trainer.a")) == 1


def test_admin_resets_a_trainers_password(app, login, admin, trainer_a):
    client = login(admin)
    response = client.post(f"/users/{trainer_a.id}/password", data={"password": "mat-khau-moi-9"})
    assert response.status_code == 302 and response.headers["Location"] == "/users"
    assert "Đã đặt lại mật khẩu cho trainer.a." in client.get("/users").get_data(as_text=True)
    client = app.test_client()
    refused = client.post("/login", data={"username": "trainer.a", "password": PASSWORD})
    assert refused.status_code == 200
    assert client.post("/login", data={"username": "trainer.a", "password": "mat-khau-moi-9"}).status_code == 302


@pytest.mark.parametrize("password", ["short", "x" * 129])
def test_a_reset_password_too_short_or_too_long_is_refused(login, admin, trainer_a, password):
    client = login(admin)
    response = client.post(f"/users/{trainer_a.id}/password", data={"password": password}, follow_redirects=True)
    assert "Mật khẩu mới cần từ 8 đến 128 ký tự." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, trainer_a.id).check_password(PASSWORD)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/users"),
        ("GET", "/users/new"),
        ("POST", "/users/new"),
        ("POST", "/users/{id}/password"),
    ],
)
def test_non_admin_is_refused_user_management(login, trainer_a, make_user, method, path):
    trainee_user = make_user("hocvien", "trainee", None)
    for user in (trainer_a, trainee_user):
        response = login(user).open(path.format(id=trainer_a.id), method=method, data={"password": "mat-khau-moi-9"})
        assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, trainer_a.id).check_password(PASSWORD)


def test_the_list_says_how_many_and_counts_only_when_a_page_is_full(app, login, admin, make_trainee, monkeypatch):
    """The total under the filters is the trainees listed across the pages, in Vietnamese
    digits; a page short of full (one person's name) gives it without a count statement."""
    from sqlalchemy import event

    for i in range(7):
        make_trainee(f"Lê Thị Đếm {i}")
    make_trainee("Phạm Văn Riêng")
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    client = login(admin)
    sent = []

    def keep(_conn, _cursor, statement, *_rest):
        sent.append(statement)

    def counted(path: str):
        """The page, and whether a count statement was sent for it."""
        sent.clear()
        response = client.get(path)
        return response, any("count(" in statement for statement in sent)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        pages, counts = zip(*(counted(f"/trainees?q=dem&page={n}") for n in (1, 2, 3)))
        alone, counted_alone = counted("/trainees?q=pham+van+rieng")
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert [len(listed(p)) for p in pages] == [3, 3, 1]
    assert all("7 học viên" in p.get_data(as_text=True) for p in pages)
    assert counts == (True, True, False)  # the full pages 1 and 2; page 3's one row ends the list
    assert listed(alone) == ["Phạm Văn Riêng"] and "1 học viên" in alone.get_data(as_text=True)
    assert not counted_alone
    beyond = client.get("/trainees?q=dem&page=9")
    assert listed(beyond) == [] and "7 học viên" in beyond.get_data(as_text=True)


def test_a_province_sized_total_is_written_with_vietnamese_thousands(app, login, admin, make_trainee, monkeypatch):
    from training.people import services as people_services

    make_trainee("Trần Văn Một")
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    monkeypatch.setattr(people_services, "count_trainees", lambda _filters: 50061)
    assert "50.061 học viên" in login(admin).get("/trainees").get_data(as_text=True)
