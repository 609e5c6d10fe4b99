"""What protects the process's secret memory, and the process-wide opt-out of core dumps (docs/MEMORY.md).

The library keeps every long-lived secret (keyring secrets and file key, KEKs, identities, signing keys) in pages
locked in RAM (``mlock``), excluded from core dumps (``MADV_DONTDUMP``) and wiped when released. Where the system
refuses to lock (``RLIMIT_MEMLOCK`` without ``CAP_IPC_LOCK``) they keep working, unlocked, and
:func:`memory_protection` says so.
"""

from __future__ import annotations

from ctypes import byref
from dataclasses import dataclass
from typing import Optional

from . import _raw
from ._errors import invoke

__all__ = ["MemoryProtection", "memory_protection", "disable_core_dumps"]


@dataclass(frozen=True)
class MemoryProtection:
    """The protection of the process's secret memory at one moment."""

    #: Bytes of the secret pool locked in RAM (whole pages).
    locked_bytes: int
    #: Bytes of the secret pool the system refused to lock (may be swapped out); 0 when all is locked.
    unlocked_bytes: int
    #: How many times the system refused to lock a pool page since the process started.
    lock_failures: int
    #: How many times the system refused to exclude a pool page from core dumps since the process started.
    dontdump_failures: int
    #: Secrets alive in the pool now.
    live_secrets: int
    #: Whether the process may leave a core dump; ``None`` where that cannot be read.
    dumpable: Optional[bool]

    @property
    def fully_protected(self) -> bool:
        """Every pool page in use is locked and excluded from core dumps."""
        return self.unlocked_bytes == 0 and self.dontdump_failures == 0


def memory_protection() -> MemoryProtection:
    """The protection of the process's secret memory now (``custodia_memory_status``)."""
    s = _raw.custodia_memory_protection()
    invoke(_raw.lib.custodia_memory_status, byref(s))
    return MemoryProtection(
        locked_bytes=s.locked_bytes,
        unlocked_bytes=s.unlocked_bytes,
        lock_failures=s.lock_failures,
        dontdump_failures=s.dontdump_failures,
        live_secrets=s.live_secrets,
        dumpable=None if s.dumpable < 0 else bool(s.dumpable),
    )


def disable_core_dumps() -> None:
    """Opt the whole process out of core dumps (``prctl(PR_SET_DUMPABLE, 0)``), for the rest of its life; it also
    stops other processes of the same user from attaching a debugger. Raises :class:`~custodia.IoFault` where the
    system refuses."""
    invoke(_raw.lib.custodia_disable_core_dumps)
