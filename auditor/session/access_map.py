"""The access map: the person's devices and accounts, the paths into them, and who can use each path.

Built from every audit run stored in the case and the latest session's intake:

- a path is **open** while the latest audit that read its check on that account still found it, or the
  person said it is not theirs;
- it is **closed** once a later audit of the same check on the same account completed without it, or the
  person decided "mine" (or answered a guided question "looks fine"). An audit in which that check could not
  complete changes nothing: "couldn't check" never closes a path;
- a guided question answered "found something" is an open path at once, before the next audit applies it;
- a path the person closed through the tool (`auditor fix`, "Close this") is **closed by you**, with when and
  how, until an audit finds it again; one whose record they had put back is open again, **reopened**.

Every label can come from an attacker (addresses, display names, file names). The text rendering passes each
through :func:`~auditor.safetext.literal`; the HTML fragment escapes the literal form as well.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from auditor.model import Finding, Status
from auditor.safetext import literal
from auditor.session.intake import Intake, When
from auditor.session.paths import paths_of

if TYPE_CHECKING:
    from datetime import datetime

    from auditor.store import CaseStore
    from auditor.timeline.fixes import PathState

PATH_STATUSES = (Status.FOUND, Status.REVIEW)
CLOSING_ANSWERS = ("mine", "looks-fine")
LOCAL_KINDS = ("device", "android", "ios")


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # account, device, address, public, program, app, person, found
    label: str
    person: str = ""  # for an address: the person from the intake it belongs to, if known


@dataclass(frozen=True)
class Edge:
    source: str  # node id of the account or device
    holder: str  # node id of who or what can get in
    how: str
    open: bool
    check: str = ""
    fingerprint: str = ""
    why_closed: str = ""  # why it is closed; for a path the person reopened, when and how (it is open again)
    first_seen: str = ""
    past: bool = False  # a person who had access once (from the intake): worth making sure it has ended

    @property
    def state(self) -> str:
        return "open" if self.open else "past" if self.past else "closed"


@dataclass
class AccessMap:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def add(self, node: Node) -> str:
        if node.id not in self.nodes:
            self.nodes[node.id] = node
        return node.id

    @property
    def open_edges(self) -> list[Edge]:
        return [e for e in self.edges if e.open]

    @property
    def closed_edges(self) -> list[Edge]:
        return [e for e in self.edges if not e.open]

    def sources(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind in ("account", "device")]

    def holders(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind not in ("account", "device")]

    def edges_from(self, node_id: str) -> list[Edge]:
        return sorted((e for e in self.edges if e.source == node_id), key=lambda e: (not e.open, e.holder, e.how))


def _key(text: str) -> str:
    return text.strip().casefold()


def source_node(kind: str, label: str) -> Node:
    return Node(f"{kind}:{_key(label)}", "device" if kind in LOCAL_KINDS else "account", f"{label} ({kind})")


@dataclass(frozen=True)
class _History:
    """What the stored runs say about one finding (one fingerprint)."""

    latest_path: Finding  # its latest sighting as found/review
    seen_at_run: int
    first_seen: str


def _histories(runs: Sequence[Sequence[Finding]]) -> tuple[dict[str, _History], dict[tuple[str, str], int]]:
    histories: dict[str, _History] = {}
    completed: dict[tuple[str, str], int] = {}  # (check, target) -> last run index where the check completed
    for index, findings in enumerate(runs):
        errored = {(f.check, f.target) for f in findings if f.status is Status.ERROR}
        for f in findings:
            key = (f.check, f.target)
            if key not in errored:
                completed[key] = index
            if f.status in PATH_STATUSES:
                earlier = histories.get(f.fingerprint)
                first = earlier.first_seen if earlier else f.observed_at.date().isoformat()
                histories[f.fingerprint] = _History(f, index, first)
    return histories, completed


def _with_answers(runs: Sequence[Sequence[Finding]], decisions: dict[str, tuple[str, str]]) -> list[list[Finding]]:
    """A guided question answered "found something" after its latest audit is a path now, not at the next audit.

    The answer is applied to that latest sighting, as the next audit will apply it.
    """
    last_run = {f.fingerprint: i for i, findings in enumerate(runs) for f in findings}
    out: list[list[Finding]] = []
    for index, findings in enumerate(runs):
        row = []
        for f in findings:
            answer, note = decisions.get(f.fingerprint, ("", ""))
            if (
                f.status is Status.MANUAL
                and answer == "found-something"
                and "question" in f.evidence
                and last_run[f.fingerprint] == index
            ):
                evidence = {**f.evidence, "answer": answer, **({"note": note} if note else {})}
                title = "You found something: " + f.title.removeprefix("Check by hand: ")
                f = replace(f, status=Status.FOUND, title=title, evidence=evidence)
            row.append(f)
        out.append(row)
    return out


def build_map(
    runs: Sequence[Sequence[Finding]],
    decisions: dict[str, tuple[str, str]] | None = None,
    intake: Intake | None = None,
    run_dates: Sequence[str] = (),
    notes: bool = True,
    changes: Mapping[str, PathState] | None = None,
    run_times: Sequence[datetime] = (),
) -> AccessMap:
    """The map from stored runs (oldest first), the person's decisions and the session intake.

    ``notes=False`` draws it without the notes the person typed with guided answers (for an export that
    leaves notes out). ``changes`` are the latest closing or restoring change per fingerprint
    (:func:`auditor.timeline.fixes.path_states`), ``run_times`` when each run finished: a change counts until an
    audit after it says otherwise.
    """
    changes = changes or {}
    decisions = decisions or {}
    runs = _with_answers(runs, decisions)
    amap = AccessMap()
    people = _people_by_address(intake)
    histories, completed = _histories(runs)
    latest_by_fp = {f.fingerprint: (i, f) for i, findings in enumerate(runs) for f in findings}
    for fp, history in histories.items():
        finding = history.latest_path
        kind = finding.check.split(".", 1)[0]
        source = amap.add(source_node(kind, finding.target))
        answer = decisions.get(fp, ("", ""))[0]
        last_index, last = latest_by_fp[fp]
        later_run = completed.get((finding.check, finding.target), -1)
        change = _standing_change(changes.get(fp), finding, later_run, history.seen_at_run, run_times)
        if change is not None and change.closed and answer != "mine":
            is_open, why = False, change.words
        elif change is not None and not change.closed:
            is_open, why = True, change.words
        elif answer in CLOSING_ANSWERS:
            is_open, why = False, "you said this is yours" if answer == "mine" else "you checked: looks fine"
        elif answer == "not-mine":
            is_open, why = True, ""
        elif last.status not in PATH_STATUSES and last_index > history.seen_at_run:
            is_open, why = False, f"not found again ({last.status.label.lower()})"
        elif later_run > history.seen_at_run:
            when = run_dates[later_run] if later_run < len(run_dates) else "a later audit"
            is_open, why = False, f"gone in the audit of {when}"
        else:
            is_open, why = True, ""
        for path in paths_of(finding, notes):
            person = people.get(_key(path.holder), "")
            holder = amap.add(Node(f"{path.holder_kind}:{_key(path.holder)}", path.holder_kind, path.holder, person))
            amap.edges.append(Edge(source, holder, path.how, is_open, finding.check, fp, why, history.first_seen))
    if intake is not None:
        for item in intake.items:
            source = amap.add(source_node(item.kind, item.label))
            for access in item.access:
                holder = amap.add(Node(f"person:{_key(access.person)}", "person", access.person))
                how = ("has access" if access.when is When.HAS else "had access") + (
                    f" ({access.how})" if access.how else ""
                )
                had = access.when is When.HAD
                why = "make sure it has ended" if had else ""
                amap.edges.append(Edge(source, holder, how, not had, why_closed=why, past=had))
    return amap


def _standing_change(
    change: PathState | None, latest: Finding, later_run: int, seen_at_run: int, run_times: Sequence[datetime]
) -> PathState | None:
    """The change still has the last word: no audit has seen the path since it, and (for a restore) no audit
    since it completed without the path."""
    if change is None or latest.observed_at > change.at:
        return None
    audited_since = seen_at_run < later_run < len(run_times) and run_times[later_run] > change.at
    if not change.closed and audited_since:
        return None
    return change


def _people_by_address(intake: Intake | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in intake.items if intake else ():
        for access in item.access:
            for address in access.addresses:
                out[_key(address)] = access.person
    return out


def case_map(case: CaseStore, notes: bool = True) -> AccessMap:
    """The map of an open case: all its runs, decisions and the latest session intake."""
    from datetime import datetime

    from auditor.session.store import latest_session
    from auditor.timeline.fixes import path_events, path_states

    summaries = case.runs()
    runs = [case.findings_of(r.id) for r in summaries]
    dates = [(r.finished_at or r.started_at)[:10] for r in summaries]
    times = [datetime.fromisoformat(r.finished_at or r.started_at) for r in summaries]
    session = latest_session(case)
    changes = path_states(path_events(case))
    return build_map(runs, case.decision_records(), session.intake if session else None, dates, notes, changes, times)


# --- plain text ----------------------------------------------------------------------------------------


def holder_text(node: Node) -> str:
    text = literal(node.label, 200)
    if node.person:
        text += f" — {literal(node.person, 100)}"
    return text


NO_PATHS = "No access paths are recorded in this case yet: run an audit or start a session first."


@dataclass(frozen=True)
class PathLine:
    """One access path as the text renderings show it; every part is already literal."""

    state: str  # open, closed or past
    path: str  # who or what can get in, and how
    why_closed: str


def path_lines(amap: AccessMap) -> list[tuple[str, list[PathLine]]]:
    """Each account or device that has paths (its label made literal), with its paths in the map's order."""
    out: list[tuple[str, list[PathLine]]] = []
    for source in sorted(amap.sources(), key=lambda n: n.label.casefold()):
        lines = [
            PathLine(
                e.state,
                f"{holder_text(amap.nodes[e.holder])}: {literal(e.how, 200)}",
                literal(e.why_closed, 200) if e.why_closed else "",
            )
            for e in amap.edges_from(source.id)
        ]
        if lines:
            out.append((literal(source.label, 200), lines))
    return out


def map_summary(amap: AccessMap) -> str:
    return f"{len(amap.open_edges)} open, {len(amap.closed_edges)} closed or in the past."


def render_text(amap: AccessMap) -> str:
    if not amap.edges:
        return NO_PATHS
    out = ["Access map — who or what can get into each account and device", ""]
    for label, lines in path_lines(amap):
        out.append(label)
        for line in lines:
            state = {"open": "OPEN  ", "closed": "closed", "past": "past  "}[line.state]
            why = f" ({line.why_closed})" if line.why_closed else ""
            out.append(f"  {state}  → {line.path}{why}")
        out.append("")
    out.append(map_summary(amap))
    return "\n".join(out)


# --- HTML / SVG fragment ---------------------------------------------------------------------------------

_ROW = 28
_WIDTH = 760
_LEFT_X = 10
_RIGHT_X = 430
_BOX_W = 320


def _esc(text: str, limit: int = 200) -> str:
    return html.escape(literal(text, limit), quote=True)


def render_html(amap: AccessMap) -> str:
    """A self-contained fragment (inline SVG plus a table) for the HTML and PDF reports. Every label escaped."""
    sources = sorted(amap.sources(), key=lambda n: n.label.casefold())
    holders = sorted(amap.holders(), key=lambda n: (n.kind != "person", n.label.casefold()))
    rows = max(len(sources), len(holders), 1)
    height = rows * _ROW + 20
    y_of = {n.id: 10 + i * _ROW for i, n in enumerate(sources)}
    y_of.update({n.id: 10 + i * _ROW for i, n in enumerate(holders)})
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" '
        f'height="{height}" role="img" aria-label="Access map" font-family="sans-serif" font-size="12">'
    ]
    for e in amap.edges:
        y1, y2 = y_of[e.source] + 10, y_of[e.holder] + 10
        style = 'stroke="#b00020" stroke-width="2"' if e.open else 'stroke="#888" stroke-dasharray="4 3"'
        state = e.state
        svg.append(
            f'<line x1="{_LEFT_X + _BOX_W}" y1="{y1}" x2="{_RIGHT_X}" y2="{y2}" {style} class="{state}">'
            f"<title>{state}: {_esc(e.how)}</title></line>"
        )
    for nodes, x in ((sources, _LEFT_X), (holders, _RIGHT_X)):
        for n in nodes:
            fill = "#fde8e8" if n.kind == "person" else "#eef2f7"
            label = n.label if not n.person else f"{n.label} — {n.person}"
            svg.append(
                f'<rect x="{x}" y="{y_of[n.id]}" width="{_BOX_W}" height="20" rx="3" fill="{fill}" stroke="#557"/>'
                f'<text x="{x + 6}" y="{y_of[n.id] + 14}">{_esc(label, 48)}</text>'
            )
    svg.append("</svg>")
    table = [
        '<table class="access-map-paths"><thead><tr><th>Account or device</th><th>Who or what can get in</th>'
        "<th>How</th><th>State</th></tr></thead><tbody>"
    ]
    for source in sources:
        for e in amap.edges_from(source.id):
            holder = amap.nodes[e.holder]
            who = _esc(holder.label) + (f" — {_esc(holder.person)}" if holder.person else "")
            state = e.state + (f" ({_esc(e.why_closed)})" if e.why_closed else "")
            table.append(f"<tr><td>{_esc(source.label)}</td><td>{who}</td><td>{_esc(e.how)}</td><td>{state}</td></tr>")
    table.append("</tbody></table>")
    summary = f"<p>{len(amap.open_edges)} open access paths, {len(amap.closed_edges)} closed.</p>"
    return '<section class="access-map"><h2>Access map</h2>' + "".join(svg) + summary + "".join(table) + "</section>"


def access_map_html(case: CaseStore, notes: bool = True) -> str:
    """The access map of an open case as a self-contained, escaped HTML fragment (for reports)."""
    return render_html(case_map(case, notes))


def access_map_text(case: CaseStore) -> str:
    return render_text(case_map(case))
