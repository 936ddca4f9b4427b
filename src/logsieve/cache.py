"""The template cache: what the expensive stages decided, per template key.

Real logs repeat: millions of lines come from a few hundred templates. A decision made by the
embedding head or the LLM for one line is kept under the line's template key and reused for
every later line with the same key. Low-confidence embedding answers are kept too (marked
``accepted=False``) so a repeat does not pay for the encoder again on its way to the LLM.

The in-process LRU is bounded and thread-safe. A shared store (Redis, issue 7) can sit behind
it through the small ``CacheBackend`` interface. A cache is saved with a fingerprint of the
taxonomy, head and encoder that made it, and a file made by another is refused on load.

Nothing read back is trusted: every decision from a cache file or a shared store passes the
checks an LLM answer gets (a label of the taxonomy, a stage that exists, a confidence in
0..1). One that fails is dropped, never served, and counted (``stats()["rejected"]``, shown
by ``/health`` and the ``log_classifier_cache_rejected_entries`` metric).
"""

from __future__ import annotations

import glob
import heapq
import json
import math
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from .errors import BadDecision, ModelError

FORMAT = "logsieve-template-cache"
VERSION = 1
#: The stages whose decisions are cached (result.Classifier values).
CACHED_STAGES = frozenset({"bert", "llm"})
#: Longest ``details`` kept from a file or store (an LLM's reasoning is cut at 300).
MAX_DETAILS_CHARS = 1000
#: Reasons of rejected entries kept for health output.
_REJECTION_LOG = 5


@dataclass(frozen=True, slots=True)
class Decision:
    """What a stage said about a template."""

    label_id: str
    confidence: float
    stage: str  # "bert" or "llm" (result.Classifier values)
    accepted: bool = True  # False: an embedding answer below the threshold
    details: str = ""


def check_decision(d: Any, labels: frozenset[str] | None = None) -> Decision:
    """``d`` if it is a decision logsieve could have made itself, else BadDecision saying why.

    The same closed set and range an LLM answer must meet: ``label_id`` one of ``labels``
    (when given), ``confidence`` a finite number in 0..1 (not a bool, not a string),
    ``stage`` a cached stage, ``accepted`` a bool, ``details`` a string.
    """
    if not isinstance(d, Decision):
        raise BadDecision(f"not a decision: {type(d).__name__}")
    if not isinstance(d.label_id, str) or (labels is not None and d.label_id not in labels):
        raise BadDecision(f"label {str(d.label_id)[:40]!r} is not in the label set")
    c = d.confidence
    if (
        isinstance(c, bool)
        or not isinstance(c, int | float)
        or not math.isfinite(c)
        or not 0.0 <= c <= 1.0
    ):
        raise BadDecision(f"confidence {str(c)[:20]!r} is not a number in 0..1")
    if d.stage not in CACHED_STAGES:
        raise BadDecision(f"stage {str(d.stage)[:20]!r} is not one of {sorted(CACHED_STAGES)}")
    if not isinstance(d.accepted, bool):
        raise BadDecision("accepted is not true/false")
    if d.stage == "llm" and not d.accepted:
        raise BadDecision("an unsure LLM answer is never cached")
    if not isinstance(d.details, str) or len(d.details) > MAX_DETAILS_CHARS:
        raise BadDecision(f"details is not a string of at most {MAX_DETAILS_CHARS} characters")
    return (
        d
        if isinstance(c, float)
        else Decision(d.label_id, float(c), d.stage, d.accepted, d.details)
    )


def decision_from_record(rec: Any, labels: frozenset[str] | None = None) -> Decision:
    """A checked Decision from a decoded JSON object (a file line, a Redis value)."""
    if not isinstance(rec, dict):
        raise BadDecision(f"entry is JSON but not an object: {type(rec).__name__}")
    try:
        d = Decision(
            rec["label_id"],
            rec["confidence"],
            rec["stage"],
            rec.get("accepted", True),
            rec.get("details", ""),
        )
    except KeyError as exc:
        raise BadDecision(f"entry has no {exc.args[0]!r}") from None
    return check_decision(d, labels)


#: Suffix of the temporary files ``save`` writes beside the cache file before renaming.
TEMP_SUFFIX = ".tmp"
#: A temporary file older than this is left over from a crash (a save takes well under it).
STALE_TEMP_S = 60.0


def _entry_line(key: str, decision: Decision) -> str:
    return json.dumps({"key": key, **asdict(decision)}, ensure_ascii=False) + "\n"


def remove_stale_temp_files(path: str | Path, older_than_s: float = STALE_TEMP_S) -> int:
    """Delete the temporary files a crashed ``save`` of ``path`` left behind; how many."""
    path = Path(path)
    removed = 0
    now = time.time()
    for tmp in path.parent.glob(f"{glob.escape(path.name)}*{TEMP_SUFFIX}"):
        try:
            if now - tmp.stat().st_mtime > older_than_s:
                tmp.unlink()
                removed += 1
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


class CacheBackend(Protocol):
    """A shared store behind the local LRU (e.g. Redis). Failures must raise, not hang."""

    def get(self, key: str) -> Decision | None: ...
    def put(self, key: str, decision: Decision) -> None: ...


class DecisionCache:
    """Bounded, thread-safe LRU of template key → Decision, with hit counts per key."""

    def __init__(
        self,
        maxsize: int = 100_000,
        backend: CacheBackend | None = None,
        fingerprint: dict[str, str] | None = None,
        labels: Iterable[str] | None = None,
    ) -> None:
        """``labels``: the label ids a decision may carry (the taxonomy's); a decision read
        from a file or the backend with another is rejected. None: any string (tests)."""
        self.maxsize = maxsize
        self.labels = frozenset(labels) if labels is not None else None
        self.backend = backend
        self.fingerprint = dict(fingerprint or {})
        self._data: OrderedDict[str, list[Any]] = OrderedDict()  # key -> [Decision, count]
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.backend_errors = 0
        self.rejected = 0
        self._rejections: list[str] = []  # the latest few reasons, newest last
        # the journal (``journal_to``): the cache file, appended to as decisions are made
        self._journal: Path | None = None
        self._journal_fd: int | None = None
        self._pending: list[str] = []
        self.journal_errors = 0
        self.torn = 0  # a last line cut short by a crash, skipped on load
        # decisions put since the last ``take_new`` (``track_new``), else None
        self._new: list[tuple[str, Decision]] | None = None

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: str) -> Decision | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is not None:
                self._data.move_to_end(key)
                entry[1] += 1
                self.hits += 1
                found: Decision = entry[0]
                return found
        decision = self._backend_get(key)
        with self._lock:
            if decision is None:
                self.misses += 1
                return None
            self.hits += 1
            self._store(key, decision, count=1)
        return decision

    def get_local(self, key: str) -> Decision | None:
        """Like ``get``, from the in-process LRU only: never waits on the shared backend.

        A miss is not counted (the caller goes on to ``get``, which counts it), so a line
        looked up both ways still counts once.
        """
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            self._data.move_to_end(key)
            entry[1] += 1
            self.hits += 1
            local: Decision = entry[0]
            return local

    def peek(self, key: str) -> Decision | None:
        """Look without counting or reordering."""
        with self._lock:
            entry = self._data.get(key)
            return None if entry is None else entry[0]

    def put(self, key: str, decision: Decision) -> None:
        with self._lock:
            self._store(key, decision, count=0)
            if self._journal_fd is not None:
                self._pending.append(_entry_line(key, decision))
            if self._new is not None:
                self._new.append((key, decision))
        # Low-confidence answers are shared too: another replica then skips the encoder as well.
        if self.backend is not None:
            try:
                self.backend.put(key, decision)
            except Exception:  # a shared store being down must never fail a request
                self.backend_errors += 1

    def track_new(self) -> None:
        """Keep every decision ``put`` from now on, for ``take_new``: a worker process hands
        what it decided to the process that merges and saves (``--workers N``)."""
        with self._lock:
            self._new = []

    def take_new(self) -> list[tuple[str, Decision]]:
        """The decisions ``put`` since the last call, in order (``track_new`` first)."""
        with self._lock:
            new, self._new = self._new or [], [] if self._new is not None else None
            return new

    def adopt(self, entries: Iterable[tuple[str, Decision]]) -> None:
        """Store decisions another process made (already checked there): in this process's
        LRU only, not journalled, not sent to the backend, not counted as new here."""
        with self._lock:
            for key, decision in entries:
                self._store(key, decision, count=0)

    def _store(self, key: str, decision: Decision, count: int) -> None:
        if self.maxsize <= 0:
            return
        entry = self._data.get(key)
        if entry is not None:
            entry[0] = decision
            self._data.move_to_end(key)
            return
        self._data[key] = [decision, count]
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def _backend_get(self, key: str) -> Decision | None:
        if self.backend is None:
            return None
        try:
            decision = self.backend.get(key)
        except Exception:
            self.backend_errors += 1
            return None
        if decision is None:
            return None
        try:
            return check_decision(decision, self.labels)
        except BadDecision as exc:
            self.reject(f"shared store, template {key[:60]!r}: {exc}")
            return None

    def reject(self, reason: str) -> None:
        """Count a decision that was read back and dropped, and keep why (for health)."""
        with self._lock:
            self.rejected += 1
            self._rejections = [*self._rejections[-(_REJECTION_LOG - 1) :], reason]

    def rejections(self) -> list[str]:
        with self._lock:
            return list(self._rejections)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def stats(self) -> dict[str, Any]:
        total = self.hits + self.misses
        return {
            "size": len(self._data),
            "capacity": self.maxsize,
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": round(self.hits / total, 4) if total else 0.0,
            "backend": type(self.backend).__name__ if self.backend is not None else None,
            "backend_errors": self.backend_errors,
            # decisions read back from a file or the store and dropped (bad label/range);
            # the store's own count covers values that are not even JSON
            "rejected": self.rejected + int(getattr(self.backend, "rejected", 0) or 0),
            "last_rejected": self.rejections(),
            "journal": str(self._journal) if self._journal is not None else None,
            "journal_errors": self.journal_errors,
        }

    def top(self, n: int = 20) -> list[dict[str, Any]]:
        """The most frequent templates (by cache hits + 1) with their decisions."""
        with self._lock:
            items = list(self._data.items())
        best = heapq.nlargest(n, items, key=lambda kv: kv[1][1])
        return [
            {
                "template": k,
                "count": v[1] + 1,
                "label_id": v[0].label_id,
                "stage": v[0].stage,
                "confidence": v[0].confidence,
                "accepted": v[0].accepted,
            }
            for k, v in best
        ]

    def items(self) -> Iterator[tuple[str, Decision]]:
        with self._lock:
            snapshot = [(k, v[0]) for k, v in self._data.items()]
        yield from snapshot

    # --- persistence ---------------------------------------------------------------
    def save(self, path: str | Path) -> int:
        """Write the cache as JSON lines (a header with the fingerprint, then one entry a line).

        Written to a temporary file and renamed, so a crash never leaves half a cache. This
        also compacts a journal kept in the same file (``journal_to``): the journal goes on in
        the new file.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        journal = self._journal
        if journal is not None:
            self.close_journal()
        n = 0
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=TEMP_SUFFIX)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self._header_line())
                for key, decision in self.items():
                    f.write(_entry_line(key, decision))
                    n += 1
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        finally:
            if journal is not None:
                self.journal_to(journal)
        return n

    def _header_line(self) -> str:
        return (
            json.dumps({"format": FORMAT, "version": VERSION, "fingerprint": self.fingerprint})
            + "\n"
        )

    # --- the journal: decisions appended as they are made ------------------------------
    def journal_to(self, path: str | Path) -> None:
        """Append every decision ``put`` from now on to the cache file at ``path`` (written
        by ``sync``), so a crash (``kill -9``) loses at most what was decided since the last
        sync; ``load`` reads the file back, later lines winning. A missing file is created
        with its header first. One ``os.write`` per sync on an ``O_APPEND`` descriptor, so
        processes sharing the file do not interleave their lines."""
        path = Path(path)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=TEMP_SUFFIX)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self._header_line())
            os.replace(tmp, path)
        with self._lock:
            self._journal = path
            self._journal_fd = os.open(path, os.O_WRONLY | os.O_APPEND)

    def sync(self) -> None:
        """Write the decisions made since the last sync to the journal (cheap when none)."""
        if not self._pending:
            return
        with self._lock:
            lines, self._pending = self._pending, []
            fd = self._journal_fd
            if fd is None or not lines:
                return
            try:
                os.write(fd, "".join(lines).encode("utf-8"))
            except OSError:  # a full disk must not fail a request; the save at exit retries
                self.journal_errors += 1

    def close_journal(self) -> None:
        self.sync()
        with self._lock:
            if self._journal_fd is not None:
                os.close(self._journal_fd)
            self._journal_fd, self._journal = None, None

    def load(self, path: str | Path) -> int:
        """Load entries saved by ``save``; refuse a file made for another taxonomy/head.

        A file that is not a cache (not UTF-8, no header, another fingerprint) raises
        ModelError. A bad entry in a good file (not JSON, a label outside the set, a
        confidence outside 0..1) is dropped and counted in ``rejected``; the rest load.
        Returns how many entries were loaded.
        """
        path = Path(path)
        try:
            with path.open(encoding="utf-8") as f:
                first = f.readline()
                try:
                    header = json.loads(first)
                except json.JSONDecodeError:
                    header = None
                if not isinstance(header, dict) or header.get("format") != FORMAT:
                    raise ModelError(f"{path}: not a logsieve template cache")
                if header.get("version") != VERSION:
                    raise ModelError(
                        f"{path}: cache format version {header.get('version')} is not {VERSION}"
                    )
                theirs = header.get("fingerprint") or {}
                if theirs != self.fingerprint:
                    diff = sorted(
                        k
                        for k in set(theirs) | set(self.fingerprint)
                        if theirs.get(k) != self.fingerprint.get(k)
                    )
                    why = ", ".join(
                        f"{k}: {theirs.get(k)!r} != {self.fingerprint.get(k)!r}" for k in diff
                    )
                    raise ModelError(
                        f"{path}: cache was made for another configuration ({why}); not used"
                    )
                n = 0
                for lineno, line in enumerate(f, 2):
                    if not line.endswith("\n"):
                        # the journal's last write, cut short by a crash: not a bad entry
                        self.torn += 1
                        continue
                    try:
                        rec = json.loads(line)
                        key = rec.pop("key") if isinstance(rec, dict) else None
                        if not isinstance(key, str):
                            raise BadDecision("entry has no string 'key'")
                        decision = decision_from_record(rec, self.labels)
                    except (json.JSONDecodeError, BadDecision) as exc:
                        self.reject(f"{path.name}:{lineno}: {exc}")
                        continue
                    with self._lock:
                        self._store(key, decision, count=0)
                    n += 1
        except UnicodeDecodeError as exc:
            raise ModelError(
                f"{path}: not a logsieve template cache (not UTF-8 text: "
                f"byte {exc.start} is {exc.object[exc.start : exc.start + 1]!r})"
            ) from None
        except OSError as exc:
            raise ModelError(f"{path}: cannot read cache: {exc}") from exc
        return n
