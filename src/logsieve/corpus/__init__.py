"""The offline synthetic corpus: labelled log lines in real-world shapes, made from templates.

For every label of a built-in taxonomy (except the fallback) the catalog holds many message
templates, each with its genre (syslog, Python logging, log4j, JSON, klog, nova, access
lines…) and randomized fields. Lines come round-robin over the labels, so the corpus is
balanced; the template of each line is drawn from a shuffled deck, so every template shows
up once the label has as many lines as templates. Output depends only on
``(taxonomy, count, seed, include_fallback)``.

    >>> from logsieve.corpus import generate
    >>> lines = list(generate("standard", 16, seed=1))
    >>> len(lines), lines[0].target_label
    (16, 'USER_ACTION')
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import TaxonomyError
from .catalog import Catalog, Template

__all__ = ["SyntheticLine", "catalog_for", "generate", "known_taxonomies"]


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


def generate(
    taxonomy: str | Any, count: int, seed: int = 0, include_fallback: bool = False
) -> Iterator[SyntheticLine]:
    """Yield ``count`` labelled lines for ``taxonomy`` (a name or a loaded taxonomy).

    Labels take turns in taxonomy order, so the split is even and any remainder goes to
    the first labels. With ``include_fallback`` the fallback label takes a turn too, with
    generic lines that fit no label (kernel boot chatter, debug traces, XML fragments…).
    Only ``random.Random(seed)`` is used: the same arguments give the same lines.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    catalog = catalog_for(taxonomy)
    groups: list[tuple[str, Sequence[Template]]] = list(catalog.by_label.items())
    if include_fallback:
        if not catalog.fallback_templates:
            raise TaxonomyError(f"taxonomy {catalog.taxonomy!r} has no fallback templates")
        groups.append((catalog.fallback, catalog.fallback_templates))
    rng = random.Random(seed)
    decks: list[list[int]] = [[] for _ in groups]
    ids = [[catalog.template_id(label, tpl) for tpl in tpls] for label, tpls in groups]
    for i in range(count):
        g = i % len(groups)
        label, templates = groups[g]
        deck = decks[g]
        if not deck:
            deck.extend(range(len(templates)))
            rng.shuffle(deck)
        k = deck.pop()
        line, source = templates[k].render(rng)
        yield SyntheticLine(line, label, source, ids[g][k])
