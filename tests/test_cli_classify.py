"""`logsieve classify` as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import csv
import io
import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import data_path


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "logsieve", "classify", "--no-llm", *args],
        input=stdin,
        capture_output=True,
        timeout=300,
        check=False,
    )


def records(out: bytes) -> list[dict]:
    return [json.loads(x) for x in out.decode().splitlines()]


def test_text_to_jsonl_with_journey() -> None:
    p = run("-q", stdin=b"User alice logged in.\n\nBackup completed successfully.\nodd line 7\n")
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    assert [r["line"] for r in recs] == [1, 3, 4]  # the blank line is not a log line
    assert [r["final_category"] for r in recs] == ["USER_ACTION", "BACKUP", recs[2]["label_id"]]
    assert [s["stage"] for s in recs[0]["journey"]] == [
        "Regex Engine",
        "BERT Model",
        "LLM Fallback",
    ]
    assert recs[2]["template"] == "odd line <NUM>"


def test_csv_in_csv_out_keeps_source_and_order(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        'source,log_message\nweb,"User bob logged out, bye"\ndb,Backup started at 2025-01-01\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    p = run(str(src), "--format", "csv", "-o", str(out), "-q")
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["source"], r["label_id"]) for r in rows] == [
        ("web", "USER_ACTION"),
        ("db", "BACKUP"),
    ]
    assert rows[0]["log_message"] == "User bob logged out, bye"


def test_summary_on_stderr() -> None:
    p = run(stdin=b"User a logged in.\nUser b logged in.\nBackup ended at noon\n")
    err = p.stderr.decode()
    assert "3 lines" in err and "USER_ACTION" in err and "regex" in err
    assert "lines/s" in err
    # Two lines past the rules share a template: the reuse is counted although both came in
    # one batch (no cache hit).
    p = run(
        stdin=b"worker 7 finished the nightly import\nworker 9 finished the nightly import\n"
        b"User a logged in.\n"
    )
    err = p.stderr.decode()
    assert (
        "2 lines past the rules, 1 distinct, 1 lines (50.0%) answered from a "
        "template already decided"
    ) in err, err


def test_bad_json_line_named_and_rest_classified() -> None:
    p = run(
        "-q",
        stdin=b'{"log_message": "User a logged in."}\n{oops\n{"log_message": "Backup completed"}\n',
    )
    assert p.returncode == 1
    assert "line 2: not valid JSON" in p.stderr.decode()
    recs = records(p.stdout)
    assert [r["line"] for r in recs] == [1, 2, 3]
    assert recs[0]["label_id"] == "USER_ACTION" and recs[2]["label_id"] == "BACKUP"
    assert "error" in recs[1]


def test_undecodable_bytes_named(tmp_path: Path) -> None:
    f = tmp_path / "x.log"
    f.write_bytes(b"User a logged in.\nbad \xff\xfe bytes here\nUser c logged in.\n")
    p = run(str(f), "-q")
    assert p.returncode == 1
    assert "line 2: not valid UTF-8" in p.stderr.decode()
    assert len(records(p.stdout)) == 3


def test_missing_column_named(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    p = run(str(f), "-q")
    assert p.returncode != 0
    assert "line 1" in p.stderr.decode() and "'log_message'" in p.stderr.decode()


def test_empty_input() -> None:
    p = run(stdin=b"")
    assert p.returncode == 1
    assert "empty input" in p.stderr.decode()


def test_one_megabyte_line(tmp_path: Path) -> None:
    f = tmp_path / "big.log"
    f.write_bytes(b"User a logged in.\n" + b"z" * 1_048_576 + b"\nUser b logged in.\n")
    p = run(str(f), "-q")
    assert "line 2: 1,048,576 characters" in p.stderr.decode()
    recs = records(p.stdout)
    assert [r["line"] for r in recs] == [1, 2, 3]
    assert recs[2]["label_id"] == "USER_ACTION"


def test_missing_file_named() -> None:
    p = run("/nonexistent/file.log", "-q")
    assert p.returncode != 0 and "/nonexistent/file.log" in p.stderr.decode()


def test_unknown_taxonomy_is_usage_error() -> None:
    p = run("-t", "nope", stdin=b"x\n")
    assert p.returncode == 2 and "no such taxonomy" in p.stderr.decode()


def test_real_loghub_file_keeps_every_line_in_order() -> None:
    src = data_path("loghub", "OpenSSH", "OpenSSH_2k.log")
    p = run(str(src), "-q", "--batch-size", "300")
    assert p.returncode == 0, p.stderr[-500:]
    recs = records(p.stdout)
    lines = [x for x in src.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(recs) == len(lines) == 2000
    assert [r["log_analyzed"] for r in recs] == lines


def test_a_log_file_that_starts_with_a_json_line_is_read_as_text(tmp_path: Path) -> None:
    # Structured and plain lines mixed in one app.log: every line is a log line, none an error.
    f = tmp_path / "app.log"
    f.write_text(
        '{"severity": "INFO", "message": "Copy of customers written to backup store"}\n'
        "User alice logged in.\n",
        encoding="utf-8",
    )
    p = run(str(f), "-q")
    assert p.returncode == 0, p.stderr
    recs = records(p.stdout)
    assert [r["line"] for r in recs] == [1, 2] and "error" not in recs[0]
    assert recs[1]["label_id"] == "USER_ACTION"
    # On stdin, a first JSON line without the text field is a structured log, not JSONL input.
    p = run("-q", stdin=b'{"level": "info", "msg": "cache warmed"}\nUser bob logged in.\n')
    assert p.returncode == 0, p.stderr
    assert [r["line"] for r in records(p.stdout)] == [1, 2]


def spawn_reading(
    *args: str,
    stdin: int | None = None,
) -> tuple[subprocess.Popen[bytes], queue.Queue[bytes]]:
    """`logsieve classify --no-llm ARGS` left running, its stdout lines put in a queue as they
    come (a thread reads them), for tests of answers that must not wait for the end."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "logsieve", "classify", "--no-llm", *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    out: queue.Queue[bytes] = queue.Queue()
    threading.Thread(
        target=lambda: [out.put(x) for x in iter(proc.stdout.readline, b"")], daemon=True
    ).start()
    return proc, out


def test_stdin_lines_are_answered_as_they_arrive() -> None:
    # `tail -f app.log | logsieve classify -`: the pipe stays open, answers must not wait for
    # a full batch or for the end of input.
    proc, out = spawn_reading("-q", "--flush-ms", "100", "-", stdin=subprocess.PIPE)
    assert proc.stdin is not None
    try:
        proc.stdin.write(b"User alice logged in.\nBackup completed successfully.\n")
        proc.stdin.flush()
        got = [json.loads(out.get(timeout=120)), json.loads(out.get(timeout=30))]
        assert [r["line"] for r in got] == [1, 2]
        assert [r["label_id"] for r in got] == ["USER_ACTION", "BACKUP"]
        time.sleep(0.3)
        proc.stdin.write(b"User bob logged out.\n")  # a later line, alone: still answered
        proc.stdin.flush()
        third = json.loads(out.get(timeout=30))
        assert third["line"] == 3 and third["label_id"] == "USER_ACTION"
        assert proc.poll() is None  # still reading: the input is not over
    finally:
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    assert out.empty()


def test_ctrl_c_ends_a_stream_whose_input_is_still_open() -> None:
    # The input stays open (tail -f): the main thread waits on the reader's queue. Ctrl-C must
    # end the run, whichever thread the kernel would have handed the signal to.
    for _ in range(3):
        proc, out = spawn_reading("-q", "--flush-ms", "50", "-", stdin=subprocess.PIPE)
        assert proc.stdin is not None
        try:
            proc.stdin.write(b"User alice logged in.\n")
            proc.stdin.flush()
            assert json.loads(out.get(timeout=120))["label_id"] == "USER_ACTION"
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=30) == 130  # interrupted, not left waiting for input
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stdin.close()


def test_timed_chunks_keep_order_and_size() -> None:
    from logsieve.cli.classify import _timed_chunks
    from logsieve.inputs import Record

    recs = [Record(i, f"line {i}") for i in range(1, 1001)]
    chunks = list(_timed_chunks(iter(recs), 64, 5.0))
    assert [r.line for c in chunks for r in c] == list(range(1, 1001))
    assert max(len(c) for c in chunks) == 64 and all(chunks)

    def broken():
        yield Record(1, "a")
        raise OSError("disk went away")

    import pytest

    seen = []
    with pytest.raises(OSError, match="disk went away"):
        for c in _timed_chunks(broken(), 8, 0.05):
            seen += c
    assert [r.line for r in seen] == [1]  # what was read before the error is not lost


def test_follow_reads_appended_lines_across_rotation(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("User alice logged in.\n", encoding="utf-8")
    proc, out = spawn_reading("--follow", str(log), "--flush-ms", "50")
    assert proc.stderr is not None
    try:
        assert json.loads(out.get(timeout=120))["label_id"] == "USER_ACTION"
        with log.open("a", encoding="utf-8") as f:
            f.write("Backup completed successfully.\nUser bob logged ")  # half a line
            f.flush()
        assert json.loads(out.get(timeout=30))["label_id"] == "BACKUP"
        with log.open("a", encoding="utf-8") as f:
            f.write("out.\n")  # the line is whole now
        second = json.loads(out.get(timeout=30))
        assert second["log_analyzed"] == "User bob logged out." and second["line"] == 3
        # Rotation: renamed away, a new file under the name.
        log.rename(tmp_path / "app.log.1")
        log.write_text("Backup started at noon\n", encoding="utf-8")
        assert json.loads(out.get(timeout=30))["label_id"] == "BACKUP"
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)  # how a followed run ends: summary, exit 0
        assert proc.wait(timeout=60) == 0, proc.stderr.read().decode()
    assert "4 lines" in proc.stderr.read().decode()


def test_follow_needs_exactly_one_file() -> None:
    p = run("--follow", stdin=b"x\n")
    assert p.returncode == 2 and "--follow follows one file" in p.stderr.decode()


def test_flag_help_shows_no_value_for_flags() -> None:
    # typer's rich help printed every flag as "--no-llm <bool>", as if it took a value
    p = subprocess.run(
        [sys.executable, "-m", "logsieve", "classify", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "--no-llm" in p.stdout and "<bool>" not in p.stdout
    assert "--out <path>" in p.stdout  # options that take a value still say which


def _stderr_on_a_terminal(args: list[str], stdout: Path) -> tuple[int, str]:
    """Run ``logsieve classify ARGS`` with stderr on a pseudo-terminal (where the progress bar
    is drawn) and stdout to a file: (exit status, what the terminal showed)."""
    import os
    import pty

    master, slave = pty.openpty()
    with stdout.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "logsieve", "classify", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=slave,
        )
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return proc.wait(timeout=300), shown.decode("utf-8", "replace")


def test_progress_on_a_terminal_has_a_total_and_an_eta(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    log.write_text(
        "".join(f"Connection {i} to db-{i % 5} took {i % 97} ms\n" for i in range(60_000))
    )
    status, shown = _stderr_on_a_terminal([str(log), "--no-llm"], tmp_path / "out.jsonl")
    assert status == 0
    assert "ETA" in shown and "%" in shown
    size_mb = f"/{log.stat().st_size / 1e6:.1f} MB"  # rich's decimal units
    assert size_mb in shown
    assert "60,000 lines in" in shown  # the summary, after the bar
    # the bar is on stderr only: stdout holds the records and nothing else
    records = (tmp_path / "out.jsonl").read_text().splitlines()
    assert len(records) == 60_000 and all(r.startswith("{") for r in records)


def test_progress_of_a_stream_counts_lines_with_no_total(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("".join(f"Worker {i} done in {i} s\n" for i in range(60_000)))
    fifo = tmp_path / "pipe"
    import os

    os.mkfifo(fifo)
    feeder = threading.Thread(target=lambda: fifo.write_bytes(log.read_bytes()))
    feeder.start()
    status, shown = _stderr_on_a_terminal([str(fifo), "--no-llm"], tmp_path / "out.jsonl")
    feeder.join()
    assert status == 0
    assert "lines" in shown and "ETA" not in shown  # a pipe has no size to read against
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 60_000
