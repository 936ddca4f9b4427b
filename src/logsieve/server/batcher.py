"""The micro-batcher: concurrent single lines become one ``classify_batch`` call.

The encoder costs much less per line in a batch than alone, and every ``classify_batch``
call runs in a worker thread so the event loop only parses and answers HTTP. Lines that
arrive while a batch is gathering join it; the batch goes when the window
(``microbatch_window_ms``) has passed or it holds ``microbatch_max_lines``. While all worker
threads are busy, new lines keep gathering and go as soon as one is free, so batches grow with
load by themselves.

    batcher = MicroBatcher(sieve.classify_batch, window_s=0.002, max_lines=256)
    result = await batcher.classify("disk full on /var", "app-server")
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from logsieve.result import Result

LineInput = tuple[str, str | None]
#: the sieve's ``classify_batch``: lines, or what ``begin`` handed back, in; one Result each out
ClassifyBatch = Callable[[Sequence[Any]], list[Result]]
#: ``(text, source) -> Result | pending``: the answer from rules or cache, never blocking,
#: else the line as far as it got, which ``classify_batch`` finishes
Begin = Callable[[str, str | None], Any]


class BatchObserver(Protocol):
    """Told about every batch, from the worker thread that runs it (metrics), and about
    every line answered inline, from the event loop."""

    def started(self) -> None: ...
    def finished(self, results: list[Result]) -> None: ...
    def failed(self, exc: BaseException) -> None: ...
    def answered_inline(self, result: Result) -> None: ...


@dataclass(slots=True)
class _Waiting:
    item: Any  #: a LineInput, or what ``begin`` handed back
    future: asyncio.Future[Result]


class MicroBatcher:
    """Gathers single lines into batches; also runs whole batches on the same threads.

    ``classify_batch`` is the blocking, thread-safe sieve call; ``begin`` (optional,
    :meth:`logsieve.sieve.Sieve.begin`) answers a line from rules or cache or hands back the
    line as far as it got, for ``classify_batch`` to finish (so nothing is done twice);
    ``observer`` (optional) is told of every batch that starts, finishes or fails, and of
    every line ``begin`` answered.
    """

    def __init__(
        self,
        classify_batch: ClassifyBatch,
        *,
        window_s: float,
        max_lines: int,
        threads: int = 2,
        observer: BatchObserver | None = None,
        begin: Begin | None = None,
    ) -> None:
        self._classify_batch = classify_batch
        self._begin = begin
        self._window_s = window_s
        self._max_lines = max_lines
        self._threads = threads
        self._executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="logsieve-batch"
        )
        self._observer = observer
        self._waiting: list[_Waiting] = []
        self._timer: asyncio.TimerHandle | None = None
        self._in_flight = 0  # gathered batches handed to threads and not yet back
        self.batches_sent = 0  # how many gathered batches went out (tests, benchmark)
        self.answered_inline = 0  # how many lines ``begin`` answered (tests, benchmark)

    # --- public API ------------------------------------------------------------------
    async def classify(self, text: str, source: str | None = None) -> Result:
        """Classify one line: inline when rules or cache know it, else batched with whatever
        else arrives within the window."""
        item: Any = (text, source)
        if self._begin is not None:
            item = self._inline(text, source)
            if isinstance(item, Result):
                return item
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Result] = loop.create_future()
        self._waiting.append(_Waiting(item, fut))
        if len(self._waiting) >= self._max_lines:
            self._flush(loop)
        elif self._timer is None and self._in_flight < self._threads:
            if self._window_s > 0:
                self._timer = loop.call_later(self._window_s, self._on_timer, loop)
            else:
                self._timer = loop.call_soon(self._on_timer, loop)  # type: ignore[assignment]
        return await fut

    async def classify_many(self, items: Sequence[LineInput]) -> list[Result]:
        """Classify a whole batch in one worker-thread call (no window: it is a batch)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._run, items)

    def close(self) -> None:
        """Stop the worker threads; lines still waiting get an error."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for w in self._waiting:
            if not w.future.done():
                w.future.set_exception(RuntimeError("server shutting down"))
        self._waiting.clear()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _inline(self, text: str, source: str | None) -> Any:
        """``begin``'s Result, or the item to batch (what it handed back; the line itself if
        it failed: the batch path then decides, and counts the failure)."""
        assert self._begin is not None
        try:
            found = self._begin(text, source)
        except Exception:
            return (text, source)
        if isinstance(found, Result):
            self.answered_inline += 1
            if self._observer is not None:
                self._observer.answered_inline(found)
        return found

    # --- gathering -------------------------------------------------------------------
    def _on_timer(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        if self._in_flight < self._threads:
            self._flush(loop)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._waiting and (
            self._in_flight < self._threads or len(self._waiting) >= self._max_lines
        ):
            batch = self._waiting[: self._max_lines]
            del self._waiting[: self._max_lines]
            # Lines whose client has gone away (future cancelled) are not worth classifying.
            batch = [w for w in batch if not w.future.cancelled()]
            if not batch:
                continue
            self._in_flight += 1
            self.batches_sent += 1
            task = loop.run_in_executor(self._executor, self._run, [w.item for w in batch])
            task.add_done_callback(functools.partial(self._deliver, loop, batch))
            if self._in_flight >= self._threads:
                break

    def _deliver(
        self,
        loop: asyncio.AbstractEventLoop,
        batch: list[_Waiting],
        task: asyncio.Future[list[Result]],
    ) -> None:
        self._in_flight -= 1
        exc = task.exception()
        if exc is not None:
            for w in batch:
                if not w.future.done():
                    w.future.set_exception(exc)
        else:
            for w, res in zip(batch, task.result(), strict=True):
                if not w.future.done():
                    w.future.set_result(res)
        # What gathered while every thread was busy goes now: it has waited long enough.
        if self._waiting and self._in_flight < self._threads:
            self._flush(loop)

    # --- in the worker thread ----------------------------------------------------------
    def _run(self, items: Sequence[Any]) -> list[Result]:
        obs = self._observer
        if obs is not None:
            obs.started()
        try:
            results = self._classify_batch(items)
            if len(results) != len(items):  # the sieve promises one per input; never drop one
                raise RuntimeError(f"sieve gave {len(results)} results for {len(items)} lines")
        except BaseException as exc:
            if obs is not None:
                obs.failed(exc)
            raise
        if obs is not None:
            obs.finished(results)
        return results
