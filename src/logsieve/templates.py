"""Template keys: mask the variable parts of a log line.

Two lines printed by the same log statement with different variable values (ids, numbers,
addresses, times...) get the same key; lines from different statements get different keys.
The template cache keys its decisions on this string, and the embedding stage encodes it
(masking about halves the tokens the encoder sees), so the placeholders are short words a
language model can read:

    <TS>     timestamps, dates, clock times (``2017-05-16 00:00:00.008``, ``Jun 14 15:16:01``)
    <UUID>   UUIDs (``req-<UUID>`` keeps the ``req-`` prefix)
    <URL>    URLs with a scheme (``https://x.org/a?b=1``)
    <EMAIL>  e-mail addresses
    <HOST>   IPv4/IPv6 addresses and DNS names (a port stays: ``<HOST>:<NUM>``); also the
             host field of a syslog header
    <MAC>    MAC addresses
    <PATH>   file paths (``/var/log/x.log``, ``C:\\Windows\\x.dll``)
    <HEX>    hex ids with a digit and a letter (``0x1f``, ``9f4ef63``)
    <NUM>    numbers: signed, decimal, dotted (``-12``, ``0.2675``, ``12ms`` -> ``<NUM>ms``)
    <ID>     any other word with digits (``blk_-42``, ``R02-M1-N0``, ``x86_64``, ``ssh2``)
    <STR>    a quoted value of a key (``tag="View Lock"`` -> ``tag=<STR>``)
    <USER>   the user name in ``for user X`` / ``invalid user X``

A run of one kind (``an1 an2 an3``, ``@0x1 @0x2``) becomes one placeholder, since lists have
variable lengths. Whitespace is collapsed to single spaces. Only the first ``max_chars``
characters are kept, so a 1 MB line costs bounded time. Every pattern is written so it cannot
backtrack catastrophically (possessive quantifiers, bounded repeats, anchored starts): the
masker sees untrusted input on the hot path of every line.

Speed: a line is split on whitespace and each token is looked up in a bounded token memo, so
only tokens not seen recently go through the regexes; the few constructs that span spaces
(month-name dates, quoted values, user names, a syslog host) are one guarded pass each.

Example:
    >>> template_key("Jun 14 15:16:01 combo sshd[19939]: Failed password for root from 1.2.3.4")
    '<TS> <HOST> sshd[<NUM>]: Failed password for root from <HOST>'
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
    "<HOST>",
    "<MAC>",
    "<PATH>",
    "<HEX>",
    "<NUM>",
    "<ID>",
    "<STR>",
    "<USER>",
)

_H = "[0-9a-fA-F]"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}+\.?"
_CLOCK = r"\d{1,2}:\d{1,2}(?::\d{1,2})?+(?:[.,:]\d{1,9}+)?+(?: ?(?:Z|[+-]\d{2}:?\d{2}))?+"
_DATE = r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{8}(?=[T-]\d))"
_DOTTED_CLOCK = r"\d{2}\.\d{2}\.\d{2}(?:\.\d{1,9}+)?+"
_TLD = (
    "com|net|org|edu|gov|mil|int|io|co|uk|de|fr|jp|cn|ru|br|in|au|ca|nl|it|es|se|ch|hk|tw|kr"
    "|info|biz|local|lan|internal|arpa"
)

# Passes for variable parts that need not contain a digit. Each runs only when a substring
# test (done in C) says it can match, so most lines never pay for it.
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{0,15}+://[^\s\"'<>\])}]*+")
_EMAIL = re.compile(r"\b[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
# A quoted value of a key (after "=" or ": "), masked whole; other quoted text keeps its words
# (`"GET /x HTTP/1.1"`: the method is part of the template).
_QUOTED = re.compile(
    r"(?<==)(?:\"[^\"\n]{0,200}+\"|'[^'\n]{0,200}+')|(?<=: )(?:\"[^\"\n]{0,200}+\")"
)
_UUID = re.compile(
    rf"(?<![0-9a-fA-F]){_H}{{8}}-{_H}{{4}}-{_H}{{4}}-{_H}{{4}}-{_H}{{12}}(?![0-9a-fA-F])"
)
_PATH = re.compile(
    r"(?<![\w.:/\\<>-])(?:[A-Za-z]:\\|~?\.{0,2}/(?=[\w.~-]))[\w.~@%+=-]*+(?:[/\\][\w.~@%+=-]*+)*+"
)

# The master pass: every other variable part starts at the start of an alphanumeric run.
# Alternatives are tried in order; the group that matched names the placeholder.
_MASTER = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    rf"(?P<UUID>{_H}{{8}}-{_H}{{4}}-{_H}{{4}}-{_H}{{4}}-{_H}{{12}}(?![A-Za-z0-9]))|"
    rf"(?P<TS>(?:{_DATE}(?:[T :-](?:{_CLOCK}|{_DOTTED_CLOCK}))?+"
    rf"|{_CLOCK})(?![A-Za-z0-9:]))"
    rf"|(?P<MAC>{_H}{{2}}(?:[:-]{_H}{{2}}){{5}}(?![A-Za-z0-9:-]))"
    rf"|(?P<IP>\d{{1,3}}(?:\.\d{{1,3}}){{3}}(?![A-Za-z0-9.])"
    rf"|(?:{_H}{{1,4}}:){{3,7}}+{_H}{{1,4}}(?![A-Za-z0-9:])"
    rf"|(?:{_H}{{1,4}}(?::{_H}{{1,4}}){{0,6}}+)?::(?:{_H}{{1,4}}(?::{_H}{{1,4}}){{0,6}}+)?(?![A-Za-z0-9:]))"
    rf"|(?P<HOST>[A-Za-z0-9][A-Za-z0-9-]{{0,62}}+(?:\.[A-Za-z0-9][A-Za-z0-9-]{{0,62}}+){{0,8}}"
    rf"\.(?:{_TLD})(?![A-Za-z0-9.-]))"
    rf"|(?P<HEX>0[xX]{_H}++(?![A-Za-z0-9])|(?=[a-fA-F]*+[0-9])(?=[0-9]*+[a-fA-F]){_H}++(?![A-Za-z0-9]))"
    r"|(?P<NUM>-?[0-9]++(?:\.[0-9]++)*+(?=(?:[munµ]?s|sec|secs|min|[hdx]|[kKMGT]i?B)?+(?![A-Za-z0-9])))"
    # any other compound word with a digit (R02-M1-N0, blk_-12, x86_64, node-7.local)
    r"|(?<![_.:-])(?P<ID>(?=[A-Za-z0-9_.:-]*?[0-9])[A-Za-z0-9]++(?:[_.:-]++[A-Za-z0-9]++)*+)"
    r")"
)
# Host names and IP addresses share one placeholder: the same log statement prints either.
_PLACEHOLDER = {
    i: "<HOST>" if name == "IP" else f"<{name}>" for name, i in _MASTER.groupindex.items()
}


def _placeholder(match: re.Match[str]) -> str:
    return _PLACEHOLDER[match.lastindex]  # type: ignore[index]


# Month-name dates ("Jun 14 15:16:01", "Sun Dec 04 04:47:44 2005") span several words, so
# they are masked on the whole line before it is split. Starting with a literal month/day name
# lets the regex engine skip quickly to the few capital letters that can start a match.
_MONTH_DATE = re.compile(
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
    r"(?<![A-Za-z0-9]...)[a-z]{0,6}+[.,]? +"
    rf"(?:\d{{1,2}}(?: +{_MONTH})?+|{_MONTH} +\d{{1,2}}),?"
    rf"(?: +\d{{4}}\b)?+(?: +{_CLOCK}(?: +\d{{4}}\b)?+)?+(?![A-Za-z0-9:])"
)
# A list of values of one kind ("an1 an2 an3", "@0x1 @0x2") has a variable length: one key.
_RUN = re.compile(r"(<[A-Z]++>)(?:[ ,;]++@?\1)++")
# The word after these is a user name in the auth logs of most systems (sshd, pam, su, ftp).
_USER = re.compile(r"(?:(?<=for user )|(?<=nvalid user )|(?<=llegal user ))[^\s\[\](),;<]++")
# A syslog header (RFC 3164): "<TS> host program[pid]: message": the host name varies.
_SYSLOG_HOST = re.compile(r"<TS> [^\s\[\]<>]++(?= [^\s:]++: )")
_DIGIT = re.compile(r"[0-9]")


def _first_group(match: re.Match[str]) -> str:
    return match.group(1)


def _mask_token(token: str) -> str:
    """Mask one whitespace-free token (the slow path: only tokens not seen recently)."""
    if token.isdigit():
        return "<NUM>"
    if "://" in token:
        token = _URL.sub("<URL>", token)
    if "@" in token:
        token = _EMAIL.sub("<EMAIL>", token)
    if "/" in token or "\\" in token:
        token = _PATH.sub("<PATH>", token)
    if "-" in token:
        token = _UUID.sub("<UUID>", token)
    if _DIGIT.search(token) is None and "." not in token and ":" not in token:
        return token
    return _MASTER.sub(_placeholder, token)


class TemplateMasker:
    """Turns raw log lines into template keys.

    Args:
        max_chars: only this many leading characters are masked (and kept) per line.

    Example:
        >>> TemplateMasker(max_chars=50).key("took 12ms for user 42")
        'took <NUM>ms for user <USER>'
    """

    __slots__ = ("_memo", "max_chars", "memo_size")

    def __init__(self, max_chars: int = DEFAULT_MAX_CHARS, memo_size: int = 65536) -> None:
        if max_chars <= 0:
            raise ValueError(f"max_chars must be positive, got {max_chars}")
        self.max_chars = max_chars
        self.memo_size = memo_size
        # Token -> masked token. Whole lines rarely repeat, but their words do (constant words,
        # and many variable values too: hosts, pids, IPs), so most tokens are a dict hit and
        # only new tokens pay for the regexes. Cleared when full: bounded memory, no LRU cost.
        self._memo: dict[str, str] = {}

    def key(self, line: str) -> str:
        """Return the template key of one line."""
        s = line[: self.max_chars]
        # Constructs that span whitespace are masked on the whole line first; each pass is
        # guarded by a substring test (done in C) so most lines skip it.
        if '="' in s or "='" in s or ': "' in s:
            s = _QUOTED.sub("<STR>", s)
        date = _MONTH_DATE.search(s)
        if date is not None:
            s = f"{s[: date.start()]}<TS>{s[date.end() :]}"
        if s.startswith("<TS> "):
            s = _SYSLOG_HOST.sub("<TS> <HOST>", s, count=1)
        if "user " in s:
            s = _USER.sub("<USER>", s)
        tokens = s.split()
        # Most tokens were seen before: look them all up in C, and mask only the new ones.
        masked = list(map(self._memo.get, tokens))
        misses = masked.count(None)
        if misses:
            memo = self._memo
            if len(memo) + misses > self.memo_size:
                memo.clear()
            i = -1
            for _ in range(misses):
                i = masked.index(None, i + 1)
                token = tokens[i]
                masked[i] = memo[token] = _mask_token(token)
        k = " ".join(masked)  # type: ignore[arg-type]
        if "> <" in k or ">,<" in k or ">, <" in k or "> @<" in k or ">; <" in k:
            k = _RUN.sub(_first_group, k)
        return k

    def keys(self, lines: list[str]) -> list[str]:
        """Return the template key of each line, in order."""
        key = self.key
        return [key(line) for line in lines]


_DEFAULT = TemplateMasker()


def template_key(line: str) -> str:
    """Return the template key of a raw log line: its variable parts masked into placeholders.

    Example:
        >>> template_key("Invalid user admin from 10.0.0.7 port 22")
        'Invalid user <USER> from <HOST> port <NUM>'
    """
    return _DEFAULT.key(line)
