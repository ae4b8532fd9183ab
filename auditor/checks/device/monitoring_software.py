"""Running commercial monitoring products (covert spyware for computers, and employee monitoring)."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checks.device._common import complete, not_read_note, process_evidence, process_label
from auditor.model import CheckSpec, Finding, Severity, Status

SPEC = CheckSpec(
    id="device.monitoring_software",
    title="Monitoring software running on this computer",
    kind="device",
    severity=Severity.CRITICAL,
    reads=("names and file locations of running programs", "the project's list of monitoring products"),
    playbooks=("device-monitoring-software",),
    needs=("device", "catalog"),
)


def run(ctx: CheckContext) -> list[Finding]:
    catalog = ctx.client("catalog")
    reading = complete(ctx.client("device").processes())
    findings: list[Finding] = []
    seen: set[str] = set()
    for process in reading.items:
        product = catalog.monitoring_product(process.name, process.exe)
        if product is None or product.name in seen:
            continue
        seen.add(product.name)
        evidence = {**process_evidence(process), "product": product.name, "category": product.category}
        label = process_label(process)
        if product.category == "covert":
            findings.append(
                ctx.finding(
                    Status.FOUND,
                    f"Monitoring software ({product.name}) is running on this computer ({label})",
                    subject=product.name,
                    detail=(
                        f"{product.name} is sold to watch someone's computer without their knowledge: it can "
                        "record keystrokes, screenshots, messages and browsing and send them to someone else."
                    ),
                    evidence=evidence,
                )
            )
        else:
            made = ctx.review_or_found(
                f"Employee monitoring software ({product.name}) is running and you said it is not expected",
                f"Employee monitoring software ({product.name}) is running — is this expected?",
                subject=product.name,
                detail=(
                    f"{product.name} is sold to employers to watch work computers. On a work computer it "
                    "may be expected; on your own computer it means someone can see what you do."
                ),
                evidence=evidence,
                severity=Severity.HIGH,
            )
            if made:
                findings.append(made)
    if findings:
        return findings
    return [
        ctx.clear(
            f"No known monitoring software is running ({len(reading.items)} programs checked)",
            detail=not_read_note(reading.problems),
            evidence={"processes_checked": len(reading.items), "not_read": reading.problems},
        )
    ]
