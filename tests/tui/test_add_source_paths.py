"""The add-account screen says which sign-in path applies — the person's own OAuth client, an organisation's
imported settings, or practice mode — and what is missing, in plain words. An organisation's name and contact
come from its settings bundle and are shown literally: markup, terminal escapes and bidi controls stay visible."""

from __future__ import annotations

import json
import re
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from auditor.bundle import apply_import, plan_import, render_bundle
from auditor.tui.app import AuditorApp
from tui.helpers import SIZE, click, text_near, wait_for
from tui.screen_text import screen_text

# Rich markup, an ANSI colour, an OSC 8 hyperlink with BEL, and a right-to-left override.
HOSTILE = "[bold red]boom[/] \x1b[31mred\x1b]8;;https://evil.example\x07link\x1b]8;;\x07 \u202egnp.exe"
CLIENT = {
    "installed": {
        "client_id": "837647042410-75ifgabcdefghij.apps.googleusercontent.com",
        "client_secret": "asdlkfjaskd",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
}
MS_CLIENT = "3c1a7f2e-5b1d-4c8e-9a41-0d6f2b7e8c55"


def flat(text: str) -> str:
    """Screen text without the line breaks and spaces that wrapping moves about."""
    return re.sub(r"\s+", "", text)


def paths_text(app: AuditorApp) -> str:
    return str(app.screen.query_one("#paths", Static).content)


async def open_add_screen(pilot: Pilot[int], app: AuditorApp) -> None:
    await pilot.press("n")
    await wait_for(pilot, lambda: app.current_mode == "add_source", "the add screen")


async def unlock_new_case(pilot: Pilot[int], app: AuditorApp) -> None:
    from tui.test_add_source import create_case

    await create_case(pilot, app)


def import_bundle(home: Path, organisation: dict[str, str]) -> None:
    bundle = home / "clinic.yaml"
    data = {
        "auditor_settings_bundle": 1,
        "organisation": organisation,
        "google": {"client": CLIENT},
        "microsoft": {"client_id": MS_CLIENT},
        "exchange": {"url": "https://mail.example.org/EWS/Exchange.asmx"},
    }
    bundle.write_bytes(render_bundle(data, "yaml"))
    apply_import(plan_import(bundle))


async def test_with_nothing_set_up_the_screen_says_what_is_missing_and_how_to_get_it(isolated_home: Path) -> None:
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await unlock_new_case(pilot, app)
        await open_add_screen(pilot, app)
        shown = paths_text(app)
        assert "Google: no OAuth client yet." in shown
        assert "Microsoft: no app registration (client ID) yet." in shown
        assert "Exchange: no server set" in shown
        assert (
            "If a clinic or helpline gave you a settings file, import it with `auditor settings import FILE`" in shown
        )
        assert "docs/organisations.md shows how an administrator sets one up" in shown
        assert flat("Google: no OAuth client yet.") in flat(await text_near(pilot, "#paths"))

        await click(pilot, "#kind-microsoft")
        shown = paths_text(app)
        assert shown.startswith("Microsoft: no app registration (client ID) yet. If a clinic or helpline")
        assert "Google" not in shown, "the chosen kind is said on its own, in full"
        assert flat("docs/microsoft.md: registering your own") in flat(await text_near(pilot, "#paths"))
        await pilot.press("ctrl+q")


async def test_the_persons_own_client_is_named_as_theirs(isolated_home: Path) -> None:
    client = isolated_home / "my_client.json"
    client.write_text(json.dumps(CLIENT))
    (isolated_home / "settings.yaml").write_text(
        f"google:\n  client_file: {client}\nmicrosoft:\n  client_id: {MS_CLIENT}\n"
    )
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await unlock_new_case(pilot, app)
        await open_add_screen(pilot, app)
        shown = paths_text(app)
        assert f"Google: your own OAuth client ({client})." in shown
        assert f"Microsoft: your own app registration ({MS_CLIENT})." in shown
        await click(pilot, "#kind-google")
        assert paths_text(app) == f"Google: your own OAuth client ({client})."
        await pilot.press("ctrl+q")


async def test_a_client_file_that_cannot_be_used_is_said_before_connecting(isolated_home: Path) -> None:
    missing = isolated_home / "gone.json"
    (isolated_home / "settings.yaml").write_text(f"google:\n  client_file: {missing}\n")
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await unlock_new_case(pilot, app)
        await open_add_screen(pilot, app)
        await click(pilot, "#kind-google")
        assert paths_text(app).startswith(f"Google: the OAuth client file {missing} cannot be used: it does not exist.")
        await pilot.press("ctrl+q")


async def test_an_organisations_settings_are_named_literally(isolated_home: Path) -> None:
    import_bundle(isolated_home, {"name": HOSTILE, "contact": "call " + HOSTILE})
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await unlock_new_case(pilot, app)
        await open_add_screen(pilot, app)
        await click(pilot, "#kind-google")
        shown = paths_text(app)
        assert shown.startswith("Google: the OAuth client from the settings file of “[bold red]boom[/] \\x1b[31mred")
        assert "<U+202E>gnp.exe" in shown and "contact: call [bold red]boom[/]" in shown
        screen = await text_near(pilot, "#paths")
        assert "\x1b" not in screen and "\u202e" not in screen and "\x07" not in screen
        # The markup is text on the screen (not bold red "boom"), the escapes are visible as escapes.
        assert flat("[bold red]boom[/]") in flat(screen)
        assert flat("\\x1b]8;;https://evil.example\\x07link") in flat(screen)
        assert flat("<U+202E>gnp.exe") in flat(screen)

        await click(pilot, "#kind-exchange")
        shown = paths_text(app)
        assert shown.startswith("Exchange: the server mail.example.org from the settings file of “[bold red]boom[/]")
        assert shown.endswith("Add your own user name as exchange.username in settings.yaml.")
        await pilot.press("ctrl+q")


async def test_practice_mode_says_so_for_every_kind() -> None:
    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.case is not None, "the practice case")
        await open_add_screen(pilot, app)
        shown = paths_text(app)
        for words in ("Google: practice mode", "Microsoft: practice mode", "Exchange: practice mode"):
            assert words in shown
        assert "nothing real is connected" in shown
        assert "settings import" not in shown, "nothing is missing in practice"
        await pilot.press("ctrl+q")


async def test_a_broken_settings_file_is_said_with_its_line(isolated_home: Path) -> None:
    (isolated_home / "settings.yaml").write_text('microsoft:\n  authority: "[bold]everyone\\e[2J"\n')
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await unlock_new_case(pilot, app)
        await open_add_screen(pilot, app)
        shown = paths_text(app)
        assert shown.startswith("The settings cannot be read:") and "settings.yaml, line 2" in shown
        assert "\x1b" not in screen_text(app)
        await pilot.press("ctrl+q")


async def test_settings_imported_while_the_app_runs_are_shown_when_the_screen_comes_back(isolated_home: Path) -> None:
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await unlock_new_case(pilot, app)
        await open_add_screen(pilot, app)
        assert "Google: no OAuth client yet." in paths_text(app)
        await pilot.press("o")
        await wait_for(pilot, lambda: app.current_mode != "add_source", "another screen")
        import_bundle(isolated_home, {"name": "Riverside Clinic"})
        await open_add_screen(pilot, app)
        await wait_for(pilot, lambda: "Riverside Clinic" in paths_text(app), "the imported settings")
        assert "Google: the OAuth client from the settings file of “Riverside Clinic”." in paths_text(app)
        await pilot.press("ctrl+q")
