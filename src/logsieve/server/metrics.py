"""Prometheus metrics: seed 001's seven series plus cache hits/misses and LLM calls.

Each app gets its own :class:`CollectorRegistry` so tests can build many apps in one process.
With several worker processes (gunicorn or ``uvicorn --workers``) set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory *before* the workers start:
prometheus_client then keeps values in files there, and :meth:`ServerMetrics.render`
sums them over all workers, so whichever worker answers a scrape reports the whole server.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Metric,
    generate_latest,
)
from prometheus_client import multiprocess as prom_multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from logsieve.result import Classifier, Result, StageName, Status

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

#: Per-line latency: most lines take microseconds (rules, cache), some seconds (LLM).
_LINE_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
_HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: LLM journey statuses that mean the LLM was really called.
_LLM_CALLED = {Status.CLASSIFIED, Status.FAILED, Status.LOW_CONFIDENCE}
#: Answers whose journey never has a failed stage or an LLM call: a rule's, a cache hit's.
_NO_STAGE_ERRORS = frozenset({Classifier.REGEX, Classifier.CACHE})
_STAGE_CLASSIFIER = {
    StageName.REGEX: Classifier.REGEX,
    StageName.BERT: Classifier.BERT,
    StageName.LLM: Classifier.LLM,
}


def multiprocess_enabled() -> bool:
    """True when prometheus_client keeps its values in PROMETHEUS_MULTIPROC_DIR."""
    return bool(os.environ.get(MULTIPROC_ENV))


class ServerMetrics:
    """The service's metrics, updated by the batcher and the HTTP middleware."""

    def __init__(self) -> None:
        self._children: dict[tuple[Any, ...], Any] = {}
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.classifications = Counter(
            "log_classifications",
            "Lines classified, by deciding classifier and label.",
            ["classifier", "label"],
            registry=r,
        )
        self.classification_duration = Histogram(
            "log_classification_duration_seconds",
            "Time to classify one line (inside the sieve).",
            ["classifier"],
            buckets=_LINE_BUCKETS,
            registry=r,
        )
        self.classification_errors = Counter(
            "log_classification_errors",
            "Stage failures and batches that raised.",
            ["classifier", "type"],
            registry=r,
        )
        self.active_workers = Gauge(
            "log_classifier_active_workers",
            "Classification batches running in worker threads.",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.breaker_open = Gauge(
            "log_classifier_circuit_breaker_open",
            "Circuit breaker state (1=open, 0=closed or half-open).",
            ["service"],
            multiprocess_mode="livemax",
            registry=r,
        )
        self.breaker_state = Gauge(
            "log_classifier_circuit_breaker_state",
            "1 for the state each circuit breaker is in (closed, open, half_open), else 0.",
            ["service", "state"],
            multiprocess_mode="livemax",
            registry=r,
        )
        self.http_requests = Counter(
            "log_classifier_http_requests",
            "HTTP requests by endpoint, method and status.",
            ["endpoint", "method", "status"],
            registry=r,
        )
        self.http_duration = Histogram(
            "log_classifier_http_request_duration_seconds",
            "HTTP request latency.",
            ["endpoint", "method"],
            buckets=_HTTP_BUCKETS,
            registry=r,
        )
        self.cache_hits = Counter(
            "log_classifier_cache_hits", "Lines answered from the template cache.", registry=r
        )
        self.cache_misses = Counter(
            "log_classifier_cache_misses",
            "Lines past the rules that the template cache could not answer.",
            registry=r,
        )
        self.cache_rejected = Gauge(
            "log_classifier_cache_rejected_entries",
            "Cached decisions read from the cache file or Redis and dropped (a label outside "
            "the set, a confidence outside 0..1, not a decision at all).",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.llm_calls = Counter(
            "log_classifier_llm_calls",
            "Calls to the LLM stage, by outcome.",
            ["outcome"],
            registry=r,
        )
        self.new_templates = Counter(
            "log_classifier_new_templates",
            "Templates seen for the first time (a new pattern in the stream).",
            registry=r,
        )
        self._templates: TopTemplates | None = None

    def watch_templates(
        self, activities: Callable[[], Iterable[tuple[str, Any]]], top: int
    ) -> None:
        """Export lines per template for the ``top`` commonest of each taxonomy
        (``activities()`` gives ``(taxonomy, TemplateActivity)`` pairs), read at each scrape."""
        self._templates = TopTemplates(activities, top)
        self.registry.register(self._templates)

    # --- classification -------------------------------------------------------------
    def observe_results(self, results: Iterable[Result]) -> None:
        """Count one batch's answers (called from the worker thread that classified it)."""
        for res in results:
            self.observe_result(res)

    def observe_result(self, res: Result) -> None:
        """Count one answer (from a worker thread, or inline from the event loop)."""
        classifier = res.classifier
        self._child(self.classifications, classifier, res.label_id).inc()
        self._child(self.classification_duration, classifier).observe(
            res.processing_time_ms / 1000.0
        )
        if res.new_template:
            self.new_templates.inc()
        if classifier == Classifier.CACHE:
            self.cache_hits.inc()
        elif classifier != Classifier.REGEX:
            self.cache_misses.inc()
        if classifier in _NO_STAGE_ERRORS:
            return  # (nothing below to count, and no journey written only to be read here)
        for step in res.journey:
            status = step.status
            if status == Status.FAILED:
                self._child(
                    self.classification_errors,
                    _STAGE_CLASSIFIER.get(step.stage, step.stage),
                    "stage_failed",
                ).inc()
            if step.stage == StageName.LLM and status in _LLM_CALLED:
                self._child(self.llm_calls, status.lower().replace(" ", "_")).inc()

    def observe_batch_error(self, exc: BaseException) -> None:
        self.classification_errors.labels("sieve", type(exc).__name__).inc()

    def set_breakers(self, breakers: Mapping[str, str]) -> None:
        """Mirror the sieve's breaker states (``name -> closed/open/half_open``)."""
        for name, state in breakers.items():
            self.breaker_open.labels(name).set(1.0 if state == "open" else 0.0)
            for each in ("closed", "open", "half_open"):
                self.breaker_state.labels(name, each).set(1.0 if state == each else 0.0)

    def mirror_health(self, components: Mapping[str, Any]) -> None:
        """Mirror what ``sieve.health()`` says: breaker states and rejected cache entries."""
        self.set_breakers(components.get("breakers", {}))
        rejected = (components.get("cache") or {}).get("rejected")
        if isinstance(rejected, int):
            self.cache_rejected.set(rejected)

    # --- HTTP -----------------------------------------------------------------------
    def observe_request(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        self._child(self.http_requests, endpoint, method, str(status)).inc()
        self._child(self.http_duration, endpoint, method).observe(seconds)

    def _child(self, metric: Any, *labels: str) -> Any:
        """``metric.labels(*labels)``, remembered: the lookup costs more than the update.

        Label values are bounded already (route templates, labels, classifiers), so the
        dict grows no further than prometheus_client's own table of children does."""
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            # setdefault: two threads may race here; both get prometheus_client's one child.
            child = self._children.setdefault(key, metric.labels(*labels))
        return child

    # --- exposition -----------------------------------------------------------------
    def render(self) -> bytes:
        """The Prometheus text: this process's registry, or every worker's in multiprocess."""
        if multiprocess_enabled():
            registry = CollectorRegistry()
            prom_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            if self._templates is not None:  # (this worker's: templates live per process)
                registry.register(self._templates)
            return generate_latest(registry)
        return generate_latest(self.registry)


class TopTemplates(Collector):
    """``log_classifier_template_lines{taxonomy, template, label}``: lines per template since
    start, for the ``top`` commonest of each taxonomy only, so the number of series stays
    bounded whatever the logs hold (a label per template would not be). Opt-in
    (``LOGSIEVE_METRICS_TOP_TEMPLATES``): template text in labels is unusual for Prometheus,
    and a template that drops out of the top N leaves its series (Prometheus marks it stale).
    """

    #: Longest template text in a label value.
    MAX_LABEL_CHARS = 200

    def __init__(self, activities: Callable[[], Iterable[tuple[str, Any]]], top: int) -> None:
        self._activities = activities
        self._top = top

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "log_classifier_template_lines",
            "Lines per template since start, for the commonest templates only "
            "(LOGSIEVE_METRICS_TOP_TEMPLATES).",
            labels=["taxonomy", "template", "label"],
        )
        for taxonomy, activity in self._activities():
            for row in activity.top(self._top):
                family.add_metric(
                    [taxonomy, row["template"][: self.MAX_LABEL_CHARS], row["label_id"]],
                    row["count"],
                )
        yield family

    def describe(self) -> Iterable[Metric]:
        return []  # (no describe-time collect: the activities may not exist yet)


def mark_process_dead(pid: int) -> None:
    """For gunicorn's ``child_exit`` hook: drop a dead worker's live gauges."""
    if multiprocess_enabled():
        prom_multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
