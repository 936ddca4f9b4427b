"""Issue 17, item 4: the LLM's time budget covers the retries, Retry-After is honoured, the
breaker caps concurrent callers, and half-open is shown when the reset time has passed.

The real stage (openai SDK, HTTP) against the LLM double; a real server for /health and
/metrics. Time is real where the budget is what is tested.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from conftest_server import LiveServer, metric_value
from llm_double import LLMDouble, Reply
from logsieve.build import build_sieve
from logsieve.errors import StageFailed, StageUnavailable
from logsieve.llm import build_llm_stage
from logsieve.server import create_app
from logsieve.settings import Settings
from logsieve.taxonomy import Taxonomy, load_taxonomy
from logsieve.templates import template_key

LINE = "Connection pool exhausted after 30s on db-7"


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy("standard")


@pytest.fixture()
def double() -> Iterator[LLMDouble]:
    with LLMDouble() as server:
        yield server


def settings_for(double: LLMDouble, **kw: Any) -> Settings:
    return Settings(
        _env_file=None,
        embedding_enabled=False,
        llm_base_url=double.base_url,
        llm_api_key="k",
        llm_model="m",
        **kw,
    )


def test_a_3s_llm_gives_up_within_the_2s_budget(double: LLMDouble) -> None:
    double.default = lambda body: Reply.answer("INFO").slow(3.0)
    sieve = build_sieve(settings_for(double))  # seed 001: 2 s, 2 retries
    t0 = time.monotonic()
    r = sieve.classify(LINE)
    elapsed = time.monotonic() - t0
    assert r.label_id == "UNCLASSIFIED" and r.journey[-1].status == "Failed"
    # one attempt took the whole budget: no retry was started (today: 3 attempts, 6.3 s)
    assert len(double.chat_requests()) == 1
    assert elapsed < 3.0, elapsed
    sieve.close()


def test_budget_is_configurable_and_covers_retries(double: LLMDouble, taxonomy: Taxonomy) -> None:
    double.default = lambda body: Reply.answer("INFO").slow(0.6)
    stage = build_llm_stage(settings_for(double, llm_timeout_s=0.4, llm_budget_s=1.0), taxonomy)
    assert stage is not None and stage.health()["budget_s"] == 1.0
    with pytest.raises(StageFailed):
        stage.classify(LINE)
    # 0.4 s + 0.1 s wait + 0.4 s = 0.9 s; a third attempt would not fit in 1 s
    assert len(double.chat_requests()) == 2


def test_retry_after_is_honoured_and_pauses_the_stage(
    double: LLMDouble, taxonomy: Taxonomy
) -> None:
    double.default = lambda body: Reply(
        status=429, error="slow down", headers={"Retry-After": "30"}
    )
    slept: list[float] = []
    stage = build_llm_stage(settings_for(double), taxonomy, sleep=slept.append)
    assert stage is not None
    with pytest.raises(StageFailed, match="asked to wait 30s"):
        stage.classify(LINE)
    assert len(double.chat_requests()) == 1 and slept == []  # no 3 attempts in 0.3 s
    for _ in range(5):  # later lines wait it out without a request
        with pytest.raises(StageUnavailable, match="Retry-After"):
            stage.classify(LINE)
    assert len(double.chat_requests()) == 1
    assert stage.health()["paused_for_s"] > 25


def test_short_retry_after_is_waited_for(double: LLMDouble, taxonomy: Taxonomy) -> None:
    double.script(
        Reply(status=503, error="busy", headers={"Retry-After": "1"}),
        Reply.answer("DATABASE_ERROR" if "DATABASE_ERROR" in taxonomy.label_ids else "INFO", 0.9),
    )
    slept: list[float] = []
    stage = build_llm_stage(
        settings_for(double, llm_budget_s=5.0, llm_timeout_s=2.0), taxonomy, sleep=slept.append
    )
    assert stage is not None
    stage.classify(LINE)
    assert slept == [1.0] and len(double.chat_requests()) == 2


def test_breaker_caps_concurrent_callers_at_its_failure_count(double: LLMDouble) -> None:
    double.default = lambda body: Reply(status=500, error="down").slow(0.2)
    sieve = build_sieve(settings_for(double, llm_retries=0))
    # 50 lines of different templates (words, not numbers: numbers are masked)
    names = ["".join(chr(97 + (i // 26**k) % 26) for k in range(3)) for i in range(50)]
    lines = [f"Job {name} of tenant {name}x failed hard" for name in names]
    assert len({template_key(x) for x in lines}) == 50
    results = sieve.classify_batch(lines)
    assert len(results) == 50 and {r.label_id for r in results} == {"UNCLASSIFIED"}
    # 3 failures open it; with 4 LLM threads, today 4+ calls were in flight
    assert len(double.chat_requests()) == 3
    sieve.close()


def test_half_open_is_shown_when_the_reset_time_passes(double: LLMDouble) -> None:
    double.default = lambda body: Reply(status=500, error="down")
    settings = settings_for(double, llm_retries=0, llm_breaker_reset_s=0.5)
    sieve = build_sieve(settings)
    for i in range(3):
        sieve.classify(f"{'abc'[i]}xyz queue worker stalled for {i} s")
    with LiveServer(create_app(settings, sieve=sieve)) as srv, srv.client() as c:
        assert c.get("/health").json()["breakers"]["llm"] == "open"
        text = c.get("/metrics").text
        assert (
            metric_value(text, "log_classifier_circuit_breaker_state", service="llm", state="open")
            == 1.0
        )
        done = threading.Event()
        done.wait(0.7)  # the reset time passes, no LLM-bound line in between
        h = c.get("/health").json()
        assert h["breakers"]["llm"] == "half_open" and h["llm"]["state"] == "half_open"
        text = c.get("/metrics").text
        assert (
            metric_value(
                text, "log_classifier_circuit_breaker_state", service="llm", state="half_open"
            )
            == 1.0
        )
        assert metric_value(text, "log_classifier_circuit_breaker_open", service="llm") == 0.0
    sieve.close()
