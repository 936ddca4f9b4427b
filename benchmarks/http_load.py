"""HTTP load benchmark for ``logsieve serve`` (loopback only, bounded in count and time).

    python benchmarks/http_load.py            # ~1.5 min; writes benchmarks/results/http_load.json
    python benchmarks/http_load.py --duration 5 --tool python

Measures, against one uvicorn worker started here on 127.0.0.1:

* ``/api/classify`` requests/s and p50/p90/p99 latency at 1, 32 and 100 concurrent clients,
  for lines the sieve has seen (cache hits, or rules where no head is trained) and for new
  lines (every request a new template, so the encoder runs);
* one 1,000-line ``/classify`` batch, cold (new lines) and warm (the same lines again);
* the server's resident memory (now and peak).

The load comes from ``wrk`` (Debian package) with a Lua script when it is installed, else
from an asyncio+httpx client in this process. Either way the generator shares the machine's
cores with the server, so the numbers are a floor. The anchor is seed 001's published load
test: 62 requests/s at 100 virtual users, p90 414 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import random
import shutil
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from logsieve.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "http_load.json"
CODEBASICS = ROOT.parent / "shared" / "data" / "codebasics" / "synthetic_logs.csv"
CONCURRENCY = (1, 32, 100)
N_SEEN_LINES = 200


# --- the server ------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


DEFAULT_APP = "logsieve.server.app:create_app"
PROTOCOL = "logsieve.server.protocol:GuardedHTTPProtocol"


def start_server(
    port: int, workers: int, metrics_dir: str, app: str = DEFAULT_APP, loop: str = "asyncio"
) -> subprocess.Popen[bytes]:
    # What `logsieve serve` runs (its default loop, its HTTP protocol with TCP_NODELAY), with
    # the app factory as a parameter for A/B comparisons.
    run = (
        f"import uvicorn; uvicorn.run({app!r}, factory=True, host='127.0.0.1', "
        f"port={port}, workers={workers}, loop={loop!r}, http={PROTOCOL!r}, "
        "log_level='warning', access_log=False)"
    )
    cmd = [sys.executable, "-c", run]
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    if workers > 1:  # metrics summed over workers, as `logsieve serve --workers N` does
        env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code in (200, 503):
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start within 120 s")


def _tree(pid: int) -> list[int]:
    """The server process and its worker processes (uvicorn --workers forks them)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.is_file():
        for child in children.read_text().split():
            pids.extend(_tree(int(child)))
    return pids


def rss_mb(pid: int) -> dict[str, float]:
    """Resident memory summed over the server's processes, now and at peak."""
    total = {"VmRSS": 0.0, "VmHWM": 0.0}
    for p in _tree(pid):
        try:
            text = Path(f"/proc/{p}/status").read_text()
        except FileNotFoundError:
            continue
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key in total:
                total[key] += int(value.split()[0]) / 1024
    return {
        "rss_mb": round(total["VmRSS"], 1),
        "peak_rss_mb": round(total["VmHWM"], 1),
        "processes": len(_tree(pid)),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by the server's processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / tick


# --- lines ------------------------------------------------------------------------------
def seen_lines() -> list[str]:
    """Real log lines (the codebasics file when it is here), distinct, for the warm runs."""
    lines: list[str] = []
    if CODEBASICS.is_file():
        with CODEBASICS.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                msg = row["log_message"]
                if msg not in lines:
                    lines.append(msg)
                if len(lines) >= N_SEEN_LINES:
                    break
    while len(lines) < N_SEEN_LINES:
        lines.append(f"Worker pool {len(lines)} finished a routine health check in 12 ms")
    return lines


def new_line(rng: random.Random) -> str:
    """A line whose template nobody has seen: random words survive masking."""
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9))) for _ in range(6)]
    return (
        f"{words[0]} service {words[1]} failed to {words[2]} the {words[3]} {words[4]} {words[5]}"
    )


# --- load with wrk ----------------------------------------------------------------------
LUA_COMMON = r"""
local counter = 0
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, summary.errors.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""

LUA_SEEN = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = { BODIES_HERE }
local i = math.random(#bodies)
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, "/api/classify", nil, bodies[i])
end
"""

LUA_NEW = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local letters = "abcdefghijklmnopqrstuvwxyz"
local function word()
  local t = {}
  for k = 1, math.random(4, 9) do
    local n = math.random(1, 26)
    t[k] = letters:sub(n, n)
  end
  return table.concat(t)
end
setup = function(thread) math.randomseed(os.time() + math.random(1, 1000000)) end
init = function(args) math.randomseed(os.time() * 1000 + math.random(1, 1000000)) end
request = function()
  local line = word() .. " service " .. word() .. " failed to " .. word() .. " the " ..
               word() .. " " .. word() .. " " .. word()
  return wrk.format(nil, "/api/classify", nil, '{"log_message": "' .. line .. '"}')
end
"""


def lua_string(s: str) -> str:
    return "[==[" + s + "]==]"


def run_wrk(url: str, script: str, clients: int, duration: float) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script + LUA_COMMON)
        path = f.name
    try:
        threads = min(2, clients)
        out = subprocess.run(
            [
                "wrk",
                "-t",
                str(threads),
                "-c",
                str(clients),
                "-d",
                f"{duration:g}s",
                "--timeout",
                "10s",
                "-s",
                path,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(path)
    stats = json.loads(out.strip().splitlines()[-1])
    secs = stats["duration_us"] / 1e6
    return {
        "clients": clients,
        "requests": stats["requests"],
        "requests_per_s": round(stats["requests"] / secs, 1),
        "p50_ms": stats["p50_us"] / 1000,
        "p90_ms": stats["p90_us"] / 1000,
        "p99_ms": stats["p99_us"] / 1000,
        "max_ms": stats["max_us"] / 1000,
        "errors": stats["errors"],
        "non_2xx": stats["non2xx"],
    }


# --- load with httpx (fallback) -----------------------------------------------------------
async def _httpx_load(
    url: str, bodies: list[str] | None, clients: int, duration: float
) -> dict[str, Any]:
    rng = random.Random(clients)
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + duration

    async def client(k: int) -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=url, timeout=10) as ac:
            i = k
            while time.perf_counter() < stop:
                body = (
                    bodies[i % len(bodies)]
                    if bodies
                    else json.dumps({"log_message": new_line(rng)})
                )
                i += 1
                t0 = time.perf_counter()
                r = await ac.post(
                    "/api/classify", content=body, headers={"content-type": "application/json"}
                )
                latencies.append(time.perf_counter() - t0)
                errors += r.status_code != 200

    t0 = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    secs = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {
        "clients": clients,
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / secs, 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p90_ms": round(q[89] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2),
        "errors": 0,
        "non_2xx": errors,
    }


# --- the 1,000-line batch -----------------------------------------------------------------
def batch_timings(url: str, runs: int) -> dict[str, Any]:
    rng = random.Random(7)
    cold, warm = [], []
    with httpx.Client(base_url=url, timeout=120) as c:
        for _ in range(runs):
            payload = [{"source": "bench", "log_message": new_line(rng)} for _ in range(1000)]
            for bucket in (cold, warm):  # the same lines twice: first cold, then warm
                t0 = time.perf_counter()
                r = c.post("/classify", json=payload)
                bucket.append(time.perf_counter() - t0)
                r.raise_for_status()
                assert len(r.json()) == 1000
        sources: dict[str, int] = {}
        for item in r.json():
            sources[item["source"]] = sources.get(item["source"], 0) + 1
    return {
        "lines": 1000,
        "runs": runs,
        "cold_ms_median": round(statistics.median(cold) * 1000, 1),
        "warm_ms_median": round(statistics.median(warm) * 1000, 1),
        "cold_lines_per_s": round(1000 / statistics.median(cold)),
        "warm_lines_per_s": round(1000 / statistics.median(warm)),
        "warm_deciders": sources,
    }


def measure(
    workers: int,
    tool: str,
    duration: float,
    batch_runs: int,
    *,
    kinds: tuple[str, ...] = ("seen", "new"),
    concurrency: tuple[int, ...] = CONCURRENCY,
    app: str = DEFAULT_APP,
    loop: str = "asyncio",
) -> dict[str, Any]:
    """Start a server with this many workers, load it, stop it; the numbers for one config."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    metrics_dir = tempfile.mkdtemp(prefix="logsieve-bench-metrics-")
    proc = start_server(port, workers, metrics_dir, app, loop)
    try:
        health = httpx.get(url + "/health", timeout=10).json()
        rss_idle = rss_mb(proc.pid)
        bodies = [json.dumps({"log_message": m}) for m in seen_lines()]
        deciders: dict[str, int] = {}
        with httpx.Client(base_url=url, timeout=60) as c:
            for _ in range(2):  # the second pass shows who answers a line seen before
                deciders = {}
                for b in bodies:
                    who = c.post(
                        "/api/classify", content=b, headers={"content-type": "application/json"}
                    ).json()
                    deciders[who["classifier"]] = deciders.get(who["classifier"], 0) + 1

        def load(kind: str, clients: int) -> dict[str, Any]:
            if tool == "wrk":
                script = (
                    LUA_SEEN.replace("BODIES_HERE", ", ".join(lua_string(b) for b in bodies))
                    if kind == "seen"
                    else LUA_NEW
                )
                return run_wrk(url, script, clients, duration)
            return asyncio.run(
                _httpx_load(url, bodies if kind == "seen" else None, clients, duration)
            )

        single: dict[str, list[dict[str, Any]]] = {"seen_lines": [], "new_lines": []}
        for kind, key in (("seen", "seen_lines"), ("new", "new_lines")):
            if kind not in kinds:
                continue
            for clients in concurrency:
                cpu0 = cpu_seconds(proc.pid)
                res = load(kind, clients)
                # What the server spent per answer: the number the load tool cannot skew.
                res["server_cpu_ms_per_request"] = round(
                    (cpu_seconds(proc.pid) - cpu0) * 1000 / max(1, res["requests"]), 3
                )
                single[key].append(res)
                print(
                    f"workers={workers} {key:10s} {clients:3d} clients: "
                    f"{res['requests_per_s']:8.1f} req/s  p50 {res['p50_ms']:.1f} ms  "
                    f"p90 {res['p90_ms']:.1f} ms  p99 {res['p99_ms']:.1f} ms  "
                    f"server CPU {res['server_cpu_ms_per_request']:.3f} ms/req  "
                    f"non-2xx {res['non_2xx']}",
                    flush=True,
                )
        batch = batch_timings(url, batch_runs) if batch_runs > 0 else {}
        if batch:
            print(
                f"workers={workers} 1,000-line batch: cold {batch['cold_ms_median']} ms, "
                f"warm {batch['warm_ms_median']} ms",
                flush=True,
            )
        rss = rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(metrics_dir, ignore_errors=True)
    at100 = next((r for r in single["seen_lines"] if r["clients"] == 100), None)
    return {
        "workers": workers,
        "server": f"uvicorn, {workers} worker process(es) ({loop} loop, httptools), 127.0.0.1",
        "sieve": {
            "encoder_loaded": health.get("encoder", {}).get("loaded"),
            "head_loaded": health.get("head", {}).get("loaded"),
            "llm_configured": health.get("llm", {}).get("configured"),
            "rules": health.get("rules"),
            "seen_lines_decided_by_on_second_pass": deciders,
        },
        "api_classify": single,
        "classify_batch_1000": batch,
        "memory": {"after_start": rss_idle, "after_runs": rss},
        "met": {
            "requests_per_s_at_100_seen": at100["requests_per_s"] >= 1000 if at100 else None,
            "p90_at_100_seen": at100["p90_ms"] <= 50 if at100 else None,
            "rss": rss["peak_rss_mb"] <= 600,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per load run")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--batch-runs", type=int, default=3)
    parser.add_argument(
        "--workers", default="1,2", help="comma-separated uvicorn worker counts to measure"
    )
    parser.add_argument(
        "--kinds", default="seen,new", help="comma-separated line kinds to load: seen, new"
    )
    parser.add_argument(
        "--clients",
        default=",".join(map(str, CONCURRENCY)),
        help="comma-separated concurrency levels",
    )
    parser.add_argument(
        "--app",
        default=DEFAULT_APP,
        help="app factory to serve (module:function), for A/B comparisons",
    )
    parser.add_argument(
        "--loop",
        choices=("asyncio", "uvloop", "auto"),
        default="asyncio",
        help="uvicorn's event loop (logsieve serve's default: asyncio)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    kinds = tuple(k for k in args.kinds.split(",") if k)
    unknown = set(kinds) - {"seen", "new"}
    if unknown:
        parser.error(f"unknown --kinds {sorted(unknown)}; use seen, new")
    concurrency = tuple(int(c) for c in args.clients.split(",") if c)
    tool = (
        "wrk" if args.tool == "wrk" or (args.tool == "auto" and shutil.which("wrk")) else "python"
    )
    configs = [
        measure(
            int(w),
            tool,
            args.duration,
            args.batch_runs,
            kinds=kinds,
            concurrency=concurrency,
            app=args.app,
            loop=args.loop,
        )
        for w in args.workers.split(",")
    ]
    result = {
        "benchmark": "http_load",
        "command": "python benchmarks/http_load.py " + " ".join(sys.argv[1:]),
        "app": args.app,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "load_tool": "python (asyncio + httpx)"
        if tool == "python"
        else "wrk (Lua script, 2 threads, same machine)",
        "duration_s_per_run": args.duration,
        "settings": {
            "microbatch_window_ms": Settings().microbatch_window_ms,
            "microbatch_max_lines": Settings().microbatch_max_lines,
        },
        "configs": configs,
        "anchor_seed_001": {"requests_per_s_at_100": 62, "p90_ms": 414},
        "targets": {"requests_per_s_at_100_seen": 1000, "p90_ms_at_100_seen": 50, "rss_mb": 600},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
