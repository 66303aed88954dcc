"""Survey fixtures: "now" frozen a week after a CT1 course of district A ended (its survey is
open), with six trainees enrolled, and phone clients that the check-in already recognises."""

import re
from dataclasses import dataclass
from datetime import date

import pytest

from tests.attendance.conftest import freeze_clock, remember_device
from tests.certificates.conftest import Finished, start_course
from training.people.models import Trainee
from training.surveys import answering, services

#: the course runs Monday 23 to Wednesday 25 February 2026; "now" is Tuesday 3 March, 08:05
FIRST_DAY = date(2026, 2, 23)
NAMES = ["Đinh Thị Kín Đáo", "Trần Văn An", "Lê Thị Bình", "Phạm Văn Cường", "Hoàng Thị Dung", "Vũ Văn Giang"]


@pytest.fixture
def clock(monkeypatch):
    frozen = freeze_clock(monkeypatch)
    for module in (services, answering):
        monkeypatch.setattr(module, "utcnow", frozen.now)
    return frozen


@dataclass
class Surveyed:
    finished: Finished

    @property
    def course(self):
        return self.finished.course

    @property
    def trainees(self) -> list[Trainee]:
        return self.finished.trainees

    @property
    def token(self) -> str:
        return services.link_token(self.course.id)

    @property
    def path(self) -> str:
        return f"/survey/{self.token}"


@pytest.fixture
def surveyed(clock, units, trainer_a, make_trainee) -> Surveyed:
    trainees = [
        make_trainee(name, birth_date=date(1980 + i, 1 + i, 10 + i), phone=f"09130000{i:02d}")
        for i, name in enumerate(NAMES)
    ]
    return Surveyed(start_course(units, trainer_a, trainees, first_day=FIRST_DAY))


@pytest.fixture
def phone(app):
    """A fresh phone the check-in recognises as `trainee` (the remembered-device cookie)."""

    def _phone(trainee: Trainee, device: str = "phone-1"):
        client = app.test_client()
        remember_device(client, trainee, device)
        return client

    return _phone


#: answers for the CT1 questionnaire (PDG): every required question, one module question
FULL = {
    "q-noi_dung": "4",
    "q-giang_vien": "5",
    "q-to_chuc": "3",
    "q-hai_long": "4",
    "q-thoi_luong": "2",
    "q-hinh_thuc": ["1", "3"],
    "q-de_xuat": "Thêm phần thực hành",
    "q-module:CT1.1": "5",
}


def answers(changes: dict | None = None) -> dict:
    """FULL with some answers changed by field name (None removes one), ready to post."""
    data = dict(FULL, action="answer")
    for name, value in (changes or {}).items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def texts(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))
