"""``GET /docs`` (Swagger UI) and ``GET /redoc``, with their assets served by this server.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so on a machine with no network
(or behind a strict proxy) ``/docs`` is a blank page. The assets come from the installed
``fastapi-offline`` package instead (its ``static`` directory; only the files, not its code)
and are mounted at ``/docs-assets``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs-assets"
_ASSETS_PACKAGE = "fastapi_offline"

router = APIRouter(include_in_schema=False)


def assets_dir() -> Path:
    return Path(str(resources.files(_ASSETS_PACKAGE) / "static"))


def install(app: FastAPI) -> None:
    """Mount the assets and add the two pages (create the app with docs_url=None)."""
    app.mount(ASSETS_PATH, StaticFiles(directory=assets_dir()), name="docs-assets")
    app.include_router(router)


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="logsieve - API",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
    )


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="logsieve - API",
        redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
        with_google_fonts=False,
    )
