"""Grouping accuracy and speed of the template key on LogHub-2k.

Run: ``python benchmarks/template_grouping.py`` (from the repository root).

For each of the 16 LogHub systems it groups the 2,000 lines by ``template_key`` and compares
the groups with LogHub's ground-truth ``EventId`` (grouping accuracy, GA, as in Zhu et al. and
LogHub-2.0: a line is correct iff the set of lines sharing its key equals the set of lines
sharing its EventId). GA is measured twice: on the ``Content`` column (the message alone) and
on the raw lines of ``<X>_2k.log`` (headers included: what the cache really sees). It also
counts keys against true templates and tells which way each system errs: "fine" (a true
template split into several keys: more cache misses) or "coarse" (several templates under
one key: a cached decision reused for a line it may not fit).

Writes ``benchmarks/results/template_grouping.json``. Data directory: ``$LOGSIEVE_DATA_DIR``
or ``../shared/data`` next to the repository.

Speed on a shared machine swings with the load (recorded as ``load_average_1m``). To compare two
maskers fairly, pass an older ``templates.py`` with ``--reference PATH``: both are timed
interleaved, several rounds, and the median ratio is recorded (``speed_vs_reference``).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from logsieve.templates import TemplateMasker, template_key

REPO = Path(__file__).resolve().parents[1]
SYSTEMS = (
    "Android", "Apache", "BGL", "HDFS", "HPC", "Hadoop", "HealthApp", "Linux",
    "Mac", "OpenSSH", "OpenStack", "Proxifier", "Spark", "Thunderbird", "Windows", "Zookeeper",
)  # fmt: skip
# Published averages on LogHub-2k (Zhu et al. 2019 for Drain; LLM-based parsers 2023-24).
ANCHORS = {"Drain": 0.85, "best LLM-based parsers": "0.95-0.97"}


def data_dir() -> Path:
    env = os.environ.get("LOGSIEVE_DATA_DIR")
    return Path(env) if env else REPO.parent / "shared" / "data"


def load_system(root: Path, system: str) -> tuple[list[str], list[str], list[str]]:
    """Return (contents, raw lines, event ids) of one LogHub-2k system, in file order."""
    folder = root / "loghub" / system
    with open(folder / f"{system}_2k.log_structured.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    raw = (folder / f"{system}_2k.log").read_text(encoding="utf-8", errors="replace")
    lines = [line.rstrip("\r") for line in raw.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != len(rows):
        raise ValueError(f"{system}: {len(lines)} raw lines but {len(rows)} structured rows")
    return [r["Content"] for r in rows], lines, [r["EventId"] for r in rows]


def grouping_accuracy(predicted: Sequence[str], truth: Sequence[str]) -> dict[str, Any]:
    """GA plus the split/merge diagnosis of the errors.

    A predicted group is correct iff it holds exactly the lines of one true group. Lines in
    wrong groups are attributed to "coarse" when their predicted group mixes true templates,
    else to "fine" (their true template was split across keys).
    """
    by_key: dict[str, list[int]] = defaultdict(list)
    by_event: dict[str, list[int]] = defaultdict(list)
    for i, (key, event) in enumerate(zip(predicted, truth, strict=True)):
        by_key[key].append(i)
        by_event[event].append(i)
    correct = coarse = fine = 0
    for members in by_key.values():
        events = {truth[i] for i in members}
        if len(events) > 1:
            coarse += len(members)
        elif len(by_event[truth[members[0]]]) == len(members):
            correct += len(members)
        else:
            fine += len(members)
    n = len(truth)
    return {
        "ga": correct / n,
        "keys": len(by_key),
        "templates": len(by_event),
        "lines_in_coarse_keys": coarse,
        "lines_in_split_templates": fine,
    }


def lines_per_second(lines: list[str], repeats: int = 3) -> tuple[float, float]:
    """(cold, warm) lines/s of one thread, best of ``repeats``.

    Cold: a fresh masker, every line seen once (its token memo starts empty). Warm: the same
    masker on the same lines again (every token is a memo hit; the best case).
    """
    cold = warm = 0.0
    for _ in range(repeats):
        masker = TemplateMasker()
        key = masker.key
        start = time.perf_counter()
        for line in lines:
            key(line)
        cold = max(cold, len(lines) / (time.perf_counter() - start))
        start = time.perf_counter()
        for line in lines:
            key(line)
        warm = max(warm, len(lines) / (time.perf_counter() - start))
    return cold, warm


class _Masker(Protocol):
    def key(self, line: str) -> str: ...


def _cold_run(masker: _Masker, lines: list[str]) -> float:
    key = masker.key
    start = time.perf_counter()
    for line in lines:
        key(line)
    return len(lines) / (time.perf_counter() - start)


def speed_vs_reference(lines: list[str], reference: Path, rounds: int = 7) -> dict[str, Any]:
    """Cold lines/s of this masker and of the ``TemplateMasker`` in ``reference``, interleaved."""
    spec = importlib.util.spec_from_file_location("reference_templates", reference)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot load {reference}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(rounds):
        ours.append(_cold_run(TemplateMasker(), lines))
        theirs.append(_cold_run(module.TemplateMasker(), lines))
    # The same keys, line for line? Also on a replay with fresh digits, where a memo keyed by
    # token shape is exercised hardest.
    from common import replay_stream

    replay = list(replay_stream(100_000))
    mine, old = TemplateMasker(), module.TemplateMasker()
    differ = sum(mine.key(line) != old.key(line) for line in [*lines, *replay])
    return {
        "reference": str(reference),
        "rounds": rounds,
        "median_lines_per_s": statistics.median(ours),
        "reference_median_lines_per_s": statistics.median(theirs),
        "median_ratio": statistics.median(ours) / statistics.median(theirs),
        "replay_lines_per_s": _cold_run(TemplateMasker(), replay),
        "reference_replay_lines_per_s": _cold_run(module.TemplateMasker(), replay),
        "lines_compared": len(lines) + len(replay),
        "lines_with_different_keys": differ,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference", type=Path, help="an older templates.py to time against")
    args = parser.parse_args()
    root = data_dir()
    if not (root / "loghub").is_dir():
        print(f"LogHub data not found under {root} (set LOGSIEVE_DATA_DIR)", file=sys.stderr)
        return 1
    systems: dict[str, Any] = {}
    all_raw: list[str] = []
    header = (
        f"{'system':<12} {'GA content':>10} {'GA raw':>7} {'keys c/r':>9} {'true':>5} "
        f"{'err c':>6} {'err r':>6} {'cold l/s':>9} {'warm l/s':>9}"
    )
    print(header)
    print("-" * len(header))
    for system in SYSTEMS:
        contents, raw, events = load_system(root, system)
        all_raw.extend(raw)
        on_content = grouping_accuracy([template_key(c) for c in contents], events)
        on_raw = grouping_accuracy([template_key(r) for r in raw], events)
        cold, warm = lines_per_second(raw)
        systems[system] = {
            "content": on_content,
            "raw": on_raw,
            "raw_lines_per_s_cold": cold,
            "raw_lines_per_s_warm": warm,
        }
        print(
            f"{system:<12} {on_content['ga']:>10.3f} {on_raw['ga']:>7.3f} "
            f"{on_content['keys']:>4}/{on_raw['keys']:<4} {on_content['templates']:>5} "
            f"{_diagnosis(on_content):>6} {_diagnosis(on_raw):>6} {cold:>9,.0f} {warm:>9,.0f}"
        )
    avg_content = sum(s["content"]["ga"] for s in systems.values()) / len(systems)
    avg_raw = sum(s["raw"]["ga"] for s in systems.values()) / len(systems)
    overall_cold, overall_warm = lines_per_second(all_raw)
    print("-" * len(header))
    print(f"{'average':<12} {avg_content:>10.3f} {avg_raw:>7.3f}")
    print(
        f"masker, one thread, all {len(all_raw):,} raw lines: {overall_cold:,.0f} lines/s cold "
        f"(fresh token memo), {overall_warm:,.0f} lines/s warm"
    )
    load = os.getloadavg()[0]
    print(f"load average (1 min) while measuring: {load:.1f} on {os.cpu_count()} cores")
    versus = speed_vs_reference(all_raw, args.reference) if args.reference else None
    if versus is not None:
        print(
            f"vs {args.reference}: {versus['median_lines_per_s']:,.0f} vs "
            f"{versus['reference_median_lines_per_s']:,.0f} lines/s cold (median of "
            f"{versus['rounds']} interleaved rounds): ratio {versus['median_ratio']:.2f}; "
            f"replay with fresh digits {versus['replay_lines_per_s']:,.0f} vs "
            f"{versus['reference_replay_lines_per_s']:,.0f}; keys differ on "
            f"{versus['lines_with_different_keys']} of {versus['lines_compared']:,} lines"
        )
    print(f"anchors: Drain ~{ANCHORS['Drain']}, LLM-based {ANCHORS['best LLM-based parsers']}")
    print("err: which way the errors go (fine = templates split, coarse = templates merged)")
    result = {
        "command": "python benchmarks/template_grouping.py",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "average_ga_content": avg_content,
        "average_ga_raw": avg_raw,
        "masker_lines_per_s_all_raw_cold": overall_cold,
        "masker_lines_per_s_all_raw_warm": overall_warm,
        "load_average_1m": load,
        "speed_vs_reference": versus,
        "anchors": ANCHORS,
        "systems": systems,
    }
    out = REPO / "benchmarks" / "results" / "template_grouping.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(REPO)}")
    return 0


def _diagnosis(ga: dict[str, Any]) -> str:
    """'ok', 'fine', 'coarse' or 'both': which kind of error dominates the lost lines."""
    coarse, fine = ga["lines_in_coarse_keys"], ga["lines_in_split_templates"]
    if coarse == fine == 0:
        return "ok"
    if coarse and fine:
        return "fine" if fine > 2 * coarse else "coarse" if coarse > 2 * fine else "both"
    return "fine" if fine else "coarse"


if __name__ == "__main__":
    sys.exit(main())
