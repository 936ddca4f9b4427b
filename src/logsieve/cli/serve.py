"""``logsieve serve``: the HTTP service under uvicorn.

For production, several worker processes under gunicorn, with metrics summed over workers::

    export PROMETHEUS_MULTIPROC_DIR=/tmp/logsieve-metrics   # empty dir, made fresh at start
    gunicorn 'logsieve.server.app:create_app()' -k uvicorn_worker.UvicornWorker \\
        -w 2 -b 0.0.0.0:8000 -c python:logsieve.server.gunicorn_conf
"""

from __future__ import annotations

import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class EventLoop(StrEnum):
    """uvicorn's event loop."""

    ASYNCIO = "asyncio"
    UVLOOP = "uvloop"
    AUTO = "auto"  # uvloop when installed


def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default from settings: 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings: 8000).")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes; each loads the model (about 150 MB each).")
    ] = 1,
    taxonomy: Annotated[
        str | None,
        typer.Option(
            help="Built-in taxonomy name or YAML path (default: the model directory's own)."
        ),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Directory of a trained head (default: the shipped one)."),
    ] = None,
    also_serve: Annotated[
        str | None,
        typer.Option(
            "--also-serve",
            help="Other taxonomies a request may name, comma-separated (default: "
            "every built-in one; '' for none).",
        ),
    ] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    access_log: Annotated[
        bool,
        typer.Option(
            help="Log every request (uvicorn's access log); "
            "off by default: it costs CPU per request."
        ),
    ] = False,
    loop: Annotated[
        EventLoop,
        typer.Option(
            help="Event loop. asyncio's is the default: a saturated worker on uvloop leaves a "
            "few requests waiting far longer than the rest (p90 2x, p99 6x at 100 clients, "
            "docs/http.md); uvloop gives the same throughput."
        ),
    ] = EventLoop.ASYNCIO,
) -> None:
    """Serve the HTTP API (docs at /docs, metrics at /metrics)."""
    import uvicorn

    # (here, not at the top: every other command would pay for importing the server)
    from logsieve.server.metrics import MULTIPROC_ENV
    from logsieve.server.protocol import PROTOCOL
    from logsieve.settings import Settings

    # Workers are fresh processes that read their settings from the environment.
    if taxonomy is not None:
        os.environ["LOGSIEVE_TAXONOMY"] = taxonomy
    if model is not None:
        os.environ["LOGSIEVE_MODEL_DIR"] = str(model.resolve())
    if also_serve is not None:
        os.environ["LOGSIEVE_SERVE_TAXONOMIES"] = also_serve
    settings = Settings()
    if (workers > 1 or reload) and not os.environ.get(MULTIPROC_ENV):
        # Must be set before any worker imports prometheus_client, so do it here.
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="logsieve-metrics-")
    uvicorn.run(
        "logsieve.server.app:create_app",
        factory=True,
        host=host or settings.host,
        port=settings.port if port is None else port,
        workers=None if reload else workers,
        reload=reload,
        log_level="info",
        access_log=access_log,
        # httptools when installed (uvicorn[standard]), much cheaper than h11; with
        # TCP_NODELAY on every connection (see logsieve.server.protocol).
        loop=loop.value,
        http=PROTOCOL,
    )
