"""The app alone in its process tunes the garbage collector (its full collections were the longest stalls of
the event loop); an app run inside another program, like these tests, leaves the collector alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from auditor.tui.app import AuditorApp
from auditor.tui.heap import YOUNG_THRESHOLD
from tui.helpers import SIZE, wait_for, wait_for_audit


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever a test does to the collector is undone after it."""
    threshold = gc.get_threshold()
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


async def test_the_app_in_its_own_process_freezes_what_is_loaded_and_collects_less_often(collector: None) -> None:
    app = AuditorApp(practice=True, include_device=False, own_process=True, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.case is not None, "the practice case")
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
        gc.unfreeze()
        await pilot.press("a")
        await wait_for_audit(pilot)
        assert gc.get_freeze_count() > 0  # frozen again once the first audit has loaded the provider libraries
        assert app.book.all()  # the audit itself is unchanged
        await pilot.press("ctrl+q")


async def test_an_app_inside_another_program_leaves_the_collector_alone(collector: None) -> None:
    threshold = gc.get_threshold()
    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.case is not None, "the practice case")
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold() == threshold
        await pilot.press("ctrl+q")
