"""microsoft.auth_methods — checks/microsoft/auth_methods.py; playbook playbooks/microsoft-account-security.yaml.

Work or school accounts: no strong sign-in method is found; each phone, address or app that can sign in is a
question. Personal accounts are skipped (Microsoft does not list them; a guided check asks instead).
"""

from __future__ import annotations

from pathlib import Path

from microsoft_accounts.conftest import by_check, run_microsoft, scenario_from
from microsoft_accounts.readings import TARGET, ChosenGraph, methods, run_check

from auditor.checkapi import Decisions
from auditor.model import Status, fingerprint
from auditor.safetext import literal
from auditor.sandbox import Sandbox

CHECK = "microsoft.auth_methods"
PASSWORD = {"@odata.type": "#microsoft.graph.passwordAuthenticationMethod", "id": "pw"}
PHONE = {"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", "id": "ph", "phoneNumber": "+1 555 0100"}
KEY = {"@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "id": "k1", "displayName": "YubiKey 5"}


def test_only_a_password_and_a_phone_is_found_and_the_phone_asked_about() -> None:
    findings = run_check(CHECK, ChosenGraph(methods=methods(PASSWORD, PHONE)))
    assert [(f.status, f.subject) for f in findings] == [(Status.FOUND, "no-strong-method"), (Status.REVIEW, "ph")]
    assert (
        findings[1].title
        == "Is this phone yours? +1 555 0100 can sign in to your work or school account or reset its password"
    )


def test_a_strong_method_the_person_confirmed_over_a_whole_reading_is_clear() -> None:
    mine = Decisions({fingerprint(CHECK, TARGET, "k1"): "mine"})
    (finding,) = run_check(CHECK, ChosenGraph(methods=methods(PASSWORD, KEY)), mine)
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "Your sign-in methods are a strong method you confirmed is yours",
    )
    (skipped,) = run_check(CHECK, ChosenGraph(account_type="personal"))
    assert skipped.status is Status.SKIPPED


def test_methods_not_all_understood_are_couldnt_check_never_said_weak_or_clear() -> None:
    # A strong method may be among the records not understood: "no strong method" is not said over them.
    partial = methods(PASSWORD, PHONE, unrecognised=("value[2].@odata.type: not a string",))
    findings = run_check(CHECK, ChosenGraph(methods=partial))
    assert {f.status for f in findings} == {Status.REVIEW, Status.ERROR}
    assert "no-strong-method" not in {f.subject for f in findings}


def test_a_hostile_method_name_is_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
    key = {**KEY, "displayName": hostile}
    findings = run_check(CHECK, ChosenGraph(methods=methods(PASSWORD, key)))
    (asked,) = [f for f in findings if f.status is Status.REVIEW]
    assert literal(hostile, 120) in asked.title and hostile not in asked.title


# --- through httpx and the practice Graph -------------------------------------------------------------------


def test_only_password_and_phone_is_found(tmp_path: Path) -> None:
    text = """name: weak
microsoft:
  account_type: work
  user: {userPrincipalName: kim@contoso.example}
  auth_methods: [{type: phone, phoneNumber: "+1 555 0100"}]
"""
    with Sandbox(scenario_from(tmp_path, text)) as sb:
        run = run_microsoft(sb)
    methods = by_check(run)["microsoft.auth_methods"]
    assert (methods[0].status, methods[0].subject) == (Status.FOUND, "no-strong-method")
    assert [f.status for f in methods[1:]] == [Status.REVIEW]
