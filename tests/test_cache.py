from __future__ import annotations

import threading
from pathlib import Path

import pytest

from logsieve.cache import Decision, DecisionCache
from logsieve.errors import ModelError

D = Decision("A", 0.9, "bert")


def test_lru_bound_and_recency() -> None:
    c = DecisionCache(maxsize=2)
    c.put("k1", D)
    c.put("k2", D)
    assert c.get("k1") == D  # k1 now most recent
    c.put("k3", D)  # evicts k2
    assert c.get("k2") is None
    assert c.get("k1") == D and c.get("k3") == D
    assert len(c) == 2
    s = c.stats()
    assert (s["hits"], s["misses"]) == (3, 1)
    assert s["hit_rate"] == 0.75


def test_size_zero_disables() -> None:
    c = DecisionCache(maxsize=0)
    c.put("k", D)
    assert c.get("k") is None


def test_overwrite_updates_decision() -> None:
    c = DecisionCache()
    c.put("k", Decision("A", 0.5, "bert", accepted=False))
    c.put("k", Decision("B", 0.8, "llm"))
    d = c.get("k")
    assert d is not None and d.label_id == "B" and d.stage == "llm" and d.accepted


def test_top_templates_by_count() -> None:
    c = DecisionCache()
    c.put("rare", D)
    c.put("often", Decision("B", 0.9, "llm"))
    for _ in range(5):
        c.get("often")
    top = c.top(2)
    assert [t["template"] for t in top] == ["often", "rare"]
    assert top[0]["count"] == 6 and top[0]["label_id"] == "B"


def test_thread_safety_under_contention() -> None:
    c = DecisionCache(maxsize=500)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(3000):
                key = f"k{(i * 7 + t) % 800}"
                if c.get(key) is None:
                    c.put(key, Decision(str(t), 0.9, "bert"))
        except BaseException as exc:  # pragma: no cover - the assertion reports it
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert len(c) <= 500
    s = c.stats()
    assert s["hits"] + s["misses"] == 8 * 3000


def test_save_load_round_trip(tmp_path: Path) -> None:
    fp = {"taxonomy": "standard", "head": "abc"}
    c = DecisionCache(fingerprint=fp)
    c.put("a <NUM>", D)
    c.put("b", Decision("B", 0.4, "bert", accepted=False, details="x"))
    path = tmp_path / "cache.jsonl"
    assert c.save(path) == 2
    c2 = DecisionCache(fingerprint=dict(fp))
    assert c2.load(path) == 2
    assert c2.get("a <NUM>") == D
    assert c2.get("b") == Decision("B", 0.4, "bert", accepted=False, details="x")


def test_load_refuses_other_configuration(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    DecisionCache(fingerprint={"taxonomy": "standard", "head": "abc"}).save(path)
    other = DecisionCache(fingerprint={"taxonomy": "openstack", "head": "abc"})
    with pytest.raises(ModelError, match=r"another configuration.*taxonomy"):
        other.load(path)
    assert len(other) == 0


def test_load_refuses_garbage(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("hello\n", encoding="utf-8")
    with pytest.raises(ModelError, match="not a logsieve template cache"):
        DecisionCache().load(path)


class _FlakyBackend:
    def __init__(self) -> None:
        self.store: dict[str, Decision] = {}
        self.down = False

    def get(self, key: str) -> Decision | None:
        if self.down:
            raise ConnectionError("down")
        return self.store.get(key)

    def put(self, key: str, decision: Decision) -> None:
        if self.down:
            raise ConnectionError("down")
        self.store[key] = decision


def test_backend_shares_and_failures_degrade() -> None:
    backend = _FlakyBackend()
    a = DecisionCache(backend=backend)
    b = DecisionCache(backend=backend)
    a.put("k", D)
    assert b.get("k") == D  # a late replica gets what another decided
    backend.down = True
    assert b.get("other") is None
    a.put("k2", D)  # does not raise
    assert a.stats()["backend_errors"] == 1 and b.stats()["backend_errors"] == 1
