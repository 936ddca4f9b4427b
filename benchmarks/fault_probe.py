"""Bad input and faults, replayed against a live ``logsieve serve`` and the real CLI.

    python benchmarks/fault_probe.py

Starts ``logsieve serve`` on a free port (shipped head, no LLM, the HTTP limits lowered to
2 s so the slow-client cases are quick), then tries each case of issue 17's list: malformed,
mistyped, empty, binary, oversized and slow requests, broken CSV, hostile files for the CLI,
a poisoned and a non-UTF-8 cache file, ``kill -9`` mid-run. For each it checks the answer
(status, JSON error body, or what the CLI wrote) and that no line was lost or reordered.
Prints tried / passed and writes benchmarks/results/fault_probe.json; exit 1 if any failed.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from common import write_result

RULE = "User alice logged in."
ENV_LIMITS = {
    "LOGSIEVE_HTTP_HEADER_TIMEOUT_S": "2",
    "LOGSIEVE_HTTP_BODY_TIMEOUT_S": "2",
    "LOGSIEVE_LLM_ENABLED": "false",
    "LOGSIEVE_MAX_MESSAGE_CHARS": "2000",
    "LOGSIEVE_MAX_BATCH_LINES": "1000",
    "LOGSIEVE_MAX_BODY_BYTES": "1048576",
}


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGSIEVE_", "LLM_"))}
    return {**env, **ENV_LIMITS, **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def binary_line(rng: random.Random) -> str:
    raw = bytes(rng.randrange(256) for _ in range(rng.randrange(20, 100)))
    return raw.replace(b"\n", b" ").decode("utf-8", errors="replace")


def raw_exchange(port: int, data: bytes, wait_s: float = 10) -> tuple[bytes, float]:
    """Send ``data`` and read until the server closes; (reply, seconds)."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait_s) as s:
        if data:
            s.sendall(data)
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            return b"<held open>", time.monotonic() - t0
    return b"".join(chunks), time.monotonic() - t0


def status_of(raw: bytes) -> int:
    try:
        return int(raw.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def cli(
    *args: str, stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "logsieve", "classify", "--no-llm", *args],
        input=stdin,
        capture_output=True,
        timeout=300,
        check=False,
        env=env or clean_env(),
    )


class Probe:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def case(self, name: str, expected: str, fn: Callable[[], tuple[bool, str]]) -> None:
        try:
            ok, got = fn()
        except Exception as exc:  # a case that crashes is a failed case, the probe goes on
            ok, got = False, f"{type(exc).__name__}: {exc}"
        self.rows.append({"case": name, "expected": expected, "got": got[:160], "passed": ok})
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {got[:120]}", file=sys.stderr)


def http_cases(p: Probe, url: str, port: int) -> None:
    c = httpx.Client(base_url=url, timeout=30)
    rng = random.Random(5)

    def err(r: httpx.Response, status: int, code: str) -> tuple[bool, str]:
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        return (
            r.status_code == status and body.get("error") == code,
            f"{r.status_code} {body.get('error')}",
        )

    p.case(
        "malformed JSON",
        "400 malformed_json",
        lambda: err(
            c.post("/api/classify", content=b"{", headers={"content-type": "application/json"}),
            400,
            "malformed_json",
        ),
    )
    p.case(
        "text/plain body",
        "415 unsupported_media_type",
        lambda: err(
            c.post(
                "/api/classify",
                content=b'{"log_message":"x y"}',
                headers={"content-type": "text/plain"},
            ),
            415,
            "unsupported_media_type",
        ),
    )
    p.case(
        "empty log_message",
        "422 validation_error",
        lambda: err(c.post("/api/classify", json={"log_message": ""}), 422, "validation_error"),
    )
    p.case(
        "whitespace-only log_message",
        "422 validation_error",
        lambda: err(c.post("/api/classify", json={"log_message": " \t "}), 422, "validation_error"),
    )
    p.case(
        "log_message over the limit",
        "422 message_too_long",
        lambda: err(
            c.post("/api/classify", json={"log_message": "x" * 5000}), 422, "message_too_long"
        ),
    )
    p.case(
        "batch over the limit",
        "413 batch_too_large",
        lambda: err(
            c.post("/classify", json=[{"log_message": RULE}] * 1001), 413, "batch_too_large"
        ),
    )
    p.case(
        "body over the limit",
        "413 body_too_large",
        lambda: err(
            c.post(
                "/api/classify",
                content=b'{"log_message":"' + b"a" * 2_000_000 + b'"}',
                headers={"content-type": "application/json"},
            ),
            413,
            "body_too_large",
        ),
    )
    p.case("unknown route", "404 not_found", lambda: err(c.get("/nope"), 404, "not_found"))

    def binary() -> tuple[bool, str]:
        r = c.post("/api/classify", json={"log_message": binary_line(rng)}).json()
        return (
            r["final_category"] == "UNCLASSIFIED"
            and r["classifier"] == "none"
            and r["final_confidence"] == 0,
            f"{r['final_category']} {r['classifier']}",
        )

    p.case("binary line", "200 UNCLASSIFIED, no model asked", binary)

    def batch() -> tuple[bool, str]:
        items = [
            {
                "log_message": RULE
                if i % 3 == 0
                else (binary_line(rng) if i % 3 == 1 else f"worker {i} finished job {i * 7}")
            }
            for i in range(1000)
        ]
        out = c.post("/classify", json=items).json()
        ok = (
            len(out) == 1000
            and all(o["label_id"] == "USER_ACTION" for o in out[0::3])
            and all(o["label_id"] == "UNCLASSIFIED" and o["source"] == "none" for o in out[1::3])
        )
        return ok, f"{len(out)} answers, rule lines and binary lines where sent"

    p.case("1,000-line mixed batch", "1,000 answers in order", batch)

    unclosed = b'source,log_message\napp,ok line\napp,"never closed\napp,last\n'
    p.case(
        "CSV with an unclosed quote",
        "422 invalid_csv naming line 3",
        lambda: (
            (
                r := c.post("/api/classify/csv", files={"file": ("a.csv", unclosed, "text/csv")})
            ).status_code
            == 422
            and r.json()["detail"][0]["line"] == 3,
            f"{r.status_code} {r.json().get('message', '')[:60]}",
        ),
    )

    def csv_ok() -> tuple[bool, str]:
        rows = "".join(f"app,User u{i} logged in.\n" for i in range(300))
        r = c.post(
            "/api/classify/csv",
            files={"file": ("a.csv", ("source,log_message\n" + rows).encode(), "text/csv")},
        )
        lines = r.text.strip().splitlines()
        return (
            r.status_code == 200
            and len(lines) == 301
            and all(x.endswith("USER_ACTION") for x in lines[1:]),
            f"{len(lines) - 1} rows",
        )

    p.case("CSV of 300 rows", "300 rows back, in order", csv_ok)

    p.case(
        "100 KB header",
        "431 headers_too_large",
        lambda: err(c.get("/", headers={"X-Big": "a" * 100_000}), 431, "headers_too_large"),
    )
    p.case(
        "2,000 headers",
        "431 headers_too_large",
        lambda: err(
            c.get("/", headers={f"X-H{i}": "v" for i in range(2000)}), 431, "headers_too_large"
        ),
    )

    def slow(data: bytes, want: int) -> Callable[[], tuple[bool, str]]:
        def run() -> tuple[bool, str]:
            raw, took = raw_exchange(port, data)
            got = status_of(raw)
            return (got == want and took < 6, f"{got or 'closed'} after {took:.1f} s")

        return run

    p.case(
        "half-sent head (slowloris)",
        "408 within the 2 s head timeout",
        slow(b"POST /api/classify HTTP/1.1\r\nHost: x\r\nX-Slow: ", 408),
    )
    p.case(
        "Content-Length over the body",
        "408 within the 2 s body timeout",
        slow(
            b"POST /api/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"log_message": "a',
            408,
        ),
    )
    p.case(
        "idle connection",
        "closed within the head timeout",
        lambda: (
            (res := raw_exchange(port, b""))[0] == b"" and res[1] < 6,
            f"closed after {res[1]:.1f} s",
        ),
    )
    p.case(
        "still serving",
        "200 after all of the above",
        lambda: (
            (r := c.post("/api/classify", json={"log_message": RULE})).status_code == 200,
            str(r.status_code),
        ),
    )


def cli_cases(p: Probe, tmp: Path) -> None:
    rng = random.Random(9)

    def unclosed() -> tuple[bool, str]:
        f = tmp / "bad.csv"
        f.write_bytes(
            b'source,log_message\napp,User a logged in.\napp,"never closed\n'
            b"app,User b logged out.\n"
        )
        r = cli("-q", str(f))
        out = r.stdout.decode().splitlines()
        return (
            r.returncode == 1 and len(out) == 3 and b"line 3" in r.stderr,
            f"exit {r.returncode}, {len(out)} of 3 lines answered",
        )

    p.case("CLI: CSV with an unclosed quote", "exit 1, line named, 3 of 3 answered", unclosed)

    def gz() -> tuple[bool, str]:
        f = tmp / "app.log.gz"
        f.write_bytes(gzip.compress(b"User a logged in.\nBackup completed successfully.\n"))
        r = cli("-q", str(f))
        labels = [json.loads(x)["final_category"] for x in r.stdout.decode().splitlines()]
        return labels == ["USER_ACTION", "BACKUP"], f"exit {r.returncode}, {labels}"

    p.case("CLI: .gz file", "decompressed, 2 lines", gz)

    def binary() -> tuple[bool, str]:
        lines = "\n".join(binary_line(rng) for _ in range(100)).encode()
        r = cli("-q", "--input-format", "text", stdin=lines)
        n = len(r.stdout.splitlines())
        return (
            n == 100 and b"100 lines are not log text" in r.stderr,
            f"{n} answered, warning {'shown' if b'not log text' in r.stderr else 'missing'}",
        )

    p.case("CLI: 100 binary lines", "100 UNCLASSIFIED + a warning with the count", binary)

    def poisoned() -> tuple[bool, str]:
        cache = tmp / "poison.jsonl"
        r0 = cli("-q", "--cache", str(cache), stdin=b"worker 3 finished job 21\n")
        lines = cache.read_text(encoding="utf-8").splitlines()
        entry = json.loads(lines[1])
        entry.update(label_id="PWNED", confidence=7.5)
        cache.write_text(lines[0] + "\n" + json.dumps(entry) + "\n", encoding="utf-8")
        r = cli("-q", "--cache", str(cache), stdin=b"worker 4 finished job 22\n")
        label = json.loads(r.stdout)["final_category"] if r.stdout else None
        return (
            r0.returncode == 0 and label != "PWNED" and b"bad cache entries" in r.stderr,
            f"answered {label}, warning {'shown' if b'bad cache' in r.stderr else 'missing'}",
        )

    p.case("CLI: poisoned cache entry", "dropped with a warning, not served", poisoned)

    def not_utf8() -> tuple[bool, str]:
        cache = tmp / "latin1.jsonl"
        cache.write_bytes(b"\xff\xfe not a cache\n")
        r = cli("-q", "--cache", str(cache), stdin=b"x y z\n")
        return (
            r.returncode == 2 and b"Traceback" not in r.stderr,
            f"exit {r.returncode}: {r.stderr.decode().strip()[:70]}",
        )

    p.case("CLI: non-UTF-8 cache file", "exit 2 with a message", not_utf8)

    def kill9() -> tuple[bool, str]:
        cache = tmp / "journal.jsonl"
        lines = [
            "replica 3 applied 40 entries from the leader",  # three templates
            "connection pool for orders resized to 40",
            "nightly import finished in 12 s",
        ]
        rd, wr = os.pipe()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "logsieve",
                "classify",
                "--no-llm",
                "--cache",
                str(cache),
                "--flush-ms",
                "50",
                "-",
            ],
            stdin=rd,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=clean_env(),
        )
        os.close(rd)
        os.write(wr, ("\n".join(lines) + "\n").encode())
        assert proc.stdout is not None
        for _ in lines:
            proc.stdout.readline()
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        os.close(wr)
        kept = len(cache.read_text(encoding="utf-8").splitlines()) - 1
        return kept == 3, f"{kept} of 3 decisions kept after kill -9"

    p.case("CLI: kill -9 mid-run", "the decisions made survive", kill9)


def main() -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "logsieve", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    probe = Probe()
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code in (200, 503):
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("logsieve serve did not start") from None
                time.sleep(0.3)
        http_cases(probe, url, port)
        alive = server.poll() is None
        probe.case(
            "server process",
            "alive after every case",
            lambda: (alive, "alive" if alive else "died"),
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    with tempfile.TemporaryDirectory() as d:
        cli_cases(probe, Path(d))
    passed = sum(r["passed"] for r in probe.rows)
    path = write_result(
        "fault_probe", {"tried": len(probe.rows), "passed": passed, "cases": probe.rows}
    )
    print(f"tried {len(probe.rows)}, passed {passed} -> {path}")
    print("\n| case | expected | got | |\n|---|---|---|---|")
    for r in probe.rows:
        print(f"| {r['case']} | {r['expected']} | {r['got']} | {'✓' if r['passed'] else '✗'} |")
    if passed < len(probe.rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
