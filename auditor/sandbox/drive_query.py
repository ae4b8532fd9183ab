"""Drive v3 search queries (``q``) and partial-response field masks (``fields``), as Drive documents them.

Supports the terms the checks use: ``visibility``, ``mimeType`` (=, !=, contains), ``name`` (=, contains),
``trashed``, ``starred``, ``'x' in owners|parents|writers|readers``, combined with and/or/not and
parentheses. Anything else is an invalid query, as Drive answers it (400).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]


class QueryError(ValueError):
    pass


_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<op>!=|=|<=|>=|<|>|\(|\))|(?P<word>[A-Za-z_][A-Za-z0-9_]*))")


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QueryError(f"cannot read the query at {text[pos : pos + 20]!r}")
        pos = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QueryError("the query ends too early")
        self.pos += 1
        return token

    def expect_word(self, *words: str) -> str:
        kind, value = self.take()
        if kind != "word" or value.lower() not in words:
            raise QueryError(f"expected {' or '.join(words)}, found {value!r}")
        return value.lower()

    def parse(self) -> Predicate:
        predicate = self.parse_or()
        if self.peek() is not None:
            raise QueryError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return predicate

    def parse_or(self) -> Predicate:
        left = self.parse_and()
        while self.peek() and self.peek()[0] == "word" and self.peek()[1].lower() == "or":  # type: ignore[index]
            self.take()
            right = self.parse_and()
            left = (lambda a, b: lambda f: a(f) or b(f))(left, right)
        return left

    def parse_and(self) -> Predicate:
        left = self.parse_not()
        while self.peek() and self.peek()[0] == "word" and self.peek()[1].lower() == "and":  # type: ignore[index]
            self.take()
            right = self.parse_not()
            left = (lambda a, b: lambda f: a(f) and b(f))(left, right)
        return left

    def parse_not(self) -> Predicate:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() == "not":
            self.take()
            inner = self.parse_not()
            return lambda f: not inner(f)
        return self.parse_atom()

    def parse_atom(self) -> Predicate:
        kind, value = self.take()
        if kind == "op" and value == "(":
            inner = self.parse_or()
            if self.take() != ("op", ")"):
                raise QueryError("missing ')'")
            return inner
        if kind == "str":  # 'value' in collection
            self.expect_word("in")
            collection = self.expect_word("owners", "parents", "writers", "readers")
            return _membership(value, collection)
        if kind != "word":
            raise QueryError(f"unexpected {value!r}")
        return self.comparison(value)

    def comparison(self, field: str) -> Predicate:
        op_kind, op = self.take()
        if op_kind == "word" and op.lower() == "contains":
            op = "contains"
        elif op_kind != "op":
            raise QueryError(f"expected an operator after {field}")
        value_kind, value = self.take()
        if field in ("trashed", "starred", "sharedWithMe"):
            if value_kind != "word" or value.lower() not in ("true", "false") or op not in ("=", "!="):
                raise QueryError(f"{field} takes = true or = false")
            wanted = value.lower() == "true"
            return lambda f: (bool(f.get(field, False)) == wanted) == (op == "=")
        if value_kind != "str":
            raise QueryError(f"{field} compares with a quoted string")
        if field == "visibility":
            if op not in ("=", "!="):
                raise QueryError("visibility takes = or !=")
            return lambda f: (f.get("_visibility", "limited") == value) == (op == "=")
        if field in ("mimeType", "name", "fullText"):
            key = "name" if field == "fullText" else field
            if op == "contains":
                if field == "mimeType":
                    return lambda f: str(f.get(key, "")).startswith(value)
                return lambda f: value.lower() in str(f.get(key, "")).lower()
            if op in ("=", "!="):
                return lambda f: (f.get(key) == value) == (op == "=")
        raise QueryError(f"unsupported query term {field} {op}")


def _membership(value: str, collection: str) -> Predicate:
    def check(f: dict[str, Any]) -> bool:
        if collection == "parents":
            return value in f.get("parents", [])
        if collection == "owners":
            return bool(f.get("_owned_by_me")) if value == "me" else f.get("_owner") == value
        emails = f.get("_" + collection, [])
        return value in emails

    return check


def parse_query(text: str) -> Predicate:
    if not text.strip():
        return lambda f: True
    return _Parser(text).parse()


# --- fields masks ----------------------------------------------------------------------------------

Mask = dict[str, Any]  # name -> sub-mask (None: the whole value)


def parse_fields(text: str) -> Mask:
    """``"nextPageToken, files(id,name,permissions(type,role))"`` → nested dict; ``*`` means everything."""
    pos = 0

    def parse_list(end: str | None) -> Mask:
        nonlocal pos
        mask: Mask = {}
        while pos < len(text):
            match = re.compile(r"\s*([A-Za-z_*][A-Za-z0-9_/*]*)\s*").match(text, pos)
            if not match:
                raise QueryError(f"invalid fields at {text[pos : pos + 20]!r}")
            name = match.group(1)
            pos = match.end()
            sub = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list(")")
            if "/" in name:
                head, _, rest = name.partition("/")
                mask.setdefault(head, {})[rest] = sub
            else:
                mask[name] = sub
            while pos < len(text) and text[pos] == " ":
                pos += 1
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if end and pos < len(text) and text[pos] == end:
                pos += 1
                return mask
            if pos >= len(text):
                break
        if end:
            raise QueryError("unbalanced parentheses in fields")
        return mask

    return parse_list(None)


def apply_mask(value: Any, mask: Mask | None) -> Any:
    if mask is None or "*" in (mask or {}):
        return value
    if isinstance(value, list):
        return [apply_mask(item, mask) for item in value]
    if isinstance(value, dict):
        return {k: apply_mask(v, mask[k]) for k, v in value.items() if k in mask}
    return value
