"""Evaluating the whole sieve on labelled lines: how right it is, and which stage answered.

``evaluate_sieve`` runs ``Sieve.classify_batch`` over labelled rows and reports accuracy,
macro-F1, precision/recall/F1/support per label, the confusion matrix, the share and accuracy
of each stage, the fallback (UNCLASSIFIED) rate, LLM calls and lines per second. The report is
a plain dict (JSON-ready); ``format_report`` renders it as a table for a terminal.

    >>> from logsieve.build import build_sieve
    >>> from logsieve.train import read_labelled, resolve_labels
    >>> sieve = build_sieve()                                             # doctest: +SKIP
    >>> rows = read_labelled(Path("labelled.csv"))                        # doctest: +SKIP
    >>> report = evaluate_sieve(sieve, rows)                              # doctest: +SKIP
    >>> report["accuracy"], report["per_stage"]["bert"]["share"]          # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any, Protocol

from .result import Result, StageName, Status
from .taxonomy import Taxonomy
from .train import LabelledRow, classification_metrics, resolve_labels

__all__ = ["evaluate_sieve", "format_report"]


class SieveLike(Protocol):
    taxonomy: Taxonomy

    def classify_batch(self, items: Sequence[tuple[str, str | None]]) -> list[Result]: ...


def evaluate_sieve(
    sieve: SieveLike,
    rows: Sequence[LabelledRow],
    batch_size: int = 512,
) -> dict[str, Any]:
    """Classify labelled rows with the sieve and measure the answers against the labels.

    Labels in ``rows`` may be ids or display names of the sieve's taxonomy (an unknown one is
    an InputError naming its line). ``per_stage`` is keyed by the stage that *decided*
    (``regex``, ``bert``, ``llm``, ``none`` = fallback); a template-cache hit counts for the
    stage that made the cached decision, and ``cache_hits`` says how many answers came from
    the cache.
    """
    taxonomy = sieve.taxonomy
    truth = resolve_labels(rows, taxonomy)
    results: list[Result] = []
    t0 = time.perf_counter()
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        results.extend(sieve.classify_batch([(r.text, r.source) for r in chunk]))
    seconds = time.perf_counter() - t0
    pred = [r.label_id for r in results]

    labels = list(taxonomy.label_ids)
    report: dict[str, Any] = {
        "lines": len(rows),
        "taxonomy": taxonomy.name,
        "taxonomy_hash": taxonomy.content_hash,
    }
    report.update(classification_metrics(truth, pred, labels))
    report["accuracy"] = round(report["accuracy"], 4)
    report["macro_f1"] = round(report["macro_f1"], 4)
    report["labels"] = labels
    index = {lb: i for i, lb in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, pred, strict=True):
        matrix[index[t]][index[p]] += 1
    report["confusion_matrix"] = matrix  # rows: true label, columns: predicted, in `labels` order

    per_stage: dict[str, dict[str, Any]] = {}
    by_stage: dict[str, list[bool]] = defaultdict(list)
    cache_hits = 0
    for res, t in zip(results, truth, strict=True):
        stage = res.decided_by or res.classifier
        if res.classifier == "cache":
            cache_hits += 1
        by_stage[stage].append(res.label_id == t)
    for stage, hits in sorted(by_stage.items()):
        per_stage[stage] = {
            "lines": len(hits),
            "share": round(len(hits) / len(rows), 4),
            "accuracy": round(sum(hits) / len(hits), 4),
        }
    report["per_stage"] = per_stage
    report["cache_hits"] = cache_hits
    fallback = taxonomy.fallback
    report["fallback_label"] = fallback
    report["unclassified_rate"] = round(sum(p == fallback for p in pred) / max(len(pred), 1), 4)
    report["llm_calls"] = _llm_calls(results)
    report["seconds"] = round(seconds, 3)
    report["lines_per_second"] = round(len(rows) / seconds, 1) if seconds > 0 else None
    report["predicted_distribution"] = dict(Counter(pred).most_common())
    return report


def _llm_calls(results: Sequence[Result]) -> int:
    """Distinct templates the LLM was asked about (the sieve asks once per template)."""
    asked = set()
    for res in results:
        for step in res.journey:
            if step.stage == StageName.LLM and step.status in (Status.CLASSIFIED, Status.FAILED):
                asked.add(res.template or res.log_analyzed)
    return len(asked)


def format_report(report: dict[str, Any]) -> str:
    """A readable table of an ``evaluate_sieve`` report."""
    out = [
        f"{report['lines']:,} lines, taxonomy {report['taxonomy']}: accuracy "
        f"{report['accuracy']:.4f}, macro-F1 {report['macro_f1']:.4f}, "
        f"{report['fallback_label']} rate {report['unclassified_rate']:.2%}, "
        f"LLM calls {report['llm_calls']}, {report['lines_per_second'] or 0:,.0f} lines/s",
        "",
        f"{'label':<32} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}",
    ]
    for lb, m in report["per_label"].items():
        if m["support"] == 0 and lb not in report["predicted_distribution"]:
            continue
        out.append(
            f"{lb:<32} {m['precision']:>9.3f} {m['recall']:>9.3f} {m['f1']:>9.3f} {m['support']:>8}"
        )
    out += ["", f"{'decided by':<32} {'lines':>9} {'share':>9} {'accuracy':>9}"]
    for stage, m in report["per_stage"].items():
        out.append(f"{stage:<32} {m['lines']:>9} {m['share']:>9.2%} {m['accuracy']:>9.2%}")
    out.append(f"(template cache answered {report['cache_hits']:,} of them)")
    labels = report["labels"]
    used = [
        i
        for i, lb in enumerate(labels)
        if any(report["confusion_matrix"][i]) or any(r[i] for r in report["confusion_matrix"])
    ]
    width = max(6, *(len(labels[i][:12]) for i in used)) if used else 6
    out += [
        "",
        "confusion (rows true, columns predicted):",
        " " * 14 + " ".join(f"{labels[i][:12]:>{width}}" for i in used),
    ]
    for i in used:
        row = report["confusion_matrix"][i]
        out.append(f"{labels[i][:13]:<13} " + " ".join(f"{row[j]:>{width}}" for j in used))
    return "\n".join(out)
