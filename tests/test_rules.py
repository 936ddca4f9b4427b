from __future__ import annotations

import pytest

from logsieve.rules import RuleSet
from logsieve.taxonomy import Rule, load_taxonomy


def test_first_match_in_file_order_wins() -> None:
    rules = [Rule("disk", "A"), Rule("disk full", "B"), Rule("full", "C")]
    rs = RuleSet(rules)
    m = rs.match("the disk full error")
    assert m is not None and m.rule.label == "A" and m.index == 0
    rs2 = RuleSet(list(reversed(rules)))
    m2 = rs2.match("the disk full error")
    assert m2 is not None and m2.rule.label == "C"


def test_sources_filter_skips_to_next_rule() -> None:
    rs = RuleSet([Rule("error", "A", sources=frozenset({"db"})), Rule("error", "B")])
    assert rs.match("error here", "db").rule.label == "A"  # type: ignore[union-attr]
    assert rs.match("error here", "web").rule.label == "B"  # type: ignore[union-attr]
    assert rs.match("error here", None).rule.label == "B"  # type: ignore[union-attr]
    assert RuleSet([Rule("x", "A", sources=frozenset({"db"}))]).match("x", "web") is None


def test_case_flag() -> None:
    assert RuleSet([Rule("ERROR", "A", ignore_case=True)]).match("an error") is not None
    assert RuleSet([Rule("ERROR", "A", ignore_case=False)]).match("an error") is None


def test_empty_ruleset() -> None:
    assert RuleSet([]).match("anything") is None


def test_pathological_pattern_is_linear_time() -> None:
    # (a+)+$ hangs a backtracking engine on this input; RE2 answers at once.
    rs = RuleSet([Rule("(a+)+$", "A")])
    assert rs.match("a" * 50_000 + "!") is None


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("User User123 logged in.", "USER_ACTION"),
        ("user alice has logged out", "USER_ACTION"),
        ("Account with ID 5351 created by User634.", "USER_ACTION"),
        ("Backup started at 2025-05-14 07:06:55.", "BACKUP"),
        ("Backup ended at 2025-08-08 13:06:23.", "BACKUP"),
        ("Backup completed successfully.", "BACKUP"),
        ("System updated to version 3.6.1.", "SYSTEM_NOTIFICATION"),
        ("File data_6957.csv uploaded successfully by user User265.", "SYSTEM_NOTIFICATION"),
        ("Disk cleanup completed successfully.", "SYSTEM_NOTIFICATION"),
        ("System reboot initiated by user User243.", "SYSTEM_NOTIFICATION"),
        # sshd / PAM authentication failures
        (
            "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for root from 1.2.3.4 port 22 ssh2",
            "AUTH_ERROR",
        ),
        (
            "sshd[24200]: Failed password for invalid user admin from 1.2.3.4 port 5 ssh2",
            "AUTH_ERROR",
        ),
        ("sshd[24200]: Invalid user oracle from 1.2.3.4", "AUTH_ERROR"),
        ("sshd[24200]: input_userauth_request: invalid user test [preauth]", "AUTH_ERROR"),
        (
            "sshd(pam_unix)[1]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= "
            "rhost=1.2.3.4  user=root",
            "AUTH_ERROR",
        ),
        ("PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh", "AUTH_ERROR"),
        ("error: PAM: Authentication failure for root from 1.2.3.4", "AUTH_ERROR"),
        ("Disconnecting: Too many authentication failures for admin [preauth]", "AUTH_ERROR"),
        ("pam_unix(sshd:auth): check pass; user unknown", "AUTH_ERROR"),
        (
            "reverse mapping checking getaddrinfo for x.example.net [1.2.3.4] failed - POSSIBLE "
            "BREAK-IN ATTEMPT!",
            "AUTH_ERROR",
        ),
        # ...and lines that only share words with them stay for the later stages
        ("Accepted password for root from 1.2.3.4 port 22 ssh2", None),
        ("Invalid user input in form field 'email'", None),
        ("Authentication failure rate over the last hour: 0.2%", None),
        ("Received disconnect from 1.2.3.4: 11: Bye Bye [preauth]", None),
        ("session opened for user root by (uid=0)", "USER_ACTION"),
    ],
)
def test_standard_rules(line: str, label: str | None) -> None:
    rs = RuleSet(load_taxonomy("standard").rules)
    m = rs.match(line)
    assert (m.rule.label if m else None) == label


@pytest.mark.parametrize(
    ("line", "label"),
    [
        (
            "2017-05-16 00:00:04.500 25746 INFO nova.virt.libvirt.driver [req-a4b] [instance: "
            "b9000564-fe1a-409b-b8cc-1e88b294cd1d] Creating image",
            "System_Operations",
        ),
        (
            "INFO nova.compute.manager [req-1] [instance: 11760334-ac63-4cc8-9086-578422af8c99] "
            "Took 20.5 seconds to spawn the instance on the hypervisor.",
            "Instance_Management",
        ),
        (
            "INFO os_vif [req-a] Successfully plugged vif VIFOpenVSwitch(active=False)",
            "Network_Operations",
        ),
        # Waiting in vain for neutron's vif event is a network failure, not a slow boot, though
        # the line also says "task_state spawning".
        (
            "WARNING nova.compute.manager [instance: x] Timeout waiting for vif plugging callback "
            "for instance",
            "Network_Connection_Errors",
        ),
        (
            "2017-05-16 00:10:40.512 2931 WARNING nova.virt.libvirt.driver [req-3f2d] [instance: "
            "b9000564-fe1a-409b-b8cc-1e88b294cd1d] Timeout waiting for [('network-vif-plugged', "
            "'c4e8a2ab-5b4a-4c9d-8f0e-0a1b2c3d4e5f')] for instance with vm_state building and "
            "task_state spawning.: Timeout: 300 seconds",
            "Network_Connection_Errors",
        ),
        (
            "ERROR nova.compute.manager [instance: x] Build of instance x aborted: timed out "
            "waiting for the guest to boot",
            "Boot_Timeout_Errors",
        ),
        # The logger and "[instance: …]" do not outvote the message: the compute manager and the
        # libvirt driver write network lines too, the report client writes the scheduler's.
        (
            "INFO nova.compute.manager [req-d0a5 req-9a79 service nova] [instance: "
            "11760334-ac63-4cc8-9086-578422af8c99] Neutron deleted interface "
            "a4350e52-0fe5-489a-ae3a-48cbf8b4715a; detaching it from the instance and deleting it "
            "from the info cache",
            "Network_Operations",
        ),
        (
            "INFO nova.virt.libvirt.driver [req-5f8f] "
            "[instance: 44e94647-8494-4464-a5c6-2679e40f2e0b] Plugging VIFs for instance",
            "Network_Operations",
        ),
        (
            "INFO nova.scheduler.client.report [req-d69a3cb3-66dd-409b-bb97-418a7773c6a0] Deleted "
            "allocation for instance fa91d7de-0896-41e1-a733-0260d1e20e89",
            "Scheduler_Operations",
        ),
        (
            "ERROR nova.scheduler.client.report [req-1] Failed to delete allocation for instance x",
            None,
        ),
        (
            "ERROR nova.compute.manager [instance: x] Instance failed to spawn: "
            "[Errno 2] No such file or directory: '/var/lib/nova/instances/x/disk'",
            "File_System_Errors",
        ),
        (
            "ERROR nova.conductor.manager NoValidHost: No valid host was found.",
            "Resource_Allocation_Errors",
        ),
        ("ERROR nova.compute.manager [instance: x] Instance failed to spawn", None),
    ],
)
def test_openstack_rules(line: str, label: str | None) -> None:
    rs = RuleSet(load_taxonomy("openstack").rules)
    m = rs.match(line)
    assert (m.rule.label if m else None) == label
