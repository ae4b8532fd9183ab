"""Which way `auditor` and `auditor demo` go: the app at a terminal, printed output otherwise."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys

import pytest

from auditor.cli.demo import wants_app


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_demo_opens_the_app_only_at_a_terminal_and_without_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert wants_app(argparse.Namespace(format=None)) is True
    assert wants_app(argparse.Namespace(format="table")) is False
    assert wants_app(argparse.Namespace(format="json")) is False
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # output piped to a file or a program
    assert wants_app(argparse.Namespace(format=None)) is False


def test_the_app_without_a_terminal_says_what_to_use_and_exits_2() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from auditor.cli import entry; entry()"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "The app needs a terminal" in done.stderr
    assert done.stdout == ""
