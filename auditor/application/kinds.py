"""Which kinds of account and device an audit reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from auditor.sources import DEFAULT_KINDS, available_kinds

if TYPE_CHECKING:
    from auditor.config import Endpoints
    from auditor.store import CaseStore

# The providers an environment variable (or the practice servers) can point an audit at.
ENDPOINT_KINDS = ("google", "microsoft", "exchange")


def kinds_to_audit(only: str | None, endpoints: Endpoints) -> list[str]:
    """``--only KIND``; or this computer plus every provider an environment variable points at."""
    if only:
        return [only]
    return [*DEFAULT_KINDS, *(kind for kind in ENDPOINT_KINDS if endpoints.for_kind(kind))]


# Kinds read only when someone asks for that one read, with the person there: an iPhone over the cable (the phone
# unlocked, maybe "Trust This Computer?" to tap, and the Trust notice said first) or a backup folder. An audit of the
# whole case — the app's `a`, `auditor audit --case NAME`, a scheduled re-audit — never reads them: it would connect
# to the phone with no notice on screen, and a scheduled run would say "Couldn't check" every week.
READ_ONLY_WHEN_ASKED = frozenset({"ios", "ios-backup"})
READ_WHEN_ASKED_WORDS = (
    "An iPhone is read only when you ask, with the phone beside you: Add an iPhone in the app (or `auditor audit "
    "--only ios --case NAME`) reads it again, after saying what tapping Trust means."
)


def read_only_when_asked(check_id: str) -> bool:
    """A check of a kind no re-check or case audit reads on its own (an iPhone's)."""
    return check_id.split(".", 1)[0] in READ_ONLY_WHEN_ASKED


def case_kinds(accounts: Iterable[Mapping[str, Any]], include_device: bool = True) -> list[str]:
    """This computer, plus every kind of account or device added to the case that this build can read — except
    an iPhone (:data:`READ_ONLY_WHEN_ASKED`): its findings stay in the case until it is read again on purpose."""
    wanted = (["device"] if include_device else []) + [str(a["kind"]) for a in accounts]
    usable = set(available_kinds()) - READ_ONLY_WHEN_ASKED
    return [k for k in dict.fromkeys(wanted) if k in usable]


def kinds_for_case(case: CaseStore, only: str | None, endpoints: Endpoints) -> list[str]:
    """``auditor audit --case``: what :func:`kinds_to_audit` gives, and (without ``--only``) the case's own — never
    an iPhone, which only ``--only ios`` / ``--only ios-backup`` read."""
    kinds = kinds_to_audit(only, endpoints)
    if not only:
        kinds += case_kinds(case.accounts(), include_device=False)
    return list(dict.fromkeys(kinds))


def practice_kinds(endpoints: Endpoints, include_device: bool = True) -> list[str]:
    """This computer (a real, read-only scan) and every provider the practice servers imitate."""
    usable = set(available_kinds())
    kinds = [k for k in ENDPOINT_KINDS if endpoints.for_kind(k) and k in usable]
    return (["device"] if include_device else []) + kinds
