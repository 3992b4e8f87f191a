"""The real app on a temporary instance under gunicorn, and plain HTTP clients for it.

Shared by benchmarks/load_test.py and tests/test_crash.py. Loopback only; every loop that
uses it is bounded in count and time.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Passw0rd!load"
HOST = "127.0.0.1"

PREPARE = """
import json, sys
from salon import create_app
from salon.accounts.models import ApiToken, User
from salon.accounts.services import create_user
from salon.extensions import db
from salon.salons.models import Salon
from salon.timeutil import now
writers, password = json.loads(sys.argv[1])
app = create_app()
with app.app_context():
    create_user("reader", "读者", "城关派出所", password=password)
    users = [create_user(f"writer{n}", f"民警{n}", f"第{n % 5 + 1}派出所", password=password)
             for n in range(writers)]
    for user in db.session.scalars(db.select(User)):
        user.must_change_password = False  # simulated officers who changed it long ago
    db.session.flush()
    tokens = [ApiToken.issue(user, "负载测试")[1] for user in users]
    month = now().strftime("%Y-%m")
    salon = db.session.scalar(db.select(Salon).filter_by(month=month))
    if salon is None:
        number = (db.session.scalar(db.select(db.func.max(Salon.number))) or 0) + 1
        salon = Salon(number=number, month=month, topic="负载测试")
        db.session.add(salon)
    salon.status = "open"
    db.session.commit()
    print(json.dumps({"month": month, "tokens": tokens}))
"""

COUNT_POSTS = """
from salon import create_app
from salon.extensions import db
from salon.posts.models import Post
app = create_app()
with app.app_context():
    print(" ".join(str(i) for i in db.session.scalars(db.select(Post.id))))
"""


def free_port(first: int = 5170, last: int = 5199) -> int:
    """A loopback port nobody listens on; each pytest-xdist worker starts at its own offset."""
    ports = list(range(first, last + 1))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:]
    offset = (int(worker) * 10 if worker.isdigit() else 0) % len(ports)
    for port in ports[offset:] + ports[:offset]:
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"{first}-{last} 端口均被占用")


class Site:
    """A temporary instance folder (SQLite, or DATABASE_URL when given) and its commands."""

    def __init__(self, database_url: str | None = None, rate_limit: bool = False):
        self.folder = Path(tempfile.mkdtemp(prefix="salon-live-"))
        self.env = {**os.environ, "SALON_INSTANCE_PATH": str(self.folder),
                    "SALON_RATELIMIT_ENABLED": "true" if rate_limit else "false",
                    "PYTHONDONTWRITEBYTECODE": "1"}
        self.env.pop("DATABASE_URL", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.server: subprocess.Popen | None = None
        self.port: int | None = None

    # -- commands -----------------------------------------------------------------------
    def flask(self, *args: str, stdin: str | None = None, check: bool = True):
        """`flask --app salon ARGS` on this instance; the completed process."""
        result = subprocess.run([str(BIN / "flask"), "--app", "salon", *args], cwd=ROOT,
                                env=self.env, input=stdin, capture_output=True, text=True,
                                timeout=600)
        if check and result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)}: {result.stdout}{result.stderr}")
        return result

    def python(self, code: str, *args: str) -> str:
        """Run a snippet against this instance in a fresh interpreter; its output."""
        result = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
        return result.stdout.strip()

    def prepare(self, writers: int = 1) -> dict:
        """Schema (`flask db upgrade`), an open salon, `reader` and N writers with API tokens."""
        self.flask("db", "upgrade")
        return json.loads(self.python(PREPARE, json.dumps([writers, PASSWORD])))

    def post_ids(self) -> set[int]:
        """Every post id in the database, read by a fresh process."""
        return {int(i) for i in self.python(COUNT_POSTS).split()}

    # -- the server ---------------------------------------------------------------------
    def start(self, app: str = "salon:create_app()", workers: int = 4, chdir: Path = ROOT,
              port: int | None = None) -> "Site":
        """gunicorn with N sync workers on a loopback port; returns once it answers."""
        self.port = port or self.port or free_port()
        with open(self.folder / "gunicorn.log", "ab") as log:
            self.server = subprocess.Popen(
                [str(BIN / "gunicorn"), "--workers", str(workers), "--bind",
                 f"{HOST}:{self.port}", "--chdir", str(chdir), "--timeout", "120",
                 "--graceful-timeout", "5", app],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.server)
        return self

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the master)."""
        path = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children")
        return [int(p) for p in path.read_text().split()]

    def stop(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.server = None

    def kill_master_and_workers(self) -> None:
        """kill -9 everything, as a power cut to the app server would."""
        pids = self.worker_pids()
        self.server.kill()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.server.wait()
        self.server = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def wait_for_port(port: int, process: subprocess.Popen | None = None, seconds: float = 30):
    """Return once something accepts connections on the port."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"服务进程已退出（{process.returncode}）")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"端口 {port} 无响应")


class Client:
    """One HTTP client: a new connection per request (gunicorn's sync workers close them)."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 60):
        self.port, self.token, self.timeout = port, token, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, data
        finally:
            connection.close()

    def get(self, path: str) -> int:
        return self.request("GET", path)[0]

    def post_json(self, path: str, payload: dict) -> tuple[int, dict]:
        status, data = self.request("POST", path, json.dumps(payload).encode(),
                                    {"Content-Type": "application/json"})
        try:
            return status, json.loads(data)
        except ValueError:
            return status, {}

    def login(self, username: str, password: str = PASSWORD) -> None:
        """Sign in through the form, so pages are read with a session as a browser does."""
        _, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        form = urlencode({"username": username, "password": password, "csrf_token": token})
        status, _ = self.request("POST", "/login", form.encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"{username} 登录失败（{status}）")
