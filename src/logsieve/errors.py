"""Every exception logsieve raises, as one small tree.

    LogsieveError
    ├── TaxonomyError        a category set that does not validate (names file, rule, reason)
    ├── InputError           a line or file the faces cannot read (names the line)
    ├── ModelError           a head or cache file that does not fit (wrong taxonomy, bad format)
    ├── BadDecision          a cached decision read back that fails its checks (also ValueError)
    ├── PatternError         a corpus message template that does not parse (also ValueError)
    ├── RedisUnavailable     the shared store is waiting out a failure (also ConnectionError)
    ├── WorkerDied           a block of input stopped the worker processes given it (--workers)
    └── StageError           a sieve stage could not answer; the sieve turns it into a journey step
        ├── StageUnavailable not configured, breaker open, over budget: "Unavailable"
        │   ├── BreakerOpen  a circuit breaker refuses calls for now
        │   └── CapExceeded  the per-minute call cap is spent
        └── StageFailed      it ran and failed: error after retries, invalid answer: "Failed"
            ├── TransientError   may pass by itself; the only kind retried
            │   └── DeadlineExceeded   a call did not finish in time
            ├── ProviderRejected     the LLM server refused the request (a 4xx but 429)
            └── InvalidAnswer        the model's answer is not a label of the closed set

Faces (HTTP, CLI) map these to status codes and exit codes; the core never prints. (The HTTP
face's own ``ApiError`` is an HTTP answer, not an error of the core: it lives with the server.)
"""

from __future__ import annotations


class LogsieveError(Exception):
    """Base of every error logsieve raises on purpose."""


class TaxonomyError(LogsieveError):
    """A taxonomy file that does not validate."""


class InputError(LogsieveError):
    """Input that cannot be read; ``line`` is 1-based where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


class ModelError(LogsieveError):
    """A saved head or cache that cannot be used with this taxonomy/encoder."""


class StageError(LogsieveError):
    """A stage could not give an answer; the message goes into the journey."""


class StageUnavailable(StageError):
    """The stage is not there right now (no configuration, open breaker, budget spent)."""


class StageFailed(StageError):
    """The stage ran and failed (error after retries, timeout, invalid answer)."""


class WorkerDied(LogsieveError):
    """A block of input stopped every worker process it was given to (``--workers N``)."""


class BadDecision(LogsieveError, ValueError):
    """A decision read back from a file or a store that fails the checks."""


class PatternError(LogsieveError, ValueError):
    """A message template that does not parse (unbalanced brace, unknown field)."""


class RedisUnavailable(LogsieveError, ConnectionError):
    """Raised without a network call while the Redis backend waits out a recent failure."""


class TransientError(StageFailed):
    """A failure that may go away on its own; the retry policy retries these only.

    ``retry_after_s``: how long the downstream asked us to wait (HTTP ``Retry-After``).
    """

    retry_after_s: float | None = None


class DeadlineExceeded(TransientError):
    """A call did not finish within its timeout."""


class BreakerOpen(StageUnavailable):
    """The breaker refuses calls; ``retry_after_s`` says when it will let a probe through."""

    def __init__(self, name: str, retry_after_s: float, detail: str = "") -> None:
        self.breaker = name
        self.retry_after_s = retry_after_s
        msg = detail or f"circuit breaker '{name}' is open; next try in {retry_after_s:.1f}s"
        super().__init__(msg)


class CapExceeded(StageUnavailable):
    """The per-minute call cap is spent."""


class ProviderRejected(StageFailed):
    """The server refused the request (4xx other than 429): not worth retrying."""

    def __init__(self, message: str, status: int) -> None:
        self.status = status
        super().__init__(message)


class InvalidAnswer(StageFailed):
    """The model answered, but not a JSON object with a category from the label set."""
