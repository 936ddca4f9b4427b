"""Answers asked in batches against answers asked one at a time (issue 16 §2).

    python benchmarks/llm_batch_accuracy.py [--templates 120] [--batch 8] [--server-url URL]

The sample: one line (LogHub's message) per hand-labelled template of the dev set
(``benchmarks/devset/loghub_standard.csv``), every n-th template so the 16 systems are all
in it. Each line is asked about through the production ChatLLMStage twice: alone
(``classify``) and in requests of ``--batch`` lines (``classify_many``), and both sets of
answers are scored against the hand labels. By default the server is an in-process scripted
one that answers each line from its own words (a keyword table): its answers do not depend
on the neighbours, so any difference is the batch path's fault (an answer given to the wrong
line, a line dropped). ``--server-url`` asks a real OpenAI-compatible server instead (the
local llama.cpp one: ``scripts/llama_server.sh start``), at temperature 0.
Writes benchmarks/results/llm_batch_accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from common import DATA_DIR, REPO, ScriptedChatClient, write_result

from logsieve.llm import ChatLLMStage, build_llm_stage
from logsieve.llm.prompt import LLMVerdict
from logsieve.settings import Settings
from logsieve.taxonomy import load_taxonomy

sys.path.insert(0, str(REPO / "benchmarks"))
from devset import read_labels, read_system

#: the scripted server's reading of a line: first keyword found wins
_KEYWORDS = (
    ("deprecat", "DEPRECATION_WARNING"),
    ("backup", "BACKUP"),
    ("password", "AUTH_ERROR"),
    ("authenticat", "AUTH_ERROR"),
    ("sql", "DB_ERROR"),
    ("database", "DB_ERROR"),
    ("logged in", "USER_ACTION"),
    ("session opened", "USER_ACTION"),
    ("error", "SYSTEM_NOTIFICATION"),
    ("fail", "SYSTEM_NOTIFICATION"),
    ("exception", "SYSTEM_NOTIFICATION"),
    ("warn", "SYSTEM_NOTIFICATION"),
)


def by_content(line: str) -> str:
    low = line.lower()
    return next((label for word, label in _KEYWORDS if word in low), "INFO")


def sample(n: int) -> list[tuple[str, str, str]]:
    """(system:event, message, label) for n templates spread over the dev set."""
    labels = read_labels(REPO / "benchmarks" / "devset" / "loghub_standard.csv")
    rows: list[tuple[str, str, str]] = []
    for system in sorted(labels):
        read = read_system(system)
        if read is None:
            continue
        messages, _lines, events = read
        first: dict[str, str] = {}
        for message, event in zip(messages, events, strict=True):
            first.setdefault(event, message)
        for event, label in sorted(labels[system].items()):
            if event in first:
                rows.append((f"{system}:{event}", first[event], label))
    if not rows:
        raise SystemExit(f"LogHub data not found under {DATA_DIR} (set LOGSIEVE_DATA_DIR)")
    step = max(1, len(rows) // n)
    return rows[::step][:n]


def stage_for(args: argparse.Namespace, batch: int) -> tuple[ChatLLMStage, Any]:
    taxonomy = load_taxonomy("standard")
    if args.server_url:
        built = build_llm_stage(
            Settings(  # type: ignore[call-arg]
                _env_file=None,
                llm_base_url=args.server_url,
                llm_timeout_s=120.0,
                llm_temperature=0.0,
                llm_calls_per_minute=0,
                llm_batch_size=batch,
            ),
            taxonomy,
        )
        assert built is not None
        return built, None
    client = ScriptedChatClient(lambda text: (by_content(text), 0.8, "keywords"))
    return ChatLLMStage(client, taxonomy, name="scripted:by-content", batch_size=batch), client


def answers(stage: ChatLLMStage, lines: list[str], batch: int) -> list[str]:
    if batch == 1:
        verdicts: list[Any] = []
        for line in lines:
            try:
                verdicts.append(stage.classify(line))
            except Exception as exc:  # scored as wrong, reported below
                verdicts.append(exc)
    else:
        verdicts = stage.classify_many([(line, None) for line in lines])
    return [v.label_id if isinstance(v, LLMVerdict) else "FAILED" for v in verdicts]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--templates", type=int, default=120)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--server-url", default=None)
    args = ap.parse_args()

    rows = sample(args.templates)
    lines = [message for _key, message, _label in rows]
    truth = [label for _key, _message, label in rows]
    out: dict[str, Any] = {
        "templates": len(rows),
        "batch_size": args.batch,
        "server": args.server_url or "in-process scripted, by content",
    }
    got: dict[int, list[str]] = {}
    for batch in (1, args.batch):
        stage, _client = stage_for(args, batch)
        t0 = time.perf_counter()
        got[batch] = answers(stage, lines, batch)
        seconds = time.perf_counter() - t0
        health = stage.health()
        right = sum(p == t for p, t in zip(got[batch], truth, strict=True))
        out["alone" if batch == 1 else "batched"] = {
            "accuracy": round(right / len(rows), 4),
            "failed": got[batch].count("FAILED"),
            "requests": health["calls"],
            "asked_again_alone": health.get("asked_again_alone", 0),
            "seconds": round(seconds, 1),
        }
    same = sum(a == b for a, b in zip(got[1], got[args.batch], strict=True))
    out["same_answer_share"] = round(same / len(rows), 4)
    out["accuracy_difference_points"] = round(
        100 * (out["batched"]["accuracy"] - out["alone"]["accuracy"]), 2
    )
    path = write_result("llm_batch_accuracy" + ("_server" if args.server_url else ""), out)
    print(json.dumps(out, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
