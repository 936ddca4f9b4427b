"""``logsieve train``: fit a calibrated embedding head on your own labelled lines."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import LogsieveError
from ..train import (
    DEFAULT_C,
    DEFAULT_HOLDOUT,
    DEFAULT_LEXICAL,
    read_labelled,
    save_trained,
    train_head,
)


def train(
    data: Annotated[Path, typer.Option("--data", help="Labelled CSV (with header) or JSONL.")],
    out: Annotated[Path, typer.Option("--out", help="Directory to write the head into.")],
    taxonomy: Annotated[
        str | None,
        typer.Option(
            "--taxonomy",
            "-t",
            help="Built-in taxonomy or YAML path; default: labels from the "
            "data (a taxonomy.yaml is written next to the head).",
        ),
    ] = None,
    text_col: Annotated[str, typer.Option(help="Column with the log line.")] = "log_message",
    label_col: Annotated[
        str, typer.Option(help="Column with the label (id or name).")
    ] = "target_label",
    source_col: Annotated[str, typer.Option(help="Column with the source (optional).")] = "source",
    seed: Annotated[int, typer.Option(help="Held-out split and solver seed.")] = 0,
    c: Annotated[float, typer.Option("--c", help="Inverse regularization strength.")] = DEFAULT_C,
    holdout: Annotated[
        float, typer.Option(min=0.05, max=0.5, help="Share of distinct templates held out.")
    ] = DEFAULT_HOLDOUT,
    name: Annotated[
        str, typer.Option(help="Taxonomy name when labels come from the data.")
    ] = "custom",
    lexical: Annotated[
        bool,
        typer.Option(
            "--lexical/--no-lexical",
            help="Also weigh the words of each line (hashed word "
            "features beside the embedding, one logistic regression over both).",
        ),
    ] = True,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Embedding cache directory (default ~/.cache/logsieve/embeddings)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the head already in --out.")
    ] = False,
) -> None:
    """Train an embedding head: logsieve train --data labelled.csv --out my-head.

    Then classify with it (the directory carries its taxonomy): logsieve classify --model
    my-head FILE
    """

    def say(msg: str) -> None:
        if not json_out:
            typer.echo(msg, err=True)

    if (out / "head.json").exists() and not force:
        typer.echo(
            f"logsieve: {out} already holds a trained head (head.json); pass --force "
            "to replace it, or choose another --out",
            err=True,
        )
        raise typer.Exit(2)
    try:
        rows = read_labelled(data, text_col, label_col, source_col)
        say(f"{len(rows):,} labelled lines from {data}")
        trained = train_head(
            rows,
            taxonomy,
            cache_dir=cache_dir,
            seed=seed,
            c=c,
            holdout=holdout,
            taxonomy_name=name,
            lexical=DEFAULT_LEXICAL if lexical else None,
            progress=say,
        )
        save_trained(trained, out)
    except LogsieveError as exc:
        typer.echo(f"logsieve: {exc}", err=True)
        raise typer.Exit(2) from exc
    m = trained.metrics
    if json_out:
        json.dump(
            {
                "out": str(out),
                "taxonomy": trained.taxonomy.name,
                "lexical": trained.head.lexical.spec.to_json()
                if trained.head.lexical is not None
                else None,
                "taxonomy_hash": trained.taxonomy.content_hash,
                "labels_hash": trained.taxonomy.labels_hash,
                "held_out": m,
                "n_per_class": trained.n_per_class,
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
        return
    features = "embedding + words" if trained.head.uses_texts else "embedding only"
    typer.echo(
        f"held-out ({m['templates']:,} unseen templates, {features}): "
        f"accuracy {m['accuracy']:.4f}, "
        f"macro-F1 {m['macro_f1']:.4f}; at threshold {m['threshold']}: "
        f"{m['coverage_at_threshold']:.1%} answered, "
        f"{(m['accuracy_at_threshold'] or 0):.1%} of them right "
        f"(temperature {m['temperature']})"
    )
    for label, s in m["per_label"].items():
        typer.echo(f"  {label:<32} f1 {s['f1']:.3f}  support {s['support']}")
    files = "head.npz, head.json" + (", taxonomy.yaml" if (out / "taxonomy.yaml").is_file() else "")
    typer.echo(f"saved to {out}/ ({files})")
    typer.echo(f"classify with: logsieve classify --model {out} FILE")
