"""The iPhone tests' fixtures (tests/ios/conftest.py): every test talks to 127.0.0.1 only, and `practice` starts
a practice iPhone that the test stops."""

from __future__ import annotations

from ios.conftest import loopback_only, practice  # noqa: F401  (fixtures, shared with tests/ios)
