//! The key-provider seam: where a store of private keys plugs into the facade's unwrap path.
//!
//! Following age's identity side, a provider is asked, stanza by stanza, to unwrap an envelope's data key, and answers
//! "not mine" for a stanza whose key it does not hold. The local keyring's decrypted body ([`KeyringBody`]) is the one
//! provider today; HSM and database-backed providers (DESIGN.md section 6) plug in here. This module owns taking a
//! key record's secret up for one unwrap; it must never decide policy (the gate has decided before any provider is
//! asked), never record audit events (the facade does), and never return key bytes other than the unwrapped data key.

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::format::{self, Header, Stanza, StanzaKind};
use crate::keys::keyring::{KeyRecord, KeyState, KeyringBody};
use crate::keys::{DataKey, Kek, X25519Identity, XWingIdentity};
use crate::vocabulary::KeyKind;

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

/// A source of the private keys that unwrap data keys.
///
/// Synchronous by design: one call per stanza, in the envelope's stanza order, on the opening thread.
pub(crate) trait KeyProvider {
    /// Unwrap `header`'s data key through `stanza` with this provider's key for it, or say it is not one of its keys.
    fn unwrap_stanza(&self, header: &Header, stanza: &Stanza) -> StanzaUnwrap;
}

impl KeyProvider for KeyringBody {
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
            (StanzaKind::XWing, KeyKind::XWing) => {
                secret32(rec).and_then(|s| format::unwrap_with_xwing(header, &XWingIdentity::from_seed(*s)))
            }
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
