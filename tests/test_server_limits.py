"""Slow clients and big headers (issue 17, item 5): ``logsieve serve`` in a subprocess with
small limits, spoken to over raw sockets as a slowloris client or a header flood would."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from conftest_server import serve_subprocess

LIMITS = {
    "LOGSIEVE_HTTP_HEADER_TIMEOUT_S": "1",
    "LOGSIEVE_HTTP_BODY_TIMEOUT_S": "1",
    "LOGSIEVE_HTTP_MAX_HEADER_BYTES": "8192",
    "LOGSIEVE_HTTP_MAX_HEADERS": "40",
    "LOGSIEVE_HTTP_MAX_CONNECTIONS": "20",
}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LOGSIEVE_", "LLM_"))},
        **LIMITS,
        "LOGSIEVE_EMBEDDING_ENABLED": "false",
        "LOGSIEVE_LLM_ENABLED": "false",
    }
    with serve_subprocess(env=env) as running:
        yield running


def connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s


def read_all(s: socket.socket, limit_s: float = 10) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and how long that took."""
    t0 = time.monotonic()
    s.settimeout(limit_s)
    chunks = []
    try:
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    except TimeoutError:
        pytest.fail(f"the server kept the connection open over {limit_s} s")
    return b"".join(chunks), time.monotonic() - t0


def status_and_json(raw: bytes) -> tuple[int, dict]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_half_sent_head_is_408_within_the_header_timeout(server: tuple[str, int]) -> None:
    s = connect(server[1])
    s.sendall(b"POST /api/classify HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # and then nothing
    raw, took = read_all(s)
    status, body = status_and_json(raw)
    assert status == 408 and body["error"] == "request_timeout"
    assert took < 5


def test_idle_connection_is_closed(server: tuple[str, int]) -> None:
    s = connect(server[1])
    raw, took = read_all(s)
    assert raw == b"" and took < 5


def test_body_shorter_than_content_length_is_408_not_held(server: tuple[str, int]) -> None:
    s = connect(server[1])
    s.sendall(
        b"POST /api/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 200\r\n\r\n{"log_message": "User '
    )
    raw, took = read_all(s)
    status, body = status_and_json(raw)
    assert status == 408 and "body" in body["message"] and took < 5


def test_huge_header_and_header_flood_are_431(server: tuple[str, int]) -> None:
    url = server[0]
    r = httpx.get(url + "/", headers={"X-Big": "a" * 20_000}, timeout=10)
    assert r.status_code == 431 and r.json()["error"] == "headers_too_large"
    r = httpx.get(url + "/", headers={f"X-H{i}": "v" for i in range(60)}, timeout=10)
    assert r.status_code == 431
    ok = httpx.get(url + "/", headers={f"X-H{i}": "v" for i in range(10)}, timeout=10)
    assert ok.status_code == 200  # ordinary requests are untouched


def test_keep_alive_serves_several_requests_then_limits_apply_again(
    server: tuple[str, int],
) -> None:
    with httpx.Client(base_url=server[0], timeout=10) as c:
        for _ in range(3):
            r = c.post("/api/classify", json={"log_message": "User alice logged in."})
            assert r.status_code == 200 and r.json()["final_category"] == "USER_ACTION"


def test_connections_over_the_cap_get_503(server: tuple[str, int]) -> None:
    held = [connect(server[1]) for _ in range(20)]
    try:
        extra = connect(server[1])
        raw, _ = read_all(extra)
        status, body = status_and_json(raw)
        assert status == 503 and body["error"] == "too_many_connections"
    finally:
        for s in held:
            s.close()
    time.sleep(0.3)
    assert httpx.get(server[0] + "/", timeout=10).status_code == 200  # room again
