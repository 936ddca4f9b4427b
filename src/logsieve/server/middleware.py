"""Two small pure-ASGI middlewares (cheaper than BaseHTTPMiddleware on the hot path).

* :class:`BodySizeLimit` answers 413 for a declared Content-Length over the limit before
  reading anything, and stops a body that grows past it while being read (chunked uploads).
* :class:`HttpMetrics` counts every request by route template, method and status.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError, error_json
from .metrics import ServerMetrics


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413, "body_too_large", f"The request body is larger than the limit of {limit} bytes."
    )


class BodySizeLimit:
    """413 for bodies over ``default_limit`` bytes (``per_path`` overrides, e.g. uploads)."""

    def __init__(
        self, app: ASGIApp, *, default_limit: int, per_path: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.per_path = dict(per_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"], self.default_limit)
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    exc = _too_large(limit)
                    response = error_json(
                        413, exc.error, exc.message, headers={"Connection": "close"}
                    )
                    await response(scope, receive, send)
                    return
                break
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # An HTTPException: FastAPI re-raises these from body parsing, so the
                    # route's error handler answers 413 rather than "error parsing the body".
                    raise _too_large(limit)
            return message

        await self.app(scope, counting_receive, send)


class HttpMetrics:
    """Counts requests and their latency in ``log_classifier_http_request*``."""

    def __init__(self, app: ASGIApp, *, metrics: ServerMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = scope.get("route")
            # The route template, not the raw path: unknown paths must not explode the labels.
            endpoint = getattr(route, "path", None) or "other"
            self.metrics.observe_request(
                endpoint, scope["method"], status, time.perf_counter() - started
            )
