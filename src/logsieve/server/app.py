"""The FastAPI app factory: settings in, app out; the sieve is built once, at start-up.

    from logsieve.server import create_app
    app = create_app(Settings(taxonomy="openstack"))   # uvicorn module:app, or --factory

If the sieve cannot be built (a bad taxonomy file, a head that does not fit), the app still
starts so that ``/health`` can say why, with 503; every classification answers 503 too.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware

from logsieve import __version__
from logsieve.settings import Settings

from .errors import install_error_handlers
from .metrics import ServerMetrics
from .middleware import BodySizeLimit, HttpMetrics
from .openapi import document_settings
from .routes import classify, csv, docs, embeddings, generate, health, metrics, patterns, ui
from .security import ApiKeys, limiters
from .state import ServerState, SieveLike

log = logging.getLogger(__name__)

#: Upload cap for the CSV endpoint when settings have no ``max_upload_bytes``.
DEFAULT_MAX_UPLOAD_BYTES = 256 * 1024 * 1024


def _build(settings: Settings) -> list[SieveLike]:
    from logsieve.build import build_sieves  # the slow part: model files, ONNX session

    built = list(build_sieves(settings).values())
    for each in built:
        each.check_llm()  # one quick request: a configured LLM that is down is said at start
        _announce(each, default=each is built[0])
    return list[SieveLike](built)


def _announce(sieve: Any, *, default: bool = True) -> None:
    """What this server runs with, once at start, in the server's own log (uvicorn's or
    gunicorn's): taxonomy, head, encoder, LLM, and every stage that cannot run."""
    h = sieve.health()
    out = logging.getLogger("uvicorn.error")
    llm = h["llm"]
    out.info(
        "logsieve: %s %s (%d labels, %d rules)%s; head %s; encoder %s; LLM %s"
        + ("; page /ui, API docs /docs, metrics /metrics" if default else ""),
        "taxonomy" if default else "also taxonomy",
        h["taxonomy"]["name"],
        h["taxonomy"]["labels"],
        h["rules"],
        "" if default else " for requests naming it",
        "loaded" if h["head"]["loaded"] else "none",
        h["encoder"]["name"] or "none",
        (llm.get("model") or llm.get("name") or "configured")
        if llm["configured"]
        else "none (" + str(llm.get("reason", "not configured")).rstrip(".") + ")",
    )
    for problem in sieve.problems():
        out.warning("logsieve: degraded: %s", problem.message())


def _batch_threads() -> int:
    # One sieve call per core: ONNX releases the GIL, and more threads only queue.
    return max(1, min(4, os.cpu_count() or 1))


def create_app(
    settings: Settings | None = None,
    *,
    sieve: SieveLike | None = None,
    sieves: Sequence[SieveLike] = (),
) -> FastAPI:
    """Build the app. ``sieve`` (or ``sieves``, the default first) lets tests share loaded
    models between apps; else the sieves are built at start from ``settings``."""
    from logsieve.build import redis_store

    settings = settings or Settings()
    requests, lines, auth_failures = limiters(
        settings.rate_limit_per_minute,
        settings.lines_per_minute,
        settings.auth_failures_per_minute,
        redis_store(settings, "limits"),
    )
    state = ServerState(
        settings=settings,
        metrics=ServerMetrics(),
        api_keys=ApiKeys(settings.api_keys),
        rate_limiter=requests,
        line_limiter=lines,
        auth_failures=auth_failures,
        generator=generate.load_generator(),
    )

    given = [sieve] if sieve is not None else list(sieves)

    if settings.metrics_top_templates:
        state.metrics.watch_templates(
            lambda: [(name, s.activity) for name, s in state.services.items()],
            settings.metrics_top_templates,
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built = given
        if not built:
            try:
                built = await run_in_threadpool(_build, settings)
            except Exception as exc:  # keep serving /health so the failure is visible
                log.exception("could not build the sieve")
                state.load_error = f"{type(exc).__name__}: {exc}"
        for each in built:
            state.attach(each, threads=_batch_threads())
        try:
            yield
        finally:
            for service in state.services.values():
                service.batcher.close()
            state.services.clear()
            for each in built:
                close = getattr(each, "close", None)
                if not given and callable(close):  # ours to close; a shared one is not
                    close()

    # (docs_url/redoc_url off: FastAPI's pages load their scripts from a CDN; routes.docs
    # serves the same pages with assets from an installed package, so /docs works offline)
    app = FastAPI(
        title="logsieve",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description="Classify log lines: rules, template cache, sentence-embedding "
        "head, LLM. Every answer carries its journey.",
    )
    app.state.logsieve = state
    install_error_handlers(app)
    for module in (classify, health, csv, embeddings, generate, patterns, metrics, ui):
        app.include_router(module.router)
    classify.route_first(app)
    docs.install(app)

    upload_limit = int(getattr(settings, "max_upload_bytes", DEFAULT_MAX_UPLOAD_BYTES))
    # Last added runs first: metrics see everything, including 413s and CORS preflights.
    app.add_middleware(
        BodySizeLimit, default_limit=settings.max_body_bytes, per_path={csv.CSV_PATH: upload_limit}
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["*"],
    )
    app.add_middleware(HttpMetrics, metrics=state.metrics)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_settings(FastAPI.openapi(app), settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
