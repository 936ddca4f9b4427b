"""LLM calls per 1,000,000 lines on the LogHub replay stream (issue 4 §5, issue 16 §2).

    python benchmarks/llm_calls.py [--lines 1000000] [--server-url URL] [--taxonomy standard]
    python benchmarks/llm_calls.py --batch 32768 --llm-batch 64      # one configuration

The full sieve (rules → template cache → embedding → LLM) reads the replay stream in batches;
every call that reaches the LLM stage is counted. By default the LLM stage is the production
ChatLLMStage over an in-process counting client that answers a fixed valid label (the number
of calls depends on which templates reach the stage, not on the answers); ``--server-url``
points it at a real OpenAI-compatible server instead (slow: one model call per new template).
By default it sweeps (lines per sieve batch, templates per request) over SWEEP, each
pass with an empty template cache: up to K new templates are asked about per request
(LLM_BATCH_SIZE), gathered within one sieve batch (the CLI's ``--batch-size``), so the two
together set how many requests a million lines cost. For comparison, the best LLM-based
log parsers make about 63 calls per million lines. Writes benchmarks/results/llm_calls.json
(``--name`` for another file).
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from common import ScriptedChatClient, replay_stream, write_result

from logsieve.build import build_sieve
from logsieve.llm import ChatLLMStage, build_llm_stage
from logsieve.settings import Settings
from logsieve.taxonomy import Taxonomy, load_taxonomy

#: (lines per sieve batch, templates per LLM request): one at a time, then batched requests
#: with the CLI's default batch and with the batch the CLI uses for files when LLM_BATCH_SIZE
#: is above 1 (cli/classify.py: _GATHER_LINES).
SWEEP = ((512, 1), (512, 16), (8192, 32), (32768, 32), (32768, 64))


def run(
    args: argparse.Namespace, taxonomy: Taxonomy, batch_lines: int, llm_batch: int
) -> dict[str, Any]:
    """One pass over the replay with a fresh sieve (an empty template cache)."""
    settings = Settings(_env_file=None, taxonomy=args.taxonomy)  # type: ignore[call-arg]
    if args.server_url:
        real = build_llm_stage(
            Settings(  # type: ignore[call-arg]
                _env_file=None,
                llm_base_url=args.server_url,
                llm_timeout_s=60.0,
                llm_batch_size=llm_batch,
            ),
            taxonomy,
        )
        assert real is not None
        stage: ChatLLMStage = real
    else:
        first_label = taxonomy.classifiable[0].id  # (every line gets it: a valid answer)
        stage = ChatLLMStage(
            ScriptedChatClient(lambda _text: (first_label, 0.5, "benchmark stand-in")),
            taxonomy,
            name="counting:stand-in",
            batch_size=llm_batch,
        )
    sieve = build_sieve(settings, taxonomy=taxonomy, llm=stage)

    by_classifier: dict[str, int] = {}
    batch: list[str] = []
    t0 = time.perf_counter()
    seen = 0
    for line in replay_stream(args.lines):
        batch.append(line)
        if len(batch) == batch_lines:
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
    sieve.close()
    calls = health["calls"]
    return {
        "sieve_batch_lines": batch_lines,
        "llm_batch_size": llm_batch,
        "llm_calls": calls,
        "llm_calls_per_million_lines": round(calls * 1_000_000 / max(seen, 1), 1),
        "batch_requests": health.get("batch_requests", 0),
        "templates_in_batches": health.get("batched_lines", 0),
        "asked_again_alone": health.get("asked_again_alone", 0),
        "llm_failures": health["failures"] + health["invalid_answers"],
        "decided_by": by_classifier,
        "seconds": round(elapsed, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument(
        "--batch", type=int, default=None, help="one run with this sieve batch (default: the sweep)"
    )
    ap.add_argument("--llm-batch", type=int, default=1)
    ap.add_argument("--taxonomy", default="standard")
    ap.add_argument("--name", default="llm_calls")
    ap.add_argument("--server-url", default=None)
    args = ap.parse_args()

    taxonomy = load_taxonomy(args.taxonomy)
    runs = SWEEP if args.batch is None else ((args.batch, args.llm_batch),)
    rows = []
    for batch_lines, llm_batch in runs:
        rows.append(run(args, taxonomy, batch_lines, llm_batch))
        print(json.dumps(rows[-1]), flush=True)
    out = {
        "lines": args.lines,
        "taxonomy": args.taxonomy,
        "llm": (
            f"real server {args.server_url}"
            if args.server_url
            else "in-process counting client (production ChatLLMStage)"
        ),
        "reference_best_llm_parsers_per_million": 63,
        "runs": rows,
    }
    path = write_result(args.name, out)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
