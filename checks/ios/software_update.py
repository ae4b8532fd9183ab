"""Whether the iPhone runs the newest iOS for its model, by the dated table of iOS releases shipped with the tool."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.ios import IPHONE, judge_release
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

from ._common import files

SPEC = CheckSpec(
    id="ios.software_update",
    title="iOS updates on the iPhone",
    kind="ios",
    severity=Severity.MEDIUM,
    reads=("the iPhone's iOS version and model (lockdown, or the backup's Info.plist)", "the dated iOS release table"),
    playbooks=("ios-settings",),
    needs=("iphone",),
)

WHY = (
    "Spyware that breaks into iPhones from a message or a web page uses weaknesses that iOS updates close. "
    "Updating also restarts the phone, which clears spyware that lives only in memory."
)
WHERE = "Settings › General › Software Update shows whether a newer iOS is available for this phone."


def run(ctx: CheckContext) -> list[Finding]:
    reading = ctx.client(IPHONE).device()
    info = reading.value
    if not reading.whole:
        return [ctx.clear("iOS is up to date", reading)]  # says "Couldn't check", naming what was missing
    judged = judge_release(info.ios_version, info.product_type)
    version = literal(info.ios_version, 40)
    when = f" when the backup was made ({info.as_of})" if info.as_of else ""
    evidence: dict[str, object] = {
        "ios_version": info.ios_version,
        "model": info.product_type,
        "release_table": judged.table_date,
        "judged": judged.state,
    }
    if judged.latest:
        evidence["latest"] = judged.latest
    if info.files:
        evidence["files"] = files(info.files)
    if judged.state in ("out-of-date", "unsupported"):
        title = (
            f"This iPhone ran iOS {version}{when}; iOS {judged.latest} has security fixes it lacks"
            if judged.state == "out-of-date"
            else f"This iPhone model no longer gets iOS security updates (iOS {version}{when})"
        )
        made = ctx.review_or_found(
            title,
            f"{title} — can you update it?",
            subject="ios-version",
            detail=f"{judged.why} {WHY} {WHERE}",
            evidence=evidence,
        )
        return [made] if made else [ctx.clear(f"iOS {version}: you know about the update", reading)]
    if judged.state == "unknown":
        return [
            ctx.finding(
                Status.MANUAL,
                f"Check by hand that iOS {version} is the newest for this iPhone",
                subject="ios-version",
                detail=f"{judged.why} {WHERE} {WHY}",
                evidence=evidence,
            )
        ]
    return [
        ctx.clear(
            f"iOS {version} is the newest release for this iPhone (release table of {judged.table_date})",
            reading,
            evidence=evidence,
        )
    ]
