"""Running commercial monitoring products (covert spyware for computers, and employee monitoring)."""

from __future__ import annotations

from auditor.checkapi.device import CATALOG, DEVICE, CheckContext
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

from ._common import process_evidence, process_label

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
    catalog = ctx.client(CATALOG)
    reading = ctx.client(DEVICE).processes()
    findings: list[Finding] = []
    seen: set[str] = set()
    for process in reading.value:
        product = catalog.monitoring_product(process.name, process.exe)
        if product is None or product.name in seen:
            continue
        seen.add(product.name)
        evidence = {**process_evidence(process), "product": product.name, "category": product.category}
        label = process_label(process)
        name = literal(product.name, 80)
        if product.category == "covert":
            findings.append(
                ctx.finding(
                    Status.FOUND,
                    f"Monitoring software ({name}) is running on this computer ({label})",
                    subject=product.name,
                    detail=(
                        f"{name} is sold to watch someone's computer without their knowledge: it can "
                        "record keystrokes, screenshots, messages and browsing and send them to someone else."
                    ),
                    evidence=evidence,
                )
            )
        else:
            made = ctx.review_or_found(
                f"Employee monitoring software ({name}) is running and you said it is not expected",
                f"Employee monitoring software ({name}) is running — is this expected?",
                subject=product.name,
                detail=(
                    f"{name} is sold to employers to watch work computers. On a work computer it "
                    "may be expected; on your own computer it means someone can see what you do."
                ),
                evidence=evidence,
                severity=Severity.HIGH,
            )
            if made:
                findings.append(made)
    return ctx.conclude(
        findings,
        reading,
        clear=f"No known monitoring software is running ({len(reading.value)} programs checked)",
        evidence={"processes_checked": len(reading.value)},
    )
