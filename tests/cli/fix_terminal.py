"""Running `auditor fix` in-process with a person "at the terminal": a standard input that is a terminal and
types the answers a test chooses (or, for the refusals, one that is not a terminal)."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable

import pytest

from auditor.cli import main


class Terminal(io.StringIO):
    """Standard input a person types into: it is a terminal, and holds their answers, one a line."""

    def isatty(self) -> bool:
        return True


class Piped(io.StringIO):
    """Standard input from a pipe or a file: the same answers, but no person at a terminal."""

    def isatty(self) -> bool:
        return False


Run = Callable[..., tuple[int, str, str]]


def runner(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """`auditor ARGS...` in-process with AUDITOR_PASSPHRASE set; ``typed`` is what the person types (a terminal),
    ``piped`` what a pipe holds (not a terminal). Returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "correct horse")

    def run(*argv: str, typed: str | None = None, piped: str | None = None) -> tuple[int, str, str]:
        if typed is not None:
            monkeypatch.setattr(sys, "stdin", Terminal(typed))
        elif piped is not None:
            monkeypatch.setattr(sys, "stdin", Piped(piped))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def findings_of(out: str) -> list[dict[str, object]]:
    findings: list[dict[str, object]] = json.loads(out)["findings"]
    return findings


def order_of(out: str, *parts: str) -> list[int]:
    """Where each part first appears in ``out`` (each must appear)."""
    places = [out.find(part) for part in parts]
    assert -1 not in places, [p for p, at in zip(parts, places, strict=True) if at == -1]
    return places
