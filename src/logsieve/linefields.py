"""What a line says about itself: its header (severity, component) apart from its message.

A log line is a header a program's logging library wrote (time, host, process, level, logger)
and a message a person wrote. The embedding head should judge the message: headers differ
from system to system, and a head that leans on them is lost on a system whose header it never
saw, or on message text alone (LogHub's ``Content`` column, a message pasted into the page).
So the head reads ``head_text(key)``: the message of the template key, with identifiers split
into words; the severity and the component are parsed here and used as evidence beside it
(``problem_cue``).

Everything works on template keys (``logsieve.templates``), where times, numbers, hosts and
ids are already placeholders, so a header is a short run of placeholders, a level word and a
logger name, whatever the system:

    >>> f = split_header("<TS> INFO [<ID>] org.apache.hadoop.mapred.Task: Progress of <ID>")
    >>> f.severity, f.component, f.message
    ('INFO', 'org.apache.hadoop.mapred.Task', 'Progress of <ID>')
    >>> split_header("<TS> <HOST> <ID>[<NUM>]: session opened for user <USER>").message
    'session opened for user <USER>'
    >>> problem_cue(split_header("<NUM> W ActivityManager: Unable to start service"))
    'severity WARN'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LineFields", "head_text", "not_log_text", "problem_cue", "split_header"]

#: Level words as loggers print them, to one spelling. Single letters (Android's logcat,
#: glog) count only in the position a level takes: after the header's placeholders and
#: before a ``Tag:``.
_LEVELS = {
    "TRACE": "DEBUG",
    "DEBUG": "DEBUG",
    "DBG": "DEBUG",
    "VERBOSE": "DEBUG",
    "FINE": "DEBUG",
    "FINER": "DEBUG",
    "FINEST": "DEBUG",
    "INFO": "INFO",
    "INFORMATION": "INFO",
    "INF": "INFO",
    "NOTICE": "INFO",
    "CONFIG": "INFO",
    "WARN": "WARN",
    "WARNING": "WARN",
    "WRN": "WARN",
    "ERROR": "ERROR",
    "ERR": "ERROR",
    "SEVERE": "ERROR",
    "FAILURE": "ERROR",
    "FATAL": "FATAL",
    "CRITICAL": "FATAL",
    "CRIT": "FATAL",
    "ALERT": "FATAL",
    "EMERG": "FATAL",
    "EMERGENCY": "FATAL",
    "PANIC": "FATAL",
}
_LETTER_LEVELS = {"V": "DEBUG", "D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "FATAL"}
#: Severities that are a problem cue on their own.
PROBLEM_SEVERITIES = frozenset({"WARN", "ERROR", "FATAL"})

#: A header token: a placeholder run, punctuation, a bracketed placeholder group
#: (``[<TS>]``, ``[<NUM> <TS>]`` is two tokens), a ``-`` or ``|`` separator.
_HEADER_TOKEN = re.compile(r"^(?:[\[(#]?(?:<[A-Z]+>[-:.,/|#]?)+[\])]?[,:]?|[-|,]|\[\S*\])$")
#: A syslog program: ``<ID>[<NUM>]:``, ``<ID>(pam_unix)[<NUM>]:``, ``kernel:``.
_PROGRAM = re.compile(r"^[\w./<>-]{1,60}(?:\([\w.-]{1,40}\))?(?:\[<NUM>\])?:$")
#: A logger or tag after the level: ``org.x.Y:``, ``WindowManager:``, ``nova.compute.claims``.
_LOGGER = re.compile(r"^[A-Za-z_<][\w.$<>/-]{0,120}:?$")
_DOTTED = re.compile(r"^[A-Za-z_][\w$]*(?:\.[A-Za-z_<][\w$<>]*)+:?$")
#: Request context a framework prints before the message (``[req-<UUID> <HEX> - - -]``).
_REQUEST = re.compile(r"^\[(?:req-[^\]]*|-)\]\s*")
_PIPES = re.compile(r"^(?:[^|\s]*\|){2,}")
_LEVEL_WORD = re.compile(r"^[\[(]?([A-Za-z]{1,11})[\])]?[,:]?$")
#: How far into a line a level may stand (BGL: ``- <NUM> <TS> <ID> <TS> <ID> RAS KERNEL INFO``).
_LEVEL_WINDOW = 9


@dataclass(frozen=True, slots=True)
class LineFields:
    """A template key split into what the header says and the message."""

    severity: str | None
    component: str | None
    message: str


def _level_of(token: str, nxt: str | None) -> str | None:
    m = _LEVEL_WORD.match(token)
    if m is None:
        return None
    word = m.group(1)
    upper = word.upper()
    if len(word) == 1:
        # a single letter is a level only where logcat/glog put one: before a ``Tag:``
        if upper in _LETTER_LEVELS and word.isupper() and nxt is not None and nxt.endswith(":"):
            return _LETTER_LEVELS[upper]
        return None
    # ``Info``, ``INFO``, ``[notice]``; not ``Error`` as the first word of a sentence in the
    # message proper (handled by the caller: a level must follow header tokens only).
    if upper in _LEVELS and (
        word.isupper()
        or word.istitle()
        or token.startswith("[")
        or (word.islower() and token.startswith("["))
    ):
        return _LEVELS[upper]
    return None


def split_header(key: str) -> LineFields:
    """Severity, component and message of a template key; a line with no header is all
    message (``LineFields(None, None, key)``)."""
    text = _PIPES.sub("", key, count=1) if "|" in key[:80] else key
    tokens = text.split(" ")
    severity: str | None = None
    component: str | None = None
    letter_level = False
    i = 0
    n = len(tokens)
    # The header: placeholders and separators, then maybe a level, a thread, a logger.
    while i < n and i < _LEVEL_WINDOW:
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < n else None
        level = _level_of(tok, nxt)
        if level is not None:
            severity = level
            letter_level = len(tok.strip("[](),:")) == 1
            i += 1
            break
        if _HEADER_TOKEN.match(tok):
            i += 1
            continue
        if (
            i > 0
            and nxt is not None
            and _PROGRAM.match(nxt)
            and ":" not in tok
            and i + 2 < n
            and _level_of(nxt, None) is None
        ):
            # a host name the masker left as a word (``local@<ID>``) before the program
            i += 1
            continue
        if i > 0 and _PROGRAM.match(tok) and i + 1 < n:
            # ``<TS> <HOST> sshd[<NUM>]:`` and the like: the program is the component
            component = tok.rstrip(":")
            i += 1
            break
        ahead = tokens[i + 1 : i + 3]
        if any(_level_of(t, None) for t in ahead if len(t) > 1) and tok.isupper():
            # a word or two before the level (BGL's ``RAS KERNEL INFO``): part of the header
            i += 1
            continue
        break
    if severity is not None:
        # after a level: an optional thread ``[<ID>]``, a ``-``, then a logger
        while i < n and (tokens[i] in ("-", "|") or _HEADER_TOKEN.match(tokens[i])):
            i += 1
        tok = tokens[i] if i < n else ""
        # a logger: dotted (``org.x.Y:``, ``nova.compute.claims``), a masked one (``<ID>:``),
        # or after a logcat letter level any ``Tag:``. Not ``Notification:``, which after a
        # word level is the message's own first word.
        dotted = _DOTTED.match(tok) and (
            tok.endswith(":") or (i + 1 < n and tokens[i + 1].startswith("["))
        )
        upper_tag = tok.isalpha() and tok.isupper() and 2 <= len(tok) <= 5  # Windows' CBS
        if i + 1 < n and (
            dotted
            or upper_tag
            or tok == "<ID>:"
            or (letter_level and tok.endswith(":") and _LOGGER.match(tok))
        ):
            component = tokens[i].rstrip(":")
            i += 1
            while i < n and tokens[i] in ("-", ":"):
                i += 1
    message = " ".join(tokens[i:]).strip()
    message = _REQUEST.sub("", message)
    if not message:  # nothing but placeholders after the header: they are the message
        return LineFields(severity, component, text)
    return LineFields(severity, component, message)


#: Wording that says something went wrong. Whole words only (``invalidSet``, ``liberror`` and
#: ``ErrorReporter`` are identifiers, not the words); placeholders are not words.
_CUE_WORDS = re.compile(
    r"(?<![\w<./-])(?:errors?|fail(?:s|ed|ing|ure|ures)?|denied|refused|refusing|invalid|"
    r"exceptions?|traceback|fatal|panic|crash(?:ed|es)?|critical|unable|cannot|can't|"
    r"could ?n[o']t|couldn't|timed? ?out|timeout|unreachable|abort(?:ed|ing)?|corrupt(?:ed|ion)?|"
    r"violations?|unauthori[sz]ed|forbidden|reject(?:ed|ing)?|illegal|unexpected|"
    r"not found|no such|lost|broken|deprecated|segfault|killed|oom|overflow|"
    r"insufficient|exceeded|mismatch|unknown|bad|wrong|missing|warning|deadlock(?:ed|s)?|"
    r"unavailable|stalled|hung|leak(?:ed|s)?|retry(?:ing)?|retries|out of memory|"
    r"no space|disk full|permission|exhausted|overloaded|unhealthy|degraded|"
    r"not responding|no longer|abnormal(?:ly)?|assert(?:ion)?(?: failed)?|"
    r"core dump(?:ed)?|dumped core|dumping core|core files?|generat(?:ing|ed) core|"
    r"core\.<NUM>|broken|severed|reset by peer|"
    # nothing came back, or nothing is left
    r"no (?:answer|response|reply)|(?:got|did|does|do) not (?:answer|respond|reply)|"
    r"(?:is|are|was|were) (?:now )?full(?=\s*(?:$|[.,;:!)(]))|"
    r"no free|no server|not served)(?![\w>/-])"
    # Windows' error constants beside an HRESULT whose value is masked (``CBS_E_…``,
    # ``E_FAIL``, ``ERROR_INVALID_FUNCTION``); ``S_OK`` is success
    r"|(?<![\w<])(?-i:[A-Z]+_E_[A-Z0-9_]+|E_[A-Z]{3,}[A-Z0-9_]*|ERROR_[A-Z0-9_]{3,})(?![\w>=])",
    re.IGNORECASE,
)
_IDENTIFIER_CASE = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]")


def problem_cue(fields: LineFields, *, warning_counts: bool = True) -> str | None:
    """Why the line looks like a problem (``'severity ERROR'``, ``"word 'failed'"``), or None.

    Used where the head is unsure: an unfamiliar line with no problem cue is routine.
    ``warning_counts=False`` asks for a failure cue: a WARN level alone is not one (real
    systems log routine teardown and retries at WARN: "Send worker leaving thread"), though it
    still lets a problem label stand."""
    if fields.severity in PROBLEM_SEVERITIES and (warning_counts or fields.severity != "WARN"):
        return f"severity {fields.severity}"
    for m in _CUE_WORDS.finditer(fields.message):
        word = m.group()
        # inside a camelCase identifier (``isErrorShown``)? the lookarounds stop letters, so
        # check the token around the match for mixed case
        start = fields.message.rfind(" ", 0, m.start()) + 1
        end = fields.message.find(" ", m.end())
        token = fields.message[start : end if end >= 0 else None]
        if _IDENTIFIER_CASE.search(token.strip("()[]{},;:'\"=")):
            continue
        return f"word {word.lower()!r}"
    return None


#: Placeholders before the first word: where one system's header ends and its message begins
#: differs (``<HOST>:<NUM> Served block``), and they carry no meaning for the head.
_LEADING_PLACEHOLDERS = re.compile(r"^(?:[\[(]?<[A-Z]+>[\])]?[-:,.]?\s*)+(?=\S)")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SNAKE = re.compile(r"(?<=[A-Za-z])_(?=[A-Za-z])")


def head_text(key: str) -> str:
    """What the embedding head reads: the message of a template key, with camelCase and
    snake_case identifiers split into words (``onStandStepChanged`` -> ``on Stand Step
    Changed``): the encoder's vocabulary has the words, not the glued identifier."""
    whole = split_header(key).message
    message = _LEADING_PLACEHOLDERS.sub("", whole) or whole
    return _SNAKE.sub(" ", _CAMEL.sub(" ", message))


#: Share of a line's characters that may be control bytes or undecodable (U+FFFD) before it
#: is not text at all (binary data, compressed bytes read as text). A log line with one bad
#: byte in a user name is still a log line.
JUNK_SHARE = 0.1


def not_log_text(text: str) -> str | None:
    """Why a line is not log text (empty, whitespace only, mostly binary), or None.

    Cheap for ordinary lines (two scans in C): only a line with a control character or an
    undecodable byte is counted.

        >>> not_log_text("disk sda1 is 91% full") is None
        True
        >>> not_log_text("  \t ")
        'the line is empty or whitespace only'
    """
    if text.isprintable() and "\ufffd" not in text:
        return None if text and not text.isspace() else "the line is empty or whitespace only"
    if not text.strip():
        return "the line is empty or whitespace only"
    junk = sum(1 for c in text if c == "\ufffd" or (c < " " and c != "\t") or c == "\x7f")
    if junk > JUNK_SHARE * len(text):
        return (
            f"the line looks binary, not text: {junk} of its {len(text)} characters are "
            "control bytes or undecodable"
        )
    return None
