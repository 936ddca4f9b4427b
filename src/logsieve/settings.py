"""All of logsieve's configuration, in one place.

Read once from the environment and an optional ``.env`` file (pydantic-settings), then
passed down. Names follow seed 000 where it has them (``GROQ_API_KEY``, ``LLM_MAX_TOKENS``,
``BERT_CONFIDENCE_THRESHOLD``…); the rest are prefixed ``LOGSIEVE_``.

    >>> from logsieve.settings import Settings
    >>> Settings(taxonomy="openstack").taxonomy
    'openstack'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Shortest API key accepted: a shorter one can be guessed (16 random characters: 96 bits).
MIN_API_KEY_CHARS = 16
#: Encoder deadline per call in batch runs, seconds (see Settings.for_batch).
BATCH_EMBED_TIMEOUT_S = 300.0

#: Names read without a prefix (seed 000's, and the remote encoder's, named like the LLM's);
#: everything else is ``LOGSIEVE_<NAME>`` only, so a generic variable of the environment
#: (HOST, PORT, TAXONOMY…) is never picked up by accident.
SEED_NAMES = frozenset(
    {
        "GROQ_API_KEY",
        "LLM_BASE_URL",
        "LLM_API_KEY",
        "LLM_MODEL",
        "EMBEDDING_BASE_URL",
        "EMBEDDING_API_KEY",
        "EMBEDDING_MODEL",
        "LLM_MAX_TOKENS",
        "LLM_TEMPERATURE",
        "BERT_CONFIDENCE_THRESHOLD",
    }
)


def _env(name: str) -> AliasChoices:
    """``LOGSIEVE_NAME``, and the bare ``NAME`` for seed 000's variables."""
    if name in SEED_NAMES:
        return AliasChoices(name, f"LOGSIEVE_{name}", name.lower())
    return AliasChoices(f"LOGSIEVE_{name}", name.lower())


class Settings(BaseSettings):
    """Everything configurable. Construct once per process (or per app) and pass it on."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # --- the sieve ------------------------------------------------------------------
    taxonomy: str = Field(
        "standard",
        validation_alias=_env("TAXONOMY"),
        description="Built-in taxonomy name or path to a YAML file; "
        "default: the model directory's own, else 'standard'.",
    )
    model_dir: Path | None = Field(
        None,
        validation_alias=_env("MODEL_DIR"),
        description="Directory of a trained head; default: the "
        "head shipped for the taxonomy, if any.",
    )
    embedding_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        validation_alias=_env("BERT_CONFIDENCE_THRESHOLD"),
        description="Overrides the taxonomy's embedding threshold (default 0.7).",
    )
    embedding_enabled: bool = Field(True, validation_alias=_env("EMBEDDING_ENABLED"))
    encoder_lazy: bool | None = Field(
        None,
        validation_alias=_env("ENCODER_LAZY"),
        description="Load the encoder when the first line needs it, not at start "
        "(default: at start for the service, so its first answer does not wait; at the "
        "first line for batch runs, so a file the rules and the cache answer never pays "
        "for it).",
    )
    encoder_threads: int | None = Field(
        None,
        ge=1,
        validation_alias=_env("ENCODER_THREADS"),
        description="Encoder runs side by side (default: cores).",
    )
    encoder_batch_size: int = Field(
        1,
        ge=1,
        le=256,
        validation_alias=_env("ENCODER_BATCH_SIZE"),
        description="Texts per encoder run; 1 keeps each vector independent of its batch.",
    )
    encoder_quantization: Literal["dynamic", "weights"] = Field(
        "dynamic",
        validation_alias=_env("ENCODER_QUANTIZATION"),
        description="dynamic: int8 products, derived once from the packaged model (fast); "
        "weights: the packaged file as it is.",
    )
    encoder_compact_placeholders: bool = Field(
        True,
        validation_alias=_env("ENCODER_COMPACT_PLACEHOLDERS"),
        description="Encode <NUM>, <HOST>... as one-token words (a head is trained with one "
        "setting and refused with the other).",
    )
    model_cache_dir: Path | None = Field(
        None,
        validation_alias=_env("MODEL_CACHE_DIR"),
        description="Where the derived encoder model is kept (default "
        "$XDG_CACHE_HOME/logsieve/models).",
    )
    model_path: Path | None = Field(
        None,
        validation_alias=_env("ONNX_MODEL_PATH"),
        description="An ONNX file to run as it is instead.",
    )
    tokenizer_path: Path | None = Field(None, validation_alias=_env("TOKENIZER_PATH"))
    max_line_chars: int = Field(
        65536,
        ge=16,
        validation_alias=_env("MAX_LINE_CHARS"),
        description="Longer lines are truncated before classification.",
    )

    # --- template cache -------------------------------------------------------------
    cache_size: int = Field(
        100_000,
        ge=0,
        validation_alias=_env("CACHE_SIZE"),
        description="Templates kept in the in-process LRU (0 = off).",
    )
    cache_path: Path | None = Field(
        None,
        validation_alias=_env("CACHE_PATH"),
        description="Load the cache from here at start, save on exit.",
    )
    cache_journal: bool = Field(
        True,
        validation_alias=_env("CACHE_JOURNAL"),
        description="With a cache path: append each new decision to "
        "the file after every batch, so a crash loses at most the last "
        "batch (false: saved on exit only).",
    )
    redis_url: str | None = Field(
        None,
        validation_alias=_env("REDIS_URL"),
        description="Shared cache behind the local LRU (issue 7).",
    )
    redis_username: str | None = Field(
        None,
        validation_alias=_env("REDIS_USERNAME"),
        description="Redis ACL user (overrides the URL's).",
    )
    redis_password: SecretStr | None = Field(
        None,
        validation_alias=_env("REDIS_PASSWORD"),
        description="Redis password (overrides the URL's).",
    )
    redis_tls: bool = Field(
        False,
        validation_alias=_env("REDIS_TLS"),
        description="Connect to Redis over TLS (as rediss:// does).",
    )
    redis_tls_ca_file: Path | None = Field(
        None,
        validation_alias=_env("REDIS_TLS_CA_FILE"),
        description="CA bundle that signed Redis's cert.",
    )
    redis_tls_cert_file: Path | None = Field(
        None,
        validation_alias=_env("REDIS_TLS_CERT_FILE"),
        description="Client certificate for mutual TLS.",
    )
    redis_tls_key_file: Path | None = Field(
        None,
        validation_alias=_env("REDIS_TLS_KEY_FILE"),
        description="Key of the client certificate.",
    )
    redis_tls_verify: bool = Field(
        True,
        validation_alias=_env("REDIS_TLS_VERIFY"),
        description="Check Redis's certificate and host name.",
    )

    # --- LLM stage (seed 000 names) -------------------------------------------------
    groq_api_key: SecretStr | None = Field(None, validation_alias=_env("GROQ_API_KEY"))
    llm_base_url: str | None = Field(None, validation_alias=_env("LLM_BASE_URL"))
    llm_api_key: SecretStr | None = Field(None, validation_alias=_env("LLM_API_KEY"))
    llm_model: str | None = Field(None, validation_alias=_env("LLM_MODEL"))
    llm_max_tokens: int = Field(120, ge=1, validation_alias=_env("LLM_MAX_TOKENS"))
    llm_temperature: float = Field(0.3, ge=0.0, le=2.0, validation_alias=_env("LLM_TEMPERATURE"))
    llm_timeout_s: float = Field(2.0, gt=0, validation_alias=_env("LLM_TIMEOUT_S"))
    llm_budget_s: float | None = Field(
        None,
        gt=0,
        validation_alias=_env("LLM_BUDGET_S"),
        description="Time budget of one line's LLM call, retries and waits included "
        "(default: LLM_TIMEOUT_S, seed 001's 2 s).",
    )
    llm_retries: int = Field(2, ge=0, validation_alias=_env("LLM_RETRIES"))
    llm_backoff_s: float = Field(0.1, ge=0, validation_alias=_env("LLM_BACKOFF_S"))
    llm_breaker_failures: int = Field(3, ge=1, validation_alias=_env("LLM_BREAKER_FAILURES"))
    llm_breaker_reset_s: float = Field(5.0, gt=0, validation_alias=_env("LLM_BREAKER_RESET_S"))
    llm_calls_per_minute: int = Field(
        600,
        ge=0,
        validation_alias=_env("LLM_CALLS_PER_MINUTE"),
        description="Cap on LLM calls per minute (0 = no cap); "
        "past it a line gets its answer without the LLM.",
    )
    llm_batch_size: int | None = Field(
        None,
        ge=1,
        le=64,
        validation_alias=_env("LLM_BATCH_SIZE"),
        description="Templates asked about in one LLM request (default 1). More means fewer "
        "requests and the system prompt read once for all of them; a bad answer for one "
        "template is asked again alone.",
    )
    llm_max_chars: int = Field(400, ge=16, validation_alias=_env("LLM_MAX_CHARS"))
    llm_redact_patterns: list[str] = Field(
        default_factory=list, validation_alias=_env("LLM_REDACT_PATTERNS")
    )
    llm_json_schema: bool = Field(True, validation_alias=_env("LLM_JSON_SCHEMA"))
    llm_enabled: bool = Field(True, validation_alias=_env("LLM_ENABLED"))

    # --- the encoder as a service -----------------------------------------------------
    embedding_base_url: str | None = Field(
        None,
        validation_alias=_env("EMBEDDING_BASE_URL"),
        description="An OpenAI-compatible /v1/embeddings server to get vectors from "
        "(another logsieve, vLLM, Ollama, TEI, Infinity) instead of loading the encoder here.",
    )
    embedding_api_key: SecretStr | None = Field(None, validation_alias=_env("EMBEDDING_API_KEY"))
    embedding_model: str | None = Field(
        None,
        validation_alias=_env("EMBEDDING_MODEL"),
        description="The model to ask that server for; default: the encoder the head was "
        "trained on. Answers naming another model are refused.",
    )
    embedding_batch_size: int = Field(
        32,
        ge=1,
        le=2048,
        validation_alias=_env("EMBEDDING_BATCH_SIZE"),
        description="Most texts in one request to the encoder server.",
    )

    # --- embedding resilience (seed 001) --------------------------------------------
    embed_breaker_failures: int = Field(5, ge=1, validation_alias=_env("EMBED_BREAKER_FAILURES"))
    embed_breaker_reset_s: float = Field(10.0, gt=0, validation_alias=_env("EMBED_BREAKER_RESET_S"))
    embed_timeout_s: float = Field(
        4.0,
        gt=0,
        validation_alias=_env("EMBED_TIMEOUT_S"),
        description="Deadline of one encoder call (32 templates).",
    )
    embed_retries: int = Field(
        2,
        ge=0,
        validation_alias=_env("EMBED_RETRIES"),
        description="Retries of a timed-out encoder call.",
    )

    # --- HTTP service ---------------------------------------------------------------
    host: str = Field("127.0.0.1", validation_alias=_env("HOST"))
    port: int = Field(8000, ge=0, le=65535, validation_alias=_env("PORT"))
    cors_origins: list[str] = Field(
        default_factory=lambda: ["http://localhost:3000", "http://127.0.0.1:3000"],
        validation_alias=_env("CORS_ORIGINS"),
    )
    api_keys: list[SecretStr] = Field(
        default_factory=list,
        validation_alias=_env("API_KEYS"),
        description="If set, X-API-Key must be one of these.",
    )
    rate_limit_per_minute: int = Field(0, ge=0, validation_alias=_env("RATE_LIMIT_PER_MINUTE"))
    rate_limit_lines_per_minute: int | None = Field(
        None,
        ge=0,
        validation_alias=_env("RATE_LIMIT_LINES_PER_MINUTE"),
        description="Log lines a minute per caller (a batch of 1,000 counts 1,000); default "
        "50 x RATE_LIMIT_PER_MINUTE, 0 = no line limit.",
    )
    auth_failures_per_minute: int = Field(
        10,
        ge=0,
        validation_alias=_env("AUTH_FAILURES_PER_MINUTE"),
        description="Wrong or missing API keys a minute per client address before that "
        "address gets 429 (0 = not throttled).",
    )
    max_batch_lines: int = Field(1000, ge=1, validation_alias=_env("MAX_BATCH_LINES"))
    max_message_chars: int = Field(65536, ge=1, validation_alias=_env("MAX_MESSAGE_CHARS"))
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024, validation_alias=_env("MAX_BODY_BYTES"))
    max_upload_bytes: int = Field(
        256 * 1024 * 1024,
        ge=1024,
        validation_alias=_env("MAX_UPLOAD_BYTES"),
        description="Largest CSV upload accepted.",
    )
    # slow and oversized clients (logsieve.server.protocol), as NGINX and Envoy limit them
    http_header_timeout_s: float = Field(
        10.0,
        gt=0,
        validation_alias=_env("HTTP_HEADER_TIMEOUT_S"),
        description="A connection must send a request's whole head (request line and "
        "headers) within this; else 408 and closed (idle new connections too).",
    )
    http_body_timeout_s: float = Field(
        30.0,
        gt=0,
        validation_alias=_env("HTTP_BODY_TIMEOUT_S"),
        description="Longest wait between two parts of a request body (a Content-Length "
        "larger than what is sent); else 408 and closed.",
    )
    http_max_header_bytes: int = Field(
        32 * 1024,
        ge=1024,
        validation_alias=_env("HTTP_MAX_HEADER_BYTES"),
        description="Request line plus headers larger than this: 431.",
    )
    http_max_headers: int = Field(
        100,
        ge=8,
        validation_alias=_env("HTTP_MAX_HEADERS"),
        description="More request headers than this: 431.",
    )
    http_max_connections: int = Field(
        1024,
        ge=1,
        validation_alias=_env("HTTP_MAX_CONNECTIONS"),
        description="Open connections per worker; a connection beyond is answered 503 and closed.",
    )
    serve_taxonomies: str | None = Field(
        None,
        validation_alias=_env("SERVE_TAXONOMIES"),
        description="Taxonomies the server answers besides the default one, comma-separated "
        '(built-in names or YAML paths; a request picks one with "taxonomy" or the '
        "X-Logsieve-Taxonomy header). Default: every built-in taxonomy; empty: only the "
        "default.",
    )
    metrics_top_templates: int = Field(
        0,
        ge=0,
        le=100,
        validation_alias=_env("METRICS_TOP_TEMPLATES"),
        description="Export lines per template in /metrics for the N commonest templates "
        "(0 = off: a label per template is unbounded in general, so this is opt-in).",
    )
    microbatch_window_ms: float = Field(2.0, ge=0, validation_alias=_env("MICROBATCH_WINDOW_MS"))
    microbatch_max_lines: int = Field(256, ge=1, validation_alias=_env("MICROBATCH_MAX_LINES"))

    @model_validator(mode="after")
    def _api_keys_long_enough(self) -> Settings:
        short = [
            len(k.get_secret_value())
            for k in self.api_keys
            if len(k.get_secret_value()) < MIN_API_KEY_CHARS
        ]
        if short:
            raise ValueError(
                f"LOGSIEVE_API_KEYS: a key of {short[0]} characters; use at least "
                f'{MIN_API_KEY_CHARS} (for example: python -c "import secrets; '
                f'print(secrets.token_urlsafe(24))")'
            )
        return self

    def for_batch(
        self, *, embed_timeout_s: float | None = None, encoder_threads: int | None = None
    ) -> Settings:
        """These settings as a batch run uses them (the CLI, Ray's workers): one profile, not
        patches in each face. Nobody waits on a batch, so an encoder call gets
        ``embed_timeout_s`` (default: at least BATCH_EMBED_TIMEOUT_S; the service's 4 s
        would fail whole batches of new templates on a busy machine) and is not retried
        after a timeout; ``encoder_threads`` is used unless the settings name their own
        (N workers each spawning a thread per core would fight over the cores); the encoder
        is loaded when a line first needs it unless ``encoder_lazy`` says otherwise."""
        update: dict[str, Any] = {
            "embed_timeout_s": (
                max(self.embed_timeout_s, BATCH_EMBED_TIMEOUT_S)
                if embed_timeout_s is None
                else embed_timeout_s
            ),
            "embed_retries": 0,
        }
        if self.encoder_threads is None and encoder_threads is not None:
            update["encoder_threads"] = encoder_threads
        if self.encoder_lazy is None:
            update["encoder_lazy"] = True
        return self.model_copy(update=update)

    @property
    def llm_configured(self) -> bool:
        """True when an LLM server is named: ``LLM_BASE_URL``, or ``GROQ_API_KEY`` for Groq
        (logsieve.llm.build_llm_stage); ``llm_enabled`` is apart."""
        key = self.groq_api_key.get_secret_value() if self.groq_api_key else ""
        return bool(self.llm_base_url or key)

    @property
    def extra_taxonomies(self) -> list[str]:
        """What ``serve_taxonomies`` names (every built-in when unset), in order, without
        repeats; the default taxonomy is left to the caller to drop (its name is known only
        once it is loaded)."""
        from .taxonomy import BUILTIN

        if self.serve_taxonomies is None:
            return list(BUILTIN)
        names = [n.strip() for n in self.serve_taxonomies.split(",") if n.strip()]
        return list(dict.fromkeys(names))

    @property
    def lines_per_minute(self) -> int:
        """The line limit in force (``rate_limit_lines_per_minute``, else 50 x the request
        limit; 0 = none)."""
        if self.rate_limit_lines_per_minute is not None:
            return self.rate_limit_lines_per_minute
        return 50 * self.rate_limit_per_minute

    @model_validator(mode="after")
    def _taxonomy_of_model_dir(self) -> Settings:
        """A model directory carries its taxonomy: used unless another one is named."""
        if self.model_dir is not None and not self.taxonomy_named:
            own = model_dir_taxonomy(self.model_dir)
            if own is not None:
                self.taxonomy = own
        return self

    @property
    def taxonomy_named(self) -> bool:
        """True when the taxonomy was given (argument, environment, .env), not defaulted."""
        return "taxonomy" in self.model_fields_set

    def threshold_for(self, taxonomy_default: float) -> float:
        """The embedding threshold in force: the override if set, else the taxonomy's."""
        return taxonomy_default if self.embedding_threshold is None else self.embedding_threshold


def model_dir_taxonomy(model_dir: Path) -> str | None:
    """The taxonomy a model directory was trained with: its ``taxonomy.yaml``, else the
    built-in taxonomy its ``head.json`` names; None if it says neither (or is no model)."""
    own = Path(model_dir) / "taxonomy.yaml"
    if own.is_file():
        return str(own)
    try:
        meta = json.loads((Path(model_dir) / "head.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # loading the head says what is wrong with it
    from .taxonomy import BUILTIN

    name = (meta.get("metadata") or {}).get("taxonomy") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name in BUILTIN else None
