"""Python file objects as the C ABI's read and write callbacks (``custodia_read_fn``, ``custodia_write_fn``).

This module owns the callback trampolines. The library calls them only on the thread that called it and only
during that call, so a trampoline lives exactly as long as the :class:`StreamPair` of the call. A Python exception
inside a callback must never unwind into Rust (ctypes would print it and return 0, i.e. "success"): each trampoline
catches everything, stores it, and returns non-zero; after the call the stored exception is raised instead of the
library's generic I/O error, with that error as its context.
"""

from __future__ import annotations

import ctypes
from ctypes import c_void_p
from typing import Any, BinaryIO, Callable, Optional

from ._errors import CustodiaError, invoke
from ._raw import READ_FN, WRITE_FN

__all__ = ["READ_FN", "WRITE_FN", "StreamPair"]



def _view(address: Any, length: int) -> memoryview:
    """A memoryview over library memory that is valid only during the callback."""
    addr = ctypes.cast(address, c_void_p).value
    return memoryview((ctypes.c_char * length).from_address(addr)).cast("B")


class StreamPair:
    """Read callback over ``src`` and write callback over ``dst`` for one library call."""

    def __init__(self, src: Optional[BinaryIO], dst: Optional[BinaryIO]) -> None:
        self._src = src
        self._dst = dst
        self.error: Optional[BaseException] = None
        self.read_fn = READ_FN(self._read) if src is not None else READ_FN()
        self.write_fn = WRITE_FN(self._write) if dst is not None else WRITE_FN()
        if src is not None and not (hasattr(src, "readinto") or hasattr(src, "read")):
            raise TypeError(f"source must be a binary file object, not {type(src).__name__}")
        if dst is not None and not hasattr(dst, "write"):
            raise TypeError(f"destination must be a binary file object, not {type(dst).__name__}")

    def _read(self, _ctx: Any, buffer: Any, capacity: int, out_read: Any) -> int:
        try:
            target = _view(buffer, capacity)
            readinto = getattr(self._src, "readinto", None)
            if readinto is not None:
                n = readinto(target)
                n = 0 if n is None else n  # non-blocking "no data" is treated as end of input
            else:
                chunk = self._src.read(capacity)  # type: ignore[union-attr]
                if not isinstance(chunk, (bytes, bytearray)):
                    raise TypeError(f"source read() returned {type(chunk).__name__}, not bytes")
                n = len(chunk)
                target[:n] = chunk
            if not 0 <= n <= capacity:
                raise ValueError(f"source readinto() returned {n} for a {capacity}-byte buffer")
            out_read[0] = n
            return 0
        except BaseException as e:  # noqa: BLE001 - nothing may unwind into the library
            self.error = e
            return 1

    def _write(self, _ctx: Any, data: Any, length: int) -> int:
        try:
            view = _view(data, length) if length else memoryview(b"")
            while view:
                n = self._dst.write(view)  # type: ignore[union-attr]
                if n is None:  # BufferedWriter-like objects consume everything or raise
                    break
                view = view[n:]
            return 0
        except BaseException as e:  # noqa: BLE001
            self.error = e
            return 1

    def call(self, fn: Callable[..., int], *args: Any) -> None:
        """``invoke(fn, *args)``; if a callback failed, raise its exception (chained to the library's error)."""
        try:
            invoke(fn, *args)
        except CustodiaError as library_error:
            if self.error is not None:
                raise self.error from library_error
            raise
