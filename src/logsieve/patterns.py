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

import re
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
        return {"template": self.template, "count": self.count,
                "share": round(self.count / total, 6) if total else 0.0,
                "first": {"file": self.first[0], "line": self.first[1]},
                "last": {"file": self.last[0], "line": self.last[1]},
                "example": self.example, "variables": self.variables}


class PatternCounter:
    """Counts lines per template key; ``top(n)`` the commonest (ties: first seen first)."""

    def __init__(self, max_templates: int = 100_000, masker: TemplateMasker | None = None,
                 example_chars: int = 500) -> None:
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
            self._patterns[key] = Pattern(key, 1, (file, line), (file, line),
                                          text[:self.example_chars])
        else:
            self.other += 1

    @property
    def distinct(self) -> int:
        return len(self._patterns)

    def top(self, n: int | None = None) -> list[Pattern]:
        ranked = sorted(self._patterns.values(), key=lambda p: -p.count)  # stable: first seen
        return ranked if n is None else ranked[:n]

    def to_json(self, n: int | None = None) -> dict[str, Any]:
        return {"lines": self.lines, "templates": self.distinct, "other_lines": self.other,
                "patterns": [p.to_json(self.lines) for p in self.top(n)]}
