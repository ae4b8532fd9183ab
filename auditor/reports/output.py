"""Writing an export: atomically, owner-only, and with the SHA-256 of exactly what was written."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from auditor.errors import UsageError

UNENCRYPTED_WARNING = (
    "Note: exports are NOT encrypted. Anyone who gets this file can read it. Keep it on an encrypted drive, "
    "hand it over directly, and delete copies you no longer need."
)


def write_file(path: Path, content: bytes) -> str:
    """Write ``content`` to ``path`` (replacing it whole, never half-written) and return its SHA-256."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a file name to write")
    if not folder.is_dir():
        raise UsageError(f"{folder} does not exist; nothing was written")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".auditor-", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write in {folder} ({exc.strerror}); nothing was written") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o600)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return hashlib.sha256(content).hexdigest()
