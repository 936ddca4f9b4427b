"""Message templates grouped by label: what a taxonomy's synthetic corpus is made of."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .formats import Genre, wrap
from .pattern import Renderer, compile_pattern

_LEVEL_LETTERS = frozenset("DIWEF")


@dataclass(frozen=True, slots=True)
class Template:
    """One way of saying one thing: a message pattern, its levels and the genre it lives in."""

    slug: str
    genre: Genre
    levels: str
    pattern: str
    render_message: Renderer = field(repr=False, compare=False, default=lambda rng: "")

    def render(self, rng: random.Random) -> tuple[str, str]:
        """Return ``(full line, source)``; one line, never empty."""
        genre = self.genre
        message = self.render_message(rng).strip()
        shape = rng.choice(genre.shapes)
        letter = rng.choice(self.levels)
        line = wrap(shape, message, letter, genre, rng)
        source = rng.choice(genre.sources) if genre.sources else rng.choice(genre.progs)
        return line, source


def t(slug: str, genre: Genre, levels: str, pattern: str) -> Template:
    """Declare a template; the pattern is compiled here so mistakes fail at import."""
    if not levels or set(levels) - _LEVEL_LETTERS:
        raise ValueError(f"template {slug!r}: levels must be letters of DIWEF, got {levels!r}")
    if "\n" in pattern:
        raise ValueError(f"template {slug!r}: a log line cannot hold a newline")
    return Template(slug, genre, levels, pattern, compile_pattern(pattern))


@dataclass(frozen=True, slots=True)
class Catalog:
    """All templates of one taxonomy: ``by_label`` maps label id to its templates."""

    taxonomy: str
    fallback: str
    by_label: Mapping[str, Sequence[Template]]
    fallback_templates: Sequence[Template] = ()

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for label, templates in (*self.by_label.items(), (self.fallback, self.fallback_templates)):
            for tpl in templates:
                tid = self.template_id(label, tpl)
                if tid in seen:
                    raise ValueError(f"duplicate template id {tid}")
                seen.add(tid)

    def template_id(self, label: str, template: Template) -> str:
        return f"{self.taxonomy}/{label}/{template.slug}"
