"""SensitiveBytes: the one container in which custodia hands secret bytes to Python.

This module owns wiping: every plaintext the library returns is copied straight from the library's buffer into a
``bytearray`` held here (never through an intermediate ``bytes``, which Python cannot wipe), and that bytearray is
overwritten with zeros on ``close()``, on leaving a ``with`` block, and when the object is garbage collected. It must
never print, pickle or hash the content.

Limits of what Python allows: ``bytes(s)`` and anything derived from :meth:`SensitiveBytes.expose` (slices copied
into ``bytes``, decoded ``str``) are ordinary immutable objects this module cannot wipe; keep such copies short-lived
or work on the exposed view directly.
"""

from __future__ import annotations

import ctypes
import hmac
from typing import Any

__all__ = ["SensitiveBytes"]


#: Up to this size a wipe copies zeros from a constant block (cheaper than building a ctypes view of the buffer).
_SMALL = 1 << 16
_ZEROS = memoryview(bytes(_SMALL))


def _wipe(buf: bytearray) -> None:
    # In place, so views handed out by expose() see zeros too. An equal-length slice assignment is a memcpy into the
    # existing storage (a bytearray reallocates only when its length changes, which its export lock would refuse);
    # large buffers take ctypes.memset, whose fixed cost (a ctypes view of the buffer) no longer matters there.
    n = len(buf)
    if n <= _SMALL:
        buf[:] = _ZEROS[:n]
    else:
        ctypes.memset((ctypes.c_char * n).from_buffer(buf), 0, n)


class SensitiveBytes:
    """Secret: bytes that are wiped on close and on collection, and never shown by ``repr``.

    >>> s = SensitiveBytes(b"IBAN NL91ABNA0417164300")
    >>> s
    SensitiveBytes(len=23, [REDACTED])
    >>> with s:
    ...     bytes(s.expose()[:4])
    b'IBAN'
    >>> s.closed
    True
    """

    __slots__ = ("_buf", "__weakref__")

    def __init__(self, data: bytes | bytearray | memoryview = b"") -> None:
        """Copy ``data`` into a new wipeable buffer (the caller remains responsible for its own copy)."""
        self._buf: bytearray | None = bytearray(data)

    @classmethod
    def _from_address(cls, address: int, length: int) -> SensitiveBytes:
        """Copy ``length`` bytes at ``address`` (memory the library owns) with no intermediate ``bytes``."""
        self = cls.__new__(cls)
        # bytearray() of a ctypes array over the library's memory copies once, through the buffer protocol.
        self._buf = bytearray((ctypes.c_char * length).from_address(address)) if length else bytearray()
        return self

    @classmethod
    def _adopt(cls, buf: bytearray) -> SensitiveBytes:
        """Take ``buf`` itself (no copy) as this value's storage: the library writes plaintext into it in place."""
        self = cls.__new__(cls)
        self._buf = buf
        return self

    def _live(self) -> bytearray:
        if self._buf is None:
            raise ValueError("SensitiveBytes is closed (wiped)")
        return self._buf

    def expose(self) -> memoryview:
        """A read-only view of the bytes, without copying. It shows zeros once this object is closed."""
        return memoryview(self._live()).toreadonly()

    @property
    def closed(self) -> bool:
        """Whether the bytes have been wiped."""
        return self._buf is None

    def close(self) -> None:
        """Overwrite the bytes with zeros and drop them. Idempotent."""
        buf, self._buf = self._buf, None
        if buf is not None:
            _wipe(buf)

    def __enter__(self) -> SensitiveBytes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        buf = getattr(self, "_buf", None)
        if buf is not None:
            _wipe(buf)

    def __bytes__(self) -> bytes:
        """An immutable copy, which cannot be wiped: prefer :meth:`expose` where a view will do."""
        return bytes(self._live())

    def __len__(self) -> int:
        return len(self._live())

    def __eq__(self, other: object) -> bool:
        """Constant-time comparison with another SensitiveBytes or a bytes-like object."""
        if isinstance(other, SensitiveBytes):
            other = other._live()
        if not isinstance(other, (bytes, bytearray, memoryview)):
            return NotImplemented
        return hmac.compare_digest(self._live(), other)

    __hash__ = None  # type: ignore[assignment]  # a hash of a secret is a fingerprint of it

    def __repr__(self) -> str:
        if self._buf is None:
            return "SensitiveBytes(closed)"
        return f"SensitiveBytes(len={len(self._buf)}, [REDACTED])"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("SensitiveBytes cannot be pickled")

    def __copy__(self) -> Any:
        raise TypeError("SensitiveBytes cannot be copied implicitly; use SensitiveBytes(s.expose())")

    def __deepcopy__(self, memo: object) -> Any:
        raise TypeError("SensitiveBytes cannot be copied implicitly; use SensitiveBytes(s.expose())")
