"""Helpers for the server tests: a real uvicorn server on 127.0.0.1 in a thread.

Not a conftest.py (the lead owns that): test modules import from here. One real sieve is
built per test session and shared by the apps that need different limits.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from logsieve.build import build_sieve
from logsieve.server import create_app
from logsieve.settings import Settings
from redis_server import free_port

#: Lines the standard taxonomy's rules decide, with different labels (order checks need them).
RULE_LINES = (
    "User admin123 logged in.",
    "Backup nightly completed successfully.",
    "System updated to version 2.4.1.",
    "Disk cleanup completed on /var.",
    "Account with ID 77 created by admin.",
)
#: Lines no rule matches.
OTHER_LINES = (
    "Connection pool exhausted after 30s",
    "Shard 12 replication lag is 4000 ms",
    "ERROR nova.compute.manager [req-1234-abcd] [instance: uuid] Service failed",
)


class LiveServer:
    """``with LiveServer(app) as srv: httpx.get(srv.url + "/health")``."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LiveServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name="uvicorn-test"
        )
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(timeout=15)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)


def metric_value(text: str, name: str, **labels: str) -> float:
    """Sum of the samples called ``name`` whose labels include ``labels``."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


@pytest.fixture(scope="session")
def real_sieve() -> Iterator[Any]:
    sieve = build_sieve(Settings())
    yield sieve
    sieve.close()


def serve(settings: Settings | None = None, sieve: Any | None = None) -> LiveServer:
    """A live server for these settings (sharing ``sieve`` when given)."""
    return LiveServer(create_app(settings or Settings(), sieve=sieve))


@contextmanager
def serve_subprocess(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """``logsieve serve ARGS`` in a subprocess on a free 127.0.0.1 port, once it answers
    ``GET /``: (url, port); terminated on exit."""
    with serve_process(*args, env=env) as (url, port, _proc):
        yield url, port


@contextmanager
def serve_process(
    *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, int, subprocess.Popen[bytes]]]:
    """:func:`serve_subprocess`, with the process too (a test may kill it mid-run)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "logsieve",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *args,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
                raise RuntimeError(f"server died: {err}")
            try:
                httpx.get(url + "/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.2)
        yield url, port, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
