//! Text forms of public keys, for exchange between authorities by e-mail or on paper.
//!
//! `custodia-<kind>-public:<BASE32>` where `<BASE32>` is RFC 4648 base32 without padding of
//! `public_key || checksum`, and `checksum` is the first 4 bytes of
//! `SHA-256("custodia/v1/key-text/" || kind || 0x00 || public_key)`. Base32 has no letters that are easily confused
//! and survives case changes; the checksum makes a mistyped key fail to import (a random error passes with
//! probability 2^-32). Whitespace and line breaks inside the text are ignored, so a key printed over several lines
//! can be typed back.

use data_encoding::BASE32_NOPAD;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::vocabulary::KeyKind;

const CHECKSUM_LEN: usize = 4;

/// The text form of the public key `public` of `kind`.
#[must_use]
pub fn encode_public(kind: KeyKind, public: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(public.len() + CHECKSUM_LEN);
    bytes.extend_from_slice(public);
    bytes.extend_from_slice(&checksum(kind, public));
    format!("custodia-{}-public:{}", kind.name(), BASE32_NOPAD.encode(&bytes))
}

/// Parse a text form back into its kind and public key bytes.
///
/// # Errors
/// [`Error::InvalidKeyText`] for an unknown prefix, bad characters, a wrong length or a failing checksum.
pub fn decode_public(text: &str) -> Result<(KeyKind, Vec<u8>)> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (prefix, body) = compact
        .split_once(':')
        .ok_or_else(|| Error::InvalidKeyText("missing 'custodia-<kind>-public:' prefix".into()))?;
    let kind_name = prefix
        .strip_prefix("custodia-")
        .and_then(|p| p.strip_suffix("-public"))
        .ok_or_else(|| Error::InvalidKeyText("not a custodia public key".into()))?;
    let kind = KeyKind::ALL
        .into_iter()
        .find(|k| k.name() == kind_name && *k != KeyKind::Kek)
        .ok_or_else(|| Error::InvalidKeyText(format!("unknown public key kind {kind_name:?}")))?;
    let bytes = BASE32_NOPAD
        .decode(body.to_ascii_uppercase().as_bytes())
        .map_err(|_| Error::InvalidKeyText("not valid base32".into()))?;
    let expected_len = public_len(kind);
    if bytes.len() != expected_len + CHECKSUM_LEN {
        return Err(Error::InvalidKeyText(format!(
            "{} {kind} public key has {expected_len} bytes, this text holds {}",
            kind.article(),
            bytes.len().saturating_sub(CHECKSUM_LEN)
        )));
    }
    let (public, check) = bytes.split_at(expected_len);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(check, &checksum(kind, public)[..])) {
        return Err(Error::InvalidKeyText("checksum mismatch: the key was mistyped or altered".into()));
    }
    Ok((kind, public.to_vec()))
}

/// Length in bytes of a public key of `kind` (0 for symmetric keys, which have none).
#[must_use]
pub const fn public_len(kind: KeyKind) -> usize {
    match kind {
        KeyKind::Kek => 0,
        KeyKind::X25519 | KeyKind::Ed25519 => 32,
        KeyKind::XWing => 1216,
    }
}

fn checksum(kind: KeyKind, public: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut h = Sha256::new();
    h.update(b"custodia/v1/key-text/");
    h.update(kind.name().as_bytes());
    h.update([0u8]);
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_typos_fail() {
        let pk: Vec<u8> = (0u8..32).collect();
        let text = encode_public(KeyKind::X25519, &pk);
        assert!(text.starts_with("custodia-x25519-public:"));
        assert_eq!(decode_public(&text).expect("valid"), (KeyKind::X25519, pk.clone()));
        // Lower case and line breaks are tolerated.
        let (head, tail) = text.split_at(40);
        assert!(decode_public(&format!("{head}\n  {}", tail.to_ascii_lowercase())).is_ok());
        // Every single-character substitution in the key body fails to import.
        let body_start = text.find(':').expect("colon") + 1;
        for i in body_start..text.len() {
            let mut chars: Vec<char> = text.chars().collect();
            chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
            let typo: String = chars.into_iter().collect();
            assert!(decode_public(&typo).is_err(), "typo at {i} accepted");
        }
        assert!(decode_public("custodia-kek-public:AAAA").is_err());
        assert!(decode_public("age1qyqszqgpqyqszqgpqyqszqgpqyqszqgp").is_err());
        assert!(decode_public(&encode_public(KeyKind::Ed25519, &pk).replace("ed25519", "x25519")).is_err());
    }
}
