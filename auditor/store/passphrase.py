"""Getting the case passphrase: AUDITOR_PASSPHRASE for schedulers, otherwise asked without echo."""

from __future__ import annotations

import getpass
import os
import sys

from auditor.errors import UsageError


def ask(prompt: str = "Case passphrase: ", confirm: bool = False, env: bool = True) -> str:
    if env:
        given = os.environ.get("AUDITOR_PASSPHRASE")
        if given:
            return given
    if not sys.stdin or not sys.stdin.isatty():
        raise UsageError(
            "a case passphrase is needed: run this in a terminal, or set AUDITOR_PASSPHRASE for a scheduler "
            "(see docs/scheduling.md for what that costs)"
        )
    first = getpass.getpass(prompt)
    if not first:
        raise UsageError("the passphrase is empty")
    if confirm and getpass.getpass("Again, to be sure: ") != first:
        raise UsageError("the two passphrases differ; nothing was changed")
    return first
