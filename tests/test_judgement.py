"""Right on lines it has never seen: header apart from message, problem cues, word features on
words, label priors, the unfamiliarity signal and the routine default (issue 13)."""

from __future__ import annotations

import pickle
from dataclasses import replace

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from logsieve.embedding import LinearHead, MiniLMEncoder
from logsieve.lexical import LexicalSpec
from logsieve.linefields import head_text, problem_cue, split_header
from logsieve.priors import PriorShift, PriorTracker, estimate_priors
from logsieve.result import Status
from logsieve.sieve import Sieve, _low_confidence_detail
from logsieve.taxonomy import load_taxonomy, parse_taxonomy
from logsieve.templates import template_key
from logsieve.verdict import EmbeddingJudge, routine_answer
from tiny_head import TRAIN, train_tiny_head

STD = load_taxonomy("standard")


# --- the header apart from the message ----------------------------------------------------


@pytest.mark.parametrize(
    ("line", "severity", "component", "message"),
    [
        (
            "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: "
            "Created MRAppMaster for application appattempt_1445144423722_0020_000001",
            # (the masker makes the logger <ID>: with its v2; the header ends there all the same)
            "INFO",
            None,
            "Created MRAppMaster for application <ID>",
        ),
        (
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0",
            None,
            "<ID>(pam_unix)[<NUM>]",
            "authentication failure; logname= uid=<NUM>",
        ),
        (
            "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs opening app",
            "DEBUG",
            "WindowManager",
            "printFreezingDisplayLogs opening app",
        ),
        (
            "2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server "
            "[req-38101a0b-2096-447d-96ea-a692162415ae 113d3a99c3da401fbd62cc2caa5b96d2 - - -] "
            "Deleting instance files",
            "INFO",
            "nova.osapi_compute.wsgi.server",
            "Deleting instance files",
        ),
        # after a level, a capitalized first word with a colon is the message's, not a logger
        (
            "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:"
            "FastLeaderElection@774] - Notification time out: 3200",
            "INFO",
            None,
            "Notification time out: <NUM>",
        ),
        ("ERROR: disk quota exceeded", "ERROR", None, "disk quota exceeded"),
        (
            "Preparing to unpack .../liberror-perl_0.17029-2_all.deb ...",
            None,
            None,
            "Preparing to unpack .../<ID> ...",
        ),
    ],
)
def test_split_header(line: str, severity: str | None, component: str | None, message: str) -> None:
    fields = split_header(template_key(line))
    assert (fields.severity, fields.component, fields.message) == (severity, component, message)


def test_head_text_is_the_same_for_a_line_and_its_message_alone() -> None:
    line = (
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for "
        "block blk_38865049064139660 terminating"
    )
    message = "PacketResponder 1 for block blk_38865049064139660 terminating"
    assert head_text(template_key(line)) == head_text(template_key(message))
    assert head_text(template_key("onStandStepChanged 3579")) == "on Stand Step Changed <NUM>"
    assert head_text("setLightsOn(true)") == "set Lights On(true)"


@pytest.mark.parametrize(
    ("line", "cue"),
    [
        ("2015-10-18 18:01:47,978 WARN [main] org.x.Y: Connection reset", "severity WARN"),
        ("Failed password for root from 1.2.3.4", "word 'failed'"),
        (
            "start-stop-daemon: unable to stat /usr/libexec/polkitd (No such file or directory)",
            "word 'unable'",
        ),
        ("Deadlock detected while executing query", "word 'deadlock'"),
        # identifiers are not words
        ("invalidSet called on view 3", None),
        ("Preparing to unpack .../liberror-perl_0.17029-2_all.deb ...", None),
        ("isErrorShown=false hasFailedOnce=false", None),
        ("syncing data to disk ... ok", None),
        ("synchronized to 10.100.20.250, stratum 3", None),
        # crashes, silence and exhaustion said without an error word
        ("generating core.2275", "word 'generating core'"),
        ("ciod: generated 64 core files for program /bgl/apps/a.out", "word 'core files'"),
        ("data_thread() got not answer from any [A8] datasource", "word 'got not answer'"),
        ("node-12 did not respond to the heartbeat", "word 'did not respond'"),
        ("ServerFileSystem: domain root14_local is full", "word 'is full'"),
        (
            "DHCPDISCOVER from 00:11:43:e3:ba:c3 via eth1: network A_net: no free leases",
            "word 'no free'",
        ),
        ("Fullscreen mode is full screen", None),
        # Windows error constants beside a masked HRESULT; success and variables are not
        (
            "Expecting attribute name [HRESULT = 0x800f080d - CBS_E_MANIFEST_INVALID_ITEM]",
            "word 'cbs_e_manifest_invalid_item'",
        ),
        ("Done [HRESULT = 0x00000000 - S_OK]", None),
        ("set ERROR_LEVEL=3 for the e_mail job", None),
    ],
)
def test_problem_cue(line: str, cue: str | None) -> None:
    assert problem_cue(split_header(template_key(line))) == cue


def test_word_features_mask_identifiers() -> None:
    v2 = LexicalSpec(tokenizer="words-v2")
    v1 = LexicalSpec(tokenizer="words-v1")
    line = "Preparing to unpack liberror-perl_0.17-1_all.deb from my_error_log.txt"
    assert "error" in v1.grams(line)  # v1 splits identifiers into words: the bug
    grams = v2.grams(line)
    assert "error" not in grams and "ident" in grams
    assert "invalid" not in v2.grams("invalidSet called") and "invalid" in v2.grams(
        "Invalid user admin"
    )
    assert "error" not in v2.grams("org.apache.ErrorReporter: started")
    # a head trained now uses v2
    from logsieve.train import DEFAULT_LEXICAL

    assert DEFAULT_LEXICAL.tokenizer == "words-v2"


# --- priors ----------------------------------------------------------------------------------


def test_prior_shift_moves_probabilities_to_the_target_mix() -> None:
    shift = PriorShift(
        ["INFO", "DB_ERROR"],
        train={"INFO": 0.5, "DB_ERROR": 0.5},
        target={"INFO": 0.85, "DB_ERROR": 0.15},
    )
    out = shift.apply(np.array([[0.4, 0.6], [0.1, 0.9]]))
    # Bayes: 0.4*0.85 / (0.4*0.85 + 0.6*0.15) = 0.791
    assert out[0].argmax() == 0 and out[0][0] == pytest.approx(0.7907, abs=1e-3)
    assert out[1].argmax() == 1  # a head that is sure still wins against the prior
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)


def test_em_recovers_the_priors_of_unlabelled_traffic() -> None:
    # A calibrated classifier under balanced training priors, applied to traffic that is 80 %
    # class A: each line's posterior is that of a 1-D Gaussian pair (means -1, +1).
    rng = np.random.default_rng(0)
    n = 20000
    y = rng.random(n) < 0.8
    x = np.where(y, rng.normal(-1, 1, n), rng.normal(1, 1, n))
    like_a, like_b = np.exp(-((x + 1) ** 2) / 2), np.exp(-((x - 1) ** 2) / 2)
    probs = np.stack([like_a / (like_a + like_b), like_b / (like_a + like_b)], axis=1)
    assert probs.mean(axis=0)[0] < 0.72  # the raw outputs understate A
    est = estimate_priors(probs, np.array([0.5, 0.5]))
    assert est[0] == pytest.approx(0.8, abs=0.02)

    tracker = PriorTracker(["A", "B"], {"A": 0.5, "B": 0.5})
    for i, row in enumerate(probs[:5000]):
        tracker.add(f"t{i}", row)
    seen = tracker.estimate()
    assert seen is not None and seen["templates"] == 5000
    assert seen["estimated"]["A"] == pytest.approx(0.8, abs=0.04)  # type: ignore[index]


# --- the judge: unfamiliar lines, problem labels without a cue -------------------------------

_TAX = parse_taxonomy(
    {
        "name": "t",
        "fallback": "UNCLASSIFIED",
        "routine_default": "INFO",
        "routing": {"embedding_threshold": 0.7, "familiar_similarity": 0.6},
        "labels": [{"id": "INFO", "prior": 0.9}, {"id": "DB_ERROR", "prior": 0.1, "problem": True}],
    }
)


def test_judge_lowers_and_refuses_an_unfamiliar_line() -> None:
    judge = EmbeddingJudge(_TAX, ["INFO", "DB_ERROR"], 0.7, {"INFO": 0.5, "DB_ERROR": 0.5})
    sure = np.array([0.02, 0.98], dtype=np.float32)
    familiar = judge.judge(sure, 0.9, "db query failed")
    assert familiar.accepted and familiar.label == "DB_ERROR"
    far = judge.judge(sure, 0.5, "db query failed")
    assert not far.accepted and far.confidence < familiar.confidence * 0.5
    assert "Unfamiliar line" in far.note and "0.50" in far.note


def test_judge_wants_a_problem_cue_for_a_problem_label() -> None:
    judge = EmbeddingJudge(_TAX, ["INFO", "DB_ERROR"], 0.7, {"INFO": 0.5, "DB_ERROR": 0.5})
    row = np.array([0.03, 0.97], dtype=np.float32)  # 0.78 for DB_ERROR after the prior
    no_cue = judge.judge(row, 0.9, "syncing data to disk ... ok")
    assert not no_cue.accepted and "without a problem cue" in no_cue.note
    with_cue = judge.judge(row, 0.9, "syncing data to disk failed")
    assert with_cue.accepted and with_cue.label == "DB_ERROR"


def test_a_warn_level_alone_is_not_a_failure_cue() -> None:
    # Zookeeper logs its routine peer teardown at WARN: the level lets a problem label stand,
    # but the line is judged under the routine priors and, unsure, is routine.
    warn = template_key(
        "2015-07-29 19:04:29,071 - WARN  [SendWorker:18897:QuorumCnxManager"
        "$SendWorker@688] - Send worker leaving thread"
    )
    error = warn.replace("WARN", "ERROR", 1)
    assert problem_cue(split_header(warn)) == "severity WARN"
    assert problem_cue(split_header(warn), warning_counts=False) is None
    assert routine_answer(STD, warn)[0] == "INFO"
    assert routine_answer(STD, error)[0] == "UNCLASSIFIED"
    judge = EmbeddingJudge(_TAX, ["INFO", "DB_ERROR"], 0.7, {"INFO": 0.5, "DB_ERROR": 0.5})
    even = np.array([0.5, 0.5], dtype=np.float32)
    assert judge.judge(even, None, warn).label == "INFO"  # routine priors
    assert judge.judge(even, None, error).label == "DB_ERROR"  # problem-heavy priors
    worded = judge.judge(
        np.array([0.03, 0.97], dtype=np.float32),
        None,
        warn.replace("leaving thread", "failed to send"),
    )
    assert worded.accepted and worded.label == "DB_ERROR"


def test_journey_says_why_an_answer_over_the_threshold_was_not_taken() -> None:
    low = _low_confidence_detail(0.55, 0.7)
    assert low.startswith("Confidence was 0.55, below the 0.7 threshold")
    over = _low_confidence_detail(0.78, 0.7, " WORKFLOW_ERROR without a problem cue.", cached=False)
    assert "below" not in over and over.startswith(
        "Confidence 0.78 reached the 0.7 threshold but was not accepted."
    )


def test_taxonomy_checks_the_new_fields() -> None:
    assert STD.routine_default == "INFO" and STD.priors is not None
    assert abs(sum(STD.priors.values()) - 1) < 1e-9 and STD.priors["INFO"] > 0.5
    assert "DB_ERROR" in STD.problem_labels and "INFO" not in STD.problem_labels
    with pytest.raises(Exception, match="routine_default"):
        parse_taxonomy({"labels": ["A", "B"], "routine_default": "C"})
    with pytest.raises(Exception, match="prior"):
        parse_taxonomy({"labels": [{"id": "A", "prior": 2}, "B"]})


# --- the sieve, end to end on the real encoder ------------------------------------------------


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder()


@pytest.fixture(scope="module")
def head(encoder: MiniLMEncoder) -> LinearHead:
    return train_tiny_head(encoder)


def test_routine_default_with_and_without_a_problem_cue(
    encoder: MiniLMEncoder, head: LinearHead
) -> None:
    # nobody is sure (threshold 0.999, no best guesses)
    tax = replace(STD, routing=replace(STD.routing, no_llm_threshold=None))
    sieve = Sieve(tax, encoder=encoder, head=head, threshold=0.999)
    routine = sieve.classify("the quarterly report was printed on floor 3")
    assert routine.label_id == "INFO" and routine.classifier == "none"
    assert routine.journey[1].status == Status.LOW_CONFIDENCE
    assert "Routine default INFO: no problem cue" in routine.journey[2].details
    problem = sieve.classify("the quarterly report could not be printed: printer 12 error")
    assert problem.label_id == "UNCLASSIFIED"
    assert "problem cue" in problem.journey[2].details
    # the same templates again, from the cache (the journey written only when read): the same
    # answers, and the journey the first line had, its embedding step now from the cache
    for first, line in (
        (routine, "the quarterly report was printed on floor 4"),
        (problem, "the quarterly report could not be printed: printer 7 error"),
    ):
        again = sieve.classify(line)
        assert again.template == first.template
        assert (again.label_id, again.final_confidence, again.classifier) == (
            first.label_id,
            first.final_confidence,
            first.classifier,
        )
        steps, before = again.to_dict()["journey"], first.to_dict()["journey"]
        assert [(s["stage"], s["status"]) for s in steps] == [
            (s["stage"], s["status"]) for s in before
        ]
        assert steps[1]["details"] == _low_confidence_detail(
            first.journey[1].confidence, 0.999
        )  # "... threshold (template cache)."
        assert steps[1]["label_id"] == before[1]["label_id"]
        assert steps[2]["details"] == before[2]["details"]
        assert again.processing_time_ms == pytest.approx(sum(s.duration_ms for s in again.journey))
        assert pickle.loads(pickle.dumps(again)).to_dict() == again.to_dict()


def test_without_an_llm_the_heads_fair_guess_stands(
    encoder: MiniLMEncoder, head: LinearHead
) -> None:
    # standard: no_llm_threshold 0.4. With the embedding threshold at 0.999 nothing is
    # accepted, but a line with a problem cue the head puts on a label at 0.4 or more keeps
    # that label when no LLM answers, and the journey says so.
    assert STD.routing.no_llm_threshold == 0.4
    sieve = Sieve(STD, encoder=encoder, head=head, threshold=0.999)
    line = "ERROR: deadlock detected while executing query on table orders"
    r = sieve.classify(line)
    bert = r.journey[1]
    assert bert.status == Status.LOW_CONFIDENCE and bert.confidence is not None
    assert bert.confidence >= 0.4, bert  # the tiny head knows deadlocks
    assert r.label_id == bert.label_id == "DB_ERROR" and r.classifier == "bert"
    assert r.final_confidence == bert.confidence
    assert "No LLM answer: kept the BERT Model's DB_ERROR" in r.journey[2].details
    # the same template again, from the cache: the same answer, the same way
    again = sieve.classify("ERROR: deadlock detected while executing query on table users")
    assert again.label_id == "DB_ERROR" and "No LLM answer: kept" in again.journey[2].details


def test_best_guess_needs_the_no_llm_threshold_and_a_cue_for_problems() -> None:
    classes = [lb.id for lb in STD.classifiable]
    judge = EmbeddingJudge(STD, classes, threshold=0.7, train_priors=None)
    assert judge.guess_at == 0.4
    assert judge.best_guess("DB_ERROR", 0.6, "ERROR deadlock on table <NUM>")
    assert not judge.best_guess("DB_ERROR", 0.6, "index statistics written for table <NUM>")
    assert judge.best_guess("BACKUP", 0.6, "nightly archive written to <PATH>")
    assert not judge.best_guess("BACKUP", 0.35, "nightly archive written to <PATH>")
    assert not judge.best_guess("BACKUP", 0.75, "nightly archive written to <PATH>")  # accepted
    # a stricter threshold set by the operator lowers what a guess may be, never raises it
    low = EmbeddingJudge(STD, classes, threshold=0.3, train_priors=None)
    assert low.guess_at == 0.3 and not low.best_guess("BACKUP", 0.35, "archive written")


def test_prior_strength_tempers_the_shift() -> None:
    train, target = {"A": 0.5, "B": 0.5}, {"A": 0.9, "B": 0.1}
    row = np.array([[0.5, 0.5]])
    full = PriorShift(["A", "B"], train, target).apply(row)[0]
    none = PriorShift(["A", "B"], train, target, strength=0.0).apply(row)[0]
    half = PriorShift(["A", "B"], train, target, strength=0.5).apply(row)[0]
    assert np.allclose(full, [0.9, 0.1], atol=1e-6)
    assert np.allclose(none, [0.5, 0.5], atol=1e-6)
    assert np.allclose(half, [0.75, 0.25], atol=1e-6)  # odds 9 -> sqrt 9 = 3


@pytest.mark.parametrize(
    ("routing", "words"),
    [
        ({"prior_strength": 1.5}, "prior_strength"),
        ({"prior_strength": True}, "prior_strength"),
        ({"embedding_threshold": 0.6, "no_llm_threshold": 0.7}, "no_llm_threshold"),
        ({"no_llm_threshold": "low"}, "no_llm_threshold"),
    ],
)
def test_routing_judgement_settings_are_validated(routing: dict[str, object], words: str) -> None:
    from logsieve.errors import TaxonomyError

    with pytest.raises(TaxonomyError, match=words):
        parse_taxonomy({**_std_doc(), "routing": routing})


def test_unfamiliar_line_is_not_accepted(encoder: MiniLMEncoder) -> None:
    texts = [t for ts in TRAIN.values() for t in ts]
    labels = [lb for lb, ts in TRAIN.items() for _ in ts]
    x = encoder.encode(texts)
    clf = LogisticRegression(C=20.0, max_iter=2000).fit(x, labels)
    head = LinearHead.from_sklearn(clf, {"taxonomy": "standard"})
    head.prototypes = x
    tax = parse_taxonomy(
        {**_std_doc(), "routing": {"embedding_threshold": 0.3, "familiar_similarity": 0.5}}
    )
    sieve = Sieve(tax, encoder=encoder, head=head)
    near = sieve.classify("Nightly backup job wrote archive of 14 GB to storage")
    assert near.label_id == "BACKUP" and near.classifier == "bert"
    far = sieve.classify("the giraffe ate leaves from the tall acacia tree")
    assert far.classifier == "none"
    assert "Unfamiliar line" in far.journey[1].details
    assert far.label_id == "INFO"  # no problem cue, no LLM: the routine default


def _std_doc() -> dict[str, object]:
    import yaml

    from logsieve.taxonomy import builtin_path

    doc = yaml.safe_load(builtin_path("standard").read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def test_reliability_table_and_ece_of_known_answers() -> None:
    from logsieve.calibration import reliability

    # 10 answers at 0.95, 6 right: a gap of 0.35; 10 at 0.55, 5 right: a gap of 0.05
    conf = [0.95] * 10 + [0.55] * 10
    ok = [True] * 6 + [False] * 4 + [True] * 5 + [False] * 5
    r = reliability(conf, ok)
    assert r["ece"] == pytest.approx(0.5 * 0.35 + 0.5 * 0.05)
    assert r["confidently_wrong"] == pytest.approx(4 / 20)
    assert [(b["bin"], b["answers"], b["accuracy"]) for b in r["bins"]] == [
        ("0.5-0.6", 10, 0.5),
        ("0.9-1.0", 10, 0.6),
    ]


@pytest.mark.parametrize(
    "key", ["<TS> ERROR nova.compute", "ERROR", "W", "<TS> INFO [<ID>]", "INFO - org.x.Y"]
)
def test_split_header_of_a_line_that_ends_in_its_header(key: str) -> None:
    # a level then a logger and nothing after: no message beyond the header, and no crash
    fields = split_header(key)
    assert fields.message
    routine_answer(STD, key)
