"""The Textual app. Importing this package stays light: Textual loads only when the app runs."""

from __future__ import annotations

import sys

# Clears the screen and the scrollback, and puts the cursor home: nothing of the case stays on the terminal.
CLEAR_TERMINAL = "\x1b[H\x1b[2J\x1b[3J"


def run(practice: bool) -> int:
    """Run the app until the person leaves; returns the exit code."""
    from auditor.tui.app import AuditorApp

    app = AuditorApp(practice=practice, own_process=True)
    try:
        code = app.run()
    finally:
        if sys.stdout.isatty():
            sys.stdout.write(CLEAR_TERMINAL)
            sys.stdout.flush()
    return int(code or 0)
