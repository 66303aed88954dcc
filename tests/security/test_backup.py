"""`flask backup` and `flask restore`, as an administrator runs them: a round trip brings the
data back exactly as it was, and a file that is not a backup is refused without touching the
database. On SQLite always; on PostgreSQL when the suite runs there (TEST_DATABASE_URL), with
pg_dump/pg_restore, which CI must have."""

import os
import shutil
import sqlite3
from datetime import date

import pytest
from sqlalchemy import select

from tests.helpers import count
from tests.security.conftest import HOLDER_NAME, OTHER_NAME
from training.audit import AuditEvent
from training.certificates.models import Certificate
from training.courses.models import Enrolment
from training.extensions import db
from training.people import services as people
from training.people.models import Trainee, User


@pytest.fixture
def backend(database_url) -> str:
    name = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    if name == "postgresql":
        missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
        if missing:
            message = f"{', '.join(missing)} not installed (Debian package postgresql-client)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    return name


def _snapshot() -> dict:
    db.session.expire_all()
    return {
        "trainees": sorted(db.session.scalars(select(Trainee.full_name))),
        "enrolments": count(Enrolment),
        "certificates": sorted(db.session.scalars(select(Certificate.serial))),
        "audit": count(AuditEvent),
    }


def _add_trainee(name: str, commune_id: int) -> None:
    people.save_trainee(
        None,
        {
            "full_name": name,
            "birth_date": date(1990, 5, 6),
            "gender": "female",
            "commune_id": commune_id,
            "group": "commune_broadcast",
        },
    )
    db.session.commit()


def _invoke(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_backup_then_restore_brings_the_data_back(app, world, backend, tmp_path):
    before = _snapshot()
    assert HOLDER_NAME in before["trainees"] and OTHER_NAME in before["trainees"]
    trainer_id, commune_id, holder_id, enrolment_id = (
        world.trainer_a.id,
        world.holder.commune_id,
        world.holder.id,
        world.enrolment.id,
    )
    # a name with characters that mean something in a file: URI ("#", "?", "%")
    target = tmp_path / ("bản sao #1 ?50%.sqlite" if backend == "sqlite" else "taphuan.dump")
    code, output = _invoke(app, "backup", str(target))
    assert code == 0, output
    assert target.is_file() and target.stat().st_size > 0 and str(target) in output

    # Life goes on after the backup: a new trainee, a changed name, an erased one.
    _add_trainee("Người Đến Sau Bản Sao", commune_id)  # (the backup ended the session: no factories with its objects)
    db.session.get(Trainee, holder_id).full_name = "Tên Đã Sửa"
    db.session.delete(db.session.get(Enrolment, enrolment_id))
    db.session.commit()
    assert _snapshot() != before

    code, output = _invoke(app, "restore", "--yes", str(target))
    assert code == 0, output
    assert _snapshot() == before
    # The app works on the restored database, reading and writing.
    client = app.test_client(user=db.session.get(User, trainer_id))
    assert HOLDER_NAME in client.get("/trainees").get_data(as_text=True)
    _add_trainee("Người Sau Khôi Phục", commune_id)
    assert count(Trainee) == len(before["trainees"]) + 1


def test_backup_without_a_name_goes_to_the_instance_folder(app, world, backend, tmp_path):
    app.instance_path = str(tmp_path / "instance")
    code, output = _invoke(app, "backup")
    assert code == 0, output
    [made] = list((tmp_path / "instance" / "backups").iterdir())
    assert made.name.startswith("taphuan-") and made.suffix == (".sqlite" if backend == "sqlite" else ".dump")


def _not_backups(tmp_path, backend) -> dict:
    text = tmp_path / "notes.txt"
    text.write_text("Đây không phải là bản sao lưu.\n", encoding="utf-8")
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    files = {"a text file": text, "an empty file": empty}
    if backend == "sqlite":
        other = tmp_path / "other.sqlite"
        with sqlite3.connect(other) as connection:
            connection.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
        connection.close()
        files["another program's SQLite database"] = other
    return files


def test_restoring_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(app, world, backend, tmp_path):
    before = _snapshot()
    for what, path in _not_backups(tmp_path, backend).items():
        code, output = _invoke(app, "restore", "--yes", str(path))
        assert code != 0, f"{what} was restored"
        assert output.startswith("Error: ") and len(output.strip()) > len("Error: "), (what, output)
        assert "Traceback" not in output
        assert _snapshot() == before, f"restoring {what} changed the data"
    code, output = _invoke(app, "restore", "--yes", str(tmp_path / "missing.sqlite"))
    assert code != 0 and "Không thấy tệp" in output
    assert _snapshot() == before


def test_a_backup_that_cannot_be_written_says_why_and_writes_nothing(app, world, backend, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, output = _invoke(app, "backup", str(blocker / "taphuan.sqlite"))
    assert code != 0 and output.startswith("Error: ") and "Traceback" not in output, output
    assert not (blocker / "taphuan.sqlite").exists()


def test_a_backup_whose_default_folder_cannot_be_made_says_why(app, world, backend, tmp_path):
    app.instance_path = str(tmp_path / "instance")
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "backups").write_text("a file where the folder goes")
    code, output = _invoke(app, "backup")
    assert code != 0 and "Không tạo được thư mục" in output and "Traceback" not in output, output


def test_a_backup_of_a_sqlite_file_that_is_not_there_is_refused_without_creating_one(app, backend, tmp_path):
    if backend != "sqlite":
        pytest.skip("a SQLite file path")
    missing = tmp_path / "wrong-folder" / "training.sqlite"
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{missing}"
    code, output = _invoke(app, "backup", str(tmp_path / "copy.sqlite"))
    assert code != 0 and "Không sao lưu được" in output and "Traceback" not in output, output
    assert not missing.exists() and not (tmp_path / "copy.sqlite").exists()


def test_restore_asks_first(app, world, backend, tmp_path):
    target = tmp_path / "b.backup"
    assert _invoke(app, "backup", str(target))[0] == 0
    result = app.test_cli_runner().invoke(args=["restore", str(target)], input="n\n")
    assert result.exit_code != 0 and "Tiếp tục?" in result.output
