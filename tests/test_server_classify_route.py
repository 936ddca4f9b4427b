"""``POST /api/classify``'s plain requests: lines the rules or the template cache know are
answered inline (no micro-batch window, no worker thread, no dependency solving), and every
request, plain or not, gets the answer it should (body, errors, metrics); new lines still go
through the batcher."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conftest_server import RULE_LINES, LiveServer, metric_value
from logsieve.cache import Decision, DecisionCache
from logsieve.embedding import MiniLMEncoder
from logsieve.errors import InputError, StageUnavailable
from logsieve.result import Result
from logsieve.server import create_app
from logsieve.server.batcher import MicroBatcher
from logsieve.server.state import ServerState
from logsieve.settings import Settings
from logsieve.sieve import Sieve
from logsieve.taxonomy import load_taxonomy
from tiny_head import TRAIN, CountingEncoder, train_tiny_head

#: A line the tiny head decides with confidence (it was trained on it), so it gets cached.
DB_LINE = TRAIN["DB_ERROR"][1]


@pytest.fixture(scope="module")
def encoder() -> CountingEncoder:
    return CountingEncoder(MiniLMEncoder(threads=2))


@pytest.fixture(scope="module")
def sieve(encoder: CountingEncoder) -> Iterator[Sieve]:
    built = Sieve(
        load_taxonomy("standard"),
        encoder=encoder,
        head=train_tiny_head(encoder.inner),
        threshold=0.4,
    )
    yield built
    built.close()


def state_of(srv: LiveServer) -> ServerState:
    state: ServerState = srv.app.state.logsieve
    return state


def without_timings(body: Any) -> Any:
    """A response body minus what depends on the clock."""
    if isinstance(body, dict):
        return {
            k: without_timings(v)
            for k, v in body.items()
            if k not in ("processing_time_ms", "duration_ms")
        }
    if isinstance(body, list):
        return [without_timings(v) for v in body]
    return body


# --- inline answers ------------------------------------------------------------------------
def test_a_cached_line_is_answered_inline(sieve: Sieve, encoder: CountingEncoder) -> None:
    with LiveServer(create_app(Settings(), sieve=sieve)) as srv, srv.client() as c:
        batcher = state_of(srv).batcher
        assert batcher is not None
        before = c.get("/metrics").text

        first = c.post("/api/classify", json={"log_message": DB_LINE})
        assert first.status_code == 200 and first.json()["classifier"] == "bert"
        assert batcher.batches_sent == 1 and batcher.answered_inline == 0
        encoded = len(encoder.calls)

        second = c.post("/api/classify", json={"log_message": DB_LINE, "source": "db01"})
        assert second.status_code == 200
        body = second.json()
        # Neither a batch nor the encoder: the cache answered, on the event loop.
        assert batcher.batches_sent == 1 and batcher.answered_inline == 1
        assert len(encoder.calls) == encoded
        assert body["classifier"] == "cache"
        assert body["label_id"] == body["final_category"] == first.json()["label_id"]
        assert "cache" in json.dumps(body["journey"]).lower()
        # The same answer the sieve gives for the line (the body is seed 000's shape).
        expected = sieve.begin(DB_LINE, "db01")
        assert isinstance(expected, Result)
        assert without_timings(body) == without_timings({k: expected.to_dict()[k] for k in body})

        after = c.get("/metrics").text

        def grew(name: str, **labels: str) -> float:
            return metric_value(after, name, **labels) - metric_value(before, name, **labels)

        assert grew("log_classifier_cache_hits_total") == 1
        assert grew("log_classifier_cache_misses_total") == 1  # the first request
        assert grew("log_classifications_total", classifier="cache", label=body["label_id"]) == 1
        assert grew("log_classification_duration_seconds_count", classifier="cache") == 1
        assert (
            grew(
                "log_classifier_http_requests_total",
                endpoint="/api/classify",
                method="POST",
                status="200",
            )
            == 2
        )


def test_a_rule_line_is_answered_inline(sieve: Sieve) -> None:
    with LiveServer(create_app(Settings(), sieve=sieve)) as srv, srv.client() as c:
        batcher = state_of(srv).batcher
        assert batcher is not None
        r = c.post("/api/classify", json={"log_message": RULE_LINES[1]})
        assert r.status_code == 200 and r.json()["classifier"] == "regex"
        assert batcher.batches_sent == 0 and batcher.answered_inline == 1


def test_a_new_line_still_goes_through_the_batcher(sieve: Sieve, encoder: CountingEncoder) -> None:
    line = "Quarantine of tenant 4411 mailbox began after a policy sweep"
    with LiveServer(create_app(Settings(), sieve=sieve)) as srv, srv.client() as c:
        batcher = state_of(srv).batcher
        assert batcher is not None
        encoded = len(encoder.calls)
        r = c.post("/api/classify", json={"log_message": line})
        assert r.status_code == 200 and r.json()["classifier"] != "cache"
        assert batcher.batches_sent == 1 and batcher.answered_inline == 0
        assert len(encoder.calls) == encoded + 1


# --- every request gets the answer it should ---------------------------------------------------
def _chunks(data: bytes) -> Iterator[bytes]:
    for i in range(0, len(data), 1024):
        yield data[i : i + 1024]


JSON = {"content-type": "application/json"}
#: (name, body bytes or a chunk generator factory, headers, (status, error or classifier))
CASES: list[tuple[str, Any, dict[str, str], tuple[int, str]]] = [
    ("rule line", json.dumps({"log_message": RULE_LINES[0]}), JSON, (200, "regex")),
    (
        "with source",
        json.dumps({"log_message": RULE_LINES[2], "source": "app-1"}),
        JSON,
        (200, "regex"),
    ),
    (
        "source null",
        json.dumps({"log_message": RULE_LINES[3], "source": None}),
        JSON,
        (200, "regex"),
    ),
    (
        "extra field",
        json.dumps({"log_message": RULE_LINES[4], "extra": [1, 2]}),
        JSON,
        (200, "regex"),
    ),
    ("cached line", json.dumps({"log_message": DB_LINE}), JSON, (200, "cache")),
    (
        "charset",
        json.dumps({"log_message": RULE_LINES[0]}),
        {"content-type": "application/json; charset=utf-8"},
        (200, "regex"),
    ),
    (
        "text/plain",
        json.dumps({"log_message": RULE_LINES[0]}),
        {"content-type": "text/plain"},
        (415, "unsupported_media_type"),
    ),
    (
        "+json",
        json.dumps({"log_message": RULE_LINES[0]}),
        {"content-type": "application/vnd.api+json"},
        (200, "regex"),
    ),
    ("empty message", json.dumps({"log_message": ""}), JSON, (422, "validation_error")),
    ("missing message", json.dumps({"source": "x"}), JSON, (422, "validation_error")),
    ("message not a string", json.dumps({"log_message": 42}), JSON, (422, "validation_error")),
    (
        "source too long",
        json.dumps({"log_message": "x", "source": "s" * 300}),
        JSON,
        (422, "validation_error"),
    ),
    ("message too long", json.dumps({"log_message": "y" * 201}), JSON, (422, "message_too_long")),
    ("malformed JSON", '{"log_message": ', JSON, (400, "malformed_json")),
    ("empty body", "", JSON, (422, "validation_error")),
    ("array", json.dumps([{"log_message": "x"}]), JSON, (422, "validation_error")),
    ("NaN", '{"log_message": NaN}', JSON, (422, "validation_error")),
    (
        "chunked, over the limit",
        lambda: _chunks(b'{"log_message": "' + b"z" * 6000 + b'"}'),
        JSON,
        (413, "body_too_large"),
    ),
    (
        "chunked, fine",
        lambda: _chunks(json.dumps({"log_message": RULE_LINES[1]}).encode()),
        JSON,
        (200, "regex"),
    ),
]


def _send(c: httpx.Client, body: Any, headers: dict[str, str]) -> httpx.Response:
    content = body() if callable(body) else body
    return c.post("/api/classify", content=content, headers=headers)


def _outcome(r: httpx.Response) -> tuple[int, str]:
    body = r.json()
    return r.status_code, body.get("error") or body.get("classifier")


def test_every_request_gets_the_answer_it_should(sieve: Sieve) -> None:
    settings = Settings(max_message_chars=200, max_body_bytes=4096)
    sieve.classify(DB_LINE)  # cached before the server answers it
    with LiveServer(create_app(settings, sieve=sieve)) as srv, srv.client() as c:
        answers = {}
        for name, body, headers, expected in CASES:
            r = _send(c, body, headers)
            assert _outcome(r) == expected, (name, r.text)
            assert r.headers["content-type"] == "application/json", name
            answers[name] = r.json()
        batcher = state_of(srv).batcher
        assert batcher is not None and batcher.answered_inline == 8  # every 200: known lines
    # The fields FastAPI's validation names are where the problem is.
    assert answers["missing message"]["detail"][0]["loc"] == ["body", "log_message"]
    assert answers["source too long"]["detail"][0]["loc"] == ["body", "source"]
    assert answers["message too long"]["detail"][0]["loc"] == ["body", "log_message"]
    # A plain request and one FastAPI resolves itself (a charset parameter, +json) get the
    # same answer, field for field.
    assert without_timings(answers["charset"]) == without_timings(answers["rule line"])
    assert without_timings(answers["+json"]) == without_timings(answers["rule line"])


def test_keys_and_rate_limit_are_checked_on_every_request(sieve: Sieve) -> None:
    settings = Settings(api_keys=["alpha-key-0123456789"], rate_limit_per_minute=2)
    body = json.dumps({"log_message": RULE_LINES[0]})
    with LiveServer(create_app(settings, sieve=sieve)) as srv, srv.client() as c:
        wrong = {**JSON, "X-API-Key": "beta-key-0123456789"}
        for name, headers, content, expected in (
            ("no key", JSON, body, (401, "unauthorized")),
            ("wrong key", wrong, body, (401, "unauthorized")),
            (
                "no key, charset",
                {"content-type": "application/json; charset=utf-8"},
                body,
                (401, "unauthorized"),
            ),
            ("bad body, no key", JSON, "{", (400, "malformed_json")),
        ):
            r = c.post("/api/classify", content=content, headers=headers)
            assert _outcome(r) == expected, name
            if expected[0] == 401:
                assert r.headers["www-authenticate"] == "APIKey", name
        keyed = {**JSON, "X-API-Key": "alpha-key-0123456789"}
        answers = [c.post("/api/classify", content=body, headers=keyed) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[2].json()["error"] == "rate_limited" and answers[2].headers["retry-after"]


def test_cors_headers_are_on_the_answer(sieve: Sieve) -> None:
    origin = "http://localhost:3000"
    with LiveServer(create_app(Settings(), sieve=sieve)) as srv, srv.client() as c:
        r = c.post("/api/classify", json={"log_message": RULE_LINES[0]}, headers={"Origin": origin})
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == origin


class FailingSieve:
    """The real sieve's taxonomy and health, but every batch raises ``error``."""

    def __init__(self, sieve: Sieve, error: Exception) -> None:
        self.taxonomy = sieve.taxonomy
        self.health = sieve.health
        self.top_templates = sieve.top_templates
        self.error = error

    def classify_batch(self, items: Any) -> Any:
        raise self.error


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (StageUnavailable("the encoder is down"), 503, "unavailable"),
        (InputError("not a log line"), 422, "invalid_input"),
        (RuntimeError("boom"), 500, "internal_error"),
    ],
)
def test_a_failing_sieve_is_answered_by_the_apps_handlers(
    sieve: Sieve, error: Exception, status: int, code: str
) -> None:
    failing = FailingSieve(sieve, error)
    body = json.dumps({"log_message": "Anything at all happened here"})
    with LiveServer(create_app(Settings(), sieve=failing)) as srv:
        # (a connection whose request raised is closed by the server: one client each)
        with srv.client() as c:
            plain = c.post("/api/classify", content=body, headers=JSON)
        with srv.client() as c:
            general = c.post(
                "/api/classify",
                content=body,
                headers={"content-type": "application/json; charset=utf-8"},
            )
        for r in (plain, general):
            assert r.status_code == status
            assert r.headers["content-type"] == "application/json"
            assert r.json()["error"] == code, r.json()
        assert plain.json() == general.json()


def test_the_batcher_asks_known_first_and_falls_back_to_a_batch(sieve: Sieve) -> None:
    calls: list[int] = []

    def classify_batch(items: Any) -> Any:
        calls.append(len(items))
        return sieve.classify_batch(items)

    def broken_known(text: str, source: str | None) -> Any:
        raise RuntimeError("the look-up failed")

    async def run(known: Any) -> list[Any]:
        batcher = MicroBatcher(classify_batch, window_s=0.01, max_lines=64, begin=known)
        try:
            lines = [RULE_LINES[0], "Quarantine of tenant 9 mailbox began after a sweep"]
            return await asyncio.gather(*(batcher.classify(t) for t in lines))
        finally:
            batcher.close()

    results = asyncio.run(run(sieve.begin))
    assert calls == [1]  # the rule line never reached a batch
    assert results[0].classifier == "regex"
    calls.clear()
    results = asyncio.run(run(broken_known))
    assert calls == [2]  # a failing look-up leaves the line to the batch path
    assert results[0].classifier == "regex"


@pytest.mark.parametrize(("flags", "logged"), [([], False), (["--access-log"], True)])
def test_serve_writes_no_access_log_unless_asked(
    monkeypatch: pytest.MonkeyPatch, flags: list[str], logged: bool
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from logsieve.cli import app

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))  # no server here
    result = CliRunner().invoke(app, ["serve", *flags])
    assert result.exit_code == 0, result.output
    assert seen["access_log"] is logged
    assert seen["loop"] == "asyncio"
    assert seen["http"] == "logsieve.server.protocol:GuardedHTTPProtocol"  # httptools, no delay


class DictBackend:
    """A shared-cache backend kept in a dict (the Redis one is tested in test_cache_redis);
    it records the threads that asked it."""

    def __init__(self) -> None:
        self.data: dict[str, Decision] = {}
        self.asked_from: list[str] = []

    def get(self, key: str) -> Decision | None:
        import threading

        self.asked_from.append(threading.current_thread().name)
        return self.data.get(key)

    def put(self, key: str, decision: Decision) -> None:
        self.data[key] = decision


def test_with_a_shared_cache_backend_the_event_loop_never_asks_it() -> None:
    # A decision another replica made is in the shared store only. The first request must
    # fetch it from a batcher thread (a network call in real life), never from the event
    # loop; once in the local LRU, repeats are answered inline. Hits and misses count once.
    from logsieve.templates import template_key

    backend = DictBackend()
    line = "Email delivery to the relay host timed out after 30 seconds"
    backend.data[template_key(line)] = Decision("WORKFLOW_ERROR", 0.93, "bert")
    shared = Sieve(load_taxonomy("standard"), cache=DecisionCache(backend=backend))
    try:
        with LiveServer(create_app(Settings(), sieve=shared)) as srv, srv.client() as c:
            batcher = state_of(srv).batcher
            assert batcher is not None
            answers = [c.post("/api/classify", json={"log_message": line}).json() for _ in range(3)]
            assert [a["label_id"] for a in answers] == ["WORKFLOW_ERROR"] * 3
            assert all(a["classifier"] == "cache" for a in answers)
            assert batcher.batches_sent == 1 and batcher.answered_inline == 2
            assert backend.asked_from and all(
                name.startswith("logsieve-batch") for name in backend.asked_from
            ), backend.asked_from
            stats = shared.cache.stats()
            assert (stats["hits"], stats["misses"]) == (3, 0)
    finally:
        shared.close()
