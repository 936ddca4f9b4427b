"""Ray Data vs the single-process CLI on the same 1,000,000-line LogHub replay.

    python benchmarks/ray_scale.py                 # 1M lines; writes results/ray_scale.json
    python benchmarks/ray_scale.py --lines 100000  # quicker

Runs, on one stream (as 8 rotated files): ``logsieve classify`` (one process, JSONL out),
Ray with 1 and with 2 workers (Parquet out), and Ray with 2 workers sharing decisions
through a local redis-server (if installed). Also measures the per-line cost of each part
of the sieve (parse, masking, cache lookup, encoder per new template) for the cluster plan in
docs/distributed.md. Uses the shipped head if there is one, else trains a tiny real head
(3 labels) on the real encoder, so the encoder runs on every new template either way.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from common import REPO, replay_stream, write_result

sys.path.insert(0, str(REPO / "tests"))


class TimedEncoder:
    """The real encoder, timing every call."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.texts = 0
        self.seconds = 0.0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        t0 = time.perf_counter()
        out = self.inner.encode(texts)
        self.seconds += time.perf_counter() - t0
        self.texts += len(texts)
        return out


def head_dir(work: Path) -> tuple[Path | None, str]:
    from logsieve.build import shipped_head_dir

    shipped = shipped_head_dir("standard")
    if shipped is not None:
        return None, f"shipped ({shipped})"
    from logsieve.embedding import MiniLMEncoder
    from tiny_head import train_tiny_head  # tests/, on the path above

    d = work / "head"
    train_tiny_head(MiniLMEncoder(threads=2)).save(d)
    return d, "tiny (3 labels, 12 lines; no shipped head)"


def parts(files: list[Path], settings: Any, n_sample: int) -> dict[str, Any]:
    """Per-line cost of each part, in microseconds, measured in this process."""
    from logsieve.build import build_sieve
    from logsieve.cache import Decision, DecisionCache
    from logsieve.embedding import MiniLMEncoder
    from logsieve.inputs import read_records
    from logsieve.templates import template_key

    data = b"".join(p.read_bytes() for p in files)
    t0 = time.perf_counter()
    texts = [r.text for r in read_records(io.BytesIO(data), "text", None)]
    parse_us = (time.perf_counter() - t0) / len(texts) * 1e6
    sample = texts[:n_sample]
    sieve = build_sieve(settings.model_copy(update={"embedding_enabled": False}))
    t0 = time.perf_counter()
    for t in sample:
        sieve.rules.match(t, None)
    rules_us = (time.perf_counter() - t0) / len(sample) * 1e6
    t0 = time.perf_counter()
    keys = [template_key(t) for t in sample]
    mask_us = (time.perf_counter() - t0) / len(sample) * 1e6
    cache = DecisionCache(100_000)
    for k in set(keys):
        cache.put(k, Decision("X", 0.9, "bert"))
    t0 = time.perf_counter()
    for k in keys:
        cache.get(k)
    cache_us = (time.perf_counter() - t0) / len(keys) * 1e6
    distinct = sorted(set(keys))[:512]
    enc = MiniLMEncoder(
        threads=int(settings.encoder_threads or 2), batch_size=settings.encoder_batch_size
    )
    enc.encode(distinct[:8])  # warm
    t0 = time.perf_counter()
    enc.encode(distinct)
    encode_ms = (time.perf_counter() - t0) / len(distinct) * 1e3
    all_keys = {template_key(t) for t in texts}
    return {
        "parse_text_us_per_line": round(parse_us, 2),
        "rules_us_per_line": round(rules_us, 2),
        "masking_us_per_line": round(mask_us, 2),
        "lru_lookup_us_per_line": round(cache_us, 3),
        "encoder_ms_per_template": round(encode_ms, 2),
        "encoder_threads": int(settings.encoder_threads or 2),
        "distinct_templates_in_stream": len(all_keys),
        "sample_lines": len(sample),
    }


def cli_run(files: list[Path], head: Path | None, out: Path) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "logsieve",
        "classify",
        *map(str, files),
        "--no-llm",
        "-q",
        "-o",
        str(out),
    ]
    if head is not None:
        cmd += ["--model", str(head)]
    # Same encoder deadline as the Ray engine's batch runs (the service's 4 s would fail
    # whole batches of new templates on a loaded machine).
    env = {**os.environ, "LOGSIEVE_ENCODER_THREADS": "2", "LOGSIEVE_EMBED_TIMEOUT_S": "300"}
    t0 = time.perf_counter()
    rc = subprocess.run(cmd, env=env).returncode
    seconds = time.perf_counter() - t0
    n = sum(1 for _ in out.open("rb"))
    stages: dict[str, int] = {}
    with out.open(encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)["classifier"]
            stages[c] = stages.get(c, 0) + 1
    return {
        "lines": n,
        "seconds": round(seconds, 2),
        "lines_per_s": round(n / seconds),
        "stages": stages,
        "exit_code": rc,
    }


def ray_run(files: list[Path], out: Path, settings: Any, workers: int) -> dict[str, Any]:
    from logsieve.engines.ray import classify_files

    s = classify_files([str(p) for p in files], str(out), settings, workers=workers, batch_size=512)
    total = s["cache_hits"] + s["cache_misses"]
    return {
        "lines": s["lines"],
        "seconds": s["seconds"],
        "lines_per_s": s["lines_per_s"],
        "stages": s["stages"],
        "cache_hit_rate": round(s["cache_hits"] / total, 4) if total else 0.0,
        "cache_misses": s["cache_misses"],
        "lines_per_worker": s["lines_per_worker"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=8, help="split the stream into this many")
    ap.add_argument("--skip-redis", action="store_true")
    args = ap.parse_args()

    import ray

    from logsieve.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="logsieve-ray-bench-"))
    try:
        # The stream as N rotated files (Ray's parallelism is per file), same lines in order.
        files = [work / f"stream-{i:02d}.log" for i in range(args.files)]
        per_file = -(-args.lines // args.files)
        handles = [p.open("w", encoding="utf-8") for p in files]
        for i, line in enumerate(replay_stream(args.lines)):
            handles[i // per_file].write(line + "\n")
        for h in handles:
            h.close()
        head, head_kind = head_dir(work)
        base = Settings(_env_file=None, model_dir=head, llm_enabled=False)  # type: ignore[call-arg]
        load0 = os.getloadavg()
        result: dict[str, Any] = {
            "command": "python benchmarks/ray_scale.py"
            + (f" --lines {args.lines}" if args.lines != 1_000_000 else ""),
            "lines": args.lines,
            "stream": "benchmarks/common.py replay_stream(seed=7)",
            "stream_files": args.files,
            "stream_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
            "head": head_kind,
            "taxonomy": base.taxonomy,
        }
        print("parts…", flush=True)
        result["parts"] = parts(files, base.model_copy(update={"encoder_threads": 2}), args.sample)
        print(result["parts"], flush=True)
        print("cli…", flush=True)
        result["cli_single_process"] = cli_run(files, head, work / "cli.jsonl")
        print(result["cli_single_process"], flush=True)

        ray.init(
            num_cpus=os.cpu_count() or 2,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
        import ray as _ray

        versions = {"ray": _ray.__version__}
        runs: dict[str, Any] = {}
        for workers in (1, 2):
            print(f"ray {workers}…", flush=True)
            # one CPU per worker: with 2 workers on 2 cores, the encoder gets 1 thread each
            runs[f"ray_{workers}_workers"] = ray_run(
                files, work / f"ray{workers}.parquet", base, workers
            )
            print(runs[f"ray_{workers}_workers"], flush=True)
        if not args.skip_redis and shutil.which("redis-server"):
            from redis_server import RedisServer

            with RedisServer() as server:
                shared = base.model_copy(update={"redis_url": server.url})
                print("ray 2 + redis…", flush=True)
                runs["ray_2_workers_shared_redis"] = ray_run(
                    files, work / "ray2r.parquet", shared, 2
                )
                print(runs["ray_2_workers_shared_redis"], flush=True)
        ray.shutdown()
        result.update(runs)
        cli = result["cli_single_process"]["lines_per_s"]
        result["speedup_vs_cli"] = {k: round(v["lines_per_s"] / cli, 2) for k, v in runs.items()}
        result["loadavg_start_end"] = [round(load0[0], 2), round(os.getloadavg()[0], 2)]
        result["versions"] = versions
        path = write_result("ray_scale", result)
        print(f"wrote {path}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
