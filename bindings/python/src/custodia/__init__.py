"""custodia: sealed, purpose-bound, audited handling of sensitive data exchanged under mutual legal assistance.

Python binding over custodia's C ABI (``include/custodia.h``) with ctypes, in three layers:

- ``custodia._raw``: ctypes declarations of every C function, library loading, ABI version check;
- ``custodia._handles`` (with ``_errors`` and ``_sensitive``): owned handles freed by ``close()``, ``with`` or a
  finalizer; library buffers copied into wipeable :class:`SensitiveBytes` and freed at once; typed exceptions;
- this package: the idiomatic API (:class:`Actor`, :class:`CourtOrder`, :class:`SealOptions`, :class:`Purpose`,
  :class:`KeyId`, ...).

The library is found through ``$CUSTODIA_LIB``, then a copy bundled in this package, then ``target/release`` of the
checkout; a library of another ABI version is refused at import.
"""

from __future__ import annotations

from . import _raw
from ._errors import *  # noqa: F403  (the exception classes; their __all__ is the list)
from ._errors import __all__ as _errors_all
from ._handles import live_counts
from ._sensitive import SensitiveBytes
from .memory import MemoryProtection, disable_core_dumps, memory_protection
from .actors import (
    Actor,
    Consent,
    CourtOrder,
    ExceptionGround,
    ImminentThreat,
    LegalObligation,
    NationalSecurity,
    OverridingPublicInterest,
)
from .audit import Anchor, ErasureCertificate, verify_inclusion
from .audit_log import AuditEntry, LegalHoldInfo, RewrapOutcome
from .custodian import (
    AuditReport,
    CompromiseReport,
    Custodian,
    EnvelopeInfo,
    EnvelopeReader,
    Instrument,
    KeyInfo,
    KeyMark,
    KeyState,
    Opened,
    ProtectedEnvelope,
    Recipient,
    ShredReport,
)
from .grants import Grant
from .records import Field, Masked, OpenedRecord, RecordField, Withheld
from .receipts import Receipt, ReceiptItem
from .sdjwt import VerifiedPresentation, verify_presentation
from .options import SealOptions, Timestamp
from .policy import AccessPolicy
from .providers import STANZA_EXTERNAL, STANZA_PKCS11_AES_GCM, CaseKeyWrapping, KeyProvider
from .signers import Signer
from .vocab import (
    CaseRef,
    Category,
    Classification,
    ExceptionKind,
    InstrumentKind,
    Jurisdiction,
    KeyId,
    KeyKind,
    Purpose,
    RecipientKind,
)

#: The ABI version this binding was written for (checked against the library at import).
ABI_VERSION = _raw.ABI_VERSION


def library_version() -> str:
    """The version of the loaded libcustodia (``"0.1.0"``)."""
    return _raw.lib.custodia_version().decode()


def library_path() -> str:
    """The path of the loaded libcustodia.so."""
    return str(_raw.library_path)


__version__ = "0.1.0"

__all__ = [
    "ABI_VERSION",
    "library_version",
    "library_path",
    "live_counts",
    "MemoryProtection",
    "memory_protection",
    "disable_core_dumps",
    "SensitiveBytes",
    "Actor",
    "ExceptionGround",
    "CourtOrder",
    "Consent",
    "ImminentThreat",
    "LegalObligation",
    "NationalSecurity",
    "OverridingPublicInterest",
    "SealOptions",
    "Timestamp",
    "AccessPolicy",
    "KeyProvider",
    "STANZA_EXTERNAL",
    "STANZA_PKCS11_AES_GCM",
    "Signer",
    "Custodian",
    "Opened",
    "EnvelopeInfo",
    "KeyInfo",
    "KeyMark",
    "KeyState",
    "Instrument",
    "InstrumentKind",
    "Recipient",
    "RecipientKind",
    "EnvelopeReader",
    "CompromiseReport",
    "ProtectedEnvelope",
    "AuditReport",
    "ShredReport",
    "Anchor",
    "ErasureCertificate",
    "verify_inclusion",
    "AuditEntry",
    "LegalHoldInfo",
    "RewrapOutcome",
    "Grant",
    "Field",
    "Masked",
    "OpenedRecord",
    "RecordField",
    "Withheld",
    "Receipt",
    "VerifiedPresentation",
    "verify_presentation",
    "ReceiptItem",
    "CaseRef",
    "Category",
    "Classification",
    "ExceptionKind",
    "Jurisdiction",
    "KeyId",
    "KeyKind",
    "Purpose",
    *[n for n in _errors_all if n[0].isupper()],
]


def __dir__() -> list[str]:
    """``dir(custodia)`` lists the API (``__all__``) only: not the implementation modules (``custodian``, ``vocab``,
    ``_raw``, ...), which stay importable but are not the interface."""
    return sorted(__all__)
