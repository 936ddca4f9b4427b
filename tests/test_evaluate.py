"""Evaluating the whole sieve on labelled lines (the shipped standard head, no LLM)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logsieve.build import build_sieve
from logsieve.cli import app
from logsieve.corpus import generate
from logsieve.errors import InputError
from logsieve.evaluate import evaluate_sieve, format_report
from logsieve.settings import Settings
from logsieve.train import LabelledRow

runner = CliRunner()


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A seed the shipped head was not trained on, plus two rule lines.
    rows = [
        (ln.log_message, ln.target_label, ln.source) for ln in generate("standard", 48, seed=987)
    ]
    rows += [
        ("User User123 logged in.", "User Action", "ModernCRM"),
        ("Backup completed successfully.", "BACKUP", "BillingSystem"),
    ]
    path = tmp_path_factory.mktemp("eval") / "labelled.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["log_message", "target_label", "source"])
        w.writerows(rows)
    return path


def test_cli_json_report(labelled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGSIEVE_EMBED_TIMEOUT_S", "300")  # a busy CI machine must not time out
    result = runner.invoke(
        app, ["evaluate", "--data", str(labelled), "--taxonomy", "standard", "--no-llm", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in (
        "accuracy",
        "macro_f1",
        "per_label",
        "per_stage",
        "lines",
        "confusion_matrix",
        "unclassified_rate",
        "llm_calls",
        "lines_per_second",
    ):
        assert key in report
    assert report["lines"] == 50
    assert sum(s["lines"] for s in report["per_stage"].values()) == 50
    assert report["per_stage"]["regex"]["lines"] >= 2
    assert report["per_stage"]["regex"]["accuracy"] == 1.0
    assert report["llm_calls"] == 0
    matrix = report["confusion_matrix"]
    assert sum(map(sum, matrix)) == 50
    # The diagonal is exactly the lines classified right.
    assert sum(matrix[i][i] for i in range(len(matrix))) == round(report["accuracy"] * 50)
    assert report["per_label"]["USER_ACTION"]["support"] == 7  # 6 generated + 1 rule line
    # A head trained on the corpus should get most unseen corpus lines right.
    assert report["accuracy"] >= 0.7, report


def test_report_counts_fallback_and_table(labelled: Path) -> None:
    sieve = build_sieve(Settings(taxonomy="standard", llm_enabled=False, embedding_enabled=False))
    try:
        rows = [
            LabelledRow(2, "User alice logged in", "USER_ACTION"),
            LabelledRow(3, "PostgreSQL deadlock detected", "DB_ERROR"),
            LabelledRow(4, "something odd", "INFO"),
        ]
        report = evaluate_sieve(sieve, rows)
    finally:
        sieve.close()
    # No head, no LLM: the rule line is right; of the rest, the line with a problem cue
    # (deadlock) falls back, the one without gets the routine default (INFO).
    assert report["per_stage"] == {
        "none": {"lines": 2, "share": 0.6667, "accuracy": 0.5},
        "regex": {"lines": 1, "share": 0.3333, "accuracy": 1.0},
    }
    assert report["unclassified_rate"] == 0.3333
    assert report["accuracy"] == 0.6667
    assert report["per_label"]["DB_ERROR"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 1,
    }
    table = format_report(report)
    assert "macro-F1" in table and "DB_ERROR" in table and "regex" in table


def test_unknown_label_is_an_error() -> None:
    sieve = build_sieve(Settings(taxonomy="standard", llm_enabled=False, embedding_enabled=False))
    try:
        with pytest.raises(InputError, match="line 7: label 'Nope'"):
            evaluate_sieve(sieve, [LabelledRow(7, "x", "Nope")])
    finally:
        sieve.close()


def test_cli_missing_column(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("message,label\na,b\n")
    result = runner.invoke(app, ["evaluate", "--data", str(tmp_path / "x.csv"), "--no-llm"])
    assert result.exit_code == 2
    assert "columns found: message, label" in result.output
