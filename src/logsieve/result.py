"""What the sieve answers: a Result per line, with the journey of Steps that led to it.

Field names follow seed 000's response (``log_analyzed``, ``final_category``,
``pipeline_stage``, ``final_confidence``, ``processing_time_ms``, ``journey``) and add
seed 001's ``label_id``/``label`` plus ``source`` and ``classifier``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


@dataclass(slots=True)
class Result:
    """The answer for one line."""

    log_analyzed: str
    label_id: str
    label: str
    pipeline_stage: str
    final_confidence: float
    classifier: str
    journey: list[Step] = field(default_factory=list)
    processing_time_ms: float = 0.0
    source: str | None = None
    template: str | None = None
    #: which stage originally decided, when ``classifier == "cache"`` (bert or llm)
    decided_by: str | None = None

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
        }
