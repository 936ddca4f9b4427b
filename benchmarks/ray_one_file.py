"""Ray on ONE big file: split into byte ranges across the workers, or read whole (before).

    python benchmarks/ray_one_file.py                  # 1M replayed lines in one file
    python benchmarks/ray_one_file.py --lines 200000   # quicker

One file of ``--lines`` LogHub replay lines (``common.replay_stream``), classified by
``classify_files(..., workers=2)`` with JSONL out, twice side by side: with the file split
(``split_bytes``, default 4 MiB ranges) and read whole (``split_bytes=None``, what one file
got before). Reported per run: wall, lines/s, ``lines_per_worker`` (both busy?), and whether
the records equal ``logsieve classify --no-llm --format jsonl`` on the same file, in order:
the same (line, label_id, template) for every line, by count and sha256.

Writes benchmarks/results/ray_one_file.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import replay_stream, write_result


def digest(records: list[dict[str, Any]]) -> tuple[int, str]:
    h = hashlib.sha256()
    for r in records:
        h.update(f"{r['line']}\t{r['label_id']}\t{r['template']}\n".encode())
    return len(records), h.hexdigest()


def cli_records(path: Path) -> tuple[list[dict[str, Any]], float]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "logsieve", "classify", "--no-llm", "--format", "jsonl", str(path)],
        capture_output=True,
        check=True,
    ).stdout
    return [json.loads(x) for x in out.splitlines()], time.perf_counter() - t0


def ray_records(out: Path) -> list[dict[str, Any]]:
    files = sorted(f for f in out.glob("*.json*") if f.is_file())
    return [json.loads(x) for f in files for x in f.read_text(encoding="utf-8").splitlines()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    import ray

    from logsieve.engines.ray import SPLIT_BYTES, classify_files
    from logsieve.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="ray_one_file_"))
    path = work / "replay.log"
    with path.open("w", encoding="utf-8") as f:
        for line in replay_stream(args.lines):
            f.write(line + "\n")
    cli, cli_s = cli_records(path)
    want = digest(cli)

    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    settings = Settings(_env_file=None, llm_enabled=False)  # type: ignore[call-arg]
    runs: dict[str, Any] = {}
    for name, split in (("split", SPLIT_BYTES), ("whole", None)):
        out = work / f"{name}.jsonl"
        summary = classify_files(
            [str(path)], str(out), settings, workers=args.workers, split_bytes=split
        )
        got = digest(ray_records(out))
        runs[name] = {
            "split_bytes": split,
            "seconds": summary["seconds"],
            "lines_per_s": summary["lines_per_s"],
            "lines_per_worker": summary["lines_per_worker"],
            "both_workers_busy": sum(n > 0 for n in summary["lines_per_worker"]) >= 2,
            "same_records_as_cli_in_order": got == want,
        }
        print(name, json.dumps(runs[name]), flush=True)
    ray.shutdown()
    payload = {
        "lines": args.lines,
        "file_bytes": path.stat().st_size,
        "workers": args.workers,
        "cli_one_process": {"seconds": round(cli_s, 2), "lines_per_s": round(args.lines / cli_s)},
        "runs": runs,
        "split_vs_whole_wall": round(runs["split"]["seconds"] / runs["whole"]["seconds"], 3),
    }
    print("written to", write_result("ray_one_file", payload))
    for f in work.glob("**/*"):
        if f.is_file():
            f.unlink()


if __name__ == "__main__":
    main()
