//! The recipients of an envelope: which public key or KEK each stanza wraps the data key to. The key types
//! themselves live in `keys/`; this module only names which kind a stanza is for.

use std::fmt;

#[cfg(feature = "xwing")]
use crate::keys::XWingRecipient;
use crate::keys::{Kek, KeyProvider, X25519Recipient};
use crate::vocabulary::KeyId;

/// One recipient of an envelope: whoever holds the matching secret can unwrap the data key.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Recipient<'a> {
    /// A symmetric KEK, named in the stanza by [`Kek::id`].
    Kek(&'a Kek),
    /// An X25519 public key (HPKE base mode, or auth mode when the seal names a sender).
    X25519(&'a X25519Recipient),
    /// An X-Wing public key (HPKE base mode; X-Wing has no auth mode). With the `xwing` cargo feature only.
    #[cfg(feature = "xwing")]
    XWing(&'a XWingRecipient),
    /// A key held by a [`KeyProvider`] (an HSM, a host's KMS), named by its key id: the provider wraps the data key
    /// itself, in a stanza of its [`KeyProvider::stanza_kind`].
    Provider(&'a dyn KeyProvider, KeyId),
}

impl fmt::Debug for Recipient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Kek(k) => f.debug_tuple("Kek").field(&k.id()).finish(),
            Self::X25519(r) => f.debug_tuple("X25519").field(&r.id()).finish(),
            #[cfg(feature = "xwing")]
            Self::XWing(r) => f.debug_tuple("XWing").field(&r.id()).finish(),
            Self::Provider(p, id) => f.debug_tuple("Provider").field(&p.name()).field(id).finish(),
        }
    }
}

impl Recipient<'_> {
    /// The id the stanza for this recipient carries.
    #[must_use]
    pub fn id(&self) -> KeyId {
        match self {
            Self::Kek(k) => k.id(),
            Self::X25519(r) => r.id(),
            #[cfg(feature = "xwing")]
            Self::XWing(r) => r.id(),
            Self::Provider(_, id) => *id,
        }
    }
}
