"""``POST /v1/embeddings`` and ``GET /v1/models``: this server's encoder, OpenAI's shape.

So that N front replicas can share one encoder machine (a GPU box): they run with
``EMBEDDING_BASE_URL=http://encoder-box:8000/v1`` and ask this route for vectors, keeping
their rules, cache, head and LLM to themselves (``logsieve.remote_encoder``). Any
OpenAI-compatible client works too. The vectors are the encoder's exactly (float32, L2
normalized, a text's vector independent of the others in the request), so a front replica
answers as this server would.

The API keys, the request limit and the line limit (one line per text) apply as to the
classify routes; a key may come as ``X-API-Key`` or as OpenAI's ``Authorization: Bearer``.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from logsieve.errors import LogsieveError

from ..deps import OpenAICaller, charge_lines
from ..errors import ApiError
from ..schemas import EmbeddingsRequest, error_responses
from ..state import ServerState

router = APIRouter(tags=["embeddings"])


def _encoder(state: ServerState) -> Any:
    """The encoder of the default sieve (every taxonomy's sieve shares it); 503 without."""
    sieve = state.sieve
    if sieve is None:
        why = state.load_error or "the classifier is not loaded"
        raise ApiError(503, "unavailable", f"No encoder: {why}.")
    encoder = getattr(sieve, "encoder", None)
    if encoder is None:
        why = sieve.health()["encoder"].get("reason", "this server runs without one")
        raise ApiError(503, "unavailable", f"No encoder: {why}")
    return encoder


def _texts(body: EmbeddingsRequest, state: ServerState) -> list[str]:
    texts = [body.input] if isinstance(body.input, str) else body.input
    settings = state.settings
    if not texts:
        raise ApiError(422, "validation_error", "input is an empty list: nothing to encode.")
    if len(texts) > settings.max_batch_lines:
        raise ApiError(
            413,
            "batch_too_large",
            f"{len(texts)} texts in one request; the limit is {settings.max_batch_lines} "
            "(LOGSIEVE_MAX_BATCH_LINES).",
        )
    for i, text in enumerate(texts):
        if len(text) > settings.max_line_chars:
            raise ApiError(
                422,
                "validation_error",
                f"input[{i}] has {len(text)} characters; the limit is {settings.max_line_chars}.",
                detail=[{"loc": ["body", "input", i], "msg": "too long", "type": "too_long"}],
            )
    return texts


@router.post(
    "/v1/embeddings",
    summary="Sentence vectors from this server's encoder (OpenAI-compatible)",
    responses=error_responses(400, 401, 404, 413, 422, 429, 503),
)
async def embeddings(request: Request, body: EmbeddingsRequest, caller: OpenAICaller) -> Response:
    """``{"object": "list", "data": [{"object": "embedding", "index": i, "embedding": [...]}],
    "model": NAME, "usage": {...}}``, one vector per text, in order. ``model``, when sent,
    must be the name this server's encoder goes by (``GET /v1/models``), else 404, so that
    vectors of one encoder are never taken for another's. logsieve does not count tokens:
    ``usage`` is zero."""
    state: ServerState = request.app.state.logsieve
    encoder = _encoder(state)
    if body.model is not None and body.model != encoder.name:
        raise ApiError(
            404,
            "model_not_found",
            f"This server encodes with {encoder.name!r}, not {body.model!r}.",
        )
    if body.dimensions is not None and body.dimensions != encoder.dim:
        raise ApiError(
            422,
            "validation_error",
            f"dimensions {body.dimensions}: this encoder's vectors have {encoder.dim}.",
        )
    texts = _texts(body, state)
    charge_lines(state, caller, len(texts) - 1)  # (the request took one)
    try:
        vectors: np.ndarray = await run_in_threadpool(encoder.encode, texts)
    except LogsieveError as exc:  # a remote encoder behind this one, or a file that won't load
        raise ApiError(503, "unavailable", f"The encoder failed: {exc}") from exc
    if body.encoding_format == "base64":
        rows: list[Any] = [
            base64.b64encode(row.astype("<f4").tobytes()).decode() for row in vectors
        ]
    else:
        rows = list(vectors)
    document = {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": row} for i, row in enumerate(rows)
        ],
        "model": encoder.name,
        "usage": {"prompt_tokens": 0, "total_tokens": 0},
    }
    return Response(
        orjson.dumps(document, option=orjson.OPT_SERIALIZE_NUMPY),
        media_type="application/json",
    )


@router.get("/v1/models", summary="The encoder this server serves (OpenAI-compatible)")
async def models(request: Request, _caller: OpenAICaller) -> Response:
    """``{"object": "list", "data": [{"id": NAME, "object": "model", ...}]}``: the name to
    send as ``model`` (empty while no encoder is loaded)."""
    state: ServerState = request.app.state.logsieve
    encoder = getattr(state.sieve, "encoder", None) if state.sieve is not None else None
    data = (
        [{"id": encoder.name, "object": "model", "owned_by": "logsieve", "dimensions": encoder.dim}]
        if encoder is not None
        else []
    )
    return Response(orjson.dumps({"object": "list", "data": data}), media_type="application/json")
