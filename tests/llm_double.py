"""A test double of an OpenAI-compatible server: a real HTTP server on 127.0.0.1 in a thread.

It answers ``POST /v1/chat/completions`` from a script (a queue of Replies, then a default
responder), ``GET /v1/models`` and, when given a responder, ``POST /v1/embeddings``; it
records every request so tests can inspect what the production code (openai SDK or httpx →
HTTP) really sent.

    with LLMDouble() as server:
        server.script(Reply.answer("DB_ERROR", 0.9, "pool exhausted"), Reply.status(500))
        client = OpenAI(base_url=server.base_url, api_key="k")
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted answer: HTTP status, body (assistant content or error), optional delay."""

    status: int = 200
    content: str | None = None
    error: str = ""
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def answer(category: str, confidence: float = 0.9, reasoning: str = "scripted") -> Reply:
        body = {"category": category, "confidence": confidence, "reasoning": reasoning}
        return Reply(content=json.dumps(body))

    @staticmethod
    def text(content: str) -> Reply:
        return Reply(content=content)

    @staticmethod
    def fail(status: int, error: str = "scripted failure") -> Reply:
        return Reply(status=status, error=error)

    def slow(self, delay_s: float) -> Reply:
        return Reply(self.status, self.content, self.error, delay_s, self.headers)


Responder = Callable[[dict[str, Any]], Reply]


@dataclass
class Recorded:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def system(self) -> str:
        return next(m["content"] for m in self.body["messages"] if m["role"] == "system")

    @property
    def user(self) -> str:
        return next(m["content"] for m in self.body["messages"] if m["role"] == "user")


class LLMDouble:
    """The server. Use as a context manager; ``base_url`` ends in ``/v1``."""

    def __init__(self, model: str = "double-model") -> None:
        self.model = model
        self.requests: list[Recorded] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.default: Responder = lambda body: Reply.answer("INFO", 0.5, "default answer")
        self.models_status = 200  #: what GET /models answers (401: a refused key)
        #: ``POST /embeddings``: body in, (status, JSON answer) out; None: 404
        self.embeddings: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]] | None = None
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue replies, served in order before the default responder."""
        with self._lock:
            self._script.extend(replies)

    def chat_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def __enter__(self) -> LLMDouble:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()  # wakes slow replies
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- HTTP ---------------------------------------------------------------------------
    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._script:
                return self._script.popleft()
        return self.default(body)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

            def _send(
                self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                raw = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def do_GET(self) -> None:
                with double._lock:
                    double.requests.append(Recorded(self.path, {}, _lower(self.headers)))
                if self.path.rstrip("/").endswith("/models") and double.models_status != 200:
                    self._send(
                        double.models_status,
                        {"error": {"message": "Invalid API key", "type": "scripted"}},
                    )
                elif self.path.rstrip("/").endswith("/models"):
                    self._send(
                        200,
                        {
                            "object": "list",
                            "data": [{"id": double.model, "object": "model", "owned_by": "tests"}],
                        },
                    )
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with double._lock:
                    double.requests.append(Recorded(self.path, body, _lower(self.headers)))
                if self.path.rstrip("/").endswith("/embeddings") and double.embeddings:
                    status, payload = double.embeddings(body)
                    self._send(status, payload)
                    return
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": "not found"}})
                    return
                reply = double._next_reply(body)
                if reply.delay_s:
                    double._stop.wait(reply.delay_s)
                if reply.status != 200:
                    self._send(
                        reply.status,
                        {"error": {"message": reply.error, "type": "scripted"}},
                        reply.headers,
                    )
                    return
                self._send(
                    200,
                    {
                        "id": "chatcmpl-double",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", double.model),
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": reply.content},
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                )

        return Handler


def _lower(headers: Any) -> dict[str, str]:
    """Header names lower-cased (HTTP names are case-insensitive; httpx sends lower case)."""
    return {k.lower(): v for k, v in headers.items()}
