"""The indicator set in use: one installed under AUDITOR_HOME (validated before an atomic replace, kept on
failure), or else the set shipped inside the package, so a first scan needs no download."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from auditor.config import Paths, paths
from auditor.errors import CheckUnavailable, IndicatorError, NetworkError
from auditor.iocs.loader import load_indicator_files, parse_indicator_text
from auditor.iocs.model import Indicators

UPSTREAM_URL = "https://raw.githubusercontent.com/AssoEchap/stalkerware-indicators/master/ioc.yaml"
META_FILE = "installed.json"
BUNDLED_FOLDER = Path(__file__).resolve().parent / "data"
BUNDLED_RECORD = "bundled.json"
# Stalkerware vendors rename apps and move servers; past this age the set is offered for updating.
STALE_AFTER = timedelta(days=60)
NOT_INSTALLED = (
    "No stalkerware indicator set could be loaded (the copy shipped with auditor is missing or damaged), so "
    "this could not be checked. Reinstall auditor, run `auditor iocs update` (needs the internet), or "
    "`auditor iocs update --from FILE` with an ioc.yaml you downloaded from "
    "github.com/AssoEchap/stalkerware-indicators."
)


@dataclass(frozen=True)
class InstalledMeta:
    source: str
    installed_at: str
    files: dict[str, str]  # file name -> sha256
    # When the data itself dates from: the upstream commit for the shipped set, the download otherwise.
    published_at: str = ""
    bundled: bool = False
    commit: str = ""
    attribution: str = ""

    @property
    def dated(self) -> datetime:
        return _parse_time(self.published_at or self.installed_at)

    def age(self, now: datetime | None = None) -> timedelta:
        return (now or datetime.now(timezone.utc)) - self.dated

    def is_stale(self, now: datetime | None = None) -> bool:
        return self.age(now) > STALE_AFTER


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def bundled_meta() -> InstalledMeta:
    """The record of the set shipped inside the package (Echap's data, CC-BY 4.0)."""
    record_path = BUNDLED_FOLDER / BUNDLED_RECORD
    try:
        data = json.loads(record_path.read_text(encoding="utf-8"))
        meta = InstalledMeta(
            source=data["source"],
            installed_at=data["published_at"],
            files=dict(data["files"]),
            published_at=data["published_at"],
            bundled=True,
            commit=data["commit"],
            attribution=data["attribution"],
        )
        meta.dated  # noqa: B018 - a bad date is a damaged record, said here rather than at first use
    except FileNotFoundError:
        raise CheckUnavailable(NOT_INSTALLED) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndicatorError(str(record_path), f"the shipped set's record is damaged ({exc})") from None
    return meta


def current_meta(where: Paths | None = None) -> InstalledMeta:
    """The record of the set scans use: the installed one if there is one, else the shipped one."""
    return read_meta(where) or bundled_meta()


def _folder(where: Paths | None) -> Path:
    return (where or paths()).indicators


def read_meta(where: Paths | None = None) -> InstalledMeta | None:
    meta_path = _folder(where) / META_FILE
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
        return InstalledMeta(source=data["source"], installed_at=data["installed_at"], files=dict(data["files"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndicatorError(str(meta_path), f"the installed set's record is damaged ({exc}); reinstall it") from None


_cache: dict[tuple[str, float], Indicators] = {}


def installed_indicators(where: Paths | None = None) -> Indicators:
    """The set in use (installed, else shipped), built once and cached until its record changes."""
    folder = _folder(where)
    meta_path = folder / META_FILE
    try:
        stamp = meta_path.stat().st_mtime
    except FileNotFoundError:
        folder, meta_path = BUNDLED_FOLDER, BUNDLED_FOLDER / BUNDLED_RECORD
        try:
            stamp = meta_path.stat().st_mtime
        except FileNotFoundError:
            raise CheckUnavailable(NOT_INSTALLED) from None
    key = (str(folder), stamp)
    if key not in _cache:
        meta = read_meta(where) if folder != BUNDLED_FOLDER else bundled_meta()
        assert meta is not None
        if meta.bundled:
            _verify_hashes(folder, meta)
        indicators = load_indicator_files([folder / name for name in sorted(meta.files)])
        _cache.clear()
        _cache[key] = Indicators(indicators.apps, source=meta.source)
    return _cache[key]


def _verify_hashes(folder: Path, meta: InstalledMeta) -> None:
    """The shipped files must be the ones their record names: a changed copy is not Echap's data."""
    for name, digest in meta.files.items():
        try:
            actual = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        except OSError as exc:
            raise IndicatorError(str(folder / name), f"cannot be read: {exc.strerror or exc}") from None
        if actual != digest:
            raise IndicatorError(str(folder / name), "does not match the SHA-256 in bundled.json; reinstall auditor")


def _write_atomic(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def install_texts(files: Sequence[tuple[str, bytes]], source: str, where: Paths | None = None) -> Indicators:
    """Validate every file fully, then replace the installed set; on any failure the old set stays."""
    if not files:
        raise IndicatorError(source, "no indicator file was given")
    apps = []
    names = set()
    for name, data in files:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise IndicatorError(name, f"not UTF-8 text ({exc.reason})") from None
        apps.extend(parse_indicator_text(text, name))
        names.add(Path(name).name)
    if len(names) != len(files):
        raise IndicatorError(source, "two indicator files have the same name")
    folder = _folder(where)
    (where or paths()).ensure(folder)
    record = {
        "source": source,
        "installed_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "files": {Path(name).name: hashlib.sha256(data).hexdigest() for name, data in files},
    }
    previous = read_meta(where)
    for name, data in files:
        _write_atomic(folder / Path(name).name, data)
    # The record is written last: it is what makes the new files the installed set.
    _write_atomic(folder / META_FILE, json.dumps(record, indent=2).encode())
    if previous:
        for old in set(previous.files) - set(record["files"]):
            (folder / old).unlink(missing_ok=True)
    return Indicators(apps, source=source)


def install_from_files(sources: Sequence[Path], where: Paths | None = None) -> Indicators:
    files = []
    for path in sources:
        try:
            files.append((str(path), Path(path).read_bytes()))
        except OSError as exc:
            raise IndicatorError(str(path), f"cannot be read: {exc.strerror or exc}") from None
    return install_texts(files, ", ".join(str(Path(p).resolve()) for p in sources), where)


def download_upstream(url: str | None = None, timeout: float = 30.0) -> tuple[str, bytes]:
    import httpx

    from auditor.weburl import checked_url

    url = checked_url(url or os.environ.get("AUDITOR_IOCS_URL") or UPSTREAM_URL, "the indicator set's address")
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPStatusError as exc:
        raise NetworkError(
            f"could not download the indicator set from {url}: HTTP {exc.response.status_code}"
        ) from None
    except httpx.HTTPError as exc:
        raise NetworkError(
            f"could not download the indicator set from {url} — are you offline? ({type(exc).__name__}). "
            "Your installed set was not changed. You can install a file you have with "
            "`auditor iocs update --from FILE`."
        ) from None
    return url, response.content


def update_from_upstream(url: str | None = None, where: Paths | None = None) -> Indicators:
    source, data = download_upstream(url)
    return install_texts([("ioc.yaml", data)], source, where)


def describe_age(meta: InstalledMeta, now: datetime | None = None) -> str:
    """A plain sentence on how old the set is, e.g. for the app's overview and the reports."""
    days = max(meta.age(now).days, 0)
    when = meta.dated.date().isoformat()
    which = "shipped with auditor" if meta.bundled else "installed"
    return f"Stalkerware indicator set {which}, dated {when} ({days} day{'s' if days != 1 else ''} old)."


def stale_notice(meta: InstalledMeta, now: datetime | None = None) -> str | None:
    """What to say when the set is past STALE_AFTER, naming what an update contacts; None while it is fresh."""
    if not meta.is_stale(now):
        return None
    return (
        f"{describe_age(meta, now)} Newer stalkerware may be missed. `auditor iocs update` downloads the current "
        "set from github.com (raw.githubusercontent.com, Echap's stalkerware-indicators) and contacts nothing else."
    )
