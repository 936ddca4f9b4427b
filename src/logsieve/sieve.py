"""The sieve: rules → template cache → embedding head → LLM, cheapest first.

Each line stops at the first stage that is confident; every answer carries its journey.
``classify_batch`` is the one way through: it runs the rules line by line, looks each
template up in the cache, sends every *new* template once (not every line) through one
batched encoder call, and asks the LLM once per template that is still undecided.
Results come back one per input, in input order, always. ``begin`` is its first half for a
server: a line the rules or the in-process cache know is answered at once, any other is
handed back as a :class:`PendingLine` for a later ``classify_batch``, which carries on where
``begin`` stopped.

    >>> from logsieve.build import build_sieve
    >>> from logsieve.settings import Settings
    >>> sieve = build_sieve(Settings())                      # doctest: +SKIP
    >>> sieve.classify("User User123 logged in.").label_id   # doctest: +SKIP
    'USER_ACTION'
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .cache import Decision, DecisionCache
from .degradation import StageProblem
from .errors import StageError, StageFailed, StageUnavailable
from .linefields import head_text, not_log_text
from .priors import PriorTracker
from .result import PIPELINE_STAGE, Classifier, Result, StageName, Status, Step
from .rules import RuleSet
from .taxonomy import Taxonomy
from .templates import TemplateMasker, template_key
from .verdict import EmbeddingJudge, routine_answer

if TYPE_CHECKING:  # the seams themselves; the sieve never imports their implementations
    import numpy as np

    from .embedding import Encoder
    from .llm import LLMStage

LineInput = str | tuple[str, str | None]

#: Templates per guarded encoder call (see _embedding_stage).
EMBED_CHUNK = 32

_NO_RULE = "No pattern matched."
_NOT_NEEDED_CACHED = "Not needed: template cache hit."
_DECIDED_BY_RULE = "Not needed: decided by Regex Engine."
_REGEX_PIPELINE_STAGE = PIPELINE_STAGE[Classifier.REGEX]
_BERT_PIPELINE_STAGE = PIPELINE_STAGE[Classifier.BERT]


# (formatted once per confidence, not once per line: the warm cache's hot path)
@functools.lru_cache(maxsize=4096)
def _bert_hit_detail(confidence: float) -> str:
    return f"Template seen before; decided by BERT Model at {confidence:.2f}."


@functools.lru_cache(maxsize=4096)
def _low_confidence_detail(
    confidence: float, threshold: float, note: str = "", cached: bool = True
) -> str:
    """Why an embedding answer was not accepted: too unsure, or (``note``) judged otherwise
    (a problem label with no problem cue, an unfamiliar line) though it reached the threshold."""
    where = " (template cache)" if cached else ""
    if confidence < threshold:
        return f"Confidence was {confidence:.2f}, below the {threshold} threshold{where}.{note}"
    return (
        f"Confidence {confidence:.2f} reached the {threshold} threshold but was not "
        f"accepted{where}.{note}"
    )


def _bert_cache_hit_steps(label_id: str, confidence: float, ms: float) -> list[Step]:
    """The steps after the rules for a template the embedding stage decided before."""
    return [
        Step(
            StageName.BERT, Status.CACHE_HIT, _bert_hit_detail(confidence), label_id, confidence, ms
        ),
        Step(StageName.LLM, Status.SKIPPED, _NOT_NEEDED_CACHED),
    ]


class _CacheHitJourney:
    """The journey of a template the embedding stage decided before (a warm cache's answer)."""

    __slots__ = ()

    def build(self, r: Result, regex_ms: float, cache_ms: float) -> list[Step]:
        return [
            Step(StageName.REGEX, Status.SKIPPED, _NO_RULE, None, None, regex_ms),
            *_bert_cache_hit_steps(r.label_id, r.final_confidence, cache_ms),
        ]


_CACHE_HIT_JOURNEY = _CacheHitJourney()


class _RuleJourney:
    """The journey of a line one rule decided (one recipe per rule, its wording made once)."""

    __slots__ = ("detail",)

    def __init__(self, detail: str) -> None:
        self.detail = detail

    def build(self, r: Result, regex_ms: float, _unused: float) -> list[Step]:
        return [
            Step(
                StageName.REGEX,
                Status.CLASSIFIED,
                self.detail,
                r.label_id,
                r.final_confidence,
                regex_ms,
            ),
            Step(StageName.BERT, Status.SKIPPED, _DECIDED_BY_RULE),
            Step(StageName.LLM, Status.SKIPPED, _DECIDED_BY_RULE),
        ]


class _UnsureJourney:
    """The journey of a template the embedding stage was unsure of, with no LLM to ask: the
    fallback's answer (``Sieve._fallback``), written only if it is read. One per template and
    head answer, its wording made once."""

    __slots__ = ("confidence", "head_label", "llm_detail", "low_detail")

    def __init__(
        self, low_detail: str, head_label: str, confidence: float, llm_detail: str
    ) -> None:
        self.low_detail, self.head_label = low_detail, head_label
        self.confidence, self.llm_detail = confidence, llm_detail

    def build(self, r: Result, regex_ms: float, cache_ms: float) -> list[Step]:
        return [
            Step(StageName.REGEX, Status.SKIPPED, _NO_RULE, None, None, regex_ms),
            Step(
                StageName.BERT,
                Status.LOW_CONFIDENCE,
                self.low_detail,
                self.head_label,
                self.confidence,
                cache_ms,
            ),
            Step(StageName.LLM, Status.UNAVAILABLE, self.llm_detail),
        ]


#: Template keys whose routine answer is remembered (cleared whole when full).
_ROUTINE_MEMO = 65536


class HeadLike(Protocol):
    classes_: list[str]

    def predict_proba(self, x: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray: ...


class BreakerLike(Protocol):
    def call(self, fn: Callable[..., Any], *args: Any) -> Any: ...


@dataclass(slots=True)
class PendingLine:
    """A line that got past the rules, on its way through the expensive stages.

    :meth:`Sieve.begin` hands one back for a line it cannot finish at once; passed to
    :meth:`Sieve.classify_batch` it carries on from there (its rules and template key are
    not computed again)."""

    index: int
    text: str
    source: str | None
    key: str
    steps: list[Step] = field(default_factory=list)


class Sieve:
    """Classifies log lines. Thread-safe; build one per process and share it."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        *,
        encoder: Encoder | None = None,
        head: HeadLike | None = None,
        llm: LLMStage | None = None,
        cache: DecisionCache | None = None,
        threshold: float | None = None,
        max_line_chars: int = 65536,
        embed_breaker: BreakerLike | None = None,
        unavailable_reasons: dict[str, str] | None = None,
        problems: Sequence[StageProblem] = (),
        llm_concurrency: int = 4,
        cache_path: str | Path | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.rules = RuleSet(taxonomy.rules)
        self.encoder = encoder
        self.head = head
        self.llm = llm
        self.cache = cache if cache is not None else DecisionCache()
        self.threshold = taxonomy.routing.embedding_threshold if threshold is None else threshold
        self.max_line_chars = max_line_chars
        self.embed_breaker = embed_breaker
        self.cache_path = Path(cache_path) if cache_path is not None else None
        self._why = dict(unavailable_reasons or {})
        self._problems = list(problems)
        self._llm_problem: StageProblem | None = None
        self._n_classes = len(taxonomy.classifiable)
        # the template key: the shared built-in masker, or one with the taxonomy's own rules
        self._key: Callable[[str], str] = (
            TemplateMasker(rules=taxonomy.masking).key if taxonomy.masking else template_key
        )
        # templates per LLM request: what the stage takes (ChatLLMStage.batch_size)
        size = getattr(llm, "batch_size", 1)
        self._llm_batch_size = size if isinstance(size, int) and size > 1 else 1
        self._llm_pool = ThreadPoolExecutor(
            max_workers=llm_concurrency, thread_name_prefix="logsieve-llm"
        )
        self._inflight: dict[str, Future[tuple[Decision | StageError, float]]] = {}
        self._inflight_lock = threading.Lock()
        self._names = {label.id: label.name for label in taxonomy.labels}
        self._rule_journeys = [
            _RuleJourney(f"Matched rule {rule.name or '#' + str(i + 1)}.")
            for i, rule in enumerate(taxonomy.rules)
        ]
        self._no_llm_reason = self._why.get("llm") or (
            "No LLM configured (set GROQ_API_KEY, or LLM_BASE_URL for any OpenAI-compatible "
            "server)."
        )
        self.counts: dict[str, int] = {}
        self._counts_lock = threading.Lock()
        # template keys flagged new_template (insertion-ordered, oldest dropped first)
        self._seen: dict[str, None] = {}
        self._seen_lock = threading.Lock()
        self._seen_max = self.cache.maxsize if self.cache.maxsize > 0 else 100_000
        # How the head's probabilities become answers (priors, unfamiliarity, problem cues),
        # and what it reads of a key: heads since text_view "message-v1" read the message.
        self._judge = (
            EmbeddingJudge(
                taxonomy, list(head.classes_), self.threshold, getattr(head, "train_priors", None)
            )
            if head is not None
            else None
        )
        self._view: Callable[[str], str] = (
            head_text if getattr(head, "text_view", "key") == "message-v1" else str
        )
        self.priors_seen = (
            PriorTracker(head.classes_, self._judge.shift.to_json()["train"])
            if head is not None and self._judge is not None and self._judge.shift is not None
            else None
        )
        self._routine: dict[tuple[str, str | None, float | None], tuple[str, float, str, str]] = {}
        self._unsure_recipes: dict[
            tuple[str, str, float], tuple[str, str, str, float, str, _UnsureJourney]
        ] = {}

    # --- public API ----------------------------------------------------------------
    def classify(self, text: str, source: str | None = None) -> Result:
        """Classify one line."""
        return self.classify_batch([(text, source)])[0]

    def begin(self, text: str, source: str | None = None) -> Result | PendingLine:
        """The answer if the rules or the template cache have it, else the line as far as it
        got (rules tried, template key made), to finish in :meth:`classify_batch`.

        Microseconds and never blocking (no encoder, no LLM, no shared cache backend: only
        the in-process LRU), so a server can answer such lines inline and gather only the
        others into batches. A Result, and what it counts, are exactly what
        ``classify_batch`` would give for the line; a PendingLine costs no count, so the
        line counts once, when ``classify_batch`` finishes it.
        """
        found = self._cheap(0, text, source, lookup=self._known_lookup)
        if isinstance(found, tuple):
            return found[1]  # a new template, or the cache's turn in classify_batch
        if found.__class__ is PendingLine:
            if self.llm is not None:
                return found  # routed to the LLM by its source
            # a line routed to the LLM, and no LLM to ask: the fallback, at once
            results: list[Result | None] = [None]
            self._llm_stage([found], results)
            found = results[0]  # type: ignore[assignment]
        assert isinstance(found, Result)
        self._count([found])
        return found

    def classify_batch(self, items: Sequence[LineInput | PendingLine]) -> list[Result]:
        """Classify many lines (texts, ``(text, source)`` pairs, or what :meth:`begin` handed
        back); one Result per input, in input order."""
        results: list[Result | None] = [None] * len(items)
        to_embed: dict[str, list[PendingLine]] = {}
        to_llm: list[PendingLine] = []
        cheap = self._cheap

        for i, item in enumerate(items):
            found: Result | PendingLine | tuple[str, PendingLine]
            if isinstance(item, PendingLine):
                found = self._resume(i, item)
            else:
                text, source = (item, None) if isinstance(item, str) else item
                found = cheap(i, text, source)
            if isinstance(found, Result):
                results[i] = found
            elif isinstance(found, PendingLine):
                # routed to the LLM, or the embedding was not confident: a low-confidence step
                # is already in the journey
                to_llm.append(found)
            else:  # a new template
                to_embed.setdefault(found[1].key, []).append(found[1])

        if to_embed:
            to_llm.extend(self._embedding_stage(to_embed, results))
        if to_llm:
            self._llm_stage(to_llm, results)
        if to_embed:
            self._flag_new(to_embed, results)
        out = [r for r in results if r is not None]
        assert len(out) == len(items), "a line was lost"  # invariant, never expected
        self._count(out)
        self.cache.sync()  # the batch's new decisions to the journal, if one is kept
        return out

    def _flag_new(self, groups: dict[str, list[PendingLine]], results: list[Result | None]) -> None:
        """Mark the first line of each template never seen before ``new_template``.

        A template the cache had no decision for is new unless it was flagged already (its
        lines may come back undecided: no head, no LLM answer, a full cache); the memory of
        flagged keys is bounded like the cache, so a long-evicted template may be new again.
        """
        with self._seen_lock:
            seen = self._seen
            for key, members in groups.items():
                if key in seen:
                    continue
                seen[key] = None
                first = results[members[0].index]
                if first is not None:
                    first.new_template = True
            while len(seen) > self._seen_max:
                del seen[next(iter(seen))]

    def _count(self, results: list[Result]) -> None:
        tally = Counter(r.classifier for r in results)
        with self._counts_lock:
            for classifier, n in tally.items():
                self.counts[classifier] = self.counts.get(classifier, 0) + n

    # --- the cheap stages: rules and the template cache ----------------------------
    def _known_lookup(self, key: str) -> Decision | None:
        """The cache lookup of ``begin``: the in-process LRU only, and only decisions
        it can finish with (an unsure one needs the LLM, if there is one). Counts a hit only
        when it answers, so a line passed on to ``classify_batch`` is counted there, once."""
        d = self.cache.peek(key)
        if d is None or (not d.accepted and self.llm is not None):
            return None
        return self.cache.get_local(key)

    def _cheap(
        self,
        index: int,
        text: str,
        source: str | None,
        lookup: Callable[[str], Decision | None] | None = None,
    ) -> Result | PendingLine | tuple[str, PendingLine]:
        """Rules, then the cache: a Result, a PendingLine bound for the LLM, or ("new", p).

        The hot path of a warm cache (most lines of most logs): kept to a few dict lookups
        and two small objects per line. ``lookup`` replaces the cache's ``get``.
        """
        lookup = lookup or self.cache.get
        if len(text) > self.max_line_chars:
            text = text[: self.max_line_chars]
        # (not_log_text's own first test, inlined: a call per line costs more than it)
        if not text.isprintable() or "\ufffd" in text or not text or text.isspace():
            why = not_log_text(text)
            if why is not None:
                return self._not_text(text, source, why)
        t0 = time.perf_counter()
        match = self.rules.match(text, source)
        if match is not None:
            rule = match.rule
            ms = (time.perf_counter() - t0) * 1000
            return Result(
                log_analyzed=text,
                label_id=rule.label,
                label=self._names.get(rule.label, rule.label),
                pipeline_stage=_REGEX_PIPELINE_STAGE,
                final_confidence=rule.confidence,
                classifier=Classifier.REGEX,
                processing_time_ms=ms,
                source=source,
                recipe=self._rule_journeys[match.index],
                first_ms=ms,
            )
        if source is not None and source in self.taxonomy.routing.llm_sources:
            ms = (time.perf_counter() - t0) * 1000
            p = PendingLine(
                index,
                text,
                source,
                f"source:{source}|{self._key(text)}",
                [
                    Step(StageName.REGEX, Status.SKIPPED, _NO_RULE, None, None, ms),
                    Step(
                        StageName.BERT,
                        Status.SKIPPED,
                        f"Source {source!r} is routed straight to the LLM.",
                    ),
                ],
            )
            where = self._from_cache(p, lookup)
            return where if isinstance(where, Result) else p
        key = self._key(text)
        t1 = time.perf_counter()
        decision = lookup(key)
        t2 = time.perf_counter()
        return self._looked_up(
            index, text, source, key, decision, (t1 - t0) * 1000, (t2 - t1) * 1000
        )

    def _resume(self, index: int, p: PendingLine) -> Result | PendingLine | tuple[str, PendingLine]:
        """What ``_cheap`` gives for a line :meth:`begin` left pending: the rest of it, the
        look-up in the whole cache (the shared store too); its rules and key are not redone."""
        p.index = index
        if p.key.startswith("source:"):
            where = self._from_cache(p, self.cache.get)
            return where if isinstance(where, Result) else p
        t0 = time.perf_counter()
        decision = self.cache.get(p.key)
        cache_ms = (time.perf_counter() - t0) * 1000
        return self._looked_up(
            index, p.text, p.source, p.key, decision, p.steps[0].duration_ms, cache_ms
        )

    def _looked_up(
        self,
        index: int,
        text: str,
        source: str | None,
        key: str,
        decision: Decision | None,
        regex_ms: float,
        cache_ms: float,
    ) -> Result | PendingLine | tuple[str, PendingLine]:
        """``_cheap`` once the template's decision (or None) is known."""
        if decision is not None and decision.accepted and decision.stage == Classifier.BERT:
            # the commonest answer of all, its journey written only if it is read
            label_id = decision.label_id
            return Result(
                log_analyzed=text,
                label_id=label_id,
                label=self._names.get(label_id, label_id),
                pipeline_stage=_BERT_PIPELINE_STAGE,
                final_confidence=decision.confidence,
                classifier=Classifier.CACHE,
                processing_time_ms=regex_ms + cache_ms,
                source=source,
                template=key,
                decided_by=Classifier.BERT,
                recipe=_CACHE_HIT_JOURNEY,
                first_ms=regex_ms,
                second_ms=cache_ms,
            )
        regex_step = Step(StageName.REGEX, Status.SKIPPED, _NO_RULE, None, None, regex_ms)
        if decision is not None and decision.accepted:
            return self._cached_result(text, source, key, decision, [regex_step], cache_ms)
        if decision is not None and self.llm is None:
            # unsure, and no LLM to ask: the fallback, here and now (a warm cache's second
            # commonest answer, so its journey too is written only if it is read)
            return self._unsure_cached(text, source, key, decision, regex_ms, cache_ms)
        p = PendingLine(index, text, source, key, [regex_step])
        if decision is None:
            return ("new", p)
        p.steps.append(self._low_confidence_step(decision, cache_ms))
        return p

    def _unsure_cached(
        self, text: str, source: str | None, key: str, d: Decision, regex_ms: float, cache_ms: float
    ) -> Result:
        """``_fallback`` of a cached unsure decision, with its journey as a recipe: the same
        answer and the same Steps, made once per template and head answer."""
        memo = (key, d.label_id, d.confidence)
        entry = self._unsure_recipes.get(memo)
        if entry is None:
            label, conf, why, classifier = self._routine_for(memo, key, d.label_id, d.confidence)
            recipe = _UnsureJourney(
                _low_confidence_detail(d.confidence, self.threshold),
                d.label_id,
                d.confidence,
                f"{self._no_llm_reason} {why}".strip(),
            )
            if len(self._unsure_recipes) >= _ROUTINE_MEMO:
                self._unsure_recipes.clear()
            entry = self._unsure_recipes[memo] = (
                label,
                self._name(label),
                PIPELINE_STAGE.get(classifier, "None"),
                conf,
                classifier,
                recipe,
            )
        label, name, stage, conf, classifier, recipe = entry
        return Result(
            log_analyzed=text,
            label_id=label,
            label=name,
            pipeline_stage=stage,
            final_confidence=conf,
            classifier=classifier,
            processing_time_ms=regex_ms + cache_ms,
            source=source,
            template=key,
            recipe=recipe,
            first_ms=regex_ms,
            second_ms=cache_ms,
        )

    def _not_text(self, text: str, source: str | None, why: str) -> Result:
        """An honest fallback for a line that is not log text: no stage is asked (a model's
        label for binary noise would be a guess stated with confidence), nothing is cached."""
        detail = f"Not log text: {why}."
        steps = [
            Step(StageName.REGEX, Status.SKIPPED, detail),
            Step(StageName.BERT, Status.SKIPPED, detail),
            Step(StageName.LLM, Status.SKIPPED, detail),
        ]
        return self._result(
            text, source, self.taxonomy.fallback, 0.0, Classifier.NONE, None, steps, None
        )

    # --- stages --------------------------------------------------------------------
    def _from_cache(
        self, p: PendingLine, lookup: Callable[[str], Decision | None]
    ) -> Result | Decision | None:
        """A Result from the cache; the Decision if it is an unsure one (its step is added to
        the journey); None if the cache has nothing."""
        t0 = time.perf_counter()
        d = lookup(p.key)
        ms = (time.perf_counter() - t0) * 1000
        if d is None:
            return None
        if d.accepted:
            return self._cached_result(p.text, p.source, p.key, d, p.steps, ms)
        p.steps.append(self._low_confidence_step(d, ms))
        return d

    def _low_confidence_step(self, d: Decision, ms: float) -> Step:
        # An embedding answer below the threshold, kept so the encoder is not paid again.
        return Step(
            StageName.BERT,
            Status.LOW_CONFIDENCE,
            _low_confidence_detail(d.confidence, self.threshold),
            d.label_id,
            d.confidence,
            ms,
        )

    def _embedding_stage(
        self, groups: dict[str, list[PendingLine]], results: list[Result | None]
    ) -> list[PendingLine]:
        """Encode each new template once; accept above the threshold, else pass on."""
        onward: list[PendingLine] = []
        if self.encoder is None or self.head is None:
            why = self._why.get("bert") or (
                f"No trained head for taxonomy {self.taxonomy.name!r}."
                if self.head is None
                else "No encoder loaded."
            )
            for members in groups.values():
                for p in members:
                    p.steps.append(Step(StageName.BERT, Status.UNAVAILABLE, why))
                    onward.append(p)
            return onward
        keys = list(groups)
        # Guarded calls of EMBED_CHUNK templates each: the per-call timeout then means the same
        # for a single request and a 10,000-line batch, and a failure costs one chunk only.
        for start in range(0, len(keys), EMBED_CHUNK):
            chunk = keys[start : start + EMBED_CHUNK]
            t0 = time.perf_counter()
            try:
                probs, familiarity = self._predict(chunk)
            except Exception as exc:  # a failing stage degrades the answer, never the request
                status = Status.UNAVAILABLE if isinstance(exc, StageUnavailable) else Status.FAILED
                ms = (time.perf_counter() - t0) * 1000 / len(chunk)
                for key in chunk:
                    for p in groups[key]:
                        p.steps.append(
                            Step(
                                StageName.BERT,
                                status,
                                f"{type(exc).__name__}: {exc}",
                                duration_ms=ms,
                            )
                        )
                        onward.append(p)
                continue
            ms = (time.perf_counter() - t0) * 1000 / len(chunk)
            assert self._judge is not None
            for key, row, fam in zip(chunk, probs, familiarity, strict=True):
                if self.priors_seen is not None:
                    self.priors_seen.add(key, row)
                verdict = self._judge.judge(row, None if fam is None else float(fam), key)
                label, conf, accepted = verdict.label, verdict.confidence, verdict.accepted
                self.cache.put(key, Decision(label, conf, Classifier.BERT, accepted))
                note = f" {verdict.note}" if verdict.note else ""
                for p in groups[key]:
                    if accepted:
                        p.steps.append(
                            Step(
                                StageName.BERT,
                                Status.CLASSIFIED,
                                f"Confidence {conf:.2f} reached the {self.threshold} threshold.",
                                label,
                                conf,
                                ms,
                            )
                        )
                        p.steps.append(
                            Step(
                                StageName.LLM, Status.SKIPPED, "Not needed: decided by BERT Model."
                            )
                        )
                        results[p.index] = self._result(
                            p.text, p.source, label, conf, Classifier.BERT, None, p.steps, p.key
                        )
                    else:
                        p.steps.append(
                            Step(
                                StageName.BERT,
                                Status.LOW_CONFIDENCE,
                                _low_confidence_detail(conf, self.threshold, note, cached=False),
                                label,
                                conf,
                                ms,
                            )
                        )
                        onward.append(p)
        return onward

    def _predict(self, keys: list[str]) -> tuple[np.ndarray, list[float | None]]:
        """Probabilities per key, and how familiar each key's vector is to the head."""
        assert self.encoder is not None and self.head is not None
        encoder, head = self.encoder, self.head
        texts = [self._view(k) for k in keys]
        judge_by_familiarity = self._judge is not None and self._judge.familiar_at > 0

        def run() -> tuple[np.ndarray, list[float | None]]:
            vectors = encoder.encode(texts)
            # the texts too: a head may also read their words (LinearHead.uses_texts)
            probs = head.predict_proba(vectors, texts=texts)
            # (only when the taxonomy judges by it: a matmul with every prototype per line)
            familiarity = getattr(head, "familiarity", None) if judge_by_familiarity else None
            fam = familiarity(vectors) if familiarity is not None else None
            return probs, ([None] * len(keys) if fam is None else [float(f) for f in fam])

        result: tuple[np.ndarray, list[float | None]] = (
            self.embed_breaker.call(run) if self.embed_breaker is not None else run()
        )
        return result

    def _llm_stage(self, pending: list[PendingLine], results: list[Result | None]) -> None:
        """Ask the LLM once per template (shared with concurrent callers); else fallback."""
        groups: dict[str, list[PendingLine]] = {}
        for p in pending:
            groups.setdefault(p.key, []).append(p)
        if self.llm is None:
            for members in groups.values():
                for p in members:
                    p.steps.append(Step(StageName.LLM, Status.UNAVAILABLE, self._no_llm_reason))
                    results[p.index] = self._fallback(p)
            return
        futures = self._llm_futures(groups)
        for key, fut in futures.items():
            outcome, ms = fut.result()
            for p in groups[key]:
                if isinstance(outcome, Decision):
                    status = Status.CLASSIFIED if outcome.accepted else Status.LOW_CONFIDENCE
                    p.steps.append(
                        Step(
                            StageName.LLM,
                            status,
                            outcome.details,
                            outcome.label_id,
                            outcome.confidence,
                            ms,
                        )
                    )
                    results[p.index] = self._result(
                        p.text,
                        p.source,
                        outcome.label_id,
                        outcome.confidence,
                        Classifier.LLM,
                        None,
                        p.steps,
                        p.key,
                    )
                else:
                    status = (
                        Status.UNAVAILABLE
                        if isinstance(outcome, StageUnavailable)
                        else Status.FAILED
                    )
                    p.steps.append(Step(StageName.LLM, status, str(outcome), duration_ms=ms))
                    results[p.index] = self._fallback(p)

    def _llm_futures(
        self, groups: dict[str, list[PendingLine]]
    ) -> dict[str, Future[tuple[Decision | StageError, float]]]:
        """A future outcome per template: one already asked for by a concurrent caller, or a
        new one, asked about with the other new ones ``batch_size`` at a time (each request
        on the LLM pool, so requests run side by side)."""
        futures: dict[str, Future[tuple[Decision | StageError, float]]] = {}
        fresh: list[tuple[str, PendingLine]] = []
        with self._inflight_lock:
            for key, members in groups.items():
                fut = self._inflight.get(key)
                if fut is None:  # nobody is asking about this template yet
                    fut = self._inflight[key] = Future()
                    fresh.append((key, members[0]))
                futures[key] = fut
        size = self._llm_batch_size
        for start in range(0, len(fresh), size):
            part = fresh[start : start + size]
            try:
                self._llm_pool.submit(self._ask_llm, part)
            except RuntimeError as exc:  # the pool is shut down: the sieve is closing
                self._settle(part, StageFailed(f"the sieve is closing: {exc}"), 0.0)
        return futures

    def _ask_llm(self, part: list[tuple[str, PendingLine]]) -> None:
        """Ask about ``part``'s templates (one request when the stage takes batches) and
        settle their futures: each with its outcome and how long the stage took (ms)."""
        assert self.llm is not None
        t0 = time.perf_counter()
        outcomes: dict[str, Decision | StageError] = {}
        try:
            asking: list[tuple[str, PendingLine]] = []
            for key, p in part:
                cached = self.cache.peek(key)
                if cached is not None and cached.stage == Classifier.LLM:
                    outcomes[key] = cached
                else:
                    asking.append((key, p))
            # The decision is cached under ``key``: the LLM may see the source only when the
            # key holds it (a source routed to the LLM), else one request's source would fix
            # the label of the template for every later client.
            items = [(p.text, p.source if key.startswith("source:") else None) for key, p in asking]
            verdicts = self._verdicts(items)
            for (key, _p), verdict in zip(asking, verdicts, strict=True):
                outcomes[key] = self._decision(key, verdict)
        except Exception as exc:  # the seam should not raise anything else; be safe
            failed = StageFailed(f"{type(exc).__name__}: {exc}")
            for key, _p in part:
                outcomes.setdefault(key, failed)
        ms = (time.perf_counter() - t0) * 1000
        for key, _p in part:
            self._settle([(key, _p)], outcomes[key], ms)

    def _verdicts(self, items: list[tuple[str, str | None]]) -> list[Any]:
        """The LLM's verdict (or the StageError saying why not) per ``(text, source)``."""
        assert self.llm is not None
        many = getattr(self.llm, "classify_many", None)
        if len(items) > 1 and callable(many):
            return list(many(items))
        out: list[Any] = []
        for text, source in items:
            try:
                out.append(self.llm.classify(text, source))
            except StageError as exc:
                out.append(exc)
        return out

    def _settle(
        self, part: list[tuple[str, PendingLine]], outcome: Decision | StageError, ms: float
    ) -> None:
        with self._inflight_lock:
            futures = [self._inflight.pop(key, None) for key, _p in part]
        for fut in futures:
            if fut is not None:
                fut.set_result((outcome, ms))

    def _decision(self, key: str, verdict: Any) -> Decision | StageError:
        """What the LLM's answer about template ``key`` decides (cached unless unsure)."""
        if isinstance(verdict, StageError):
            return verdict
        if isinstance(verdict, Exception):
            return StageFailed(f"{type(verdict).__name__}: {verdict}")
        label = getattr(verdict, "label_id", None)
        if label not in self.taxonomy.label_ids:
            return StageFailed(
                f"The LLM answered {label!r}, which is not a label of {self.taxonomy.name!r}."
            )
        reasoning = str(getattr(verdict, "reasoning", "") or "").strip()
        details = f"Classified into 1 of {self._n_classes} enhanced categories."
        batch = getattr(verdict, "batch", 1)
        if isinstance(batch, int) and batch > 1:
            details += f" Answered in a batch of {batch} templates."
        if reasoning:
            details += f" {reasoning}"
        # An answer to a line with steering words is unsure (it may have obeyed them):
        # served as such, never cached.
        steered = bool(getattr(verdict, "steered", False))
        decision = Decision(label, float(verdict.confidence), Classifier.LLM, not steered, details)
        if not steered:
            self.cache.put(key, decision)
        return decision

    # --- results -------------------------------------------------------------------
    def _result(
        self,
        text: str,
        source: str | None,
        label_id: str,
        conf: float,
        classifier: str,
        decided_by: str | None,
        steps: list[Step],
        key: str | None,
    ) -> Result:
        stage_of = decided_by or classifier
        return Result(
            log_analyzed=text,
            label_id=label_id,
            label=self._name(label_id),
            pipeline_stage=PIPELINE_STAGE.get(stage_of, "None"),
            final_confidence=conf,
            classifier=classifier,
            journey=steps,
            processing_time_ms=math.fsum([s.duration_ms for s in steps]),
            source=source,
            template=key,
            decided_by=decided_by,
        )

    def _cached_result(
        self, text: str, source: str | None, key: str, d: Decision, steps: list[Step], ms: float
    ) -> Result:
        if d.stage == Classifier.BERT:
            steps.extend(_bert_cache_hit_steps(d.label_id, d.confidence, ms))
            return self._result(
                text, source, d.label_id, d.confidence, Classifier.CACHE, d.stage, steps, key
            )
        if not any(s.stage == StageName.BERT for s in steps):
            steps.append(
                Step(
                    StageName.BERT,
                    Status.SKIPPED,
                    "Not needed: template decided earlier by LLM Fallback.",
                )
            )
        steps.append(
            Step(
                StageName.LLM,
                Status.CACHE_HIT,
                f"Template seen before; decided by LLM Fallback. {d.details}".strip(),
                d.label_id,
                d.confidence,
                ms,
            )
        )
        return self._result(
            text, source, d.label_id, d.confidence, Classifier.CACHE, d.stage, steps, key
        )

    def _fallback(self, p: PendingLine) -> Result:
        """Nobody was sure and no LLM answered: the head's own label when it is a fair guess
        (``EmbeddingJudge.best_guess``: sure enough for ``routing.no_llm_threshold``); else
        the routine default if the line shows no problem cue, else the fallback
        (``verdict.routine_answer``). The last step of the journey says which."""
        head = next(
            (
                st
                for st in reversed(p.steps)
                if st.stage == StageName.BERT and st.status == Status.LOW_CONFIDENCE
            ),
            None,
        )
        # Memoised per template and what the head said of it (an encoder that failed for a
        # template once may answer it later).
        memo = (p.key, head.label_id, head.confidence) if head is not None else (p.key, None, None)
        label, conf, why, classifier = self._routine_for(memo, p.key, *memo[1:])
        if why and p.steps:
            last = p.steps[-1]
            p.steps[-1] = Step(
                last.stage,
                last.status,
                f"{last.details} {why}".strip(),
                last.label_id,
                last.confidence,
                last.duration_ms,
            )
        return self._result(p.text, p.source, label, conf, classifier, None, p.steps, p.key)

    def _routine_for(
        self,
        memo: tuple[str, str | None, float | None],
        key: str,
        head_label: str | None,
        head_conf: float | None,
    ) -> tuple[str, float, str, str]:
        """The fallback's (label, confidence, why, classifier), remembered per ``memo``."""
        answer = self._routine.get(memo)
        if answer is None:
            answer = self._unsure_answer(key, head_label, head_conf)
            if len(self._routine) >= _ROUTINE_MEMO:
                self._routine.clear()
            self._routine[memo] = answer
        return answer

    def _unsure_answer(
        self, key: str, head_label: str | None, head_conf: float | None
    ) -> tuple[str, float, str, str]:
        judge = self._judge
        if (
            judge is not None
            and head_label is not None
            and head_conf is not None
            and judge.best_guess(head_label, head_conf, key)
        ):
            return (
                head_label,
                head_conf,
                f"No LLM answer: kept the BERT Model's {head_label} at "
                f"{head_conf:.2f} (no-LLM threshold {judge.guess_at}).",
                Classifier.BERT,
            )
        return (*routine_answer(self.taxonomy, key), Classifier.NONE)

    def _name(self, label_id: str) -> str:
        return self._names.get(label_id, label_id)

    # --- observability -------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        """Component status, for /health and the CLI."""
        problems = self.problems()
        llm_health: dict[str, Any] = {"configured": self.llm is not None}
        if self.llm is not None:
            h = getattr(self.llm, "health", None)
            llm_health.update(h() if callable(h) else {"model": self.llm.name})
        elif "llm" in self._why:
            llm_health["reason"] = self._why["llm"]
        breakers: dict[str, str] = {}
        llm_breaker = getattr(self.llm, "breaker", None)
        bert_breaker = getattr(self.embed_breaker, "breaker", self.embed_breaker)
        for name, obj in (("bert", bert_breaker), ("llm", llm_breaker)):
            state = getattr(obj, "state", None)
            if state is not None:
                breakers[name] = str(getattr(state, "value", state))
        head = self.head
        encoder_health = getattr(self.encoder, "health", None)
        return {
            "taxonomy": {
                "name": self.taxonomy.name,
                "hash": self.taxonomy.content_hash,
                "labels": len(self.taxonomy.labels),
            },
            "rules": len(self.rules),
            "encoder": {
                "loaded": self.encoder is not None,
                "name": getattr(self.encoder, "name", None),
                # (a remote encoder says where it is)
                **(encoder_health() if callable(encoder_health) else {}),
                **({"reason": self._why["encoder"]} if "encoder" in self._why else {}),
            },
            "head": {
                "loaded": head is not None,
                "taxonomy": self.taxonomy.name if head is not None else None,
                "classes": list(head.classes_) if head is not None else [],
                # (True: the head also weighs the words of each template)
                "lexical": bool(getattr(head, "uses_texts", False)),
                **({"reason": self._why["bert"]} if "bert" in self._why else {}),
            },
            "threshold": self.threshold,
            "llm": llm_health,
            "cache": {**self.cache.stats(), **self._backend_health()},
            "breakers": breakers,
            "decisions": dict(self.counts),
            "judgement": self._judgement_health(),
            "status": "degraded" if problems else "healthy",
            "degraded": [p.to_json() for p in problems],
            "can_classify": self.can_classify(problems),
        }

    # --- degradation ---------------------------------------------------------------------
    def check_llm(self) -> StageProblem | None:
        """Ask the configured LLM server whether it answers (one quick request); remember and
        return the problem when it does not. The faces call this once at start."""
        probe = getattr(self.llm, "probe", None)
        if not callable(probe):
            return None
        reason = probe()
        self._llm_problem = (
            None
            if reason is None
            else StageProblem(
                "llm",
                reason,
                "check LLM_BASE_URL / GROQ_API_KEY and that the server is up, or "
                "pass --no-llm (LOGSIEVE_LLM_ENABLED=false)",
            )
        )
        return self._llm_problem

    def problems(self) -> list[StageProblem]:
        """Stages meant to run that cannot (``degradation``): the encoder or head that did not
        load, an LLM that did not answer the start-up probe or whose breaker is open now."""
        found = list(self._problems)
        if self._llm_problem is not None:
            found.append(self._llm_problem)
        else:
            state = getattr(
                getattr(getattr(self.llm, "breaker", None), "state", None), "value", None
            )
            if state == "open":
                found.append(
                    StageProblem(
                        "llm",
                        "the LLM breaker is open (recent calls "
                        "failed); answers go without it until it closes",
                    )
                )
        return found

    def can_classify(self, problems: Sequence[StageProblem] | None = None) -> bool:
        """Whether a line the rules miss can get a real answer: the embedding stage is loaded
        or an LLM is configured and not known to be down. A sieve with every model stage
        switched off on purpose (rules only) is not degraded, so it can classify as asked."""
        problems = self.problems() if problems is None else problems
        if self.encoder is not None and self.head is not None:
            return True
        llm_down = any(p.stage == "llm" for p in problems)
        return (self.llm is not None and not llm_down) or not problems

    def _judgement_health(self) -> dict[str, Any]:
        """How the embedding stage turns probabilities into answers, and the label priors:
        assumed (taxonomy), trained under (head), estimated from this traffic (EM)."""
        judge = self._judge
        priors: dict[str, Any] | None = None
        if judge is not None and judge.shift is not None:
            priors = {
                **judge.shift.to_json(),
                "estimated": (
                    self.priors_seen.estimate() if self.priors_seen is not None else None
                ),
            }
        return {
            "routine_default": self.taxonomy.routine_default,
            "familiar_similarity": judge.familiar_at if judge is not None else None,
            "prior_strength": (
                judge.shift.strength if judge is not None and judge.shift is not None else None
            ),
            "text_view": getattr(self.head, "text_view", None),
            "priors": priors,
        }

    def _backend_health(self) -> dict[str, Any]:
        """The shared store's reachability (one quick ping), for /health."""
        check = getattr(self.cache.backend, "health", None)
        return {"backend_health": check()} if callable(check) else {}

    def top_templates(self, n: int = 20) -> list[dict[str, Any]]:
        return self.cache.top(n)

    def close(self) -> None:
        """Stop the LLM workers and save the template cache where one was configured."""
        self._llm_pool.shutdown(wait=False, cancel_futures=True)
        if self.cache_path is not None:
            self.cache.save(self.cache_path)  # compacts the journal too
        self.cache.close_journal()
        close_encoder = getattr(self.encoder, "close", None)
        if callable(close_encoder):  # a remote encoder's connections (it reopens if used again)
            close_encoder()
