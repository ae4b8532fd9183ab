"""The command-line contract: listing checks, printing playbooks, version, usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import __version__
from auditor.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"auditor {__version__}"


def test_checks_lists_id_reads_and_playbooks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks"]) == 0
    out = capsys.readouterr().out
    assert "device.remote_access  [device, automated, high]" in out
    assert "reads: names of running programs" in out
    assert "playbooks: device-remote-access" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_checks_filtered_by_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "--kind", "device"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")]
    assert lines and all("[device," in line for line in lines)


def test_playbook_prints_safety_before_steps(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["playbook", "device-monitoring-software"]) == 0
    out = capsys.readouterr().out
    assert out.index("safety") < out.index("Save the evidence first") < out.index("Steps (windows)")
    assert "1. Disconnect from the internet" in out


def test_unknown_playbook_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["playbook", "no-such-thing"]) == 2
    assert "no playbook 'no-such-thing'" in capsys.readouterr().err


def test_unknown_kind_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--only", "toaster"]) == 2
    assert "unknown kind 'toaster'" in capsys.readouterr().err


def test_bad_settings_file_names_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("concurrency: 8\nmicrosoft:\n  authority: everyone\n")
    monkeypatch.setenv("AUDITOR_CONFIG", str(settings))
    assert main(["audit", "--only", "device"]) == 2
    err = capsys.readouterr().err
    assert "settings.yaml, line 3" in err and "microsoft.authority" in err


def test_missing_config_pointer_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUDITOR_CONFIG", str(tmp_path / "nope.yaml"))
    assert main(["audit", "--only", "device"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_quiet_without_case_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--quiet"]) == 2
