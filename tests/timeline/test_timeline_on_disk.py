"""Nothing readable reaches the disk: evidence bytes, notes and URLs live only inside the encrypted case;
and a kill in the middle of adding evidence loses no entry that was committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from auditor.store import CaseStore
from auditor.timeline import Channel, Outcome, Timeline

MARKERS = {
    "bytes": b"EVIDENCE-BYTES-5d1c0e-okapi",
    "note": b"PRIVATE-NOTE-91be22-heron",
    "url": b"leaked-page-77ac3f-ibis",
    "platform": b"PLATFORM-c0ffee-lynx",
}


def assert_no_marker_under(home: Path) -> None:
    files = [p for p in home.rglob("*") if p.is_file()]
    assert files, "the case files should exist"
    for path in files:
        data = path.read_bytes()
        for name, marker in MARKERS.items():
            assert marker not in data, f"{name} found in plaintext in {path}"
            assert marker.decode().encode("utf-16-le") not in data, f"{name} (UTF-16) in {path}"


def test_evidence_notes_and_urls_are_never_plaintext_on_disk(isolated_home: Path, tmp_path: Path) -> None:
    source = tmp_path / "outside" / "screenshot.png"
    source.parent.mkdir()
    # Bytes that compress poorly would hide nothing; repeat the marker so a page-sized leak is obvious.
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + MARKERS["bytes"] * 200)
    url = "https://example.org/" + MARKERS["url"].decode()
    note = MARKERS["note"].decode()
    with CaseStore.create("c1", "pw") as store:
        timeline = Timeline(store)
        loc = timeline.add_location(url, MARKERS["platform"].decode(), note=note)
        timeline.add_evidence_file(source, url, note, loc.id)
        report = timeline.add_report(Channel.TAKE_IT_DOWN, [loc.id], sent_text=note, reference=note)
        timeline.add_response(report.id, Outcome.ACKNOWLEDGED, note=note)
        timeline.add_followup(report.sent_at, note)
        assert_no_marker_under(isolated_home)  # while open: the database and its WAL
        assert timeline.evidence_content(1).count(MARKERS["bytes"]) == 200
    assert_no_marker_under(isolated_home)  # after close
    assert source.read_bytes().startswith(b"\x89PNG"), "the original file is left as it was"


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from auditor.store import CaseStore
    from auditor.timeline import Timeline

    folder = Path(sys.argv[1])
    with CaseStore.open("c1", "pw") as store:
        timeline = Timeline(store)
        i = 0
        while True:
            path = folder / f"item-{i}.bin"
            path.write_bytes(bytes([i % 256]) * (20000 + i))
            item = timeline.add_evidence_file(path, note=f"item {i}")
            print(item.id, item.sha256, flush=True)
            i += 1
    """
)


def test_sigkill_during_evidence_add_loses_no_committed_entry(isolated_home: Path, tmp_path: Path) -> None:
    CaseStore.create("c1", "pw").close()
    folder = tmp_path / "items"
    folder.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "AUDITOR_HOME": str(isolated_home)},
    )
    committed: list[tuple[int, str]] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while len(committed) < 15 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        written_id, written_digest = line.split()
        committed.append((int(written_id), written_digest))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert len(committed) >= 15, "the writer did not get going"
    with CaseStore.open("c1", "pw") as store:
        assert store.integrity_check() == "ok"
        timeline = Timeline(store)
        kept = {item.id: item.sha256 for item in timeline.evidence()}
        for evidence_id, digest in committed:
            assert kept[evidence_id] == digest
        assert timeline.verify() == []
