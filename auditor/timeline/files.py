"""Reading a file to keep as evidence: exactly its bytes, or a clear reason why not."""

from __future__ import annotations

import mimetypes
import os
import re
import stat
from pathlib import Path

from auditor.errors import UsageError

# SQLite keeps a value up to 1 GB; stay well below so a case stays workable.
MAX_EVIDENCE_BYTES = 512 * 1024 * 1024

_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*", re.IGNORECASE)
_UNKNOWN = "application/octet-stream"
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
)


def read_evidence_file(path: Path) -> bytes:
    """The file's bytes, read once. Refuses anything that is not a readable regular file."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file; nothing was added") from None
    except PermissionError:
        raise UsageError(f"{path}: cannot be reached (permission denied); nothing was added") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror}); nothing was added") from None
    _check_kind(path, info)
    try:
        # Non-blocking, then looked at again through the open file: a pipe swapped in after the first look
        # is refused instead of waiting forever for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except PermissionError:
        raise UsageError(f"{path}: cannot be read (permission denied); nothing was added") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror or exc}); nothing was added") from None
    try:
        with os.fdopen(fd, "rb") as handle:
            _check_kind(path, os.fstat(handle.fileno()))
            content = handle.read(MAX_EVIDENCE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror or exc}); nothing was added") from None
    if len(content) > MAX_EVIDENCE_BYTES:
        raise UsageError(
            f"{path} grew past {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB while it was read; nothing was added"
        )
    return content


def _check_kind(path: Path, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{path} is a folder, not a file: add the files in it one by one; nothing was added")
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{path} is not a regular file (a device, pipe or socket); nothing was added")
    if info.st_size > MAX_EVIDENCE_BYTES:
        raise UsageError(
            f"{path} is {info.st_size // (1024 * 1024)} MB, more than the {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB "
            "a case keeps in one item; keep it on an encrypted drive and add a note with its SHA-256; "
            "nothing was added"
        )


def media_type(name: str, content: bytes) -> str:
    """What the bytes are, from their first bytes first (names can lie), then from the name."""
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            return kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content[4:8] == b"ftyp":
        return "video/mp4"
    # guess_type reads a name starting "data:" as a data URL and returns the text in it: only a plain
    # type/subtype from its table is taken.
    guessed, _ = mimetypes.guess_type(name)
    return guessed if guessed and _MEDIA_TYPE.fullmatch(guessed) and not name.startswith("data:") else _UNKNOWN
