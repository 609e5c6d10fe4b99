"""SealOptions: the terms data is sealed under and who may open it.

This module owns building the library's ``custodia_seal_options`` handle from Python values. It checks only Python
types; every rule (purpose grammar, classification minimum, jurisdiction codes) is the library's.
"""

from __future__ import annotations

import datetime as _dt
from ctypes import byref
from typing import Iterable, Optional, Union

from . import _raw
from ._errors import invoke
from ._handles import Handle, opt_text_arg, text_arg, text_array
from dataclasses import dataclass

from .vocab import Category, Classification, InstrumentKind, KeyId, PurposeLike, purposes_arg

__all__ = ["SealOptions", "Timestamp", "Instrument"]


@dataclass(frozen=True)
class Instrument:
    """The legal instrument a transfer is made under: its kind, the request's reference (e.g. the EIO number) and the
    transfer basis. Given to ``SealOptions(instrument=...)``; read back in :attr:`EnvelopeInfo.instrument`.

    >>> Instrument(InstrumentKind.EUROPEAN_INVESTIGATION_ORDER, "EIO-2026-7", "Directive 2014/41/EU").kind_name
    'european_investigation_order'
    """

    kind: InstrumentKind
    reference: Optional[str] = None
    transfer_basis: Optional[str] = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, InstrumentKind):
            raise TypeError(f"kind must be an InstrumentKind, not {type(self.kind).__name__}")

    @property
    def kind_name(self) -> str:
        """The kind's stable name, as the audit log writes it (``european_investigation_order``)."""
        return self.kind.label

#: A point in time: an aware ``datetime``, or seconds since the Unix epoch (UTC).
Timestamp = Union[_dt.datetime, int]


def _unix(value: Timestamp, name: str) -> int:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware (a naive datetime is ambiguous)")
        return int(value.timestamp())
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"{name} must not be before 1970")
        return value
    raise TypeError(f"{name} must be an aware datetime or int seconds, not {type(value).__name__}")


class SealOptions(Handle):
    """The terms of a seal: category, classification, purposes, case, origin and destinations, expiry, recipients
    and signer. One object may be reused for many seals and shared between threads.

    >>> opts = SealOptions(Category.FINANCIAL_RECORDS, ["investigation", "prosecution"],
    ...                    case_ref="MLA-2026-0042", origin="NL", destinations=["DE"])
    >>> opts.close()
    """

    _free_name = "custodia_seal_options_free"
    _noun = "seal options"
    __slots__ = ()

    def __init__(
        self,
        category: Category,
        purposes: Iterable[PurposeLike] | PurposeLike,
        *,
        classification: Optional[Classification] = None,
        case_ref: Optional[str] = None,
        origin: Optional[str] = None,
        destinations: Iterable[str] = (),
        not_after: Optional[Timestamp] = None,
        recipients: Iterable[KeyId] = (),
        signer: Optional[KeyId] = None,
        sender: Optional[KeyId] = None,
        chunk_size: Optional[int] = None,
        armor: bool = False,
        instrument: Optional[Instrument] = None,
    ) -> None:
        if not isinstance(category, int) or isinstance(category, bool):
            raise TypeError(f"category must be a Category, not {type(category).__name__}")
        array, count = text_array(purposes_arg(purposes), "purposes")
        self._init_new(_raw.lib.custodia_seal_options_new, int(category), array, count)
        try:
            if classification is not None:
                self.set_classification(classification)
            if case_ref is not None:
                self.set_case_ref(case_ref)
            if origin is not None or destinations:
                self.set_jurisdictions(origin, destinations)
            if not_after is not None:
                self.set_not_after(not_after)
            for r in recipients:
                self.add_recipient(r)
            if signer is not None:
                self.set_signer(signer)
            if sender is not None:
                self.set_sender(sender)
            if chunk_size is not None:
                self.set_chunk_size(chunk_size)
            if armor:
                self.set_armor(True)
            if instrument is not None:
                if not isinstance(instrument, Instrument):
                    raise TypeError(f"instrument must be an Instrument, not {type(instrument).__name__}")
                self.set_instrument(instrument.kind, instrument.reference, instrument.transfer_basis)
        except BaseException:
            self.close()
            raise

    def set_classification(self, classification: Classification) -> None:
        """Raise the classification (not below the category's minimum: ClassificationBelowMinimum)."""
        if not isinstance(classification, int) or isinstance(classification, bool):
            raise TypeError(f"classification must be a Classification, not {type(classification).__name__}")
        invoke(_raw.lib.custodia_seal_options_set_classification, self._handle, int(classification))

    def set_case_ref(self, case_ref: Optional[str]) -> None:
        """Set (or with ``None`` clear) the case reference."""
        invoke(_raw.lib.custodia_seal_options_set_case_ref, self._handle, opt_text_arg(case_ref, "case_ref"))

    def set_jurisdictions(self, origin: Optional[str], destinations: Iterable[str] = ()) -> None:
        """Where the data comes from and the jurisdictions it may be opened in (none: only the origin)."""
        array, count = text_array(destinations, "destinations")
        invoke(
            _raw.lib.custodia_seal_options_set_jurisdictions,
            self._handle,
            opt_text_arg(origin, "origin"),
            array,
            count,
        )

    def set_not_after(self, not_after: Optional[Timestamp]) -> None:
        """The time after which the data may no longer be opened (``None`` clears it)."""
        seconds = 0 if not_after is None else _unix(not_after, "not_after")
        if seconds == 0 and not_after is not None:
            raise ValueError("not_after must be after the epoch")
        invoke(_raw.lib.custodia_seal_options_set_not_after, self._handle, seconds)

    def add_recipient(self, key_id: KeyId) -> None:
        """Add a recipient key; adding one twice is a no-op."""
        if not isinstance(key_id, KeyId):
            raise TypeError(f"recipient must be a KeyId, not {type(key_id).__name__}")
        invoke(_raw.lib.custodia_seal_options_add_recipient, self._handle, byref(key_id._to_c()))

    def set_signer(self, key_id: Optional[KeyId]) -> None:
        """The Ed25519 key (in the custodian's keyring) that signs the envelope; ``None`` for unsigned."""
        if key_id is not None and not isinstance(key_id, KeyId):
            raise TypeError(f"signer must be a KeyId or None, not {type(key_id).__name__}")
        arg = None if key_id is None else byref(key_id._to_c())
        invoke(_raw.lib.custodia_seal_options_set_signer, self._handle, arg)

    def set_sender(self, key_id: Optional[KeyId]) -> None:
        """An own X25519 identity: X25519 recipients then learn and authenticate the sender; ``None`` for none."""
        if key_id is not None and not isinstance(key_id, KeyId):
            raise TypeError(f"sender must be a KeyId or None, not {type(key_id).__name__}")
        arg = None if key_id is None else byref(key_id._to_c())
        invoke(_raw.lib.custodia_seal_options_set_sender, self._handle, arg)

    def set_instrument(self, kind: InstrumentKind, reference: Optional[str],
                       transfer_basis: Optional[str] = None) -> None:
        """The legal instrument of the transfer: an :class:`InstrumentKind`, its reference and basis."""
        if not isinstance(kind, InstrumentKind):
            raise TypeError(f"kind must be an InstrumentKind, not {type(kind).__name__}")
        invoke(_raw.lib.custodia_seal_options_set_instrument, self._handle, int(kind),
               opt_text_arg(reference, "reference"), opt_text_arg(transfer_basis, "transfer_basis"))

    def set_chunk_size(self, chunk_size: int) -> None:
        """Payload chunk size in bytes (default 64 KiB)."""
        invoke(_raw.lib.custodia_seal_options_set_chunk_size, self._handle, int(chunk_size))

    def set_armor(self, armor: bool) -> None:
        """Return envelopes from ``Custodian.seal`` in the armored text form."""
        invoke(_raw.lib.custodia_seal_options_set_armor, self._handle, bool(armor))
