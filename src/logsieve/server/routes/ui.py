"""The web page at ``/ui`` (static files, no build step) and ``GET /api/dashboard``.

The page is plain HTML, CSS and JavaScript modules shipped in ``logsieve/server/ui/``; it
talks to the same public API as any client (``/api/classify``, ``/classify``,
``/api/generate``) plus the dashboard summary below. ``/ui/config.json`` tells the page,
before it sends anything, whether it must ask for an API key and whether generation exists,
so a visitor is asked once instead of meeting a 401.

Counts per label and per deciding classifier come from the Prometheus counters (summed over
every worker in multiprocess mode, so they agree with ``/metrics``); cache statistics, top
templates and breaker states come from the sieve of the worker that answers.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from prometheus_client import CollectorRegistry, Metric
from prometheus_client import multiprocess as prom_multiprocess

from ..deps import Caller, ReadyTaxonomy, State
from ..errors import ApiError
from ..metrics import ServerMetrics, multiprocess_enabled
from ..schemas import error_responses

router = APIRouter()

UI_DIR = Path(__file__).resolve().parent.parent / "ui"
#: What the page may load, by name; anything else is 404 (no path is ever joined from a URL).
_MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
#: Most templates one dashboard call may ask for.
MAX_TOP_TEMPLATES = 100
#: The page is small and changes with each release; revalidate rather than cache for long.
_NO_STALE = {"Cache-Control": "no-cache"}


def _assets() -> dict[str, Path]:
    if not UI_DIR.is_dir():
        return {}
    return {p.name: p for p in UI_DIR.iterdir() if p.is_file() and p.suffix in _MEDIA_TYPES}


_ASSETS = _assets()


def _file(name: str) -> FileResponse:
    path = _ASSETS.get(name)
    if path is None:
        raise ApiError(404, "not_found", f"No such file: {name!r}.")
    return FileResponse(path, media_type=_MEDIA_TYPES[path.suffix], headers=_NO_STALE)


@router.get("/ui", include_in_schema=False)
async def page_redirect() -> RedirectResponse:
    # The page loads its files by relative URL (so it also works behind a path prefix);
    # relative to ``/ui`` they would resolve to ``/``.
    return RedirectResponse("ui/", status_code=307)


@router.get("/ui/", include_in_schema=False)
async def page() -> FileResponse:
    """The single page."""
    return _file("index.html")


@router.get("/ui/config.json", include_in_schema=False)
async def page_config(state: State) -> JSONResponse:
    """What the page must know before its first call (nothing secret)."""
    return JSONResponse(
        {
            "auth_required": state.api_keys.required,
            "generate_available": state.generator is not None,
            "max_batch_lines": state.settings.max_batch_lines,
            "max_message_chars": state.settings.max_message_chars,
        },
        headers=_NO_STALE,
    )


@router.get("/ui/{name}", include_in_schema=False)
async def asset(name: str) -> FileResponse:
    """A script or stylesheet of the page."""
    return _file(name)


# --- the dashboard's numbers ------------------------------------------------------------
def _metric_families(metrics: ServerMetrics) -> Iterable[Metric]:
    if multiprocess_enabled():  # every worker's values, as /metrics reports them
        registry = CollectorRegistry()
        prom_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry.collect()
    return metrics.registry.collect()


def _counter_totals(metrics: ServerMetrics) -> dict[str, Any]:
    """Lines by label and by deciding classifier, cache hits/misses, LLM calls by outcome."""
    by_label: dict[str, float] = {}
    by_stage: dict[str, float] = {}
    llm_calls: dict[str, float] = {}
    cache = {"hits": 0.0, "misses": 0.0}
    for family in _metric_families(metrics):
        for s in family.samples:
            if s.name == "log_classifications_total":
                label, stage = s.labels.get("label", "?"), s.labels.get("classifier", "?")
                by_label[label] = by_label.get(label, 0.0) + s.value
                by_stage[stage] = by_stage.get(stage, 0.0) + s.value
            elif s.name == "log_classifier_llm_calls_total":
                outcome = s.labels.get("outcome", "?")
                llm_calls[outcome] = llm_calls.get(outcome, 0.0) + s.value
            elif s.name == "log_classifier_cache_hits_total":
                cache["hits"] += s.value
            elif s.name == "log_classifier_cache_misses_total":
                cache["misses"] += s.value
    return {
        "by_label": {k: int(v) for k, v in by_label.items()},
        "by_stage": {k: int(v) for k, v in by_stage.items()},
        "llm_calls": {k: int(v) for k, v in llm_calls.items()},
        "cache_lines": {k: int(v) for k, v in cache.items()},
    }


@router.get(
    "/api/dashboard",
    tags=["ui"],
    summary="Live counts for the dashboard",
    responses=error_responses(401, 422, 429, 503),
)
async def dashboard(
    state: State,
    service: ReadyTaxonomy,
    _caller: Caller,
    top: int = Query(10, ge=0, le=MAX_TOP_TEMPLATES, description="How many top templates to list."),
) -> JSONResponse:
    """Lines per label and per deciding stage since start-up, cache and LLM figures, breaker
    states and the most frequent templates with their labels and, in ``series``, their lines
    per minute over the last hour (as ``/api/patterns``). ``?taxonomy=`` picks one of the
    served taxonomies for the templates, cache and head; the line counts are the server's.

    Counts are cumulative; a client plotting them over time takes differences between polls.
    """
    sieve = service.sieve
    totals = _counter_totals(state.metrics)
    health = sieve.health()
    taxonomy = sieve.taxonomy
    names = {label.id: label.name for label in taxonomy.labels}
    hits, misses = totals["cache_lines"]["hits"], totals["cache_lines"]["misses"]
    templates = (
        [
            {**t, "label": names.get(t.get("label_id", ""), t.get("label_id"))}
            for t in sieve.top_templates(top)
        ]
        if top
        else []
    )
    if templates:  # lines per minute of each, when this process has answered it
        series = {p["template"]: p["series"] for p in service.activity.top(MAX_TOP_TEMPLATES)}
        window = service.activity.window
        for t in templates:
            t["series"] = series.get(t["template"], [0] * window)
    llm = health.get("llm", {})
    encoder, head = health.get("encoder", {}), health.get("head", {})
    return JSONResponse(
        {
            "time": time.time(),
            "taxonomies": list(state.services),
            "series_bucket_seconds": service.activity.bucket_s,
            "taxonomy": {
                "name": taxonomy.name,
                "fallback": taxonomy.fallback,
                "labels": [{"id": label.id, "name": label.name} for label in taxonomy.labels],
            },
            "lines": sum(totals["by_label"].values()),
            "by_label": totals["by_label"],
            "by_stage": totals["by_stage"],
            "cache": {
                **health.get("cache", {}),
                "line_hits": hits,
                "line_misses": misses,
                "line_hit_rate": round(hits / (hits + misses), 4) if hits + misses else 0.0,
            },
            "rules": health.get("rules", 0),
            "embedding": {
                "loaded": bool(encoder.get("loaded") and head.get("loaded")),
                "encoder": encoder.get("name"),
                "reason": head.get("reason") or encoder.get("reason"),
                "threshold": health.get("threshold"),
            },
            "llm": {
                "configured": bool(llm.get("configured")),
                "model": llm.get("model"),
                "reason": llm.get("reason"),
                "calls": sum(totals["llm_calls"].values()),
                "calls_by_outcome": totals["llm_calls"],
            },
            "breakers": health.get("breakers", {}),
            "priors": health.get("judgement", {}).get("priors"),
            "top_templates": templates,
            # Cache contents and breakers live in each worker; the counts are the whole server's.
            "per_worker": ["cache", "top_templates", "breakers"] if multiprocess_enabled() else [],
        }
    )
