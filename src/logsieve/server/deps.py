"""Dependency aliases, so route signatures read like prose::

    async def classify_one(body: ClassifyRequest, service: ReadyService) -> ...

The graph is kept flat on purpose: the classify routes sit on the hot path, and FastAPI's
dependency solving costs per node per request. Every dependency is ``async def`` because
FastAPI runs plain ``def`` dependencies in its thread pool, a thread hop each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Security
from fastapi.security import APIKeyHeader

from logsieve.settings import Settings

from .batcher import MicroBatcher
from .errors import ApiError
from .schemas import MAX_TAXONOMY_CHARS, TAXONOMY_HEADER
from .security import API_KEY_HEADER, retry_after_header
from .state import ServerState, TaxonomyService

_api_key_header = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="Needed only when the server has API keys set.",
)


async def get_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.logsieve
    return state


State = Annotated[ServerState, Depends(get_state)]


def _check_caller(request: Request, state: ServerState, api_key: str | None) -> str:
    return check_caller(state, api_key, request.client.host if request.client else None)


def check_caller(state: ServerState, api_key: str | None, client_host: str | None) -> str:
    """The caller's name (its key's, or its address on an open API); 401 or 429 otherwise.
    Takes one request and one line from the caller's limits (a batch takes the rest of its
    lines with :func:`charge_lines`)."""
    address = "addr:" + ("unknown" if client_host is None else client_host)
    if state.api_keys.required:
        blocked = state.auth_failures.wait(address)
        if blocked > 0:  # this address has guessed wrong too often: no more guesses for now
            raise ApiError(
                429,
                "rate_limited",
                f"Too many requests with a wrong {API_KEY_HEADER} from this address.",
                headers={"Retry-After": retry_after_header(blocked)},
            )
        caller = state.api_keys.identify(api_key)
        if caller is None:
            state.auth_failures.acquire(address)
            raise ApiError(
                401,
                "unauthorized",
                f"Missing or invalid {API_KEY_HEADER} header.",
                headers={"WWW-Authenticate": "APIKey"},
            )
    else:
        caller = address
    wait = state.rate_limiter.acquire(caller)
    if wait > 0:
        raise ApiError(
            429,
            "rate_limited",
            f"Rate limit of {state.rate_limiter.per_minute} requests a minute exceeded.",
            headers={"Retry-After": retry_after_header(wait)},
        )
    charge_lines(state, caller, 1)
    return caller


def charge_lines(state: ServerState, caller: str, lines: int) -> None:
    """Take ``lines`` log lines from the caller's line limit; 429 over it."""
    if lines <= 0:
        return
    wait = state.line_limiter.acquire(caller, cost=lines)
    if wait > 0:
        raise ApiError(
            429,
            "rate_limited",
            f"Rate limit of {state.line_limiter.per_minute} log lines a minute exceeded.",
            headers={"Retry-After": retry_after_header(wait)},
        )


@dataclass(frozen=True, slots=True)
class AuthorizedRequest:
    """An authorized caller, and the app state it may use."""

    name: str
    state: ServerState

    @property
    def settings(self) -> Settings:
        return self.state.settings


def choose_taxonomy(
    state: ServerState, named: str | None, header: str | None = None
) -> TaxonomyService:
    """The service for the taxonomy a request names (in its body, or the
    ``X-Logsieve-Taxonomy`` header; neither: the default). 422 for a name this server does
    not serve, or a body and a header that name two; 503 before the sieves are loaded."""
    if named is not None and header is not None and named != header:
        raise ApiError(
            422,
            "taxonomy_conflict",
            f"The body names taxonomy {named!r} and the {TAXONOMY_HEADER} header "
            f"{header!r}; name one.",
            detail=[
                {
                    "loc": ["body", "taxonomy"],
                    "msg": "differs from the header",
                    "type": "taxonomy_conflict",
                }
            ],
        )
    name = named if named is not None else header
    service = state.find(name)
    if service is None:
        if not state.services:
            why = state.load_error or "the classifier is not loaded"
            raise ApiError(503, "unavailable", f"Cannot classify: {why}.")
        served = ", ".join(state.services)
        where = ["body", "taxonomy"] if named is not None else ["header", TAXONOMY_HEADER]
        raise ApiError(
            422,
            "unknown_taxonomy",
            f"This server does not serve taxonomy {name!r}; it serves: {served}.",
            detail=[{"loc": where, "msg": f"one of: {served}", "type": "unknown_taxonomy"}],
        )
    return service


@dataclass(frozen=True, slots=True)
class Service(AuthorizedRequest):
    """An authorized caller of a server that can classify, and the taxonomy its
    ``X-Logsieve-Taxonomy`` header names (else the default)."""

    taxonomy: TaxonomyService
    header: str | None = None

    @property
    def batcher(self) -> MicroBatcher:
        return self.taxonomy.batcher

    def pick(self, named: str | None) -> TaxonomyService:
        """The service for a taxonomy the body names (None: the header's, else the
        default's); 422 as :func:`choose_taxonomy`."""
        if named is None:
            return self.taxonomy
        return choose_taxonomy(self.state, named, self.header)


async def authorized(
    request: Request, api_key: Annotated[str | None, Security(_api_key_header)] = None
) -> AuthorizedRequest:
    """401 without a valid key (when keys are set), 429 over the rate limit."""
    state: ServerState = request.app.state.logsieve
    return AuthorizedRequest(_check_caller(request, state, api_key), state)


async def ready_service(
    request: Request,
    api_key: Annotated[str | None, Security(_api_key_header)] = None,
    taxonomy: Annotated[
        str | None,
        Header(
            alias=TAXONOMY_HEADER,
            max_length=MAX_TAXONOMY_CHARS,
            description="The taxonomy to answer with (default: the "
            "server's default; a body's \"taxonomy\" may name it too).",
        ),
    ] = None,
) -> Service:
    """Like :func:`authorized`, 503 when the sieve is not loaded, 422 for a taxonomy the
    header names and this server does not serve."""
    state: ServerState = request.app.state.logsieve
    name = _check_caller(request, state, api_key)
    return Service(name, state, choose_taxonomy(state, None, taxonomy), taxonomy)


async def caller_name(
    request: Request, api_key: Annotated[str | None, Security(_api_key_header)] = None
) -> str:
    """Just the caller's name, after the same checks as :func:`authorized`."""
    return _check_caller(request, request.app.state.logsieve, api_key)


async def openai_caller(
    request: Request,
    api_key: Annotated[str | None, Security(_api_key_header)] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    """:func:`caller_name` for the OpenAI-shaped routes: the key may also come as OpenAI
    clients send it, ``Authorization: Bearer KEY``."""
    if api_key is None and authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            api_key = token.strip()
    return _check_caller(request, request.app.state.logsieve, api_key)


async def get_taxonomy(
    request: Request,
    taxonomy: Annotated[
        str | None,
        Query(
            max_length=MAX_TAXONOMY_CHARS,
            description="Which taxonomy (default: the server's default).",
        ),
    ] = None,
) -> TaxonomyService:
    """The loaded service of the taxonomy the query names (or the default); 503, 422."""
    return choose_taxonomy(request.app.state.logsieve, taxonomy)


#: the whole authorized request (routes that need state too)
AuthorizedCaller = Annotated[AuthorizedRequest, Depends(authorized)]
#: authorized, and the sieve is loaded: the classify routes
ReadyService = Annotated[Service, Depends(ready_service)]
#: just the caller's name (a route that only needs the checks done)
Caller = Annotated[str, Depends(caller_name)]
#: the caller's name, its key from X-API-Key or Authorization: Bearer (the /v1 routes)
OpenAICaller = Annotated[str, Depends(openai_caller)]
#: the loaded service of ``?taxonomy=`` (or the default), 503 or 422
ReadyTaxonomy = Annotated[TaxonomyService, Depends(get_taxonomy)]
