"""gunicorn's settings file (read from the working directory): the Prometheus bookkeeping for several workers.

Each worker keeps its metrics in files in PROMETHEUS_MULTIPROC_DIR, and a scrape of /metrics, whichever worker
answers it, adds up every worker's (prometheus_client's multiprocess mode). The master empties the directory
before the first worker starts (a temporary one when PROMETHEUS_MULTIPROC_DIR is unset, removed at exit), and
forgets a worker that ends. Every other setting comes from the command line."""

import os as _os
import shutil as _shutil
import tempfile as _tempfile

_created = []


def on_starting(server):
    # Set before any worker imports prometheus_client: the client chooses file-backed values at import.
    directory = _os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        _os.makedirs(directory, exist_ok=True)
        for name in _os.listdir(directory):  # the last run's metrics files, nothing else
            if name.endswith(".db"):
                _os.remove(_os.path.join(directory, name))
    else:
        directory = _tempfile.mkdtemp(prefix="diplomacy-metrics-")
        _os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        _created.append(directory)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    for directory in _created:
        _shutil.rmtree(directory, ignore_errors=True)
