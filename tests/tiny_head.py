"""A tiny head trained in the tests on the real encoder, and an encoder that counts its calls.

Shared by the sieve, Redis and Ray tests: they need decisions the embedding stage really
makes, without waiting for a full training run.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from logsieve.embedding import LinearHead, MiniLMEncoder

TRAIN = {
    "AUTH_ERROR": [
        "Failed password for invalid user admin from 10.0.0.1 port 22 ssh2",
        "authentication failure; logname= uid=0 euid=0 user=root",
        "Invalid token presented by client, access denied",
        "Permission denied for user guest on resource /admin",
    ],
    "DB_ERROR": [
        "Database connection refused: could not connect to postgres on db01",
        "Deadlock detected while executing query on table orders",
        "SQL error: duplicate key value violates unique constraint",
        "Connection pool exhausted: no database connections available",
    ],
    "BACKUP": [
        "Nightly backup job wrote archive of 12 GB to storage",
        "Snapshot of volume vol-12 created for backup",
        "Restore from backup archive finished in 40 s",
        "Incremental backup of /home copied 300 files",
    ],
}


def train_tiny_head(encoder: MiniLMEncoder) -> LinearHead:
    """A standard-taxonomy head for three labels, fitted on 12 real embeddings."""
    texts = [t for ts in TRAIN.values() for t in ts]
    labels = [lb for lb, ts in TRAIN.items() for _ in ts]
    clf = LogisticRegression(C=20.0, max_iter=2000).fit(encoder.encode(texts), labels)
    return LinearHead.from_sklearn(clf, {"taxonomy": "standard"})


class CountingEncoder:
    """The real encoder, counting how many texts it was asked to encode."""

    def __init__(self, inner: MiniLMEncoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return self.inner.encode(texts)
