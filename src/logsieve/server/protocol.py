"""uvicorn's HTTP protocol, with ``TCP_NODELAY`` set on every connection.

asyncio sets ``TCP_NODELAY`` only on sockets whose ``proto`` is ``IPPROTO_TCP``. With several
workers, uvicorn binds the listening socket itself with ``proto`` 0, so on asyncio's loop the
accepted connections keep Nagle's algorithm: a response written as headers then body waits
for the client's delayed ACK, and every request took 44 ms (measured with ``--workers 2``;
one worker, whose sockets asyncio makes, answered in 0.3 ms). uvloop sets the option itself.
This protocol sets it whatever the loop, so no configuration has the 44 ms floor.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol

__all__ = ["PROTOCOL", "NoDelayHTTPProtocol"]

#: What ``uvicorn.run(http=...)`` takes to use it.
PROTOCOL = "logsieve.server.protocol:NoDelayHTTPProtocol"


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """httptools' protocol (h11's when httptools is absent) on a no-delay socket."""

    def connection_made(self, transport: asyncio.Transport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):  # not a TCP socket after all: nothing to do
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
