"""Draft notices from the case, and the hosting provider's abuse contact looked up over RDAP.

The RDAP side is a loopback server speaking the real formats: IANA bootstrap files (RFC 9224) and RDAP
domain and IP network objects (RFC 9083), queried by whoisit exactly as it would query the registries.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from auditor.store import CaseStore
from auditor.timeline import Timeline
from auditor.timeline.rdap import RdapUnavailable, lookup, registered_domain

from .conftest import HOSTILE, Cli, assert_inert


def vcard(name: str, email: str | None = None) -> list[Any]:
    props: list[Any] = [["version", {}, "text", "4.0"], ["fn", {}, "text", name]]
    if email:
        props.append(["email", {}, "text", email])
    return ["vcard", props]


IP_NETWORK = {
    "rdapConformance": ["rdap_level_0"],
    "objectClassName": "ip network",
    "handle": "NET-5-45-0-0-1",
    "startAddress": "5.45.0.0",
    "endAddress": "5.45.255.255",
    "ipVersion": "v4",
    "name": "EXAMPLE-HOSTING-NET",
    "entities": [
        {
            "objectClassName": "entity",
            "handle": "EXH-1",
            "roles": ["registrant"],
            "vcardArray": vcard("Example Hosting \x1b[31mLtd"),
            "entities": [
                {
                    "objectClassName": "entity",
                    "handle": "ABUSE-EXH",
                    "roles": ["abuse"],
                    "vcardArray": vcard("Abuse desk", "abuse@hosting.example"),
                }
            ],
        }
    ],
}
DOMAIN = {
    "rdapConformance": ["rdap_level_0"],
    "objectClassName": "domain",
    "handle": "D1-TEST",
    "ldhName": "leak-site.test",
    "entities": [
        {
            "objectClassName": "entity",
            "handle": "9999",
            "roles": ["registrar"],
            "vcardArray": vcard("Example Registrar, Inc."),
            "entities": [
                {
                    "objectClassName": "entity",
                    "roles": ["abuse"],
                    "vcardArray": vcard("Registrar abuse", "abuse@registrar.example"),
                }
            ],
        }
    ],
}


class RdapServer:
    def __init__(self) -> None:
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                body = owner.answer(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Type", "application/rdap+json")
                    payload = json.dumps({"errorCode": 404, "title": "Not Found"}).encode()
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rdap+json")
                    payload = json.dumps(body).encode()
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def answer(self, path: str) -> dict[str, Any] | None:
        rdap = [self.base + "/rdap/"]
        bootstrap = {
            "/bootstrap/asn.json": [[["64496-64511"], rdap]],
            "/bootstrap/dns.json": [[["test", "uk", "xn--p1ai"], rdap]],
            "/bootstrap/ipv4.json": [[["5.0.0.0/8"], rdap]],
            "/bootstrap/ipv6.json": [[["2001:db8::/32"], rdap]],
            "/bootstrap/object-tags.json": [[["rdap@example.test"], ["TEST"], rdap]],
        }
        if path in bootstrap:
            return {"version": "1.0", "publication": "2026-11-01T00:00:00Z", "services": bootstrap[path]}
        if path == "/rdap/ip/5.45.67.89":
            return IP_NETWORK
        if path == "/rdap/ip/5.45.0.66":  # a server's mistakes: arrays that are not arrays
            odd = [{"roles": "abuse", "entities": 5}, 3, *IP_NETWORK["entities"]]
            return {**IP_NETWORK, "roles": 7, "entities": odd}
        if path == "/rdap/ip/5.45.0.67":
            return {**IP_NETWORK, "entities": {"not": "a list"}}
        if path == "/rdap/domain/leak-site.test":
            return DOMAIN
        if path in ("/rdap/domain/leak-site.co.uk", "/rdap/domain/xn--e1afmkfd.xn--p1ai"):
            return {**DOMAIN, "ldhName": path.rsplit("/", 1)[-1]}
        return None


@pytest.fixture
def rdap(monkeypatch: pytest.MonkeyPatch) -> Iterator[RdapServer]:
    server = RdapServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AUDITOR_RDAP_BOOTSTRAP_URL", server.base + "/bootstrap/")
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bootstrap address where nothing listens: what a machine without a network sees."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AUDITOR_RDAP_BOOTSTRAP_URL", f"http://127.0.0.1:{port}/bootstrap/")


@pytest.fixture
def located(cli: Cli, tmp_path: Path) -> None:
    assert cli("case", "create", "c1")[0] == 0
    with CaseStore.open("c1", "pw") as store:
        timeline = Timeline(store)
        timeline.add_location("http://5.45.67.89/gallery/1", "Leak Site")
        timeline.add_location("https://www.leak-site.test/p/2", HOSTILE)
        shot = tmp_path / "shot.png"
        shot.write_bytes(b"screenshot")
        timeline.add_evidence_file(shot, location_id=1)


def test_lookup_finds_the_hosting_abuse_contact(rdap: RdapServer) -> None:
    info = lookup("http://5.45.67.89/gallery/1")
    assert info.ip == "5.45.67.89" and info.network == "EXAMPLE-HOSTING-NET"
    assert info.hosting_abuse is not None and info.hosting_abuse.emails == ("abuse@hosting.example",)
    assert info.abuse_emails == ("abuse@hosting.example",)
    assert "/rdap/ip/5.45.67.89" in rdap.requests


def test_lookup_reads_past_malformed_parts_of_an_answer(rdap: RdapServer) -> None:
    info = lookup("http://5.45.0.66/x")
    assert info.abuse_emails == ("abuse@hosting.example",), "the well-formed entities are still read"
    with pytest.raises(RdapUnavailable, match=r"RDAP knows nothing about 5\.45\.0\.67"):
        lookup("http://5.45.0.67/x")


def test_lookup_finds_the_registrar_of_a_domain(rdap: RdapServer) -> None:
    info = lookup("https://www.leak-site.test/p/2")
    assert info.registrar is not None and info.registrar.name == "Example Registrar, Inc."
    assert info.abuse_emails == ("abuse@registrar.example",)
    assert "/rdap/domain/leak-site.test" in rdap.requests


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("www.leak-site.test", "leak-site.test"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("EXAMPLE.CO.UK.", "example.co.uk"),
        ("photos.example.com.au", "example.com.au"),
        ("someone.github.io", "github.io"),  # a private suffix: the registry knows github.io
        ("co.uk", "co.uk"),
        ("localhost", "localhost"),
    ],
)
def test_registered_domain_follows_the_public_suffix_list(host: str, domain: str) -> None:
    assert registered_domain(host) == domain


def test_lookup_asks_for_the_registered_domain_under_a_two_label_suffix(rdap: RdapServer) -> None:
    info = lookup("https://img.leak-site.co.uk/p/3")
    assert info.registrar is not None and info.registrar.name == "Example Registrar, Inc."
    assert "/rdap/domain/leak-site.co.uk" in rdap.requests
    assert "/rdap/domain/co.uk" not in rdap.requests


def test_lookup_asks_for_an_international_domain_in_a_labels(rdap: RdapServer) -> None:
    info = lookup("https://фото.пример.рф/альбом")
    assert info.registrar is not None and info.registrar.name == "Example Registrar, Inc."
    assert "/rdap/domain/xn--e1afmkfd.xn--p1ai" in rdap.requests


def test_lookup_offline_is_a_clear_error(offline: None) -> None:
    with pytest.raises(RdapUnavailable, match="could not load the RDAP bootstrap registry"):
        lookup("http://5.45.67.89/gallery/1")


def test_abuse_draft_names_the_host_and_its_abuse_desk(
    cli: Cli, rdap: RdapServer, located: None, tmp_path: Path
) -> None:
    out_file = tmp_path / "abuse.txt"
    code, out, err = cli(
        "timeline", "draft", "--case", "c1", "--kind", "abuse", "--location", "1",
        "--name", "Ann Example", "--contact", "ann@example.org", "--out", str(out_file),
    )  # fmt: skip
    assert code == 0 and "NOT encrypted" in out
    assert "exports are NOT encrypted" in err, "said on stderr before the file is written"
    text = out_file.read_text()
    assert text.startswith("To: abuse@hosting.example\n")
    assert "http://5.45.67.89/gallery/1" in text
    assert "Network abuse contact: abuse@hosting.example" in text
    assert "Network holder: Example Hosting \\x1b[31mLtd" in text, "RDAP text is made literal"
    assert "SHA-256 " in text and "Ann Example" in text and "ann@example.org" in text
    assert_inert(text)


def test_abuse_draft_offline_leaves_a_blank_and_says_why(cli: Cli, offline: None, located: None) -> None:
    code, out, err = cli("timeline", "draft", "--case", "c1", "--kind", "abuse", "--location", "1")
    assert code == 0
    assert out.startswith("To: [THE HOSTING PROVIDER'S ABUSE ADDRESS — FILL IN]")
    assert "Could not look up who hosts this address" in err and "You may be offline" in err
    code, out, err = cli("timeline", "draft", "--case", "c1", "--kind", "abuse", "--location", "1", "--offline")
    assert code == 0 and "(--offline)" in err


def test_dmca_draft_has_all_six_elements(cli: Cli, located: None) -> None:
    code, out, _ = cli("timeline", "draft", "--case", "c1", "--kind", "dmca", "--location", "1", "--name", "Ann")
    assert code == 0
    assert "Signature: /Ann/" in out  # (i) signature
    assert "The copyrighted work:" in out  # (ii) the work
    assert "The infringing material and where it is:\n   http://5.45.67.89/gallery/1" in out  # (iii)
    assert "My contact information:" in out and "[YOUR EMAIL OR ADDRESS — FILL IN]" in out  # (iv)
    assert "good faith belief that use of the material in the manner complained of is not authorized" in out  # (v)
    assert "accurate, and under penalty of perjury" in out and "authorized to act on behalf of the owner" in out
    assert "SHA-256 " in out


def test_take_it_down_draft_has_the_required_parts(cli: Cli, located: None) -> None:
    code, out, _ = cli("timeline", "draft", "--case", "c1", "--kind", "takeitdown", "--location", "2")
    assert code == 0
    assert "Signature: /[YOUR FULL NAME — FILL IN]/" in out
    assert "https://www.leak-site.test/p/2" in out
    assert "good faith belief that this intimate visual depiction of me is not consensual" in out
    assert "How to contact me:" in out
    assert "within 48 hours" in out
    assert "[bold red]boom[/]" in out and "<U+202E>" in out
    assert_inert(out)
    code, _, err = cli("timeline", "draft", "--case", "c1", "--kind", "dmca", "--location", "9")
    assert code == 2 and "no content location 9" in err
