"""Core throughput: each stage and end to end, cold and warm, plus the CLI's peak RSS.

    python benchmarks/sieve.py [--stream-lines 1000000] [--skip-cli]

(a) the 32,000 LogHub lines, (b) a stream replaying the LogHub templates with fresh values.
Writes benchmarks/results/sieve.json. Medians of repeated runs; absolute numbers on a shared
2-core machine are noisy, ratios measured side by side are what to quote.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import loghub_lines, median_time, proc_status_kb, replay_stream, write_result

from logsieve.build import build_sieve
from logsieve.rules import RuleSet
from logsieve.settings import Settings
from logsieve.taxonomy import Rule, load_taxonomy
from logsieve.templates import template_key


def twenty_rules() -> list[Rule]:
    """The built-in rules of both taxonomies, topped up with typical ones: 20 in all."""
    rules = list(load_taxonomy("standard").rules) + list(load_taxonomy("openstack").rules)
    extra = [
        r"session (?:opened|closed) for user",
        r"\bout of memory\b",
        r"connection (?:refused|reset|timed out)",
        r"\bdeprecated\b",
        r"\bdeadlock\b",
        r"\bdisk (?:full|quota exceeded)\b",
    ]
    rules += [Rule(p, rules[0].label, name=f"extra{i}") for i, p in enumerate(extra)]
    assert len(rules) >= 20
    return rules[:20]


def run_sieve(sieve, lines: list[str], chunk: int = 512) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(lines), chunk):
        sieve.classify_batch(lines[i : i + chunk])
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stream-lines", type=int, default=1_000_000)
    ap.add_argument("--taxonomy", default="standard")
    ap.add_argument("--skip-cli", action="store_true")
    args = ap.parse_args()

    lines = loghub_lines()
    n = len(lines)
    out: dict = {"loghub_lines": n, "taxonomy": args.taxonomy}

    rs = RuleSet(twenty_rules())
    t = median_time(lambda: [rs.match(x) for x in lines], repeat=5)
    out["rules_20_lines_per_s"] = round(n / t)

    t = median_time(lambda: [template_key(x) for x in lines], repeat=3)
    out["template_key_lines_per_s"] = round(n / t)

    settings = Settings(taxonomy=args.taxonomy, llm_enabled=False)
    sieve = build_sieve(settings)
    out["head_loaded"] = sieve.head is not None
    if sieve.encoder is not None:
        keys = list(dict.fromkeys(template_key(x) for x in lines))[:2000]
        sieve.encoder.encode(keys[:64])  # warm the session
        t = median_time(lambda: sieve.encoder.encode(keys), repeat=2)
        out["embedding_stage_unique_templates"] = len(keys)
        out["embedding_stage_lines_per_s"] = round(len(keys) / t, 1)

    # (a) 32k LogHub lines, end to end, cold (empty cache) then warm (same lines again)
    sieve.cache.clear()
    cold = run_sieve(sieve, lines)
    warm = median_time(lambda: run_sieve(sieve, lines), repeat=3)
    out["loghub_cold_lines_per_s"] = round(n / cold)
    out["loghub_warm_lines_per_s"] = round(n / warm)
    out["loghub_templates_cached"] = len(sieve.cache)
    out["loghub_decided_by"] = dict(sieve.counts)

    # (b) the replay stream: fresh values, the same templates
    m = args.stream_lines
    stream = list(replay_stream(m))
    sieve.cache.clear()
    sieve.counts.clear()
    cold = run_sieve(sieve, stream)
    stats_cold = sieve.cache.stats()
    warm = run_sieve(sieve, stream)
    out["stream_lines"] = m
    out["stream_cold_lines_per_s"] = round(m / cold)
    out["stream_warm_lines_per_s"] = round(m / warm)
    # the same warm pass, reading every journey (what JSONL output and /api/classify pay:
    # journeys of rule matches and cache hits are written only when read)
    t0 = time.perf_counter()
    for i in range(0, m, 512):
        for r in sieve.classify_batch(stream[i : i + 512]):
            r.journey  # noqa: B018
    out["stream_warm_journeys_read_lines_per_s"] = round(m / (time.perf_counter() - t0))
    out["stream_cold_cache_hit_rate"] = stats_cold["hit_rate"]
    out["stream_templates"] = stats_cold["size"]

    if not args.skip_cli:
        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "stream.log"
            src.write_text("\n".join(stream) + "\n", encoding="utf-8")
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
                    "-o",
                    str(Path(d) / "out.jsonl"),
                ]
            )
            hwm_kb = 0
            while proc.poll() is None:  # the kernel's high-water mark of the CLI's own RSS
                hwm_kb = max(hwm_kb, proc_status_kb(proc.pid))
                time.sleep(0.2)
            dt = time.perf_counter() - t0
            if proc.returncode:
                raise SystemExit(f"logsieve classify failed ({proc.returncode})")
        out["cli_stream_lines_per_s"] = round(m / dt)
        out["cli_peak_rss_mb"] = round(hwm_kb / 1024, 1)
    out["peak_rss_mb_this_process"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    path = write_result("sieve", out)
    for k, v in out.items():
        print(f"{k:36} {v}")
    print(f"-> {path}")


if __name__ == "__main__":
    main()
