"""Builds small iPhone backup folders for tests, from the format as Apple's tools write it.

The layout (Info.plist, Manifest.plist, Manifest.db with its Files table, files under ``xx/<file ID>`` where
the file ID is the SHA-1 of ``domain-relativePath``) is the one Finder, iTunes and libimobiledevice's
idevicebackup2 write, as the forensic literature describes it. An encrypted backup carries a backup keybag
(TLV records: VERS, TYPE, UUID, HMCK, WRAP, SALT, ITER, DPWT, DPIC, DPSL, then per class key UUID, CLAS, WRAP,
KTYP, WPKY), its ManifestKey, an AES-256-CBC Manifest.db, and per file an NSKeyedArchiver MBFile record whose
EncryptionKey wraps the file's key — written here from that description, with small iteration counts so tests
stay fast (the reader takes the counts from the keybag, as it does for Apple's ten million).
"""

from __future__ import annotations

import hashlib
import os
import plistlib
import sqlite3
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

PROFILES_DOMAIN = "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles"
PROTECTION_CLASS = 3  # NSFileProtectionCompleteUntilFirstUserAuthentication, as most backed-up files


@dataclass
class BackupFile:
    domain: str
    relative_path: str
    content: bytes | None = None  # None: a folder (flags 2)

    @property
    def file_id(self) -> str:
        return hashlib.sha1(f"{self.domain}-{self.relative_path}".encode()).hexdigest()


@dataclass
class BackupSpec:
    device_name: str = "Sam's iPhone"
    product_type: str = "iPhone15,2"
    version: str = "26.5"
    build: str = "23F79"
    apps: list[str] = field(default_factory=lambda: ["net.whatsapp.WhatsApp", "com.spotify.client"])
    files: list[BackupFile] = field(default_factory=list)
    password: str | None = None
    info_extra: dict[str, Any] = field(default_factory=dict)
    manifest_extra: dict[str, Any] = field(default_factory=dict)
    profiles_folder: bool = True  # the configuration-profiles domain has its folder row


def profile_record(
    identifier: str,
    name: str,
    organisation: str = "",
    payload_types: Iterable[str] = ("com.apple.mdm",),
    removal_disallowed: bool = False,
) -> bytes:
    """A profile record as the configuration-profiles system group keeps one (Configuration Profile Reference keys)."""
    return plistlib.dumps(
        {
            "PayloadType": "Configuration",
            "PayloadVersion": 1,
            "PayloadIdentifier": identifier,
            "PayloadUUID": "9B0E9F3A-6C55-4C7F-8D1B-2E3F4A5B6C7D",
            "PayloadDisplayName": name,
            "PayloadOrganization": organisation,
            "PayloadDescription": "Installed by the test.",
            "PayloadRemovalDisallowed": removal_disallowed,
            "PayloadContent": [
                {"PayloadType": kind, "PayloadIdentifier": f"{identifier}.{i}", "PayloadUUID": f"uuid-{i}"}
                for i, kind in enumerate(payload_types)
            ],
            "InstallDate": datetime(2026, 3, 14, 9, 30, tzinfo=timezone.utc).replace(tzinfo=None),
        },
        fmt=plistlib.FMT_BINARY,
    )


def profile_file(name: str, record: bytes) -> BackupFile:
    return BackupFile(PROFILES_DOMAIN, f"Library/ConfigurationProfiles/profile-{name}.stub", record)


def cloud_details(details: dict[str, Any]) -> BackupFile:
    return BackupFile(
        PROFILES_DOMAIN, "Library/ConfigurationProfiles/CloudConfigurationDetails.plist", plistlib.dumps(details)
    )


# --- encryption ----------------------------------------------------------------------------------------


def _tlv(tag: str, value: bytes | int) -> bytes:
    data = struct.pack(">I", value) if isinstance(value, int) else value
    return tag.encode("ascii") + struct.pack(">I", len(data)) + data


@dataclass
class Keys:
    password: str
    salt: bytes = field(default_factory=lambda: os.urandom(20))
    dpsl: bytes = field(default_factory=lambda: os.urandom(20))
    iterations: int = 3
    dp_iterations: int = 5
    class_keys: dict[int, bytes] = field(default_factory=lambda: {c: os.urandom(32) for c in range(1, 12)})

    def passcode_key(self) -> bytes:
        first = hashlib.pbkdf2_hmac("sha256", self.password.encode(), self.dpsl, self.dp_iterations, 32)
        return hashlib.pbkdf2_hmac("sha1", first, self.salt, self.iterations, 32)

    def keybag(self) -> bytes:
        key = self.passcode_key()
        out = b"".join(
            [
                _tlv("VERS", 4),
                _tlv("TYPE", 1),
                _tlv("UUID", os.urandom(16)),
                _tlv("HMCK", os.urandom(40)),
                _tlv("WRAP", 0),
                _tlv("SALT", self.salt),
                _tlv("ITER", self.iterations),
                _tlv("DPWT", 1),
                _tlv("DPIC", self.dp_iterations),
                _tlv("DPSL", self.dpsl),
            ]
        )
        for clas, class_key in self.class_keys.items():
            out += _tlv("UUID", os.urandom(16)) + _tlv("CLAS", clas) + _tlv("WRAP", 2) + _tlv("KTYP", 0)
            out += _tlv("WPKY", aes_key_wrap(key, class_key))
        return out

    def wrapped(self, clas: int, key: bytes) -> bytes:
        return struct.pack("<I", clas) + aes_key_wrap(self.class_keys[clas], key)


def encrypt(key: bytes, data: bytes) -> bytes:
    pad = 16 - len(data) % 16
    encryptor = Cipher(algorithms.AES(key), modes.CBC(b"\0" * 16)).encryptor()
    return encryptor.update(data + bytes([pad]) * pad) + encryptor.finalize()


def mbfile(relative_path: str, size: int, wrapped_key: bytes | None) -> bytes:
    """An NSKeyedArchiver MBFile record, as Manifest.db's ``file`` column holds one."""
    uid = plistlib.UID
    objects: list[Any] = ["$null"]
    root: dict[str, Any] = {
        "$class": uid(0),  # set below
        "RelativePath": uid(2),
        "Size": size,
        "ProtectionClass": PROTECTION_CLASS,
        "Mode": 0o100644,
        "Flags": 0,
        "LastModified": 1710408600,
    }
    objects.append(root)
    objects.append(relative_path)
    if wrapped_key is not None:
        root["EncryptionKey"] = uid(len(objects))
        objects.append({"NS.data": wrapped_key, "$class": uid(len(objects) + 1)})
        objects.append({"$classname": "NSMutableData", "$classes": ["NSMutableData", "NSData", "NSObject"]})
    root["$class"] = uid(len(objects))
    objects.append({"$classname": "MBFile", "$classes": ["MBFile", "NSObject"]})
    return plistlib.dumps(
        {"$version": 100000, "$archiver": "NSKeyedArchiver", "$top": {"root": uid(1)}, "$objects": objects},
        fmt=plistlib.FMT_BINARY,
    )


# --- the folder ---------------------------------------------------------------------------------------------


def build_backup(folder: Path, spec: BackupSpec) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    keys = Keys(spec.password) if spec.password else None
    files = list(spec.files)
    for bundle in spec.apps:
        files.append(BackupFile(f"AppDomain-{bundle}", ""))
        files.append(BackupFile(f"AppDomain-{bundle}", "Library"))
    if spec.profiles_folder:
        files.append(BackupFile(PROFILES_DOMAIN, "Library/ConfigurationProfiles"))
    files.append(BackupFile("HomeDomain", "Library/Preferences/com.apple.springboard.plist", b"bplist00 test"))

    info = {
        "Device Name": spec.device_name,
        "Display Name": spec.device_name,
        "Product Type": spec.product_type,
        "Product Version": spec.version,
        "Build Version": spec.build,
        "Last Backup Date": datetime(2026, 11, 30, 20, 15),
        "Installed Applications": list(spec.apps),
        "Target Type": "Device",
        "iTunes Version": "12.13",
        **spec.info_extra,
    }
    manifest: dict[str, Any] = {
        "Version": "10.0",
        "Date": datetime(2026, 11, 30, 20, 15),
        "IsEncrypted": keys is not None,
        "WasPasscodeSet": True,
        "Applications": {b: {"CFBundleIdentifier": b, "CFBundleVersion": "1.0"} for b in spec.apps},
        "Lockdown": {
            "DeviceName": spec.device_name,
            "ProductType": spec.product_type,
            "ProductVersion": spec.version,
            "BuildVersion": spec.build,
        },
        **spec.manifest_extra,
    }
    db_key = os.urandom(32)
    if keys is not None:
        manifest["BackupKeyBag"] = keys.keybag()
        manifest["ManifestKey"] = keys.wrapped(4, db_key)
    (folder / "Info.plist").write_bytes(plistlib.dumps(info, fmt=plistlib.FMT_BINARY))  # binary, as MVT's real one
    (folder / "Manifest.plist").write_bytes(plistlib.dumps(manifest, fmt=plistlib.FMT_BINARY))
    (folder / "Status.plist").write_bytes(plistlib.dumps({"IsFullBackup": False, "Version": "3.3"}))

    db_path = folder / "Manifest.db.plain"
    connection = sqlite3.connect(db_path)
    connection.execute(
        "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)"
    )
    connection.execute("CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB)")
    for item in files:
        if item.content is None:
            connection.execute(
                "INSERT INTO Files VALUES (?, ?, ?, 2, ?)",
                (item.file_id, item.domain, item.relative_path, mbfile(item.relative_path, 0, None)),
            )
            continue
        data, wrapped = item.content, None
        if keys is not None:
            file_key = os.urandom(32)
            wrapped = keys.wrapped(PROTECTION_CLASS, file_key)
            data = encrypt(file_key, item.content)
        target = folder / item.file_id[:2] / item.file_id
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(data)
        connection.execute(
            "INSERT INTO Files VALUES (?, ?, ?, 1, ?)",
            (item.file_id, item.domain, item.relative_path, mbfile(item.relative_path, len(item.content), wrapped)),
        )
    connection.commit()
    connection.close()
    plain = db_path.read_bytes()
    db_path.unlink()
    (folder / "Manifest.db").write_bytes(encrypt(db_key, plain) if keys is not None else plain)
    return folder


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every file's size, modification time and SHA-256: to prove a reader wrote nothing."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
