"""`logsieve classify --workers N` against one process, side by side, on the 1M-line replay.

    python benchmarks/cli_workers.py [--lines 1000000] [--rounds 3] [--workers 2]

Each round runs the CLI as a user does (JSONL with journeys, --no-llm, to a file), alternating
--workers 1 and --workers N: warm (from a cache file made first) and, once each, cold (no
cache). Wall and CPU time (the whole process tree), and the tree's peak RSS (the sum of its
processes' RSS, sampled every 50 ms). The warm outputs are compared record by record apart
from the measured times. Drain3's TemplateMiner (with its masking) on the same lines, in
this process, where drain3 is installed. Writes benchmarks/results/cli_workers.json.
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

from common import proc_status_kb, replay_stream, write_result


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(k) for k in (task / "children").read_text().split())
        except OSError:
            continue
    return pids


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and the children it has waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / ticks


def run_cli(src: Path, out: Path, workers: int, cache: Path | None) -> dict[str, float]:
    args = [
        sys.executable,
        "-m",
        "logsieve",
        "classify",
        str(src),
        "-q",
        "--no-llm",
        "--workers",
        str(workers),
        "-o",
        str(out),
    ]
    if cache is not None:
        args += ["--cache", str(cache)]
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.Popen(args)
    peak_kb = 0
    while proc.poll() is None:
        peak_kb = max(peak_kb, sum(proc_status_kb(p, "VmRSS:") for p in _tree(proc.pid)))
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    after = os.times()
    if proc.returncode:
        raise SystemExit(f"logsieve classify --workers {workers} failed ({proc.returncode})")
    cpu = (
        after.children_user - before.children_user + after.children_system - before.children_system
    )
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def untimed(path: Path) -> list[str]:
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            rec.pop("processing_time_ms")
            for step in rec["journey"]:
                step.pop("duration_ms", None)
            out.append(json.dumps(rec, sort_keys=True))
    return out


def drain3_rate(src: Path, limit: int) -> float | None:
    try:
        from drain3 import TemplateMiner
        from drain3.template_miner_config import TemplateMinerConfig
    except ImportError:
        return None
    config = TemplateMinerConfig()
    config.profiling_enabled = False
    miner = TemplateMiner(config=config)
    with src.open(encoding="utf-8") as f:
        lines = [line.rstrip("\n") for _, line in zip(range(limit), f, strict=False)]
    t0 = time.process_time()
    for line in lines:
        miner.add_log_message(line)
    return len(lines) / (time.process_time() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    n = args.lines
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        src = tmp / "replay.log"
        with src.open("w", encoding="utf-8") as f:
            for line in replay_stream(n):
                f.write(line + "\n")
        cold = {
            w: run_cli(src, tmp / f"cold{w}.jsonl", w, tmp / f"cold{w}.cache")
            for w in (1, args.workers)
        }
        warm: dict[int, list[dict[str, float]]] = {1: [], args.workers: []}
        for _ in range(args.rounds):
            for w in (1, args.workers):
                warm[w].append(run_cli(src, tmp / f"warm{w}.jsonl", w, tmp / "cold1.cache"))
        identical = untimed(tmp / "warm1.jsonl") == untimed(tmp / f"warm{args.workers}.jsonl")
        drain = drain3_rate(src, min(n, 200_000))

    def summary(runs: list[dict[str, float]]) -> dict[str, float]:
        wall = statistics.median(r["wall_s"] for r in runs)
        cpu = statistics.median(r["cpu_s"] for r in runs)
        return {
            "wall_s": wall,
            "cpu_s": cpu,
            "lines_per_s_wall": round(n / wall),
            "lines_per_s_cpu": round(n / cpu),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        }

    w = args.workers
    out = {
        "lines": n,
        "rounds": args.rounds,
        "workers": w,
        "warm_workers_1": summary(warm[1]),
        f"warm_workers_{w}": summary(warm[w]),
        "cold_workers_1": summary([cold[1]]),
        f"cold_workers_{w}": summary([cold[w]]),
        "warm_runs": {str(k): v for k, v in warm.items()},
        "warm_outputs_identical_apart_from_times": identical,
        "drain3_lines_per_s_cpu": round(drain) if drain else None,
    }
    out["warm_speedup_wall"] = round(
        out["warm_workers_1"]["wall_s"] / out[f"warm_workers_{w}"]["wall_s"], 3
    )
    if drain:
        out["warm_per_core_vs_drain3"] = round(
            out[f"warm_workers_{w}"]["lines_per_s_cpu"] / drain, 2
        )
    path = write_result("cli_workers", out)
    print(json.dumps(out, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
