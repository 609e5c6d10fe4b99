//! Key ids and key kinds: the names by which envelopes, the audit log and the keyring refer to a key.
//!
//! This module owns how a key is named, never a key itself: an id is derived one way from public material or a
//! hash, so it can appear anywhere metadata does.

use core::fmt;
use core::str::FromStr;

use crate::error::{Error, Result};

/// The kinds of key custodia knows. Codes are stable (keyring file, C ABI).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// A 256-bit symmetric key-encryption key (local keys, escrow keys, per-case keys).
    Kek,
    /// An X25519 key pair: a recipient by HPKE (RFC 9180), and a sender identity in HPKE auth mode.
    X25519,
    /// An X-Wing (ML-KEM-768 + X25519) post-quantum hybrid key pair, used through HPKE.
    XWing,
    /// An Ed25519 signing key pair (envelope signatures, audit checkpoints).
    Ed25519,
}

impl KeyKind {
    /// Every kind.
    pub const ALL: [Self; 4] = [Self::Kek, Self::X25519, Self::XWing, Self::Ed25519];

    /// Stable code.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Kek => 1,
            Self::X25519 => 2,
            Self::XWing => 3,
            Self::Ed25519 => 4,
        }
    }

    /// The kind with this code.
    ///
    /// # Errors
    /// [`Error::UnknownCode`] for an unassigned code.
    pub fn from_code(code: u8) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or(Error::UnknownCode { what: "key kind", code: u32::from(code) })
    }

    /// Stable lowercase name (`kek`, `x25519`, `xwing`, `ed25519`), also the label in key-id derivation.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Kek => "kek",
            Self::X25519 => "x25519",
            Self::XWing => "xwing",
            Self::Ed25519 => "ed25519",
        }
    }

    /// The indefinite article for [`KeyKind::name`] in a message: "a kek", "an x25519", "an xwing", "an ed25519".
    pub(crate) const fn article(self) -> &'static str {
        match self {
            Self::Kek => "a",
            Self::X25519 | Self::XWing | Self::Ed25519 => "an",
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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

    /// Derive the id of a key: the first 16 bytes of
    /// `SHA-256("custodia/v1/key-id/" || kind.name() || 0x00 || material)`.
    ///
    /// `material` is the public key for key pairs (X25519: 32 bytes; X-Wing: the 1216-byte encapsulation key;
    /// Ed25519: 32 bytes) and the 32-byte key itself for a [`KeyKind::Kek`] (a one-way hash of a uniformly random
    /// 256-bit key reveals nothing usable about it).
    #[must_use]
    pub fn derive(kind: KeyKind, material: &[u8]) -> Self {
        Self::derive_named(kind.name(), material)
    }

    /// [`KeyId::derive`] with a kind name that is not a [`KeyKind`]: keys held by a key provider (`pkcs11-aes`,
    /// docs/FORMAT.md section 13).
    pub(crate) fn derive_named(kind_name: &str, material: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"custodia/v1/key-id/");
        h.update(kind_name.as_bytes());
        h.update([0u8]);
        h.update(material);
        let digest = h.finalize();
        let mut out = [0u8; KEY_ID_LEN];
        out.copy_from_slice(&digest[..KEY_ID_LEN]);
        Self(out)
    }

    /// The id's bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; KEY_ID_LEN] {
        &self.0
    }
}

impl KeyId {
    /// The id as 32 lowercase hex digits, without allocating (audit entries and errors name keys often).
    fn hex(&self) -> [u8; 2 * KEY_ID_LEN] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 2 * KEY_ID_LEN];
        for (pair, b) in out.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 0x0f)];
        }
        out
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex();
        f.write_str(core::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
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
        // Hex digits only: `from_str_radix` alone would also take a sign (`+f`), giving one id many spellings.
        if s.len() != KEY_ID_LEN * 2 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
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
        let hex = self.hex();
        s.serialize_str(core::str::from_utf8(&hex).map_err(serde::ser::Error::custom)?)
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
        // Domain separation: the same bytes under two kinds give two ids.
        assert_ne!(KeyId::derive(KeyKind::Kek, &[1; 32]), KeyId::derive(KeyKind::X25519, &[1; 32]));
        for k in KeyKind::ALL {
            assert_eq!(KeyKind::from_code(k.code()).expect("known"), k);
        }
    }

    #[test]
    fn hostile_key_id_json_is_refused() {
        let id = KeyId::from_bytes([0xab; 16]);
        let json = serde_json::to_string(&id).expect("json");
        assert_eq!(serde_json::from_str::<KeyId>(&json).expect("valid"), id);
        for bad in [
            "\"\"".to_owned(),
            format!("\"{}\"", "ab".repeat(15)),
            format!("\"{}\"", "ab".repeat(17)),
            format!("\"{}\"", "+f".repeat(16)), // a sign `from_str_radix` alone would accept
            format!("\"{}\"", "zz".repeat(16)),
            format!("\"{} \"", "ab".repeat(15)),
            format!("\"{}\\u0000a\"", "ab".repeat(15)),
            format!("\"{}\"", "\u{e9}".repeat(16)),
            "42".to_owned(),
            "null".to_owned(),
            "[171,171]".to_owned(),
        ] {
            assert!(serde_json::from_str::<KeyId>(&bad).is_err(), "accepted {bad}");
        }
    }
}
