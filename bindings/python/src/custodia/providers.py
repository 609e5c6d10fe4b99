"""Key providers written in Python: a host's own key service (a KMS, an HSM it drives itself) plugged into a
:class:`~custodia.Custodian` through the C ABI's callback provider (``custodia_key_provider_new``).

Subclass :class:`KeyProvider`, implement :meth:`~KeyProvider.holds`, :meth:`~KeyProvider.wrap` and
:meth:`~KeyProvider.unwrap`, and pass instances as ``Custodian(..., providers=[...])``. The library calls them
during ``seal`` and ``open`` calls that need one of their keys, on the calling thread (ctypes takes the GIL), from
several threads at once if the custodian is shared: they must be thread-safe. Nothing they raise unwinds into the
library: :class:`~custodia.OpenFailed` from ``unwrap`` means "does not authenticate",
:class:`~custodia.ProviderUnavailable` means "cannot be reached", and any other exception is a failure
(:class:`~custodia.ProviderFailed` for the custodia call).
"""

from __future__ import annotations

import ctypes
from ctypes import byref, c_void_p
from dataclasses import dataclass
from typing import Any, Optional

from . import _raw
from ._errors import OpenFailed, ProviderUnavailable, invoke
from ._handles import Handle
from .vocab import KeyId

__all__ = ["CaseKeyWrapping", "KeyProvider", "STANZA_EXTERNAL", "STANZA_PKCS11_AES_GCM"]

#: Stanza kind 6, ``external``: the wrapped bytes are the key service's own (1 to 1024 bytes).
STANZA_EXTERNAL = 6
#: Stanza kind 5, ``pkcs11-aes-gcm``: exactly ``iv (12) || ciphertext (32) || tag (16)`` of AES-256-GCM.
STANZA_PKCS11_AES_GCM = 5

_OK, _NOT_MINE, _AUTH_FAILED, _UNAVAILABLE, _FAILED = 1, 2, 3, 4, 0


def _bytes_at(address: Any, length: int) -> bytes:
    addr = ctypes.cast(address, c_void_p).value
    return ctypes.string_at(addr, length) if length else b""


def _code(e: BaseException, unwrap: bool) -> int:
    if unwrap and isinstance(e, OpenFailed):
        return _AUTH_FAILED
    if isinstance(e, ProviderUnavailable):
        return _UNAVAILABLE
    return _FAILED


class KeyProvider:
    """A holder of key-encryption keys that wraps and unwraps custodia's data keys without letting them out.

    ``name`` (1 to 64 bytes) names it in errors; ``stanza_kind`` is :data:`STANZA_EXTERNAL` (default) or
    :data:`STANZA_PKCS11_AES_GCM`. ``aad`` must be authenticated (an AEAD's associated data): it binds the wrapped
    key to the envelope's terms.
    """

    name: str = "host-kms"
    stanza_kind: int = STANZA_EXTERNAL

    def holds(self, key_id: KeyId) -> bool:
        """Whether this provider holds the key ``key_id`` (and so can seal to it)."""
        raise NotImplementedError

    def wrap(self, key_id: KeyId, data_key: bytes, aad: bytes) -> bytes:
        """Wrap the 32-byte ``data_key`` under ``key_id``, authenticating ``aad``; 1 to 1024 bytes."""
        raise NotImplementedError

    def unwrap(self, key_id: KeyId, wrapped: bytes, aad: bytes) -> Optional[bytes]:
        """The 32-byte data key, or ``None`` when ``key_id`` is not this provider's; raise
        :class:`~custodia.OpenFailed` when ``wrapped`` or ``aad`` does not authenticate."""
        raise NotImplementedError


@dataclass(frozen=True)
class CaseKeyWrapping:
    """Per-case keys wrapped by a provider's key instead of kept in clear inside the (encrypted) keyring
    (``Custodian(..., case_keys=CaseKeyWrapping(...))``, docs/KEYS.md "Case keys wrapped by a provider").

    Every new case key (:meth:`~custodia.Custodian.case_key`) is wrapped under ``provider``'s key ``kek``; an
    unwrapped one stays in memory for at most ``cache_ttl_secs`` seconds and ``cache_max_uses`` seals and opens, so
    an open costs one provider call per case and cache period, not one per object. Either bound 0 disables the cache.
    Destroying the case key ends its cache entries in every custodian on the same keyring before they are used again.
    """

    provider: KeyProvider
    kek: KeyId
    cache_ttl_secs: int = 300
    cache_max_uses: int = 10_000

    def __post_init__(self) -> None:
        if not isinstance(self.provider, KeyProvider):
            raise TypeError(f"provider must be a custodia.KeyProvider, not {type(self.provider).__name__}")
        if not isinstance(self.kek, KeyId):
            raise TypeError(f"kek must be a KeyId, not {type(self.kek).__name__}")
        for name in ("cache_ttl_secs", "cache_max_uses"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 2**64:
                raise ValueError(f"{name} must be an int from 0 to 2**64 - 1")


class _ProviderHandle(Handle):
    _free_name = "custodia_key_provider_free"
    _noun = "key provider"
    __slots__ = ("_table", "_provider")


def _trampolines(p: KeyProvider) -> _raw.custodia_key_provider_callbacks:
    def holds(_ud: Any, key_id: Any) -> int:
        try:
            return _OK if p.holds(KeyId(_bytes_at(key_id, 16))) else _NOT_MINE
        except BaseException as e:  # noqa: BLE001 - nothing may unwind into the library
            return _code(e, False)

    def wrap(_ud: Any, key_id: Any, dk: Any, dk_len: int, aad: Any, aad_len: int, out: Any, cap: int,
             out_len: Any) -> int:
        try:
            wrapped = p.wrap(KeyId(_bytes_at(key_id, 16)), _bytes_at(dk, dk_len), _bytes_at(aad, aad_len))
            if not isinstance(wrapped, (bytes, bytearray)) or not 0 < len(wrapped) <= cap:
                return _FAILED
            ctypes.memmove(ctypes.cast(out, c_void_p).value, bytes(wrapped), len(wrapped))
            out_len[0] = len(wrapped)
            return _OK
        except BaseException as e:  # noqa: BLE001
            return _code(e, False)

    def unwrap(_ud: Any, key_id: Any, wrapped: Any, wrapped_len: int, aad: Any, aad_len: int, out: Any,
               out_cap: int) -> int:
        try:
            key = p.unwrap(KeyId(_bytes_at(key_id, 16)), _bytes_at(wrapped, wrapped_len), _bytes_at(aad, aad_len))
            if key is None:
                return _NOT_MINE
            if not isinstance(key, (bytes, bytearray)) or len(key) != out_cap:
                return _FAILED
            ctypes.memmove(ctypes.cast(out, c_void_p).value, bytes(key), out_cap)
            return _OK
        except BaseException as e:  # noqa: BLE001
            return _code(e, True)

    return _raw.custodia_key_provider_callbacks(
        _raw.PROVIDER_HOLDS_FN(holds),
        _raw.PROVIDER_WRAP_FN(wrap),
        _raw.PROVIDER_UNWRAP_FN(unwrap),
        _raw.PROVIDER_RELEASE_FN(),  # NULL: the trampolines live as long as the custodian that holds them
    )


def _make_handle(p: KeyProvider) -> _ProviderHandle:
    """A library provider handle over ``p``; the handle keeps the trampolines (and ``p``) alive."""
    if not isinstance(p, KeyProvider):
        raise TypeError(f"providers must be custodia.KeyProvider instances, not {type(p).__name__}")
    table = _trampolines(p)
    h = _ProviderHandle.__new__(_ProviderHandle)
    h._table = table
    h._provider = p
    name = p.name.encode() if isinstance(p.name, str) else p.name
    out = ctypes.c_uint64(0)
    invoke(_raw.lib.custodia_key_provider_new, byref(table), None, name, int(p.stanza_kind), byref(out))
    Handle.__init__(h, out.value)
    return h
