"""The docs' commands run as printed: every shell block marked ``<!-- runnable -->`` in the
README, docs/taxonomies.md, docs/training.md and docs/http.md runs in bash, in a fresh working
directory with small files named as the docs name them (``app.log``, ``labelled.csv``…).

Marks (an HTML comment on the line before a fence, invisible when rendered):

- ``<!-- runnable -->``: the bash block runs; it must exit 0.
- ``<!-- runnable: server -->``: as above, with a ``logsieve serve`` started first.
- ``<!-- file: NAME -->``: the block is written to NAME before the doc's blocks run.

A ``logsieve serve`` or ``gunicorn`` line is started in the background on a free port (every
``localhost:8000`` of the block is pointed at it) and stopped when the block ends; everything
else runs as printed. Blocks left unmarked are installs, long benchmarks and synopses.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from logsieve.corpus import generate

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "docs/taxonomies.md", "docs/training.md", "docs/http.md")
FENCE = re.compile(
    r"<!--\s*(?P<mark>runnable|file)(?::\s*(?P<arg>[^>]*?))?\s*-->\s*\n"
    r"```(?P<lang>\w*)\n(?P<body>.*?)\n```",
    re.S,
)
LONG_RUNNING = re.compile(r"^(?P<cmd>(?:logsieve serve|gunicorn)\b.*?)\s*(?:#.*)?$")


def marked_blocks(kind: str) -> list[tuple[str, int, str | None, str]]:
    found = []
    for doc in DOCS:
        text = (ROOT / doc).read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            if m["mark"] == kind:
                found.append((doc, text.count("\n", 0, m.start()) + 2, m["arg"], m["body"]))
    return found


RUNNABLE = marked_blocks("runnable")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def script_for(body: str, arg: str | None) -> str:
    """The block as a bash script: long-running servers started in the background, each on a
    free port, waited for, and stopped at the end; every other line as printed."""
    out = ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"]
    lines = body.splitlines()
    if arg == "server":
        lines.insert(0, "logsieve serve")
    first_port: int | None = None
    joined: list[str] = []  # continuation lines put back together
    for line in lines:
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1] + " " + line.strip()
        else:
            joined.append(line)
    for line in joined:
        m = LONG_RUNNING.match(line.strip())
        if m is None:
            out.append(line)
            continue
        port = free_port()
        first_port = first_port or port
        cmd = m["cmd"]
        if cmd.startswith("gunicorn"):
            cmd = re.sub(r"-b \S+", f"-b 127.0.0.1:{port}", cmd)
        else:
            cmd += f" --port {port}"
        out += [
            f"{cmd} >server-{port}.log 2>&1 &",
            f"for _ in $(seq 600); do curl -s -o /dev/null localhost:{port}/health && break;"
            f" sleep 0.2; done",
            f"curl -s -o /dev/null localhost:{port}/health",
        ]
    script = "\n".join(out) + "\n"
    if first_port is not None:
        script = script.replace("localhost:8000", f"localhost:{first_port}")
    return script


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small files the docs' commands name, and every ``<!-- file: -->`` block."""
    ws = tmp_path_factory.mktemp("docs-walk")
    lines = list(generate("standard", 360, seed=5))
    routine = [ln.log_message for ln in lines[:40]]
    (ws / "app.log").write_text("\n".join(routine) + "\n", encoding="utf-8")
    (ws / "big.log").write_text("\n".join(routine * 5) + "\n", encoding="utf-8")
    (ws / "logs").mkdir()
    (ws / "logs" / "a.log").write_text("\n".join(routine[:20]) + "\n", encoding="utf-8")
    (ws / "logs" / "b.log").write_text("\n".join(routine[20:]) + "\n", encoding="utf-8")
    for name in ("app.csv", "logs.csv"):
        with (ws / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["source", "log_message"])
            w.writerows((ln.source or "", ln.log_message) for ln in lines[:20])
    (ws / "events.jsonl").write_text(
        "".join(
            json.dumps({"log_message": ln.log_message, "source": ln.source}) + "\n"
            for ln in generate("openstack", 20, seed=5)
        ),
        encoding="utf-8",
    )
    for name, part in (
        ("labelled.csv", lines[:300]),
        ("my_labelled.csv", lines[:300]),
        ("held-out.csv", lines[300:]),
    ):
        with (ws / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["log_message", "target_label", "source"])
            w.writerows((ln.log_message, ln.target_label, ln.source or "") for ln in part)
    for doc, _, name, body in marked_blocks("file"):
        assert name, f"{doc}: a file block needs a name"
        (ws / name).write_text(body + "\n", encoding="utf-8")
    return ws


def test_the_docs_mark_their_commands() -> None:
    # Each of the four documents has commands a user runs first; they must stay marked.
    assert {doc for doc, *_ in RUNNABLE} == set(DOCS)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("doc", "line", "arg", "body"), RUNNABLE, ids=[f"{doc}:{line}" for doc, line, *_ in RUNNABLE]
)
def test_runnable_block_runs_as_printed(
    doc: str, line: int, arg: str | None, body: str, workspace: Path, tmp_path: Path
) -> None:
    if shutil.which("curl") is None and "curl" in body + (arg or ""):
        pytest.skip("curl is not installed")
    cwd = tmp_path / "ws"
    shutil.copytree(workspace, cwd)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGSIEVE_", "LLM_", "GROQ_"))}
    # The commands are the installed ones: this interpreter's `logsieve`, `gunicorn`.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["LOGSIEVE_MODEL_CACHE_DIR"] = os.environ.get("LOGSIEVE_MODEL_CACHE_DIR", "")
    if not env["LOGSIEVE_MODEL_CACHE_DIR"]:
        del env["LOGSIEVE_MODEL_CACHE_DIR"]
    p = subprocess.run(
        ["bash", "-c", script_for(body, arg)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    logs = "".join(f"\n--- {f.name}\n{f.read_text()[-2000:]}" for f in cwd.glob("server-*.log"))
    assert p.returncode == 0, (
        f"{doc}:{line} exited {p.returncode}\n--- stdout\n"
        f"{p.stdout[-3000:]}\n--- stderr\n{p.stderr[-3000:]}{logs}"
    )
    assert "Traceback" not in p.stderr, p.stderr[-3000:]
