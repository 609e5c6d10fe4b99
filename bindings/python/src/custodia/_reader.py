"""EnvelopeReader: an opened envelope read with random access, as a read-only, seekable binary file object.

This module owns one ``custodia_reader`` handle per object. Every read goes through ``custodia_reader_read_at``, which
authenticates each chunk (and checks it against what was verified when the reader was opened) before a byte of it is
copied out; a chunk that fails raises :class:`~custodia.OpenFailed` (or :class:`~custodia.EnvelopeChanged`) and
leaves no plaintext in the caller's buffer. Closing frees the handle, which wipes the library's chunk buffer and key.
"""

from __future__ import annotations

import ctypes
import io
import threading
from ctypes import byref
from typing import TYPE_CHECKING, Any

from . import _raw
from ._errors import invoke

if TYPE_CHECKING:
    from .custodian import EnvelopeInfo

__all__ = ["EnvelopeReader"]


class EnvelopeReader(io.RawIOBase):
    """The plaintext of an envelope, read on demand (``Custodian.open_seekable``): ``read``, ``readinto``, ``seek``,
    ``tell``, and the usual buffered wrappers (``io.BufferedReader(reader)``). :attr:`info` is the envelope's bound
    metadata. Use it in a ``with`` block, or :meth:`close` it, to wipe the library's buffer promptly.

    Reading is ``pread``-like: each call states its offset, so one reader may serve several threads (calls are
    serialised on the handle), and the position is this object's own.
    """

    def __init__(self, handle: int, info: EnvelopeInfo) -> None:
        super().__init__()
        self._handle = handle
        self._pos = 0
        self._lock = threading.Lock()
        self.info = info
        n = ctypes.c_uint64()
        try:
            invoke(_raw.lib.custodia_reader_len, handle, byref(n))
        except BaseException:
            invoke(_raw.lib.custodia_reader_free, handle)
            self._handle = 0
            raise
        self._len = n.value

    def __len__(self) -> int:
        return self._len

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def tell(self) -> int:
        self._checkClosed()
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._checkClosed()
        if whence == io.SEEK_SET:
            new = offset
        elif whence == io.SEEK_CUR:
            new = self._pos + offset
        elif whence == io.SEEK_END:
            new = self._len + offset
        else:
            raise ValueError(f"invalid whence {whence!r}")
        if new < 0:
            raise ValueError(f"negative seek position {new}")
        self._pos = new
        return new

    def readinto(self, buffer: Any) -> int:
        """Read up to ``len(buffer)`` bytes at the current position into ``buffer`` (any writable bytes-like
        object); 0 at the end. No plaintext is written into ``buffer`` when a chunk fails."""
        self._checkClosed()
        view = memoryview(buffer).cast("B")
        if view.readonly:
            raise TypeError("readinto needs a writable buffer")
        if not view:
            return 0
        target = (ctypes.c_char * len(view)).from_buffer(view)
        got = ctypes.c_size_t()
        with self._lock:
            invoke(_raw.lib.custodia_reader_read_at, self._handle, self._pos, target, len(view), byref(got))
        del target
        self._pos += got.value
        return got.value

    def pread(self, offset: int, length: int) -> bytes:
        """``length`` bytes (fewer at the end) at ``offset``, without moving the position."""
        self._checkClosed()
        if offset < 0 or length < 0:
            raise ValueError("offset and length must not be negative")
        buf = bytearray(length)
        if not length:
            return b""
        target = (ctypes.c_char * length).from_buffer(buf)
        got = ctypes.c_size_t()
        with self._lock:
            invoke(_raw.lib.custodia_reader_read_at, self._handle, offset, target, length, byref(got))
        del target
        return bytes(buf[: got.value])

    def close(self) -> None:
        """Free the reader: the library wipes its chunk buffer and key. Idempotent."""
        if not self.closed:
            handle, self._handle = self._handle, 0
            if handle:
                invoke(_raw.lib.custodia_reader_free, handle)
        super().close()

    def __repr__(self) -> str:
        return f"EnvelopeReader({self.info.object_id}, {self._len} bytes{', closed' if self.closed else ''})"
