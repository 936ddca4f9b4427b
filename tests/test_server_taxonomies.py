"""One server, both seeds' categories (issue 18, item 4), and the patterns it has seen (item 3).

A real ``create_app`` builds its sieves from settings (``build_sieves``: the default taxonomy
and every other built-in one, sharing one encoder) and serves them on 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conftest_server import LiveServer, metric_value
from logsieve.build import build_sieves
from logsieve.server import create_app
from logsieve.settings import Settings
from logsieve.taxonomy import load_taxonomy

#: Seed 000's own example request.
SEED_000_LINE = "ERROR nova.compute.manager [req-1234-abcd] Service failed"
STANDARD = frozenset(load_taxonomy("standard").label_ids)
OPENSTACK = frozenset(load_taxonomy("openstack").label_ids)
OPENSTACK_NAMES = {label.id: label.name for label in load_taxonomy("openstack").labels}
#: the services of OpenStack, as its log lines name them
OPENSTACK_LINE = re.compile(r"\b(nova|neutron|keystone|glance|cinder|swift|heat|oslo)[._]")


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    settings = Settings(llm_enabled=False, metrics_top_templates=3)
    with LiveServer(create_app(settings)) as srv:
        yield srv


@pytest.fixture()
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def _unique(stem: str) -> str:
    # a template no other test has sent (the server and its caches live for the module)
    import uuid

    word = "".join(c for c in uuid.uuid4().hex if c.isalpha())[:8] or "zq"
    return f"{stem} {word}x"


def test_the_label_sets_do_not_overlap() -> None:
    # (otherwise the tests below could not tell the taxonomies' answers apart)
    assert not STANDARD & OPENSTACK


def test_seed_000s_request_gets_each_taxonomys_labels_from_one_server(client: httpx.Client) -> None:
    plain = client.post("/api/classify", json={"log_message": SEED_000_LINE})
    named = client.post(
        "/api/classify", json={"log_message": SEED_000_LINE, "taxonomy": "openstack"}
    )
    header = client.post(
        "/api/classify",
        json={"log_message": SEED_000_LINE},
        headers={"X-Logsieve-Taxonomy": "openstack"},
    )
    assert plain.status_code == named.status_code == header.status_code == 200
    assert plain.json()["label_id"] in STANDARD
    assert named.json()["label_id"] in OPENSTACK
    assert header.json()["label_id"] == named.json()["label_id"]
    for step in named.json()["journey"]:
        assert step.get("label_id") is None or step["label_id"] in OPENSTACK


def test_a_request_fastapi_resolves_answers_as_a_plain_one(client: httpx.Client) -> None:
    # the route resolves plain JSON itself; with a charset parameter FastAPI does
    body = {"log_message": SEED_000_LINE, "taxonomy": "openstack"}
    fast = client.post("/api/classify", json=body).json()
    routed = client.post(
        "/api/classify",
        content=httpx.Request("POST", "http://x", json=body).content,
        headers={"Content-Type": "application/json; charset=utf-8"},
    ).json()
    for answer in (fast, routed):
        answer.pop("processing_time_ms")
        for step in answer["journey"]:
            step.pop("duration_ms", None)
    assert fast == routed


@pytest.mark.parametrize("where", ["body", "header"])
def test_an_unknown_taxonomy_is_422_naming_those_served(client: httpx.Client, where: str) -> None:
    body: dict[str, Any] = {"log_message": SEED_000_LINE}
    headers = {}
    if where == "body":
        body["taxonomy"] = "kubernetes"
    else:
        headers["X-Logsieve-Taxonomy"] = "kubernetes"
    for path, payload in (("/api/classify", body), ("/classify", [body])):
        r = client.post(path, json=payload, headers=headers)
        assert r.status_code == 422, (path, r.text)
        err = r.json()
        assert err["error"] == "unknown_taxonomy"
        assert "'kubernetes'" in err["message"] and "standard, openstack" in err["message"]


def test_a_body_and_a_header_naming_two_taxonomies_is_422(client: httpx.Client) -> None:
    r = client.post(
        "/api/classify",
        json={"log_message": SEED_000_LINE, "taxonomy": "openstack"},
        headers={"X-Logsieve-Taxonomy": "standard"},
    )
    assert r.status_code == 422
    assert r.json()["error"] == "taxonomy_conflict"


def test_a_batch_may_mix_taxonomies_and_keeps_its_order(client: httpx.Client) -> None:
    items = [
        {"log_message": SEED_000_LINE},
        {"log_message": SEED_000_LINE, "taxonomy": "openstack"},
        {"log_message": "User admin123 logged in."},
        {"log_message": _unique("nova-compute lost its connection to"), "taxonomy": "openstack"},
    ]
    r = client.post("/classify", json=items)
    assert r.status_code == 200
    answers = r.json()
    assert [a["label_id"] in OPENSTACK for a in answers] == [False, True, False, True]
    assert answers[0]["label_id"] in STANDARD and answers[2]["label_id"] == "USER_ACTION"
    # each answer is the one its taxonomy gives the line alone
    for item, answer in zip(items, answers, strict=True):
        alone = client.post("/api/classify", json=item).json()
        assert alone["label_id"] == answer["label_id"]


def test_health_and_root_list_every_taxonomy(client: httpx.Client) -> None:
    health = client.get("/health").json()
    served = health["taxonomies"]
    assert list(served) == ["standard", "openstack"]
    assert served["standard"]["default"] is True and served["openstack"]["default"] is False
    assert served["standard"]["labels"] == len(load_taxonomy("standard").labels)
    assert served["openstack"]["labels"] == len(load_taxonomy("openstack").labels)
    assert served["openstack"]["head"] is True and served["openstack"]["can_classify"]
    assert health["taxonomy"]["name"] == "standard"  # the rest of the body is the default's
    assert client.get("/").json()["taxonomies"] == ["standard", "openstack"]


def test_generate_writes_lines_of_the_named_taxonomy(client: httpx.Client) -> None:
    prompt = "Generate a log message for a failed compute service"
    r = client.post("/api/generate", json={"prompt": prompt, "taxonomy": "openstack", "count": 20})
    assert r.status_code == 200, r.text
    lines = r.json()["synthetic_log"]
    assert len(lines) == 20
    # OpenStack's lines name its services (most of them: some are bare messages); the
    # default taxonomy's never do
    assert sum(bool(OPENSTACK_LINE.search(line)) for line in lines) >= 8, lines
    plain = client.post("/api/generate", json={"prompt": prompt, "count": 20}).json()
    assert not any(OPENSTACK_LINE.search(line) for line in plain["synthetic_log"]), plain
    bad = client.post("/api/generate", json={"prompt": prompt, "taxonomy": "../etc/passwd"})
    assert bad.status_code == 422 and bad.json()["error"] == "unknown_taxonomy"


def test_build_sieves_can_serve_only_the_default() -> None:
    sieves = build_sieves(Settings(llm_enabled=False, embedding_enabled=False, serve_taxonomies=""))
    assert list(sieves) == ["standard"]
    both = build_sieves(Settings(llm_enabled=False, embedding_enabled=False, taxonomy="openstack"))
    assert list(both) == ["openstack", "standard"]  # the default first


# --- patterns ------------------------------------------------------------------------------
def test_patterns_count_each_template_and_flag_the_new_ones(client: httpx.Client) -> None:
    stem = _unique("Worker pool drained after")
    lines = [f"{stem} {n} ms on host-{n}" for n in (5, 17, 230)]
    answers = [
        client.post("/api/classify", json={"log_message": m, "taxonomy": "openstack"}).json()
        for m in lines
    ]
    assert [a["new_template"] for a in answers] == [True, False, False]
    batch = client.post("/classify", json=[{"log_message": lines[0], "taxonomy": "openstack"}])
    assert batch.status_code == 200

    r = client.get("/api/patterns", params={"taxonomy": "openstack", "top": 500})
    assert r.status_code == 200
    body = r.json()
    assert body["taxonomy"] == "openstack"
    mine = [p for p in body["patterns"] if p["example"] == lines[0]]
    assert len(mine) == 1
    pattern = mine[0]
    assert pattern["count"] == 4  # three lines, and the batch's one
    assert sum(pattern["series"]) == 4 and pattern["series"][-1] == 4
    assert "<NUM>" in pattern["variables"]
    assert pattern["label_id"] in OPENSTACK
    assert pattern["label"] == OPENSTACK_NAMES[pattern["label_id"]]
    assert pattern["first_seen"] <= pattern["last_seen"]
    assert body["lines"] >= 4 and 0 < pattern["share"] <= 1
    # the standard taxonomy counts its own lines only
    standard = client.get("/api/patterns").json()
    assert all(p["example"] != lines[0] for p in standard["patterns"])


def test_pattern_examples_have_their_secrets_redacted(client: httpx.Client) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYab"
    line = _unique("Upload to bucket refused") + f" aws_secret_access_key={secret}"
    assert client.post("/api/classify", json={"log_message": line}).status_code == 200
    patterns = client.get("/api/patterns", params={"top": 500}).json()["patterns"]
    mine = [p for p in patterns if p["example"].startswith(line[:30])]
    assert len(mine) == 1
    assert secret not in mine[0]["example"]


def test_new_templates_and_the_top_templates_are_in_metrics(client: httpx.Client) -> None:
    def scrape() -> str:
        return client.get("/metrics").text

    before = metric_value(scrape(), "log_classifier_new_templates_total")
    stem = _unique("Scheduler skipped node")
    for n in range(3):
        client.post("/api/classify", json={"log_message": f"{stem} {n} of pool"})
    client.post("/api/classify", json={"log_message": _unique("Cron queue stalled at")})
    text = scrape()
    assert metric_value(text, "log_classifier_new_templates_total") == before + 2
    # opt-in, and bounded: 3 series per taxonomy at most (metrics_top_templates=3)
    rows = [line for line in text.splitlines() if line.startswith("log_classifier_template_lines{")]
    assert rows
    for taxonomy in ("standard", "openstack"):
        assert sum(f'taxonomy="{taxonomy}"' in row for row in rows) <= 3
    patterns = client.get("/api/patterns", params={"top": 3}).json()["patterns"]
    for p in patterns:
        assert any(
            f'template="{p["template"]}"' in row and row.endswith(f" {p['count']}.0")
            for row in rows
        ), p["template"]


def test_the_per_template_metric_is_off_by_default(server: LiveServer) -> None:
    app = create_app(
        Settings(llm_enabled=False, serve_taxonomies=""),
        sieves=[s.sieve for s in server.app.state.logsieve.services.values()],
    )
    with LiveServer(app) as srv, srv.client() as c:
        c.post("/api/classify", json={"log_message": _unique("Cache warmer gave up after")})
        assert "log_classifier_template_lines" not in c.get("/metrics").text


def test_patterns_need_a_served_taxonomy(client: httpx.Client) -> None:
    r = client.get("/api/patterns", params={"taxonomy": "nope"})
    assert r.status_code == 422 and r.json()["error"] == "unknown_taxonomy"
    assert client.get("/api/patterns", params={"top": 0}).status_code == 422
