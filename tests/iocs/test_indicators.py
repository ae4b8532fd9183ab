"""The real stalkerware indicator set loads with the right counts; matchers find what they should."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from auditor.cli import main
from auditor.errors import CheckUnavailable, IndicatorError
from auditor.iocs import (
    IndicatorMatch,
    Indicators,
    current_meta,
    describe_age,
    install_from_files,
    installed,
    installed_indicators,
    load_indicator_files,
    read_meta,
    stale_notice,
)


@pytest.fixture(scope="module")
def real(shipped_iocs: Path) -> Indicators:
    return load_indicator_files([shipped_iocs / "ioc.yaml", shipped_iocs / "watchware.yaml"])


def test_full_real_set_loads_with_the_documented_counts(shipped_iocs: Path) -> None:
    ioc = load_indicator_files([shipped_iocs / "ioc.yaml"])
    raw = yaml.safe_load((shipped_iocs / "ioc.yaml").read_text())
    # README of the data set: 147 apps, 616 package names, 472 certificate SHA-1s (with repeats).
    assert len(ioc.apps) == 147
    assert sum(len(a.packages) for a in ioc.apps) == 616
    assert sum(len(a.certificates) for a in ioc.apps) == 472
    counts = ioc.counts()
    assert counts.packages == len({p for e in raw for p in e.get("packages", [])})
    assert counts.certificates == len({c.lower() for e in raw for c in e.get("certificates", [])})
    watch = load_indicator_files([shipped_iocs / "watchware.yaml"])
    assert len(watch.apps) == 27
    assert watch.counts().ios_bundles > 0


def matched(match: IndicatorMatch | None) -> IndicatorMatch:
    """The match the test expects the indicator set to make."""
    assert match is not None, "the indicator set matched nothing"
    return match


def test_c2_ip_quirk_is_read(real: Indicators) -> None:
    with_ip_key = [a for a in real.apps if a.name in ("MobiStealth", "Ahmyth")]
    assert with_ip_key and all(a.c2_ips for a in with_ip_key)
    ip = with_ip_key[0].c2_ips[0]
    assert matched(real.match_ip(ip)).app.name == with_ip_key[0].name


def test_package_matcher(real: Indicators) -> None:
    match = real.match_package("com.thetruth")
    assert match is not None and match.app.name == "TheTruthSpy" and match.kind == "package"
    assert real.match_package("com.thetruth.extra") is None
    assert real.match_package("com.android.chrome") is None


def test_certificate_matcher_ignores_case_and_colons(real: Indicators) -> None:
    colons = ":".join(["31", "a6", "ec", "ec", "d9", "7c", "f3", "9b", "c4", "12"]) + ":6b87:45cd:94a7:c30b:f81c"
    assert matched(real.match_certificate(colons)).app.name == "TheTruthSpy"
    assert matched(real.match_certificate("31A6ECECD97CF39BC4126B8745CD94A7C30BF81C")).kind == "certificate"
    assert real.match_certificate("00" * 20) is None


def test_domain_matcher_matches_subdomains_only(real: Indicators) -> None:
    assert matched(real.match_domain("mycloud.wisemo.com")).app.name == "WiseMo"
    hit = real.match_domain("X.MyCloud.wisemo.com.")
    assert hit is not None and hit.indicator == "mycloud.wisemo.com"
    assert real.match_domain("notmycloud.wisemo.com") is None
    assert real.match_domain("wisemo.com.evil.example") is None
    assert real.match_domain("com") is None


def test_ip_matcher_normalises(real: Indicators) -> None:
    ip = next(ip for a in real.apps for ip in a.c2_ips if "." in ip)
    assert real.match_ip(f"::ffff:{ip}") is not None
    assert real.match_ip(f" {ip} ") is not None
    assert real.match_ip("203.0.113.7") is None
    assert real.match_ip("not an ip") is None


def test_app_name_matcher(real: Indicators) -> None:
    assert matched(real.match_app_name("theTruthSpy")).app.name == "TheTruthSpy"
    assert matched(real.match_app_name("The Truth Spy")).app.name == "TheTruthSpy"
    assert matched(real.match_app_name("Copy9")).app.name == "TheTruthSpy"
    assert real.match_app_name("firefox") is None


def test_ios_bundle_matcher(real: Indicators) -> None:
    bundle = next(b for a in real.apps for b in a.ios_bundles)
    assert real.match_ios_bundle(bundle) is not None


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("- name: A\n  packages: [a.b\n", 3, "flow sequence on line 2"),
        ("- name: A\n  packages: 7\n", 2, "0.packages"),
        ("- name: A\n- names: [x]\n", 2, "1.name"),
        ("name: A\n", 1, "non-empty list"),
        ("- name: A\n  c2:\n    ips: {a: 1}\n", 3, "0.c2.ips"),
    ],
)
def test_malformed_files_name_file_line_and_field(tmp_path: Path, text: str, line: int, words: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(IndicatorError) as info:
        load_indicator_files([bad])
    assert f"bad.yaml, line {line}" in str(info.value)
    assert words in str(info.value)


def test_a_fresh_home_uses_the_shipped_set() -> None:
    indicators = installed_indicators()
    assert len(indicators.apps) == 174 and indicators.counts().packages == 641
    assert "Echap" in indicators.source
    assert read_meta() is None  # nothing was written under AUDITOR_HOME
    meta = current_meta()
    assert meta.bundled and meta.commit == "a04c5c1958bff93fec3b1b56edbb412b209f2a38"


def test_the_shipped_files_are_the_ones_their_record_names(shipped_iocs: Path) -> None:
    record = json.loads((shipped_iocs / "bundled.json").read_text())
    assert set(record["files"]) == {"ioc.yaml", "watchware.yaml"}
    for name, digest in record["files"].items():
        assert hashlib.sha256((shipped_iocs / name).read_bytes()).hexdigest() == digest
    assert record["licence"] == "CC-BY-4.0" and record["attribution"] == "Stalkerware indicators by Echap"
    notice = (Path(__file__).resolve().parents[2] / "NOTICE").read_text()
    assert record["commit"] in notice and "CC-BY 4.0" in notice and "Stalkerware indicators by Echap" in notice


@pytest.fixture
def shipped_copy(shipped_iocs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "shipped"
    shutil.copytree(shipped_iocs, copy)
    monkeypatch.setattr(installed, "BUNDLED_FOLDER", copy)
    installed._cache.clear()
    return copy


def test_a_changed_shipped_file_is_refused_naming_it(shipped_copy: Path) -> None:
    with (shipped_copy / "ioc.yaml").open("a") as handle:
        handle.write("- name: Added\n  packages: [com.example.added]\n")
    with pytest.raises(IndicatorError, match=r"ioc\.yaml.*does not match the SHA-256"):
        installed_indicators()


def test_a_missing_shipped_set_is_unavailable_not_empty(shipped_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shipped_copy / "bundled.json").unlink()
    with pytest.raises(CheckUnavailable, match="auditor iocs update"):
        installed_indicators()
    assert main(["iocs", "status"]) == 3
    assert "auditor iocs update --from FILE" in capsys.readouterr().out


def test_age_is_said_and_past_sixty_days_an_update_is_offered_naming_what_it_contacts() -> None:
    meta = current_meta()
    published = datetime.fromisoformat(meta.published_at)
    assert stale_notice(meta, now=published + timedelta(days=60)) is None
    assert "dated 2026-06-21 (60 days old)" in describe_age(meta, now=published + timedelta(days=60))
    notice = stale_notice(meta, now=published + timedelta(days=61))
    assert notice is not None and "61 days old" in notice
    assert "auditor iocs update" in notice and "raw.githubusercontent.com" in notice


def test_an_installed_set_is_dated_by_its_download(shipped_iocs: Path) -> None:
    install_from_files([shipped_iocs / "ioc.yaml"])
    meta = current_meta()
    assert not meta.bundled and not meta.is_stale() and "installed, dated" in describe_age(meta)


def test_a_bad_file_leaves_the_installed_set_intact(shipped_iocs: Path, tmp_path: Path, isolated_home: Path) -> None:
    install_from_files([shipped_iocs / "ioc.yaml"])
    before = {p.name: p.read_bytes() for p in (isolated_home / "indicators").iterdir()}
    bad = tmp_path / "ioc.yaml"
    bad.write_text("- name: Broken\n  packages: 12\n")
    with pytest.raises(IndicatorError):
        install_from_files([bad])
    after = {p.name: p.read_bytes() for p in (isolated_home / "indicators").iterdir()}
    assert after == before
    assert installed_indicators().counts().packages == 613


class _Serve(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upstream(shipped_iocs: Path) -> Iterator[str]:
    handler = type("Handler", (_Serve,), {"body": (shipped_iocs / "ioc.yaml").read_bytes()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ioc.yaml"
    server.shutdown()
    server.server_close()
    thread.join()


def test_update_downloads_validates_and_installs(
    upstream: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUDITOR_IOCS_URL", upstream)
    assert main(["iocs", "update"]) == 0
    assert "apps:           147" in capsys.readouterr().out
    meta = read_meta()
    assert meta is not None and meta.source == upstream
    assert main(["iocs", "status"]) == 0
    out = capsys.readouterr().out
    assert upstream in out and "package names:  613" in out and "C2 IPs:" in out


def test_update_offline_is_a_clear_error_and_keeps_the_old_set(
    shipped_iocs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    install_from_files([shipped_iocs / "watchware.yaml"])
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once we leave: nothing listens there
    monkeypatch.setenv("AUDITOR_IOCS_URL", f"http://127.0.0.1:{port}/ioc.yaml")
    assert main(["iocs", "update"]) == 3
    err = capsys.readouterr().err
    assert "are you offline?" in err and "not changed" in err
    assert len(installed_indicators().apps) == 27


def test_status_of_the_shipped_set_credits_it_and_says_its_age(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iocs", "status"]) == 0
    out = capsys.readouterr().out
    assert "Commit:     a04c5c1958bff93fec3b1b56edbb412b209f2a38" in out
    assert "CC-BY 4.0 — Stalkerware indicators by Echap" in out
    assert "shipped with auditor, dated 2026-06-21" in out and "apps:           174" in out


def test_update_from_two_files(shipped_iocs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "iocs",
            "update",
            "--from",
            str(shipped_iocs / "ioc.yaml"),
            "--from",
            str(shipped_iocs / "watchware.yaml"),
        ]
    )
    assert code == 0
    assert len(installed_indicators().apps) == 174
