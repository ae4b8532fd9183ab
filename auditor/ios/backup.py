"""Reading an iPhone backup folder (Finder, iTunes, Apple Devices or idevicebackup2), read-only.

A backup folder holds Info.plist, Manifest.plist, Manifest.db (an SQLite index: one row per backed-up file,
with its domain, its path in the phone and a record) and each file under ``<first two hex digits>/<file
ID>``. Nothing is ever written to the folder: Manifest.db is opened immutable, or — for an encrypted backup
— decrypted into memory only; the password is asked for each audit and never stored.

Every file read is recorded with its SHA-256 (as stored, and of the plaintext for an encrypted backup), so
each finding can say which files of the backup it rests on.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from auditor.checkapi import Reading
from auditor.checkapi.ios import FileRead, IOSApp, Management, Part, PhoneInfo, Profile
from auditor.ios import keybag, parsers
from auditor.ios.parsers import Answer

T = TypeVar("T")

FILE_ID = re.compile(r"[0-9a-f]{40}\Z")
MAX_PLIST_BYTES = 32 * 1024 * 1024
MAX_MANIFEST_DB_BYTES = 1024 * 1024 * 1024
NOT_IN_BACKUP = "a backup does not record this; connect the phone over USB to check it"

NOT_A_BACKUP = (
    "{path} is not an iPhone backup folder: it has no Manifest.plist or Manifest.db. A backup folder is named "
    "after the phone's identifier — on a Mac under ~/Library/Application Support/MobileSync/Backup/, on "
    "Windows under %APPDATA%\\Apple Computer\\MobileSync\\Backup\\ (or %USERPROFILE%\\Apple\\MobileSync\\Backup\\ "
    "with the Apple Devices app). Give the folder that holds Manifest.plist."
)
TOO_OLD = (
    "{path} is a backup made before iOS 10 (it has Manifest.mbdb, not Manifest.db). Make a new backup of the "
    "phone with Finder, iTunes or the Apple Devices app and check that one."
)
NEEDS_PASSWORD = (
    'This backup is encrypted. Its password is needed to read it (it is the password chosen when "Encrypt '
    "local backup\" was turned on, not the phone's passcode). Run the audit again and type it when asked, or "
    "set AUDITOR_IOS_BACKUP_PASSWORD for this command only. It is never stored."
)
WRONG_PASSWORD = (
    "The backup password is not the one this backup was encrypted with, so nothing in it could be read. Try "
    "again; if nobody remembers it, make a new backup of the phone instead (on the phone, Settings › General › "
    "Transfer or Reset iPhone › Reset › Reset All Settings clears a forgotten backup password, and changes other "
    "settings too)."
)


class BackupError(Exception):
    """The folder cannot be read as a backup at all; the message is for the person, with what to do."""


@dataclass(frozen=True)
class Row:
    file_id: str
    domain: str
    relative_path: str
    flags: int
    record: bytes | None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_regular(path: Path, limit: int) -> bytes:
    """A regular file's bytes (never through a symbolic link, never more than ``limit``)."""
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"{path.name} is not a regular file")
    if info.st_size > limit:
        raise OSError(f"{path.name} is larger than {limit // (1024 * 1024)} MB")
    with path.open("rb") as handle:
        return handle.read(limit + 1)[:limit]


def is_encrypted(folder: Path) -> bool | None:
    """Whether the backup at ``folder`` says it is encrypted (None when that cannot be told)."""
    try:
        data = _read_regular(folder / "Manifest.plist", MAX_PLIST_BYTES)
    except OSError:
        return None
    manifest = parsers.load_plist(data, "Manifest.plist").value
    value = manifest.get("IsEncrypted") if isinstance(manifest, dict) else None
    return value if isinstance(value, bool) else None


def _sha256_of(path: Path, limit: int) -> str:
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"{path.name} is not a regular file")
    if info.st_size > limit:
        raise OSError(f"{path.name} is larger than {limit // (1024 * 1024)} MB")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _in_memory(data: bytes) -> sqlite3.Connection:
    """A decrypted Manifest.db opened from memory: the plaintext index never touches the disk."""
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    deserialize = getattr(connection, "deserialize", None)
    if deserialize is None:  # Python 3.10: no sqlite3 deserialize
        connection.close()
        raise sqlite3.NotSupportedError("reading an encrypted backup needs Python 3.11 or later")
    deserialize(data)
    return connection


class BackupFolder:
    """One backup folder opened for reading: its manifest files and, through Manifest.db, its files."""

    def __init__(self, folder: Path, password: str | None = None) -> None:
        self.folder = folder
        if not folder.is_dir():
            raise BackupError(f"{folder} is not a folder (give the backup folder that holds Manifest.plist)")
        has_plist = (folder / "Manifest.plist").exists()
        has_db = (folder / "Manifest.db").exists()
        if not has_db and (folder / "Manifest.mbdb").exists():
            raise BackupError(TOO_OLD.format(path=folder))
        if not has_plist and not has_db:
            raise BackupError(NOT_A_BACKUP.format(path=folder))
        self.read: dict[str, FileRead] = {}
        self.info, self.info_file = self._plist("Info.plist")
        self.manifest, self.manifest_file = self._plist("Manifest.plist")
        self.bag: keybag.Keybag | None = None
        self.encrypted = isinstance(self.manifest.value, dict) and self.manifest.value.get("IsEncrypted") is True
        self.db_problem = ""
        self.db_file: FileRead | None = None
        self._db: sqlite3.Connection | None = None
        if self.encrypted:
            self._unlock(password)
        self._open_db()

    # -- opening

    def _plist(self, name: str) -> tuple[Answer, FileRead | None]:
        path = self.folder / name
        if not path.exists():
            return Answer(error=f"{name} is missing from the backup folder"), None
        try:
            data = _read_regular(path, MAX_PLIST_BYTES)
        except OSError as exc:
            return Answer(error=f"{name} could not be read: {exc.strerror or exc}"), None
        file = FileRead(name, sha256(data))
        self.read[name] = file
        return parsers.load_plist(data, name), file

    def _unlock(self, password: str | None) -> None:
        if not password:
            raise BackupError(NEEDS_PASSWORD)
        manifest = self.manifest.value
        bag_bytes = manifest.get("BackupKeyBag") if isinstance(manifest, dict) else None
        if not isinstance(bag_bytes, bytes):
            raise BackupError("This backup says it is encrypted but its Manifest.plist has no keybag (damaged backup).")
        try:
            bag = keybag.parse_keybag(bag_bytes)
            keybag.unlock(bag, password)
        except keybag.WrongPassword:
            raise BackupError(WRONG_PASSWORD) from None
        except keybag.KeybagError as exc:
            raise BackupError(f"The backup's keybag could not be used: {exc} (damaged backup).") from None
        self.bag = bag

    def _open_db(self) -> None:
        path = self.folder / "Manifest.db"
        if not path.exists():
            self.db_problem = "Manifest.db is missing from the backup folder"
            return
        try:
            if self.bag is None:
                digest = _sha256_of(path, MAX_MANIFEST_DB_BYTES)
                self.db_file = FileRead("Manifest.db", digest)
                # Immutable: SQLite writes nothing beside the file (no journal, no lock), the folder stays as it was.
                connection = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
                )
            else:
                data = _read_regular(path, MAX_MANIFEST_DB_BYTES)
                stored = sha256(data)
                try:
                    data = self._decrypt_manifest_db(data)
                except keybag.KeybagError as exc:
                    self.db_file = FileRead("Manifest.db", stored)
                    self.db_problem = f"Manifest.db could not be decrypted: {exc}"
                    return
                self.db_file = FileRead("Manifest.db", stored, sha256(data))
                connection = _in_memory(data)
        except OSError as exc:
            self.db_problem = f"Manifest.db could not be read: {exc.strerror or exc}"
            return
        except (sqlite3.Error, ValueError, OverflowError, MemoryError) as exc:
            self.db_problem = f"Manifest.db could not be opened ({type(exc).__name__}: {exc})"
            return
        self.read["Manifest.db"] = self.db_file
        try:
            connection.execute("SELECT fileID, domain, relativePath, flags, file FROM Files LIMIT 1").fetchall()
        except (sqlite3.Error, ValueError, OverflowError, MemoryError) as exc:
            connection.close()
            self.db_problem = f"Manifest.db is not the backup index this tool knows ({type(exc).__name__}: {exc})"
            return
        self._db = connection

    def _decrypt_manifest_db(self, data: bytes) -> bytes:
        assert self.bag is not None
        manifest = self.manifest.value
        key = manifest.get("ManifestKey") if isinstance(manifest, dict) else None
        if not isinstance(key, bytes):
            raise keybag.KeybagError("Manifest.plist has no ManifestKey")
        return keybag.decrypt(keybag.unwrap_file_key(self.bag, key), data)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- reading

    def domains(self) -> list[str] | None:
        if self._db is None:
            return None
        try:
            rows = self._db.execute("SELECT DISTINCT domain FROM Files").fetchall()
        except sqlite3.Error:
            return None
        return [d for (d,) in rows if isinstance(d, str)]

    def rows(self, domain: str) -> list[Row] | None:
        if self._db is None:
            return None
        try:
            raw = self._db.execute(
                "SELECT fileID, domain, relativePath, flags, file FROM Files WHERE domain = ? ORDER BY relativePath",
                (domain,),
            ).fetchall()
        except sqlite3.Error:
            return None
        out = []
        for file_id, dom, rel, flags, record in raw:
            out.append(
                Row(
                    file_id=file_id if isinstance(file_id, str) else "",
                    domain=dom if isinstance(dom, str) else "",
                    relative_path=rel if isinstance(rel, str) else "",
                    flags=flags if isinstance(flags, int) else -1,
                    record=record if isinstance(record, bytes) else None,
                )
            )
        return out

    def read_file(self, row: Row) -> tuple[Answer, FileRead | None]:
        """One backed-up file (decrypted when the backup is encrypted), decoded as a property list."""
        name = f"{row.domain}/{row.relative_path}"
        if not FILE_ID.match(row.file_id):
            # Manifest.db decides which file is opened: only a 40-hex-digit name under the folder, never a path.
            return Answer(error=f"{name}: its file name in Manifest.db is not a backup file ID"), None
        relative = f"{row.file_id[:2]}/{row.file_id}"
        try:
            data = _read_regular(self.folder / row.file_id[:2] / row.file_id, MAX_PLIST_BYTES)
        except FileNotFoundError:
            return Answer(error=f"{name} is listed in Manifest.db but its file {relative} is missing"), None
        except OSError as exc:
            return Answer(error=f"{name} ({relative}) could not be read: {exc.strerror or exc}"), None
        file = FileRead(relative, sha256(data), backup_path=name)
        if self.bag is not None:
            try:
                archive = parsers.load_plist(row.record or b"", f"{name}'s record in Manifest.db")
                if archive.error:
                    raise keybag.KeybagError(archive.error)
                record = keybag.file_record(archive.value)
                if record.encryption_key is None:
                    raise keybag.KeybagError("its record has no EncryptionKey")
                plain = keybag.decrypt(keybag.unwrap_file_key(self.bag, record.encryption_key), data, record.size)
            except keybag.KeybagError as exc:
                return Answer(error=f"{name} could not be decrypted: {exc}"), file
            file = FileRead(relative, file.sha256, sha256(plain), backup_path=name)
            data = plain
        self.read[relative] = file
        return parsers.load_plist(data, name), file


class BackupIPhone:
    """:class:`~auditor.checkapi.ios.IOSReads` over a backup folder; each part is read once."""

    origin = "backup"

    def __init__(self, backup: BackupFolder) -> None:
        self.backup = backup
        self._cache: dict[str, Any] = {}
        self._lock = threading.RLock()  # a read may need another (profiles need the profile folder's rows)

    def _once(self, key: str, make: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()
            value: T = self._cache[key]
            return value

    def _profile_rows(self) -> list[Row] | None:
        return self._once("profile-rows", lambda: self.backup.rows(parsers.PROFILES_DOMAIN))

    def _cloud_row(self) -> Row | None:
        rows = self._profile_rows() or []
        return next((r for r in rows if r.relative_path == parsers.CLOUD_DETAILS and r.flags == 1), None)

    def holds(self, part: Part) -> bool:
        if part in (Part.DEVICE, Part.APPS, Part.PROFILES):
            return True
        if part is Part.MANAGEMENT:
            return self._cloud_row() is not None
        return False

    def device(self) -> Reading[PhoneInfo]:
        files = [f for f in (self.backup.info_file, self.backup.manifest_file) if f is not None]
        return self._once("device", lambda: parsers.backup_device(self.backup.info, self.backup.manifest, files))

    def apps(self) -> Reading[tuple[IOSApp, ...]]:
        def make() -> Reading[tuple[IOSApp, ...]]:
            reading = parsers.backup_apps(
                self.backup.info,
                self.backup.manifest,
                self.backup.domains(),
                self.backup.info_file,
                self.backup.manifest_file,
                self.backup.db_file,
            )
            return reading.missing(self.backup.db_problem)

        return self._once("apps", make)

    def profiles(self) -> Reading[tuple[Profile, ...]]:
        def make() -> Reading[tuple[Profile, ...]]:
            rows = self._profile_rows()
            if rows is None:
                return Reading(
                    parsers.WHAT_BACKUP_PROFILES, (), not_read=(self.backup.db_problem or "Manifest.db unreadable",)
                )
            if not rows:
                return Reading(
                    parsers.WHAT_BACKUP_PROFILES,
                    (),
                    not_read=("the backup holds no configuration-profile records at all (their folder is missing)",),
                )
            profiles: list[Profile] = []
            not_read: list[str] = []
            strange: list[str] = []
            for row in rows:
                if row.flags != 1 or not parsers.is_profile_record(row.relative_path):
                    continue
                answer, file = self.backup.read_file(row)
                if file is None:
                    not_read.append(answer.error)
                    continue
                profile, nr, st = parsers.profile_from_record(answer, file)
                not_read += nr
                strange += st
                if profile is not None:
                    profiles.append(profile)
            return Reading(parsers.WHAT_BACKUP_PROFILES, tuple(profiles), tuple(not_read), tuple(strange))

        return self._once("profiles", make)

    def management(self) -> Reading[Management]:
        def make() -> Reading[Management]:
            row = self._cloud_row()
            if row is None:
                return Reading(parsers.WHAT_BACKUP_MANAGEMENT, Management(), not_read=(NOT_IN_BACKUP,))
            answer, file = self.backup.read_file(row)
            if file is None:
                return Reading(parsers.WHAT_BACKUP_MANAGEMENT, Management(), not_read=(answer.error,))
            return parsers.backup_management(answer, file)

        return self._once("management", make)

    def developer_mode(self) -> Reading[bool | None]:
        return Reading(parsers.WHAT_DEVELOPER_MODE, None, not_read=(NOT_IN_BACKUP,))

    def icloud_backup(self) -> Reading[bool]:
        return Reading(parsers.WHAT_ICLOUD, False, not_read=(NOT_IN_BACKUP,))

    def jailbreak_service(self) -> Reading[bool]:
        return Reading(parsers.WHAT_AFC2, False, not_read=(NOT_IN_BACKUP,))
