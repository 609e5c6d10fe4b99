//! What protects the process's secret memory (`custodia_memory_status`) and the process-wide opt-out of core dumps
//! (`custodia_disable_core_dumps`): the C face of `custodia_core::memory_protection` and
//! `custodia_core::disable_core_dumps` (docs/MEMORY.md).

use super::boundary::call;
use super::status::custodia_status;
use crate::error::Error;

/// The protection of the process's long-lived secrets (keyring secrets and file key, KEKs, identities, signing
/// keys), as `custodia_memory_status` reports it. They live in a pool of pages locked in RAM (`mlock`), excluded
/// from core dumps (`MADV_DONTDUMP`) and wiped when released; where the system refuses to lock (`RLIMIT_MEMLOCK`
/// without `CAP_IPC_LOCK`) they keep working, unlocked, and `unlocked_bytes` and `lock_failures` say so.
///
/// Layout (C): five `uint64_t` then one `int32_t`, in this order.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct custodia_memory_protection {
    /// Bytes of the secret pool locked in RAM (whole pages).
    pub locked_bytes: u64,
    /// Bytes of the secret pool the system refused to lock (may be swapped out); 0 when all is locked.
    pub unlocked_bytes: u64,
    /// How many times the system refused to lock a pool page since the process started.
    pub lock_failures: u64,
    /// How many times the system refused to exclude a pool page from core dumps since the process started.
    pub dontdump_failures: u64,
    /// Secrets alive in the pool now.
    pub live_secrets: u64,
    /// 1 when the process may leave a core dump, 0 when it may not, -1 when that cannot be read.
    pub dumpable: i32,
}

/// Write the protection of the process's secret memory now to `*out`.
///
/// # Safety
///
/// `out` must be NULL (refused with `CUSTODIA_ERR_NULL_POINTER`) or point to a writable `custodia_memory_protection`,
/// which the caller owns; it is written only on success. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_memory_status(out: *mut custodia_memory_protection) -> custodia_status {
    call(|| {
        if out.is_null() {
            return Err(Error::NullPointer("out"));
        }
        let p = custodia_core::memory_protection();
        let status = custodia_memory_protection {
            locked_bytes: p.locked_bytes,
            unlocked_bytes: p.unlocked_bytes,
            lock_failures: p.lock_failures,
            dontdump_failures: p.dontdump_failures,
            live_secrets: p.live_secrets,
            dumpable: match p.dumpable {
                Some(true) => 1,
                Some(false) => 0,
                None => -1,
            },
        };
        // SAFETY: checked non-NULL above; the caller guarantees it points to a writable custodia_memory_protection.
        unsafe { out.write(status) };
        Ok(())
    })
}

/// Opt the whole process out of core dumps (`prctl(PR_SET_DUMPABLE, 0)`); it also stops other processes of the
/// same user from attaching a debugger or reading the process's memory through `/proc`. Lasts for the life of the
/// process and is inherited by `fork`; there is no call to undo it.
///
/// # Safety
///
/// Always safe to call, from any thread. Fails with `CUSTODIA_ERR_IO` where the system refuses or has no such
/// setting (other than Linux).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_disable_core_dumps() -> custodia_status {
    call(|| Ok(custodia_core::disable_core_dumps()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_written_and_null_refused() {
        let _key = custodia_core::format::SigningKey::from_bytes([1; 32]);
        let mut s = custodia_memory_protection { dumpable: 7, ..Default::default() };
        // SAFETY: a valid out-pointer.
        assert_eq!(unsafe { custodia_memory_status(&mut s) }, custodia_status::CUSTODIA_OK);
        assert!(s.live_secrets >= 1);
        assert!(s.locked_bytes > 0 || s.lock_failures > 0, "{s:?}");
        assert!(matches!(s.dumpable, -1..=1));
        // SAFETY: NULL is allowed and refused.
        let null = unsafe { custodia_memory_status(core::ptr::null_mut()) };
        assert_eq!(null, custodia_status::CUSTODIA_ERR_NULL_POINTER);
    }
}
