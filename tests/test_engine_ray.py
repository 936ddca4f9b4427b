"""The Ray Data engine on a real local Ray (2 CPUs), with the real encoder and a tiny real head."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install '.[ray]')")
pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


from llm_double import LLMDouble, Reply  # noqa: E402
from logsieve.build import build_sieve  # noqa: E402
from logsieve.embedding import MiniLMEncoder  # noqa: E402
from logsieve.engines.ray import RESULT_COLUMNS, classify_dataset, classify_files  # noqa: E402
from logsieve.inputs import read_records  # noqa: E402
from logsieve.records import RECORD_FIELDS  # noqa: E402
from logsieve.settings import Settings  # noqa: E402
from tiny_head import train_tiny_head  # noqa: E402

BASE = [
    "Bad credentials for invalid user bob at 192.168.1.{i} port 4242 ssh2",
    "Deadlock detected while executing query on table t{i}",
    "Nightly backup job wrote archive of {i} GB to storage",
    "User User{i} logged in.",
    "Backup completed successfully.",
    "the quick brown fox number {i} jumps",
    "Permission denied for user guest{i} on resource /admin/{i}",
]


def lines(n: int, offset: int = 0) -> list[str]:
    return [BASE[(i + offset) % len(BASE)].format(i=i + offset) for i in range(n)]


@pytest.fixture(scope="module")
def ray_local() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    encoder = MiniLMEncoder(threads=2)
    directory = tmp_path_factory.mktemp("head")
    train_tiny_head(encoder).save(directory)
    # llm_enabled stays True: batch runs switch the LLM off themselves unless given a budget.
    return Settings(
        _env_file=None,
        model_dir=directory,  # type: ignore[call-arg]
        embedding_threshold=0.4,
    )


def local_sieve(settings: Settings) -> Any:
    return build_sieve(settings.model_copy(update={"llm_enabled": False}))


def write_inputs(d: Path) -> dict[str, list[tuple[str, str | None]]]:
    """One file per format; returns, per file, the (text, source) the CLI reader sees."""
    d.mkdir(parents=True, exist_ok=True)
    text = lines(40, 0)
    (d / "a.log").write_text(
        "\n".join(text[:20]) + "\n\n" + "\n".join(text[20:]) + "\n", encoding="utf-8"
    )  # a blank line: skipped, numbering kept
    rows = [("svc" if i % 2 else "", t) for i, t in enumerate(lines(30, 3))]
    with (d / "b.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["source", "log_message"])
        w.writerows(rows)
    with (d / "c.jsonl").open("w", encoding="utf-8") as f:
        for i, t in enumerate(lines(25, 5)):
            f.write(json.dumps({"log_message": t, "source": f"s{i % 3}"}) + "\n")
        f.write("not json at all 7\n")  # classified as text, with an input_error
    pq.write_table(
        pa.table(
            {"log_message": lines(35, 2), "source": [None if i % 4 else "pq" for i in range(35)]}
        ),
        d / "d.parquet",
    )
    expected: dict[str, list[tuple[str, str | None]]] = {}
    for name in ("a.log", "b.csv", "c.jsonl"):
        with (d / name).open("rb") as f:
            expected[name] = [(r.text, r.source) for r in read_records(f, "auto", name)]
    expected["d.parquet"] = [(t, "pq" if i % 4 == 0 else None) for i, t in enumerate(lines(35, 2))]
    return expected


def read_records_out(out: Path) -> list[dict[str, Any]]:
    """The JSON records of a Ray JSONL output directory (or file)."""
    files = sorted(f for f in out.glob("*.json*") if f.is_file()) if out.is_dir() else [out]
    return [json.loads(x) for f in files for x in f.read_text(encoding="utf-8").splitlines()]


def read_output(out: Path, names: list[str]) -> Any:
    """Parquet's columns; JSON records (the CLI's fields, checked here) as the same columns."""
    if out.name.endswith(".parquet"):
        return pd.read_parquet(out)
    rows = read_records_out(out)
    for r in rows:
        assert list(r) == [f for f in RECORD_FIELDS if f != "error" or "error" in r]
    return pd.DataFrame(
        {
            "file_index": [names.index(Path(r["path"]).name) for r in rows],
            "path": [r["path"] for r in rows],
            "line": [r["line"] for r in rows],
            "source": [r["source"] for r in rows],
            "log_message": [r["log_analyzed"] for r in rows],
            "input_error": [r.get("error") for r in rows],
            **{
                c: [json.dumps(r["journey"]) if c == "journey" else r[c] for r in rows]
                for c in RESULT_COLUMNS
            },
        }
    )


@pytest.mark.parametrize("out_name", ["out.parquet", "out.jsonl"])
def test_files_of_every_format_come_back_whole_in_order_and_as_local(
    ray_local: None, settings: Settings, tmp_path: Path, out_name: str
) -> None:
    expected = write_inputs(tmp_path / "in")
    names = ["a.log", "b.csv", "c.jsonl", "d.parquet"]
    out = tmp_path / out_name
    summary = classify_files(
        [str(tmp_path / "in" / n) for n in names], str(out), settings, workers=2, batch_size=8
    )
    n_lines = sum(len(v) for v in expected.values())
    assert summary["lines"] == n_lines and summary["files"] == 4
    assert sum(summary["labels"].values()) == n_lines
    assert sum(summary["stages"].values()) == n_lines
    assert summary["input_errors"] == 1  # the line of c.jsonl that is not JSON

    df = read_output(out, names)
    assert len(df) == n_lines
    for col in ("file_index", "path", "line", *RESULT_COLUMNS):
        assert col in df.columns
    assert not df.duplicated(["file_index", "line"]).any()  # every line exactly once
    df = df.sort_values(["file_index", "line"], kind="stable")  # input order, recovered

    local = local_sieve(settings)
    for i, name in enumerate(names):
        got = df[df.file_index == i]
        assert list(got.path.map(lambda p: Path(p).name)) == [name] * len(got)
        want_items = expected[name]
        assert list(got.log_message) == [t for t, _ in want_items]
        assert [s if isinstance(s, str) else None for s in got.source] == [s for _, s in want_items]
        want = local.classify_batch(want_items)
        assert list(got.label_id) == [r.label_id for r in want]
        assert [t if isinstance(t, str) else None for t in got.template] == [
            r.template for r in want
        ]
        assert list(got.pipeline_stage) == [r.pipeline_stage for r in want]
        # who decided, seen through the cache: the same whichever worker saw a template first
        assert [
            d if isinstance(d, str) else c
            for d, c in zip(got.decided_by, got.classifier, strict=True)
        ] == [r.decided_by or r.classifier for r in want]
        assert list(got.final_confidence) == pytest.approx(
            [r.final_confidence for r in want], abs=1e-4
        )
        journeys = [json.loads(j) for j in got.journey]
        assert [[s["stage"] for s in j] for j in journeys] == [
            [s.stage for s in r.journey] for r in want
        ]
    lines_of_a = list(df[df.file_index == 0].line)
    assert lines_of_a == list(range(1, 21)) + list(range(22, 42))  # physical line numbers
    assert set(df.classifier) >= {"regex", "none"}
    assert {"bert", "cache"} & set(df.classifier)
    # no llm_budget: the LLM stage is off in a batch run, and the journey says so
    assert summary["llm_calls"] == 0
    for j in df[df.classifier == "none"].journey:
        assert "switched off" in json.loads(j)[2]["details"]


def test_one_big_file_is_split_across_workers_in_order(
    ray_local: None, settings: Settings, tmp_path: Path
) -> None:
    """A file larger than ``split_bytes`` is read as byte ranges that cut lines in two:
    both workers classify it, and the JSON lines come back in the file's order, none lost
    or doubled, with its physical line numbers and the one-process answers. The second file
    ends without a newline, in the middle of a range."""
    text = lines(2000, 11)
    big = tmp_path / "big.log"
    big.write_text("\n".join(text[:700]) + "\n\n" + "\n".join(text[700:]) + "\n", "utf-8")
    tail = tmp_path / "tail.log"
    tail.write_text("\n".join(lines(300, 12)), encoding="utf-8")  # no trailing newline
    split = 8192
    assert big.stat().st_size > 8 * split and tail.stat().st_size > split
    out = tmp_path / "out.jsonl"
    summary = classify_files(
        [str(big), str(tail)], str(out), settings, workers=2, batch_size=64, split_bytes=split
    )
    busy = [n for n in summary["lines_per_worker"] if n > 0]
    assert len(busy) == 2, summary["lines_per_worker"]

    rows = read_records_out(out)
    want_items = []
    for path in (big, tail):
        with path.open("rb") as f:
            want_items += [(str(path), r.line, r.text) for r in read_records(f, "auto", path.name)]
    got = [(str(Path(r["path"])), r["line"], r["log_analyzed"]) for r in rows]
    assert got == want_items  # every line once, in order, numbered as in the file
    assert [r["line"] for r in rows[699:702]] == [700, 702, 703]  # the blank line 701 skipped
    local = local_sieve(settings).classify_batch([t for _, _, t in want_items])
    assert [r["label_id"] for r in rows] == [r.label_id for r in local]
    assert [r["template"] for r in rows] == [r.template for r in local]


def test_classify_dataset_keeps_columns_and_every_row(ray_local: None, settings: Settings) -> None:
    items = [{"row_id": i, "msg": t, "host": f"h{i % 3}"} for i, t in enumerate(lines(50, 1))]
    ds = ray.data.from_items(items, override_num_blocks=4)
    out = classify_dataset(
        ds, settings, workers=2, batch_size=7, text_column="msg", source_column="nope"
    ).to_pandas()
    assert sorted(out.row_id) == list(range(50))
    out = out.sort_values("row_id")
    assert list(out.msg) == [it["msg"] for it in items]
    assert list(out.host) == [it["host"] for it in items]
    want = local_sieve(settings).classify_batch([it["msg"] for it in items])
    assert list(out.label_id) == [r.label_id for r in want]


def test_llm_budget_caps_calls_across_workers(
    ray_local: None, settings: Settings, tmp_path: Path
) -> None:
    src = tmp_path / "novel.log"
    novel = [f"zebra crossing anomaly kind {chr(97 + i)} observed" for i in range(8)]
    src.write_text("\n".join(novel * 3) + "\n", encoding="utf-8")
    with LLMDouble() as double:
        double.default = lambda body: Reply.answer("DB_ERROR", 0.9, "scripted")
        strict = settings.model_copy(
            update={
                "llm_base_url": double.base_url,
                "llm_api_key": "k",
                "llm_model": "m",
                "llm_enabled": True,
                "embedding_threshold": 0.999,
            }
        )
        capped = classify_files(
            [str(src)], str(tmp_path / "cap.parquet"), strict, workers=2, batch_size=4, llm_budget=3
        )
        assert len(double.chat_requests()) == 3 and capped["llm_calls"] == 3
    df = pd.read_parquet(tmp_path / "cap.parquet")
    assert len(df) == 24
    by_llm = df[(df.classifier == "llm") | (df.decided_by == "llm")]
    assert set(by_llm.label_id) == {"DB_ERROR"}
    spent = df[df.classifier == "none"]
    assert len(spent) > 0
    assert all("budget is spent" in json.loads(j)[2]["details"] for j in spent.journey)


def test_a_batch_request_takes_one_call_of_the_budget(
    ray_local: None, settings: Settings, tmp_path: Path
) -> None:
    src = tmp_path / "novel.log"
    novel = [f"zebra crossing anomaly kind {chr(97 + i)} observed" for i in range(8)]
    src.write_text("\n".join(novel * 3) + "\n", encoding="utf-8")

    def answer_each(body: dict[str, Any]) -> Reply:
        user = body["messages"][-1]["content"]
        ids = re.findall(r'<log id="(\d+)">', user)
        if not ids:
            return Reply.answer("DB_ERROR", 0.9, "alone")
        return Reply.text(
            json.dumps(
                {
                    "answers": [
                        {
                            "id": int(i),
                            "category": "DB_ERROR",
                            "confidence": 0.9,
                            "reasoning": "batch",
                        }
                        for i in ids
                    ]
                }
            )
        )

    with LLMDouble() as double:
        double.default = answer_each
        batched = settings.model_copy(
            update={
                "llm_base_url": double.base_url,
                "llm_api_key": "k",
                "llm_model": "m",
                "llm_enabled": True,
                "embedding_threshold": 0.999,
                "llm_batch_size": 4,
            }
        )
        tally = classify_files(
            [str(src)], str(tmp_path / "b.parquet"), batched, workers=2, batch_size=4, llm_budget=3
        )
        requests = double.chat_requests()
        assert 0 < len(requests) <= 3 and tally["llm_calls"] == len(requests)
        assert max(r.user.count("<log id=") for r in requests) == 4
    df = pd.read_parquet(tmp_path / "b.parquet")
    assert len(df) == 24
    answered = df[df.classifier == "llm"]
    assert len(answered) > 0
    assert all(
        re.search(r"Answered in a batch of [234] templates\.", json.loads(j)[2]["details"])
        for j in answered.journey
    )


def test_cli_engine_ray_writes_every_line(tmp_path: Path) -> None:
    """`logsieve classify --engine ray` as a user runs it (its own local Ray)."""
    import subprocess
    import sys

    src = tmp_path / "in.log"
    src.write_text(
        "User a logged in.\nBackup completed successfully.\nodd line 3\n", encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "logsieve",
            "classify",
            "--engine",
            "ray",
            "--workers",
            "1",
            str(src),
            "-o",
            str(out),
        ],
        capture_output=True,
        timeout=600,
        check=False,
    )
    assert p.returncode == 0, p.stderr.decode()[-2000:]
    rows = read_records_out(out)
    rows.sort(key=lambda r: r["line"])
    assert [r["line"] for r in rows] == [1, 2, 3]
    assert [r["label_id"] for r in rows[:2]] == ["USER_ACTION", "BACKUP"]
    assert '"lines": 3' in p.stderr.decode()
    # The same records as without Ray: the same fields, in the same order, the same answers.
    plain = subprocess.run(
        [sys.executable, "-m", "logsieve", "classify", "--no-llm", "--format", "jsonl", str(src)],
        capture_output=True,
        timeout=600,
        check=False,
    )
    assert plain.returncode == 0, plain.stderr.decode()[-2000:]
    local = [json.loads(x) for x in plain.stdout.decode().splitlines()]
    assert [list(r) for r in rows] == [list(r) for r in local]

    def answer(r: dict[str, Any]) -> dict[str, Any]:  # all but where and how long
        kept = {k: v for k, v in r.items() if k not in ("path", "processing_time_ms")}
        kept["journey"] = [
            {k: v for k, v in st.items() if k != "duration_ms"} for st in r["journey"]
        ]
        return kept

    assert [answer(r) for r in rows] == [answer(r) for r in local]
    assert Path(rows[0]["path"]).resolve() == Path(local[0]["path"]).resolve() == src


def test_cli_engine_ray_needs_out() -> None:
    import subprocess
    import sys

    p = subprocess.run(
        [sys.executable, "-m", "logsieve", "classify", "--engine", "ray", "x.log"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert p.returncode == 2 and "--out" in p.stderr.decode()
