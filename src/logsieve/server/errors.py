"""How the HTTP face answers when something is wrong: always JSON (:class:`ErrorBody`).

Malformed JSON is 400 (FastAPI would say 422); a JSON route sent another content type is 415;
validation problems are 422 with each field's location; anything unexpected is logged and
answered 500 without internals.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from logsieve.errors import InputError, LogsieveError

log = logging.getLogger(__name__)


class ApiError(StarletteHTTPException):
    """An error the API means to give: status, short code, sentence, optional field detail."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        detail: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            status_code=status, detail=message, headers=dict(headers) if headers else None
        )
        self.error = error
        self.message = message
        self.field_detail = detail


def error_json(
    status: int,
    error: str,
    message: str,
    detail: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The one JSON shape of every error answer."""
    body: dict[str, Any] = {"error": error, "message": message}
    if detail is not None:
        body["detail"] = detail
    return JSONResponse(body, status_code=status, headers=dict(headers) if headers else None)


def _field_problems(exc: RequestValidationError) -> list[dict[str, Any]]:
    # pydantic's own entries carry the offending input and exception objects; keep what a
    # client can act on (and what is always JSON).
    return [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = _field_problems(exc)
    if any(p["type"] == "json_invalid" for p in problems):
        return error_json(400, "malformed_json", "The request body is not valid JSON.", problems)
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not (media == "application/json" or media.endswith("+json")) and any(
        p["loc"] == ["body"] for p in problems
    ):
        # a JSON route sent something else: FastAPI did not parse it and says "Input should
        # be a valid dictionary", which is true but not what is wrong
        got = f"got {media!r}" if media else "no Content-Type was sent"
        return error_json(
            415,
            "unsupported_media_type",
            f"The body must be JSON sent with Content-Type: application/json ({got}).",
            problems,
        )
    where = ", ".join(".".join(p["loc"]) for p in problems[:3])
    return error_json(422, "validation_error", f"Invalid request: {where}.", problems)


def api_error_json(exc: ApiError) -> JSONResponse:
    """The answer for an :class:`ApiError`."""
    return error_json(exc.status_code, exc.error, exc.message, exc.field_detail, exc.headers)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, ApiError):
        return api_error_json(exc)
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = "error"
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    message = exc.detail if isinstance(exc.detail, str) else phrase
    return error_json(exc.status_code, code, message, headers=exc.headers)


async def _on_logsieve(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, InputError):
        return error_json(422, "invalid_input", str(exc))
    log.warning("classification failed: %s", exc)
    return error_json(503, "unavailable", f"Cannot classify right now: {exc}")


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_json(500, "internal_error", "Internal server error.")


def install_error_handlers(app: FastAPI) -> None:
    """Make every error answer JSON in the :class:`ErrorBody` shape."""
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(LogsieveError, _on_logsieve)
    app.add_exception_handler(Exception, _on_unexpected)
