"""``logsieve generate``: write the offline synthetic corpus as CSV or JSONL."""

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
        int, typer.Option(min=0, help="Number of lines, split evenly over labels.")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Same seed, same output.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Output file (default: stdout).")] = None,
    format: Annotated[OutputFormat, typer.Option(help="csv or jsonl.")] = OutputFormat.csv,
    include_fallback: Annotated[
        bool, typer.Option(help="Add generic lines labelled with the fallback label.")
    ] = False,
    prompt: Annotated[
        str | None, typer.Option(help="Describe the lines to generate (needs an LLM; later).")
    ] = None,
) -> None:
    """Generate a labelled synthetic log corpus (columns log_message, target_label, source).

    Example: ``logsieve generate --taxonomy openstack --count 20000 --seed 7 --out os.csv``
    """
    if prompt is not None:
        raise typer.BadParameter(
            "prompt-based generation is not yet available", param_hint="--prompt"
        )
    try:
        lines = generate_corpus(taxonomy, count, seed, include_fallback=include_fallback)
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
