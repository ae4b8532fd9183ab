"""Server addresses from settings and the environment are checked before use, and every error the command
line prints is shown literally: a mistyped or hostile value ends in one clear line, never a traceback or a
terminal escape."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cli import main
from auditor.errors import ConfigError
from auditor.weburl import checked_url

HOSTILE = "\x1b]0;owned\x07\x1b[2J[red]x[/red]\u202eevil"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("http://[bad", "not a web address"),
        ("https://mail.example.org:99999/EWS", "not a web address"),
        ("mail.example.org/EWS/Exchange.asmx", "must be an http:// or https://"),
        ("ftp://mail.example.org/", "must be an http:// or https://"),
        ("https:///nohost", "must be an http:// or https://"),
    ],
)
def test_a_bad_address_names_where_it_came_from(value: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as info:
        checked_url(value, "AUDITOR_GRAPH_API_URL")
    assert "AUDITOR_GRAPH_API_URL" in str(info.value)


@pytest.mark.parametrize("value", ["https://graph.microsoft.com/v1.0", "http://127.0.0.1:8080/", "http://[::1]:9/x"])
def test_good_addresses_pass_unchanged(value: str) -> None:
    assert checked_url(value, "x") == value


@pytest.mark.parametrize(
    ("variable", "kind"),
    [("AUDITOR_GRAPH_API_URL", "microsoft"), ("AUDITOR_GOOGLE_API_URL", "google"), ("AUDITOR_EWS_URL", "exchange")],
)
def test_a_malformed_endpoint_variable_is_a_configuration_error(
    variable: str, kind: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(variable, "http://[" + HOSTILE)
    monkeypatch.setenv("AUDITOR_BEARER_TOKEN", "t")
    assert main(["audit", "--only", kind]) == ConfigError.exit_code
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"auditor: {variable} is not a web address")
    assert "\x1b" not in captured.err and "\u202e" not in captured.err and "\x07" not in captured.err
    assert "Traceback" not in captured.err


def test_a_malformed_exchange_url_in_settings_names_the_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("exchange:\n  username: ann\n  url: 'http://[mail.example.org/EWS'\n", encoding="utf-8")
    monkeypatch.setenv("AUDITOR_CONFIG", str(settings))
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "a passphrase")
    assert main(["account", "add", "exchange", "--case", "ann", "--yes"]) == ConfigError.exit_code
    err = capsys.readouterr().err
    assert err == (
        f"auditor: {settings}, line 3: exchange.url: the address is not a web address: "
        "http://[mail.example.org/EWS (Invalid IPv6 URL)\n"
    )


def test_an_error_message_carrying_a_hostile_path_is_printed_literally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUDITOR_CONFIG", str(tmp_path / HOSTILE))
    assert main(["audit", "--only", "device"]) == ConfigError.exit_code
    err = capsys.readouterr().err
    assert "which does not exist" in err
    assert "\\x1b]0;owned\\x07" in err and "<U+202E>" in err
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in err
