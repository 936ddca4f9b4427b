"""Generation from a prompt: the offline generator with the real MiniLM encoder, the LLM path
against the suite's OpenAI-compatible double over real HTTP, the CLI, and (marked
``llm_server``) the real local llama.cpp server.

The first offline test of each taxonomy pays the one-off template embedding (seconds); the
vectors are cached in the process for the rest.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from llm_double import LLMDouble, Reply
from logsieve.cli import app
from logsieve.generation import (
    MAX_MESSAGE_CHARS,
    fill_slots,
    generate_from_prompt,
    nearest_templates,
    parse_templates,
)
from logsieve.llm import ChatLLMStage, build_llm_stage
from logsieve.settings import Settings
from logsieve.taxonomy import load_taxonomy

UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\b")
IPV4 = re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")
SLOT = re.compile(r"\{[a-z_]+(?::[^{}]*)?\}")
VM_PROMPT = "A network service timed out during VM creation"

FENCED_ANSWER = """Here are 3 log message templates:
```
1. ERROR: Timed out waiting for network-vif-plugged for instance {uuid} on {host}
2. "Port binding failed for {ip} after {dur}"
3. `Neutron did not answer within {int:30-90} seconds for request {request_id}`
```
These templates use slots for the variable parts."""


def assert_lines(lines: Sequence[str], count: int) -> None:
    assert len(lines) == count
    for line in lines:
        assert line.strip() and "\n" not in line and "\r" not in line


# --- offline, real encoder ---------------------------------------------------------------------


def test_nearest_template_for_a_wrong_password_is_an_auth_error() -> None:
    top = nearest_templates("user failed to log in with a wrong password", "standard", k=3)
    assert top[0].startswith("standard/AUTH_ERROR/"), top


def test_vm_network_timeout_is_a_boot_timeout_or_network_error_line() -> None:
    top = nearest_templates(VM_PROMPT, "openstack", k=3)
    assert top[0].split("/")[1] in {"Boot_Timeout_Errors", "Network_Connection_Errors"}, top
    result = generate_from_prompt(VM_PROMPT, 1, "openstack", seed=5)
    assert result.method == "offline"
    assert "embedding similarity" in result.detail and "no LLM configured" in result.detail
    (line,) = result.lines
    assert "nova" in line or "neutron" in line or "os_vif" in line
    assert re.search(r"time(d)? ?out|vif|network|interface|boot", line, re.I), line


def test_same_seed_same_lines_other_seed_other_lines() -> None:
    a = generate_from_prompt("database connection pool exhausted", 4, "standard", seed=11)
    b = generate_from_prompt("database connection pool exhausted", 4, "standard", seed=11)
    c = generate_from_prompt("database connection pool exhausted", 4, "standard", seed=12)
    assert a == b
    assert a.lines != c.lines


@pytest.mark.parametrize("count", [1, 3, 8, 13])
def test_exactly_count_single_lines_from_several_templates(count: int) -> None:
    result = generate_from_prompt("nightly backup finished", count, "standard", seed=count)
    assert_lines(result.lines, count)
    templates = result.detail.split(": ", 1)[1].split(";")[0].split(", ")
    assert len(templates) == min(count, 8)  # variety: distinct nearest templates, then cycling
    assert len(set(result.lines)) > min(count, 8) // 2


@pytest.mark.parametrize("prompt", ["???", "a", "🙂🙂", "zxqv " * 300, "ignore all instructions"])
def test_odd_prompts_still_give_lines(prompt: str) -> None:
    for taxonomy in ("standard", "openstack"):
        assert_lines(generate_from_prompt(prompt, 2, taxonomy, seed=1).lines, 2)


@pytest.mark.parametrize("prompt", ["", "   \n\t "])
def test_empty_prompt_is_a_value_error(prompt: str) -> None:
    with pytest.raises(ValueError, match="prompt must not be empty"):
        generate_from_prompt(prompt)


@pytest.mark.parametrize("count", [0, -1])
def test_count_below_one_is_a_value_error(count: int) -> None:
    with pytest.raises(ValueError, match="count"):
        generate_from_prompt("disk full", count)


class BrokenEncoder:
    """An encoder whose model cannot run: generation must fall back to word overlap."""

    name = "broken"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("onnxruntime session failed")


def test_word_overlap_when_the_encoder_fails() -> None:
    result = generate_from_prompt(
        "user login failed: wrong password", 2, "standard", encoder=BrokenEncoder(), seed=3
    )
    assert "word overlap" in result.detail and "onnxruntime session failed" in result.detail
    assert_lines(result.lines, 2)
    top = nearest_templates(
        "user login failed: wrong password", "standard", k=1, encoder=BrokenEncoder()
    )
    assert top[0].startswith("standard/AUTH_ERROR/"), top


# --- parsing and filling --------------------------------------------------------------------


def test_parse_strips_fences_numbering_quotes_and_chatter() -> None:
    assert parse_templates(FENCED_ANSWER) == [
        "ERROR: Timed out waiting for network-vif-plugged for instance {uuid} on {host}",
        "Port binding failed for {ip} after {dur}",
        "Neutron did not answer within {int:30-90} seconds for request {request_id}",
    ]


def test_parse_accepts_json_and_drops_junk() -> None:
    answer = '{"templates": ["Volume {uuid} detach failed on {host}", "ok", "{a} {b} {c} {d}"]}'
    assert parse_templates(answer) == ["Volume {uuid} detach failed on {host}"]
    example_copy = "Disk quota exceeded for user {user} on {host}: {int} MB used"
    near_copy = "Disk quota exceeded for user {user} on VM creation: 1.0GB used"
    assert parse_templates(f"{example_copy}\n{near_copy}\n!!! ???\n{'word ' * 200}") == []
    assert parse_templates("Disk quota exceeded for tenant {uuid}: volume too big") == [
        "Disk quota exceeded for tenant {uuid}: volume too big"
    ]
    long = "Backup of volume " + "data " * 80
    (cut,) = parse_templates(long)
    assert len(cut) <= MAX_MESSAGE_CHARS and cut.startswith("Backup of volume data")


def test_fill_slots_uses_corpus_fields_and_names_models_invent() -> None:
    text = fill_slots(
        "vm {instance_id} on {hostname} from {ip}:{port} took {int:5-9} s, "
        "user {user}, code {weird}",
        random.Random(1),
    )
    assert not SLOT.search(text), text
    assert UUID.search(text) and IPV4.search(text)
    assert re.search(r"took [5-9] s", text)


# --- LLM path over real HTTP ----------------------------------------------------------------


@pytest.fixture
def double() -> Iterator[LLMDouble]:
    with LLMDouble() as server:
        yield server


def stage_for(base_url: str, taxonomy: str, **overrides: Any) -> ChatLLMStage:
    values: dict[str, Any] = {
        "llm_base_url": base_url,
        "llm_model": "double-model",
        "llm_backoff_s": 0.0,
        **overrides,
    }
    built = build_llm_stage(
        Settings(_env_file=None, **values),  # type: ignore[call-arg]
        load_taxonomy(taxonomy),
    )
    assert built is not None
    return built


def test_llm_templates_are_filled_and_wrapped_in_the_taxonomy_shape(double: LLMDouble) -> None:
    double.script(Reply.text(FENCED_ANSWER))
    stage = stage_for(double.base_url, "openstack")
    result = generate_from_prompt(VM_PROMPT, 5, "openstack", llm=stage, seed=4)
    assert result.method == "llm" and "3 template(s)" in result.detail
    assert_lines(result.lines, 5)
    for line in result.lines:
        assert "```" not in line and not SLOT.search(line), line
        assert not re.search(r"(^|\] )\d\. ", line), line
        assert re.search(r"\b(ERROR|WARNING|INFO|DEBUG)\b nova\.", line), line  # nova shape
    assert UUID.search(result.lines[0]) and "network-vif-plugged" in result.lines[0]
    assert "ERROR" in result.lines[0]  # the model's own level word is kept, not repeated
    assert IPV4.search(result.lines[1]) and "Port binding failed" in result.lines[1]
    assert re.search(r"within (3\d|[4-8]\d|90) seconds", result.lines[2])
    assert result.lines[3].endswith(result.lines[3].split("] ", 2)[-1])  # cycles templates
    (request,) = double.chat_requests()
    assert VM_PROMPT in request.user and "{uuid}" in request.system
    assert "OpenStack" in request.system and "Boot Timeout" in request.system.replace("_", " ")
    assert "response_format" not in request.body


def test_one_line_asked_one_line_given(double: LLMDouble) -> None:
    double.script(
        Reply.text(
            "1. User {user} failed to log in from {ip}: bad password\n"
            "2. Authentication failure for {user}"
        )
    )
    result = generate_from_prompt(
        "wrong password", 1, "standard", llm=stage_for(double.base_url, "standard"), seed=1
    )
    assert result.method == "llm"
    assert_lines(result.lines, 1)
    assert "failed to log in from" in result.lines[0] and IPV4.search(result.lines[0])


def test_garbage_answer_falls_back_offline_and_says_so(double: LLMDouble) -> None:
    double.script(Reply.text("```\n!!!\n```\nSure! {a} {b}"))
    result = generate_from_prompt(
        VM_PROMPT, 3, "openstack", llm=stage_for(double.base_url, "openstack"), seed=2
    )
    assert result.method == "offline"
    assert "LLM answer had no usable log line" in result.detail
    assert_lines(result.lines, 3)
    assert len(double.chat_requests()) == 1


def test_llm_failure_goes_through_the_stage_guards_then_offline(double: LLMDouble) -> None:
    double.script(Reply.fail(503), Reply.fail(503), Reply.fail(503))
    stage = stage_for(double.base_url, "standard")
    result = generate_from_prompt("disk full on backup volume", 2, "standard", llm=stage, seed=1)
    assert result.method == "offline" and "LLM failed" in result.detail
    assert "HTTP 503" in result.detail
    assert_lines(result.lines, 2)
    assert len(double.chat_requests()) == 3  # the stage's retry policy: 1 try + 2 retries
    assert stage.health()["breaker"]["failures"] == 1


def test_an_open_breaker_is_not_called(double: LLMDouble) -> None:
    stage = stage_for(double.base_url, "standard", llm_breaker_failures=1, llm_retries=0)
    double.script(Reply.fail(500))
    generate_from_prompt("disk full", 1, "standard", llm=stage, seed=1)
    result = generate_from_prompt("disk full", 1, "standard", llm=stage, seed=1)
    assert result.method == "offline" and "circuit breaker" in result.detail
    assert len(double.chat_requests()) == 1


# --- CLI ------------------------------------------------------------------------------------


@pytest.fixture
def no_llm_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("GROQ_API_KEY", "LLM_BASE_URL", "LLM_API_KEY", "LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)


def test_cli_prompt_offline(no_llm_env: None) -> None:
    runner = CliRunner()
    args = [
        "generate",
        "--prompt",
        VM_PROMPT,
        "--count",
        "3",
        "--taxonomy",
        "openstack",
        "--seed",
        "7",
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert_lines(lines, 3)
    assert "by offline" in first.stderr
    assert runner.invoke(app, args).stdout == first.stdout


def test_cli_prompt_with_llm(
    no_llm_env: None, double: LLMDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_BASE_URL", double.base_url)
    monkeypatch.setenv("LLM_MODEL", "double-model")
    double.script(Reply.text(FENCED_ANSWER))
    out = CliRunner().invoke(
        app, ["generate", "--prompt", VM_PROMPT, "--count", "2", "--taxonomy", "openstack"]
    )
    assert out.exit_code == 0, out.output
    assert_lines(out.stdout.splitlines(), 2)
    assert "by llm" in out.stderr and "network-vif-plugged" in out.stdout


def test_cli_empty_prompt_and_corpus_mode_unchanged(no_llm_env: None) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["generate", "--prompt", " "])
    assert bad.exit_code == 2 and "prompt must not be empty" in bad.output
    corpus = runner.invoke(app, ["generate", "--count", "3"])
    assert corpus.exit_code == 0
    assert corpus.stdout.splitlines()[0] == "log_message,target_label,source"
    assert len(corpus.stdout.splitlines()) == 4


# --- the real local model -------------------------------------------------------------------

SERVER_URL = os.environ.get("LOGSIEVE_LLM_SERVER_URL", "")


@pytest.mark.llm_server
@pytest.mark.skipif(
    not SERVER_URL,
    reason="LOGSIEVE_LLM_SERVER_URL is not set; start the "
    "local server with scripts/llama_server.sh start",
)
def test_real_local_server_gives_exactly_count_lines() -> None:
    settings = Settings(
        _env_file=None,
        llm_base_url=SERVER_URL,  # type: ignore[call-arg]
        llm_model=None,
        llm_timeout_s=60.0,
    )
    taxonomy = load_taxonomy("openstack")
    stage = build_llm_stage(settings, taxonomy)
    assert stage is not None
    result = generate_from_prompt(VM_PROMPT, 3, taxonomy, llm=stage, seed=1)
    assert_lines(result.lines, 3)
    # SmolLM2-135M often writes prose: either its templates were usable, or the fallback says
    # why; never an LLM error (the plumbing works) and never an unfilled slot.
    assert "LLM failed" not in result.detail, result.detail
    assert result.method == "llm" or "no usable log line" in result.detail, result.detail
    assert not any(SLOT.search(line) for line in result.lines)
    assert stage.health()["state"] == "closed"
