"""The encoder as a service: sentence vectors from any OpenAI-compatible ``/v1/embeddings``.

``EMBEDDING_BASE_URL`` points the embedding stage at a server that runs the encoder (vLLM,
Ollama, text-embeddings-inference, Infinity, or another logsieve: ``logsieve serve`` answers
``POST /v1/embeddings`` with its own encoder), so N front replicas share one encoder machine.
The head stays here: only the vectors travel.

A head is only right for the vectors it was trained on, so a remote encoder is trusted as
little as a file: the request names the model the head was trained on (or
``EMBEDDING_MODEL``), and every answer is refused unless it names that model too (when it
names one) and its vectors have the head's width. Seed 001's guard around it (breaker 5
failures / 10 s, 4 s timeout, retries after 100 and 200 ms) is the embedding stage's own
(``build._embed_breaker``); this module turns HTTP failures into the errors that guard
understands: a timeout, a refused connection, a 5xx or a 429 are transient (retried), any
other 4xx and a malformed answer are not.

    >>> enc = RemoteEncoder("http://gpu-box:8000/v1", model="all-MiniLM-L6-v2/onnx-dynint8+compact",
    ...                     dim=384)                                          # doctest: +SKIP
    >>> enc.encode(["User <NAME> logged in"]).shape                           # doctest: +SKIP
    (1, 384)
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np
import orjson

from .errors import ProviderRejected, StageFailed, TransientError

__all__ = ["RemoteEncoder"]

#: Texts per request when the caller gives more (a logsieve encoder server takes up to
#: MAX_BATCH_LINES; OpenAI's limit is 2,048).
DEFAULT_BATCH = 32


class RemoteEncoder:
    """Texts in, float32 ``(n, dim)`` L2-normalized vectors out, from a remote server.

    ``model`` is sent with every request and must come back in each answer that names its
    model; ``dim`` is the width the head reads. ``timeout_s`` bounds one HTTP request.
    ``encode`` is safe to call from several threads (one pooled HTTP client).
    """

    def __init__(
        self,
        base_url: str,
        *,
        model: str,
        dim: int,
        api_key: str | None = None,
        timeout_s: float = 4.0,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.base_url = base_url.rstrip("/")
        self.name = model
        self.dim = dim
        self.batch_size = batch_size
        self.timeout_s = timeout_s
        headers = {"Content-Type": "application/json"}
        if api_key:
            # OpenAI's header, and logsieve's own (a logsieve encoder server reads either)
            headers["Authorization"] = f"Bearer {api_key}"
            headers["X-API-Key"] = api_key
        self._headers = headers
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()

    # --- the Encoder protocol ------------------------------------------------------------

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Row i for ``texts[i]``; identical texts are sent once."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        unique = list(dict.fromkeys(texts))
        vectors = np.concatenate(
            [
                self._request(unique[start : start + self.batch_size])
                for start in range(0, len(unique), self.batch_size)
            ]
        )
        row_of = {text: i for i, text in enumerate(unique)}
        out[:] = vectors[[row_of[t] for t in texts]]
        return out

    def health(self) -> dict[str, Any]:
        """What /health shows of this encoder (never the key)."""
        from .llm.client import public_url

        return {"remote": public_url(self.base_url), "model": self.name}

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    # --- one request ---------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout_s, headers=self._headers)
            return self._client

    def _request(self, texts: list[str]) -> np.ndarray:
        body = orjson.dumps({"model": self.name, "input": texts, "encoding_format": "float"})
        try:
            reply = self._http().post(f"{self.base_url}/embeddings", content=body)
        except httpx.TimeoutException:
            raise TransientError(
                f"the encoder server did not answer within {self.timeout_s:g}s"
            ) from None
        except httpx.HTTPError as exc:  # refused connection, reset, DNS
            raise TransientError(f"cannot reach the encoder server: {exc}") from None
        if reply.status_code != 200:
            raise _status_error(reply)
        return self._vectors(reply.content, len(texts))

    def _vectors(self, content: bytes, expected: int) -> np.ndarray:
        """The answer's vectors in input order, after every check; StageFailed if any fails."""
        try:
            answer = orjson.loads(content)
            items = answer["data"]
            named = answer.get("model")
            rows = {int(item["index"]): _embedding(item["embedding"]) for item in items}
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StageFailed(
                f"the encoder server's answer is not an embeddings list ({exc})"
            ) from None
        if named and named != self.name:
            raise StageFailed(
                f"refused vectors of encoder {named!r}: the head was trained on {self.name!r} "
                "(serve that model, or train a head on this one)"
            )
        if sorted(rows) != list(range(expected)):
            raise StageFailed(
                f"the encoder server answered {len(rows)} vectors for {expected} texts"
            )
        vectors = np.stack([rows[i] for i in range(expected)])
        if vectors.shape[1] != self.dim:
            raise StageFailed(
                f"refused vectors of dimension {vectors.shape[1]}: the head reads {self.dim}"
            )
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        if not np.isfinite(norms).all():
            raise StageFailed("the encoder server answered vectors that are not finite")
        # (a unit vector stays exactly as sent; some servers do not normalize)
        unit: np.ndarray = np.where(
            np.abs(norms - 1.0) < 1e-6, vectors, vectors / np.clip(norms, 1e-12, None)
        ).astype(np.float32)
        return unit


def _embedding(value: Any) -> np.ndarray:
    """One vector as float or base64 (little-endian float32) encodes it."""
    if isinstance(value, str):
        return np.frombuffer(base64.b64decode(value, validate=True), dtype="<f4").astype(np.float32)
    vector = np.asarray(value, dtype=np.float32)
    if vector.ndim != 1:
        raise ValueError("an embedding is not a list of numbers")
    return vector


def _status_error(reply: httpx.Response) -> StageFailed:
    detail = " ".join(reply.text.split())[:300]
    message = f"encoder server answered HTTP {reply.status_code}: {detail}"
    if reply.status_code == 429 or reply.status_code >= 500:
        from .llm.client import retry_after_seconds

        err = TransientError(message)
        err.retry_after_s = retry_after_seconds(reply.headers.get("retry-after"))
        return err
    return ProviderRejected(message, reply.status_code)
