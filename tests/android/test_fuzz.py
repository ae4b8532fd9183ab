"""Shape fuzzing of every Android parser, and of the checks over the real collector (hypothesis).

The outputs start from the fixture phones (built from AOSP's shapes, and MVT's public captures) and are
broken the ways a phone, a cable or an attacker breaks them: cut short, emptied, headers missing, garbage
lines, names carrying Rich markup, ANSI/OSC escapes and bidi controls. The properties:

- a parser never raises, and what it did not recognise is reported, never read as "nothing there";
- a check never says "Looks clear" over a command whose output was broken, and never raises;
- text from the phone reaches a description or a rendered report only literally.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from android.audits import CHECKS, PHONES, phone_outputs, phone_source, run_checks
from auditor.android import parsers
from auditor.android.parsers import Parsed
from auditor.iocs import load_indicator_files
from auditor.model import AuditRun, Status, utcnow
from auditor.render import table
from auditor.safetext import literal

SHIPPED_IOC = Path(__file__).resolve().parents[2] / "auditor" / "iocs" / "data" / "ioc.yaml"
INDICATORS = load_indicator_files([SHIPPED_IOC])
OUTPUTS = {phone: phone_outputs(phone) for phone in PHONES}
FIX = Path(__file__).parent.parent / "fixtures" / "android"

PM_ALL = ("shell", "pm", "list", "packages", "-f", "-i", "-U")
PM_SYSTEM = ("shell", "pm", "list", "packages", "-s")
SECURE = ("shell", "settings", "list", "secure")
GLOBAL = ("shell", "settings", "list", "global")
ACCESSIBILITY = ("shell", "dumpsys", "accessibility")
DEVICE_POLICY = ("shell", "dumpsys", "device_policy")
GETPROP = ("shell", "getprop")


def corpus(command: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(OUTPUTS[phone][command] for phone in PHONES))


DEVICES_CORPUS = [(FIX / f).read_text() for f in ("devices_one.txt", "devices_two.txt", "devices_mvt.txt")]
MVT_DUMPSYS = (FIX / "mvt" / "androidqf" / "dumpsys.txt").read_text()

# name -> (parser, valid outputs)
PARSERS: dict[str, tuple[Callable[[str], Parsed[Any]], list[str]]] = {
    "devices": (parsers.parse_devices, DEVICES_CORPUS),
    "packages": (parsers.parse_packages, corpus(PM_ALL)),
    "package_names": (parsers.parse_package_names, corpus(PM_SYSTEM)),
    "settings": (parsers.parse_settings, corpus(SECURE) + corpus(GLOBAL)),
    "getprop": (parsers.parse_getprop, corpus(GETPROP)),
    "accessibility": (parsers.parse_accessibility_dumpsys, [*corpus(ACCESSIBILITY), MVT_DUMPSYS]),
    "device_policy": (parsers.parse_device_policy, corpus(DEVICE_POLICY)),
}
LINE_PER_RECORD = ("devices", "packages", "package_names", "settings", "getprop")
DUMPSYS = ("accessibility", "device_policy")

# The checks that rest on each command (getprop: none).
PACKAGE_READERS = frozenset(CHECKS) - {"android.risky_settings"}
DEPENDS = {
    PM_ALL: PACKAGE_READERS,
    PM_SYSTEM: PACKAGE_READERS,
    SECURE: frozenset({"android.accessibility_services", "android.notification_listeners", "android.risky_settings"}),
    GLOBAL: frozenset({"android.risky_settings"}),
    ACCESSIBILITY: frozenset({"android.accessibility_services"}),
    DEVICE_POLICY: frozenset({"android.device_admins"}),
}

HOSTILE = [
    "[b]x[/b]",
    "[link=https://evil.example]tap[/link]",
    "\x1b[31m",
    "\x1b[2J",
    "\x1b]8;;https://evil.example\x07",
    "\x1b]0;title\x07",
    "\x9b31m",
    "\x07",
    "\x00",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\x85",
    "\x0c",
]
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff]")
LINE_BREAKS = "\n"  # adb ends lines with "\n" only; the parsers split nowhere else


def name_part() -> st.SearchStrategy[str]:
    return st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)


@st.composite
def hostile_names(draw: st.DrawFn) -> str:
    """A package-like name with at least one piece of markup, escape or bidi control in it."""
    pieces = draw(st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=2))
    words = draw(st.lists(name_part(), min_size=len(pieces) + 1, max_size=len(pieces) + 1))
    name = "com." + words[0]
    for piece, word in zip(pieces, words[1:], strict=True):
        name += piece + word
    return name


def garbage_line(forbidden: str = "") -> st.SearchStrategy[str]:
    """One line of text (no line break) with something visible in it and none of ``forbidden``."""
    alphabet = st.characters(blacklist_characters=LINE_BREAKS + forbidden, blacklist_categories=["Cs"])
    return st.text(alphabet, min_size=1, max_size=60).filter(lambda t: t.strip() != "")


def assert_shown_literally(parsed: Parsed[Any]) -> None:
    for problem in parsed.unrecognised:
        assert not CONTROL.search(problem), problem


def names_in(value: Any) -> list[str]:
    """Every app name a parser returned, for invariants over what it accepted."""
    if isinstance(value, parsers.DeviceAdmins):
        return [c.package for c in value.components]
    if isinstance(value, tuple):
        return [
            getattr(item, "name", "") if isinstance(item, parsers.Package) else getattr(item, "package", "")
            for item in value
        ]
    if isinstance(value, frozenset):
        return list(value)
    return []


# --- parser properties -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*PARSERS, "component_list"])
@given(text=st.text())
def test_any_text_parses_without_a_traceback_and_accepts_only_real_app_names(name: str, text: str) -> None:
    parse = parsers.parse_component_list if name == "component_list" else PARSERS[name][0]
    parsed = parse(text)
    assert isinstance(parsed, Parsed)
    for app in names_in(parsed.value):
        if app:
            assert parsers.PACKAGE_NAME.match(app), app
    assert_shown_literally(parsed)


@pytest.mark.parametrize("name", LINE_PER_RECORD)
@given(data=st.data())
def test_a_garbage_line_is_reported_with_its_line_number(name: str, data: st.DataObject) -> None:
    parse, texts = PARSERS[name]
    text = data.draw(st.sampled_from(texts))
    lines = parsers.split_lines(text)
    at = data.draw(st.integers(0, len(lines) - 1))
    forbidden = {"settings": "=", "devices": " \t", "getprop": "]"}.get(name, "")
    junk = data.draw(garbage_line(forbidden))
    assume(not junk.strip(parsers.BLANK).startswith(("package:", "List of devices attached", "* ")))
    broken = "\n".join([*lines[:at], junk, *lines[at:]])
    parsed = parse(broken)
    assert any(p.startswith(f"line {at + 1}:") for p in parsed.unrecognised), (junk, parsed.unrecognised)
    assert_shown_literally(parsed)


@given(data=st.data())
def test_a_garbage_line_among_the_device_admins_is_reported(data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(PARSERS["device_policy"][1]))
    lines = parsers.split_lines(text)
    header = next(i for i, line in enumerate(lines) if line.strip().startswith("Enabled Device Admins"))
    indent = len(lines[header]) - len(lines[header].lstrip()) + 2
    junk = data.draw(garbage_line("=:{").filter(lambda t: not t.strip().startswith(("Removing", "Enabled Device"))))
    broken = "\n".join([*lines[: header + 1], " " * indent + junk.strip(), *lines[header + 1 :]])
    parsed = parsers.parse_device_policy(broken)
    assert any(p.startswith(f"line {header + 2}:") for p in parsed.unrecognised), parsed.unrecognised
    assert_shown_literally(parsed)


@given(data=st.data())
def test_a_garbage_line_in_samsungs_enabled_services_is_reported(data: st.DataObject) -> None:
    text = (FIX / "mvt" / "android_data" / "dumpsys_accessibility.txt").read_text()
    junk = data.draw(garbage_line().filter(lambda t: t.strip() != "}" and not re.match(r"\d+\s*:", t.strip())))
    broken = text.replace("  enabled services: {\n", "  enabled services: {\n    " + junk + "\n")
    parsed = parsers.parse_accessibility_dumpsys(broken)
    assert parsed.unrecognised and parsed.value == ()
    assert_shown_literally(parsed)


def structure_present(name: str, text: str) -> bool:
    """An oracle independent of the parser: the lines a whole reading needs are all there."""
    if name == "device_policy":
        last = text.rfind("Enabled Device Admins")
        return "Current Device Policy Manager state:" in text and last >= 0 and "mPasswordOwner=" in text[last:]
    if name == "accessibility":
        lowered = text.lower()
        return "ACCESSIBILITY MANAGER" in text and "User state[" in text and "services:{" in lowered.replace(" {", "{")
    return True


@pytest.mark.parametrize("name", list(PARSERS))
@given(data=st.data())
def test_output_cut_short_is_never_whole_and_invents_nothing(name: str, data: st.DataObject) -> None:
    parse, texts = PARSERS[name]
    text = data.draw(st.sampled_from(texts))
    cut = data.draw(st.integers(0, len(text) - 1))
    short = text[:cut]
    parsed = parse(short)
    whole = not parsed.unrecognised
    if name in LINE_PER_RECORD:
        if not short.strip() or not short.endswith("\n"):
            assert not whole, repr(short[-80:])
    else:
        assert not whole or structure_present(name, short), repr(short[-200:])
    if whole:  # a cut that leaves whole lines may read as a shorter list, never as other apps
        full = set(names_in(parse(text).value))
        assert set(names_in(parsed.value)) <= full


@pytest.mark.parametrize("name", ["devices", *DUMPSYS])
@given(data=st.data())
def test_output_without_its_header_is_never_whole(name: str, data: st.DataObject) -> None:
    parse, texts = PARSERS[name]
    text = data.draw(st.sampled_from(texts))
    header = {
        "devices": "List of devices attached",
        "accessibility": "ACCESSIBILITY MANAGER",
        "device_policy": "Current Device Policy Manager state:",
    }[name]
    lines = [line for line in parsers.split_lines(text) if header not in line]
    before = data.draw(st.lists(garbage_line().filter(lambda t: header not in t), max_size=3))
    parsed = parse("\n".join([*before, *lines]) + "\n")
    assert parsed.unrecognised
    assert_shown_literally(parsed)


@pytest.mark.parametrize("name", list(PARSERS))
@given(blank=st.text(alphabet=" \t\r\n", max_size=20))
def test_empty_output_is_never_whole(name: str, blank: str) -> None:
    parsed = PARSERS[name][0](blank)
    assert parsed.unrecognised and not names_in(parsed.value)


@given(name=hostile_names())
def test_a_hostile_package_name_is_not_understood_and_quoted_literally(name: str) -> None:
    text = OUTPUTS["moto9"][PM_ALL] + f"package:/data/app/x-1/base.apk={name}  installer=null uid:10999\n"
    parsed = parsers.parse_packages(text)
    assert parsed.unrecognised and all(p.name != name for p in parsed.value)
    assert_shown_literally(parsed)


@given(name=hostile_names(), where=st.sampled_from(["setting", "aosp", "samsung", "admin", "owner"]))
def test_a_hostile_component_is_not_understood_and_quoted_literally(name: str, where: str) -> None:
    flat = f"{name}/.Service"
    parsed: Parsed[tuple[parsers.Component, ...]] | Parsed[parsers.DeviceAdmins]
    if where == "setting":
        parsed = parsers.parse_component_list(f"com.ok/.Fine:{flat}")
    elif where == "aosp":
        text = (FIX / "mvt" / "android_data" / "dumpsys_accessibility_v14_or_later.txt").read_text()
        parsed = parsers.parse_accessibility_dumpsys(
            text.replace("Enabled services:{{", f"Enabled services:{{{{{flat}}}, {{")
        )
    elif where == "samsung":
        text = (FIX / "mvt" / "android_data" / "dumpsys_accessibility.txt").read_text()
        parsed = parsers.parse_accessibility_dumpsys(
            text.replace("  enabled services: {\n", f"  enabled services: {{\n    0 : {flat}\n")
        )
    elif where == "admin":
        text = OUTPUTS["pixel14"][DEVICE_POLICY].replace(
            "    com.google.android.gms/", f"    {flat}:\n    com.google.android.gms/"
        )
        parsed = parsers.parse_device_policy(text)
    else:
        text = OUTPUTS["moto9"][DEVICE_POLICY].replace(
            "Current Device Policy Manager state:\n",
            f"Current Device Policy Manager state:\n  Device Owner: \n    admin=ComponentInfo{{{flat}}}\n",
        )
        parsed = parsers.parse_device_policy(text)
    assert parsed.unrecognised, (where, parsed)
    assert not any(name in app for app in names_in(parsed.value))
    assert_shown_literally(parsed)


# --- the checks over the real collector ------------------------------------------------------------------

MALFORMATIONS = ("fails", "empty", "cut-mid-line", "garbage-line", "no-header", "cut-before-the-list-ends")


def list_end(command: tuple[str, ...], text: str) -> int:
    """How much of a dumpsys output must be there for its list of admins or services to be complete."""
    if command == DEVICE_POLICY:
        return text.rfind("mPasswordOwner=") + len("mPasswordOwner=")
    if "Enabled services:{" in text:  # AOSP 11+: the whole one-line list
        return text.index("\n", text.rfind("Enabled services:{"))
    if "enabled services: {" in text:  # Samsung: through the closing brace
        return text.index("}", text.rfind("enabled services: {") + len("enabled services: {")) + 1
    return text.rfind("services:{") + len("services:{")  # Android 9: bound services, no names


@st.composite
def broken_phone(draw: st.DrawFn) -> tuple[str, tuple[str, ...], str, dict[tuple[str, ...], str | None]]:
    phone = draw(st.sampled_from(PHONES))
    command = draw(st.sampled_from(sorted(DEPENDS)))
    answers: dict[tuple[str, ...], str | None] = dict(OUTPUTS[phone])
    text = answers[command] or ""
    dumpsys = command in (ACCESSIBILITY, DEVICE_POLICY)
    # A line-per-record output is broken mid-line or by a stray line; a dumpsys (free text) by a cut before
    # the end of the list it names its admins or services in.
    only_for = {"cut-mid-line": False, "garbage-line": False, "cut-before-the-list-ends": True}
    kind = draw(st.sampled_from([m for m in MALFORMATIONS if only_for.get(m, dumpsys) == dumpsys]))
    if kind == "fails":
        answers[command] = None
    elif kind == "empty":
        answers[command] = draw(st.text(alphabet=" \r\n", max_size=5))
    elif kind == "cut-mid-line":
        ends = [k for k in range(1, len(text)) if text[k - 1] != "\n"]
        answers[command] = text[: draw(st.sampled_from(ends))]
    elif kind == "garbage-line":
        lines = parsers.split_lines(text)
        at = draw(st.integers(0, len(lines) - 1))
        junk = draw(garbage_line("=").filter(lambda t: not t.strip().startswith("package:")))
        answers[command] = "\n".join([*lines[:at], junk, *lines[at:]])
    elif kind == "cut-before-the-list-ends":
        answers[command] = text[: draw(st.integers(0, list_end(command, text) - 1))]
    else:  # no-header: a service that is not there answers with one line of its own
        answers[command] = draw(st.sampled_from(["Can't find service: x\n", "Service not ready\n", ""]))
        if command not in (ACCESSIBILITY, DEVICE_POLICY):
            kind = "empty"
    return phone, command, kind, answers


@given(case=broken_phone())
def test_no_check_says_clear_over_a_command_whose_output_was_broken(
    case: tuple[str, tuple[str, ...], str, dict[tuple[str, ...], str | None]],
) -> None:
    phone, command, kind, answers = case
    findings = run_checks(phone_source(answers, INDICATORS))
    for check in DEPENDS[command]:
        statuses = [f.status for f in findings[check]]
        assert Status.CLEAR not in statuses, (phone, command, kind, check, findings[check])
        assert Status.ERROR in statuses
        named = " ".join(f.detail for f in findings[check] if f.status is Status.ERROR)
        assert "`adb shell " in named


@st.composite
def hostile_phone(draw: st.DrawFn) -> tuple[str, dict[tuple[str, ...], str | None], frozenset[str]]:
    name = draw(hostile_names())
    answers: dict[tuple[str, ...], str | None] = dict(OUTPUTS["moto9"])
    flat = f"{name}/.Spy"
    where = draw(st.sampled_from(["packages", "listener", "accessibility", "admin"]))
    if where == "packages":
        answers[PM_ALL] = (answers[PM_ALL] or "") + f"package:/data/app/s-1/base.apk={name}  installer=null uid:10666\n"
        affected = PACKAGE_READERS
    elif where == "listener":
        answers[SECURE] = (answers[SECURE] or "").replace(
            "enabled_notification_listeners=", f"enabled_notification_listeners={flat}"
        )
        affected = frozenset({"android.notification_listeners"})
    elif where == "accessibility":
        answers[SECURE] = (answers[SECURE] or "").replace(
            "enabled_accessibility_services=", f"enabled_accessibility_services={flat}"
        )
        affected = frozenset({"android.accessibility_services"})
    else:
        answers[DEVICE_POLICY] = (answers[DEVICE_POLICY] or "").replace(
            "provisioningState: 0):\n", f"provisioningState: 0):\n    {flat}:\n      uid=10666\n"
        )
        affected = DEPENDS[DEVICE_POLICY]
    return name, answers, affected


@given(case=hostile_phone())
def test_hostile_names_are_never_cleared_and_are_shown_literally(
    case: tuple[str, dict[tuple[str, ...], str | None], frozenset[str]],
) -> None:
    name, answers, affected = case
    findings = run_checks(phone_source(answers, INDICATORS))
    for check in affected:
        assert Status.CLEAR not in {f.status for f in findings[check]}, (check, findings[check])
    run = AuditRun(started_at=utcnow(), findings=[f for group in findings.values() for f in group])
    assert not CONTROL.search(table(run, details=True))
    for finding in run.findings:
        shown = json.dumps(finding.to_dict(), ensure_ascii=False)
        assert not CONTROL.search(shown), shown
    assert any(literal(name) in f.detail for f in run.findings if f.status is Status.ERROR)
