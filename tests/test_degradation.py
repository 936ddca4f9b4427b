"""A stage that cannot run is said out loud: CLI warning + summary, --strict, /health degraded.

Real parts throughout: the real CLI in a subprocess, the real sieve and HTTP server on
127.0.0.1, an LLM server double at the HTTP boundary (or a port nobody listens on).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest_server import serve
from llm_double import LLMDouble
from logsieve.build import build_sieve
from logsieve.settings import Settings
from logsieve.taxonomy import builtin_path

LINES = b"User alice logged in.\nworker 7 finished the nightly import\ncache warmed in 3 ms\n"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("LOGSIEVE_", "LLM_", "GROQ_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "logsieve", "classify", *args],
        input=LINES.decode(),
        capture_output=True,
        text=True,
        timeout=300,
        env={**clean, **(env or {})},
        check=False,
    )


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # closed again: nothing listens there


def test_unloadable_encoder_warns_at_start_and_in_the_summary(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model.onnx"
    p = run_cli("--no-llm", env={"LOGSIEVE_ONNX_MODEL_PATH": str(missing)})
    assert p.returncode == 0, p.stderr
    err = p.stderr.splitlines()
    warnings = [ln for ln in err if ln.startswith("logsieve: warning:")]
    assert len(warnings) == 1, p.stderr
    assert "embedding stage unavailable" in warnings[0] and str(missing) in warnings[0]
    assert "fix:" in warnings[0] and "LOGSIEVE_ONNX_MODEL_PATH" in warnings[0]
    assert err.index(warnings[0]) < next(i for i, ln in enumerate(err) if "lines in" in ln)
    assert any(ln.startswith("degraded: embedding stage unavailable") for ln in err)
    # Every line is still answered, and each journey says why the embedding stage was skipped.
    recs = [json.loads(x) for x in p.stdout.splitlines()]
    assert len(recs) == 3
    bert = next(s for s in recs[1]["journey"] if s["stage"] == "BERT Model")
    assert bert["status"] == "Unavailable" and str(missing) in bert["details"]


def test_strict_refuses_to_run_degraded(tmp_path: Path) -> None:
    p = run_cli(
        "--no-llm", "--strict", env={"LOGSIEVE_ONNX_MODEL_PATH": str(tmp_path / "gone.onnx")}
    )
    assert p.returncode == 3
    assert p.stdout == ""
    assert "--strict" in p.stderr and "embedding stage unavailable" in p.stderr


def test_strict_runs_when_nothing_is_missing() -> None:
    p = run_cli("--no-llm", "--strict", "-q")
    assert p.returncode == 0, p.stderr
    assert "warning" not in p.stderr
    assert len(p.stdout.splitlines()) == 3


def test_configured_llm_that_does_not_answer_is_a_warning() -> None:
    url = closed_port_url()
    p = run_cli("-q", env={"LLM_BASE_URL": url, "LOGSIEVE_LLM_TIMEOUT_S": "1"})
    assert p.returncode == 0, p.stderr
    assert "logsieve: warning: llm stage unavailable" in p.stderr and "127.0.0.1" in p.stderr
    assert "--no-llm" in p.stderr  # the fix
    p = run_cli("-q", "--strict", env={"LLM_BASE_URL": url, "LOGSIEVE_LLM_TIMEOUT_S": "1"})
    assert p.returncode == 3


def test_llm_probe_tells_a_refused_key_from_a_live_server() -> None:
    with LLMDouble() as double:
        settings = Settings(llm_base_url=double.base_url, llm_api_key="wrong-key")
        sieve = build_sieve(settings)
        try:
            assert sieve.check_llm() is None and sieve.problems() == []
            double.models_status = 401
            problem = sieve.check_llm()
            assert problem is not None and problem.stage == "llm"
            assert "refused the API key (HTTP 401)" in problem.reason
            assert "wrong-key" not in problem.message()
            assert sieve.health()["status"] == "degraded"
            # The embedding stage still answers, so the service can still classify.
            assert sieve.health()["can_classify"] is True
        finally:
            sieve.close()


def test_health_says_degraded_and_cannot_classify_without_encoder_or_llm(tmp_path: Path) -> None:
    settings = Settings(model_path=tmp_path / "missing.onnx", llm_enabled=False)
    with serve(settings) as srv, srv.client() as c:
        r = c.get("/health")
        body: dict[str, Any] = r.json()
        assert r.status_code == 503
        assert body["status"] == "degraded" and body["can_classify"] is False
        assert [p["stage"] for p in body["degraded"]] == ["embedding"]
        assert str(tmp_path / "missing.onnx") in body["degraded"][0]["reason"]
        assert "missing.onnx" in body["message"]
        # The service still answers lines (rules and the routine default), it does not crash.
        r = c.post("/api/classify", json={"log_message": "User alice logged in."})
        assert r.status_code == 200 and r.json()["final_category"] == "USER_ACTION"


def test_health_degraded_but_serving_when_the_llm_covers_for_the_encoder(tmp_path: Path) -> None:
    with LLMDouble() as double:
        settings = Settings(model_path=tmp_path / "missing.onnx", llm_base_url=double.base_url)
        with serve(settings) as srv, srv.client() as c:
            r = c.get("/health")
            assert r.status_code == 200
            assert r.json()["status"] == "degraded" and r.json()["can_classify"] is True


def test_health_is_healthy_when_every_stage_loads() -> None:
    with serve(Settings(llm_enabled=False)) as srv, srv.client() as c:
        body = c.get("/health").json()
        assert body["status"] == "healthy" and body["degraded"] == []
        assert body["can_classify"] is True


def test_rules_only_on_purpose_is_not_degraded() -> None:
    sieve = build_sieve(Settings(embedding_enabled=False, llm_enabled=False))
    try:
        health = sieve.health()
        assert health["status"] == "healthy" and health["can_classify"] is True
    finally:
        sieve.close()


def test_a_shipped_head_that_no_longer_fits_degrades_instead_of_failing(tmp_path: Path) -> None:
    # Someone added a label to the built-in taxonomy without retraining its shipped head.
    text = builtin_path("standard").read_text(encoding="utf-8")
    assert "  - id: BACKUP\n" in text
    edited = tmp_path / "standard.yaml"
    edited.write_text(
        text.replace(
            "  - id: BACKUP\n", "  - id: CERT_EXPIRY\n    prior: 0.01\n  - id: BACKUP\n", 1
        ),
        encoding="utf-8",
    )
    sieve = build_sieve(Settings(taxonomy=str(edited), llm_enabled=False))
    try:
        problems = sieve.problems()
        assert [p.stage for p in problems] == ["embedding"]
        assert "shipped head was refused" in problems[0].reason
        assert "labels hash" in problems[0].reason
        assert sieve.classify_batch([("worker 7 finished", None)])[0].label_id
    finally:
        sieve.close()


def test_serve_says_what_it_runs_with_and_what_is_missing(tmp_path: Path) -> None:
    port = int(closed_port_url().rsplit(":", 1)[1].split("/")[0])
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("LOGSIEVE_", "LLM_", "GROQ_"))
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "logsieve", "serve", "--port", str(port)],
        env={**clean, "LOGSIEVE_ONNX_MODEL_PATH": str(tmp_path / "x.onnx")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if "Application startup complete" in line:
                break
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    text = "".join(seen)
    assert "logsieve: taxonomy standard (9 labels" in text and "LLM none" in text, text
    assert "logsieve: degraded: embedding stage unavailable" in text and "x.onnx" in text


def test_version_flag() -> None:
    from logsieve import __version__

    p = subprocess.run(
        [sys.executable, "-m", "logsieve", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert p.returncode == 0 and p.stdout.strip() == f"logsieve {__version__}"
