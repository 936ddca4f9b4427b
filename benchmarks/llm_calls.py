"""LLM calls per 1,000,000 lines on the LogHub replay stream (issue 4 §5).

    python benchmarks/llm_calls.py [--lines 1000000] [--server-url URL] [--taxonomy standard]

The full sieve (rules → template cache → embedding → LLM) reads the replay stream in batches;
every call that reaches the LLM stage is counted. By default the LLM stage is the production
ChatLLMStage over an in-process counting client that answers a fixed valid label (the number
of calls depends on which templates reach the stage, not on the answers); ``--server-url``
points it at a real OpenAI-compatible server instead (slow: one model call per new template).
For comparison, the best LLM-based log parsers make about 63 calls per million lines.
Writes benchmarks/results/llm_calls.json.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Sequence
from typing import Any

from common import replay_stream, write_result

from logsieve.build import build_sieve
from logsieve.llm import ChatLLMStage, build_llm_stage
from logsieve.settings import Settings
from logsieve.taxonomy import Taxonomy, load_taxonomy


class CountingClient:
    """A ChatClient that answers the taxonomy's first label and counts the requests."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.calls = 0
        self._lock = threading.Lock()
        self._answer = json.dumps({"category": taxonomy.classifiable[0].id, "confidence": 0.5,
                                   "reasoning": "benchmark stand-in"})

    def complete(self, messages: Sequence[dict[str, str]],
                 response_format: dict[str, Any] | None) -> str:
        with self._lock:
            self.calls += 1
        return self._answer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--taxonomy", default="standard")
    ap.add_argument("--server-url", default=None)
    args = ap.parse_args()

    taxonomy = load_taxonomy(args.taxonomy)
    settings = Settings(_env_file=None, taxonomy=args.taxonomy)  # type: ignore[call-arg]
    if args.server_url:
        real = build_llm_stage(Settings(_env_file=None, llm_base_url=args.server_url,  # type: ignore[call-arg]
                                        llm_timeout_s=60.0), taxonomy)
        assert real is not None
        stage: ChatLLMStage = real
        mode = f"real server {args.server_url}"
    else:
        stage = ChatLLMStage(CountingClient(taxonomy), taxonomy, name="counting:stand-in")
        mode = "in-process counting client (production ChatLLMStage)"
    sieve = build_sieve(settings, taxonomy=taxonomy, llm=stage)

    by_classifier: dict[str, int] = {}
    batch: list[str] = []
    t0 = time.perf_counter()
    seen = 0
    for line in replay_stream(args.lines):
        batch.append(line)
        if len(batch) == args.batch:
            for r in sieve.classify_batch(batch):
                by_classifier[r.classifier] = by_classifier.get(r.classifier, 0) + 1
            seen += len(batch)
            batch.clear()
    if batch:
        for r in sieve.classify_batch(batch):
            by_classifier[r.classifier] = by_classifier.get(r.classifier, 0) + 1
        seen += len(batch)
    elapsed = time.perf_counter() - t0
    health = stage.health()
    calls = health["calls"]
    out = {
        "lines": seen,
        "taxonomy": args.taxonomy,
        "llm": mode,
        "llm_calls": calls,
        "llm_calls_per_million_lines": round(calls * 1_000_000 / max(seen, 1), 1),
        "reference_best_llm_parsers_per_million": 63,
        "llm_failures": health["failures"] + health["invalid_answers"],
        "decided_by": by_classifier,
        "seconds": round(elapsed, 1),
        "lines_per_s": round(seen / elapsed),
    }
    path = write_result("llm_calls", out)
    print(json.dumps(out, indent=2))
    print(f"written to {path}")
    sieve.close()


if __name__ == "__main__":
    main()
