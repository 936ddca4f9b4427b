"""The gunicorn worker for logsieve: uvicorn-worker's, speaking through
:mod:`logsieve.server.protocol` (TCP_NODELAY, head and body timeouts, header and connection
limits), so a gunicorn deployment refuses slow and oversized clients as ``logsieve serve``
does. Needs the ``server`` extra (gunicorn, uvicorn-worker)::

    gunicorn 'logsieve.server.app:create_app()' -c python:logsieve.server.gunicorn_conf \\
        -k logsieve.server.gunicorn_worker.GuardedUvicornWorker -w 2 -b 0.0.0.0:8000
"""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker

from .protocol import PROTOCOL


class GuardedUvicornWorker(UvicornWorker):  # type: ignore[misc]  # (uvicorn-worker has no types)
    CONFIG_KWARGS: dict[str, Any] = {"loop": "auto", "http": PROTOCOL}  # noqa: RUF012
