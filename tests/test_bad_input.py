"""Errors said, never swallowed (issue 17, item 7): broken CSV quoting, whitespace-only and
binary lines, gzip input, a wrong content type, and an LLM that stops answering mid-run.

Real parts: the CLI in a subprocess, the HTTP server on 127.0.0.1, the real sieve; the LLM is
a server double at the HTTP boundary.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conftest_server import serve
from llm_double import LLMDouble, Reply
from logsieve.build import build_sieve
from logsieve.inputs import read_records
from logsieve.linefields import not_log_text
from logsieve.settings import Settings

RULE_LINES = ["User alice logged in.", "Backup completed successfully.", "User bob logged out."]


def cli(
    *args: str, stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("LOGSIEVE_", "LLM_", "GROQ_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "logsieve", "classify", *args],
        input=stdin,
        capture_output=True,
        timeout=300,
        check=False,
        env={**clean, **(env or {})},
    )


def rules_only() -> Settings:
    return Settings(_env_file=None, embedding_enabled=False, llm_enabled=False)


# --- CSV quoting ----------------------------------------------------------------------------
UNCLOSED = (
    b"source,log_message\n"
    b"app,User alice logged in.\n"
    b'app,"Backup completed successfully.\n'  # the quote is never closed
    b"app,User bob logged out.\n"
)


def test_unclosed_quote_in_the_cli_loses_no_line_and_names_it(tmp_path: Path) -> None:
    path = tmp_path / "logs.csv"
    path.write_bytes(UNCLOSED)
    p = cli("--no-llm", "-q", str(path))
    err = p.stderr.decode()
    assert p.returncode == 1, err  # an input problem: said, and the exit status shows it
    out = [json.loads(x) for x in p.stdout.decode().splitlines()]
    # three rows in, three answers out (non-strict CSV reading merged the last two into one)
    assert [r["line"] for r in out] == [2, 3, 4]
    assert out[0]["label_id"] == "USER_ACTION"
    assert "line 3:" in err and "never closed" in err and "lines 3-4" in err
    assert "User bob logged out." in out[2]["log_analyzed"]


def test_stray_quote_is_one_bad_row_not_a_merged_file() -> None:
    data = b'source,log_message\n"a"b,first\nweb,second line\n'
    recs = list(read_records(io.BytesIO(data), "csv"))
    assert [(r.line, r.text, r.source) for r in recs] == [
        (2, '"a"b,first', None),
        (3, "second line", "web"),
    ]
    assert recs[0].error is not None and "not a valid CSV row" in recs[0].error
    assert recs[1].error is None


def test_multi_line_quoted_field_is_still_one_row() -> None:
    data = b'source,log_message\nweb,"two\nlines"\nweb,next\n'
    recs = list(read_records(io.BytesIO(data), "csv"))
    assert [(r.line, r.text, r.error) for r in recs] == [(2, "two\nlines", None), (4, "next", None)]


def test_unclosed_quote_over_http_is_422_invalid_csv_naming_the_line() -> None:
    with serve(rules_only()) as srv:
        r = httpx.post(
            srv.url + "/api/classify/csv",
            timeout=30,
            files={"file": ("logs.csv", UNCLOSED, "text/csv")},
        )
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["error"] == "invalid_csv" and body["detail"][0]["line"] == 3
        assert "never closed" in body["message"]
        too_long = b"source,log_message\napp,ok\napp," + b"x" * 200_000 + b"\n"
        r = httpx.post(
            srv.url + "/api/classify/csv",
            timeout=30,
            files={"file": ("big.csv", too_long, "text/csv")},
        )
        assert r.status_code == 422 and r.json()["detail"][0]["line"] == 3, r.text


# --- lines that are not text ------------------------------------------------------------------
def binary_lines(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(20, 120)))
        out.append(raw.replace(b"\n", b" ").decode("utf-8", errors="replace"))
    return out


def test_binary_lines_get_an_honest_unclassified_and_say_why() -> None:
    sieve = build_sieve(Settings(_env_file=None, llm_enabled=False))  # the real head
    junk = binary_lines(200)
    results = sieve.classify_batch(junk)
    assert len(results) == len(junk)
    assert {r.label_id for r in results} == {"UNCLASSIFIED"}
    assert {r.classifier for r in results} == {"none"}
    assert all(r.final_confidence == 0.0 for r in results)
    assert "Not log text: the line looks binary" in results[0].journey[0].details
    assert len(sieve.cache) == 0  # nothing cached, no model asked
    # a real line with one bad byte in it is still a log line
    assert not_log_text("Accepted password for j\ufffdrg from 10.0.0.7 port 22 ssh2") is None
    ok = sieve.classify("Accepted password for j\ufffdrg from 10.0.0.7 port 22 ssh2")
    assert ok.classifier != "none" or ok.template is not None


def test_whitespace_only_message_is_422_like_an_empty_one() -> None:
    with serve(rules_only()) as srv, srv.client() as c:
        for body in ({"log_message": ""}, {"log_message": " \t  "}):
            r = c.post("/api/classify", json=body)
            assert r.status_code == 422, r.text
            assert r.json()["error"] == "validation_error"
        r = c.post(
            "/classify", json=[{"log_message": "User alice logged in."}, {"log_message": "   "}]
        )
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][:2] == ["body", "1"]
        assert "whitespace" in r.json()["detail"][0]["msg"]


def test_cli_binary_input_is_answered_with_a_warning_and_a_count() -> None:
    junk = "\n".join(binary_lines(50)).encode("utf-8")
    p = cli(
        "--no-llm", "-q", "--input-format", "text", stdin=b"User alice logged in.\n" + junk + b"\n"
    )
    err = p.stderr.decode()
    out = [json.loads(x) for x in p.stdout.decode().splitlines()]
    assert len(out) == 51 and out[0]["label_id"] == "USER_ACTION"
    assert {r["label_id"] for r in out[1:]} == {"UNCLASSIFIED"}
    assert "50 lines are not log text" in err, err


# --- gzip ---------------------------------------------------------------------------------------
def test_gzip_is_decompressed_by_name_and_on_stdin(tmp_path: Path) -> None:
    packed = gzip.compress(("\n".join(RULE_LINES) + "\n").encode())
    path = tmp_path / "app.log.gz"
    path.write_bytes(packed)
    for args, stdin in (((str(path),), b""), (("-",), packed)):
        p = cli("--no-llm", "-q", *args, stdin=stdin)
        assert p.returncode == 0, p.stderr
        out = [json.loads(x) for x in p.stdout.decode().splitlines()]
        assert [r["log_analyzed"] for r in out] == RULE_LINES
        assert [r["label_id"] for r in out] == ["USER_ACTION", "BACKUP", "USER_ACTION"]


def test_damaged_gzip_is_an_error_after_the_lines_before_it(tmp_path: Path) -> None:
    body = "".join(f"User u{i} logged in.\n" for i in range(30_000)).encode()
    path = tmp_path / "cut.log.gz"
    path.write_bytes(gzip.compress(body)[:20_000])  # cut short
    p = cli("--no-llm", "-q", str(path))
    assert p.returncode == 1
    assert "gzip data is damaged or cut short" in p.stderr.decode()
    assert len(p.stdout.splitlines()) > 1000  # what could be read was answered


# --- HTTP content type -------------------------------------------------------------------------
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_json_routes_say_415_for_another_content_type(content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    with serve(rules_only()) as srv, srv.client() as c:
        for path, body in (
            ("/api/classify", b'{"log_message": "User alice logged in."}'),
            ("/classify", b'[{"log_message": "User alice logged in."}]'),
        ):
            r = c.post(path, content=body, headers=headers)
            assert r.status_code == 415, (path, r.text)
            assert r.json()["error"] == "unsupported_media_type"
            assert "application/json" in r.json()["message"]
        ok = c.post(
            "/api/classify",
            content=b'{"log_message": "User alice logged in."}',
            headers={"content-type": "application/json; charset=utf-8"},
        )
        assert ok.status_code == 200


# --- an LLM that stops answering during the run --------------------------------------------
def test_llm_failing_mid_run_is_a_warning_with_a_count() -> None:
    lines = "".join(f"queue q{i} drained by worker w{i} in region r{i}x\n" for i in range(4))
    lines += "User alice logged in.\n"
    with LLMDouble() as double:
        double.default = lambda body: Reply.fail(500, "the model crashed")  # probe still ok
        env = {
            "LLM_BASE_URL": double.base_url,
            "LOGSIEVE_EMBEDDING_ENABLED": "false",
            "LOGSIEVE_LLM_TIMEOUT_S": "2",
        }
        p = cli("-q", stdin=lines.encode(), env=env)
        err = p.stderr.decode()
        assert p.returncode == 0, err
        out = [json.loads(x) for x in p.stdout.decode().splitlines()]
        assert len(out) == 5 and out[4]["label_id"] == "USER_ACTION"
        assert "4 of 5 lines got no usable answer from the LLM" in err, err
        p = cli("-q", "--strict", stdin=lines.encode(), env=env)
        assert p.returncode == 3, p.stderr
        assert len(p.stdout.splitlines()) == 5  # answered all the same
