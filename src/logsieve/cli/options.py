"""What the commands that build a sieve share: their flags, turned into Settings fields."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import LogsieveError

if TYPE_CHECKING:
    from ..degradation import StageProblem


class InputFormat(StrEnum):
    auto = "auto"
    text = "text"
    csv = "csv"
    jsonl = "jsonl"


#: The input flags of every command that reads log files (classify, patterns).
InputFormatOption = Annotated[
    InputFormat,
    typer.Option(
        "--input-format", help="Input format (auto: by extension, else by the first line)."
    ),
]
TextColumnOption = Annotated[str, typer.Option(help="CSV/JSONL text column.")]


def sieve_overrides(taxonomy: str | None, model: Path | None, no_llm: bool) -> dict[str, Any]:
    """Settings fields for --taxonomy, --model and --no-llm (unset flags keep the defaults)."""
    overrides: dict[str, Any] = {}
    if taxonomy:
        overrides["taxonomy"] = taxonomy
    if model:
        overrides["model_dir"] = model
    if no_llm:
        overrides["llm_enabled"] = False
    return overrides


#: Exit status of a run refused by --strict because a stage cannot run.
EXIT_DEGRADED = 3


def announce_degradation(
    problems: list[StageProblem], *, strict: bool, close: Callable[[], None] = lambda: None
) -> list[StageProblem]:
    """Warn once on stderr for each stage meant to run that cannot (the sieve's
    ``problems()``, after ``check_llm()`` has probed a configured LLM); with ``strict``,
    refuse to run degraded (``close``, then exit 3). Returns the problems, for the summary
    to repeat."""
    for problem in problems:
        typer.echo(f"logsieve: warning: {problem.message()}", err=True)
    if problems and strict:
        typer.echo("logsieve: --strict: not running with a stage missing", err=True)
        close()
        raise typer.Exit(EXIT_DEGRADED)
    return problems


def report_input_problem(name: str, exc: LogsieveError | OSError) -> None:
    """One input that could not be read (bad file, bad record): said on stderr, naming the
    input; the command goes on with the next one and counts it for its exit status."""
    detail = exc.strerror or exc if isinstance(exc, OSError) else exc
    typer.echo(f"logsieve: {name}: {detail}", err=True)
