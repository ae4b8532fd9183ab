"""Malformed data files fail with a message naming the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import PlaybookError
from auditor.playbooks import builtin_playbooks, covering_checks, load_playbooks, render_playbook

GOOD = """\
id: test-playbook
title: A test playbook
why: Because someone may be watching what you do.
safety:
  - Removing it can alert whoever installed it.
preserve_evidence:
  - Save the finding as evidence first.
steps:
  linux:
    - Open a terminal.
verify: Run the check again.
escalate:
  - when: You feel unsafe
    where: A domestic violence hotline
"""


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    folder = tmp_path / "books"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder


def test_a_good_playbook_loads(tmp_path: Path) -> None:
    library = load_playbooks([write(tmp_path, GOOD)])
    assert library["test-playbook"].steps["linux"] == ("Open a terminal.",)


def test_wrong_field_type_names_file_line_and_field(tmp_path: Path) -> None:
    bad = GOOD.replace("  linux:\n    - Open a terminal.", "  linux: 42")
    folder = write(tmp_path, bad)
    with pytest.raises(PlaybookError) as info:
        load_playbooks([folder])
    message = str(info.value)
    assert "p.yaml" in message
    assert "line 9" in message
    assert "steps.linux" in message


def test_missing_field_names_it(tmp_path: Path) -> None:
    bad = GOOD.replace("verify: Run the check again.\n", "")
    with pytest.raises(PlaybookError, match=r"p\.yaml, line 1: verify: Field required"):
        load_playbooks([write(tmp_path, bad)])


def test_unknown_platform_is_rejected(tmp_path: Path) -> None:
    bad = GOOD.replace("  linux:", "  toaster:")
    with pytest.raises(PlaybookError, match="unknown platform 'toaster'"):
        load_playbooks([write(tmp_path, bad)])


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    bad = GOOD.replace("title: A test playbook", "title: [unclosed")
    with pytest.raises(PlaybookError, match=r"line \d+: not valid YAML"):
        load_playbooks([write(tmp_path, bad)])


def test_a_key_written_twice_is_refused_with_both_lines(tmp_path: Path) -> None:
    # YAML would keep the second `steps` silently and drop the first set of steps.
    bad = GOOD.replace(
        "verify: Run the check again.", "steps:\n  linux:\n    - Something else.\nverify: Run the check again."
    )
    with pytest.raises(PlaybookError, match=r"p\.yaml, line 11: the key 'steps' appears twice \(first on line 8\)"):
        load_playbooks([write(tmp_path, bad)])


def test_a_merge_key_is_not_a_duplicate(tmp_path: Path) -> None:
    from auditor.yamlfile import parse_yaml

    located = parse_yaml("base: &b {a: 1}\none:\n  <<: *b\n  b: 2\ntwo:\n  <<: *b\n", tmp_path / "x.yaml")
    assert located.data["one"] == {"a": 1, "b": 2}


def test_duplicate_playbook_id_is_an_error(tmp_path: Path) -> None:
    folder = write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(PlaybookError, match="already defined"):
        load_playbooks([folder])


def test_every_shipped_playbook_is_safety_first_and_used_by_some_check() -> None:
    from auditor.audit import load_checks

    specs = [c.spec for c in load_checks().values()]
    library = builtin_playbooks()
    assert library
    for playbook in library.values():
        covers = covering_checks(playbook.id, specs)
        assert covers, f"{playbook.id}: no check names it in its playbooks"
        text = render_playbook(playbook, covers=covers)
        assert text.index("safety") < text.index("Save the evidence first") < text.index("Steps")
        assert text.rstrip().endswith(covers[-1])


def test_every_shipped_check_names_playbooks_that_exist() -> None:
    from auditor.audit import load_checks

    library = builtin_playbooks()
    for check in load_checks().values():
        assert check.spec.playbooks, f"{check.spec.id} names no playbook"
        missing = [p for p in check.spec.playbooks if p not in library]
        assert not missing, f"{check.spec.id} names unknown playbooks {missing}"


def test_a_playbook_file_may_not_say_which_checks_it_covers(tmp_path: Path) -> None:
    # The link is written once, in the checks; a second copy in the playbook would drift from it.
    with pytest.raises(PlaybookError, match="covers"):
        load_playbooks([write(tmp_path, GOOD.replace("title: A test playbook", "title: A test playbook\ncovers: [x]"))])
