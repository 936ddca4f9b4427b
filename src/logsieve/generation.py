"""Synthetic log lines from a prompt (seed 000's ``/api/generate``), with or without an LLM.

With an LLM the model writes message *templates* with named slots (``{uuid}``, ``{ip}``,
``{int}``, ``{user}``…) and the slots are filled here with the corpus field makers: small
models copy the examples they are shown when asked for whole lines, and invent ids badly.
Each message is then wrapped in the line shape of the nearest corpus template (a nova line for
openstack, syslog/pylog/JSON… for standard). An answer with no usable line, or an LLM that
fails, falls back to the offline generator, and ``detail`` says so.

Offline, the corpus templates closest to the prompt are picked by sentence-embedding
similarity (MiniLM; template vectors are computed once per process) or, when no encoder can
be loaded, by word overlap; they are filled with random fields in realistic line shapes.

    >>> result = generate_from_prompt("user failed to log in with a wrong password", 2, seed=1)
    >>> result.method, len(result.lines)                         # doctest: +SKIP
    ('offline', 2)
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from logsieve.corpus import catalog_for, known_taxonomies
from logsieve.corpus.catalog import Catalog, Template
from logsieve.corpus.fields import FIELD_MAKERS
from logsieve.corpus.formats import Genre, wrap
from logsieve.corpus.pattern import compile_pattern
from logsieve.errors import LogsieveError, ModelError, PatternError, StageError
from logsieve.taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "MAX_COUNT",
    "MAX_MESSAGE_CHARS",
    "GenerationResult",
    "fill_slots",
    "generate_from_prompt",
    "nearest_templates",
    "parse_templates",
]

#: Most lines one call may ask for.
MAX_COUNT = 10_000
#: A generated message longer than this is cut at a word boundary (prose is rejected).
MAX_MESSAGE_CHARS = 240
#: Most templates asked of the model in one call: the answer must fit LLM_MAX_TOKENS (120).
MAX_LLM_TEMPLATES = 4
#: Most slots a usable template may hold.
MAX_SLOTS = 6
#: Prompt characters sent to the model.
MAX_PROMPT_CHARS = 500
#: Distinct corpus templates a multi-line offline answer cycles through.
OFFLINE_POOL = 8
#: Renderings per template averaged into its vector (choices make one rendering unrepresentative).
RENDERINGS = 2

Method = Literal["llm", "offline"]


@dataclass(frozen=True, slots=True)
class GenerationResult:
    """``count`` generated lines, how they were made, and why (e.g. why the LLM was not used)."""

    lines: list[str]
    method: Method
    detail: str


class _Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def generate_from_prompt(
    prompt: str,
    count: int = 1,
    taxonomy: Taxonomy | str = "standard",
    *,
    llm: Any | None = None,
    encoder: _Encoder | None = None,
    seed: int | None = None,
) -> GenerationResult:
    """Exactly ``count`` single-line synthetic log lines about ``prompt``; never empty.

    ``llm`` is a :class:`logsieve.llm.ChatLLMStage` (its breaker, cap and retries guard the
    call) or any ``ChatClient``; without it, or when it fails or answers nothing usable, the
    offline generator is used. ``encoder`` ranks corpus templates (default: MiniLM, loaded
    once; word overlap if it cannot be loaded). The same ``seed`` gives the same offline
    lines and the same filling of the same LLM answer.

    Raises ValueError for an empty prompt or a count outside 1..MAX_COUNT, TaxonomyError for
    an unknown taxonomy name.

        >>> generate_from_prompt("A network service timed out during VM creation",
        ...                      taxonomy="openstack", seed=3).lines      # doctest: +SKIP
        ['2019-03-02 10:11:12.345 2931 ERROR nova.compute.manager [req-…] [instance: …] …']
    """
    text = " ".join((prompt or "").split())
    if not text:
        raise ValueError("prompt must not be empty")
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count must be in 1..{MAX_COUNT}, got {count}")
    tax = load_taxonomy(taxonomy) if isinstance(taxonomy, str) else taxonomy
    catalog, catalog_note = _catalog(tax)
    rng = random.Random(seed)
    ranking = _rank(text, catalog, encoder)
    notes = [n for n in (catalog_note,) if n]

    if llm is not None:
        try:
            answer = _ask_llm(llm, text, tax, count)
        except StageError as exc:
            notes.append(f"LLM failed ({exc}); made offline")
        else:
            templates = parse_templates(answer)[:MAX_LLM_TEMPLATES]
            if templates:
                lines = _fill_llm(templates, count, ranking, rng)
                notes.insert(
                    0,
                    f"{len(templates)} template(s) written by the LLM, slots filled "
                    f"with random values",
                )
                return GenerationResult(lines, "llm", "; ".join(notes))
            notes.append(f"LLM answer had no usable log line ({_preview(answer)!r}); made offline")
    else:
        notes.append("no LLM configured")
    lines = _fill_offline(ranking, count, rng)
    chosen = ", ".join(
        dict.fromkeys(
            ranking.ids[i] for i in ranking.order[:OFFLINE_POOL][: min(count, OFFLINE_POOL)]
        )
    )
    notes.insert(0, f"nearest corpus templates by {ranking.method}: {chosen}")
    return GenerationResult(lines, "offline", "; ".join(notes))


# --------------------------------------------------------------------------------------------
# Offline: rank corpus templates against the prompt
# --------------------------------------------------------------------------------------------


def nearest_templates(
    prompt: str,
    taxonomy: Taxonomy | str = "standard",
    k: int = 5,
    *,
    encoder: _Encoder | None = None,
) -> list[str]:
    """Ids (``taxonomy/label/slug``) of the ``k`` corpus templates nearest to ``prompt``.

    >>> nearest_templates("database connection pool exhausted", k=1)   # doctest: +SKIP
    ['standard/DB_ERROR/pool-exhausted']
    """
    tax = load_taxonomy(taxonomy) if isinstance(taxonomy, str) else taxonomy
    ranking = _rank(" ".join(prompt.split()), _catalog(tax)[0], encoder)
    return [ranking.ids[i] for i in ranking.order[:k]]


@dataclass(frozen=True, slots=True)
class _Ranking:
    templates: list[Template]
    ids: list[str]
    order: list[int]  # template indices, nearest first
    method: str


def _catalog(tax: Taxonomy) -> tuple[Catalog, str]:
    """The corpus of the taxonomy, or the standard one (generic lines) for a custom taxonomy."""
    if tax.name in known_taxonomies():
        try:
            return catalog_for(tax), ""
        except LogsieveError:
            pass  # a custom file reusing a built-in name with other labels
    return catalog_for("standard"), (
        f"taxonomy {tax.name!r} has no synthetic corpus; offline shapes come from 'standard'"
    )


def _entries(catalog: Catalog) -> tuple[list[Template], list[str]]:
    templates: list[Template] = []
    ids: list[str] = []
    for label, group in catalog.by_label.items():
        for tpl in group:
            templates.append(tpl)
            ids.append(catalog.template_id(label, tpl))
    return templates, ids


#: Opaque fields shown to the encoder as one short word: a uuid costs ~20 tokens of noise, and
#: shorter texts make the one-off template embedding several times faster.
_FIELD_WORDS = {
    "uuid": "id",
    "hex": "id",
    "int": "N",
    "dec": "N",
    "ms": "N",
    "secs": "N",
    "bytes": "N",
    "pid": "N",
    "pct": "N",
    "port": "port",
    "ip": "ip",
    "mac": "mac",
    "host": "host",
    "node": "host",
    "path": "path",
    "basefile": "path",
    "instpath": "path",
    "file": "file",
    "clock": "time",
    "date": "date",
    "dur": "duration",
    "size": "size",
    "user": "user",
    "sysuser": "user",
    "email": "email",
    "blk": "block",
    "pod": "pod",
    "yarn_container": "container",
    "acct": "account",
    "order": "order",
    "ticket": "ticket",
    "txn": "transaction",
    "instname": "instance",
    "version": "version",
}
_PATTERN_FIELD = re.compile(r"\{([a-z_][a-z0-9_]*)(?::[^{}|]*)?\}")


def _renderings(tpl: Template) -> list[str]:
    """Representative texts of a template: its choices rendered, opaque fields as words."""
    pattern = _PATTERN_FIELD.sub(lambda m: _FIELD_WORDS.get(m.group(1), m.group(0)), tpl.pattern)
    try:
        render = compile_pattern(pattern)
    except PatternError:  # a literal word left a choice with one option: keep the fields
        render = tpl.render_message
    # Fixed seeds: the representative text (and so the cached vector) never changes.
    return [" ".join(render(random.Random(i)).split()) for i in range(RENDERINGS)]


def _rank(prompt: str, catalog: Catalog, encoder: _Encoder | None) -> _Ranking:
    templates, ids = _entries(catalog)
    enc, why_not = (encoder, "") if encoder is not None else _default_encoder()
    scores: np.ndarray | None = None
    method = "embedding similarity"
    if enc is not None:
        try:
            vectors = _template_vectors(catalog, templates, enc)
            query = np.asarray(enc.encode([prompt]), dtype=np.float32)[0]
            scores = vectors @ query
        except (LogsieveError, RuntimeError, ValueError) as exc:
            why_not = f"encoder failed: {exc}"
    if scores is None:
        method = f"word overlap ({why_not})" if why_not else "word overlap"
        scores = _overlap_scores(prompt, catalog, templates)
    # Stable sort on -score: ties keep catalog order, so the ranking is deterministic.
    order = sorted(range(len(templates)), key=lambda i: -float(scores[i]))
    return _Ranking(templates, ids, order, method)


_ENCODER_LOCK = threading.Lock()
_DEFAULT_ENCODER: list[tuple[_Encoder | None, str]] = []  # loaded at most once per process
_VECTOR_CACHE: dict[tuple[str, str], np.ndarray] = {}  # (taxonomy, encoder name) -> vectors


def _default_encoder() -> tuple[_Encoder | None, str]:
    with _ENCODER_LOCK:
        if not _DEFAULT_ENCODER:
            try:
                from logsieve.embedding import MiniLMEncoder

                _DEFAULT_ENCODER.append((MiniLMEncoder(), ""))
            except (ModelError, ImportError, OSError) as exc:
                _DEFAULT_ENCODER.append((None, f"no encoder: {exc}"))
        return _DEFAULT_ENCODER[0]


def _template_vectors(catalog: Catalog, templates: list[Template], enc: _Encoder) -> np.ndarray:
    key = (catalog.taxonomy, str(getattr(enc, "name", type(enc).__name__)))
    with _ENCODER_LOCK:
        cached = _VECTOR_CACHE.get(key)
    if cached is not None:
        return cached
    texts = [text for tpl in templates for text in _renderings(tpl)]
    unique = list(dict.fromkeys(texts))  # a template without choices renders the same twice
    row = {text: i for i, text in enumerate(unique)}
    raw = np.asarray(enc.encode(unique), dtype=np.float32)[[row[t] for t in texts]]
    mean = raw.reshape(len(templates), RENDERINGS, -1).mean(axis=1)
    vectors: np.ndarray = mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
    with _ENCODER_LOCK:
        _VECTOR_CACHE[key] = vectors
    return vectors


_WORD = re.compile(r"[a-z]+")
_STOP = frozenset(
    (
        "the",
        "and",
        "for",
        "with",
        "from",
        "into",
        "onto",
        "was",
        "were",
        "has",
        "have",
        "had",
        "this",
        "that",
        "during",
        "while",
        "when",
        "then",
        "than",
        "not",
        "but",
        "are",
        "its",
        "our",
        "their",
        "his",
        "her",
        "them",
        "they",
        "you",
        "your",
        "via",
        "per",
        "out",
        "off",
        "over",
        "after",
        "before",
    )
)


def _stems(text: str) -> set[str]:
    words = _WORD.findall(text.lower().replace("_", " "))
    return {_stem(w) for w in words if len(w) > 2 and w not in _STOP}


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _overlap_scores(prompt: str, catalog: Catalog, templates: list[Template]) -> np.ndarray:
    """Cosine of word sets (prompt vs. template renderings + its label name)."""
    query = _stems(prompt)
    label_of = {id(tpl): label for label, group in catalog.by_label.items() for tpl in group}
    scores = np.zeros(len(templates), dtype=np.float32)
    if not query:
        return scores
    for i, tpl in enumerate(templates):
        words = _stems(" ".join([*_renderings(tpl), label_of.get(id(tpl), "")]))
        if words:
            scores[i] = len(query & words) / math.sqrt(len(query) * len(words))
    return scores


def _fill_offline(ranking: _Ranking, count: int, rng: random.Random) -> list[str]:
    pool = ranking.order[: min(count, OFFLINE_POOL)]
    return [_one_line(ranking.templates[pool[i % len(pool)]].render(rng)[0]) for i in range(count)]


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "-"


# --------------------------------------------------------------------------------------------
# With an LLM: ask for templates, parse, fill
# --------------------------------------------------------------------------------------------

_STYLES = {
    "openstack": "OpenStack services (nova-compute, the libvirt driver, the scheduler, neutron "
    "agents, placement)",
    "standard": "Linux servers and business applications (sshd, systemd, databases, web "
    "servers, batch jobs, backup tools, application loggers)",
}
_EXAMPLE = "Disk quota exceeded for user {user} on {host}: {int} MB used"
_SLOT_TEXT = re.compile(r"\{[^{}]*\}")

SYSTEM_PROMPT = """You write log message templates for a synthetic log generator.
Write {k} different one-line log messages about the situation the user describes, worded the way \
{style} really log it.
Rules:
- One message per line. No numbering, no quotes, no explanations, no code fences.
- No timestamps, no log level, no logger name: only the message text.
- Where a variable value goes, write a slot in curly braces: {{uuid}} for ids, {{ip}} for \
addresses, {{host}} for host names, {{port}} for ports, {{int}} for numbers, {{user}} for user \
names, {{path}} for files, {{dur}} for durations.
The kinds of log this system knows: {labels}.
Example of the form, about a different situation:
{example}"""


def build_messages(prompt: str, taxonomy: Taxonomy, k: int) -> list[dict[str, str]]:
    """The chat messages asking for ``k`` templates about ``prompt`` in the taxonomy's style."""
    style = _STYLES.get(taxonomy.name, "production software")
    labels = ", ".join(label.name for label in taxonomy.labels if label.id != taxonomy.fallback)
    system = SYSTEM_PROMPT.format(k=k, style=style, labels=labels, example=_EXAMPLE)
    from logsieve.llm.redact import Redactor  # the prompt leaves the machine: same redaction

    situation = Redactor().redact(prompt)[:MAX_PROMPT_CHARS]
    return [
        {"role": "system", "content": system},
        {
            "role": "user",
            "content": f"Situation: {situation}\nWrite {k} log message "
            f"template{'s' if k > 1 else ''}, one per line.",
        },
    ]


def _ask_llm(llm: Any, prompt: str, taxonomy: Taxonomy, count: int) -> str:
    messages = build_messages(prompt, taxonomy, min(count, MAX_LLM_TEMPLATES))
    complete_text: Callable[..., str] | None = getattr(llm, "complete_text", None)
    if complete_text is not None:  # the LLM stage: its breaker, cap and retries apply
        return complete_text(messages, None)
    return str(llm.complete(messages, None))  # a bare ChatClient


_FENCE = re.compile(r"^\s*```")
_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_BULLET = re.compile(r"^\s*(?:[-*•>]+|\(?\d{1,3}[.):\]]|#+)\s*")
_LABELLED = re.compile(r"^\s*(?:log\s*)?(?:template|line|message|example)\s*\d*\s*[:.)-]\s*", re.I)
_LEVEL = re.compile(
    r"^\s*[\[(]?(DEBUG|INFO|NOTICE|WARNING|WARN|ERROR|ERR|CRITICAL|FATAL)[\])]?"
    r"\s*[:|-]?\s+",
    re.I,
)
_CHATTER = re.compile(
    r"^(?:here(?:'s| is| are)|sure\b|certainly|of course|note\b|i\b|i'm|i am|sorry|as an ai|"
    r"this (?:is|will|log|message|template)|these |the (?:above|following)|example\b|"
    r"explanation|output\b|in this)",
    re.I,
)
_QUOTES = "\"'`“”‘’"


def parse_templates(answer: str) -> list[str]:
    """The usable one-line message templates in a model's answer (may be empty).

    Accepts plain lines, numbered or bulleted lists, code fences, quoted lines, a JSON list or
    an object holding one; drops chatter ("Here are…"), prose paragraphs, a copy of the
    prompt's example and duplicates; keeps an optional leading level word (``ERROR: …``).
    """
    text = _THINK.sub("", answer or "")
    candidates = _json_lines(text)
    if candidates is None:
        candidates = [ln for ln in text.splitlines() if not _FENCE.match(ln)]
    seen: set[str] = set()
    out: list[str] = []
    for raw in candidates:
        line = _clean(raw)
        if line is None:
            continue
        key = re.sub(r"\W+", " ", line.lower()).strip()
        if key in seen or _copies_example(line):
            continue
        seen.add(key)
        out.append(line)
    return out


_EXAMPLE_WORDS = frozenset(re.findall(r"[a-z]{2,}", _SLOT_TEXT.sub(" ", _EXAMPLE.lower())))


def _copies_example(line: str) -> bool:
    """Small models echo the example with a word or two changed: 3/4 of its words is a copy."""
    words = set(re.findall(r"[a-z]{2,}", _SLOT_TEXT.sub(" ", line.lower())))
    return len(words & _EXAMPLE_WORDS) * 4 >= 3 * len(_EXAMPLE_WORDS)


def _json_lines(text: str) -> list[str] | None:
    stripped = "\n".join(ln for ln in text.strip().splitlines() if not _FENCE.match(ln)).strip()
    if not stripped or stripped[0] not in "[{":
        return None
    try:
        data = json.loads(stripped)
    except ValueError:
        return None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if lists else [v for v in data.values() if isinstance(v, str)]
    if not isinstance(data, list):
        return None
    return [str(item) for item in data if isinstance(item, str | int | float)]


def _clean(raw: str) -> str | None:
    line = " ".join(raw.split())
    for _ in range(3):  # "1. Template: `ERROR ...`" peels in a few passes
        before = line
        line = _BULLET.sub("", line)
        line = _LABELLED.sub("", line)
        line = line.strip().strip(_QUOTES).strip().rstrip(",")
        line = line.strip(_QUOTES).strip()
        if line == before:
            break
    if len(line) > 2 * MAX_MESSAGE_CHARS or line.endswith(":") or _CHATTER.match(line):
        return None
    words = re.findall(r"[A-Za-z]{2,}", _SLOT.sub(" ", line))
    slots = len(_SLOT.findall(line))
    # A message is words with a few values in it; a list of slots is not a log line.
    if len(line) < 10 or len(words) < 3 or slots > MAX_SLOTS or slots > len(words):
        return None
    if len(line) > MAX_MESSAGE_CHARS:
        cut = line[:MAX_MESSAGE_CHARS]
        line = cut[: cut.rfind(" ")] if " " in cut else cut
    return line


_SLOT = re.compile(
    r"\{([A-Za-z_][A-Za-z0-9_ .-]{0,40})(?::([^{}]{0,20}))?\}"
    r"|<([A-Za-z_][A-Za-z0-9_]{0,40})>"
)
# Names models use for slots, mapped to corpus field makers (checked after exact names).
_SLOT_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("uuid", "instance", "request", "req", "guid", "vm", "server_id"), "uuid"),
    (("ip", "addr"), "ip"),
    (("port",), "port"),
    (("email", "mail"), "email"),
    (("url", "endpoint", "uri"), "url"),
    (("host", "node", "server", "machine"), "host"),
    (("user", "login", "account", "owner", "name"), "user"),
    (("path", "file", "dir", "volume", "disk"), "path"),
    (("dur", "time", "sec", "latency", "elapsed", "timeout", "delay", "ms"), "dur"),
    (("size", "bytes", "mem", "ram"), "size"),
    (("pct", "percent", "ratio", "usage"), "pct"),
    (("version",), "version"),
    (("pid", "process"), "pid"),
    (("service", "app", "component"), "service"),
    (("database", "db", "schema"), "db"),
    (("table",), "table"),
    (("job", "task"), "job"),
    (("exception", "error", "exc"), "pyexc"),
    (("id", "key", "token", "hash", "hex", "code"), "hex"),
    (("count", "num", "int", "number", "attempt", "retr", "total", "status", "limit"), "int"),
)


def fill_slots(template: str, rng: random.Random) -> str:
    """Replace every ``{slot}`` (or ``<slot>``) with a random value of the matching field."""

    def one(match: re.Match[str]) -> str:
        name = (match.group(1) or match.group(3) or "").strip().lower().replace(" ", "_")
        arg = match.group(2)
        maker = _maker_for(name)
        if maker is None:
            return match.group(0) if match.group(3) else FIELD_MAKERS["hex"](rng, "8")
        try:
            return maker(rng, arg)
        except ValueError:
            return maker(rng, None)

    return _SLOT.sub(one, template)


def _maker_for(name: str) -> Callable[[random.Random, str | None], str] | None:
    if name in FIELD_MAKERS and name not in ("lb", "rb"):
        return FIELD_MAKERS[name]
    for hints, field in _SLOT_HINTS:
        if any(h in name for h in hints):
            return FIELD_MAKERS[field]
    return None


_ERROR_WORDS = re.compile(
    r"\b(?:error|fail\w*|timed? ?out|timeout|refused|denied|unable|cannot|"
    r"can't|exception|invalid|unreachable|crash\w*|abort\w*|lost|did not|"
    r"no response|not respond\w*)\b",
    re.I,
)
_WARN_WORDS = re.compile(
    r"\b(?:warn\w*|deprecat\w*|retry\w*|retrying|slow|high|low|degraded|"
    r"exceed\w*|approaching)\b",
    re.I,
)
_LEVEL_LETTER = {
    "DEBUG": "D",
    "INFO": "I",
    "NOTICE": "I",
    "WARNING": "W",
    "WARN": "W",
    "ERROR": "E",
    "ERR": "E",
    "CRITICAL": "F",
    "FATAL": "F",
}

#: Shapes for a taxonomy without a corpus genre to borrow.
_GENERIC = Genre(
    ("pylog", "java", "json", "bare"),
    ("app", "api-server", "worker"),
    ("app.main", "app.service"),
    ("app",),
)


def _fill_llm(templates: list[str], count: int, ranking: _Ranking, rng: random.Random) -> list[str]:
    # The nearest corpus templates lend their genres: the line shapes and logger names of the
    # kind of system the prompt is about.
    genres = [ranking.templates[i].genre for i in ranking.order[:3]] or [_GENERIC]
    lines: list[str] = []
    for i in range(count):
        template = templates[i % len(templates)]
        level = _LEVEL.match(template)
        if level:
            letter = _LEVEL_LETTER[level.group(1).upper()]
            template = template[level.end() :]
        elif _ERROR_WORDS.search(template):
            letter = "E"
        elif _WARN_WORDS.search(template):
            letter = "W"
        else:
            letter = "I"
        message = fill_slots(template, rng)
        genre = genres[i % len(genres)]
        shapes = [s for s in genre.shapes if s != "raw"] or ["bare"]
        lines.append(_one_line(wrap(rng.choice(shapes), message, letter, genre, rng)))
    return lines


def _preview(text: str, limit: int = 80) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
