"""Disclosure receipts: a recipient authority's signed statement of what it did with one envelope (received, opened
for which purpose, exception used, shared onward, destroyed, refused), sent back to the sender.

A :class:`Receipt` keeps the armored text (``-----BEGIN CUSTODIA RECEIPT-----``, ``docs/FORMAT.md`` §12) verbatim;
the library parses it and checks its signature when the value is made, so every ``Receipt`` is correctly signed by
the key it names. Whether that key is the recipient authority's is :meth:`Receipt.verify` (with its public key text
alone) or :meth:`Custodian.import_receipt` (against the keys imported into a keyring). This module decides nothing.
"""

from __future__ import annotations

import ctypes
import datetime as _dt
from ctypes import byref
from dataclasses import dataclass, field
from typing import Optional

from . import _raw
from ._errors import invoke
from ._handles import take_text, text_arg
from .vocab import KeyId

__all__ = ["Receipt", "ReceiptItem", "RECEIPT_ITEM_KINDS", "RECEIPT_FIELDS"]

#: ``custodia_receipt_item_kind`` codes -> their stable names.
RECEIPT_ITEM_KINDS = {
    1: "received",
    2: "opened",
    3: "exception_used",
    4: "shared",
    5: "rewrapped",
    6: "destroyed",
    7: "refused",
}

#: ``custodia_receipt_field`` tags -> their stable names.
RECEIPT_FIELDS = {
    1: "purpose",
    2: "role",
    3: "actor",
    4: "jurisdiction",
    5: "exception_kind",
    6: "exception_reference",
    7: "grant",
    8: "grant_reference",
    9: "recipients",
    10: "key",
    11: "erasure_certificate",
    12: "erasure_certificate_sha256",
    13: "refusal",
    14: "operation",
}


@dataclass(frozen=True)
class ReceiptItem:
    """One thing a receipt says happened: its ``kind`` (``"opened"``, ...), when, and its fields by name
    (``"purpose"``, ``"role"``, ``"exception_kind"``, ...; only those present)."""

    kind: str
    at: _dt.datetime
    fields: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> Optional[str]:
        """A field's value, or None."""
        return self.fields.get(name)


class _Parsed:
    """A library receipt handle for the duration of a ``with`` block."""

    def __init__(self, text: str) -> None:
        h = ctypes.c_uint64()
        invoke(_raw.lib.custodia_receipt_parse, text_arg(text, "receipt"), byref(h))
        self.handle = h.value

    def __enter__(self) -> int:
        return self.handle

    def __exit__(self, *exc: object) -> None:
        invoke(_raw.lib.custodia_receipt_free, self.handle)


class Receipt:
    """A signed disclosure receipt for one envelope. Equal when their armored texts are equal."""

    __slots__ = ("_text", "object_id", "case_ref", "issuer", "issued_at", "items")

    def __init__(self, armored: str) -> None:
        """Parse a receipt's armored text; the library checks its form and its signature by the key it names.
        Raises :class:`~custodia.ReceiptInvalid` otherwise."""
        if not isinstance(armored, str):
            raise TypeError(f"a receipt is its armored text (str), not {type(armored).__name__}")
        self._text = armored
        with _Parsed(armored) as h:
            obj, case = _raw.custodia_buffer(), _raw.custodia_buffer()
            issuer = _raw.custodia_key_id()
            at = ctypes.c_uint64()
            invoke(_raw.lib.custodia_receipt_describe, h, byref(obj), byref(case), byref(issuer), byref(at))
            try:
                self.object_id: str = ctypes.string_at(obj.data, obj.len).decode() if obj.len else ""
                case_text = ctypes.string_at(case.data, case.len).decode() if case.len else ""
            finally:
                invoke(_raw.lib.custodia_buffer_free, byref(obj))
                invoke(_raw.lib.custodia_buffer_free, byref(case))
            #: The case reference, or None.
            self.case_ref: Optional[str] = case_text or None
            #: The key id of the issuer's signing key.
            self.issuer: KeyId = KeyId._from_c(issuer)
            #: When it was issued (UTC).
            self.issued_at: _dt.datetime = _dt.datetime.fromtimestamp(at.value, _dt.timezone.utc)
            #: The items, in time order.
            self.items: list[ReceiptItem] = _items(h)

    @classmethod
    def _from_handle(cls, handle: int) -> Receipt:
        try:
            text = take_text(_raw.lib.custodia_receipt_armor, handle)
        finally:
            invoke(_raw.lib.custodia_receipt_free, handle)
        return cls(text)

    def to_armored(self) -> str:
        """The armored text, to send to the originating authority."""
        return self._text

    def verify(self, public_key: str) -> None:
        """Check that the receipt was signed by ``public_key``, the recipient authority's Ed25519 public key text
        (``custodia-ed25519-public:…``, from its :meth:`Custodian.export_public`), with nothing else. Raises
        :class:`~custodia.ReceiptIssuerUnknown` for another key, :class:`~custodia.InvalidKeyText` for a bad one."""
        with _Parsed(self._text) as h:
            invoke(_raw.lib.custodia_receipt_verify, h, text_arg(public_key, "public_key"))

    def kinds(self) -> list[str]:
        """The kinds of the items, in order."""
        return [i.kind for i in self.items]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Receipt) and other._text == self._text

    def __hash__(self) -> int:
        return hash(self._text)

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"Receipt(object={self.object_id}, case={self.case_ref}, items={self.kinds()})"


def _items(h: int) -> list[ReceiptItem]:
    n = ctypes.c_size_t()
    invoke(_raw.lib.custodia_receipt_item_count, h, byref(n))
    items = []
    for i in range(n.value):
        kind, at = ctypes.c_uint32(), ctypes.c_uint64()
        invoke(_raw.lib.custodia_receipt_item_get, h, i, byref(kind), byref(at))
        fields = {}
        for tag, name in RECEIPT_FIELDS.items():
            present = ctypes.c_bool()
            value = take_text(_raw.lib.custodia_receipt_item_field, h, i, tag, byref(present))
            if present.value:
                fields[name] = value
        items.append(ReceiptItem(RECEIPT_ITEM_KINDS.get(kind.value, f"unknown_{kind.value}"),
                                 _dt.datetime.fromtimestamp(at.value, _dt.timezone.utc), fields))
    return items


def split_armored(text: str) -> list[str]:
    """Split concatenated armored receipts (as the library's find functions return them)."""
    end = "-----END CUSTODIA RECEIPT-----\n"
    return [part + end for part in text.split(end) if part.strip()]
