"""Stages that should run but cannot: what the CLI warns of and /health calls ``degraded``.

A stage switched off on purpose (``--no-llm``, ``LOGSIEVE_EMBEDDING_ENABLED=false``) or an LLM
never configured is a choice, not a problem. A stage that was meant to run and cannot (the
encoder's files missing, no head for the taxonomy, the shipped head refused, an LLM that is
configured but does not answer) degrades every answer it would have given, so it is said out
loud once, with the reason and the fix, wherever the sieve is used.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StageProblem:
    """One stage that cannot run: which, why, and what to do about it."""

    stage: str  #: "embedding" or "llm"
    reason: str
    fix: str = ""

    def message(self) -> str:
        text = f"{self.stage} stage unavailable: {self.reason.rstrip('.')}"
        return f"{text}; fix: {self.fix}" if self.fix else text

    def to_json(self) -> dict[str, str]:
        return {"stage": self.stage, "reason": self.reason, "fix": self.fix}
