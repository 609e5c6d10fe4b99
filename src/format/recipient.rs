//! The recipients of an envelope: which public key or KEK each stanza wraps the data key to. The key types
//! themselves live in `keys/`; this module only names which kind a stanza is for.

use crate::keys::{Kek, X25519Recipient, XWingRecipient};
use crate::vocabulary::KeyId;

/// One recipient of an envelope: whoever holds the matching secret can unwrap the data key.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Recipient<'a> {
    /// A symmetric KEK, named in the stanza by [`Kek::id`].
    Kek(&'a Kek),
    /// An X25519 public key (HPKE base mode, or auth mode when the seal names a sender).
    X25519(&'a X25519Recipient),
    /// An X-Wing public key (HPKE base mode; X-Wing has no auth mode).
    XWing(&'a XWingRecipient),
}

impl Recipient<'_> {
    /// The id the stanza for this recipient carries.
    #[must_use]
    pub fn id(&self) -> KeyId {
        match self {
            Self::Kek(k) => k.id(),
            Self::X25519(r) => r.id(),
            Self::XWing(r) => r.id(),
        }
    }
}
