"""``POST /api/classify`` answered without FastAPI's routing and dependency solving.

The single-line route is the hot path of a busy server, and on a warm cache the sieve's part
of it is microseconds: FastAPI's router, dependency solver, request object and exception
middleware then cost several times the classification itself. :class:`ClassifyFastPath`
sits just inside the app's own middlewares (metrics, CORS, body size limit, which all still
run) and answers the plain case directly:

* a POST to exactly ``/api/classify`` with ``Content-Type: application/json``,
* whose body parses and validates as :class:`~logsieve.server.schemas.ClassifyRequest`,
  with a message within ``max_message_chars``, on a server whose sieve is loaded, naming
  (in the body or the ``X-Logsieve-Taxonomy`` header) no taxonomy or one it serves.

Anything else (malformed JSON, a field problem, a long message, another content type, a body
cut short) goes on to the FastAPI route with the body it sent, so every error answer stays
the route's own. The decision is made before anything with a side effect (the rate limit
takes a token), so a request is never half-handled by both. What the fast path does itself
it does with the route's parts: the same caller check (401, 429), the same batcher (rules
and cache inline, the rest micro-batched), the same exception handlers, the same body.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from logsieve.records import single_response

from .batcher import MicroBatcher
from .deps import check_caller
from .errors import ApiError, api_error_json
from .routes import classify as classify_routes
from .routes.classify import CLASSIFY_PATH
from .schemas import MAX_TAXONOMY_CHARS, TAXONOMY_HEADER, ClassifyRequest
from .security import API_KEY_HEADER
from .state import ServerState

_API_KEY_HEADER = API_KEY_HEADER.lower().encode("latin-1")
_TAXONOMY_HEADER = TAXONOMY_HEADER.lower().encode("latin-1")
#: an exception handler as Starlette keeps them (ours are all ``async def``)
Handler = Callable[[Request, Exception], Any]


class _Replay:
    """A ``receive`` that gives back what the fast path already read, then carries on."""

    def __init__(self, messages: list[Message], error: BaseException | None,
                 receive: Receive) -> None:
        self._messages = messages
        self._error = error
        self._receive = receive

    async def __call__(self) -> Message:
        if self._messages:
            return self._messages.pop(0)
        if self._error is not None:  # e.g. the body limit tripped while the fast path read
            error, self._error = self._error, None
            raise error
        return await self._receive()


class ClassifyFastPath:
    """Answers plain ``POST /api/classify`` requests; passes every other request on."""

    def __init__(self, app: ASGIApp, *, fastapi_app: FastAPI, state: ServerState) -> None:
        self.app = app
        self.state = state
        self._fastapi_app = fastapi_app
        self._route: APIRoute | None = None
        self.answered = 0  # requests answered here rather than by the route (tests)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["path"] != CLASSIFY_PATH
                or scope["method"] != "POST" or scope.get("root_path")
                or self.state.batcher is None):
            await self.app(scope, receive, send)
            return
        api_key: str | None = None
        content_type: bytes | None = None
        taxonomy: str | None = None
        for name, value in scope["headers"]:  # the first of each, as Starlette's Headers
            if name == b"content-type" and content_type is None:
                content_type = value
            elif name == _API_KEY_HEADER and api_key is None:
                api_key = value.decode("latin-1")
            elif name == _TAXONOMY_HEADER and taxonomy is None:
                taxonomy = value.decode("latin-1")
        if (content_type is None
                or content_type.split(b";", 1)[0].strip().lower() != b"application/json"):
            await self.app(scope, receive, send)
            return

        messages: list[Message] = []
        chunks: list[bytes] = []
        try:
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    break  # the client went away: the route sees it the same way
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
        except ApiError as exc:  # over the body limit while reading: the route answers it
            await self.app(scope, _Replay(messages, exc, receive), send)
            return
        request = self._parse(messages, chunks)
        batcher = self._batcher(request, taxonomy) if request is not None else None
        if request is None or batcher is None:
            await self.app(scope, _Replay(messages, None, receive), send)
            return
        await self._answer(scope, receive, send, request, api_key, batcher)

    def _batcher(self, request: ClassifyRequest, header: str | None) -> MicroBatcher | None:
        """The batcher of the taxonomy the request names; None (the route's 422) for one this
        server does not serve, or a body and a header that disagree."""
        named = request.taxonomy
        if named is not None and header is not None and named != header:
            return None
        if header is not None and len(header) > MAX_TAXONOMY_CHARS:
            return None
        service = self.state.find(named if named is not None else header)
        return service.batcher if service is not None else None

    def _parse(self, messages: list[Message], chunks: list[bytes]) -> ClassifyRequest | None:
        """The request, if it is the plain case; None sends it to the route."""
        if messages[-1]["type"] != "http.request" or messages[-1].get("more_body", False):
            return None
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if not body:
            return None
        try:
            # As the route: json.loads (Starlette's Request.json), then the model.
            request = ClassifyRequest.model_validate(json.loads(body))
        except (ValueError, ValidationError, RecursionError):
            return None
        if len(request.log_message) > self.state.settings.max_message_chars:
            return None  # the route's 422 names it
        return request

    async def _answer(self, scope: Scope, receive: Receive, send: Send,
                      request: ClassifyRequest, api_key: str | None,
                      batcher: MicroBatcher) -> None:
        # Label the request with the route, as the router would (HttpMetrics reads it).
        scope["route"] = self._classify_route()
        self.answered += 1
        state = self.state
        client = scope.get("client")
        response: Response
        try:
            check_caller(state, api_key, client[0] if client else None)
            result = await batcher.classify(request.log_message, request.source)
        except ApiError as exc:
            response = api_error_json(exc)
        except Exception as exc:
            handler = self._handler_for(exc)
            if handler is None:
                raise  # ServerErrorMiddleware answers 500, as for the route
            answer = handler(Request(scope, receive), exc)
            response = await answer if inspect.isawaitable(answer) else answer
        else:
            response = JSONResponse(single_response(result))
        await response(scope, receive, send)

    def _classify_route(self) -> APIRoute:
        if self._route is None:
            # The router's own route (included without a prefix, so the same template).
            self._route = next(r for r in classify_routes.router.routes
                               if isinstance(r, APIRoute) and r.path == CLASSIFY_PATH
                               and "POST" in (r.methods or ()))
        return self._route

    def _handler_for(self, exc: Exception) -> Handler | None:
        """The app's handler for ``exc``, looked up as Starlette's ExceptionMiddleware does.

        ``Exception`` itself is ServerErrorMiddleware's (outside this one): re-raise for it.
        """
        handlers: Mapping[Any, Handler] = self._fastapi_app.exception_handlers
        for cls in type(exc).__mro__:
            if cls is Exception:
                return None
            handler = handlers.get(cls)
            if handler is not None:
                return handler
        return None
