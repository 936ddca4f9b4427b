"""Issue 17, item 1: decisions read back from a cache file or Redis are checked, not trusted.

A poisoned entry (a label outside the taxonomy, a confidence outside 0..1, a string where a
number belongs) is dropped, counted and shown, never served; a cache file that is not UTF-8
is a clean error (CLI exit 2, HTTP 503 with a JSON reason); Redis takes a password.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from conftest_server import LiveServer, metric_value
from logsieve.build import build_sieve
from logsieve.cache import FORMAT, VERSION, BadDecision, Decision, DecisionCache, check_decision
from logsieve.cache_redis import RedisBackend, redis_key
from logsieve.server import create_app
from logsieve.settings import Settings
from logsieve.templates import template_key
from redis_server import RedisServer

#: Lines no rule of the standard taxonomy matches: they reach the cache.
LINES = [f"Shard {i} replication lag is {i * 100} ms on node{i}" for i in range(1, 2)] + [
    "Connection pool exhausted after 30s",
    "Quota of tenant t-9 reached at 97 percent",
    "Heap usage of worker w3 is 91 percent",
    "Certificate for api.example.org expires in 3 days",
    "Replica r2 fell behind by 4000 entries",
    "Queue orders has 12000 pending messages",
]

POISON: list[dict[str, Any]] = [
    {"label_id": "PWNED", "confidence": 0.9, "stage": "llm"},
    {"label_id": "SECURITY_ALERT", "confidence": 7.5, "stage": "llm"},
    {"label_id": "SECURITY_ALERT", "confidence": 42.0, "stage": "bert"},
    {"label_id": "SECURITY_ALERT", "confidence": "0.9", "stage": "bert"},
    {"label_id": "SECURITY_ALERT", "confidence": -0.1, "stage": "bert"},
    {"label_id": "SECURITY_ALERT", "confidence": 0.9, "stage": "oracle"},
]


def settings(**kw: Any) -> Settings:
    # no encoder, no LLM: the cache is the only thing that can answer these lines
    return Settings(_env_file=None, embedding_enabled=False, llm_enabled=False, **kw)


def write_cache(
    path: Path, fingerprint: dict[str, str], entries: list[dict[str, Any]], lines: list[str]
) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(
            json.dumps({"format": FORMAT, "version": VERSION, "fingerprint": fingerprint}) + "\n"
        )
        for entry, line in zip(entries, lines, strict=False):
            f.write(json.dumps({"key": template_key(line), **entry}) + "\n")


def fingerprint() -> dict[str, str]:
    return dict(build_sieve(settings()).cache.fingerprint)


# --- the checks themselves ----------------------------------------------------------------
MALFORMED: list[dict[str, Any]] = [
    {"label_id": "SECURITY_ALERT", "confidence": float("nan"), "stage": "llm"},
    {"label_id": "SECURITY_ALERT", "confidence": True, "stage": "llm"},
    {"label_id": 7, "confidence": 0.5, "stage": "llm"},
    {"label_id": "SECURITY_ALERT", "confidence": 0.5, "stage": "llm", "accepted": "yes"},
    {"label_id": "SECURITY_ALERT", "confidence": 0.5, "stage": "llm", "details": ["x"]},
]


@pytest.mark.parametrize("entry", [*POISON, *MALFORMED])
def test_check_refuses_what_an_llm_answer_could_not_be(entry: dict[str, Any]) -> None:
    d = Decision(
        entry["label_id"],
        entry["confidence"],
        entry["stage"],
        entry.get("accepted", True),
        entry.get("details", ""),
    )
    with pytest.raises(BadDecision):
        check_decision(d, frozenset({"SECURITY_ALERT", "INFO"}))


def test_check_accepts_a_good_one_and_makes_ints_floats() -> None:
    d = check_decision(Decision("INFO", 1, "bert"), frozenset({"INFO"}))
    assert d == Decision("INFO", 1.0, "bert") and isinstance(d.confidence, float)


# --- a cache file ---------------------------------------------------------------------------
def test_poisoned_file_entries_are_dropped_counted_and_never_served(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    good = {"label_id": "WORKFLOW_ERROR", "confidence": 0.8, "stage": "llm"}
    entries = [*POISON, good]
    write_cache(path, fingerprint(), entries, LINES)
    with path.open("a", encoding="utf-8") as f:
        f.write("{not json\n")
        f.write(json.dumps(["a", "list"]) + "\n")
    sieve = build_sieve(settings(cache_path=path))
    results = sieve.classify_batch(LINES)
    # each poisoned line is answered as with no cache file at all (the routine default or the
    # fallback, with no model stage to ask), never with the entry's label
    clean = build_sieve(settings()).classify_batch(LINES[: len(POISON)])
    assert [r.label_id for r in results[: len(POISON)]] == [r.label_id for r in clean], results
    assert not {r.label_id for r in results} & {"PWNED", "SECURITY_ALERT"}
    assert all(r.classifier == "none" for r in results[: len(POISON)])
    assert results[len(POISON)].label_id == "WORKFLOW_ERROR"  # the good entry still loads
    stats = sieve.health()["cache"]
    assert stats["rejected"] == len(POISON) + 2
    assert any("PWNED" in why for why in stats["last_rejected"]) or stats["last_rejected"]


def run_cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "LOGSIEVE_EMBEDDING_ENABLED": "false"}
    return subprocess.run(
        [sys.executable, "-m", "logsieve", "classify", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
        env=env,
    )


def test_cli_drops_poisoned_entries_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    write_cache(path, fingerprint(), POISON, LINES)
    proc = run_cli(
        "--cache",
        str(path),
        "--no-llm",
        "--taxonomy",
        "standard",
        stdin="\n".join(LINES[: len(POISON)]).encode(),
    )
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    out = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert len(out) == len(POISON)
    assert not {r["label_id"] for r in out} & {"PWNED", "SECURITY_ALERT"}, out
    assert {r["classifier"] for r in out} == {"none"}, out  # not from the cache
    assert "bad cache entries dropped" in err and "6" in err


def test_cli_non_utf8_cache_file_is_exit_2_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    path.write_bytes(b"\xff\xfe\x00garbage\x81\n")
    proc = run_cli("--cache", str(path), "--no-llm", stdin=b"hello\n")
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "not UTF-8" in err and "Traceback" not in err


def test_http_non_utf8_cache_file_is_503_with_a_json_reason(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    path.write_bytes(b'{"format": "logsieve-template-cache"\xff}\n')
    with LiveServer(create_app(settings(cache_path=path))) as srv:
        h = httpx.get(srv.url + "/health", timeout=30)
        assert h.status_code == 503
        assert "not UTF-8" in h.json()["message"]
        r = httpx.post(srv.url + "/api/classify", json={"log_message": "x happened"}, timeout=30)
        assert r.status_code == 503 and r.headers["content-type"].startswith("application/json")


# --- Redis ----------------------------------------------------------------------------------
@pytest.fixture()
def server() -> Any:
    with RedisServer() as s:
        yield s


def test_poisoned_redis_values_are_dropped_counted_and_shown(server: RedisServer) -> None:
    with LiveServer(create_app(settings(redis_url=server.url))) as srv:
        sieve = srv.app.state.logsieve.sieve
        backend = sieve.cache.backend
        assert isinstance(backend, RedisBackend)
        client = redis.Redis.from_url(server.url)
        for entry, line in zip(POISON, LINES, strict=False):
            client.set(redis_key(backend.namespace, template_key(line)), json.dumps(entry))
        client.set(redis_key(backend.namespace, template_key(LINES[len(POISON)])), b"\xffnope")
        with srv.client() as c:
            r = c.post("/classify", json=[{"log_message": line} for line in LINES])
            assert r.status_code == 200, r.text
            got = [x["label_id"] for x in r.json()]
            clean = build_sieve(settings()).classify_batch(LINES)  # as with no Redis at all
            assert got == [x.label_id for x in clean]
            assert not set(got) & {"PWNED", "SECURITY_ALERT"}
            h = c.get("/health").json()
            assert h["cache"]["rejected"] == len(POISON) + 1
            assert h["cache"]["last_rejected"], h["cache"]
            assert (
                metric_value(c.get("/metrics").text, "log_classifier_cache_rejected_entries")
                == len(POISON) + 1
            )
        # nothing poisoned was copied into the local LRU either
        assert all(sieve.cache.peek(template_key(line)) is None for line in LINES)


def test_good_redis_value_is_still_served(server: RedisServer) -> None:
    sieve = build_sieve(settings(redis_url=server.url))
    backend = sieve.cache.backend
    assert isinstance(backend, RedisBackend)
    backend.put(template_key(LINES[0]), Decision("WORKFLOW_ERROR", 0.8, "llm"))
    r = sieve.classify(LINES[0])
    assert (r.label_id, r.classifier) == ("WORKFLOW_ERROR", "cache")


def test_local_cache_without_labels_still_checks_range() -> None:
    class Store:
        def get(self, key: str) -> Decision | None:
            return Decision("A", 42.0, "llm")

        def put(self, key: str, decision: Decision) -> None:
            pass

    c = DecisionCache(backend=Store())
    assert c.get("k") is None and c.stats()["rejected"] == 1


# --- Redis with a password --------------------------------------------------------------------
def test_redis_password_setting_is_used() -> None:
    with RedisServer(extra_args=("--requirepass", "correct-horse-battery")) as srv:
        sieve = build_sieve(settings(redis_url=srv.url, redis_password="correct-horse-battery"))
        backend = sieve.cache.backend
        assert isinstance(backend, RedisBackend)
        backend.put("k", Decision("INFO", 0.9, "bert"))
        assert backend.get("k") == Decision("INFO", 0.9, "bert")
        assert "correct-horse-battery" not in json.dumps(sieve.health(), default=str)
        wrong = RedisBackend(srv.url, "ns")
        with pytest.raises(redis.AuthenticationError):
            wrong.get("k")


def test_redis_tls_setting_selects_a_tls_connection(tmp_path: Path) -> None:
    backend = RedisBackend(
        "redis://127.0.0.1:6380/0",
        "ns",
        tls=True,
        tls_ca_file=str(tmp_path / "ca.pem"),
        tls_verify=True,
    )
    pool = backend._client.connection_pool
    assert backend.tls and pool.connection_class.__name__ == "SSLConnection"
    assert pool.connection_kwargs["ssl_ca_certs"] == str(tmp_path / "ca.pem")
    with pytest.raises(ValueError, match="not TLS"):
        RedisBackend("redis://127.0.0.1:6380/0", "ns", tls_ca_file="ca.pem")


# --- rate limits shared through Redis (issue 17, item 6) -----------------------------------
def test_rate_limit_is_shared_by_servers_on_one_redis(server: RedisServer) -> None:
    limited = settings(
        redis_url=server.url, rate_limit_per_minute=4, api_keys=["shared-key-0123456789"]
    )
    key = {"X-API-Key": "shared-key-0123456789"}
    line = {"log_message": "User alice logged in."}
    with (
        LiveServer(create_app(limited)) as a,
        LiveServer(create_app(limited)) as b,
        a.client() as ca,
        b.client() as cb,
    ):
        codes = [
            c.post("/api/classify", json=line, headers=key).status_code
            for c in (ca, cb, ca, cb, ca, cb)
        ]
        # one limit of 4 for the key, wherever its requests land (two workers used to give 8)
        assert codes == [200, 200, 200, 200, 429, 429], codes
        r = cb.post("/api/classify", json=line, headers=key)
        assert int(r.headers["retry-after"]) >= 1


def test_rate_limit_falls_back_to_the_process_when_redis_is_down() -> None:
    with RedisServer() as gone:
        url = gone.url
    limited = settings(redis_url=url, rate_limit_per_minute=2)
    with LiveServer(create_app(limited)) as srv, srv.client() as c:
        codes = [
            c.post("/api/classify", json={"log_message": "User alice logged in."}).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 429]  # still limited, by this process, and no 5xx
        assert srv.app.state.logsieve.rate_limiter.store_errors >= 1
