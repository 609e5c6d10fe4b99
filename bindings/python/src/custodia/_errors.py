"""Typed exceptions for custodia's status codes, and the one function that raises them.

This module owns the mapping from ``enum custodia_status`` (``include/custodia.h``) to exception classes. It must
never add detail the library did not give: messages come verbatim from ``custodia_last_error_message()`` of the
calling thread, which never contains plaintext or key material, and authentication failures say only that the
envelope could not be opened.
"""

from __future__ import annotations

import sys
import threading
from types import FrameType
from typing import Callable, NoReturn, Optional

from . import _raw

__all__ = [
    "CustodiaError",
    # 1xx
    "InvalidArgument",
    "InvalidPurpose",
    "TooManyPurposes",
    "NoPurpose",
    "InvalidJurisdiction",
    "ClassificationBelowMinimum",
    "InvalidException",
    "UnknownCode",
    "PolicyInvalid",
    "BufferTooSmall",
    "Conflict",
    "NullPointer",
    "InvalidUtf8",
    "InvalidHandle",
    # 2xx
    "Refused",
    "PurposeNotPermitted",
    "Expired",
    "JurisdictionNotPermitted",
    "ClearanceInsufficient",
    "KeyDestroyed",
    "LegalHold",
    "SignerMismatch",
    "TransferNotPermitted",
    "RecipientNotPermitted",
    "RecipientJurisdictionUnknown",
    "NotOnCase",
    "RoleNotPermitted",
    "TransferRefused",
    "LegalBasisRequired",
    "ApprovalRequired",
    "KeyRevoked",
    "DestinationRequired",
    "KeyCompromised",
    "OnwardTransferNotGranted",
    "PurposeExtensionNotGranted",
    "ReceiptNotApplicable",
    # 3xx
    "EnvelopeError",
    "Malformed",
    "UnsupportedVersion",
    "UnsupportedSuite",
    "Truncated",
    "LimitExceeded",
    "UnknownCriticalField",
    "OpenFailed",
    "NoMatchingRecipient",
    "SignatureInvalid",
    "ArmorError",
    "EnvelopeChanged",
    "ApprovalInvalid",
    "GrantInvalid",
    "ReceiptInvalid",
    "ReceiptIssuerUnknown",
    # 4xx
    "KeyringError",
    "KeyNotFound",
    "KeyStateError",
    "WrongPassphrase",
    "KeyringCorrupt",
    "KeyringVersion",
    "InvalidKeyText",
    "KdfParamsOutOfRange",
    "CustodianNotFound",
    "KeyNotValid",
    "ProviderUnavailable",
    "ProviderFailed",
    # 5xx
    "AuditError",
    "AuditWriteFailed",
    "AuditMalformed",
    "AuditTampered",
    "AuditWrongKey",
    "CustodianClosed",
    "AnchorInvalid",
    "MerkleProofInvalid",
    "CheckpointInvalid",
    "AuditUnsupportedFormat",
    # 9xx
    "EnvironmentFault",
    "IoFault",
    "RngFault",
    "InUse",
    "InsecurePermissions",
    "InternalError",
    "Poisoned",
    "error_class",
    "check",
    "invoke",
    "release",
]


class CustodiaError(Exception):
    """Base of every error custodia reports: ``code`` is the stable status code, ``message`` the library's text."""

    code: int
    message: str

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    @property
    def name(self) -> str:
        """The stable snake_case name of :attr:`code` (``"purpose_not_permitted"``)."""
        return _raw.lib.custodia_status_name(self.code).decode()

    @property
    def is_refusal(self) -> bool:
        """Whether this is a decision by policy (recorded in the audit log), not a fault."""
        return bool(_raw.lib.custodia_status_is_refusal(self.code))

    def __str__(self) -> str:
        return f"{self.message} [{self.code} {self.name}]" if self.message else f"[{self.code} {self.name}]"


# 1xx: invalid input. Also ValueError, so generic input validation code catches them.
class InvalidArgument(CustodiaError, ValueError):
    """100: an argument was malformed; the message names the argument and the rule."""


class InvalidPurpose(InvalidArgument):
    """101: a purpose does not follow the purpose grammar."""


class TooManyPurposes(InvalidArgument):
    """102: more than 32 purposes."""


class NoPurpose(InvalidArgument):
    """103: no purpose where at least one is required."""


class InvalidJurisdiction(InvalidArgument):
    """104: not an assigned ISO 3166-1 alpha-2 code."""


class ClassificationBelowMinimum(InvalidArgument):
    """105: a classification below the minimum its category allows."""


class InvalidException(InvalidArgument):
    """106: an exception (court order, consent, ...) lacks its reference or a sufficient justification."""


class UnknownCode(InvalidArgument):
    """107: an unknown category, classification or other enumerated code."""


class PolicyInvalid(InvalidArgument):
    """108: the access policy (file or text) is invalid; the message gives the line and column."""


class BufferTooSmall(InvalidArgument):
    """109: the caller's output buffer is too small; nothing was written (the message gives the size needed)."""


class Conflict(InvalidArgument):
    """110: the call conflicts with recorded state: a legal hold placed twice or released without one, a key already
    in the keyring, already revoked or marked compromised, imported for another jurisdiction, or the custodian's own
    key where another authority's is meant; a stanza removed that the envelope lacks or added that it has.

    Catch it to make an operation idempotent (``except custodia.Conflict: pass`` around placing a hold). It derives
    from :class:`InvalidArgument` (so also ``ValueError``), as every 1xx code does: the value given is well-formed but
    not acceptable in the present state, and code that caught ``InvalidArgument`` for these before code 110 existed
    still catches them.
    """


class NullPointer(InvalidArgument):
    """120: a required argument was missing (NULL)."""


class InvalidUtf8(InvalidArgument):
    """121: text that is not valid UTF-8."""


class InvalidHandle(InvalidArgument):
    """122: the object was closed (freed), or never valid."""


# 2xx: refusals by policy.
class Refused(CustodiaError):
    """A refusal by policy: a decision, recorded in the audit log, that says exactly which rule refused."""


class PurposeNotPermitted(Refused):
    """200: the stated purpose is not among (or under) the purposes the data was given for."""


class Expired(Refused):
    """201: the envelope's not-after time has passed."""


class JurisdictionNotPermitted(Refused):
    """202: the actor's jurisdiction is not one the data may be opened in."""


class ClearanceInsufficient(Refused):
    """203: the actor's clearance is below the data's classification."""


class KeyDestroyed(Refused):
    """204: the key needed was destroyed (crypto-shredded)."""


class LegalHold(Refused):
    """205: a legal hold blocks destroying this key or case."""


class SignerMismatch(Refused):
    """206: a signature by a specific signer was required but the envelope was signed by another key or not at all."""


class TransferNotPermitted(Refused):
    """207: adding another authority's key (sharing) needs the purpose ``mla.execution`` (or one under it), granted
    by the envelope; the stated purpose was another."""


class RecipientNotPermitted(Refused):
    """208: the other authority whose key was to be added acts in a jurisdiction the envelope does not permit."""


class RecipientJurisdictionUnknown(Refused):
    """209: the other authority's key was imported without a jurisdiction; import it again with one."""


class NotOnCase(Refused):
    """210: need-to-know: the access policy assigns case teams and the actor is not on the envelope's case."""


class RoleNotPermitted(Refused):
    """211: need-to-know: the actor's role may not open this category, or for this purpose."""


class TransferRefused(Refused):
    """212: a transfer rule of the access policy refuses this category going to this jurisdiction."""


class LegalBasisRequired(Refused):
    """213: a transfer rule needs a stated legal basis (a legal instrument with a transfer basis) and there is none."""


class ApprovalRequired(Refused):
    """214: four eyes: an exception on this data needs a second approver's valid approval; the message says why."""
class KeyRevoked(Refused):
    """217: the other authority's key was revoked; nothing new is sealed or shared to it."""


class DestinationRequired(Refused):
    """218: sealing for another authority's key needs the envelope's destinations to name its jurisdiction; the
    message says which to add."""


class KeyCompromised(Refused):
    """219: the key was marked compromised; it seals, signs and receives nothing new."""
class OnwardTransferNotGranted(Refused):
    """215: an onward transfer (adding another authority's key) by a custodian that is not the envelope's
    originator, without a valid grant of the originator naming that key; the message says what is missing or wrong
    (no grant, unsigned envelope, forged, wrong signer, another envelope, expired, jurisdiction)."""


class PurposeExtensionNotGranted(Refused):
    """216: a purpose extension without a valid grant of the originator; the message says which check failed."""
class ReceiptNotApplicable(Refused):
    """220: a disclosure receipt names an object this custodian never sealed or shared (import) or never received
    (issue), or another case than the object was sent for."""


# 3xx: envelope format.
class EnvelopeError(CustodiaError):
    """An envelope could not be read or opened."""


class Malformed(EnvelopeError):
    """300: not a custodia envelope, or not a well-formed one."""


class UnsupportedVersion(EnvelopeError):
    """301: an envelope format version this library does not support."""


class UnsupportedSuite(EnvelopeError):
    """302: a cipher suite this library does not support."""


class Truncated(EnvelopeError):
    """303: the input ended before the structure it declared."""


class LimitExceeded(EnvelopeError):
    """304: a declared size exceeds one of the format's limits."""


class UnknownCriticalField(EnvelopeError):
    """305: a critical header field this library does not know."""


class OpenFailed(EnvelopeError):
    """306: the envelope failed authentication (deliberately nothing more)."""


class NoMatchingRecipient(EnvelopeError):
    """307: none of the available keys is a recipient of the envelope."""


class SignatureInvalid(EnvelopeError):
    """308: the envelope's signature does not verify."""


class ArmorError(EnvelopeError):
    """309: the armored text form is malformed."""


class EnvelopeChanged(EnvelopeError):
    """310: a seekable reader found a chunk changed since it was verified (the source was modified while open)."""


class ApprovalInvalid(EnvelopeError):
    """311: an approval's text is malformed (not a canonical ``custodia-approval``)."""
class GrantInvalid(EnvelopeError):
    """312: bytes that are not a well-formed grant (structure, lengths, canonical encoding, armor)."""
class ReceiptInvalid(EnvelopeError):
    """313: a disclosure receipt is malformed, oversized, or its signature does not verify."""


class ReceiptIssuerUnknown(EnvelopeError):
    """314: a disclosure receipt is signed by a key that is not the one expected (not an imported public signing key
    of another authority, or not the key given)."""


# 4xx: keys.
class KeyringError(CustodiaError):
    """A key or keyring problem."""


class KeyNotFound(KeyringError, LookupError):
    """400: no key with this id is known. Also a :class:`LookupError`, as a missing key is a failed lookup."""


class KeyStateError(KeyringError):
    """401: the key may not be used for this (e.g. a decrypt-only key asked to seal)."""


class WrongPassphrase(KeyringError):
    """402: the keyring could not be unlocked: wrong passphrase or master key."""


class KeyringCorrupt(KeyringError):
    """403: the keyring file is corrupt."""


class KeyringVersion(KeyringError):
    """404: a keyring file version this library does not know."""


class InvalidKeyText(KeyringError):
    """405: a key in text form is malformed or fails its checksum."""


class KdfParamsOutOfRange(KeyringError):
    """406: Argon2id costs outside the accepted range, in the keyring file (refused before any derivation) or asked
    for a new keyring."""


class CustodianNotFound(KeyringError):
    """407: no custodian (directory or keyring) at the path given, and ``create=True`` was not passed."""


class KeyNotValid(KeyringError):
    """408: the other authority's key is outside the validity period it was imported with."""


class ProviderUnavailable(KeyringError):
    """409: a key provider (an HSM over PKCS#11, a host's KMS) could not be reached; nothing was wrapped or
    unwrapped."""


class ProviderFailed(KeyringError):
    """410: a key provider was reached but failed or refused the operation."""


# 5xx: audit.
class AuditError(CustodiaError):
    """An audit log problem."""


class AuditWriteFailed(AuditError):
    """500: an audit event could not be durably recorded, so the operation was refused (fail closed)."""


class AuditMalformed(AuditError):
    """501: the audit log is malformed."""


class AuditTampered(AuditError):
    """502: audit verification found the log altered."""


class AuditWrongKey(AuditError):
    """503: the log (or certificate, or anchor) was signed by another audit key than the one given."""


class CustodianClosed(AuditError):
    """506: the custodian was closed (its closing checkpoint written): it records nothing more and touches no key.
    Raised to a call still running on another thread when :meth:`~custodia.Custodian.close` ran."""


class AnchorInvalid(AuditError):
    """507: an audit anchor's signature (or a counter-signature on it) does not verify against the key given, or the
    anchor belongs to another log: it was forged, altered, or comes from another custodian."""


class MerkleProofInvalid(AuditError):
    """508: a Merkle inclusion or consistency proof does not verify: the entry is not the one at that index of that
    tree, or the newer tree does not extend the older one (the log shrank or was rewritten)."""


class CheckpointInvalid(AuditError):
    """509: a Merkle checkpoint or proof bundle is malformed, not signed by the audit key given, or of another
    log."""


class AuditUnsupportedFormat(AuditError):
    """504: the audit log is in a format this library does not write or verify (e.g. custodia-audit/1)."""


# 9xx: environment and internal faults.
class EnvironmentFault(CustodiaError):
    """The operating system failed custodia."""


class IoFault(EnvironmentFault, OSError):
    """900: an operating-system I/O error. Also an :class:`OSError`; :attr:`filename` names the path when the call
    was given one (``seal_file``, ``open_file``, ``open_seekable``, a custodian's directory)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code, message)
        # OSError's own fields: the library gives no errno (its message has the operating system's text).
        self.errno = None
        self.strerror = message
        self.filename = None

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} (path: {self.filename})" if self.filename else text


class RngFault(EnvironmentFault):
    """901: the operating system's random number generator failed."""


class InUse(EnvironmentFault):
    """902: a file custodia needs exclusively is held by another writer.

    No current operation raises it: the audit log is shared by every writer on its directory (docs/AUDIT.md).
    Kept because status codes are never reused.
    """


class InsecurePermissions(EnvironmentFault):
    """903: a file custodia relies on (the audit log, the keyring) can be written by its group or by others."""


class InternalError(CustodiaError):
    """999: a bug in custodia (e.g. a caught panic)."""


class Poisoned(InternalError):
    """998: the object is unusable because an earlier call on it hit an internal error; close it and make another."""


# One entry per ``CUSTODIA_ERR_*`` of include/custodia.h (written from the Rust ``ErrorKind``):
# tests/test_error_table.py checks both directions, the class names and the base classes (docs/C_API.md, "Status
# codes are ErrorKinds").
_BY_CODE: dict[int, type[CustodiaError]] = {
    100: InvalidArgument,
    101: InvalidPurpose,
    102: TooManyPurposes,
    103: NoPurpose,
    104: InvalidJurisdiction,
    105: ClassificationBelowMinimum,
    106: InvalidException,
    107: UnknownCode,
    108: PolicyInvalid,
    109: BufferTooSmall,
    110: Conflict,
    120: NullPointer,
    121: InvalidUtf8,
    122: InvalidHandle,
    200: PurposeNotPermitted,
    201: Expired,
    202: JurisdictionNotPermitted,
    203: ClearanceInsufficient,
    204: KeyDestroyed,
    205: LegalHold,
    206: SignerMismatch,
    207: TransferNotPermitted,
    208: RecipientNotPermitted,
    209: RecipientJurisdictionUnknown,
    210: NotOnCase,
    211: RoleNotPermitted,
    212: TransferRefused,
    213: LegalBasisRequired,
    214: ApprovalRequired,
    217: KeyRevoked,
    218: DestinationRequired,
    219: KeyCompromised,
    215: OnwardTransferNotGranted,
    216: PurposeExtensionNotGranted,
    220: ReceiptNotApplicable,
    300: Malformed,
    301: UnsupportedVersion,
    302: UnsupportedSuite,
    303: Truncated,
    304: LimitExceeded,
    305: UnknownCriticalField,
    306: OpenFailed,
    307: NoMatchingRecipient,
    308: SignatureInvalid,
    309: ArmorError,
    310: EnvelopeChanged,
    311: ApprovalInvalid,
    312: GrantInvalid,
    313: ReceiptInvalid,
    314: ReceiptIssuerUnknown,
    400: KeyNotFound,
    401: KeyStateError,
    402: WrongPassphrase,
    403: KeyringCorrupt,
    404: KeyringVersion,
    405: InvalidKeyText,
    406: KdfParamsOutOfRange,
    407: CustodianNotFound,
    408: KeyNotValid,
    409: ProviderUnavailable,
    410: ProviderFailed,
    500: AuditWriteFailed,
    501: AuditMalformed,
    502: AuditTampered,
    503: AuditWrongKey,
    504: AuditUnsupportedFormat,
    506: CustodianClosed,
    507: AnchorInvalid,
    508: MerkleProofInvalid,
    509: CheckpointInvalid,
    900: IoFault,
    901: RngFault,
    902: InUse,
    903: InsecurePermissions,
    998: Poisoned,
    999: InternalError,
}

_GROUPS: dict[int, type[CustodiaError]] = {
    1: InvalidArgument,
    2: Refused,
    3: EnvelopeError,
    4: KeyringError,
    5: AuditError,
    9: EnvironmentFault,
}


def error_class(code: int) -> type[CustodiaError]:
    """The exception class for a status code; a code this binding does not know maps to its group's base class
    (codes are never reused, but later library versions may add some), or to :class:`CustodiaError`."""
    return _BY_CODE.get(code) or _GROUPS.get(code // 100, CustodiaError)


_deferred: list[tuple[Callable[[int], int], int]] = []
_deferred_lock = threading.Lock()


def release(free: Callable[[int], int], handle_id: int) -> None:
    """Free a handle from a finalizer, on whatever thread the finalizer runs.

    A finalizer can run in the middle of :func:`invoke` on this thread (the garbage collector runs at allocations),
    between a failing call and the read of its last error message, which the free would reset. So when this thread
    is inside :func:`invoke` the free is deferred until the outermost call there has finished.
    """
    if _inside_invoke(sys._getframe(1)):
        with _deferred_lock:
            _deferred.append((free, handle_id))
    else:
        free(handle_id)


def _inside_invoke(frame: Optional[FrameType]) -> bool:
    # Whether `frame` or a caller of it is running `invoke`: this thread's own stack, so no per-call bookkeeping in
    # `invoke` (a thread-local depth counter cost about as much as the foreign call itself). Walked only when a
    # handle is released or a free is pending, both rare next to calls.
    while frame is not None:
        if frame.f_code is _INVOKE_CODE:
            return True
        frame = frame.f_back
    return False


def _drain_deferred() -> None:
    # Called at the end of `invoke`: free what was deferred unless this thread is still inside an outer `invoke`
    # (frame 0 is this function, 1 the finishing `invoke`).
    if _inside_invoke(sys._getframe(2)):
        return
    while _deferred:
        with _deferred_lock:
            if not _deferred:
                return
            free, handle_id = _deferred.pop()
        free(handle_id)


def invoke(fn: Callable[..., int], *args: object) -> None:
    """Call a status-returning C function and raise its typed exception on failure, with the message read on this
    thread right after the call (a handle collected meanwhile is freed only after that read: see :func:`release`)."""
    try:
        code = fn(*args)
        if code:
            raise_for(code)
    finally:
        if _deferred:
            _drain_deferred()


_INVOKE_CODE = invoke.__code__


def raise_for(code: int) -> NoReturn:
    """Raise the exception for ``code`` with the last error message *of the calling thread*.

    Must be called right after the failing call, before any other custodia call on this thread: the message is
    only valid until then.
    """
    raw = _raw.lib.custodia_last_error_message()
    message = raw.decode("utf-8", "replace") if raw else ""
    raise error_class(code)(code, message)


def check(code: int) -> None:
    """Return on ``CUSTODIA_OK``; otherwise raise (see :func:`raise_for`)."""
    if code != 0:
        raise_for(code)
