"""Layer 2: safe wrappers over the raw C ABI: owned handles, buffers, and argument conversion.

This module owns lifetimes. Every handle the library issues is wrapped in a :class:`Handle` that frees it exactly
once, whether by ``close()``, a ``with`` block, or a ``weakref.finalize`` finalizer when the object is collected (on
whatever thread that happens; the C ABI allows ``*_free`` from any thread). Every ``custodia_buffer`` is copied and
freed (``custodia_buffer_free`` zeroizes it) before the function that received it returns. It must never let a
library allocation outlive the call that produced it, nor pass Python-owned memory that could move during a call.
"""

from __future__ import annotations

import ctypes
import weakref
from ctypes import byref
from typing import Any, Callable, ClassVar, Iterable, TypeVar

from . import _raw
from ._errors import InvalidHandle, invoke, release
from ._sensitive import SensitiveBytes

__all__ = [
    "Handle",
    "take_bytes",
    "take_text",
    "bytes_arg",
    "text_arg",
    "opt_text_arg",
    "text_array",
    "live_counts",
]

H = TypeVar("H", bound="Handle")


class Handle:
    """An owned library handle (a 64-bit generation-checked id). Closing it frees it; using it afterwards raises
    :class:`~custodia.InvalidHandle`. Usable from several threads at once."""

    #: The ``custodia_<noun>_free`` function of this handle type.
    _free_name: ClassVar[str]
    #: What the handle is, for messages ("actor").
    _noun: ClassVar[str] = "handle"

    __slots__ = ("_id", "_live", "_finalizer", "__weakref__")

    def __init__(self, handle_id: int) -> None:
        if not handle_id:
            raise InvalidHandle(122, f"null {self._noun} handle")
        self._id = handle_id
        # ``[id]`` while the handle is live, ``[0]`` once the finalizer ran (close, with, collection or exit): one
        # list read per use instead of asking the finalizer. Shared with the callback, which never holds self (that
        # would keep the object alive).
        self._live = live = [handle_id]
        free: Callable[[int], int] = getattr(_raw.lib, self._free_name)
        self._finalizer = weakref.finalize(self, _release_live, free, live)

    def _init_new(self, fn: Callable[..., int], *args: Any) -> None:
        """Initialise from a ``*_new`` function whose last argument is the out-handle."""
        out = ctypes.c_uint64(0)
        invoke(fn, *args, byref(out))
        Handle.__init__(self, out.value)

    @property
    def _handle(self) -> int:
        """The id to pass to C; raises InvalidHandle once closed."""
        try:
            handle_id = self._live[0]
        except AttributeError:  # __init__ failed before the handle existed
            handle_id = 0
        if handle_id:
            return handle_id
        raise InvalidHandle(122, f"{self._noun} is closed")

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        live = getattr(self, "_live", None)
        return live is None or not live[0]

    def close(self) -> None:
        """Free the handle now. Idempotent. Calls already running on other threads complete; later ones fail."""
        finalizer = getattr(self, "_finalizer", None)
        if finalizer is not None:
            finalizer()

    def __enter__(self: H) -> H:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"id={self._id:#x}"
        return f"<{type(self).__name__} {state}>"


def _release_live(free: Callable[[int], int], live: list[int]) -> None:
    """The finalizer of a :class:`Handle` (called at most once): mark it closed, then free it."""
    handle_id, live[0] = live[0], 0
    release(free, handle_id)


def take_bytes(fn: Callable[..., int], *args: Any) -> SensitiveBytes:
    """Call ``fn(*args, &buffer)``, copy the buffer into a :class:`SensitiveBytes`, and free (zeroize) it."""
    buf = _raw.custodia_buffer()
    invoke(fn, *args, byref(buf))
    try:
        return SensitiveBytes._from_address(buf.data or 0, buf.len)
    finally:
        invoke(_raw.lib.custodia_buffer_free, byref(buf))


def take_text(fn: Callable[..., int], *args: Any) -> str:
    """Call ``fn(*args, &buffer)`` for a text buffer (not secret), decode it, and free it."""
    buf = _raw.custodia_buffer()
    invoke(fn, *args, byref(buf))
    try:
        return ctypes.string_at(buf.data, buf.len).decode("utf-8") if buf.len else ""
    finally:
        invoke(_raw.lib.custodia_buffer_free, byref(buf))


class _Bytes:
    """A borrowed (pointer, length) for one call; keeps the Python object it points into alive."""

    __slots__ = ("ptr", "len", "_keep")

    def __init__(self, ptr: Any, length: int, keep: Any) -> None:
        self.ptr = ptr
        self.len = length
        self._keep = keep


def bytes_arg(value: object, name: str) -> _Bytes:
    """Convert a bytes-like input to a (pointer, length) pair without copying where Python allows.

    Accepts ``bytes``, ``bytearray``, ``memoryview`` and :class:`SensitiveBytes`; anything else (``None``, ``str``,
    numbers) is a :class:`TypeError`: text must be encoded by the caller, who knows its encoding.
    """
    if isinstance(value, bytes):
        return _Bytes(value if value else None, len(value), value)
    if isinstance(value, SensitiveBytes):
        value = value._live()
    if isinstance(value, (bytearray, memoryview)):
        view = memoryview(value).cast("B")
        n = view.nbytes
        if n == 0:
            return _Bytes(None, 0, view)
        if view.readonly or not view.c_contiguous:
            copy = bytes(view)  # read-only buffers cannot be pointed at by ctypes without a copy
            return _Bytes(copy, n, copy)
        arr = (ctypes.c_char * n).from_buffer(view)
        return _Bytes(arr, n, (arr, view))
    raise TypeError(f"{name} must be bytes-like (bytes, bytearray, memoryview, SensitiveBytes), not {type(value).__name__}")


def text_arg(value: object, name: str) -> bytes:
    """Encode a ``str`` argument as NUL-terminated UTF-8; ``None`` and other types are a :class:`TypeError`."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    # surrogatepass: a str holding lone surrogates becomes invalid UTF-8, which the library refuses (InvalidUtf8)
    # with its own message, rather than Python raising a UnicodeEncodeError of a different shape.
    encoded = value.encode("utf-8", "surrogatepass")
    if b"\0" in encoded:
        raise ValueError(f"{name} must not contain NUL characters")
    return encoded


def opt_text_arg(value: object, name: str) -> bytes | None:
    """As :func:`text_arg`, but ``None`` passes through as NULL."""
    return None if value is None else text_arg(value, name)


def text_array(values: Iterable[object], name: str) -> tuple[Any, int]:
    """A ``const char *const *`` array of NUL-terminated strings and its length (NULL when empty)."""
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be an iterable of str, not a single {type(values).__name__}")
    encoded = [text_arg(v, name) for v in values]
    if not encoded:
        return None, 0
    return (ctypes.c_char_p * len(encoded))(*encoded), len(encoded)


def live_counts() -> tuple[int, int]:
    """How many library handles and buffers are live in this process: for tests and leak hunting."""
    handles, buffers = ctypes.c_size_t(0), ctypes.c_size_t(0)
    invoke(_raw.lib.custodia_live_counts, byref(handles), byref(buffers))
    return handles.value, buffers.value
