"""Batch classification on Ray Data: the sieve over archives larger than one machine.

Ray reads the inputs (local paths or any filesystem pyarrow knows: ``s3://``, ``gs://``,
``hdfs://``…), a fixed pool of actors each builds one ``Sieve`` (the model is loaded once per
worker, not per batch) and runs ``Sieve.classify_batch`` over ``map_batches`` batches, and Ray
writes the results. Each worker keeps its own template cache; give them
``settings.redis_url`` to share decisions between workers and with running services.

The LLM stage is off in batch runs unless ``llm_budget`` is given: then at most that many LLM
calls are made in total, across all workers, counted by one small Ray actor (a template past
the budget gets the fallback label, and its journey says the budget was spent).

Every output row keeps its input columns (for files: ``file_index``, ``path``, ``line``),
so input order is recoverable by sorting on ``(file_index, line)`` whatever order Ray wrote
the rows in.

    >>> import ray
    >>> from logsieve.settings import Settings
    >>> from logsieve.engines.ray import classify_files
    >>> ray.init(num_cpus=2)                                              # doctest: +SKIP
    >>> classify_files(["app.log"], "out.parquet", Settings(), workers=2)  # doctest: +SKIP
    {'lines': 1000, 'labels': {...}, 'stages': {...}, 'seconds': 3.1, ...}
"""

from __future__ import annotations

import gzip
import io
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import ray
import ray.data
from ray.data.block import BlockAccessor
from ray.data.datasource import BlockBasedFileDatasink, FilenameProvider

from ..errors import InputError, StageError, StageUnavailable
from ..inputs import GZIP_MAGIC, detect_format, read_records
from ..records import arrow_columns, json_line, record
from ..settings import Settings

if TYPE_CHECKING:
    from ..result import Result
    from ..sieve import Sieve

__all__ = ["RESULT_COLUMNS", "SPLIT_BYTES", "classify_dataset", "classify_files", "read_log_files"]

#: Columns each output row gains (input columns are kept as they are).
RESULT_COLUMNS = (
    "label_id",
    "label",
    "final_confidence",
    "pipeline_stage",
    "classifier",
    "decided_by",
    "template",
    "new_template",
    "processing_time_ms",
    "journey",
)


#: Lines per table out of the file parser (bounds the parser's memory per table).
_ROWS_PER_BLOCK = 8_192

#: A text or JSONL file larger than this is read as byte ranges of this size (Parquet: runs of
#: row groups), each its own block for the actors: ~25,000 lines of the LogHub replay, so one
#: file is shared by the actors while each block stays worth its round trips.
SPLIT_BYTES = 4 << 20

_OUTPUT_FORMATS = {".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


# --- classification ----------------------------------------------------------------------
def classify_dataset(
    ds: ray.data.Dataset,
    settings: Settings,
    *,
    workers: int = 2,
    batch_size: int = 512,
    text_column: str = "log_message",
    source_column: str = "source",
    llm_budget: int | None = None,
    cpus_per_worker: float = 1.0,
) -> ray.data.Dataset:
    """Classify every row of ``ds``; returns a lazy Dataset with the result columns added.

    Args:
        ds: rows with a string ``text_column`` and optionally ``source_column``. Keep a key
            column in it (e.g. ``line``) if you need input order back: Ray does not keep
            row order across blocks.
        settings: how to build each worker's sieve (taxonomy, head, redis_url…).
        workers: size of the actor pool; each actor holds one sieve and one encoder.
        batch_size: lines per ``Sieve.classify_batch`` call.
        llm_budget: total LLM calls allowed across all workers; None or 0 switches the LLM
            stage off (the default in batch runs: an archive can hold millions of templates).
        cpus_per_worker: CPUs Ray reserves per actor; also the encoder's threads unless
            ``settings.encoder_threads`` says otherwise.

    Result columns: see ``RESULT_COLUMNS``; ``journey`` is a JSON string.
    """
    return _classify(
        ds,
        settings,
        workers=workers,
        batch_size=batch_size,
        text_column=text_column,
        source_column=source_column,
        llm_budget=llm_budget,
        cpus_per_worker=cpus_per_worker,
        tally=None,
    )


def classify_files(
    inputs: list[str],
    out: str,
    settings: Settings,
    *,
    workers: int = 2,
    batch_size: int = 512,
    llm_budget: int | None = None,
    text_column: str = "log_message",
    source_column: str = "source",
    cpus_per_worker: float = 1.0,
    split_bytes: int | None = SPLIT_BYTES,
) -> dict[str, Any]:
    """Read log files, classify every line on Ray, write the results; return a summary.

    ``inputs`` are files or directories, local or on any storage Ray reads; each file is
    text, CSV (``source,log_message``), JSONL or Parquet (by extension, else by its first
    line; ``.gz`` is decompressed). ``out`` is a directory Ray writes one file per block
    into: Parquet if it ends in ``.parquet``, JSON lines if ``.jsonl``/``.ndjson``/``.json``;
    it is replaced if it exists. Parquet rows carry ``file_index``, ``path`` and ``line``
    (1-based physical line, or row number for Parquet), so order is recoverable;
    ``input_error`` says why a line could not be read cleanly (it is classified anyway).
    JSON lines are the records ``logsieve classify --format jsonl`` writes
    (:func:`logsieve.records.record`: ``path``, ``line``, the answer, ``error``), the same
    fields and serialization; their order is the inputs' (a directory's files sorted by
    path) and ``line`` within each, across the output files in name order.

    Returns ``{"lines", "labels", "stages", "seconds", "lines_per_s", "files", "out",
    "workers", "input_errors", "cache_hits", "cache_misses", "llm_calls",
    "lines_per_worker"}``.
    """
    fmt = _output_format(out)
    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False)
    t0 = time.perf_counter()
    # A split file is several blocks: JSON lines keep the input's order only if the blocks
    # are written in it (output files are named by block index). Parquet rows carry
    # file_index and line, so their order need not cost anything. (A dataset takes the
    # context as it is when the dataset is made.)
    context = ray.data.DataContext.get_current()
    kept_order = context.execution_options.preserve_order
    context.execution_options.preserve_order = kept_order or fmt == "jsonl"
    try:
        ds, files = read_log_files(
            inputs, text_column=text_column, source_column=source_column, split_bytes=split_bytes
        )
    finally:
        context.execution_options.preserve_order = kept_order
    tally = _Tally.remote()  # type: ignore[attr-defined]
    result = _classify(
        ds,
        settings,
        workers=workers,
        batch_size=batch_size,
        text_column="log_message",
        source_column="source",
        llm_budget=llm_budget,
        cpus_per_worker=cpus_per_worker,
        tally=tally,
        records=fmt == "jsonl",
    )
    # Writing, like reading, must not wait for a CPU the actors hold.
    io_args = {"num_cpus": 0}
    _write(result, out, fmt, io_args)
    seconds = time.perf_counter() - t0
    totals: dict[str, Any] = ray.get(tally.totals.remote())
    ray.kill(tally)
    lines = int(totals["lines"])
    return {
        "lines": lines,
        "labels": totals["labels"],
        "stages": totals["stages"],
        "seconds": round(seconds, 3),
        "lines_per_s": round(lines / seconds) if seconds else 0,
        "files": len(files),
        "out": out,
        "workers": workers,
        "input_errors": totals["input_errors"],
        "cache_hits": totals["cache_hits"],
        "cache_misses": totals["cache_misses"],
        "llm_calls": totals["llm_calls"],
        "lines_per_worker": totals["lines_per_worker"],
    }


def _write(result: ray.data.Dataset, out: str, fmt: str, io_args: dict[str, Any]) -> None:
    if fmt == "parquet":
        result.write_parquet(out, mode=ray.data.SaveMode.OVERWRITE, ray_remote_args=io_args)
    else:
        result.write_datasink(
            _RecordLines(
                out,
                mode=ray.data.SaveMode.OVERWRITE,
                filename_provider=FilenameProvider(file_format="jsonl"),
            ),
            ray_remote_args=io_args,
        )


def _classify(
    ds: ray.data.Dataset,
    settings: Settings,
    *,
    workers: int,
    batch_size: int,
    text_column: str,
    source_column: str,
    llm_budget: int | None,
    cpus_per_worker: float,
    tally: Any,
    records: bool = False,
) -> ray.data.Dataset:
    if workers < 1 or batch_size < 1:
        raise ValueError("workers and batch_size must be at least 1")
    settings = settings.for_batch(encoder_threads=max(1, int(cpus_per_worker)))
    if not llm_budget:  # an archive can hold millions of templates: the LLM only on a budget
        settings = settings.model_copy(update={"llm_enabled": False})
    budget = _LLMBudget.remote(llm_budget) if llm_budget else None  # type: ignore[attr-defined]
    return ds.map_batches(
        _SieveWorker,
        fn_constructor_kwargs={
            "settings": settings,
            "text_column": text_column,
            "source_column": source_column,
            "budget": budget,
            "tally": tally,
            "records": records,
        },
        batch_size=batch_size,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=cpus_per_worker,
    )


class _SieveWorker:
    """One Ray actor: builds the sieve once, then classifies batch after batch."""

    def __init__(
        self,
        settings: Settings,
        text_column: str,
        source_column: str,
        budget: Any,
        tally: Any,
        records: bool = False,
    ) -> None:
        from ..build import build_sieve

        self.sieve: Sieve = build_sieve(settings)
        if budget is not None and self.sieve.llm is not None:
            self.sieve.llm = _BudgetedLLM(self.sieve.llm, budget)
        self.text_column = text_column
        self.source_column = source_column
        self.tally = tally
        self.records = records  # JSON records (a "record" column) rather than columns
        self._llm_calls = 0
        self.worker_id = f"{ray.get_runtime_context().get_actor_id() or 'task'}"[:12]

    def __call__(self, batch: pa.Table) -> pa.Table:
        texts = [
            t if isinstance(t, str) else "" for t in batch.column(self.text_column).to_pylist()
        ]
        if self.source_column in batch.column_names:
            sources = [
                s if isinstance(s, str) and s else None
                for s in batch.column(self.source_column).to_pylist()
            ]
        else:
            sources = [None] * len(texts)
        cache = self.sieve.cache
        hits0, misses0 = cache.hits, cache.misses
        results = self.sieve.classify_batch(list(zip(texts, sources, strict=True)))
        if self.records:
            out = pa.table({"record": pa.array(_record_lines(batch, results), pa.string())})
        else:
            out = batch
            for name, array in arrow_columns(results).items():
                if name in out.column_names:  # a re-run over earlier output: replace
                    out = out.drop_columns([name])
                out = out.append_column(name, array)
        if self.tally is not None:
            errors = (
                batch.num_rows - batch.column("input_error").null_count
                if "input_error" in batch.column_names
                else 0
            )
            llm = getattr(self.sieve.llm, "calls", 0)
            # Waited for: the summary is read once the write is done, so no count may be
            # still in flight then. One round trip per batch of hundreds of lines.
            ray.get(
                self.tally.add.remote(
                    len(results),
                    dict(Counter(r.label_id for r in results)),
                    dict(Counter(r.classifier for r in results)),
                    errors,
                    cache.hits - hits0,
                    cache.misses - misses0,
                    llm - self._llm_calls,
                    self.worker_id,
                )
            )
            self._llm_calls = llm
        return out


def _record_lines(batch: pa.Table, results: list[Result]) -> list[str]:
    """Each line's JSON record, as ``logsieve classify --format jsonl`` writes it."""
    n = len(results)
    names = batch.column_names
    paths = batch.column("path").to_pylist() if "path" in names else [None] * n
    lines = batch.column("line").to_pylist() if "line" in names else [None] * n
    errors = batch.column("input_error").to_pylist() if "input_error" in names else [None] * n
    return [
        json_line(record(res, path=path, line=line, error=error))
        for res, path, line, error in zip(results, paths, lines, errors, strict=True)
    ]


class _RecordLines(BlockBasedFileDatasink):
    """Writes each block's ``record`` column as JSON lines, one file per block."""

    def write_block_to_file(self, block: BlockAccessor, file: pa.NativeFile) -> None:
        rows = block.to_arrow().column("record").to_pylist()
        file.write(("\n".join(rows) + "\n").encode("utf-8") if rows else b"")


# --- the global LLM budget and the summary counts ------------------------------------------
@ray.remote(num_cpus=0)
class _LLMBudget:
    """How many LLM calls are left, for all workers together."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


class _BudgetedLLM:
    """The worker's LLM stage, asking the shared budget before every call."""

    def __init__(self, inner: Any, budget: Any) -> None:
        self.inner = inner
        self.budget = budget
        self.name = inner.name
        self.calls = 0
        self._spent = False  # once spent, stay spent without asking the actor again

    def classify(self, text: str, source: str | None = None) -> Any:
        if self._spent or not ray.get(self.budget.take.remote()):
            self._spent = True
            raise StageUnavailable("The batch run's LLM budget is spent.")
        self.calls += 1
        return self.inner.classify(text, source)

    @property
    def batch_size(self) -> int:
        size = getattr(self.inner, "batch_size", 1)
        return size if isinstance(size, int) and size > 1 else 1

    def classify_many(self, items: list[tuple[str, str | None]]) -> list[Any]:
        """One budget take per request: a batch of templates is one call to the provider."""
        many = getattr(self.inner, "classify_many", None)
        if not callable(many) or len(items) < 2:
            out: list[Any] = []
            for text, source in items:
                try:
                    out.append(self.classify(text, source))
                except StageError as exc:
                    out.append(exc)
            return out
        if self._spent or not ray.get(self.budget.take.remote()):
            self._spent = True
            return [StageUnavailable("The batch run's LLM budget is spent.") for _ in items]
        self.calls += 1
        return list(many(items))

    def __getattr__(self, name: str) -> Any:  # health(), breaker… of the real stage
        return getattr(self.inner, name)


@ray.remote(num_cpus=0)
class _Tally:
    """Counts for the run summary, added by every worker after every batch."""

    def __init__(self) -> None:
        self.lines = 0
        self.labels: Counter[str] = Counter()
        self.stages: Counter[str] = Counter()
        self.input_errors = 0
        self.cache_hits = 0
        self.cache_misses = 0
        self.llm_calls = 0
        self.per_worker: Counter[str] = Counter()

    def add(
        self,
        lines: int,
        labels: dict[str, int],
        stages: dict[str, int],
        input_errors: int,
        cache_hits: int,
        cache_misses: int,
        llm_calls: int,
        worker: str,
    ) -> None:
        self.lines += lines
        self.per_worker[worker] += lines
        self.labels.update(labels)
        self.stages.update(stages)
        self.input_errors += input_errors
        self.cache_hits += cache_hits
        self.cache_misses += cache_misses
        self.llm_calls += llm_calls

    def totals(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "labels": dict(self.labels.most_common()),
            "stages": dict(self.stages.most_common()),
            "input_errors": self.input_errors,
            "cache_hits": self.cache_hits,
            "cache_misses": self.cache_misses,
            "llm_calls": self.llm_calls,
            "lines_per_worker": sorted(self.per_worker.values(), reverse=True),
        }


# --- reading --------------------------------------------------------------------------------
#: (line, source, text, input_error): one log line as a read task yields it.
_Row = tuple[int, str | None, str, str | None]

#: What ``read_records`` peeks at to detect a file's format: the first line of these bytes.
_HEAD_BYTES = 4_096
#: Read size when looking for the newline that ends a byte range.
_SCAN_BYTES = 65_536


@dataclass(frozen=True, slots=True)
class _ReadTask:
    """What one read task reads; each task's lines reach the actors as blocks of their own.

    ``kind`` is ``whole`` (the file), ``bytes`` (the lines that start in a byte range of a text
    or JSONL file, see ``_range_bytes``) or ``row_groups`` (Parquet row groups ``start`` up to
    ``end``). A line's number is its number within the task plus ``lines_before``: for a byte
    range, the newlines of the file before ``start``; for row groups, the rows before them.
    """

    file_index: int
    uri: str  # to open the file
    path: str  # as records name it (the filesystem's path)
    kind: str = "whole"
    start: int = 0
    end: int = 0
    lines_before: int = 0
    fmt: str = "auto"


def read_log_files(
    inputs: list[str],
    *,
    text_column: str = "log_message",
    source_column: str = "source",
    split_bytes: int | None = SPLIT_BYTES,
) -> tuple[ray.data.Dataset, list[str]]:
    """A Dataset of log lines from files: columns file_index, path, line, source,
    log_message, input_error. Returns it with the expanded file list (file_index → path).

    Text, CSV and JSONL are parsed exactly as ``logsieve classify`` parses them (same line
    numbers, same handling of bad rows); Parquet rows are numbered from 1.

    A plain-text or JSONL file larger than ``split_bytes`` is read as byte ranges of about
    that size, each by a task of its own and each its own block, so one big file keeps every
    actor busy. Its newlines are counted first (one more read of the file, in parallel Ray
    tasks) so that every range knows the number of its first line. A Parquet file is read as
    runs of row groups of about ``split_bytes`` (a file of one row group stays one block). Read
    whole, one block per file: gzip files (a gzip stream cannot be entered in the middle),
    CSV (a quoted field may hold a newline, so a byte offset cannot tell where a row starts)
    and files of at most ``split_bytes``. ``split_bytes=None`` reads every file whole.
    """
    if split_bytes is not None and split_bytes < 2:
        raise ValueError("split_bytes must be at least 2 (or None: never split)")
    files = _expand(inputs)
    if not files:
        raise InputError(f"no input files in {inputs}")
    tasks = _plan_reads(files, split_bytes, text_column)
    # One block per read task, so that every task is a Ray task of its own.
    ds = ray.data.from_items([asdict(t) for t in tasks], override_num_blocks=len(tasks))
    # Reading is I/O; with num_cpus=0 it never waits for a CPU that the classifying actors
    # hold (on a 2-CPU box, 2 actors hold both), and it is not fused into the actors. Ray
    # Data's object-store backpressure still keeps it from running ahead.
    lines = ds.map_batches(
        _read,  # type: ignore[arg-type]  # takes fn_kwargs
        fn_kwargs={"text_column": text_column, "source_column": source_column},
        batch_size=1,
        batch_format="pyarrow",
        num_cpus=0,
        # A task that needs no CPU is not held back by CPUs: without a cap Ray starts a worker
        # process for every read task at once (hundreds for a big file split small). Not more
        # than the tasks: Ray warns about a cap it cannot reach.
        concurrency=min(len(tasks), _cluster_cpus()),
    )
    return lines, [u for u, _ in files]


def _cluster_cpus() -> int:
    cpus = ray.cluster_resources().get("CPU", 2)  # type: ignore[no-untyped-call]
    return max(1, int(cpus))


def _expand(inputs: list[str]) -> list[tuple[str, str]]:
    """(URI as given, filesystem path as Ray reports it) for every file, in input order."""
    out: list[tuple[str, str]] = []
    for uri in inputs:
        fs, path = _filesystem(uri)
        info = fs.get_file_info(path)
        if info.type == pafs.FileType.NotFound:
            raise InputError(f"{uri}: no such file or directory")
        if info.type == pafs.FileType.Directory:
            found = fs.get_file_info(pafs.FileSelector(path, recursive=True))
            for f in sorted(
                (
                    f
                    for f in found
                    if f.type == pafs.FileType.File and not f.base_name.startswith((".", "_"))
                ),
                key=lambda f: f.path,
            ):
                full = uri.rstrip("/") + f.path[len(path.rstrip("/")) :] if "://" in uri else f.path
                out.append((full, f.path))
        else:
            out.append((uri if "://" in uri else path, path))
    return out


def _filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """The filesystem a URI (or a local path) is on, and the path within it."""
    if "://" in uri:
        fs, path = pafs.FileSystem.from_uri(uri)
        return fs, path
    return pafs.LocalFileSystem(), _abspath(uri)


def _abspath(p: str) -> str:
    return os.path.abspath(p)


# Planning (in the driver): which task reads what.
def _plan_reads(
    files: list[tuple[str, str]], split_bytes: int | None, text_column: str
) -> list[_ReadTask]:
    """Every file's read tasks, in input order: the files', then position in the file."""
    tasks = [
        task
        for file_index, (uri, path) in enumerate(files)
        for task in _plan_file(file_index, uri, path, split_bytes, text_column)
    ]
    return _number_byte_ranges(tasks)


def _plan_file(
    file_index: int, uri: str, path: str, split_bytes: int | None, text_column: str
) -> list[_ReadTask]:
    whole = [_ReadTask(file_index, uri, path)]
    if not split_bytes or path.lower().endswith(".gz"):
        return whole  # a gzip stream can only be read from its start
    fs, fs_path = _filesystem(uri)
    if path.lower().endswith(".parquet"):
        return _row_group_tasks(file_index, uri, path, split_bytes) or whole
    size = fs.get_file_info(fs_path).size or 0
    if size <= split_bytes:
        return whole
    with fs.open_input_file(fs_path) as f:
        head: bytes = f.read_at(min(size, _HEAD_BYTES), 0)
    if head[:2] == GZIP_MAGIC:
        return whole  # gzip without the .gz name: read_records decompresses it, from the start
    # The format of the whole file, as read_records would detect it from its first line.
    fmt = detect_format(path, head.split(b"\n", 1)[0], text_column)
    if fmt == "csv":
        return whole  # a quoted field may hold a newline: only a reader from the start knows
    return [
        _ReadTask(file_index, uri, path, "bytes", start, end, fmt=fmt)
        for start, end in _byte_ranges(size, split_bytes)
    ]


def _byte_ranges(size: int, split_bytes: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each range of a file: range k holds the lines that start in
    ``[k * split_bytes, (k + 1) * split_bytes)``; it looks from one byte before (the newline
    that ends the line before its first, ``_range_bytes``), hence ``start = k*split_bytes - 1``
    and ``end`` the next range's start (the file's size for the last)."""
    starts = [0] + [k * split_bytes - 1 for k in range(1, -(-size // split_bytes))]
    return list(zip(starts, [*starts[1:], size], strict=True))


def _row_group_tasks(file_index: int, uri: str, path: str, split_bytes: int) -> list[_ReadTask]:
    """Runs of consecutive row groups of about ``split_bytes`` (uncompressed) each."""
    fs, fs_path = _filesystem(uri)
    with fs.open_input_file(fs_path) as f:
        meta = pq.ParquetFile(f).metadata
    tasks: list[_ReadTask] = []
    first = rows_before = rows = size = 0
    for group in range(meta.num_row_groups):
        rows += meta.row_group(group).num_rows
        size += meta.row_group(group).total_byte_size
        if size >= split_bytes or group == meta.num_row_groups - 1:
            tasks.append(
                _ReadTask(file_index, uri, path, "row_groups", first, group + 1, rows_before)
            )
            first, rows_before, rows, size = group + 1, rows_before + rows, 0, 0
    return tasks


def _number_byte_ranges(tasks: list[_ReadTask]) -> list[_ReadTask]:
    """Each byte range with the count of its file's newlines before it (``lines_before``),
    from the newlines of every range, counted by Ray tasks in parallel."""
    ranges = [t for t in tasks if t.kind == "bytes"]
    counts = iter(ray.get([_count_newlines.remote(t.uri, t.start, t.end) for t in ranges]))
    numbered: list[_ReadTask] = []
    before = 0
    for task in tasks:
        if task.kind == "bytes":
            before = 0 if task.start == 0 else before  # a file's first range
            numbered.append(replace(task, lines_before=before))
            before += next(counts)
        else:
            numbered.append(task)
    return numbered


# One CPU each (not 0 like the other I/O): a task that needs no CPU gets a worker process of
# its own, hundreds of them for a big file. The actors do not hold the CPUs yet.
@ray.remote(num_cpus=1)
def _count_newlines(uri: str, start: int, end: int) -> int:
    """Newlines in ``[start, end)`` of a file (one range: a few MB in memory)."""
    fs, path = _filesystem(uri)
    with fs.open_input_file(path) as f:
        return int(f.read_at(end - start, start).count(b"\n"))


# Reading (in Ray tasks): the lines of a task.
def _read(batch: pa.Table, text_column: str, source_column: str) -> Iterator[pa.Table]:
    """Read tasks in, their log lines out, in tables of ``_ROWS_PER_BLOCK`` lines."""
    for row in batch.to_pylist():
        task = _ReadTask(**row)
        chunk: list[_Row] = []
        for line in _task_rows(task, text_column, source_column):
            chunk.append(line)
            if len(chunk) >= _ROWS_PER_BLOCK:
                yield _frame(task.file_index, task.path, chunk)
                chunk = []
        if chunk:
            yield _frame(task.file_index, task.path, chunk)


def _task_rows(task: _ReadTask, text_column: str, source_column: str) -> Iterator[_Row]:
    if task.kind == "bytes":
        return _range_rows(task, text_column, source_column)
    if task.kind == "row_groups":
        return _row_group_rows(task, text_column, source_column)
    return _whole_file_rows(task, text_column, source_column)


def _whole_file_rows(task: _ReadTask, text_column: str, source_column: str) -> Iterator[_Row]:
    fs, fs_path = _filesystem(task.uri)
    # compression=None: the bytes as stored; a .gz file is decompressed here, once
    with fs.open_input_stream(fs_path, compression=None) as f:
        raw: bytes = f.read()
    path = task.path
    name = path[:-3] if path.endswith(".gz") else path
    data = gzip.decompress(raw) if path.endswith(".gz") else raw
    if name.lower().endswith(".parquet"):
        yield from _parquet_rows(pq.read_table(pa.BufferReader(data)), text_column, source_column)
        return
    for r in read_records(io.BytesIO(data), "auto", name, text_column, source_column):
        yield r.line, r.source, r.text, r.error


def _range_rows(task: _ReadTask, text_column: str, source_column: str) -> Iterator[_Row]:
    fs, fs_path = _filesystem(task.uri)
    with fs.open_input_file(fs_path) as f:
        data = _range_bytes(f, task.start, task.end)
    # The format is the whole file's (detected from its first line when planning). A range
    # after the first starts with the newline before its first line: a blank line 1 that the
    # reader skips, so the numbers stay the file's and the range never starts like gzip.
    for r in read_records(io.BytesIO(data), task.fmt, None, text_column, source_column):
        yield r.line + task.lines_before, r.source, r.text, r.error


def _range_bytes(f: pa.NativeFile, start: int, end: int) -> bytes:
    """The bytes of the lines that start in ``(start, end]`` (all of ``[0, end]`` for the
    first range), each line whole, even the one that runs on past ``end``.

    A range after the first begins at the first newline at or after ``start``: that newline
    ends the line before its first, which the range before reads through. So every line is
    read by exactly one range, the one its first byte falls in.
    """
    size = int(f.size())
    first = _next_newline(f, start) if start else 0
    if first >= end:
        return b""  # one line runs across the whole range: the range before reads it
    last = size if end >= size else min(size, _next_newline(f, end) + 1)
    return bytes(f.read_at(last - first, first))


def _next_newline(f: pa.NativeFile, pos: int) -> int:
    """Where the first newline at or after ``pos`` is; the file's size if there is none."""
    size = int(f.size())
    while pos < size:
        chunk: bytes = f.read_at(min(_SCAN_BYTES, size - pos), pos)
        found = chunk.find(b"\n")
        if found >= 0:
            return pos + found
        if not chunk:
            break
        pos += len(chunk)
    return size


def _row_group_rows(task: _ReadTask, text_column: str, source_column: str) -> Iterator[_Row]:
    fs, fs_path = _filesystem(task.uri)
    with fs.open_input_file(fs_path) as f:
        parquet = pq.ParquetFile(f)
        names = parquet.schema_arrow.names
        _check_text_column(names, text_column)
        columns = [c for c in dict.fromkeys((text_column, source_column)) if c in names]
        table = parquet.read_row_groups(range(task.start, task.end), columns=columns)
    yield from _parquet_rows(table, text_column, source_column, task.lines_before)


def _check_text_column(names: list[str], text_column: str) -> None:
    if text_column not in names:
        raise InputError(
            f"Parquet file has no {text_column!r} column (columns: {', '.join(names)})"
        )


def _parquet_rows(
    table: pa.Table, text_column: str, source_column: str, rows_before: int = 0
) -> Iterator[_Row]:
    _check_text_column(table.column_names, text_column)
    texts = table.column(text_column).to_pylist()
    sources = (
        table.column(source_column).to_pylist()
        if source_column in table.column_names
        else [None] * len(texts)
    )
    for n, (t, s) in enumerate(zip(texts, sources, strict=True), rows_before + 1):
        if isinstance(t, str):
            yield n, s if isinstance(s, str) and s else None, t, None
        else:
            yield n, None, "" if t is None else str(t), f"{text_column!r} is not a string"


_LINES_SCHEMA = pa.schema(
    [
        ("file_index", pa.int32()),
        ("path", pa.string()),
        ("line", pa.int64()),
        ("source", pa.string()),
        ("log_message", pa.string()),
        ("input_error", pa.string()),
    ]
)


def _frame(file_index: int, path: str, rows: list[_Row]) -> pa.Table:
    n = len(rows)
    return pa.Table.from_arrays(
        [
            pa.array([file_index] * n, pa.int32()),
            pa.array([path] * n, pa.string()),
            pa.array([r[0] for r in rows], pa.int64()),
            pa.array([r[1] for r in rows], pa.string()),
            pa.array([r[2] for r in rows], pa.string()),
            pa.array([r[3] for r in rows], pa.string()),
        ],
        schema=_LINES_SCHEMA,
    )


def _output_format(out: str) -> str:
    lower = out.lower().rstrip("/")
    for ext, fmt in _OUTPUT_FORMATS.items():
        if lower.endswith(ext):
            return fmt
    raise InputError(f"{out}: output must end in .parquet, .jsonl, .ndjson or .json")
