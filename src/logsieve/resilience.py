"""Seed 001's resilience design: a circuit breaker per downstream, retries with backoff for
transient errors only, a timeout per call, and a per-minute call cap.

Nothing here knows about HTTP, the OpenAI SDK or the encoder: the stages translate their own
errors into the two markers below, and these helpers act on the markers only.

    StageFailed (logsieve.errors)
    └── TransientError       worth another try: timeout, connection error, HTTP 5xx/429
        └── DeadlineExceeded a call ran past its timeout
    StageUnavailable (logsieve.errors)
    ├── BreakerOpen          the breaker is open, or half-open with its probe in flight
    └── CapExceeded          the per-minute call cap is spent

Example, the way a stage guards its downstream:

    >>> breaker = CircuitBreaker("llm", max_failures=3, reset_timeout_s=5.0)
    >>> retry = RetryPolicy(retries=2, backoff_s=0.1)
    >>> breaker.call(retry.call, lambda: "answer")
    'answer'
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from logsieve.errors import (
    BreakerOpen,
    CapExceeded,
    DeadlineExceeded,
    StageUnavailable,
    TransientError,
)

T = TypeVar("T")
Clock = Callable[[], float]


def is_transient(exc: BaseException) -> bool:
    """The default transient test: our marker plus the stdlib's timeout/connection errors.

    An open breaker, a spent cap, a 4xx or an invalid answer are not transient: retrying them
    either cannot help or would hammer a downstream that asked us to stop.
    """
    if isinstance(exc, StageUnavailable):
        return False
    return isinstance(exc, TransientError | TimeoutError | ConnectionError)


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


#: ``listener(breaker_name, old_state, new_state)``, called after the state changed.
BreakerListener = Callable[[str, BreakerState, BreakerState], None]


def _counts_any_error(exc: BaseException) -> bool:
    # Refusals raised by our own guards (cap, a nested breaker) say nothing about the
    # downstream's health, so they neither trip the breaker nor count as a good probe.
    return not isinstance(exc, StageUnavailable)


class CircuitBreaker:
    """Closed → (``max_failures`` consecutive failures) → open → (``reset_timeout_s``) →
    half-open: exactly one probe call goes through, others are rejected with BreakerOpen;
    the probe's success closes the breaker, its failure opens it again for another period.

    Thread-safe. ``clock`` is injectable for tests; ``is_failure`` decides which exceptions
    count (default: all but StageUnavailable, which are neutral).

    ``max_in_flight`` caps concurrent calls plus consecutive failures while closed (callers
    beyond it wait their turn, up to ``wait_s``): with it at ``max_failures``, a failing
    downstream sees at most
    ``max_failures`` calls before the breaker opens, however many callers there are (a
    50-line batch on 4 threads would otherwise send 4). None: no cap.
    """

    def __init__(
        self,
        name: str,
        max_failures: int = 3,
        reset_timeout_s: float = 5.0,
        clock: Clock = time.monotonic,
        is_failure: Callable[[BaseException], bool] = _counts_any_error,
        max_in_flight: int | None = None,
        wait_s: float = 30.0,
    ) -> None:
        if max_failures < 1:
            raise ValueError("max_failures must be >= 1")
        self.max_in_flight = max_in_flight
        self.wait_s = wait_s
        self.name = name
        self.max_failures = max_failures
        self.reset_timeout_s = reset_timeout_s
        self._clock = clock
        self._is_failure = is_failure
        self._lock = threading.Lock()
        self._turn = threading.Condition(self._lock)  # a slot under max_in_flight freed
        self._in_flight = 0
        self._state = BreakerState.CLOSED
        self._consecutive_failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False
        self._listeners: list[BreakerListener] = []
        self.calls = 0
        self.failures = 0
        self.rejected = 0
        self.times_opened = 0

    # --- observation --------------------------------------------------------------------
    def add_listener(self, listener: BreakerListener) -> None:
        """Be told of every state change (metrics gauges use this)."""
        self._listeners.append(listener)

    @property
    def state(self) -> BreakerState:
        """The current state; an open breaker whose period ran out reads as half-open."""
        with self._lock:
            changes = self._refresh()
            state = self._state
        self._notify(changes)
        return state

    @property
    def is_open(self) -> bool:
        """True while calls are refused outright (open, not yet due for a probe)."""
        return self.state is BreakerState.OPEN

    def snapshot(self) -> dict[str, Any]:
        """State and counters for health endpoints."""
        state = self.state
        with self._lock:
            return {
                "name": self.name,
                "state": state.value,
                "consecutive_failures": self._consecutive_failures,
                "max_failures": self.max_failures,
                "reset_timeout_s": self.reset_timeout_s,
                "calls": self.calls,
                "failures": self.failures,
                "rejected": self.rejected,
                "times_opened": self.times_opened,
                "in_flight": self._in_flight,
                "max_in_flight": self.max_in_flight,
            }

    # --- the guarded call ---------------------------------------------------------------
    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` if the breaker lets it through; record the outcome."""
        changes: list[tuple[BreakerState, BreakerState]] = []
        is_probe = False
        with self._lock:
            changes += self._refresh()
            if self.max_in_flight is not None:
                # wait for a slot; an outcome meanwhile (the breaker opening) is seen below
                deadline = self._clock() + self.wait_s
                while (
                    self._state is BreakerState.CLOSED
                    and self._over_in_flight()
                    and self._clock() < deadline
                ):
                    self._turn.wait(timeout=min(0.5, self.wait_s))
                    changes += self._refresh()
            if (
                self.max_in_flight is not None
                and self._state is BreakerState.CLOSED
                and self._over_in_flight()
            ):
                self.rejected += 1
                err: BreakerOpen | None = BreakerOpen(
                    self.name,
                    0.0,
                    f"circuit breaker '{self.name}': {self._in_flight} calls "
                    f"in flight for {self.wait_s:g}s; call rejected",
                )
            elif self._state is BreakerState.OPEN:
                self.rejected += 1
                retry_after = self._opened_at + self.reset_timeout_s - self._clock()
                err = BreakerOpen(self.name, max(retry_after, 0.0))
            elif self._state is BreakerState.HALF_OPEN and self._probe_in_flight:
                self.rejected += 1
                err = BreakerOpen(
                    self.name,
                    0.0,
                    f"circuit breaker '{self.name}' is half-open with a probe "
                    "in flight; call rejected",
                )
            else:
                err = None
                is_probe = self._state is BreakerState.HALF_OPEN
                if is_probe:
                    self._probe_in_flight = True
                self.calls += 1
                self._in_flight += 1
        self._notify(changes)
        if err is not None:
            raise err

        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            failed = isinstance(exc, Exception) and self._is_failure(exc)
            with self._lock:
                if is_probe:
                    self._probe_in_flight = False
                changes = self._record_failure(is_probe) if failed else []
                self._in_flight -= 1
                self._turn.notify_all()
            self._notify(changes)
            raise
        with self._lock:
            if is_probe:
                self._probe_in_flight = False
            changes = self._record_success()
            self._in_flight -= 1
            self._turn.notify_all()
        self._notify(changes)
        return result

    # --- transitions (call with the lock held) -----------------------------------------
    def _over_in_flight(self) -> bool:
        # Failures already seen take slots too: calls in flight plus consecutive failures
        # never pass the cap, so a failing downstream sees at most max_failures calls.
        assert self.max_in_flight is not None
        return self._in_flight + self._consecutive_failures >= self.max_in_flight

    def _set(self, new: BreakerState) -> list[tuple[BreakerState, BreakerState]]:
        old, self._state = self._state, new
        return [(old, new)] if old is not new else []

    def _refresh(self) -> list[tuple[BreakerState, BreakerState]]:
        if (
            self._state is BreakerState.OPEN
            and self._clock() - self._opened_at >= self.reset_timeout_s
        ):
            return self._set(BreakerState.HALF_OPEN)
        return []

    def _record_success(self) -> list[tuple[BreakerState, BreakerState]]:
        self._consecutive_failures = 0
        if self._state is BreakerState.HALF_OPEN:
            return self._set(BreakerState.CLOSED)
        return []

    def _record_failure(self, was_probe: bool) -> list[tuple[BreakerState, BreakerState]]:
        self.failures += 1
        self._consecutive_failures += 1
        if was_probe or (
            self._state is BreakerState.CLOSED and self._consecutive_failures >= self.max_failures
        ):
            self._opened_at = self._clock()
            self.times_opened += 1
            return self._set(BreakerState.OPEN)
        return []

    def _notify(self, changes: list[tuple[BreakerState, BreakerState]]) -> None:
        # Outside the lock, so a listener may read the breaker without deadlocking.
        for old, new in changes:
            for listener in self._listeners:
                listener(self.name, old, new)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry transient errors ``retries`` times, waiting backoff_s, backoff_s*multiplier, …

    Seed 001: 2 retries, 100 ms then 200 ms. Anything ``is_transient`` rejects is raised at
    once. ``on_retry(attempt, exc)`` is told of each retry (for counters).
    """

    retries: int = 2
    backoff_s: float = 0.1
    multiplier: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    is_transient: Callable[[BaseException], bool] = is_transient
    on_retry: Callable[[int, BaseException], None] | None = None

    def delays(self) -> list[float]:
        """The waits before each retry, in order."""
        return [self.backoff_s * self.multiplier**i for i in range(self.retries)]

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn``, retrying transient failures; re-raises the last error."""
        for attempt, delay in enumerate([*self.delays(), None]):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                if delay is None or not self.is_transient(exc):
                    raise
                if self.on_retry is not None:
                    self.on_retry(attempt + 1, exc)
                self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


def run_with_timeout(fn: Callable[..., T], timeout_s: float, *args: Any, **kwargs: Any) -> T:
    """Run a blocking ``fn`` with a deadline; raise DeadlineExceeded when it is late.

    For downstreams without a timeout of their own (the encoder). The late call keeps running
    in its daemon thread — Python cannot stop it — but the caller is released on time.
    Prefer a native timeout (the HTTP client's) where there is one.
    """
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, daemon=True, name="logsieve-deadline").start()
    if not done.wait(timeout_s):
        raise DeadlineExceeded(f"call did not finish within {timeout_s:g}s")
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


@dataclass(slots=True)
class CallCap:
    """At most ``per_minute`` calls in any sliding 60-second window (0 = no cap). Thread-safe."""

    per_minute: int
    clock: Clock = time.monotonic
    window_s: float = 60.0
    _stamps: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self) -> None:
        """Take one call from the budget or raise CapExceeded."""
        if self.per_minute <= 0:
            return
        with self._lock:
            now = self.clock()
            while self._stamps and now - self._stamps[0] >= self.window_s:
                self._stamps.popleft()
            if len(self._stamps) >= self.per_minute:
                raise CapExceeded(f"over the cap of {self.per_minute} LLM calls per minute")
            self._stamps.append(now)

    def used(self) -> int:
        """Calls counted in the current window."""
        with self._lock:
            now = self.clock()
            return sum(1 for s in self._stamps if now - s < self.window_s)


@dataclass(slots=True)
class Guard:
    """Breaker around retries around a timeout: the whole of seed 001 for one downstream.

    ``timeout_s=None`` when ``fn`` enforces its own timeout (and raises a TransientError).

        >>> guard = Guard(CircuitBreaker("embedding", 5, 10.0), RetryPolicy(), timeout_s=4.0)
        >>> guard.call(sum, [1, 2])
        3
    """

    breaker: CircuitBreaker
    retry: RetryPolicy
    timeout_s: float | None = None

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        timeout_s = self.timeout_s
        value: T
        if timeout_s is None:
            value = self.breaker.call(self.retry.call, fn, *args)
        else:
            value = self.breaker.call(self.retry.call, run_with_timeout, fn, timeout_s, *args)
        return value
