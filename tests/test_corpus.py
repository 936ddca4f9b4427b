"""The synthetic corpus: deterministic, balanced, varied, one clean line per row."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections import Counter, defaultdict
from types import SimpleNamespace

import pytest
import typer
from typer.testing import CliRunner

from logsieve.cli.generate import generate as generate_command
from logsieve.corpus import SyntheticLine, catalog_for, generate
from logsieve.corpus.pattern import PatternError, compile_pattern
from logsieve.errors import TaxonomyError
from logsieve.rules import RuleSet
from logsieve.taxonomy import load_taxonomy

# Minimum distinct templates per label promised by docs/corpus.md.
MIN_TEMPLATES = {"standard": 25, "openstack": 20}
TAXONOMIES = tuple(MIN_TEMPLATES)
_VARIABLE = re.compile(r"[0-9a-fA-F]*\d[0-9a-fA-F]*")


def _labels(name: str) -> list[str]:
    taxonomy = load_taxonomy(name)
    return [label for label in taxonomy.label_ids if label != taxonomy.fallback]


def _mask(text: str) -> str:
    return _VARIABLE.sub("<*>", text)


@pytest.mark.parametrize("name", TAXONOMIES)
def test_same_arguments_give_identical_lines(name: str) -> None:
    assert list(generate(name, 500, seed=7)) == list(generate(name, 500, seed=7))


@pytest.mark.parametrize("name", TAXONOMIES)
def test_different_seeds_give_different_lines(name: str) -> None:
    a = [line.log_message for line in generate(name, 200, seed=1)]
    b = [line.log_message for line in generate(name, 200, seed=2)]
    assert sum(x != y for x, y in zip(a, b, strict=True)) > 150


@pytest.mark.parametrize("name", TAXONOMIES)
def test_every_non_fallback_label_is_present_and_balanced(name: str) -> None:
    labels = _labels(name)
    count = 10 * len(labels) + 3  # a remainder, to see where it goes
    counts = Counter(line.target_label for line in generate(name, count, seed=0))
    assert set(counts) == set(labels)
    assert sum(counts.values()) == count
    assert max(counts.values()) - min(counts.values()) <= 1
    assert [counts[label] for label in labels[:3]] == [11, 11, 11]


@pytest.mark.parametrize("name", TAXONOMIES)
def test_fallback_lines_only_when_asked(name: str) -> None:
    fallback = load_taxonomy(name).fallback
    without = {line.target_label for line in generate(name, 300, seed=0)}
    with_fallback = Counter(
        line.target_label for line in generate(name, 300, seed=0, include_fallback=True)
    )
    assert fallback not in without
    assert with_fallback[fallback] == 300 // (len(_labels(name)) + 1)


@pytest.mark.parametrize("name", TAXONOMIES)
def test_every_line_is_one_nonempty_line(name: str) -> None:
    for line in generate(name, 3000, seed=3, include_fallback=True):
        assert line.log_message.strip() == line.log_message != ""
        assert "\n" not in line.log_message and "\r" not in line.log_message
        assert line.source and line.template_id


@pytest.mark.parametrize("name", TAXONOMIES)
def test_no_template_id_is_shared_between_labels(name: str) -> None:
    owner: dict[str, set[str]] = defaultdict(set)
    for line in generate(name, 5000, seed=4, include_fallback=True):
        owner[line.template_id].add(line.target_label)
    assert all(len(labels) == 1 for labels in owner.values())
    catalog = catalog_for(name)
    ids = [
        catalog.template_id(label, tpl) for label, tpls in catalog.by_label.items() for tpl in tpls
    ]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", TAXONOMIES)
def test_each_label_has_many_distinct_templates(name: str) -> None:
    minimum = MIN_TEMPLATES[name]
    labels = _labels(name)
    templates: dict[str, set[str]] = defaultdict(set)
    masked: dict[str, set[str]] = defaultdict(set)
    # Every template shows once its label has as many lines as templates (shuffled deck).
    for line in generate(name, 40 * len(labels), seed=5):
        templates[line.target_label].add(line.template_id)
        masked[line.target_label].add(_mask(line.log_message))
    for label in labels:
        assert len(templates[label]) >= minimum, label
        assert len(masked[label]) >= minimum, label


def test_fields_vary_within_one_template() -> None:
    lines = [
        line.log_message
        for line in generate("standard", 8 * 31 * 4, seed=6)
        if line.template_id == "standard/AUTH_ERROR/ssh-failed-password"
    ]
    assert len(lines) >= 3 and len(set(lines)) == len(lines)


def test_shapes_of_real_logs_are_present() -> None:
    lines = [line.log_message for line in generate("standard", 4000, seed=8)]
    syslog = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ \S+: ")
    pylog = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - \S+ - [A-Z]+ - ")
    klog = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ \S+:\d+\] ")
    assert any(syslog.match(x) for x in lines)
    assert any(pylog.match(x) for x in lines)
    assert any(klog.match(x) for x in lines)
    assert any(x.startswith("{") and "level" in json.loads(x) for x in lines if x.startswith('{"'))
    nova = [line.log_message for line in generate("openstack", 1000, seed=8)]
    assert any(
        re.search(r"\[req-[0-9a-f-]{36} [0-9a-f]{32} [0-9a-f]{32} - - -\] \[instance: ", x)
        for x in nova
    )


def test_taxonomy_object_is_accepted_and_checked() -> None:
    taxonomy = load_taxonomy("openstack")
    assert list(generate(taxonomy, 30, seed=1)) == list(generate("openstack", 30, seed=1))
    impostor = SimpleNamespace(
        name="standard", label_ids=("A", "UNCLASSIFIED"), fallback="UNCLASSIFIED"
    )
    with pytest.raises(TaxonomyError, match="written for"):
        list(generate(impostor, 10, seed=0))


def test_unknown_taxonomy_is_refused() -> None:
    with pytest.raises(TaxonomyError, match="no synthetic corpus"):
        list(generate("no-such-taxonomy", 10, seed=0))


def test_pattern_language() -> None:
    import random

    render = compile_pattern("x {a|b{int:5-5}} {{user}|nobody}{lb}{rb}")
    seen = {render(random.Random(i)) for i in range(50)}
    assert any(s.startswith("x b5 ") for s in seen) and any(s.startswith("x a ") for s in seen)
    assert all(s.endswith("{}") for s in seen)
    for bad in ("{nosuchfield}", "{a|b", "x}", "{int:zz}"):
        with pytest.raises(PatternError):
            compile_pattern(bad)


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(generate_command)
    return app


def test_cli_writes_csv_with_the_columns() -> None:
    result = CliRunner().invoke(_app(), ["--taxonomy", "standard", "--count", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["log_message", "target_label", "source"]
    expected = list(generate("standard", 40, seed=3))
    assert [(r["log_message"], r["target_label"], r["source"]) for r in rows] == [
        (x.log_message, x.target_label, x.source) for x in expected
    ]


def test_cli_jsonl_to_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "corpus.jsonl"
    args = [
        "--taxonomy",
        "openstack",
        "--count",
        "25",
        "--format",
        "jsonl",
        "--out",
        str(out),
        "--include-fallback",
    ]
    assert CliRunner().invoke(_app(), args).exit_code == 0
    records = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 25
    assert {"Unclassified", "System_Operations"} <= {r["target_label"] for r in records}
    again = tmp_path / "again.jsonl"
    args[args.index(str(out))] = str(again)
    CliRunner().invoke(_app(), args)
    assert again.read_bytes() == out.read_bytes()


def test_cli_refuses_prompt_and_unknown_taxonomy() -> None:
    result = CliRunner().invoke(_app(), ["--prompt", " "])
    assert result.exit_code == 2 and "prompt must not be empty" in result.output
    result = CliRunner().invoke(_app(), ["--taxonomy", "nope", "--count", "3"])
    assert result.exit_code == 2 and "no synthetic corpus" in result.output


def test_synthetic_line_is_frozen() -> None:
    line = next(generate("standard", 1, seed=0))
    assert isinstance(line, SyntheticLine)
    with pytest.raises(AttributeError):
        line.target_label = "INFO"  # type: ignore[misc]


@pytest.mark.parametrize("name", TAXONOMIES)
def test_rules_agree_with_the_corpus(name: str) -> None:
    """Every generated line a rule takes carries that rule's label: no rule catches a line of
    another label, as far as the corpus's wording goes. For openstack this means a rule on the
    logger and "[instance: …]" does not outvote the message (the compute manager writes
    network lines, the libvirt driver plugs VIFs, the report client writes placement lines)."""
    tax = load_taxonomy(name)
    rules = RuleSet(tax.rules)
    clashes: Counter[tuple[str, str]] = Counter()
    for ln in generate(tax, 12000, seed=5, include_fallback=True):
        m = rules.match(ln.log_message, ln.source)
        if m is not None and m.rule.label != ln.target_label:
            clashes[(m.rule.name or m.rule.pattern, ln.template_id)] += 1
    assert not clashes, clashes.most_common(5)


# Issue 13: a corpus that looks like the world (label conventions, message-only lines, a
# known label mix, a catalogue kept as data).

_ROUTINE = {
    "standard": ("USER_ACTION", "SYSTEM_NOTIFICATION", "INFO"),
    "openstack": (
        "System_Operations",
        "Instance_Management",
        "Network_Operations",
        "Resource_Management",
        "Scheduler_Operations",
    ),
}


@pytest.mark.parametrize("name", TAXONOMIES)
def test_every_template_has_message_only_lines(name: str) -> None:
    """A share of every template's lines is the bare message (no timestamp, level, logger),
    so a head learns the message and not the header around it."""
    import random

    catalog = catalog_for(name)
    templates = [t for tpls in catalog.by_label.values() for t in tpls]
    for tpl in templates:
        bare = 0
        for i in range(200):
            message = tpl.render_message(random.Random(i)).strip()
            line, _ = tpl.render(random.Random(i))  # the same draws render the same message
            bare += line == message
        assert bare >= 30, (tpl.slug, bare)  # 0.3 of 200 expected


@pytest.mark.parametrize("name", TAXONOMIES)
def test_routine_lines_never_carry_error_levels(name: str) -> None:
    catalog = catalog_for(name)
    for label in _ROUTINE[name]:
        for tpl in catalog.by_label[label]:
            assert set(tpl.levels) <= set("DIW"), (label, tpl.slug, tpl.levels)
    for ln in generate(name, 3000, seed=9):
        if ln.target_label in _ROUTINE[name]:
            assert not re.search(r"\b(?:ERROR|FATAL|CRITICAL)\b", ln.log_message.split(": ")[0])


# (pattern, label): what the label descriptions of standard.yaml say such lines are.
_CONVENTIONS = [
    (r"\bsession (?:opened|closed) for user\b", "USER_ACTION"),
    (r"\bNew session \d+ of user\b", "USER_ACTION"),
    (r"\bROOT LOGIN ON\b", "USER_ACTION"),
    (r"\bsynchronized to \S+, stratum\b", "INFO"),
    (r"\bPreparing to unpack\b|^Setting up \S+ \(|\bstatus installed\b", "INFO"),
    (r"\bconfigure \S+:all \S+ <none>", "INFO"),
    (r"\) CMD \(", "INFO"),
    (r"\blistening on port\b|\bServer listening on\b", "INFO"),
    (r"\bReached target\b|\bSuccessfully started service\b", "INFO"),
    (r"\bRead out cached package applicability\b", "INFO"),
    (r"\bsetLightsOn\(|\bonStandStepChanged \d", "INFO"),
    (r"\bunable to stat .*\(No such file or directory\)", "WORKFLOW_ERROR"),
]


def test_standard_corpus_follows_the_label_conventions() -> None:
    # every template rendered many times (not one draw of the corpus, where a rare shape such
    # as dpkg's "configure pkg:all ver <none>" may not come up at all)
    catalog = catalog_for("standard")
    rng = random.Random(2)
    seen: Counter[str] = Counter()
    wrong: Counter[tuple[str, str]] = Counter()
    for label, templates in catalog.by_label.items():
        for tpl in templates:
            for _ in range(200):
                line, _source = tpl.render(rng)
                for pattern, want in _CONVENTIONS:
                    if re.search(pattern, line):
                        seen[pattern] += 1
                        if label != want:
                            wrong[(pattern, catalog.template_id(label, tpl))] += 1
    assert not wrong, wrong.most_common(5)
    assert set(seen) == {p for p, _ in _CONVENTIONS}, set(p for p, _ in _CONVENTIONS) - set(seen)


def test_standard_has_routine_genres_of_many_systems() -> None:
    ids = {t.slug for t in catalog_for("standard").by_label["INFO"]}
    for slug in (
        "dpkg-status",
        "apt-unpack",
        "yum-dnf",
        "pip-install",
        "android-power",
        "health-steps",
        "kernel-usb",
        "cron-routine",
        "hdfs-blocks",
        "pg-routine",
        "broker-routine",
        "container-runtime",
        "kubelet-routine",
        "win-servicing",
        "time-sync",
        "state-dump",
    ):
        assert slug in ids, slug
    assert len(ids) >= 120


@pytest.mark.parametrize("name", TAXONOMIES)
def test_label_mix_is_balanced_by_default_and_recorded(name: str) -> None:
    from logsieve.corpus import label_mix

    labels = _labels(name)
    mix = label_mix(name)
    assert list(mix) == labels and all(abs(v - 1 / len(labels)) < 1e-12 for v in mix.values())
    with_fallback = label_mix(name, include_fallback=True)
    assert load_taxonomy(name).fallback in with_fallback
    assert abs(sum(with_fallback.values()) - 1) < 1e-12


def test_a_mix_sets_the_label_shares_exactly() -> None:
    from logsieve.corpus import label_mix

    weights = {
        "INFO": 85,
        "USER_ACTION": 3,
        "SYSTEM_NOTIFICATION": 3,
        "AUTH_ERROR": 2,
        "DB_ERROR": 2,
        "BACKUP": 1,
        "WORKFLOW_ERROR": 3,
        "DEPRECATION_WARNING": 1,
    }
    count = 2003
    lines = list(generate("standard", count, seed=4, mix=weights))
    counts = Counter(ln.target_label for ln in lines)
    shares = label_mix("standard", mix=weights)
    assert abs(shares["INFO"] - 0.85) < 1e-12
    for label, share in shares.items():
        assert abs(counts[label] - share * count) <= 1, label
    # ... at every prefix too (a corpus cut short keeps its mix)
    head = Counter(ln.target_label for ln in lines[:200])
    assert abs(head["INFO"] - 170) <= 1
    assert list(generate("standard", 300, seed=4, mix=weights)) == lines[:300]
    with pytest.raises(ValueError, match="not in the corpus"):
        list(generate("standard", 10, mix={"NOPE": 1}))
    with pytest.raises(ValueError, match="positive sum"):
        label_mix("standard", mix={"INFO": 0})


def test_catalogue_file_mistakes_name_the_line() -> None:
    from logsieve.corpus.catalog import parse_templates
    from logsieve.corpus.standard import APT

    good = parse_templates("# c\n[INFO]\nx  APT  I  Setting up {pkg} ...\n", "t.txt", {"APT": APT})
    assert [t.slug for t in good["INFO"]] == ["x"]
    for text, message in (
        ("[INFO]\nx NOPE I hi\n", "t.txt:2: unknown genre"),
        ("x APT I hi\n", "t.txt:1: expected"),
        ("[INFO]\nx APT Q hi\n", "t.txt:2: template 'x'"),
        ("[INFO]\nx APT I {nofield}\n", "t.txt:2: unknown field"),
    ):
        with pytest.raises(ValueError, match=message):
            parse_templates(text, "t.txt", {"APT": APT})


def test_openstack_corpus_follows_the_component_and_the_message() -> None:
    """The logger's component is evidence (the placement report client is the scheduler's),
    and the message beats the logger (the compute manager logs neutron's interface events)."""
    expected = [
        (r"Deleted allocations? for instance", "Scheduler_Operations"),
        (
            r"nova\.scheduler\.client\.report .*(?:Updated inventory|generation from)",
            "Scheduler_Operations",
        ),
        (r"Neutron deleted interface", "Network_Operations"),
        (r"Plugging VIFs", "Network_Operations"),
        (r"Timeout waiting for \[\('network-vif-plugged'", "Network_Connection_Errors"),
    ]
    seen: set[str] = set()
    for ln in generate("openstack", 20000, seed=3):
        for pattern, label in expected:
            if re.search(pattern, ln.log_message):
                seen.add(pattern)
                assert ln.target_label == label, (ln.template_id, ln.log_message)
    assert seen == {p for p, _ in expected}
