"""The offline synthetic corpus: labelled log lines in real-world shapes, made from templates.

For every label of a built-in taxonomy (except the fallback) the catalog holds many message
templates, each with its genre (syslog, Python logging, log4j, JSON, klog, nova, access
lines…) and randomized fields. Lines come round-robin over the labels, so the corpus is
balanced unless a ``mix`` says otherwise, and :func:`label_mix` says what the mix is (a head
trained on the corpus learns those priors; a prior correction divides them out). The
template of each line is drawn from a shuffled deck, so every template shows up once the
label has as many lines as templates. Output depends only on
``(taxonomy, count, seed, include_fallback, mix)``.

    >>> from logsieve.corpus import generate
    >>> lines = list(generate("standard", 16, seed=1))
    >>> len(lines), lines[0].target_label
    (16, 'USER_ACTION')
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import TaxonomyError
from .catalog import Catalog, Template

__all__ = ["SyntheticLine", "catalog_for", "generate", "known_taxonomies", "label_mix"]


@dataclass(frozen=True, slots=True)
class SyntheticLine:
    """One generated, labelled line (``target_label`` is a label id of the taxonomy)."""

    log_message: str
    target_label: str
    source: str
    template_id: str


def known_taxonomies() -> tuple[str, ...]:
    """Names of the taxonomies that have a synthetic catalog."""
    return ("standard", "openstack")


def catalog_for(taxonomy: str | Any) -> Catalog:
    """The catalog of a taxonomy given by name or as a loaded taxonomy object.

    A taxonomy object must carry ``name``; if it also carries ``label_ids`` and
    ``fallback``, they must match the catalog (a custom file reusing a built-in name with
    other labels is refused rather than silently mislabelled).
    """
    name = taxonomy if isinstance(taxonomy, str) else getattr(taxonomy, "name", None)
    if name == "standard":
        from .standard import CATALOG
    elif name == "openstack":
        from .openstack import CATALOG
    else:
        raise TaxonomyError(
            f"no synthetic corpus for taxonomy {name!r}; built-in corpora: "
            f"{', '.join(known_taxonomies())}"
        )
    if not isinstance(taxonomy, str):
        _check_labels(taxonomy, CATALOG)
    return CATALOG


def _check_labels(taxonomy: Any, catalog: Catalog) -> None:
    label_ids = getattr(taxonomy, "label_ids", None)
    fallback = getattr(taxonomy, "fallback", catalog.fallback)
    if label_ids is None:
        return
    expected = set(catalog.by_label) | {catalog.fallback}
    if set(label_ids) != expected or fallback != catalog.fallback:
        raise TaxonomyError(
            f"taxonomy {catalog.taxonomy!r} has labels {sorted(label_ids)} (fallback "
            f"{fallback!r}) but its corpus was written for {sorted(expected)} (fallback "
            f"{catalog.fallback!r})"
        )


def label_mix(
    taxonomy: str | Any, include_fallback: bool = False, mix: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The share of each label in a generated corpus (exact up to one line per label).

    Balanced by default: every label (and the fallback, with ``include_fallback``) gets
    ``1 / n``. ``mix`` maps label ids to relative weights; a label it leaves out gets none.

    >>> label_mix("openstack")["Network_Operations"] == 1 / 11
    True
    """
    labels = _labels_of(catalog_for(taxonomy), include_fallback)
    weights = _weights(labels, mix)
    total = sum(weights)
    return {label: w / total for label, w in zip(labels, weights, strict=True)}


def _labels_of(catalog: Catalog, include_fallback: bool) -> list[str]:
    labels = list(catalog.by_label)
    if include_fallback:
        if not catalog.fallback_templates:
            raise TaxonomyError(f"taxonomy {catalog.taxonomy!r} has no fallback templates")
        labels.append(catalog.fallback)
    return labels


def _weights(labels: Sequence[str], mix: Mapping[str, float] | None) -> list[float]:
    if mix is None:
        return [1.0] * len(labels)
    unknown = set(mix) - set(labels)
    if unknown:
        raise ValueError(f"mix names labels not in the corpus: {sorted(unknown)}")
    weights = [float(mix.get(label, 0.0)) for label in labels]
    if any(w < 0 for w in weights) or not sum(weights) > 0:
        raise ValueError("mix weights must be >= 0 with a positive sum")
    return weights


def _label_turns(weights: Sequence[float]) -> Iterator[int]:
    """Label indexes in smooth weighted round-robin: each label gets its share within one
    line at every prefix, deterministically (no random draw); equal weights take turns in
    order, so the remainder of an even split goes to the first labels."""
    total = sum(weights)
    current = [0.0] * len(weights)
    while True:
        for i, w in enumerate(weights):
            current[i] += w
        best = max(range(len(weights)), key=current.__getitem__)  # first index wins a tie
        current[best] -= total
        yield best


def generate(
    taxonomy: str | Any,
    count: int,
    seed: int = 0,
    include_fallback: bool = False,
    mix: Mapping[str, float] | None = None,
) -> Iterator[SyntheticLine]:
    """Yield ``count`` labelled lines for ``taxonomy`` (a name or a loaded taxonomy).

    Labels take turns in taxonomy order, so the split is even and any remainder goes to
    the first labels. With ``include_fallback`` the fallback label takes a turn too, with
    generic lines that fit no label (separators, markup fragments…). ``mix`` (label id ->
    relative weight) changes the shares; :func:`label_mix` gives them. Only
    ``random.Random(seed)`` is used: the same arguments give the same lines.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    catalog = catalog_for(taxonomy)
    labels = _labels_of(catalog, include_fallback)
    groups: list[tuple[str, Sequence[Template]]] = [
        (lb, catalog.fallback_templates if lb == catalog.fallback else catalog.by_label[lb])
        for lb in labels
    ]
    turns = _label_turns(_weights(labels, mix))
    rng = random.Random(seed)
    decks: list[list[int]] = [[] for _ in groups]
    ids = [[catalog.template_id(label, tpl) for tpl in tpls] for label, tpls in groups]
    for _ in range(count):
        g = next(turns)
        label, templates = groups[g]
        deck = decks[g]
        if not deck:
            deck.extend(range(len(templates)))
            rng.shuffle(deck)
        k = deck.pop()
        line, source = templates[k].render(rng)
        yield SyntheticLine(line, label, source, ids[g][k])
