"""Searching trainees ignores accents and case; the list is in Vietnamese name order."""

import pytest

from tests.people.test_views import listed
from training.extensions import db
from training.people.services import TraineeFilter, trainee_query

NAMES = ["Nguyễn Văn Hướng", "Trần Thị Hương", "Lê Đức Anh", "Phạm Văn Dũng", "Đỗ Thị Hà", "Bùi Văn Đức"]


@pytest.fixture
def people(make_trainee):
    return {name: make_trainee(name) for name in NAMES}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("huong", {"Nguyễn Văn Hướng", "Trần Thị Hương"}),
        ("HUONG", {"Nguyễn Văn Hướng", "Trần Thị Hương"}),
        ("Hướng", {"Nguyễn Văn Hướng", "Trần Thị Hương"}),  # accents in the query are ignored too
        ("hương", {"Nguyễn Văn Hướng", "Trần Thị Hương"}),
        ("đức", {"Lê Đức Anh", "Bùi Văn Đức"}),
        ("duc", {"Lê Đức Anh", "Bùi Văn Đức"}),
        ("ĐỨC", {"Lê Đức Anh", "Bùi Văn Đức"}),
        ("do thi", {"Đỗ Thị Hà"}),
        ("  van   duc ", {"Bùi Văn Đức"}),  # spaces trimmed and collapsed
        ("nguyen van huong", {"Nguyễn Văn Hướng"}),
        ("xyz", set()),
    ],
)
def test_search_on_the_trainees_page(login, admin, people, query, expected):
    response = login(admin).get("/trainees", query_string={"q": query})
    assert set(listed(response)) == expected


def test_search_treats_like_wildcards_literally(login, admin, make_trainee):
    make_trainee("Nguyễn Văn An")
    client = login(admin)
    assert listed(client.get("/trainees", query_string={"q": "%"})) == []
    assert listed(client.get("/trainees", query_string={"q": "_"})) == []


def test_search_in_the_service(people):
    names = [t.full_name for t in db.session.scalars(trainee_query(TraineeFilter(q="HƯƠNG")))]
    assert sorted(names) == sorted(["Nguyễn Văn Hướng", "Trần Thị Hương"])


def test_search_box_keeps_the_query(login, admin, people):
    html = login(admin).get("/trainees?q=huong").get_data(as_text=True)
    assert 'name="q" value="huong"' in html
    assert "2 học viên" in html


# Given name first, then family and middle names; Vietnamese letter order (a ă â b c d đ e ê …)
# and tone order (none, huyền, hỏi, ngã, sắc, nặng) within the same letters.
ORDERED = [
    "Nguyễn Văn An",
    "Trần Thị An",  # same given name: family name decides (N before T)
    "Lê Thị Anh",  # "An" before "Anh": shorter first
    "Phạm Thị Ánh",  # same letters: no tone before sắc
    "Hoàng Văn Ăn",  # ă after a
    "Vũ Thị Ân",  # â after ă
    "Lê Văn Bình",
    "Dương Thị Cúc",
    "Đỗ Văn Dũng",  # d …
    "Nguyễn Văn Đạt",  # … before đ
    "Bùi Thị Hà",
    "Trần Thị Hà",
    "Vũ Văn Hà",
    "Ngô Thị Hả",  # hỏi after none
    "Lê Thị Hạ",  # nặng last
    "Nguyễn Văn Hùng",
    "Trần Văn Hưng",  # ư after u
    "Đặng Thị Yến",
]


def test_vietnamese_name_order_on_the_trainees_page(login, admin, make_trainee):
    for name in reversed(ORDERED):
        make_trainee(name)
    assert listed(login(admin).get("/trainees")) == ORDERED


def test_name_order_is_kept_across_pages(login, admin, make_trainee):
    names = [f"Nguyễn Văn {given}" for given in ("An", "Bình", "Cường", "Dũng", "Đạt")]
    for name in reversed(names):
        for i in range(6):
            make_trainee(name + (" " * i))  # the same clean name six times
    client = login(admin)
    first, second = listed(client.get("/trainees")), listed(client.get("/trainees?page=2"))
    assert first + second == [n for n in names for _ in range(6)]
