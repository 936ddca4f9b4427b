"""`logsieve classify` on a very long file: does its memory stay flat? (issue 2, §6)

    python benchmarks/cli_memory.py [--lines 10000000] [--format jsonl|csv]

Writes a file of N lines replaying the LogHub templates with fresh values (benchmarks/common.py,
streamed to disk, never held in memory), runs the CLI on it with the shipped head and no LLM,
output to /dev/null, and samples the CLI's resident memory (VmRSS) every half second. Reports
the RSS after each tenth of the lines' run time, the peak (VmHWM) and lines/s. Flat means the
last tenth's RSS is no higher than the first's plus a little (the cache fills with the few
thousand templates early). Writes benchmarks/results/cli_memory.json.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import proc_status_kb, replay_stream, write_result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--format", default="jsonl", choices=["jsonl", "csv"])
    ap.add_argument("--taxonomy", default="standard")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "stream.log"
        with src.open("w", encoding="utf-8") as f:
            for line in replay_stream(args.lines):
                f.write(line)
                f.write("\n")
        size_mb = src.stat().st_size / 2**20
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "logsieve",
                "classify",
                str(src),
                "-q",
                "--no-llm",
                "-t",
                args.taxonomy,
                "--format",
                args.format,
                "-o",
                "/dev/null",
            ]
        )
        samples: list[tuple[float, int]] = []  # (seconds since start, VmRSS kB)
        hwm_kb = 0
        while proc.poll() is None:
            rss = proc_status_kb(proc.pid, "VmRSS:")
            hwm_kb = max(hwm_kb, proc_status_kb(proc.pid, "VmHWM:"))
            if rss:
                samples.append((time.perf_counter() - t0, rss))
            time.sleep(0.5)
        dt = time.perf_counter() - t0
        if proc.returncode:
            raise SystemExit(f"logsieve classify failed ({proc.returncode})")

    tenths = []
    for k in range(1, 11):  # the last sample at or before each tenth of the run
        upto = [rss for t, rss in samples if t <= dt * k / 10]
        tenths.append(round((upto[-1] if upto else 0) / 1024, 1))
    out = {
        "lines": args.lines,
        "file_mb": round(size_mb, 1),
        "format": args.format,
        "taxonomy": args.taxonomy,
        "seconds": round(dt, 1),
        "lines_per_s": round(args.lines / dt),
        "peak_rss_mb": round(hwm_kb / 1024, 1),
        "rss_mb_at_each_tenth": tenths,
        "rss_growth_first_to_last_tenth_mb": round(tenths[-1] - tenths[0], 1),
    }
    path = write_result("cli_memory", out)
    for k, v in out.items():
        print(f"{k:36} {v}")
    print(f"-> {path}")


if __name__ == "__main__":
    main()
