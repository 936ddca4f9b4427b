"""A tiny pattern language for message templates, compiled once into fast renderers.

Syntax (inside a message template):

- ``{name}`` or ``{name:arg}`` — a randomized field from :mod:`logsieve.corpus.fields`
  (``{user}``, ``{ip}``, ``{int:1-500}``);
- ``{a|b|c}`` — one of the alternatives, each of which may itself hold fields or choices;
  an empty alternative (``{very |}``) makes a word optional;
- ``{lb}`` and ``{rb}`` — literal braces (nova lines quote Python dicts); a doubled brace
  is not an escape, so a choice may begin with a field: ``{{user}|someone}``.

>>> import random
>>> render = compile_pattern("User {alice|bob} logged {in|out}.")
>>> render(random.Random(0)) in {"User alice logged in.", "User bob logged out.",
...                              "User alice logged out.", "User bob logged in."}
True
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from ..errors import PatternError
from .fields import FIELD_MAKERS

Renderer = Callable[[random.Random], str]
_FIELD = re.compile(r"^([a-z_][a-z0-9_]*)(?::(.*))?$")


def compile_pattern(pattern: str) -> Renderer:
    """Compile ``pattern`` into a function ``rng -> str``."""
    parts, end = _parse_sequence(pattern, 0, top=True)
    if end != len(pattern):
        raise PatternError(f"unbalanced '}}' at {end} in {pattern!r}")
    return _join(parts)


# A part is either a literal string or a renderer; literals are merged at compile time so
# rendering does as few calls as possible (100,000 lines must take seconds).
_Part = str | Renderer


def _parse_sequence(text: str, pos: int, top: bool) -> tuple[list[_Part], int]:
    parts: list[_Part] = []
    buf: list[str] = []
    while pos < len(text):
        ch = text[pos]
        if ch == "{":
            if buf:
                parts.append("".join(buf))
                buf = []
            node, pos = _parse_braces(text, pos + 1)
            parts.append(node)
        elif (not top and ch in "|}") or ch == "}":
            break
        else:
            buf.append(ch)
            pos += 1
    if buf:
        parts.append("".join(buf))
    return parts, pos


def _parse_braces(text: str, pos: int) -> tuple[_Part, int]:
    """Parse after an opening brace: either a field or a choice of alternatives."""
    close = text.find("}", pos)
    inner = text[pos:close] if close >= 0 else ""
    match = _FIELD.match(inner)
    if match and "{" not in inner and "|" not in inner:
        name, arg = match.group(1), match.group(2)
        maker = FIELD_MAKERS.get(name)
        if maker is None:
            raise PatternError(f"unknown field {{{name}}} in {text!r}")
        try:  # a bad argument ({int:x}) must fail when the catalog loads, not mid-corpus
            maker(random.Random(0), arg)
        except ValueError as exc:
            raise PatternError(f"bad field {{{inner}}} in {text!r}: {exc}") from exc
        return (lambda rng, _m=maker, _a=arg: _m(rng, _a)), close + 1
    options: list[_Part] = []
    while True:
        seq, pos = _parse_sequence(text, pos, top=False)
        options.append(_join(seq) if any(callable(p) for p in seq) else "".join(seq))  # type: ignore[arg-type]
        if pos >= len(text):
            raise PatternError(f"unclosed '{{' in {text!r}")
        if text[pos] == "}":
            pos += 1
            break
        pos += 1  # skip '|'
    if len(options) == 1:
        raise PatternError(f"'{{{inner}}}' is neither a field nor a choice in {text!r}")
    if all(isinstance(o, str) for o in options):
        strings = tuple(options)
        return (lambda rng, _o=strings: rng.choice(_o)), pos
    opts = tuple(options)
    return (lambda rng, _o=opts: _resolve(rng.choice(_o), rng)), pos


def _resolve(part: _Part, rng: random.Random) -> str:
    return part if isinstance(part, str) else part(rng)


def _join(parts: list[_Part]) -> Renderer:
    if len(parts) == 1 and not isinstance(parts[0], str):
        return parts[0]
    frozen = tuple(parts)
    if all(isinstance(p, str) for p in frozen):
        text = "".join(frozen)  # type: ignore[arg-type]
        return lambda rng: text
    return lambda rng: "".join([p if isinstance(p, str) else p(rng) for p in frozen])
