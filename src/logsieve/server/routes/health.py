"""``GET /`` (basic status, seed 000) and ``GET /health`` (per component; 200 or 503)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from logsieve import __version__ as _version

from ..deps import State
from ..schemas import error_responses

router = APIRouter(tags=["health"])


@router.get("/", summary="Basic status")
async def root(state: State) -> dict[str, Any]:
    """Always 200 while the process is up: name, version, taxonomy, whether it can classify."""
    sieve = state.sieve
    return {
        "service": "logsieve",
        "version": _version,
        "status": "healthy" if sieve is not None else "unhealthy",
        "taxonomy": sieve.taxonomy.name if sieve is not None else state.settings.taxonomy,
        "taxonomies": list(state.services),
        "docs": "/docs",
    }


@router.get(
    "/health",
    summary="Component status",
    responses={200: {"description": "Can classify."}, **error_responses(503)},
)
async def health(state: State) -> JSONResponse:
    """Rules, encoder, head (and its taxonomy), LLM and breakers, cache size and hit rate
    of the default taxonomy, and ``taxonomies``: each one served, with its own status.

    ``status`` is ``healthy`` or ``degraded`` (``degraded`` lists each stage that cannot run,
    the reason and the fix). 200 when lines can be classified, 503 when only the rules can
    answer (the body then says why)."""
    if state.sieve is None:
        why = state.load_error or "the classifier is not loaded"
        return JSONResponse(
            {"error": "unavailable", "message": f"Cannot classify: {why}.", "status": "unhealthy"},
            status_code=503,
        )
    components = state.sieve.health()
    state.metrics.set_breakers(components.get("breakers", {}))
    ok = bool(components.get("can_classify"))
    served: dict[str, Any] = {}
    for name, service in state.services.items():
        each = components if service.sieve is state.sieve else service.sieve.health()
        served[name] = {
            "default": service.sieve is state.sieve,
            "labels": each["taxonomy"]["labels"],
            "hash": each["taxonomy"]["hash"],
            "rules": each["rules"],
            "head": each["head"]["loaded"],
            "cache": {k: each["cache"].get(k) for k in ("size", "hit_rate")},
            "status": each["status"],
            "can_classify": each["can_classify"],
            "degraded": each["degraded"],
        }
    # status: "healthy", or "degraded" (a stage meant to run cannot; `degraded` says which,
    # why and the fix). 200 while a line the rules miss can still get a real answer.
    body = dict(components)
    # every taxonomy a request may name ("taxonomy" or X-Logsieve-Taxonomy); the rest of
    # the body is the default's
    body["taxonomies"] = served
    if not ok:
        why = "; ".join(p["reason"] for p in components.get("degraded", [])) or "no stage loaded"
        body.update(error="unavailable", message=f"Only the rules can answer: {why}.")
    return JSONResponse(body, status_code=200 if ok else 503)
