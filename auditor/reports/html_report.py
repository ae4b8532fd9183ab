"""The report as one self-contained HTML file: styles inline, no scripts, no external resources.

Every string from the case (URLs, platform names, notes, finding titles) goes through ``literal()`` (no
control or bidi characters) and then HTML escaping, so it reads exactly as stored and can never become markup.
"""

from __future__ import annotations

import html
from importlib import resources
from typing import Any

from auditor.safetext import literal


def h(value: object) -> str:
    return html.escape(literal("" if value is None else value, None), quote=True)


def _table(headers: tuple[str, ...], rows: list[list[str]], classes: tuple[str, ...] = ()) -> str:
    head = "".join(f"<th>{html.escape(x)}</th>" for x in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cls = f' class="{classes[i]}"' if i < len(classes) and classes[i] else ""
            cells.append(f"<td{cls}>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def access_map_fragment(case: Any, notes: bool = True) -> str:
    """The case's access map as the session draws it: its own already-escaped HTML and inline SVG.

    ``notes=False`` leaves out the notes typed with guided answers, as the rest of an export without notes.
    """
    from auditor.session.access_map import access_map_html

    return access_map_html(case, notes)


def _path_state(state: str, path: dict[str, Any]) -> str:
    """Still open or closed, with when and how the person closed it (or reopened it) through the tool."""
    if state == "closed":
        by_you = path.get("closed_by_you")
        if by_you:
            how = f": {by_you['how']}" if by_you.get("how") else ""
            return f"closed by you at {by_you['at']}{how}"
        return "closed"
    reopened = path.get("reopened")
    return f"still open (reopened at {reopened['at']}: put back by you)" if reopened else "still open"


def render(data: dict[str, Any], access_map: str | None = None) -> str:
    css = resources.files("auditor.reports").joinpath("report.css").read_text(encoding="utf-8")
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>Case report — {h(data['case'])}</title>",
        f"<style>{css}</style></head><body>",
        f"<h1>Case report — {h(data['case'])}</h1>",
        f'<p class="meta">Made {h(data["generated_at"])} by {h(data["generated_by"])}.</p>',
        '<p class="warning">This document is not encrypted. It contains private information about a person who '
        "may be in danger: share it only with the people it is meant for.</p>",
    ]
    indicators = data.get("indicator_set")
    if indicators is not None:  # what the device and phone checks were matched against, and how old it is
        words = h(indicators["summary"])
        if indicators.get("read"):
            source = f" Source: {h(indicators['source'])}."
            commit = f" Commit {h(indicators['commit'])}." if indicators.get("commit") else ""
            credit = f" {h(indicators['attribution'])}." if indicators.get("attribution") else ""
            out.append(f'<p class="meta">{words}{source}{commit}{credit}</p>')
        else:
            out.append(f'<p class="warning">{words}</p>')
    included = data["included"]
    parts = [name.replace("_", " ") for name, on in included.items() if on]
    left_out = [name.replace("_", " ") for name, on in included.items() if not on]
    out.append(
        f'<p class="meta">Included: {h(", ".join(parts) or "the timeline only")}.'
        + (f" Left out by choice: {h(', '.join(left_out))}." if left_out else "")
        + "</p>"
    )
    if "access_paths" in data:
        out.append("<h2>Access paths found by the audit</h2>")
        paths = data["access_paths"]
        rows = [
            [h(_path_state(state, f)), h(f["title"]), h(f["target"]), h(f["observed_at"])]
            for state in ("open", "closed")
            for f in paths[state]
        ]
        unknown = paths.get("could_not_check", [])
        if rows:
            out.append(_table(("State", "What was found", "Account or device", "First observed"), rows))
        elif not paths.get("audits_stored"):
            out.append("<p>No audit is stored in this case, so its access paths are not known.</p>")
        elif unknown:
            out.append("<p>The audits stored in this case found no access path, but some checks could not run.</p>")
        else:
            out.append("<p>The audits stored in this case found no access path.</p>")
        if unknown:
            out.append(
                "<h3>Could not check</h3><p>These checks could not complete the last time they ran: what they look "
                "at is not known — not clear.</p>"
            )
            rows = [[h(f["title"]), h(f["target"]), h(f["observed_at"])] for f in unknown]
            out.append(_table(("Check", "Account or device", "When"), rows))
    if access_map:  # the session's fragment, with its own heading
        out.append(access_map)
    out.append("<h2>Where the content appeared</h2>")
    rows = [
        [h(c["id"]), h(c["platform"]), h(c["kind"]), h(c["url"]), h(c["first_seen"]), h(c["status"]), h(c.get("note"))]
        for c in data["content_locations"]
    ]
    out.append(
        _table(("#", "Platform", "Kind", "Address", "First seen", "Status", "Note"), rows, ("", "", "", "url"))
        if rows
        else "<p>No content locations recorded.</p>"
    )
    out.append("<h2>Reports and answers</h2>")
    rows = []
    for r in data["reports"]:
        answers = "<br>".join(
            h(f"{a['received_at']}: {a['outcome']}" + (f" — {a['note']}" if a.get("note") else ""))
            for a in r["responses"]
        )
        rows.append(
            [
                h(r["id"]),
                h(r["channel_label"]),
                h(r["sent_at"]),
                h(r["reference"]),
                h(", ".join(str(i) for i in r["content_locations"])),
                answers or "no answer yet",
            ]
        )
    out.append(
        _table(("#", "Channel", "Sent", "Reference", "Content", "Answers"), rows)
        if rows
        else "<p>No reports recorded.</p>"
    )
    if data["follow_ups"]:
        out.append("<h2>Follow-ups</h2>")
        rows = []
        for f in data["follow_ups"]:
            state = "done " + f["done_at"] if f["done_at"] else ("OVERDUE" if f["overdue"] else "open")
            cls = ' class="overdue"' if f["overdue"] else ""
            rows.append([f"<span{cls}>{h(state)}</span>", h(f["due_at"]), h(f["what"])])
        out.append(_table(("State", "Due", "What"), rows))
    out.append("<h2>Timeline</h2>")
    items = [f"<li>{h(e['at'])} — {h(e['summary'])}</li>" for e in data["timeline"]]
    out.append(f'<ul class="timeline">{"".join(items)}</ul>' if items else "<p>Nothing recorded yet.</p>")
    if "evidence_manifest" in data:
        out.append("<h2>Evidence manifest</h2>")
        out.append(
            f"<p>Every item was re-hashed and matched its recorded SHA-256 at {h(data['evidence_verified_at'])}. "
            "The items themselves stay inside the encrypted case.</p>"
        )
        rows = [
            [
                h(e["id"]),
                h(e["file_name"]),
                h(e["media_type"]),
                h(e["size"]),
                h(e["captured_at"]),
                h(e["source_url"]),
                h(e["sha256"]),
                h(e.get("note")),
            ]
            for e in data["evidence_manifest"]
        ]
        out.append(
            _table(
                ("#", "File", "Type", "Bytes", "Captured", "Source", "SHA-256", "Note"),
                rows,
                ("", "", "", "", "", "url", "hash"),
            )
            if rows
            else "<p>No evidence kept.</p>"
        )
    out.append(
        '<p class="meta">The tool printed the SHA-256 of this file when it wrote it: compare it with the copy you '
        "received to know it is unchanged.</p>"
    )
    out.append("</body></html>")
    return "\n".join(out) + "\n"
