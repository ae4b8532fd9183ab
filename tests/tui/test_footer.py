"""The footer keeps its keys while what it shows is unchanged, and shows a change at once."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from auditor.tui.app import AuditorApp
from auditor.tui.widgets.footer import AuditorFooter
from tui.helpers import SIZE, wait_for, wait_for_audit


def footer_keys(app: AuditorApp) -> list[FooterKey]:
    return list(app.screen.query_one(AuditorFooter).query(FooterKey))


def actions(app: AuditorApp) -> list[str]:
    return [key.action for key in footer_keys(app)]


async def test_the_footer_is_rebuilt_only_when_what_it_shows_changes() -> None:
    app = AuditorApp(practice=True, include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: app.current_mode == "manual", "the questionnaire")

        app.screen.query_one("#manual-note").focus()  # typing a note: the letter keys type, they are not shown
        await wait_for(pilot, lambda: "show('overview')" not in actions(app), "the footer to follow the focus")
        assert actions(app) == ["quick_exit", "command_palette"]

        app.screen.query_one("#answer-looks-fine").focus()
        await wait_for(pilot, lambda: "show('overview')" in actions(app), "the footer to follow the focus")
        assert actions(app)[:3] == ["quick_exit", "show('overview')", "show('findings')"]
        before = footer_keys(app)

        app.screen.refresh_bindings()  # what each finding arriving or a focus move within the form does
        await pilot.pause()
        await pilot.pause()
        after = footer_keys(app)
        assert len(after) == len(before) and all(a is b for a, b in zip(after, before, strict=True))
        await pilot.press("ctrl+q")
