"""What one running app holds: the sieve (built once at start-up), the batcher, metrics, limits.

Routes reach it through the dependency aliases in :mod:`logsieve.server.deps`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from logsieve.patterns import TemplateActivity
from logsieve.result import Result
from logsieve.settings import Settings

from .batcher import Begin, MicroBatcher
from .metrics import ServerMetrics
from .security import ApiKeys, RateLimiter


class SieveLike(Protocol):
    """The part of :class:`logsieve.sieve.Sieve` the server uses."""

    taxonomy: Any

    def classify_batch(self, items: Sequence[Any]) -> list[Result]: ...
    # and, when it has it, ``begin(text, source) -> Result | PendingLine`` (rules or cache)
    def health(self) -> dict[str, Any]: ...
    def top_templates(self, n: int = 20) -> list[dict[str, Any]]: ...


#: ``generate_from_prompt(prompt, count, taxonomy, llm=None) -> GenerationResult``
Generator = Callable[..., Any]


class BatchMetrics:
    """Feeds the batcher's events into the metrics (runs in worker threads)."""

    #: breaker states are read from sieve.health() at most this often
    BREAKER_POLL_S = 1.0

    def __init__(
        self, metrics: ServerMetrics, sieve: SieveLike, activity: TemplateActivity | None = None
    ) -> None:
        self._metrics = metrics
        self._sieve = sieve
        self._activity = activity
        self._breakers_read_at = 0.0

    def started(self) -> None:
        self._metrics.active_workers.inc()

    def finished(self, results: list[Result]) -> None:
        self._metrics.active_workers.dec()
        self._metrics.observe_results(results)
        if self._activity is not None:
            self._activity.observe(results)
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
        if self._activity is not None:
            self._activity.observe((result,))


@dataclass
class TaxonomyService:
    """One taxonomy the server answers with: its sieve, the batcher in front of it, and the
    template activity its answers feed (``/api/patterns``, the dashboard, ``/metrics``)."""

    name: str
    sieve: SieveLike
    batcher: MicroBatcher
    activity: TemplateActivity


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
    #: by taxonomy name, the default first (empty until the sieves are built)
    services: dict[str, TaxonomyService] = field(default_factory=dict)
    #: why the sieve could not be built, for /health
    load_error: str | None = None
    generator: Generator | None = None

    @property
    def default(self) -> TaxonomyService | None:
        """The service of a request that names no taxonomy."""
        return next(iter(self.services.values()), None)

    @property
    def sieve(self) -> SieveLike | None:
        default = self.default
        return default.sieve if default is not None else None

    @property
    def batcher(self) -> MicroBatcher | None:
        default = self.default
        return default.batcher if default is not None else None

    def find(self, name: str | None) -> TaxonomyService | None:
        """The service for a taxonomy name (None: the default), or None if it is not served."""
        return self.default if name is None else self.services.get(name)

    def attach(self, sieve: SieveLike, *, threads: int) -> None:
        """Put a built sieve in service behind a fresh micro-batcher (after any already
        attached: the first is the default)."""
        activity = TemplateActivity(scrub=_scrubber(self.settings))
        self.services[sieve.taxonomy.name] = TaxonomyService(
            sieve.taxonomy.name,
            sieve,
            MicroBatcher(
                sieve.classify_batch,
                window_s=self.settings.microbatch_window_ms / 1000.0,
                max_lines=self.settings.microbatch_max_lines,
                threads=threads,
                observer=BatchMetrics(self.metrics, sieve, activity),
                begin=_begin(sieve),
            ),
            activity,
        )


def _scrubber(settings: Settings) -> Callable[[str], str] | None:
    """The LLM stage's secret redaction, for the example lines the patterns view shows to
    any caller (a line one caller sent may hold a token another should not read)."""
    try:
        from logsieve.llm.redact import Redactor
    except ImportError:
        return None
    return Redactor(settings.llm_redact_patterns).redact


def _begin(sieve: SieveLike) -> Begin | None:
    """``sieve.begin`` (never blocking: it reads the in-process cache only, never a shared
    backend), or None for a sieve without it (test doubles that wrap a sieve may leave it
    out): then every line goes through the batcher's threads.
    """
    begin: Begin | None = getattr(sieve, "begin", None)
    return begin
