"""``POST /api/generate``: synthetic log lines from a prompt (seed 000)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from logsieve.taxonomy import BUILTIN

from ..deps import AuthorizedCaller, choose_taxonomy
from ..errors import ApiError
from ..schemas import (
    MAX_TAXONOMY_CHARS,
    TAXONOMY_HEADER,
    GenerateRequest,
    GenerateResponse,
    error_responses,
)
from ..state import Generator, SieveLike

router = APIRouter(tags=["generate"])


def load_generator() -> Generator:
    """The generator the route calls (:func:`logsieve.generation.generate_from_prompt`);
    imported when an app is made, not when this module is."""
    from logsieve.generation import generate_from_prompt

    return generate_from_prompt


@router.post(
    "/api/generate",
    response_model=GenerateResponse,
    summary="Generate synthetic log lines",
    responses=error_responses(400, 401, 413, 415, 422, 429, 503),
)
async def generate(
    body: GenerateRequest,
    caller: AuthorizedCaller,
    header: Annotated[
        str | None,
        Header(
            alias=TAXONOMY_HEADER,
            max_length=MAX_TAXONOMY_CHARS,
            description="The taxonomy, when the body names none.",
        ),
    ] = None,
) -> JSONResponse:
    """A synthetic line for the prompt (a list of ``count`` lines when count > 1).

    Lines of the categories of the taxonomy the body (or the ``X-Logsieve-Taxonomy`` header)
    names, else the default's. Uses the LLM when one is configured, else the offline
    generator; 503 when this install has no generator at all."""
    state = caller.state
    if state.generator is None:
        raise ApiError(
            503, "generation_unavailable", "Generation is not available in this installation."
        )
    sieve: SieveLike | None = None
    taxonomy: Any
    if state.services:
        sieve = choose_taxonomy(state, body.taxonomy, header).sieve
        taxonomy = sieve.taxonomy
    else:  # no sieve loaded: the offline generator still knows the built-in taxonomies
        taxonomy = state.settings.taxonomy
        named = body.taxonomy or header
        if named is not None and named != taxonomy:
            if named not in BUILTIN:  # (a name, never a path: no file is read for a caller)
                raise ApiError(
                    422,
                    "unknown_taxonomy",
                    f"No taxonomy {named!r}; built in: {', '.join(BUILTIN)}.",
                )
            taxonomy = named
    try:
        out = await run_in_threadpool(
            state.generator,
            body.prompt,
            body.count,
            taxonomy,
            llm=getattr(sieve, "llm", None),
            encoder=getattr(sieve, "encoder", None),
        )
    except ValueError as exc:  # the generator's own check of the prompt
        raise ApiError(422, "invalid_prompt", str(exc)) from exc
    except Exception as exc:  # an LLM outage must read as 503, not as a crash
        raise ApiError(503, "generation_failed", f"Generation failed: {exc}") from exc
    lines = list(out.lines)
    return JSONResponse(
        {"synthetic_log": lines[0] if body.count == 1 and lines else lines, "method": out.method}
    )
