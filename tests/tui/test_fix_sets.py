"""The app's "Close this" with the other findings like it: an unticked checkbox "Also the N others like it" that,
ticked, lists them one by one; the one button then confirms the whole list. Driven with Pilot against the app's
practice Drive server (photos shared by link: one finding each).
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Button, Checkbox

from auditor.model import Finding, Status
from auditor.safetext import BIDI_CONTROLS, ZERO_WIDTH
from auditor.sandbox import FaultRule
from auditor.tui.app import AuditorApp
from tui.helpers import click, open_finding, text_near, wait_for, wait_for_audit
from tui.screen_text import screen_text

SIZE = (110, 44)
PUBLIC = "google.drive_public_media"
HOSTILE = r"[bold red]IMG[/] \e[31mred\a \u202egpj.exe"  # YAML double-quoted escapes: ESC, BEL, bidi override


def scenario_file(tmp_path: Path) -> str:
    """Ann's Google account with four photos anyone with the link can open, one of them named by an attacker."""
    names = ["IMG_7001.jpg", "IMG_7002.jpg", "IMG_7003.jpg", HOSTILE]
    path = tmp_path / "photos-by-link.yaml"
    path.write_text(
        "name: photos-by-link\n"
        "google:\n"
        "  account: ann.example@gmail.com\n"
        "  auto_forwarding: {enabled: false}\n"
        "  drive:\n"
        + "".join(f'    - {{name: "{name}", mimeType: image/jpeg, visibility: anyoneWithLink}}\n' for name in names),
        encoding="utf-8",
    )
    return str(path)


def photos(app: AuditorApp) -> list[Finding]:
    found = [f for f in app.book.all() if f.check == PUBLIC and f.status is Status.FOUND]
    return sorted(found, key=lambda f: f.sort_key)


def drive_changes(app: AuditorApp) -> list[tuple[str, str, int]]:
    return [(r.method, r.path, r.status) for r in app.sandbox.requests if r.provider == "google" and r.method != "GET"]


def path_events(app: AuditorApp) -> list[dict[str, object]]:
    return [row.payload for row in app.case.path_event_rows()]


async def open_fix(pilot: Pilot[int], app: AuditorApp, finding: Finding) -> None:
    await open_finding(pilot, finding)
    await pilot.press("c")
    await wait_for(
        pilot,
        lambda: type(app.screen).__name__ == "FixScreen" and getattr(app.screen, "plan", None) is not None,
        "the change to be planned",
    )
    await pilot.pause()


async def test_the_others_are_an_unticked_choice_and_ticked_they_are_listed_and_sent_with_it(tmp_path: Path) -> None:
    app = AuditorApp(practice=True, include_device=False, scenario=scenario_file(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        found = photos(app)
        assert len(found) == 4
        await open_fix(pilot, app, found[0])
        others = app.screen.query_one("#fix-others", Checkbox)
        assert not others.value and "Also the 3 others like it" in str(others.label)
        assert not app.screen.query(".fix-other")  # not listed until ticked
        confirm = app.screen.query_one("#fix-confirm", Button)
        assert str(confirm.label) == "Make this change"
        assert app.focused is not None and app.focused.id == "fix-cancel"
        await click(pilot, "#fix-others")
        await wait_for(pilot, lambda: len(app.screen.query(".fix-other")) == 3, "the others listed")
        heading = await text_near(pilot, "#fix-others-list")
        assert "All anyone-with-the-link links on these 3 other photos and videos (nothing is sent yet)" in heading
        confirm = app.screen.query_one("#fix-confirm", Button)
        assert str(confirm.label) == "Make all 4 changes listed"
        # What an attacker named the photo is shown as typed: markup as characters, escapes as visible text.
        seen = ""
        for box in app.screen.query(".fix-other"):
            box.scroll_visible(animate=False, immediate=True)
            await pilot.pause()
            seen += screen_text(app)
        assert "[bold red]IMG[/]" in seen and "\\x1b[31m" in seen
        svg = app.export_screenshot()
        for ch in ("\x1b", "\x07", *BIDI_CONTROLS, *ZERO_WIDTH):
            assert ch not in svg, f"raw {ch!r} reached the screen"
        app.sandbox.log.clear()
        await click(pilot, "#fix-confirm")
        await wait_for(pilot, lambda: getattr(app.screen, "set_result", None) is not None, "the result", timeout=60)
        await pilot.pause()
        assert "4 of 4 closed." in await text_near(pilot, "#fix-result")
        results = await text_near(pilot, "#fix-set-results")
        assert results.count("Closed: ") >= 4 and "timeline event" in results
        # Exactly the four removals, each once; one event per photo, each its own.
        sent = drive_changes(app)
        assert [(m, s) for m, _, s in sent] == [("DELETE", 204)] * 4 and len({p for _, p, _ in sent}) == 4
        events = path_events(app)
        assert [e["outcome"] for e in events] == ["closed"] * 4
        assert {e["fingerprint"] for e in events} == {f.fingerprint for f in found}
        assert photos(app) == []  # the list was updated from the check run again
        await pilot.press("ctrl+q")


async def test_left_unticked_only_the_one_is_closed(tmp_path: Path) -> None:
    app = AuditorApp(practice=True, include_device=False, scenario=scenario_file(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        found = photos(app)
        await open_fix(pilot, app, found[1])
        app.sandbox.log.clear()
        await click(pilot, "#fix-confirm")
        await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the result", timeout=60)
        await pilot.pause()
        assert "Closed:" in await text_near(pilot, "#fix-result")
        [(method, path, status)] = drive_changes(app)
        assert method == "DELETE" and status == 204 and str(found[1].evidence["id"]) in path
        assert [e["fingerprint"] for e in path_events(app)] == [found[1].fingerprint]
        assert {f.fingerprint for f in photos(app)} == {f.fingerprint for f in found} - {found[1].fingerprint}
        await pilot.press("ctrl+q")


async def test_a_server_error_on_the_third_stops_the_rest_each_shown_not_changed(tmp_path: Path) -> None:
    app = AuditorApp(practice=True, include_device=False, scenario=scenario_file(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        found = photos(app)
        await open_fix(pilot, app, found[0])
        await click(pilot, "#fix-others")
        await wait_for(pilot, lambda: len(app.screen.query(".fix-other")) == 3, "the others listed")
        like = getattr(app.screen, "like", None)
        assert like is not None
        third = like.changes[1]  # the finding's own change is sent first
        app.sandbox.set_faults([FaultRule("google", "/drive/v3/" + third.request.split("/drive/v3/", 1)[1], "500")])
        app.sandbox.log.clear()
        await click(pilot, "#fix-confirm")
        await wait_for(pilot, lambda: getattr(app.screen, "set_result", None) is not None, "the result", timeout=60)
        await pilot.pause()
        app.sandbox.clear_faults()
        assert "2 of 4 closed." in await text_near(pilot, "#fix-result")
        results = await text_near(pilot, "#fix-set-results")
        assert "3. Not changed, still open" in results and "4. Not changed, still open" in results
        assert [s for *_, s in drive_changes(app)] == [204, 204, 500]
        assert [e["outcome"] for e in path_events(app)] == ["closed", "closed", "not-changed", "not-changed"]
        assert len(photos(app)) == 2
        await pilot.press("ctrl+q")
