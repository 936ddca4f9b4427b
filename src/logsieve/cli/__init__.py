"""The ``logsieve`` command line: a thin face over the core.

    logsieve classify app.log            # JSONL results with journeys on stdout
    logsieve serve                       # the HTTP service
    logsieve generate --count 1000       # the synthetic corpus
    logsieve train --data labelled.csv --out my-head
    logsieve evaluate --data labelled.csv --json
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="logsieve",
    help="Classify log lines: rules, then a sentence-embedding head, then an LLM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def _root() -> None:
    """Classify log lines: rules, then a sentence-embedding head, then an LLM."""


# (command name, module under logsieve.cli, function in it)
COMMANDS = (
    ("classify", "classify", "classify"),
    ("serve", "serve", "serve"),
    ("generate", "generate", "generate"),
    ("train", "train", "train"),
    ("evaluate", "evaluate", "evaluate"),
)

for _name, _module, _func in COMMANDS:
    try:
        _mod = importlib.import_module(f"{__name__}.{_module}")
    except ModuleNotFoundError as _exc:  # a command whose module is not written yet
        if _exc.name != f"{__name__}.{_module}":
            raise
        continue
    app.command(_name)(getattr(_mod, _func))


def main() -> None:
    app()
