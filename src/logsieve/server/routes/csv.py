"""``POST /api/classify/csv``: a CSV with ``source,log_message`` in, the same CSV with
``target_label`` added out (the codebasics tutorial's API).

The upload is copied to a temporary file and checked whole first (header, encoding, CSV
syntax, message lengths), so a bad file is refused with 422 before a line is classified. The
answer is then streamed, a chunk of rows at a time, so memory stays flat and the first bytes
leave long before a big file is done.
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import IO, Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from logsieve.errors import InputError
from logsieve.inputs import csv_error_reason

from ..batcher import MicroBatcher
from ..deps import ReadyService, charge_lines
from ..errors import ApiError
from ..schemas import error_responses

router = APIRouter(tags=["classify"])

CSV_PATH = "/api/classify/csv"
MESSAGE_COLUMN = "log_message"
SOURCE_COLUMN = "source"
LABEL_COLUMN = "target_label"
#: Rows classified per sieve call while streaming: big enough for the encoder, small enough
#: that the first chunk leaves quickly.
CHUNK_ROWS = 512


@dataclass(slots=True)
class _CheckedUpload:
    spool: IO[bytes]
    header: list[str]
    message_col: int
    source_col: int | None
    label_col: int | None  # an existing target_label column is overwritten
    rows: int


def _text(spool: IO[bytes]) -> io.TextIOWrapper:
    spool.seek(0)
    return io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")


def _copy_and_check(upload: IO[bytes], max_message_chars: int) -> _CheckedUpload:
    # Closed by _stream when the answer is sent (or below, if the file is refused).
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        shutil.copyfileobj(upload, spool, 1 << 20)
        text = _text(spool)
        # strict: a stray or unclosed quote is refused, not rows silently merged into a field
        reader = csv.reader(text, strict=True)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise InputError("the file is empty; expected a header with log_message") from None
        except csv.Error as exc:
            raise InputError(f"the header is not valid CSV ({exc})", line=1) from exc
        if MESSAGE_COLUMN not in header:
            raise InputError(f"no {MESSAGE_COLUMN!r} column in the header {header}", line=1)
        msg = header.index(MESSAGE_COLUMN)
        rows = 0
        while True:
            start = reader.line_num + 1  # the line the next row starts on
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise InputError(
                    f"the row is not valid CSV: {csv_error_reason(exc)}", line=start
                ) from exc
            if not row:
                continue
            if len(row) <= msg:
                raise InputError(f"the row has {len(row)} fields, no {MESSAGE_COLUMN}", line=start)
            if len(row[msg]) > max_message_chars:
                raise InputError(
                    f"{MESSAGE_COLUMN} has {len(row[msg])} characters; the "
                    f"limit is {max_message_chars}",
                    line=start,
                )
            rows += 1
        text.detach()  # keep the spool open for the streaming pass
    except (csv.Error, UnicodeDecodeError) as exc:
        spool.close()
        raise InputError(f"not a readable UTF-8 CSV file: {exc}") from exc
    except BaseException:
        spool.close()
        raise
    return _CheckedUpload(
        spool,
        header,
        msg,
        header.index(SOURCE_COLUMN) if SOURCE_COLUMN in header else None,
        header.index(LABEL_COLUMN) if LABEL_COLUMN in header else None,
        rows,
    )


def _chunks(checked: _CheckedUpload) -> Iterator[list[list[str]]]:
    reader = csv.reader(_text(checked.spool), strict=True)  # as checked
    next(reader)
    chunk: list[list[str]] = []
    for row in reader:
        if not row:
            continue
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


async def _stream(checked: _CheckedUpload, batcher: MicroBatcher) -> AsyncIterator[bytes]:
    header = list(checked.header)
    if checked.label_col is None:
        header.append(LABEL_COLUMN)
    encoder = codecs.getincrementalencoder("utf-8")()
    try:
        yield encoder.encode(_csv_text([header]))
        chunks = _chunks(checked)
        while True:
            # Reading the spool is disk I/O: off the event loop like the classification.
            chunk = await run_in_threadpool(next, chunks, None)
            if chunk is None:
                break
            src = checked.source_col
            items = [
                (
                    row[checked.message_col],
                    (row[src] or None) if src is not None and src < len(row) else None,
                )
                for row in chunk
            ]
            results = await batcher.classify_many(items)
            for row, res in zip(chunk, results, strict=True):
                if checked.label_col is None:
                    row.append(res.label_id)
                else:
                    row.extend([""] * (checked.label_col + 1 - len(row)))
                    row[checked.label_col] = res.label_id
            yield encoder.encode(_csv_text(chunk))
    finally:
        checked.spool.close()


@router.post(
    CSV_PATH,
    summary="Classify a CSV file",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "The uploaded CSV with a target_label column.",
        },
        **error_responses(400, 401, 413, 422, 429, 503),
    },
)
async def classify_csv(
    file: Annotated[
        UploadFile,
        File(description="CSV with a header naming log_message (and optionally source)."),
    ],
    service: ReadyService,
) -> StreamingResponse:
    """The same CSV back, with ``target_label`` (a label id) added or overwritten; the
    ``X-Logsieve-Taxonomy`` header picks the taxonomy (default: the server's default).

    Streamed in chunks of rows, in input order; a file that cannot be read is refused (422,
    naming the line) before anything is classified."""
    try:
        checked = await run_in_threadpool(
            _copy_and_check, file.file, service.settings.max_message_chars
        )
    except InputError as exc:
        raise ApiError(
            422,
            "invalid_csv",
            str(exc),
            detail=[
                {"loc": ["body", "file"], "msg": str(exc), "type": "invalid_csv", "line": exc.line}
            ],
        ) from exc
    try:
        charge_lines(service.state, service.name, checked.rows - 1)
    except ApiError:
        checked.spool.close()
        raise
    name = (file.filename or "logs.csv").rsplit("/", 1)[-1]
    stem = name[:-4] if name.lower().endswith(".csv") else name
    return StreamingResponse(
        _stream(checked, service.batcher),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{_safe(stem)}_classified.csv"',
            "X-Rows": str(checked.rows),
        },
    )


def _safe(name: str) -> str:
    kept = "".join(c for c in name if c.isalnum() or c in "-_.")
    return kept[:100] or "logs"
