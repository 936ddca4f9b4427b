"""The HTTP service, end to end: a real uvicorn on 127.0.0.1, a real httpx client, the real
sieve (rules, cache, and the encoder/head/LLM wherever this install has them)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest_server import (
    OTHER_LINES,
    RULE_LINES,
    LiveServer,
    metric_value,
    real_sieve,  # noqa: F401  (a fixture)
    serve,
)
from logsieve.server.routes.generate import load_generator
from logsieve.settings import Settings

SEED_000_FIELDS = {
    "log_analyzed",
    "final_category",
    "pipeline_stage",
    "final_confidence",
    "processing_time_ms",
    "journey",
}
CODEBASICS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "codebasics" / "synthetic_logs.csv"
)


@pytest.fixture(scope="module")
def server(real_sieve: Any) -> Iterator[LiveServer]:  # noqa: F811
    with serve(Settings(), real_sieve) as srv:
        yield srv


@pytest.fixture()
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


# --- status ---------------------------------------------------------------------------
def test_root_reports_basic_status(client: httpx.Client) -> None:
    body = client.get("/").json()
    assert body["status"] == "healthy"
    assert body["taxonomy"] == "standard"


def test_health_lists_every_component(client: httpx.Client, real_sieve: Any) -> None:  # noqa: F811
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "healthy"
    assert body["rules"] == len(real_sieve.rules) > 0
    for component in ("encoder", "head", "llm", "cache", "breakers"):
        assert component in body
    assert {"size", "capacity", "hit_rate"} <= set(body["cache"])
    assert "loaded" in body["head"] and "configured" in body["llm"]


def test_health_shows_priors_assumed_trained_and_estimated(client: httpx.Client) -> None:
    # New templates through the head, then the EM estimate of the traffic's label priors.
    lines = [
        "worker finished the nightly import",
        "cache warmed with fresh entries",
        "scheduler picked the next queue",
        "Deadlock detected while executing query",
    ]
    assert client.post("/classify", json=[{"log_message": m} for m in lines]).status_code == 200
    judgement = client.get("/health").json()["judgement"]
    assert judgement["routine_default"] == "INFO" and judgement["text_view"] == "message-v1"
    priors = judgement["priors"]
    assert priors["target"]["INFO"] > 0.5 > priors["train"]["INFO"]
    estimated = priors["estimated"]
    assert estimated["templates"] >= 3
    assert abs(sum(estimated["estimated"].values()) - 1) < 1e-3


def test_health_is_503_when_the_sieve_cannot_be_built(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-taxonomy.yaml"
    with serve(Settings(taxonomy=str(missing))) as srv, srv.client() as c:
        r = c.get("/health")
        assert r.status_code == 503
        assert r.json()["status"] == "unhealthy" and r.json()["error"] == "unavailable"
        r = c.post("/api/classify", json={"log_message": "User bob logged in."})
        assert r.status_code == 503 and r.json()["error"] == "unavailable"
        assert c.get("/").json()["status"] == "unhealthy"


# --- classification -------------------------------------------------------------------
def test_single_classification_has_seed_000_shape(client: httpx.Client, real_sieve: Any) -> None:  # noqa: F811
    line = RULE_LINES[0]
    r = client.post("/api/classify", json={"log_message": line, "source": "app-server"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == SEED_000_FIELDS | {"label_id", "label", "classifier", "new_template"}
    expected = real_sieve.classify(line, "app-server")
    assert body["log_analyzed"] == line
    assert body["final_category"] == body["label_id"] == expected.label_id
    assert body["classifier"] == expected.classifier == "regex"
    assert [s["stage"] for s in body["journey"]] == ["Regex Engine", "BERT Model", "LLM Fallback"]
    assert all({"stage", "status", "details"} <= set(s) for s in body["journey"])


class _Counted:
    """Counts the calls of a function and passes them on."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        return self.inner(*args)


class _CountedRules:
    """A sieve's rules, counting how often a line is matched against them."""

    def __init__(self, rules: Any) -> None:
        self.rules, self.match = rules, _Counted(rules.match)

    def __len__(self) -> int:
        return len(self.rules)


def test_a_new_line_runs_the_rules_and_the_masker_once(
    client: httpx.Client,
    real_sieve: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counted = _CountedRules(real_sieve.rules)
    rules, key = counted.match, _Counted(real_sieve._key)
    monkeypatch.setattr(real_sieve, "rules", counted)
    monkeypatch.setattr(real_sieve, "_key", key)
    line = "Shard 14 of the ledger index rebuilt in 5 s after a checksum gap"
    first = client.post("/api/classify", json={"log_message": line})
    assert first.status_code == 200 and first.json()["classifier"] in ("bert", "none", "llm")
    assert (rules.calls, key.calls) == (1, 1)  # begin's, carried on by classify_batch
    again = client.post("/api/classify", json={"log_message": line.replace("14", "15")})
    assert again.json()["classifier"] == "cache"
    assert (rules.calls, key.calls) == (2, 2)
    batch = client.post(
        "/classify",
        json=[{"log_message": line.replace("14", "16")}, {"log_message": RULE_LINES[0]}],
    )
    assert batch.status_code == 200
    assert (rules.calls, key.calls) == (4, 3)  # a rule line needs no template key


def test_batch_answers_one_result_per_line_in_order(client: httpx.Client, real_sieve: Any) -> None:  # noqa: F811
    lines = [
        RULE_LINES[i % len(RULE_LINES)] if i % 3 else OTHER_LINES[i % len(OTHER_LINES)]
        for i in range(60)
    ]
    payload = [{"source": f"svc-{i}", "log_message": line} for i, line in enumerate(lines)]
    r = client.post("/classify", json=payload)
    assert r.status_code == 200
    body = r.json()
    assert len(body) == len(lines)
    expected = [res.label_id for res in real_sieve.classify_batch([(t, None) for t in lines])]
    assert [b["label_id"] for b in body] == expected
    assert len(set(expected)) >= 3  # the order check means something
    for b in body:
        assert set(b) == {"label_id", "label", "source", "confidence"}
        assert b["source"] in {"regex", "bert", "llm", "cache", "none"}


def test_empty_batch_gives_empty_list(client: httpx.Client) -> None:
    r = client.post("/classify", json=[])
    assert r.status_code == 200 and r.json() == []


def test_concurrent_single_requests_each_get_their_own_answer(server: LiveServer) -> None:
    lines = [f"{RULE_LINES[i % len(RULE_LINES)]} #{i}" for i in range(80)]

    async def run() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as ac:
            rs = await asyncio.gather(
                *(ac.post("/api/classify", json={"log_message": m}) for m in lines)
            )
        assert all(r.status_code == 200 for r in rs)
        return [r.json() for r in rs]

    bodies = asyncio.run(run())
    assert [b["log_analyzed"] for b in bodies] == lines


# --- limits and errors ----------------------------------------------------------------
@pytest.fixture(scope="module")
def strict_server(real_sieve: Any) -> Iterator[LiveServer]:  # noqa: F811
    settings = Settings(max_body_bytes=4096, max_batch_lines=5, max_message_chars=100)
    with serve(settings, real_sieve) as srv:
        yield srv


def test_malformed_json_is_400_json(client: httpx.Client) -> None:
    r = client.post(
        "/api/classify", content=b'{"log_message": ', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["error"] == "malformed_json"


def test_missing_field_is_422_naming_it(client: httpx.Client) -> None:
    r = client.post("/api/classify", json={"source": "x"})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "validation_error"
    assert ["body", "log_message"] in [d["loc"] for d in body["detail"]]


def test_long_message_is_422_naming_the_line(strict_server: LiveServer) -> None:
    with strict_server.client() as c:
        r = c.post("/api/classify", json={"log_message": "x" * 101})
        assert r.status_code == 422
        assert r.json()["error"] == "message_too_long"
        batch = [{"log_message": "ok"}, {"log_message": "y" * 101}]
        r = c.post("/classify", json=batch)
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["body", "1", "log_message"]


def test_rejected_batch_classifies_nothing(strict_server: LiveServer) -> None:
    with strict_server.client() as c:
        before = metric_value(c.get("/metrics").text, "log_classifications_total")
        too_many = [{"log_message": RULE_LINES[0]}] * 6
        r = c.post("/classify", json=too_many)
        assert r.status_code == 413 and r.json()["error"] == "batch_too_large"
        one_bad = [{"log_message": RULE_LINES[0]}] * 4 + [{"log_message": "z" * 101}]
        assert c.post("/classify", json=one_bad).status_code == 422
        assert metric_value(c.get("/metrics").text, "log_classifications_total") == before
        r = c.post("/classify", json=too_many[:5])  # at the cap: accepted, nothing dropped
        assert r.status_code == 200 and len(r.json()) == 5
        after = metric_value(c.get("/metrics").text, "log_classifications_total")
        assert after == before + 5


def test_body_over_the_limit_is_413_declared_or_streamed(strict_server: LiveServer) -> None:
    big = b'{"log_message": "' + b"a" * 5000 + b'"}'
    with strict_server.client() as c:
        r = c.post("/api/classify", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"] == "body_too_large"

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must count bytes
            for i in range(0, len(big), 1000):
                yield big[i : i + 1000]

        r = c.post("/api/classify", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"] == "body_too_large"


def test_unknown_path_is_json_404(client: httpx.Client) -> None:
    r = client.get("/no/such/thing")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


# --- auth and rate limit --------------------------------------------------------------
def test_api_keys_are_required_when_configured(real_sieve: Any) -> None:  # noqa: F811
    settings = Settings(api_keys=["first-key-0123456789", "second-key-0123456789"])
    with serve(settings, real_sieve) as srv, srv.client() as c:
        line = {"log_message": RULE_LINES[0]}
        r = c.post("/api/classify", json=line)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
        assert (
            c.post("/api/classify", json=line, headers={"X-API-Key": "first-ke"}).status_code == 401
        )
        assert c.post("/classify", json=[line], headers={"X-API-Key": "nope"}).status_code == 401
        assert (
            c.post(
                "/api/classify", json=line, headers={"X-API-Key": "second-key-0123456789"}
            ).status_code
            == 200
        )
        assert c.get("/health").status_code == 200  # probes need no key


KEY_A, KEY_B = "alpha-key-0123456789", "beta-key-0123456789"


def test_rate_limit_per_key_gives_429(real_sieve: Any) -> None:  # noqa: F811
    settings = Settings(api_keys=[KEY_A, KEY_B], rate_limit_per_minute=3)
    with serve(settings, real_sieve) as srv, srv.client() as c:
        line = {"log_message": RULE_LINES[1]}
        codes = [
            c.post("/api/classify", json=line, headers={"X-API-Key": KEY_A}).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        r = c.post("/api/classify", json=line, headers={"X-API-Key": KEY_A})
        assert r.status_code == 429 and r.json()["error"] == "rate_limited"
        assert int(r.headers["retry-after"]) >= 1
        # Another key has its own bucket.
        assert c.post("/api/classify", json=line, headers={"X-API-Key": KEY_B}).status_code == 200


def test_rate_limit_counts_lines_not_only_requests(real_sieve: Any) -> None:  # noqa: F811
    settings = Settings(api_keys=[KEY_A], rate_limit_per_minute=100, rate_limit_lines_per_minute=50)
    with serve(settings, real_sieve) as srv, srv.client() as c:
        key = {"X-API-Key": KEY_A}
        batch = [{"log_message": RULE_LINES[0]}] * 40
        assert c.post("/classify", json=batch, headers=key).status_code == 200
        r = c.post("/classify", json=batch, headers=key)  # 80 lines in a minute: over 50
        assert r.status_code == 429 and "log lines" in r.json()["message"], r.text
        assert int(r.headers["retry-after"]) >= 1
        # a batch larger than the whole allowance is not refused for ever: it waits for a
        # full bucket (here: about a minute), it is not 413
        assert "lines_per_minute" not in r.text
    assert Settings(rate_limit_per_minute=10).lines_per_minute == 500  # the default: 50 x


def test_wrong_keys_are_throttled_per_address(real_sieve: Any) -> None:  # noqa: F811
    settings = Settings(api_keys=[KEY_A], auth_failures_per_minute=5)
    with serve(settings, real_sieve) as srv, srv.client() as c:
        line = {"log_message": RULE_LINES[0]}
        codes = [
            c.post(
                "/api/classify", json=line, headers={"X-API-Key": f"guess-number-{i:08d}"}
            ).status_code
            for i in range(8)
        ]
        assert codes == [401] * 5 + [429] * 3
        r = c.post("/api/classify", json=line, headers={"X-API-Key": KEY_A})
        assert r.status_code == 429 and "wrong X-API-Key" in r.json()["message"]
        assert int(r.headers["retry-after"]) >= 1


def test_short_api_keys_are_refused_at_start() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="at least 16"):
        Settings(api_keys=["short-key"])
    assert Settings(_env_file=None).llm_calls_per_minute == 600  # the LLM has a cap


def test_cors_allows_the_configured_origin(client: httpx.Client) -> None:
    r = client.options(
        "/api/classify",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"},
    )
    assert r.headers.get("access-control-allow-origin") == "http://localhost:3000"
    r = client.options(
        "/api/classify",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in r.headers


# --- CSV ------------------------------------------------------------------------------
def _csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def test_csv_round_trip_adds_target_label(client: httpx.Client) -> None:
    messages = [*RULE_LINES, *OTHER_LINES, 'quoted "words", a comma\nand a newline']
    rows = [["source", "log_message", "extra"]] + [
        [f"s{i}", m, str(i)] for i, m in enumerate(messages)
    ]
    r = client.post("/api/classify/csv", files={"file": ("logs.csv", _csv_bytes(rows))})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    got = list(csv.reader(io.StringIO(r.text)))
    assert got[0] == ["source", "log_message", "extra", "target_label"]
    assert [g[:3] for g in got[1:]] == rows[1:]
    batch = client.post(
        "/classify", json=[{"source": f"s{i}", "log_message": m} for i, m in enumerate(messages)]
    ).json()
    assert [g[3] for g in got[1:]] == [b["label_id"] for b in batch]


def test_csv_without_log_message_column_is_422(client: httpx.Client) -> None:
    r = client.post("/api/classify/csv", files={"file": ("x.csv", b"source,message\na,b\n")})
    assert r.status_code == 422 and r.json()["error"] == "invalid_csv"
    r = client.post("/api/classify/csv", files={"file": ("x.csv", b"\xff\xfe\x00bad")})
    assert r.status_code == 422


@pytest.mark.data
def test_csv_of_the_codebasics_file_streams_every_row(client: httpx.Client) -> None:
    if not CODEBASICS.is_file():
        pytest.skip(f"{CODEBASICS} is not here")
    with CODEBASICS.open(newline="", encoding="utf-8") as f:
        original = list(csv.reader(f))
    with (
        CODEBASICS.open("rb") as f,
        client.stream("POST", "/api/classify/csv", files={"file": ("synthetic_logs.csv", f)}) as r,
    ):
        assert r.status_code == 200
        chunks = list(r.iter_bytes())
    got = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert len(got) == len(original)
    label_col = original[0].index("target_label")  # overwritten by ours
    assert [row[:label_col] for row in got] == [row[:label_col] for row in original]
    assert all(row[label_col] for row in got[1:])


# --- generation ------------------------------------------------------------------------
def test_generate_answers_or_says_it_is_unavailable(client: httpx.Client) -> None:
    r = client.post("/api/generate", json={"prompt": "A network service timed out", "count": 3})
    if load_generator() is None:
        assert r.status_code == 503
        assert r.json()["error"] == "generation_unavailable"
    else:
        assert r.status_code == 200
        assert isinstance(r.json()["synthetic_log"], list)
        assert len(r.json()["synthetic_log"]) == 3
    assert client.post("/api/generate", json={"prompt": ""}).status_code == 422


# --- metrics ---------------------------------------------------------------------------
SEED_001_SERIES = (
    "log_classifications_total",
    "log_classification_duration_seconds",
    "log_classification_errors_total",
    "log_classifier_active_workers",
    "log_classifier_circuit_breaker_open",
    "log_classifier_http_requests_total",
    "log_classifier_http_request_duration_seconds",
)


def test_metrics_change_after_requests(client: httpx.Client) -> None:
    before = client.get("/metrics").text
    for name in SEED_001_SERIES:
        assert f"# TYPE {name.removesuffix('_total')}" in before, name
    for extra in (
        "log_classifier_cache_hits_total",
        "log_classifier_cache_misses_total",
        "log_classifier_llm_calls",
    ):
        assert f"# HELP {extra.removesuffix('_total')}" in before, extra

    client.post("/classify", json=[{"log_message": m} for m in (*RULE_LINES, *OTHER_LINES)])
    client.post("/api/classify", json={"log_message": RULE_LINES[0]})
    after = client.get("/metrics").text

    n = len(RULE_LINES) + len(OTHER_LINES) + 1

    def delta(name: str, **labels: str) -> float:
        return metric_value(after, name, **labels) - metric_value(before, name, **labels)

    assert delta("log_classifications_total") == n
    assert delta("log_classifications_total", classifier="regex") == len(RULE_LINES) + 1
    assert delta("log_classification_duration_seconds_count") == n
    assert (
        delta(
            "log_classifier_http_requests_total", endpoint="/classify", method="POST", status="200"
        )
        == 1
    )
    assert (
        delta(
            "log_classifier_http_requests_total",
            endpoint="/api/classify",
            method="POST",
            status="200",
        )
        == 1
    )
    assert delta("log_classifier_http_request_duration_seconds_count", endpoint="/classify") == 1
    hits_and_misses = delta("log_classifier_cache_hits_total") + delta(
        "log_classifier_cache_misses_total"
    )
    assert hits_and_misses == len(OTHER_LINES)  # every line past the rules asks the cache
    assert metric_value(after, "log_classifier_active_workers") == 0


def test_metrics_count_rejected_requests_by_status(client: httpx.Client) -> None:
    before = client.get("/metrics").text
    client.post("/api/classify", json={})
    after = client.get("/metrics").text
    labels = {"endpoint": "/api/classify", "method": "POST", "status": "422"}
    assert (
        metric_value(after, "log_classifier_http_requests_total", **labels)
        - metric_value(before, "log_classifier_http_requests_total", **labels)
    ) == 1


def test_the_single_answer_is_the_documented_schema() -> None:
    from logsieve.records import SINGLE_FIELDS
    from logsieve.server.schemas import ClassifyResponse

    assert tuple(ClassifyResponse.model_fields) == SINGLE_FIELDS
