"""SensitiveBytes: wiped on close, with, and collection; never shown; compared in constant time."""

from __future__ import annotations

import copy
import ctypes
import pickle

import pytest

from custodia import SensitiveBytes


def test_repr_and_str_never_show_content():
    s = SensitiveBytes(b"IBAN NL91ABNA0417164300")
    for text in (repr(s), str(s), f"{s}", f"{[s]}"):
        assert "IBAN" not in text and "REDACTED" in text
    s.close()
    assert repr(s) == "SensitiveBytes(closed)"


def test_expose_bytes_len_eq():
    s = SensitiveBytes(bytearray(b"abc"))
    assert s.expose() == b"abc" and s.expose().readonly
    assert bytes(s) == b"abc" and len(s) == 3
    assert s == b"abc" and s == SensitiveBytes(b"abc") and s != b"abd"
    with pytest.raises(TypeError):
        hash(s)


def test_close_wipes_in_place_including_views():
    s = SensitiveBytes(b"secret")
    view = s.expose()
    s.close()
    assert bytes(view) == b"\0" * 6
    assert s.closed
    with pytest.raises(ValueError):
        s.expose()
    with pytest.raises(ValueError):
        bytes(s)
    s.close()  # idempotent


@pytest.mark.parametrize("size", [1, 1 << 16, (1 << 16) + 1, 1 << 20])
def test_wipe_overwrites_the_same_storage_at_every_size(size):
    s = SensitiveBytes(b"\xa5" * size)
    view = s.expose()  # holds an export: the bytearray cannot be reallocated while it lives
    address = ctypes.addressof(ctypes.c_char.from_buffer(s._buf))
    s.close()
    assert view.nbytes == size and not any(view)
    assert ctypes.string_at(address, size) == bytes(size)


def test_from_address_copies_the_bytes():
    src = ctypes.create_string_buffer(b"plain text", 10)
    s = SensitiveBytes._from_address(ctypes.addressof(src), 10)
    src[0] = b"X"
    assert s == b"plain text"
    assert SensitiveBytes._from_address(0, 0) == b""


def test_with_block_wipes():
    with SensitiveBytes(b"secret") as s:
        view = s.expose()
    assert bytes(view) == b"\0" * 6


def test_del_wipes():
    s = SensitiveBytes(b"secret")
    buf = s._buf
    del s
    assert buf == bytearray(6)


def test_not_picklable_or_copyable():
    s = SensitiveBytes(b"x")
    with pytest.raises(TypeError):
        pickle.dumps(s)
    with pytest.raises(TypeError):
        copy.copy(s)
    with pytest.raises(TypeError):
        copy.deepcopy(s)
