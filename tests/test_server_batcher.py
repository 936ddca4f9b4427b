"""The micro-batcher over the real sieve: lines gather into batches, answers go back to the
right caller, and the event loop keeps serving while a batch runs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from conftest_server import OTHER_LINES, RULE_LINES, serve
from conftest_server import real_sieve as real_sieve
from logsieve.result import Result
from logsieve.server.batcher import MicroBatcher
from logsieve.settings import Settings


class Recording:
    """The real sieve's classify_batch, remembering the size of every call."""

    def __init__(self, sieve: Any) -> None:
        self.sieve = sieve
        self.sizes: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, items: Sequence[tuple[str, str | None]]) -> list[Result]:
        with self.lock:
            self.sizes.append(len(items))
        results: list[Result] = self.sieve.classify_batch(items)
        return results


LINES = [*RULE_LINES, *OTHER_LINES] * 8


@pytest.fixture()
def recording(real_sieve: Any) -> Recording:
    return Recording(real_sieve)


def test_concurrent_lines_become_one_batch(recording: Recording, real_sieve: Any) -> None:
    async def run() -> list[Result]:
        batcher = MicroBatcher(recording, window_s=0.05, max_lines=256)
        try:
            return await asyncio.gather(
                *(batcher.classify(t, f"s{i}") for i, t in enumerate(LINES))
            )
        finally:
            batcher.close()

    results = asyncio.run(run())
    assert recording.sizes == [len(LINES)]
    assert [r.log_analyzed for r in results] == LINES
    assert [r.source for r in results] == [f"s{i}" for i in range(len(LINES))]
    direct = real_sieve.classify_batch([(t, None) for t in LINES])
    assert [r.label_id for r in results] == [d.label_id for d in direct]


def test_batches_are_capped_at_max_lines(recording: Recording) -> None:
    async def run() -> list[Result]:
        batcher = MicroBatcher(recording, window_s=0.01, max_lines=8, threads=2)
        try:
            return await asyncio.gather(
                *(batcher.classify(f"{RULE_LINES[0]} {i}") for i in range(20))
            )
        finally:
            batcher.close()

    results = asyncio.run(run())
    assert sorted(recording.sizes, reverse=True) == [8, 8, 4]
    assert [r.log_analyzed for r in results] == [f"{RULE_LINES[0]} {i}" for i in range(20)]


def test_zero_window_still_batches_what_arrived_together(recording: Recording) -> None:
    async def run() -> None:
        batcher = MicroBatcher(recording, window_s=0.0, max_lines=256)
        try:
            await asyncio.gather(*(batcher.classify(t) for t in LINES))
        finally:
            batcher.close()

    asyncio.run(run())
    assert recording.sizes == [len(LINES)]


def test_a_failing_batch_fails_its_callers_only(real_sieve: Any) -> None:
    calls = 0

    def flaky(items: Sequence[tuple[str, str | None]]) -> list[Result]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        results: list[Result] = real_sieve.classify_batch(items)
        return results

    async def run() -> tuple[list[Any], Result]:
        batcher = MicroBatcher(flaky, window_s=0.01, max_lines=256)
        try:
            first = await asyncio.gather(
                *(batcher.classify(t) for t in RULE_LINES), return_exceptions=True
            )
            second = await batcher.classify(RULE_LINES[0])
            return first, second
        finally:
            batcher.close()

    first, second = asyncio.run(run())
    assert all(isinstance(e, RuntimeError) for e in first)
    assert second.log_analyzed == RULE_LINES[0]


class Gate:
    """The real sieve, holding each batch until released (to catch a blocked event loop)."""

    def __init__(self, sieve: Any) -> None:
        self.sieve = sieve
        self.taxonomy = sieve.taxonomy
        self.entered = threading.Event()
        self.release = threading.Event()

    def classify_batch(self, items: Sequence[tuple[str, str | None]]) -> list[Result]:
        self.entered.set()
        assert self.release.wait(30)
        results: list[Result] = self.sieve.classify_batch(items)
        return results

    def health(self) -> dict[str, Any]:
        health: dict[str, Any] = self.sieve.health()
        return health

    def top_templates(self, n: int = 20) -> list[dict[str, Any]]:
        top: list[dict[str, Any]] = self.sieve.top_templates(n)
        return top


@pytest.fixture()
def gated(real_sieve: Any) -> Iterator[Gate]:
    gate = Gate(real_sieve)
    yield gate
    gate.release.set()


def test_event_loop_serves_while_a_batch_runs(gated: Gate) -> None:
    import httpx

    with serve(Settings(), gated) as srv:
        result: dict[str, Any] = {}

        def classify() -> None:
            with httpx.Client(base_url=srv.url, timeout=30) as c:
                result["r"] = c.post("/classify", json=[{"log_message": RULE_LINES[0]}])

        t = threading.Thread(target=classify)
        t.start()
        assert gated.entered.wait(10)
        with srv.client() as c:  # the batch is stuck in its thread; the loop is not
            assert c.get("/").status_code == 200
            assert c.get("/health").status_code == 200
        gated.release.set()
        t.join(10)
        assert result["r"].status_code == 200
