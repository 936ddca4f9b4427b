"""Category sets (taxonomies) as YAML data: labels, ordered rules, routing.

A taxonomy file looks like ``taxonomies/standard.yaml``::

    name: standard
    fallback: UNCLASSIFIED
    routing: {embedding_threshold: 0.7, llm_sources: [LegacyCRM]}
    labels:
      - {id: USER_ACTION, name: User Action, description: "..."}
    rules:
      - {pattern: 'user \\S+ logged in', label: USER_ACTION, confidence: 0.95,
         ignore_case: true, sources: [app-server]}

Loading validates everything and refuses a bad file with a message naming the file, the
rule and the reason:

    >>> from logsieve.taxonomy import load_taxonomy
    >>> t = load_taxonomy("standard")
    >>> t.resolve("User Action").id
    'USER_ACTION'
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import re2
import yaml

from .errors import TaxonomyError
from .templates import PLACEHOLDER_SHAPE, MaskingRule

BUILTIN = ("standard", "openstack")
DEFAULT_RULE_CONFIDENCE = 0.95
DEFAULT_THRESHOLD = 0.7
#: Off unless a taxonomy sets it: the similarity that means "familiar" depends on the head.
DEFAULT_FAMILIAR_SIMILARITY = 0.0
#: How far the head's probabilities move towards the label priors (1: all the way, Bayes).
DEFAULT_PRIOR_STRENGTH = 1.0


@dataclass(frozen=True, slots=True)
class Label:
    id: str
    name: str
    description: str
    #: How common the label is in real traffic (a share; the taxonomy's ``prior``). The head
    #: was trained on its corpus's mix; its probabilities are moved to these (logsieve.priors).
    prior: float | None = None
    #: Whether the label names something that went wrong: the head may answer it without a
    #: problem cue in the line (an error level, failure wording) only when it is sure.
    problem: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    pattern: str
    label: str
    confidence: float = DEFAULT_RULE_CONFIDENCE
    ignore_case: bool = True
    sources: frozenset[str] | None = None
    name: str = ""

    @property
    def re2_pattern(self) -> str:
        return f"(?i:{self.pattern})" if self.ignore_case else self.pattern


@dataclass(frozen=True, slots=True)
class Routing:
    embedding_threshold: float = DEFAULT_THRESHOLD
    llm_sources: frozenset[str] = frozenset()
    #: Cosine similarity to the nearest training template below which a line is unfamiliar
    #: to the head (its confidence is then lowered and it is not accepted); 0 turns it off.
    familiar_similarity: float = DEFAULT_FAMILIAR_SIMILARITY
    #: The exponent on the prior ratio (0: priors ignored; 1: Bayes' rule in full). Below 1
    #: the shift is tempered: the priors are estimates for logs at large, not for this
    #: deployment's, and in full they overrule a head that is right about a rare label.
    prior_strength: float = DEFAULT_PRIOR_STRENGTH
    #: When no LLM answers (none configured, or it failed), a head's label at this confidence
    #: or more is kept although below ``embedding_threshold``: that threshold decides what is
    #: worth an LLM call, and without one the head's best guess beats the fallback. None: the
    #: embedding threshold (no guesses).
    no_llm_threshold: float | None = None


@dataclass(frozen=True, slots=True)
class Taxonomy:
    name: str
    labels: tuple[Label, ...]
    fallback: str
    rules: tuple[Rule, ...] = ()
    routing: Routing = field(default_factory=Routing)
    description: str = ""
    path: str = ""
    #: The label of a line the classifier is unsure of that shows no problem cue, when no LLM
    #: decides it (``INFO`` for ``standard``); None: such lines get the fallback.
    routine_default: str | None = None
    #: The user's masking rules (``masking:``), applied before the built-in masker.
    masking: tuple[MaskingRule, ...] = ()
    _by_id: dict[str, Label] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # label() is called once per result: a dict, not a scan.
        self._by_id.update((lb.id, lb) for lb in self.labels)

    @property
    def label_ids(self) -> tuple[str, ...]:
        return tuple(lb.id for lb in self.labels)

    @property
    def classifiable(self) -> tuple[Label, ...]:
        """The labels a classifier may answer with (all but the fallback)."""
        return tuple(lb for lb in self.labels if lb.id != self.fallback)

    def label(self, label_id: str) -> Label:
        return self._by_id[label_id]

    def resolve(self, id_or_name: str) -> Label:
        """A label by id or display name (case-insensitive); KeyError if unknown."""
        key = id_or_name.strip().casefold()
        for lb in self.labels:
            if lb.id.casefold() == key or lb.name.casefold() == key:
                return lb
        raise KeyError(id_or_name)

    @property
    def content_hash(self) -> str:
        """A stable hash of what changes answers: labels, rules, fallback (not the file path)."""
        doc = {
            "labels": [[lb.id, lb.name, lb.description] for lb in self.labels],
            "fallback": self.fallback,
            # (only when set, so a taxonomy without them keeps its hash and its caches)
            **(
                {
                    "priors": {lb.id: lb.prior for lb in self.labels},
                    "problems": [lb.id for lb in self.labels if lb.problem],
                    "routine_default": self.routine_default,
                    "familiar_similarity": self.routing.familiar_similarity,
                    "prior_strength": self.routing.prior_strength,
                    **(
                        {"no_llm_threshold": self.routing.no_llm_threshold}
                        if self.routing.no_llm_threshold is not None
                        else {}
                    ),
                }
                if self.routine_default or any(lb.prior for lb in self.labels)
                else {}
            ),
            "rules": [
                [
                    r.pattern,
                    r.label,
                    r.confidence,
                    r.ignore_case,
                    sorted(r.sources) if r.sources else None,
                ]
                for r in self.rules
            ],
            # (only when set: the template keys, and so the cache, depend on them)
            **(
                {"masking": [[m.pattern, m.placeholder] for m in self.masking]}
                if self.masking
                else {}
            ),
        }
        raw = json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(raw).hexdigest()[:16]

    @property
    def priors(self) -> dict[str, float] | None:
        """The label shares of real traffic, normalized over the classifiable labels; None
        unless the file gives a ``prior`` for every one of them."""
        values = {lb.id: lb.prior for lb in self.classifiable}
        if not values or any(v is None for v in values.values()):
            return None
        fallback_prior = self.label(self.fallback).prior
        if fallback_prior is not None:  # for heads trained with a fallback class
            values[self.fallback] = fallback_prior
        total = sum(v for v in values.values() if v is not None)
        return {k: float(v) / total for k, v in values.items() if v is not None}

    @property
    def problem_labels(self) -> frozenset[str]:
        return frozenset(lb.id for lb in self.labels if lb.problem)

    @property
    def labels_hash(self) -> str:
        """A stable hash of the label ids, in order: what a trained head depends on.

        A head's classes are label ids; rules, names, descriptions and routing do not change
        what it computes, so editing them must not make a trained head unusable (the decision
        cache, which does depend on the rules, is keyed by ``content_hash`` instead).
        """
        raw = json.dumps(list(self.label_ids), ensure_ascii=False).encode()
        return hashlib.sha256(raw).hexdigest()[:16]


def builtin_path(name: str) -> Path:
    return Path(str(resources.files("logsieve") / "taxonomies" / f"{name}.yaml"))


def load_taxonomy(name_or_path: str | Path) -> Taxonomy:
    """Load a built-in taxonomy by name, or a YAML file by path; validate it."""
    text_name = str(name_or_path)
    if text_name in BUILTIN and not Path(text_name).exists():
        path = builtin_path(text_name)
    else:
        path = Path(name_or_path)
        if not path.is_file():
            known = ", ".join(BUILTIN)
            raise TaxonomyError(f"{text_name}: no such taxonomy (built in: {known}) or file")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"{path}: cannot read: {exc}") from exc
    return parse_taxonomy(doc, str(path))


def parse_taxonomy(doc: Any, origin: str = "<taxonomy>") -> Taxonomy:
    """Validate a parsed YAML document and build a Taxonomy."""

    def fail(msg: str) -> TaxonomyError:
        return TaxonomyError(f"{origin}: {msg}")

    if not isinstance(doc, dict):
        raise fail("the file must be a mapping with 'name', 'labels' and optional 'rules'")
    labels_doc = doc.get("labels")
    if not isinstance(labels_doc, list) or not labels_doc:
        raise fail("'labels' must be a non-empty list")
    labels: list[Label] = []
    seen_ids: set[str] = set()
    seen_names: set[str] = set()
    for i, item in enumerate(labels_doc, 1):
        if isinstance(item, str):
            item = {"id": item}
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise fail(f"label {i}: needs a non-empty string 'id'")
        lid = item["id"].strip()
        name = str(item.get("name") or lid.replace("_", " ").title()).strip()
        if lid in seen_ids:
            raise fail(f"label {i}: duplicate id {lid!r}")
        if name.casefold() in seen_names:
            raise fail(f"label {i} ({lid}): duplicate name {name!r}")
        seen_ids.add(lid)
        seen_names.add(name.casefold())
        prior = item.get("prior")
        if prior is not None and (
            isinstance(prior, bool)
            or not isinstance(prior, int | float)
            or not 0.0 < float(prior) <= 1.0
        ):
            raise fail(f"label {i} ({lid}): prior must be a share in (0, 1], got {prior!r}")
        problem = item.get("problem", False)
        if not isinstance(problem, bool):
            raise fail(f"label {i} ({lid}): problem must be true or false, got {problem!r}")
        labels.append(
            Label(
                lid,
                name,
                " ".join(str(item.get("description") or "").split()),
                None if prior is None else float(prior),
                problem,
            )
        )

    fallback = doc.get("fallback", "UNCLASSIFIED")
    if fallback not in seen_ids:
        # The fallback is always a label, so results can name it; add it if the file didn't.
        labels.append(
            Label(
                fallback, fallback.replace("_", " ").title(), "Nothing else fits with confidence."
            )
        )
    if len([lb for lb in labels if lb.id != fallback]) == 0:
        raise fail("no labels besides the fallback")

    routing_doc = doc.get("routing") or {}
    if not isinstance(routing_doc, dict):
        raise fail("'routing' must be a mapping")
    threshold = routing_doc.get("embedding_threshold", DEFAULT_THRESHOLD)
    if not isinstance(threshold, int | float) or not 0.0 <= float(threshold) <= 1.0:
        raise fail(f"routing.embedding_threshold must be a number in [0, 1], got {threshold!r}")
    familiar = routing_doc.get("familiar_similarity", DEFAULT_FAMILIAR_SIMILARITY)
    if (
        isinstance(familiar, bool)
        or not isinstance(familiar, int | float)
        or not 0.0 <= float(familiar) <= 1.0
    ):
        raise fail(f"routing.familiar_similarity must be a number in [0, 1], got {familiar!r}")
    strength = routing_doc.get("prior_strength", DEFAULT_PRIOR_STRENGTH)
    if (
        isinstance(strength, bool)
        or not isinstance(strength, int | float)
        or not 0.0 <= float(strength) <= 1.0
    ):
        raise fail(f"routing.prior_strength must be a number in [0, 1], got {strength!r}")
    no_llm = routing_doc.get("no_llm_threshold")
    if no_llm is not None and (
        isinstance(no_llm, bool)
        or not isinstance(no_llm, int | float)
        or not 0.0 <= float(no_llm) <= float(threshold)
    ):
        raise fail(
            f"routing.no_llm_threshold must be a number in [0, embedding_threshold], got {no_llm!r}"
        )
    routine_default = doc.get("routine_default")
    if routine_default is not None:
        try:
            routine_default = _resolve_in(labels, str(routine_default)).id
        except KeyError:
            raise fail(f"routine_default: unknown label {routine_default!r}") from None
        if routine_default == fallback:
            raise fail("routine_default cannot be the fallback label (leave it out instead)")
    llm_sources = routing_doc.get("llm_sources") or []
    if not isinstance(llm_sources, list) or not all(isinstance(s, str) for s in llm_sources):
        raise fail("routing.llm_sources must be a list of source names")

    rules: list[Rule] = []
    for i, item in enumerate(doc.get("rules") or [], 1):
        where, pattern = _pattern_item(item, f"rule {i}", "label", fail)
        label = item.get("label")
        if not isinstance(label, str):
            raise fail(f"{where}: needs a 'label'")
        try:
            label_id = _resolve_in(labels, label).id
        except KeyError:
            raise fail(
                f"{where}: unknown label {label!r} (known: {', '.join(lb.id for lb in labels)})"
            ) from None
        if label_id == fallback:
            raise fail(f"{where}: a rule cannot choose the fallback label {fallback!r}")
        conf = item.get("confidence", DEFAULT_RULE_CONFIDENCE)
        if not isinstance(conf, int | float) or not 0.0 < float(conf) <= 1.0:
            raise fail(f"{where}: confidence must be in (0, 1], got {conf!r}")
        sources = item.get("sources")
        if sources is not None and (
            not isinstance(sources, list) or not all(isinstance(s, str) for s in sources)
        ):
            raise fail(f"{where}: sources must be a list of source names")
        ignore_case = item.get("ignore_case", not item.get("case_sensitive", False))
        rule = Rule(
            pattern,
            label_id,
            float(conf),
            bool(ignore_case),
            frozenset(sources) if sources else None,
            str(item.get("name") or ""),
        )
        _check_pattern(rule, fail, where)
        rules.append(rule)

    name = str(doc.get("name") or Path(origin).stem)
    return Taxonomy(
        name=name,
        labels=tuple(labels),
        fallback=fallback,
        rules=tuple(rules),
        routing=Routing(
            float(threshold),
            frozenset(llm_sources),
            float(familiar),
            float(strength),
            None if no_llm is None else float(no_llm),
        ),
        description=str(doc.get("description") or ""),
        path=origin,
        routine_default=routine_default,
        masking=parse_masking(doc.get("masking"), fail),
    )


def load_masking(path: str | Path) -> tuple[MaskingRule, ...]:
    """The ``masking:`` list of a YAML file (a taxonomy file or one with only that list)."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"{path}: cannot read masking rules: {exc}") from exc
    if not isinstance(doc, dict) or "masking" not in doc:
        raise TaxonomyError(f"{path}: no 'masking:' list")

    def fail(msg: str) -> TaxonomyError:
        return TaxonomyError(f"{path}: {msg}")

    return parse_masking(doc["masking"], fail)


def parse_masking(items: Any, fail: Any = TaxonomyError) -> tuple[MaskingRule, ...]:
    """A ``masking:`` list: each ``{pattern, placeholder, name?}``, the pattern RE2, the
    placeholder ``<UPPER_CASE>``. ``fail(message)`` makes the exception raised."""
    if items is None:
        return ()
    if not isinstance(items, list):
        raise fail("masking: must be a list of {pattern, placeholder} mappings")
    out = []
    for i, item in enumerate(items):
        where, pattern = _pattern_item(item, f"masking[{i}]", "placeholder", fail)
        placeholder = item.get("placeholder")
        if not isinstance(placeholder, str) or not PLACEHOLDER_SHAPE.fullmatch(placeholder):
            raise fail(
                f"{where}: placeholder must look like <NAME> (capitals, digits, _), "
                f"got {placeholder!r}"
            )
        rule = MaskingRule(pattern, placeholder, str(item.get("name") or ""))
        try:
            rule.compiled()
        except re2.error as exc:
            raise fail(f"{where}: pattern {pattern!r} does not compile under RE2: {exc}") from None
        out.append(rule)
    return tuple(out)


def _pattern_item(item: Any, where: str, other: str, fail: Any) -> tuple[str, str]:
    """A rule or masking entry's name for messages (``rule 3 (declined)``) and its pattern,
    after checking it is a mapping with a non-empty string ``pattern``."""
    if isinstance(item, dict) and item.get("name"):
        where += f" ({item['name']})"
    if not isinstance(item, dict):
        raise fail(f"{where}: must be a mapping with 'pattern' and '{other}'")
    pattern = item.get("pattern")
    if not isinstance(pattern, str) or not pattern:
        raise fail(f"{where}: needs a non-empty string 'pattern'")
    return where, pattern


def _resolve_in(labels: list[Label], key: str) -> Label:
    k = key.strip().casefold()
    for lb in labels:
        if lb.id.casefold() == k or lb.name.casefold() == k:
            return lb
    raise KeyError(key)


def _check_pattern(rule: Rule, fail: Any, where: str) -> None:
    # RE2 refuses backreferences and lookaround: exactly what makes a pattern able to hang.
    try:
        re2.compile(rule.re2_pattern)
    except re2.error as exc:
        raise fail(f"{where}: pattern {rule.pattern!r} does not compile under RE2: {exc}") from None
