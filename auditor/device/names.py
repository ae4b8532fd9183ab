"""Naming programs: the program a command line starts, and a program's name without folders or suffixes.

Pure functions over strings, shared by the catalog (lookup keys), the parsers and, through
:mod:`auditor.checkapi.device`, the checks.
"""

from __future__ import annotations

import re
import shlex

_SUFFIX = re.compile(r"\.(exe|app|bin|sh|desktop|service)$", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")
# Words that start another program rather than being the program (a wrapper, a shell, its -c flag).
_WRAPPERS = frozenset(("env", "nohup", "sh", "bash", "-c", "/bin/sh", "/bin/bash", "/usr/bin/env"))


def program_name(name: str) -> str:
    """A process or file name without folders and executable suffixes, lower-cased."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lower()
    return _SUFFIX.sub("", base)


def words(*texts: str) -> set[str]:
    """The lower-case words (letters and digits) in some texts."""
    out: set[str] = set()
    for text in texts:
        out.update(_WORD.findall(text.lower()))
    return out


def command_program(command: str) -> str:
    """The program a command line starts (first word, quotes handled, env assignments skipped)."""
    try:
        parts = shlex.split(command, posix=True)
    except ValueError:
        parts = command.split()
    for word in parts:
        if "=" in word and not word.startswith(("/", ".")):
            continue
        if word in _WRAPPERS:
            continue
        return word
    return ""
