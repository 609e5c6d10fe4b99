"""Audit anchors and erasure certificates: small immutable values around their JSON text forms.

The JSON text (``docs/AUDIT.md`` §4.1 and §5) is what travels between authorities and what the library checks; these
classes keep it verbatim (so a certificate's signature still covers exactly those bytes) and read a few members out of
it for convenience. Checking signatures is always the library's job (:meth:`Anchor.verify`,
:meth:`ErasureCertificate.verify`), with nothing but public keys in text form.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Optional

from . import _raw
from ._errors import InvalidArgument, invoke
from ._handles import opt_text_arg, take_text, text_arg
from .vocab import KeyId

__all__ = ["Anchor", "ErasureCertificate"]


def _parse(text: object, kind: str, what: str) -> tuple[str, dict[str, Any]]:
    if not isinstance(text, str):
        raise TypeError(f"{what} must be str (its JSON text), not {type(text).__name__}")
    try:
        members = json.loads(text)
    except ValueError as e:
        raise InvalidArgument(100, f"{what}: not JSON: {e}") from None
    if not isinstance(members, dict) or members.get("type") != kind:
        raise InvalidArgument(100, f"{what}: not a {kind} object")
    return text, members


class Anchor:
    """A signed checkpoint of a custodian's audit log, to hand to (and keep at) another authority, which
    counter-signs it (:meth:`Custodian.countersign_anchor`). Passed back to :meth:`Custodian.verify_audit`, it proves
    the log still holds exactly the prefix it pins. Equal when their JSON texts are equal."""

    __slots__ = ("_json", "_members")

    def __init__(self, json_text: str) -> None:
        """Wrap an anchor's JSON text (as :meth:`to_json` gives it). Only its shape is checked here; the library checks
        the signatures (:meth:`verify`, :meth:`Custodian.verify_audit`)."""
        self._json, self._members = _parse(json_text, "custodia.audit.anchor.v2", "anchor")

    @classmethod
    def from_json(cls, json_text: str) -> Anchor:
        """Same as the constructor."""
        return cls(json_text)

    def to_json(self) -> str:
        """The JSON text, exactly as the library wrote it."""
        return self._json

    @property
    def log_id(self) -> str:
        """The id of the log it belongs to (32 hex digits)."""
        return str(self._members.get("log", ""))

    @property
    def count(self) -> int:
        """How many entries it covers."""
        return int(self._members.get("count", 0))

    @property
    def head(self) -> str:
        """The hash of the last covered entry (64 hex digits)."""
        return str(self._members.get("head", ""))

    @property
    def witness_keys(self) -> list[str]:
        """The raw public keys (64 hex digits each) of the witnesses that counter-signed it (not yet checked: use
        :meth:`verify` with ``witness_key``)."""
        return [str(w.get("key", "")) for w in self._members.get("witnesses", [])]

    def verify(self, audit_key: str, witness_key: Optional[str] = None) -> None:
        """Check the checkpoint signature with the custodian's audit public key text and every counter-signature; with
        ``witness_key`` (a witness's Ed25519 public key text, from :meth:`Custodian.export_public`), also that this
        witness counter-signed it. Raises :class:`~custodia.AnchorInvalid` naming what does not verify."""
        invoke(_raw.lib.custodia_anchor_verify, text_arg(self._json, "anchor"), text_arg(audit_key, "audit_key"),
               opt_text_arg(witness_key, "witness_key"))

    def is_witnessed_by(self, witness_key: str, audit_key: str) -> bool:
        """Whether the anchor is genuine (by ``audit_key``) and counter-signed by ``witness_key`` (public key texts)."""
        from ._errors import AnchorInvalid

        try:
            self.verify(audit_key, witness_key)
        except AnchorInvalid:
            return False
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Anchor) and other._json == self._json

    def __hash__(self) -> int:
        return hash(self._json)

    def __str__(self) -> str:
        return self._json

    def __repr__(self) -> str:
        return f"Anchor(log={self.log_id[:8]}…, count={self.count}, witnesses={len(self.witness_keys)})"


class ErasureCertificate:
    """A signed, PII-free record that keys were destroyed, returned by :meth:`Custodian.destroy_key` and carried by
    :class:`ShredReport`. It verifies with the custodian's audit public key text alone (:meth:`verify`), long after the
    keys are gone. Equal when their JSON texts are equal."""

    __slots__ = ("_json", "_members")

    def __init__(self, json_text: str) -> None:
        """Wrap a certificate's JSON text; :meth:`verify` checks it."""
        self._json, self._members = _parse(json_text, "custodia.erasure.v2", "erasure certificate")

    @classmethod
    def from_json(cls, json_text: str) -> ErasureCertificate:
        """Same as the constructor."""
        return cls(json_text)

    def to_json(self) -> str:
        """The JSON text, exactly as the library wrote it (its signature covers these bytes)."""
        return self._json

    @property
    def keys(self) -> list[KeyId]:
        """The destroyed keys."""
        return [KeyId(k) for k in self._members.get("keys", [])]

    @property
    def case_ref(self) -> Optional[str]:
        """The case, if the erasure concerned one."""
        case = self._members.get("case")
        return None if case is None else str(case)

    @property
    def reason(self) -> str:
        """Why (e.g. ``retention period ended``)."""
        return str(self._members.get("reason", ""))

    @property
    def time(self) -> _dt.datetime:
        """When the erasure was recorded."""
        return _dt.datetime.fromtimestamp(int(self._members.get("time", 0)), _dt.timezone.utc)

    @property
    def seq(self) -> int:
        """The sequence number of the matching ``erasure`` entry in the audit log."""
        return int(self._members.get("seq", 0))

    @property
    def envelopes(self) -> Optional[int]:
        """How many envelopes became unreadable, when known."""
        n = self._members.get("envelopes")
        return None if n is None else int(n)

    def verify(self, audit_key: str) -> None:
        """Check the signature with the custodian's audit public key text (:meth:`Custodian.audit_public_key`).
        Raises :class:`~custodia.AuditTampered` when any member was altered, :class:`~custodia.AuditWrongKey` when it
        names another audit key."""
        invoke(_raw.lib.custodia_erasure_certificate_verify, text_arg(self._json, "certificate"),
               text_arg(audit_key, "audit_key"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ErasureCertificate) and other._json == self._json

    def __hash__(self) -> int:
        return hash(self._json)

    def __str__(self) -> str:
        return self._json

    def __repr__(self) -> str:
        return f"ErasureCertificate(seq={self.seq}, keys={len(self._members.get('keys', []))}, reason={self.reason!r})"


def verify_inclusion(bundle: str, audit_key: str) -> str:
    """Check a Merkle inclusion bundle (one audit-log entry, its RFC 6962 audit path and a checkpoint signed with the
    audit key; ``docs/AUDIT.md`` section 12.3) with the audit public key text alone, as an authority does for an
    entry of another authority's log that was proved to it (:meth:`Custodian.prove_audit_entry`). Returns the
    entry's line (its JSON, as in the log).

    Raises :class:`~custodia.CheckpointInvalid` for a checkpoint not signed by ``audit_key`` or a malformed bundle,
    :class:`~custodia.MerkleProofInvalid` when the entry is not the one at that index of that tree (edited, moved, a
    path for another tree size), :class:`~custodia.AuditTampered` / :class:`~custodia.AuditMalformed` for a line
    that is not a valid entry, :class:`~custodia.InvalidKeyText` for a mistyped key."""
    return take_text(_raw.lib.custodia_audit_merkle_verify_inclusion, text_arg(bundle, "bundle"),
                     text_arg(audit_key, "audit_key"))
