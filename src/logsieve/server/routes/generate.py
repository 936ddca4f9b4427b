"""``POST /api/generate``: synthetic log lines from a prompt (seed 000)."""

from __future__ import annotations

import importlib

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from ..deps import AuthorizedCaller
from ..errors import ApiError
from ..schemas import GenerateRequest, GenerateResponse, error_responses
from ..state import Generator

router = APIRouter(tags=["generate"])


def load_generator() -> Generator | None:
    """``logsieve.generation.generate_from_prompt`` if that module is installed, else None."""
    try:
        module = importlib.import_module("logsieve.generation")
    except ModuleNotFoundError as exc:
        if exc.name not in ("logsieve.generation", "logsieve"):
            raise  # the module is there but something it imports is not: say so loudly
        return None
    generator: Generator | None = getattr(module, "generate_from_prompt", None)
    return generator


@router.post(
    "/api/generate",
    response_model=GenerateResponse,
    summary="Generate synthetic log lines",
    responses=error_responses(400, 401, 413, 415, 422, 429, 503),
)
async def generate(body: GenerateRequest, caller: AuthorizedCaller) -> JSONResponse:
    """A synthetic line for the prompt (a list of ``count`` lines when count > 1).

    Uses the LLM when one is configured, else the offline generator; 503 when this install
    has no generator at all."""
    state = caller.state
    if state.generator is None:
        raise ApiError(503, "generation_unavailable",
                       "Generation is not available in this installation.")
    taxonomy = state.sieve.taxonomy if state.sieve is not None else state.settings.taxonomy
    try:
        out = await run_in_threadpool(
            state.generator, body.prompt, body.count, taxonomy,
            llm=getattr(state.sieve, "llm", None), encoder=getattr(state.sieve, "encoder", None))
    except ValueError as exc:  # the generator's own check of the prompt
        raise ApiError(422, "invalid_prompt", str(exc)) from exc
    except Exception as exc:  # an LLM outage must read as 503, not as a crash
        raise ApiError(503, "generation_failed", f"Generation failed: {exc}") from exc
    lines = list(out.lines)
    return JSONResponse({"synthetic_log": lines[0] if body.count == 1 and lines else lines,
                         "method": out.method})
