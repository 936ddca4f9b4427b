"""The LLM stage: redact → truncate → prompt → guarded call → validated verdict.

Guards, outermost first: the circuit breaker (seed 001: open after 3 failures, probe after
5 s), a pause after a ``Retry-After``, the per-minute cap, retries of transient errors
(100 ms, 200 ms, or what ``Retry-After`` asks), all inside one **time budget per line**
(``LLM_BUDGET_S``, seed 001's 2 s by default): each attempt's HTTP timeout is what is left of
the budget, and a retry that cannot finish in it is not started. An invalid answer is raised
as StageFailed but does not count against the breaker: the server is up, it said something
we cannot use for this one line.

**Batches** (``LLM_BATCH_SIZE`` > 1; the default is 1): :meth:`ChatLLMStage.classify_many`
asks about several templates in one request, a numbered list in and a JSON list of answers
out, each answer checked against the closed set. The guards apply per request; a request for
k lines gets k lines' tokens, timeout and time budget. An item that is missing or invalid is
asked again alone; a line with steering words is always asked alone, so it cannot steer the
answers of the lines beside it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from logsieve.errors import (
    DeadlineExceeded,
    InvalidAnswer,
    ProviderRejected,
    StageError,
    StageFailed,
    StageUnavailable,
    TransientError,
)
from logsieve.llm.client import (
    RESPONSE_MODES,
    ChatClient,
    ChatOptions,
    OpenAIChatClient,
    public_url,
    rejects_response_format,
    response_format_for,
)
from logsieve.llm.prompt import (
    UNSURE_CONFIDENCE,
    UNSURE_NOTE,
    LLMVerdict,
    answer_schema,
    batch_answer_schema,
    batch_system_prompt,
    batch_user_message,
    looks_like_steering,
    parse_answer,
    parse_batch_answer,
    prepare_line,
    system_prompt,
    user_message,
)
from logsieve.llm.redact import Redactor
from logsieve.resilience import (
    CallCap,
    CircuitBreaker,
    RetryPolicy,
)
from logsieve.taxonomy import Taxonomy

GROQ_BASE_URL = "https://api.groq.com/openai/v1"
GROQ_DEFAULT_MODEL = "llama-3.1-8b-instant"


class LLMStage(Protocol):
    """What the sieve needs from an LLM stage."""

    name: str

    def classify(self, text: str, source: str | None = None) -> LLMVerdict:
        """A verdict, or StageUnavailable / StageFailed saying why not."""
        ...

    def health(self) -> dict[str, Any]:
        """Configuration (never the key) and live state for /health."""
        ...


#: HTTP statuses that refuse a request for what it holds (too large, malformed for this
#: server), so its lines may fare better asked one by one; 401/403/404 would not.
_REQUEST_REFUSED = frozenset({400, 413, 422})


class BatchLLMStage(LLMStage, Protocol):
    """An LLM stage that can answer several lines in one request."""

    #: at most this many lines per request (1: one line per request)
    batch_size: int

    def classify_many(
        self, items: Sequence[tuple[str, str | None]]
    ) -> list[LLMVerdict | StageError]:
        """One verdict, or the StageError saying why not, per ``(text, source)``, in order."""
        ...


def _steering(text: str, source: str | None) -> bool:
    """True when the line or its source reads like instructions to the model."""
    return looks_like_steering(text) or (source is not None and looks_like_steering(source))


class ChatLLMStage:
    """LLMStage over a ChatClient (in production, OpenAIChatClient)."""

    def __init__(
        self,
        client: ChatClient,
        taxonomy: Taxonomy,
        *,
        name: str,
        base_url: str = "",
        model: str | None = None,
        max_chars: int = 400,
        redactor: Redactor | None = None,
        json_schema: bool = True,
        breaker: CircuitBreaker | None = None,
        retry: RetryPolicy | None = None,
        cap: CallCap | None = None,
        budget_s: float = 2.0,
        batch_size: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.batch_size = max(1, batch_size)
        self.budget_s = budget_s
        self._clock = clock
        self._paused_until = -float("inf")  # clock time before which a Retry-After holds
        self.taxonomy = taxonomy
        self.base_url = base_url
        self._model = model
        self._client = client
        self._max_chars = max_chars
        self._redactor = redactor or Redactor()
        self.breaker = breaker or CircuitBreaker("llm", 3, 5.0)
        self._retry = replace(retry or RetryPolicy(), on_retry=self._count_retry)
        self._cap = cap or CallCap(0)
        self._system = system_prompt(taxonomy)
        self._batch_system = batch_system_prompt(taxonomy)
        self._schema = answer_schema(taxonomy)
        self._grammar_schema = answer_schema(taxonomy, reasoning_max_chars=160)
        # Index into RESPONSE_MODES; moves down (and stays) when a server rejects a mode.
        self._mode = 0 if json_schema else RESPONSE_MODES.index("json_object")
        self._lock = threading.Lock()
        self._counts = {
            "calls": 0,
            "failures": 0,
            "invalid_answers": 0,
            "unavailable": 0,
            "retries": 0,
            "classified": 0,
            "batch_requests": 0,
            "batched_lines": 0,
            "asked_again_alone": 0,
        }

    # --- the stage ---------------------------------------------------------------------
    def classify(self, text: str, source: str | None = None) -> LLMVerdict:
        """Ask the model for one line's label. Thread-safe."""
        line, src = self._prepared(text, source)
        messages = [
            {"role": "system", "content": self._system},
            {"role": "user", "content": user_message(line, src)},
        ]
        content = self._request(messages)
        try:
            verdict = parse_answer(content, self.taxonomy)
        except InvalidAnswer:
            self._count("invalid_answers")
            raise
        self._count("classified")
        if _steering(text, source):
            # it may have obeyed: unsure, and the sieve does not cache it
            verdict = replace(
                verdict,
                confidence=min(verdict.confidence, UNSURE_CONFIDENCE),
                reasoning=f"{UNSURE_NOTE} {verdict.reasoning}".strip(),
                steered=True,
            )
        return verdict

    def classify_many(
        self, items: Sequence[tuple[str, str | None]]
    ) -> list[LLMVerdict | StageError]:
        """Verdicts for several lines, asked in requests of at most ``batch_size`` lines.

        One verdict, or the StageError saying why not, per ``(text, source)``, in order.
        Thread-safe. A line with steering words, and a line the batch answer left out or got
        wrong, is asked alone (:meth:`classify`); a request the server refused as such (too
        long, say) is split into lines asked alone.
        """
        out: list[LLMVerdict | StageError | None] = [None] * len(items)
        together: list[int] = []
        for i, (text, source) in enumerate(items):
            if _steering(text, source):
                out[i] = self._alone(text, source)
            else:
                together.append(i)
        for start in range(0, len(together), self.batch_size):
            part = together[start : start + self.batch_size]
            answers = (
                self._ask_batch([items[i] for i in part])
                if len(part) > 1
                else [self._alone(*items[part[0]])]
            )
            for i, answer in zip(part, answers, strict=True):
                out[i] = answer
        assert all(v is not None for v in out)
        return out  # type: ignore[return-value]

    def _prepared(self, text: str, source: str | None) -> tuple[str, str | None]:
        """The line and source as they leave the machine: redacted, the line truncated."""
        line = prepare_line(self._redactor.redact(text), self._max_chars)
        return line, self._redactor.redact(source) if source else None

    def _alone(self, text: str, source: str | None) -> LLMVerdict | StageError:
        try:
            return self.classify(text, source)
        except StageError as exc:
            return exc

    def _ask_batch(self, items: Sequence[tuple[str, str | None]]) -> list[LLMVerdict | StageError]:
        """One request for ``items`` (2 or more lines without steering words)."""
        k = len(items)
        prepared = [self._prepared(text, source) for text, source in items]
        messages = [
            {"role": "system", "content": self._batch_system},
            {"role": "user", "content": batch_user_message(prepared)},
        ]
        try:
            content = self._request(messages, k)
        except ProviderRejected as exc:
            if exc.status in _REQUEST_REFUSED:
                # refused as a request (too long for the context, say): the lines, one by one
                return self._again_alone(items, range(k))
            return [exc] * k  # a refused key or model: alone would be refused the same
        except StageError as exc:
            return [exc] * k
        with self._lock:
            self._counts["batch_requests"] += 1
            self._counts["batched_lines"] += k
        try:
            answers = parse_batch_answer(content, self.taxonomy, k)
        except InvalidAnswer:
            self._count("invalid_answers")
            return self._again_alone(items, range(k))
        out: list[LLMVerdict | StageError] = [
            replace(a, batch=k) if isinstance(a, LLMVerdict) else a for a in answers
        ]
        bad = [i for i, a in enumerate(out) if not isinstance(a, LLMVerdict)]
        if bad:
            self._count("invalid_answers")
            for i, answer in zip(bad, self._again_alone(items, bad), strict=True):
                out[i] = answer
        self._count("classified", k - len(bad))
        return out

    def _request(self, messages: list[dict[str, str]], lines: int = 1) -> str:
        """The answer text of one request for ``lines`` lines, through the breaker; else the
        StageError to report, counted (a transient one after its retries says so)."""
        try:
            self._check_pause()
            return self.breaker.call(self._ask, messages, lines)
        except StageUnavailable:
            self._count("unavailable")
            raise
        except TransientError as exc:
            self._count("failures")
            batch = f"; a batch of {lines}" if lines > 1 else ""
            attempts = self._retry.retries + 1
            raise StageFailed(f"{exc} (gave up after {attempts} attempts{batch})") from exc
        except StageFailed:
            self._count("failures")
            raise

    def _again_alone(
        self, items: Sequence[tuple[str, str | None]], which: Sequence[int] | range
    ) -> list[LLMVerdict | StageError]:
        self._count("asked_again_alone", len(which))
        return [self._alone(*items[i]) for i in which]

    def health(self) -> dict[str, Any]:
        with self._lock:
            counts = dict(self._counts)
        return {
            "configured": True,
            "name": self.name,
            "model": self._model or getattr(self._client, "model", None),
            "base_url": public_url(self.base_url) if self.base_url else None,
            "state": self.breaker.state.value,
            "breaker": self.breaker.snapshot(),
            "response_format": RESPONSE_MODES[self._mode],
            "calls_per_minute_cap": self._cap.per_minute,
            "calls_this_minute": self._cap.used(),
            "budget_s": self.budget_s,
            "batch_size": self.batch_size,
            "paused_for_s": round(max(0.0, self._paused_until - self._clock()), 3),
            **counts,
        }

    def probe(self) -> str | None:
        """None when the server answers, else why not (one request, no retries)."""
        probe = getattr(self._client, "probe", None)
        return probe() if callable(probe) else None

    def complete_text(
        self, messages: list[dict[str, str]], response_format: dict[str, Any] | None = None
    ) -> str:
        """Free text from the model through the same breaker, cap and retries as classify.

        Generation uses it; the caller redacts what it sends.
        """

        def ask() -> str:
            self._cap.acquire()
            self._count("calls")
            return self._within_budget(
                lambda timeout_s: self._client.complete(
                    messages, response_format, timeout_s=timeout_s
                )
            )

        try:
            self._check_pause()
            return str(self.breaker.call(ask))
        except StageUnavailable:
            self._count("unavailable")
            raise
        except StageFailed:
            self._count("failures")
            raise

    # --- inside the breaker --------------------------------------------------------------
    def _check_pause(self) -> None:
        """Fail fast while the server's Retry-After holds (no request, no breaker count)."""
        wait = self._paused_until - self._clock()
        if wait > 0:
            raise StageUnavailable(
                f"the LLM server asked to wait (Retry-After); next try in {wait:.1f}s"
            )

    def _ask(self, messages: list[dict[str, str]], lines: int = 1) -> str:
        self._cap.acquire()
        self._count("calls")
        return self._within_budget(self._ask_once, messages, lines, lines=lines)

    def _within_budget(self, fn: Callable[..., str], *args: Any, lines: int = 1) -> str:
        """Retries of transient errors, all within ``budget_s`` of now.

        Each attempt may take what is left of the budget (at most the client's timeout); the
        wait before a retry is the policy's backoff, or the server's Retry-After if longer;
        a retry whose wait would spend the budget is not made, and a Retry-After pauses the
        stage for every caller until it has passed.
        """
        budget_s = self.budget_s * lines
        deadline = self._clock() + budget_s
        delays = self._retry.delays()
        for attempt in range(len(delays) + 1):
            left = deadline - self._clock()
            if left <= 0:
                raise DeadlineExceeded(
                    f"the LLM time budget of {budget_s:g}s was spent after {attempt} attempts"
                )
            try:
                return fn(*args, timeout_s=left)
            except Exception as exc:
                if not self._retry.is_transient(exc):
                    raise
                asked = getattr(exc, "retry_after_s", None)
                if asked is not None:
                    with self._lock:
                        self._paused_until = max(self._paused_until, self._clock() + asked)
                if attempt == len(delays):
                    raise
                wait = max(delays[attempt], asked or 0.0)
                if self._clock() + wait >= deadline:
                    why = (
                        f"the server asked to wait {asked:g}s"
                        if asked is not None
                        else "a retry would not finish in time"
                    )
                    raise TransientError(
                        f"{exc}; not retried: {why} (budget {budget_s:g}s)"
                    ) from exc
                self._count_retry(attempt + 1, exc)
                self._retry.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _ask_once(
        self, messages: list[dict[str, str]], lines: int = 1, timeout_s: float | None = None
    ) -> str:
        start = self._mode
        first_error: StageFailed | None = None
        for index in range(start, len(RESPONSE_MODES)):
            mode = RESPONSE_MODES[index]
            try:
                grammar = mode == "json_object+schema"
                if lines == 1:
                    schema = self._grammar_schema if grammar else self._schema
                else:
                    schema = batch_answer_schema(
                        self.taxonomy, lines, reasoning_max_chars=120 if grammar else None
                    )
                content = self._client.complete(
                    messages, response_format_for(mode, schema), timeout_s=timeout_s, answers=lines
                )
            except StageFailed as exc:
                if mode != "plain" and rejects_response_format(exc):
                    first_error = first_error or exc
                    continue
                raise
            if index != start:
                with self._lock:
                    self._mode = max(self._mode, index)
            return content
        assert first_error is not None
        # Every mode refused: the request is wrong for another reason; report the first.
        raise StageFailed(str(first_error)) from first_error

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._counts[key] += n

    def _count_retry(self, attempt: int, exc: BaseException) -> None:
        self._count("retries")


def build_llm_stage(
    settings: Any,
    taxonomy: Taxonomy,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ChatLLMStage | None:
    """The configured LLM stage, or None when there is no GROQ_API_KEY and no LLM_BASE_URL.

    ``LLM_BASE_URL`` (with ``LLM_API_KEY``, else ``GROQ_API_KEY``) wins over Groq; with only
    ``GROQ_API_KEY`` the stage talks to Groq, model ``llama-3.1-8b-instant`` unless
    ``LLM_MODEL`` says otherwise. Settings are read by attribute (logsieve.settings.Settings).

        >>> from logsieve.settings import Settings
        >>> from logsieve.taxonomy import load_taxonomy
        >>> build_llm_stage(Settings(_env_file=None), load_taxonomy("standard")) is None
        True
    """
    if not getattr(settings, "llm_enabled", True):
        return None
    groq_key = _secret(settings.groq_api_key)
    base_url = settings.llm_base_url
    if base_url:
        api_key = _secret(settings.llm_api_key) or groq_key
        model = settings.llm_model
        provider = "groq" if "api.groq.com" in base_url else "openai-compatible"
    elif groq_key:
        base_url, api_key = GROQ_BASE_URL, groq_key
        model = settings.llm_model or GROQ_DEFAULT_MODEL
        provider = "groq"
    else:
        return None
    options = ChatOptions(
        model=model,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        timeout_s=settings.llm_timeout_s,
    )
    client = OpenAIChatClient(base_url, api_key, options)
    return ChatLLMStage(
        client,
        taxonomy,
        name=f"{provider}:{model or 'server-default'}",
        base_url=base_url,
        model=model,
        max_chars=settings.llm_max_chars,
        redactor=Redactor(settings.llm_redact_patterns),
        json_schema=settings.llm_json_schema,
        # at most as many calls in flight as failures open the breaker (seed 001: 3)
        breaker=CircuitBreaker(
            "llm",
            settings.llm_breaker_failures,
            settings.llm_breaker_reset_s,
            clock=clock,
            max_in_flight=settings.llm_breaker_failures,
            wait_s=max(settings.llm_breaker_reset_s, 30.0),
        ),
        retry=RetryPolicy(
            retries=settings.llm_retries, backoff_s=settings.llm_backoff_s, sleep=sleep
        ),
        cap=CallCap(settings.llm_calls_per_minute, clock=clock),
        budget_s=getattr(settings, "llm_budget_s", None) or settings.llm_timeout_s,
        batch_size=getattr(settings, "llm_batch_size", None) or 1,
        clock=clock,
    )


def _secret(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "get_secret_value"):
        return str(value.get_secret_value())
    return str(value)
