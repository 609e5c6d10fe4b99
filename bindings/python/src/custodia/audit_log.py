"""Reading the audit log, the legal holds in force, batch re-wrap, and audit sinks: the values and helpers behind
:meth:`Custodian.audit_entries`, :meth:`Custodian.audit_csv`, :meth:`Custodian.write_audit_csv`,
:meth:`Custodian.legal_holds`, :meth:`Custodian.rewrap_batch` and ``Custodian(audit_sinks=...)``.

Everything is read from the library (``custodia_audit_query``, ``custodia_legal_hold_list_*``,
``custodia_rewrap_batch``, ``custodia_custodian_options_add_audit_sink``); this module holds no policy. An audit sink
is a Python callable run inside a ctypes callback: an exception in it must never unwind into the library, so the
trampoline catches everything, keeps it (:attr:`Custodian.audit_sink_errors`) and reports a failure to the library,
which counts it (:attr:`Custodian.audit_sink_failures`) or, with ``require_audit_sinks=True``, fails the operation.
"""

from __future__ import annotations

import collections
import ctypes
import datetime as _dt
import json
from ctypes import byref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from . import _raw
from ._errors import CustodiaError, error_class, invoke
from ._handles import Handle, opt_text_arg, text_array
from .options import Timestamp, _unix
from .vocab import KeyId

__all__ = ["AuditEntry", "LegalHoldInfo", "RewrapOutcome", "AuditSink"]

#: An audit sink: called with each :class:`AuditEntry` (``seq`` is ``None``: the log numbers it) after the log has it.
AuditSink = Callable[["AuditEntry"], None]

_UTC = _dt.timezone.utc


def _s(raw: Optional[bytes]) -> Optional[str]:
    return None if raw is None else raw.decode("utf-8")


@dataclass(frozen=True)
class AuditEntry:
    """One audit log entry (or, for a sink, one event before the log numbered it): who did what to which object of
    which case, for what purpose, with what outcome. ``json`` is the whole entry as the library gives it (every member
    a log line has, without the chain members); :meth:`members` parses it."""

    seq: Optional[int]
    time: _dt.datetime
    kind: str
    actor_id: Optional[str]
    actor_role: Optional[str]
    actor_jurisdiction: Optional[str]
    case_ref: Optional[str]
    object_id: Optional[str]
    purpose: Optional[str]
    #: ``ok``, or ``refused:<kind>`` / ``failed:<kind>``.
    outcome: str
    json: str = field(repr=False)

    def members(self) -> dict[str, Any]:
        """The entry's JSON members."""
        value: dict[str, Any] = json.loads(self.json)
        return value

    @classmethod
    def _from_c(cls, e: _raw.custodia_audit_entry) -> AuditEntry:
        return cls(
            seq=None if e.seq == _raw.AUDIT_SEQ_UNKNOWN else e.seq,
            time=_dt.datetime.fromtimestamp(e.time, _UTC),
            kind=_s(e.kind) or "",
            actor_id=_s(e.actor_id),
            actor_role=_s(e.actor_role),
            actor_jurisdiction=_s(e.actor_jurisdiction),
            case_ref=_s(e.case_ref),
            object_id=_s(e.object),
            purpose=_s(e.purpose),
            outcome=_s(e.outcome) or "",
            json=_s(e.json) or "{}",
        )


@dataclass(frozen=True)
class LegalHoldInfo:
    """A legal hold in force: the case, the hold's reference and reason, who placed it and when, and the keys of the
    keyring it keeps from destruction (the case's keys)."""

    case_ref: str
    reference: str
    reason: str
    set_by: str
    set_at: _dt.datetime
    keys: tuple[KeyId, ...]


@dataclass(frozen=True)
class RewrapOutcome:
    """One file of a batch re-wrap: ``error`` is ``None`` when it was re-wrapped (or needed no change), else the
    typed exception a single re-wrap of it would have raised (not raised here: the batch goes on)."""

    path: Path
    error: Optional[CustodiaError]

    @property
    def ok(self) -> bool:
        """Whether the file was re-wrapped (or needed no change)."""
        return self.error is None


class _AuditEntries(Handle):
    _free_name = "custodia_audit_entries_free"
    _noun = "audit entries"
    __slots__ = ()


class _HoldList(Handle):
    _free_name = "custodia_legal_hold_list_free"
    _noun = "legal hold list"
    __slots__ = ()


class _RewrapResults(Handle):
    _free_name = "custodia_rewrap_results_free"
    _noun = "rewrap results"
    __slots__ = ()


def query(custodian: int, case_ref: Optional[str], object_id: Optional[str], actor_id: Optional[str],
          kinds: Iterable[str], since: Optional[Timestamp], until: Optional[Timestamp]) -> _AuditEntries:
    """A snapshot handle of the entries passing every filter given."""
    if isinstance(kinds, str):
        kinds = [kinds]
    array, count = text_array(list(kinds), "kinds")
    entries = _AuditEntries.__new__(_AuditEntries)
    entries._init_new(
        _raw.lib.custodia_audit_query, custodian, opt_text_arg(case_ref, "case_ref"),
        opt_text_arg(object_id, "object_id"), opt_text_arg(actor_id, "actor_id"), array, count,
        0 if since is None else _unix(since, "since"), 0 if until is None else _unix(until, "until"),
    )
    return entries


def entries_of(snapshot: _AuditEntries) -> list[AuditEntry]:
    n = ctypes.c_size_t()
    invoke(_raw.lib.custodia_audit_entries_len, snapshot._handle, byref(n))
    result = []
    for i in range(n.value):
        e = _raw.custodia_audit_entry()
        invoke(_raw.lib.custodia_audit_entries_get, snapshot._handle, i, byref(e))
        result.append(AuditEntry._from_c(e))
    return result


def holds(custodian: int) -> list[LegalHoldInfo]:
    with _HoldList.__new__(_HoldList) as snapshot:
        snapshot._init_new(_raw.lib.custodia_legal_hold_list_new, custodian)
        n = ctypes.c_size_t()
        invoke(_raw.lib.custodia_legal_hold_list_len, snapshot._handle, byref(n))
        result = []
        for i in range(n.value):
            h = _raw.custodia_legal_hold()
            invoke(_raw.lib.custodia_legal_hold_list_get, snapshot._handle, i, byref(h))
            result.append(LegalHoldInfo(
                case_ref=_s(h.case_ref) or "",
                reference=_s(h.reference) or "",
                reason=_s(h.reason) or "",
                set_by=_s(h.set_by) or "",
                set_at=_dt.datetime.fromtimestamp(h.set_at, _UTC),
                keys=tuple(KeyId._from_c(h.keys[k]) for k in range(h.key_count)),
            ))
        return result


def rewrap_batch(custodian: int, actor: int, paths: list[bytes], purpose: Optional[str],
                 remove: Any, remove_count: int, add: Any, add_count: int) -> list[Optional[CustodiaError]]:
    array = (ctypes.c_char_p * max(len(paths), 1))(*paths)
    with _RewrapResults.__new__(_RewrapResults) as results:
        results._init_new(_raw.lib.custodia_rewrap_batch, custodian, actor, array, len(paths),
                          opt_text_arg(purpose, "purpose"), remove, remove_count, add, add_count)
        outcomes: list[Optional[CustodiaError]] = []
        for i in range(len(paths)):
            status, message = ctypes.c_uint32(), ctypes.c_char_p()
            invoke(_raw.lib.custodia_rewrap_results_get, results._handle, i, byref(status), byref(message))
            code = status.value
            text = (message.value or b"").decode("utf-8", "replace")
            outcomes.append(None if code == 0 else error_class(code)(code, text))
        return outcomes


class SinkTrampolines:
    """The ctypes callbacks of one custodian's sinks, and the exceptions they caught. Kept alive with the custodian's
    handle (the library may call them until it is freed)."""

    __slots__ = ("callbacks", "errors")

    def __init__(self, sinks: Iterable[AuditSink]) -> None:
        #: The most recent exceptions raised by a sink (at most 100), oldest first.
        self.errors: collections.deque[BaseException] = collections.deque(maxlen=100)
        self.callbacks = []
        for sink in sinks:
            if not callable(sink):
                raise TypeError(f"an audit sink must be callable, not {type(sink).__name__}")
            self.callbacks.append(_raw.AUDIT_SINK_FN(self._trampoline(sink)))

    def _trampoline(self, sink: AuditSink) -> Callable[[Any, Any, int], int]:
        errors = self.errors

        def call(_user_data: Any, event: Any) -> int:
            try:
                sink(AuditEntry._from_c(event.contents))
                return 0
            except BaseException as e:  # noqa: BLE001 - nothing may unwind into the library
                errors.append(e)
                return 1

        return call

    def install(self, options: int, require: bool) -> None:
        for cb in self.callbacks:
            invoke(_raw.lib.custodia_custodian_options_add_audit_sink, options, cb, None)
        invoke(_raw.lib.custodia_custodian_options_set_require_audit_sinks, options, require)


def write_csv(snapshot: _AuditEntries, path: bytes) -> int:
    rows = ctypes.c_uint64()
    invoke(_raw.lib.custodia_audit_entries_write_csv, snapshot._handle, path, byref(rows))
    return rows.value


def csv_text(snapshot: _AuditEntries) -> str:
    buf = _raw.custodia_buffer()
    invoke(_raw.lib.custodia_audit_entries_csv, snapshot._handle, byref(buf), None)
    try:
        return ctypes.string_at(buf.data, buf.len).decode("utf-8") if buf.len else ""
    finally:
        invoke(_raw.lib.custodia_buffer_free, byref(buf))

