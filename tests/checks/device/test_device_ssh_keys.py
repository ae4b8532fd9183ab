"""device.ssh_keys — checks/device/ssh_keys.py; playbook playbooks/device-ssh-access.yaml.

Each key that can log in over SSH is a question (the same key twice is one); the keys come from every
authorized_keys file the server's settings name.
"""

from __future__ import annotations

from device.conftest import ChosenReadings, run_check

from auditor.checkapi import Decisions, Reading
from auditor.checkapi.device import AuthorizedKey
from auditor.model import Status, fingerprint
from auditor.safetext import literal

CHECK = "device.ssh_keys"
FILE = "/home/ann/.ssh/authorized_keys"
KEY = AuthorizedKey("ssh-ed25519", "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8", "mark@laptop", "", 1, FILE)
SAME_KEY = AuthorizedKey(KEY.key_type, KEY.fingerprint, "mark@laptop", "no-pty", 3, FILE)


def keys(*found: AuthorizedKey, **gaps: tuple[str, ...]) -> ChosenReadings:
    return ChosenReadings(keys=Reading("the SSH keys", found, **gaps))


def test_a_key_that_can_log_in_is_asked_about_once() -> None:
    (finding,) = run_check(CHECK, keys(KEY, SAME_KEY))
    assert finding.status is Status.REVIEW
    assert finding.title == "An SSH key can log in to this computer: mark@laptop — is this yours?"
    assert [e["line"] for e in finding.evidence["entries"]] == [1, 3]
    not_mine = Decisions({fingerprint(CHECK, "This computer (test)", KEY.fingerprint): "not-mine"})
    assert [f.status for f in run_check(CHECK, keys(KEY), not_mine)] == [Status.FOUND]


def test_no_key_or_only_the_persons_own_over_a_whole_reading_is_clear() -> None:
    assert [(f.status, f.title) for f in run_check(CHECK, keys())] == [
        (Status.CLEAR, "No SSH key can log in to this computer")
    ]
    mine = Decisions({fingerprint(CHECK, "This computer (test)", KEY.fingerprint): "mine"})
    assert [(f.status, f.title) for f in run_check(CHECK, keys(KEY), mine)] == [
        (Status.CLEAR, "Every SSH key here is yours")
    ]


def test_keys_that_could_not_all_be_read_are_couldnt_check() -> None:
    findings = run_check(CHECK, keys(KEY, unrecognised=(f"{FILE} line 4: not a key",)))
    assert {f.status for f in findings} == {Status.REVIEW, Status.ERROR}
    gap = next(f for f in findings if f.status is Status.ERROR)
    assert gap.title == "Couldn't check all of the SSH keys" and "line 4: not a key" in gap.detail
    assert [f.status for f in run_check(CHECK, keys(not_read=("/root/.ssh: permission denied",)))] == [Status.ERROR]


def test_a_hostile_key_comment_is_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
    (finding,) = run_check(CHECK, keys(AuthorizedKey("ssh-rsa", "SHA256:abc", hostile, "", 2, FILE)))
    assert literal(hostile, 80) in finding.title and hostile not in finding.title
    assert finding.evidence["entries"][0]["comment"] == hostile
