"""gunicorn settings, from the environment. No `preload_app`: HiGHS, numpy's thread pool and
SQLAlchemy pools must not be shared across forked workers, so the master never imports the
service package (its JSON logger is loaded from service/platform/logs.py by file path)."""

import glob
import importlib.util
import ipaddress
import os
import shutil
import tempfile

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Several workers share one count per client: in the app's database unless told otherwise (Redis, say).
if workers > 1:
    os.environ.setdefault("RATELIMIT_STORAGE_URI", "database://")
# Above the solver's time limit, so a long solve ends as a 503, never as a killed worker.
timeout = int(float(os.environ.get("SOLVER_TIME_LIMIT_SECONDS", "10")) + 20)
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# gunicorn 27 listens on a control socket in $HOME by default: several servers on one machine
# (tests, benchmarks) would share its path, and nothing here uses it.
control_socket_disable = True


def _platform_module(name: str):
    spec = importlib.util.spec_from_file_location(f"policy_options_gunicorn_{name}",
                                                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "platform", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# One JSON object per line: gunicorn's own messages, its access lines and the app's logs.
logger_class = _platform_module("logs").GunicornJsonLogger
# gunicorn's sync worker, whose own error responses (414, 431, 400, 500, timeout) are problem documents.
worker_class = _platform_module("gunicorn_worker").ProblemSyncWorker

# Prometheus in several processes (service/platform/metrics.py): every worker writes its values under
# PROMETHEUS_MULTIPROC_DIR and /metrics adds them up. The variable must be set before a worker
# imports prometheus_client, hence here; a folder of our own is emptied at start and removed at exit.
_OWN_METRICS_DIR = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _OWN_METRICS_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="policy-options-metrics-")


def _beyond_loopback(address) -> bool:
    if not isinstance(address, tuple):  # a Unix socket: local by nature
        return False
    host = address[0].strip("[]")
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: whatever it resolves to, others may reach it
        return True


def when_ready(server):
    if not os.environ.get("API_KEYS") and any(_beyond_loopback(address) for address in server.cfg.address):
        server.log.warning("Bound to %s with no API_KEYS: anyone who can reach it may add, replace and delete "
                           "models and open workshops. Set API_KEYS (README \"API keys\").", server.cfg.bind)


def on_starting(server):
    # Values left by an earlier run of the same folder would be added to this run's.
    for path in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(path)


def post_worker_init(worker):
    # The app is loaded: what exists now (modules, the app, its schemas, the engine imported here
    # rather than by the first ranking) lives as long as the worker. Frozen, the garbage collector's
    # full passes no longer walk it; they ran every few hundred requests over about a million objects.
    import gc

    import service.engine.ranking  # noqa: F401

    gc.collect()
    gc.freeze()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _OWN_METRICS_DIR:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
