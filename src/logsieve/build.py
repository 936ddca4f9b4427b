"""Assembling a Sieve from Settings: taxonomy, rules, encoder, head, LLM stage, cache.

Every optional part that cannot be had (no head trained for the taxonomy, no LLM configured,
the model package missing) is left out with a reason that the journey and /health show;
building never fails for a missing optional part, only for a bad taxonomy or a head or cache
file that does not fit.
"""

from __future__ import annotations

import hashlib
import json
import logging
from importlib import resources
from pathlib import Path
from typing import Any

from .cache import DecisionCache, remove_stale_temp_files
from .degradation import StageProblem
from .errors import ModelError
from .settings import Settings, model_dir_taxonomy
from .sieve import Sieve
from .taxonomy import Taxonomy, load_taxonomy

log = logging.getLogger(__name__)


def shipped_head_dir(taxonomy_name: str) -> Path | None:
    """The head shipped inside the package for a built-in taxonomy, if there is one."""
    d = Path(str(resources.files("logsieve") / "heads" / taxonomy_name))
    return d if (d / "head.json").is_file() else None


def load_head(settings: Settings, taxonomy: Taxonomy) -> tuple[Any | None, str | None]:
    """The head for this taxonomy (settings.model_dir, else the shipped one) or a reason.

    A head that does not fit the taxonomy raises ModelError when the user named it
    (``--model``): two settings that contradict each other are refused, naming both. The
    shipped head is only a default: when it does not fit, the stage is left out with the
    reason (a degraded sieve that says so, see ``degradation``)."""
    named = settings.model_dir is not None
    directory = settings.model_dir or shipped_head_dir(taxonomy.name)
    if directory is None:
        return None, (
            f"No trained head for taxonomy {taxonomy.name!r} (train one with `logsieve train`)."
        )
    try:
        return _fitting_head(Path(directory), taxonomy, settings), None
    except ModelError as exc:
        if named:
            raise
        return None, f"the shipped head was refused: {exc}"


def _fitting_head(directory: Path, taxonomy: Taxonomy, settings: Settings) -> Any:
    from .embedding import LinearHead

    head = LinearHead.load(directory)
    meta = head.metadata
    # A head depends on the label ids only (rules and descriptions may change freely). Heads
    # written before `labels_hash` existed carry the whole file's `content_hash`: still
    # accepted when it matches, otherwise retrain them.
    want, have = meta.get("labels_hash"), taxonomy.labels_hash
    if want is None and meta.get("taxonomy_hash") == taxonomy.content_hash:
        want = have
    if want is not None and want != have:
        own = model_dir_taxonomy(directory)
        named = (
            "named with --taxonomy / LOGSIEVE_TAXONOMY"
            if settings.taxonomy_named
            else "the default"
        )
        hint = (
            f"drop --taxonomy to use the model's own ({own}), or retrain the head for "
            f"{taxonomy.name!r}"
            if own and settings.taxonomy_named
            else f"retrain it for {taxonomy.name!r}"
        )
        raise ModelError(
            f"{directory}: head was trained for the labels of taxonomy "
            f"{meta.get('taxonomy')!r} (labels hash {want}), but the taxonomy in "
            f"use is {taxonomy.name!r} ({named}; labels hash {have}); {hint}"
        )
    if want is None and meta.get("taxonomy_hash"):
        raise ModelError(
            f"{directory}: head was trained before label hashes were recorded "
            f"and taxonomy {taxonomy.name!r} has changed since; retrain it"
        )
    unknown = [c for c in head.classes_ if c not in taxonomy.label_ids]
    if unknown:
        raise ModelError(
            f"{directory}: head knows labels {unknown} that taxonomy {taxonomy.name!r} does not"
        )
    return head


def load_encoder(settings: Settings, head: Any | None = None) -> tuple[Any | None, str | None]:
    """The encoder the settings name, or why there is none: the remote one at
    ``embedding_base_url`` (asked for the model ``head`` was trained on, at its width), else
    MiniLM in this process."""
    if settings.embedding_base_url:
        return _remote_encoder(settings, head), None
    from .embedding import MiniLMEncoder

    try:
        enc = MiniLMEncoder(
            model_path=settings.model_path,
            tokenizer_path=settings.tokenizer_path,
            threads=settings.encoder_threads,
            batch_size=settings.encoder_batch_size,
            compact_placeholders=settings.encoder_compact_placeholders,
            quantization=settings.encoder_quantization,
            cache_dir=settings.model_cache_dir,
            lazy=bool(settings.encoder_lazy),
        )
    except ModelError as exc:
        return None, str(exc)
    return enc, None


def _remote_encoder(settings: Settings, head: Any | None) -> Any:
    from .embedding import MINILM_DIM
    from .remote_encoder import RemoteEncoder

    assert settings.embedding_base_url is not None
    trained_on = head.metadata.get("encoder") if head is not None else None
    model = settings.embedding_model or trained_on
    if not model:
        raise ModelError(
            "EMBEDDING_BASE_URL is set but the head does not say which encoder it was trained "
            "on; set EMBEDDING_MODEL to the model the server should use"
        )
    key = settings.embedding_api_key
    return RemoteEncoder(
        settings.embedding_base_url,
        model=model,
        dim=head.n_features_in_ if head is not None else MINILM_DIM,
        api_key=key.get_secret_value() if key is not None else None,
        timeout_s=settings.embed_timeout_s,
        batch_size=settings.embedding_batch_size,
    )


def build_sieve(
    settings: Settings | None = None,
    *,
    taxonomy: Taxonomy | None = None,
    encoder: Any | None = None,
    llm: Any | None = None,
) -> Sieve:
    """Build the sieve the settings describe. Pass ``encoder`` to share one between sieves."""
    settings = settings or Settings()
    taxonomy = taxonomy or load_taxonomy(settings.taxonomy)
    why: dict[str, str] = {}
    problems: list[StageProblem] = []

    head = None
    if settings.embedding_enabled:
        head, reason = load_head(settings, taxonomy)
        if reason:
            why["bert"] = reason
            problems.append(
                StageProblem(
                    "embedding",
                    reason,
                    "train a head with `logsieve train --data FILE --out DIR` "
                    "and pass --model DIR (or LOGSIEVE_MODEL_DIR)",
                )
            )
        if head is not None and encoder is None:
            encoder, reason = load_encoder(settings, head)
            if reason:
                why["bert"] = why["encoder"] = reason
                # (the encoder's reason names its own fix)
                problems.append(StageProblem("embedding", f"the encoder cannot load: {reason}"))
        trained_on = head.metadata.get("encoder") if head is not None else None
        if trained_on and encoder is not None and trained_on != encoder.name:
            raise ModelError(
                f"head was trained on encoder {trained_on!r}, "
                f"but the encoder in use is {encoder.name!r}"
            )
    else:
        why["bert"] = "Embedding stage switched off (LOGSIEVE_EMBEDDING_ENABLED=false)."

    if llm is None and settings.llm_enabled:
        llm, reason = _load_llm(settings, taxonomy)
        if reason:
            why["llm"] = reason
    elif not settings.llm_enabled:
        why["llm"] = "LLM stage switched off (LOGSIEVE_LLM_ENABLED=false)."

    embed_breaker = _embed_breaker(settings)
    threshold = settings.threshold_for(taxonomy.routing.embedding_threshold)
    fingerprint = {
        "taxonomy": taxonomy.name,
        "taxonomy_hash": taxonomy.content_hash,
        "head": getattr(head, "fingerprint", None) or "none",
        "encoder": getattr(encoder, "name", None) or "none",
        "threshold": str(threshold),
    }
    backend = _cache_backend(settings, fingerprint)
    cache = DecisionCache(
        settings.cache_size, backend=backend, fingerprint=fingerprint, labels=taxonomy.label_ids
    )
    if settings.cache_path is not None:
        stale = remove_stale_temp_files(settings.cache_path)
        if stale:
            log.info(
                "removed %d temporary files a crashed save of %s left", stale, settings.cache_path
            )
    if settings.cache_path is not None and Path(settings.cache_path).is_file():
        n = cache.load(settings.cache_path)
        log.info("loaded %d cached templates from %s", n, settings.cache_path)
        if cache.rejected:
            log.warning(
                "%s: %d bad cache entries dropped (first: %s)",
                settings.cache_path,
                cache.rejected,
                cache.rejections()[0],
            )
    if settings.cache_path is not None and settings.cache_journal:
        try:
            cache.journal_to(settings.cache_path)
        except OSError as exc:
            raise ModelError(f"{settings.cache_path}: cannot write the cache: {exc}") from exc

    return Sieve(
        taxonomy,
        encoder=encoder,
        head=head,
        llm=llm,
        cache=cache,
        threshold=threshold,
        max_line_chars=settings.max_line_chars,
        embed_breaker=embed_breaker,
        unavailable_reasons=why,
        problems=problems,
        cache_path=settings.cache_path,
    )


def build_sieves(settings: Settings | None = None) -> dict[str, Sieve]:
    """The sieves a server answers with, by taxonomy name, the default one first: the one
    ``settings`` describe, then one per ``settings.extra_taxonomies`` with that taxonomy's
    shipped head, sharing the default's encoder; each has its own cache (a cache file gets
    the taxonomy's name before its suffix). A taxonomy that cannot be loaded stops the build,
    naming it, as the default's does."""
    settings = settings or Settings()
    first = build_sieve(settings)
    sieves = {first.taxonomy.name: first}
    try:
        for ref in settings.extra_taxonomies:
            taxonomy = load_taxonomy(ref)
            if taxonomy.name in sieves:
                continue
            cache_path = settings.cache_path
            if cache_path is not None:
                cache_path = cache_path.with_name(
                    f"{cache_path.stem}.{taxonomy.name}{cache_path.suffix}"
                )
            extra = settings.model_copy(
                update={"taxonomy": ref, "model_dir": None, "cache_path": cache_path}
            )
            sieves[taxonomy.name] = build_sieve(extra, taxonomy=taxonomy, encoder=first.encoder)
    except Exception:
        for built in sieves.values():
            built.close()
        raise
    return sieves


def _load_llm(settings: Settings, taxonomy: Taxonomy) -> tuple[Any | None, str | None]:
    stage = None
    if settings.llm_configured:  # (else the stage's imports, 0.1 s, are not worth paying)
        from .llm import build_llm_stage

        stage = build_llm_stage(settings, taxonomy)
    if stage is None:
        return None, (
            "No LLM configured (set GROQ_API_KEY, or LLM_BASE_URL for any "
            "OpenAI-compatible server)."
        )
    return stage, None


def _embed_breaker(settings: Settings) -> Any:
    """Seed 001's guard for the embedding downstream: breaker, retries, timeout."""
    from .resilience import CircuitBreaker, Guard, RetryPolicy

    breaker = CircuitBreaker(
        "bert", settings.embed_breaker_failures, settings.embed_breaker_reset_s
    )
    return Guard(
        breaker,
        RetryPolicy(retries=settings.embed_retries, backoff_s=0.1),
        timeout_s=settings.embed_timeout_s,
    )


def _cache_backend(settings: Settings, fingerprint: dict[str, str]) -> Any | None:
    # Replicas share decisions only when they would have made the same ones.
    namespace = hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:16]
    return redis_store(settings, namespace)


def redis_store(settings: Settings, namespace: str) -> Any | None:
    """A ``RedisBackend`` under ``namespace`` with the configured URL, credentials and TLS,
    or None when no Redis is configured (or its client is not installed)."""
    if not settings.redis_url:
        return None
    try:
        from .cache_redis import RedisBackend
    except ImportError:
        log.warning("LOGSIEVE_REDIS_URL is set but the Redis backend is not installed")
        return None
    password = settings.redis_password.get_secret_value() if settings.redis_password else None

    def path(p: Path | None) -> str | None:
        return str(p) if p is not None else None

    return RedisBackend(
        settings.redis_url,
        namespace=namespace,
        username=settings.redis_username,
        password=password,
        tls=settings.redis_tls,
        tls_ca_file=path(settings.redis_tls_ca_file),
        tls_cert_file=path(settings.redis_tls_cert_file),
        tls_key_file=path(settings.redis_tls_key_file),
        tls_verify=settings.redis_tls_verify,
    )
