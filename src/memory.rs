//! How the process's secrets are kept out of swap, core dumps and freed memory (docs/MEMORY.md): the status of the
//! locked pool that holds every long-lived secret, and the process-wide opt-out of core dumps.
//!
//! This module only reports and switches; the memory itself is `custodia-mem`'s (the workspace's one audited module
//! of `unsafe` memory code), which the key types and the keyring use.

use crate::error::{Error, Result};

/// What protects the process's long-lived secrets (keyring secrets and file key, KEKs, X25519 and X-Wing identities,
/// Ed25519 signing keys, the audit signing key), now: [`memory_protection`].
///
/// Every such secret lives in a pool of pages that are locked in RAM (`mlock`), excluded from core dumps
/// (`MADV_DONTDUMP`) and wiped when the secret is dropped. Where the system refuses to lock (`RLIMIT_MEMLOCK` reached
/// without `CAP_IPC_LOCK`) secrets keep working, unlocked, and the refusal shows here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct MemoryProtection {
    /// Bytes of the secret pool locked in RAM: whole pages, so at least the live secrets' size.
    pub locked_bytes: u64,
    /// Bytes of the secret pool the system refused to lock (they may be swapped out); 0 when all is locked.
    pub unlocked_bytes: u64,
    /// How many times the system refused to lock a pool page since the process started.
    pub lock_failures: u64,
    /// How many times the system refused to exclude a pool page from core dumps since the process started.
    pub dontdump_failures: u64,
    /// Secrets alive in the pool now.
    pub live_secrets: u64,
    /// Whether the process may leave a core dump (`PR_GET_DUMPABLE`); `None` where that cannot be read.
    pub dumpable: Option<bool>,
}

impl MemoryProtection {
    /// Every pool page in use is locked and excluded from core dumps.
    #[must_use]
    pub fn fully_protected(&self) -> bool {
        self.unlocked_bytes == 0 && self.dontdump_failures == 0
    }
}

/// The protection of the process's secret memory now.
///
/// ```
/// let p = custodia::memory_protection();
/// // Locked, or the refusal is counted: never silent.
/// assert!(p.unlocked_bytes == 0 || p.lock_failures > 0);
/// ```
#[must_use]
pub fn memory_protection() -> MemoryProtection {
    let s = custodia_mem::status();
    MemoryProtection {
        locked_bytes: s.locked_bytes,
        unlocked_bytes: s.unlocked_bytes,
        lock_failures: s.lock_failures,
        dontdump_failures: s.dontdump_failures,
        live_secrets: s.live_secrets,
        dumpable: s.dumpable,
    }
}

/// Opt the whole process out of core dumps: `prctl(PR_SET_DUMPABLE, 0)`. Also stops other processes of the same
/// user from attaching a debugger or reading `/proc/<pid>/mem`. Lasts for the life of the process (and its `fork`ed
/// children); there is deliberately no way back through custodia.
///
/// # Errors
/// [`Error::Io`] when the system refuses, or on a system without `PR_SET_DUMPABLE` (other than Linux).
pub fn disable_core_dumps() -> Result<()> {
    custodia_mem::set_dumpable(false).map_err(Error::Io)
}
