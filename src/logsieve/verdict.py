"""The embedding stage's judgement: from a head's probabilities to an answer it stands by.

A head trained on a synthetic corpus is sure of itself on lines like nothing it learned from,
and it learned under its corpus's label mix, not real traffic's. So its top probability is
not taken as it is:

1. **Priors.** The probabilities of a line with no problem cue move from the corpus's label
   mix towards the taxonomy's ``prior`` shares (``logsieve.priors``): most real lines are
   routine. How far is ``routing.prior_strength`` (an exponent on the prior ratio). A line
   with a problem cue (an error level, failure wording) is drawn from
   another mix, mostly problems: its probabilities move to priors where the problem labels
   share ``CUED_PROBLEM_SHARE``.
2. **Unfamiliar lines.** Where the line's vector is far from every training prototype
   (cosine below the taxonomy's ``routing.familiar_similarity``) the confidence is scaled
   down towards 0 and the answer is not accepted: it is a guess about something the head
   never saw. The LLM decides it, if there is one.
3. **Problem labels need a problem cue.** A label marked ``problem`` (an error of some kind)
   on a line with no problem cue (no error level, no failure wording; ``linefields``) is
   not accepted unless the head is very sure (``_NO_CUE_CONFIDENCE``).

Without an LLM's answer (none configured, or it failed), a line the head is unsure of keeps
the head's label if it reaches ``routing.no_llm_threshold`` (``best_guess``: the embedding
threshold says what is worth an LLM call, and with no LLM the best guess beats the fallback);
else it gets the taxonomy's ``routine_default`` (INFO for ``standard``) when it shows no
problem cue, and the fallback (UNCLASSIFIED) when it does; ``routine_answer`` says which and
why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .linefields import problem_cue, split_header
from .priors import PriorShift
from .taxonomy import Taxonomy

__all__ = ["EmbeddingJudge", "Verdict", "routine_answer"]

#: How far below ``familiar_similarity`` the confidence reaches 0 (a linear ramp).
_FAMILIAR_RAMP = 0.15
#: A problem label without a problem cue is accepted only at this confidence or more.
_NO_CUE_CONFIDENCE = 0.97


@dataclass(frozen=True, slots=True)
class Verdict:
    label: str
    confidence: float
    accepted: bool
    #: why it was not accepted, or how it was adjusted (for the journey); "" when plain
    note: str
    familiarity: float | None


class EmbeddingJudge:
    """Turns one probability row (and the line's familiarity) into a Verdict."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        classes: list[str],
        threshold: float,
        train_priors: dict[str, float] | None,
    ) -> None:
        self.classes = classes
        self.threshold = threshold
        target = taxonomy.priors
        strength = taxonomy.routing.prior_strength
        self.shift = (
            PriorShift(classes, train_priors, target, strength)
            if target is not None and train_priors is not None
            else None
        )
        # Lines with a problem cue are drawn from another mix: mostly problems.
        cued = _cued_priors(target, taxonomy.problem_labels) if target is not None else None
        self.cue_shift = (
            PriorShift(classes, train_priors, cued, strength)
            if cued is not None and train_priors is not None
            else None
        )
        self.familiar_at = taxonomy.routing.familiar_similarity
        self.problems = taxonomy.problem_labels
        no_llm = taxonomy.routing.no_llm_threshold
        self.guess_at = threshold if no_llm is None else min(no_llm, threshold)

    def best_guess(self, label: str, confidence: float, key: str) -> bool:
        """Whether an unaccepted answer may stand when no LLM decides: sure enough for
        ``no_llm_threshold`` (an unfamiliar line's confidence is already scaled down), and not
        a problem label on a line without a problem cue."""
        if confidence < self.guess_at or confidence >= self.threshold:
            return False
        return not self._needs_cue(label, problem_cue(split_header(key)))

    def _needs_cue(self, label: str, cue: str | None) -> bool:
        """A problem label on a line without a problem cue: not taken at face value."""
        return label in self.problems and cue is None

    def judge(self, probs: np.ndarray, familiarity: float | None, key: str) -> Verdict:
        fields = split_header(key)
        cue = problem_cue(fields)
        # The priors are those of real lines at large, mostly routine; a line with a failure
        # cue (an error level, failure wording; not a WARN level alone) is drawn from another
        # mix, mostly problems (CUED_PROBLEM_SHARE).
        failure = problem_cue(fields, warning_counts=False) if cue == "severity WARN" else cue
        shift = self.shift if failure is None else self.cue_shift
        p = shift.apply(probs[None, :])[0] if shift is not None else probs
        j = int(np.argmax(p))
        label, conf = self.classes[j], float(p[j])
        if familiarity is not None and self.familiar_at > 0 and familiarity < self.familiar_at:
            scale = max(0.0, 1.0 - (self.familiar_at - familiarity) / _FAMILIAR_RAMP)
            return Verdict(
                label,
                conf * scale,
                False,
                f"Unfamiliar line: nearest training template at similarity "
                f"{familiarity:.2f}, below {self.familiar_at:.2f}.",
                familiarity,
            )
        if self._needs_cue(label, cue) and conf < _NO_CUE_CONFIDENCE:
            return Verdict(
                label,
                conf,
                False,
                f"{label} without a problem cue in the line (no error level, no "
                f"failure wording) at confidence {conf:.2f}.",
                familiarity,
            )
        if conf >= self.threshold:
            return Verdict(label, conf, True, "", familiarity)
        return Verdict(label, conf, False, "", familiarity)


#: The share of problem labels among lines that show a problem cue (the prior those lines
#: are judged under). Chosen on the dev set (docs/training.md); the rest keeps the routine
#: labels' relative shares, since "failed to renew lease, will retry" can be routine.
CUED_PROBLEM_SHARE = 0.8


def _cued_priors(priors: dict[str, float], problems: frozenset[str]) -> dict[str, float] | None:
    bad = {k: v for k, v in priors.items() if k in problems}
    good = {k: v for k, v in priors.items() if k not in problems}
    if not bad or not good:
        return None
    nb, ng = sum(bad.values()), sum(good.values())
    return {
        **{k: CUED_PROBLEM_SHARE * v / nb for k, v in bad.items()},
        **{k: (1 - CUED_PROBLEM_SHARE) * v / ng for k, v in good.items()},
    }


def routine_answer(taxonomy: Taxonomy, key: str) -> tuple[str, float, str]:
    """The label, confidence and reason for a line nobody was sure of.

    The routine default when the line shows no problem cue, at the confidence of that label's
    prior share (with no evidence either way, how often such a line is routine); else the
    fallback at 0."""
    cue = problem_cue(split_header(key), warning_counts=False)
    default = taxonomy.routine_default
    if default is None:
        return taxonomy.fallback, 0.0, ""
    if cue is not None:
        return (
            taxonomy.fallback,
            0.0,
            f"Not the routine default {default}: the line has a problem cue ({cue}).",
        )
    priors = taxonomy.priors or {}
    return (
        default,
        round(float(priors.get(default, 0.5)), 4),
        f"Routine default {default}: no problem cue (no error level, exception or "
        "failure wording) in the line.",
    )  # (a WARN level alone is not one)
