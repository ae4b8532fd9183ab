"""The backup keybag: a password unlocks its class keys, a wrong one or a damaged keybag never reads anything."""

from __future__ import annotations

import os
import struct
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.ios import keybag

from .backupbuild import Keys, encrypt, mbfile


def test_round_trip_of_a_keybag_file_key_and_file() -> None:
    keys = Keys("pass phrase")
    bag = keybag.parse_keybag(keys.keybag())
    assert set(bag.class_keys) == set(keys.class_keys)
    keybag.unlock(bag, "pass phrase")
    assert bag.unwrapped == keys.class_keys
    file_key = os.urandom(32)
    content = b"<plist>the file</plist>"
    assert keybag.decrypt(keybag.unwrap_file_key(bag, keys.wrapped(3, file_key)), encrypt(file_key, content)) == content


def test_a_wrong_password_is_said_so() -> None:
    keys = Keys("pass phrase")
    bag = keybag.parse_keybag(keys.keybag())
    with pytest.raises(keybag.WrongPassword):
        keybag.unlock(bag, "pass phrase ")


def test_the_file_record_is_read_from_its_keyed_archive() -> None:
    import plistlib

    record = keybag.file_record(plistlib.loads(mbfile("Library/x.plist", 42, b"\x03\x00\x00\x00" + b"k" * 40)))
    assert (record.size, record.protection_class) == (42, 3)
    assert record.encryption_key == b"\x03\x00\x00\x00" + b"k" * 40
    folder_record = keybag.file_record(plistlib.loads(mbfile("Library", 0, None)))
    assert folder_record.encryption_key is None


def test_a_key_of_a_class_the_keybag_lacks() -> None:
    keys = Keys("p")
    keys.class_keys = {1: os.urandom(32)}
    bag = keybag.parse_keybag(keys.keybag())
    keybag.unlock(bag, "p")
    with pytest.raises(keybag.KeybagError, match="protection class 3"):
        keybag.unwrap_file_key(bag, struct.pack("<I", 3) + os.urandom(40))


def test_a_file_cut_short_is_not_decrypted() -> None:
    with pytest.raises(keybag.KeybagError, match="whole number of AES blocks"):
        keybag.decrypt(os.urandom(32), os.urandom(33))


@given(st.binary(max_size=400))
def test_any_bytes_as_a_keybag_give_a_keybag_error_or_a_keybag(data: bytes) -> None:
    with mock.patch.object(keybag, "MAX_ROUNDS", 1000):  # the rounds limit is tested on its own; keep cases fast
        try:
            bag = keybag.parse_keybag(data)
        except keybag.KeybagError:
            return
        try:
            keybag.unlock(bag, "x")
        except keybag.KeybagError:
            pass


KEYBAG = Keys("pw", iterations=1, dp_iterations=1).keybag()


@given(st.integers(min_value=0, max_value=len(KEYBAG) - 1), st.binary(min_size=1, max_size=8))
def test_a_damaged_real_keybag_never_unlocks_silently(at: int, junk: bytes) -> None:
    damaged = KEYBAG[:at] + junk + KEYBAG[at + len(junk) :]
    try:
        with mock.patch.object(keybag, "MAX_ROUNDS", 1000):
            bag = keybag.parse_keybag(damaged)
            keybag.unlock(bag, "pw")
    except keybag.KeybagError:
        return
    # It unlocked: then every class key it unwrapped passed AES key wrap's integrity check.
    assert all(len(key) == 32 for key in bag.unwrapped.values())
