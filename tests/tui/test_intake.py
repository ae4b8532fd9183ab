"""Starting an advocate session from the app (Textual Pilot) against a real encrypted practice case: consent
first, nothing pre-ticked, and only what is ticked written into the case."""

from __future__ import annotations

import io

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input, Select, Static

from auditor.session.intake import Concern, Item
from auditor.session.store import latest_session
from auditor.tui.app import AuditorApp
from auditor.tui.screens.intake import IntakeScreen
from auditor.tui.screens.session import SessionScreen
from tui.helpers import click, wait_for
from tui.screen_text import screen_text
from tui.test_hostile import assert_nothing_raw

SIZE = (80, 24)
HOSTILE = "[bold red]x[/] \x1b]0;t\x07 in\u202evoice"


def rendered(app: AuditorApp, selector: str) -> str:
    """A Static's text as a person would read it (wide enough that nothing wraps)."""
    console = Console(width=300, record=True, color_system=None, file=io.StringIO())
    console.print(app.screen.query_one(selector, Static).render())
    return console.export_text()


async def open_intake(app: AuditorApp, pilot: Pilot[int], *, keyboard: bool = False) -> None:
    await wait_for(pilot, lambda: app.case is not None, "the practice case")
    await pilot.press("ctrl+p", *"session and access map", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SessionScreen) and app.screen.loaded, "the session screen")
    assert "No session yet" in rendered(app, "#session-summary")
    if keyboard:
        await pilot.press("s")
    else:
        await click(pilot, "#start-session")
    await wait_for(pilot, lambda: isinstance(app.screen, IntakeScreen), "the intake form")


async def type_into(pilot: Pilot[int], selector: str, text: str) -> None:
    await click(pilot, selector)
    await pilot.press(*text)


async def press_again(pilot: Pilot[int], selector: str) -> None:
    """A button ignores presses while it still shows the last one: wait for that to clear, then click."""
    button = pilot.app.screen.query_one(selector, Button)
    await wait_for(pilot, lambda: not button.has_class("-active"), f"{selector} to be pressable again")
    await click(pilot, selector)


async def back_on_session_screen(app: AuditorApp, pilot: Pilot[int]) -> str:
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, SessionScreen) and "Kept in the case" in rendered(app, "#session-summary"),
        "the session screen showing the new session",
    )
    return rendered(app, "#session-summary")


async def test_a_session_started_in_the_app_keeps_only_what_was_agreed() -> None:
    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_intake(app, pilot)
        screen = app.screen
        assert not any(box.value for box in screen.query(Checkbox)), "nothing is ticked until the person ticks it"
        assert "Only what is ticked here is written into the encrypted case" in rendered(app, "#consent-words")

        for box in ("#consent-concerns", "#consent-accounts", "#concern-images-shared", "#concern-unknown-logins"):
            await click(pilot, box)
        assert screen.query_one("#consent-people", Checkbox).value is False

        screen.query_one("#item-kind", Select).value = "google"
        await type_into(pilot, "#item-label", "ann.example@gmail.com")
        await type_into(pilot, "#item-person", "Mark")
        screen.query_one("#item-when", Select).value = "had"
        await type_into(pilot, "#item-addresses", "keepingtabs@proton.example, +15550100")
        await click(pilot, "#add-item")
        listed = rendered(app, "#intake-items")
        assert "Google account: ann.example@gmail.com — Mark had access (keepingtabs@proton.example, +15550100)" in (
            listed
        )
        assert screen.query_one("#item-label", Input).value == "", "the row is cleared for the next one"

        # A second item: the same button again.
        screen.query_one("#item-kind", Select).value = "apple"
        await type_into(pilot, "#item-label", "ann@icloud.example")
        await press_again(pilot, "#add-item")
        assert "Apple ID or iPhone: ann@icloud.example" in rendered(app, "#intake-items")

        await click(pilot, "#start-intake")
        summary = await back_on_session_screen(app, pilot)
        assert "Kept in the case: concerns, accounts\n" in summary
        assert "• Intimate images shared or threatened" in summary
        assert "• Logins or alerts I did not make" in summary
        plan = rendered(app, "#session-plan")
        assert "  1. " in plan and ("(automated)" in plan or "(by hand)" in plan), plan
        assert "ann@icloud.example" in plan

        session = latest_session(app.case)
        assert session is not None
        assert session.intake.consent.model_dump() == {
            "concerns": True,
            "accounts": True,
            "people": False,
            "notes": False,
        }
        assert session.intake.concerns == (Concern.IMAGES_SHARED, Concern.UNKNOWN_LOGINS)
        assert session.intake.items == (
            Item(kind="google", label="ann.example@gmail.com"),  # Mark was typed, but people were not agreed
            Item(kind="apple", label="ann@icloud.example"),
        )
        assert "Mark" not in rendered(app, "#access-map")
        await pilot.press("ctrl+q")
    assert app.return_code == 0 and app.case is None


async def test_nothing_ticked_keeps_only_the_consent_choices() -> None:
    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_intake(app, pilot, keyboard=True)
        assert app.focused is app.screen.query_one("#consent-concerns", Checkbox), "consent first, for the keyboard"
        await type_into(pilot, "#item-label", "ann@icloud.example")
        await click(pilot, "#add-item")
        await click(pilot, "#concern-location-known")
        await click(pilot, "#concern-location-known")  # ticked, then unticked again
        app.screen.query_one("#start-intake", Button).focus()
        await pilot.press("enter")  # the keyboard reaches the start button
        summary = await back_on_session_screen(app, pilot)
        assert "Kept in the case: only the consent choices" in summary
        session = latest_session(app.case)
        assert session is not None
        assert not any(session.intake.consent.model_dump().values())
        assert session.intake.concerns == () and session.intake.items == ()
        await pilot.press("ctrl+q")


async def test_an_empty_label_is_a_clear_error_and_nothing_is_written() -> None:
    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_intake(app, pilot)
        await click(pilot, "#consent-accounts")
        await type_into(pilot, "#item-person", "Mark")
        await click(pilot, "#add-item")
        problem = rendered(app, "#intake-problem")
        assert "Not added" in problem and "label: String should have at least 1 character" in problem, problem
        assert "Nothing added yet." in rendered(app, "#intake-items")

        # Starting with the row still typed is refused rather than dropping it quietly.
        await click(pilot, "#start-intake")
        assert "Press Add for the device or account typed above" in rendered(app, "#intake-problem")
        await pilot.pause(0.3)
        assert isinstance(app.screen, IntakeScreen)
        assert latest_session(app.case) is None, "nothing was written"

        await pilot.press("escape")  # back, still nothing written
        await wait_for(pilot, lambda: isinstance(app.screen, SessionScreen), "the session screen")
        assert latest_session(app.case) is None
        await pilot.press("ctrl+q")


async def test_hostile_label_and_person_are_shown_literally() -> None:
    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=(120, 60)) as pilot:
        await open_intake(app, pilot)
        for box in ("#consent-accounts", "#consent-people"):
            await click(pilot, box)
        screen = app.screen
        # Escapes and bidi controls cannot be typed with keys: put them in as a paste would.
        screen.query_one("#item-label", Input).value = HOSTILE
        screen.query_one("#item-person", Input).value = HOSTILE
        await pilot.pause()
        assert_nothing_raw(app)  # not even while still in the fields: there they are drawn visibly
        assert "[bold red]x[/] ␛]0;t␇ in\ufffdvoice" in screen_text(app)
        await click(pilot, "#add-item")
        listed = rendered(app, "#intake-items")
        assert "[bold red]x[/] \\x1b]0;t\\x07 in<U+202E>voice" in listed, listed
        assert listed.count("[bold red]x[/]") == 2, "label and person both shown as typed"
        assert_nothing_raw(app)

        await click(pilot, "#start-intake")
        await back_on_session_screen(app, pilot)
        session = latest_session(app.case)
        assert session is not None
        [item] = session.intake.items
        assert item.label == HOSTILE and item.access[0].person == HOSTILE, "kept exactly as typed"
        assert_nothing_raw(app)
        await pilot.press("ctrl+q")
