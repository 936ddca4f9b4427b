"""Metrics stay right with several worker processes: ``logsieve serve --workers 2`` in a
subprocess (prometheus_client multiprocess mode), scraped after requests spread over both."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest_server import RULE_LINES, metric_value, serve_subprocess


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    metrics_dir = tmp_path_factory.mktemp("prom")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    try:
        with serve_subprocess("--workers", "2", env=env) as (url, _):
            deadline = time.monotonic() + 60  # the sieve loaded (health 200), as before
            while (
                httpx.get(url + "/health", timeout=5).status_code != 200
                and time.monotonic() < deadline
            ):
                time.sleep(0.2)
            # Both workers must be up before we count on traffic reaching both.
            deadline = time.monotonic() + 60
            while len(list(Path(metrics_dir).glob("*.db"))) < 2 and time.monotonic() < deadline:
                httpx.get(url + "/", timeout=2)
                time.sleep(0.2)
            yield url, Path(metrics_dir)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


@pytest.mark.slow
def test_metrics_add_up_over_worker_processes(two_workers: tuple[str, Path]) -> None:
    url, metrics_dir = two_workers
    before = httpx.get(url + "/metrics", timeout=10).text
    n = 40
    for i in range(n):  # a new connection each time, so the kernel spreads them over workers
        r = httpx.post(
            url + "/api/classify", json={"log_message": RULE_LINES[i % len(RULE_LINES)]}, timeout=10
        )
        assert r.status_code == 200
    after = httpx.get(url + "/metrics", timeout=10).text

    def delta(name: str, **labels: str) -> float:
        return metric_value(after, name, **labels) - metric_value(before, name, **labels)

    assert (
        delta(
            "log_classifier_http_requests_total",
            endpoint="/api/classify",
            method="POST",
            status="200",
        )
        == n
    )
    assert delta("log_classifications_total", classifier="regex") == n
    counter_files = list(metrics_dir.glob("counter_*.db"))
    assert len(counter_files) >= 2  # the values really come from more than one process
