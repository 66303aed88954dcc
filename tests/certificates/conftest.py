"""Certificate fixtures: finished courses (sessions held, attendance marked, scores recorded,
course closed) built through the real services, a copy of the programme files a test may
edit, and readers for what a PDF holds (its text, its QR codes) through poppler and zbar.
"""

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from training.attendance import roster
from training.certificates import eligibility, issuing
from training.courses import services as courses
from training.courses.enrolment import enrol_many
from training.courses.models import Course, CourseSession, Enrolment
from training.courses.planning import save_session
from training.curricula.catalogue import load_catalogue
from training.extensions import db
from training.people.models import Trainee

ROOT = Path(__file__).resolve().parents[2]
#: a Monday; sessions follow day after day from here
MONDAY = date(2026, 3, 2)
#: the issue date the tests pass to issue_batch, so the serial's year and the printed date are known
ISSUED_ON = date(2026, 3, 20)
VENUE = "Hội trường UBND huyện Yên Thế"
SIGNER = issuing.SignerInfo(
    title="TRƯỞNG PHÒNG VĂN HÓA VÀ THÔNG TIN",
    name="Hoàng Văn Ký",
    place="Yên Thế",
    issuer="PHÒNG VĂN HÓA VÀ THÔNG TIN",
    issuer_parent="UBND Huyện Yên Thế",
)


class Programmes:
    """A private copy of curricula/ that this test's app reads; edits reload the catalogue."""

    def __init__(self, app, directory: Path):
        self.app, self.directory = app, directory
        shutil.copytree(ROOT / "curricula", directory)
        self.reload()

    def reload(self) -> None:
        self.app.config["CURRICULA_DIR"] = str(self.directory)
        self.app.extensions["curricula"] = load_catalogue(self.directory)

    def set_completion(self, filename: str, **values) -> None:
        """Change `key = value` lines of a file's [completion] table, e.g. excused_counts=True."""
        path = self.directory / filename
        text = path.read_text(encoding="utf-8")
        for key, value in values.items():
            literal = ("true" if value else "false") if isinstance(value, bool) else repr(float(value))
            text, found = re.subn(rf"^{key}\s*=.*$", f"{key} = {literal}", text, flags=re.M)
            assert found == 1, f"{filename} has no single {key} line"
        path.write_text(text, encoding="utf-8")
        self.reload()

    def add_module(self, filename: str, code: str, periods: int) -> None:
        with (self.directory / filename).open("a", encoding="utf-8") as f:
            f.write(
                f'\n[[modules]]\ncode = "{code}"\ntitle = "Chuyên đề thêm {code}"\ntheory_periods = '
                f"{periods}\npractice_periods = 0\n"
            )
        self.reload()


@pytest.fixture
def programmes(app, tmp_path) -> Programmes:
    return Programmes(app, tmp_path / "curricula")


@dataclass
class Finished:
    """A course whose sessions are over: the course, its sessions in order, its trainees."""

    course: Course
    sessions: list[CourseSession]
    trainees: list[Trainee]
    enrolments: dict[int, Enrolment] = field(default_factory=dict)

    def enrolment(self, trainee: Trainee) -> Enrolment:
        return self.enrolments[trainee.id]


def start_course(
    units,
    trainer,
    trainees,
    programme: str = "CT1",
    plan: list[tuple[str, int]] | None = None,
    first_day: date = MONDAY,
    venue: str = VENUE,
    district: str = "A",
) -> Finished:
    """A running course with one session a day from `first_day` (07:30, `periods` × 45 minutes)
    and the trainees enrolled; committed. The plan defaults to one session per module."""
    course = courses.create_course(units[district].id, programme, "", venue, first_day, 200, [trainer.id])
    plan = plan or [(m.code, m.periods) for m in course.curriculum.modules]
    sessions = []
    for index, (module, periods) in enumerate(plan):
        start = datetime.combine(first_day + timedelta(days=index), time(7, 30))
        end = start + timedelta(minutes=45 * periods)
        sessions.append(
            save_session(
                course, None, module, start.date(), start.time(), end.time(), venue, trainer.id, periods=periods
            )
        )
    courses.change_status(course, "open")
    courses.change_status(course, "running")
    enrolments = enrol_many(course, list(trainees))
    db.session.commit()
    return Finished(course, sessions, list(trainees), {e.trainee_id: e for e in enrolments})


def mark_all(finished: Finished, trainee: Trainee, statuses: list[str] | str, user_id: int) -> None:
    """Mark a trainee's attendance session by session ('present' everywhere by default)."""
    if isinstance(statuses, str):
        statuses = [statuses] * len(finished.sessions)
    assert len(statuses) == len(finished.sessions)
    for session, status in zip(finished.sessions, statuses):
        roster.mark(session, trainee, status, "", user_id)
    db.session.commit()


def close(course: Course) -> Course:
    courses.change_status(course, "closed")
    db.session.commit()
    return course


@pytest.fixture
def make_finished(units, trainer_a, make_trainee):
    """A course of district A with trainees, attendance marked (everyone present unless
    `attendance` says otherwise, by trainee index), scores recorded, and closed (`closed=False`
    leaves it running)."""

    def _make(
        names=("Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Minh Châu"),
        programme: str = "CT1",
        plan: list[tuple[str, int]] | None = None,
        attendance: dict[int, list[str]] | None = None,
        scores: dict[int, float] | None = None,
        closed: bool = True,
        first_day: date = MONDAY,
        venue: str = VENUE,
        trainer=None,
        communes: tuple[str, ...] = ("Xã Đồng Kỳ",),
        **trainee_fields,
    ) -> Finished:
        trainer = trainer or trainer_a
        trainees = [
            make_trainee(name, commune=communes[i % len(communes)], **trainee_fields) for i, name in enumerate(names)
        ]
        finished = start_course(units, trainer, trainees, programme, plan, first_day, venue)
        for index, trainee in enumerate(trainees):
            mark_all(finished, trainee, (attendance or {}).get(index, "present"), trainer.id)
        for index, score in (scores or {}).items():
            eligibility.record_score(finished.enrolment(trainees[index]), score, trainer.id)
        db.session.commit()
        if closed:
            close(finished.course)
        return finished

    return _make


@pytest.fixture
def trainee_user(make_user):
    """A sign-in account bound to a trainee record."""

    def _make(trainee: Trainee, username: str | None = None):
        user = make_user(username or f"hv{trainee.id}", "trainee", None)
        user.trainee_id = trainee.id
        db.session.commit()
        return user

    return _make


def issue(finished: Finished, on: date = ISSUED_ON, user_id: int | None = None):
    issued = issuing.issue_batch(finished.course, SIGNER, user_id, on=on)
    db.session.commit()
    return issued


# --- reading PDFs ---------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (apt-get install poppler-utils zbar-tools; .ci/run does it)")
    return path


def pdf_text(pdf: bytes) -> str:
    """The text poppler extracts from a PDF, as a reader's screen reader would get it."""
    result = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def pdf_to_png(pdf: bytes, directory: Path, resolution: int = 150) -> Path:
    """The first page rendered to a PNG image, as a printer or a phone's screen shows it."""
    source = directory / "page.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [_tool("pdftoppm"), "-r", str(resolution), "-png", "-singlefile", str(source), str(directory / "page")],
        check=True,
        capture_output=True,
    )
    return directory / "page.png"


def qr_codes_in(pdf: bytes) -> list[str]:
    """Every QR code zbar finds on the rendered first page of a PDF."""
    with tempfile.TemporaryDirectory() as directory:
        image = pdf_to_png(pdf, Path(directory))
        result = subprocess.run(
            [_tool("zbarimg"), "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
            capture_output=True,
            text=True,
        )
    assert result.returncode in (0, 4), result.stderr  # 4: nothing found, reported by the caller's assert
    return [line for line in result.stdout.splitlines() if line]
