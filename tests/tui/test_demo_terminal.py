"""`auditor demo` in a real terminal (tmux): the app opens, a finding appears within the deadline, ctrl+q
leaves at once, and nothing of the case is left on the screen."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

EXITED = "AUDITOR-EXITED-"


@pytest.fixture
def tmux() -> Iterator[Callable[..., str]]:
    """Run tmux commands on a server of this test's own (its own socket); the server is always killed."""
    binary = shutil.which("tmux")
    assert binary, "tmux is needed for this test (apt-get install tmux; .ci/run installs it)"
    socket = f"auditor-test-{uuid.uuid4().hex[:12]}"

    def run(*args: str) -> str:
        done = subprocess.run(
            [binary, "-L", socket, "-f", "/dev/null", *args], capture_output=True, text=True, timeout=20
        )
        return done.stdout

    try:
        yield run
    finally:
        subprocess.run([binary, "-L", socket, "kill-server"], capture_output=True, timeout=20)


def wait_for_pane(tmux: Callable[..., str], condition: Callable[[str], bool], what: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        pane = tmux("capture-pane", "-p", "-t", "demo")
        if condition(pane):
            return pane
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; the screen was:\n{pane}")
        time.sleep(0.2)


def test_demo_opens_the_app_shows_a_finding_and_quick_exit_leaves_a_clean_screen(
    tmux: Callable[..., str], isolated_home: Path
) -> None:
    auditor = Path(sys.executable).with_name("auditor")
    assert auditor.exists(), f"the auditor command is not installed beside {sys.executable}"
    command = (
        f"env AUDITOR_HOME={shlex.quote(str(isolated_home))} TERM=xterm-256color {shlex.quote(str(auditor))} demo;"
        f" echo {EXITED}$?; sleep 120"
    )
    tmux("new-session", "-d", "-s", "demo", "-x", "100", "-y", "32", command)

    pane = wait_for_pane(
        tmux, lambda p: "PRACTICE" in p and "\n Found " in p, "a finding on the practice screen", timeout=90
    )
    assert "Quick exit" in pane  # the footer always shows the way out

    tmux("send-keys", "-t", "demo", "C-q")
    pane = wait_for_pane(tmux, lambda p: EXITED in p, "the app to exit", timeout=30)
    assert f"{EXITED}0" in pane
    left = pane.replace(f"{EXITED}0", "").strip()
    assert left == "", f"the screen still shows:\n{pane}"
    for word in ("PRACTICE", "Found", "ann.example", "keepingtabs"):
        assert word not in pane
