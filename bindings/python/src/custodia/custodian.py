"""The Custodian: one keyring and audit log in a directory, and everything done with them (keys, seal, open,
streams, re-wrap, rotation, shredding, audit verification).

This module owns the translation of the facade's calls; it never decides anything. Policy (purposes, expiry,
jurisdictions, clearance, destroyed keys, signers), authentication and auditing happen in the library, which refuses
with a typed exception naming the rule. Plaintext comes back only as :class:`~custodia.SensitiveBytes`.
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime as _dt
import os
import threading
from ctypes import byref
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Mapping, Optional, Sequence, Union

from . import _raw, audit_log as _audit_log, records as _records, sdjwt as _sdjwt
from ._errors import BufferTooSmall, InvalidArgument, invoke
from ._handles import Handle, bytes_arg, take_text, text_arg, text_array
from ._sensitive import SensitiveBytes
from ._streams import StreamPair
from .actors import Actor, ExceptionGround
from .audit import Anchor, ErasureCertificate
from .audit_log import AuditEntry, AuditSink, LegalHoldInfo, RewrapOutcome
from .grants import Grant
from ._errors import IoFault
from ._reader import EnvelopeReader
from .options import Instrument, SealOptions, Timestamp, _unix
from .policy import AccessPolicy
from .providers import CaseKeyWrapping, KeyProvider, _make_handle
from .signers import Signer
from .signers import _make_handle as _signer_handle
from .receipts import Receipt, split_armored
from .vocab import Category, Classification, ExceptionKind, InstrumentKind, KeyId, KeyKind, RecipientKind

__all__ = [
    "Custodian",
    "Opened",
    "EnvelopeInfo",
    "Instrument",
    "Recipient",
    "EnvelopeReader",
    "KeyInfo",
    "KeyMark",
    "KeyState",
    "AuditReport",
    "ShredReport",
    "CompromiseReport",
    "ProtectedEnvelope",
    "DURABILITIES",
]

PathLike = Union[str, "os.PathLike[str]"]


def _time(seconds: int) -> Optional[_dt.datetime]:
    return _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc) if seconds else None


#: Audit durability names (``custodia_durability``) -> their C codes, for ``Custodian(..., durability=...)``.
DURABILITIES = {"fsync_each": 0, "group_commit": 1, "os_buffered": 2}


class KeyState:
    """Key states (``custodia_key_state``)."""

    ACTIVE = 0
    DECRYPT_ONLY = 1
    DESTROYED = 2
    _NAMES = {0: "active", 1: "decrypt_only", 2: "destroyed"}


@dataclass(frozen=True)
class Recipient:
    """One recipient stanza of an envelope: the key it is for and its kind (a :class:`RecipientKind`, or the raw
    code of a kind this library does not know)."""

    key_id: KeyId
    kind: Union[RecipientKind, int]


def _instrument_kind(code: int) -> InstrumentKind:
    try:
        return InstrumentKind(code)
    except ValueError:
        return InstrumentKind.OTHER


def _recipient_kind(code: int) -> Union[RecipientKind, int]:
    try:
        return RecipientKind(code)
    except ValueError:
        return code


def _text(raw: bytes) -> Optional[str]:
    return raw.decode() if raw else None


@dataclass(frozen=True)
class EnvelopeInfo:
    """An envelope's bound metadata, readable without a key (not secret)."""

    object_id: str
    category: Category
    classification: Classification
    created: _dt.datetime
    not_after: Optional[_dt.datetime]
    purpose_count: int
    recipient_count: int
    signer: Optional[KeyId]
    #: The legal instrument (kind, reference, transfer basis), if the sealer named one.
    instrument: Optional[Instrument] = None
    #: Where the data comes from (``"NL"``).
    origin: Optional[str] = None
    #: Where it may go, besides the origin.
    destinations: tuple[str, ...] = ()
    #: The purposes it was given for.
    purposes: tuple[str, ...] = ()
    #: The case reference, if any.
    case_ref: Optional[str] = None
    #: The recipient stanzas (key id and kind), in header order.
    recipients: tuple[Recipient, ...] = ()
    #: How many originator's grants the header carries (:meth:`Custodian.envelope_grants` gives them).
    grant_count: int = 0
    #: The grants themselves, as read (not yet checked), when the envelope's bytes were at hand
    #: (:meth:`Custodian.inspect`); otherwise empty: see :attr:`grant_count`.
    grants: tuple[Grant, ...] = ()

    @classmethod
    def _from_c(cls, info: _raw.custodia_envelope_info) -> EnvelopeInfo:
        return cls(
            object_id=info.object_id.decode(),
            category=Category(info.category),
            classification=Classification(info.classification),
            created=_time(info.created) or _dt.datetime.fromtimestamp(0, _dt.timezone.utc),
            not_after=_time(info.not_after),
            purpose_count=info.purpose_count,
            recipient_count=info.recipient_count,
            signer=KeyId._from_c(info.signer) if info.has_signer else None,
            instrument=Instrument(
                _instrument_kind(info.instrument_kind), _text(info.instrument_reference), _text(info.transfer_basis)
            )
            if info.instrument_kind
            else None,
            origin=_text(info.origin),
            destinations=tuple(info.destinations.decode().split()),
            purposes=tuple(info.purposes.decode().split()),
            case_ref=_text(info.case_ref),
            recipients=tuple(
                Recipient(KeyId._from_c(r.key_id), _recipient_kind(r.kind))
                for r in info.recipients[: min(info.recipient_count, _raw.MAX_RECIPIENTS)]
            ),
            grant_count=info.grant_count,
        )

    def __str__(self) -> str:
        return (
            f"{self.object_id} ({self.category.label}, {self.classification.label}, {self.purpose_count} purpose(s), "
            f"{self.recipient_count} recipient(s){', signed' if self.signer else ''})"
        )


class Opened:
    """An opened envelope: the plaintext, wiped when this is closed (``with`` or :meth:`close`), and its metadata.

    Read-only. :attr:`info` is converted from the library's struct on first use: most callers only want the data.
    """

    __slots__ = ("_data", "_info", "_c_info")

    def __init__(self, data: SensitiveBytes, info: EnvelopeInfo) -> None:
        self._data = data
        self._info: Optional[EnvelopeInfo] = info
        self._c_info: Optional[_raw.custodia_envelope_info] = None

    @classmethod
    def _from_c(cls, data: SensitiveBytes, c_info: _raw.custodia_envelope_info) -> Opened:
        self = cls.__new__(cls)
        self._data, self._info, self._c_info = data, None, c_info
        return self

    @property
    def data(self) -> SensitiveBytes:
        """The plaintext."""
        return self._data

    @property
    def info(self) -> EnvelopeInfo:
        """The envelope's bound metadata."""
        info = self._info
        if info is None:
            # Two threads may both convert; they get equal values, and the struct is kept, so neither sees None.
            info = self._info = EnvelopeInfo._from_c(self._c_info)  # type: ignore[arg-type]
        return info

    @property
    def signer(self) -> Optional[KeyId]:
        """The verified signer, if the envelope is signed."""
        return self.info.signer

    def close(self) -> None:
        """Wipe the plaintext."""
        self._data.close()

    def __enter__(self) -> Opened:
        return self

    def __exit__(self, *exc: object) -> None:
        self._data.close()

    def __repr__(self) -> str:
        return f"Opened(data={self._data!r}, info={self.info!r})"


@dataclass(frozen=True)
class KeyInfo:
    """Everything about a key but its secret."""

    id: KeyId
    kind: KeyKind
    state: str
    label: str
    case_ref: Optional[str]
    created: _dt.datetime
    destroy_after: Optional[_dt.datetime]
    destroyed_at: Optional[_dt.datetime]
    has_secret: bool
    rotated_from: Optional[KeyId]
    rotated_to: Optional[KeyId]
    #: For another authority's key: the jurisdiction it was imported with (``"NL"``).
    jurisdiction: Optional[str] = None
    #: For another authority's key: the authority's name (:meth:`Custodian.import_authority_key`).
    authority: Optional[str] = None
    #: For another authority's key: nothing is sealed or shared to it before this time.
    not_before: Optional[_dt.datetime] = None
    #: For another authority's key: nothing is sealed or shared to it at or after this time.
    not_after: Optional[_dt.datetime] = None
    #: When and why it was revoked (:meth:`Custodian.revoke_key`).
    revoked: Optional[KeyMark] = None
    #: When and why it was marked compromised (:meth:`Custodian.mark_compromised`).
    compromised: Optional[KeyMark] = None


@dataclass(frozen=True)
class KeyMark:
    """When and why a key was revoked or marked compromised."""

    at: _dt.datetime
    reason: str


def _mark(at: int, reason: Optional[bytes]) -> Optional[KeyMark]:
    t = _time(at)
    return KeyMark(t, (reason or b"").decode()) if t is not None else None


@dataclass(frozen=True)
class ProtectedEnvelope:
    """One envelope a key protected, as the audit log shows it."""

    object_id: str
    case_ref: Optional[str]
    #: Whether, by the log, the newest copy still has a stanza for the key (copies made before a re-wrap do).
    still_wrapped: bool
    recipients: tuple[KeyId, ...]
    #: How the key came to protect it: ``sealed``, ``shared``, ``rewrapped``, ``opened``.
    via: tuple[str, ...]
    first_seen: _dt.datetime


@dataclass(frozen=True)
class CompromiseReport:
    """What a key protected, from the audit log (:meth:`Custodian.compromise_report`), and how to move it."""

    key_id: KeyId
    compromised_at: Optional[_dt.datetime]
    log_began: _dt.datetime
    #: For an own key that was rotated: the fresh key the plan moves to.
    successor: Optional[KeyId]
    #: ``"rotated"`` (:meth:`Custodian.rewrap_rotated` on each envelope still wrapped), or ``None``.
    plan: Optional[str]
    envelopes: tuple[ProtectedEnvelope, ...]
    cases: tuple[str, ...]
    #: What the log cannot know, in words.
    limits: tuple[str, ...]
    text: str

    @property
    def to_rewrap(self) -> list[str]:
        """Object ids of the envelopes whose newest copy is still wrapped to the key."""
        return [e.object_id for e in self.envelopes if e.still_wrapped]

    @classmethod
    def _parse(cls, text: str) -> CompromiseReport:
        lines = text.splitlines()
        if not lines or lines[0] != "custodia-compromise-report/1":
            raise ValueError("not a custodia compromise report")
        fields: dict[str, object] = {"envelopes": [], "cases": [], "limits": []}
        for line in lines[1:]:
            tag, _, rest = line.partition("\t")
            parts = rest.split("\t")
            if tag == "key":
                fields["key_id"] = KeyId(parts[0])
                fields["compromised_at"] = None if parts[1] == "-" else _time(int(parts[1]))
                fields["log_began"] = _time(int(parts[2])) or _dt.datetime.fromtimestamp(0, _dt.timezone.utc)
            elif tag == "successor":
                fields["successor"] = None if parts[0] == "-" else KeyId(parts[0])
            elif tag == "plan":
                fields["plan"] = None if parts[0] == "-" else parts[0]
            elif tag == "envelope":
                fields["envelopes"].append(  # type: ignore[attr-defined]
                    ProtectedEnvelope(
                        object_id=parts[0],
                        case_ref=None if parts[1] == "-" else parts[1],
                        still_wrapped=parts[2] == "wrapped",
                        recipients=tuple(KeyId(k) for k in parts[3].split()),
                        via=tuple(parts[4].split()),
                        first_seen=_time(int(parts[5])) or _dt.datetime.fromtimestamp(0, _dt.timezone.utc),
                    )
                )
            elif tag == "case":
                fields["cases"].append(rest)  # type: ignore[attr-defined]
            elif tag == "limit":
                fields["limits"].append(rest)  # type: ignore[attr-defined]
        return cls(
            key_id=fields["key_id"],  # type: ignore[arg-type]
            compromised_at=fields["compromised_at"],  # type: ignore[arg-type]
            log_began=fields["log_began"],  # type: ignore[arg-type]
            successor=fields.get("successor"),  # type: ignore[arg-type]
            plan=fields.get("plan"),  # type: ignore[arg-type]
            envelopes=tuple(fields["envelopes"]),  # type: ignore[arg-type]
            cases=tuple(fields["cases"]),  # type: ignore[arg-type]
            limits=tuple(fields["limits"]),  # type: ignore[arg-type]
            text=text,
        )


@dataclass(frozen=True)
class AuditReport:
    """What verifying the audit log checked."""

    entries: int
    checkpoints: int
    erasures: int
    recoveries: int
    unsealed_tail: int
    last_checkpoint: Optional[int]
    head: str
    anchors: int = 0

    def __str__(self) -> str:
        return f"{self.entries} entries, {self.checkpoints} checkpoints, {self.erasures} erasures, head {self.head[:16]}"


@dataclass(frozen=True)
class ShredReport:
    """What :meth:`Custodian.shred_expired` did: how many keys it destroyed and kept (legal hold), and the erasure
    certificate of each key destroyed."""

    destroyed: int
    held: int
    certificates: tuple[ErasureCertificate, ...] = ()


class _Scratch:
    """A caller-sized output buffer the C calls write into: a bytearray (so it can be sliced and wiped without a C
    call) and a ctypes view of it (the pointer passed to C), kept together for the buffer's life."""

    __slots__ = ("mem", "mv", "view", "cap", "written", "written_ref")

    def __init__(self, cap: int) -> None:
        self.mem = bytearray(cap)
        self.mv = memoryview(self.mem)
        self.view = (ctypes.c_char * cap).from_buffer(self.mem) if cap else None
        self.cap = cap
        #: The ``size_t`` out-parameter (length written, or needed) and the pointer to it, made once.
        self.written = ctypes.c_size_t()
        self.written_ref = byref(self.written)


class _ThreadScratch(threading.local):
    """This thread's scratch buffers for :meth:`Custodian.seal` and :meth:`Custodian.open`. A call takes its buffer
    out (leaving ``None``) and puts it back when done, so a nested call on the same thread (from a signer, key
    provider or audit sink callback) gets a buffer of its own instead of overwriting the outer call's."""

    seal: Optional[_Scratch] = None
    open: Optional[_Scratch] = None


_scratch = _ThreadScratch()
#: The first scratch buffer's size. A seal needs ``custodia_seal_max_size`` (about 66 KiB for 1 KiB of data); a
#: larger need grows the buffer on the first call that has it.
_SCRATCH_START = 1 << 17
#: The largest scratch buffer a thread keeps between calls; a call needing more allocates for itself alone.
_SCRATCH_KEEP = 1 << 22
#: Above this, the wipe after an open goes through ctypes.memset rather than a slice assignment of zeros.
_ZERO_BLOCK = bytes(1 << 16)
_ZERO_VIEW = memoryview(_ZERO_BLOCK)


def _take_scratch(kind: str) -> _Scratch:
    s = getattr(_scratch, kind)
    if s is None:
        return _Scratch(_SCRATCH_START)
    setattr(_scratch, kind, None)
    return s


def _wipe_prefix(mem: bytearray, k: int) -> None:
    """Zero the first ``k`` bytes of ``mem`` in place (equal-length slice assignments never reallocate)."""
    block = len(_ZERO_BLOCK)
    if k <= block:
        mem[:k] = _ZERO_VIEW[:k]
        return
    for start in range(0, k, block):
        end = min(k, start + block)
        mem[start:end] = memoryview(_ZERO_BLOCK)[: end - start]


def _actor(actor: object) -> int:
    if not isinstance(actor, Actor):
        raise TypeError(f"actor must be an Actor, not {type(actor).__name__}")
    return actor._handle


def _options(options: object) -> int:
    if not isinstance(options, SealOptions):
        raise TypeError(f"options must be SealOptions, not {type(options).__name__}")
    return options._handle


def _exception(exception: object) -> int:
    if exception is None:
        return 0
    if not isinstance(exception, ExceptionGround):
        raise TypeError(f"exception must be a CourtOrder, Consent, ... or None, not {type(exception).__name__}")
    return exception._handle


def _key(key_id: object, name: str = "key_id") -> _raw.custodia_key_id:
    if not isinstance(key_id, KeyId):
        raise TypeError(f"{name} must be a KeyId, not {type(key_id).__name__}")
    return key_id._to_c()


def _opt_key(key_id: object, name: str) -> Optional[object]:
    return None if key_id is None else byref(_key(key_id, name))


def _durability(durability: object) -> Optional[int]:
    if durability is None:
        return None
    if not isinstance(durability, str):
        raise TypeError(f"durability must be a str, not {type(durability).__name__}")
    try:
        return DURABILITIES[durability]
    except KeyError:
        raise ValueError(f"durability must be one of {', '.join(DURABILITIES)}, not {durability!r}") from None


#: Encoded purposes by text: a program opens for a handful of purposes, so each is encoded once.
_PURPOSES: dict[str, bytes] = {}


def _purpose(purpose: object) -> bytes:
    """A purpose as the C string the open functions take. Its grammar is checked by the library in that very call
    (:class:`~custodia.InvalidPurpose`, nothing opened or audited), so it is not validated twice."""
    if type(purpose) is str:
        encoded = _PURPOSES.get(purpose)
        if encoded is None:
            encoded = text_arg(purpose, "purpose")
            if len(_PURPOSES) >= 256:
                _PURPOSES.clear()
            _PURPOSES[purpose] = encoded
        return encoded
    if not isinstance(purpose, str):
        raise TypeError(f"purpose must be a str, not {type(purpose).__name__}")
    return text_arg(purpose, "purpose")


def _path(path: object, name: str) -> bytes:
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} must be a path, not {type(path).__name__}")
    raw = os.fsencode(path)
    if b"\0" in raw:
        raise ValueError(f"{name} must not contain NUL")
    return raw


def _grant(grant: object) -> Grant:
    if not isinstance(grant, Grant):
        raise TypeError(f"grant must be a Grant, not {type(grant).__name__}")
    return grant


def _key_array(keys: Iterable[KeyId], name: str) -> tuple[Optional[object], int]:
    items = [_key(k, name) for k in keys]
    if not items:
        return None, 0
    return (_raw.custodia_key_id * len(items))(*items), len(items)


class _naming:
    """Name ``path`` in an :class:`~custodia.IoFault` raised inside the block (its ``filename``)."""

    def __init__(self, path: object) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: object, tb: object) -> bool:
        if isinstance(error, IoFault) and self.path is not None:
            error.filename = os.fsdecode(self.path) if isinstance(self.path, (bytes, os.PathLike)) else self.path
        return False


class _HeadCapture:
    """A writer that passes everything on and keeps the first bytes (at most the largest header the format allows),
    so the envelope's info can be read after a streamed seal."""

    LIMIT = 64 * 1024

    def __init__(self, dst: BinaryIO) -> None:
        self.dst = dst
        self.head = bytearray()

    def write(self, data: memoryview) -> Optional[int]:
        n = self.dst.write(data)
        taken = len(data) if n is None else n
        if len(self.head) < self.LIMIT:
            self.head += data[: min(taken, self.LIMIT - len(self.head))]
        return n

    def flush(self) -> None:
        flush = getattr(self.dst, "flush", None)
        if flush is not None:
            flush()


def _plain_bytes(fn: object, *args: object) -> bytes:
    """A non-secret byte buffer (an envelope) as ``bytes``; the library buffer is freed."""
    buf = _raw.custodia_buffer()
    invoke(fn, *args, byref(buf))  # type: ignore[arg-type]
    try:
        n = buf.len
        # `.raw` of a ctypes array over the buffer: one copy, cheaper than ctypes.string_at (itself a foreign call).
        return (ctypes.c_char * n).from_address(buf.data).raw if n else b""
    finally:
        invoke(_raw.lib.custodia_buffer_free, byref(buf))


class _CustodianOptions(Handle):
    _free_name = "custodia_custodian_options_free"
    _noun = "custodian options"
    __slots__ = ()


class _KeyList(Handle):
    _free_name = "custodia_key_list_free"
    _noun = "key list"
    __slots__ = ()


class Custodian(Handle):
    """A keyring and audit log in a directory, opened by the constructor; close with :meth:`close` or ``with`` (the
    audit log gets its closing checkpoint, returned by :meth:`close` as an :class:`Anchor`, and the keys are
    zeroized). Share one between threads freely.

    >>> import tempfile, custodia
    >>> with tempfile.TemporaryDirectory() as d, Custodian(d, master_key=bytes(range(32)), create=True) as c:
    ...     pass
    """

    _free_name = "custodia_custodian_free"
    _noun = "custodian"
    __slots__ = ("_dir", "_closing", "_sinks", "_providers")

    def __init__(
        self,
        directory: PathLike,
        *,
        passphrase: Optional[str] = None,
        master_key: Optional[Union[bytes, bytearray, SensitiveBytes]] = None,
        create: bool = False,
        kdf: Optional[tuple[int, int, int]] = None,
        durability: Optional[str] = None,
        group_commit: tuple[int, int] = (64, 1000),
        audit_sinks: Iterable[AuditSink] = (),
        require_audit_sinks: bool = False,
        providers: Sequence[KeyProvider] = (),
        case_keys: Optional[CaseKeyWrapping] = None,
        signers: Sequence[Signer] = (),
        audit_signer: Optional[Signer] = None,
    ) -> None:
        """Open the custodian in ``directory``, unlocking it with exactly one of ``passphrase`` (Argon2id) or a raw
        32-byte ``master_key`` (from an HSM, KMS or secret store).

        ``create=True`` starts a new custodian when ``directory`` holds none: it creates ``directory`` itself (mode
        0700, never its parents) and a new keyring. Without it a missing directory or keyring raises
        :class:`~custodia.CustodianNotFound`, so a mistyped path is an error rather than a new, empty keyring.
        ``kdf`` = ``(memory_kib, passes, lanes)`` sets the Argon2id cost for a keyring created by this open (outside
        the accepted range: :class:`~custodia.KdfParamsOutOfRange`).
        ``durability`` chooses when an audit entry is on disk (``custodia_durability``): ``"fsync_each"`` (the
        default: each entry synced before its operation returns), ``"group_commit"`` (concurrent operations share one
        sync, none returns before its own entry is synced; ``group_commit`` = ``(max_batch, max_delay_us)``), or
        ``"os_buffered"`` (entries handed to the OS only, checkpoints synced: a weaker promise, for throughput).
        ``audit_sinks`` are callables given each audit event (an :class:`AuditEntry` with ``seq`` ``None``) after the
        log has it, in order, on the thread whose call recorded it; they must not call back into this custodian. An
        exception in a sink is caught (never propagated into the library), kept in :attr:`audit_sink_errors` and
        counted in :attr:`audit_sink_failures`; with ``require_audit_sinks=True`` the operation then fails with
        :class:`~custodia.AuditWriteFailed` too (its event is in the log already).
        ``providers`` are :class:`~custodia.KeyProvider` instances (a host's own KMS): a recipient key id the keyring
        does not hold is sealed to through the first that holds it, and their stanzas are opened through them, always
        after the policy gate. The custodian keeps them alive.
        ``case_keys`` (a :class:`~custodia.CaseKeyWrapping`) wraps every new case key under a provider's key and
        caches unwrapped case keys for a bounded time and number of uses (one provider call per case and cache
        period, not per object).
        ``signers`` are :class:`~custodia.Signer` instances (an Ed25519 key in the host's HSM or KMS): each key is
        recorded in the keyring as a public key and signs through its signer wherever it is named by id
        (:attr:`SealOptions.signer`, grants, receipts); ``audit_signer`` makes one the audit log's key, chosen when the
        log is created (a directory whose audit key is held outside refuses to open without it,
        :class:`~custodia.InvalidArgument`, or with another, :class:`~custodia.AuditWrongKey`). Every signature is
        verified before use (:class:`~custodia.ProviderFailed` otherwise; for an audit entry
        :class:`~custodia.AuditWriteFailed`). The custodian keeps them alive.
        Raises :class:`~custodia.CustodianNotFound`, :class:`~custodia.WrongPassphrase`,
        :class:`~custodia.KeyringCorrupt`, :class:`~custodia.KdfParamsOutOfRange`, ...
        """
        if not _raw.HAS_FACADE:
            raise NotImplementedError(
                f"{_raw.library_path} has no Custodian facade (missing {', '.join(_raw.MISSING_FACADE[:3])}, ...)"
            )
        if (passphrase is None) == (master_key is None):
            raise TypeError("give exactly one of passphrase= or master_key=")
        if not isinstance(create, bool):
            raise TypeError(f"create must be a bool, not {type(create).__name__}")
        dir_arg = _path(directory, "directory")
        durability_code = _durability(durability)
        sinks = _audit_log.SinkTrampolines(audit_sinks)
        with _CustodianOptions.__new__(_CustodianOptions) as options:
            options._init_new(_raw.lib.custodia_custodian_options_new)
            invoke(_raw.lib.custodia_custodian_options_set_create, options._handle, create)
            if kdf is not None:
                memory_kib, passes, lanes = kdf
                invoke(_raw.lib.custodia_custodian_options_set_kdf, options._handle, memory_kib, passes, lanes)
            if durability_code is not None:
                max_batch, max_delay_us = group_commit
                invoke(_raw.lib.custodia_custodian_options_set_durability, options._handle, durability_code,
                       max_batch, max_delay_us)
            sinks.install(options._handle, bool(require_audit_sinks))
            kept = []
            for p in providers:
                with _make_handle(p) as h:
                    invoke(_raw.lib.custodia_custodian_options_add_provider, options._handle, h._handle)
                    kept.append(h)  # its trampolines must outlive every call of the custodian
            if case_keys is not None:
                if not isinstance(case_keys, CaseKeyWrapping):
                    raise TypeError(f"case_keys must be a custodia.CaseKeyWrapping, not {type(case_keys).__name__}")
                with _make_handle(case_keys.provider) as h:
                    invoke(_raw.lib.custodia_custodian_options_set_case_keys, options._handle, h._handle,
                           byref(case_keys.kek._to_c()), case_keys.cache_ttl_secs, case_keys.cache_max_uses)
                    kept.append(h)
            for sg in signers:
                with _signer_handle(sg) as h:
                    invoke(_raw.lib.custodia_custodian_options_add_signer, options._handle, h._handle)
                    kept.append(h)  # its trampoline must outlive every call of the custodian
            if audit_signer is not None:
                with _signer_handle(audit_signer) as h:
                    invoke(_raw.lib.custodia_custodian_options_set_audit_signer, options._handle, h._handle)
                    kept.append(h)
            if passphrase is not None:
                self._init_new(
                    _raw.lib.custodia_custodian_open_passphrase,
                    dir_arg,
                    text_arg(passphrase, "passphrase"),
                    options._handle,
                )
            else:
                key = bytes_arg(master_key, "master_key")
                self._init_new(_raw.lib.custodia_custodian_open_master_key, dir_arg, key.ptr, key.len, options._handle)
        # The library may call the sinks until the handle is freed: the finalizer's own list keeps them alive.
        self._live.append(sinks)
        self._sinks = sinks
        self._dir = Path(os.fsdecode(dir_arg))
        self._closing: Optional[Anchor] = None
        self._providers = tuple(kept)

    def close(self) -> Optional[Anchor]:  # type: ignore[override]
        """Close: write the audit log's closing checkpoint, sync it, release the handle (the keys are zeroized once no
        call on another thread still uses it), and return the closing checkpoint as an :class:`Anchor` to hand to
        another authority. Later calls raise :class:`~custodia.InvalidHandle` (a call already running on another
        thread gets :class:`~custodia.CustodianClosed`). Closing again returns the same anchor (``None`` if the
        custodian was released without a closing checkpoint). The handle is released even when the checkpoint
        fails (:class:`~custodia.AuditWriteFailed`; the next open recovers the log)."""
        if self.closed:
            return getattr(self, "_closing", None)
        try:
            self._closing = Anchor(take_text(_raw.lib.custodia_custodian_close, self._handle))
        finally:
            Handle.close(self)
        return self._closing

    @property
    def directory(self) -> Path:
        """The directory holding the keyring and the audit log."""
        return self._dir

    @property
    def audit_path(self) -> Path:
        """The audit log file."""
        return self._dir / "audit.log"

    # ---- keys ---------------------------------------------------------------------------------------------------

    def generate_key(self, actor: Actor, kind: KeyKind, label: str) -> KeyId:
        """Generate a key of ``kind`` (KEK, X25519, X-Wing, Ed25519) under a human ``label``; audited."""
        out = _raw.custodia_key_id()
        invoke(_raw.lib.custodia_key_generate, self._handle, _actor(actor), int(kind), text_arg(label, "label"),
               byref(out))
        return KeyId._from_c(out)

    def case_key(self, actor: Actor, case_ref: str, destroy_after: Optional[Timestamp] = None) -> KeyId:
        """The active key-encryption key of a case, generated on first use with an optional retention deadline."""
        seconds = 0 if destroy_after is None else _unix(destroy_after, "destroy_after")
        out = _raw.custodia_key_id()
        invoke(_raw.lib.custodia_key_for_case, self._handle, _actor(actor), text_arg(case_ref, "case_ref"), seconds,
               byref(out))
        return KeyId._from_c(out)

    def keys(self) -> list[KeyInfo]:
        """Every key in the keyring, tombstones included."""
        with _KeyList.__new__(_KeyList) as keys:
            keys._init_new(_raw.lib.custodia_key_list_new, self._handle)
            n = ctypes.c_size_t()
            invoke(_raw.lib.custodia_key_list_len, keys._handle, byref(n))
            result = []
            for i in range(n.value):
                k = _raw.custodia_key_info()
                invoke(_raw.lib.custodia_key_list_get, keys._handle, i, byref(k))
                result.append(
                    KeyInfo(
                        id=KeyId._from_c(k.key_id),
                        kind=KeyKind(k.kind),
                        state=KeyState._NAMES.get(k.state, str(k.state)),
                        label=(k.label or b"").decode(),
                        case_ref=k.case_ref.decode() if k.case_ref else None,
                        created=_time(k.created) or _dt.datetime.fromtimestamp(0, _dt.timezone.utc),
                        destroy_after=_time(k.destroy_after),
                        destroyed_at=_time(k.destroyed_at),
                        has_secret=bool(k.has_secret),
                        rotated_from=KeyId._from_c(k.rotated_from) if k.has_rotated_from else None,
                        rotated_to=KeyId._from_c(k.rotated_to) if k.has_rotated_to else None,
                        jurisdiction=k.jurisdiction.decode() if k.jurisdiction else None,
                        authority=k.authority.decode() if k.authority else None,
                        not_before=_time(k.not_before),
                        not_after=_time(k.not_after),
                        revoked=_mark(k.revoked_at, k.revoked_reason),
                        compromised=_mark(k.compromised_at, k.compromised_reason),
                    )
                )
            return result

    def key(self, key_id: KeyId) -> KeyInfo:
        """One key's information; :class:`~custodia.KeyNotFound` if absent."""
        _key(key_id)
        for info in self.keys():
            if info.id == key_id:
                return info
        from ._errors import KeyNotFound

        raise KeyNotFound(400, f"no key {key_id}")

    def export_public(self, key_id: KeyId) -> str:
        """The text form of a key's public half, to hand to another authority (not secret)."""
        return take_text(_raw.lib.custodia_key_export_public, self._handle, byref(_key(key_id)))

    def import_public(self, actor: Actor, key_text: str, label: str, jurisdiction: str) -> KeyId:
        """Import another authority's public key from its text form, with the ``jurisdiction`` (``"NL"``) that
        authority acts in: sharing with the key (:meth:`rewrap`) is refused unless an envelope permits it.
        :class:`~custodia.InvalidKeyText` if mistyped; :class:`~custodia.InvalidArgument` if already imported for
        another jurisdiction."""
        out = _raw.custodia_key_id()
        invoke(_raw.lib.custodia_key_import_public, self._handle, _actor(actor), text_arg(key_text, "key_text"),
               text_arg(label, "label"), text_arg(jurisdiction, "jurisdiction"), byref(out))
        return KeyId._from_c(out)

    def import_authority_key(
        self,
        actor: Actor,
        key_text: str,
        label: str,
        authority: str,
        jurisdiction: str,
        not_before: Optional[Timestamp] = None,
        not_after: Optional[Timestamp] = None,
    ) -> KeyId:
        """Import another authority's public key as :meth:`import_public` does, recording the ``authority``'s name
        and the period (``not_before`` inclusive, ``not_after`` exclusive) in which data may be sealed or shared to
        it. Sealing for it is refused unless the envelope's destinations include ``jurisdiction``
        (:class:`~custodia.DestinationRequired`, :class:`~custodia.RecipientNotPermitted`), and outside the period
        (:class:`~custodia.KeyNotValid`)."""
        out = _raw.custodia_key_id()
        invoke(_raw.lib.custodia_key_import_authority, self._handle, _actor(actor), text_arg(key_text, "key_text"),
               text_arg(label, "label"), text_arg(authority, "authority"), text_arg(jurisdiction, "jurisdiction"),
               0 if not_before is None else _unix(not_before, "not_before"),
               0 if not_after is None else _unix(not_after, "not_after"), byref(out))
        return KeyId._from_c(out)

    def revoke_key(self, actor: Actor, key_id: KeyId, reason: str) -> None:
        """Revoke another authority's key (end of cooperation, compromise): nothing new is sealed or shared to it
        (:class:`~custodia.KeyRevoked`). Recorded as ``key_revoked``."""
        invoke(_raw.lib.custodia_key_revoke, self._handle, _actor(actor), byref(_key(key_id)),
               text_arg(reason, "reason"))

    def mark_compromised(self, actor: Actor, key_id: KeyId, reason: str) -> None:
        """Mark a key compromised (own or another authority's): it seals, signs and receives nothing new
        (:class:`~custodia.KeyCompromised`); an own key still opens so that its envelopes can be moved. Recorded as
        ``key_compromised``."""
        invoke(_raw.lib.custodia_key_mark_compromised, self._handle, _actor(actor), byref(_key(key_id)),
               text_arg(reason, "reason"))

    def compromise_report(self, key_id: KeyId) -> CompromiseReport:
        """What the key protected, from the audit log: envelopes, cases, recipients, whether each is still wrapped
        to it, the re-wrap plan to a fresh key, and what the log cannot know."""
        return CompromiseReport._parse(
            take_text(_raw.lib.custodia_key_compromise_report, self._handle, byref(_key(key_id))))

    def rotate(self, actor: Actor, key_id: KeyId) -> KeyId:
        """Make a new active key of the same kind and case; the old one becomes decrypt-only."""
        out = _raw.custodia_key_id()
        invoke(_raw.lib.custodia_key_rotate, self._handle, _actor(actor), byref(_key(key_id)), byref(out))
        return KeyId._from_c(out)

    def destroy_key(self, actor: Actor, key_id: KeyId, reason: str) -> ErasureCertificate:
        """Crypto-shred a key: its secret is wiped, a tombstone remains. Everything sealed only under it can no longer
        be opened (:class:`~custodia.KeyDestroyed`). :class:`~custodia.LegalHold` when its case is held. Returns the
        signed erasure certificate written to the audit log, which verifies with :meth:`audit_public_key` alone
        (:meth:`ErasureCertificate.verify`); ``reason`` must not contain personal data."""
        return ErasureCertificate(take_text(_raw.lib.custodia_key_destroy, self._handle, _actor(actor),
                                            byref(_key(key_id)), text_arg(reason, "reason")))

    def shred_expired(self, actor: Actor) -> ShredReport:
        """Destroy every key past its retention deadline, except those of cases under legal hold; the report carries
        the erasure certificate of each key destroyed."""
        destroyed, held = ctypes.c_size_t(), ctypes.c_size_t()
        lines = take_text(_raw.lib.custodia_key_shred_expired, self._handle, _actor(actor), byref(destroyed),
                          byref(held))
        certificates = tuple(ErasureCertificate(line) for line in lines.splitlines() if line)
        return ShredReport(destroyed.value, held.value, certificates)

    def set_retention(self, actor: Actor, key_id: KeyId, destroy_after: Optional[Timestamp]) -> None:
        """Set a key's retention deadline, after which :meth:`shred_expired` destroys it; ``None`` clears it."""
        seconds = 0 if destroy_after is None else _unix(destroy_after, "destroy_after")
        invoke(_raw.lib.custodia_key_set_retention, self._handle, _actor(actor), byref(_key(key_id)), seconds)

    def place_legal_hold(self, actor: Actor, case_ref: str, reference: str, reason: str) -> None:
        """Place a legal hold on a case, citing its ``reference`` (order, instruction) and ``reason``: until it is
        released no key of the case can be destroyed (:class:`~custodia.LegalHold`) and :meth:`shred_expired` keeps
        them. :class:`~custodia.InvalidArgument` when the case is already held."""
        invoke(_raw.lib.custodia_legal_hold_place, self._handle, _actor(actor), text_arg(case_ref, "case_ref"),
               text_arg(reference, "reference"), text_arg(reason, "reason"))

    def release_legal_hold(self, actor: Actor, case_ref: str) -> None:
        """Release the legal hold on a case; :class:`~custodia.InvalidArgument` when it is not held."""
        invoke(_raw.lib.custodia_legal_hold_release, self._handle, _actor(actor), text_arg(case_ref, "case_ref"))

    # ---- seal and open ------------------------------------------------------------------------------------------

    def seal(self, actor: Actor, data: Union[bytes, bytearray, memoryview, SensitiveBytes],
             options: SealOptions) -> bytes:
        """Seal ``data`` under ``options`` for its recipients; audited. The envelope is not secret: ``bytes``.

        The library writes the envelope into memory this binding owns and reuses (``custodia_seal_into`` into a
        per-thread scratch buffer): no library buffer to copy out of and free, no size call, per seal."""
        if type(data) is bytes and data:  # the common case, without a borrowed-argument object
            ptr, n = data, len(data)
        else:
            arg = bytes_arg(data, "data")
            ptr, n = arg.ptr, arg.len
        handle = _options(options)
        # Into this thread's scratch buffer, grown when the library says it is too small (it then writes nothing,
        # records nothing and reports the size it needs): one C call per seal, no ``custodia_seal_max_size`` call
        # and no fresh buffer of that bound (about 66 KiB for 1 KiB of data) to allocate and zero per seal.
        scratch = _take_scratch("seal")
        written = scratch.written
        try:
            try:
                invoke(_raw.lib.custodia_seal_into, self._handle, _actor(actor), ptr, n, handle, scratch.view,
                       scratch.cap, scratch.written_ref)
            except BufferTooSmall:
                # Kept as this thread's scratch only up to _SCRATCH_KEEP; a larger one serves this call alone.
                bigger = _Scratch(written.value)
                if bigger.cap <= _SCRATCH_KEEP:
                    scratch = bigger
                invoke(_raw.lib.custodia_seal_into, self._handle, _actor(actor), ptr, n, handle, bigger.view,
                       bigger.cap, byref(written))
                return bigger.mv[: written.value].tobytes()
            return scratch.mv[: written.value].tobytes()
        finally:
            _scratch.seal = scratch

    def seal_record(self, actor: Actor, fields: "Mapping[str, _records.Field]", options: SealOptions) -> bytes:
        """Seal a record: ``fields`` maps each name (``a-z``, then ``a-z``, ``0-9``, ``_``; at most 64 bytes) to a
        :class:`~custodia.Field` (value and terms). ``options`` gives the envelope's own category and classification
        (what every reader must be cleared for to see anything of it), purposes, recipients and the rest. The actor
        must be cleared for every field. Audited with the field names (never the values)."""
        builder = _records.build(fields)
        buf = _raw.custodia_buffer()
        try:
            invoke(_raw.lib.custodia_seal_record, self._handle, _actor(actor), builder, _options(options),
                   byref(buf))
            return ctypes.string_at(buf.data, buf.len)
        finally:
            invoke(_raw.lib.custodia_record_free, builder)
            if buf.data:
                invoke(_raw.lib.custodia_buffer_free, byref(buf))

    def pseudonymize(self, actor: Actor, purpose: str, case_ref: str, category: Category, domain: str,
                     values: Sequence[str]) -> list[str]:
        """Keyed pseudonyms (32 hex digits) of ``values`` within ``case_ref`` and ``domain``: the same value (white
        space and case normalized) always gets the same pseudonym in one case, unrelated ones in another; destroying
        the case's key destroys the linkability. The actor passes the gate for data of ``category`` in the case;
        recorded (count and domain, never the values). A blind index for equality search over sealed columns."""
        array, count = text_array(list(values), "values")
        text = take_text(_raw.lib.custodia_pseudonymize, self._handle, _actor(actor), _purpose(purpose),
                         text_arg(case_ref, "case_ref"), int(category), text_arg(domain, "domain"), array, count)
        return text.split("\n")[:-1] if text else []

    def resolve_pseudonym(self, actor: Actor, purpose: str, case_ref: str, category: Category, domain: str,
                          pseudonym: str, candidates: Sequence[str]) -> Optional[int]:
        """The index of the candidate whose pseudonym is ``pseudonym``, or ``None``: the audited way back from a
        pseudonym to a value the caller holds."""
        array, count = text_array(list(candidates), "candidates")
        index = ctypes.c_size_t()
        invoke(_raw.lib.custodia_resolve_pseudonym, self._handle, _actor(actor), _purpose(purpose),
               text_arg(case_ref, "case_ref"), int(category), text_arg(domain, "domain"),
               text_arg(pseudonym, "pseudonym"), array, count, byref(index))
        return None if index.value == ctypes.c_size_t(-1).value else index.value

    def open_record(
        self,
        actor: Actor,
        envelope: Union[bytes, bytearray, memoryview],
        purpose: str,
        *,
        exception: Optional[ExceptionGround] = None,
        required_signer: Optional[KeyId] = None,
    ) -> "_records.OpenedRecord":
        """Open a record envelope field by field as ``actor`` for ``purpose``. The envelope's own terms are decided
        first (a refusal raises, as for :meth:`open`); then each field on its own terms: a field this reader may
        not see comes back as a :class:`~custodia.Withheld` marker, not an exception. Audited with the disclosed
        and withheld field names."""
        env = bytes_arg(envelope, "envelope")
        handle = ctypes.c_uint64()
        invoke(_raw.lib.custodia_open_record, self._handle, _actor(actor), _purpose(purpose), _exception(exception),
               env.ptr, env.len, _opt_key(required_signer, "required_signer"), byref(handle), None)
        try:
            return _records.read(handle.value)
        finally:
            invoke(_raw.lib.custodia_opened_record_free, handle.value)

    def issue_sd_jwt(
        self,
        actor: Actor,
        envelope: Union[bytes, bytearray, memoryview],
        purpose: str,
        signer: KeyId,
        *,
        exception: Optional[ExceptionGround] = None,
    ) -> str:
        """An SD-JWT of a record envelope (docs/FORMAT.md section 15), signed with this custodian's Ed25519 key
        ``signer``: the record is opened first as :meth:`open_record` does (its gate and each field's terms apply);
        only the fields ``actor`` may open get a disclosure, the others count as withheld. Audited
        (``selective_disclosure``). The text holds every disclosed value: keep it secret."""
        env = bytes_arg(envelope, "envelope")
        return _sdjwt.secret_text(_raw.lib.custodia_sd_jwt_issue, self._handle, _actor(actor), _purpose(purpose),
                                  _exception(exception), env.ptr, env.len, byref(_key(signer, "signer")))

    def present(self, actor: Actor, sd_jwt: str, fields: Sequence[str], audience: str, purpose: str) -> str:
        """A presentation of the SD-JWT ``sd_jwt`` (issued by a key of this custodian) holding only ``fields``, for
        ``audience`` (who receives it, e.g. ``"FR-PNF"``) and ``purpose``; audited before it is returned. Check it
        anywhere with :func:`custodia.verify_presentation`."""
        array, count = text_array(list(fields), "fields")
        return _sdjwt.secret_text(_raw.lib.custodia_sd_jwt_present, self._handle, _actor(actor),
                                  text_arg(sd_jwt, "sd_jwt"), array, count, text_arg(audience, "audience"),
                                  _purpose(purpose))

    def open(
        self,
        actor: Actor,
        envelope: Union[bytes, bytearray, memoryview],
        purpose: str,
        *,
        exception: Optional[ExceptionGround] = None,
        required_signer: Optional[KeyId] = None,
    ) -> Opened:
        """Open an envelope (binary or armored) as ``actor`` for ``purpose``, optionally under a legal ``exception``
        and requiring a signer. Refusals raise the :class:`~custodia.Refused` subclass naming the rule; a damaged or
        forged envelope raises :class:`~custodia.OpenFailed`. Use the result in a ``with`` block to wipe the
        plaintext promptly."""
        if type(envelope) is bytes and envelope:  # the common case, without a borrowed-argument object
            ptr, n = envelope, len(envelope)
        else:
            env = bytes_arg(envelope, "envelope")
            ptr, n = env.ptr, env.len
        # The plaintext is written by the library into this thread's scratch buffer, copied once into the bytearray
        # that SensitiveBytes owns and wipes, and the scratch bytes are wiped at once: one C call per open, no
        # ``custodia_open_size`` call first. A plaintext larger than the scratch buffer (the library then decides
        # nothing, records nothing and reports the size it needs) is written straight into a bytearray of exactly
        # that size, which SensitiveBytes adopts (no copy).
        scratch = _take_scratch("open")
        written = scratch.written
        info = _raw.custodia_envelope_info()
        signer = None if required_signer is None else _opt_key(required_signer, "required_signer")
        ground = 0 if exception is None else _exception(exception)
        try:
            try:
                invoke(_raw.lib.custodia_open_into, self._handle, _actor(actor), _purpose(purpose), ground, ptr, n,
                       signer, scratch.view, scratch.cap, scratch.written_ref, byref(info))
            except BufferTooSmall:
                exact = _Scratch(written.value)
                data = SensitiveBytes._adopt(exact.mem)
                try:
                    invoke(_raw.lib.custodia_open_into, self._handle, _actor(actor), _purpose(purpose), ground, ptr,
                           n, signer, exact.view, exact.cap, byref(written), byref(info))
                except BaseException:
                    del exact
                    data.close()
                    raise
                del exact  # release the ctypes export, so the bytearray can be wiped and freed later
                return Opened._from_c(data, info)
            k = written.value
            mem = scratch.mem
            data = SensitiveBytes._adopt(mem[:k])  # one copy, bytearray to bytearray: no intermediate bytes
            _wipe_prefix(mem, k)
        finally:
            _scratch.open = scratch
        return Opened._from_c(data, info)

    def open_seekable(
        self,
        actor: Actor,
        source: Union[PathLike, BinaryIO],
        purpose: str,
        *,
        exception: Optional[ExceptionGround] = None,
        required_signer: Optional[KeyId] = None,
    ) -> EnvelopeReader:
        """Open an envelope file for random access: a path, or a binary file object with a ``fileno()`` (read from
        its current position; the reader keeps its own duplicate of the descriptor). The policy gate decides
        first, before any key is touched, and the open is recorded, as for :meth:`open`. The result is a
        read-only, seekable file object (:class:`EnvelopeReader`) whose every chunk is authenticated before a byte
        of it is returned; close it (or use ``with``) to wipe its buffer."""
        info = _raw.custodia_envelope_info()
        handle = ctypes.c_uint64()
        common = (self._handle, _actor(actor), _purpose(purpose), _exception(exception),
                  _opt_key(required_signer, "required_signer"))
        if isinstance(source, (str, bytes, os.PathLike)):
            with _naming(source):
                invoke(_raw.lib.custodia_reader_open_file, *common, _path(source, "source"), byref(handle),
                       byref(info))
        else:
            try:
                fd = int(source.fileno())
            except (AttributeError, OSError) as e:  # io.UnsupportedOperation is an OSError
                raise TypeError(f"source must be a path or a file object with a real fileno(), not "
                                f"{type(source).__name__}") from e
            with _naming(getattr(source, "name", None)):
                invoke(_raw.lib.custodia_reader_open_fd, *common, fd, byref(handle), byref(info))
        return EnvelopeReader(handle.value, EnvelopeInfo._from_c(info))

    def envelope_grants(self, envelope: Union[bytes, bytearray, memoryview]) -> list[Grant]:
        """The originator's grants an envelope's header carries, as read (whether each holds is decided when the
        envelope is opened or re-wrapped). No key, not audited."""
        env = bytes_arg(envelope, "envelope")
        info = _raw.custodia_envelope_info()
        invoke(_raw.lib.custodia_envelope_inspect, self._handle, env.ptr, env.len, byref(info))
        grants = []
        for i in range(info.grant_count):
            grants.append(Grant(take_text(_raw.lib.custodia_envelope_grant, self._handle, env.ptr, env.len, i)))
        return grants

    def inspect(self, envelope: Union[bytes, bytearray, memoryview]) -> EnvelopeInfo:
        """Read an envelope's bound metadata without opening it (no key, no decision, not audited)."""
        env = bytes_arg(envelope, "envelope")
        info = _raw.custodia_envelope_info()
        invoke(_raw.lib.custodia_envelope_inspect, self._handle, env.ptr, env.len, byref(info))
        result = EnvelopeInfo._from_c(info)
        if info.grant_count:
            result = dataclasses.replace(result, grants=tuple(self.envelope_grants(envelope)))
        return result

    def describe(self, envelope: Union[bytes, bytearray, memoryview]) -> str:
        """A human description of an envelope's bound metadata (purposes, case, jurisdictions, recipients)."""
        env = bytes_arg(envelope, "envelope")
        return take_text(_raw.lib.custodia_envelope_describe, self._handle, env.ptr, env.len)

    def rewrap(self, actor: Actor, envelope: Union[bytes, bytearray, memoryview], purpose: str, *,
               remove: Iterable[KeyId] = (), add: Iterable[KeyId] = (), grant: Optional[Grant] = None) -> bytes:
        """Re-wrap an envelope's data key for ``purpose``: drop the ``remove`` recipients, add the ``add`` ones (the
        payload is not re-encrypted). The policy gate decides first, as for :meth:`open` but with no exception:
        clearance, jurisdiction, expiry, and a purpose the envelope grants. Adding another authority's key
        (sharing) also needs ``purpose`` under ``mla.execution`` (:class:`~custodia.TransferNotPermitted`) and a key
        imported with a jurisdiction the envelope permits (:class:`~custodia.RecipientNotPermitted`,
        :class:`~custodia.RecipientJurisdictionUnknown`). Refusals are audited.

        Rule of speciality: a custodian that is not the envelope's originator (it does not hold the envelope
        signer's secret) needs the originator's ``grant`` naming each key of another authority it adds
        (:class:`~custodia.OnwardTransferNotGranted` otherwise, the message saying what is missing). The grant is
        verified before any key is touched and written into the new envelope's header."""
        env = bytes_arg(envelope, "envelope")
        rm, rm_n = _key_array(remove, "remove")
        ad, ad_n = _key_array(add, "add")
        if grant is None:
            return _plain_bytes(_raw.lib.custodia_rewrap, self._handle, _actor(actor), _purpose(purpose), env.ptr,
                                env.len, rm, rm_n, ad, ad_n)
        g = bytes_arg(_grant(grant).to_bytes(), "grant")
        return _plain_bytes(_raw.lib.custodia_rewrap_with_grant, self._handle, _actor(actor), _purpose(purpose),
                            env.ptr, env.len, rm, rm_n, ad, ad_n, g.ptr, g.len)

    # ---- grants (rule of speciality) ----------------------------------------------------------------------------

    def issue_onward_transfer_grant(self, actor: Actor, signer: KeyId, object_id: str, authority: str,
                                    jurisdiction: str, recipient: KeyId, not_after: Timestamp,
                                    reference: str) -> Grant:
        """Issue, as the originator, a grant letting a recipient of the envelope ``object_id`` add the key
        ``recipient`` of ``authority`` acting in ``jurisdiction``. Signed with the own Ed25519 key ``signer`` (the
        envelope's signer), valid until ``not_after``; ``reference`` names the request letter. Recorded as
        ``grant_issued``."""
        return Grant(take_text(_raw.lib.custodia_grant_issue_onward_transfer, self._handle, _actor(actor),
                               byref(_key(signer, "signer")), text_arg(object_id, "object_id"),
                               text_arg(authority, "authority"), text_arg(jurisdiction, "jurisdiction"),
                               byref(_key(recipient, "recipient")), _unix(not_after, "not_after"),
                               text_arg(reference, "reference")))

    def issue_purpose_extension_grant(self, actor: Actor, signer: KeyId, object_id: str, purposes: Iterable[str],
                                      not_after: Timestamp, reference: str) -> Grant:
        """Issue, as the originator, a grant extending the purposes of the envelope ``object_id`` by
        ``purposes``. Otherwise as :meth:`issue_onward_transfer_grant`."""
        array, count = text_array(list(purposes), "purposes")
        return Grant(take_text(_raw.lib.custodia_grant_issue_purpose_extension, self._handle, _actor(actor),
                               byref(_key(signer, "signer")), text_arg(object_id, "object_id"), array, count,
                               _unix(not_after, "not_after"), text_arg(reference, "reference")))

    def extend_purposes(self, actor: Actor, envelope: Union[bytes, bytearray, memoryview], grant: Grant) -> bytes:
        """Apply an originator's purpose extension ``grant``: re-issue the envelope with the grant in its header,
        so every later reader may open it for the extended purposes. Checked before any key is touched
        (:class:`~custodia.PurposeExtensionNotGranted`, the message saying which check failed), then the actor's
        clearance, jurisdiction and the expiry. Recorded as ``grant_applied``."""
        env = bytes_arg(envelope, "envelope")
        g = bytes_arg(_grant(grant).to_bytes(), "grant")
        return _plain_bytes(_raw.lib.custodia_extend_purposes, self._handle, _actor(actor), env.ptr, env.len, g.ptr,
                            g.len)

    def rewrap_rotated(self, actor: Actor, envelope: Union[bytes, bytearray, memoryview]) -> bytes:
        """Re-wrap an envelope for the newest successors of its rotated keys (after :meth:`rotate`); an envelope
        naming no rotated key comes back unchanged (binary). Needs only the actor's clearance for the data (no
        purpose; works on expired data): the successor is this custodian's own key."""
        env = bytes_arg(envelope, "envelope")
        return _plain_bytes(_raw.lib.custodia_rewrap_rotated, self._handle, _actor(actor), env.ptr, env.len)

    def unwrap_attempts(self) -> int:
        """How many times this custodian has tried to unwrap a data key since it was opened: unchanged by a refused
        open or re-wrap, which touches no key."""
        n = ctypes.c_uint64()
        invoke(_raw.lib.custodia_custodian_unwrap_attempts, self._handle, byref(n))
        return n.value

    # ---- access policy (docs/POLICY.md) ------------------------------------------------------------------------

    def set_access_policy(self, actor: Actor, policy: AccessPolicy) -> None:
        """Put ``policy`` in force: written atomically to ``access-policy.toml`` in the directory, recorded as
        ``policy_changed`` with ``actor`` and the policy's SHA-256, applied to every later open, seal and share."""
        if not isinstance(policy, AccessPolicy):
            raise TypeError(f"policy must be an AccessPolicy, not {type(policy).__name__}")
        invoke(_raw.lib.custodia_custodian_set_access_policy, self._handle, _actor(actor), policy._handle)

    def approve_exception(self, approver: Actor, signing_key: KeyId, *, object_id: str, actor_id: str, purpose: str,
                          exception_kind: ExceptionKind, reference: Optional[str], not_after: Timestamp) -> str:
        """Sign a four-eyes approval as ``approver`` with this keyring's Ed25519 key ``signing_key``: consent that
        ``actor_id`` open envelope ``object_id`` for ``purpose`` under an exception of ``exception_kind`` with
        ``reference``, until ``not_after``. Recorded here as ``exception_approved``. Returns the approval's text,
        which the opener attaches with :meth:`~custodia.ExceptionGround.with_approval`. Approving one's own exception
        is refused (:class:`~custodia.InvalidArgument`)."""
        if not isinstance(exception_kind, int):
            raise TypeError(f"exception_kind must be an ExceptionKind, not {type(exception_kind).__name__}")
        seconds = _unix(not_after, "not_after")
        return take_text(_raw.lib.custodia_custodian_approve_exception, self._handle, _actor(approver),
                         byref(_key(signing_key, "signing_key")), text_arg(object_id, "object_id"),
                         text_arg(actor_id, "actor_id"), _purpose(purpose), int(exception_kind),
                         None if reference is None else text_arg(reference, "reference"), seconds)

    # ---- disclosure receipts ------------------------------------------------------------------------------------

    def receive(self, actor: Actor, envelope: Union[bytes, bytearray, memoryview]) -> EnvelopeInfo:
        """Record that an envelope from another authority arrived (``received`` in the audit log): one of this
        keyring's keys must be a recipient (:class:`~custodia.NoMatchingRecipient` otherwise). No key is touched. A
        receipt for it (:meth:`issue_receipt`) starts from this."""
        env = bytes_arg(envelope, "envelope")
        info = _raw.custodia_envelope_info()
        invoke(_raw.lib.custodia_envelope_receive, self._handle, _actor(actor), env.ptr, env.len, byref(info))
        return EnvelopeInfo._from_c(info)

    def issue_receipt(self, actor: Actor, object_id: str, signer: KeyId, *, name_actors: bool = False,
                      include_refusals: bool = True) -> Receipt:
        """Sign a disclosure receipt for the envelope ``object_id`` with this keyring's Ed25519 key ``signer``, from
        the audit log: received, opened (purpose, time, role; actor ids only with ``name_actors``), exceptions used,
        shares, refusals (``include_refusals``), and the destruction of its key. :class:`~custodia.ReceiptNotApplicable`
        when the object was never received here."""
        h = ctypes.c_uint64()
        invoke(_raw.lib.custodia_receipt_issue, self._handle, _actor(actor), text_arg(object_id, "object_id"),
               byref(_key(signer, "signer")), bool(name_actors), bool(include_refusals), byref(h))
        return Receipt._from_handle(h.value)

    def import_receipt(self, actor: Actor, receipt: Union[Receipt, str]) -> Receipt:
        """Import a receipt from a recipient authority: verified against the public signing keys of other authorities
        imported here (:class:`~custodia.ReceiptIssuerUnknown`), refused unless it is about an object this custodian
        sealed or shared (:class:`~custodia.ReceiptNotApplicable`), malformed or forged ones refused
        (:class:`~custodia.ReceiptInvalid`); kept and recorded as ``receipt_imported``."""
        text = receipt.to_armored() if isinstance(receipt, Receipt) else receipt
        h = ctypes.c_uint64()
        invoke(_raw.lib.custodia_receipt_import, self._handle, _actor(actor), text_arg(text, "receipt"), byref(h))
        return Receipt._from_handle(h.value)

    def receipts_for_object(self, object_id: str) -> list[Receipt]:
        """The receipts imported for an envelope, in import order (one per distinct receipt)."""
        text = take_text(_raw.lib.custodia_receipt_find_by_object, self._handle, text_arg(object_id, "object_id"))
        return [Receipt(t) for t in split_armored(text)]

    def receipts_for_case(self, case_ref: str) -> list[Receipt]:
        """The receipts imported for every envelope of a case: what the other state did with what was sent."""
        text = take_text(_raw.lib.custodia_receipt_find_by_case, self._handle, text_arg(case_ref, "case_ref"))
        return [Receipt(t) for t in split_armored(text)]

    # ---- files and streams --------------------------------------------------------------------------------------

    def seal_file(self, actor: Actor, src: PathLike, dst: PathLike, options: SealOptions) -> None:
        """Seal the file ``src`` into the envelope file ``dst``, in constant memory. An I/O failure raises
        :class:`~custodia.IoFault` (an ``OSError``) naming the paths."""
        with _naming(f"{os.fsdecode(src)} -> {os.fsdecode(dst)}"):
            invoke(_raw.lib.custodia_seal_file, self._handle, _actor(actor), _options(options), _path(src, "src"),
                   _path(dst, "dst"))

    def open_file(self, actor: Actor, src: PathLike, dst: PathLike, purpose: str, *,
                  exception: Optional[ExceptionGround] = None, required_signer: Optional[KeyId] = None) -> EnvelopeInfo:
        """Open the envelope file ``src`` into ``dst`` chunk by chunk; on any error discard ``dst``."""
        info = _raw.custodia_envelope_info()
        with _naming(f"{os.fsdecode(src)} -> {os.fsdecode(dst)}"):
            invoke(_raw.lib.custodia_open_file, self._handle, _actor(actor), _purpose(purpose),
                   _exception(exception), _opt_key(required_signer, "required_signer"), _path(src, "src"),
                   _path(dst, "dst"), byref(info))
        return EnvelopeInfo._from_c(info)

    def seal_stream(self, actor: Actor, src: BinaryIO, dst: BinaryIO, options: SealOptions) -> EnvelopeInfo:
        """Seal everything the binary file object ``src`` yields into ``dst``, in constant memory, and return the
        envelope's info (read from the header as it was written). An exception raised by ``src`` or ``dst``
        propagates as itself."""
        head = _HeadCapture(dst)
        streams = StreamPair(src, head)  # type: ignore[arg-type]
        streams.call(_raw.lib.custodia_seal_stream, self._handle, _actor(actor), _options(options), streams.read_fn,
                     None, streams.write_fn, None)
        return self.inspect(bytes(head.head))

    def open_stream(self, actor: Actor, src: BinaryIO, dst: BinaryIO, purpose: str, *,
                    exception: Optional[ExceptionGround] = None,
                    required_signer: Optional[KeyId] = None) -> EnvelopeInfo:
        """Open the envelope ``src`` yields, writing plaintext to ``dst`` chunk by chunk as each authenticates. On
        any error, discard what ``dst`` received (a signature is checked at the end)."""
        info = _raw.custodia_envelope_info()
        streams = StreamPair(src, dst)
        streams.call(_raw.lib.custodia_open_stream, self._handle, _actor(actor), _purpose(purpose),
                     _exception(exception), _opt_key(required_signer, "required_signer"), streams.read_fn, None,
                     streams.write_fn, None, byref(info))
        return EnvelopeInfo._from_c(info)

    # ---- audit --------------------------------------------------------------------------------------------------

    def verify_audit(self, anchors: Iterable[Union[Anchor, str]] = ()) -> AuditReport:
        """Verify the whole audit log (hash chain, sequence, checkpoint and erasure signatures) and that it still holds
        exactly the prefix each anchor pins (:class:`Anchor` or its JSON text; pass the ones other authorities
        hold: without them a writer holding the audit key, or one cutting the unsealed tail, goes undetected).
        :class:`~custodia.AuditTampered` (also for a log rewritten or cut below an anchor) or
        :class:`~custodia.AuditMalformed` at the first bad entry; :class:`~custodia.AnchorInvalid` for an anchor that
        is not this log's."""
        texts = [a.to_json() if isinstance(a, Anchor) else a for a in anchors]
        array, count = text_array(texts, "anchors")
        r = _raw.custodia_audit_report()
        invoke(_raw.lib.custodia_audit_verify, self._handle, array, count, byref(r))
        return AuditReport(
            entries=r.entries,
            checkpoints=r.checkpoints,
            erasures=r.erasures,
            recoveries=r.recoveries,
            unsealed_tail=r.unsealed_tail,
            last_checkpoint=r.last_checkpoint if r.has_last_checkpoint else None,
            head=r.head.decode(),
            anchors=r.anchors,
        )

    def checkpoint(self) -> Anchor:
        """Write a signed checkpoint now, sync it, and return it as an :class:`Anchor` to hand to another authority
        (which checks it against :meth:`audit_public_key` and counter-signs it). Export one regularly: only anchors
        held elsewhere pin the log's past."""
        return Anchor(take_text(_raw.lib.custodia_audit_checkpoint, self._handle))

    def countersign_anchor(self, actor: Actor, anchor: Union[Anchor, str], their_audit_key: str,
                           witness: KeyId) -> Anchor:
        """Counter-sign another custodian's anchor with ``witness``, an Ed25519 key of this keyring (from
        :meth:`generate_key` with ``KeyKind.ED25519``; not the audit key). ``their_audit_key`` is the other custodian's
        :meth:`audit_public_key` text, obtained out of band. An anchor whose signatures do not verify with it raises
        :class:`~custodia.AnchorInvalid` (and the refusal is recorded). Recorded as ``anchor_witnessed``."""
        text = anchor.to_json() if isinstance(anchor, Anchor) else anchor
        return Anchor(take_text(_raw.lib.custodia_anchor_countersign, self._handle, _actor(actor),
                                text_arg(text, "anchor"), text_arg(their_audit_key, "their_audit_key"),
                                byref(_key(witness, "witness"))))

    def prove_audit_entry(self, seq: int) -> str:
        """An inclusion bundle for entry ``seq`` of this custodian's audit log (``docs/AUDIT.md`` section 12.3): the
        entry, its audit path in the tree of every entry written so far, and a checkpoint of that tree signed with
        the audit key. Whoever holds only :meth:`audit_public_key` checks it with :func:`custodia.verify_inclusion`,
        without seeing the rest of the log. Writes nothing to the log. Raises :class:`~custodia.InvalidArgument`
        when ``seq`` is beyond the log."""
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise InvalidArgument(100, "seq must be a non-negative int")
        return take_text(_raw.lib.custodia_audit_merkle_prove, self._handle, seq)

    def audit_public_key(self) -> str:
        """The audit log's public key in text form, for auditors verifying a copy of the log independently
        (``cargo run --example audit_verify -- <dir>/audit.log <key>``). Not secret."""
        return take_text(_raw.lib.custodia_audit_public_key, self._handle)

    # ---- audit queries, legal holds, batch re-wrap, sinks (issue 17) --------------------------------------------

    def audit_entries(self, *, case_ref: Optional[str] = None, object_id: Optional[str] = None,
                      actor_id: Optional[str] = None, kinds: Iterable[str] = (), since: Optional[Timestamp] = None,
                      until: Optional[Timestamp] = None) -> list[AuditEntry]:
        """The audit log entries passing every filter given, in log order: ``case_ref``; ``object_id`` (hex);
        ``actor_id``; ``kinds`` (event kind names such as ``"opened"``, ``"refused"``; an unknown name raises
        :class:`~custodia.InvalidArgument`); ``since`` (at or after) and ``until`` (strictly before). Each entry's own
        hash is checked, not the chain: call :meth:`verify_audit` first when the answer must be trusted."""
        with _audit_log.query(self._handle, case_ref, object_id, actor_id, kinds, since, until) as snapshot:
            return _audit_log.entries_of(snapshot)

    def audit_csv(self, **filters: object) -> str:
        """The entries :meth:`audit_entries` would give (same keyword filters) as CSV text: RFC 4180, CRLF line ends,
        a header row first, formula-like fields prefixed with ``'`` (``docs/AUDIT.md``)."""
        with _audit_log.query(self._handle, **_filters(filters)) as snapshot:
            return _audit_log.csv_text(snapshot)

    def write_audit_csv(self, path: PathLike, **filters: object) -> int:
        """Write :meth:`audit_csv` to ``path`` (created with mode 0600, or truncated) and return the number of rows,
        the header excluded."""
        with _audit_log.query(self._handle, **_filters(filters)) as snapshot:
            return _audit_log.write_csv(snapshot, _path(path, "path"))

    def legal_holds(self) -> list[LegalHoldInfo]:
        """The legal holds in force, in the order they were placed, each with the keys it keeps from destruction."""
        return _audit_log.holds(self._handle)

    def rewrap_batch(self, actor: Actor, paths: Iterable[PathLike], purpose: Optional[str] = None, *,
                     remove: Iterable[KeyId] = (), add: Iterable[KeyId] = ()) -> list[RewrapOutcome]:
        """Re-wrap many envelope files in place, each through the same gate as :meth:`rewrap` (for ``purpose``, with
        ``remove``/``add``) or, with ``purpose`` ``None``, as :meth:`rewrap_rotated`. One bad or refused file does not
        stop the batch: the outcome of each, in order, says what happened to it."""
        encoded = [_path(p, "paths") for p in paths]
        rm, rm_n = _key_array(remove, "remove")
        ad, ad_n = _key_array(add, "add")
        errors = _audit_log.rewrap_batch(self._handle, _actor(actor), encoded, purpose, rm, rm_n, ad, ad_n)
        return [RewrapOutcome(Path(os.fsdecode(p)), e) for p, e in zip(encoded, errors)]

    @property
    def audit_sink_failures(self) -> int:
        """How many times an audit sink has failed (raised) since this custodian was opened."""
        n = ctypes.c_uint64()
        invoke(_raw.lib.custodia_custodian_audit_sink_failures, self._handle, byref(n))
        return n.value

    @property
    def audit_sink_errors(self) -> list[BaseException]:
        """The most recent exceptions raised by the audit sinks (at most 100), oldest first."""
        return list(self._sinks.errors)


def _filters(filters: dict[str, object]) -> dict[str, object]:
    """The keyword filters of :meth:`Custodian.audit_entries`, as :func:`audit_log.query` takes them."""
    known = ("case_ref", "object_id", "actor_id", "kinds", "since", "until")
    unknown = sorted(set(filters) - set(known))
    if unknown:
        raise TypeError(f"unknown audit filter(s): {', '.join(unknown)}")
    out: dict[str, object] = {k: filters.get(k) for k in known}
    out["kinds"] = filters.get("kinds", ())
    return out
