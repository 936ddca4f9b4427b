"""A template cache shared by replicas and batch workers: Redis behind the local LRU.

``DecisionCache`` asks this backend only on a local miss and tells it only about accepted
decisions, so Redis sees about one read per new template per process, not one per line. A
replica that starts late reads what the others already decided instead of paying its
encoder (or the LLM) again.

Redis being slow or down must never stall a request: every call has a short socket timeout
(50 ms by default), and after a failure the backend stops trying for ``retry_after_s`` and
fails fast, so a dead Redis costs one timeout per second, not one per line. Failures raise;
``DecisionCache`` counts them (``stats()["backend_errors"]``) and carries on with the LRU.

Entries live under ``logsieve:<namespace>:<sha256 of the template key>`` as JSON. The
namespace is a hash of the cache fingerprint (taxonomy, head, encoder, threshold), so
sieves that would decide differently never share entries.

    >>> backend = RedisBackend("redis://127.0.0.1:6379/0", namespace="3f2a9c")  # doctest: +SKIP
    >>> DecisionCache(100_000, backend=backend)                                  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .cache import Decision, decision_from_record
from .errors import BadDecision, RedisUnavailable

__all__ = ["RedisBackend", "RedisUnavailable", "redis_key"]

KEY_PREFIX = "logsieve"

#: Take ARGV[1] of ARGV[2] from the window's counter KEYS[1] (if ARGV[4] is 1): 0, or the
#: milliseconds until the window ends when there is not enough left.
_TAKE_TOKENS = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local need = tonumber(ARGV[1])
if used + need > tonumber(ARGV[2]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then ttl = tonumber(ARGV[3]) end
  return ttl
end
if ARGV[4] == '1' then
  redis.call('INCRBYFLOAT', KEYS[1], need)
  if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
end
return 0
"""


def redis_key(namespace: str, template_key: str) -> str:
    """Where a template's decision lives. Hashed: template keys can be kilobytes long."""
    digest = hashlib.sha256(template_key.encode("utf-8")).hexdigest()[:32]
    return f"{KEY_PREFIX}:{namespace}:{digest}"


def _redacted(url: str) -> str:
    """The URL without its password, for health output and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{netloc}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class RedisBackend:
    """``CacheBackend`` over Redis: get/put of ``Decision`` as JSON, short timeouts, health.

    Args:
        url: a redis-py URL (``redis://host:6379/0``, ``rediss://…``, ``unix://…``).
        username, password: Redis ACL credentials (override any in the URL).
        tls: connect with TLS (``rediss://``) even when the URL says ``redis://``.
        tls_ca_file, tls_cert_file, tls_key_file: CA bundle to verify the server, and a
            client certificate and key for mutual TLS.
        tls_verify: check the server's certificate and host name (default on).
        namespace: separates caches of different taxonomy/head/encoder/threshold.
        socket_timeout: seconds for connect and for each command.
        ttl_s: expire entries after this many seconds (None: keep until evicted by Redis).
        retry_after_s: after a failure, fail fast without touching the network this long.
    """

    def __init__(
        self,
        url: str,
        namespace: str,
        socket_timeout: float = 0.05,
        *,
        ttl_s: float | None = None,
        retry_after_s: float = 1.0,
        username: str | None = None,
        password: str | None = None,
        tls: bool = False,
        tls_ca_file: str | None = None,
        tls_cert_file: str | None = None,
        tls_key_file: str | None = None,
        tls_verify: bool = True,
    ) -> None:
        if not namespace or ":" in namespace:
            raise ValueError(f"namespace must be non-empty and without ':' (got {namespace!r})")
        if tls and url.startswith("redis://"):
            url = "rediss://" + url[len("redis://") :]
        self.url = url
        self.namespace = namespace
        self.ttl_s = ttl_s
        self.retry_after_s = retry_after_s
        self.tls = url.startswith("rediss://")
        extra: dict[str, Any] = {}
        if username:
            extra["username"] = username
        if password:
            extra["password"] = password
        if self.tls:
            extra.update(
                ssl_cert_reqs="required" if tls_verify else "none", ssl_check_hostname=tls_verify
            )
            if tls_ca_file:
                extra["ssl_ca_certs"] = tls_ca_file
            if tls_cert_file:
                extra["ssl_certfile"] = tls_cert_file
            if tls_key_file:
                extra["ssl_keyfile"] = tls_key_file
        elif tls_ca_file or tls_cert_file or tls_key_file:
            raise ValueError(
                "TLS files are set but the connection is not TLS "
                "(use rediss:// or LOGSIEVE_REDIS_TLS=true)"
            )
        self._client: Any = redis.Redis.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            # redis-py retries 3 times by default; one short try is the whole budget here.
            retry=Retry(NoBackoff(), 0),
            retry_on_timeout=False,
            health_check_interval=0,
            **extra,
        )
        self._take_script = self._client.register_script(_TAKE_TOKENS)
        self._lock = threading.Lock()
        self._failed_at = -float("inf")  # monotonic time of the last network failure
        self.last_error: str | None = None
        self.last_error_at: float | None = None  # wall-clock time of last_error
        self.errors = 0
        self.gets = 0
        self.hits = 0
        self.puts = 0
        self.rejected = 0  # values under our prefix that are not a decision

    # --- CacheBackend ----------------------------------------------------------------
    def get(self, key: str) -> Decision | None:
        """The shared decision for a template key, or None. Raises when Redis is unreachable."""
        raw = self._call(self._client.get, redis_key(self.namespace, key))
        with self._lock:
            self.gets += 1
        if raw is None:
            return None
        try:
            # No coercion: a string "0.9" or a 7.5 is refused, not turned into an answer.
            # (DecisionCache checks the label against the taxonomy.)
            decision = decision_from_record(json.loads(raw))
        except (ValueError, UnicodeDecodeError) as exc:  # BadDecision, JSONDecodeError
            # Someone else's data under our prefix: a miss, not an outage.
            kind = "bad entry" if isinstance(exc, BadDecision) else "bad entry (not JSON)"
            self._note(f"{kind} for {key[:80]!r}: {exc}")
            with self._lock:
                self.rejected += 1
            return None
        with self._lock:
            self.hits += 1
        return decision

    def put(self, key: str, decision: Decision) -> None:
        """Share a decision. Raises when Redis is unreachable."""
        payload = json.dumps({"key": key, **asdict(decision)}, ensure_ascii=False)
        px = int(self.ttl_s * 1000) if self.ttl_s else None
        self._call(self._client.set, redis_key(self.namespace, key), payload, px=px)
        with self._lock:
            self.puts += 1

    # --- rate limits shared by every worker and replica ---------------------------------
    def take_tokens(
        self, bucket: str, cost: float, limit: int, window_s: float = 60.0, *, take: bool = True
    ) -> float:
        """A fixed-window counter under ``bucket`` (this minute's window): take ``cost`` of
        ``limit`` (a cost over the limit needs an empty window) and return 0.0, or the
        seconds until the window ends. Atomic in Redis (one script), so N processes share
        one limit. Raises when Redis is unreachable (the caller falls back to its own)."""
        window = int(time.time() // window_s)
        key = f"{KEY_PREFIX}:{self.namespace}:{bucket}:{window}"
        ttl_ms = int((window + 1) * window_s * 1000 - time.time() * 1000) + 1
        wait_ms = self._call(
            self._take_script,
            keys=[key],
            args=[min(float(cost), float(limit)), limit, max(ttl_ms, 1), 1 if take else 0],
        )
        return max(0.0, float(wait_ms) / 1000.0)

    # --- observability -----------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        """Reachability (one PING, within the socket timeout) and the error history."""
        try:
            self._call(self._client.ping)
            reachable = True
        except Exception:
            reachable = False
        with self._lock:
            return {
                "url": _redacted(self.url),
                "namespace": self.namespace,
                "reachable": reachable,
                "last_error": self.last_error,
                "last_error_at": self.last_error_at,
                "errors": self.errors,
                "gets": self.gets,
                "hits": self.hits,
                "puts": self.puts,
                "rejected": self.rejected,
                "tls": self.tls,
                "ttl_s": self.ttl_s,
            }

    def clear(self) -> int:
        """Delete this namespace's entries (for tests and operators); returns how many."""
        n = 0
        for k in self._client.scan_iter(match=f"{KEY_PREFIX}:{self.namespace}:*", count=1000):
            n += int(self._client.delete(k))
        return n

    def close(self) -> None:
        self._client.close()

    # --- internals ---------------------------------------------------------------------
    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._failed_at + self.retry_after_s:
            raise RedisUnavailable(
                f"Redis unreachable recently ({self.last_error}); "
                f"retrying after {self.retry_after_s:g} s"
            )
        try:
            return fn(*args, **kwargs)
        except redis.RedisError as exc:
            self._note(f"{type(exc).__name__}: {exc}")
            with self._lock:
                self._failed_at = time.monotonic()
            raise

    def _note(self, message: str) -> None:
        with self._lock:
            self.errors += 1
            self.last_error = message
            self.last_error_at = time.time()
