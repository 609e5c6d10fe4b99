//! Key types: KEKs, X25519 and X-Wing identities and recipients, Ed25519 signing and verifying keys, and the
//! per-envelope [`DataKey`]; the format layer wraps to and unwraps with them (`format/wrap.rs`), the keyring stores
//! their bytes.
//!
//! This module owns raw key material only as long as a wrap, an unwrap or a signature needs it. It must never put key bytes in an
//! error or a `Debug` output; every secret type is zeroized on drop and prints only its kind and id.
//!
//! Every secret type keeps its secret in [`custodia_mem`]'s pool (docs/MEMORY.md): locked in RAM, excluded from core
//! dumps, wiped when the value is dropped.

use core::fmt;

use custodia_mem::LockedBox;
use hpke::{Deserializable, Serializable};
use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Result};
use crate::primitives::rng::OsRng;
use crate::vocabulary::{KeyId, KeyKind};

/// Length of a symmetric key (KEK, data key) in bytes.
pub const KEY_LEN: usize = 32;
/// Length of an X25519 public key in bytes.
pub const X25519_PUBLIC_LEN: usize = 32;
/// Length of an X-Wing encapsulation (public) key in bytes (a constant of the format: defined with or without the
/// `xwing` feature, so that key texts and keyrings holding X-Wing keys still parse).
pub const XWING_PUBLIC_LEN: usize = 1216;
/// Length of an Ed25519 public key in bytes.
pub const ED25519_PUBLIC_LEN: usize = 32;

pub(crate) type X25519Kem = hpke::kem::X25519HkdfSha256;

pub(super) fn random_32<R: CryptoRng>(rng: &mut R) -> Zeroizing<[u8; 32]> {
    let mut b = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(b.as_mut());
    b
}

pub(super) fn generate_os<T>(f: impl FnOnce(&mut OsRng) -> T) -> Result<T> {
    let mut rng = OsRng::new();
    let out = f(&mut rng);
    rng.check()?;
    Ok(out)
}

// ---- KEK ----------------------------------------------------------------------------------------------------------

/// Secret: a 256-bit symmetric key-encryption key; zeroized on drop, never printed.
///
/// Its [`KeyId`] is [`KeyId::derive`]`(KeyKind::Kek, key)` unless the keyring assigns another with
/// [`Kek::with_id`]; the id is what envelope stanzas name.
pub struct Kek {
    key: LockedBox<[u8; KEY_LEN]>,
    id: KeyId,
}

// The key lives in a `LockedBox`, which wipes it on drop.
impl ZeroizeOnDrop for Kek {}

impl Zeroize for Kek {
    fn zeroize(&mut self) {
        self.key.zeroize();
    }
}

impl Kek {
    /// A KEK from its 32 bytes (as persisted by the keyring).
    #[must_use]
    pub fn from_bytes(mut key: [u8; KEY_LEN]) -> Self {
        let id = KeyId::derive(KeyKind::Kek, &key);
        let kek = Self { key: LockedBox::new(key), id };
        key.zeroize();
        kek
    }

    /// A fresh random KEK from the operating system's RNG.
    ///
    /// # Errors
    /// [`Error::Rng`] when the OS RNG fails.
    pub fn generate() -> Result<Self> {
        generate_os(Self::generate_with_rng)
    }

    /// A fresh random KEK from `rng`.
    pub fn generate_with_rng<R: CryptoRng>(rng: &mut R) -> Self {
        Self::from_bytes(*random_32(rng))
    }

    /// The same key named by another id (a keyring that assigns its own ids).
    #[must_use]
    pub fn with_id(mut self, id: KeyId) -> Self {
        self.id = id;
        self
    }

    /// The key's id.
    #[must_use]
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The raw key bytes, for the keyring to persist under its master key.
    #[must_use]
    pub fn expose_bytes(&self) -> &[u8; KEY_LEN] {
        &self.key
    }
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kek({})", self.id)
    }
}

// ---- X25519 -------------------------------------------------------------------------------------------------------

/// An X25519 public key: a recipient of HPKE stanzas, or the sender named by an auth-mode stanza.
#[derive(Clone, PartialEq, Eq)]
pub struct X25519Recipient {
    bytes: [u8; X25519_PUBLIC_LEN],
}

impl X25519Recipient {
    /// A recipient from its 32-byte public key.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a key the HPKE implementation rejects.
    pub fn from_bytes(bytes: [u8; X25519_PUBLIC_LEN]) -> Result<Self> {
        let r = Self { bytes };
        r.to_hpke().map_err(|_| Error::InvalidArgument("not a valid X25519 public key".into()))?;
        Ok(r)
    }

    /// The 32-byte public key.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; X25519_PUBLIC_LEN] {
        self.bytes
    }

    /// The key's id: [`KeyId::derive`]`(KeyKind::X25519, public key)`.
    #[must_use]
    pub fn id(&self) -> KeyId {
        KeyId::derive(KeyKind::X25519, &self.bytes)
    }

    pub(crate) fn to_hpke(&self) -> core::result::Result<<X25519Kem as hpke::Kem>::PublicKey, hpke::HpkeError> {
        <X25519Kem as hpke::Kem>::PublicKey::from_bytes(&self.bytes)
    }
}

impl fmt::Debug for X25519Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "X25519Recipient({})", self.id())
    }
}

/// Secret: an X25519 private key (a recipient's identity, or a sender's in HPKE auth mode); zeroized on drop,
/// never printed.
pub struct X25519Identity {
    secret: LockedBox<[u8; 32]>,
    public: X25519Recipient,
}

// The secret lives in a `LockedBox`, which wipes it on drop.
impl ZeroizeOnDrop for X25519Identity {}

impl X25519Identity {
    /// An identity from its 32 secret bytes (as persisted by the keyring; clamped by HPKE when used).
    #[must_use]
    pub fn from_bytes(mut secret: [u8; 32]) -> Self {
        let locked = LockedBox::new(secret);
        secret.zeroize();
        let secret = locked;
        let sk = <X25519Kem as hpke::Kem>::PrivateKey::from_bytes(secret.as_ref())
            .expect("every 32-byte string is an X25519 private key");
        let pk = <X25519Kem as hpke::Kem>::sk_to_pk(&sk);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&pk.to_bytes());
        Self { secret, public: X25519Recipient { bytes } }
    }

    /// An identity from its secret and the public key stored with it (the keyring, whose body is authenticated,
    /// keeps both), without the base-point multiplication that recomputing the public key costs (about 20 us).
    pub(crate) fn from_stored(mut secret: [u8; 32], public: [u8; X25519_PUBLIC_LEN]) -> Self {
        let id = Self { secret: LockedBox::new(secret), public: X25519Recipient { bytes: public } };
        secret.zeroize();
        debug_assert_eq!(
            x25519_dalek::PublicKey::from(&id.static_secret()).to_bytes(),
            public,
            "stored X25519 public key does not match its secret"
        );
        id
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
        Self::from_bytes(*random_32(rng))
    }

    /// The matching public key.
    #[must_use]
    pub fn recipient(&self) -> &X25519Recipient {
        &self.public
    }

    /// The id of the public key.
    #[must_use]
    pub fn id(&self) -> KeyId {
        self.public.id()
    }

    /// The 32 secret bytes, for the keyring to persist under its master key.
    #[must_use]
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.secret
    }

    /// The secret as an `x25519-dalek` key (zeroized on drop).
    pub(crate) fn static_secret(&self) -> x25519_dalek::StaticSecret {
        x25519_dalek::StaticSecret::from(*self.secret)
    }
}

impl fmt::Debug for X25519Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "X25519Identity({})", self.id())
    }
}

// ---- Ed25519 ------------------------------------------------------------------------------------------------------

/// An Ed25519 public key: it verifies envelope signatures, and it is the audit key (and a witness key) that checks an
/// audit log, its anchors and erasure certificates offline ([`crate::audit::verify`]), with no dependency on any
/// other crate's key type.
///
/// Its text form, `custodia-ed25519-public:…` (as [`crate::Custodian::audit_public_key`] and
/// [`crate::Custodian::export_public`] write it), is what [`Display`](fmt::Display) writes and
/// [`FromStr`](core::str::FromStr) reads:
///
/// ```
/// use custodia::format::{SigningKey, VerifyingKey};
///
/// let key = SigningKey::from_bytes([7; 32]).verifying_key();
/// let text = key.to_string();
/// assert!(text.starts_with("custodia-ed25519-public:"));
/// assert_eq!(text.parse::<VerifyingKey>()?, key);
/// # Ok::<(), custodia::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct VerifyingKey(ed25519_dalek::VerifyingKey);

impl VerifyingKey {
    /// A verifying key from its 32 bytes.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for bytes that are not the canonical encoding of an Ed25519 point of large order
    /// (`docs/FORMAT.md` section 6.1: not a point, a non-canonical encoding, or a point of small order).
    pub fn from_bytes(bytes: [u8; ED25519_PUBLIC_LEN]) -> Result<Self> {
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map_err(|_| Error::InvalidArgument("not a valid Ed25519 public key".into()))?;
        if vk.is_weak() {
            return Err(Error::InvalidArgument("weak Ed25519 public key".into()));
        }
        // The decoder reduces y modulo p and accepts x = 0 with the sign bit set; one point, one encoding: the
        // canonical one (the key id hashes these bytes).
        if vk.to_edwards().compress().to_bytes() != bytes {
            return Err(Error::InvalidArgument("non-canonical Ed25519 public key".into()));
        }
        Ok(Self(vk))
    }

    /// The 32-byte public key.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; ED25519_PUBLIC_LEN] {
        self.0.to_bytes()
    }

    /// The key's id: [`KeyId::derive`]`(KeyKind::Ed25519, public key)`.
    #[must_use]
    pub fn id(&self) -> KeyId {
        KeyId::derive(KeyKind::Ed25519, self.0.as_bytes())
    }

    pub(crate) fn verify(&self, msg: &[u8], sig: &[u8; 64]) -> Result<()> {
        let sig = ed25519_dalek::Signature::from_bytes(sig);
        self.0.verify_strict(msg, &sig).map_err(|_| Error::SignatureInvalid)
    }

    /// The underlying key, for the audit layer's own checks; never part of the public API.
    pub(crate) fn dalek(&self) -> &ed25519_dalek::VerifyingKey {
        &self.0
    }

    /// Wrap the audit layer's key (its own, so not weak: no check needed).
    pub(crate) fn from_dalek(key: ed25519_dalek::VerifyingKey) -> Self {
        Self(key)
    }
}

impl core::str::FromStr for VerifyingKey {
    type Err = Error;

    /// Parse the text form `custodia-ed25519-public:…`.
    ///
    /// # Errors
    /// [`Error::InvalidKeyText`] for a mistyped or malformed text, the text of another kind of key, or bytes that are
    /// not a valid, non-weak Ed25519 public key.
    fn from_str(text: &str) -> Result<Self> {
        let (kind, public) = crate::keys::text::decode_public(text)?;
        if kind != KeyKind::Ed25519 {
            return Err(Error::InvalidKeyText(format!(
                "an audit, witness or signing key is an Ed25519 key, not {} {kind} key",
                kind.article()
            )));
        }
        let bytes: [u8; ED25519_PUBLIC_LEN] =
            public.as_slice().try_into().map_err(|_| Error::InvalidKeyText("an Ed25519 key is 32 bytes".into()))?;
        Self::from_bytes(bytes).map_err(|_| Error::InvalidKeyText("not a valid Ed25519 public key".into()))
    }
}

impl fmt::Display for VerifyingKey {
    /// The text form, `custodia-ed25519-public:…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::keys::text::encode_public(KeyKind::Ed25519, self.0.as_bytes()))
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({})", self.id())
    }
}

/// Something that holds an Ed25519 signing key and signs with it, where the key may never leave it: an HSM token
/// (`pkcs11::Pkcs11Provider::signing_key` with the `pkcs11` feature), a host's KMS, or a key in this
/// process ([`SigningKey::from_bytes`]).
///
/// Signatures must be plain Ed25519 (RFC 8032, `PureEdDSA`, no context or pre-hash) by the key of
/// [`Signer::verifying_key`]: custodia checks every signature an outside signer returns against that key before it
/// uses it (a wrong one is [`Error::ProviderFailed`], never written anywhere).
pub trait Signer: Send + Sync {
    /// A short name for errors and logs (e.g. `pkcs11`).
    fn name(&self) -> &str;
    /// The public key of the key this signer signs with.
    fn verifying_key(&self) -> VerifyingKey;
    /// Sign `message` (the whole message: the signer does no hashing of its own).
    ///
    /// # Errors
    /// [`Error::ProviderUnavailable`] when the signer cannot be reached, [`Error::ProviderFailed`] when it refuses.
    fn sign(&self, message: &[u8]) -> Result<[u8; 64]>;
}

/// Secret: an Ed25519 signing key; zeroized on drop, never printed.
///
/// Either held in this process (its 32-byte seed, as the keyring persists it, in locked memory) or held by a
/// [`Signer`] outside it ([`SigningKey::external`]: an HSM token), whose key never enters this process.
pub struct SigningKey(Held);

enum Held {
    Local(LockedBox<ed25519_dalek::SigningKey>),
    External { signer: std::sync::Arc<dyn Signer>, public: VerifyingKey },
}

impl SigningKey {
    /// A signing key from its 32-byte seed (as persisted by the keyring).
    #[must_use]
    pub fn from_bytes(seed: [u8; 32]) -> Self {
        let seed = Zeroizing::new(seed);
        Self(Held::Local(LockedBox::new(ed25519_dalek::SigningKey::from_bytes(&seed))))
    }

    /// The key of `signer`, which signs outside this process: every signature it returns is checked against its
    /// [`Signer::verifying_key`] (read once, here) before use.
    #[must_use]
    pub fn external(signer: std::sync::Arc<dyn Signer>) -> Self {
        let public = signer.verifying_key();
        Self(Held::External { signer, public })
    }

    /// A fresh signing key from the operating system's RNG.
    ///
    /// # Errors
    /// [`Error::Rng`] when the OS RNG fails.
    pub fn generate() -> Result<Self> {
        generate_os(Self::generate_with_rng)
    }

    /// A fresh signing key from `rng`.
    pub fn generate_with_rng<R: CryptoRng>(rng: &mut R) -> Self {
        Self::from_bytes(*random_32(rng))
    }

    /// The matching verifying key.
    #[must_use]
    pub fn verifying_key(&self) -> VerifyingKey {
        match &self.0 {
            Held::Local(k) => VerifyingKey(k.verifying_key()),
            Held::External { public, .. } => *public,
        }
    }

    /// The id of the verifying key.
    #[must_use]
    pub fn id(&self) -> KeyId {
        self.verifying_key().id()
    }

    /// The 32-byte seed, for the keyring to persist under its master key; `None` for a key held by a [`Signer`]
    /// outside this process.
    #[must_use]
    pub fn expose_bytes(&self) -> Option<&[u8; 32]> {
        match &self.0 {
            Held::Local(k) => Some(k.as_bytes()),
            Held::External { .. } => None,
        }
    }

    /// Whether the key is held outside this process (by a [`Signer`]).
    #[must_use]
    pub fn is_external(&self) -> bool {
        matches!(self.0, Held::External { .. })
    }

    /// Sign `msg`. An outside signer's signature is verified (strict RFC 8032) against the key's public key before it
    /// is returned.
    pub(crate) fn sign(&self, msg: &[u8]) -> Result<[u8; 64]> {
        match &self.0 {
            Held::Local(k) => Ok(ed25519_dalek::Signer::sign(&**k, msg).to_bytes()),
            Held::External { signer, public } => {
                let sig = signer.sign(msg)?;
                public.0.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(&sig)).map_err(|_| {
                    Error::ProviderFailed(format!(
                        "{}: the signature returned does not verify under key {}",
                        signer.name(),
                        public.id()
                    ))
                })?;
                Ok(sig)
            }
        }
    }
}

impl Signer for SigningKey {
    fn name(&self) -> &str {
        match &self.0 {
            Held::Local(_) => "local",
            Held::External { signer, .. } => signer.name(),
        }
    }
    fn verifying_key(&self) -> VerifyingKey {
        SigningKey::verifying_key(self)
    }
    fn sign(&self, message: &[u8]) -> Result<[u8; 64]> {
        SigningKey::sign(self, message)
    }
}

// ed25519_dalek::SigningKey zeroizes itself on drop (feature "zeroize"), and its `LockedBox` wipes the memory; an
// external key holds no secret here.
impl ZeroizeOnDrop for SigningKey {}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Held::Local(_) => write!(f, "SigningKey({})", self.id()),
            Held::External { signer, .. } => write!(f, "SigningKey({}, held by {})", self.id(), signer.name()),
        }
    }
}

// ---- recipients and the data key ----------------------------------------------------------------------------------

/// Secret: the envelope's 256-bit data key, as unwrapped from one stanza; zeroized on drop, never printed.
///
/// It also records which stanza it came from and, for an HPKE auth-mode stanza, the authenticated sender.
#[derive(ZeroizeOnDrop)]
pub struct DataKey {
    key: Zeroizing<[u8; KEY_LEN]>,
    #[zeroize(skip)]
    via: KeyId,
    #[zeroize(skip)]
    sender: Option<X25519Recipient>,
}

impl DataKey {
    pub(crate) fn new(key: Zeroizing<[u8; KEY_LEN]>, via: KeyId, sender: Option<X25519Recipient>) -> Self {
        Self { key, via, sender }
    }

    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// The id of the recipient stanza the key was unwrapped from.
    #[must_use]
    pub fn recipient(&self) -> KeyId {
        self.via
    }

    /// The sender authenticated by an HPKE auth-mode stanza, if the key came from one.
    ///
    /// Authentic only together with a successful open: it is checked by HPKE at unwrap, but the header it came from
    /// is authenticated only when the payload is opened.
    #[must_use]
    pub fn sender(&self) -> Option<&X25519Recipient> {
        self.sender.as_ref()
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey(via {})", self.via)
    }
}
