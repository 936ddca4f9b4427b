"""The exceptions logsieve raises, as one small tree.

    LogsieveError
    ├── TaxonomyError        a category set that does not validate (names file, rule, reason)
    ├── InputError           a line or file the faces cannot read (names the line)
    ├── ModelError           a head or cache file that does not fit (wrong taxonomy, bad format)
    └── StageError           a sieve stage could not answer; the sieve turns it into a journey step
        ├── StageUnavailable not configured, breaker open, over budget: "Unavailable"
        └── StageFailed      it ran and failed: error after retries, invalid answer: "Failed"

Faces (HTTP, CLI) map these to status codes and exit codes; the core never prints.
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
