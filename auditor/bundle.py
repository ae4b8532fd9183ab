"""An organisation's settings bundle: the sign-in settings one administrator registers once and others import.

Registering a Google OAuth client and a Microsoft app is a real barrier for a frightened person. A clinic or a
helpline can do it once (docs/organisations.md) and hand out a *settings bundle*: a small YAML or JSON file
that ``auditor settings export`` writes and ``auditor settings import`` reads. It carries only:

- the organisation's name and contact (optional; their words, shown literally wherever they appear);
- Google: the installed-app ("Desktop app") OAuth client — its ``client_id`` and ``client_secret``. Google
  documents that the secret of an installed application's client is not treated as a secret (it ships inside
  every copy of such an app); a *Web application* client's secret is confidential, so such a client is refused;
- ``google.workspace_admin`` when set;
- Microsoft: the public client's Application (client) ID and the authority (a public client has no secret);
- Exchange: the server address and sign-in scheme, when set.

Never tokens, passwords, user names, case data, or a service-account key (``google.delegation_key_file``): that
key can act for every user it is delegated for, so it is a secret and is refused on export and on import.

Import validates everything (pydantic; the file and line are named on any error), refuses addresses other than
Google's own sign-in endpoints (a bundle must not be able to send someone's sign-in to another server), writes
the Google client JSON under the config folder owner-only, and replaces the settings file atomically after
checking the exact text it writes. A bad bundle changes nothing.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from auditor.config import Settings, paths
from auditor.errors import ConfigError, DataFileError, UsageError
from auditor.safetext import literal
from auditor.weburl import checked_url
from auditor.yamlfile import LocatedYaml, Location, parse_yaml, read_yaml, validate

BUNDLE_MARKER = "auditor_settings_bundle"
BUNDLE_VERSION = 1
MAX_BUNDLE_BYTES = 256 * 1024  # a bundle is a few hundred bytes; anything near this is not one
CLIENT_FILE_PREFIX = "google-oauth-client-"
PREVIOUS_SUFFIX = ".previous"

SERVICE_ACCOUNT_WHY = (
    "a service-account key is a secret: whoever holds it can act as every user it is delegated for. It is never "
    "part of a settings bundle; each Workspace administrator keeps their own key on their own machine "
    "(docs/google.md, Gmail delegates)"
)
WEB_CLIENT_WHY = (
    "this is a Web application client: its secret is confidential and must not be shared. Create an OAuth "
    "client of type Desktop app (docs/organisations.md)"
)
_REFUSED_KEYS: dict[str, str] = {
    "delegation_key_file": SERVICE_ACCOUNT_WHY,
    "private_key": SERVICE_ACCOUNT_WHY,
    "private_key_id": SERVICE_ACCOUNT_WHY,
    "refresh_token": "sign-in tokens are never shared: each person signs in on their own computer",
    "access_token": "sign-in tokens are never shared: each person signs in on their own computer",
    "id_token": "sign-in tokens are never shared: each person signs in on their own computer",
    "token": "sign-in tokens are never shared: each person signs in on their own computer",
    "password": "passwords are never part of a settings bundle",
    "username": "who signs in is each person's own setting, never part of a settings bundle",
    "client_secret": (
        "only a Google Desktop app client carries a secret (google.client.installed.client_secret); a "
        "Microsoft app used by this tool is a public client with no secret, and a confidential app's secret "
        "must never be shared"
    ),
}
_ALLOWED_AT: dict[str, Location] = {"client_secret": ("google", "client", "installed", "client_secret")}

# Where a Google installed-app client file may send the browser and the code: Google's own sign-in only.
_GOOGLE_HOSTS = frozenset({"accounts.google.com", "oauth2.googleapis.com", "www.googleapis.com"})
_LOOPBACK_REDIRECTS = frozenset({"http://localhost", "http://127.0.0.1", "urn:ietf:wg:oauth:2.0:oob"})


class BundleError(DataFileError):
    """A settings bundle is malformed or carries something it must not. Names the file, line and field."""


def _google_address(value: str) -> str:
    try:
        parts = urlsplit(value)
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port, parts = None, None, None
    if parts is None or parts.scheme != "https" or host not in _GOOGLE_HOSTS or port not in (None, 443):
        raise ValueError(
            f"must be one of Google's own https sign-in addresses ({', '.join(sorted(_GOOGLE_HOSTS))}), not "
            f"{literal(value, 200)}: a settings bundle cannot send a sign-in anywhere else"
        )
    if parts.username or parts.password:
        raise ValueError("must not carry a user name or password")
    return value


class InstalledClient(BaseModel):
    """The ``installed`` object of a Google OAuth client file of type Desktop app.

    Shape from Google's client_secrets.json format (developers.google.com/api-client-library/dotnet/guide/
    aaa_client_secrets): ``client_id`` and ``client_secret`` are mandatory, ``auth_uri``, ``token_uri`` and
    ``redirect_uris`` optional; the Cloud console's Download JSON also writes ``project_id`` and
    ``auth_provider_x509_cert_url``. Nothing else is accepted, so nothing else can travel in a bundle.
    """

    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9._-]+$")
    client_secret: str = Field(min_length=1, max_length=256, pattern=r"^[\x21-\x7e]+$")
    project_id: str | None = Field(default=None, max_length=100, pattern=r"^[a-z0-9-]+$")
    auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
    token_uri: str = "https://oauth2.googleapis.com/token"
    auth_provider_x509_cert_url: str | None = None
    redirect_uris: list[str] | None = Field(default=None, max_length=4)

    @field_validator("auth_uri", "token_uri", "auth_provider_x509_cert_url")
    @classmethod
    def _googles_own(cls, value: str | None) -> str | None:
        return None if value is None else _google_address(value)

    @field_validator("redirect_uris")
    @classmethod
    def _loopback_only(cls, value: list[str] | None) -> list[str] | None:
        for uri in value or ():
            if uri.rstrip("/") not in _LOOPBACK_REDIRECTS:
                raise ValueError(
                    f"a Desktop app client returns to this computer only (http://localhost), not {literal(uri, 200)}"
                )
        return value


class GoogleClientFile(BaseModel):
    """A Google OAuth client file of type Desktop app: ``{"installed": {...}}``."""

    model_config = ConfigDict(extra="forbid")
    installed: InstalledClient

    @model_validator(mode="before")
    @classmethod
    def _desktop_app_only(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            if data.get("type") == "service_account":
                raise ValueError(f"this is a service-account key, not an OAuth client: {SERVICE_ACCOUNT_WHY}")
            if "web" in data:
                raise ValueError(WEB_CLIENT_WHY)
        return data


class OrganisationInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    contact: str | None = Field(default=None, min_length=1, max_length=500)

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class GoogleBundle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client: GoogleClientFile
    workspace_admin: bool | None = None


class MicrosoftBundle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        description="the Application (client) ID: a GUID",
    )
    authority: Literal["common", "consumers", "organizations"] = "common"


class ExchangeBundle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str
    auth: Literal["ntlm", "basic", "oauth"] = "ntlm"

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        try:
            checked_url(value, "the address")
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        if urlsplit(value).scheme != "https":
            raise ValueError("must be an https:// address: the mailbox password is sent there")
        return value


class SettingsBundle(BaseModel):
    """The whole bundle. ``auditor_settings_bundle: 1`` marks it, so a settings.yaml is not taken for one."""

    model_config = ConfigDict(extra="forbid")
    auditor_settings_bundle: Literal[1]
    organisation: OrganisationInfo | None = None
    google: GoogleBundle | None = None
    microsoft: MicrosoftBundle | None = None
    exchange: ExchangeBundle | None = None

    @model_validator(mode="after")
    def _something_to_set(self) -> SettingsBundle:
        if self.google is None and self.microsoft is None and self.exchange is None:
            raise ValueError("a settings bundle sets at least one of google, microsoft or exchange")
        return self


# --- reading ------------------------------------------------------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice")
        seen[key] = value
    return seen


def _refuse_secrets(data: Any, located: LocatedYaml, loc: Location = ()) -> None:
    """Name what must never travel in a bundle before the generic 'extra field' error would."""
    if isinstance(data, Mapping):
        field_name = ".".join(str(p) for p in loc) or None
        if data.get("type") == "service_account":
            raise BundleError(located.path, SERVICE_ACCOUNT_WHY, line=located.line_of(loc), field=field_name)
        if loc == ("google", "client") and "web" in data:
            raise BundleError(located.path, WEB_CLIENT_WHY, line=located.line_of((*loc, "web")), field=field_name)
        for key, value in data.items():
            here = (*loc, key)
            why = _REFUSED_KEYS.get(str(key))
            if why is not None and _ALLOWED_AT.get(str(key)) != here:
                name = ".".join(str(p) for p in here)
                raise BundleError(
                    located.path, f"{why}; nothing was changed", line=located.line_of(here), field=name
                ) from None
            _refuse_secrets(value, located, here)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            _refuse_secrets(item, located, (*loc, index))


def read_bundle(path: str | Path) -> SettingsBundle:
    """The bundle at ``path``, validated; BundleError (exit 2) naming file, line and field otherwise."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BUNDLE_BYTES:
            raise BundleError(name, f"is {size} bytes: too large to be a settings bundle")
        raw = path.read_bytes()
    except OSError as exc:
        raise BundleError(name, f"cannot be read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleError(name, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            raise BundleError(name, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
        except ValueError as exc:  # a duplicate key: the YAML reading names its line
            parse_yaml(text, path, BundleError)
            raise BundleError(name, f"not valid JSON: {exc}") from None
        try:
            lines = parse_yaml(text, path, BundleError).lines  # JSON is YAML: the same lines, for messages
        except BundleError:
            lines = {}
        located = LocatedYaml(data, lines, name)
    else:
        located = parse_yaml(text, path, BundleError)
    data = located.data
    if not isinstance(data, Mapping) or BUNDLE_MARKER not in data:
        hint = ""
        if isinstance(data, Mapping) and ({"concurrency", "request_timeout"} & data.keys() or _points_at_files(data)):
            hint = " (this looks like a settings.yaml; ask for the file `auditor settings export` writes)"
        raise BundleError(
            name, f"is not an auditor settings bundle: it has no `{BUNDLE_MARKER}: {BUNDLE_VERSION}` line{hint}", line=1
        )
    _refuse_secrets(data, located)
    return validate(SettingsBundle, data, located, BundleError)


def _points_at_files(data: Mapping[str, Any]) -> bool:
    google = data.get("google")
    return isinstance(google, Mapping) and "client_file" in google


def read_client_file(path: Path) -> GoogleClientFile:
    """A Google Desktop app client file, validated as a bundle would carry it (ConfigError naming the file)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"google.client_file: {path} is not a readable Google OAuth client file ({exc})") from None
    try:
        return GoogleClientFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"google.client_file: {path}: {where + ': ' if where else ''}{message}") from None


# --- export -------------------------------------------------------------------------------------------------


@dataclass
class Export:
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def build_export(settings: Settings, organisation: str | None = None, contact: str | None = None) -> Export:
    """The bundle for the current settings, and what was left out and why."""
    notes: list[str] = []
    data: dict[str, Any] = {BUNDLE_MARKER: BUNDLE_VERSION}
    kept = settings.organisation
    name = organisation if organisation is not None else (kept.name if kept else None)
    reach = contact if contact is not None else (kept.contact if kept else None)
    if name:
        data["organisation"] = {"name": name, **({"contact": reach} if reach else {})}
    elif reach:
        raise UsageError("a contact needs the organisation's name too: add --organisation NAME")
    google = settings.google
    if google.client_file is not None:
        client = read_client_file(Path(google.client_file).expanduser())
        entry: dict[str, Any] = {"client": client.model_dump(exclude_none=True)}
        if google.workspace_admin:
            entry["workspace_admin"] = True
        data["google"] = entry
    elif google.workspace_admin:
        notes.append("Left out google.workspace_admin: it only matters with a Google OAuth client, and none is set.")
    if google.delegation_key_file is not None:
        notes.append(f"Left out google.delegation_key_file: {SERVICE_ACCOUNT_WHY}.")
    if settings.microsoft.client_id:
        microsoft = MicrosoftBundle(client_id=settings.microsoft.client_id, authority=settings.microsoft.authority)
        data["microsoft"] = microsoft.model_dump()
    if settings.exchange.url:
        data["exchange"] = {"url": settings.exchange.url, "auth": settings.exchange.auth}
        if settings.exchange.username:
            notes.append("Left out exchange.username: each person signs in with their own.")
    if not {"google", "microsoft", "exchange"} & data.keys():
        raise UsageError(
            "there is nothing to export: set google.client_file, microsoft.client_id or exchange.url in "
            "settings.yaml first (docs/organisations.md)"
        )
    try:
        SettingsBundle.model_validate(data)  # what is written must import
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"these settings cannot be exported: {where}: {first['msg']}") from None
    return Export(data, notes)


def render_bundle(data: Mapping[str, Any], fmt: Literal["yaml", "json"], now: datetime | None = None) -> bytes:
    """The bundle as text. Non-ASCII is escaped in both formats, so no bidi or control character is raw."""
    if fmt == "json":
        return (json.dumps(data, indent=2, ensure_ascii=True) + "\n").encode("ascii")
    moment = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%d")
    header = (
        f"# auditor settings bundle, written by `auditor settings export` on {moment}.\n"
        "# Import it with: auditor settings import FILE\n"
        "# It holds no tokens, passwords, user names, case data or service-account keys. The Google client is\n"
        "# of type Desktop app: Google documents that such a client's secret is not treated as a secret.\n"
    )
    body = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=False, default_flow_style=False, width=120)
    return (header + body).encode("ascii")


# --- import -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    setting: str
    new: str
    current: str | None = None  # None: not set before
    same: bool = False

    @property
    def replaces(self) -> bool:
        """A value the person already has would be replaced by a different one: ask first."""
        return self.current is not None and not self.same


@dataclass
class ImportPlan:
    bundle: SettingsBundle
    source: Path
    settings_path: Path
    config_folder: Path
    merged: dict[str, Any]
    changes: list[Change]
    client_path: Path | None = None
    client_text: str | None = None
    previous_client: Path | None = None
    existed: bool = False

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.replaces]


def settings_file(env: Mapping[str, str] | None = None) -> Path:
    """The settings file the tool reads (AUDITOR_CONFIG, else settings.yaml in the config folder)."""
    env = os.environ if env is None else env
    pointed = env.get("AUDITOR_CONFIG")
    return Path(pointed).expanduser() if pointed else paths(env).settings_file


def _client_text(client: GoogleClientFile) -> str:
    return json.dumps(client.model_dump(exclude_none=True), indent=2, ensure_ascii=True) + "\n"


def _describe_client(client: InstalledClient) -> str:
    return f"Desktop app client {client.client_id}"


def _current_client(path_value: Any) -> tuple[str, tuple[str, str] | None]:
    """How the client the settings name now is shown, and its id and secret (None when it cannot be read)."""
    path = Path(str(path_value)).expanduser()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        installed = data.get("installed") if isinstance(data, dict) else None
        client_id = installed.get("client_id") if isinstance(installed, dict) else None
        secret = installed.get("client_secret") if isinstance(installed, dict) else None
    except (OSError, UnicodeDecodeError, ValueError):
        return f"{literal(path, 300)} (cannot be read)", None
    if not isinstance(client_id, str) or not isinstance(secret, str):
        return f"{literal(path, 300)} (not a Desktop app client file)", None
    shown = f"Desktop app client {literal(client_id, 200)} ({literal(path, 300)})"
    return shown, (client_id, secret)


def _section(merged: dict[str, Any], name: str) -> dict[str, Any]:
    section = merged.get(name)
    if not isinstance(section, dict):
        section = {}
        merged[name] = section
    return section


def _held(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A section of the settings as a mapping (an absent or empty section is an empty one)."""
    section = data.get(name)
    return dict(section) if isinstance(section, Mapping) else {}


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return literal(value, 300)


def plan_import(source: str | Path, env: Mapping[str, str] | None = None) -> ImportPlan:
    """Read and validate the bundle and the current settings; work out what would change. Writes nothing."""
    source = Path(source)
    bundle = read_bundle(source)
    target = settings_file(env)
    config_folder = paths(env).config
    existed = target.exists()
    raw: dict[str, Any] = {}
    if existed:
        located = read_yaml(target)
        validate(Settings, located.data or {}, located)  # a broken settings file is said, never overwritten
        raw = dict(located.data or {})
    merged = copy.deepcopy(raw)
    changes: list[Change] = []
    record: dict[str, Any] = {}
    old_record = _held(raw, "organisation")

    def compare(section: str, key: str, new: Any) -> None:
        current = _held(raw, section).get(key)
        changes.append(
            Change(
                f"{section}.{key}",
                _shown(new),
                None if current is None else _shown(current),
                same=current == new,
            )
        )
        _section(merged, section)[key] = new

    plan = ImportPlan(bundle, source, target, config_folder, merged, changes, existed=existed)
    if bundle.google is not None:
        client = bundle.google.client
        text = _client_text(client)
        digest = hashlib.sha256(text.encode("ascii")).hexdigest()[:16]
        client_path = config_folder / f"{CLIENT_FILE_PREFIX}{digest}.json"
        current_path = _held(raw, "google").get("client_file")
        same = False
        shown_current: str | None = None
        if current_path is not None:
            shown_current, current_client = _current_client(current_path)
            same = current_client == (client.installed.client_id, client.installed.client_secret)
        changes.append(Change("google.client_file", _describe_client(client.installed), shown_current, same))
        if same:
            record["google_client_file"] = str(current_path)
        else:
            _section(merged, "google")["client_file"] = str(client_path)
            plan.client_path, plan.client_text = client_path, text
            record["google_client_file"] = str(client_path)
            if current_path is not None:
                plan.previous_client = Path(str(current_path)).expanduser()
        if bundle.google.workspace_admin is not None:
            compare("google", "workspace_admin", bundle.google.workspace_admin)
    if bundle.microsoft is not None:
        compare("microsoft", "client_id", bundle.microsoft.client_id)
        compare("microsoft", "authority", bundle.microsoft.authority)
        record["microsoft_client_id"] = bundle.microsoft.client_id
    if bundle.exchange is not None:
        compare("exchange", "url", bundle.exchange.url)
        compare("exchange", "auth", bundle.exchange.auth)
        record["exchange_url"] = bundle.exchange.url
    # What an earlier bundle set and this one does not touch stays marked as the organisation's while it still is.
    for key, section, setting in (
        ("google_client_file", "google", "client_file"),
        ("microsoft_client_id", "microsoft", "client_id"),
        ("exchange_url", "exchange", "url"),
    ):
        earlier = old_record.get(key)
        now_set = _held(merged, section).get(setting)
        if key not in record and earlier is not None and str(earlier) == str(now_set):
            record[key] = earlier
    organisation = bundle.organisation
    merged["organisation"] = {
        **({"name": organisation.name} if organisation else {}),
        **({"contact": organisation.contact} if organisation and organisation.contact else {}),
        "imported_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        **record,
    }
    try:
        Settings.model_validate(merged)
    except ValidationError as exc:  # the bundle is valid, the result is not: said, nothing written
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{target}: importing would leave an invalid setting ({where}: {first['msg']})") from None
    return plan


SETTINGS_HEADER = (
    "# auditor settings (README: Configuration). `auditor settings import` rewrote this file; the version before\n"
    "# the import is kept beside it as {previous}.\n"
)


def _write_atomically(path: Path, content: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` whole (never half-written), owner-only unless ``mode`` says otherwise."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".auditor-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def settings_text(plan: ImportPlan) -> str:
    previous = literal(plan.settings_path.name + PREVIOUS_SUFFIX, 200)  # a comment line stays one line
    body = yaml.safe_dump(plan.merged, sort_keys=False, allow_unicode=False, default_flow_style=False, width=120)
    return SETTINGS_HEADER.format(previous=previous) + body


def apply_import(plan: ImportPlan) -> list[str]:
    """Write the client file and the settings file. Returns what was done, in plain words."""
    text = settings_text(plan)
    # The exact text is read back and checked before anything is replaced.
    located = parse_yaml(text, plan.settings_path)
    validate(Settings, located.data, located)
    done: list[str] = []
    try:
        plan.config_folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        plan.settings_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if plan.client_path is not None and plan.client_text is not None:
            _write_atomically(plan.client_path, plan.client_text.encode("ascii"))
            done.append(f"Saved the Google OAuth client as {plan.client_path} (readable only by you).")
        if plan.existed:
            previous = plan.settings_path.with_name(plan.settings_path.name + PREVIOUS_SUFFIX)
            _write_atomically(previous, plan.settings_path.read_bytes())
            done.append(f"Kept your previous settings as {previous}.")
        _write_atomically(plan.settings_path, text.encode("ascii"))
    except OSError as exc:
        raise UsageError(
            f"could not write the settings ({exc.strerror or exc}); your settings file is unchanged"
        ) from None
    done.append(f"Wrote {plan.settings_path}.")
    stale = plan.previous_client
    if (
        stale is not None
        and stale != plan.client_path
        and stale.parent == plan.config_folder
        and stale.name.startswith(CLIENT_FILE_PREFIX)
    ):
        stale.unlink(missing_ok=True)  # an earlier bundle's client, which nothing names any more
    return done


# --- which sign-in path applies -----------------------------------------------------------------------------

PathKind = Literal["practice", "own", "organisation", "missing", "broken"]
IMPORT_HINT = (
    "If a clinic or helpline gave you a settings file, import it with `auditor settings import FILE`; otherwise "
    "docs/organisations.md shows how an administrator sets one up"
)


@dataclass(frozen=True)
class ConnectionPath:
    """How one provider's sign-in is set up here, in plain words. Organisation text is already literal."""

    kind: str
    path: PathKind
    summary: str
    advice: str = ""

    @property
    def text(self) -> str:
        return f"{self.summary} {self.advice}".strip()


def _from_organisation(settings: Settings) -> str:
    org = settings.organisation
    if org is None or not org.name:
        return "an organisation's settings file"
    contact = f", contact: {literal(org.contact, 300)}" if org.contact else ""
    return f"the settings file of “{literal(org.name, 200)}”{contact}"


def _client_problem(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "it does not exist"
    except (OSError, UnicodeDecodeError, ValueError):
        return "it is not a readable JSON file"
    installed = data.get("installed") if isinstance(data, dict) else None
    if not isinstance(installed, dict) or not installed.get("client_id") or not installed.get("client_secret"):
        return "it is not a Desktop app client file"
    return None


def connection_paths(settings: Settings, practice: bool = False) -> dict[str, ConnectionPath]:
    """For google, microsoft and exchange: which sign-in path applies and what is missing."""
    if practice:
        words = "practice mode: the practice account needs no settings, and nothing real is connected."
        return {
            kind: ConnectionPath(kind, "practice", f"{label}: {words}")
            for kind, label in (("google", "Google"), ("microsoft", "Microsoft"), ("exchange", "Exchange"))
        }
    org = settings.organisation
    out: dict[str, ConnectionPath] = {}
    client_file = settings.google.client_file
    if client_file is None:
        out["google"] = ConnectionPath(
            "google", "missing", "Google: no OAuth client yet.", IMPORT_HINT + " (docs/google.md: making your own)."
        )
    else:
        path = Path(client_file).expanduser()
        problem = _client_problem(path)
        if problem is not None:
            out["google"] = ConnectionPath(
                "google",
                "broken",
                f"Google: the OAuth client file {literal(path, 300)} cannot be used: {problem}.",
                IMPORT_HINT + ".",
            )
        elif org is not None and org.google_client_file is not None and Path(org.google_client_file) == path:
            out["google"] = ConnectionPath(
                "google", "organisation", f"Google: the OAuth client from {_from_organisation(settings)}."
            )
        else:
            out["google"] = ConnectionPath("google", "own", f"Google: your own OAuth client ({literal(path, 300)}).")
    client_id = settings.microsoft.client_id
    if not client_id:
        out["microsoft"] = ConnectionPath(
            "microsoft",
            "missing",
            "Microsoft: no app registration (client ID) yet.",
            IMPORT_HINT + " (docs/microsoft.md: registering your own).",
        )
    elif org is not None and org.microsoft_client_id == client_id:
        out["microsoft"] = ConnectionPath(
            "microsoft", "organisation", f"Microsoft: the app registration from {_from_organisation(settings)}."
        )
    else:
        out["microsoft"] = ConnectionPath(
            "microsoft", "own", f"Microsoft: your own app registration ({literal(client_id, 100)})."
        )
    url = settings.exchange.url
    if not url:
        out["exchange"] = ConnectionPath(
            "exchange",
            "missing",
            "Exchange: no server set (only for an organisation's own Exchange server).",
            "An organisation's settings file can set it, or exchange.url in settings.yaml (docs/exchange.md).",
        )
    else:
        host = literal(urlsplit(url).hostname or url, 200)
        from_org = org is not None and org.exchange_url == url
        whose = f"the server {host} from {_from_organisation(settings)}" if from_org else f"your own server {host}"
        advice = "" if settings.exchange.username else "Add your own user name as exchange.username in settings.yaml."
        out["exchange"] = ConnectionPath(
            "exchange", "organisation" if from_org else "own", f"Exchange: {whose}.", advice
        )
    return out
