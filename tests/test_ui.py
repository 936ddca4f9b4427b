"""The web page at /ui, clicked through in a real headless Chromium against the real server.

The server is the real app (uvicorn on 127.0.0.1) with the real sieve: the rules, the
template cache, the embedding stage wherever this install has a head, and the LLM stage
talking over HTTP to ``llm_double`` (the team's OpenAI-compatible test server), so that
lines past the rules get real LLM Fallback journeys and, on a repeat, real cache hits.
Expected values are taken from the API's own answers, never written into the test.

Screenshots go to ``$LOGSIEVE_UI_SCREENS`` (e.g. ``tests/ui_screens``) or a temporary
directory, at laptop (1366×768) and phone (390×844) sizes.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI

from conftest_server import RULE_LINES, LiveServer
from llm_double import LLMDouble, Reply
from logsieve.build import build_sieve
from logsieve.server import create_app
from logsieve.server.routes.generate import load_generator
from logsieve.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright for Python is not installed"
)
expect = sync_api.expect

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
API_KEY = "ui-test-key-0123456789"
#: The screenshots docs/ui.md shows.
DOC_SCREENS = (
    "classify-cache-hit-laptop.png",
    "classify-one-phone.png",
    "file-table-laptop.png",
    "file-table-phone.png",
    "generate-laptop.png",
    "dashboard-laptop.png",
    "dashboard-phone.png",
    "api-key-laptop.png",
)
#: How long the page may take to show something (the LLM double answers in milliseconds).
WAIT_MS = 15_000


# --- the LLM the sieve talks to ---------------------------------------------------------
def _llm_answer(body: dict[str, Any]) -> Reply:
    """A deterministic stand-in model: a label chosen from words of the line."""
    text = body["messages"][-1]["content"].lower()
    if "timed out" in text or "timeout" in text:
        return Reply.answer("WORKFLOW_ERROR", 0.88, "a step timed out")
    if "pool" in text or "replica" in text or "shard" in text:
        return Reply.answer("DB_ERROR", 0.91, "database trouble")
    if "deprecated" in text:
        return Reply.answer("DEPRECATION_WARNING", 0.83, "deprecation")
    return Reply.answer("SYSTEM_NOTIFICATION", 0.77, "system event")


@pytest.fixture(scope="module")
def llm() -> Iterator[LLMDouble]:
    with LLMDouble() as double:
        double.default = _llm_answer
        yield double


def _settings(llm: LLMDouble, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None, llm_base_url=llm.base_url, llm_api_key="k", llm_model=llm.model, **overrides
    )


@pytest.fixture(scope="module")
def sieve(llm: LLMDouble) -> Iterator[Any]:
    built = build_sieve(_settings(llm))
    yield built
    built.close()


def ui_app(settings: Settings, sieve: Any) -> FastAPI:
    """The real app (the page and its dashboard route are part of it)."""
    return create_app(settings, sieve=sieve)


@pytest.fixture(scope="module")
def server(llm: LLMDouble, sieve: Any) -> Iterator[LiveServer]:
    with LiveServer(ui_app(_settings(llm), sieve)) as srv:
        yield srv


# --- the browser ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = os.environ.get("LOGSIEVE_UI_SCREENS")
    path = Path(where) if where else tmp_path_factory.mktemp("ui_screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Tab:
    """A browser page plus what its console said."""

    page: Any
    screens: Path
    size: str
    errors: list[str] = field(default_factory=list)
    #: console messages that are expected (the browser reporting an HTTP status we asked for)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow_status(self, status: int) -> None:
        self.allowed.append(
            re.compile(
                rf"^Failed to load resource: the server responded with a status of {status}\b"
            )
        )

    def shot(self, name: str) -> Path:
        path = self.screens / f"{name}-{self.size}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture()
def open_page(browser: Any, screens: Path) -> Iterator[Callable[..., Tab]]:
    """``open_page(url, size="laptop")``: a fresh context; fails the test on console errors."""
    tabs: list[Tab] = []

    def opener(url: str, size: str = "laptop", **context: Any) -> Tab:
        ctx = browser.new_context(
            viewport=LAPTOP if size == "laptop" else PHONE, accept_downloads=True, **context
        )
        page = ctx.new_page()
        page.set_default_timeout(WAIT_MS)
        tab = Tab(page, screens, size)
        page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: tab.errors.append(f"page error: {e}"))
        page.goto(url)
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        tabs.append(tab)
        return tab

    yield opener
    for tab in tabs:
        errors = tab.unexpected_errors()
        tab.page.context.close()
        assert not errors, f"console errors: {errors}"


def _unique(prefix: str) -> str:
    """A line no earlier test has classified (the template cache would answer otherwise)."""
    _unique.n += 1  # type: ignore[attr-defined]
    return f"{prefix} worker-{'abcdefghij'[_unique.n % 10]}{'klmnopqrst'[_unique.n // 10 % 10]}"  # type: ignore[attr-defined]


_unique.n = 0  # type: ignore[attr-defined]


def _classify_in_page(tab: Tab, lines: list[str]) -> list[dict[str, Any]]:
    """Type the lines, press Classify, wait for every card; the API's answers, in order."""
    page = tab.page
    answers: dict[str, dict[str, Any]] = {}

    def keep(resp: Any) -> None:
        if resp.url.endswith("/api/classify") and resp.status == 200:
            body = resp.json()
            answers[body["log_analyzed"]] = body

    page.on("response", keep)
    page.click("#tab-classify")
    page.fill("#lines", "\n".join(lines))
    page.click("#classify-form button[type=submit]")
    expect(page.locator("#classify-status")).to_contain_text(f"Classified {len(lines)} line")
    expect(page.locator("#classify-results details.result")).to_have_count(len(lines))
    expect(page.locator("#classify-results details.pending")).to_have_count(0)
    page.remove_listener("response", keep)
    return [answers[line] for line in lines]


def _assert_card_shows(card: Any, answer: dict[str, Any]) -> None:
    """The card says what the API said: label, confidence, and each stage's status."""
    expect(card.locator(".label-badge").first).to_have_text(answer["label"])
    expect(card.locator(".conf-value")).to_have_text(f"{answer['final_confidence']:.2f}")
    card.locator("summary").click() if not card.evaluate("d => d.open") else None
    stages = card.locator(".journey > li")
    expect(stages).to_have_count(3)
    by_stage = {s["stage"]: s for s in answer["journey"]}
    for i, name in enumerate(("Regex Engine", "BERT Model", "LLM Fallback")):
        item = stages.nth(i)
        expect(item.locator(".stage-name")).to_contain_text(name)
        step = by_stage[name]
        assert item.get_attribute("data-status") == step["status"]
        expect(item.locator(".stage-status")).to_contain_text(step["status"])
        if step.get("confidence") is not None:
            expect(item.locator(".stage-conf")).to_have_text(f"{step['confidence']:.2f}")
        expect(item.locator(".stage-time")).to_contain_text("ms")


# --- the HTTP side ----------------------------------------------------------------------
def test_page_and_its_files_are_served(server: LiveServer) -> None:
    with server.client() as c:
        r = c.get("/ui")
        assert r.status_code == 307 and r.headers["location"] == "ui/"
        page = c.get("/ui/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        refs = re.findall(r'(?:src|href)="([\w.-]+\.(?:js|css))"', page.text)
        assert "app.js" in refs and "style.css" in refs
        js = c.get("/ui/app.js")
        imports = re.findall(r'from "\./([\w.-]+\.js)"', js.text)
        assert imports, "app.js imports its modules"
        for name in {*refs, *imports}:
            asset = c.get(f"/ui/{name}")
            assert asset.status_code == 200, name
            want = "text/css" if name.endswith(".css") else "text/javascript"
            assert asset.headers["content-type"].startswith(want)
        for bad in ("/ui/nope.js", "/ui/..%2Froutes%2Fui.py", "/ui/%2e%2e%2fapp.py"):
            assert c.get(bad).status_code == 404, bad
        config = c.get("/ui/config.json").json()
        assert config["auth_required"] is False
        assert config["generate_available"] is (load_generator() is not None)


def test_dashboard_endpoint_counts_what_was_classified(server: LiveServer) -> None:
    lines = [
        *RULE_LINES[:2],
        _unique("Shard 7 replica lag 900 ms on"),
        _unique("Job sync timed out on"),
    ]
    with server.client() as c:
        before = c.get("/api/dashboard").json()
        answers = c.post("/classify", json=[{"log_message": m} for m in lines]).json()
        after = c.get("/api/dashboard", params={"top": 50}).json()
        health = c.get("/health").json()
    assert after["lines"] - before["lines"] == len(lines)
    for label, n in Counter(a["label_id"] for a in answers).items():
        assert after["by_label"][label] - before["by_label"].get(label, 0) == n
    for stage, n in Counter(a["source"] for a in answers).items():
        assert after["by_stage"][stage] - before["by_stage"].get(stage, 0) == n
    assert after["breakers"] == health["breakers"]
    assert after["llm"]["configured"] is True
    assert after["llm"]["calls"] >= before["llm"]["calls"] + sum(
        a["source"] == "llm" for a in answers
    )
    names = {lab["id"]: lab["name"] for lab in after["taxonomy"]["labels"]}
    decided = [a for a in answers if a["source"] in ("llm", "bert")]
    assert decided
    listed = {t["template"]: t for t in after["top_templates"]}
    for t in listed.values():
        assert t["label"] == names[t["label_id"]]
    assert {a["label_id"] for a in decided} <= {t["label_id"] for t in listed.values()}


def test_dashboard_needs_the_key_when_keys_are_on(llm: LLMDouble, sieve: Any) -> None:
    with LiveServer(ui_app(_settings(llm, api_keys=[API_KEY]), sieve)) as srv, srv.client() as c:
        assert c.get("/ui/").status_code == 200  # the page itself holds nothing secret
        assert c.get("/ui/config.json").json()["auth_required"] is True
        assert c.get("/api/dashboard").status_code == 401
        assert c.get("/api/dashboard", headers={"X-API-Key": API_KEY}).status_code == 200


# --- the page ---------------------------------------------------------------------------
@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_one_line_shows_label_confidence_and_journey(
    server: LiveServer, open_page: Callable[..., Tab], size: str
) -> None:
    tab = open_page(server.url + "/ui/", size)
    line = _unique("Connection pool exhausted after 30s on")
    (first,) = _classify_in_page(tab, [line])
    card = tab.page.locator("#classify-results details.result").first
    assert first["classifier"] in ("llm", "bert")  # past the rules, decided by a model
    _assert_card_shows(card, first)
    tab.shot("classify-one")

    # The same line again: the template cache answers, and the journey says so.
    (again,) = _classify_in_page(tab, [line])
    assert again["classifier"] == "cache"
    card = tab.page.locator("#classify-results details.result").first
    _assert_card_shows(card, again)
    assert card.locator('.journey li[data-status="Cache Hit"]').count() == 1
    expect(card.locator(".decider")).to_contain_text("template cache")
    tab.shot("classify-cache-hit")


def test_many_lines_come_back_in_order_with_their_journeys(
    server: LiveServer, open_page: Callable[..., Tab]
) -> None:
    tab = open_page(server.url + "/ui/")
    lines = [
        RULE_LINES[0],
        _unique("Job export timed out on"),
        RULE_LINES[1],
        _unique("WARNING: flag --x is deprecated on"),
        RULE_LINES[2],
    ]
    answers = _classify_in_page(tab, lines)
    cards = tab.page.locator("#classify-results details.result")
    for i, (line, answer) in enumerate(zip(lines, answers, strict=True)):
        expect(cards.nth(i).locator("summary .line")).to_have_text(line)
        _assert_card_shows(cards.nth(i), answer)
    rules = [a for a in answers if a["classifier"] == "regex"]
    assert len(rules) == 3
    for a in rules:
        assert a["journey"][0]["status"] == "Classified"
    status = tab.page.locator("#classify-status")
    assert status.get_attribute("aria-live") == "polite"
    expect(status).to_contain_text("3 by Regex Engine")
    tab.shot("classify-many")


def test_every_journey_status_is_drawn(server: LiveServer, open_page: Callable[..., Tab]) -> None:
    """Statuses this install cannot produce on demand (Low Confidence needs a trained head,
    Failed a broken LLM) drawn from an answer of the documented shape."""
    tab = open_page(server.url + "/ui/")
    answer = {
        "log_analyzed": "x",
        "label_id": "UNCLASSIFIED",
        "label": "Unclassified",
        "final_confidence": 0.0,
        "classifier": "none",
        "pipeline_stage": "None",
        "processing_time_ms": 2012.5,
        "journey": [
            {
                "stage": "Regex Engine",
                "status": "Skipped",
                "details": "No pattern matched.",
                "duration_ms": 0.01,
            },
            {
                "stage": "BERT Model",
                "status": "Low Confidence",
                "details": "below",
                "label_id": "DB_ERROR",
                "confidence": 0.6234,
                "duration_ms": 12.0,
            },
            {
                "stage": "LLM Fallback",
                "status": "Failed",
                "details": "timeout",
                "duration_ms": 2000.5,
            },
        ],
    }
    tab.page.evaluate(
        """async (a) => {
        const { resultCard } = await import("./journey.js");
        document.getElementById("classify-results").append(resultCard(a, { open: true }));
    }""",
        answer,
    )
    card = tab.page.locator("#classify-results details.result").last
    _assert_card_shows(card, answer)
    expect(card.locator('li[data-stage="BERT Model"] .stage-status')).to_have_text(
        re.compile(r"Low Confidence\s*0\.62")
    )
    expect(card.locator('li[data-stage="LLM Fallback"] .stage-time')).to_contain_text("2,001 ms")
    expect(card.locator(".decider")).to_contain_text("fallback label")


def _write_upload(path: Path, sources: list[str], messages: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["source", "log_message"])
        w.writerows(zip(sources, messages, strict=True))


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_upload_a_file_filter_and_download(
    server: LiveServer, open_page: Callable[..., Tab], tmp_path: Path, size: str
) -> None:
    # Enough rows for three chunks; few templates, so the LLM is asked a few times only.
    kinds = [
        RULE_LINES[0],
        "Connection pool exhausted after {n}s",
        "Job {n} timed out, retrying",
        RULE_LINES[3],
        'Disk "sdb{n}", usage, high',
    ]
    messages = [kinds[i % len(kinds)].replace("{n}", str(i)) for i in range(1_200)]
    sources = [("billing" if i % 3 else "") for i in range(len(messages))]
    upload = tmp_path / f"sample-{size}.csv"
    _write_upload(upload, sources, messages)

    tab = open_page(server.url + "/ui/#file", size)
    page = tab.page
    expect(page.locator("#panel-file")).to_be_visible()
    # Record the progress bar as it moves (the run is too quick to watch otherwise).
    page.evaluate("""() => {
        window.__progress = [];
        const bar = document.getElementById("file-bar");
        new MutationObserver(() => window.__progress.push(Number(bar.value)))
            .observe(bar, { attributes: true });
        const orig = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, "value");
        Object.defineProperty(bar, "value", {
            set(v) { orig.set.call(this, v); window.__progress.push(v); },
            get() { return orig.get.call(this); } });
    }""")
    page.set_input_files("#file", str(upload))
    page.click("#file-form button[type=submit]")
    expect(page.locator("#file-progress-text")).to_have_text("Done: 1,200 lines classified.")
    progress = page.evaluate("window.__progress")
    assert progress[0] == 0 and progress[-1] == 1200
    assert len({v for v in progress if 0 < v < 1200}) >= 2, progress  # moved in steps

    expect(page.locator("#table-summary")).to_contain_text("(1,200 in all)")
    items = [
        {"source": s or None, "log_message": m} for s, m in zip(sources, messages, strict=True)
    ]
    with server.client() as c:  # the batch API, asked again, gives the same labels
        truth = [
            a
            for i in range(0, len(items), 500)
            for a in c.post("/classify", json=items[i : i + 500]).json()
        ]
    labels = Counter(t["label_id"] for t in truth)
    assert len(labels) >= 3

    label, n = labels.most_common()[1]
    page.select_option("#filter-label", label)
    expect(page.locator("#table-summary")).to_contain_text(f"of {n:,} matching rows")
    rows = page.locator("#file-table tbody tr")
    assert rows.count() == min(n, 200)
    assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.label)")) == {label}

    with page.expect_download() as dl:
        page.click("#download")
    saved = tmp_path / "download.csv"
    dl.value.save_as(saved)
    got = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    want = [
        (s, m) for s, m, t in zip(sources, messages, truth, strict=True) if t["label_id"] == label
    ]
    assert [(r["source"], r["log_message"]) for r in got] == want
    assert {r["label_id"] for r in got} == {label}
    assert dl.value.suggested_filename == f"sample-{size}_classified.csv"

    page.select_option("#filter-label", "")
    stages = page.locator("#filter-stage option").evaluate_all("os => os.map(o => o.value)")
    stage = next(s for s in stages if s and s != "regex")
    page.select_option("#filter-stage", stage)
    visible = page.locator("#file-table tbody tr").evaluate_all(
        "rs => rs.map(r => r.dataset.stage)"
    )
    assert visible and set(visible) == {stage}
    page.select_option("#filter-stage", "regex")
    expect(page.locator("#table-summary")).to_contain_text(
        f"of {sum(t['source'] == 'regex' for t in truth):,} matching rows"
    )
    page.select_option("#filter-stage", "")
    tab.shot("file-table")


def test_a_text_file_is_one_line_per_line(
    server: LiveServer, open_page: Callable[..., Tab], tmp_path: Path
) -> None:
    lines = [RULE_LINES[1], "", _unique("Replica set rs0 lost primary on"), RULE_LINES[4]]
    upload = tmp_path / "app.log"
    upload.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tab = open_page(server.url + "/ui/#file")
    tab.page.set_input_files("#file", str(upload))
    tab.page.click("#file-form button[type=submit]")
    expect(tab.page.locator("#file-progress-text")).to_have_text("Done: 3 lines classified.")
    cells = tab.page.locator("#file-table tbody td.msg").all_inner_texts()
    assert cells == [line for line in lines if line]


class _Generated(SimpleNamespace):
    lines: list[str]
    method: str


def _stand_in_generator(
    prompt: str, count: int, taxonomy: Any, llm: Any = None, encoder: Any = None
) -> _Generated:
    """Used only while logsieve.generation has not landed: lines made from the prompt."""
    words = [w for w in re.findall(r"[A-Za-z]+", prompt)] or ["event"]
    return _Generated(
        lines=[
            f"{words[i % len(words)]} service step {i} timed out after {i}s" for i in range(count)
        ],
        method="offline",
    )


def _failing_generator(
    prompt: str, count: int, taxonomy: Any, llm: Any = None, encoder: Any = None
) -> Any:
    raise RuntimeError("the LLM provider is down")


def test_generate_then_classify_with_one_click(
    llm: LLMDouble, sieve: Any, open_page: Callable[..., Tab]
) -> None:
    app = ui_app(_settings(llm), sieve)
    app.state.logsieve.generator = load_generator() or _stand_in_generator
    with LiveServer(app) as srv:
        tab = open_page(srv.url + "/ui/#generate")
        page = tab.page
        page.fill("#prompt", "A network service timed out during VM creation")
        page.fill("#count", "3")
        with page.expect_response("**/api/generate") as resp:
            page.click("#gen-form button[type=submit]")
        generated = resp.value.json()["synthetic_log"]
        assert isinstance(generated, list) and len(generated) == 3
        expect(page.locator("#gen-lines li")).to_have_text(generated)
        tab.shot("generate")
        page.click("#gen-classify")
        expect(page.locator("#panel-classify")).to_be_visible()
        expect(page.locator("#classify-status")).to_contain_text("Classified 3 lines")
        expect(page.locator("#classify-results summary .line")).to_have_text(
            [line.strip() for line in generated]
        )


def test_generation_errors_are_shown_not_thrown(
    llm: LLMDouble, sieve: Any, server: LiveServer, open_page: Callable[..., Tab]
) -> None:
    if load_generator() is None:  # this install has none: the tab says so up front
        tab = open_page(server.url + "/ui/#generate")
        expect(tab.page.locator("#gen-notice")).to_contain_text("no generator installed")
        expect(tab.page.locator("#gen-form button[type=submit]")).to_be_disabled()
        tab.shot("generate-unavailable")

    app = ui_app(_settings(llm), sieve)
    app.state.logsieve.generator = _failing_generator
    with LiveServer(app) as srv:
        tab = open_page(srv.url + "/ui/#generate")
        tab.allow_status(503)
        tab.page.fill("#prompt", "disk full on the database host")
        tab.page.click("#gen-form button[type=submit]")
        error = tab.page.locator("#gen-error")
        expect(error).to_be_visible()
        expect(error).to_contain_text(
            "Could not generate: Generation failed: the LLM provider is down"
        )
        assert error.get_attribute("role") == "alert"
        expect(tab.page.locator("#gen-form button[type=submit]")).to_be_enabled()


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_dashboard_follows_what_is_classified(
    server: LiveServer, open_page: Callable[..., Tab], size: str
) -> None:
    tab = open_page(server.url + "/ui/?poll=300#dashboard", size)
    page = tab.page
    expect(page.locator("#dash-status")).to_contain_text("Updated")
    before = int(page.locator("#kpi-lines").inner_text().replace(",", ""))

    lines = [
        RULE_LINES[0],
        _unique("Shard 3 replica fell behind on"),
        _unique("Nightly export job timed out on"),
    ]
    answers = _classify_in_page(tab, lines)
    page.click("#tab-dashboard")
    expect(page.locator("#kpi-lines")).to_have_text(f"{before + len(lines):,}")

    with server.client() as c:
        truth = c.get("/api/dashboard", params={"top": 10}).json()
        health = c.get("/health").json()
    for stage, n in truth["by_stage"].items():
        count = page.locator(f'#legend-stage li[data-key="{stage}"] .legend-count')
        expect(count).to_have_text(f"{n:,}")
    for label in {a["label_id"] for a in answers}:
        n = truth["by_label"][label]
        count = page.locator(f'#legend-label li[data-key="{label}"] .legend-count')
        expect(count).to_have_text(f"{n:,}")
    expect(page.locator("#kpi-llm")).to_have_text(f"{truth['llm']['calls']:,}")
    hits, misses = truth["cache"]["line_hits"], truth["cache"]["line_misses"]
    expect(page.locator("#kpi-hit-note")).to_have_text(
        f"{hits:,} of {hits + misses:,} lines past the rules"
    )
    shown = float(page.locator("#kpi-hit").inner_text().rstrip("%"))
    assert abs(shown - 100 * hits / (hits + misses)) <= 0.05 + 1e-9
    for name, state in health["breakers"].items():
        breaker = page.locator(f'#breakers li[data-breaker="{name}"]')
        expect(breaker).to_have_attribute("data-state", state)
    templates = page.locator("#templates tbody td.msg").all_inner_texts()
    assert templates == [t["template"] for t in truth["top_templates"]]
    # Each template's lines over the last hour, drawn as a sparkline of the API's series.
    sparks = page.locator("#templates tbody svg.spark")
    assert [
        int(sparks.nth(i).get_attribute("data-total") or -1) for i in range(sparks.count())
    ] == [sum(t["series"]) for t in truth["top_templates"]]
    assert sum(sum(t["series"]) for t in truth["top_templates"]) >= 1
    # The new lines show up as bars in both charts.
    assert page.locator("#chart-stage rect").count() >= 1
    assert page.locator("#chart-label rect").count() >= 1
    tab.shot("dashboard")


def test_api_key_is_asked_for_and_sent(
    llm: LLMDouble, sieve: Any, open_page: Callable[..., Tab]
) -> None:
    with LiveServer(ui_app(_settings(llm, api_keys=[API_KEY]), sieve)) as srv:
        tab = open_page(srv.url + "/ui/?poll=300")
        tab.allow_status(401)  # the wrong key, below
        page = tab.page
        dialog = page.locator("#key-dialog")
        expect(dialog).to_be_visible()
        expect(page.locator("#key-reason")).to_contain_text("needs an API key")
        expect(page.locator("#key-input")).to_be_focused()
        tab.shot("api-key")

        page.fill("#key-input", "not-the-key")
        page.keyboard.press("Enter")
        expect(page.locator("#key-reason")).to_contain_text("refused this key")
        page.fill("#key-input", API_KEY)
        page.click("#key-dialog button[value=ok]")
        expect(dialog).to_be_hidden()

        sent: list[str | None] = []
        page.on(
            "request",
            lambda r: sent.append(r.headers.get("x-api-key")) if "/api/" in r.url else None,
        )
        (answer,) = _classify_in_page(tab, [RULE_LINES[2]])
        assert answer["label_id"]
        assert sent and set(sent) == {API_KEY}
        assert page.evaluate("sessionStorage.getItem('logsieve.apiKey')") == API_KEY
        page.click("#tab-dashboard")
        expect(page.locator("#dash-status")).to_contain_text("Updated")
        expect(page.locator("#key-button")).to_have_text("API key ✓")


def test_keyboard_only(server: LiveServer, open_page: Callable[..., Tab]) -> None:
    tab = open_page(server.url + "/ui/")
    page = tab.page
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.locator(".skip")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#tab-classify")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-file")).to_be_focused()
    expect(page.locator("#panel-file")).to_be_visible()
    page.keyboard.press("End")
    expect(page.locator("#tab-dashboard")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Home")
    expect(page.locator("#panel-classify")).to_be_visible()
    page.keyboard.press("Tab")  # into the panel, then the text area
    page.keyboard.press("Tab")
    expect(page.locator("#lines")).to_be_focused()
    page.keyboard.type(RULE_LINES[3])
    page.keyboard.press("Control+Enter")
    expect(page.locator("#classify-status")).to_contain_text("Classified 1 line")
    # Every control on the page has a name a screen reader can read.
    unnamed = page.evaluate("""() => [
        ...document.querySelectorAll('input, select, textarea, button')]
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                     && !e.textContent.trim()).map(e => e.id || e.outerHTML)""")
    assert unnamed == []


@pytest.mark.parametrize("name", ["classify", "file", "generate", "dashboard"])
def test_nothing_is_wider_than_a_phone(
    server: LiveServer, open_page: Callable[..., Tab], name: str
) -> None:
    tab = open_page(f"{server.url}/ui/#{name}", "phone")
    expect(tab.page.locator(f"#panel-{name}")).to_be_visible()
    if name == "dashboard":
        expect(tab.page.locator("#dash-status")).to_contain_text("Updated")
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width}px wide"


def test_copy_screens_for_the_docs(screens: Path) -> None:
    """With LOGSIEVE_UI_DOCS set, the final screenshots are copied there (docs/ui)."""
    target = os.environ.get("LOGSIEVE_UI_DOCS")
    if not target:
        pytest.skip("set LOGSIEVE_UI_DOCS=docs/ui to refresh the documentation's screenshots")
    shots = [screens / name for name in DOC_SCREENS]
    missing = [s.name for s in shots if not s.exists()]
    assert not missing, f"the tests above did not save {missing}"
    Path(target).mkdir(parents=True, exist_ok=True)
    for shot in shots:
        shutil.copy2(shot, Path(target) / shot.name)


# --- /docs and /redoc with no network ---------------------------------------------------------
def _offline_page(browser: Any, server: LiveServer) -> tuple[Any, Any, list[str]]:
    """A page whose every request off this server is refused, as on a machine with no
    network: anything the docs fetched from a CDN would fail and be listed."""
    context = browser.new_context()
    refused: list[str] = []

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_server)
    return context, context.new_page(), refused


def test_swagger_docs_render_their_operations_offline(browser: Any, server: LiveServer) -> None:
    context, page, refused = _offline_page(browser, server)
    try:
        page.goto(server.url + "/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/api/classify" in paths and "/health" in paths and "/classify" in paths
        assert refused == []
    finally:
        context.close()


def test_redoc_renders_offline(browser: Any, server: LiveServer) -> None:
    context, page, refused = _offline_page(browser, server)
    try:
        page.goto(server.url + "/redoc")
        page.wait_for_selector("[data-section-id]", timeout=30_000)
        titles = page.locator("h2").all_inner_texts()
        assert "Classify one log line" in titles and "Component status" in titles, titles
        # (ReDoc's own "API docs by Redocly" footer image is its one outside request: it is
        # refused here and the page works without it)
        assert [u for u in refused if not u.endswith("/logo-mini.svg")] == []
    finally:
        context.close()
