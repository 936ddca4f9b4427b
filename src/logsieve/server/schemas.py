"""Request and response bodies of the HTTP API (seed 000's and seed 001's shapes).

Limits that depend on settings (message length, batch size) are checked by the routes and
written into the OpenAPI document by :func:`logsieve.server.app.create_app`, so the static
models here carry only what never changes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

#: Longest ``source`` accepted (a service name, not a payload).
MAX_SOURCE_CHARS = 256
#: Most synthetic lines one ``/api/generate`` call may ask for.
MAX_GENERATE_COUNT = 100
#: Longest generation prompt.
MAX_PROMPT_CHARS = 2000
#: Longest taxonomy name a request may give.
MAX_TAXONOMY_CHARS = 128
#: The header a request may name its taxonomy with (when its body does not).
TAXONOMY_HEADER = "X-Logsieve-Taxonomy"

_TAXONOMY_DOC = (
    "Which taxonomy to answer with, of those the server serves (/health lists "
    "them); default: the server's default."
)


def _has_text(value: str) -> str:
    if value.isspace():
        raise ValueError("log_message is only whitespace: there is nothing to classify")
    return value


#: A log line: at least one character that is not whitespace (``""`` and ``"   "`` are 422).
LogMessage = Annotated[str, AfterValidator(_has_text)]


class ClassifyRequest(BaseModel):
    """``POST /api/classify`` (seed 000)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"log_message": "ERROR nova.compute.manager [req-1234-abcd] Service failed"}
            ]
        }
    )

    log_message: LogMessage = Field(min_length=1, description="The log line to classify.")
    source: str | None = Field(
        None, max_length=MAX_SOURCE_CHARS, description="The system that wrote the line (optional)."
    )
    taxonomy: str | None = Field(None, max_length=MAX_TAXONOMY_CHARS, description=_TAXONOMY_DOC)


class JourneyStep(BaseModel):
    """One stage's part of the journey."""

    stage: str
    status: str
    details: str
    label_id: str | None = None
    confidence: float | None = None
    duration_ms: float | None = None


class ClassifyResponse(BaseModel):
    """Seed 000's response, plus ``label_id``, ``label`` and the deciding ``classifier``."""

    log_analyzed: str
    final_category: str
    pipeline_stage: str
    final_confidence: float
    processing_time_ms: float
    journey: list[JourneyStep]
    label_id: str
    label: str
    classifier: str = Field(description="Who decided: regex, bert, llm, cache or none.")
    new_template: bool = Field(
        False,
        description="True for the first line of a template "
        "this server had never seen (a new pattern).",
    )


class BatchItem(BaseModel):
    """One entry of ``POST /classify`` (seed 001)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"source": "app-server", "log_message": "User admin123 logged in."}]
        }
    )

    source: str | None = Field(None, max_length=MAX_SOURCE_CHARS)
    log_message: LogMessage = Field(min_length=1)
    taxonomy: str | None = Field(None, max_length=MAX_TAXONOMY_CHARS, description=_TAXONOMY_DOC)


class BatchResult(BaseModel):
    """One answer of ``POST /classify``: ``source`` is the deciding classifier (seed 001)."""

    label_id: str
    label: str
    source: str = Field(description="Who decided: regex, bert, llm, cache or none.")
    confidence: float


class GenerateRequest(BaseModel):
    """``POST /api/generate`` (seed 000, plus ``count``)."""

    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS)
    count: int = Field(1, ge=1, le=MAX_GENERATE_COUNT)
    taxonomy: str | None = Field(
        None,
        max_length=MAX_TAXONOMY_CHARS,
        description="Write lines of this taxonomy's categories (default: the server's default).",
    )


class GenerateResponse(BaseModel):
    """A single line when ``count`` is 1 (seed 000), else a list."""

    synthetic_log: str | list[str]
    method: str = Field(description="llm or offline")


class EmbeddingsRequest(BaseModel):
    """``POST /v1/embeddings``: OpenAI's request (texts only; token arrays are refused)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"input": ["User <NAME> logged in", "Backup done"]}]}
    )

    input: str | list[str] = Field(description="One text or a list of texts.")
    model: str | None = Field(
        None, max_length=256, description="The served encoder's name (GET /v1/models); optional."
    )
    encoding_format: Literal["float", "base64"] = Field(
        "float", description="Numbers, or base64 of little-endian float32."
    )
    dimensions: int | None = Field(None, description="Only the encoder's own width is served.")
    user: str | None = Field(None, max_length=256)


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer: a machine-readable code, a sentence, and where it went wrong."""

    error: str = Field(description="Short code, e.g. body_too_large, validation_error.")
    message: str
    detail: list[dict[str, Any]] | None = Field(
        None, description="Per-field problems (location, message), when there are any."
    )


_DESCRIPTIONS = {
    400: "Malformed JSON.",
    401: "Missing or wrong X-API-Key (only when API keys are configured).",
    404: "Not found.",
    413: "Body, batch or upload too large.",
    415: "The body is not sent as application/json.",
    422: "A field is missing, of the wrong type, or over its limit.",
    429: "Rate limit for this key exceeded; see Retry-After.",
    503: "The service cannot classify (or generate) right now.",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for these status codes, all with :class:`ErrorBody`."""
    return {code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]} for code in codes}
