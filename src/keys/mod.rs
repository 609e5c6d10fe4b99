//! Keys: key-encryption keys, X25519 and X-Wing identities, signing keys, the local keyring, and the key-provider
//! seam (`provider`) through which the facade unwraps data keys (key ids and kinds are vocabulary,
//! [`crate::vocabulary::KeyId`]).
//!
//! This module owns key material and its life cycle. It must never hand key bytes to anything but the format layer's
//! wrap/unwrap, and never put them in an error, a log line or a `Debug` output.

use crate::error::{Error, Result};

pub(crate) mod case_cache;
pub(crate) mod keyring;
#[cfg(test)]
mod keyring_crash;
#[cfg(feature = "postgres")]
pub(crate) mod keyring_pg;
mod material;
#[cfg(feature = "pkcs11")]
pub mod pkcs11;
pub(crate) mod provider;
pub(crate) mod text;
#[cfg(feature = "xwing")]
mod xwing;

pub use case_cache::CaseKeyWrapping;
pub use keyring::{
    AuditPin, KEYRING_FILE, KdfParams, KeyMark, KeyRecord, KeyState, Keyring, LegalHold, MAX_AUTHORITY_LEN,
    MAX_DESTROY_REASON_LEN, MAX_HOLD_REASON_LEN, MAX_HOLD_REFERENCE_LEN, MAX_KEYRING_LEN, MAX_LABEL_LEN, Unlock,
};
pub use material::{
    DataKey, ED25519_PUBLIC_LEN, KEY_LEN, Kek, Signer, SigningKey, VerifyingKey, X25519_PUBLIC_LEN, X25519Identity,
    X25519Recipient, XWING_PUBLIC_LEN,
};
pub use provider::{KeyProvider, Unwrapped};
pub use text::{decode_public, encode_public, public_len};
#[cfg(feature = "xwing")]
pub(crate) use xwing::XWingKem;
#[cfg(feature = "xwing")]
pub use xwing::{XWingIdentity, XWingRecipient};

/// The error for an X-Wing key or recipient in a build without the `xwing` cargo feature: generating, importing or
/// sealing to one. [`Error::InvalidArgument`] rather than [`Error::UnsupportedSuite`]: the latter names an envelope's
/// unknown suite number, while here the caller asked for a key kind this build left out, and the message says which
/// feature brings it back.
#[cfg(not(feature = "xwing"))]
pub(crate) fn xwing_unavailable() -> Error {
    Error::InvalidArgument(
        "X-Wing (post-quantum) keys need the `xwing` cargo feature of custodia, which this build leaves out".into(),
    )
}

/// Fill `buf` from the operating system's random number generator.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| Error::Rng)
}
