"""A small validator for responses against the discovery documents shipped in google-api-python-client."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import googleapiclient

DOCS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"


@cache
def document(name: str) -> dict[str, Any]:
    return json.loads((DOCS / f"{name}.json").read_text())


def problems(doc: str, schema_name: str, value: Any) -> list[str]:
    schemas = document(doc)["schemas"]
    out: list[str] = []

    def check(schema: dict[str, Any], item: Any, where: str) -> None:
        if "$ref" in schema:
            check(schemas[schema["$ref"]], item, where)
            return
        kind = schema.get("type")
        if kind == "object":
            if not isinstance(item, dict):
                out.append(f"{where}: expected an object")
                return
            props = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            for key, sub in item.items():
                if key in props:
                    check(props[key], sub, f"{where}.{key}")
                elif extra is not None:
                    check(extra, sub, f"{where}.{key}")
                else:
                    out.append(f"{where}.{key}: not in the {schema_name} schema")
        elif kind == "array":
            if not isinstance(item, list):
                out.append(f"{where}: expected an array")
                return
            for index, sub in enumerate(item):
                check(schema.get("items", {}), sub, f"{where}[{index}]")
        elif kind == "string":
            if not isinstance(item, str):
                out.append(f"{where}: expected a string, got {type(item).__name__}")
            elif "enum" in schema and item not in schema["enum"]:
                out.append(f"{where}: {item!r} is not one of {schema['enum']}")
        elif kind == "integer":
            if not isinstance(item, int) or isinstance(item, bool):
                out.append(f"{where}: expected an integer")
        elif kind == "boolean":
            if not isinstance(item, bool):
                out.append(f"{where}: expected a boolean")

    check(schemas[schema_name], value, schema_name)
    return out


def response_schema(doc: str, path: str) -> str | None:
    """The response schema of the GET method whose path template matches ``path``."""
    import re

    def walk(resources: dict[str, Any]) -> Any:
        for resource in resources.values():
            yield from resource.get("methods", {}).values()
            yield from walk(resource.get("resources", {}))

    service = document(doc)
    base = service.get("servicePath", "")
    for method in walk(service["resources"]):
        if method["httpMethod"] != "GET":
            continue
        template = "/" + base + method["path"]
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return method.get("response", {}).get("$ref")
    return None
