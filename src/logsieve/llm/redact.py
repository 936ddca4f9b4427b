"""Redaction of secrets and personal data before a line leaves the machine.

Patterns run on RE2 (linear time: a hostile log line cannot make them backtrack). The
defaults cover credentials in ``key=value`` form, bearer tokens, JWTs, well-known API key
formats, credentials in URLs, private key blocks and e-mail addresses; more patterns come
from settings (``LLM_REDACT_PATTERNS``), each match replaced whole by ``<REDACTED>``.

    >>> Redactor().redact("login bob@example.com password=hunter2")
    'login <EMAIL> password=<REDACTED>'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import re2

from logsieve.errors import LogsieveError

REDACTED = "<REDACTED>"

_SECRET_KEYS = (
    r"password|passwd|pwd|pass|secret|client_secret|token|access_token|refresh_token|"
    r"id_token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|"
    r"session[_-]?id|sessionid|cookie|credentials?|auth"
)

#: (pattern, replacement) in order; earlier ones win on overlapping text.
DEFAULT_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
     "<PRIVATE_KEY>"),
    (r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}", r"\1 " + REDACTED),
    (r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", "<JWT>"),
    (r"\b(?:sk|gsk|pk|rk)[-_](?:[A-Za-z0-9]+[-_])*[A-Za-z0-9]{16,}", "<API_KEY>"),
    (r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", "<API_KEY>"),
    (r"\bgh[pousr]_[A-Za-z0-9]{20,}\b", "<API_KEY>"),
    (r"\bxox[abposr]-[A-Za-z0-9-]{10,}", "<API_KEY>"),
    (r"\bAIza[0-9A-Za-z_-]{35}\b", "<API_KEY>"),
    (r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", r"\1" + REDACTED + "@"),
    (r"(?i)\b(" + _SECRET_KEYS + r")(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&\"']+)",
     r"\1\2" + REDACTED),
    (r"(?i)\b(" + _SECRET_KEYS + r")(\"\s*:\s*)\"[^\"]*\"", r"\1\2" + '"' + REDACTED + '"'),
    (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", "<EMAIL>"),
)


@dataclass(frozen=True, slots=True)
class _Rule:
    regex: re2._Regexp
    replacement: str


class Redactor:
    """Applies the default patterns, then the extra ones, to a line."""

    def __init__(self, extra_patterns: Iterable[str] = (), defaults: bool = True) -> None:
        pairs = list(DEFAULT_PATTERNS) if defaults else []
        pairs += [(p, REDACTED) for p in extra_patterns]
        self._rules: list[_Rule] = []
        for pattern, replacement in pairs:
            try:
                self._rules.append(_Rule(re2.compile(pattern), replacement))
            except re2.error as exc:
                raise LogsieveError(f"invalid redaction pattern {pattern!r}: {exc}") from exc

    def redact(self, text: str) -> str:
        """``text`` with every secret-looking span replaced."""
        for rule in self._rules:
            text = rule.regex.sub(rule.replacement, text)
        return text
