"""The sample deployment in deploy/ works: nginx accepts the site (`nginx -t`), and two app
processes under gunicorn behind it serve one site: a trainer signs in through one and a
badge scan, with the same session cookie, is recorded through the other, once.

The site file is used as shipped, with only what a deployment replaces replaced: the name,
the certificate (a self-signed one made here), the code's folder, the ports. nginx runs
from a temporary prefix. It runs once, in `make test`. Skipped where nginx is not installed, except in CI
(CI=true), where that is a failure (.ci/run installs it)."""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
FLASK = str(Path(sys.executable).parent / "flask")
HOST = "127.0.0.1"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def nginx() -> str:
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("runs once, in `make test` (its app processes use a SQLite file of their own)")
    if NGINX is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed (apt-get install nginx); CI must have it")
        pytest.skip("nginx is not installed")
    return NGINX


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _site(folder: Path, https_port: int, http_port: int, upstreams: list[int]) -> Path:
    """deploy/nginx-taphuan.conf with a deployment's own values put in."""
    site = (ROOT / "deploy" / "nginx-taphuan.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/taphuan.example.vn/fullchain.pem", str(folder / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/taphuan.example.vn/privkey.pem", str(folder / "key.pem"))
    site = site.replace("/srv/taphuan/static/", f"{ROOT / 'static'}/")
    site = site.replace("taphuan.example.vn", HOST)
    site = re.sub(r"^\s*listen \[::\].*\n", "", site, flags=re.M)  # IPv6 may be off here
    site = site.replace("listen 443 ssl", f"listen {HOST}:{https_port} ssl").replace(
        "listen 80;", f"listen {HOST}:{http_port};"
    )
    servers = "".join(f"    server {HOST}:{port} max_fails=3 fail_timeout=10s;\n" for port in upstreams)
    site = re.sub(r"    server 127\.0\.0\.1:8000 [^\n]*\n", servers, site)
    # For the test only: which app process answered.
    site = site.replace(
        "proxy_pass http://taphuan_app;",
        "proxy_pass http://taphuan_app;\n        add_header X-Upstream $upstream_addr always;",
    )
    path = folder / "site.conf"
    path.write_text(site)
    return path


def _nginx_conf(folder: Path, site: Path) -> Path:
    conf = folder / "nginx.conf"
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    conf.write_text(f"""daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {site};
}}
""")
    return conf


def _prepare_database(folder: Path, env: dict) -> dict:
    """Migrate the shared database and put in it a trainer and a course whose sessions are
    open for check-in now (the benchmarks' fixture), through the app itself."""
    code = (
        "import json, sys; sys.path.insert(0, 'bench')\n"
        "from flask_migrate import upgrade\n"
        "from training import create_app\n"
        "from fixtures import build_course, PASSWORD\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    upgrade()\n"
        "    course = build_course(2, 1, open_now=True)\n"
        "print(json.dumps({'session': course.session_ids[0], 'code': course.codes[0],"
        " 'username': course.trainer_username, 'password': PASSWORD}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


class Client:
    """HTTPS through nginx, keeping the cookies, noting which app process answered."""

    def __init__(self, port: int):
        self.port, self.cookies, self.served_by = port, {}, []
        self.context = ssl.create_default_context()
        self.context.check_hostname, self.context.verify_mode = False, ssl.CERT_NONE

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPSConnection(HOST, self.port, context=self.context, timeout=30)
        # A browser's Referer: Flask-WTF checks it on HTTPS (WTF_CSRF_SSL_STRICT).
        headers = {"Referer": f"https://{HOST}:{self.port}/", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.served_by.append(response.headers.get("X-Upstream"))
        connection.close()
        return response, data.decode("utf-8", "replace")


def _wait(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        with socket.socket() as s:
            if s.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"nothing listens on {port}: {log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_two_app_processes_behind_the_sample_nginx_site(nginx, tmp_path):
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={HOST}",
            "-keyout",
            str(tmp_path / "key.pem"),
            "-out",
            str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    https_port, http_port, app_ports = _free_port(), _free_port(), [_free_port(), _free_port()]
    conf = _nginx_conf(tmp_path, _site(tmp_path, https_port, http_port, app_ports))
    checked = subprocess.run(
        [nginx, "-t", "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr

    # As deploy/taphuan.env sets them: one database and one secret for both "hosts".
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'shared.sqlite'}",
        TRAINING_SECRET_KEY=secrets.token_urlsafe(48),
        TRAINING_PUBLIC_BASE_URL=f"https://{HOST}:{https_port}",
        TRAINING_PROXY_COUNT="1",
        TRAINING_RATELIMIT_STORAGE_URI="memory://",
        WEB_CONCURRENCY="1",
        TRAINING_INSTANCE_PATH=str(tmp_path / "instance"),
    )
    env.pop("FLASK_RUN_FROM_CLI", None)
    world = _prepare_database(tmp_path, env)

    processes, logs = [], []
    try:
        for n, port in enumerate(app_ports):
            log = tmp_path / f"app{n}.log"
            logs.append(log.open("w"))
            host_env = dict(env, TRAINING_INSTANCE_PATH=str(tmp_path / f"host{n}"))
            processes.append(
                subprocess.Popen(
                    [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"{HOST}:{port}", "app:app"],
                    cwd=ROOT,
                    env=host_env,
                    stdout=logs[-1],
                    stderr=subprocess.STDOUT,
                )
            )
            _wait(port, processes[-1], log)
        processes.append(
            subprocess.Popen(
                [nginx, "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c", str(conf)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
        )
        _wait(https_port, processes[-1], tmp_path / "error.log")

        # Plain HTTP is sent to HTTPS.
        connection = http.client.HTTPConnection(HOST, http_port, timeout=10)
        connection.request("GET", "/login")
        redirect = connection.getresponse()
        assert redirect.status == 301 and redirect.headers["Location"].startswith("https://")
        connection.close()

        client = Client(https_port)
        response, page = client.request("GET", "/login")
        assert response.status == 200
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
        response, _ = client.request(
            "POST",
            "/login",
            urlencode({"csrf_token": token, "username": world["username"], "password": world["password"]}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status == 302, "sign-in failed"
        signed_in_on = client.served_by[-1]

        response, page = client.request("GET", f"/sessions/{world['session']}/scan")
        assert response.status == 200
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)[1]
        scan = json.dumps(
            {"session": world["session"], "code": world["code"], "nonce": secrets.token_hex(8), "device": "deploy-test"}
        )
        answers = []
        for _ in range(4):  # nginx takes the processes in turn: until the other one has answered
            response, data = client.request(
                "POST", "/api/v1/checkins", scan.encode(), {"Content-Type": "application/json", "X-CSRFToken": csrf}
            )
            assert response.status == 200, data
            answers.append(json.loads(data))
            if client.served_by[-1] != signed_in_on:
                break
        assert client.served_by[-1] != signed_in_on, client.served_by
        assert answers[0]["ok"] is True, answers[0]

        # Compressed text, the static files' year-long cache, the links on the public address.
        response, _ = client.request("GET", "/static/css/app.css", headers={"Accept-Encoding": "gzip"})
        assert response.status == 200 and response.headers["Content-Encoding"] == "gzip"
        assert response.headers["Cache-Control"] == "no-cache"
        response, _ = client.request("GET", "/static/css/app.css?v=0123456789ab")
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        response, page = client.request("GET", "/api/v1/openapi.json", headers={"Host": "upstream_name"})
        assert json.loads(page)["servers"][0]["url"].startswith(f"https://{HOST}:{https_port}")
    finally:
        for process in reversed(processes):
            _stop(process)
        for log in logs:
            log.close()

    # One check-in, recorded once, whichever process took each scan.
    import sqlite3

    with sqlite3.connect(tmp_path / "shared.sqlite") as db:
        rows = db.execute("SELECT count(*) FROM attendance WHERE session_id = ?", (world["session"],)).fetchone()[0]
    assert rows == 1
