"""``logsieve classify``: classify a file or stream of log lines, streaming, in constant memory."""

from __future__ import annotations

import json
import os
import queue
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, BinaryIO, TextIO

import typer

from ..build import build_sieve
from ..degradation import StageProblem
from ..errors import LogsieveError
from ..inputs import Record, open_records, read_records
from ..records import LineFormat
from ..result import Result
from ..settings import Settings
from ..tally import Tally
from .options import (
    EXIT_DEGRADED,
    InputFormat,
    InputFormatOption,
    TextColumnOption,
    announce_degradation,
    report_input_problem,
    sieve_overrides,
)


class OutputFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


class Engine(StrEnum):
    local = "local"
    ray = "ray"


#: Lines per sieve batch by default.
_BATCH_LINES = 512
#: Lines per sieve batch of a file when the LLM takes several templates per request: the new
#: templates of a batch are asked about together, and on the 1M-line replay a batch of 512
#: lines seldom holds more than one (829 requests per million lines with 16 per request,
#: 40 with 32,768-line batches and 64: docs/llm.md).
_GATHER_LINES = 32_768
#: Sieve batches per block handed to a worker process, and the lines a block need not pass
#: (one batch of 32,768 lines is a block of its own).
_BATCHES_PER_BLOCK = 8
_BLOCK_LINES = _BATCHES_PER_BLOCK * _BATCH_LINES


def classify(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(help="Files to classify; '-' or nothing reads standard input."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here, not stdout.")] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.jsonl,
    input_format: InputFormatOption = InputFormat.auto,
    taxonomy: Annotated[
        str | None,
        typer.Option(
            "--taxonomy",
            "-t",
            help="Built-in taxonomy name or a YAML path (default: the "
            "--model directory's own, else standard).",
        ),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Directory of a trained head (default: the shipped one)."),
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option("--cache", help="Template cache file: loaded at start, saved at the end."),
    ] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Never call an LLM.")] = False,
    batch_size: Annotated[
        int | None,
        typer.Option(
            min=1,
            help=f"Lines per sieve batch (default {_BATCH_LINES:,}; {_GATHER_LINES:,} for "
            "files when the LLM is asked about several templates per request, LLM_BATCH_SIZE > 1, "
            "so that each request gathers them).",
        ),
    ] = None,
    text_col: TextColumnOption = "log_message",
    source_col: Annotated[str, typer.Option(help="CSV/JSONL source column.")] = "source",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no summary.")] = False,
    embed_timeout: Annotated[
        float,
        typer.Option(
            help="Deadline of one encoder call in seconds. Batch runs queue work, so the service's "
            "4 s would only turn a busy machine into lost decisions."
        ),
    ] = 300.0,
    engine: Annotated[
        Engine,
        typer.Option(
            help="local: this process; ray: Ray Data over a cluster (or local Ray), --out needed."
        ),
    ] = Engine.local,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            help="Processes classifying at once (default: this machine's "
            "cores for files of 8 MB or more, else 1); with --engine ray, Ray workers (default "
            "2). Standard input and --follow are read by one process.",
        ),
    ] = None,
    llm_budget: Annotated[
        int | None,
        typer.Option(
            help="With --engine ray: total LLM calls allowed across workers (default: no LLM)."
        ),
    ] = None,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            "-F",
            help="Follow the one file given, like `tail -F`: read it, then "
            "classify lines as they are appended, across rotation, until interrupted.",
        ),
    ] = False,
    flush_ms: Annotated[
        float,
        typer.Option(
            min=0,
            help="Standard input: the longest a line waits for its batch before it is "
            "classified and written (a `tail -f` pipe gets answers as lines arrive).",
        ),
    ] = 200.0,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit 3 before classifying when a stage cannot run (no encoder, "
            "no head, LLM configured but unreachable) instead of warning and going on; exit 3 "
            "at the end when the LLM left lines unanswered during the run.",
        ),
    ] = False,
) -> None:
    """Classify log lines (text, CSV with source,log_message, or JSONL) into JSONL or CSV."""
    overrides = sieve_overrides(taxonomy, model, no_llm)
    if cache:
        overrides["cache_path"] = cache
    # (a batch run waits for the encoder rather than abandoning calls: Settings.for_batch)
    overrides["embed_timeout_s"] = embed_timeout
    if engine is Engine.ray:
        _classify_on_ray(
            inputs,
            out,
            overrides,
            workers or 2,
            batch_size or _BATCH_LINES,
            llm_budget,
            text_col,
            source_col,
            quiet,
        )
        return
    if follow and (not inputs or len(inputs) != 1 or inputs[0] == "-"):
        typer.echo("logsieve: --follow follows one file: logsieve classify --follow FILE", err=True)
        raise typer.Exit(2)
    try:
        settings = Settings(**overrides).for_batch(embed_timeout_s=embed_timeout)
    except LogsieveError as exc:
        typer.echo(f"logsieve: {exc}", err=True)
        raise typer.Exit(2) from exc
    # A bar with a total and an ETA when every input is a file of known size (bytes read, so
    # a gzip file counts its compressed bytes); a count of lines otherwise (a stream).
    sizes = _input_sizes(inputs) if not follow else None
    processes = _processes(workers, sizes)
    batch_lines = batch_size or _BATCH_LINES  # streams: their lines should not wait long
    files_batch = batch_size or (_GATHER_LINES if _llm_takes_batches(settings) else _BATCH_LINES)
    if processes > 1:
        assert inputs and sizes is not None
        _classify_in_processes(
            inputs,
            sizes,
            out,
            fmt,
            settings,
            processes,
            files_batch,
            input_format,
            text_col,
            source_col,
            quiet,
            strict,
        )
        return
    try:
        sieve = build_sieve(settings)
    except LogsieveError as exc:
        typer.echo(f"logsieve: {exc}", err=True)
        raise typer.Exit(2) from exc
    sieve.check_llm()
    missing_stages = announce_degradation(sieve.problems(), strict=strict, close=sieve.close)
    _warn_rejected(settings, sieve.cache)

    sink: BinaryIO = out.open("wb") if out else sys.stdout.buffer
    writer = _Writer(sink, fmt)
    summary = _Summary()
    problems = 0
    progress = _progress(quiet, sum(sizes.values()) if sizes else None)
    read_before = 0  # bytes of the inputs already finished
    # A followed file ends with Ctrl-C. The signal only raises a flag, read between chunks: a
    # KeyboardInterrupt raised anywhere (inside a lock the sieve holds while it classifies)
    # could leave that lock taken, and the save on the way out would then wait forever. A
    # second Ctrl-C interrupts as usual.
    stop = _Stop() if follow or not inputs or "-" in inputs else None
    stack = ExitStack()  # the input file being read (closed after each)
    try:
        for name in inputs or ["-"]:
            try:
                streaming = name == "-" or follow
                position: Callable[[], int] | None = None
                if streaming:
                    records = open_records(
                        name, input_format.value, text_col, source_col, follow=follow
                    )
                else:
                    opened = stack.enter_context(open(name, "rb"))  # noqa: SIM115
                    if sizes:  # regular files only: a FIFO named as an input cannot tell()
                        position = opened.tell
                    records = read_records(opened, input_format.value, name, text_col, source_col)
                chunks = (
                    _timed_chunks(records, batch_lines, flush_ms / 1000, stop)
                    if streaming
                    else _chunks(records, files_batch)
                )
                for chunk in chunks:
                    for rec in chunk:
                        problems += _said(name, rec, settings.max_line_chars)
                    results = sieve.classify_batch([(r.text, r.source) for r in chunk])
                    for rec, res in zip(chunk, results, strict=True):
                        writer.write(name, rec, res)
                        summary.add(res)
                    if streaming:
                        writer.flush()
                    progress(
                        summary.lines, read_before + position() if position is not None else None
                    )
                if sizes:
                    read_before += sizes.get(name, 0)
            except KeyboardInterrupt:
                if not follow:
                    raise
                break  # the way a followed file ends: summary, exit status as usual
            except (LogsieveError, OSError) as exc:
                problems += 1
                report_input_problem(name, exc)
            stack.close()
            if stop is not None and stop.asked:
                break
    finally:
        stack.close()
        if stop is not None:
            stop.restore()
        progress(None)
        writer.close()
        if out:
            sink.close()
        sieve.close()  # saves the template cache when --cache is given
    try:
        _report(
            summary,
            problems,
            quiet,
            strict,
            sieve.llm is not None,
            sieve.cache.stats(),
            missing_stages,
        )
        status = 0
    except typer.Exit as exc:
        status = exc.exit_code
    if status == 0 and stop is not None and stop.asked and not follow:
        status = 130  # an interrupted stream, as a shell reports one
    if any(t.name == _READER and t.is_alive() for t in threading.enumerate()):
        # Ctrl-C on a stream whose input is still open: the reader thread is blocked in a
        # read holding stdin's lock, and the interpreter's shutdown would wait on it.
        # Everything is written and saved by now, so end here.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    if status:
        raise typer.Exit(status)


def _processes(workers: int | None, sizes: dict[str, int] | None) -> int:
    """How many processes classify: one for a stream (stdin, a pipe, --follow: lines are
    answered as they come); ``workers`` when asked; else every core for input large enough
    to pay for starting them (a sieve each: about a second and 150 MB)."""
    if sizes is None:
        return 1
    if workers is not None:
        return workers
    return _cores() if sum(sizes.values()) >= _PARALLEL_FROM_BYTES else 1


#: Input size from which ``--workers`` defaults to every core.
_PARALLEL_FROM_BYTES = 8 * 1024 * 1024


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _said(name: str, rec: Record, max_chars: int) -> int:
    """Say what is wrong with a record (unreadable bytes, too long); 1 if anything, else 0."""
    n = 0
    if rec.error:
        n = 1
        typer.echo(f"logsieve: {name}: line {rec.line}: {rec.error}", err=True)
    if len(rec.text) > max_chars:
        n = 1
        typer.echo(
            f"logsieve: {name}: line {rec.line}: {len(rec.text):,} characters, "
            f"classified on the first {max_chars:,}",
            err=True,
        )
    return n


def _warn_rejected(settings: Settings, cache: Any) -> None:
    if cache.rejected:  # bad entries of the cache file: dropped, and said
        typer.echo(
            f"logsieve: warning: {settings.cache_path}: {cache.rejected} bad "
            f"cache entries dropped, not used (e.g. {cache.rejections()[0]})",
            err=True,
        )


def _classify_in_processes(
    inputs: list[str],
    sizes: dict[str, int],
    out: Path | None,
    fmt: OutputFormat,
    settings: Settings,
    workers: int,
    batch_size: int,
    input_format: InputFormat,
    text_col: str,
    source_col: str,
    quiet: bool,
    strict: bool,
) -> None:
    """``classify`` on every core (engines.processes): this process reads the files and
    writes the lines the workers return, in order."""
    from ..engines.processes import Block, ProcessPool

    pool = ProcessPool(settings, fmt.value, workers, batch_size)
    try:
        info = pool.start()
    except LogsieveError as exc:
        pool.close(save=False)
        typer.echo(f"logsieve: {exc}", err=True)
        raise typer.Exit(2) from exc
    missing_stages = announce_degradation(
        info.problems, strict=strict, close=lambda: pool.close(save=False)
    )
    assert pool.cache is not None
    _warn_rejected(settings, pool.cache)
    problems = 0

    def blocks() -> Iterator[Block]:
        nonlocal problems
        read_before = 0
        for name in inputs:
            try:
                with open(name, "rb") as f:
                    records = read_records(f, input_format.value, name, text_col, source_col)
                    for chunk in _chunks(records, _block_lines(batch_size)):
                        for rec in chunk:
                            problems += _said(name, rec, settings.max_line_chars)
                        yield Block(
                            name,
                            [(r.line, r.text, r.source, r.error) for r in chunk],
                            read_before + f.tell(),
                        )
            except (LogsieveError, OSError) as exc:
                problems += 1
                report_input_problem(name, exc)
            read_before += sizes.get(name, 0)

    sink: BinaryIO = out.open("wb") if out else sys.stdout.buffer
    writer = _Writer(sink, fmt)
    summary = _Summary()
    progress = _progress(quiet, sum(sizes.values()))
    interrupted = False
    try:
        for finished in pool.run(blocks()):
            sink.write(b"".join(finished.output))
            summary.tally.merge(finished.tally)
            progress(summary.lines, finished.position)
    except KeyboardInterrupt:
        interrupted = True
    except LogsieveError as exc:  # a block that killed its workers
        problems += 1
        typer.echo(f"logsieve: {exc}", err=True)
    finally:
        progress(None)
        writer.close()
        if out:
            sink.close()
        pool.close(now=interrupted)
    if interrupted:
        raise typer.Exit(130)
    _report(summary, problems, quiet, strict, info.has_llm, pool.cache.stats(), missing_stages)


def _llm_takes_batches(settings: Settings) -> bool:
    """True when an LLM is configured and asked about several templates per request."""
    return settings.llm_enabled and settings.llm_configured and (settings.llm_batch_size or 1) > 1


def _block_lines(batch_size: int) -> int:
    """_BATCHES_PER_BLOCK sieve batches, fewer (at least one) when that passes
    _BLOCK_LINES."""
    return batch_size * max(1, min(_BATCHES_PER_BLOCK, _BLOCK_LINES // batch_size))


def _report(
    summary: _Summary,
    problems: int,
    quiet: bool,
    strict: bool,
    has_llm: bool,
    cache_stats: dict[str, Any],
    missing_stages: list[StageProblem],
) -> None:
    """The summary and warnings on stderr; typer.Exit with the run's exit status."""
    err = sys.stderr
    if summary.lines == 0:
        if not problems:
            typer.echo("logsieve: no log lines to classify (empty input)", err=True)
        raise typer.Exit(1)
    if not quiet:
        summary.print(err, cache_stats, missing_stages)
    # Said even with -q: answers that are fallbacks because a stage failed during the run
    # (an LLM killed or timing out after the start-up probe), and lines that were not text.
    unanswered = summary.tally.undecided - summary.tally.not_text
    if has_llm and unanswered:
        typer.echo(
            f"logsieve: warning: {unanswered:,} of {summary.lines:,} lines got no usable "
            "answer from the LLM (failed, timed out, refused by its breaker or out of "
            "the label set) and were given the routine default or the fallback label; "
            "each line's journey says why",
            err=True,
        )
    if summary.tally.not_text:
        typer.echo(
            f"logsieve: warning: {summary.tally.not_text:,} lines are not log text "
            "(empty or binary) and were answered UNCLASSIFIED without asking a model",
            err=True,
        )
    if problems:
        raise typer.Exit(1)
    if strict and has_llm and unanswered:
        raise typer.Exit(EXIT_DEGRADED)


def _classify_on_ray(
    inputs: list[str] | None,
    out: Path | None,
    overrides: dict[str, Any],
    workers: int,
    batch_size: int,
    llm_budget: int | None,
    text_col: str,
    source_col: str,
    quiet: bool,
) -> None:
    if not inputs or "-" in inputs or out is None:
        typer.echo(
            "logsieve: --engine ray reads files (not stdin) and needs --out (.parquet or .jsonl)",
            err=True,
        )
        raise typer.Exit(2)
    try:
        from ..engines.ray import classify_files
    except ImportError as exc:
        typer.echo(
            f"logsieve: --engine ray needs Ray: pip install 'logsieve[ray]' ({exc})", err=True
        )
        raise typer.Exit(2) from exc
    try:
        summary = classify_files(
            list(inputs),
            str(out),
            Settings(**overrides),
            workers=workers,
            batch_size=batch_size,
            llm_budget=llm_budget,
            text_column=text_col,
            source_column=source_col,
        )
    except LogsieveError as exc:
        typer.echo(f"logsieve: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not quiet:
        typer.echo(json.dumps(summary, indent=2, default=str), err=True)
    if summary.get("input_errors"):
        raise typer.Exit(1)


#: The name of the thread that reads a streamed input.
_READER = "logsieve-stdin"


class _Stop:
    """SIGINT as a flag (see ``classify``): the first Ctrl-C asks to stop, a second one
    interrupts; ``restore`` puts the previous handler back."""

    def __init__(self) -> None:
        self.asked = False
        self._previous = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: object) -> None:
        if self.asked:
            raise KeyboardInterrupt
        self.asked = True

    def restore(self) -> None:
        signal.signal(signal.SIGINT, self._previous)


def _timed_chunks(
    records: Iterator[Record], size: int, wait_s: float, stop: _Stop | None = None
) -> Iterator[list[Record]]:
    """Chunks of at most ``size`` records, each yielded at most ``wait_s`` after its first
    record arrived: for a stream (a pipe held open by ``tail -f``) lines are answered as they
    come, not when 512 have gathered or the pipe closes. A reader thread blocks on the input;
    its bounded queue keeps memory constant and order is kept (one reader, one consumer).
    With ``stop``, the chunks end once it is asked (the lines read so far are answered)."""
    inbox: queue.Queue[Any] = queue.Queue(maxsize=4 * size)
    end = object()

    def first() -> Any:
        while True:
            if stop is not None and stop.asked:
                return end
            try:
                return inbox.get(timeout=0.2 if stop is not None else None)
            except queue.Empty:
                continue

    def read() -> None:
        # SIGINT must reach the main thread: one the kernel hands to this thread would not
        # wake the main thread's wait on the queue, and Ctrl-C would go unanswered.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for rec in records:
                inbox.put(rec)
        except BaseException as exc:  # handed to the consumer, raised there
            inbox.put(exc)
        inbox.put(end)

    threading.Thread(target=read, name=_READER, daemon=True).start()
    while True:
        item = first()
        chunk: list[Record] = []
        deadline = time.monotonic() + wait_s
        while item is not end and not isinstance(item, BaseException):
            chunk.append(item)
            if len(chunk) >= size:
                break
            left = deadline - time.monotonic()
            try:
                item = inbox.get(timeout=left) if left > 0 else inbox.get_nowait()
            except queue.Empty:
                break
        else:
            if chunk:
                yield chunk
            if isinstance(item, BaseException):
                raise item
            return
        yield chunk


def _chunks(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for rec in records:
        chunk.append(rec)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Writer:
    """The output: a header, then each answer's line (records.LineFormat), as bytes."""

    def __init__(self, sink: BinaryIO, fmt: OutputFormat) -> None:
        self.sink = sink
        self.lines = LineFormat(fmt.value)
        sink.write(self.lines.header())

    def write(self, path: str, rec: Record, res: Result) -> None:
        self.sink.write(self.lines.line(res, path=path, line=rec.line, error=rec.error))

    def flush(self) -> None:
        self.sink.flush()

    def close(self) -> None:
        self.sink.flush()


class _Summary:
    """The run's tally and how long it took, printed at the end."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.tally = Tally()

    @property
    def lines(self) -> int:
        return self.tally.lines

    def add(self, res: Result) -> None:
        self.tally.add(res)

    def print(self, err: TextIO, cache_stats: dict[str, Any], problems: list[StageProblem]) -> None:
        dt = time.perf_counter() - self.t0
        t = self.tally
        n = t.lines
        print(f"\n{n:,} lines in {dt:.2f} s ({n / dt if dt else 0:,.0f} lines/s)", file=err)
        print("labels:", file=err)
        for label, c in t.labels.most_common():
            print(f"  {label:<32} {c:>10,}  {c / n:6.1%}", file=err)
        print("decided by:", file=err)
        for stage, c in t.stages.most_common():
            print(f"  {stage:<32} {c:>10,}  {c / n:6.1%}", file=err)
        # Repeats inside a batch share one decision without a cache hit, so the cache's hit
        # rate undersells reuse: say how many distinct templates the lines past the rules had.
        past_rules = t.past_rules
        new = t.distinct_templates
        reused = past_rules - new
        print(
            f"templates: {past_rules:,} lines past the rules, {new:,} distinct, "
            f"{reused:,} lines ({reused / past_rules if past_rules else 0:.1%}) answered "
            f"from a template already decided; the cache holds {cache_stats['size']:,}",
            file=err,
        )
        for problem in problems:
            print(f"degraded: {problem.message()}", file=err)


def _input_sizes(inputs: list[str] | None) -> dict[str, int] | None:
    """Each input's size in bytes, or None when any is a stream (stdin, a pipe, a FIFO):
    then a run has no total to show."""
    if not inputs or "-" in inputs:
        return None
    sizes: dict[str, int] = {}
    for name in inputs:
        try:
            st = os.stat(name)
        except OSError:
            continue  # said when it is opened; it adds nothing to read
        if not stat.S_ISREG(st.st_mode):
            return None
        sizes[name] = st.st_size
    return sizes


#: ``update(lines, bytes_read)``; ``update(None)`` ends it
Progress = Callable[..., None]


def _progress(quiet: bool, total_bytes: int | None = None) -> Progress:
    """A progress line on a terminal (stderr), nothing otherwise: with ``total_bytes`` a bar,
    the share read, the lines so far, the time taken and an ETA; without, a spinner and the
    lines so far."""
    if quiet or not sys.stderr.isatty():
        return lambda *_: None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    lines = TextColumn("{task.fields[lines]:,} lines")
    columns = (
        (
            BarColumn(),
            TaskProgressColumn(),
            lines,
            DownloadColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        )
        if total_bytes
        else (SpinnerColumn(), lines, TimeElapsedColumn())
    )
    # (on stderr: rich's default console is stdout, which holds the results)
    bar = Progress(*columns, transient=True, console=Console(stderr=True))
    task = bar.add_task("classify", total=total_bytes or None, lines=0)
    bar.start()

    def update(n: int | None, read: int | None = None) -> None:
        if n is None:
            bar.stop()
        elif read is not None and total_bytes:
            bar.update(task, completed=min(read, total_bytes), lines=n)
        else:
            bar.update(task, lines=n)

    return update
