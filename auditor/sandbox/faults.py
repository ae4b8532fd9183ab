"""Injected faults: what a provider does on a bad day, per route, from a scenario or the command line."""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from auditor.errors import UsageError

FaultKind = Literal["latency", "429", "500", "503", "hang", "reset", "malformed", "401", "403", "endless"]
KINDS: tuple[str, ...] = ("latency", "429", "500", "503", "hang", "reset", "malformed", "401", "403", "endless")


class FaultModel(BaseModel):
    """A fault rule as written in a scenario file."""

    model_config = ConfigDict(extra="forbid")
    provider: str = Field(description='"google", "graph", "identity", "ews" or "*"')
    path: str = Field(description="fnmatch pattern on the request path")
    kind: FaultKind
    seconds: float = Field(default=0.0, ge=0, le=600)
    retry_after: int = Field(default=1, ge=0, le=3600)
    times: int | None = Field(default=None, ge=1)

    def rule(self) -> FaultRule:
        return FaultRule(self.provider, self.path, self.kind, self.seconds, self.retry_after, self.times)


@dataclass(frozen=True)
class FaultRule:
    provider: str
    path: str
    kind: FaultKind
    seconds: float = 0.0
    retry_after: int = 1
    times: int | None = None

    def matches(self, provider: str, path: str) -> bool:
        return self.provider in ("*", provider) and fnmatch.fnmatchcase(path, self.path)

    @classmethod
    def parse(cls, spec: str) -> FaultRule:
        """``PROVIDER:PATH:KIND[:key=value...]``, e.g. ``google:/gmail/v1/*/filters:429:times=2``."""
        parts = spec.split(":")
        if len(parts) < 3:
            raise UsageError(f"fault {spec!r}: write PROVIDER:PATH:KIND[:times=N][:seconds=S][:retry_after=S]")
        provider, path, kind, *options = parts
        if kind not in KINDS:
            raise UsageError(f"fault {spec!r}: kind must be one of {', '.join(KINDS)}")
        values: dict[str, str] = {}
        for option in options:
            key, sep, value = option.partition("=")
            if not sep or key not in ("times", "seconds", "retry_after"):
                raise UsageError(f"fault {spec!r}: unknown option {option!r}")
            values[key] = value
        try:
            return cls(
                provider=provider,
                path=path,
                kind=kind,  # type: ignore[arg-type]
                seconds=float(values.get("seconds", 0)),
                retry_after=int(values.get("retry_after", 1)),
                times=int(values["times"]) if "times" in values else None,
            )
        except ValueError as exc:
            raise UsageError(f"fault {spec!r}: {exc}") from None


class Faults:
    """The active rules, with a thread-safe count of how often each was applied."""

    def __init__(self, rules: Iterable[FaultRule] = ()) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._used: dict[int, int] = {}
        self.set(rules)

    def set(self, rules: Iterable[FaultRule]) -> None:
        with self._lock:
            self._rules = list(rules)
            self._used = {}

    def take(self, provider: str, path: str) -> list[FaultRule]:
        """The rules that apply to this request now (latency ones first), counting each use."""
        out = []
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.kind == "endless" or not rule.matches(provider, path):
                    continue
                used = self._used.get(index, 0)
                if rule.times is not None and used >= rule.times:
                    continue
                self._used[index] = used + 1
                out.append(rule)
        return sorted(out, key=lambda r: r.kind != "latency")

    def endless(self, provider: str, path: str) -> bool:
        with self._lock:
            return any(r.kind == "endless" and r.matches(provider, path) for r in self._rules)
