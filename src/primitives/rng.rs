//! The operating system's RNG behind the infallible [`rand_core::CryptoRng`] interface that `hpke` and our own code
//! take, without panicking: a failure is remembered and turned into [`Error::Rng`] by [`OsRng::check`].
//!
//! Output drawn after a failure is zeros; it must never leave the function that drew it, which is why every public
//! entry point that uses an `OsRng` calls `check` before returning anything.

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Bytes fetched from the OS at once: every draw of one seal (data key, object id, stanza nonces, an HPKE
/// ephemeral key) fits, so a seal costs one system call instead of one per draw.
const POOL_LEN: usize = 128;

/// The OS RNG, with failures deferred to [`OsRng::check`].
///
/// Secret: small draws are served from a pool fetched in one system call; each byte is handed out once, wiped as
/// it is handed out, and the rest is zeroized on drop. Never printed.
pub(crate) struct OsRng {
    failed: bool,
    pool: Zeroizing<[u8; POOL_LEN]>,
    /// Bytes of `pool` already handed out (all of it when empty).
    used: usize,
}

impl Default for OsRng {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for OsRng {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OsRng").field("failed", &self.failed).finish_non_exhaustive()
    }
}

impl OsRng {
    pub(crate) fn new() -> Self {
        Self { failed: false, pool: Zeroizing::new([0u8; POOL_LEN]), used: POOL_LEN }
    }

    /// `Err(Error::Rng)` if any draw failed.
    pub(crate) fn check(&self) -> Result<()> {
        if self.failed { Err(Error::Rng) } else { Ok(()) }
    }

    fn os_fill(failed: &mut bool, dst: &mut [u8]) {
        if getrandom::fill(dst).is_err() {
            *failed = true;
            dst.fill(0);
        }
    }
}

impl TryRng for OsRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> core::result::Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> core::result::Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Infallible> {
        if dst.len() > POOL_LEN / 2 {
            Self::os_fill(&mut self.failed, dst);
            return Ok(());
        }
        if POOL_LEN - self.used < dst.len() {
            Self::os_fill(&mut self.failed, self.pool.as_mut());
            self.used = 0;
        }
        let end = self.used + dst.len();
        dst.copy_from_slice(&self.pool[self.used..end]);
        self.pool[self.used..end].fill(0);
        self.used = end;
        Ok(())
    }
}

impl TryCryptoRng for OsRng {}

#[cfg(test)]
mod tests {
    use rand_core::Rng;

    use super::*;

    #[test]
    fn draws_are_distinct_and_the_pool_is_wiped_as_it_is_used() {
        let mut rng = OsRng::new();
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut a);
        rng.fill_bytes(&mut b);
        assert_ne!(a, b);
        assert!(rng.pool[..64].iter().all(|&x| x == 0), "handed-out bytes stay in the pool");
        let mut big = [0u8; 100];
        rng.fill_bytes(&mut big);
        for _ in 0..100 {
            rng.fill_bytes(&mut a);
        }
        rng.check().unwrap();
    }
}
