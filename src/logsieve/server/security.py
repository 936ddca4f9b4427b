"""Optional API keys (``X-API-Key``) and optional per-key rate limits.

Keys come from settings (``LOGSIEVE_API_KEYS``, at least 16 characters each); with none
configured the API is open. Keys are compared with :func:`hmac.compare_digest` against every
configured key, so neither the answer nor its timing tells how much of a guess was right.
Wrong keys are throttled per client address (``LOGSIEVE_AUTH_FAILURES_PER_MINUTE``): past
the limit the address gets 429 whatever it sends, so keys cannot be guessed at line rate.

The rate limits are token buckets per key (per client address when the API is open): one
for requests, one for log lines (a 1,000-line batch takes 1,000), kept in this process: with
N worker processes a client can get up to N times the limit; put a shared limiter in front
for more, or configure Redis (``LOGSIEVE_REDIS_URL``): the limits are then counted there,
one per minute window shared by every worker and replica (:class:`SharedRateLimiter`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import SecretStr

API_KEY_HEADER = "X-API-Key"
#: Buckets kept before the oldest idle ones are dropped (bounds memory against many addresses).
_MAX_BUCKETS = 10_000


class ApiKeys:
    """The configured keys; :meth:`identify` names the caller or returns ``None``."""

    def __init__(self, keys: Sequence[SecretStr]) -> None:
        self._keys = [k.get_secret_value().encode() for k in keys if k.get_secret_value()]

    @property
    def required(self) -> bool:
        return bool(self._keys)

    def identify(self, presented: str | None) -> str | None:
        """A stable, non-secret name for the matching key, or None if none matches."""
        if presented is None:
            return None
        candidate = presented.encode("utf-8", "surrogateescape")
        match: bytes | None = None
        for key in self._keys:  # no early exit: time does not depend on which key matched
            if hmac.compare_digest(candidate, key):
                match = key
        if match is None:
            return None
        return "key:" + hashlib.sha256(match).hexdigest()[:12]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per caller: ``per_minute`` units a minute (requests, lines or failed
    keys), bursts up to the same. A cost over the whole bucket needs a full bucket and
    empties it (one such batch a minute), so no request is refused for ever."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def acquire(self, caller: str, now: float | None = None, cost: float = 1.0) -> float:
        """Take ``cost`` tokens: 0.0 if allowed, else the seconds until they are free."""
        return self._take(caller, now, cost, take=True)

    def wait(self, caller: str, now: float | None = None) -> float:
        """The seconds until one token is free (0.0: now), taking nothing."""
        return self._take(caller, now, 1.0, take=False)

    def _take(self, caller: str, now: float | None, cost: float, *, take: bool) -> float:
        if not self.enabled:
            return 0.0
        now = time.monotonic() if now is None else now
        need = min(float(cost), float(self.per_minute))
        with self._lock:
            bucket = self._buckets.get(caller)
            if bucket is None:
                if len(self._buckets) >= _MAX_BUCKETS:
                    self._drop_full(now)
                bucket = self._buckets[caller] = _Bucket(float(self.per_minute), now)
            bucket.tokens = min(
                float(self.per_minute), bucket.tokens + (now - bucket.updated) * self._rate
            )
            bucket.updated = now
            if bucket.tokens >= need:
                if take:
                    bucket.tokens -= need
                return 0.0
            return (need - bucket.tokens) / self._rate

    def _drop_full(self, now: float) -> None:
        """Forget callers whose bucket has refilled: they lose nothing by it."""
        full = [
            k
            for k, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self._rate >= self.per_minute
        ]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) >= _MAX_BUCKETS:  # all busy: drop the oldest
            oldest = sorted(self._buckets, key=lambda k: self._buckets[k].updated)
            for k in oldest[: len(oldest) // 2]:
                del self._buckets[k]


def retry_after_header(seconds: float) -> str:
    """Retry-After wants whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


class TokenStore(Protocol):
    """Where a shared limit is counted (``cache_redis.RedisBackend.take_tokens``)."""

    def take_tokens(
        self, bucket: str, cost: float, limit: int, window_s: float = 60.0, *, take: bool = True
    ) -> float: ...


class SharedRateLimiter(RateLimiter):
    """A limit counted in a store every worker and replica shares (a window a minute), so N
    workers do not give a client N times the limit. The store being unreachable never fails
    a request: the local bucket decides meanwhile, and ``store_errors`` counts it."""

    def __init__(self, per_minute: int, store: TokenStore, kind: str) -> None:
        super().__init__(per_minute)
        self._store = store
        self._kind = kind
        self.store_errors = 0

    def _take(self, caller: str, now: float | None, cost: float, *, take: bool) -> float:
        if not self.enabled:
            return 0.0
        try:
            return self._store.take_tokens(
                f"{self._kind}:{caller}", cost, self.per_minute, take=take
            )
        except Exception:  # Redis down: this process's own bucket meanwhile
            self.store_errors += 1
            return super()._take(caller, now, cost, take=take)


def limiters(
    per_minute: int, lines: int, auth_failures: int, store: Any | None
) -> tuple[RateLimiter, RateLimiter, RateLimiter]:
    """The request, line and failed-key limiters: shared through ``store`` when given."""
    if store is None:
        return RateLimiter(per_minute), RateLimiter(lines), RateLimiter(auth_failures)
    return (
        SharedRateLimiter(per_minute, store, "requests"),
        SharedRateLimiter(lines, store, "lines"),
        SharedRateLimiter(auth_failures, store, "auth-failures"),
    )
