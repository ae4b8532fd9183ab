"""Exchange findings in the app: a hostile delegate name and rule name are shown literally on screen."""

from __future__ import annotations

from tui.helpers import SIZE, open_finding, text_near, wait_for_audit

from auditor.safetext import BIDI_CONTROLS, ZERO_WIDTH
from auditor.tui.app import AuditorApp


def assert_nothing_raw(app: AuditorApp) -> None:
    svg = app.export_screenshot()
    for ch in ("\x1b", "\x07", *BIDI_CONTROLS, *ZERO_WIDTH):
        assert ch not in svg, f"raw {ch!r} reached the screen"


async def test_hostile_exchange_findings_are_literal_in_the_app() -> None:
    app = AuditorApp(practice=True, include_device=False, scenario="hostile")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        exchange = [f for f in app.book.all() if f.check.startswith("exchange.")]
        assert {f.check for f in exchange} >= {"exchange.inbox_rules", "exchange.delegates"}
        for check in ("exchange.delegates", "exchange.inbox_rules"):
            finding = next(f for f in exchange if f.check == check)
            await open_finding(pilot, finding)
            detail = await text_near(pilot, "#evidence")
            assert "[bold red]Security[/]" in detail  # markup shown as typed
            assert "\\x1b[2J" in detail and "more characters" in detail
            assert_nothing_raw(app)
            await pilot.press("escape")
        await pilot.press("ctrl+q")
