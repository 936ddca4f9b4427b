"""Server CPU per ``POST /api/classify`` request, in process: the app's ASGI callable driven
directly (no sockets, no client), so what is measured is logsieve's and FastAPI's own cost per
request for a line the rules answer (the sieve's part is then a few microseconds).

    python benchmarks/asgi_overhead.py                      # this checkout
    python benchmarks/asgi_overhead.py --base HEAD~1        # and a revision, side by side

With ``--base`` the base revision's ``src/`` is exported with ``git archive`` and each round
runs a fresh process of each, alternating; medians of the rounds. Writes
``benchmarks/results/asgi_overhead.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "asgi_overhead.json"

_CHILD = r"""
import asyncio, json, sys, time
from logsieve.server import create_app
from logsieve.settings import Settings

REQUESTS = int(sys.argv[1])
BODY = json.dumps({"log_message": "User admin123 logged in."}).encode()
app = create_app(Settings(llm_enabled=False, embedding_enabled=False, serve_taxonomies=""))
SCOPE = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
         "scheme": "http", "path": "/api/classify", "raw_path": b"/api/classify",
         "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
         "server": ("127.0.0.1", 8000),
         "headers": [(b"host", b"x"), (b"content-type", b"application/json"),
                     (b"content-length", str(len(BODY)).encode())]}

async def one():
    sent = []
    async def receive():
        return {"type": "http.request", "body": BODY, "more_body": False}
    async def send(message):
        sent.append(message)
    await app(dict(SCOPE, headers=list(SCOPE["headers"])), receive, send)
    assert sent[0]["status"] == 200, sent

async def main():
    lifespan = {"type": "lifespan"}
    queue = asyncio.Queue()
    await queue.put({"type": "lifespan.startup"})
    started = asyncio.Event()
    async def lreceive():
        return await queue.get()
    async def lsend(message):
        if message["type"] == "lifespan.startup.complete":
            started.set()
    task = asyncio.create_task(app(lifespan, lreceive, lsend))
    await started.wait()
    for _ in range(2000):
        await one()
    t0 = time.process_time()
    for _ in range(REQUESTS):
        await one()
    cpu = time.process_time() - t0
    await queue.put({"type": "lifespan.shutdown"})
    await task
    print(json.dumps({"us_per_request": cpu / REQUESTS * 1e6}))

asyncio.run(main())
"""


def _export(rev: str, into: Path) -> Path:
    archive = into / "src.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), rev, "src"], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def _run(src: Path, requests: int) -> float:
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(requests)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1])["us_per_request"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="a git revision to measure side by side")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20000)
    args = parser.parse_args()
    here = ROOT / "src"
    with tempfile.TemporaryDirectory() as tmp:
        base = _export(args.base, Path(tmp)) if args.base else None
        mine: list[float] = []
        theirs: list[float] = []
        for _ in range(args.rounds):
            if base is not None:
                theirs.append(_run(base, args.requests))
            mine.append(_run(here, args.requests))
    result = {
        "requests_per_round": args.requests,
        "rounds": args.rounds,
        "this_us_per_request": round(statistics.median(mine), 1),
        "this_rounds": [round(x, 1) for x in mine],
    }
    if theirs:
        result.update(
            base=args.base,
            base_us_per_request=round(statistics.median(theirs), 1),
            base_rounds=[round(x, 1) for x in theirs],
            ratio_cpu_this_over_base=round(statistics.median(mine) / statistics.median(theirs), 3),
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
