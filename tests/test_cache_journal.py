"""A crash loses nothing decided (issue 17, item 8): the cache file is a journal appended to
after every batch, read back on start; temporary files a crashed save left are removed.

Real parts: the CLI in a subprocess with the real encoder and head, killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from logsieve.build import build_sieve
from logsieve.cache import Decision, DecisionCache
from logsieve.settings import Settings

#: Lines no rule matches: the embedding stage decides them, one template each.
LINES = [
    "worker 7 finished the nightly import in 12 s",
    "replica 3 applied 4000 entries from the leader",
    "connection pool for orders-db resized to 40",
    "ERROR shard 9 could not be opened: checksum mismatch",
]


def classify_cli(*args: str, stdin: int | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "logsieve", "classify", "--no-llm", *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def journal_keys(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["format"] == "logsieve-template-cache"
    return [json.loads(x)["key"] for x in lines[1:]]


def test_kill_9_mid_run_keeps_the_decisions_made(tmp_path: Path) -> None:
    cache = tmp_path / "templates.jsonl"
    stale = tmp_path / "templates.jsonlab12cd.tmp"  # what a crashed save leaves
    stale.write_text("half a cache", encoding="utf-8")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = tmp_path / "templates.jsonlzz99.tmp"  # a save in progress now: left alone
    fresh.write_text("being written", encoding="utf-8")

    read_fd, write_fd = os.pipe()
    proc = classify_cli("--cache", str(cache), "--flush-ms", "50", "-", stdin=read_fd)
    os.close(read_fd)
    try:
        os.write(write_fd, ("\n".join(LINES) + "\n").encode())
        assert proc.stdout is not None
        answers = [json.loads(proc.stdout.readline()) for _ in LINES]  # the batch is done
        assert [a["log_analyzed"] for a in answers] == LINES
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            not cache.exists() or len(journal_keys(cache)) < len(LINES)
        ):
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # no exit handler, no save
        proc.wait(timeout=30)
    finally:
        os.close(write_fd)
        if proc.poll() is None:
            proc.kill()
    assert not stale.exists() and fresh.exists()
    assert len(journal_keys(cache)) == len(LINES)

    # a restart reads the journal: every line is answered from the cache, no encoder call
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "logsieve",
            "classify",
            "--no-llm",
            "-q",
            "--cache",
            str(cache),
            "-",
        ],
        input="\n".join(LINES).encode(),
        capture_output=True,
        timeout=300,
        check=True,
    )
    out = [json.loads(x) for x in again.stdout.decode().splitlines()]
    assert len(out) == len(LINES)
    for first, second in zip(answers, out, strict=True):
        assert second["final_category"] == first["final_category"]
        bert = second["journey"][1]
        assert "Template seen before" in bert["details"] or "(template cache)" in bert["details"]
    # the exit compacted the journal: one line per template
    assert len(journal_keys(cache)) == len(LINES)


def test_torn_last_line_is_skipped_not_rejected_and_later_lines_win(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    fp = {"taxonomy": "t"}
    cache = DecisionCache(fingerprint=fp, labels=["A", "B"])
    cache.journal_to(path)
    cache.put("k1", Decision("A", 0.8, "llm"))
    cache.put("k2", Decision("A", 0.6, "bert", False))
    cache.sync()
    cache.put("k1", Decision("B", 0.9, "llm"))  # decided again: the later line wins
    cache.sync()
    cache.close_journal()
    with path.open("a", encoding="utf-8") as f:
        f.write('{"key": "k3", "label_id": "A", "conf')  # a crash mid-write
    back = DecisionCache(fingerprint=fp, labels=["A", "B"])
    assert back.load(path) == 3
    assert back.peek("k1") == Decision("B", 0.9, "llm")
    assert back.peek("k2") == Decision("A", 0.6, "bert", False)
    assert back.peek("k3") is None and back.torn == 1 and back.rejected == 0


def test_journal_off_saves_on_exit_only(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    sieve = build_sieve(
        Settings(_env_file=None, llm_enabled=False, cache_path=path, cache_journal=False)
    )
    sieve.classify_batch(LINES)
    assert not path.exists()
    sieve.close()
    assert len(journal_keys(path)) == len(LINES)
    sieve = build_sieve(Settings(_env_file=None, llm_enabled=False, cache_path=path))
    assert sieve.health()["cache"]["journal"] == str(path)
    sieve.classify_batch(["a brand new template line about tape drive 4 cleaning"])
    assert len(journal_keys(path)) == len(LINES) + 1  # written after the batch, not at exit
    sieve.close()
