"""``logsieve patterns``: the commonest templates of some files, with no model and no labels."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import LogsieveError
from ..inputs import open_records
from ..patterns import PatternCounter
from ..taxonomy import load_masking
from ..templates import MaskingRule, TemplateMasker
from .options import InputFormat, InputFormatOption, TextColumnOption, report_input_problem


class PatternFormat(StrEnum):
    auto = "auto"  # a table on a terminal, JSON otherwise
    table = "table"
    json = "json"
    csv = "csv"


def patterns(
    inputs: Annotated[
        list[str] | None, typer.Argument(help="Files to read; '-' or nothing reads standard input.")
    ] = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="How many patterns.")] = 20,
    fmt: Annotated[
        PatternFormat, typer.Option("--format", "-f", help="Output format.")
    ] = PatternFormat.auto,
    input_format: InputFormatOption = InputFormat.auto,
    text_col: TextColumnOption = "log_message",
    max_templates: Annotated[
        int,
        typer.Option(
            min=1, help="Distinct templates kept; lines of later new ones count as other."
        ),
    ] = 100_000,
    masking: Annotated[
        Path | None,
        typer.Option(
            "--masking",
            help="A YAML file with a 'masking:' list of {pattern, placeholder} "
            "(RE2; a taxonomy file works too), applied before the built-in masks.",
        ),
    ] = None,
) -> None:
    """The top templates of the input: count, share, first/last line, an example, and the
    kinds of value that vary. Needs no model: logsieve patterns /var/log/dpkg.log"""
    rules: tuple[MaskingRule, ...] = ()
    if masking is not None:
        try:
            rules = load_masking(masking)
        except LogsieveError as exc:
            typer.echo(f"logsieve: {exc}", err=True)
            raise typer.Exit(2) from exc
    counter = PatternCounter(max_templates=max_templates, masker=TemplateMasker(rules=rules))
    problems = 0
    for name in inputs or ["-"]:
        try:
            for rec in open_records(name, input_format.value, text_col, "source"):
                counter.add(name, rec.line, rec.text)
        except (LogsieveError, OSError) as exc:
            problems += 1
            report_input_problem(name, exc)
    if fmt is PatternFormat.auto:
        fmt = PatternFormat.table if sys.stdout.isatty() else PatternFormat.json
    report = counter.to_json(top)
    if fmt is PatternFormat.json:
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif fmt is PatternFormat.csv:
        w = csv.writer(sys.stdout)
        w.writerow(
            [
                "count",
                "share",
                "template",
                "first_file",
                "first_line",
                "last_file",
                "last_line",
                "example",
                "variables",
            ]
        )
        for p in report["patterns"]:
            w.writerow(
                [
                    p["count"],
                    p["share"],
                    p["template"],
                    p["first"]["file"],
                    p["first"]["line"],
                    p["last"]["file"],
                    p["last"]["line"],
                    p["example"],
                    " ".join(p["variables"]),
                ]
            )
    else:
        _table(report)
    if problems or counter.lines == 0:
        raise typer.Exit(1)


def _table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{report['lines']:,} lines, {report['templates']:,} templates"
        + (
            f", {report['other_lines']:,} lines past the template limit"
            if report["other_lines"]
            else ""
        )
    )
    for col, justify in (
        ("count", "right"),
        ("share", "right"),
        ("template", "left"),
        ("lines", "left"),
        ("example", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for p in report["patterns"]:
        table.add_row(
            f"{p['count']:,}",
            f"{p['share']:.1%}",
            p["template"],
            f"{p['first']['line']}–{p['last']['line']}",
            p["example"],
        )
    Console().print(table)
