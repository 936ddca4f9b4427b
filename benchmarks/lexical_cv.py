"""How the lexical features' settings were chosen: cross-validation on training rows only.

    python benchmarks/lexical_cv.py          # results/lexical_cv.json; ~20 min on 2 cores

On codebasics' embedding part (the tutorial's protocol, benchmarks/accuracy.py part a), for
each split (the tutorial's unstratified one, and the stratified one) and each text (raw, as
the tutorial; masked, as `logsieve train`): 5-fold stratified cross-validation on the
training rows, out-of-fold predictions pooled, macro-F1, over

- the embedding alone, C in CS;
- the embedding and hashed word features (``logsieve.lexical``): n-grams up to 1 or 2, idf or
  not, weight in WEIGHTS, C in CS (140 settings);
- the words alone (no embedding), for reference.

The setting with the best cross-validated macro-F1 is chosen (ties: better CV accuracy, then
the simpler: smaller weight, unigrams, no idf, smaller C), refit on all training rows and
scored once on the test rows. The test scores of every other setting are recorded only to
show how much the choice matters, never to choose.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import RESULTS, codebasics, embed, macro_f1

from logsieve.lexical import LexicalSpec, design_matrix, fit_idf, to_csr

CS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
WEIGHTS = (0.5, 1.0, 2.0, 4.0, 8.0)
OUT = RESULTS / "lexical_cv.json"

#: A feature setting: ("embedding", None), ("both", spec) or ("words", spec).
Setting = tuple[str, LexicalSpec | None]
SETTINGS: list[Setting] = (
    [("embedding", None)]
    + [
        ("both", LexicalSpec(ngrams=n, idf=i, weight=w))
        for n in (1, 2)
        for i in (False, True)
        for w in WEIGHTS
    ]
    + [("words", LexicalSpec(ngrams=n, idf=i)) for n in (1, 2) for i in (False, True)]
)


def design(
    setting: Setting, x_fit: np.ndarray, t_fit: list[str], x_apply: np.ndarray, t_apply: list[str]
) -> tuple[Any, Any]:
    """Feature matrices for fitting and applying; the idf from the fitting texts only."""
    kind, spec = setting
    if spec is None:
        return x_fit, x_apply
    idf = fit_idf(spec, t_fit) if spec.idf else None
    if kind == "words":
        return (
            to_csr(spec.features(t_fit, idf), spec.buckets),
            to_csr(spec.features(t_apply, idf), spec.buckets),
        )
    return (design_matrix(x_fit, t_fit, spec, idf), design_matrix(x_apply, t_apply, spec, idf))


def fit_predict(c: float, a: Any, ya: np.ndarray, b: Any) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000).fit(a, ya).predict(b)


def simplicity(setting: Setting, c: float) -> tuple[float, ...]:
    kind, spec = setting
    if spec is None:
        return (0, 0, 0, 0, c)
    return ({"both": 1, "words": 2}[kind], spec.weight, spec.ngrams, spec.idf, c)


def describe(setting: Setting, c: float) -> dict[str, Any]:
    kind, spec = setting
    return {"features": kind, "lexical": spec.to_json() if spec else None, "C": c}


def one(
    x: np.ndarray,
    texts: list[str],
    y: np.ndarray,
    tr: np.ndarray,
    te: np.ndarray,
    model_rows: list[dict[str, str]],
) -> dict[str, Any]:
    from sklearn.model_selection import StratifiedKFold

    t = np.array(texts, dtype=object)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(tr, y[tr]))
    table = []
    for setting in SETTINGS:
        matrices = [
            design(setting, x[tr][a], t[tr][a].tolist(), x[tr][b], t[tr][b].tolist())
            for a, b in folds
        ]
        for c in CS:
            pred = np.empty(len(tr), dtype=object)
            for (a, b), (ma, mb) in zip(folds, matrices, strict=True):
                pred[b] = fit_predict(c, ma, y[tr][a], mb)
            acc, f1 = macro_f1(y[tr].tolist(), pred.tolist())
            table.append((setting, c, f1, acc))

    def best(kind: str) -> tuple[Setting, float, float, float]:
        return max(
            (r for r in table if r[0][0] == kind),
            key=lambda r: (r[2], r[3], tuple(-v for v in simplicity(r[0], r[1]))),
        )

    def on_test(setting: Setting, c: float) -> tuple[float, float, list[str]]:
        a, b = design(setting, x[tr], t[tr].tolist(), x[te], t[te].tolist())
        pred = fit_predict(c, a, y[tr], b)
        acc, f1 = macro_f1(y[te].tolist(), pred.tolist())
        misses = sorted(
            f"{y[i]} -> {p}: {model_rows[i]['log_message']}"
            for i, p in zip(te, pred, strict=True)
            if p != y[i]
        )
        return acc, f1, misses

    out: dict[str, Any] = {"training_rows": len(tr), "test_rows": len(te)}
    for kind in ("embedding", "both", "words"):
        setting, c, cv_f1, cv_acc = best(kind)
        acc, f1, misses = on_test(setting, c)
        out[f"chosen/{kind}"] = {
            **describe(setting, c),
            "cv_macro_f1": cv_f1,
            "cv_accuracy": cv_acc,
            "test_accuracy": acc,
            "test_macro_f1": f1,
            "misses": misses,
        }
    spread = [on_test(s, c)[1] for s, c, _, _ in table if s[0] == "both"]
    out["test_macro_f1_over_all_both_settings"] = {
        "settings": len(spread),
        "min": min(spread),
        "median": float(np.median(spread)),
        "max": max(spread),
        "share_at_least_0.99": round(float(np.mean(np.array(spread) >= 0.99)), 4),
    }
    out["cv_table"] = [
        {**describe(s, c), "cv_macro_f1": f, "cv_accuracy": a} for s, c, f, a in table
    ]
    return out


def main() -> int:
    cb = codebasics()
    y, splits = cb["y"], cb["splits"]
    doc: dict[str, Any] = {"weights": list(WEIGHTS), "Cs": list(CS), "folds": 5}
    for text_kind, texts in cb["texts"].items():
        x = embed(texts)
        for split_name, (tr, te) in splits.items():
            t0 = time.perf_counter()
            key = f"{split_name}/{text_kind}"
            doc[key] = one(x, texts, y, tr, te, cb["model_rows"])
            doc[key]["_seconds"] = round(time.perf_counter() - t0, 1)
            brief = {
                k: {kk: vv for kk, vv in v.items() if kk != "misses"}
                for k, v in doc[key].items()
                if k.startswith("chosen/")
            }
            print(key, json.dumps(brief), flush=True)
            RESULTS.mkdir(parents=True, exist_ok=True)
            OUT.write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
