"""Redaction of secrets and personal data before a line leaves the machine.

Patterns run on RE2 (linear time: a hostile log line cannot make them backtrack). The
defaults cover credentials after a key word whatever the separator (``key=value``,
``key: value``, ``key => value``, ``passwd hunter2``, JSON), bearer tokens, JWTs,
well-known API key formats (``sk-…``, ``AKIA…`` and the secret after it…), credentials in
URLs, private key blocks, e-mail addresses, Luhn-valid card numbers, national ids (US SSN,
UK NINO), IBANs, 40-character AWS-secret-shaped tokens and random-looking tokens beside a
key word. docs/llm.md lists them. More patterns come from settings
(``LLM_REDACT_PATTERNS``), each match replaced whole by ``<REDACTED>``.

    >>> Redactor().redact("login bob@example.com password=hunter2")
    'login <EMAIL> password=<REDACTED>'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import re2

from logsieve.errors import LogsieveError

REDACTED = "<REDACTED>"

_SECRET_KEYS = (
    r"password|passwd|passphrase|pwd|pass|secret|client_secret|token|access_token|"
    r"refresh_token|id_token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|"
    r"secret[_-]?access[_-]?key|private[_-]?key|signing[_-]?key|session[_-]?id|sessionid|"
    r"cookie|credentials?|auth|authorization|x-api-key|pin|otp|cvv|cvc"
)
#: Any prefix of words before the key word: ``aws_secret_access_key``, ``db.password``,
#: ``MYSQL_ROOT_PASSWORD``.
_KEY = r"(?i)\b((?:[a-z0-9]+[_.-])*(?:" + _SECRET_KEYS + r"))"
#: Separators between a key and its value: ``=``, ``:``, ``:=``, ``=>``, ``->``, with spaces.
_SEP = r"([\"']?\s*(?:=>|->|:=|==|[:=])\s*)"
#: Key words a long random-looking token beside them is taken for a secret.
_NEAR_WORDS = (
    r"key|secret|token|password|passwd|pwd|credential|credentials|auth|api|aws|akia|asia|"
    r"signature|sig|bearer|session|private|cred|apikey|access"
)

#: (pattern, replacement) in order; earlier ones win on overlapping text.
DEFAULT_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
        "<PRIVATE_KEY>",
    ),
    (r"(?i)\b(bearer|basic|token|digest)\s+[A-Za-z0-9._~+/=-]{8,}", r"\1 " + REDACTED),
    (r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", "<JWT>"),
    # an AWS key id and the secret written after it (``AKIA… wJalr…``)
    (
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b(?:[\s,;:=|/]+[A-Za-z0-9/+]{40})?",
        "<API_KEY>",
    ),
    (r"\b(?:sk|gsk|pk|rk|sk_live|sk_test|pk_live|rk_live)[-_][A-Za-z0-9_-]{3,}", "<API_KEY>"),
    (r"\bgh[pousr]_[A-Za-z0-9]{20,}\b", "<API_KEY>"),
    (r"\bgithub_pat_[A-Za-z0-9_]{20,}", "<API_KEY>"),
    (r"\bglpat-[A-Za-z0-9_-]{16,}", "<API_KEY>"),
    (r"\bxox[abposr]-[A-Za-z0-9-]{10,}", "<API_KEY>"),
    (r"\bAIza[0-9A-Za-z_-]{35}\b", "<API_KEY>"),
    (r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}", "<API_KEY>"),
    (r"\bnpm_[A-Za-z0-9]{30,}", "<API_KEY>"),
    (r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+", "<API_KEY>"),
    (r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", r"\1" + REDACTED + "@"),
    # key=value whatever the separator, quoted or not; also JSON ("password": "…")
    (_KEY + _SEP + r"(\"[^\"]*\"|'[^']*'|[^\s,;&\"'}\])]+)", r"\1\2" + REDACTED),
    # key value with only a space between (``passwd hunter2``, ``password is s3cr3t!``):
    # the value is taken when it has a digit or a symbol, so ``password reset`` stays
    (
        _KEY + r"(\s+(?:is\s+|was\s+|set\s+to\s+|of\s+)?)"
        r"[A-Za-z0-9!@#$%^&*+/~_?.]*[0-9!@#$%^&*+/~_?][^\s,;]*",
        r"\1\2" + REDACTED,
    ),
    # national ids: US SSN (with dashes or spaces; or nine digits after the key word)
    (r"\b\d{3}-\d{2}-\d{4}\b", "<NATIONAL_ID>"),
    (
        r"(?i)\b(ssn|social[ _-]security(?:[ _-]number)?|national[ _-]id|tax[ _-]id|nino|"
        r"passport(?:[ _-]?(?:no|number))?)(\W{1,3})[A-Z0-9][A-Z0-9 -]{4,14}[A-Z0-9]\b",
        r"\1\2<NATIONAL_ID>",
    ),
    # UK National Insurance number
    (r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", "<NATIONAL_ID>"),
    # IBAN
    (r"\b[A-Z]{2}\d{2} ?(?:[A-Z0-9]{4} ?){2,7}[A-Z0-9]{1,4}\b", "<IBAN>"),
    (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", "<EMAIL>"),
)

#: Card numbers: 13-19 digits starting 2-6, single spaces or dashes between groups; only
#: Luhn-valid ones are replaced (a timestamp or an id rarely is one, and starts otherwise).
_CARD = r"\b[2-6]\d(?:[ -]?\d){11,17}\b"
#: The shape of an AWS secret access key: exactly 40 of base64's letters, standing alone.
_AWS_SECRET = r"(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])"
#: A token that may be a secret by its look alone: long, from a key alphabet.
_TOKEN = r"[A-Za-z0-9/+_=.-]{16,}"
_NEAR = r"(?i)\b(?:" + _NEAR_WORDS + r")\b|<API_KEY>|<REDACTED>"
#: Bits per character above which a token of mixed letters and digits reads as random.
ENTROPY_BITS = 3.5
#: How far (characters) a key word may be from a high-entropy token.
NEAR_CHARS = 40


def luhn_valid(digits: str) -> bool:
    """The Luhn check every payment card number passes."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def shannon_bits(token: str) -> float:
    """Shannon entropy of the token's characters, in bits per character."""
    n = len(token)
    counts: dict[str, int] = {}
    for ch in token:
        counts[ch] = counts.get(ch, 0) + 1
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_random(token: str) -> bool:
    """Long, mixed upper/lower/digits (or / +), and high entropy: a key, not a word or a hash.

    Lower-case hex (hashes, request ids) and UUIDs are left alone: logs are full of them and
    they are what a line is about, not a credential.
    """
    core = token.strip("=.-_")
    if len(core) < 16:
        return False
    has_upper = any(c.isupper() for c in core)
    has_lower = any(c.islower() for c in core)
    has_digit = any(c.isdigit() for c in core)
    has_sym = any(c in "/+" for c in core)
    if not (has_upper and has_lower and (has_digit or has_sym)):
        return False
    return shannon_bits(core) >= ENTROPY_BITS


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

        self._defaults = defaults
        self._card = re2.compile(_CARD)
        self._token = re2.compile(_TOKEN)
        self._near = re2.compile(_NEAR)
        self._aws_secret = re2.compile(_AWS_SECRET)

    def redact(self, text: str) -> str:
        """``text`` with every secret-looking span replaced."""
        for rule in self._rules:
            text = rule.regex.sub(rule.replacement, text)
        if self._defaults:
            text = self._card.sub(_card_or_keep, text)
            text = self._random_tokens(text)
        return text

    def _random_tokens(self, text: str) -> str:
        """Replace random-looking tokens: any 40-character AWS-secret-shaped one, and any
        other within NEAR_CHARS of a key word (``key``, ``secret``, ``token``…)."""
        spans: list[tuple[int, int]] = []
        for m in self._aws_secret.finditer(text):
            if looks_random(m.group(1)):
                spans.append((m.start(1), m.end(1)))
        near = [(m.start(), m.end()) for m in self._near.finditer(text)]
        if near:
            for m in self._token.finditer(text):
                a, b = m.start(), m.end()
                if looks_random(m.group(0)) and any(
                    b + NEAR_CHARS >= s and e + NEAR_CHARS >= a for s, e in near
                ):
                    spans.append((a, b))
        if not spans:
            return text
        out, last = [], 0
        for a, b in sorted(spans):
            if a < last:
                continue
            out += [text[last:a], "<SECRET>"]
            last = b
        out.append(text[last:])
        return "".join(out)


def _card_or_keep(m: re2._Match) -> str:
    found = m.group(0)
    digits = "".join(c for c in found if c.isdigit())
    return "<CARD>" if 13 <= len(digits) <= 19 and luhn_valid(digits) else found
