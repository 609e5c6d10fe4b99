"""An originator's grant (rule of speciality): a small signed object by which the authority that sealed an envelope
lets a recipient pass it on to one more authority's key (onward transfer) or use it for more purposes (purpose
extension). Issue one with :meth:`Custodian.issue_onward_transfer_grant` or
:meth:`Custodian.issue_purpose_extension_grant`; apply it with :meth:`Custodian.rewrap` (``grant=``) or
:meth:`Custodian.extend_purposes`. It travels as text (``-----BEGIN CUSTODIA GRANT-----``)."""

from __future__ import annotations

import ctypes
from typing import Union

from . import _raw
from ._errors import invoke
from ._handles import bytes_arg

__all__ = ["Grant"]

_ID_SIZE = 33


class Grant:
    """A grant in its armored text form (or its binary form). Its form is checked on construction
    (:class:`~custodia.GrantInvalid`); its signature, envelope and expiry are checked where it is used. Equal when
    their bytes are equal. Not secret."""

    __slots__ = ("_bytes", "_id")

    def __init__(self, grant: Union[str, bytes, bytearray, memoryview]) -> None:
        """Wrap a grant's armored text (``str``) or bytes (armored or binary)."""
        raw = grant.encode("ascii") if isinstance(grant, str) else bytes(grant)
        b = bytes_arg(raw, "grant")
        out = ctypes.create_string_buffer(_ID_SIZE)
        invoke(_raw.lib.custodia_grant_id, b.ptr, b.len, out, _ID_SIZE)
        self._bytes = raw
        self._id = out.value.decode("ascii")

    @property
    def id(self) -> str:
        """The grant's id (32 hex digits), as the audit log records it (detail ``grant``)."""
        return self._id

    def to_bytes(self) -> bytes:
        """The bytes it was made from (the armored text, as the library issues it)."""
        return self._bytes

    def to_text(self) -> str:
        """The armored text form (for a grant made from its binary form, the caller's bytes are not text)."""
        return self._bytes.decode("ascii")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Grant) and other._bytes == self._bytes

    def __hash__(self) -> int:
        return hash(self._bytes)

    def __repr__(self) -> str:
        return f"Grant({self._id})"
