"""Reading YAML data files so that every error names the file, the line and the field.

Playbooks, manual checks, indicator sets and sandbox scenarios all come through here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from auditor.errors import DataFileError

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11 on

# libyaml's loader when PyYAML was built with it (several times faster); the same safe constructors either way.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Location = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)


class LocatedYaml:
    """Parsed YAML data plus the line (1-based) where each mapping key or list item starts."""

    def __init__(self, data: Any, lines: dict[Location, int], path: str) -> None:
        self.data = data
        self.lines = lines
        self.path = path

    def line_of(self, loc: Location) -> int | None:
        """The line of the deepest part of ``loc`` that exists in the file."""
        for cut in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:cut]))
            if line is not None:
                return line
        return None


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int, first: int) -> None:
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


def _index_lines(node: yaml.Node, loc: Location, lines: dict[Location, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key: str | int = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            # YAML keeps the last of two equal keys without a word: a setting or a step would vanish unseen.
            if isinstance(key, str) and key != "<<":
                if key in seen:
                    raise _DuplicateKey(key, line, seen[key])
                seen[key] = line
            lines[loc + (key,)] = line
            _index_lines(value_node, loc + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[loc + (index,)] = item.start_mark.line + 1
            _index_lines(item, loc + (index,), lines)


def parse_yaml(text: str, path: str | Path, error: type[DataFileError] = DataFileError) -> LocatedYaml:
    name = str(path)
    try:
        # One pass with libyaml where present: the node tree gives line numbers, the same loader builds the data.
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = f"not valid YAML: {exc.problem or exc}"
        if exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            problem += f" ({exc.context} on line {exc.context_mark.line + 1})"
        raise error(name, problem, line=line) from None
    except yaml.YAMLError as exc:
        raise error(name, f"not valid YAML: {exc}") from None
    lines: dict[Location, int] = {}
    if node is not None:
        try:
            _index_lines(node, (), lines)
        except _DuplicateKey as dup:
            raise error(name, f"the key {dup.key!r} appears twice (first on line {dup.first})", line=dup.line) from None
    return LocatedYaml(data, lines, name)


def read_yaml(path: str | Path | Traversable, error: type[DataFileError] = DataFileError) -> LocatedYaml:
    """``path`` may be a package resource (importlib.resources), as the shipped playbooks and checks are."""
    source = Path(path) if isinstance(path, str) else path
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise error(str(path), f"cannot be read: {exc.strerror or exc}") from None
    return parse_yaml(text, str(path), error)


def validate(
    model: type[ModelT],
    data: Any,
    located: LocatedYaml,
    error: type[DataFileError] = DataFileError,
    base: Location = (),
) -> ModelT:
    """Validate ``data`` (found at ``base`` in the file) as ``model``; the first problem is raised."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc: Location = (*base, *first["loc"])
        field = ".".join(str(part) for part in loc) or None
        message = first["msg"].replace("a valid tuple", "a list").replace("a valid dictionary", "a mapping")
        message = message.removeprefix("Value error, ")  # our own validators' words need no pydantic label
        raise error(located.path, message, line=located.line_of(loc), field=field) from None


def validate_list(
    model: type[ModelT], located: LocatedYaml, error: type[DataFileError] = DataFileError, what: str = "items"
) -> list[ModelT]:
    """A file whose top level is a non-empty list of ``model`` records."""
    if not isinstance(located.data, list) or not located.data:
        raise error(located.path, f"must be a non-empty list of {what}", line=1)
    return [validate(model, item, located, error, base=(i,)) for i, item in enumerate(located.data)]
