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
             host field of a syslog header. A host's resolved name after it in parentheses,
             even empty, is dropped: ``1.2.3.4 (a.example.org)`` and ``1.2.3.4 ()`` -> ``<HOST>``
    <MAC>    MAC addresses
    <PATH>   file paths (``/var/log/x.log``, ``C:\\Windows\\x.dll``)
    <HEX>    hex ids with a digit and a letter (``0x1f``, ``9f4ef63``), zero-padded numbers of
             8+ digits (``00106570``: a hex dump that happens to have no letter), and 8+
             hex letters alone (``ffffffff``)
    <NUM>    numbers: signed, decimal, dotted (``-12``, ``0.2675``, ``12ms`` -> ``<NUM>ms``)
    <ID>     any other word with digits (``blk_-42``, ``R02-M1-N0``, ``x86_64``, ``ssh2``);
             also who logged the line: the program of a syslog header (``sshd[12]:`` ->
             ``<ID>[<NUM>]:``), a thread in brackets after a level (``INFO [main]`` ->
             ``INFO [<ID>]``), a Windows program (``chrome.exe *64``), and a reverse-DNS app
             id (``com.apple.CacheDelete.daily``, ``com.tencent.mm/.ui.LauncherUI``); a package
             with its architecture (``libc6:amd64``, ``liberror-perl:all``) with the one or
             two versions after it, whatever their shape (``libc6:amd64 2.36-9+deb12u4``,
             ``media-types:all 10.0.0``, ``tzdata:all 2025b-0+deb12u1``), and a package
             version with a revision or suffix, whole (``2.36-9+deb12u4``, ``1:2.1-1~bpo12``)
    <STR>    a quoted value of a key (``tag="View Lock"`` -> ``tag=<STR>``)
    <USER>   the user name in ``for user X`` / ``invalid user X`` / ``password for X``
             (sshd's ``Failed password for X from``; also publickey, none)

Other conventions: a size restated in larger units (``1234 bytes (1.2 KB)``) is dropped, since
it is printed only for large sizes; a query string belongs to its path (``/v2/x?a=1&b=2`` ->
``<PATH>``); a mail message-id ``<local@host>`` is an ``<EMAIL>``; every month-name date is
masked, not only the header's. Log levels are kept: ``INFO`` and ``FATAL`` lines stay apart
even where LogHub's templates merge them, since the level matters to a classifier.

A run of one kind (``an1 an2 an3``, ``@0x1 @0x2``) becomes one placeholder, since lists have
variable lengths. Whitespace is collapsed to single spaces. Only the first ``max_chars``
characters are kept, so a 1 MB line costs bounded time. Every pattern is written so it cannot
backtrack catastrophically (possessive quantifiers, bounded repeats, anchored starts): the
masker sees untrusted input on the hot path of every line.

Speed: a line is split on whitespace and each token is looked up in a bounded token memo, so
only tokens not seen recently go through the regexes; the few constructs that span spaces
(month-name dates, quoted values, user names, a syslog header, a thread) are one guarded pass
each.

There is deliberately no clustering layer (Drain-style merging of keys that differ in one
word): it would make a line's key depend on the lines seen before it, so keys would change
over time, differ between processes and restarts, and a saved cache would no longer match.

Example:
    >>> template_key("Jun 14 15:16:01 combo sshd[19939]: Failed password for root from 1.2.3.4")
    '<TS> <HOST> <ID>[<NUM>]: Failed password for <USER> from <HOST>'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

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

_SOURCE = "java|py|c|h|cc|cpp|hpp|go|rs|js|ts|rb|php|scala|kt|cs|pl|sh|lua|swift|m"
_SLD = "ac|co|com|edu|gov|net|org|or|ne|go"

# Passes for variable parts that need not contain a digit. Each runs only when a substring
# test (done in C) says it can match, so most lines never pay for it.
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{0,15}+://[^\s\"'<>\])}]*+")
# (a mail message-id "<local@host>" is one too: it names a message, not a template)
_EMAIL = re.compile(r"\b[\w.+-]++@[\w-]++(?:\.[\w-]++)+|<[\w.+$-]++@[\w.-]++>")
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
    # a query string belongs to the path it follows (/v2/servers?all_tenants=True&host=x)
    r"(?:\?[\w.~@%+=&;:,/-]*+)?+"
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
    # (a host name has a dot after its first label: tested once, so most runs fail fast)
    rf"|(?P<HOST>(?=[A-Za-z0-9-]{{1,63}}+\.[A-Za-z0-9])(?:"
    rf"[A-Za-z0-9][A-Za-z0-9-]{{0,62}}+(?:\.[A-Za-z0-9][A-Za-z0-9-]{{0,62}}+){{0,8}}"
    rf"\.(?:{_TLD})(?![A-Za-z0-9.-])"
    # three or more labels ending in a country code, with a digit (1.sh.inode.at) or a
    # second-level domain (mail.wsi.edu.pl), unlike property names (mapred.task.id)
    rf"|(?=[A-Za-z.-]{{0,253}}+[0-9])[A-Za-z0-9][A-Za-z0-9-]{{0,62}}+"
    rf"(?:\.[A-Za-z0-9][A-Za-z0-9-]{{0,62}}+){{1,8}}\.[a-z]{{2}}(?![A-Za-z0-9.-])"
    rf"|(?:[A-Za-z0-9][A-Za-z0-9-]{{0,62}}+\.){{1,8}}(?:{_SLD})\.[a-z]{{2}}(?![A-Za-z0-9.-])"
    # any lower-case dotted name with a port (bx.optimix.asia:443), but not file:line
    rf"|[a-z0-9][a-z0-9-]{{0,62}}+(?:\.[a-z0-9][a-z0-9-]{{0,62}}+){{0,8}}\.(?!(?:{_SOURCE}):)"
    rf"[a-z]{{2,24}}+(?=:[0-9]{{1,5}}+(?![A-Za-z0-9.:]))))"
    rf"|(?P<HEX>0[xX]{_H}++(?![A-Za-z0-9])|0[0-9]{{7,}}+(?![A-Za-z0-9.])|(?=[a-fA-F]*+[0-9])(?=[0-9]*+[a-fA-F]){_H}++(?![A-Za-z0-9]))"
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
# So is the word after "password for" (etc.) in sshd's "Failed password for X from"; in
# "for invalid user X" it is the word after "user". (A pam "user=X" field is left alone: LogHub
# keeps "user=root" and "user=guest" apart in one system and merges them in another.)
_USER = re.compile(
    r"(for user|[Ii]nvalid user|[Ii]llegal user|password for|publickey for|none for)"
    r" ++(?!(?:from|invalid user|illegal user) )[^\s\[\](),;<>]++"
)  # (guarded by substring tests in TemplateMasker.key: keep the two in step)


def _user(match: re.Match[str]) -> str:
    return f"{match.group(1)} <USER>"


# A syslog header (RFC 3164): "<TS> host program[pid]: message". The host varies, and so does
# the program: "su" and "sshd" print the same pam message (the module in "(pam_unix)" stays).
_SYSLOG_HOST = re.compile(r"<TS> [^\s\[\]<>]++(?= [^\s:]++: )")
# Also found after a prefix of other fields (BSD/remote syslog, collectors): searched for in the
# first _HEADER_CHARS characters.
_SYSLOG_PROGRAM = re.compile(
    r"<TS> (?:<HOST>|[^\s\[\]<>]++) [A-Za-z_][\w.-]{0,63}+"
    r"(?=(?:\([\w.:-]{1,64}+\))?+(?:\[\d{1,10}+\])?+: )"
)
# A thread in brackets after the level of a log4j-style header ("INFO [IPC Server handler 3]",
# "WARN  [QuorumPeer[myid=1]/0.0.0.0:2181:Leader@50]"): one nesting level, possessive.
_LEVEL_NAMES = (
    "INFO", "WARN", "WARNING", "ERROR", "DEBUG", "TRACE", "FATAL", "SEVERE", "NOTICE", "CRITICAL",
)  # fmt: skip
# " INFO" or " INFO " (levels padded to five characters); tested with str.endswith, no copy.
_LEVELS: Final = tuple(f" {name}{pad}" for name in _LEVEL_NAMES for pad in ("", " "))
_THREAD = re.compile(r"\[(?:[^\[\]\n]++|\[[^\[\]\n]*+\])*+\]")
# What a program, process or thread name in a header becomes (an id: it names who logged).
_PROGRAM: Final = "<ID>"
# Where to look for a header's thread: its first characters.
_HEADER_CHARS: Final = 120
# A Windows program name ("chrome.exe", "QQ.EXE") is a token; the " *64" bitness mark after
# it (Proxifier, Process Explorer) goes with it.
_EXE = re.compile(r"[\w-][\w.-]{0,200}")
_EXE_BITS = re.compile(r"(?<=<ID>) \*<NUM>(?= )")
# A host followed by its resolved name in parentheses, empty when it has none:
# "from 1.2.3.4 (host.example.org)", "from 1.2.3.4 ()".
_HOST_NAME = re.compile(r"<HOST> \((?:<HOST>|<ID>)?\)")
# A size restated in larger units, printed only when it is large: "1234 bytes (1.2 KB)".
_SIZE_RESTATED = re.compile(r"(?<=<NUM> bytes) \(<NUM> ?[KMGTP]i?B\)")
# Hex digits without a decimal digit ("ffffffff") are a hex value only when long.
_LETTER_HEX = re.compile(r"(?<![A-Za-z0-9])[a-fA-F]{8,}+(?![A-Za-z0-9])")
_DIGIT = re.compile(r"[0-9]")
#: A package with its architecture (``libc6:amd64``, ``liberror-perl:all``): dpkg, apt, rpm.
_PACKAGE_ARCH = re.compile(
    r"[a-z0-9][a-z0-9+.-]{0,100}+:(?:all|any|amd64|arm64|armhf|armel|i386|i686|ppc64el|"
    r"s390x|mips64el|riscv64|x86_64|aarch64|noarch)"
)
#: A package version with a revision or a distribution suffix (``2.36-9+deb12u4``,
#: ``1:2.1.2-1~bpo12+1``, ``20230311.1-2``, ``1.2.3-4ubuntu1``): one token, one placeholder,
#: however many parts it has. A plain ``1.2.3`` stays a number; a date never gets here whole
#: (``2023-01-02`` has no dotted part before its dash).
_VERSION = re.compile(
    r"(?:[0-9]{1,5}+:)?+[0-9]++(?:\.[0-9A-Za-z]++)++(?:[-+~][0-9A-Za-z.]++)++"
    r"|(?:[0-9]{1,5}+:)?+[0-9]++(?:\.[0-9A-Za-z]++)*+[+~][0-9A-Za-z.+~-]++"
)
#: What a package with its architecture masks to until the line is joined: its versions after
#: it (dpkg: ``status installed libc6:amd64 2.36-9``, ``install pkg:all <none> 43-1``,
#: ``upgrade pkg:all 1.0 1.1``) then become ``<ID>`` whatever their shape, and it ``<ID>``
#: too, so a package's lines share one template however its versions are written.
_PACKAGE: Final = "<PKG>"
#: A package and up to two versions after it (``<none>``: dpkg's "no version").
_PACKAGE_VERSIONS = re.compile(r"<PKG>((?: (?:<none>|<(?:NUM|HEX|ID|TS)>[^ ]*)){0,2})")


def _package_versions(match: re.Match[str]) -> str:
    versions = match.group(1)
    if not versions:
        return "<ID>"
    return "<ID>" + "".join(
        " " + ("<none>" if v == "<none>" else "<ID>") for v in versions[1:].split(" ")
    )


# A token's shape for the memo (see TemplateMasker.key): digits 2-9 written as 1.
_SHAPE: Final = str.maketrans("23456789", "11111111")
_SHAPE_BYTES: Final = bytes.maketrans(b"23456789", b"11111111")
_INNER_ZERO = re.compile(r"(?<=[0-9])0")
# A reverse-DNS app or bundle id (com.apple.CacheDelete.daily), with an Android component
# (com.tencent.mm/.ui.LauncherUI): which app a message is about varies, the message does not.
_BUNDLE = re.compile(
    r"(?<![\w.$/-])com(?:\.[A-Za-z_][\w-]{0,63}+){2,8}+(?:/[\w.$]{1,200}+)?+(?![\w-])"
)


_CORE_FILE: Final = re.compile(r"core\.(?:[A-Za-z_][\w-]{0,40}\.)?[0-9]{1,10}")


def _first_group(match: re.Match[str]) -> str:
    return match.group(1)


def _mask_token(token: str) -> str:
    """Mask one whitespace-free token (the slow path: only tokens not seen recently)."""
    if token.isdigit():
        # zero-padded fixed-width numbers are hex dumps (00106570 next to 0244c1dc)
        # (8+ digits: a 6-digit 011106 is more likely a clock time)
        return "<HEX>" if token[0] == "0" and len(token) >= 8 else "<NUM>"
    if "://" in token:
        token = _URL.sub("<URL>", token)
    if "@" in token:
        token = _EMAIL.sub("<EMAIL>", token)
    if "/" in token or "\\" in token:
        token = _PATH.sub("<PATH>", token)
    if "-" in token:
        token = _UUID.sub("<UUID>", token)
    if "." in token:
        # a core file (core.1234, core.java.1234): the word says a process crashed, so it is
        # kept and only the pid masked
        if token.startswith("core.") and _CORE_FILE.fullmatch(token.rstrip(",.;:)")):
            return _CORE_FILE.sub("core.<NUM>", token, count=1)
        if token.endswith((".exe", ".EXE", ".Exe")) and _EXE.fullmatch(token):
            return _PROGRAM
        if "com." in token:
            token = _BUNDLE.sub("<ID>", token)
    if ":" in token or "-" in token or "+" in token or "~" in token:
        core = token.strip("()[],;")  # apt prints "Setting up vim (2:9.0.1378-2) ..."
        if _PACKAGE_ARCH.fullmatch(core):
            return token.replace(core, _PACKAGE, 1)
        if _VERSION.fullmatch(core):
            return token.replace(core, "<ID>", 1)
    if _DIGIT.search(token) is None and "." not in token and ":" not in token:
        return _LETTER_HEX.sub("<HEX>", token) if len(token) >= 8 else token
    return _MASTER.sub(_placeholder, token)


#: What a user placeholder may look like: ``<VER>``, ``<TENANT_ID>``.
PLACEHOLDER_SHAPE: Final = re.compile(r"<[A-Z][A-Z0-9_]{0,31}>")


@dataclass(frozen=True, slots=True)
class MaskingRule:
    """A user's masking rule: every match of ``pattern`` (RE2) becomes ``placeholder``.

    Given in a taxonomy's ``masking:`` list (or a file for ``logsieve patterns --masking``),
    applied in order before the built-in masker, so a user can mask what it does not know
    (a tenant id, a version scheme) or keep apart what it would merge. A pattern with a
    group named ``value`` (``(?P<value>...)``) replaces only that group, so the context
    that finds the value stays in the line."""

    pattern: str
    placeholder: str
    name: str = ""

    def compiled(self) -> Any:
        """The RE2 pattern; ``re2.error`` if it does not compile (RE2: linear time)."""
        import re2

        return re2.compile(self.pattern)


def _replacement(rule: MaskingRule) -> Any:
    """What ``re2.sub`` puts for a match: the placeholder, or the match with only its
    ``value`` group replaced."""
    compiled = rule.compiled()
    group = getattr(compiled, "groupindex", {}).get("value")
    if group is None:
        return rule.placeholder.replace("\\", "\\\\")  # a literal, not a template
    placeholder = rule.placeholder

    def keep_context(m: Any) -> str:
        start, end, whole = m.start(group) - m.start(), m.end(group) - m.start(), m.group(0)
        return f"{whole[:start]}{placeholder}{whole[end:]}"

    return keep_context


class TemplateMasker:
    """Turns raw log lines into template keys.

    Args:
        max_chars: only this many leading characters are masked (and kept) per line.
        rules: the user's masking rules, applied in order before the built-in masks.

    Example:
        >>> TemplateMasker(max_chars=50).key("took 12ms for user 42")
        'took <NUM>ms for user <USER>'
    """

    __slots__ = ("_exact", "_memo", "_rules", "max_chars", "memo_size")

    def __init__(
        self,
        max_chars: int = DEFAULT_MAX_CHARS,
        memo_size: int = 65536,
        rules: Sequence[MaskingRule] = (),
    ) -> None:
        if max_chars <= 0:
            raise ValueError(f"max_chars must be positive, got {max_chars}")
        self.max_chars = max_chars
        self.memo_size = memo_size
        self._rules = tuple((rule.compiled(), _replacement(rule)) for rule in rules)
        # Token shape -> masked token. Whole lines rarely repeat, but their words do (constant
        # words, hosts, and numbers once their digit values are ignored), so most tokens are
        # a dict hit and only new shapes pay for the regexes. The few tokens whose mask keeps
        # a digit live in ``_exact``, by the token itself. Cleared when full: bounded memory,
        # no LRU cost.
        self._memo: dict[str, str] = {}
        self._exact: dict[str, str] = {}

    def key(self, line: str) -> str:
        """Return the template key of one line."""
        s = line[: self.max_chars]
        for pattern, placeholder in self._rules:
            s = pattern.sub(placeholder, s)
        # Constructs that span whitespace are masked on the whole line first; each pass is
        # guarded by a substring test (done in C) so most lines skip it.
        if '="' in s or "='" in s or ': "' in s:
            s = _QUOTED.sub("<STR>", s)
        date = _MONTH_DATE.search(s)
        if date is not None:
            s = f"{s[: date.start()]}<TS>{s[date.end() :]}"
            # a second date (Linux ftpd: "connection from x at Sun Jul 10 03:55:15 2005")
            date = _MONTH_DATE.search(s, date.start() + 4)
            if date is not None:
                s = f"{s[: date.start()]}<TS>{_MONTH_DATE.sub('<TS>', s[date.end() :])}"
        if "<TS> " in s and ": " in s:
            header = _SYSLOG_PROGRAM.search(s, 0, 2 * _HEADER_CHARS)
            if header is not None and header.start() < _HEADER_CHARS:
                s = f"{s[: header.start()]}<TS> <HOST> {_PROGRAM}{s[header.end() :]}"
            elif s.startswith("<TS> "):
                s = _SYSLOG_HOST.sub("<TS> <HOST>", s, count=1)
        bracket = s.find(" [", 0, _HEADER_CHARS)
        if bracket > 0 and s.endswith(_LEVELS, 0, bracket):
            # the thread must start in the header, but a long one may end beyond it
            thread = _THREAD.match(s, bracket + 1, 4 * _HEADER_CHARS)
            if thread is not None:
                s = f"{s[:bracket]} [{_PROGRAM}]{s[thread.end() :]}"
        if "user " in s or "word for " in s or "key for " in s or "none for " in s:
            s = _USER.sub(_user, s)
        # Most tokens were seen before, or one of the same shape: look them all up in C, and
        # mask only the new ones. A token's shape has its digits 2-9 written as 1 (its 0s
        # kept: a leading 0 matters to <HEX>); every rule above decides on digit positions,
        # never on their values, so tokens of one shape mask alike: "pid=4711" and "pid=2093"
        # share the entry of "pid=1111", and fresh numbers do not defeat the memo.
        if s.isascii():  # (bytes.translate is a table lookup in C, 10x str.translate)
            shape_line = s.encode("ascii").translate(_SHAPE_BYTES).decode("ascii")
        else:
            shape_line = s.translate(_SHAPE)
        shapes = shape_line.split()  # digits map to digits: the same split as the line's
        memo = self._memo
        masked = list(map(memo.get, shapes))
        misses = masked.count(None)
        if misses:
            tokens = s.split()
            exact = self._exact
            if len(memo) + misses > self.memo_size:
                memo.clear()
            if len(exact) + misses > self.memo_size:
                exact.clear()
            i = -1
            for _ in range(misses):
                i = masked.index(None, i + 1)
                token, shape = tokens[i], shapes[i]
                # Only a 0 that starts a run of digits matters ("0x1f", "00106570"); one
                # inside a run does not, so the memo also knows "blk_10401" as "blk_11111".
                loose = _INNER_ZERO.sub("1", shape) if "0" in shape else shape
                result = memo.get(loose)
                if result is None:
                    result = exact.get(token)
                    if result is None:
                        result = _mask_token(token)
                        # The shape stands for every token like it only when no digit of
                        # the token survives into the result; one that keeps a digit
                        # ("PCI0.PXB2") is remembered by itself, apart, so it never answers
                        # for another.
                        if _DIGIT.search(result) is None:
                            memo[loose] = memo[shape] = result
                        else:
                            exact[token] = result
                else:
                    memo[shape] = result
                masked[i] = result
        k = " ".join(masked)  # type: ignore[arg-type]
        if " (" in k:  # one test for the three rare rewrites below
            if "<HOST> (" in k:
                k = _HOST_NAME.sub("<HOST>", k)
            if "bytes (" in k:
                k = _SIZE_RESTATED.sub("", k)
        if " *<NUM> " in k:
            k = _EXE_BITS.sub("", k)
        if "<PKG>" in k:
            k = _PACKAGE_VERSIONS.sub(_package_versions, k)
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
