"""gunicorn settings for logsieve: ``gunicorn -c python:logsieve.server.gunicorn_conf …``.

Drops a finished worker's live gauges from the shared metrics directory, so
``log_classifier_active_workers`` counts only workers that are alive.
"""

from __future__ import annotations

from typing import Any

from logsieve.server.metrics import mark_process_dead

# uvicorn-worker (pip install uvicorn-worker): uvicorn.workers is deprecated upstream.
worker_class = "logsieve.server.gunicorn_worker.GuardedUvicornWorker"
# The model is loaded in each worker after fork (the app factory runs there), never shared.
preload_app = False
graceful_timeout = 30
timeout = 120


def child_exit(server: Any, worker: Any) -> None:
    mark_process_dead(worker.pid)
