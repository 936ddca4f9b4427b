"""``POST /api/classify`` (one line, seed 000) and ``POST /classify`` (a batch, seed 001)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from logsieve.records import batch_response, single_response
from logsieve.result import Result
from logsieve.settings import Settings

from ..batcher import MicroBatcher
from ..deps import ReadyService, charge_lines
from ..errors import ApiError
from ..schemas import BatchItem, BatchResult, ClassifyRequest, ClassifyResponse, error_responses

router = APIRouter(tags=["classify"])

#: The single-line route; :mod:`logsieve.server.fastpath` answers its plain requests.
CLASSIFY_PATH = "/api/classify"

#: How many offending lines a 422 names (a 1,000-line batch need not echo 1,000 errors).
_MAX_REPORTED = 10


def check_message_lengths(messages: Sequence[str], settings: Settings, *, batch: bool) -> None:
    """422 naming the (first few) messages over ``max_message_chars``; nothing is classified."""
    limit = settings.max_message_chars
    bad = [i for i, m in enumerate(messages) if len(m) > limit]
    if not bad:
        return
    detail = [{"loc": ["body", str(i), "log_message"] if batch else ["body", "log_message"],
               "msg": f"log_message has {len(messages[i])} characters; the limit is {limit}.",
               "type": "string_too_long"} for i in bad[:_MAX_REPORTED]]
    raise ApiError(422, "message_too_long",
                   f"{len(bad)} log_message(s) longer than {limit} characters.", detail=detail)


@router.post(
    CLASSIFY_PATH,
    response_model=ClassifyResponse,
    summary="Classify one log line",
    responses=error_responses(400, 401, 413, 415, 422, 429, 503),
)
async def classify_one(body: ClassifyRequest, service: ReadyService) -> JSONResponse:
    """Seed 000's classification: the label, the deciding stage and the journey.

    Lines the rules or the template cache know are answered at once; concurrent others are
    gathered into one sieve batch (the micro-batcher)."""
    # Plain requests never get here: ClassifyFastPath answers them with the same parts.
    check_message_lengths([body.log_message], service.settings, batch=False)
    batcher = service.pick(body.taxonomy).batcher
    result = await batcher.classify(body.log_message, body.source)
    # A Response skips response_model re-validation: the shape is built right here.
    return JSONResponse(single_response(result))


@router.post(
    "/classify",
    response_model=list[BatchResult],
    summary="Classify a batch of log lines",
    responses=error_responses(400, 401, 413, 415, 422, 429, 503),
)
async def classify_batch(body: list[BatchItem], service: ReadyService) -> JSONResponse:
    """Seed 001's batch: one ``{label_id, label, source, confidence}`` per input, in order.

    ``source`` in the answer is the deciding classifier (regex, bert, llm, cache, none).
    An item may name its ``taxonomy`` (else the ``X-Logsieve-Taxonomy`` header's, else the
    default). The whole batch is checked before any line is classified."""
    settings = service.settings
    if len(body) > settings.max_batch_lines:
        raise ApiError(413, "batch_too_large",
                       f"The batch has {len(body)} lines; the limit is "
                       f"{settings.max_batch_lines}.",
                       detail=[{"loc": ["body"], "msg": "too many items",
                                "type": "too_long"}])
    check_message_lengths([item.log_message for item in body], settings, batch=True)
    # Items may name their taxonomies (else the header's, else the default): one sieve call
    # per taxonomy named, the answers put back in input order.
    groups: dict[str, tuple[MicroBatcher, list[int]]] = {}
    for i, item in enumerate(body):
        chosen = service.pick(item.taxonomy)
        groups.setdefault(chosen.name, (chosen.batcher, []))[1].append(i)
    charge_lines(service.state, service.name, len(body) - 1)  # the first came with the request
    if len(groups) == 1:
        batcher = next(iter(groups.values()))[0]
        results = await batcher.classify_many([(i.log_message, i.source) for i in body])
        return JSONResponse([batch_response(r) for r in results])
    answers: list[Result | None] = [None] * len(body)
    parts = await asyncio.gather(*(
        batcher.classify_many([(body[i].log_message, body[i].source) for i in indexes])
        for batcher, indexes in groups.values()))
    for (_, indexes), part in zip(groups.values(), parts, strict=True):
        for i, res in zip(indexes, part, strict=True):
            answers[i] = res
    return JSONResponse([batch_response(r) for r in answers if r is not None])
