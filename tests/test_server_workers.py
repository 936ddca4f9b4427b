"""Metrics stay right with several worker processes: ``logsieve serve --workers 2`` in a
subprocess (prometheus_client multiprocess mode), scraped after requests spread over both."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest_server import RULE_LINES, metric_value


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    metrics_dir = tmp_path_factory.mktemp("prom")
    port = _free_port()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    cmd = [sys.executable, "-c", "from logsieve.cli import main; main()", "serve",
           "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server died: {proc.stderr.read().decode()[-2000:]}"
                                   if proc.stderr else "server died")
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.2)
        # Both workers must be up before we count on traffic reaching both.
        deadline = time.monotonic() + 60
        while len(list(Path(metrics_dir).glob("*.db"))) < 2 and time.monotonic() < deadline:
            httpx.get(url + "/", timeout=2)
            time.sleep(0.2)
        yield url, Path(metrics_dir)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(metrics_dir, ignore_errors=True)


@pytest.mark.slow
def test_metrics_add_up_over_worker_processes(two_workers: tuple[str, Path]) -> None:
    url, metrics_dir = two_workers
    before = httpx.get(url + "/metrics", timeout=10).text
    n = 40
    for i in range(n):  # a new connection each time, so the kernel spreads them over workers
        r = httpx.post(url + "/api/classify",
                       json={"log_message": RULE_LINES[i % len(RULE_LINES)]}, timeout=10)
        assert r.status_code == 200
    after = httpx.get(url + "/metrics", timeout=10).text

    def delta(name: str, **labels: str) -> float:
        return metric_value(after, name, **labels) - metric_value(before, name, **labels)

    assert delta("log_classifier_http_requests_total", endpoint="/api/classify",
                 method="POST", status="200") == n
    assert delta("log_classifications_total", classifier="regex") == n
    counter_files = list(metrics_dir.glob("counter_*.db"))
    assert len(counter_files) >= 2  # the values really come from more than one process
