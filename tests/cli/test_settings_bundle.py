"""`auditor settings export|import`: an organisation's sign-in settings travel as one small file.

The bundle carries only the Desktop app OAuth client, workspace_admin, the Microsoft public client and the
Exchange server; never a token, password, user name or service-account key. Import checks everything (file and
line named, exit 2), shows what it sets, never loses the person's settings on a bad bundle, asks before
replacing a value they already have, and refuses to replace one without a terminal or --yes.
"""

from __future__ import annotations

import io
import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from auditor.bundle import (
    SERVICE_ACCOUNT_WHY,
    BundleError,
    apply_import,
    connection_paths,
    plan_import,
    read_bundle,
    render_bundle,
)
from auditor.cli import main
from auditor.config import load_settings
from auditor.errors import DataFileError
from auditor.safetext import _needs_escape

# Google's own example of an installed-application client file, from "Client Secrets" in the Google APIs client
# library for .NET guide (developers.google.com/api-client-library/dotnet/guide/aaa_client_secrets; docs text
# CC-BY 4.0). Unchanged apart from the elided client ID being completed with letters.
GOOGLE_EXAMPLE_CLIENT = {
    "installed": {
        "client_id": "837647042410-75ifgabcdefghij.apps.googleusercontent.com",
        "client_secret": "asdlkfjaskd",
        "redirect_uris": ["http://localhost", "urn:ietf:wg:oauth:2.0:oob"],
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://accounts.google.com/o/oauth2/token",
    }
}
MS_CLIENT = "3c1a7f2e-5b1d-4c8e-9a41-0d6f2b7e8c55"
OTHER_MS_CLIENT = "11111111-2222-3333-4444-555555555555"
# Rich markup, an ANSI colour, an OSC 8 hyperlink, a BEL and a bidi override, all in one organisation name.
HOSTILE = "[bold red]boom[/] \x1b[31mred\x1b]8;;https://evil.example\x07link\x1b]8;;\x07 \u202egnp.exe"

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def call(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def settings_path(home: Path) -> Path:
    return home / "settings.yaml"


def assert_inert(text: str) -> None:
    """Nothing that could steer a terminal or reorder text reached the output."""
    bad = sorted({f"U+{ord(ch):04X}" for ch in text if ch != "\n" and _needs_escape(ch)})
    assert not bad, bad


def write_admin_settings(home: Path, **extra: str) -> Path:
    """An administrator's settings: every kind of value, including the ones a bundle must leave out."""
    client = home / "client_secret_desktop.json"
    client.write_text(json.dumps(GOOGLE_EXAMPLE_CLIENT), encoding="utf-8")
    key = home / "PRIVATE-delegation-key.json"
    key.write_text(json.dumps({"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----"}))
    settings_path(home).write_text(
        f"google:\n  client_file: {client}\n  workspace_admin: true\n  delegation_key_file: {key}\n"
        f"microsoft:\n  client_id: {MS_CLIENT}\n  authority: consumers\n"
        "exchange:\n  url: https://mail.example.org/EWS/Exchange.asmx\n  username: ADMIN-USERNAME\n  auth: ntlm\n"
        "concurrency: 4\n",
        encoding="utf-8",
    )
    return client


def bundle_data(**override: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "auditor_settings_bundle": 1,
        "organisation": {"name": "Riverside Clinic", "contact": "+1 555 0100"},
        "google": {"client": json.loads(json.dumps(GOOGLE_EXAMPLE_CLIENT)), "workspace_admin": False},
        "microsoft": {"client_id": MS_CLIENT, "authority": "common"},
        "exchange": {"url": "https://mail.example.org/EWS/Exchange.asmx", "auth": "ntlm"},
    }
    data.update(override)
    return {k: v for k, v in data.items() if v is not None}


def write_bundle(path: Path, data: dict[str, Any]) -> Path:
    path.write_bytes(render_bundle(data, "json" if path.suffix == ".json" else "yaml"))
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# --- export ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bundle.yaml", "bundle.json"])
def test_export_carries_the_clients_and_nothing_secret(
    run: Run, isolated_home: Path, tmp_path: Path, name: str
) -> None:
    write_admin_settings(isolated_home)
    out_file = tmp_path / name
    code, out, err = run("settings", "export", str(out_file), "--organisation", "Riverside Clinic", "--contact", "x")
    assert code == 0, err
    text = out_file.read_text(encoding="ascii")
    data = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    assert set(data) == {"auditor_settings_bundle", "organisation", "google", "microsoft", "exchange"}
    assert data["google"] == {"client": GOOGLE_EXAMPLE_CLIENT, "workspace_admin": True}
    assert data["microsoft"] == {"client_id": MS_CLIENT, "authority": "consumers"}
    assert data["exchange"] == {"url": "https://mail.example.org/EWS/Exchange.asmx", "auth": "ntlm"}
    for secret in ("PRIVATE-delegation-key", "private_key", "ADMIN-USERNAME", "concurrency", "client_file"):
        assert secret not in text, secret
    # What was left out is said, with why: a service-account key can act for every delegated user.
    assert "Left out google.delegation_key_file: a service-account key is a secret" in out
    assert "Left out exchange.username" in out
    assert read_bundle(out_file).google is not None  # what export writes, import reads


def test_export_refuses_a_web_client_or_a_service_account_key_as_the_client(
    run: Run, isolated_home: Path, tmp_path: Path
) -> None:
    client = write_admin_settings(isolated_home)
    client.write_text(json.dumps({"web": GOOGLE_EXAMPLE_CLIENT["installed"]}))
    code, _, err = run("settings", "export", str(tmp_path / "b.yaml"))
    assert code == 2 and "Web application client" in err and "confidential" in err
    client.write_text(json.dumps({"type": "service_account", "private_key": "k", "client_email": "x"}))
    code, _, err = run("settings", "export", str(tmp_path / "b.yaml"))
    assert code == 2 and "service-account key" in err
    assert not (tmp_path / "b.yaml").exists()


def test_export_refuses_a_client_whose_sign_in_goes_elsewhere(run: Run, isolated_home: Path, tmp_path: Path) -> None:
    client = write_admin_settings(isolated_home)
    practice = json.loads(json.dumps(GOOGLE_EXAMPLE_CLIENT))
    practice["installed"]["token_uri"] = "http://127.0.0.1:8080/token"
    client.write_text(json.dumps(practice))
    code, _, err = run("settings", "export", str(tmp_path / "b.yaml"))
    assert code == 2 and "installed.token_uri" in err and "Google's own https sign-in addresses" in err


def test_export_with_nothing_set_is_a_usage_error(run: Run, tmp_path: Path) -> None:
    code, _, err = run("settings", "export", str(tmp_path / "b.yaml"))
    assert code == 2 and "nothing to export" in err


# --- import: the good path --------------------------------------------------------------------------------------


def test_import_into_a_fresh_home_sets_everything_and_the_sign_in_accepts_the_client(
    run: Run, isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", None)  # nothing to replace: no question is needed
    bundle = write_bundle(tmp_path / "clinic.yaml", bundle_data())
    code, out, err = run("settings", "import", str(bundle))
    assert code == 0, err
    assert "From: Riverside Clinic" in out and "Contact: +1 555 0100" in out
    assert "google.client_file" in out and "(new)" in out
    assert "your mailbox password goes to mail.example.org" in out
    settings = load_settings()
    client_file = Path(settings.google.client_file or "")
    assert client_file.parent == isolated_home and client_file.name.startswith("google-oauth-client-")
    assert stat.S_IMODE(client_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings_path(isolated_home).stat().st_mode) == 0o600
    assert json.loads(client_file.read_text()) == GOOGLE_EXAMPLE_CLIENT
    assert settings.microsoft.client_id == MS_CLIENT
    assert settings.exchange.url is not None and settings.exchange.url.endswith("Exchange.asmx")
    assert settings.organisation is not None and settings.organisation.name == "Riverside Clinic"
    from auditor.connectors.google.signin import client_file as checked_client_file

    assert checked_client_file(settings) == client_file  # the real sign-in would start with it
    paths = connection_paths(settings)
    assert {p.path for p in paths.values()} == {"organisation"}
    assert "Add your own user name as exchange.username" in paths["exchange"].text


def test_a_json_bundle_imports_the_same(run: Run, isolated_home: Path, tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "clinic.json", bundle_data())
    assert run("settings", "import", str(bundle))[0] == 0
    assert load_settings().microsoft.client_id == MS_CLIENT


def test_dry_run_writes_nothing(run: Run, isolated_home: Path, tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "clinic.yaml", bundle_data())
    code, out, _ = run("settings", "import", str(bundle), "--dry-run")
    assert code == 0 and "nothing was changed" in out
    assert snapshot(isolated_home) == {}


def test_the_same_values_again_ask_nothing_and_keep_the_client_file(
    run: Run, isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = write_bundle(tmp_path / "clinic.yaml", bundle_data())
    assert run("settings", "import", str(bundle))[0] == 0
    first = load_settings().google.client_file
    monkeypatch.setattr("sys.stdin", None)
    code, out, err = run("settings", "import", str(bundle))
    assert code == 0, err
    assert "replaces" not in out and "(unchanged)" in out
    assert load_settings().google.client_file == first


# --- import: replacing what the person has ----------------------------------------------------------------------

MINE = f"# my own notes\nmicrosoft:\n  client_id: {OTHER_MS_CLIENT}\nexchange:\n  username: ann\nconcurrency: 3\n"


@pytest.mark.parametrize("stdin", [None, io.StringIO("y\n")], ids=["no stdin", "piped stdin"])
def test_without_a_terminal_a_different_value_is_not_replaced(
    run: Run, isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stdin: Any
) -> None:
    settings_path(isolated_home).write_text(MINE)
    monkeypatch.setattr("sys.stdin", stdin)
    before = snapshot(isolated_home)
    bundle = write_bundle(tmp_path / "clinic.yaml", bundle_data())
    code, out, err = run("settings", "import", str(bundle))
    assert code == 2
    assert "microsoft.client_id" in err and "nothing was changed" in err and "--yes" in err
    assert f"replaces {OTHER_MS_CLIENT}" in out
    assert snapshot(isolated_home) == before


def test_yes_replaces_and_keeps_everything_else_and_the_previous_file(
    run: Run, isolated_home: Path, tmp_path: Path
) -> None:
    settings_path(isolated_home).write_text(MINE)
    bundle = write_bundle(tmp_path / "clinic.yaml", bundle_data())
    code, out, err = run("settings", "import", str(bundle), "--yes")
    assert code == 0, err
    settings = load_settings()
    assert settings.microsoft.client_id == MS_CLIENT
    assert settings.exchange.username == "ann" and settings.concurrency == 3  # the person's own settings stay
    previous = isolated_home / "settings.yaml.previous"
    assert previous.read_text() == MINE, "the file as it was, comments and all"
    assert "Kept your previous settings" in out


@pytest.mark.parametrize(("answer", "replaced"), [("n\n", False), ("\n", False), ("y\n", True)])
def test_in_a_terminal_the_person_is_asked_first(
    run: Run, isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str, replaced: bool
) -> None:
    settings_path(isolated_home).write_text(MINE)
    terminal = io.StringIO(answer)
    monkeypatch.setattr(terminal, "isatty", lambda: True)
    monkeypatch.setattr("sys.stdin", terminal)
    bundle = write_bundle(tmp_path / "clinic.yaml", bundle_data())
    code, out, _ = run("settings", "import", str(bundle))
    assert code == 0
    assert "Replace 1 setting you already have? [y/N]" in out
    assert load_settings().microsoft.client_id == (MS_CLIENT if replaced else OTHER_MS_CLIENT)
    assert ("Nothing was changed." in out) is not replaced


def test_a_second_organisation_replaces_the_first_and_its_client_file(
    run: Run, isolated_home: Path, tmp_path: Path
) -> None:
    assert run("settings", "import", str(write_bundle(tmp_path / "a.yaml", bundle_data())))[0] == 0
    first = Path(load_settings().google.client_file or "")
    other = json.loads(json.dumps(GOOGLE_EXAMPLE_CLIENT))
    other["installed"]["client_id"] = "999-other.apps.googleusercontent.com"
    second = bundle_data(organisation={"name": "Helpline"}, google={"client": other}, microsoft=None, exchange=None)
    assert run("settings", "import", str(write_bundle(tmp_path / "b.yaml", second)), "--yes")[0] == 0
    settings = load_settings()
    assert settings.organisation is not None and settings.organisation.name == "Helpline"
    assert not first.exists(), "the earlier bundle's client file, which nothing names now, is removed"
    # The Microsoft app the first bundle set is still there and still said to be an organisation's.
    assert settings.microsoft.client_id == MS_CLIENT
    assert connection_paths(settings)["microsoft"].path == "organisation"


# --- import: bad bundles change nothing --------------------------------------------------------------------------


def _client(**changes: Any) -> dict[str, Any]:
    client = json.loads(json.dumps(GOOGLE_EXAMPLE_CLIENT))
    client["installed"].update(changes)
    return client


BAD_BUNDLES: list[tuple[str, str, int | None, str]] = [
    # (id, YAML text, expected line or None, words the message must contain)
    ("not yaml", "auditor_settings_bundle: 1\nmicrosoft: [\n", 3, "not valid YAML"),
    ("no marker", "google:\n  client_file: x.json\nconcurrency: 8\n", 1, "looks like a settings.yaml"),
    (
        "wrong version",
        "auditor_settings_bundle: 2\nmicrosoft:\n  client_id: " + MS_CLIENT + "\n",
        1,
        "auditor_settings_bundle",
    ),
    ("nothing to set", "auditor_settings_bundle: 1\norganisation:\n  name: X\n", None, "at least one of"),
    (
        "refresh token",
        "auditor_settings_bundle: 1\nmicrosoft:\n  client_id: " + MS_CLIENT + "\n  refresh_token: abc\n",
        4,
        "microsoft.refresh_token: sign-in tokens are never shared",
    ),
    (
        "delegation key",
        "auditor_settings_bundle: 1\ngoogle:\n  delegation_key_file: /k.json\n",
        3,
        "google.delegation_key_file: " + SERVICE_ACCOUNT_WHY[:40],
    ),
    (
        "password",
        "auditor_settings_bundle: 1\nexchange:\n  url: https://mail.example.org/EWS\n  password: hunter2\n",
        4,
        "exchange.password: passwords are never part",
    ),
    (
        "user name",
        "auditor_settings_bundle: 1\nexchange:\n  url: https://mail.example.org/EWS\n  username: ann\n",
        4,
        "exchange.username",
    ),
    (
        "microsoft secret",
        "auditor_settings_bundle: 1\nmicrosoft:\n  client_id: " + MS_CLIENT + "\n  client_secret: s\n",
        4,
        "microsoft.client_secret",
    ),
    ("microsoft id", "auditor_settings_bundle: 1\nmicrosoft:\n  client_id: my-app\n", 3, "microsoft.client_id"),
    (
        "microsoft authority",
        "auditor_settings_bundle: 1\nmicrosoft:\n  client_id: " + MS_CLIENT + "\n  authority: evil\n",
        4,
        "microsoft.authority",
    ),
    (
        "plain http exchange",
        "auditor_settings_bundle: 1\nexchange:\n  url: http://mail.example.org/EWS\n",
        3,
        "must be an https:// address",
    ),
    ("extra key", "auditor_settings_bundle: 1\nmicrosoft:\n  client_id: " + MS_CLIENT + "\ncases: []\n", 4, "cases"),
    (
        "duplicate key",
        "auditor_settings_bundle: 1\nmicrosoft:\n  client_id: " + MS_CLIENT + "\nmicrosoft:\n  client_id: x\n",
        4,
        "appears twice",
    ),
    (
        "organisation blank",
        "auditor_settings_bundle: 1\norganisation:\n  name: '  '\nmicrosoft:\n  client_id: " + MS_CLIENT + "\n",
        3,
        "organisation.name",
    ),
    (
        "organisation null",
        "auditor_settings_bundle: 1\norganisation:\n  name: null\nexchange:\n  url: https://m.example\n",
        3,
        "organisation.name",
    ),
]


def _google_bundle(client: object) -> str:
    return yaml.safe_dump({"auditor_settings_bundle": 1, "google": {"client": client}}, sort_keys=False)


BAD_CLIENTS: list[tuple[str, object, str]] = [  # the client as the bundle holds it, not always an object
    ("web client", {"web": GOOGLE_EXAMPLE_CLIENT["installed"]}, "Web application client"),
    ("service account", {"type": "service_account", "client_email": "a@b"}, "service-account key is a secret"),
    ("token elsewhere", _client(token_uri="https://evil.example/token"), "google.client.installed.token_uri"),
    ("auth over http", _client(auth_uri="http://accounts.google.com/o/oauth2/auth"), "installed.auth_uri"),
    ("look-alike host", _client(auth_uri="https://accounts.google.com.evil.example/auth"), "installed.auth_uri"),
    ("redirect elsewhere", _client(redirect_uris=["https://evil.example/cb"]), "installed.redirect_uris"),
    ("no secret", {"installed": {"client_id": "x.apps.googleusercontent.com"}}, "installed.client_secret"),
    ("secret wrong type", _client(client_secret=12345), "installed.client_secret"),
    ("secret null", _client(client_secret=None), "installed.client_secret"),
    ("id with spaces", _client(client_id="a b"), "installed.client_id"),
    ("extra in client", _client(refresh_token="1//abc"), "google.client.installed.refresh_token"),
    ("unknown client key", _client(javascript_origins=["https://x"]), "installed.javascript_origins"),
    ("client is a list", [GOOGLE_EXAMPLE_CLIENT], "google.client"),
]


def _bad_cases() -> list[Any]:
    cases = [pytest.param(text, line, words, id=name) for name, text, line, words in BAD_BUNDLES]
    cases += [pytest.param(_google_bundle(client), None, words, id=name) for name, client, words in BAD_CLIENTS]
    return cases


@pytest.mark.parametrize(("text", "line", "words"), _bad_cases())
def test_a_bad_bundle_is_refused_naming_file_and_line_and_changes_nothing(
    run: Run, isolated_home: Path, tmp_path: Path, text: str, line: int | None, words: str
) -> None:
    settings_path(isolated_home).write_text(MINE)
    before = snapshot(isolated_home)
    bundle = tmp_path / "clinic.yaml"
    bundle.write_text(text, encoding="utf-8")
    code, out, err = run("settings", "import", str(bundle), "--yes")
    assert code == 2, (out, err)
    assert str(bundle) in err and words in err, err
    if line is not None:
        assert f"clinic.yaml, line {line}" in err, err
    else:
        assert "clinic.yaml, line " in err, err  # every refusal names a line
    assert snapshot(isolated_home) == before


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("clinic.json", b'{"auditor_settings_bundle": 1,\n "microsoft": {\n', "not valid JSON"),
        (
            "clinic.json",
            b'{"auditor_settings_bundle": 1,\n "organisation": {"name": "A"},\n "organisation": {}}',
            "appears twice",
        ),
        ("clinic.yaml", b"auditor_settings_bundle: 1\norganisation:\n  name: \xff\xfe\n", "not UTF-8"),
        ("clinic.yaml", b"auditor_settings_bundle: 1\n" + b"#" * 300_000, "too large"),
        ("missing.yaml", None, "cannot be read"),
    ],
)
def test_unreadable_bundles_are_refused_too(
    run: Run, isolated_home: Path, tmp_path: Path, name: str, content: bytes | None, words: str
) -> None:
    bundle = tmp_path / name
    if content is not None:
        bundle.write_bytes(content)
    code, _, err = run("settings", "import", str(bundle), "--yes")
    assert code == 2 and words in err and str(bundle) in err
    assert snapshot(isolated_home) == {}


def test_a_broken_settings_file_is_said_and_never_overwritten(run: Run, isolated_home: Path, tmp_path: Path) -> None:
    broken = "concurrency: 8\nmicrosoft:\n  authority: everyone\n"
    settings_path(isolated_home).write_text(broken)
    code, _, err = run("settings", "import", str(write_bundle(tmp_path / "c.yaml", bundle_data())), "--yes")
    assert code == 2 and "settings.yaml, line 3" in err and "microsoft.authority" in err
    assert settings_path(isolated_home).read_text() == broken
    assert [p.name for p in isolated_home.iterdir()] == ["settings.yaml"]


def test_a_failed_write_leaves_the_settings_as_they_were(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_path(isolated_home).write_text(MINE)
    plan = plan_import(write_bundle(tmp_path / "c.yaml", bundle_data()))
    real_replace = os.replace

    def full_disk(src: Any, dst: Any) -> None:
        if Path(dst) == settings_path(isolated_home):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(Exception, match="your settings file is unchanged"):
        apply_import(plan)
    assert settings_path(isolated_home).read_text() == MINE
    assert not [p for p in isolated_home.iterdir() if p.name.startswith(".auditor-")], "no temporary file left"


# --- attacker-controlled words are shown literally ------------------------------------------------------------------


def test_a_hostile_organisation_name_is_printed_literally_and_kept_exactly(
    run: Run, isolated_home: Path, tmp_path: Path
) -> None:
    data = bundle_data(organisation={"name": HOSTILE, "contact": HOSTILE + " contact"})
    bundle = write_bundle(tmp_path / "clinic.yaml", data)
    assert_inert(bundle.read_text("ascii"))
    code, out, err = run("settings", "import", str(bundle))
    assert code == 0, err
    assert_inert(out + err)
    assert "From: [bold red]boom[/] \\x1b[31mred\\x1b]8;;https://evil.example\\x07link" in out
    assert "<U+202E>gnp.exe" in out
    written = settings_path(isolated_home).read_text("ascii")  # escapes stay escapes in the file too
    assert_inert(written)
    settings = load_settings()
    assert settings.organisation is not None
    assert settings.organisation.name == HOSTILE and settings.organisation.contact == HOSTILE + " contact"
    code, out, _ = run("settings", "paths")
    assert code == 0 and "[bold red]boom[/]" in out and "<U+202E>gnp.exe" in out
    assert_inert(out)


_NAME_TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=200).filter(
    lambda s: bool(s.strip())
)


@given(name=_NAME_TEXT, contact=st.none() | _NAME_TEXT)
def test_any_organisation_name_round_trips_and_prints_inert(name: str, contact: str | None) -> None:
    """Property (200 cases): whatever the bundle says its organisation is, it is kept exactly and printed inert."""
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        env = {"AUDITOR_HOME": str(home)}
        organisation = {"name": name, **({"contact": contact} if contact else {})}
        bundle = write_bundle(home / "b.yaml", bundle_data(organisation=organisation))
        plan = plan_import(bundle, env)
        apply_import(plan)
        settings = load_settings(env)
        assert settings.organisation is not None
        assert (settings.organisation.name, settings.organisation.contact) == (name, contact)
        for path in connection_paths(settings).values():
            assert_inert(path.text)


# --- shape fuzzing ---------------------------------------------------------------------------------------------------

_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=20),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
)


def _paths(data: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here] if here else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*here, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*here, index))
    return found


@st.composite
def mutated_bundles(draw: st.DrawFn) -> dict[str, Any]:
    """A valid bundle with keys dropped, values replaced by other types or nulls, keys added, lists cut."""
    data = bundle_data()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        places = _paths(data)
        if not places:
            break
        where = draw(st.sampled_from(places))
        parent: Any = data
        for part in where[:-1]:
            parent = parent[part]
        last = where[-1]
        action = draw(st.sampled_from(["drop", "replace", "null", "add", "truncate"]))
        if action == "drop":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(_VALUES)
        elif action == "null":
            parent[last] = None
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["token", "extra", "password", "web", "cases", "x"]))] = draw(_VALUES)
        elif action == "truncate" and isinstance(parent[last], (list, dict)):
            parent[last] = type(parent[last])()
    return data


@given(data=mutated_bundles())
def test_a_malformed_bundle_is_refused_cleanly_or_imports_only_allowed_values(data: dict[str, Any]) -> None:
    """Property (200 cases): a mutated bundle either imports values that pass the same checks, or is refused
    with a DataFileError (exit 2) naming the file, and then nothing in the home changed."""
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        env = {"AUDITOR_HOME": str(home)}
        (home / "settings.yaml").write_text(MINE)
        bundle = home / "incoming" / "b.yaml"
        bundle.parent.mkdir()
        bundle.write_text(yaml.safe_dump(data), encoding="utf-8")
        before = snapshot(home)
        try:
            plan = plan_import(bundle, env)
        except DataFileError as exc:
            assert isinstance(exc, BundleError) and exc.path == str(bundle)
            assert snapshot(home) == before
            return
        apply_import(plan)
        settings = load_settings(env)
        if plan.bundle.google is not None:
            installed = json.loads(Path(settings.google.client_file or "").read_text())["installed"]
            assert installed["token_uri"].startswith(("https://accounts.google.com/", "https://oauth2.googleapis.com/"))
        text = "\n".join(p.read_text() for p in home.iterdir() if p.is_file())
        for refused in ("token:", "password", "cases"):
            assert refused not in text.replace("token_uri", "")


def test_a_hostile_key_in_a_bad_bundle_is_named_literally(run: Run, tmp_path: Path) -> None:
    bundle = tmp_path / "clinic.yaml"
    key = json.dumps(HOSTILE)  # a double-quoted YAML key carrying the escapes
    bundle.write_text(
        f"auditor_settings_bundle: 1\nmicrosoft:\n  client_id: {MS_CLIENT}\n  {key}: 1\n", encoding="utf-8"
    )
    code, out, err = run("settings", "import", str(bundle))
    assert code == 2 and "clinic.yaml, line 4" in err and "[bold red]boom[/]" in err
    assert_inert(out + err)
