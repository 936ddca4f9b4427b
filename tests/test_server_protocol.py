"""The HTTP protocol sets TCP_NODELAY on connections asyncio would leave with Nagle on."""

from __future__ import annotations

import asyncio
import socket

from uvicorn.config import Config
from uvicorn.server import ServerState

from logsieve.server.protocol import PROTOCOL, GuardedHTTPProtocol


async def _nodelay_after_accept(protocol_class: type[asyncio.Protocol]) -> int:
    """Accept one loopback connection the way a multi-worker uvicorn does (a listening socket
    made with proto 0), hand it to ``protocol_class`` and read the accepted socket's option."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as uvicorn binds
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    config = Config(app=lambda scope, receive, send: None, http=PROTOCOL, loop="asyncio")
    config.load()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_accepted_socket(
        lambda: protocol_class(
            config=config,
            server_state=ServerState(),  # type: ignore[call-arg]
            app_state={},
        ),
        accepted,
    )
    try:
        return accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        transport.close()
        client.close()
        listener.close()


def test_our_protocol_sets_nodelay_where_asyncio_does_not() -> None:
    # (with uvicorn's own protocol the option stays 0 here: every response then waited
    # 44 ms for the client's delayed ACK under `logsieve serve --workers 2`)
    assert asyncio.run(_nodelay_after_accept(GuardedHTTPProtocol)) != 0
