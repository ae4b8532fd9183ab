"""Encrypted iPhone backups: the backup keybag, the password, and the per-file keys.

Written from the format as Apple's Platform Security guide describes keybags (a header — version, type,
UUID, HMAC, wrapping method, salt and iteration count — then one record per class key: UUID, class,
wrapping type, wrapped key) and as it is documented for backups since iOS 10.2 (Jean-Baptiste Bédrune and
Jean Sigwald, "iPhone data protection in depth", HITB 2011; the iOS 10.2 changes as described publicly
since):

- the keybag is a run of TLV records: a four-letter ASCII tag, a 32-bit big-endian length, the value;
  header tags VERS, TYPE, UUID, HMCK, WRAP, SALT, ITER, DPWT, DPIC, DPSL; each class key starts with its own
  UUID tag and has CLAS (protection class), WRAP (1: device key, 2: passcode key), KTYP and WPKY (the
  wrapped key);
- the password key is PBKDF2-HMAC-SHA256(password, DPSL, DPIC rounds, 32 bytes), then
  PBKDF2-HMAC-SHA1(that, SALT, ITER rounds, 32 bytes);
- each class key whose WRAP has bit 2 is unwrapped with that key by AES key wrap (RFC 3394); a wrong
  password fails the key wrap's integrity check;
- Manifest.plist's ManifestKey is a 32-bit little-endian protection class then a wrapped key; unwrapped
  with that class's key it is the AES-256 key of Manifest.db (CBC, zero IV);
- each file's record in Manifest.db (an NSKeyedArchiver MBFile) holds ``EncryptionKey``: again a class and
  a wrapped key; the file is AES-256-CBC with a zero IV, padded PKCS#7, and ``Size`` is its real length.

No code of MVT or iphone_backup_decrypt is used; the cryptographic primitives are the ``cryptography``
package's. The password is only ever held in memory for the time of one audit.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap

HEADER_TAGS = frozenset({"VERS", "TYPE", "UUID", "HMCK", "WRAP", "SALT", "ITER", "DPWT", "DPIC", "DPSL"})
WRAP_PASSCODE = 2
# Apple uses 10,000,000 rounds for DPIC; far beyond that a keybag is damaged or hostile (it would hang here).
MAX_ROUNDS = 50_000_000


class KeybagError(Exception):
    """The keybag or a key in the backup could not be used; the message says why in plain words."""


class WrongPassword(KeybagError):
    pass


@dataclass
class Keybag:
    header: dict[str, bytes | int] = field(default_factory=dict)
    class_keys: dict[int, dict[str, bytes | int]] = field(default_factory=dict)
    unwrapped: dict[int, bytes] = field(default_factory=dict)

    def number(self, tag: str) -> int:
        value = self.header.get(tag)
        if not isinstance(value, int):
            raise KeybagError(f"the backup keybag has no {tag} value")
        return value

    def raw(self, tag: str) -> bytes:
        value = self.header.get(tag)
        if not isinstance(value, bytes):
            raise KeybagError(f"the backup keybag has no {tag} value")
        return value


def parse_keybag(data: bytes) -> Keybag:
    """The keybag's header and class keys; anything that does not fit the TLV layout is a KeybagError."""
    bag = Keybag()
    current: dict[str, bytes | int] | None = None
    offset = 0
    seen_uuid = False
    while offset < len(data):
        if offset + 8 > len(data):
            raise KeybagError("the backup keybag ends in the middle of a record")
        tag_bytes, length = data[offset : offset + 4], struct.unpack(">I", data[offset + 4 : offset + 8])[0]
        value = data[offset + 8 : offset + 8 + length]
        if len(value) != length:
            raise KeybagError("the backup keybag ends in the middle of a value")
        offset += 8 + length
        try:
            tag = tag_bytes.decode("ascii")
        except UnicodeDecodeError:
            raise KeybagError("the backup keybag has a record without a readable tag") from None
        item: bytes | int = struct.unpack(">I", value)[0] if length == 4 else value
        if tag == "UUID" and seen_uuid:
            current = {"UUID": value}
            _store(bag, current)
            continue
        if tag == "UUID":
            seen_uuid = True
            bag.header["UUID"] = value
            continue
        if current is not None:
            current[tag] = item
            if tag == "CLAS":
                _store(bag, current)
        elif tag in HEADER_TAGS:
            bag.header[tag] = item
    if not bag.class_keys:
        raise KeybagError("the backup keybag holds no class keys")
    return bag


def _store(bag: Keybag, record: dict[str, bytes | int]) -> None:
    clas = record.get("CLAS")
    if isinstance(clas, int):
        bag.class_keys[clas] = record


def _rounds(bag: Keybag, tag: str) -> int:
    rounds = bag.number(tag)
    if not 1 <= rounds <= MAX_ROUNDS:
        raise KeybagError(f"the backup keybag asks for {rounds} key-derivation rounds, which no backup uses")
    return rounds


def unlock(bag: Keybag, password: str) -> None:
    """Unwrap every passcode-wrapped class key with the backup password, or raise WrongPassword."""
    secret = password.encode("utf-8")
    if "DPSL" in bag.header:
        secret = hashlib.pbkdf2_hmac("sha256", secret, bag.raw("DPSL"), _rounds(bag, "DPIC"), 32)
    key = hashlib.pbkdf2_hmac("sha1", secret, bag.raw("SALT"), _rounds(bag, "ITER"), 32)
    for clas, record in bag.class_keys.items():
        wrap = record.get("WRAP")
        wrapped = record.get("WPKY")
        if not isinstance(wrap, int) or not isinstance(wrapped, bytes):
            continue
        if not wrap & WRAP_PASSCODE:
            continue
        try:
            bag.unwrapped[clas] = aes_key_unwrap(key, wrapped)
        except InvalidUnwrap:
            raise WrongPassword("the backup password is not the one this backup was encrypted with") from None
        except ValueError:
            raise KeybagError(f"the backup keybag's key for class {clas} is not a wrapped key") from None
    if not bag.unwrapped:
        raise KeybagError("the backup keybag has no key the backup password unlocks")


def unwrap_file_key(bag: Keybag, wrapped: bytes) -> bytes:
    """A ManifestKey or a file's EncryptionKey: 4 bytes of protection class (little-endian), then the key."""
    if len(wrapped) < 4 + 24:
        raise KeybagError("a key in the backup is too short to be a wrapped key")
    clas = struct.unpack("<I", wrapped[:4])[0]
    class_key = bag.unwrapped.get(clas)
    if class_key is None:
        raise KeybagError(f"the backup has no key for protection class {clas}")
    try:
        return aes_key_unwrap(class_key, wrapped[4:])
    except (InvalidUnwrap, ValueError):
        raise KeybagError("a key in the backup does not unwrap with its class key (damaged backup)") from None


def decrypt(key: bytes, data: bytes, size: int | None = None) -> bytes:
    """AES-256-CBC with a zero IV; the padding removed (PKCS#7) or the plaintext cut to ``size``."""
    if len(key) != 32:
        raise KeybagError("a file key in the backup is not 256 bits long")
    if len(data) % 16:
        raise KeybagError("an encrypted file in the backup is not a whole number of AES blocks (cut short?)")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(b"\0" * 16)).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    if size is not None and 0 <= size <= len(plain):
        return plain[:size]
    pad = plain[-1] if plain else 0
    if 1 <= pad <= 16 and plain.endswith(bytes([pad]) * pad):
        return plain[:-pad]
    return plain


# --- the file records of Manifest.db -------------------------------------------------------------------


@dataclass(frozen=True)
class FileRecord:
    """What a backup's MBFile record says about one file: its key (encrypted backups) and real size."""

    encryption_key: bytes | None
    size: int | None
    protection_class: int | None


def file_record(archive: Any) -> FileRecord:
    """The MBFile in an NSKeyedArchiver plist (already decoded by plistlib), or a KeybagError."""
    if not isinstance(archive, Mapping):
        raise KeybagError("a file record in Manifest.db is not a keyed archive")
    objects = archive.get("$objects")
    top = archive.get("$top")
    if not isinstance(objects, list) or not isinstance(top, Mapping):
        raise KeybagError("a file record in Manifest.db has no $objects or $top")

    def resolve(ref: Any) -> Any:
        if hasattr(ref, "data") and isinstance(getattr(ref, "data", None), int):  # plistlib.UID
            index = ref.data
            if not 0 <= index < len(objects):
                raise KeybagError("a file record in Manifest.db points outside itself")
            return objects[index]
        return ref

    root = resolve(top.get("root"))
    if not isinstance(root, Mapping):
        raise KeybagError("a file record in Manifest.db has no root object")
    key = resolve(root.get("EncryptionKey"))
    if isinstance(key, Mapping):
        key = key.get("NS.data")
    if key is not None and not isinstance(key, bytes):
        raise KeybagError("a file record's EncryptionKey is not data")
    size = resolve(root.get("Size"))
    clas = resolve(root.get("ProtectionClass"))
    return FileRecord(
        encryption_key=key,
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        protection_class=clas if isinstance(clas, int) and not isinstance(clas, bool) else None,
    )
