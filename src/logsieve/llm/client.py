"""The seam to a chat model: one small interface, one implementation on the ``openai`` SDK
pointed at any OpenAI-compatible base URL (Groq, OpenAI, Ollama, vLLM, llama.cpp server).

The SDK's own retries are off (the stage retries, with seed 001's policy); its errors are
translated here into logsieve's: transient (timeout, connection, 5xx, 429) or permanent.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:  # the SDK takes ~1 s to import: only when an LLM is configured
    import openai

from logsieve.errors import DeadlineExceeded, ProviderRejected, StageFailed, TransientError

#: Ways of asking for JSON, strictest first. ``json_object+schema`` is the llama.cpp /
#: Anyscale dialect (a grammar from the schema); servers that reject a mode step down.
RESPONSE_MODES = ("json_schema", "json_object+schema", "json_object", "plain")


class ChatClient(Protocol):
    """Send chat messages, get the answer text back."""

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        response_format: dict[str, Any] | None,
        timeout_s: float | None = None,
        answers: int = 1,
    ) -> str:
        """The answer text; ``timeout_s`` (when given) bounds this one request, which asks
        for ``answers`` answers (a batch of lines: room for that many, in tokens and time)."""
        ...


@dataclass(frozen=True, slots=True)
class ChatOptions:
    model: str | None
    max_tokens: int = 120
    temperature: float = 0.3
    timeout_s: float = 2.0


def response_format_for(mode: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The ``response_format`` request field for one of RESPONSE_MODES."""
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": "log_classification", "strict": True, "schema": schema},
        }
    if mode == "json_object+schema":
        return {"type": "json_object", "schema": schema}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def rejects_response_format(exc: StageFailed) -> bool:
    """Did the server refuse the request because of ``response_format``?

    A 400/422 says so by status; llama-cpp-python answers an unknown type with a 500 whose
    body names the field, so a 5xx counts only when it mentions it.
    """
    text = str(exc).lower()
    if isinstance(exc, ProviderRejected) and exc.status in (400, 422):
        return True
    return isinstance(exc, TransientError) and ("response_format" in text or "json_schema" in text)


def public_url(url: str) -> str:
    """``url`` without any user:password part, for health output and messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class OpenAIChatClient:
    """ChatClient on the official ``openai`` SDK."""

    def __init__(self, base_url: str, api_key: str, options: ChatOptions) -> None:
        import openai

        self.base_url = base_url
        self.options = options
        self._sdk = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=options.timeout_s,
            max_retries=0,
        )
        self._model = options.model
        self._model_lock = threading.Lock()

    @property
    def model(self) -> str | None:
        return self._model

    def _resolved_model(self) -> str:
        import openai

        # Local servers (llama.cpp, vLLM) name their model themselves; ask once when unset.
        with self._model_lock:
            if self._model is None:
                try:
                    models = self._sdk.models.list(timeout=self.options.timeout_s)
                    self._model = next(iter(models)).id
                except StopIteration:
                    raise StageFailed("the server lists no model; set LLM_MODEL") from None
                except openai.OpenAIError as exc:
                    raise translate(exc) from exc
            return self._model

    def probe(self) -> str | None:
        """None when the server answers (``GET /models``), else why not. A server that
        answers with any other status (some proxies have no /models) is reachable."""
        import openai

        try:
            first = next(iter(self._sdk.models.list(timeout=self.options.timeout_s)), None)
            with self._model_lock:
                if self._model is None and first is not None:
                    self._model = first.id
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            return f"{public_url(self.base_url)} refused the API key (HTTP {exc.status_code})"
        except openai.APIStatusError:
            return None
        except openai.OpenAIError as exc:
            return f"{public_url(self.base_url)}: {translate(exc)}"
        return None

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        response_format: dict[str, Any] | None,
        timeout_s: float | None = None,
        answers: int = 1,
    ) -> str:
        import openai

        extra: dict[str, Any] = {}
        if response_format is not None:
            extra["response_format"] = response_format
        # what is left of the budget, at most our own timeout (per answer asked for)
        timeout_cap = self.options.timeout_s * answers
        extra["timeout"] = (
            timeout_cap if timeout_s is None else max(0.001, min(timeout_s, timeout_cap))
        )
        try:
            reply = self._sdk.chat.completions.create(
                model=self._resolved_model(),
                messages=list(messages),  # type: ignore[arg-type]
                max_tokens=self.options.max_tokens * answers,
                temperature=self.options.temperature,
                **extra,
            )
        except openai.OpenAIError as exc:
            raise translate(exc) from exc
        if not reply.choices:
            raise StageFailed("the server answered with no choices")
        return reply.choices[0].message.content or ""


def translate(exc: openai.OpenAIError) -> StageFailed:
    """An SDK error as a logsieve error: transient (retried) or permanent."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return DeadlineExceeded("the LLM did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        return TransientError(f"cannot reach the LLM server: {exc}")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = f"LLM server answered HTTP {status}: {_short(exc)}"
        if status == 429 or status >= 500:
            err = TransientError(detail)
            err.retry_after_s = retry_after_seconds(exc.response.headers.get("retry-after"))
            return err
        return ProviderRejected(detail, status)
    return StageFailed(f"LLM client error: {exc}")


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    import time

    return max(0.0, when.timestamp() - time.time())


def _short(exc: openai.APIStatusError) -> str:
    return " ".join(str(exc.message).split())[:300]
