"""Hashed word n-gram features, the lexical part a head may use beside the sentence vector.

A sentence encoder places lines by the words they share; a few decisive words ("outage",
"caused", "impact") can then be outvoted by many shared ones. A linear head over the
embedding *and* a bag of word n-grams can weigh those words directly (docs/training.md has
the measurements).

Features of a text: lower-cased words (runs of letters and digits), their n-grams up to
``ngrams``, each counted once, hashed into ``buckets`` columns by CRC-32 (stable across
processes and machines, unlike Python's ``hash``), optionally weighted by an inverse document
frequency learnt at training, L2-normalized, then scaled by ``weight`` (the embedding is unit
length, so ``weight`` sets how much the words count against it). Everything needed to
recompute them is in ``LexicalSpec`` (saved in head.json) and the optional idf array (saved
in head.npz).

    >>> spec = LexicalSpec(buckets=1 << 15, ngrams=2, weight=1.0)
    >>> rows = spec.features(["Email service down due to sending error"])
    >>> rows[0][0].dtype, rows[0][1].dtype
    (dtype('int64'), dtype('float32'))
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ModelError

__all__ = ["LexicalPart", "LexicalSpec", "Row", "design_matrix", "fit_idf", "to_csr"]

#: The tokenizers a spec may name; a head naming another one is refused, never guessed.
#: "words-v1": lower-case, then runs of Unicode letters and digits (``_`` splits too), so
#: ``<NUM>`` is the word ``num`` and ``nova.compute.manager`` three words.
_TOKENIZERS = {"words-v1": re.compile(r"[^\W_]+"), "words-v2": re.compile(r"[^\W_]+")}
#: "words-v2" first replaces identifiers by the one word ``ident``, then tokenizes as v1:
#: package, class, method, file and host names are not words, and a head must not learn
#: ``liberror-perl``, ``my_error_log.txt``, ``org.x.ErrorReporter`` or ``invalidSet`` as the
#: words "error" or "invalid". An identifier is a whitespace-separated token (its edge
#: punctuation aside) that is camelCase or has ``_``, ``.``, ``-``, ``:``, ``/``, ``~``, ``$``
#: or ``@`` between word characters.
_IDENTIFIER = re.compile(
    r"(?<![\w.:/~$@-])"
    r"(?:[A-Za-z0-9]+(?:[_.:/~$@-]+[A-Za-z0-9]+)+"
    r"|[a-z0-9]+[A-Z][A-Za-z0-9]*|[A-Z]+[a-z0-9]+[A-Z][A-Za-z0-9]*)"
    r"(?![\w.:/~$@-]*[\w])"
)


def _mask_identifiers(text: str) -> str:
    return _IDENTIFIER.sub(" ident ", text)


_HASHES = ("crc32",)

#: One text's features: bucket indices (sorted, distinct) and their values.
Row = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True, slots=True)
class LexicalSpec:
    """How to turn a text into hashed n-gram features; saved in head.json as it is."""

    buckets: int = 1 << 15
    ngrams: int = 2
    weight: float = 1.0
    idf: bool = False
    tokenizer: str = "words-v1"
    hash: str = "crc32"

    def __post_init__(self) -> None:
        if not (isinstance(self.buckets, int) and 1 <= self.buckets <= 1 << 24):
            raise ModelError(
                f"lexical buckets must be an integer in 1..2**24, got {self.buckets!r}"
            )
        if not (isinstance(self.ngrams, int) and 1 <= self.ngrams <= 4):
            raise ModelError(f"lexical ngrams must be 1..4, got {self.ngrams!r}")
        if not (
            isinstance(self.weight, int | float) and self.weight > 0 and np.isfinite(self.weight)
        ):
            raise ModelError(f"lexical weight must be a positive number, got {self.weight!r}")
        if not isinstance(self.idf, bool):
            raise ModelError(f"lexical idf must be true or false, got {self.idf!r}")
        if self.tokenizer not in _TOKENIZERS:
            raise ModelError(
                f"unknown lexical tokenizer {self.tokenizer!r} (this logsieve "
                f"knows {', '.join(_TOKENIZERS)})"
            )
        if self.hash not in _HASHES:
            raise ModelError(
                f"unknown lexical hash {self.hash!r} (this logsieve knows {', '.join(_HASHES)})"
            )

    # --- (de)serialization --------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "buckets": self.buckets,
            "ngrams": self.ngrams,
            "weight": self.weight,
            "idf": self.idf,
            "tokenizer": self.tokenizer,
            "hash": self.hash,
        }

    @classmethod
    def from_json(cls, doc: Any) -> LexicalSpec:
        if not isinstance(doc, Mapping):
            raise ModelError(f"lexical spec must be an object, got {type(doc).__name__}")
        unknown = sorted(set(doc) - set(cls.__dataclass_fields__))
        if unknown:  # a field this reader does not know could change the features: refuse
            raise ModelError(f"lexical spec has fields this logsieve does not know: {unknown}")
        return cls(**dict(doc))

    # --- features -----------------------------------------------------------------------

    def grams(self, text: str) -> list[str]:
        """The distinct word n-grams of ``text``, in first-seen order."""
        if self.tokenizer == "words-v2":
            text = _mask_identifiers(text)
        words = _TOKENIZERS[self.tokenizer].findall(text.lower())
        grams = list(words)
        for n in range(2, self.ngrams + 1):
            grams.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        return list(dict.fromkeys(grams))

    def row(self, text: str, idf: np.ndarray | None = None) -> Row:
        """One text's features: sorted distinct bucket indices and L2-normalized values."""
        buckets = self.buckets
        counts: dict[int, int] = {}
        for gram in self.grams(text):
            b = zlib.crc32(gram.encode("utf-8")) % buckets
            counts[b] = counts.get(b, 0) + 1  # (two grams in one bucket: a collision)
        index = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
        values = np.array([counts[int(b)] for b in index], dtype=np.float32)
        if idf is not None and len(index):
            values *= idf[index]
        norm = float(np.sqrt(np.dot(values, values)))
        if norm > 0:
            values *= np.float32(self.weight / norm)
        return index, values

    def features(self, texts: Sequence[str], idf: np.ndarray | None = None) -> list[Row]:
        if self.idf and idf is None:
            raise ModelError("this lexical spec weighs words by idf, but no idf was given")
        return [self.row(t, idf if self.idf else None) for t in texts]


class LexicalPart:
    """The lexical half of a head: its spec, weights ``coef`` (k, buckets), optional idf.

    ``logits(texts)`` is what it adds to the embedding's logits; numpy only.
    """

    def __init__(self, spec: LexicalSpec, coef: np.ndarray, idf: np.ndarray | None = None) -> None:
        coef = np.ascontiguousarray(coef, dtype=np.float32)
        if coef.ndim != 2 or coef.shape[1] != spec.buckets:
            raise ModelError(
                f"lexical weights have shape {coef.shape}, the spec says {spec.buckets} buckets"
            )
        if spec.idf:
            if idf is None:
                raise ModelError("the lexical spec weighs words by idf, but no idf was given")
            idf = np.ascontiguousarray(idf, dtype=np.float32).reshape(-1)
            if idf.shape != (spec.buckets,) or not np.isfinite(idf).all():
                raise ModelError(
                    f"lexical idf has shape {idf.shape} (or non-finite values); "
                    f"the spec says {spec.buckets} buckets"
                )
        elif idf is not None:
            raise ModelError("an idf was given, but the lexical spec does not use one")
        if not np.isfinite(coef).all():
            raise ModelError("lexical weights contain NaN or infinity")
        self.spec, self.coef, self.idf = spec, coef, idf

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, k)``: for each text, the sum of its features times their weights."""
        rows = self.spec.features(texts, self.idf)
        out = np.zeros((len(rows), self.coef.shape[0]), dtype=np.float32)
        lengths = [len(index) for index, _ in rows]
        if sum(lengths):
            index = np.concatenate([i for i, _ in rows])
            values = np.concatenate([v for _, v in rows])
            owner = np.repeat(np.arange(len(rows)), lengths)
            np.add.at(out, owner, (self.coef[:, index] * values).T)
        return out

    def digest_into(self, digest: Any) -> None:
        """Feed what decides the features and weights into a hashlib object."""
        digest.update(json.dumps(self.spec.to_json(), sort_keys=True).encode())
        digest.update(self.coef.tobytes())
        if self.idf is not None:
            digest.update(self.idf.tobytes())


def fit_idf(spec: LexicalSpec, texts: Sequence[str]) -> np.ndarray:
    """Smoothed inverse document frequency per bucket, ``1 + ln((1 + N) / (1 + df))``.

    A document is a distinct text (template): a template repeated a thousand times does not
    make its words common. Buckets never seen get the largest value.
    """
    df = np.zeros(spec.buckets, dtype=np.float64)
    for text in dict.fromkeys(texts):
        index, _ = spec.row(text)
        df[index] += 1
    n = len(dict.fromkeys(texts))
    return (1.0 + np.log((1.0 + n) / (1.0 + df))).astype(np.float32)


def to_csr(rows: Sequence[Row], buckets: int) -> Any:
    """The rows as a ``scipy.sparse.csr_matrix`` (for fitting; inference needs no scipy)."""
    from scipy.sparse import csr_matrix

    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(i) for i, _ in rows])
    indices = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, np.int64)
    data = np.concatenate([v for _, v in rows]) if rows else np.zeros(0, np.float32)
    return csr_matrix((data, indices, indptr), shape=(len(rows), buckets))


def design_matrix(
    vectors: np.ndarray, texts: Sequence[str], spec: LexicalSpec, idf: np.ndarray | None = None
) -> Any:
    """What a head with a lexical part is fitted on: the vectors, then the texts' features
    (``spec.buckets`` columns last, the order ``LinearHead.from_sklearn`` splits them by)."""
    from scipy.sparse import csr_matrix, hstack

    return hstack(
        [csr_matrix(vectors), to_csr(spec.features(texts, idf), spec.buckets)], format="csr"
    )
