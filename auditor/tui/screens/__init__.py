"""The app's screens, registered by name.

A new screen is one line in :data:`SCREENS`: its name, the words shown in the command palette, and where
its class lives (imported when first shown). The app turns every entry into a mode of its own and a
command in the palette.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScreenEntry:
    name: str
    title: str
    help: str
    target: str  # "module:Class"; the class takes no arguments


SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry(
        "overview",
        "Overview",
        "Accounts and devices, counts, what changed",
        "auditor.tui.screens.overview:OverviewScreen",
    ),
    ScreenEntry(
        "findings",
        "Findings",
        "What was found, most severe first",
        "auditor.tui.screens.findings:FindingsScreen",
    ),
    ScreenEntry(
        "audit",
        "Audit progress",
        "Every check and its status",
        "auditor.tui.screens.audit:AuditScreen",
    ),
    ScreenEntry(
        "manual",
        "Check by hand",
        "Guided questions where no API exists",
        "auditor.tui.screens.manual:ManualScreen",
    ),
    ScreenEntry(
        "timeline",
        "Timeline",
        "Evidence, reports, answers and access paths on one clock",
        "auditor.tui.screens.timeline:TimelineScreen",
    ),
    ScreenEntry(
        "session",
        "Session and access map",
        "Who or what can get into each account and device; the checks to run, in order",
        "auditor.tui.screens.session:SessionScreen",
    ),
    ScreenEntry(
        "add_source",
        "Add an account or phone",
        "Google, Microsoft, Exchange or Android",
        "auditor.tui.screens.add_source:AddSourceScreen",
    ),
    ScreenEntry(
        "add_phone",
        "Add an iPhone",
        "Read an iPhone over a cable or from a backup folder",
        "auditor.tui.screens.add_phone:AddPhoneScreen",
    ),
)
