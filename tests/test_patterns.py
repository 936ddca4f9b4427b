"""`logsieve patterns`: template counts with no model, as a user runs it."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from logsieve.build import build_sieve
from logsieve.patterns import PatternCounter, TemplateActivity
from logsieve.settings import Settings

DPKG_LOG = Path("/var/log/dpkg.log")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "logsieve", "patterns", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_counter_counts_orders_and_remembers_where() -> None:
    c = PatternCounter()
    lines = [
        "took 12 ms",
        "user 7 logged in",
        "took 9 ms",
        "took 3 ms",
        "user 8 logged in",
        "disk full",
    ]
    for n, text in enumerate(lines, 1):
        c.add("a.log", n, text)
    top = c.top()
    assert [(p.template, p.count) for p in top] == [
        ("took <NUM> ms", 3),
        ("user <NUM> logged in", 2),
        ("disk full", 1),
    ]
    assert top[0].first == ("a.log", 1) and top[0].last == ("a.log", 4)
    assert top[0].example == "took 12 ms" and top[0].variables == ["<NUM>"]
    report = c.to_json(2)
    assert report["lines"] == 6 and report["templates"] == 3 and len(report["patterns"]) == 2
    assert report["patterns"][0]["share"] == 0.5


def test_counter_memory_is_bounded_and_says_so() -> None:
    c = PatternCounter(max_templates=2)
    for n, text in enumerate(["a one", "b two", "c three", "a one", "d four"], 1):
        c.add("x", n, text)
    assert c.distinct == 2 and c.other == 2 and c.lines == 5
    assert c.top()[0].count == 2


def test_cli_json_and_csv(tmp_path: Path) -> None:
    f = tmp_path / "app.log"
    f.write_text(
        "".join(f"worker {i} finished job {i * 7}\n" for i in range(30))
        + "cache warmed\n" * 5
        + "User alice logged in.\n",
        encoding="utf-8",
    )
    p = run(str(f), "-f", "json")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["lines"] == 36 and report["templates"] == 3
    first = report["patterns"][0]
    assert first["template"] == "worker <NUM> finished job <NUM>" and first["count"] == 30
    assert first["first"] == {"file": str(f), "line": 1} and first["last"]["line"] == 30
    p = run(str(f), "-f", "csv", "-n", "2")
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert [r["count"] for r in rows] == ["30", "5"] and rows[1]["template"] == "cache warmed"


def test_cli_empty_or_missing_input_is_an_error(tmp_path: Path) -> None:
    p = run(str(tmp_path / "nope.log"))
    assert p.returncode == 1 and "nope.log" in p.stderr


@pytest.mark.skipif(not DPKG_LOG.is_file(), reason="no /var/log/dpkg.log on this machine")
def test_dpkg_log_comes_down_to_a_few_patterns() -> None:
    # dpkg writes about eight statements, for every package and version shape.
    report = json.loads(run(str(DPKG_LOG), "-f", "json", "-n", "20").stdout)
    covered = sum(p["count"] for p in report["patterns"]) / report["lines"]
    assert covered >= 0.95, (covered, report["templates"])
    assert any(p["template"].endswith("status unpacked <ID>") for p in report["patterns"])


# --- the user's masking rules (issue 18, item 2) -------------------------------------------
VERSION_MASKING = """masking:
  - name: app-version
    # the version an application reports (2.36-9+deb12u4, 1.2.3, 20230311-1)
    pattern: 'to version (?P<value>(?:\\d+:)?\\d[\\w.+~-]*)'
    placeholder: '<VER>'
"""
VERSIONS = ["2.36-9+deb12u4", "1.2.3", "1:2.1-1~bpo12", "20230311-1", "5.2.15-2+b2", "0.9"]


def synthetic_upgrades(path: Path) -> None:
    lines = []
    for i, v in enumerate(VERSIONS * 5):
        lines += [
            f"2024-05-0{1 + i % 9} 10:1{i % 10}:0{i % 10} agent upgraded to version {v}",
            f"2024-05-0{1 + i % 9} 10:1{i % 10}:0{i % 10} plugin moved to version {v} ok",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def synthetic_dpkg(path: Path) -> None:
    lines = []
    for i, v in enumerate(VERSIONS * 5):
        pkg = f"pkg{i}:{'all' if i % 2 else 'amd64'}"
        lines += [
            f"2024-05-0{1 + i % 9} 10:1{i % 10}:0{i % 10} status unpacked {pkg} {v}",
            f"2024-05-0{1 + i % 9} 10:1{i % 10}:0{i % 10} configure {pkg} {v} <none>",
            f"2024-05-0{1 + i % 9} 10:1{i % 10}:0{i % 10} install {pkg} <none> {v}",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_masking_file_folds_version_shapes_into_one_template(tmp_path: Path) -> None:
    log, rules = tmp_path / "agent.log", tmp_path / "masking.yaml"
    synthetic_upgrades(log)
    rules.write_text(VERSION_MASKING, encoding="utf-8")
    without = json.loads(run(str(log), "-f", "json").stdout)
    with_rules = json.loads(run(str(log), "-f", "json", "--masking", str(rules)).stdout)
    assert without["templates"] > 2  # the built-in masker tells version shapes apart
    assert with_rules["templates"] == 2, [p["template"] for p in with_rules["patterns"]]
    assert {p["template"] for p in with_rules["patterns"]} == {
        "<TS> agent upgraded to version <VER>",
        "<TS> plugin moved to version <VER> ok",
    }


def test_the_versions_after_a_package_fold_with_no_rule(tmp_path: Path) -> None:
    # dpkg's versions, whatever their shape, are the one or two tokens after pkg:arch
    log = tmp_path / "dpkg.log"
    synthetic_dpkg(log)
    report = json.loads(run(str(log), "-f", "json").stdout)
    assert {p["template"] for p in report["patterns"]} == {
        "<TS> status unpacked <ID>",
        "<TS> configure <ID> <none>",
        "<TS> install <ID> <none> <ID>",
    }


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ("masking:\n  - {pattern: '(a', placeholder: '<X>'}\n", "does not compile under RE2"),
        ("masking:\n  - {pattern: 'a', placeholder: 'lower'}\n", "placeholder must look like"),
        ("masking:\n  - {pattern: '(?=a)b', placeholder: '<X>'}\n", "does not compile under RE2"),
        ("rules: []\n", "no 'masking:' list"),
    ],
)
def test_bad_masking_file_is_exit_2_naming_the_rule(tmp_path: Path, doc: str, words: str) -> None:
    rules = tmp_path / "masking.yaml"
    rules.write_text(doc, encoding="utf-8")
    p = subprocess.run(
        [sys.executable, "-m", "logsieve", "patterns", "--masking", str(rules), "-"],
        input="x\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert p.returncode == 2 and words in p.stderr, p.stderr


@pytest.mark.skipif(not DPKG_LOG.is_file(), reason="no /var/log/dpkg.log on this machine")
def test_real_dpkg_log_is_at_most_20_templates() -> None:
    report = json.loads(run(str(DPKG_LOG), "-f", "json").stdout)
    assert report["templates"] <= 20, [p["template"] for p in report["patterns"]]


# --- patterns as lines are answered (the server's view) and new templates ---------------------
class _Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _answer(template: str | None, label: str = "info", text: str = "x") -> SimpleNamespace:
    return SimpleNamespace(template=template, label_id=label, log_analyzed=text)


def test_activity_counts_per_template_over_time_and_stays_bounded() -> None:
    clock = _Clock(600.0)
    a = TemplateActivity(max_templates=2, bucket_s=60, window=4, clock=clock, scrub=str.upper)
    a.observe([_answer("t1", text="first"), _answer("t1"), _answer(None), _answer("t2")])
    clock.t += 60  # the next minute
    a.observe([_answer("t1", label="warn"), _answer("t3")])  # t3: past max_templates
    clock.t += 120
    a.observe([_answer("t2")])
    top = a.top(5)
    assert [(p["template"], p["count"]) for p in top] == [("t1", 3), ("t2", 2)]
    t1, t2 = top
    assert t1["series"] == [2, 1, 0, 0] and t2["series"] == [1, 0, 0, 1]
    assert t1["label_id"] == "warn"  # the latest answer's
    assert t1["example"] == "FIRST"  # the first line, scrubbed
    assert (t1["first_seen"], t1["last_seen"]) == (600.0, 660.0)
    assert a.lines == 6 and a.other == 1 and a.distinct == 2
    clock.t += 600  # long after: the window holds none of it, the totals stay
    assert a.top(1)[0]["series"] == [0, 0, 0, 0] and a.top(1)[0]["count"] == 3


def test_activity_is_safe_from_many_threads() -> None:
    a = TemplateActivity()
    batch = [_answer(f"t{i % 7}") for i in range(1000)]
    threads = [threading.Thread(target=a.observe, args=(batch,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert a.lines == 8000 and sum(p["count"] for p in a.top(10)) == 8000


def test_only_the_first_line_of_a_template_is_new() -> None:
    sieve = build_sieve(Settings(llm_enabled=False, embedding_enabled=False))
    first = sieve.classify_batch(
        [
            ("Shard 3 lag is 40 ms", None),
            ("Shard 4 lag is 9 ms", None),
            ("User admin123 logged in.", None),
            ("Pool emptied at 12:00", None),
        ]
    )
    assert [r.new_template for r in first] == [True, False, False, True]
    # No stage decided them (no head, no LLM): nothing cached, and still not new again.
    again = sieve.classify_batch([("Shard 5 lag is 1 ms", None), ("Pool emptied at 13:00", None)])
    assert [r.new_template for r in again] == [False, False]
    assert sieve.classify("Queue drained in 3 s").to_dict()["new_template"] is True


def test_a_template_in_a_loaded_cache_is_not_new(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    settings = Settings(llm_enabled=False, cache_path=path)
    sieve = build_sieve(settings)
    assert sieve.classify("Replica 7 fell behind by 30 s").new_template is True
    sieve.close()  # saves the cache
    reloaded = build_sieve(settings)
    assert reloaded.classify("Replica 9 fell behind by 2 s").new_template is False
    reloaded.close()
