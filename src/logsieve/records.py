"""Every shape an answer is written in, from one place and the same fields.

A :class:`~logsieve.result.Result` is the answer; what a face writes of it is made here:

* :func:`record`: the JSON record of one line (the CLI's JSONL and JSON, Ray's JSONL): where
  the line came from (``path``, ``line``), then the answer's fields, then ``error`` when the
  line could not be read cleanly. With or without Ray, ``logsieve classify --format jsonl``
  writes these records, byte for byte the same serialization (:func:`json_line`).
* :data:`CSV_COLUMNS` and :func:`csv_row`: the CLI's CSV.
* :class:`LineFormat`: a whole output line of either, as bytes (what ``logsieve classify``
  and its worker processes write).
* :func:`arrow_columns`: the same fields as typed Arrow columns (Ray's Parquet; the
  journey as a JSON string, as Parquet readers expect a flat column).
* :func:`single_response` (seed 000's ``/api/classify``) and :func:`batch_response` (seed
  001's ``/classify``).

    >>> from logsieve.result import Result
    >>> r = Result(log_analyzed="User a logged in.", label_id="USER_ACTION", label="User Action",
    ...        pipeline_stage="Regex", final_confidence=0.95, classifier="regex")
    >>> batch_response(r)
    {'label_id': 'USER_ACTION', 'label': 'User Action', 'source': 'regex', 'confidence': 0.95}
    >>> list(record(r, path="app.log", line=3))[:3]
    ['path', 'line', 'log_analyzed']
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from .result import Result

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "CSV_COLUMNS",
    "OUTPUT_FORMATS",
    "RECORD_FIELDS",
    "SINGLE_FIELDS",
    "LineFormat",
    "arrow_columns",
    "batch_response",
    "csv_row",
    "json_bytes",
    "json_line",
    "record",
    "single_response",
]

#: The fields of :meth:`Result.to_dict`, in order.
ANSWER_FIELDS = (
    "log_analyzed",
    "final_category",
    "pipeline_stage",
    "final_confidence",
    "processing_time_ms",
    "journey",
    "label_id",
    "label",
    "source",
    "classifier",
    "decided_by",
    "template",
    "new_template",
)
#: A JSON record's fields, in order (``error`` only when there is one).
RECORD_FIELDS = ("path", "line", *ANSWER_FIELDS, "error")
#: Seed 000's answer (``/api/classify``) and ours beside it.
SINGLE_FIELDS = (
    "log_analyzed",
    "final_category",
    "pipeline_stage",
    "final_confidence",
    "processing_time_ms",
    "journey",
    "label_id",
    "label",
    "classifier",
    "new_template",
)
#: The CLI's CSV columns.
CSV_COLUMNS = (
    "line",
    "source",
    "log_message",
    "label_id",
    "label",
    "final_confidence",
    "pipeline_stage",
    "classifier",
    "decided_by",
    "template",
    "processing_time_ms",
    "error",
)


def record(
    res: Result, *, path: str | None, line: int | None, error: str | None = None
) -> dict[str, Any]:
    """The JSON record of one line."""
    out: dict[str, Any] = {"path": path, "line": line, **res.to_dict()}
    if error:
        out["error"] = error
    return out


def json_bytes(rec: dict[str, Any]) -> bytes:
    """One record as a line of JSONL in UTF-8, compact, no trailing newline.

    orjson: a tenth of ``json.dumps``'s time, and writing records was most of a warm
    ``logsieve classify`` run. A string orjson refuses (a lone surrogate, which only a caller
    building Results by hand can make) falls back to the standard library's escaping."""
    try:
        return orjson.dumps(rec)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(rec, ensure_ascii=True, separators=(",", ":")).encode()


def json_line(rec: dict[str, Any]) -> str:
    """:func:`json_bytes` as text."""
    return json_bytes(rec).decode("utf-8")


#: The output formats of :class:`LineFormat`.
OUTPUT_FORMATS = ("jsonl", "csv")


class LineFormat:
    """Output lines of one format as bytes: the header (CSV's columns; none for JSONL) and
    one line per answer, newline included. Not thread-safe (CSV reuses one buffer)."""

    def __init__(self, fmt: str) -> None:
        if fmt not in OUTPUT_FORMATS:
            raise ValueError(f"output format {fmt!r} is not one of {OUTPUT_FORMATS}")
        self.fmt = fmt
        self._buf = io.StringIO()
        self._csv = csv.writer(self._buf) if fmt == "csv" else None

    def header(self) -> bytes:
        return self._csv_line(list(CSV_COLUMNS)) if self._csv is not None else b""

    def line(
        self, res: Result, *, path: str | None, line: int | None, error: str | None = None
    ) -> bytes:
        if self._csv is not None:
            return self._csv_line(csv_row(res, line=line, error=error))
        return json_bytes(record(res, path=path, line=line, error=error)) + b"\n"

    def _csv_line(self, row: list[Any]) -> bytes:
        buf = self._buf
        buf.seek(0)
        buf.truncate()
        assert self._csv is not None
        self._csv.writerow(row)
        return buf.getvalue().encode("utf-8")


def csv_row(res: Result, *, line: int | None, error: str | None = None) -> list[Any]:
    """One line's row under :data:`CSV_COLUMNS`."""
    return [
        line,
        res.source or "",
        res.log_analyzed,
        res.label_id,
        res.label,
        round(res.final_confidence, 4),
        res.pipeline_stage,
        res.classifier,
        res.decided_by or "",
        res.template or "",
        round(res.processing_time_ms, 3),
        error or "",
    ]


def single_response(res: Result) -> dict[str, Any]:
    """Seed 000's ``/api/classify`` answer."""
    d = res.to_dict()
    return {k: d[k] for k in SINGLE_FIELDS}


def batch_response(res: Result) -> dict[str, Any]:
    """One item of seed 001's ``/classify`` answer: ``source`` is who decided."""
    return {
        "label_id": res.label_id,
        "label": res.label,
        "source": res.classifier,
        "confidence": round(res.final_confidence, 4),
    }


def arrow_columns(results: Sequence[Result]) -> dict[str, pa.Array]:
    """The answer's fields as Arrow columns (the input's own columns are the caller's)."""
    import pyarrow as pa

    # Explicit types: a block where every decided_by is None must still be a string column,
    # or blocks (and the files written from them) would disagree on the schema.
    s, f = pa.string(), pa.float64()
    return {
        "label_id": pa.array([r.label_id for r in results], s),
        "label": pa.array([r.label for r in results], s),
        "final_confidence": pa.array([float(r.final_confidence) for r in results], f),
        "pipeline_stage": pa.array([r.pipeline_stage for r in results], s),
        "classifier": pa.array([r.classifier for r in results], s),
        "decided_by": pa.array([r.decided_by for r in results], s),
        "template": pa.array([r.template for r in results], s),
        "new_template": pa.array([r.new_template for r in results], pa.bool_()),
        "processing_time_ms": pa.array([round(r.processing_time_ms, 3) for r in results], f),
        "journey": pa.array(
            [json.dumps([st.to_dict() for st in r.journey], ensure_ascii=False) for r in results], s
        ),
    }
