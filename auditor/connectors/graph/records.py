"""Graph's answers into typed records: pure functions, no I/O.

A list is read record by record. A record that fits its documented shape is kept. One that does not is
named in the reading's ``unrecognised`` (which record, which field, what came instead) and — when dropping
the fields that do not fit leaves a record that does — what remains is still judged, so a forwarding rule
with one garbled condition is reported rather than lost. Only an answer that is not the documented list at
all is a :class:`~auditor.errors.ProviderError`, naming the field.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import ValidationError

from auditor.checkapi import Reading
from auditor.checkapi.microsoft import GraphRecord
from auditor.errors import ProviderError
from auditor.safetext import literal

R = TypeVar("R", bound=GraphRecord)

_EXPECTED_TYPE = {
    "string_type": "text",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "list_type": "a list",
    "model_type": "an object",
    "dict_type": "an object",
    "model_attributes_type": "an object",
}
_SALVAGE_ROUNDS = 8


def json_kind(value: Any) -> str:
    """What a JSON value is, in plain words (for saying what came instead of what was expected)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def field_path(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc) or "(the record)"


def describe_errors(error: ValidationError) -> list[str]:
    out = []
    for item in error.errors():
        where = field_path(item["loc"])
        if item["type"] == "missing":
            out.append(f"{where} is missing")
            continue
        expected = _EXPECTED_TYPE.get(item["type"], "")
        got = json_kind(item.get("input"))
        out.append(f"{where} is {got}, not {expected}" if expected else f"{where}: {item['msg']} (got {got})")
    return out


def _drop(record: Any, loc: Sequence[Any]) -> bool:
    """Remove the value at ``loc`` (a list element or an object's key); False when there is nothing to drop."""
    if not loc:
        return False
    parent = record
    for part in loc[:-1]:
        if isinstance(parent, dict) and part in parent:
            parent = parent[part]
        elif isinstance(parent, list) and isinstance(part, int) and 0 <= part < len(parent):
            parent = parent[part]
        else:
            return False
    last = loc[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
        return True
    if isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        del parent[last]
        return True
    return False


def validate(model: type[R], raw: Any) -> tuple[R | None, list[str]]:
    """The record, and what in it did not fit. A record that does not fit is salvaged by dropping the
    fields that do not (kept only if what remains fits); None when nothing can be kept."""
    if not isinstance(raw, dict):
        return None, [f"is {json_kind(raw)}, not an object"]
    try:
        record = model.model_validate(raw)
    except ValidationError as exc:
        problems = describe_errors(exc)
    else:
        return record, _expected_missing(model, raw)
    salvaged = copy.deepcopy(raw)
    for _ in range(_SALVAGE_ROUNDS):
        try:
            record = model.model_validate(salvaged)
        except ValidationError as exc:
            # Errors are reported deepest first in a list, so dropping list elements by index stays right.
            locs = sorted((tuple(e["loc"]) for e in exc.errors()), key=_loc_order, reverse=True)
            if not all(_drop(salvaged, loc) for loc in locs):
                return None, problems
            continue
        return record, problems + _expected_missing(model, raw)
    return None, problems


def _loc_order(loc: tuple[Any, ...]) -> tuple[tuple[int, int, str], ...]:
    # List indexes and object keys never meet at one position of two paths into the same record, but the
    # order must not depend on that.
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in loc)


def _expected_missing(model: type[GraphRecord], raw: dict[str, Any]) -> list[str]:
    return [f"{name} is missing" for name in model.EXPECTED if raw.get(name) is None]


def read_list(
    raw: Sequence[Any],
    model: type[R],
    what: str,
    name: Callable[[int, Any], str],
) -> Reading[list[R]]:
    """A reading of every record in ``raw``; ``name(index, raw_record)`` says which record a problem is in."""
    kept: list[R] = []
    unrecognised: list[str] = []
    for index, item in enumerate(raw):
        record, problems = validate(model, item)
        if record is not None:
            kept.append(record)
        if problems:
            unrecognised.append(f"{name(index, item)}: {'; '.join(problems)}")
    return Reading(what, kept, unrecognised=tuple(unrecognised))


def read_one(raw: Any, model: type[R], what: str) -> R:
    """A single resource that a conclusion rests on whole: anything that does not fit is an error."""
    record, problems = validate(model, raw)
    if record is None or problems:
        raise ProviderError(f"Microsoft Graph sent {what} in a shape it does not document: {'; '.join(problems)}")
    return record


def named(noun: str, *keys: str) -> Callable[[int, Any], str]:
    """Names record N of a list by the first of ``keys`` it has (attacker-controlled: shown literally)."""

    def name(index: int, raw: Any) -> str:
        label = ""
        if isinstance(raw, dict):
            for key in keys:
                value = raw.get(key)
                if isinstance(value, str) and value:
                    label = f" “{literal(value, 60)}”"
                    break
        return f"{noun} {index + 1}{label}"

    return name
