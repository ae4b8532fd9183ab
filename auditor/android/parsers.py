"""Pure parsers over what `adb` prints, across Android versions. Tested on fixture files."""

from __future__ import annotations

import re
from dataclasses import dataclass

SYSTEM_PREFIXES = ("/system/", "/product/", "/vendor/", "/system_ext/", "/apex/", "/odm/", "/oem/")


@dataclass(frozen=True)
class AdbDevice:
    serial: str
    state: str  # device | unauthorized | offline | recovery | ...
    model: str = ""


@dataclass(frozen=True)
class Package:
    name: str
    path: str = ""
    installer: str | None = None
    uid: int | None = None
    system: bool = False


@dataclass(frozen=True)
class Component:
    package: str
    name: str

    @property
    def flat(self) -> str:
        return f"{self.package}/{self.name}"


def parse_devices(text: str) -> list[AdbDevice]:
    """`adb devices -l`."""
    out: list[AdbDevice] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("List of devices", "*")):
            continue
        parts = line.split()
        if len(parts) < 2:
            continue
        props = dict(p.split(":", 1) for p in parts[2:] if ":" in p)
        out.append(AdbDevice(serial=parts[0], state=parts[1], model=props.get("model", "").replace("_", " ")))
    return out


def parse_packages(text: str) -> list[Package]:
    """`pm list packages -f -i -U`: ``package:PATH=NAME installer=X uid:N`` (order of the extras varies)."""
    out: list[Package] = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("package:"):
            continue
        head, *extras = line[len("package:") :].split()
        path, _, name = head.rpartition("=") if "=" in head else ("", "", head)
        installer: str | None = None
        uid: int | None = None
        for extra in extras:
            if extra.startswith("installer="):
                value = extra.split("=", 1)[1]
                installer = None if value in ("null", "") else value
            elif extra.startswith("uid:"):
                try:
                    uid = int(extra[4:].split(",")[0])
                except ValueError:
                    uid = None
        out.append(Package(name=name, path=path, installer=installer, uid=uid, system=path.startswith(SYSTEM_PREFIXES)))
    return out


def parse_package_names(text: str) -> set[str]:
    """`pm list packages -s` / `-3`."""
    return {line.strip()[8:].split()[0] for line in text.splitlines() if line.strip().startswith("package:")}


def parse_settings(text: str) -> dict[str, str]:
    """`settings list secure|global`: key=value lines."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if "=" in line:
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


_PROP = re.compile(r"^\[(?P<key>[^\]]+)\]: \[(?P<value>.*)\]$")


def parse_getprop(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        match = _PROP.match(line.strip())
        if match:
            out[match["key"]] = match["value"]
    return out


def _component(flat: str, package_hint: str = "") -> Component | None:
    flat = flat.strip().strip("{}")
    if "/" not in flat:
        return None
    package, _, name = flat.partition("/")
    if not package:
        return None
    if name.startswith("."):
        name = package + name
    return Component(package=package, name=name)


def parse_component_list(value: str) -> list[Component]:
    """Secure settings such as enabled_accessibility_services: components separated by ':'."""
    if value.strip() in ("", "null"):
        return []
    out = []
    for part in value.strip().split(":"):
        component = _component(part)
        if component is not None:
            out.append(component)
    return out


_BRACED = re.compile(r"\{([A-Za-z0-9_.]+/[A-Za-z0-9_.$]+)\}")


def parse_accessibility_dumpsys(text: str) -> list[Component]:
    """Enabled services from `dumpsys accessibility` (Android 9–14 print "Enabled services:{{a/b}, {c/d}}"
    on one line; some versions write "enabledServices")."""
    out: list[Component] = []
    for line in text.splitlines():
        lowered = line.lower()
        if "enabled services" in lowered or "enabledservices" in lowered:
            for flat in _BRACED.findall(line):
                component = _component(flat)
                if component and component not in out:
                    out.append(component)
    return out


_ADMIN_LINE = re.compile(r"^\s+([A-Za-z0-9_.]+/[A-Za-z0-9_.$]+):\s*$")
_OWNER = re.compile(r"admin=ComponentInfo\{([A-Za-z0-9_.]+/[A-Za-z0-9_.$]+)\}")


def parse_device_policy(text: str) -> tuple[list[Component], list[Component]]:
    """`dumpsys device_policy`: (active device admins, device or profile owners)."""
    admins: list[Component] = []
    owners: list[Component] = []
    in_admins = False
    header_indent = 0
    for line in text.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if stripped.startswith("Enabled Device Admins"):
            in_admins, header_indent = True, indent
            continue
        if in_admins and stripped and indent <= header_indent:
            in_admins = False
        if in_admins:
            match = _ADMIN_LINE.match(line)
            if match:
                component = _component(match[1])
                if component and component not in admins:
                    admins.append(component)
        for flat in _OWNER.findall(line):
            component = _component(flat)
            if component and component not in owners:
                owners.append(component)
    return admins, owners
