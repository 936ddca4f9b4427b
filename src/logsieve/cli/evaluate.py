"""``logsieve evaluate``: run the whole sieve on labelled lines and measure it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..build import build_sieve
from ..errors import LogsieveError
from ..settings import Settings
from .options import announce_degradation, sieve_overrides


def evaluate(
    data: Annotated[Path, typer.Option("--data", help="Labelled CSV (with header) or JSONL.")],
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
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Never call an LLM.")] = False,
    text_col: Annotated[str, typer.Option(help="Column with the log line.")] = "log_message",
    label_col: Annotated[str, typer.Option(help="Column with the true label.")] = "target_label",
    source_col: Annotated[str, typer.Option(help="Column with the source.")] = "source",
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 3 when a stage cannot run instead of warning.")
    ] = False,
) -> None:
    """Measure the sieve on labelled data: logsieve evaluate --data labelled.csv [--json]."""
    overrides = sieve_overrides(taxonomy, model, no_llm)
    try:
        # (imported here: every command starts faster when one does not import the others)
        from ..evaluate import evaluate_sieve, format_report
        from ..train import read_labelled

        rows = read_labelled(data, text_col, label_col, source_col)
        sieve = build_sieve(Settings(**overrides))
        sieve.check_llm()
        problems = announce_degradation(sieve.problems(), strict=strict, close=sieve.close)
        try:
            report = evaluate_sieve(sieve, rows)
            # (the figures of a degraded sieve are not the model's: say so beside them)
            report["degraded"] = [p.to_json() for p in problems]
        finally:
            sieve.close()
    except LogsieveError as exc:
        typer.echo(f"logsieve: {exc}", err=True)
        raise typer.Exit(2) from exc
    if json_out:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        typer.echo(format_report(report))
        for problem in problems:
            typer.echo(f"degraded: {problem.message()}")
