"""Real PostgreSQL servers and app processes for the tests that need them outside the test database: a primary
and its hot standby, a server to stop and start under load, gunicorn serving the app.

The servers are the embedded package's PostgreSQL 18 (initdb, pg_ctl, pg_basebackup), on loopback ports in a
temporary folder. PostgreSQL refuses to run as root: as root they run as the package's own ``pgserver`` user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
from django.conf import settings

from events.backups import embedded_bins

BIN = embedded_bins()[-1]  # the newest: PostgreSQL 18
SYSTEM_USER = "pgserver" if os.geteuid() == 0 else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def workspace() -> Path:
    """A temporary folder the servers' system user may write in."""
    folder = Path(tempfile.mkdtemp(prefix="dipl-servers-"))
    folder.chmod(0o755)
    if SYSTEM_USER:
        with contextlib.suppress(subprocess.CalledProcessError):  # the user is there already
            subprocess.run(["useradd", "--system", "--no-create-home", SYSTEM_USER], check=True, capture_output=True)
        shutil.chown(folder, SYSTEM_USER)
    return folder


def pg(command: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / command), *args], user=SYSTEM_USER, capture_output=True, text=True, check=check, timeout=120
    )


class Server:
    """One PostgreSQL server in ``folder``: a new cluster, or a standby copied from ``primary``."""

    def __init__(self, folder: Path, primary: Server | None = None):
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        if primary is None:
            pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
        else:  # -R: standby.signal and primary_conninfo; -c fast: no wait for the next checkpoint
            pg(
                "pg_basebackup",
                *("-D", str(self.data), "-R", "-c", "fast", "-U", "postgres"),
                *("-h", "127.0.0.1", "-p", str(primary.port)),
            )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres"):
        with psycopg.connect(self.url(database), autocommit=True) as connection:
            cursor = connection.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def log(self) -> str:
        return (self.folder / "log").read_text(errors="replace")


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def app_environment(**values: str) -> dict[str, str]:
    """The app's environment: production settings, no throttling, the given values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_", "CACHE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="diplomacy.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="test-servers-" + "x" * 40,
        API_ANON_RATE="off",
        PYTHONUNBUFFERED="1",
    )
    env.update(values)
    return env


@contextlib.contextmanager
def migrated_server():
    """A server of its own with the app's database ("diplomacy") migrated; removed afterwards."""
    folder = workspace()
    server = Server(folder / "primary")
    try:
        server.start()
        server.execute("CREATE DATABASE diplomacy")
        manage(app_environment(DATABASE_URL=server.url("diplomacy")), "migrate", "--noinput", "-v0")
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def redis_url() -> str | None:
    """The machine's Redis (a database of its own), when one answers: the cache shared by workers."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return "redis://127.0.0.1:6379/15"
    except OSError:
        pass
    return None


class Gunicorn:
    """The app under gunicorn, as production runs it."""

    def __init__(self, env: dict, workers: int = 2):
        self.port = free_port()
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed with the object)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "diplomacy.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--graceful-timeout",
                "20",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            time.sleep(0.2)
        raise AssertionError("gunicorn did not start: " + self.output())

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, method: str, path: str, token: str | None = None, body: bytes | None = None, headers=None):
        """(status, headers, body) of one request."""
        request = urllib.request.Request(self.url(path), data=body, method=method, headers=dict(headers or {}))
        if token:
            request.add_header("Authorization", f"Token {token}")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def stop(self) -> None:
        """Stop gunicorn (SIGTERM); its output stays readable."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
