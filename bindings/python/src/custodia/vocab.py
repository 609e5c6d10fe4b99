"""The vocabulary custodia speaks: categories, classifications, exception kinds, key kinds, purposes,
jurisdictions, case references and key ids.

This module owns turning Python values into the checked codes and strings of the C ABI. Validation is never
reimplemented here: every string is checked by the library's own ``custodia_*_validate`` so that Python accepts
exactly what Rust accepts. The enum values are the ABI's constants; a test checks their names against the library.
"""

from __future__ import annotations

import ctypes
import enum
from ctypes import byref
from typing import Iterable, Union

from . import _raw
from ._errors import invoke
from ._handles import bytes_arg, text_arg

__all__ = [
    "Category",
    "Classification",
    "ExceptionKind",
    "KeyKind",
    "InstrumentKind",
    "RecipientKind",
    "Purpose",
    "Jurisdiction",
    "CaseRef",
    "KeyId",
    "PurposeLike",
    "purposes_arg",
]


class _Coded(enum.IntEnum):
    """An enum whose values are C ABI codes and whose :attr:`label` is the library's stable name."""

    @property
    def label(self) -> str:
        """The library's snake_case name for this value (``"financial_records"``)."""
        out = ctypes.c_char_p()
        invoke(getattr(_raw.lib, self._name_fn()), int(self), byref(out))
        return (out.value or b"").decode()

    @classmethod
    def from_label(cls, label: str) -> _Coded:
        """The member the library names ``label``."""
        code = ctypes.c_uint32()
        invoke(getattr(_raw.lib, cls._from_name_fn()), text_arg(label, "label"), byref(code))
        return cls(code.value)

    @classmethod
    def _name_fn(cls) -> str:
        raise NotImplementedError

    @classmethod
    def _from_name_fn(cls) -> str:
        return cls._name_fn().replace("_name", "_from_name")

    def __str__(self) -> str:
        return self.label


class Classification(_Coded):
    """How tightly data is held, lowest first; also an actor's clearance."""

    PUBLIC = 0
    RESTRICTED = 1
    CONFIDENTIAL = 2
    SECRET = 3

    @classmethod
    def _name_fn(cls) -> str:
        return "custodia_classification_name"


class InstrumentKind(enum.IntEnum):
    """The kind of legal instrument a transfer is made under (``custodia_instrument_kind``)."""

    BILATERAL_TREATY = 1
    EUROPEAN_INVESTIGATION_ORDER = 2
    MULTILATERAL_CONVENTION = 3
    LETTER_ROGATORY = 4
    OTHER = 255

    @property
    def label(self) -> str:
        """The stable name the audit log writes (``"european_investigation_order"``)."""
        return self.name.lower()


class RecipientKind(enum.IntEnum):
    """The kind of an envelope's recipient stanza (``custodia_recipient.kind``); a kind this library does not know
    is reported as its raw code (an ``int``)."""

    KEK = 1
    X25519 = 2
    X25519_AUTH = 3
    XWING = 4


class Category(_Coded):
    """What sensitive data is. Each category has a minimum classification."""

    PERSONAL_IDENTITY = 1
    CONTACT_DETAILS = 2
    FINANCIAL_RECORDS = 3
    BIOMETRIC = 4
    HEALTH = 5
    COMMUNICATIONS_CONTENT = 6
    COMMUNICATIONS_METADATA = 7
    EVIDENCE = 8
    PRIVILEGED_LEGAL = 9
    INVESTIGATIVE_NOTES = 10
    WITNESS_IDENTITY = 11
    CASE_ADMINISTRATION = 12

    @classmethod
    def _name_fn(cls) -> str:
        return "custodia_category_name"

    @property
    def minimum_classification(self) -> Classification:
        """The lowest classification data of this category may carry."""
        out = ctypes.c_uint32()
        invoke(_raw.lib.custodia_category_minimum_classification, int(self), byref(out))
        return Classification(out.value)


class ExceptionKind(_Coded):
    """The legal ground of an exception (see :class:`custodia.ExceptionGround`)."""

    COURT_ORDER = 1
    CONSENT = 2
    IMMINENT_THREAT = 3
    LEGAL_OBLIGATION = 4
    NATIONAL_SECURITY = 5
    OVERRIDING_PUBLIC_INTEREST = 6

    @classmethod
    def _name_fn(cls) -> str:
        return "custodia_exception_kind_name"


class KeyKind(_Coded):
    """The kinds of key."""

    KEK = 1
    X25519 = 2
    XWING = 3
    ED25519 = 4

    @classmethod
    def _name_fn(cls) -> str:
        return "custodia_key_kind_name"


class _CheckedStr(str):
    _validate: str

    def __new__(cls, value: str) -> _CheckedStr:
        invoke(getattr(_raw.lib, cls._validate), text_arg(value, cls.__name__.lower()))
        return super().__new__(cls, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str.__repr__(self)})"


class Purpose(_CheckedStr):
    """A purpose data is given for or opened for: ``segment("." segment)*``, e.g. ``"prosecution.trial"``.

    Raises :class:`~custodia.InvalidPurpose` when the string breaks the grammar (the message says which rule).
    A purpose lies under its parents: data given for ``prosecution`` may be opened for ``prosecution.trial``.
    """

    _validate = "custodia_purpose_validate"


class Jurisdiction(_CheckedStr):
    """An assigned ISO 3166-1 alpha-2 code (``"DE"``); :class:`~custodia.InvalidJurisdiction` otherwise."""

    _validate = "custodia_jurisdiction_validate"


class CaseRef(_CheckedStr):
    """A case reference (``"MLA-2026-0042"``): 1 to 128 bytes of printable ASCII, no spaces at the ends."""

    _validate = "custodia_case_ref_validate"


PurposeLike = Union[Purpose, str]


def purposes_arg(purposes: Iterable[PurposeLike] | PurposeLike) -> list[Purpose]:
    """Accept one purpose or an iterable of them; each is validated."""
    if isinstance(purposes, str):
        return [Purpose(purposes)]
    if purposes is None:
        raise TypeError("purposes must be a purpose string or an iterable of them, not None")
    return [p if isinstance(p, Purpose) else Purpose(p) for p in purposes]


class KeyId:
    """A key id: the short, stable fingerprint of a key (16 bytes; not secret). Text form: 32 lowercase hex digits."""

    __slots__ = ("_bytes",)

    def __init__(self, value: str | bytes | KeyId) -> None:
        """Parse the text form, or take 16 raw bytes."""
        if isinstance(value, KeyId):
            self._bytes: bytes = value._bytes
            return
        out = _raw.custodia_key_id()
        if isinstance(value, str):
            invoke(_raw.lib.custodia_key_id_parse, text_arg(value, "key id"), byref(out))
        elif isinstance(value, (bytes, bytearray, memoryview)):
            arg = bytes_arg(value, "key id")
            invoke(_raw.lib.custodia_key_id_from_bytes, arg.ptr, arg.len, byref(out))
        else:
            raise TypeError(f"key id must be str or bytes, not {type(value).__name__}")
        self._bytes = bytes(out.bytes)

    @classmethod
    def _from_c(cls, key_id: _raw.custodia_key_id) -> KeyId:
        self = cls.__new__(cls)
        self._bytes = bytes(key_id.bytes)
        return self

    def _to_c(self) -> _raw.custodia_key_id:
        out = _raw.custodia_key_id()
        ctypes.memmove(out.bytes, self._bytes, _raw.KEY_ID_LEN)
        return out

    def __bytes__(self) -> bytes:
        return self._bytes

    def __str__(self) -> str:
        text = ctypes.create_string_buffer(_raw.KEY_ID_TEXT_SIZE)
        invoke(_raw.lib.custodia_key_id_format, byref(self._to_c()), text, _raw.KEY_ID_TEXT_SIZE)
        return text.value.decode()

    def __repr__(self) -> str:
        return f"KeyId('{self}')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeyId) and other._bytes == self._bytes

    def __hash__(self) -> int:
        return hash(self._bytes)
