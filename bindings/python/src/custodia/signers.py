"""Signers written in Python: an Ed25519 signing key held by the host's own HSM or KMS, plugged into a
:class:`~custodia.Custodian` through the C ABI's callback signer (``custodia_signer_new``).

Subclass :class:`Signer`, implement :meth:`~Signer.public_key` and :meth:`~Signer.sign`, and pass instances as
``Custodian(..., signers=[...])`` (keys named by id: :attr:`SealOptions.signer <custodia.SealOptions>`, grants,
receipts) or ``Custodian(..., audit_signer=...)`` (the audit log's key). The library calls :meth:`~Signer.sign`
during the operations that sign with the key, on the calling thread (ctypes takes the GIL), from several threads at
once if the custodian is shared: it must be thread-safe. Every signature it returns is verified against
:meth:`~Signer.public_key` before use: a wrong one is :class:`~custodia.ProviderFailed` and nothing is signed.
Nothing it raises unwinds into the library: :class:`~custodia.ProviderUnavailable` means "cannot be reached", any
other exception is a failure (:class:`~custodia.ProviderFailed` for the custodia call), never a success.
"""

from __future__ import annotations

import ctypes
from ctypes import byref, c_void_p
from typing import Any

from . import _raw
from ._errors import ProviderUnavailable, invoke
from ._handles import Handle
from .vocab import KeyId

__all__ = ["Signer"]

_OK, _UNAVAILABLE, _FAILED = 1, 4, 0
_PUBLIC_LEN, _SIGNATURE_LEN = 32, 64


class Signer:
    """A holder of an Ed25519 signing key that signs without letting the key out (an HSM, a KMS).

    Signatures must be plain Ed25519 (RFC 8032 PureEdDSA: the whole message, no pre-hash, no context) by the key of
    :meth:`public_key`.
    """

    def public_key(self) -> bytes:
        """The key's 32-byte Ed25519 public key (read once, when a custodian is opened with the signer)."""
        raise NotImplementedError

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``; raise :class:`~custodia.ProviderUnavailable` when the key
        service cannot be reached, anything else when it refuses."""
        raise NotImplementedError

    def key_id(self) -> KeyId:
        """The custodia key id of the key (how seal options, grants, receipts and envelopes name it), as the
        library computes it from :meth:`public_key` (``custodia_signer_key_id``)."""
        with _make_handle(self) as h:
            out = _raw.custodia_key_id()
            invoke(_raw.lib.custodia_signer_key_id, h._handle, byref(out))
            return KeyId(bytes(out.bytes))


class _SignerHandle(Handle):
    _free_name = "custodia_signer_free"
    _noun = "signer"
    __slots__ = ("_table", "_signer")


def _trampolines(s: Signer) -> _raw.custodia_signer_callbacks:
    def sign(_ud: Any, message: Any, message_len: int, out: Any) -> int:
        try:
            addr = ctypes.cast(message, c_void_p).value
            msg = ctypes.string_at(addr, message_len) if message_len else b""
            signature = s.sign(msg)
            if not isinstance(signature, (bytes, bytearray)) or len(signature) != _SIGNATURE_LEN:
                return _FAILED
            ctypes.memmove(ctypes.cast(out, c_void_p).value, bytes(signature), _SIGNATURE_LEN)
            return _OK
        except BaseException as e:  # noqa: BLE001 - nothing may unwind into the library
            return _UNAVAILABLE if isinstance(e, ProviderUnavailable) else _FAILED

    return _raw.custodia_signer_callbacks(
        _raw.SIGNER_SIGN_FN(sign),
        _raw.SIGNER_RELEASE_FN(),  # NULL: the trampoline lives as long as the custodian that holds it
    )


def _make_handle(s: Signer) -> _SignerHandle:
    """A library signer handle over ``s``; the handle keeps the trampoline (and ``s``) alive."""
    if not isinstance(s, Signer):
        raise TypeError(f"signers must be custodia.Signer instances, not {type(s).__name__}")
    public = s.public_key()
    if not isinstance(public, (bytes, bytearray)) or len(public) != _PUBLIC_LEN:
        raise ValueError(f"public_key() must return {_PUBLIC_LEN} bytes")
    key = (ctypes.c_uint8 * _PUBLIC_LEN).from_buffer_copy(bytes(public))
    table = _trampolines(s)
    h = _SignerHandle.__new__(_SignerHandle)
    h._table = table
    h._signer = s
    out = ctypes.c_uint64(0)
    invoke(_raw.lib.custodia_signer_new, key, byref(table), None, byref(out))
    Handle.__init__(h, out.value)
    return h

