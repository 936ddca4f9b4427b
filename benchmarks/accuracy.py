"""§5 accuracy measurements: codebasics, BGL, and the shipped heads on real logs.

    python benchmarks/accuracy.py            # all parts; results/accuracy.json
    python benchmarks/accuracy.py a b        # only some parts (others kept from the file)

a  codebasics synthetic_logs.csv, the tutorial's protocol (embedding part, without and with
   the lexical features; their settings were chosen by benchmarks/lexical_cv.py), then the
   full 9-label sieve (benchmarks/codebasics_taxonomy.yaml) end to end on the same test rows.
b  LogHub BGL 2k alert categories: stratified 5-fold cross-validation, macro-F1, without and
   with the lexical features.
c  the shipped `openstack` head on the nova logs and LogHub OpenStack: label and stage
   distribution, UNCLASSIFIED rate, agreement with pipeline_sample_2k.csv, 100 judged lines.
d  the shipped `standard` head on LogHub systems its labels apply to, 100 judged lines.

Judged lines: results/judged_<taxonomy>.csv holds 100 lines drawn with a fixed seed and, per
line, the label(s) a person judged right (`expected`, `|`-separated, written by hand once).
Each run re-classifies them and recomputes `verdict` and the share right, so the judgement
is of the lines, not of one head's answers. Data is read from ../shared/data (or
LOGSIEVE_DATA_DIR); encoder threads from LOGSIEVE_ENCODER_THREADS (default 1).
"""

from __future__ import annotations

import csv
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from logsieve.build import build_sieve  # noqa: E402
from logsieve.embedding import MiniLMEncoder  # noqa: E402
from logsieve.evaluate import evaluate_sieve  # noqa: E402
from logsieve.rules import RuleSet  # noqa: E402
from logsieve.settings import Settings  # noqa: E402
from logsieve.taxonomy import load_taxonomy  # noqa: E402
from logsieve.templates import template_key  # noqa: E402
from logsieve.train import (  # noqa: E402
    DEFAULT_C,
    DEFAULT_LEXICAL,
    EmbeddingCache,
    LabelledRow,
    embed_texts,
    fit_head,
    save_trained,
    train_head,
)

DATA = Path(os.environ.get("LOGSIEVE_DATA_DIR", REPO.parent / "shared" / "data"))
RESULTS = REPO / "benchmarks" / "results"
OUT = RESULTS / "accuracy.json"
CODEBASICS_TAXONOMY = REPO / "benchmarks" / "codebasics_taxonomy.yaml"
JUDGE_SEED = 20240516
STANDARD_SYSTEMS = (
    "OpenSSH",
    "Linux",
    "Apache",
    "HDFS",
    "Hadoop",
    "Spark",
    "Zookeeper",
    "Thunderbird",
)
#: pipeline_sample_2k.csv's labels that are not ours, mapped to ours.
PIPELINE_MAP = {
    "Instance_Management_Compute": "Instance_Management",
    "System_Operations_LibVirt": "System_Operations",
}

_encoder: MiniLMEncoder | None = None


def encoder() -> MiniLMEncoder:
    global _encoder
    if _encoder is None:
        _encoder = MiniLMEncoder(threads=int(os.environ.get("LOGSIEVE_ENCODER_THREADS", "1")))
    return _encoder


def embed(texts: list[str]) -> np.ndarray:
    cache = EmbeddingCache()
    try:
        return embed_texts(texts, encoder(), cache)
    finally:
        cache.close()


def macro_f1(y_true: list[str], y_pred: list[str]) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return (
        round(float(accuracy_score(y_true, y_pred)), 4),
        round(float(f1_score(y_true, y_pred, average="macro", zero_division=0)), 4),
    )


# --------------------------------------------------------------------------------------------
# a: codebasics
# --------------------------------------------------------------------------------------------


def codebasics() -> dict[str, Any]:
    """codebasics' rows, the tutorial's embedding part, its texts, labels and both splits."""
    from sklearn.model_selection import train_test_split

    path = DATA / "codebasics" / "synthetic_logs.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    rules = RuleSet(load_taxonomy("standard").rules)
    model_rows = [
        r
        for r in rows
        if r["source"] != "LegacyCRM" and not rules.match(r["log_message"], r["source"])
    ]
    y = np.array([r["target_label"] for r in model_rows])
    idx = np.arange(len(model_rows))
    return {
        "rows": rows,
        "model_rows": model_rows,
        "y": y,
        "regex_rows": [r for r in rows if rules.match(r["log_message"], r["source"])],
        "legacy": [r for r in rows if r["source"] == "LegacyCRM"],
        "texts": {
            "raw": [r["log_message"] for r in model_rows],
            "masked": [template_key(r["log_message"]) for r in model_rows],
        },
        "splits": {
            "tutorial_unstratified": train_test_split(idx, test_size=0.3, random_state=42),
            "stratified": train_test_split(idx, test_size=0.3, random_state=42, stratify=y),
        },
    }


def part_a() -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    cb = codebasics()
    rows, model_rows, y, splits = cb["rows"], cb["model_rows"], cb["y"], cb["splits"]
    regex_rows, legacy, texts = cb["regex_rows"], cb["legacy"], cb["texts"]
    vectors = {k: embed(v) for k, v in texts.items()}
    out: dict[str, Any] = {
        "rows": len(rows),
        "regex_rows": len(regex_rows),
        "legacycrm_rows": len(legacy),
        "model_rows": len(model_rows),
        "embedding_only": {},
        "with_lexical": {},
    }
    for split_name, (tr, te) in splits.items():
        for text_kind, x in vectors.items():
            for c in (1.0, 10.0):
                model = LogisticRegression(C=c, max_iter=1000).fit(x[tr], y[tr])
                acc, f1 = macro_f1(y[te].tolist(), model.predict(x[te]).tolist())
                out["embedding_only"][f"{split_name}/{text_kind}/C={c:g}"] = {
                    "test_rows": len(te),
                    "accuracy": acc,
                    "macro_f1": f1,
                }
            # `logsieve train`'s default features: the vector and the hashed words, C = 10
            # (chosen by cross-validation on the training rows: benchmarks/lexical_cv.py).
            t = np.array(texts[text_kind], dtype=object)
            head = fit_head(
                x[tr], t[tr].tolist(), y[tr], np.ones(len(tr)), c=DEFAULT_C, lexical=DEFAULT_LEXICAL
            )
            pred = head.predict(x[te], t[te].tolist())
            acc, f1 = macro_f1(y[te].tolist(), pred)
            out["with_lexical"][f"{split_name}/{text_kind}/C={DEFAULT_C:g}"] = {
                "test_rows": len(te),
                "lexical": DEFAULT_LEXICAL.to_json(),
                "accuracy": acc,
                "macro_f1": f1,
                "misses": sorted(
                    f"{y[i]} -> {p}: {model_rows[i]['log_message']}"
                    for i, p in zip(te, pred, strict=True)
                    if p != y[i]
                ),
            }
    # C chosen without the test rows: 5-fold stratified CV (macro-F1) on the training rows.
    tr, te = splits["tutorial_unstratified"]
    for text_kind, x in vectors.items():
        c, cv_f1 = _c_by_cross_validation(x[tr], y[tr])
        model = LogisticRegression(C=c, max_iter=3000).fit(x[tr], y[tr])
        pred = model.predict(x[te])
        acc, f1 = macro_f1(y[te].tolist(), pred.tolist())
        out["embedding_only"][f"tutorial_unstratified/{text_kind}/C=cv"] = {
            "test_rows": len(te),
            "chosen_C": c,
            "cv_macro_f1_on_training_rows": cv_f1,
            "accuracy": acc,
            "macro_f1": f1,
            "misses": sorted(
                f"{y[i]} -> {p}: {model_rows[i]['log_message']}"
                for i, p in zip(te, pred, strict=True)
                if p != y[i]
            ),
        }

    # The full sieve, trained on the tutorial split's training rows, on its test rows.
    tr, te = splits["tutorial_unstratified"]
    train_rows = [
        LabelledRow(
            i + 2,
            model_rows[i]["log_message"],
            model_rows[i]["target_label"],
            model_rows[i]["source"],
        )
        for i in tr
    ]
    test_rows = [
        LabelledRow(
            i + 2,
            model_rows[i]["log_message"],
            model_rows[i]["target_label"],
            model_rows[i]["source"],
        )
        for i in te
    ]
    extra = [
        LabelledRow(0, r["log_message"], r["target_label"], r["source"])
        for r in regex_rows + legacy
    ]
    # train_head's defaults (as `logsieve train`: masked, C = 10, lexical), and without words.
    for suffix, lexical in (("", DEFAULT_LEXICAL), ("@no_lexical", None)):
        trained = train_head(
            train_rows, CODEBASICS_TAXONOMY, encoder=encoder(), seed=0, lexical=lexical
        )
        with tempfile.TemporaryDirectory() as tmp:
            save_trained(trained, Path(tmp))
            settings = Settings(
                taxonomy=str(CODEBASICS_TAXONOMY),
                model_dir=Path(tmp),
                llm_enabled=False,
                embed_timeout_s=600,
            )
            for name, eval_rows in (
                ("sieve_test_rows", test_rows),
                ("sieve_test_rows_plus_regex_and_legacycrm", test_rows + extra),
            ):
                sieve = build_sieve(settings, encoder=encoder())
                report = evaluate_sieve(sieve, eval_rows)
                sieve.close()
                out[name + suffix] = _brief(report)
        out["sieve_head_held_out" + suffix] = {
            k: trained.metrics[k]
            for k in (
                "accuracy",
                "macro_f1",
                "coverage_at_threshold",
                "accuracy_at_threshold",
                "temperature",
            )
        }
    return out


def _c_by_cross_validation(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The C (of a log grid) with the best 5-fold macro-F1 on these rows; ties: the smaller."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    scores = {}
    for c in (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0):
        pred = cross_val_predict(LogisticRegression(C=c, max_iter=3000), x, y, cv=cv)
        scores[c] = macro_f1(y.tolist(), pred.tolist())[1]
    best = max(scores, key=lambda c: (scores[c], -c))
    return best, scores[best]


def _brief(report: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "lines",
        "accuracy",
        "macro_f1",
        "per_stage",
        "unclassified_rate",
        "llm_calls",
        "lines_per_second",
        "per_label",
    )
    return {k: report[k] for k in keep}


# --------------------------------------------------------------------------------------------
# b: BGL
# --------------------------------------------------------------------------------------------


def part_b(k: int = 5) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    path = DATA / "loghub" / "BGL" / "BGL_2k.log_structured.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    # The label is the first field of the raw line, so only the message (Content) is used.
    keys = [template_key(r["Content"]) for r in rows]
    labels = [r["Label"] if r["Label"] != "-" else "NON_ALERT" for r in rows]
    counts = Counter(labels)
    x_all = embed(keys)
    keys_arr = np.array(keys, dtype=object)
    out: dict[str, Any] = {
        "lines": len(rows),
        "classes": dict(counts.most_common()),
        "k": k,
        "lexical": DEFAULT_LEXICAL.to_json(),
    }
    rare = {lb for lb, n in counts.items() if n < k}
    variants = {
        # Classes with fewer than k lines cannot appear in every fold: drop them ...
        "rare_dropped": [lb if lb not in rare else None for lb in labels],
        # ... or merge them into one class (which has >= k lines here).
        "rare_merged": [lb if lb not in rare else "RARE_ALERT" for lb in labels],
    }
    for name, ys in variants.items():
        keep = np.array([v is not None for v in ys])
        y = np.array([v for v in ys if v is not None])
        x, t = x_all[keep], keys_arr[keep]
        for cv_name, cv in (
            ("lines", StratifiedKFold(k, shuffle=True, random_state=0)),
            ("templates_grouped", StratifiedGroupKFold(k, shuffle=True, random_state=0)),
        ):
            for suffix in ("", "/with_lexical"):
                pred = np.empty(len(y), dtype=object)
                for tr, te in cv.split(x, y, t):
                    if suffix:  # `logsieve train`'s default: the vector and the words
                        head = fit_head(
                            x[tr],
                            t[tr].tolist(),
                            y[tr],
                            np.ones(len(tr)),
                            c=10.0,
                            lexical=DEFAULT_LEXICAL,
                        )
                        pred[te] = head.predict(x[te], t[te].tolist())
                    else:
                        model = LogisticRegression(C=10.0, max_iter=2000).fit(x[tr], y[tr])
                        pred[te] = model.predict(x[te])
                acc, f1 = macro_f1(y.tolist(), pred.tolist())
                alerts = y != "NON_ALERT"
                _, f1_alerts = macro_f1(y[alerts].tolist(), pred[alerts].tolist())
                out[f"{name}/{cv_name}{suffix}"] = {
                    "lines": len(y),
                    "classes": len(set(y)),
                    "accuracy": acc,
                    "macro_f1": f1,
                    "macro_f1_alert_lines_only": f1_alerts,
                }
    out["rare_classes"] = sorted(rare)
    out["distinct_templates"] = len(set(keys))
    return out


# --------------------------------------------------------------------------------------------
# c, d: the shipped heads on real logs
# --------------------------------------------------------------------------------------------


#: Heads to measure instead of the shipped ones (``--heads DIR``: DIR/<taxonomy>/head.*).
HEADS_DIR: Path | None = None


def classify_all(taxonomy: str, lines: list[str]) -> list[Any]:
    model_dir = HEADS_DIR / taxonomy if HEADS_DIR is not None else None
    # A generous embedding timeout: the guard's 4 s default is for serving, and a busy
    # benchmark machine must not turn slow encoder calls into fallback answers.
    sieve = build_sieve(
        Settings(taxonomy=taxonomy, llm_enabled=False, model_dir=model_dir, embed_timeout_s=600),
        encoder=encoder(),
    )
    try:
        out = []
        for start in range(0, len(lines), 2048):
            out.extend(sieve.classify_batch(lines[start : start + 2048]))
        return out
    finally:
        sieve.close()


def distribution(results: list[Any], fallback: str) -> dict[str, Any]:
    n = len(results)
    labels = Counter(r.label_id for r in results)
    stages = Counter(r.decided_by or r.classifier for r in results)
    return {
        "lines": n,
        "labels": {k: round(v / n, 4) for k, v in labels.most_common()},
        "stages": {k: round(v / n, 4) for k, v in stages.most_common()},
        "unclassified_rate": round(sum(r.label_id == fallback for r in results) / n, 4),
    }


_FALLBACKS = {"openstack": "Unclassified", "standard": "UNCLASSIFIED"}


def judged(
    taxonomy: str, pool: list[tuple[str, str]], results_of: dict[str, Any]
) -> dict[str, Any]:
    """Draw 100 lines (fixed seed); keep hand judgements; recompute verdicts."""
    path = RESULTS / f"judged_{taxonomy}.csv"
    expected: dict[str, str] = {}
    notes: dict[str, str] = {}
    if HEADS_DIR is not None:  # other heads: read the judgements, write the verdicts elsewhere
        source, path = path, path.with_name(f"judged_{taxonomy}@{HEADS_DIR.name}.csv")
    else:
        source = path
    if source.exists():
        with source.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                expected[row["line"]] = row["expected"]
                notes[row["line"]] = row.get("note", "")
    sample = random.Random(JUDGE_SEED).sample(pool, 100)
    rows, right, judged_n = [], 0, 0
    for i, (origin, line) in enumerate(sample, 1):
        res = results_of[line]
        exp = expected.get(line, "")
        verdict = ""
        if exp:
            judged_n += 1
            ok = res.label_id in exp.split("|")
            right += ok
            verdict = "right" if ok else "wrong"
        rows.append(
            {
                "n": i,
                "origin": origin,
                "predicted": res.label_id,
                "stage": res.decided_by or res.classifier,
                "confidence": round(res.final_confidence, 3),
                "expected": exp,
                "verdict": verdict,
                "note": notes.get(line, ""),
                "line": line,
            }
        )
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    answered = [r for r in rows if r["expected"] and r["predicted"] != _FALLBACKS[taxonomy]]
    return {
        "file": str(path.relative_to(REPO)),
        "judged": judged_n,
        "right": right,
        "share_right": round(right / judged_n, 4) if judged_n else None,
        "answered_not_fallback": len(answered),
        "share_right_of_answered": (
            round(sum(r["verdict"] == "right" for r in answered) / len(answered), 4)
            if answered
            else None
        ),
        "by_stage": _by_stage(rows),
    }


def _by_stage(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for stage in sorted({r["stage"] for r in rows}):
        mine = [r for r in rows if r["stage"] == stage and r["verdict"]]
        if mine:
            out[stage] = {"lines": len(mine), "right": sum(r["verdict"] == "right" for r in mine)}
    return out


def read_lines(path: Path) -> list[str]:
    with path.open(encoding="utf-8", errors="replace") as f:
        return [ln.rstrip("\n") for ln in f if ln.strip()]


def part_c() -> dict[str, Any]:
    nova_dir = DATA / "openstack-nova"
    sets = {p.name: read_lines(p) for p in sorted(nova_dir.glob("*.log"))}
    sets["loghub/OpenStack_2k.log"] = read_lines(DATA / "loghub" / "OpenStack" / "OpenStack_2k.log")
    with (nova_dir / "pipeline_sample_2k.csv").open(encoding="utf-8", newline="") as f:
        pipeline = list(csv.DictReader(f))
    every = [ln for lines in sets.values() for ln in lines]
    every += [r["raw_log_text"] for r in pipeline]
    t0 = time.perf_counter()
    unique = list(dict.fromkeys(every))
    results = classify_all("openstack", unique)
    seconds = time.perf_counter() - t0
    of = dict(zip(unique, results, strict=True))
    out: dict[str, Any] = {"seconds": round(seconds, 1), "distinct_lines": len(unique)}
    nova_all = [
        of[ln] for name, lines in sets.items() if not name.startswith("loghub") for ln in lines
    ]
    out["nova_logs_all"] = distribution(nova_all, "Unclassified")
    for name, lines in sets.items():
        out[name] = distribution([of[ln] for ln in lines], "Unclassified")
    # Agreement with another system's outputs (not ground truth).
    theirs = [PIPELINE_MAP.get(r["final_category"], r["final_category"]) for r in pipeline]
    ours = [of[r["raw_log_text"]].label_id for r in pipeline]
    agree = [a == b for a, b in zip(theirs, ours, strict=True)]
    by_their_stage: dict[str, list[bool]] = {}
    for r, ok in zip(pipeline, agree, strict=True):
        by_their_stage.setdefault(r["pipeline_stage"] or "none", []).append(ok)
    both_decided = [
        ok
        for a, b, ok in zip(theirs, ours, agree, strict=True)
        if a != "Unclassified" and b != "Unclassified"
    ]
    pairs = Counter((a, b) for a, b, ok in zip(theirs, ours, agree, strict=True) if not ok)
    out["pipeline_sample_2k"] = {
        "lines": len(pipeline),
        "label_map": PIPELINE_MAP,
        "agreement": round(sum(agree) / len(agree), 4),
        "agreement_where_both_decided": round(sum(both_decided) / len(both_decided), 4),
        "both_decided": len(both_decided),
        "agreement_by_their_stage": {
            k: round(sum(v) / len(v), 4) for k, v in sorted(by_their_stage.items())
        },
        "top_disagreements_theirs_ours": [[a, b, n] for (a, b), n in pairs.most_common(10)],
    }
    pool = [(name, ln) for name, lines in sets.items() for ln in dict.fromkeys(lines)]
    out["judged_100"] = judged("openstack", pool, of)
    return out


def part_d() -> dict[str, Any]:
    sets = {s: read_lines(DATA / "loghub" / s / f"{s}_2k.log") for s in STANDARD_SYSTEMS}
    every = list(dict.fromkeys(ln for lines in sets.values() for ln in lines))
    t0 = time.perf_counter()
    results = classify_all("standard", every)
    seconds = time.perf_counter() - t0
    of = dict(zip(every, results, strict=True))
    out: dict[str, Any] = {"seconds": round(seconds, 1), "systems": list(STANDARD_SYSTEMS)}
    out["all"] = distribution([of[ln] for lines in sets.values() for ln in lines], "UNCLASSIFIED")
    for name, lines in sets.items():
        out[name] = distribution([of[ln] for ln in lines], "UNCLASSIFIED")
    pool = [(name, ln) for name, lines in sets.items() for ln in dict.fromkeys(lines)]
    out["judged_100"] = judged("standard", pool, of)
    return out


PARTS = {
    "a": ("codebasics", part_a),
    "b": ("bgl", part_b),
    "c": ("openstack_real", part_c),
    "d": ("standard_real", part_d),
}


def main(argv: list[str]) -> int:
    global HEADS_DIR
    tag = ""
    if "--heads" in argv:  # --heads DIR TAG: measure other heads, store under "<key>@TAG"
        i = argv.index("--heads")
        HEADS_DIR, tag = Path(argv[i + 1]), argv[i + 2]
        argv = argv[:i] + argv[i + 3 :]
    wanted = argv or list(PARTS)
    doc: dict[str, Any] = json.loads(OUT.read_text()) if OUT.exists() else {}
    for part in wanted:
        key, fn = PARTS[part]
        if tag:
            if part not in "cd":
                raise SystemExit("--heads applies to parts c and d only")
            key = f"{key}@{tag}"
        t0 = time.perf_counter()
        print(f"part {part} ({key}) ...", file=sys.stderr, flush=True)
        doc[key] = fn()
        doc[key]["_seconds"] = round(time.perf_counter() - t0, 1)
        for name in ("standard", "openstack"):
            head = REPO / "src" / "logsieve" / "heads" / name / "head.json"
            if head.exists():
                doc.setdefault("heads", {})[name] = json.loads(head.read_text())["fingerprint"]
        RESULTS.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(doc, indent=2) + "\n")
        print(json.dumps(doc[key], indent=1)[:3000], flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
