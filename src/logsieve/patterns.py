"""The patterns in a stream of lines, with no labels: each template key with its count, share,
first and last line, an example and the kinds of values that vary in it.

What Drain3's clusters, Loki's pattern detection and Elastic's log categorization show: "what
does this file say, and how often". Memory is bounded: past ``max_templates`` distinct keys,
lines of new templates are counted as ``other`` (said in the result), never dropped silently.

    >>> counter = PatternCounter()
    >>> counter.add("app.log", 1, "took 12 ms")
    >>> counter.add("app.log", 2, "took 7 ms")
    >>> counter.top(1)[0].count
    2
"""

from __future__ import annotations

import heapq
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .templates import TemplateMasker

_PLACEHOLDER = re.compile(r"<(?:TS|UUID|URL|EMAIL|HOST|MAC|PATH|HEX|NUM|ID|STR|USER)>")


@dataclass(slots=True)
class Pattern:
    template: str
    count: int
    first: tuple[str, int]  #: (file, line) where it was first seen
    last: tuple[str, int]
    example: str  #: the first line that had it

    @property
    def variables(self) -> list[str]:
        """The kinds of value that vary, in order (``['<TS>', '<HOST>', '<NUM>']``)."""
        return _PLACEHOLDER.findall(self.template)

    def to_json(self, total: int) -> dict[str, Any]:
        return {
            "template": self.template,
            "count": self.count,
            "share": round(self.count / total, 6) if total else 0.0,
            "first": {"file": self.first[0], "line": self.first[1]},
            "last": {"file": self.last[0], "line": self.last[1]},
            "example": self.example,
            "variables": self.variables,
        }


class PatternCounter:
    """Counts lines per template key; ``top(n)`` the commonest (ties: first seen first)."""

    def __init__(
        self,
        max_templates: int = 100_000,
        masker: TemplateMasker | None = None,
        example_chars: int = 500,
    ) -> None:
        self.max_templates = max_templates
        self.masker = masker or TemplateMasker()
        self.example_chars = example_chars
        self.lines = 0
        self.other = 0  #: lines of templates past max_templates
        self._patterns: dict[str, Pattern] = {}

    def add(self, file: str, line: int, text: str) -> None:
        self.lines += 1
        key = self.masker.key(text)
        found = self._patterns.get(key)
        if found is not None:
            found.count += 1
            found.last = (file, line)
        elif len(self._patterns) < self.max_templates:
            self._patterns[key] = Pattern(
                key, 1, (file, line), (file, line), text[: self.example_chars]
            )
        else:
            self.other += 1

    @property
    def distinct(self) -> int:
        return len(self._patterns)

    def top(self, n: int | None = None) -> list[Pattern]:
        ranked = sorted(self._patterns.values(), key=lambda p: -p.count)  # stable: first seen
        return ranked if n is None else ranked[:n]

    def to_json(self, n: int | None = None) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "templates": self.distinct,
            "other_lines": self.other,
            "patterns": [p.to_json(self.lines) for p in self.top(n)],
        }


@dataclass(slots=True)
class _Activity:
    template: str
    label_id: str
    count: int
    first_seen: float
    last_seen: float
    example: str
    #: lines per bucket, ``buckets[i]`` for bucket number ``base + i`` (oldest first)
    base: int
    buckets: list[int]


class TemplateActivity:
    """Lines per template as they are answered, over time: what a server's patterns view and
    its per-template metric read. Thread-safe and bounded: ``max_templates`` templates (lines
    of further ones are counted as ``other``), ``window`` buckets of ``bucket_s`` seconds each.

    Fed with answers (anything with ``template``, ``label_id`` and ``log_analyzed``); lines
    with no template (a rule decided them, or they were not log text) are not patterns.

        >>> from types import SimpleNamespace as R
        >>> a = TemplateActivity(bucket_s=60, window=3, clock=lambda: 120.0)
        >>> a.observe([R(template="took <NUM> ms", label_id="info", log_analyzed="took 7 ms")])
        >>> a.top(1)[0]["series"]
        [0, 0, 1]
    """

    def __init__(
        self,
        max_templates: int = 10_000,
        *,
        bucket_s: float = 60.0,
        window: int = 60,
        example_chars: int = 300,
        clock: Callable[[], float] = time.time,
        scrub: Callable[[str], str] | None = None,
    ) -> None:
        self.max_templates = max_templates
        self.bucket_s = bucket_s
        self.window = window
        self.example_chars = example_chars
        self._clock = clock
        self._scrub = scrub or (lambda text: text)
        self._lock = threading.Lock()
        self._by_key: dict[str, _Activity] = {}
        self.lines = 0
        self.other = 0
        self.started = clock()

    def observe(self, results: Iterable[Any]) -> None:
        now = self._clock()
        bucket = int(now // self.bucket_s)
        with self._lock:
            for res in results:
                key = res.template
                if key is None:
                    continue
                self.lines += 1
                act = self._by_key.get(key)
                if act is None:
                    if len(self._by_key) >= self.max_templates:
                        self.other += 1
                        continue
                    act = self._by_key[key] = _Activity(
                        key,
                        res.label_id,
                        0,
                        now,
                        now,
                        self._scrub(res.log_analyzed[: self.example_chars]),
                        bucket,
                        [0],
                    )
                act.count += 1
                act.last_seen = now
                act.label_id = res.label_id
                self._bump(act, bucket)

    def _bump(self, act: _Activity, bucket: int) -> None:
        last = act.base + len(act.buckets) - 1
        if bucket > last:
            act.buckets.extend([0] * (bucket - last))
            if len(act.buckets) > self.window:
                drop = len(act.buckets) - self.window
                del act.buckets[:drop]
                act.base += drop
        if bucket >= act.base:  # (a clock that stepped back counts in the newest bucket)
            act.buckets[bucket - act.base] += 1
        else:
            act.buckets[-1] += 1

    @property
    def distinct(self) -> int:
        return len(self._by_key)

    def top(self, n: int = 20) -> list[dict[str, Any]]:
        """The ``n`` commonest templates since start, each with its count, share, first and
        last time seen, an example, its variables and ``series``: lines per bucket over the
        last ``window`` buckets, oldest first, the last one being the current bucket."""
        now_bucket = int(self._clock() // self.bucket_s)
        with self._lock:
            best = heapq.nlargest(n, self._by_key.values(), key=lambda a: a.count)
            total = self.lines
            rows = [(a, self._series(a, now_bucket)) for a in best]
        return [
            {
                "template": a.template,
                "label_id": a.label_id,
                "count": a.count,
                "share": round(a.count / total, 6) if total else 0.0,
                "first_seen": a.first_seen,
                "last_seen": a.last_seen,
                "example": a.example,
                "variables": _PLACEHOLDER.findall(a.template),
                "series": series,
            }
            for a, series in rows
        ]

    def _series(self, act: _Activity, now_bucket: int) -> list[int]:
        start = now_bucket - self.window + 1
        out = [0] * self.window
        for i, n in enumerate(act.buckets):
            at = act.base + i - start
            if 0 <= at < self.window:
                out[at] = n
        return out
