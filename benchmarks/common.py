"""Helpers the benchmarks share: where the data is, the replay stream, result files, and an
in-process chat model that answers by a rule."""

from __future__ import annotations

import json
import os
import platform
import random
import re
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("LOGSIEVE_DATA_DIR", REPO.parent / "shared" / "data"))
RESULTS = REPO / "benchmarks" / "results"
SYSTEMS = (
    "Android",
    "Apache",
    "BGL",
    "HDFS",
    "HPC",
    "Hadoop",
    "HealthApp",
    "Linux",
    "Mac",
    "OpenSSH",
    "OpenStack",
    "Proxifier",
    "Spark",
    "Thunderbird",
    "Windows",
    "Zookeeper",
)


def loghub_lines() -> list[str]:
    """The 32,000 raw LogHub lines (16 systems x 2,000)."""
    lines: list[str] = []
    for s in SYSTEMS:
        p = DATA_DIR / "loghub" / s / f"{s}_2k.log"
        if not p.exists():
            raise SystemExit(f"LogHub data not found at {p} (set LOGSIEVE_DATA_DIR)")
        with p.open(encoding="utf-8", errors="replace") as f:
            lines.extend(line.rstrip("\n") for line in f)
    return lines


_DIGIT = re.compile(r"\d")


def replay_stream(n: int, seed: int = 7) -> Iterator[str]:
    """n lines replaying the LogHub templates with fresh variable values.

    Each output line is a random LogHub line whose every digit is redrawn: the template
    (what the cache keys on) is the real one, the values are new.
    """
    base = loghub_lines()
    rng = random.Random(seed)
    digits = "0123456789"
    for _ in range(n):
        line = base[rng.randrange(len(base))]
        yield _DIGIT.sub(lambda _m: digits[rng.randrange(10)], line)


def proc_status_kb(pid: int, field: str = "VmHWM:") -> int:
    """A memory figure of a running process from /proc (VmHWM: peak RSS so far; VmRSS: now),
    in kB; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def median_time(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def write_result(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **payload,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


_BATCH_ITEM = re.compile(r'<log id="(\d+)">\n?(.*?)\n?</log>', re.S)
_ALONE = re.compile(r"<log>\n?(.*?)\n?</log>", re.S)

#: a line's text in, (label id, confidence, reasoning) out
AnswerRule = Callable[[str], tuple[str, float, str]]


class ScriptedChatClient:
    """A ChatClient (``logsieve.llm.client``) in this process that answers every line of a
    request, alone or numbered in a batch, by ``rule``; it counts its requests. Drives the
    production ChatLLMStage without a server."""

    def __init__(self, rule: AnswerRule) -> None:
        self.rule = rule
        self.requests = 0
        self._lock = threading.Lock()

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        response_format: dict[str, Any] | None,
        **_options: Any,
    ) -> str:
        with self._lock:
            self.requests += 1
        user = messages[-1]["content"]
        items = _BATCH_ITEM.findall(user)
        if items:
            return json.dumps({"answers": [{"id": int(i), **self._item(t)} for i, t in items]})
        found = _ALONE.search(user)
        return json.dumps(self._item(found.group(1) if found else user))

    def _item(self, text: str) -> dict[str, Any]:
        category, confidence, reasoning = self.rule(text)
        return {"category": category, "confidence": confidence, "reasoning": reasoning}
