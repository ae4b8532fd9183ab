"""iPhone backup folders, unencrypted and encrypted, through `auditor audit --only ios-backup --path DIR`."""

from __future__ import annotations

import hashlib
import json
import plistlib
import sqlite3
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.ios import backup as backup_module
from auditor.ios.source import backup_source
from auditor.model import Status

from .backupbuild import (
    PROFILES_DOMAIN,
    BackupFile,
    BackupSpec,
    build_backup,
    cloud_details,
    profile_file,
    profile_record,
    snapshot,
)
from .conftest import audit_sources, by_check, ios_checks, statuses

IOS_CHECKS = {c.spec.id for c in ios_checks()}
NOT_IN_A_BACKUP = {"ios.developer_mode", "ios.icloud_backup", "ios.sideloaded_apps"}
PASSWORD = "correct horse battery staple"


def compromised(password: str | None = None) -> BackupSpec:
    return BackupSpec(
        password=password,
        product_type="iPhone11,8",
        version="18.7.2",
        apps=["net.whatsapp.WhatsApp", "com.life360.safetymap", "org.coolstar.SileoStore"],
        files=[
            profile_file("a1b2c3", profile_record("com.family-safety.mdm", "Device Management", "Family Safety")),
            cloud_details(
                {
                    "IsSupervised": True,
                    "OrganizationName": "Family Safety",
                    "ConfigurationURL": "https://mdm.family-safety.example/enroll",
                }
            ),
        ],
    )


def audit_json(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = main(["audit", "--only", "ios-backup", "--path", str(folder), "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.mark.parametrize("password", [None, PASSWORD])
def test_a_compromised_backup_is_read_without_changing_it(
    tmp_path: Path, password: str | None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_backup(tmp_path / "00008110-000C11D22E33F401", compromised(password))
    before = snapshot(folder)
    if password:
        monkeypatch.setenv("AUDITOR_IOS_BACKUP_PASSWORD", password)
    code, data = audit_json(folder, capsys)
    assert snapshot(folder) == before, "the backup folder is exactly as it was"
    assert code == 1
    found: dict[str, list[dict]] = {}
    for finding in data["findings"]:
        found.setdefault(finding["check"], []).append(finding)
    assert set(found) == IOS_CHECKS
    assert {f["target"] for f in data["findings"]} == {"iPhone Sam's iPhone (iPhone11,8) backup, made 2026-11-30"}
    for check in NOT_IN_A_BACKUP:
        assert [f["status"] for f in found[check]] == ["skipped"], check

    (profile,) = found["ios.profiles"]
    assert profile["status"] == "review" and "device-management profile" in profile["title"]
    assert profile["evidence"]["payload_types"] == ["com.apple.mdm"]
    (record,) = profile["evidence"]["files"]
    stored = (folder / record["file"]).read_bytes()
    assert record["sha256"] == hashlib.sha256(stored).hexdigest(), "the evidence names the file as it is on disk"
    expected_plain = profile_record("com.family-safety.mdm", "Device Management", "Family Safety")
    if password:
        assert record["decrypted_sha256"] == hashlib.sha256(expected_plain).hexdigest()
        assert stored != expected_plain
    else:
        assert "decrypted_sha256" not in record and stored == expected_plain
    assert record["path_in_phone"].endswith("Library/ConfigurationProfiles/profile-a1b2c3.stub")

    assert {f["subject"] for f in found["ios.device_management"]} == {"supervised", "enrolment"}
    assert {f["subject"] for f in found["ios.dual_use_apps"]} == {"com.life360.safetymap"}
    assert {f["subject"] for f in found["ios.jailbreak"]} == {"org.coolstar.SileoStore"}
    jail = found["ios.jailbreak"][0]
    assert {f["file"] for f in jail["evidence"]["files"]} == {"Info.plist", "Manifest.plist", "Manifest.db"}
    (update,) = found["ios.software_update"]
    assert update["status"] == "review" and "when the backup was made (2026-11-30)" in update["title"]
    (clear,) = found["ios.stalkerware_apps"]
    assert clear["status"] == "clear"
    assert {f["file"] for f in clear["evidence"]["files"]} == {"Info.plist", "Manifest.plist", "Manifest.db"}


def test_an_encrypted_backup_without_its_password_says_how_to_give_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_backup(tmp_path / "bk", compromised(PASSWORD))
    code, data = audit_json(folder, capsys)  # no terminal to ask on, no variable
    assert code == 3
    assert {f["status"] for f in data["findings"]} == {"error"}
    assert all("AUDITOR_IOS_BACKUP_PASSWORD" in f["detail"] for f in data["findings"])


def test_a_wrong_password_reads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_backup(tmp_path / "bk", compromised(PASSWORD))
    monkeypatch.setenv("AUDITOR_IOS_BACKUP_PASSWORD", "Tr0ub4dor&3")
    code, data = audit_json(folder, capsys)
    assert code == 3 and {f["status"] for f in data["findings"]} == {"error"}
    assert all("not the one this backup was encrypted with" in f["detail"] for f in data["findings"])
    assert "Tr0ub4dor" not in json.dumps(data), "the password appears nowhere in the output"


def test_the_password_is_asked_on_a_terminal_and_never_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    folder = build_backup(tmp_path / "bk", compromised(PASSWORD))
    asked: list[str] = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)

    def getpass(prompt: str) -> str:
        asked.append(prompt)
        return PASSWORD

    monkeypatch.setattr("getpass.getpass", getpass)
    code, data = audit_json(folder, capsys)
    assert code == 1 and len(asked) == 1 and "not stored" in asked[0]
    assert "error" not in {f["status"] for f in data["findings"]}
    for path in [*isolated_home.rglob("*"), *folder.rglob("*")]:
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_a_clean_backup(tmp_path: Path) -> None:
    folder = build_backup(tmp_path / "bk", BackupSpec(files=[cloud_details({"IsSupervised": False})]))
    run = audit_sources([backup_source(folder, None)])
    found = statuses(run)
    for check in (
        "ios.stalkerware_apps",
        "ios.dual_use_apps",
        "ios.jailbreak",
        "ios.profiles",
        "ios.device_management",
    ):
        assert found[check] == {Status.CLEAR}, check
    assert run.exit_code == 0


def test_without_a_cloud_configuration_record_management_is_not_applicable(tmp_path: Path) -> None:
    folder = build_backup(tmp_path / "bk", BackupSpec())
    found = statuses(audit_sources([backup_source(folder, None)]))
    assert found["ios.device_management"] == {Status.SKIPPED}


@pytest.mark.parametrize(
    ("damage", "checks"),
    [
        ("no-manifest-db", ("ios.stalkerware_apps", "ios.dual_use_apps", "ios.jailbreak", "ios.profiles")),
        ("no-info-plist", ("ios.stalkerware_apps", "ios.dual_use_apps", "ios.jailbreak")),
        ("manifest-db-garbage", ("ios.stalkerware_apps", "ios.profiles")),
        ("profile-file-missing", ("ios.profiles",)),
        ("profile-not-a-plist", ("ios.profiles",)),
        ("no-profiles-folder", ("ios.profiles",)),
        ("cloud-details-wrong-type", ("ios.device_management",)),
        ("file-id-escapes", ("ios.profiles",)),
        ("info-wrong-types", ("ios.stalkerware_apps", "ios.software_update")),
    ],
)
def test_a_damaged_backup_is_never_clear(tmp_path: Path, damage: str, checks: tuple[str, ...]) -> None:
    spec = BackupSpec(files=[profile_file("p1", profile_record("com.x", "X")), cloud_details({"IsSupervised": False})])
    if damage == "no-profiles-folder":
        spec = BackupSpec(profiles_folder=False)
    if damage == "info-wrong-types":
        spec.info_extra = {"Product Version": 26, "Installed Applications": ["ok.app", 7, b"bytes"]}
        spec.manifest_extra = {"Lockdown": {"ProductVersion": ["x"]}}
    if damage == "cloud-details-wrong-type":
        spec.files = [cloud_details({"IsSupervised": "yes", "ConfigurationURL": 3})]
    folder = build_backup(tmp_path / "bk", spec)
    record = spec.files[0] if spec.files else None
    if damage == "no-manifest-db":
        (folder / "Manifest.db").unlink()
    elif damage == "no-info-plist":
        (folder / "Info.plist").unlink()
        (folder / "Manifest.plist").unlink()
    elif damage == "manifest-db-garbage":
        (folder / "Manifest.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 100)
    elif damage == "profile-file-missing" and record:
        (folder / record.file_id[:2] / record.file_id).unlink()
    elif damage == "profile-not-a-plist" and record:
        (folder / record.file_id[:2] / record.file_id).write_bytes(b"bplist00\x01\x02 cut short")
    elif damage == "file-id-escapes":
        connection = sqlite3.connect(folder / "Manifest.db")
        connection.execute("UPDATE Files SET fileID = '../../../etc/passwd' WHERE relativePath LIKE '%profile-p1%'")
        connection.commit()
        connection.close()
    source = backup_source(folder, None)
    found = statuses(audit_sources([source]))
    for check in checks:
        assert Status.CLEAR not in found[check], (damage, check, found[check])
        assert Status.ERROR in found[check], (damage, check, found[check])


def test_folders_that_are_not_backups(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "not an iPhone backup folder" in (backup_source(empty, None).error or "")
    old = tmp_path / "old"
    old.mkdir()
    (old / "Manifest.mbdb").write_bytes(b"mbdb\x05\x00")
    assert "before iOS 10" in (backup_source(old, None).error or "")
    assert "is not a folder" in (backup_source(tmp_path / "missing", None).error or "")


def test_a_damaged_keybag_is_a_source_error(tmp_path: Path) -> None:
    folder = build_backup(tmp_path / "bk", compromised(PASSWORD))
    manifest = plistlib.loads((folder / "Manifest.plist").read_bytes())
    manifest["BackupKeyBag"] = manifest["BackupKeyBag"][:37]
    (folder / "Manifest.plist").write_bytes(plistlib.dumps(manifest))
    error = backup_source(folder, PASSWORD).error or ""
    assert "keybag" in error and "damaged" in error


def test_a_keybag_asking_for_absurd_rounds_is_refused(tmp_path: Path) -> None:
    folder = build_backup(tmp_path / "bk", compromised(PASSWORD))
    manifest = plistlib.loads((folder / "Manifest.plist").read_bytes())
    bag = manifest["BackupKeyBag"]
    at = bag.index(b"DPIC") + 8
    manifest["BackupKeyBag"] = bag[:at] + (4_000_000_000).to_bytes(4, "big") + bag[at + 4 :]
    (folder / "Manifest.plist").write_bytes(plistlib.dumps(manifest))
    assert "rounds" in (backup_source(folder, PASSWORD).error or "")


def test_a_symbolic_link_in_the_folder_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.plist"
    secret.write_bytes(plistlib.dumps({"PayloadIdentifier": "outside"}))
    spec = BackupSpec(files=[profile_file("p1", profile_record("com.x", "X"))])
    folder = build_backup(tmp_path / "bk", spec)
    target = folder / spec.files[0].file_id[:2] / spec.files[0].file_id
    target.unlink()
    target.symlink_to(secret)
    found = by_check(audit_sources([backup_source(folder, None)]))["ios.profiles"]
    assert {f.status for f in found} == {Status.ERROR}
    assert "not a regular file" in found[0].detail


def test_backup_reads_are_limited_in_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup_module, "MAX_PLIST_BYTES", 64)
    spec = BackupSpec(files=[profile_file("p1", profile_record("com.x", "X" * 200))])
    folder = build_backup(tmp_path / "bk", spec)
    found = statuses(audit_sources([backup_source(folder, None)]))
    assert Status.CLEAR not in found["ios.profiles"]


def test_app_records_name_where_each_came_from(tmp_path: Path) -> None:
    spec = BackupSpec(apps=["a.one"], files=[BackupFile("AppDomain-b.two", "Library", None)])
    folder = build_backup(tmp_path / "bk", spec)
    source = backup_source(folder, None)
    apps = {a.bundle_id: a for a in source.clients["iphone"].apps().value}
    assert apps["a.one"].read_from == ("Info.plist", "Manifest.db", "Manifest.plist")
    assert apps["b.two"].read_from == ("Manifest.db",)
    assert [f.path for f in apps["b.two"].files] == ["Manifest.db"]
    assert PROFILES_DOMAIN not in apps


def test_a_backup_audited_into_a_case_is_kept_there_and_its_password_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from auditor.application.cases import open_case

    folder = build_backup(tmp_path / "bk", compromised("backup secret"))
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "case passphrase")
    monkeypatch.setenv("AUDITOR_IOS_BACKUP_PASSWORD", "backup secret")
    code = main(["audit", "--only", "ios-backup", "--path", str(folder), "--case", "sam", "--format", "json"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 1
    case = open_case("sam", "case passphrase")
    try:
        [run] = case.runs()
        kept = {f.fingerprint: f for f in case.findings_of(run.id)}
        stored = json.dumps(
            [case.accounts(), case.events(limit=1000), [f.to_dict() for f in kept.values()]], default=str
        )
    finally:
        case.close()
    assert {f["fingerprint"] for f in printed["findings"]} == set(kept)
    assert {f.check for f in kept.values()} == IOS_CHECKS
    assert any(f.check == "ios.profiles" and f.status is Status.REVIEW for f in kept.values())
    assert "backup secret" not in stored  # the backup password is used, never kept in the case


def test_ios_backup_without_a_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--only", "ios-backup"]) == 2
    assert "No backup folder was given" in capsys.readouterr().err
