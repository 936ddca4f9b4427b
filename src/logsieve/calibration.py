"""How honest a confidence is: expected calibration error and a reliability table.

A classifier is calibrated when, of the answers it gives at confidence c, a share c is right.
``reliability`` bins answers by confidence (10 equal-width bins) and reports, per bin, how
many answers fell in it, their mean confidence and their accuracy; the expected calibration
error (ECE, Naeini et al. 2015; Guo et al. 2017) is the answer-weighted mean gap between the
two. ``confidently_wrong`` is the share of all answers that are wrong at confidence >= 0.95,
the mistakes a threshold cannot catch.

    >>> r = reliability([0.9, 0.9, 0.6, 0.6], [True, True, True, False])
    >>> r["ece"], r["confidently_wrong"]
    (0.1, 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["reliability"]

#: A wrong answer at this confidence or more is "confidently wrong".
CONFIDENTLY = 0.95


def reliability(
    confidence: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    bins: int = 10,
    weights: Sequence[float] | np.ndarray | None = None,
) -> dict[str, Any]:
    """ECE, the share confidently wrong, and the per-bin table (bins with answers only)."""
    c = np.clip(np.asarray(confidence, dtype=np.float64), 0.0, 1.0)
    ok = np.asarray(correct, dtype=bool)
    w = np.ones(len(c)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(c) != len(ok) or len(c) != len(w):
        raise ValueError("confidence, correct and weights must have the same length")
    total = float(w.sum())
    if total == 0:
        return {"answers": 0, "ece": None, "confidently_wrong": None, "bins": []}
    # bin i holds (i/bins, (i+1)/bins]; a confidence of exactly 0 goes to the first bin
    index = np.minimum(np.maximum(np.ceil(c * bins).astype(int) - 1, 0), bins - 1)
    table = []
    ece = 0.0
    for i in range(bins):
        mask = index == i
        n = float(w[mask].sum())
        if n == 0:
            continue
        mean_conf = float((c[mask] * w[mask]).sum() / n)
        accuracy = float((ok[mask] * w[mask]).sum() / n)
        ece += n / total * abs(mean_conf - accuracy)
        table.append(
            {
                "bin": f"{i / bins:.1f}-{(i + 1) / bins:.1f}",
                "answers": round(n, 3),
                "confidence": round(mean_conf, 4),
                "accuracy": round(accuracy, 4),
            }
        )
    wrong_sure = float((w * ((~ok) & (c >= CONFIDENTLY))).sum() / total)
    return {
        "answers": round(total, 3),
        "ece": round(ece, 4),
        "confidently_wrong": round(wrong_sure, 4),
        "bins": table,
    }
