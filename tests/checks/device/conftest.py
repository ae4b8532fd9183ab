"""The device tests' fixtures (tests/device/conftest.py): the shipped indicator set installed, real programs
started with chosen names and stopped after the test."""

from __future__ import annotations

from device.conftest import installed, running  # noqa: F401  (fixtures, shared with tests/device)
