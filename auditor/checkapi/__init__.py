"""What a check may use, and the one rule it cannot get round: "Looks clear" needs a whole reading.

Checks import this module, the model and :mod:`auditor.safetext` — never the engine, a connector or a
collector. Everything a check reads arrives through its context:

- ``ctx.client(KEY)`` hands over a client by a typed key (:class:`ClientKey`); the client's interface is a
  :class:`typing.Protocol` in this package (``auditor.checkapi.google`` and its siblings), so a test can give
  a check any object that speaks it.
- Every read returns a :class:`Reading`: the value, plus what could not be read (``not_read``: a page that
  never came, a folder that could not be opened) and what was read but not understood (``unrecognised``: a
  field of the wrong type, output without the header a parser expects).
- ``ctx.clear(title, *readings)`` takes the readings the conclusion rests on. If any of them is incomplete or
  unrecognised the finding is "Couldn't check", naming what was missing — so no check can say clear over
  a partial read, by construction. ``ctx.conclude(findings, *readings, clear=...)`` does the same for a
  check that may also have found things: what it found stands, and each gap is reported beside it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar, overload

from auditor.errors import CheckUnavailable
from auditor.model import CheckSpec, Finding, Severity, Status, fingerprint

T = TypeVar("T")
U = TypeVar("U")

__all__ = [
    "CheckContext",
    "ClientKey",
    "Decisions",
    "LoadedCheck",
    "Reading",
    "RunFunction",
    "Source",
]


# --- readings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading(Generic[T]):
    """What one read gave, and how far it can be trusted.

    ``what`` names the thing read in plain words ("Gmail's filters"), for the person. ``not_read`` lists
    the parts that could not be read at all; ``unrecognised`` the parts that came back in a shape the tool
    does not understand (each naming the field or line). A reading with neither is *whole*: only whole
    readings can support "Looks clear".
    """

    what: str
    value: T
    not_read: tuple[str, ...] = ()
    unrecognised: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.not_read

    @property
    def recognised(self) -> bool:
        return not self.unrecognised

    @property
    def whole(self) -> bool:
        return self.complete and self.recognised

    @property
    def problems(self) -> tuple[str, ...]:
        """Every reason this reading is not whole, in plain words."""
        return self.not_read + tuple(f"not understood: {u}" for u in self.unrecognised)

    def missing(self, *parts: str) -> Reading[T]:
        """This reading with more parts that could not be read."""
        return replace(self, not_read=self.not_read + tuple(p for p in parts if p))

    def strange(self, *parts: str) -> Reading[T]:
        """This reading with more parts that were not understood."""
        return replace(self, unrecognised=self.unrecognised + tuple(p for p in parts if p))

    def map(self, change: Callable[[T], U], what: str | None = None) -> Reading[U]:
        """The same reading (and its gaps) around a value derived from this one."""
        return Reading(what or self.what, change(self.value), self.not_read, self.unrecognised)

    @staticmethod
    def joined(what: str, value: U, parts: Iterable[Reading[Any]]) -> Reading[U]:
        """A reading built from several: it is whole only if every part was."""
        parts = list(parts)
        return Reading(
            what,
            value,
            tuple(p for part in parts for p in part.not_read),
            tuple(u for part in parts for u in part.unrecognised),
        )


# --- sources and clients -----------------------------------------------------------------------------


class ClientKey(Generic[T]):
    """The typed name of a client in a source: ``ctx.client(GOOGLE)`` is a ``GoogleReads``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"ClientKey({self.name!r})"


@dataclass
class Source:
    """One account or device to audit, with the clients its checks use.

    ``error`` is set when the source could not be opened (sign-in refused, server unreachable): every
    check of the source then reports ``error`` with that reason instead of running.
    """

    kind: str
    target: str
    clients: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    unavailable: dict[str, str] = field(default_factory=dict)  # client name -> why it is missing
    practice: bool = False
    closers: list[Callable[[], Any]] = field(default_factory=list)

    async def aclose(self) -> None:
        for close in reversed(self.closers):
            result = close()
            if inspect.isawaitable(result):
                await result
        self.closers.clear()


class Decisions:
    """The person's answers on `review` findings: "mine" or "not-mine", keyed by fingerprint."""

    def __init__(self, answers: Mapping[str, str] | None = None) -> None:
        self._answers = dict(answers or {})

    def get(self, fingerprint: str) -> str | None:
        return self._answers.get(fingerprint)


# --- the context -------------------------------------------------------------------------------------


@dataclass
class CheckContext:
    """What one check may use: its clients, the person's decisions, and helpers that make findings."""

    spec: CheckSpec
    source: Source
    decisions: Decisions = field(default_factory=Decisions)

    @property
    def target(self) -> str:
        return self.source.target

    @overload
    def client(self, key: ClientKey[T]) -> T: ...

    @overload
    def client(self, key: str) -> Any: ...

    def client(self, key: ClientKey[Any] | str) -> Any:
        name = key.name if isinstance(key, ClientKey) else key
        try:
            return self.source.clients[name]
        except KeyError:
            reason = self.source.unavailable.get(name, f"nothing to read from: no {name} client for {self.target}")
            raise CheckUnavailable(reason) from None

    def finding(
        self,
        status: Status,
        title: str,
        *,
        subject: str = "",
        detail: str = "",
        evidence: Mapping[str, Any] | None = None,
        severity: Severity | None = None,
        playbooks: Sequence[str] | None = None,
    ) -> Finding:
        if status is Status.CLEAR:
            # "Looks clear" is made only by clear(), which checks the readings it rests on.
            raise ValueError("a clear finding is made with ctx.clear(title, *readings)")
        return self._make(status, title, subject, detail, evidence, severity, playbooks)

    def _make(
        self,
        status: Status,
        title: str,
        subject: str,
        detail: str,
        evidence: Mapping[str, Any] | None,
        severity: Severity | None,
        playbooks: Sequence[str] | None,
    ) -> Finding:
        return Finding(
            check=self.spec.id,
            target=self.target,
            status=status,
            severity=severity or self.spec.severity,
            title=title,
            detail=detail,
            subject=subject,
            evidence=dict(evidence or {}),
            playbooks=tuple(playbooks or self.spec.playbooks),
        )

    def clear(
        self,
        title: str,
        *readings: Reading[Any],
        detail: str = "",
        evidence: Mapping[str, Any] | None = None,
    ) -> Finding:
        """Say "Looks clear" — if every reading it rests on is whole; otherwise "Couldn't check", saying why."""
        if not readings or not all(isinstance(r, Reading) for r in readings):
            raise TypeError("ctx.clear needs the readings the conclusion rests on")
        gaps = [r for r in readings if not r.whole]
        if gaps:
            problems = [f"{r.what}: {p}" for r in gaps for p in r.problems]
            return self._make(
                Status.ERROR,
                f"Couldn't check: {self.spec.title}",
                "",
                "Part of what this check needs could not be read or was not understood, so it cannot say "
                "the path is closed. " + "; ".join(problems),
                {"not_read": problems},
                self.spec.severity,
                None,
            )
        return self._make(Status.CLEAR, title, "", detail, evidence, Severity.INFO, None)

    def gaps(self, *readings: Reading[Any]) -> list[Finding]:
        """One "Couldn't check" finding per reading that is not whole (for beside what was found)."""
        out = []
        for reading in readings:
            if reading.whole:
                continue
            problems = list(reading.problems)
            out.append(
                self._make(
                    Status.ERROR,
                    f"Couldn't check all of {reading.what}",
                    f"not-read:{reading.what}",
                    "; ".join(problems),
                    {"not_read": problems},
                    self.spec.severity,
                    None,
                )
            )
        return out

    def conclude(
        self,
        findings: Sequence[Finding],
        *readings: Reading[Any],
        clear: str,
        detail: str = "",
        evidence: Mapping[str, Any] | None = None,
    ) -> list[Finding]:
        """What was found with a gap finding per partial reading; with nothing found, ``clear(...)``."""
        if findings:
            return [*findings, *self.gaps(*readings)]
        return [self.clear(clear, *readings, detail=detail, evidence=evidence)]

    def not_read(self, title: str, problem: str, key: str | None = None) -> Finding:
        """An `error` finding for one part the check could not read, while the rest was checked."""
        return self._make(Status.ERROR, title, f"not-read:{key or problem}", problem, {"not_read": problem}, None, None)

    def decision(self, subject: str) -> str | None:
        """The person's answer for the finding this check would make about ``subject``."""
        return self.decisions.get(fingerprint(self.spec.id, self.target, subject))

    def review_or_found(self, title_found: str, title_review: str, *, subject: str, **kwargs: Any) -> Finding | None:
        """First sight: review. Confirmed not mine: found. Confirmed mine: None (nothing to raise)."""
        answer = self.decision(subject)
        if answer == "mine":
            return None
        if answer == "not-mine":
            return self.finding(Status.FOUND, title_found, subject=subject, **kwargs)
        return self.finding(Status.REVIEW, title_review, subject=subject, **kwargs)


# --- a check, as loaded ------------------------------------------------------------------------------

RunFunction = Callable[[CheckContext], "Sequence[Finding] | Awaitable[Sequence[Finding]]"]


@dataclass(frozen=True)
class LoadedCheck:
    """A check ready to run: its metadata, its ``run(context)``, and where it came from (for messages)."""

    spec: CheckSpec
    run: RunFunction
    origin: str
