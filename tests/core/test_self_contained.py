"""The tests read nothing outside the repository: a contributor's fresh clone has nothing beside it."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# A path climbing out of the repository: `parents[N]` past the tests folder's depth, or "../" then a name.
OUTSIDE = re.compile(r"""\.\./(?:shared|iocs)\b|["']shared["']\s*/\s*["']iocs["']""")


def test_no_test_or_bench_names_a_folder_beside_the_repository() -> None:
    offenders = []
    for folder in ("tests", "bench"):
        for path in sorted((REPO / folder).rglob("*.py")):
            if path == Path(__file__).resolve():
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if OUTSIDE.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_indicator_set_the_tests_use_is_inside_the_repository(shipped_iocs: Path) -> None:
    # Through the fixture: importing tests/conftest.py by another name would run it twice.
    assert shipped_iocs.resolve().is_relative_to(REPO)
    assert (shipped_iocs / "ioc.yaml").is_file() and (shipped_iocs / "watchware.yaml").is_file()
