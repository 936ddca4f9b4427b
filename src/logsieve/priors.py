"""Label priors: move a head's probabilities from its training mix to real traffic's.

A head learns ``p_train(label | line)`` on a corpus with its own label mix (the shipped corpus
gives each label about the same share); real logs are mostly routine. Bayes' rule gives the
probabilities under other priors without retraining (Saerens, Latinne & Decaestecker, "Adjusting
the outputs of a classifier to new a priori probabilities", Neural Computation 14, 2002):

    p_real(y | x)  ∝  p_train(y | x) · π_real(y) / π_train(y)

``PriorShift`` applies that. ``estimate_priors`` is the same paper's EM: from a deployment's
own unlabelled traffic (the head's outputs on it), the priors that make those outputs most
likely. ``PriorTracker`` collects those outputs as the sieve runs, so ``/health`` can say what
the traffic looks like next to what the taxonomy assumes.

    >>> shift = PriorShift(["A", "B"], train={"A": 0.5, "B": 0.5}, target={"A": 0.9, "B": 0.1})
    >>> [round(float(v), 2) for v in shift.apply(np.array([[0.5, 0.5]]))[0]]
    [0.9, 0.1]
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["PriorShift", "PriorTracker", "estimate_priors"]

#: A prior is never taken below this share: a label the anchors think rare must still win when
#: the head is sure of it.
_FLOOR = 1e-4


def _vector(classes: Sequence[str], shares: Mapping[str, float]) -> np.ndarray:
    v = np.array([max(float(shares.get(c, 0.0)), _FLOOR) for c in classes], dtype=np.float64)
    out: np.ndarray = v / v.sum()
    return out


class PriorShift:
    """Re-weights probability rows from ``train`` priors to ``target`` priors."""

    def __init__(
        self,
        classes: Sequence[str],
        train: Mapping[str, float],
        target: Mapping[str, float],
        strength: float = 1.0,
    ) -> None:
        self.classes = list(classes)
        self.train = _vector(self.classes, train)
        self.target = _vector(self.classes, target)
        self.strength = float(strength)
        # strength < 1 tempers the shift: (target/train)**strength, a geometric step from
        # the training mix towards the target's.
        self._ratio = (self.target / self.train) ** self.strength

    def apply(self, probs: np.ndarray) -> np.ndarray:
        p = np.asarray(probs, dtype=np.float64) * self._ratio
        out: np.ndarray = (p / p.sum(axis=1, keepdims=True)).astype(np.float32)
        return out

    def to_json(self) -> dict[str, dict[str, float]]:
        return {
            "train": {c: round(float(v), 4) for c, v in zip(self.classes, self.train, strict=True)},
            "target": {
                c: round(float(v), 4) for c, v in zip(self.classes, self.target, strict=True)
            },
        }


def estimate_priors(
    probs: np.ndarray,
    train: np.ndarray,
    weights: np.ndarray | None = None,
    start: np.ndarray | None = None,
    iterations: int = 200,
    tol: float = 1e-7,
) -> np.ndarray:
    """EM for the label priors of unlabelled data (Saerens et al. 2002, section 3).

    ``probs`` are the head's outputs ``p_train(y | x_i)`` (rows), ``train`` the priors they
    were made under, ``weights`` how many lines each row stands for. Each step re-weights the
    rows to the current estimate (E) and takes their weighted mean as the next one (M).
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or len(p) == 0:
        raise ValueError("estimate_priors needs a non-empty (n, k) array of probabilities")
    w = np.ones(len(p)) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    base = np.asarray(train, dtype=np.float64)
    prior = base.copy() if start is None else np.asarray(start, dtype=np.float64)
    for _ in range(iterations):
        q = p * (prior / base)
        q /= q.sum(axis=1, keepdims=True)
        new: np.ndarray = np.maximum(w @ q, _FLOOR)
        new /= new.sum()
        if np.abs(new - prior).max() < tol:
            return new
        prior = new
    return prior


class PriorTracker:
    """The head's raw outputs on the traffic seen, for an EM estimate of its priors.

    Thread-safe. Keeps one row per template (the template cache answers its repeats without
    the head, so the estimate is of templates, not lines), at most ``max_rows``.
    """

    def __init__(
        self, classes: Sequence[str], train: Mapping[str, float], max_rows: int = 50_000
    ) -> None:
        self.classes = list(classes)
        self.train = _vector(self.classes, train)
        self.max_rows = max_rows
        self._rows: list[np.ndarray] = []
        self._index: dict[str, int] = {}
        self._weights: list[float] = []
        self._lock = threading.Lock()
        self._last: tuple[int, dict[str, object]] | None = None

    def add(self, key: str, probs: np.ndarray, lines: int = 1) -> None:
        with self._lock:
            i = self._index.get(key)
            if i is not None:
                self._weights[i] += lines
            elif len(self._rows) < self.max_rows:
                self._index[key] = len(self._rows)
                self._rows.append(np.asarray(probs, dtype=np.float32))
                self._weights.append(float(lines))

    def seen(self, key: str, lines: int = 1) -> None:
        """More lines of a template already added (a cache hit)."""
        with self._lock:
            i = self._index.get(key)
            if i is not None:
                self._weights[i] += lines

    def estimate(self) -> dict[str, object] | None:
        """The EM estimate over the templates seen; recomputed only when new ones came (the
        dashboard polls it every few seconds, and a warm server sees few new templates)."""
        with self._lock:
            if not self._rows:
                return None
            if self._last is not None and self._last[0] == len(self._rows):
                return self._last[1]
            probs = np.vstack(self._rows)
            weights = np.array(self._weights)
        est = estimate_priors(probs, self.train, weights)
        out: dict[str, object] = {
            "templates": len(probs),
            "lines": int(weights.sum()),
            "estimated": {c: round(float(v), 4) for c, v in zip(self.classes, est, strict=True)},
        }
        with self._lock:
            self._last = (len(probs), out)
        return out
