"""Tests of the template key: placeholders, grouping, bounded time, LogHub grouping accuracy."""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from pathlib import Path

import pytest

from logsieve.templates import DEFAULT_MAX_CHARS, PLACEHOLDERS, TemplateMasker, template_key

# --- every placeholder kind -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("at 2017-05-16 00:00:00.008 done", "at <TS> done"),
        ("Jun 14 15:16:01 combo sshd[1]: x", "<TS> <HOST> <ID>[<NUM>]: x"),
        ("[Sun Dec 04 04:47:44 2005] [notice] ok", "[<TS>] [notice] ok"),
        ("since 20171223-22:15:29:606 ok", "since <TS> ok"),
        ("req-38101a0b-2096-447d-96ea-a692162415ae start", "req-<UUID> start"),
        ("see https://example.org/a?b=1 now", "see <URL> now"),
        ("mail from bob.smith@example.org bounced", "mail from <EMAIL> bounced"),
        ("connect 10.251.73.220:50010 failed", "connect <HOST>:<NUM> failed"),
        ("peer fe80::1ff:fe23:4567:890a down", "peer <HOST> down"),
        ("resolve proxy.cse.cuhk.edu.hk failed", "resolve <HOST> failed"),
        ("link 00:1a:2b:3c:4d:5e up", "link <MAC> up"),
        ("open /var/log/app-3.log failed", "open <PATH> failed"),
        (r"load C:\Windows\System32\x.dll ok", "load <PATH> ok"),
        ("token 9f4ef63 and 0x1f", "token <HEX> and <HEX>"),
        ("took 0.2675118 s, retry in 12ms, size -42", "took <NUM> s, retry in <NUM>ms, size <NUM>"),
        ("node R02-M1-N0-C:J12-U11 block blk_-6952 down", "node <ID> block <ID> down"),
        ('acquire tag="View Lock", name=x', "acquire tag=<STR>, name=x"),
        ("session opened for user cyrus by root", "session opened for user <USER> by root"),
    ],
)
def test_each_placeholder_kind(line: str, expected: str) -> None:
    assert template_key(line) == expected


def test_placeholders_listed_are_the_ones_produced() -> None:
    produced = {
        template_key(line).split()[0]
        for line in ("1", "0xab", "a1b2c", "2020-01-01", "1.2.3.4", "/a/b", "http://a.b")
    }
    assert produced <= set(PLACEHOLDERS)


# --- general log conventions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # syslog header: host and program vary, a pam module in parentheses stays
        (
            "Jun 14 15:16:01 combo su(pam_unix)[2]: session opened for user a by (uid=0)",
            "<TS> <HOST> <ID>(pam_unix)[<NUM>]: session opened for user <USER> by (uid=<NUM>)",
        ),
        # the same header after other fields (a collector's prefix)
        (
            "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond[2915]: done",
            "- <NUM> <TS> <ID> <TS> <HOST> <ID>[<NUM>]: done",
        ),
        # a thread in brackets after a level, one nesting level deep, possibly long
        (
            "2015-10-18 18:01:47,978 INFO [IPC Server handler 3 on 8020] a.b.C: started",
            "<TS> INFO [<ID>] a.b.C: started",
        ),
        (
            "2015-07-29 17:41:44,747 - WARN  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:L@9] - x",
            "<TS> - WARN [<ID>] - x",
        ),
        # every month-name date, not only the header's
        (
            "Jul 10 03:55:15 h ftpd[1]: connection from 1.2.3.4 () at Sun Jul 10 03:55:15 2005",
            "<TS> <HOST> <ID>[<NUM>]: connection from <HOST> at <TS>",
        ),
        # a host's resolved name in parentheses, present or empty
        ("from 1.2.3.4 (mail.example.org) at x", "from <HOST> at x"),
        ("from 1.2.3.4 () at x", "from <HOST> at x"),
        # host names: country codes with a digit or a second-level domain; any name with a port
        ("rhost=biblioteka.wsi.edu.pl", "rhost=<HOST>"),
        ("for 31-223-1-26.rev.example.eu [1.2.3.4]", "for <HOST> [<HOST>]"),
        ("bx.optimix.asia:443 open", "<HOST>:<NUM> open"),
        ("raised in app.py:12 x", "raised in <ID> x"),  # file:line is not host:port
        # sizes restated in larger units are dropped
        ("1234 bytes (1.2 KB) sent, 5 bytes received", "<NUM> bytes sent, <NUM> bytes received"),
        # a Windows program name, with its bitness mark
        ("chrome.exe *64 - x open", "<ID> - x open"),
        ("QQ.EXE - x open", "<ID> - x open"),
        # sshd's user after "password for"; a user name of digits; two spaces
        ("Failed password for git from 1.2.3.4", "Failed password for <USER> from <HOST>"),
        ("Invalid user  0101 from 1.2.3.4", "Invalid user <USER> from <HOST>"),
        ("password for invalid user x from h.org", "password for invalid user <USER> from <HOST>"),
        # hex values without a letter (zero-padded) or without a digit (long)
        ("iar 00106570 dear 0244c1dc", "iar <HEX> dear <HEX>"),
        ("vis=508 mask=ffffffff", "vis=<NUM> mask=<HEX>"),
        # a query string belongs to its path
        ('"GET /v2/servers/detail?all_tenants=True&host=cp-1 HTTP/1.1"', '"GET <PATH> HTTP/<NUM>"'),
        # reverse-DNS app ids, with an Android component
        ("com.apple.CacheDelete.daily: scheduled", "<ID>: scheduled"),
        ("name=com.android.phone, cmp=com.tencent.mm/.ui.LauncherUI", "name=<ID>, cmp=<ID>"),
        # a mail message-id
        ("msgid=<200511091201.jA9J1UvC004306@tbird-admin1>, relay=x", "msgid=<EMAIL>, relay=x"),
        # a core file keeps its word (a crash), only the pid is masked
        ("generating core.2275", "generating core.<NUM>"),
        ("wrote core.java.4242.", "wrote core.<NUM>."),
        ("core.py:12 raised", "<ID> raised"),
    ],
)  # fmt: skip
def test_general_conventions(line: str, expected: str) -> None:
    assert template_key(line) == expected


# --- grouping: same template -> same key, different constants -> different keys ---------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "PacketResponder 1 for block blk_38865049064139660 terminating",
            "PacketResponder 0 for block blk_-6952295868487656571 terminating",
        ),
        (
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown",
            "Jul  2 04:01:59 combo sshd(pam_unix)[3321]: check pass; user unknown",
        ),
        (
            "AppWindowToken{9f4ef63 token=Token{a64f992}} visible",
            "AppWindowToken{de9231d token=Token{1f0c2aa}} visible",
        ),
        (
            "proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
            "10.0.0.7:443 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
        ),
        ("(stack @0x7fed806eb5d @0x7fef9fb9b6d)", "(stack @0x7fed806eb5d @0x7fef9 @0xff83e97c)"),
        ("Invalid user admin from 1.2.3.4", "Invalid user support from 5.6.7.8"),
        ("status: 200 len: 1893 time: 0.2477829", "status: 404 len: 12 time: 1.5"),
        ("a  b\tc ", " a b c"),
    ],
)
def test_same_template_same_key(a: str, b: str) -> None:
    assert template_key(a) == template_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("session opened for user root", "session closed for user root"),
        ('10.1.1.1 "GET /v2/x HTTP/1.1" status: 200', '10.1.1.1 "POST /v2/x HTTP/1.1" status: 200'),
        ("Received block blk_1 of size 2", "Deleting block blk_1 file /a/b"),
        ("User logged in", "User logged out"),
        ("disk 80% full", "disk 80% free"),
        # the level is kept: it matters to a classifier
        ("RAS KERNEL INFO instruction address: 0x1", "RAS KERNEL FATAL instruction address: 0x1"),
        # property names are not host names
        ("mapred.tip.id is deprecated", "mapred.task.id is deprecated"),
        # a pam "user=" field is left alone (LogHub keeps root and guest apart in Linux)
        ("authentication failure; user=root", "authentication failure; user=guest"),
        # a number of bytes restated is not any parenthesized number
        ("1234 bytes (12 retries) sent", "1234 bytes sent"),
    ],
)  # fmt: skip
def test_different_constants_different_keys(a: str, b: str) -> None:
    assert template_key(a) != template_key(b)


def test_key_is_a_fixed_point_of_masking() -> None:
    lines = [
        "2015-10-18 18:01:47,978 INFO [main] Created appattempt_1445144423722_0020_000001",
        "Jun 14 15:16:01 combo sshd[19939]: rhost=218.188.2.4 user=root",
        'req-38101a0b-2096-447d-96ea-a692162415ae "GET /v2/x HTTP/1.1" took 12ms',
        "Jul 10 03:55:15 h ftpd[1]: connection from 1.2.3.4 (a.b.org) at Sun Jul 10 03:55:15 2005",
        "2015-10-18 18:01:47,978 INFO [IPC Server handler 3] a.b.C: chrome.exe *64 - x:80 close",
        "- 1 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: user=root",
        "1234 bytes (1.2 KB) sent to bx.optimix.asia:443 by com.apple.x.y iar 00106570 ffffffff",
    ]
    for line in lines:
        key = template_key(line)
        assert template_key(key) == key
        assert "  " not in key and key == key.strip()


def test_masker_is_deterministic_across_instances_and_memo_clears() -> None:
    small = TemplateMasker(memo_size=4)
    lines = [f"job {i} on node-{i % 7} took {i}ms from 10.0.0.{i % 250}" for i in range(50)]
    assert [small.key(line) for line in lines] == [template_key(line) for line in lines]
    assert len(small._memo) <= 4 + 8  # cleared when full; one line adds at most its tokens


def test_memo_by_shape_never_answers_for_a_token_that_masks_differently() -> None:
    # One masker sees each line after its look-alikes (same shape: digits 2-9 -> 1, zeros
    # inside a run -> 1); a fresh masker per line is the reference.
    lines = [
        "Routing Table [\\_SB_.PCI0.PBHI.PXB2._PRT]",  # keeps its digits: memo by token
        "Routing Table [\\_SB_.PCI0.PBHI.PXB3._PRT]",
        "Routing Table [\\_SB_.PCI1.PBHI.PXB1._PRT]",
        "value 00106570 next to 10106570",  # a leading 0 makes a hex dump
        "value 10106570 next to 00106570",
        "reg 0x1f and 10x1f",
        "reg 1x1f and 0x1f",  # "0x" matters only at a run's start
        "blk_10401 stored",
        "blk_19491 stored",
        "blk_01491 stored",
        "took 12ms",
        "took 30ms",
        "took 03ms",
        "HTTP/1.1 200",
        "HTTP/2.0 404",
    ]
    shared = TemplateMasker()
    for line in lines:
        assert shared.key(line) == TemplateMasker().key(line), line
    keys = [shared.key(line) for line in lines]
    assert keys[0] != keys[1]  # the PXB number is kept, not shared
    assert "<HEX>" in keys[3].split()[1] and "<NUM>" in keys[3].split()[-1]


def test_keys_matches_key() -> None:
    lines = ["a 1", "b 0x2", "c /d"]
    assert TemplateMasker().keys(lines) == [template_key(line) for line in lines]


def test_max_chars_truncates() -> None:
    masker = TemplateMasker(max_chars=10)
    assert masker.key("abcdefghij klmnop") == "abcdefghij"
    with pytest.raises(ValueError, match="max_chars"):
        TemplateMasker(max_chars=0)


def test_empty_and_blank_lines() -> None:
    assert template_key("") == ""
    assert template_key(" \t \r\n") == ""


# --- bounded time: these must return (pytest-timeout guards against a hang) -------------------


@pytest.mark.parametrize(
    "line",
    [
        "x" * 1_000_000,
        "1" * 1_000_000,
        "a1" * 500_000,
        "a." * 500_000,
        "1." * 500_000,
        "1:" * 500_000,
        "a-" * 500_000,
        "/" * 1_000_000,
        "/a" * 500_000,
        "=" + '"' * 1_000_000,
        "Jun " * 250_000,
        "Jun 1 " * 150_000,
        "aaaa:" * 200_000,
        "f" * 999_999 + "!",
        "a@" * 500_000,
        "a://" * 250_000,
        "<NUM> " * 150_000,
        "a" * 1999 + "1",
    ],
    ids=lambda line: f"{line[:6]!r}x{len(line)}",
)
def test_adversarial_inputs_return(line: str) -> None:
    key = template_key(line)
    # Only the first DEFAULT_MAX_CHARS characters are kept; a placeholder is at most 7 chars.
    assert 0 < len(key) <= 7 * DEFAULT_MAX_CHARS


def test_adversarial_inputs_return_with_large_window() -> None:
    masker = TemplateMasker(max_chars=20_000)
    for line in ("a." * 10_000, "1:" * 10_000, "a1-" * 7_000, "a" * 19_999 + "1", "ab.c" * 5_000):
        assert masker.key(line)


# --- grouping accuracy on LogHub-2k -------------------------------------------------------------

SYSTEMS = (
    "Android", "Apache", "BGL", "HDFS", "HPC", "Hadoop", "HealthApp", "Linux",
    "Mac", "OpenSSH", "OpenStack", "Proxifier", "Spark", "Thunderbird", "Windows", "Zookeeper",
)  # fmt: skip
# Measured 0.889 on Content and 0.845 on raw lines (benchmarks/results/template_grouping.json);
# the floors leave a margin.
GA_CONTENT_FLOOR = 0.86
GA_RAW_FLOOR = 0.82
# Lines in keys that mix templates ("too coarse": a cached decision reused for a line it may not
# fit), over all 32,000 lines: measured 137 on Content and 133 raw. They must stay rare.
COARSE_LINES_CEILING = 200


def _data_dir() -> Path:
    env = os.environ.get("LOGSIEVE_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _grouping_accuracy(keys: list[str], events: list[str]) -> float:
    by_key: dict[str, set[int]] = defaultdict(set)
    by_event: dict[str, set[int]] = defaultdict(set)
    for i, (key, event) in enumerate(zip(keys, events, strict=True)):
        by_key[key].add(i)
        by_event[event].add(i)
    correct = sum(1 for i, key in enumerate(keys) if by_key[key] == by_event[events[i]])
    return correct / len(keys)


def _coarse_lines(keys: list[str], events: list[str]) -> int:
    """Lines whose key is shared with a line of another template."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for key, event in zip(keys, events, strict=True):
        by_key[key].add(event)
    return sum(1 for key in keys if len(by_key[key]) > 1)


def _loghub_root() -> Path:
    root = _data_dir() / "loghub"
    if not root.is_dir():
        pytest.skip(f"LogHub data not found at {root} (set LOGSIEVE_DATA_DIR)")
    return root


def _read_system(root: Path, system: str) -> tuple[list[str], list[str], list[str]]:
    """(contents, raw lines, event ids) of one LogHub-2k system."""
    folder = root / system
    with open(folder / f"{system}_2k.log_structured.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    raw = (folder / f"{system}_2k.log").read_text(encoding="utf-8", errors="replace")
    lines = [line.rstrip("\r") for line in raw.split("\n")][: len(rows)]
    return [row["Content"] for row in rows], lines, [row["EventId"] for row in rows]


@pytest.mark.data
def test_grouping_accuracy_on_loghub_content() -> None:
    root = _loghub_root()
    scores = {}
    coarse = 0
    for system in SYSTEMS:
        contents, _, events = _read_system(root, system)
        keys = [template_key(content) for content in contents]
        scores[system] = _grouping_accuracy(keys, events)
        coarse += _coarse_lines(keys, events)
    average = sum(scores.values()) / len(scores)
    assert average >= GA_CONTENT_FLOOR, scores
    assert coarse <= COARSE_LINES_CEILING
    # Systems whose templates the masker gets (nearly) exactly right must stay that way.
    for system in ("Apache", "HDFS", "HealthApp", "Linux", "OpenStack"):
        assert scores[system] >= 0.99, (system, scores[system])


@pytest.mark.data
def test_grouping_accuracy_on_loghub_raw_lines() -> None:
    """Raw lines keep their headers (time, host, program, level, thread): what the cache sees."""
    root = _loghub_root()
    scores = {}
    coarse = 0
    for system in SYSTEMS:
        _, lines, events = _read_system(root, system)
        assert len(lines) == len(events), system
        keys = [template_key(line) for line in lines]
        scores[system] = _grouping_accuracy(keys, events)
        coarse += _coarse_lines(keys, events)
    average = sum(scores.values()) / len(scores)
    assert average >= GA_RAW_FLOOR, scores
    assert coarse <= COARSE_LINES_CEILING
    # Header fields that vary (program, host, thread) must not split these systems' templates.
    for system in ("Linux", "Hadoop", "Zookeeper"):
        assert scores[system] >= 0.98, (system, scores[system])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # dpkg: the same statement for packages of any architecture and versions of any shape
        (
            "2026-12-01 10:00:00 status unpacked libc6:amd64 2.36-9+deb12u4",
            "2026-12-01 10:00:01 status unpacked liberror-perl:all 0.17029-2",
        ),
        (
            "2026-12-01 10:00:00 configure python3.11:amd64 3.11.2-6+deb12u1 <none>",
            "2026-12-01 10:00:00 configure libfoo1:arm64 1:2.1.2-1~bpo12+1 <none>",
        ),
        ("Setting up vim (2:9.0.1378-2) ...", "Setting up vim (2:9.1.0016-1+b1) ..."),
        # the versions after a package, whatever their shape (a dotted number, a dash pair, a
        # date-like upstream version, letters first)
        (
            "2026-12-01 10:00:00 status installed media-types:all 10.0.0",
            "2026-12-01 10:00:00 status installed libc-bin:amd64 2.36-9+deb12u10",
        ),
        (
            "2026-12-01 10:00:00 install adwaita-icon-theme:all <none> 43-1",
            "2026-12-01 10:00:00 install libaopalliance-java:all <none> 20070526-7",
        ),
        (
            "2026-12-01 10:00:00 upgrade tzdata:all 2025b-0+deb12u1 2025b-0+deb12u2",
            "2026-12-01 10:00:00 upgrade less:amd64 590-2.1~deb12u2 590-2.1~deb12u3",
        ),
    ],
)
def test_package_and_version_shapes_share_a_key(a: str, b: str) -> None:
    assert template_key(a) == template_key(b)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("version 1.2.3 released", "version <NUM> released"),  # a plain version stays a number
        ("date 2023-01-02 ok", "date <TS> ok"),
        ("status installed tzdata:all", "status installed <ID>"),
        ("key:value pairs", "key:value pairs"),  # not an architecture: left alone
        # only the one or two tokens after a package are its versions; what follows stays
        ("install pkg:all <none> 1.0 took 12 ms", "install <ID> <none> <ID> took <NUM> ms"),
        ("range 43-1 only", "range <NUM>-<NUM> only"),  # a dash pair alone is no version
        ("(pkg:amd64) removed", "(<ID>) removed"),
    ],
)
def test_version_rules_leave_other_shapes_alone(line: str, expected: str) -> None:
    assert template_key(line) == expected
