"""microsoft.app_grants — checks/microsoft/app_grants.py; playbook playbooks/microsoft-account-security.yaml.

Work or school accounts: each app allowed to use the account's data is a question — those allowed for the
person and those an administrator allowed for everyone. When the grants made for everyone cannot be read,
that is said (never clear).
"""

from __future__ import annotations

from pathlib import Path

from microsoft_accounts.conftest import by_check, run_microsoft, scenario_from
from microsoft_accounts.readings import ChosenGraph, grants, run_check

from auditor.checkapi.microsoft import ServicePrincipal
from auditor.model import Severity, Status
from auditor.safetext import literal
from auditor.sandbox import Sandbox

CHECK = "microsoft.app_grants"
MAIL_READER = {"id": "g1", "clientId": "sp-1", "consentType": "Principal", "scope": "Mail.Read offline_access"}
HELPER = ServicePrincipal.model_validate({"id": "sp-1", "displayName": "Mail Helper", "publisherName": "Helper Inc"})


def test_an_app_that_can_read_mail_is_asked_about() -> None:
    (finding,) = run_check(CHECK, ChosenGraph(my_grants=grants(MAIL_READER), apps={"sp-1": HELPER}))
    assert (finding.status, finding.severity) == (Status.REVIEW, Severity.HIGH)
    assert (
        finding.title == "Did you allow Mail Helper (Helper Inc) to use your account? It can: Mail.Read offline_access"
    )


def test_no_grants_over_whole_readings_is_clear() -> None:
    (finding,) = run_check(CHECK, ChosenGraph())
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No app has been given access to your work or school account",
    )


def test_grants_not_all_read_are_couldnt_check() -> None:
    refused = grants(what="the apps approved for everyone", not_read=("403: needs Directory.Read.All",))
    findings = run_check(CHECK, ChosenGraph(everyone_grants=refused))
    assert [(f.status, f.title) for f in findings] == [
        (Status.ERROR, "Couldn't see the apps your organisation approved for everyone")
    ]
    partial = grants(MAIL_READER, unrecognised=("value[1].clientId: null",))
    assert {f.status for f in run_check(CHECK, ChosenGraph(my_grants=partial))} == {Status.REVIEW, Status.ERROR}


def test_a_hostile_app_name_is_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
    app = ServicePrincipal.model_validate({"id": "sp-1", "displayName": hostile, "publisherName": hostile})
    (finding,) = run_check(CHECK, ChosenGraph(my_grants=grants(MAIL_READER), apps={"sp-1": app}))
    assert literal(hostile, 120) in finding.title and hostile not in finding.title


# --- through httpx and the practice Graph -------------------------------------------------------------------


ORG_WIDE = """name: org-wide-grant
microsoft:
  account_type: work
  directory_reader: {reader}
  user: {{userPrincipalName: kim@contoso.example}}
  auth_methods: [{{type: fido2, displayName: key}}]
  permission_grants:
    - client_name: Family Locator
      publisher: Locator Ltd
      consentType: AllPrincipals
      scope: Files.Read.All Mail.Read
"""


def test_grants_made_for_everyone_in_the_organisation_are_read(tmp_path: Path) -> None:
    with Sandbox(scenario_from(tmp_path, ORG_WIDE.format(reader="true"))) as sb:
        run = run_microsoft(sb)
        asked = [r for r in sb.requests if r.path == "/v1.0/oauth2PermissionGrants"]
    [grant] = by_check(run)[CHECK]
    assert grant.status is Status.REVIEW and "Family Locator (Locator Ltd)" in grant.title
    assert "Mail.Read" in grant.title and "allowed it for everyone" in grant.detail
    assert [r.query["$filter"] for r in asked] == [["consentType eq 'AllPrincipals'"]]  # filtered by the server


def test_grants_made_for_everyone_that_cannot_be_read_are_never_clear(tmp_path: Path) -> None:
    with Sandbox(scenario_from(tmp_path, ORG_WIDE.format(reader="false"))) as sb:
        run = run_microsoft(sb)
    [unseen] = by_check(run)[CHECK]
    assert unseen.status is Status.ERROR
    assert unseen.title == "Couldn't see the apps your organisation approved for everyone"
    assert "cannot be seen from this account" in unseen.detail
    assert "Apps and services with access to your Microsoft account" in unseen.detail  # the guided check
    assert "Directory.Read.All" in unseen.detail and "Directory Readers" in unseen.detail
