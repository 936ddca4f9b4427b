"""``GET /api/patterns``: the templates this server has answered, with counts over time.

No labels are needed to read it: it is the patterns view of Drain3, Loki's pattern detection
and Elastic's log categorization, for the lines sent to this server (``logsieve patterns
FILE`` gives the same for files). Each taxonomy masks and counts on its own.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from ..deps import Caller, ReadyTaxonomy
from ..metrics import multiprocess_enabled
from ..schemas import error_responses

router = APIRouter(tags=["patterns"])

#: Most patterns one call may ask for.
MAX_PATTERNS = 500


@router.get(
    "/api/patterns",
    summary="Top log patterns (templates) seen by this server",
    responses=error_responses(401, 422, 429, 503),
)
async def patterns(
    service: ReadyTaxonomy,
    _caller: Caller,
    top: int = Query(20, ge=1, le=MAX_PATTERNS, description="How many patterns, commonest first."),
) -> JSONResponse:
    """The commonest templates of the lines past the rules since start-up: count, share,
    label, first and last time seen (Unix seconds), an example line (secrets redacted), the
    kinds of value that vary, and ``series``: lines per ``bucket_seconds`` over the last
    ``len(series)`` buckets, oldest first (the last is the current one).

    Memory is bounded: lines of templates past the first ``max_templates`` are counted in
    ``other_lines``. With several worker processes, each answers with its own lines."""
    activity = service.activity
    names = {label.id: label.name for label in service.sieve.taxonomy.labels}
    rows = activity.top(top)
    for row in rows:
        row["label"] = names.get(row["label_id"], row["label_id"])
    return JSONResponse(
        {
            "taxonomy": service.name,
            "time": time.time(),
            "since": activity.started,
            "lines": activity.lines,
            "templates": activity.distinct,
            "other_lines": activity.other,
            "max_templates": activity.max_templates,
            "bucket_seconds": activity.bucket_s,
            "per_worker": multiprocess_enabled(),
            "patterns": rows,
        }
    )
