"""``GET /metrics``: Prometheus text (every worker's, in multiprocess mode)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ..deps import State
from ..metrics import CONTENT_TYPE

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "Prometheus text exposition format.",
        }
    },
)
async def metrics(state: State) -> Response:
    """Seed 001's seven series, plus cache hits/misses and LLM calls."""
    if state.sieve is not None:
        state.metrics.mirror_health(state.sieve.health())
    return Response(state.metrics.render(), media_type=CONTENT_TYPE)
