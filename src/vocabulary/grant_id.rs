//! The name of an originator's grant: a fingerprint of what was granted, by whom, for which envelope.

use core::fmt;
use core::str::FromStr;

use crate::error::{Error, Result};

/// Length of a [`GrantId`] in bytes.
pub const GRANT_ID_LEN: usize = 16;

/// A grant's id: 16 bytes, shown as 32 lowercase hex digits. It is the first 16 bytes of
/// `SHA-256("custodia/v1/grant-id" || 0x00 || signed part)` (see `docs/FORMAT.md`), so it names what was granted
/// and by whom, and appears in the audit log (`grant`), in decisions and in receipts.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GrantId([u8; GRANT_ID_LEN]);

impl GrantId {
    /// The id with these bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; GRANT_ID_LEN]) -> Self {
        Self(bytes)
    }

    /// The id's bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; GRANT_ID_LEN] {
        &self.0
    }
}

impl fmt::Display for GrantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for GrantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GrantId({self})")
    }
}

impl FromStr for GrantId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidArgument(format!("a grant id is {} lowercase hex digits", GRANT_ID_LEN * 2));
        if s.len() != GRANT_ID_LEN * 2 || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(bad());
        }
        let mut out = [0u8; GRANT_ID_LEN];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(s.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?;
        }
        Ok(Self(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip_is_strict() {
        let id = GrantId::from_bytes([0xab; GRANT_ID_LEN]);
        assert_eq!(id.to_string(), "ab".repeat(16));
        assert_eq!(id.to_string().parse::<GrantId>().expect("parse"), id);
        for bad in ["", "AB".repeat(16).as_str(), &"a".repeat(31), &"g".repeat(32), &format!("+{}", "a".repeat(31))] {
            assert!(bad.parse::<GrantId>().is_err(), "{bad}");
        }
    }
}
