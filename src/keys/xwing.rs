//! The X-Wing (ML-KEM-768 + X25519) post-quantum hybrid recipient and identity, through the `hpke` crate. Compiled
//! only with the `xwing` cargo feature (on by default), which is what pulls `ml-kem` and `x-wing` in; without it the
//! key kind and stanza kind still parse (docs/KEYS.md "X-Wing"), and [`unavailable`]'s error says why they cannot be
//! used.

use core::fmt;

use custodia_mem::LockedBox;
use hpke::{Deserializable, Serializable};
use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::material::{XWING_PUBLIC_LEN, generate_os, random_32};
use crate::error::{Error, Result};
use crate::vocabulary::{KeyId, KeyKind};

pub(crate) type XWingKem = hpke::kem::XWing;

/// An X-Wing (ML-KEM-768 + X25519) encapsulation key: a post-quantum hybrid recipient.
#[derive(Clone, PartialEq, Eq)]
pub struct XWingRecipient {
    bytes: Box<[u8; XWING_PUBLIC_LEN]>,
}

impl XWingRecipient {
    /// A recipient from its 1216-byte encapsulation key.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a wrong length or a key the X-Wing implementation rejects.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; XWING_PUBLIC_LEN] = bytes
            .try_into()
            .map_err(|_| Error::InvalidArgument(format!("an X-Wing public key is {XWING_PUBLIC_LEN} bytes")))?;
        let r = Self { bytes: Box::new(arr) };
        r.to_hpke().map_err(|_| Error::InvalidArgument("not a valid X-Wing public key".into()))?;
        Ok(r)
    }

    /// The 1216-byte encapsulation key.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; XWING_PUBLIC_LEN] {
        &self.bytes
    }

    /// The key's id: [`KeyId::derive`]`(KeyKind::XWing, encapsulation key)`.
    #[must_use]
    pub fn id(&self) -> KeyId {
        KeyId::derive(KeyKind::XWing, self.bytes.as_ref())
    }

    pub(crate) fn to_hpke(&self) -> core::result::Result<<XWingKem as hpke::Kem>::PublicKey, hpke::HpkeError> {
        <XWingKem as hpke::Kem>::PublicKey::from_bytes(self.bytes.as_ref())
    }
}

impl fmt::Debug for XWingRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "XWingRecipient({})", self.id())
    }
}

/// Secret: an X-Wing decapsulation key, stored as its 32-byte seed; zeroized on drop, never printed.
pub struct XWingIdentity {
    seed: LockedBox<[u8; 32]>,
    public: XWingRecipient,
}

// The seed lives in a `LockedBox`, which wipes it on drop.
impl ZeroizeOnDrop for XWingIdentity {}

impl XWingIdentity {
    /// An identity from its 32-byte seed (as persisted by the keyring).
    #[must_use]
    pub fn from_seed(mut seed: [u8; 32]) -> Self {
        let locked = LockedBox::new(seed);
        seed.zeroize();
        let seed = locked;
        let sk = Self::sk_from_seed(&seed);
        let pk = <XWingKem as hpke::Kem>::sk_to_pk(&sk);
        let mut bytes = Box::new([0u8; XWING_PUBLIC_LEN]);
        bytes.copy_from_slice(&pk.to_bytes());
        Self { seed, public: XWingRecipient { bytes } }
    }

    /// A fresh identity from the operating system's RNG.
    ///
    /// # Errors
    /// [`Error::Rng`] when the OS RNG fails.
    pub fn generate() -> Result<Self> {
        generate_os(Self::generate_with_rng)
    }

    /// A fresh identity from `rng`.
    pub fn generate_with_rng<R: CryptoRng>(rng: &mut R) -> Self {
        Self::from_seed(*random_32(rng))
    }

    /// The matching encapsulation key.
    #[must_use]
    pub fn recipient(&self) -> &XWingRecipient {
        &self.public
    }

    /// The id of the encapsulation key.
    #[must_use]
    pub fn id(&self) -> KeyId {
        self.public.id()
    }

    /// The 32-byte seed, for the keyring to persist under its master key.
    #[must_use]
    pub fn expose_seed(&self) -> &[u8; 32] {
        &self.seed
    }

    fn sk_from_seed(seed: &[u8; 32]) -> <XWingKem as hpke::Kem>::PrivateKey {
        <XWingKem as hpke::Kem>::PrivateKey::from_bytes(seed).expect("an X-Wing private key is any 32-byte seed")
    }

    pub(crate) fn to_hpke(&self) -> <XWingKem as hpke::Kem>::PrivateKey {
        Self::sk_from_seed(&self.seed)
    }
}

impl fmt::Debug for XWingIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "XWingIdentity({})", self.id())
    }
}
