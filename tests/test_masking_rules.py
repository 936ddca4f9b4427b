"""The user's masking rules in a taxonomy (issue 18, item 2): parsed and checked like rules,
applied before the built-in masker, part of the template key the sieve and its cache use."""

from __future__ import annotations

import pytest

from logsieve.errors import TaxonomyError
from logsieve.sieve import Sieve
from logsieve.taxonomy import load_taxonomy, parse_taxonomy
from logsieve.templates import MaskingRule, TemplateMasker, template_key

DOC = {
    "name": "tenants",
    "labels": ["BILLING", "OTHER"],
    "fallback": "OTHER",
    "rules": [{"pattern": "invoice", "label": "BILLING"}],
}


def test_rules_apply_before_the_built_in_masks() -> None:
    line = "tenant acme-corp opened session for app web"
    masker = TemplateMasker(rules=[MaskingRule(r"tenant (?P<value>\S+)", "<TENANT>")])
    assert masker.key(line) == "tenant <TENANT> opened session for app web"
    assert template_key(line) == line  # the built-in masker alone keeps the word
    whole = TemplateMasker(rules=[MaskingRule(r"app \w+", "<APP>")])
    assert whole.key("tenant x opened session for app web 42") == (
        "tenant x opened session for <APP> <NUM>"
    )


def test_taxonomy_masking_is_validated_and_changes_the_hash() -> None:
    plain = parse_taxonomy(DOC)
    masked = parse_taxonomy(
        {
            **DOC,
            "masking": [
                {"name": "tenant", "pattern": r"tenant (?P<value>\S+)", "placeholder": "<TENANT>"}
            ],
        }
    )
    assert masked.masking[0].placeholder == "<TENANT>" and plain.masking == ()
    assert masked.content_hash != plain.content_hash  # its caches are its own
    assert load_taxonomy("standard").content_hash == load_taxonomy("standard").content_hash
    for bad, words in (
        ({"pattern": "(a", "placeholder": "<X>"}, "RE2"),
        ({"pattern": "a", "placeholder": "<x>"}, "placeholder"),
        ({"placeholder": "<X>"}, "pattern"),
        ("tenant", "mapping"),
    ):
        with pytest.raises(TaxonomyError, match=words):
            parse_taxonomy({**DOC, "masking": [bad]})


def test_the_sieve_keys_templates_with_the_taxonomys_masking() -> None:
    tax = parse_taxonomy(
        {**DOC, "masking": [{"pattern": r"tenant (?P<value>\S+)", "placeholder": "<TENANT>"}]}
    )
    sieve = Sieve(tax)  # rules only: the template key is still computed for the cache
    a = sieve.classify("tenant acme sent invoice reminder")
    b = sieve.classify("tenant globex has no plan")
    c = sieve.classify("tenant initech has no plan")
    assert a.label_id == "BILLING"
    assert b.template == c.template == "tenant <TENANT> has no plan"
