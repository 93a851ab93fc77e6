"""The embedded PostgreSQL (DATABASE_URL unset) is stopped by the process that started it, however it ends.

Each test runs real `manage.py` processes against a throwaway data directory, then looks for any postgres
process left running on it.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psutil
import pytest
from django.conf import settings

READY = "from django.db import connection; connection.ensure_connection(); print('ready', flush=True)"
LINGER = READY + "; import time; time.sleep(120)"


@pytest.fixture(scope="module")
def pgdata(tmp_path_factory):
    folder = tmp_path_factory.mktemp("embedded") / "pgdata"
    yield folder
    assert not postgres_processes(folder), "a test left the embedded server running"


def postgres_processes(pgdata) -> list[psutil.Process]:
    """Postmaster processes serving ``pgdata``."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and str(pgdata) in cmdline:
            found.append(process)
    return found


def environment(pgdata) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_AUTORELOAD_ENV", "RUN_MAIN"}}
    env.update(EMBEDDED_PGDATA=str(pgdata), DJANGO_SETTINGS_MODULE="diplomacy.settings", PYTHONUNBUFFERED="1")
    return env


def _default_hangup() -> None:
    # A suite started under nohup passes SIGHUP on as ignored: the command would then rightly keep running
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def manage(pgdata, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment(pgdata),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_default_hangup,
        **kwargs,
    )


def run_to_end(pgdata, code: str) -> str:
    process = manage(pgdata, "shell", "--verbosity", "0", "-c", code)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


def start_lingering(pgdata) -> subprocess.Popen:
    process = manage(pgdata, "shell", "--verbosity", "0", "-c", LINGER)
    output = ""
    while "ready" not in output:
        line = process.stdout.readline()
        if not line:  # the process ended without getting ready
            pytest.fail(output + process.stdout.read())
        output += line
    assert postgres_processes(pgdata), "the server should be running while its owner lives"
    return process


def wait_until_gone(pgdata, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while postgres_processes(pgdata) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not postgres_processes(pgdata), "postgres is still running"
    assert not (pgdata / "postmaster.pid").exists()


def test_server_stops_when_the_command_ends_normally(pgdata):
    assert "ready" in run_to_end(pgdata, READY)
    wait_until_gone(pgdata, seconds=5)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["SIGTERM", "Ctrl-C", "SIGHUP"])
def test_server_stops_when_the_owner_is_signalled(pgdata, signum):
    owner = start_lingering(pgdata)
    owner.send_signal(signum)
    owner.communicate(timeout=30)
    wait_until_gone(pgdata)


def test_a_second_process_uses_the_server_and_leaves_it_to_its_owner(pgdata):
    owner = start_lingering(pgdata)
    try:
        server = postgres_processes(pgdata)[0].pid
        run_to_end(pgdata, READY)
        assert [p.pid for p in postgres_processes(pgdata)] == [server], "the guest must not stop or restart it"
    finally:
        owner.send_signal(signal.SIGTERM)
        owner.communicate(timeout=30)
    wait_until_gone(pgdata)


def test_a_server_whose_owner_was_killed_is_adopted_and_stopped(pgdata):
    owner = start_lingering(pgdata)
    owner.kill()  # SIGKILL: no cleanup can run
    owner.communicate(timeout=30)
    assert postgres_processes(pgdata), "a killed owner leaves the server running"
    run_to_end(pgdata, READY)  # the next process adopts it, and stops it when it ends
    wait_until_gone(pgdata)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_runserver_with_autoreloader_stops_the_server_on_sigterm(pgdata):
    port = free_port()
    server = manage(pgdata, "runserver", f"127.0.0.1:{port}", start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=2).status
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "runserver did not answer"
                assert server.poll() is None, server.stdout.read()
                time.sleep(0.3)
        assert status == 200
        assert len(psutil.Process(server.pid).children()) == 1, "runserver should run its autoreloading child"
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)
    wait_until_gone(pgdata)


@pytest.mark.django_db
def test_the_suite_and_dbshell_use_the_configured_server():
    from django.db import connection
    from django.db.backends.postgresql.client import DatabaseClient

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int")
        version = cursor.fetchone()[0]
    host = settings.DATABASES["default"]["HOST"]
    assert connection.connection.info.host == host
    args, _ = DatabaseClient.settings_to_cmd_args_env(settings.DATABASES["default"], [])
    assert args[args.index("-h") + 1] == host
    if os.environ.get("DATABASE_URL"):
        assert host in os.environ["DATABASE_URL"]
    else:
        assert version >= 180000, "the embedded server is PostgreSQL 18"
        assert host.startswith("/"), "the embedded server listens on a Unix socket only"
