"""Message templates grouped by label: what a taxonomy's synthetic corpus is made of."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

from .formats import Genre, wrap
from .pattern import Renderer, compile_pattern

_LEVEL_LETTERS = frozenset("DIWEF")

#: Share of every template's lines written as the bare message, with no timestamp, level or
#: logger: what a user pastes, what a log shipper keeps in its ``message`` field, and what
#: makes the head learn the message instead of the header around it.
MESSAGE_ONLY_SHARE = 0.3


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
        if rng.random() < MESSAGE_ONLY_SHARE:
            source = rng.choice(genre.sources) if genre.sources else rng.choice(genre.progs)
            return message, source
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


def load_templates(
    package: str, name: str, genres: Mapping[str, object]
) -> dict[str, list[Template]]:
    """Read a catalogue file shipped in ``package``: templates grouped under ``[LABEL]`` lines.

    One template per line, ``slug GENRE levels pattern`` separated by runs of spaces (the
    pattern keeps its own spaces); ``#`` starts a comment line. ``GENRE`` names one of
    ``genres``. Mistakes (unknown genre, bad pattern) fail at import with the line number.
    """
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    return parse_templates(text, name, genres)


def parse_templates(
    text: str, name: str, genres: Mapping[str, object]
) -> dict[str, list[Template]]:
    """Parse catalogue ``text`` (see :func:`load_templates`); ``name`` is for error messages."""
    out: dict[str, list[Template]] = {}
    label: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{name}:{number}"
        if line.startswith("[") and line.endswith("]"):
            label = line[1:-1].strip()
            out.setdefault(label, [])
            continue
        parts = line.split(None, 3)
        if label is None or len(parts) != 4:
            raise ValueError(f"{where}: expected '[LABEL]' or 'slug GENRE levels pattern'")
        slug, genre_name, levels, pattern = parts
        genre = genres.get(genre_name)
        if not isinstance(genre, Genre):
            raise ValueError(f"{where}: unknown genre {genre_name!r}")
        try:
            out[label].append(t(slug, genre, levels, pattern))
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from exc
    return out
