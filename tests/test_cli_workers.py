"""`logsieve classify --workers N` (engines/processes.py): real processes, real files, the real
model. The answers must be one process's, in input order, with nothing lost."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from logsieve.cache import Decision, DecisionCache

WORDS = (
    "disk",
    "user",
    "session",
    "payment",
    "backup",
    "kernel",
    "socket",
    "token",
    "queue",
    "replica",
    "shard",
    "cron",
    "mail",
    "cache",
    "index",
)
SHAPES = (
    "{w} {n} failed to connect to 10.0.{n}.{m}:{p}: connection refused",
    "User u{n} logged in from 192.168.{m}.{n}",
    "{w} job {n} finished in {m} ms",
    "ERROR {w}: timeout after {m}s on request {n}",
    "WARN {w} usage at {m}% on node-{n}",
    "Deprecated API /v1/{w} called by client {n}",
    "{w} {n} backup completed, {m} files",
    "kernel: {w}{n}: I/O error, sector {m}",
)


def _lines(n: int, seed: int = 5) -> list[str]:
    """n log lines from a few hundred templates (the words vary the template, the numbers
    only the values), as real logs repeat."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        shape = rng.choice(SHAPES)
        words = " ".join(rng.sample(WORDS, rng.randint(1, 2)))
        out.append(
            shape.format(
                w=words, n=rng.randint(1, 9999), m=rng.randint(1, 999), p=rng.randint(1000, 9999)
            )
        )
    return out


def _run(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "logsieve", "classify", "--no-llm", "-q", *args],
        capture_output=True,
        timeout=timeout,
    )


def _untimed(path: Path) -> list[dict]:
    """The records without the measured times (which no two runs share)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        rec.pop("processing_time_ms")
        for step in rec["journey"]:
            step.pop("duration_ms", None)
        out.append(rec)
    return out


def _cache_keys(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return {json.loads(line)["key"] for line in lines}


@pytest.fixture(scope="module")
def logfile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("workers") / "app.log"
    path.write_text("\n".join(_lines(6000)) + "\n", encoding="utf-8")
    return path


def test_two_workers_answer_as_one_process_does(logfile: Path, tmp_path: Path) -> None:
    """Blocks of 4 batches of 64 lines: 24 blocks, templates met first in blocks in flight
    at once, so the merge and the alternative lines are exercised."""
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    c1, c2 = tmp_path / "c1.jsonl", tmp_path / "c2.jsonl"
    for out, cache, workers in ((one, c1, "1"), (two, c2, "2")):
        p = _run(
            str(logfile),
            "--workers",
            workers,
            "--batch-size",
            "64",
            "--cache",
            str(cache),
            "-o",
            str(out),
        )
        assert p.returncode == 0, p.stderr.decode()
    first, second = _untimed(one), _untimed(two)
    assert [r["line"] for r in second] == list(range(1, 6001))
    # Cold: a template two workers both decided is encoded in other batches, which can move
    # the fourth decimal of a confidence; everything else is the same.
    for a, b in zip(first, second, strict=True):
        assert a["final_confidence"] == pytest.approx(b["final_confidence"], abs=2e-4)
        for rec in (a, b):
            rec.pop("final_confidence")
            for step in rec["journey"]:
                step.pop("confidence", None)
        assert a == b
    assert sum(r["new_template"] for r in second) == len(_cache_keys(c1))
    assert _cache_keys(c2) == _cache_keys(c1)
    # Warm: from the same cache file, byte for byte the same records apart from times.
    w1, w2 = tmp_path / "w1.jsonl", tmp_path / "w2.jsonl"
    for out, workers in ((w1, "1"), (w2, "2")):
        p = _run(
            str(logfile),
            "--workers",
            workers,
            "--batch-size",
            "64",
            "--cache",
            str(c1),
            "-o",
            str(out),
        )
        assert p.returncode == 0, p.stderr.decode()
    assert _untimed(w1) == _untimed(w2)
    assert not any(r["new_template"] for r in _untimed(w2))


def test_csv_output_and_summary_with_workers(logfile: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "logsieve",
            "classify",
            "--no-llm",
            str(logfile),
            "--workers",
            "2",
            "--batch-size",
            "128",
            "-f",
            "csv",
            "-o",
            str(out),
        ],
        capture_output=True,
        timeout=240,
    )
    assert p.returncode == 0, p.stderr.decode()
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("line,source,log_message,label_id")
    assert len(rows) == 6001
    assert [int(r.split(",", 1)[0]) for r in rows[1:]] == list(range(1, 6001))
    err = p.stderr.decode()
    assert "6,000 lines in" in err
    counts = [
        int(line.split()[1].replace(",", ""))
        for line in err.split("decided by:")[1].split("templates:")[0].strip().splitlines()
    ]
    assert sum(counts) == 6000


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text()
        kids.extend(int(k) for k in text.split())
    return kids


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_killed_worker_loses_no_line(tmp_path: Path) -> None:
    """A worker killed mid-run (out of memory, kill -9): its blocks go to a new worker, and
    the output still has every line once, in order."""
    src = tmp_path / "big.log"
    src.write_text("\n".join(_lines(40_000, seed=9)) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "logsieve",
            "classify",
            "--no-llm",
            "-q",
            str(src),
            "--workers",
            "2",
            "--batch-size",
            "32",
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not out.exists() or out.stat().st_size == 0):
            time.sleep(0.05)
        assert proc.poll() is None, "finished before a worker could be killed"
        victim = _children(proc.pid)[0]
        os.kill(victim, signal.SIGKILL)
        _, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    lines = [json.loads(line)["line"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines == list(range(1, 40_001))


def test_decisions_taken_and_adopted_between_caches() -> None:
    """What a worker hands on (take_new) and what another takes in (adopt, not new there)."""
    d = Decision("INFO", 0.9, "bert")
    worker = DecisionCache(labels=["INFO"])
    worker.track_new()
    worker.put("a <NUM>", d)
    assert worker.take_new() == [("a <NUM>", d)]
    assert worker.take_new() == []
    other = DecisionCache(labels=["INFO"])
    other.track_new()
    other.adopt([("a <NUM>", d)])
    assert other.peek("a <NUM>") == d
    assert other.take_new() == []
    untracked = DecisionCache()
    untracked.put("b", d)
    assert untracked.take_new() == []
