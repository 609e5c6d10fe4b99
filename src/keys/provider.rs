//! Key providers: where the secrets that unwrap data keys live.
//!
//! Two seams meet here. The public one is [`KeyProvider`]: a holder of key-encryption keys that never hands them out
//! (a PKCS#11 token, a host's KMS behind the C ABI, any service the host writes), asked to wrap a data key to one of
//! its keys with associated data, and to unwrap it again or say "not mine". The crate-internal one is
//! [`StanzaKeys`]: the local keyring's KEKs, X25519 and X-Wing identities, which unwrap a whole stanza (HPKE needs
//! the stanza's encapsulated key, the KEK wrap the object id). docs/KEYS.md ("Key providers") says why the public
//! seam has this shape (against age's recipient/identity, the AWS Encryption SDK's keyrings and Tink's KMS AEAD).
//!
//! Neither seam decides policy (the gate has decided before any provider is asked), records audit events (the
//! facade does), or returns key bytes other than the unwrapped data key.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::format::{self, Header, Stanza, StanzaKind};
use crate::keys::keyring::{KeyRecord, KeyState, KeyringBody};
use crate::keys::{DataKey, KEY_LEN, Kek, X25519Identity};
use crate::vocabulary::{KeyId, KeyKind};

/// What a [`KeyProvider`] answers when asked to unwrap.
#[allow(clippy::exhaustive_enums, reason = "the contract has exactly these two answers; errors are the third")]
pub enum Unwrapped {
    /// Not mine: the provider holds no key with this id. Nothing was decrypted.
    NotMine,
    /// The unwrapped data key (wiped on drop).
    Key(Zeroizing<[u8; KEY_LEN]>),
}

impl fmt::Debug for Unwrapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotMine => "NotMine",
            Self::Key(_) => "Key(..)",
        })
    }
}

/// A holder of key-encryption keys that wraps and unwraps data keys without letting those keys out: an HSM over
/// PKCS#11 (`custodia::pkcs11::Pkcs11Provider`, feature `pkcs11`), a host's KMS, ...
///
/// Synchronous: the facade calls it on the sealing or opening thread, after the policy gate has allowed the
/// operation, at most once per stanza of the provider's [`KeyProvider::stanza_kind`]. Implementations must be safe to
/// call from several threads at once.
///
/// `aad` is the stanza's associated data (`kind || key_id || sealed_context`, docs/FORMAT.md section 3): a provider
/// must authenticate it (an AEAD's associated data), so that a wrapped key cannot be lifted into an envelope with
/// other terms. The wrapped bytes are the stanza body after its key id; for [`StanzaKind::Pkcs11AesGcm`] exactly
/// `iv (12) || ciphertext (32) || tag (16)` (FORMAT.md section 13).
pub trait KeyProvider: Send + Sync {
    /// A short, stable name for errors and the audit log (`"pkcs11"`, `"host-kms"`, ...). Never a secret.
    fn name(&self) -> &str;

    /// The stanza kind this provider writes and reads. Only stanzas of this kind are offered to it.
    fn stanza_kind(&self) -> StanzaKind;

    /// Whether this provider holds the key `key_id` (and so can seal to it).
    ///
    /// # Errors
    /// [`Error::ProviderUnavailable`] when the provider cannot be reached to tell.
    fn holds(&self, key_id: &KeyId) -> Result<bool>;

    /// Wrap `data_key` under the provider's key `key_id`, authenticating `aad`; returns the stanza body after the
    /// key id.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`] when the provider does not hold `key_id`; [`Error::ProviderUnavailable`] when it cannot
    /// be reached; [`Error::ProviderFailed`] when it refused or failed the operation.
    fn wrap(&self, key_id: &KeyId, data_key: &[u8; KEY_LEN], aad: &[u8]) -> Result<Vec<u8>>;

    /// Unwrap `wrapped` (the stanza body after its key id) with the provider's key `key_id`, checking `aad`; or
    /// [`Unwrapped::NotMine`] when the provider holds no such key.
    ///
    /// # Errors
    /// [`Error::OpenFailed`] when the key is held but the wrapped bytes or `aad` do not authenticate;
    /// [`Error::ProviderUnavailable`], [`Error::ProviderFailed`] as for [`KeyProvider::wrap`].
    fn unwrap(&self, key_id: &KeyId, wrapped: &[u8], aad: &[u8]) -> Result<Unwrapped>;
}

/// The stanza kinds a [`KeyProvider`] may own: the keyring's own kinds are not among them.
pub(crate) fn check_provider_kind(p: &dyn KeyProvider) -> Result<StanzaKind> {
    match p.stanza_kind() {
        k @ (StanzaKind::Pkcs11AesGcm | StanzaKind::External) => Ok(k),
        k => Err(Error::InvalidArgument(format!(
            "key provider {:?} claims stanza kind {}, which is not a provider kind",
            p.name(),
            k.code()
        ))),
    }
}

/// A provider's answer for one recipient stanza.
pub(crate) enum StanzaUnwrap {
    /// Not mine: this provider holds no secret for the stanza's key id (no such key, or its public half only).
    /// Nothing was touched.
    NotMine,
    /// Mine, but crypto-shredded: the key was destroyed (`Error::KeyDestroyed`). Known without touching key material.
    Destroyed(Error),
    /// Mine, but of another kind than the stanza says (a mislabelled or forged stanza): nothing unwrapped. Counts as
    /// an attempt, as it always has.
    WrongKind,
    /// Mine: the outcome of unwrapping with it (the data key, or why not).
    Tried(Result<DataKey>),
}

/// A source of the private keys that unwrap whole stanzas: the local keyring.
///
/// Synchronous by design: one call per stanza, in the envelope's stanza order, on the opening thread.
pub(crate) trait StanzaKeys {
    /// Unwrap `header`'s data key through `stanza` with this provider's key for it, or say it is not one of its keys.
    fn unwrap_stanza(&self, header: &Header, stanza: &Stanza) -> StanzaUnwrap;
}

/// Extra providers as a stanza source: each stanza of a provider's kind goes to each provider of that kind in turn
/// until one says it is its key.
impl StanzaKeys for [std::sync::Arc<dyn KeyProvider>] {
    fn unwrap_stanza(&self, header: &Header, stanza: &Stanza) -> StanzaUnwrap {
        for p in self.iter().filter(|p| p.stanza_kind() == stanza.kind()) {
            match format::unwrap_with_provider(header, stanza, p.as_ref()) {
                Ok(None) => {}
                Ok(Some(dk)) => return StanzaUnwrap::Tried(Ok(dk)),
                Err(e) => return StanzaUnwrap::Tried(Err(e)),
            }
        }
        StanzaUnwrap::NotMine
    }
}

impl StanzaKeys for KeyringBody {
    fn unwrap_stanza(&self, header: &Header, stanza: &Stanza) -> StanzaUnwrap {
        let Some(rec) = self.get(&stanza.key_id()) else { return StanzaUnwrap::NotMine };
        if let KeyState::Destroyed { at, .. } = rec.state {
            return StanzaUnwrap::Destroyed(Error::KeyDestroyed { key_id: rec.id, destroyed_at: at });
        }
        if !rec.has_secret() {
            return StanzaUnwrap::NotMine;
        }
        StanzaUnwrap::Tried(match (stanza.kind(), rec.kind) {
            (StanzaKind::Kek, KeyKind::Kek) => {
                secret32(rec).and_then(|s| format::unwrap_with_kek(header, &Kek::from_bytes(*s)))
            }
            (StanzaKind::X25519 | StanzaKind::X25519Auth, KeyKind::X25519) => {
                stored_x25519(rec).and_then(|id| format::unwrap_with_x25519(header, &id, None))
            }
            // Without the `xwing` feature this build cannot open an X-Wing stanza, so it falls to `WrongKind` below:
            // skipped like any stanza not for this keyring's keys (NoMatchingRecipient if no other stanza opens).
            #[cfg(feature = "xwing")]
            (StanzaKind::XWing, KeyKind::XWing) => secret32(rec)
                .and_then(|s| format::unwrap_with_xwing(header, &crate::keys::XWingIdentity::from_seed(*s))),
            _ => return StanzaUnwrap::WrongKind,
        })
    }
}

/// A record's 32-byte public part.
pub(crate) fn public32(r: &KeyRecord) -> Result<[u8; 32]> {
    r.public
        .as_deref()
        .and_then(|p| p.try_into().ok())
        .ok_or_else(|| Error::KeyringCorrupt(format!("key {} has no 32-byte public part", r.id)))
}

/// The identity of an X25519 record, with the public key the keyring stored (not recomputed from the secret).
pub(crate) fn stored_x25519(r: &KeyRecord) -> Result<X25519Identity> {
    Ok(X25519Identity::from_stored(*secret32(r)?, public32(r)?))
}

/// A record's 32-byte secret, in memory zeroized on drop.
pub(crate) fn secret32(r: &KeyRecord) -> Result<Zeroizing<[u8; 32]>> {
    let s = r.secret.as_ref().ok_or(match &r.state {
        KeyState::Destroyed { at, .. } => Error::KeyDestroyed { key_id: r.id, destroyed_at: *at },
        _ => Error::KeyState { key_id: r.id, operation: "use its secret", state: "public only" },
    })?;
    let mut out = Zeroizing::new([0u8; 32]);
    if s.expose().len() != 32 {
        return Err(Error::KeyringCorrupt(format!("key {} has a secret of the wrong length", r.id)));
    }
    out.copy_from_slice(s.expose());
    Ok(out)
}
