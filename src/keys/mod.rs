//! Keys: ids, key-encryption keys, X25519 and X-Wing identities, signing keys, and the local keyring.
//!
//! This module owns key material and its life cycle. It must never hand key bytes to anything but the format layer's
//! wrap/unwrap, and never put them in an error, a log line or a `Debug` output.

use core::fmt;
use core::str::FromStr;

use crate::error::{Error, Result};

/// Length of a [`KeyId`] in bytes.
pub const KEY_ID_LEN: usize = 16;

/// A short, stable fingerprint naming a key: 16 bytes, shown as 32 lowercase hex digits.
///
/// For public-key recipients it is derived from the public key; for symmetric keys from a one-way hash of the key,
/// so it reveals nothing about the key. Ids are metadata: they appear in envelopes and in the audit log.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId([u8; KEY_ID_LEN]);

impl KeyId {
    /// The id with these bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; KEY_ID_LEN]) -> Self {
        Self(bytes)
    }

    /// The id's bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; KEY_ID_LEN] {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl FromStr for KeyId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidArgument(format!("a key id is {} hex digits", KEY_ID_LEN * 2));
        if s.len() != KEY_ID_LEN * 2 {
            return Err(bad());
        }
        let mut out = [0u8; KEY_ID_LEN];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(s.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?;
        }
        Ok(Self(out))
    }
}

impl serde::Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for KeyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_id_text_round_trip() {
        let id = KeyId::from_bytes([0xab; 16]);
        assert_eq!(id.to_string(), "ab".repeat(16));
        assert_eq!(id.to_string().parse::<KeyId>().expect("valid"), id);
        assert!("abc".parse::<KeyId>().is_err());
        assert!("zz".repeat(16).parse::<KeyId>().is_err());
    }
}
