"""What one running app holds: the sieve (built once at start-up), the batcher, metrics, limits.

Routes reach it through the dependency aliases in :mod:`logsieve.server.deps`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from logsieve.result import Result
from logsieve.settings import Settings

from .batcher import KnownAnswer, MicroBatcher
from .metrics import ServerMetrics
from .security import ApiKeys, RateLimiter


class SieveLike(Protocol):
    """The part of :class:`logsieve.sieve.Sieve` the server uses."""

    taxonomy: Any

    def classify_batch(self, items: Sequence[tuple[str, str | None]]) -> list[Result]: ...
    # and, when it has it, ``classify_known(text, source) -> Result | None`` (rules or cache)
    def health(self) -> dict[str, Any]: ...
    def top_templates(self, n: int = 20) -> list[dict[str, Any]]: ...


#: ``generate_from_prompt(prompt, count, taxonomy, llm=None) -> GenerationResult``
Generator = Callable[..., Any]


class BatchMetrics:
    """Feeds the batcher's events into the metrics (runs in worker threads)."""

    #: breaker states are read from sieve.health() at most this often
    BREAKER_POLL_S = 1.0

    def __init__(self, metrics: ServerMetrics, sieve: SieveLike) -> None:
        self._metrics = metrics
        self._sieve = sieve
        self._breakers_read_at = 0.0

    def started(self) -> None:
        self._metrics.active_workers.inc()

    def finished(self, results: list[Result]) -> None:
        self._metrics.active_workers.dec()
        self._metrics.observe_results(results)
        now = time.monotonic()
        if now - self._breakers_read_at >= self.BREAKER_POLL_S:
            self._breakers_read_at = now
            self._metrics.mirror_health(self._sieve.health())

    def failed(self, exc: BaseException) -> None:
        self._metrics.active_workers.dec()
        self._metrics.observe_batch_error(exc)

    def answered_inline(self, result: Result) -> None:
        # No worker thread ran and no breaker can have moved: only the line is counted.
        self._metrics.observe_result(result)


@dataclass
class ServerState:
    """Everything the routes need, made once per app."""

    settings: Settings
    metrics: ServerMetrics
    api_keys: ApiKeys
    rate_limiter: RateLimiter
    #: log lines a minute per caller (a batch takes one per line)
    line_limiter: RateLimiter
    #: wrong API keys a minute per client address
    auth_failures: RateLimiter
    sieve: SieveLike | None = None
    batcher: MicroBatcher | None = None
    #: why the sieve could not be built, for /health
    load_error: str | None = None
    generator: Generator | None = None

    def attach(self, sieve: SieveLike, *, threads: int) -> None:
        """Put a built sieve in service behind a fresh micro-batcher."""
        self.sieve = sieve
        self.batcher = MicroBatcher(
            sieve.classify_batch,
            window_s=self.settings.microbatch_window_ms / 1000.0,
            max_lines=self.settings.microbatch_max_lines,
            threads=threads,
            observer=BatchMetrics(self.metrics, sieve),
            known=_inline_lookup(sieve),
        )


def _inline_lookup(sieve: SieveLike) -> KnownAnswer | None:
    """``sieve.classify_known`` (never blocking: it reads the in-process cache only, never a
    shared backend), or None for a sieve without it (test doubles that wrap a sieve may
    leave it out): then every line goes through the batcher's threads.
    """
    known: KnownAnswer | None = getattr(sieve, "classify_known", None)
    return known
