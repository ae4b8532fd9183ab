"""The README stays true: its settings example loads, and every command it shows exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from auditor.cli import build_parser
from auditor.config import load_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_settings_example_is_a_valid_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = README.read_text(encoding="utf-8")
    example = text.split("Settings file", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "settings.yaml"
    path.write_text(example, encoding="utf-8")
    monkeypatch.setenv("AUDITOR_CONFIG", str(path))
    settings = load_settings()
    assert settings.exchange.auth == "ntlm"
    assert settings.followup_hours == 48


def shown_commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("auditor "):
                for part in line.split(" / "):  # "auditor case list / auditor case delete my-case"
                    commands.append(shlex.split(part.strip())[1:])
    return commands


def test_every_command_in_the_readme_parses() -> None:
    commands = shown_commands()
    assert len(commands) >= 10
    parser = build_parser()
    for argv in commands:
        try:
            parser.parse_args(argv)
        except SystemExit as exc:  # argparse's way of refusing
            raise AssertionError(f"README shows `auditor {' '.join(argv)}`, which the command line refuses") from exc
