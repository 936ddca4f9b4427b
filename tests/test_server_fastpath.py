"""The fast path of ``POST /api/classify``: lines the rules or the template cache know are
answered inline (no micro-batch window, no worker thread, no FastAPI routing), with the same
body, errors and metrics as the route; new lines still go through the batcher."""

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
from logsieve.server.fastpath import ClassifyFastPath
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
    built = Sieve(load_taxonomy("standard"), encoder=encoder,
                  head=train_tiny_head(encoder.inner), threshold=0.4)
    yield built
    built.close()


def state_of(srv: LiveServer) -> ServerState:
    state: ServerState = srv.app.state.logsieve
    return state


def fast_path_of(srv: LiveServer) -> ClassifyFastPath:
    """The app's fast-path middleware instance (built at the first request)."""
    layer: Any = srv.app.middleware_stack
    while layer is not None and not isinstance(layer, ClassifyFastPath):
        layer = getattr(layer, "app", None)
    assert layer is not None, "no fast path in the middleware stack"
    return layer


def without_timings(body: Any) -> Any:
    """A response body minus what depends on the clock."""
    if isinstance(body, dict):
        return {k: without_timings(v) for k, v in body.items()
                if k not in ("processing_time_ms", "duration_ms")}
    if isinstance(body, list):
        return [without_timings(v) for v in body]
    return body


def route_only(settings: Settings, sieve: Any) -> LiveServer:
    """A server without the fast path: every request goes through FastAPI's route."""
    app = create_app(settings, sieve=sieve)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not ClassifyFastPath]
    return LiveServer(app)


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
        assert fast_path_of(srv).answered == 2  # and not FastAPI's route
        assert body["classifier"] == "cache"
        assert body["label_id"] == body["final_category"] == first.json()["label_id"]
        assert "cache" in json.dumps(body["journey"]).lower()
        # The same answer the sieve gives for the line (the body is seed 000's shape).
        expected = sieve.begin(DB_LINE, "db01")
        assert isinstance(expected, Result)
        assert without_timings(body) == without_timings(
            {k: expected.to_dict()[k] for k in body})

        after = c.get("/metrics").text
        def grew(name: str, **labels: str) -> float:
            return metric_value(after, name, **labels) - metric_value(before, name, **labels)

        assert grew("log_classifier_cache_hits_total") == 1
        assert grew("log_classifier_cache_misses_total") == 1  # the first request
        assert grew("log_classifications_total", classifier="cache",
                    label=body["label_id"]) == 1
        assert grew("log_classification_duration_seconds_count", classifier="cache") == 1
        assert grew("log_classifier_http_requests_total", endpoint="/api/classify",
                    method="POST", status="200") == 2


def test_a_rule_line_is_answered_inline(sieve: Sieve) -> None:
    with LiveServer(create_app(Settings(), sieve=sieve)) as srv, srv.client() as c:
        batcher = state_of(srv).batcher
        assert batcher is not None
        r = c.post("/api/classify", json={"log_message": RULE_LINES[1]})
        assert r.status_code == 200 and r.json()["classifier"] == "regex"
        assert batcher.batches_sent == 0 and batcher.answered_inline == 1


def test_a_new_line_still_goes_through_the_batcher(sieve: Sieve,
                                                   encoder: CountingEncoder) -> None:
    line = "Quarantine of tenant 4411 mailbox began after a policy sweep"
    with LiveServer(create_app(Settings(), sieve=sieve)) as srv, srv.client() as c:
        batcher = state_of(srv).batcher
        assert batcher is not None
        encoded = len(encoder.calls)
        r = c.post("/api/classify", json={"log_message": line})
        assert r.status_code == 200 and r.json()["classifier"] != "cache"
        assert batcher.batches_sent == 1 and batcher.answered_inline == 0
        assert len(encoder.calls) == encoded + 1


# --- the same answers as the route -----------------------------------------------------------
def _chunks(data: bytes) -> Iterator[bytes]:
    for i in range(0, len(data), 1024):
        yield data[i:i + 1024]


JSON = {"content-type": "application/json"}
#: (name, body bytes or a chunk generator factory, headers)
CASES: list[tuple[str, Any, dict[str, str]]] = [
    ("rule line", json.dumps({"log_message": RULE_LINES[0]}), JSON),
    ("with source", json.dumps({"log_message": RULE_LINES[2], "source": "app-1"}), JSON),
    ("source null", json.dumps({"log_message": RULE_LINES[3], "source": None}), JSON),
    ("extra field", json.dumps({"log_message": RULE_LINES[4], "extra": [1, 2]}), JSON),
    ("cached line", json.dumps({"log_message": DB_LINE}), JSON),
    ("charset", json.dumps({"log_message": RULE_LINES[0]}),
     {"content-type": "application/json; charset=utf-8"}),
    ("text/plain", json.dumps({"log_message": RULE_LINES[0]}), {"content-type": "text/plain"}),
    ("+json", json.dumps({"log_message": RULE_LINES[0]}),
     {"content-type": "application/vnd.api+json"}),
    ("empty message", json.dumps({"log_message": ""}), JSON),
    ("missing message", json.dumps({"source": "x"}), JSON),
    ("message not a string", json.dumps({"log_message": 42}), JSON),
    ("source too long", json.dumps({"log_message": "x", "source": "s" * 300}), JSON),
    ("message too long", json.dumps({"log_message": "y" * 201}), JSON),
    ("malformed JSON", '{"log_message": ', JSON),
    ("empty body", "", JSON),
    ("array", json.dumps([{"log_message": "x"}]), JSON),
    ("NaN", '{"log_message": NaN}', JSON),
    ("chunked, over the limit", lambda: _chunks(b'{"log_message": "' + b"z" * 6000 + b'"}'),
     JSON),
    ("chunked, fine", lambda: _chunks(json.dumps({"log_message": RULE_LINES[1]}).encode()),
     JSON),
]


def _send(c: httpx.Client, body: Any, headers: dict[str, str]) -> httpx.Response:
    content = body() if callable(body) else body
    return c.post("/api/classify", content=content, headers=headers)


def _same(fast: httpx.Response, route: httpx.Response, name: str) -> None:
    assert fast.status_code == route.status_code, name
    for header in ("content-type", "retry-after", "www-authenticate"):
        assert fast.headers.get(header) == route.headers.get(header), (name, header)
    assert without_timings(fast.json()) == without_timings(route.json()), name


def test_every_answer_is_the_routes_answer(sieve: Sieve) -> None:
    settings = Settings(max_message_chars=200, max_body_bytes=4096)
    sieve.classify(DB_LINE)  # cached before either server answers it
    with LiveServer(create_app(settings, sieve=sieve)) as fast_srv, \
            route_only(settings, sieve) as route_srv, \
            fast_srv.client() as fast, route_srv.client() as route:
        statuses = set()
        for name, body, headers in CASES:
            a, b = _send(fast, body, headers), _send(route, body, headers)
            _same(a, b, name)
            statuses.add(a.status_code)
        assert {200, 400, 413, 422} <= statuses  # the comparison covers errors too
        fast_batcher, route_batcher = state_of(fast_srv).batcher, state_of(route_srv).batcher
        assert fast_batcher is not None and route_batcher is not None
        assert fast_path_of(fast_srv).answered == 7  # the plain cases; the rest went on
        # The route itself answers known lines inline too (same batcher).
        assert route_batcher.answered_inline == fast_batcher.answered_inline


def test_keys_and_rate_limit_answer_as_the_route(sieve: Sieve) -> None:
    settings = Settings(api_keys=["alpha-key-0123456789"], rate_limit_per_minute=2)
    body = json.dumps({"log_message": RULE_LINES[0]})
    with LiveServer(create_app(settings, sieve=sieve)) as fast_srv, \
            route_only(settings, sieve) as route_srv, \
            fast_srv.client() as fast, route_srv.client() as route:
        wrong = {**JSON, "X-API-Key": "beta-key-0123456789"}
        for name, headers in (("no key", JSON), ("wrong key", wrong),
                              ("bad body, no key", JSON)):
            content = "{" if name.startswith("bad") else body
            _same(fast.post("/api/classify", content=content, headers=headers),
                  route.post("/api/classify", content=content, headers=headers), name)
        keyed = {**JSON, "X-API-Key": "alpha-key-0123456789"}
        answers = []
        for i in range(3):
            a = fast.post("/api/classify", content=body, headers=keyed)
            b = route.post("/api/classify", content=body, headers=keyed)
            _same(a, b, f"keyed #{i}")
            answers.append(a.status_code)
        assert answers == [200, 200, 429]
        assert a.json()["error"] == "rate_limited" and a.headers["retry-after"]


def test_the_fast_path_keeps_cors_headers(sieve: Sieve) -> None:
    origin = "http://localhost:3000"
    with LiveServer(create_app(Settings(), sieve=sieve)) as srv, srv.client() as c:
        r = c.post("/api/classify", json={"log_message": RULE_LINES[0]},
                   headers={"Origin": origin})
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


@pytest.mark.parametrize(("error", "status"), [
    (StageUnavailable("the encoder is down"), 503),
    (InputError("not a log line"), 422),
    (RuntimeError("boom"), 500),
])
def test_a_failing_sieve_answers_as_the_route(sieve: Sieve, error: Exception,
                                              status: int) -> None:
    failing = FailingSieve(sieve, error)
    body = json.dumps({"log_message": "Anything at all happened here"})
    with LiveServer(create_app(Settings(), sieve=failing)) as fast_srv, \
            route_only(Settings(), failing) as route_srv, \
            fast_srv.client() as fast, route_srv.client() as route:
        a = fast.post("/api/classify", content=body, headers=JSON)
        b = route.post("/api/classify", content=body, headers=JSON)
        _same(a, b, type(error).__name__)
        assert a.status_code == status
        assert fast_path_of(fast_srv).answered == 1


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
def test_serve_writes_no_access_log_unless_asked(monkeypatch: pytest.MonkeyPatch,
                                                 flags: list[str], logged: bool) -> None:
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
            answers = [c.post("/api/classify", json={"log_message": line}).json()
                       for _ in range(3)]
            assert [a["label_id"] for a in answers] == ["WORKFLOW_ERROR"] * 3
            assert all(a["classifier"] == "cache" for a in answers)
            assert batcher.batches_sent == 1 and batcher.answered_inline == 2
            assert backend.asked_from and all(name.startswith("logsieve-batch")
                                              for name in backend.asked_from), backend.asked_from
            stats = shared.cache.stats()
            assert (stats["hits"], stats["misses"]) == (3, 0)
            assert fast_path_of(srv).answered == 3  # the HTTP fast path applies throughout
    finally:
        shared.close()
