"""The shared template cache on a real redis-server, behind real sieves with the real encoder."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import redis

from logsieve.build import build_sieve
from logsieve.cache import Decision
from logsieve.cache_redis import RedisBackend, RedisUnavailable, redis_key
from logsieve.embedding import MiniLMEncoder
from logsieve.settings import Settings
from logsieve.sieve import Sieve
from redis_server import RedisServer, free_port
from tiny_head import CountingEncoder, train_tiny_head

# Lines no rule of the standard taxonomy takes (sshd's "Failed password" now has a rule):
# each reaches the template cache / encoder.
FIRST = [
    "Bad credentials for invalid user bob at 192.168.1.7 port 4242 ssh2",
    "Deadlock detected while executing query on table invoices",
    "Nightly backup job wrote archive of 31 GB to storage",
    "Connection pool exhausted: no database connections available for pool 7",
]


def same_templates(lines: Sequence[str], salt: int) -> list[str]:
    """The same log statements with other variable values (same template keys)."""
    out = []
    for line in lines:
        out.append("".join(str((int(c) + salt) % 10) if c.isdigit() else c for c in line))
    return out


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder(threads=2)


@pytest.fixture(scope="module")
def head_dir(encoder: MiniLMEncoder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("head")
    train_tiny_head(encoder).save(directory)
    return directory


@pytest.fixture()
def server() -> Iterator[RedisServer]:
    with RedisServer() as s:
        yield s


def settings_for(url: str, head_dir: Path, threshold: float = 0.4) -> Settings:
    return Settings(
        _env_file=None,
        model_dir=head_dir,
        redis_url=url,
        llm_enabled=False,
        embedding_threshold=threshold,
    )


def backend_of(sieve: Sieve) -> RedisBackend:
    backend = sieve.cache.backend
    assert isinstance(backend, RedisBackend), "build_sieve did not put Redis behind the LRU"
    return backend


# --- the backend on its own ---------------------------------------------------------------
def test_round_trip_and_namespaces(server: RedisServer) -> None:
    a = RedisBackend(server.url, namespace="aaaa")
    b = RedisBackend(server.url, namespace="bbbb")
    d = Decision("DB_ERROR", 0.8125, "llm", True, "Classified … by the LLM")
    a.put("<TS> deadlock on table <NUM>", d)
    assert a.get("<TS> deadlock on table <NUM>") == d
    assert a.get("<TS> another template") is None
    assert b.get("<TS> deadlock on table <NUM>") is None  # another fingerprint, another cache
    raw = redis.Redis.from_url(server.url).get(redis_key("aaaa", "<TS> deadlock on table <NUM>"))
    assert raw is not None and b'"key": "<TS> deadlock on table <NUM>"' in raw
    h = a.health()
    assert h["reachable"] is True and h["last_error"] is None
    assert (h["gets"], h["hits"], h["puts"]) == (2, 1, 1)
    assert a.clear() == 1 and a.get("<TS> deadlock on table <NUM>") is None


def test_ttl_is_set_only_when_asked(server: RedisServer) -> None:
    client = redis.Redis.from_url(server.url)
    RedisBackend(server.url, "ttl", ttl_s=3600).put("k", Decision("BACKUP", 0.9, "bert"))
    RedisBackend(server.url, "nottl").put("k", Decision("BACKUP", 0.9, "bert"))
    assert 0 < client.pttl(redis_key("ttl", "k")) <= 3600 * 1000
    assert client.pttl(redis_key("nottl", "k")) == -1  # no expiry


def test_foreign_entry_is_a_miss_not_an_outage(server: RedisServer) -> None:
    backend = RedisBackend(server.url, "ns")
    redis.Redis.from_url(server.url).set(redis_key("ns", "k"), b"not json")
    assert backend.get("k") is None
    h = backend.health()
    assert h["reachable"] is True and "bad entry" in (h["last_error"] or "")


def test_unreachable_fails_fast_and_says_so() -> None:
    backend = RedisBackend(f"redis://127.0.0.1:{free_port()}/0", "ns", retry_after_s=60)
    with pytest.raises(redis.ConnectionError):
        backend.get("k")
    # within retry_after_s: no network call at all, a distinct error
    with pytest.raises(RedisUnavailable):
        backend.put("k", Decision("BACKUP", 0.9, "bert"))
    h = backend.health()
    assert h["reachable"] is False and h["errors"] == 1
    assert "Connection refused" in (h["last_error"] or "") or "Error" in (h["last_error"] or "")


def test_password_is_not_shown_in_health() -> None:
    backend = RedisBackend(f"redis://user:s3cret@127.0.0.1:{free_port()}/0", "ns")
    assert "s3cret" not in str(backend.health())


@pytest.mark.parametrize("namespace", ["", "a:b"])
def test_namespace_must_be_one_segment(namespace: str) -> None:
    with pytest.raises(ValueError, match="namespace"):
        RedisBackend("redis://127.0.0.1:6379/0", namespace)


# --- replicas sharing decisions through build_sieve -------------------------------------
def test_late_replica_gets_decisions_without_encoding(
    server: RedisServer, head_dir: Path, encoder: MiniLMEncoder
) -> None:
    settings = settings_for(server.url, head_dir)
    enc_a = CountingEncoder(encoder)
    first = build_sieve(settings, encoder=enc_a)
    made = first.classify_batch(FIRST)
    assert sum(enc_a.calls) == len(FIRST)
    decided = {r.template: r for r in made if r.classifier == "bert"}
    assert decided, "the tiny head accepted nothing; the test would prove nothing"
    assert backend_of(first).health()["puts"] == len(decided)

    enc_b = CountingEncoder(encoder)
    late = build_sieve(settings, encoder=enc_b)  # starts after the first one decided
    lines = same_templates([r.log_analyzed for r in decided.values()], salt=3)
    got = late.classify_batch(lines)
    assert enc_b.calls == []  # nothing encoded: every decision came from Redis
    for line, r in zip(lines, got, strict=True):
        assert r.log_analyzed == line
        assert r.classifier == "cache" and r.decided_by == "bert"
        assert r.label_id == decided[r.template].label_id
        assert r.final_confidence == pytest.approx(decided[r.template].final_confidence)
    stats = late.health()["cache"]
    assert stats["backend"] == "RedisBackend" and stats["backend_errors"] == 0
    assert backend_of(late).health()["hits"] == len(lines)


def test_other_threshold_does_not_share(
    server: RedisServer, head_dir: Path, encoder: MiniLMEncoder
) -> None:
    build_sieve(settings_for(server.url, head_dir, 0.4), encoder=encoder).classify_batch(FIRST)
    enc = CountingEncoder(encoder)
    other = build_sieve(settings_for(server.url, head_dir, 0.5), encoder=enc)
    assert backend_of(other).namespace != ""
    other.classify_batch(same_templates(FIRST, salt=1))
    assert sum(enc.calls) == len(FIRST)  # a sieve that would decide differently asks itself


def test_redis_dying_mid_run_degrades_to_the_local_cache(
    server: RedisServer, head_dir: Path, encoder: MiniLMEncoder
) -> None:
    enc = CountingEncoder(encoder)
    sieve = build_sieve(settings_for(server.url, head_dir), encoder=enc)
    before = sieve.classify_batch(FIRST)
    server.stop()  # killed, not shut down politely

    new = [
        "Snapshot of volume vol-99 created for backup",
        "Permission denied for user guest7 on resource /admin/9",
    ]
    after = sieve.classify_batch(same_templates(FIRST, salt=5) + new)
    assert len(after) == len(FIRST) + len(new)
    for b, a in zip(before, after, strict=False):  # the repeats: from the local LRU
        assert a.label_id == b.label_id and a.template == b.template
        if b.classifier == "bert":
            assert a.classifier == "cache"
    assert all(r.classifier in ("bert", "none") for r in after[len(FIRST) :])  # encoder ran
    assert sum(enc.calls) == len(FIRST) + len(new)
    health = sieve.health()
    assert health["cache"]["backend_errors"] >= 1
    assert health["can_classify"] is True
    backend = backend_of(sieve)
    bh = backend.health()
    assert bh["reachable"] is False and bh["last_error"]

    # Redis back on the same port: the backend picks up again after its back-off.
    server.start()
    backend.retry_after_s = 0.0
    sieve.classify("Restore from backup archive finished in 77 s")
    assert backend.health()["reachable"] is True
    assert backend.health()["puts"] + backend.health()["gets"] > 0


def test_unreachable_from_the_start_still_classifies(
    head_dir: Path, encoder: MiniLMEncoder
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    sieve = build_sieve(settings_for(url, head_dir), encoder=encoder)
    out = sieve.classify_batch(FIRST + same_templates(FIRST, salt=2))
    assert len(out) == 2 * len(FIRST)
    assert all(r.classifier == "cache" for r in out[len(FIRST) :] if r.decided_by == "bert")
    assert sieve.health()["cache"]["backend_errors"] >= 1
