"""Pure parsers over what `adb` prints, across Android versions. Tested on fixture files.

Every parser returns a :class:`Parsed`: the records it understood, and a plain description of everything it
did not ("line 3: “…” is not a “package:” line"). Output without the structure a parser expects — no
header, nothing at all, a line cut short, a line of another shape — is never taken for "nothing there": it
is reported as not understood, so no check can say "Looks clear" over it. Text from the phone is quoted
through :func:`auditor.safetext.literal` in those descriptions, so it cannot restyle a terminal.

The shapes, from the Android Open Source Project's frameworks/base:

- ``pm list packages -f -i -U`` (PackageManagerShellCommand.runListPackages): one line per app,
  ``package:`` [source dir ``=``] name [`` versionCode:N``] [``  installer=X``] [`` uid:N``].
- ``settings list secure|global`` (SettingsService): one ``key=value`` line per setting.
- ``getprop``: one ``[key]: [value]`` line per property.
- ``dumpsys device_policy`` (DevicePolicyManagerService.dump, DevicePolicyData.dump, Owners.dump):
  ``Current Device Policy Manager state:``; per user ``Enabled Device Admins (User N, provisioningState: S):``
  then, one step deeper, a ``package/.Class:`` line per admin with its details deeper still, then
  ``mPasswordOwner=…`` and the other fields (always printed: they end the list); owners as
  ``admin=ComponentInfo{package/Class}`` under
  ``Device Owner:`` / ``Profile Owner (User N):``.
- ``dumpsys accessibility`` (AccessibilityManagerService.dump): ``ACCESSIBILITY MANAGER (dumpsys
  accessibility)``, then per user ``User state[``; Android 11 and later list ``Enabled services:{{a/b}, {c/d}}``
  on one line (AccessibilityUserState.dump); Android 9 and 10 print only the bound services
  (``services:{…}``, labels without component names); Samsung builds print ``enabled services: {`` with one
  ``N : package/Class`` line each and a closing ``}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from auditor.checkapi.android import AdbDevice, Component, DeviceAdmins, Package
from auditor.safetext import literal

T = TypeVar("T")

SYSTEM_PREFIXES = ("/system/", "/product/", "/vendor/", "/system_ext/", "/apex/", "/odm/", "/oem/")

# Android's own rule for package names (FrameworkParsingPackageUtils.validateName): ASCII letters, digits and
# underscores, each dot-separated part starting with a letter. "android" itself has a single part.
PACKAGE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*\Z")
# A Java class name, possibly relative to the package (".Receiver"); inner classes carry "$".
CLASS_NAME = re.compile(r"\.?[\w$]+(?:\.[\w$]+)*\Z")
ADB_STATES = frozenset(
    {
        "device",
        "unauthorized",
        "offline",
        "recovery",
        "rescue",
        "sideload",
        "bootloader",
        "authorizing",
        "connecting",
        "host",
        "detached",
    }
)
CUT_SHORT = "the output ends in the middle of a line (cut short)"
# What separates and pads fields in adb's output. Deliberately ASCII: str.split() and str.strip() would also
# take U+2028, NEL or U+3000 for spaces, so a name carrying one would be cut at it and read as another name.
BLANK = " \t\r"
FIELDS = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """What a parser understood, and each thing it did not (in plain words, naming the line)."""

    value: T
    unrecognised: tuple[str, ...] = ()


def quoted(text: str, limit: int = 160) -> str:
    """Text from the phone, shown literally inside a description."""
    return f"“{literal(text.strip(BLANK), limit)}”"


def split_lines(text: str) -> list[str]:
    """The lines as the phone ended them: at "\n" only (a "\r" before it is adb's terminal translation).

    Not ``str.splitlines``: that also breaks at form feeds, NEL and U+2028, which an app's label or name can
    carry — and a line made up that way could pass for one of the lines a parser looks for.
    """
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def _began(text: str) -> str:
    first = next((line for line in split_lines(text) if line.strip(BLANK)), "")
    return f"it began {quoted(first, 100)}" if first else "it printed nothing"


def _numbered(text: str) -> Iterator[tuple[int, str]]:
    """(line number, stripped line) for every line that is not blank."""
    for number, line in enumerate(split_lines(text), 1):
        stripped = line.strip(BLANK)
        if stripped:
            yield number, stripped


def _cut_short(text: str) -> list[str]:
    # Every line-per-record command ends its output with a newline; without one, the last record may be cut.
    return [CUT_SHORT] if text.strip(BLANK) and not text.endswith("\n") else []


def parse_component(flat: str) -> Component | None:
    """``package/Class`` or ``package/.Class`` as Android flattens a ComponentName; None if it is not one."""
    package, sep, name = flat.strip(BLANK).partition("/")
    if not sep or not PACKAGE_NAME.match(package) or not CLASS_NAME.match(name):
        return None
    if name.startswith("."):
        name = package + name
    return Component(package=package, name=name)


# --- adb devices -l -----------------------------------------------------------------------------------


def parse_devices(text: str) -> Parsed[tuple[AdbDevice, ...]]:
    """`adb devices -l`: a header, then ``SERIAL STATE key:value ...`` per device."""
    out: list[AdbDevice] = []
    problems: list[str] = []
    header = False
    for number, line in _numbered(text):
        if line.startswith("List of devices attached"):
            header = True
            continue
        if line.startswith("* "):
            continue  # "* daemon not running; starting now", "* daemon started successfully"
        parts = FIELDS.split(line)
        serial = parts[0]
        if literal(serial) != serial:
            problems.append(f"line {number}: {quoted(line)} does not start with a device serial")
            continue
        if parts[1:3] == ["no", "permissions"]:
            out.append(AdbDevice(serial=serial, state="no permissions"))
            continue
        if len(parts) < 2 or parts[1] not in ADB_STATES:
            problems.append(f"line {number}: {quoted(line)} is not a device and its state")
            continue
        props = dict(p.split(":", 1) for p in parts[2:] if ":" in p)
        out.append(AdbDevice(serial=serial, state=parts[1], model=props.get("model", "").replace("_", " ")))
    if not header:
        problems.insert(0, f"no “List of devices attached” header ({_began(text)})")
    return Parsed(tuple(out), tuple(problems + _cut_short(text)))


# --- pm list packages ----------------------------------------------------------------------------------

_EXTRA = re.compile(r"[A-Za-z]+[=:]\S*\Z")


def _package_line(number: int, line: str) -> tuple[Package | None, list[str]]:
    body = [field for field in FIELDS.split(line[len("package:") :]) if field]
    if not body:
        return None, [f"line {number}: {quoted(line)} names no app"]
    head, *extras = body
    path, sep, name = head.rpartition("=")
    if not sep:
        path, name = "", head
    if not PACKAGE_NAME.match(name):
        return None, [f"line {number}: {quoted(head)} does not end in an Android package name"]
    if path and not path.startswith("/"):
        return None, [f"line {number}: {quoted(head)} does not start with a path on the phone"]
    installer: str | None = None
    uid: int | None = None
    problems: list[str] = []
    for extra in extras:
        if extra.startswith("installer="):
            value = extra.split("=", 1)[1]
            if value in ("null", ""):
                installer = None
            elif PACKAGE_NAME.match(value):
                installer = value
            else:
                problems.append(f"line {number}: installer {quoted(value)} is not an Android package name")
        elif extra.startswith("uid:"):
            try:
                uid = int(extra[4:].split(",")[0])
            except ValueError:
                problems.append(f"line {number}: {quoted(extra)} is not a user ID")
        elif not _EXTRA.match(extra):
            problems.append(f"line {number}: {quoted(extra)} after the app's name is not understood")
    if problems:
        return None, problems
    return Package(name=name, path=path, installer=installer, uid=uid, system=path.startswith(SYSTEM_PREFIXES)), []


def parse_packages(text: str) -> Parsed[tuple[Package, ...]]:
    """`pm list packages -f -i -U`."""
    out: dict[str, Package] = {}
    problems: list[str] = []
    for number, line in _numbered(text):
        if not line.startswith("package:"):
            problems.append(f"line {number}: {quoted(line)} is not a “package:” line")
            continue
        package, line_problems = _package_line(number, line)
        problems += line_problems
        if package is not None:
            out.setdefault(package.name, package)
    if not out and not problems:
        problems.append("it listed no apps at all (every phone has system apps)")
    return Parsed(tuple(out.values()), tuple(problems + _cut_short(text)))


def parse_package_names(text: str) -> Parsed[frozenset[str]]:
    """`pm list packages -s` / `-3`: ``package:NAME`` per line."""
    names: set[str] = set()
    problems: list[str] = []
    for number, line in _numbered(text):
        name = line[len("package:") :].strip(BLANK) if line.startswith("package:") else ""
        if not PACKAGE_NAME.match(name):
            problems.append(f"line {number}: {quoted(line)} is not a “package:NAME” line")
            continue
        names.add(name)
    if not names and not problems:
        problems.append("it listed no apps at all")
    return Parsed(frozenset(names), tuple(problems + _cut_short(text)))


# --- settings and properties ---------------------------------------------------------------------------


def parse_settings(text: str) -> Parsed[dict[str, str]]:
    """`settings list secure|global`: ``key=value`` lines."""
    out: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(split_lines(text), 1):
        if not line.strip(BLANK):
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(BLANK), value.strip(BLANK)
        if not sep or not key or any(ch.isspace() for ch in key) or literal(key) != key:
            problems.append(f"line {number}: {quoted(line)} is not a “key=value” line")
            continue
        if key in out and out[key] != value:
            problems.append(f"line {number}: {quoted(key)} is listed twice with different values")
            continue
        out[key] = value
    if not out and not problems:
        problems.append("it listed no settings at all")
    return Parsed(out, tuple(problems + _cut_short(text)))


_PROP = re.compile(r"\[(?P<key>[^\]]+)\]: \[(?P<value>.*)\]\Z")


def parse_getprop(text: str) -> Parsed[dict[str, str]]:
    """`getprop`: ``[key]: [value]`` lines."""
    out: dict[str, str] = {}
    problems: list[str] = []
    for number, line in _numbered(text):
        match = _PROP.match(line)
        if not match:
            problems.append(f"line {number}: {quoted(line)} is not a “[key]: [value]” line")
            continue
        out[match["key"]] = match["value"]
    if not out and not problems:
        problems.append("it listed no properties at all")
    return Parsed(out, tuple(problems + _cut_short(text)))


def parse_component_list(value: str) -> Parsed[tuple[Component, ...]]:
    """Secure settings such as enabled_accessibility_services: components separated by ':'."""
    if value.strip(BLANK) in ("", "null"):
        return Parsed(())
    out: list[Component] = []
    bad: list[str] = []
    for part in value.strip(BLANK).split(":"):
        if not part.strip(BLANK):
            continue
        component = parse_component(part)
        if component is None:
            bad.append(part)
        elif component not in out:
            out.append(component)
    if not bad:
        return Parsed(tuple(out))
    # The whole value is quoted as well as the parts: a name with a ':' in it is cut there.
    what = "is not an app component" if len(bad) == 1 else "are not app components"
    return Parsed(tuple(out), (f"in {quoted(value, 300)}, {', '.join(quoted(p) for p in bad)} {what}",))


# --- dumpsys accessibility -----------------------------------------------------------------------------

_BRACED = re.compile(r"\{([^{}]*)\}")
_NUMBERED_COMPONENT = re.compile(r"\d+\s*:\s*(?P<flat>.+)\Z")
_BOUND_ONLY = re.compile(r"services:\{")  # Android 9 and 10: bound services by label only


def parse_accessibility_dumpsys(text: str) -> Parsed[tuple[Component, ...]]:
    """Enabled accessibility services from `dumpsys accessibility` (see the module's notes on the versions)."""
    lines = split_lines(text)
    start = next((i for i, line in enumerate(lines) if line.strip(BLANK).startswith("ACCESSIBILITY MANAGER")), None)
    if start is None:
        return Parsed((), (f"no “ACCESSIBILITY MANAGER (dumpsys accessibility)” header ({_began(text)})",))
    out: list[Component] = []
    problems: list[str] = []

    def add(number: int, flat: str) -> None:
        component = parse_component(flat)
        if component is None:
            problems.append(f"line {number}: {quoted(flat)} is not an app component")
        elif component not in out:
            out.append(component)

    users = listed = 0
    index = start + 1
    while index < len(lines):
        number, line = index + 1, lines[index].strip(BLANK)
        index += 1
        if line.startswith("User state["):
            users += 1
        if line.lower().startswith("enabled services:"):
            listed += 1
            body = line.split(":", 1)[1].strip(BLANK)
            if body == "{":  # Samsung: one "N : package/Class" line per service, then "}"
                while index < len(lines) and lines[index].strip(BLANK) != "}":
                    item = lines[index].strip(BLANK)
                    match = _NUMBERED_COMPONENT.match(item)
                    if match:
                        add(index + 1, match["flat"])
                    elif item:
                        problems.append(f"line {index + 1}: {quoted(item)} is not a numbered service")
                    index += 1
                if index >= len(lines):
                    problems.append(f"line {number}: the list of enabled services is never closed")
                index += 1
            elif body.startswith("{") and body.endswith("}"):
                inner = body[1:-1]
                for flat in _BRACED.findall(inner):
                    add(number, flat)
                if _BRACED.sub("", inner).replace(",", "").strip(BLANK):
                    problems.append(f"line {number}: {quoted(line)} is not a list of services")
            else:
                problems.append(f"line {number}: {quoted(line)} is not a list of services")
        elif _BOUND_ONLY.match(line):
            listed += 1
    if users == 0:
        problems.append("no “User state” in the output")
    elif listed < users:
        problems.append(f"{users} user(s) but {listed} list(s) of enabled services in a form this tool knows")
    return Parsed(tuple(out), tuple(problems))


# --- dumpsys device_policy -----------------------------------------------------------------------------

_OWNER = re.compile(r"admin=ComponentInfo\{([^{}]*)\}")
_COMPONENT_INFO = re.compile(r"ComponentInfo\{([^{}]*)\}")
_FIELD = re.compile(r"[A-Za-z][\w.]*\s*=")
# DevicePolicyData.dump ends every user's list of admins with its fields, mPasswordOwner= first: a list
# without it was cut short, and an admin after the cut would be missed.
UNENDED = "the list of device admins does not end with its “mPasswordOwner=” line (cut short?)"


def parse_device_policy(text: str) -> Parsed[DeviceAdmins]:
    """`dumpsys device_policy`: active device admins (every user) and device or profile owners."""
    lines = split_lines(text)
    if not any(line.strip(BLANK) == "Current Device Policy Manager state:" for line in lines):
        return Parsed(DeviceAdmins(), (f"no “Current Device Policy Manager state:” header ({_began(text)})",))
    admins: list[Component] = []
    owners: list[Component] = []
    problems: list[str] = []

    def add(into: list[Component], number: int, flat: str) -> None:
        component = parse_component(flat)
        if component is None:
            problems.append(f"line {number}: {quoted(flat)} is not an app component")
        elif component not in into:
            into.append(component)

    sections = 0
    unended: int | None = None  # the line of the last admins section whose mPasswordOwner= line has not come
    section_indent: int | None = None
    admin_indent: int | None = None
    for number, line in enumerate(lines, 1):
        stripped = line.strip(BLANK)
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip(" "))
        if stripped.startswith("mPasswordOwner="):
            unended = None
        if stripped.startswith("Enabled Device Admins"):
            if unended is not None:
                problems.append(f"line {unended}: {UNENDED}")
            sections += 1
            unended = number
            section_indent, admin_indent = indent, None
            continue
        if section_indent is not None and indent <= section_indent:
            section_indent = None
        if section_indent is not None:
            if admin_indent is None:
                admin_indent = indent
            if indent > admin_indent:
                continue  # an admin's policies and details, or delegation entries
            if indent < admin_indent:
                problems.append(f"line {number}: {quoted(stripped)} is not indented like the admins above it")
                continue
            if stripped.startswith("Removing Device Admins"):
                continue
            infos = _COMPONENT_INFO.findall(stripped)
            if infos:  # some builds write admins as admin=ComponentInfo{...}
                for flat in infos:
                    add(admins, number, flat)
            elif stripped.endswith(":") and "/" in stripped:
                add(admins, number, stripped[:-1])
            elif not _FIELD.match(stripped):
                problems.append(f"line {number}: {quoted(stripped)} is neither an admin nor a field this tool knows")
            continue
        for flat in _OWNER.findall(line):
            add(owners, number, flat)
    if sections == 0:
        problems.append("no “Enabled Device Admins” section")
    if unended is not None:
        problems.append(f"line {unended}: {UNENDED}")
    return Parsed(DeviceAdmins(tuple(admins), tuple(owners)), tuple(problems))
