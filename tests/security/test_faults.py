"""Faults: a hall of trainees checking in at the same instant, a server killed in the middle of
an import or of a certificate batch, and the database going away and coming back. On SQLite,
and on PostgreSQL when the suite runs there (TEST_DATABASE_URL)."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.attendance.conftest import make_course_now
from tests.certificates.conftest import close, mark_all, start_course
from tests.conftest import PASSWORD
from tests.helpers import count
from tests.together import check_ins_together, run_together
from training import create_app
from training.attendance import checkin
from training.attendance.models import Attendance
from training.audit import AuditEvent
from training.certificates.models import Certificate, SerialCounter
from training.clock import local_today
from training.courses.models import CourseSession
from training.extensions import db
from training.people import services as people
from training.people.models import Trainee
from training.units.models import Unit

ROOT = Path(__file__).resolve().parents[2]
HALL = 200


# --- 200 check-ins at once ----------------------------------------------------------------------


@pytest.mark.slow
def test_two_hundred_simultaneous_check_ins_give_exactly_two_hundred_rows(
    app, units, trainer_a, make_trainee, frozen_clock
):
    communes = ("Xã Đồng Kỳ", "Xã Hồng Kỳ", "Thị trấn Phồn Xương")
    hall = [
        make_trainee(
            f"Học Viên Hội Trường {i:03d}",
            commune=communes[i % 3],
            birth_date=date(1975 + i % 25, 1 + i % 12, 1 + i % 28),
        )
        for i in range(HALL)
    ]
    course = make_course_now(units, trainer_a, hall)
    session_id, trainee_ids = course.current.id, [t.id for t in hall]
    codes = {t.id: t.personal_code for t in hall}

    assert Counter(check_ins_together(app, session_id, trainee_ids)) == {"ok": HALL}
    assert count(Attendance, Attendance.session_id == session_id) == HALL
    assert db.session.scalar(select(func.count(func.distinct(Attendance.trainee_id)))) == HALL

    # The whole hall again at once, phones and the trainer's badge scanner mixed: no new row.
    def again(i: int) -> str:
        session = db.session.get(CourseSession, session_id)
        if i % 2:
            result = checkin.scan_badge(session, codes[trainee_ids[i]], f"again-{i:04d}", None, False, trainer_a.id)
        else:
            result = checkin.check_in(session, trainee_ids[i], "qr_self", device=f"phone-{i}")
        db.session.commit()
        return result.reason

    assert Counter(run_together(HALL, again, app=app)) == {"already_checked_in": HALL}
    assert count(Attendance) == HALL


# --- a server killed in the middle of a request -------------------------------------------------


class Server:
    """The app in a process of its own (tests/security/_server.py), one step slowed down."""

    def __init__(self, database_url: str, folder: Path, step: str, after: int):
        self.marker = folder / f"{step}.marker"
        self.log = (folder / f"{step}.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.security._server", database_url, str(self.marker), step, str(after)],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        port_file = Path(f"{self.marker}.port")
        self.port = int(self._wait_for(lambda: port_file.exists() and port_file.read_text(), "listening"))
        self.cookie = ""

    def _wait_for(self, condition, what: str, timeout: float = 90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            assert self.process.poll() is None, f"the server died before {what}: see {self.log.name}"
            time.sleep(0.05)
        raise AssertionError(f"the server was not {what} within {timeout} s")

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            connection.request(method, path, body, {"Cookie": self.cookie, **(headers or {})})
            response = connection.getresponse()
            response.read()
            return response
        finally:
            connection.close()

    def sign_in(self, username: str) -> None:
        response = self.request(
            "POST",
            "/login",
            urlencode({"username": username, "password": PASSWORD}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status == 302, "could not sign in"
        self.cookie = response.getheader("Set-Cookie").split(";")[0]

    def start_request(self, method: str, path: str, body: bytes, headers: dict) -> list:
        """Send a request from a thread; the returned list gets its status or its error."""
        outcome: list = []

        def send():
            try:
                outcome.append(self.request(method, path, body, headers).status)
            except (OSError, http.client.HTTPException) as exc:
                outcome.append(exc)

        self.thread = threading.Thread(target=send)
        self.thread.start()
        return outcome

    def kill_when_in_progress(self) -> int:
        """SIGKILL once the slowed step has run; how many rows the request's transaction held."""
        held = int(
            self._wait_for(lambda: self.marker.exists() and self.marker.read_text(), "in the middle of the request")
        )
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.thread.join(timeout=30)
        return held

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture
def server_for(database_url, tmp_path):
    servers = []

    def start(step: str, after: int) -> Server:
        db.session.commit()  # what the test set up is there for the other process
        servers.append(Server(database_url, tmp_path, step, after))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, dict]:
    boundary, body = encode_multipart(
        {**fields, "file": FileStorage(BytesIO(content), filename=filename, content_type="text/csv")}
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


ROWS = 300


def _big_import() -> bytes:
    communes = ("Xã Đồng Kỳ", "Xã Hồng Kỳ", "Thị trấn Phồn Xương")
    lines = ["Họ và tên,Ngày sinh,Giới tính,Xã/phường,Nhóm"]
    lines += [
        f"Học Viên Nhập {i:03d},{1 + i % 28:02d}/{1 + i % 12:02d}/{1960 + i % 40},{'Nam' if i % 2 else 'Nữ'},"
        f"{communes[i % 3]},{1 + i % 2}"
        for i in range(ROWS)
    ]
    return "\n".join(lines).encode("utf-8")


@pytest.mark.slow
def test_a_server_killed_in_the_middle_of_an_import_leaves_no_row(app, units, trainer_a, login, server_for):
    before = count(Trainee)
    server = server_for("import", after=120)
    server.sign_in("trainer.a")
    body, headers = _multipart({"unit_id": str(units["A"].id)}, "hoc-vien.csv", _big_import())
    outcome = server.start_request("POST", "/trainees/import", body, headers)
    held = server.kill_when_in_progress()

    assert held == before + 120, "the request had not written rows yet: the test proves nothing"
    assert outcome and isinstance(outcome[0], Exception), f"the request finished: {outcome}"
    db.session.rollback()  # a fresh look at the database
    assert count(Trainee) == before

    # The database is whole: the same file imports completely now.
    response = login(trainer_a).post("/trainees/import", data=body, headers=headers)
    assert response.status_code == 302
    assert count(Trainee) == before + ROWS


@pytest.mark.slow
def test_a_server_killed_in_the_middle_of_a_certificate_batch_leaves_no_certificate(
    app, units, trainer_a, make_trainee, login, server_for
):
    trainees = [make_trainee(f"Người Nhận Giấy {i:02d}", birth_date=date(1980, 1, 1 + i)) for i in range(8)]
    finished = start_course(units, trainer_a, trainees)
    for trainee in trainees:
        mark_all(finished, trainee, "present", trainer_a.id)
    close(finished.course)
    audit_before = count(AuditEvent)
    course_id = finished.course.id

    server = server_for("certificates", after=4)
    server.sign_in("trainer.a")
    form = urlencode({"signer_title": "TRƯỞNG PHÒNG", "signer_name": "Hoàng Văn Ký", "place": "Yên Thế"}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    outcome = server.start_request("POST", f"/courses/{course_id}/certificates/issue", form, headers)
    held = server.kill_when_in_progress()

    assert held == 8, "the batch had not written its certificates yet: the test proves nothing"
    assert outcome and isinstance(outcome[0], Exception), f"the request finished: {outcome}"
    db.session.rollback()
    assert count(Certificate) == 0
    assert db.session.scalar(select(func.coalesce(func.max(SerialCounter.last), 0))) == 0  # no serial used up
    assert count(AuditEvent) == audit_before

    response = login(trainer_a).post(f"/courses/{course_id}/certificates/issue", data=form, headers=headers)
    assert response.status_code == 302
    serials = sorted(db.session.scalars(select(Certificate.serial)))
    # the old map's district issues through its Phòng (training/units/issuers.py): no gap left by the dead batch
    assert serials == [f"{n}/{local_today().year}/GCN-PVHTT-{units['A'].code}" for n in range(1, 9)]


# --- the database away and back -----------------------------------------------------------------


class TcpProxy:
    """A switchable TCP relay in front of PostgreSQL: stop() is the database going away (every
    connection dropped, new ones refused), start() is it coming back on the same address."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = 0
        self.sockets: set = set()
        self.lock = threading.Lock()

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(source, sink)

    def _drop(self, *sockets) -> None:
        with self.lock:
            for sock in sockets:
                self.sockets.discard(sock)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def stop(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        self._drop(*list(self.sockets))


class SqliteOutage:
    """The SQLite file moved away and a directory put in its place (the disk unmounted, the
    file's folder gone), then everything put back."""

    def __init__(self, path: Path):
        self.path = path

    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def stop(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                source.rename(f"{source}.away")
        self.path.mkdir()

    def start(self) -> None:
        self.path.rmdir()
        for suffix in ("", "-wal", "-shm"):
            away = Path(f"{self.path}{suffix}.away")
            if away.exists():
                away.rename(f"{self.path}{suffix}")


@pytest.fixture
def outage(app, database_url, tmp_path):
    """(app on a database that can be switched off, the switch). On PostgreSQL through a TCP
    relay to the suite's database, on SQLite a file of its own."""
    if database_url.startswith("postgresql"):
        url = make_url(database_url)
        switch = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        switch.start()
        target = url.set(host="127.0.0.1", port=switch.port).render_as_string(hide_password=False)
    else:
        switch = SqliteOutage(tmp_path / "away.sqlite")
        target = switch.url()
    fragile = create_app(
        {
            **{k: app.config[k] for k in ("TESTING", "SECRET_KEY", "WTF_CSRF_ENABLED", "RATELIMIT_ENABLED")},
            "SQLALCHEMY_DATABASE_URI": target,
        }
    )
    with fragile.app_context():
        db.create_all()
        province = Unit(map="pre2025", code="24", name="Tỉnh Bắc Giang", level="province")
        district = Unit(map="pre2025", code="215", name="Huyện Yên Thế", level="district", parent=province)
        commune = Unit(map="pre2025", code="7201", name="Xã Đồng Kỳ", level="commune", parent=district)
        db.session.add(province)
        db.session.flush()
        people.create_user("trainer.a", PASSWORD, "Trainer A", "trainer", district.id)
        people.save_trainee(
            None,
            {
                "full_name": "Người Đã Có Từ Trước",
                "birth_date": date(1980, 1, 1),
                "gender": "male",
                "commune_id": commune.id,
                "group": "commune_broadcast",
            },
        )
        db.session.commit()
        fragile.config["COMMUNE_ID"] = commune.id
        db.session.remove()
    yield fragile, switch
    if isinstance(switch, TcpProxy):
        switch.stop()
    with fragile.app_context():
        db.engine.dispose()


def _new_trainee(client, name: str, commune_id: int):
    return client.post(
        "/trainees/new",
        data={
            "full_name": name,
            "birth_date": "1990-05-06",
            "gender": "female",
            "position": "",
            "commune_id": commune_id,
            "group": "commune_broadcast",
            "phone": "",
        },
    )


def test_with_the_database_away_pages_say_503_and_nothing_is_lost_when_it_is_back(outage):
    fragile, switch = outage
    commune_id = fragile.config["COMMUNE_ID"]
    client = fragile.test_client()
    assert client.post("/login", data={"username": "trainer.a", "password": PASSWORD}).status_code == 302
    assert "Người Đã Có Từ Trước" in client.get("/trainees").get_data(as_text=True)

    switch.stop()
    if isinstance(switch, SqliteOutage):
        with fragile.app_context():
            db.engine.dispose()  # connections to the moved file would still work; PostgreSQL's are cut by the relay
    for path in ("/trainees", "/", "/courses"):
        page = client.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 503, path
        assert '<header class="site-header' in html and "</html>" in html  # the site's layout
        assert "Không kết nối được cơ sở dữ liệu" in html and "Traceback" not in html
    write = _new_trainee(client, "Người Viết Lúc Mất Kết Nối", commune_id)
    assert write.status_code == 503
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["db"] == "unreachable" and health.get_json()["reason"]

    switch.start()
    assert client.get("/healthz").get_json() == {"status": "ok", "db": "ok"}
    html = client.get("/trainees").get_data(as_text=True)
    assert "Người Đã Có Từ Trước" in html and "Người Viết Lúc Mất Kết Nối" not in html
    assert _new_trainee(client, "Người Đến Sau Sự Cố", commune_id).status_code == 302
    with fragile.app_context():
        names = sorted(db.session.scalars(select(Trainee.full_name)))
    assert names == ["Người Đã Có Từ Trước", "Người Đến Sau Sự Cố"]
