"""What the sieve answers: a Result per line, with the journey of Steps that led to it.

Field names follow seed 000's response (``log_analyzed``, ``final_category``,
``pipeline_stage``, ``final_confidence``, ``processing_time_ms``, ``journey``) and add
seed 001's ``label_id``/``label`` plus ``source`` and ``classifier``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class StageName:
    """Journey stage names (seed 000)."""

    REGEX = "Regex Engine"
    BERT = "BERT Model"
    LLM = "LLM Fallback"
    ALL = (REGEX, BERT, LLM)


class Status:
    """Journey statuses."""

    CLASSIFIED = "Classified"
    SKIPPED = "Skipped"
    LOW_CONFIDENCE = "Low Confidence"
    UNAVAILABLE = "Unavailable"
    FAILED = "Failed"
    CACHE_HIT = "Cache Hit"


class Classifier:
    """Who decided (seed 001's ``source`` in the batch API)."""

    REGEX = "regex"
    BERT = "bert"
    LLM = "llm"
    CACHE = "cache"
    NONE = "none"


#: ``pipeline_stage`` value for each deciding classifier (seed 000 / pipeline_sample_2k use these).
PIPELINE_STAGE = {
    Classifier.REGEX: "Regex",
    Classifier.BERT: "BERT",
    Classifier.LLM: "LLM",
    Classifier.NONE: "None",
}


@dataclass(slots=True)
class Step:
    """One stage's part of a journey: what it said, how sure, how long."""

    stage: str
    status: str
    details: str
    label_id: str | None = None
    confidence: float | None = None
    duration_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"stage": self.stage, "status": self.status, "details": self.details}
        if self.label_id is not None:
            d["label_id"] = self.label_id
        if self.confidence is not None:
            d["confidence"] = round(self.confidence, 4)
        d["duration_ms"] = round(self.duration_ms, 3)
        return d


class JourneyRecipe(Protocol):
    """How to write a journey that is only written when somebody reads it (see Result)."""

    def build(self, result: Result, first_ms: float, second_ms: float) -> list[Step]: ...


class Result:
    """The answer for one line.

    ``journey`` is a list of Steps, or, for the commonest answers (a rule match, a template
    cache hit), a recipe and two timings that write the same Steps the first time the journey
    is read. A warm cache answers a line in a few microseconds, and three Steps and a list per
    line were a quarter of that (and most of the garbage collector's work), while many
    outputs (CSV, seed 001's batch API, counts) never read a journey.
    """

    __slots__ = (
        "_first_ms",
        "_journey",
        "_recipe",
        "_second_ms",
        "classifier",
        "decided_by",
        "final_confidence",
        "label",
        "label_id",
        "log_analyzed",
        "new_template",
        "pipeline_stage",
        "processing_time_ms",
        "source",
        "template",
    )

    def __init__(
        self,
        *,
        log_analyzed: str,
        label_id: str,
        label: str,
        pipeline_stage: str,
        final_confidence: float,
        classifier: str,
        journey: list[Step] | None = None,
        processing_time_ms: float = 0.0,
        source: str | None = None,
        template: str | None = None,
        decided_by: str | None = None,
        recipe: JourneyRecipe | None = None,
        first_ms: float = 0.0,
        second_ms: float = 0.0,
    ) -> None:
        self.log_analyzed = log_analyzed
        self.label_id = label_id
        self.label = label
        self.pipeline_stage = pipeline_stage
        self.final_confidence = final_confidence
        self.classifier = classifier
        self._journey = journey if journey is not None or recipe is not None else []
        self.processing_time_ms = processing_time_ms
        self.source = source
        self.template = template
        #: which stage originally decided, when ``classifier == "cache"`` (bert or llm)
        self.decided_by = decided_by
        self._recipe = recipe
        self._first_ms = first_ms
        self._second_ms = second_ms
        #: True for the first line of a template this sieve had never seen (nor its cache,
        #: file or shared store): Loki's and Datadog's "new pattern"
        self.new_template = False

    @property
    def journey(self) -> list[Step]:
        """The stages this line went through: what each said, how sure, how long."""
        steps = self._journey
        if steps is None:
            assert self._recipe is not None
            steps = self._journey = self._recipe.build(self, self._first_ms, self._second_ms)
        return steps

    @property
    def final_category(self) -> str:
        return self.label_id

    @property
    def cached(self) -> bool:
        return self.classifier == Classifier.CACHE

    def to_dict(self) -> dict[str, Any]:
        """The JSON record (seed 000's response plus label_id, label, source, classifier)."""
        return {
            "log_analyzed": self.log_analyzed,
            "final_category": self.label_id,
            "pipeline_stage": self.pipeline_stage,
            "final_confidence": round(self.final_confidence, 4),
            "processing_time_ms": round(self.processing_time_ms, 3),
            "journey": [s.to_dict() for s in self.journey],
            "label_id": self.label_id,
            "label": self.label,
            "source": self.source,
            "classifier": self.classifier,
            "decided_by": self.decided_by,
            "template": self.template,
            "new_template": self.new_template,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it was

    def __repr__(self) -> str:
        return (
            f"Result(label_id={self.label_id!r}, classifier={self.classifier!r}, "
            f"final_confidence={self.final_confidence:.4f}, "
            f"log_analyzed={self.log_analyzed[:80]!r})"
        )

    def __getstate__(self) -> dict[str, Any]:
        # (written out, so a pickled Result, e.g. sent between Ray workers, needs no recipe)
        self.journey  # noqa: B018
        return {name: getattr(self, name) for name in self.__slots__ if name != "_recipe"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._recipe = None
        for name, value in state.items():
            setattr(self, name, value)
