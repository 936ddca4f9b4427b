"""``logsieve generate``: write the offline synthetic corpus as CSV or JSONL, or, with
``--prompt``, a few log lines about a described situation (LLM if configured, else offline)."""

from __future__ import annotations

import csv
import json
import sys
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from ..corpus import generate as generate_corpus
from ..errors import LogsieveError

COLUMNS = ("log_message", "target_label", "source")


class OutputFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


def generate(
    taxonomy: Annotated[
        str, typer.Option(help="Built-in taxonomy: standard or openstack.")
    ] = "standard",
    count: Annotated[
        int | None,
        typer.Option(
            min=0, help="Number of lines, split evenly over labels (default 1000; 1 with --prompt)."
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Same seed, same output (default 0; random with --prompt).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output file (default: stdout).")] = None,
    format: Annotated[OutputFormat, typer.Option(help="csv or jsonl.")] = OutputFormat.csv,
    include_fallback: Annotated[
        bool, typer.Option(help="Add generic lines labelled with the fallback label.")
    ] = False,
    prompt: Annotated[
        str | None,
        typer.Option(help="Describe the lines to generate; uses the LLM if one is configured."),
    ] = None,
) -> None:
    """Generate a labelled synthetic log corpus (columns log_message, target_label, source).

    Example: logsieve generate --taxonomy openstack --count 20000 --seed 7 --out os.csv

    With --prompt, print --count lines about the situation instead, one per line, and say on
    stderr how they were made: logsieve generate --prompt "A network service timed out"
    """
    if prompt is not None:
        _generate_from_prompt(prompt, 1 if count is None else count, taxonomy, seed, out)
        return
    try:
        lines = generate_corpus(
            taxonomy, 1000 if count is None else count, seed or 0, include_fallback=include_fallback
        )
        with ExitStack() as stack:
            stream: TextIO = (
                stack.enter_context(out.open("w", encoding="utf-8", newline=""))
                if out is not None
                else sys.stdout
            )
            if format is OutputFormat.csv:
                writer = csv.writer(stream, lineterminator="\n")
                writer.writerow(COLUMNS)
                for line in lines:
                    writer.writerow((line.log_message, line.target_label, line.source))
            else:
                for line in lines:
                    record = {
                        "log_message": line.log_message,
                        "target_label": line.target_label,
                        "source": line.source,
                    }
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    except LogsieveError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc


def _generate_from_prompt(
    prompt: str, count: int, taxonomy: str, seed: int | None, out: Path | None
) -> None:
    from ..generation import generate_from_prompt
    from ..llm import build_llm_stage
    from ..settings import Settings
    from ..taxonomy import load_taxonomy

    if count < 1:
        raise typer.BadParameter("must be at least 1 with --prompt", param_hint="--count")
    try:
        tax = load_taxonomy(taxonomy)
        llm = build_llm_stage(Settings(), tax)
        result = generate_from_prompt(prompt, count, tax, llm=llm, seed=seed)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--prompt") from exc
    except LogsieveError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    text = "".join(line + "\n" for line in result.lines)
    if out is not None:
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    typer.echo(
        f"generated {len(result.lines)} line(s) by {result.method}: {result.detail}", err=True
    )
