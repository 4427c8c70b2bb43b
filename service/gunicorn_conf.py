"""gunicorn settings, from the environment. No `preload_app`: HiGHS and SQLAlchemy pools must
not be shared across forked workers."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# Above the solver's time limit, so a long solve ends as a 503, never as a killed worker.
timeout = int(float(os.environ.get("SOLVER_TIME_LIMIT_SECONDS", "10")) + 20)
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
