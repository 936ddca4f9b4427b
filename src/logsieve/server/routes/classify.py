"""``POST /api/classify`` (one line, seed 000) and ``POST /classify`` (a batch, seed 001).

``/api/classify`` is the hot path of a busy server, and on a warm cache the sieve's part of
it is microseconds: FastAPI's request object, dependency solver and body validation then
cost several times the classification itself. So its route (:class:`ClassifyRoute`, still
FastAPI's for matching, OpenAPI and every error answer) resolves a *plain* request's
parameters itself: a ``Content-Type: application/json`` body that arrives whole, parses and
validates as :class:`~logsieve.server.schemas.ClassifyRequest`. The caller is checked with
the same :func:`~logsieve.server.deps.check_caller` and the taxonomy picked with the same
:func:`~logsieve.server.deps.choose_taxonomy` as the dependencies do, and the one endpoint,
:func:`classify_one`, answers. Any other request (malformed JSON, a field problem, another
content type, a body cut short) goes to FastAPI's own handling of the same endpoint with the
body it sent, so its error answers are FastAPI's, as for every route. The choice is made
before anything with a side effect (the rate limit's token): no request is handled twice.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from logsieve.records import batch_response, single_response
from logsieve.result import Result
from logsieve.settings import Settings

from ..batcher import MicroBatcher
from ..deps import ReadyService, Service, charge_lines, check_caller, choose_taxonomy
from ..errors import ApiError
from ..schemas import (
    TAXONOMY_HEADER,
    BatchItem,
    BatchResult,
    ClassifyRequest,
    ClassifyResponse,
    error_responses,
)
from ..security import API_KEY_HEADER

router = APIRouter(tags=["classify"])

#: The single-line route.
CLASSIFY_PATH = "/api/classify"
#: How many offending lines a 422 names (a 1,000-line batch need not echo 1,000 errors).
_MAX_REPORTED = 10
_API_KEY = API_KEY_HEADER.lower().encode("latin-1")
_TAXONOMY = TAXONOMY_HEADER.lower().encode("latin-1")


def check_message_lengths(messages: Sequence[str], settings: Settings, *, batch: bool) -> None:
    """422 naming the (first few) messages over ``max_message_chars``; nothing is classified."""
    limit = settings.max_message_chars
    bad = [i for i, m in enumerate(messages) if len(m) > limit]
    if not bad:
        return
    detail = [
        {
            "loc": ["body", str(i), "log_message"] if batch else ["body", "log_message"],
            "msg": f"log_message has {len(messages[i])} characters; the limit is {limit}.",
            "type": "string_too_long",
        }
        for i in bad[:_MAX_REPORTED]
    ]
    raise ApiError(
        422,
        "message_too_long",
        f"{len(bad)} log_message(s) longer than {limit} characters.",
        detail=detail,
    )


async def classify_one(body: ClassifyRequest, service: ReadyService) -> JSONResponse:
    """Seed 000's classification: the label, the deciding stage and the journey.

    Lines the rules or the template cache know are answered at once; concurrent others are
    gathered into one sieve batch (the micro-batcher). ``taxonomy`` (or the
    ``X-Logsieve-Taxonomy`` header) picks one of the taxonomies the server serves."""
    check_message_lengths([body.log_message], service.settings, batch=False)
    batcher = service.pick(body.taxonomy).batcher
    result = await batcher.classify(body.log_message, body.source)
    # A Response skips response_model re-validation: the shape is built right here.
    return JSONResponse(single_response(result))


class _Replay:
    """A ``receive`` that gives back what was already read, then carries on."""

    def __init__(self, messages: list[Message], receive: Receive) -> None:
        self._messages = messages
        self._receive = receive

    async def __call__(self) -> Message:
        if self._messages:
            return self._messages.pop(0)
        return await self._receive()


class ClassifyRoute(APIRoute):
    """The ``/api/classify`` route, whose ASGI app takes the plain requests itself (see the
    module's docstring) and hands the others to FastAPI's handling of the same endpoint."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # (``handle`` is what a router calls with a matched request: Starlette's contract;
        # FastAPI may build the app it runs next from the endpoint, per included router)
        if scope["method"] != "POST":
            await super().handle(scope, receive, send)  # its 405
            return
        api_key: str | None = None
        content_type: bytes | None = None
        taxonomy: str | None = None
        for name, value in scope["headers"]:  # the first of each, as Starlette's Headers
            if name == b"content-type" and content_type is None:
                content_type = value
            elif name == _API_KEY and api_key is None:
                api_key = value.decode("latin-1")
            elif name == _TAXONOMY and taxonomy is None:
                taxonomy = value.decode("latin-1")
        if (
            content_type is None
            or content_type.split(b";", 1)[0].strip().lower() != b"application/json"
        ):
            await super().handle(scope, receive, send)
            return
        messages: list[Message] = []
        chunks: list[bytes] = []
        while True:  # (the body size limit may raise here: its 413, like any route's)
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: FastAPI's handling sees it the same way
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        request = _plain_body(messages, chunks)
        if request is None:
            await super().handle(scope, _Replay(messages, receive), send)
            return
        state = scope["app"].state.logsieve
        client = scope.get("client")
        caller = check_caller(state, api_key, client[0] if client else None)
        service = Service(caller, state, choose_taxonomy(state, None, taxonomy), taxonomy)
        response = await classify_one(request, service)
        await response(scope, receive, send)


def _plain_body(messages: list[Message], chunks: list[bytes]) -> ClassifyRequest | None:
    """The request body, if it came whole and validates; None leaves it to FastAPI."""
    if messages[-1]["type"] != "http.request" or messages[-1].get("more_body", False):
        return None
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if not body:
        return None
    try:
        # As FastAPI: json.loads (Starlette's Request.json), then the model.
        return ClassifyRequest.model_validate(json.loads(body))
    except (ValueError, ValidationError, RecursionError):
        return None


class FirstRoute:
    """In front of a router's walk over its routes: a request ``route`` matches fully is
    handed to it at once, as the router would hand it (``matches``, then ``handle``, inside
    the app's exception handling), without trying every route before it. Any other request
    goes on to the router."""

    def __init__(self, app: ASGIApp, route: APIRoute) -> None:
        self.app = app
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.route.path:
            match, child = self.route.matches(scope)
            if match is Match.FULL:
                scope.update(child)
                await self.route.handle(scope, receive, send)
                return
        await self.app(scope, receive, send)


def route_first(app: FastAPI) -> None:
    """Put ``/api/classify`` in front of the app router's walk (:class:`FirstRoute`): the
    walk costs a busy server more than the classification of a known line. The router's own
    middleware stack is wrapped, so the request is inside the app's exception handling as for
    any route; without that attribute the router walks to it as usual."""
    route = next(r for r in router.routes if isinstance(r, ClassifyRoute))
    stack = getattr(app.router, "middleware_stack", None)
    if stack is not None:
        app.router.middleware_stack = FirstRoute(stack, route)


router.add_api_route(
    CLASSIFY_PATH,
    classify_one,
    methods=["POST"],
    route_class_override=ClassifyRoute,
    response_model=ClassifyResponse,
    summary="Classify one log line",
    responses=error_responses(400, 401, 413, 415, 422, 429, 503),
)


@router.post(
    "/classify",
    response_model=list[BatchResult],
    summary="Classify a batch of log lines",
    responses=error_responses(400, 401, 413, 415, 422, 429, 503),
)
async def classify_batch(body: list[BatchItem], service: ReadyService) -> JSONResponse:
    """Seed 001's batch: one ``{label_id, label, source, confidence}`` per input, in order.

    ``source`` in the answer is the deciding classifier (regex, bert, llm, cache, none).
    An item may name its ``taxonomy`` (else the ``X-Logsieve-Taxonomy`` header's, else the
    default). The whole batch is checked before any line is classified."""
    settings = service.settings
    if len(body) > settings.max_batch_lines:
        raise ApiError(
            413,
            "batch_too_large",
            f"The batch has {len(body)} lines; the limit is {settings.max_batch_lines}.",
            detail=[{"loc": ["body"], "msg": "too many items", "type": "too_long"}],
        )
    check_message_lengths([item.log_message for item in body], settings, batch=True)
    # Items may name their taxonomies (else the header's, else the default): one sieve call
    # per taxonomy named, the answers put back in input order.
    groups: dict[str, tuple[MicroBatcher, list[int]]] = {}
    for i, item in enumerate(body):
        chosen = service.pick(item.taxonomy)
        groups.setdefault(chosen.name, (chosen.batcher, []))[1].append(i)
    charge_lines(service.state, service.name, len(body) - 1)  # the first came with the request
    if len(groups) == 1:
        batcher = next(iter(groups.values()))[0]
        results = await batcher.classify_many([(i.log_message, i.source) for i in body])
        return JSONResponse([batch_response(r) for r in results])
    answers: list[Result | None] = [None] * len(body)
    parts = await asyncio.gather(
        *(
            batcher.classify_many([(body[i].log_message, body[i].source) for i in indexes])
            for batcher, indexes in groups.values()
        )
    )
    for (_, indexes), part in zip(groups.values(), parts, strict=True):
        for i, res in zip(indexes, part, strict=True):
            answers[i] = res
    return JSONResponse([batch_response(r) for r in answers if r is not None])
