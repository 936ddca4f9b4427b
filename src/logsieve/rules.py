"""The rules stage: a taxonomy's ordered patterns, matched in one RE2 pass.

RE2 runs in time linear in the line, so no user pattern can hang the process. All patterns
go into one ``re2.Set``; of the rules that match, the first in file order wins (and a rule
with a ``sources`` filter only counts for lines from those sources).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import re2

from .taxonomy import Rule


@dataclass(frozen=True, slots=True)
class RuleMatch:
    rule: Rule
    index: int  # position of the rule in the taxonomy, 0-based


class RuleSet:
    """Ordered rules compiled into one RE2 set; ``match`` returns the first rule that fits."""

    __slots__ = ("_filtered", "_rules", "_set")

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = tuple(rules)
        self._filtered = any(r.sources for r in self._rules)
        self._set: re2.Set | None = None
        if self._rules:
            s = re2.Set.SearchSet()
            for rule in self._rules:
                s.Add(rule.re2_pattern)
            s.Compile()
            self._set = s

    def __len__(self) -> int:
        return len(self._rules)

    def match(self, line: str, source: str | None = None) -> RuleMatch | None:
        if self._set is None:
            return None
        hits = self._set.Match(line)
        if not hits:
            return None
        if not self._filtered:
            i = min(hits)
            return RuleMatch(self._rules[i], i)
        for i in sorted(hits):
            rule = self._rules[i]
            if rule.sources is None or (source is not None and source in rule.sources):
                return RuleMatch(rule, i)
        return None
