"""Every core of one machine: the sieve in worker processes over blocks of the input.

``logsieve classify --workers N`` reads the input in this process and hands it out in blocks
of whole sieve batches; each worker process has a sieve of its own, classifies the block in
the same batches one process would, and writes the output lines itself (writing records is
most of a warm run's work). Blocks come back in any order and are written in input order,
with at most two blocks per worker in flight, so memory stays constant.

The answers are those of one process (``--workers 1``), byte for byte apart from the
measured times, because the only thing a line's answer takes from the lines before it is
whether its template was decided before (a cache hit, or the first line of a new template):

* every decision a worker makes goes to this process, which keeps the one template cache
  (loaded from and saved to ``--cache``, journalled as one process does) and passes it on to
  the other workers with their next block, in input order: a worker never holds a decision
  from a later block than the one it works on;
* a worker that decides a template, or flags its first line ``new_template``, also writes
  the line as it would be had the template been decided (or seen) already; when the block is
  put in order, this process knows which was the case and keeps that line.

So a template is decided once, except when two workers meet it in blocks in flight at the
same time: then both decide it (the same head on the same text: the same answer) and the
later block's lines say "cache", as one process's would. With a shared store (Redis) the
workers also see each other's decisions through it, whichever block made them.

A worker that dies has its blocks handed to a new one; a block that kills two workers stops
the run with an error naming the input's lines (never a silent gap in the output).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import signal
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from ..cache import Decision, DecisionCache
from ..degradation import StageProblem
from ..errors import LogsieveError, WorkerDied
from ..records import LineFormat
from ..settings import Settings
from ..tally import Facts, Tally, facts

__all__ = ["Block", "Finished", "ProcessPool"]

#: (line number, text, source, error): one input record, as a block carries it
Line = tuple[int | None, str, str | None, str | None]
#: Kinds of alternative line: the template was decided before / only seen before.
_DECIDED, _SEEN = 0, 1
#: Blocks in flight per worker: one being classified, one waiting, so no worker idles.
_IN_FLIGHT = 2
#: How often a block may lose its worker before the run stops.
_ATTEMPTS = 2


@dataclass(slots=True)
class Block:
    """Consecutive lines of one input, and how far the input had been read after them."""

    path: str
    lines: list[Line]
    position: int | None = None  # bytes of the whole run's input read, for a progress bar
    index: int = -1  # set by the pool


@dataclass(slots=True)
class Finished:
    """A block's output lines, in order, and what they add up to."""

    index: int
    path: str
    position: int | None
    output: list[bytes]
    tally: Tally
    #: offset -> (the line as it is if the template was decided or seen before, what the
    #: worker's own line counts, what that one counts, which of the two cases)
    alternatives: dict[int, tuple[bytes, Facts, Facts, int]] = field(default_factory=dict)
    decisions: list[tuple[str, Decision]] = field(default_factory=list)
    new_templates: list[str] = field(default_factory=list)


@dataclass(slots=True)
class WorkerInfo:
    """What a worker says once its sieve is built."""

    problems: list[StageProblem]
    has_llm: bool
    fingerprint: dict[str, str]
    labels: frozenset[str]


class ProcessPool:
    """N worker processes with a sieve each, and the run's one template cache.

    ``start`` waits until every worker's sieve is built (a build that fails raises the
    worker's error here); ``run`` classifies blocks and yields them finished, in order;
    ``close`` stops the workers and saves the cache.
    """

    def __init__(self, settings: Settings, fmt: str, workers: int, batch_size: int) -> None:
        self.settings = settings
        self.fmt = fmt
        self.n = workers
        self.batch_size = batch_size
        self._ctx = multiprocessing.get_context("spawn")  # no fork of a process with threads
        self._workers: list[_Worker] = []
        self.cache: DecisionCache | None = None
        self._seen: dict[str, None] = {}

    # --- life cycle ---------------------------------------------------------------------
    def start(self) -> WorkerInfo:
        self._workers = [self._spawn() for _ in range(self.n)]
        # every worker must be ready; they are built alike, so the first one's word stands
        info, *_ = [w.ready() for w in self._workers]
        s = self.settings
        cache = self.cache = DecisionCache(
            s.cache_size, fingerprint=info.fingerprint, labels=info.labels
        )
        if s.cache_path is not None and s.cache_path.is_file():
            cache.load(s.cache_path)
        if s.cache_path is not None and s.cache_journal:
            cache.journal_to(s.cache_path)
        return info

    def _spawn(self) -> _Worker:
        here, there = self._ctx.Pipe()
        # one sieve per worker: it must load the cache file but leave saving to this process
        settings = self.settings.model_copy(update={"cache_journal": False})
        proc = self._ctx.Process(
            target=_serve,
            args=(there, settings, self.fmt, self.batch_size),
            name="logsieve-worker",
            daemon=True,
        )
        proc.start()
        there.close()
        return _Worker(proc, here)

    def close(self, *, save: bool = True, now: bool = False) -> None:
        """Stop the workers (``now``: kill them, without waiting for the block they are
        on); save the cache where one was configured."""
        for w in self._workers:
            if now:
                w.proc.kill()
            else:
                w.stop()
        for w in self._workers:
            w.join()
        self._workers = []
        cache = self.cache
        if cache is not None:
            if save and self.settings.cache_path is not None:
                cache.save(self.settings.cache_path)
            cache.close_journal()

    # --- running ------------------------------------------------------------------------
    def run(self, blocks: Iterable[Block]) -> Iterator[Finished]:
        """Classify ``blocks``; yield each finished, in their order."""
        assert self.cache is not None, "start() first"
        source = iter(blocks)
        sent: dict[int, tuple[_Worker, Block, int]] = {}  # index -> worker, block, attempts
        done: dict[int, Finished] = {}
        next_out = 0
        next_in = 0
        exhausted = False
        while True:
            # keep every worker fed
            while not exhausted:
                worker = min(self._workers, key=lambda w: len(w.blocks))
                if len(worker.blocks) >= _IN_FLIGHT:
                    break
                block = next(source, None)
                if block is None:
                    exhausted = True
                    break
                block.index = next_in
                next_in += 1
                sent[block.index] = (worker, block, 1)
                worker.send(block)
            if not sent:
                return
            for worker in self._ready_workers():
                try:
                    finished: Finished = worker.conn.recv()
                except (EOFError, OSError):
                    self._replace(worker, sent)
                    continue
                worker.blocks.remove(finished.index)
                del sent[finished.index]
                done[finished.index] = finished
            while next_out in done:
                finished = done.pop(next_out)
                self._settle(finished)
                next_out += 1
                yield finished

    def _ready_workers(self) -> list[_Worker]:
        by_conn = {w.conn: w for w in self._workers}
        sentinels = {w.proc.sentinel: w for w in self._workers}
        ready = wait([*by_conn, *sentinels])
        workers: list[_Worker] = []
        for obj in ready:
            w = by_conn.get(obj) or sentinels.get(obj)  # type: ignore[call-overload]
            if w is not None and w not in workers:
                workers.append(w)
        return workers

    def _replace(self, dead: _Worker, sent: dict[int, tuple[_Worker, Block, int]]) -> None:
        """A worker died (killed, out of memory): its blocks go to a new worker."""
        dead.join()
        fresh = self._spawn()
        fresh.ready()
        # it starts from the file's cache: give it every decision made since
        assert self.cache is not None
        fresh.pending.extend(self.cache.items())
        self._workers[self._workers.index(dead)] = fresh
        for index in sorted(dead.blocks):
            _, block, attempts = sent[index]
            if attempts >= _ATTEMPTS:
                first, last = block.lines[0][0], block.lines[-1][0]
                raise WorkerDied(
                    f"{block.path}: lines {first}-{last} stopped "
                    f"{attempts} worker processes (exit status "
                    f"{dead.proc.exitcode}); not classified"
                )
            sent[index] = (fresh, block, attempts + 1)
            fresh.send(block)

    def _settle(self, finished: Finished) -> None:
        """Put a block's answers in order: keep, for each line with an alternative, the one
        that says what one process would have said; merge its decisions into the cache and
        hand them to the other workers."""
        cache = self.cache
        assert cache is not None
        seen = self._seen
        tally = finished.tally
        output = finished.output
        for offset, (other, own_facts, other_facts, kind) in finished.alternatives.items():
            key = own_facts[2]
            before = (
                cache.peek(key) is not None  # type: ignore[arg-type]
                if kind == _DECIDED
                else key in seen
            )
            if before:
                output[offset] = other
            tally.add_facts(other_facts if before else own_facts)
        for key in finished.new_templates:
            seen[key] = None
        limit = cache.maxsize if cache.maxsize > 0 else 100_000
        while len(seen) > limit:
            del seen[next(iter(seen))]
        merged: list[tuple[str, Decision]] = []
        for key, decision in finished.decisions:
            known = cache.peek(key)
            if known is None or (not known.accepted and decision.accepted):
                cache.put(key, decision)
                merged.append((key, decision))
        cache.sync()
        if merged:
            for w in self._workers:
                w.pending.extend(merged)


class _Worker:
    """One worker process, seen from this one."""

    def __init__(self, proc: Any, conn: Connection) -> None:
        self.proc = proc
        self.conn = conn
        self.blocks: list[int] = []  # indexes sent, not yet finished
        self.pending: list[tuple[str, Decision]] = []  # decisions to pass on with the next

    def ready(self) -> WorkerInfo:
        try:
            kind, payload = self.conn.recv()
        except (EOFError, OSError):
            self.proc.join()
            raise WorkerDied(
                "a worker process ended before its sieve was built (exit "
                f"status {self.proc.exitcode})"
            ) from None
        if kind == "error":
            raise LogsieveError(payload)
        info: WorkerInfo = payload
        return info

    def send(self, block: Block) -> None:
        decisions, self.pending = self.pending, []
        self.blocks.append(block.index)
        self.conn.send((block, decisions))

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # gone already
            self.conn.send(None)

    def join(self) -> None:
        self.proc.join(timeout=30)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


# --- the worker process ---------------------------------------------------------------------
def _serve(conn: Connection, settings: Settings, fmt: str, batch_size: int) -> None:
    """A worker's life: build a sieve, say so, classify blocks until told to stop."""
    # Ctrl-C is for the process that started the run: it stops the workers, and saves.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from ..build import build_sieve

    try:
        sieve = build_sieve(settings)
    except LogsieveError as exc:
        conn.send(("error", str(exc)))
        return
    sieve.cache_path = None  # the pool's process saves the one cache
    sieve.check_llm()
    sieve.cache.track_new()
    conn.send(
        (
            "ready",
            WorkerInfo(
                sieve.problems(),
                sieve.llm is not None,
                dict(sieve.cache.fingerprint),
                frozenset(sieve.taxonomy.label_ids),
            ),
        )
    )
    lines = LineFormat(fmt)
    # Blocks are read by a thread of their own: the run's process sends the next block while
    # this one may be sending a finished block back, and with both ends writing, neither
    # reading, a pipe's buffer would fill and the two would wait on each other for ever.
    inbox: queue.Queue[Any] = queue.Queue()

    def receive() -> None:
        try:
            while True:
                msg = conn.recv()
                inbox.put(msg)
                if msg is None:
                    return
        except (EOFError, OSError):
            inbox.put(None)  # the run's process is gone: nothing to answer to

    threading.Thread(target=receive, name="logsieve-blocks", daemon=True).start()
    try:
        while (msg := inbox.get()) is not None:
            block, decisions = msg
            sieve.cache.adopt(decisions)
            conn.send(_classify_block(sieve, lines, block, batch_size))
    except (EOFError, OSError):
        pass
    finally:
        sieve.close()


def _classify_block(sieve: Any, fmt: LineFormat, block: Block, batch_size: int) -> Finished:
    """The block in batches of ``batch_size``, as one process classifies them, each line
    written; with an alternative line where the answer depends on the lines before."""
    out: list[bytes] = []
    tally = Tally(by_text=True)
    finished = Finished(block.index, block.path, block.position, out, tally)
    alternatives = finished.alternatives
    cache = sieve.cache
    path = block.path
    recs = block.lines
    for start in range(0, len(recs), batch_size):
        chunk = recs[start : start + batch_size]
        results = sieve.classify_batch([(r[1], r[2]) for r in chunk])
        fresh = dict(cache.take_new())
        again: dict[int, Any] = {}
        if fresh:
            finished.decisions.extend(fresh.items())
            # the lines of templates decided in this batch, answered again: now from the
            # cache, as they would be had an earlier block decided them (no LLM call: only
            # decisions that answer without one)
            redo = [
                i
                for i, res in enumerate(results)
                if res.template in fresh and (fresh[res.template].accepted or sieve.llm is None)
            ]
            if redo:
                again = dict(
                    zip(
                        redo,
                        sieve.classify_batch([(chunk[i][1], chunk[i][2]) for i in redo]),
                        strict=True,
                    )
                )
                finished.decisions.extend(cache.take_new())
        for i, (rec, res) in enumerate(zip(chunk, results, strict=True)):
            line = fmt.line(res, path=path, line=rec[0], error=rec[3])
            if res.new_template:
                finished.new_templates.append(res.template)
            other = again.get(i)
            if other is not None:
                alternatives[start + i] = (
                    fmt.line(other, path=path, line=rec[0], error=rec[3]),
                    facts(res),
                    facts(other),
                    _DECIDED,
                )
            elif res.new_template:
                res.new_template = False
                alternatives[start + i] = (
                    fmt.line(res, path=path, line=rec[0], error=rec[3]),
                    facts(res),
                    facts(res),
                    _SEEN,
                )
            else:
                tally.add(res)
            out.append(line)
    return finished
