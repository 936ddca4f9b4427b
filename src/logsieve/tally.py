"""What a run's answers add up to: lines, labels, who decided, distinct templates.

One counter type for every place that sums answers: the CLI's summary (one process or
``--workers N``, whose workers each send a tally per block to be merged), Ray's summary actor,
and ``evaluate``'s distribution. A tally is plain data, so it crosses processes as it is.

    >>> from logsieve.result import Result
    >>> t = Tally()
    >>> t.add(Result(log_analyzed="User a logged in.", label_id="USER_ACTION", label="User Action",
    ...        pipeline_stage="Regex", final_confidence=0.95, classifier="regex"))
    >>> u = Tally()
    >>> u.add_facts(("SYSTEM", "bert", "disk <NUM> full"))
    >>> t.merge(u)
    >>> t.lines, dict(t.stages), t.distinct_templates
    (2, {'regex': 1, 'bert': 1}, 1)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .result import Classifier, Result

__all__ = ["Facts", "Tally", "facts"]

#: What a tally reads of one answer: (label_id, classifier, template or None)
Facts = tuple[str, str, str | None]


def facts(res: Result) -> Facts:
    """The part of an answer a tally counts (small, so it can be sent between processes)."""
    return res.label_id, res.classifier, res.template


@dataclass(slots=True)
class Tally:
    """Counts of answers. ``templates`` holds the distinct templates of the lines past the
    rules: as hashes in the process that reports (memory stays low over millions of lines),
    as the template texts themselves with ``by_text`` (a worker's tally of one block, merged
    by another process, where a string's hash is not the same)."""

    by_text: bool = False
    lines: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    stages: Counter[str] = field(default_factory=Counter)
    templates: set[object] = field(default_factory=set)
    #: answered by no stage (the fallback or the routine default)
    undecided: int = 0
    #: of which: not log text (no template, no stage asked)
    not_text: int = 0

    def add(self, res: Result) -> None:
        self.add_facts((res.label_id, res.classifier, res.template))

    def add_facts(self, f: Facts) -> None:
        label_id, classifier, template = f
        self.lines += 1
        if classifier == Classifier.NONE:
            self.undecided += 1
            if template is None:
                self.not_text += 1
        self.labels[label_id] += 1
        self.stages[classifier] += 1
        if classifier != Classifier.REGEX:
            self.templates.add(template if self.by_text else hash(template))

    def merge(self, other: Tally) -> None:
        """Add ``other``'s counts (a tally by text merges into one by hash)."""
        self.lines += other.lines
        self.labels.update(other.labels)
        self.stages.update(other.stages)
        self.undecided += other.undecided
        self.not_text += other.not_text
        if other.by_text and not self.by_text:
            self.templates.update(hash(t) for t in other.templates)
        else:
            self.templates.update(other.templates)

    @property
    def distinct_templates(self) -> int:
        return len(self.templates)

    @property
    def past_rules(self) -> int:
        """Lines no rule decided."""
        return self.lines - self.stages.get(Classifier.REGEX, 0)
