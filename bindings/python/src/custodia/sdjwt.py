"""Verifiable redaction of records (docs/FORMAT.md section 15): an SD-JWT of a record, issued and presented by a
:class:`~custodia.Custodian` (:meth:`~custodia.Custodian.issue_sd_jwt`, :meth:`~custodia.Custodian.present`), and
checked by anyone with the issuer's public key alone (:func:`verify_presentation`).

A presentation holds field values: the text and the :class:`VerifiedPresentation` are Python objects, which Python
cannot wipe (the library wipes its own copies). Keep their lifetime short.
"""

from __future__ import annotations

import ctypes
import datetime as _dt
import json
from ctypes import byref
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from . import _raw
from ._errors import invoke
from ._handles import text_arg
from .records import Value, _from_json
from .vocab import KeyId

__all__ = ["VerifiedPresentation", "verify_presentation"]

_UTC = _dt.timezone.utc


@dataclass(frozen=True)
class VerifiedPresentation:
    """What a verified presentation shows: the issuer's signed claims and the disclosed fields (``fields``, a dict
    name -> value, values as in :class:`~custodia.OpenedRecord`). ``withheld_count`` fields of the record's
    ``field_count`` are not shown; which ones, the presentation does not say."""

    object_id: str
    case_ref: Optional[str]
    issuer: KeyId
    issued_at: _dt.datetime
    field_count: int
    withheld_count: int
    fields: dict[str, Value] = field(repr=False)

    def names(self) -> list[str]:
        """The names of the disclosed fields, in order."""
        return list(self.fields)

    def __repr__(self) -> str:  # names only, never values
        return (f"VerifiedPresentation(object_id={self.object_id!r}, case_ref={self.case_ref!r}, "
                f"issuer={self.issuer}, disclosed={self.names()}, withheld_count={self.withheld_count})")


def secret_text(fn: Callable[..., int], *args: Any) -> str:
    """Call ``fn(*args, &buffer)`` for a text that holds values, decode it and free (wipe) the buffer."""
    buf = _raw.custodia_buffer()
    invoke(fn, *args, byref(buf))
    try:
        return ctypes.string_at(buf.data, buf.len).decode("utf-8") if buf.len else ""
    finally:
        invoke(_raw.lib.custodia_buffer_free, byref(buf))


def verify_presentation(text: str, key_text: str) -> VerifiedPresentation:
    """Verify a presentation (or a whole SD-JWT) of a record with the issuer's public key alone: ``key_text`` is the
    text form of its Ed25519 key (:meth:`~custodia.Custodian.export_public`). No custodian is needed.

    Raises :class:`~custodia.SignatureInvalid` for a signature that does not verify (another issuer's key, an
    altered or foreign disclosure), :class:`~custodia.Malformed` for a text that is not of the profile (truncated,
    a bad JWT or disclosure), :class:`~custodia.LimitExceeded`, :class:`~custodia.InvalidKeyText`."""
    lib = _raw.lib
    handle = ctypes.c_uint64()
    invoke(lib.custodia_sd_jwt_verify, text_arg(text, "text"), text_arg(key_text, "key_text"), byref(handle))
    try:
        h = handle.value
        counts = [ctypes.c_size_t() for _ in range(3)]
        invoke(lib.custodia_presentation_counts, h, *(byref(x) for x in counts))
        field_count, withheld, disclosed = (x.value for x in counts)
        issuer = _raw.custodia_key_id()
        invoke(lib.custodia_presentation_issuer, h, byref(issuer))
        at = ctypes.c_uint64()
        invoke(lib.custodia_presentation_issued_at, h, byref(at))
        object_id = secret_text(lib.custodia_presentation_object_id, h)
        case_ref = secret_text(lib.custodia_presentation_case_ref, h) or None
        fields: dict[str, Value] = {}
        for i in range(disclosed):
            name, value = _raw.custodia_buffer(), _raw.custodia_buffer()
            invoke(lib.custodia_presentation_field, h, i, byref(name), byref(value))
            try:
                n = ctypes.string_at(name.data, name.len).decode("utf-8")
                fields[n] = _from_json(json.loads(ctypes.string_at(value.data, value.len).decode("utf-8")))
            finally:
                invoke(lib.custodia_buffer_free, byref(name))
                invoke(lib.custodia_buffer_free, byref(value))
        return VerifiedPresentation(object_id, case_ref, KeyId._from_c(issuer),
                                    _dt.datetime.fromtimestamp(at.value, _UTC), field_count, withheld, fields)
    finally:
        invoke(lib.custodia_presentation_free, handle.value)
