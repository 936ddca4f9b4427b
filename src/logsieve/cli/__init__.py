"""The ``logsieve`` command line: a thin face over the core.

logsieve classify app.log            # JSONL results with journeys on stdout
logsieve serve                       # the HTTP service
logsieve generate --count 1000       # the synthetic corpus
logsieve train --data labelled.csv --out my-head
logsieve evaluate --data labelled.csv --json
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .classify import classify
from .evaluate import evaluate
from .generate import generate
from .patterns import patterns
from .serve import serve
from .train import train

app = typer.Typer(
    name="logsieve",
    help="Classify log lines: rules, then a sentence-embedding head, then an LLM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help: typer's rich help shows every flag as "--no-llm <bool>"
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from logsieve import __version__

        typer.echo(f"logsieve {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Classify log lines: rules, then a sentence-embedding head, then an LLM."""


app.command("classify")(classify)
app.command("serve")(serve)
app.command("generate")(generate)
app.command("train")(train)
app.command("evaluate")(evaluate)
app.command("patterns")(patterns)


def main() -> None:
    from pydantic import ValidationError

    try:
        app()
    except ValidationError as exc:
        # settings from the environment or .env that do not validate: say which, not a
        # traceback (a flag's own bad value is typer's usage error, also exit 2)
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ())) or exc.title
            sys.stderr.write(f"logsieve: configuration: {where}: {err.get('msg', '')}\n")
        raise SystemExit(2) from None
