from __future__ import annotations

from pathlib import Path

import pytest

from logsieve.errors import TaxonomyError
from logsieve.taxonomy import load_taxonomy, parse_taxonomy

STANDARD_IDS = [
    "USER_ACTION",
    "SYSTEM_NOTIFICATION",
    "AUTH_ERROR",
    "DB_ERROR",
    "BACKUP",
    "INFO",
    "WORKFLOW_ERROR",
    "DEPRECATION_WARNING",
    "UNCLASSIFIED",
]
OPENSTACK_IDS = [
    "System_Operations",
    "Instance_Management",
    "Network_Operations",
    "Resource_Management",
    "Scheduler_Operations",
    "Boot_Timeout_Errors",
    "Network_Connection_Errors",
    "Resource_Allocation_Errors",
    "File_System_Errors",
    "Configuration_Errors",
    "Service_Communication_Errors",
    "Unclassified",
]


def test_standard_is_seed_001_label_table() -> None:
    t = load_taxonomy("standard")
    assert list(t.label_ids) == STANDARD_IDS
    assert t.fallback == "UNCLASSIFIED"
    assert t.label("AUTH_ERROR").name == "Authentication Error"
    assert t.routing.embedding_threshold == 0.7
    assert "LegacyCRM" in t.routing.llm_sources
    assert all(lb.description for lb in t.labels)


def test_openstack_has_the_11_enhanced_categories() -> None:
    t = load_taxonomy("openstack")
    assert list(t.label_ids) == OPENSTACK_IDS
    assert len(t.classifiable) == 11
    assert t.fallback == "Unclassified"


def test_resolve_by_id_or_display_name() -> None:
    t = load_taxonomy("standard")
    assert t.resolve("user action").id == "USER_ACTION"
    assert t.resolve("DB_ERROR").name == "Database Error"
    with pytest.raises(KeyError):
        t.resolve("HTTP Status")


def _doc(**over: object) -> dict:
    doc: dict = {
        "name": "t",
        "labels": [{"id": "A"}, {"id": "B"}],
        "rules": [{"pattern": "alpha", "label": "A"}],
    }
    doc.update(over)
    return doc


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        (
            _doc(rules=[{"pattern": "x", "label": "C", "name": "bad-label"}]),
            "rule 1 (bad-label): unknown label 'C'",
        ),
        (_doc(labels=[{"id": "A"}, {"id": "A"}]), "duplicate id 'A'"),
        (_doc(rules=[{"pattern": "(a", "label": "A"}]), "does not compile"),
        (_doc(rules=[{"pattern": r"(a)\1", "label": "A"}]), "does not compile"),  # backreference
        (_doc(rules=[{"pattern": r"a(?=b)", "label": "A"}]), "does not compile"),  # lookahead
        (_doc(labels=[]), "non-empty"),
        (_doc(rules=[{"pattern": "x", "label": "A", "confidence": 1.5}]), "confidence"),
        (_doc(routing={"embedding_threshold": 2}), "embedding_threshold"),
        (_doc(labels=[{"id": "UNCLASSIFIED"}], rules=[]), "no labels besides the fallback"),
    ],
)
def test_invalid_taxonomies_are_refused_with_reason(doc: dict, needle: str) -> None:
    with pytest.raises(TaxonomyError) as err:
        parse_taxonomy(doc, "my.yaml")
    assert "my.yaml" in str(err.value)
    assert needle in str(err.value)


def test_user_file_round_trip(tmp_path: Path) -> None:
    p = tmp_path / "mine.yaml"
    p.write_text(
        "name: mine\nfallback: OTHER\nlabels:\n  - {id: PAY, name: Payment, description: money}\n"
        "rules:\n  - {pattern: 'paid \\d+', label: Payment, sources: [billing]}\n",
        encoding="utf-8",
    )
    t = load_taxonomy(p)
    assert t.name == "mine"
    assert t.label_ids == ("PAY", "OTHER")  # fallback added as a label
    assert t.rules[0].label == "PAY"
    assert t.rules[0].sources == frozenset({"billing"})
    assert t.content_hash != load_taxonomy("standard").content_hash


def test_unknown_name_or_missing_file() -> None:
    with pytest.raises(TaxonomyError, match="no such taxonomy"):
        load_taxonomy("nope")


def test_yaml_syntax_error_names_file(tmp_path: Path) -> None:
    p = tmp_path / "broken.yaml"
    p.write_text("labels: [A, B\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"broken\.yaml"):
        load_taxonomy(p)


def test_labels_hash_depends_on_label_ids_only() -> None:
    base = {
        "name": "t",
        "labels": [{"id": "A", "description": "one"}, {"id": "B"}],
        "rules": [{"pattern": "alpha", "label": "A"}],
    }
    t = parse_taxonomy(base)
    edited = parse_taxonomy(
        {
            **base,
            "labels": [{"id": "A", "description": "changed"}, {"id": "B", "name": "Bee"}],
            "rules": [{"pattern": "beta", "label": "B"}],
        }
    )
    assert edited.content_hash != t.content_hash  # answers may change: the cache must know
    assert edited.labels_hash == t.labels_hash  # a trained head computes the same thing
    renamed = parse_taxonomy({**base, "labels": [{"id": "A"}, {"id": "C"}], "rules": []})
    reordered = parse_taxonomy({**base, "labels": [{"id": "B"}, {"id": "A"}], "rules": []})
    assert len({t.labels_hash, renamed.labels_hash, reordered.labels_hash}) == 3
