"""The encoder as a service: ``logsieve serve`` answers ``POST /v1/embeddings``, and a
front server with ``EMBEDDING_BASE_URL`` gets its vectors there (two real logsieve servers
on 127.0.0.1, the encoder one a process the tests kill); a double at the HTTP boundary
plays the servers that answer wrongly."""

# ruff: noqa: F811
from __future__ import annotations

import base64
import itertools
import os
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from conftest_server import (
    OTHER_LINES,
    metric_value,
    real_sieve,  # noqa: F401  (a fixture; the tests' parameters of that name are it)
    serve,
    serve_process,
)
from llm_double import LLMDouble
from logsieve.build import build_sieve
from logsieve.errors import ModelError
from logsieve.remote_encoder import RemoteEncoder
from logsieve.settings import Settings

_ADJECTIVES = ("amber", "brisk", "calm", "dusty", "eager", "faint", "grim", "hollow")
_NOUNS = ("badger", "cobalt", "dune", "ember", "fjord", "glacier", "harbor", "iris", "jade")

#: Lines no rule decides, each its own template (words, not numbers: the masker keeps them).
NEW_LINES = tuple(
    f"Replica {a} {n} fell behind its leader while draining the queue"
    for a, n in itertools.product(_ADJECTIVES, _NOUNS)
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGSIEVE_", "LLM_"))}
    env.pop("GROQ_API_KEY", None)
    env.pop("EMBEDDING_BASE_URL", None)
    return {**env, "LOGSIEVE_LLM_ENABLED": "false", **extra}


@pytest.fixture(scope="module")
def encoder_server() -> Iterator[str]:
    """A real ``logsieve serve`` whose encoder the front servers use."""
    with serve_process(env=_env()) as (url, _port, _proc):
        yield url


def _front_settings(encoder_url: str, **extra: Any) -> Settings:
    return Settings(embedding_base_url=encoder_url + "/v1", llm_enabled=False, **extra)


def _batch(client: httpx.Client, lines: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    reply = client.post("/classify", json=[{"log_message": m} for m in lines])
    assert reply.status_code == 200, reply.text
    results: list[dict[str, Any]] = reply.json()
    assert len(results) == len(lines)
    return results


def test_vectors_are_the_encoders_own(encoder_server: str, real_sieve: Any) -> None:
    """What /v1/embeddings sends, as numbers or base64, is the in-process encoder's vector
    bit for bit, in input order, named by the encoder's name."""
    texts = ["User <NAME> logged in", "Backup of <PATH> failed", "User <NAME> logged in"]
    want = real_sieve.encoder.encode(texts)
    with httpx.Client(base_url=encoder_server, timeout=30) as c:
        floats = c.post("/v1/embeddings", json={"input": texts}).json()
        packed = c.post("/v1/embeddings", json={"input": texts, "encoding_format": "base64"})
        models = c.get("/v1/models").json()
    assert floats["model"] == real_sieve.encoder.name == models["data"][0]["id"]
    assert [d["index"] for d in floats["data"]] == [0, 1, 2]
    got = np.array([d["embedding"] for d in floats["data"]], dtype=np.float32)
    assert np.array_equal(got, want)
    raw = [np.frombuffer(base64.b64decode(d["embedding"]), "<f4") for d in packed.json()["data"]]
    assert np.array_equal(np.stack(raw), want)


def test_a_front_server_answers_as_the_encoder_would(encoder_server: str, real_sieve: Any) -> None:
    """Labels and confidences through a remote encoder equal the in-process ones; the
    embedding stage really ran (not unavailable), and /health says where the encoder is."""
    lines = [*OTHER_LINES, *NEW_LINES[:20]]
    local = real_sieve.classify_batch(lines)
    with serve(_front_settings(encoder_server)) as front, front.client() as c:
        results = _batch(c, lines)
        health = c.get("/health").json()
    assert [r["label_id"] for r in results] == [r.label_id for r in local]
    assert [r["confidence"] for r in results] == [round(r.final_confidence, 4) for r in local]
    assert health["encoder"]["remote"] == encoder_server + "/v1"
    assert health["encoder"]["name"] == real_sieve.encoder.name
    assert health["breakers"]["bert"] == "closed"


def test_killing_the_encoder_degrades_answers_and_opens_the_breaker() -> None:
    """The encoder server dies mid-run: every line is still answered, in order, its journey
    says the embedding stage could not run; after 5 failed calls the breaker opens and
    /metrics shows it; no request failed."""
    with serve_process(env=_env()) as (url, _port, proc):
        front_settings = _front_settings(url, embed_breaker_reset_s=60.0)
        with serve(front_settings) as front, front.client() as c:
            before = _batch(c, NEW_LINES[:4])
            assert all(r["source"] in ("bert", "none") for r in before)
            proc.kill()
            proc.wait()
            after: list[dict[str, Any]] = []
            for start in range(4, 4 + 6 * 4, 4):  # six requests, six guarded encoder calls
                after += _batch(c, NEW_LINES[start : start + 4])
            one = c.post("/api/classify", json={"log_message": NEW_LINES[40]})
            metrics = c.get("/metrics").text
    assert len(after) == 24 and all(r["source"] == "none" for r in after)
    assert one.status_code == 200
    bert = next(s for s in one.json()["journey"] if s["stage"].startswith("BERT"))
    assert bert["status"] == "Unavailable" and "circuit breaker 'bert' is open" in bert["details"]
    assert metric_value(metrics, "log_classifier_circuit_breaker_open", service="bert") == 1.0


def test_the_first_failures_say_the_encoder_server_is_unreachable() -> None:
    with serve_process(env=_env()) as (url, _port, proc):
        proc.kill()
        proc.wait()
        sieve = build_sieve(_front_settings(url))
        try:
            result = sieve.classify_batch([NEW_LINES[50]])[0]
        finally:
            sieve.close()
    step = next(s for s in result.to_dict()["journey"] if s["stage"].startswith("BERT"))
    assert step["status"] == "Failed"
    assert "cannot reach the encoder server" in step["details"]


def _double_vectors(model: str, dim: int) -> Any:
    def answer(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        rows = [[1.0] + [0.0] * (dim - 1) for _ in body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": r} for i, r in enumerate(rows)]
        return 200, {"object": "list", "data": data, "model": model}

    return answer


@pytest.mark.parametrize(
    ("model", "dim", "said"),
    [
        ("sentence-transformers/all-mpnet-base-v2", 384, "refused vectors of encoder"),
        (None, 768, "refused vectors of dimension 768: the head reads 384"),
    ],
)
def test_vectors_of_another_encoder_are_refused(
    model: str | None, dim: int, said: str, real_sieve: Any
) -> None:
    with LLMDouble() as double:
        double.embeddings = _double_vectors(model or real_sieve.encoder.name, dim)
        sieve = build_sieve(Settings(embedding_base_url=double.base_url, llm_enabled=False))
        try:
            result = sieve.classify_batch([NEW_LINES[60]])[0]
        finally:
            sieve.close()
        sent = [r for r in double.requests if r.path.endswith("/embeddings")]
    assert sent and sent[0].body["model"] == real_sieve.encoder.name
    step = next(s for s in result.to_dict()["journey"] if s["stage"].startswith("BERT"))
    assert step["status"] == "Failed" and said in step["details"]
    assert result.classifier != "bert"


def test_a_model_the_head_was_not_trained_on_is_refused_at_build() -> None:
    settings = Settings(
        embedding_base_url="http://127.0.0.1:9/v1", embedding_model="nomic-embed-text"
    )
    with pytest.raises(ModelError, match="nomic-embed-text"):
        build_sieve(settings)


def test_transient_failures_are_retried_and_keys_sent(real_sieve: Any) -> None:
    """A 503 then an answer: one line, two requests, the answer used; the key goes as
    OpenAI's bearer token and never into the journey."""
    good = _double_vectors(real_sieve.encoder.name, 384)
    answers = iter([(503, {"error": {"message": "warming up"}})])

    def flaky(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return next(answers, None) or good(body)

    with LLMDouble() as double:
        double.embeddings = flaky
        settings = Settings(
            embedding_base_url=double.base_url,
            embedding_api_key="sk-embed-0123456789abcdef",
            llm_enabled=False,
        )
        sieve = build_sieve(settings)
        try:
            result = sieve.classify_batch([NEW_LINES[61]])[0]
        finally:
            sieve.close()
        sent = [r for r in double.requests if r.path.endswith("/embeddings")]
    assert len(sent) == 2
    assert sent[1].headers["authorization"] == "Bearer sk-embed-0123456789abcdef"
    step = next(s for s in result.to_dict()["journey"] if s["stage"].startswith("BERT"))
    assert step["status"] in ("Classified", "Low Confidence"), step
    assert "sk-embed" not in str(result.to_dict())


def test_requests_are_cut_at_the_batch_size(real_sieve: Any) -> None:
    good = _double_vectors(real_sieve.encoder.name, 384)
    with LLMDouble() as double:
        double.embeddings = good
        settings = Settings(
            embedding_base_url=double.base_url, embedding_batch_size=4, llm_enabled=False
        )
        sieve = build_sieve(settings)
        try:
            results = sieve.classify_batch(list(NEW_LINES[62:72]))
        finally:
            sieve.close()
        sizes = [len(r.body["input"]) for r in double.requests if r.path.endswith("/embeddings")]
    assert len(results) == 10
    assert sizes == [4, 4, 2]


# --- the route's own checks ------------------------------------------------------------------


def test_embeddings_route_rejects_bad_requests(real_sieve: Any) -> None:
    settings = Settings(max_batch_lines=3, max_line_chars=50)
    with serve(settings, sieve=real_sieve) as srv, srv.client() as c:
        cases = {
            "empty": c.post("/v1/embeddings", json={"input": []}),
            "tokens": c.post("/v1/embeddings", json={"input": [[101, 2023]]}),
            "long": c.post("/v1/embeddings", json={"input": ["ok", "x" * 51]}),
            "many": c.post("/v1/embeddings", json={"input": ["a", "b", "c", "d"]}),
            "model": c.post("/v1/embeddings", json={"input": "a", "model": "text-embedding-3"}),
            "dims": c.post("/v1/embeddings", json={"input": "a", "dimensions": 256}),
            "json": c.post(
                "/v1/embeddings", content=b"{", headers={"Content-Type": "application/json"}
            ),
        }
    status = {name: r.status_code for name, r in cases.items()}
    assert status == {
        "empty": 422,
        "tokens": 422,
        "long": 422,
        "many": 413,
        "model": 404,
        "dims": 422,
        "json": 400,
    }
    assert all("message" in r.json() for r in cases.values())
    assert "input[1] has 51 characters" in cases["long"].json()["message"]
    assert "text-embedding-3" in cases["model"].json()["message"]


def test_embeddings_route_takes_a_key_either_way(real_sieve: Any) -> None:
    key = "embed-key-0123456789"
    with serve(Settings(api_keys=[key]), sieve=real_sieve) as srv, srv.client() as c:
        none = c.post("/v1/embeddings", json={"input": "a"})
        bearer = c.post(
            "/v1/embeddings", json={"input": "a"}, headers={"Authorization": f"Bearer {key}"}
        )
        header = c.post("/v1/embeddings", json={"input": "a"}, headers={"X-API-Key": key})
        wrong = c.post(
            "/v1/embeddings", json={"input": "a"}, headers={"Authorization": "Bearer nope"}
        )
    assert (none.status_code, bearer.status_code, header.status_code) == (401, 200, 200)
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthorized"


def test_embeddings_route_without_an_encoder_is_503() -> None:
    settings = Settings(embedding_enabled=False, llm_enabled=False)
    with serve(settings) as srv, srv.client() as c:
        reply = c.post("/v1/embeddings", json={"input": "a"})
        listed = c.get("/v1/models").json()
    assert reply.status_code == 503 and "No encoder" in reply.json()["message"]
    assert listed["data"] == []


def test_remote_encoder_keeps_duplicates_and_order() -> None:
    """Identical texts are sent once and every row comes back where its text was."""

    def by_text(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        rows = []
        for text in body["input"]:
            v = [0.0] * 8
            v[len(text) % 8] = 1.0
            rows.append(v)
        data = [{"index": i, "embedding": r} for i, r in reversed(list(enumerate(rows)))]
        return 200, {"data": data, "model": "m"}

    with LLMDouble() as double:
        double.embeddings = by_text
        enc = RemoteEncoder(double.base_url, model="m", dim=8, batch_size=2)
        try:
            vectors = enc.encode(["a", "bb", "a", "ccc", "bb"])
        finally:
            enc.close()
        sizes = [len(r.body["input"]) for r in double.requests]
    assert [int(np.argmax(v)) for v in vectors] == [1, 2, 1, 3, 2]
    assert sizes == [2, 1]
