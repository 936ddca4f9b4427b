"""uvicorn's HTTP protocol with ``TCP_NODELAY`` on every connection and limits on slow and
oversized clients.

**No delay.** asyncio sets ``TCP_NODELAY`` only on sockets whose ``proto`` is
``IPPROTO_TCP``. With several workers, uvicorn binds the listening socket itself with
``proto`` 0, so on asyncio's loop the accepted connections keep Nagle's algorithm: a response
written as headers then body waits for the client's delayed ACK, and every request took 44 ms
(measured with ``--workers 2``; one worker, whose sockets asyncio makes, answered in 0.3 ms).
uvloop sets the option itself. This protocol sets it whatever the loop.

**Limits**, as NGINX (``client_header_timeout``, ``client_body_timeout``,
``large_client_header_buffers``) and Envoy (``max_request_headers_kb``) set them; uvicorn has
none of them for httptools, so 900 idle or half-sent connections stayed open, a request whose
``Content-Length`` exceeds its body was held forever and a 100 KB header got 200:

- a request's head (request line and headers) must arrive within ``http_header_timeout_s``
  of the connection opening or of its first byte (an idle new connection is closed at that
  time too; an idle kept-alive one by uvicorn's keep-alive timeout): else ``408``;
- a body may pause at most ``http_body_timeout_s`` between two parts: else ``408``;
- a head over ``http_max_header_bytes`` or with more than ``http_max_headers`` headers:
  ``431``;
- more than ``http_max_connections`` open connections in the worker: the new one gets
  ``503`` and is closed.

Each refusal is a JSON error body like the API's (``{"error", "message"}``) and closes the
connection. The limits come from :class:`~logsieve.settings.Settings`, read once per worker
process (each worker is a fresh process that reads the environment). With h11 instead of
httptools (uvicorn without its ``standard`` extra) only ``TCP_NODELAY`` applies; h11 has its
own 16 KiB head limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import socket
from asyncio import TimerHandle
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

__all__ = ["PROTOCOL", "GuardedHTTPProtocol", "HttpLimits"]

#: What ``uvicorn.run(http=...)`` takes to use it.
PROTOCOL = "logsieve.server.protocol:GuardedHTTPProtocol"


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """The limits in force (their defaults and meaning: ``Settings.http_*``)."""

    header_timeout_s: float
    body_timeout_s: float
    max_header_bytes: int
    max_headers: int
    max_connections: int


@functools.lru_cache(maxsize=1)
def limits() -> HttpLimits:
    """This worker's limits, from the settings (environment, ``.env``)."""
    from logsieve.settings import Settings

    s = Settings()
    return HttpLimits(
        s.http_header_timeout_s,
        s.http_body_timeout_s,
        s.http_max_header_bytes,
        s.http_max_headers,
        s.http_max_connections,
    )


def _refusal(status: int, reason: str, error: str, message: str) -> bytes:
    body = json.dumps({"error": error, "message": message}).encode()
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a request already answered."""


class GuardedHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """httptools' protocol (h11's when httptools is absent) on a no-delay socket, with the
    limits above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = limits()
        self._deadline: TimerHandle | None = None
        self._head_bytes = 0
        self._head_count = 0
        self._refused = False
        self._in_head = False
        self._body_at = 0.0  # loop time of the last part of the body

    # --- connection --------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):  # not a TCP socket after all: nothing to do
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
        if len(self.connections) > self._limits.max_connections:
            self._refuse(
                503,
                "Service Unavailable",
                "too_many_connections",
                f"More than {self._limits.max_connections} open connections; try again shortly.",
            )
            return
        self._arm(self._limits.header_timeout_s, self._head_timed_out)  # the first request

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        if self._refused:  # a callback refused the request (and answered it)
            return
        self._refuse(400, "Bad Request", "bad_request", msg)

    # --- the parser's callbacks (httptools) -----------------------------------------------
    def on_message_begin(self) -> None:
        # (after a response a kept-alive connection is idle: uvicorn's keep-alive timeout
        # closes it; the next head gets its deadline here, when its first byte arrives)
        self._head_bytes, self._head_count, self._in_head = 0, 0, True
        if self._deadline is None:
            self._arm(self._limits.header_timeout_s, self._head_timed_out)
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url), 0)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + 4, 1)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._body_at = self.loop.time()
        self._arm(self._limits.body_timeout_s, self._body_timed_out)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._body_at = self.loop.time()  # it moved (the timer reads this; no re-arm per part)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    # --- limits ------------------------------------------------------------------------
    def _count_head(self, size: int, headers: int) -> None:
        self._head_bytes += size
        self._head_count += headers
        lim = self._limits
        if self._head_bytes > lim.max_header_bytes or self._head_count > lim.max_headers:
            self._refuse(
                431,
                "Request Header Fields Too Large",
                "headers_too_large",
                f"The request head is over the limit ({lim.max_headers} headers, "
                f"{lim.max_header_bytes} bytes with the request line).",
            )
            raise _Refused  # stops the parser; send_400_response then stays quiet

    def _head_timed_out(self) -> None:
        self._deadline = None
        if not self._in_head:  # armed at connection_made: nothing was asked, nothing to answer
            self.transport.close()
            return
        self._refuse(
            408,
            "Request Timeout",
            "request_timeout",
            f"The request head did not arrive within {self._limits.header_timeout_s:g} s.",
        )

    def _body_timed_out(self) -> None:
        self._deadline = None
        quiet = self.loop.time() - self._body_at
        if quiet < self._limits.body_timeout_s:  # a part came meanwhile: wait the rest
            self._arm(self._limits.body_timeout_s - quiet, self._body_timed_out)
            return
        cycle = self.cycle
        if cycle is None or cycle.response_started:
            self.transport.close()
            return
        self._refuse(
            408,
            "Request Timeout",
            "request_timeout",
            f"The request body stalled for {self._limits.body_timeout_s:g} s.",
        )

    def _refuse(self, status: int, reason: str, error: str, message: str) -> None:
        self._refused = True
        self._disarm()
        if not self.transport.is_closing():
            self.transport.write(_refusal(status, reason, error, message))
            self.transport.close()

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
