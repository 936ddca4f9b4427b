"""Template keys: mask the variable parts of a log line.

Two lines printed by the same log statement with different variable values (ids, numbers,
addresses, times...) get the same key; lines from different statements get different keys.
The template cache keys its decisions on this string, and the embedding stage encodes it
(masking about halves the tokens the encoder sees), so the placeholders are short words a
language model can read:

    <TS>     timestamps, dates and clock times (``2017-05-16 00:00:00.008``, ``Jun 14 15:16:01``)
    <UUID>   UUIDs (``req-<UUID>`` keeps the ``req-`` prefix)
    <URL>    URLs with a scheme (``https://x.org/a?b=1``)
    <EMAIL>  e-mail addresses
    <IP>     IPv4 and IPv6 addresses (a port stays ``<IP>:<NUM>``)
    <MAC>    MAC addresses
    <PATH>   file paths (``/var/log/x.log``, ``C:\\Windows\\x.dll``)
    <HEX>    hex ids with at least one digit (``0x1f``, ``9f4ef63``, ``54fadb41...``)
    <NUM>    numbers, including signed, decimal and dotted ones (``-12``, ``0.2675``, ``1.2.3``)
    <STR>    quoted values (``"View Lock"``, ``'abc'``)

Digits inside words are masked in place (``blk_<NUM>``, ``dn<NUM>``, ``12ms`` -> ``<NUM>ms``),
so the constant part of the word survives for the encoder. Whitespace is collapsed to single
spaces. Only the first ``max_chars`` characters are masked, so a 1 MB line costs bounded time.

Every pattern here is written so it cannot backtrack catastrophically (possessive and atomic
groups, anchored starts): the masker is on the hot path of every line and sees untrusted input.

Example:
    >>> template_key("Jun 14 15:16:01 combo sshd[19939]: Failed password for root from 1.2.3.4")
    '<TS> combo sshd[<NUM>]: Failed password for root from <IP>'
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["DEFAULT_MAX_CHARS", "PLACEHOLDERS", "TemplateMasker", "template_key"]

DEFAULT_MAX_CHARS: Final = 2000

PLACEHOLDERS: Final = (
    "<TS>",
    "<UUID>",
    "<URL>",
    "<EMAIL>",
    "<IP>",
    "<MAC>",
    "<PATH>",
    "<HEX>",
    "<NUM>",
    "<STR>",
)

_H = "[0-9a-fA-F]"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,:]\d{1,9})?(?:\s?(?:Z|[+-]\d{2}:?\d{2}))?"
_DATE = r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4})"
_DOTTED_CLOCK = r"\d{2}\.\d{2}\.\d{2}(?:\.\d{1,9})?"

# Each pass is (guard, compiled pattern, replacement). The guard is a substring test done in C
# before the regex runs, so lines without e.g. "://" never pay for the URL pattern.
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{0,15}+://[^\s\"'<>\])}]*+")
_EMAIL = re.compile(r"\b[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
_UUID = re.compile(rf"\b{_H}{{8}}-{_H}{{4}}-{_H}{{4}}-{_H}{{4}}-{_H}{{12}}\b")
_TS = re.compile(
    rf"(?<![\w.:])(?:"
    # 2017-05-16 00:00:00.008, 2005-06-03-15.42.50.675872, 2016/9/27:20:30:31.455, 17/06/09
    rf"{_DATE}(?:[T :-](?:{_CLOCK}|{_DOTTED_CLOCK}))?"
    # 20171223-22:15:29:606
    rf"|\d{{8}}[T-]{_CLOCK}"
    # [Sun] Dec 04 04:47:44 [2005], Jun 14 15:16:01
    rf"|(?:{_WEEKDAY}\s+)?{_MONTH}\s+\d{{1,2}},?(?:\s+\d{{4}})?\s+{_CLOCK}(?:\s+\d{{4}}\b)?"
    rf"|{_CLOCK}"
    rf")(?![\w:])"
)
_MAC = re.compile(rf"\b{_H}{{2}}(?:[:-]{_H}{{2}}){{5}}\b")
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_IPV6 = re.compile(
    rf"(?<![\w:])(?:(?:{_H}{{1,4}}:){{3,7}}+{_H}{{1,4}}|(?:{_H}{{1,4}}(?::{_H}{{1,4}})*+)?::"
    rf"(?:{_H}{{1,4}}(?::{_H}{{1,4}})*+)?)(?![\w:])"
)
_PATH = re.compile(
    r"(?<![\w.:/\\<>-])(?:[A-Za-z]:\\|\.{0,2}/(?=[\w.~-]))[\w.~@%+=-]*+(?:[/\\][\w.~@%+=-]*+)*+"
)
_QUOTED = re.compile(r"\"[^\"\n]{0,200}+\"|(?<![\w'])'[^'\n]{0,200}+'(?![\w'])")
_HEX = re.compile(
    rf"\b0[xX]{_H}++\b|\b(?=[a-fA-F]*+\d)(?=\d*+[a-fA-F]){_H}++\b"
)
_NUM = re.compile(r"(?:(?<![\w.])[-+])?\d++(?:\.\d++)*+")


class TemplateMasker:
    """Turns raw log lines into template keys.

    Args:
        max_chars: only this many leading characters are masked (and kept) per line.

    Example:
        >>> TemplateMasker(max_chars=50).key("took 12ms for user 42")
        'took <NUM>ms for user <NUM>'
    """

    __slots__ = ("max_chars",)

    def __init__(self, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        if max_chars <= 0:
            raise ValueError(f"max_chars must be positive, got {max_chars}")
        self.max_chars = max_chars

    def key(self, line: str) -> str:
        """Return the template key of one line."""
        s = line[: self.max_chars]
        if "://" in s:
            s = _URL.sub("<URL>", s)
        if "@" in s:
            s = _EMAIL.sub("<EMAIL>", s)
        if '"' in s or "'" in s:
            s = _QUOTED.sub("<STR>", s)
        if "-" in s:
            s = _UUID.sub("<UUID>", s)
        if ":" in s or "." in s or "/" in s:
            s = _TS.sub("<TS>", s)
        if ":" in s:
            s = _MAC.sub("<MAC>", s)
            s = _IPV6.sub("<IP>", s)
        if "." in s:
            s = _IPV4.sub("<IP>", s)
        if "/" in s or "\\" in s:
            s = _PATH.sub("<PATH>", s)
        s = _HEX.sub("<HEX>", s)
        s = _NUM.sub("<NUM>", s)
        return " ".join(s.split())

    def keys(self, lines: list[str]) -> list[str]:
        """Return the template key of each line, in order."""
        key = self.key
        return [key(line) for line in lines]


_DEFAULT = TemplateMasker()


def template_key(line: str) -> str:
    """Return the template key of a raw log line: its variable parts masked into placeholders.

    Example:
        >>> template_key("Invalid user admin from 10.0.0.7 port 22")
        'Invalid user admin from <IP> port <NUM>'
    """
    return _DEFAULT.key(line)
