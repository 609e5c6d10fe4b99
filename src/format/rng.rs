//! The operating system's RNG behind the infallible [`rand_core::CryptoRng`] interface that `hpke` and our own code
//! take, without panicking: a failure is remembered and turned into [`Error::Rng`] by [`OsRng::check`].
//!
//! Output drawn after a failure is zeros; it must never leave the function that drew it, which is why every public
//! entry point that uses an `OsRng` calls `check` before returning anything.

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

use crate::error::{Error, Result};

/// The OS RNG, with failures deferred to [`OsRng::check`].
#[derive(Debug, Default)]
pub(crate) struct OsRng {
    failed: bool,
}

impl OsRng {
    pub(crate) fn new() -> Self {
        Self { failed: false }
    }

    /// `Err(Error::Rng)` if any draw failed.
    pub(crate) fn check(&self) -> Result<()> {
        if self.failed { Err(Error::Rng) } else { Ok(()) }
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
        if getrandom::fill(dst).is_err() {
            self.failed = true;
            dst.fill(0);
        }
        Ok(())
    }
}

impl TryCryptoRng for OsRng {}
