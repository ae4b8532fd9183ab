from __future__ import annotations

import json

from auditor.model import AuditRun, Finding, Severity, Status, utcnow


def make(status: Status, severity: Severity = Severity.HIGH, subject: str = "s") -> Finding:
    return Finding(check="a.b", target="me@example.com", status=status, severity=severity, title="t", subject=subject)


def test_fingerprint_is_stable_and_distinguishes_subjects() -> None:
    assert make(Status.FOUND).fingerprint == make(Status.REVIEW).fingerprint
    assert make(Status.FOUND, subject="x").fingerprint != make(Status.FOUND, subject="y").fingerprint


def test_round_trip_through_json() -> None:
    finding = Finding(
        check="google.gmail.autoforward",
        target="me@example.com",
        status=Status.FOUND,
        severity=Severity.CRITICAL,
        title="Your mail is forwarded to x@example.net",
        evidence={"emailAddress": "x@example.net", "enabled": True},
        playbooks=("gmail-forwarding",),
    )
    again = Finding.from_dict(json.loads(json.dumps(finding.to_dict())))
    assert again == finding


def test_exit_codes_follow_the_cli_contract() -> None:
    run = AuditRun(started_at=utcnow())
    run.findings = [make(Status.CLEAR), make(Status.MANUAL)]
    assert run.exit_code == 0
    run.findings.append(make(Status.ERROR))
    assert run.exit_code == 3
    run.findings.append(make(Status.REVIEW))
    assert run.exit_code == 1


def test_sorted_most_severe_first_and_found_before_review() -> None:
    run = AuditRun(started_at=utcnow())
    run.findings = [
        make(Status.CLEAR, Severity.INFO),
        make(Status.REVIEW, Severity.CRITICAL),
        make(Status.FOUND, Severity.LOW),
        make(Status.FOUND, Severity.CRITICAL),
    ]
    order = [(f.status, f.severity) for f in run.sorted_findings()]
    assert order == [
        (Status.FOUND, Severity.CRITICAL),
        (Status.FOUND, Severity.LOW),
        (Status.REVIEW, Severity.CRITICAL),
        (Status.CLEAR, Severity.INFO),
    ]


def test_json_shape_has_the_contract_fields() -> None:
    run = AuditRun(started_at=utcnow(), findings=[make(Status.FOUND)])
    data = json.loads(json.dumps(run.to_dict()))
    item = data["findings"][0]
    for key in ("check", "status", "severity", "title", "target", "evidence", "playbooks", "fingerprint"):
        assert key in item
    assert item["status"] == "found"
