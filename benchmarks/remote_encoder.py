"""Embedding through a remote logsieve encoder (``POST /v1/embeddings``) against in-process.

    python benchmarks/remote_encoder.py [--templates 1024] [--rounds 3] [--clients 2]

Templates: masked LogHub lines with pairwise-distinct keys (what the embedding stage
encodes), sent 32 at a time as the sieve does (``EMBED_CHUNK``). Side by side in one run,
rounds alternating: the encoder in this process (``MiniLMEncoder``, every core), and a
``logsieve serve`` subprocess on 127.0.0.1 reached through ``RemoteEncoder`` (one client, and
``--clients`` clients at once, as several front replicas would). Reported: templates/s
(median of the rounds) and p50/p90 of one 32-template call; and whether the remote vectors
equal the in-process ones bit for bit. Both ends share this 2-core machine, so the remote
figures include the server competing with nothing but the HTTP client: what they show is
the protocol's overhead, not what a GPU box would give.

Writes benchmarks/results/remote_encoder.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import numpy as np
from common import write_result
from encoder import distinct_template_lines

from logsieve.embedding import MiniLMEncoder
from logsieve.remote_encoder import RemoteEncoder
from logsieve.sieve import EMBED_CHUNK
from logsieve.templates import template_key


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGSIEVE_", "LLM_"))}
    env.pop("EMBEDDING_BASE_URL", None)
    env["LOGSIEVE_LLM_ENABLED"] = "false"
    proc = subprocess.Popen(
        [sys.executable, "-m", "logsieve", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2).json()["data"]:
                return proc
        except (httpx.HTTPError, KeyError, ValueError):
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("the encoder server did not start")


def run_round(
    encode: Callable[[list[str]], np.ndarray], chunks: list[list[str]], clients: int
) -> dict[str, Any]:
    """Every chunk encoded once, by ``clients`` callers at once; templates/s and call times."""
    times: list[float] = []

    def one(chunk: list[str]) -> None:
        t0 = time.perf_counter()
        encode(chunk)
        times.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    if clients == 1:
        for chunk in chunks:
            one(chunk)
    else:
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(one, chunks))
    wall = time.perf_counter() - t0
    return {"templates_per_s": sum(map(len, chunks)) / wall, "call_s": times}


def summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    calls = sorted(t for r in rounds for t in r["call_s"])
    return {
        "templates_per_s": round(statistics.median(r["templates_per_s"] for r in rounds), 1),
        "p50_ms": round(1000 * calls[len(calls) // 2], 2),
        "p90_ms": round(1000 * calls[int(len(calls) * 0.9)], 2),
        "calls": len(calls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--templates", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()

    texts = [template_key(line) for line in distinct_template_lines(args.templates)]
    chunks = [texts[i : i + EMBED_CHUNK] for i in range(0, len(texts), EMBED_CHUNK)]
    local = MiniLMEncoder()
    port = free_port()
    server = start_server(port)
    remote = RemoteEncoder(
        f"http://127.0.0.1:{port}/v1", model=local.name, dim=local.dim, timeout_s=60.0
    )
    try:
        local.encode(chunks[0])  # warm both ends: lanes started, connection open
        remote.encode(chunks[0])
        identical = bool(np.array_equal(local.encode(texts), remote.encode(texts)))
        cases: dict[str, list[dict[str, Any]]] = {
            "in_process": [],
            "remote_1_client": [],
            f"remote_{args.clients}_clients": [],
        }
        for _ in range(args.rounds):  # alternating, so drift hits every case alike
            cases["in_process"].append(run_round(local.encode, chunks, 1))
            cases["remote_1_client"].append(run_round(remote.encode, chunks, 1))
            cases[f"remote_{args.clients}_clients"].append(
                run_round(remote.encode, chunks, args.clients)
            )
    finally:
        remote.close()
        server.terminate()
        server.wait(timeout=30)

    results = {name: summary(rounds) for name, rounds in cases.items()}
    base = results["in_process"]["templates_per_s"]
    for row in results.values():
        row["vs_in_process"] = round(row["templates_per_s"] / base, 3)
    payload = {
        "templates": len(texts),
        "templates_per_call": EMBED_CHUNK,
        "rounds": args.rounds,
        "encoder": local.name,
        "remote_vectors_identical": identical,
        "results": results,
    }
    path = write_result("remote_encoder", payload)
    for name, row in results.items():
        print(
            f"{name:>18}: {row['templates_per_s']:8.1f} templates/s "
            f"({row['vs_in_process']:.3f}x), p50 {row['p50_ms']} ms, p90 {row['p90_ms']} ms"
        )
    print(f"identical vectors: {identical}; written to {path}")


if __name__ == "__main__":
    main()
