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
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import ray
import ray.data
from ray.data.block import BlockAccessor
from ray.data.datasource import BlockBasedFileDatasink, FilenameProvider

from ..errors import InputError, StageError, StageUnavailable
from ..records import arrow_columns, json_line, record
from ..settings import Settings

if TYPE_CHECKING:
    from ..result import Result
    from ..sieve import Sieve

__all__ = ["RESULT_COLUMNS", "classify_dataset", "classify_files", "read_log_files"]

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
    fields and serialization; their order is the files' (``files`` in the summary) and
    ``line`` within each.

    Returns ``{"lines", "labels", "stages", "seconds", "lines_per_s", "files", "out",
    "workers", "input_errors", "cache_hits", "cache_misses", "llm_calls",
    "lines_per_worker"}``.
    """
    fmt = _output_format(out)
    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False)
    t0 = time.perf_counter()
    ds, files = read_log_files(inputs, text_column=text_column, source_column=source_column)
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
def read_log_files(
    inputs: list[str], *, text_column: str = "log_message", source_column: str = "source"
) -> tuple[ray.data.Dataset, list[str]]:
    """A Dataset of log lines from files: columns file_index, path, line, source,
    log_message, input_error. Returns it with the expanded file list (file_index → path).

    Text, CSV and JSONL are parsed exactly as ``logsieve classify`` parses them (same line
    numbers, same handling of bad rows); Parquet rows are numbered from 1.
    """
    files = _expand(inputs)
    if not files:
        raise InputError(f"no input files in {inputs}")
    index = {path: i for i, (_, path) in enumerate(files)}
    # Reading is I/O; with num_cpus=0 it never waits for a CPU that the classifying actors
    # hold (on a 2-CPU box, 2 actors hold both). Ray Data's object-store backpressure still
    # keeps it from running ahead.
    ds = ray.data.read_binary_files([uri for uri, _ in files], include_paths=True, num_cpus=0)
    # num_cpus=0 also keeps the parser from being fused into the classifying actors.
    # Parallelism is per file: Ray passes one file's lines to the actors as one input, so
    # one big file keeps one actor busy while the others wait (split or rotate big files).
    lines = ds.map_batches(
        _parse_files,  # type: ignore[arg-type]  # takes fn_kwargs
        fn_kwargs={"index": index, "text_column": text_column, "source_column": source_column},
        batch_size=1,
        batch_format="pyarrow",
        num_cpus=0,
    )
    return lines, [u for u, _ in files]


def _expand(inputs: list[str]) -> list[tuple[str, str]]:
    """(URI as given, filesystem path as Ray reports it) for every file, in input order."""
    out: list[tuple[str, str]] = []
    for uri in inputs:
        fs, path = (
            pafs.FileSystem.from_uri(uri)
            if "://" in uri
            else (pafs.LocalFileSystem(), _abspath(uri))
        )
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


def _abspath(p: str) -> str:
    return os.path.abspath(p)


def _parse_files(
    batch: pa.Table, index: dict[str, int], text_column: str, source_column: str
) -> Iterator[pa.Table]:
    """One file's bytes in, its log lines out, in blocks of ``_ROWS_PER_BLOCK`` lines."""
    from ..inputs import read_records

    for raw, path in zip(
        batch.column("bytes").to_pylist(), batch.column("path").to_pylist(), strict=True
    ):
        file_index = index.get(path, index.get(_abspath(path), -1))
        name = path[:-3] if path.endswith(".gz") else path
        data: bytes = gzip.decompress(raw) if path.endswith(".gz") else raw
        if name.lower().endswith(".parquet"):
            rows = _parquet_rows(data, text_column, source_column)
        else:
            rows = (
                (r.line, r.source, r.text, r.error)
                for r in read_records(io.BytesIO(data), "auto", name, text_column, source_column)
            )
        chunk: list[tuple[int, str | None, str, str | None]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= _ROWS_PER_BLOCK:
                yield _frame(file_index, path, chunk)
                chunk = []
        if chunk:
            yield _frame(file_index, path, chunk)


def _parquet_rows(
    data: bytes, text_column: str, source_column: str
) -> Iterator[tuple[int, str | None, str, str | None]]:
    table = pq.read_table(pa.BufferReader(data))
    if text_column not in table.column_names:
        raise InputError(
            f"Parquet file has no {text_column!r} column (columns: {', '.join(table.column_names)})"
        )
    texts = table.column(text_column).to_pylist()
    sources = (
        table.column(source_column).to_pylist()
        if source_column in table.column_names
        else [None] * len(texts)
    )
    for n, (t, s) in enumerate(zip(texts, sources, strict=True), 1):
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


def _frame(
    file_index: int, path: str, rows: list[tuple[int, str | None, str, str | None]]
) -> pa.Table:
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
