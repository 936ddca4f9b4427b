"""The dev set: real LogHub lines, labelled by hand at the template level, no LLM.

    python benchmarks/devset.py                       # shipped heads; results/devset.json
    python benchmarks/devset.py --model DIR           # another standard head (DIR/head.json)
    python benchmarks/devset.py --openstack-model DIR --systems OpenSSH HDFS

Labels: ``benchmarks/devset/loghub_standard.csv`` and ``loghub_openstack.csv``, one row per
LogHub EventId (``system,event_id,label,note``), written by hand from the template text and
the label conventions of ``standard.yaml`` (docs/training.md, "The dev set"). The lines
themselves are read from ../shared/data/loghub (or LOGSIEVE_DATA_DIR), never copied here.
It is a set to measure on and choose settings with, never training rows.

Each system's 2,000 lines are classified twice with the real sieve (rules, template cache,
embedding head; no LLM): the message alone (LogHub's ``Content``) and the whole line (the raw
log line). Reported per system, per label and pooled: accuracy, macro-F1 over labels with at
least 50 lines, the share UNCLASSIFIED, the share of answers wrong at confidence >= 0.95,
expected calibration error with its reliability table, the deciding stages, and the
always-INFO baseline.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from logsieve.build import build_sieve  # noqa: E402
from logsieve.calibration import reliability  # noqa: E402
from logsieve.settings import Settings  # noqa: E402

DATA = Path(os.environ.get("LOGSIEVE_DATA_DIR", REPO.parent / "shared" / "data")) / "loghub"
LABELS = REPO / "benchmarks" / "devset"
OUT = REPO / "benchmarks" / "results" / "devset.json"
#: Labels with fewer lines than this are left out of the macro-F1 (the issue's convention).
MIN_SUPPORT = 50
VIEWS = ("message", "whole_line")


def read_labels(path: Path) -> dict[str, dict[str, str]]:
    """system -> EventId -> label."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out[row["system"]][row["event_id"]] = row["label"].strip()
    return dict(out)


def read_system(system: str) -> tuple[list[str], list[str], list[str]] | None:
    """(messages, whole lines, EventIds) of a LogHub system, or None where absent."""
    structured = DATA / system / f"{system}_2k.log_structured.csv"
    raw = DATA / system / f"{system}_2k.log"
    if not structured.is_file() or not raw.is_file():
        return None
    with structured.open(encoding="utf-8", errors="replace", newline="") as f:
        rows = list(csv.DictReader(f))
    lines = raw.read_text(encoding="utf-8", errors="replace").splitlines()
    if len(lines) != len(rows):
        raise SystemExit(f"{raw}: {len(lines)} lines but {len(rows)} structured rows")
    return [r["Content"] for r in rows], lines, [r["EventId"] for r in rows]


def f1_scores(truth: list[str], pred: list[str]) -> dict[str, dict[str, float]]:
    labels = sorted(set(truth) | set(pred))
    out = {}
    for lb in labels:
        tp = sum(1 for t, p in zip(truth, pred, strict=True) if t == lb and p == lb)
        fp = sum(1 for t, p in zip(truth, pred, strict=True) if t != lb and p == lb)
        fn = sum(1 for t, p in zip(truth, pred, strict=True) if t == lb and p != lb)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[lb] = {
            "support": tp + fn,
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(f1, 4),
        }
    return out


def score(
    truth: list[str],
    pred: list[str],
    conf: list[float],
    stages: list[str],
    fallback: str,
    routine: str | None,
) -> dict[str, Any]:
    n = len(truth)
    right = [t == p for t, p in zip(truth, pred, strict=True)]
    per_label = f1_scores(truth, pred)
    big = [v["f1"] for v in per_label.values() if v["support"] >= MIN_SUPPORT]
    cal = reliability(conf, right)
    baseline = routine or "INFO"
    return {
        "lines": n,
        "accuracy": round(sum(right) / n, 4),
        "macro_f1_ge50": round(sum(big) / len(big), 4) if big else None,
        "labels_ge50": len(big),
        "unclassified": round(sum(p == fallback for p in pred) / n, 4),
        "confidently_wrong": cal["confidently_wrong"],
        "ece": cal["ece"],
        "reliability": cal["bins"],
        "always_routine_baseline": round(sum(t == baseline for t in truth) / n, 4),
        "stages": dict(Counter(stages).most_common()),
        "per_label": per_label,
    }


def run(
    taxonomy: str,
    model: Path | None,
    labels: dict[str, dict[str, str]],
    systems: list[str] | None,
    familiar: float | None = None,
    no_llm: float | None = None,
) -> dict[str, Any]:
    results: dict[str, Any] = {
        "taxonomy": taxonomy,
        "model": str(model) if model else "shipped",
        "systems": {},
    }
    pooled: dict[str, dict[str, list[Any]]] = {v: defaultdict(list) for v in VIEWS}
    sieves = {
        v: build_sieve(Settings(taxonomy=taxonomy, llm_enabled=False, model_dir=model))
        for v in VIEWS
    }
    if familiar is not None:  # (for choosing the taxonomy's setting: a what-if)
        for s in sieves.values():
            if s._judge is not None:
                s._judge.familiar_at = familiar
        results["familiar_similarity"] = familiar
    if no_llm is not None:  # what-if: the taxonomy's routing.no_llm_threshold
        for s in sieves.values():
            if s._judge is not None:
                s._judge.guess_at = min(no_llm, s._judge.threshold)
        results["no_llm_threshold"] = no_llm
    try:
        tax = sieves["message"].taxonomy
        results["head"] = sieves["message"].health()["head"]
        for system in sorted(labels):
            if systems and system not in systems:
                continue
            data = read_system(system)
            if data is None:
                print(f"skip {system}: not in {DATA}", file=sys.stderr)
                continue
            messages, lines, events = data
            missing = sorted(set(events) - set(labels[system]))
            if missing:
                raise SystemExit(f"{system}: EventIds without a label: {missing[:10]}")
            truth = [labels[system][e] for e in events]
            entry: dict[str, Any] = {}
            for view, texts in (("message", messages), ("whole_line", lines)):
                out = sieves[view].classify_batch(texts)
                pred = [r.label_id for r in out]
                conf = [float(r.final_confidence) for r in out]
                stages = [r.decided_by or r.classifier for r in out]
                entry[view] = score(truth, pred, conf, stages, tax.fallback, tax.routine_default)
                entry[view]["wrong_examples"] = _wrong(messages, truth, pred, conf, events)
                for key, values in (
                    ("truth", truth),
                    ("pred", pred),
                    ("conf", conf),
                    ("stages", stages),
                ):
                    pooled[view][key].extend(values)
            results["systems"][system] = entry
        results["pooled"] = {
            v: score(
                p["truth"], p["pred"], p["conf"], p["stages"], tax.fallback, tax.routine_default
            )
            for v, p in pooled.items()
            if p["truth"]
        }
    finally:
        for s in sieves.values():
            s.close()
    return results


def _wrong(
    messages: list[str],
    truth: list[str],
    pred: list[str],
    conf: list[float],
    events: list[str],
    n: int = 8,
) -> list[dict[str, Any]]:
    """The commonest wrong templates (by lines), one example each, for reading."""
    wrong: Counter[tuple[str, str, str]] = Counter()
    example: dict[tuple[str, str, str], tuple[str, float]] = {}
    for m, t, p, c, e in zip(messages, truth, pred, conf, events, strict=True):
        if t != p:
            k = (e, t, p)
            wrong[k] += 1
            example.setdefault(k, (m[:160], c))
    return [
        {
            "event": k[0],
            "truth": k[1],
            "pred": k[2],
            "lines": v,
            "confidence": round(example[k][1], 3),
            "example": example[k][0],
        }
        for k, v in wrong.most_common(n)
    ]


def table(res: dict[str, Any]) -> str:
    rows = [
        f"### {res['taxonomy']} ({res['model']})",
        "",
        "| system | lines | accuracy msg / whole | macro-F1≥50 msg | UNCLASSIFIED msg | "
        "conf. wrong msg | ECE msg | always-INFO |",
        "|---|---|---|---|---|---|---|---|",
    ]
    items = list(res["systems"].items()) + (
        [("**pooled**", res["pooled"])] if res.get("pooled") else []
    )
    for name, e in items:
        m, w = e["message"], e["whole_line"]
        f1 = "–" if m["macro_f1_ge50"] is None else f"{m['macro_f1_ge50']:.3f}"
        rows.append(
            f"| {name} | {m['lines']:,} | {m['accuracy']:.3f} / {w['accuracy']:.3f} | "
            f"{f1} | {m['unclassified']:.1%} | {m['confidently_wrong']:.1%} | "
            f"{m['ece']:.3f} | {m['always_routine_baseline']:.3f} |"
        )
    if res.get("pooled"):
        rows += [
            "",
            "| label (pooled, message) | support | precision | recall | F1 |",
            "|---|---|---|---|---|",
        ]
        for lb, v in sorted(
            res["pooled"]["message"]["per_label"].items(), key=lambda kv: -kv[1]["support"]
        ):
            rows.append(
                f"| {lb} | {v['support']:,} | {v['precision']:.3f} | "
                f"{v['recall']:.3f} | {v['f1']:.3f} |"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, help="a standard head directory (default: shipped)")
    ap.add_argument("--openstack-model", type=Path)
    ap.add_argument("--systems", nargs="*")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument(
        "--familiar-similarity",
        type=float,
        help="what-if: override the taxonomy's routing.familiar_similarity",
    )
    ap.add_argument(
        "--no-llm-threshold",
        type=float,
        help="what-if: override the taxonomy's routing.no_llm_threshold",
    )
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"skip: no LogHub data at {DATA}", file=sys.stderr)
        return 0
    report: dict[str, Any] = {}
    for taxonomy, model in (("standard", args.model), ("openstack", args.openstack_model)):
        path = LABELS / f"loghub_{taxonomy}.csv"
        if not path.is_file():
            print(f"skip {taxonomy}: no labels at {path}", file=sys.stderr)
            continue
        report[taxonomy] = run(
            taxonomy,
            model,
            read_labels(path),
            args.systems,
            args.familiar_similarity,
            args.no_llm_threshold,
        )
        print(table(report[taxonomy]) + "\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
