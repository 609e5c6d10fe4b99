//! Recipient stanzas: wrapping the data key for a KEK, an X25519 key (HPKE base or auth mode) or an X-Wing key, and
//! unwrapping it again.
//!
//! Every wrap binds the bound context and the stanza's kind and key id as associated data, so a wrapped key cannot
//! be lifted into an envelope with other terms. Unwrapping reports only "no stanza for this key"
//! ([`Error::NoMatchingRecipient`]) or "a stanza for this key did not open" ([`Error::OpenFailed`]).

use hkdf::Hkdf;
use rand_core::CryptoRng;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::format::OBJECT_ID_LEN;
use crate::format::header::{Header, Stanza, StanzaKind};
use crate::format::recipient::Recipient;
use crate::keys::{DataKey, KEY_LEN, Kek, KeyProvider, Unwrapped, X25519Identity, X25519Recipient};
use crate::primitives::aead::ChunkCipher;
use crate::primitives::hpke_x25519;
use crate::vocabulary::{KEY_ID_LEN, KeyId};

// X-Wing stanzas, compiled with the `xwing` feature only (docs/KEYS.md "X-Wing"); without it an X-Wing stanza is
// one no key of this build opens, and a keyring skips it like any stanza not for its keys.
#[cfg(feature = "xwing")]
mod xwing;
#[cfg(feature = "xwing")]
pub use xwing::unwrap_with_xwing;

/// HPKE `info` for X25519 stanzas.
pub(crate) const INFO_X25519: &[u8] = b"custodia/v1/hpke/x25519";
/// HKDF `info` for the KEK wrap key.
pub(crate) const INFO_KEK_WRAP: &[u8] = b"custodia/v1/kek-wrap";

const TAG_LEN: usize = 16;
const NONCE_LEN: usize = 12;

/// Something that can unwrap an envelope's data key: a KEK, an X25519 identity, an X-Wing identity, or a keyring.
pub trait Unwrap {
    /// Find this key's stanza in `header` and unwrap the data key from it.
    ///
    /// # Errors
    /// [`Error::NoMatchingRecipient`] when no stanza names this key; [`Error::OpenFailed`] when one does but does
    /// not open.
    fn unwrap_data_key(&self, header: &Header) -> Result<DataKey>;
}

impl Unwrap for Kek {
    fn unwrap_data_key(&self, header: &Header) -> Result<DataKey> {
        unwrap_with_kek(header, self)
    }
}

impl Unwrap for X25519Identity {
    fn unwrap_data_key(&self, header: &Header) -> Result<DataKey> {
        unwrap_with_x25519(header, self, None)
    }
}

/// A [`KeyProvider`] as an [`Unwrap`] for the format layer's [`crate::format::open`]: the first stanza of the
/// provider's kind whose key it holds.
#[derive(Clone, Copy)]
#[allow(clippy::exhaustive_structs, reason = "a plain adapter around one reference")]
pub struct ViaProvider<'a>(pub &'a dyn KeyProvider);

impl Unwrap for ViaProvider<'_> {
    fn unwrap_data_key(&self, header: &Header) -> Result<DataKey> {
        for stanza in header.stanzas() {
            if let Some(dk) = unwrap_with_provider(header, stanza, self.0)? {
                return Ok(dk);
            }
        }
        Err(Error::NoMatchingRecipient)
    }
}

/// The associated data of a stanza's wrap: `kind (u16 BE) || key id (16) || bound context`.
fn stanza_aad(kind: StanzaKind, key_id: &KeyId, bound: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(2 + KEY_ID_LEN + bound.len());
    aad.extend_from_slice(&kind.code().to_be_bytes());
    aad.extend_from_slice(key_id.as_bytes());
    aad.extend_from_slice(bound);
    aad
}

fn kek_wrap_cipher(kek: &Kek, object_id: &[u8; OBJECT_ID_LEN]) -> ChunkCipher {
    let mut k = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(object_id), kek.expose_bytes())
        .expand(INFO_KEK_WRAP, k.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 length");
    ChunkCipher::new(&k)
}

/// Wrap `dk` for one recipient. `sender` turns X25519 stanzas into HPKE auth mode.
pub(crate) fn wrap<R: CryptoRng>(
    recipient: &Recipient<'_>,
    sender: Option<&X25519Identity>,
    dk: &[u8; KEY_LEN],
    object_id: &[u8; OBJECT_ID_LEN],
    bound: &[u8],
    rng: &mut R,
) -> Result<Stanza> {
    let id = recipient.id();
    match recipient {
        Recipient::Kek(kek) => {
            let kind = StanzaKind::Kek;
            let mut nonce = [0u8; NONCE_LEN];
            rng.fill_bytes(&mut nonce);
            let mut buf = [0u8; KEY_LEN];
            buf.copy_from_slice(dk);
            let tag = kek_wrap_cipher(kek, object_id).seal(nonce, &stanza_aad(kind, &id, bound), &mut buf)?;
            let mut body = Vec::with_capacity(KEY_ID_LEN + NONCE_LEN + KEY_LEN + TAG_LEN);
            body.extend_from_slice(id.as_bytes());
            body.extend_from_slice(&nonce);
            body.extend_from_slice(&buf);
            body.extend_from_slice(&tag);
            Stanza::new(kind, body)
        }
        Recipient::X25519(pk) => {
            let sender_keys = sender.map(|s| (s.static_secret(), s.recipient().to_bytes()));
            let kind = if sender.is_some() { StanzaKind::X25519Auth } else { StanzaKind::X25519 };
            let mut buf = Zeroizing::new([0u8; KEY_LEN]);
            buf.copy_from_slice(dk);
            let (enc, tag) = hpke_x25519::seal(
                &pk.to_bytes(),
                sender_keys.as_ref().map(|(sk, pk)| (sk, pk)),
                INFO_X25519,
                &stanza_aad(kind, &id, bound),
                buf.as_mut_slice(),
                rng,
            )
            .map_err(|_| Error::InvalidArgument("HPKE encapsulation to the X25519 recipient failed".into()))?;
            let mut body = Vec::with_capacity(KEY_ID_LEN + 64 + KEY_LEN + TAG_LEN);
            body.extend_from_slice(id.as_bytes());
            if let Some((_, pk_s)) = &sender_keys {
                body.extend_from_slice(pk_s);
            }
            body.extend_from_slice(&enc);
            body.extend_from_slice(buf.as_slice());
            body.extend_from_slice(&tag);
            Stanza::new(kind, body)
        }
        #[cfg(feature = "xwing")]
        Recipient::XWing(pk) => xwing::wrap(pk, &id, dk, bound, rng),
        Recipient::Provider(provider, key_id) => {
            let kind = crate::keys::provider::check_provider_kind(*provider)?;
            let wrapped = provider.wrap(key_id, dk, &stanza_aad(kind, key_id, bound))?;
            let mut body = Vec::with_capacity(KEY_ID_LEN + wrapped.len());
            body.extend_from_slice(key_id.as_bytes());
            body.extend_from_slice(&wrapped);
            // A provider that returns bytes of the wrong length for its kind fails the seal here, not a later open.
            Stanza::new(kind, body).map_err(|_| {
                Error::ProviderFailed(format!(
                    "key provider {:?} returned {} wrapped bytes, not a stanza of kind {}",
                    provider.name(),
                    wrapped.len(),
                    kind.code()
                ))
            })
        }
    }
}

/// Unwrap the data key from `stanza` (of `provider`'s kind) through `provider`: `Ok(None)` when the provider says the
/// stanza's key is not one of its keys.
///
/// # Errors
/// [`Error::OpenFailed`] when the provider holds the key but the stanza does not authenticate under this header's
/// terms; the provider's own errors ([`Error::ProviderUnavailable`], [`Error::ProviderFailed`]).
pub(crate) fn unwrap_with_provider(
    header: &Header,
    stanza: &Stanza,
    provider: &dyn KeyProvider,
) -> Result<Option<DataKey>> {
    if stanza.kind() != provider.stanza_kind() {
        return Ok(None);
    }
    let id = stanza.key_id();
    let aad = stanza_aad(stanza.kind(), &id, header.sealed_context());
    match provider.unwrap(&id, &stanza.body()[KEY_ID_LEN..], &aad)? {
        Unwrapped::NotMine => Ok(None),
        Unwrapped::Key(key) => Ok(Some(DataKey::new(key, id, None))),
    }
}

/// Split a stanza body's tail into (wrapped key, tag).
fn ct_and_tag(body: &[u8]) -> (Zeroizing<[u8; KEY_LEN]>, &[u8]) {
    let n = body.len();
    let mut ct = Zeroizing::new([0u8; KEY_LEN]);
    ct.copy_from_slice(&body[n - TAG_LEN - KEY_LEN..n - TAG_LEN]);
    (ct, &body[n - TAG_LEN..])
}

/// Unwrap the data key from the KEK stanza named by `kek.id()`.
///
/// # Errors
/// [`Error::NoMatchingRecipient`] when no KEK stanza names this key; [`Error::OpenFailed`] when it does not open.
pub fn unwrap_with_kek(header: &Header, kek: &Kek) -> Result<DataKey> {
    let id = kek.id();
    let stanza = header
        .stanzas()
        .iter()
        .find(|s| s.kind() == StanzaKind::Kek && s.key_id() == id)
        .ok_or(Error::NoMatchingRecipient)?;
    let body = stanza.body();
    let nonce: [u8; NONCE_LEN] = body[KEY_ID_LEN..KEY_ID_LEN + NONCE_LEN].try_into().expect("length checked at parse");
    let (mut key, tag) = ct_and_tag(body);
    let tag: &[u8; TAG_LEN] = tag.try_into().map_err(|_| Error::OpenFailed)?;
    let aad = stanza_aad(StanzaKind::Kek, &id, header.sealed_context());
    kek_wrap_cipher(kek, header.object_id()).open(nonce, &aad, key.as_mut_slice(), tag)?;
    Ok(DataKey::new(key, id, None))
}

/// Unwrap the data key from an X25519 stanza for `identity`.
///
/// With `expected_sender`, only an HPKE auth-mode stanza from that sender is accepted; without, base and auth
/// stanzas both are, and the returned key reports the authenticated sender, if any ([`DataKey::sender`]).
///
/// # Errors
/// [`Error::NoMatchingRecipient`] when no stanza names this key; [`Error::SignerMismatch`] when stanzas name it
/// but none is from `expected_sender`; [`Error::OpenFailed`] when the stanza does not open.
pub fn unwrap_with_x25519(
    header: &Header,
    identity: &X25519Identity,
    expected_sender: Option<&X25519Recipient>,
) -> Result<DataKey> {
    let id = identity.id();
    let mut candidates = header
        .stanzas()
        .iter()
        .filter(|s| matches!(s.kind(), StanzaKind::X25519 | StanzaKind::X25519Auth) && s.key_id() == id)
        .peekable();
    let first_sender = candidates.peek().ok_or(Error::NoMatchingRecipient)?.sender().map(X25519Recipient::id);
    let stanza = match expected_sender {
        None => candidates.next().ok_or(Error::NoMatchingRecipient)?,
        Some(want) => candidates.find(|s| s.sender() == Some(want)).ok_or_else(|| Error::SignerMismatch {
            expected: want.id().to_string(),
            found: first_sender.map_or_else(|| "none".to_owned(), |s| s.to_string()),
        })?,
    };
    let body = stanza.body();
    let sender = stanza.sender().map(X25519Recipient::to_bytes);
    let off = KEY_ID_LEN + if sender.is_some() { 32 } else { 0 };
    let enc: &[u8; 32] = body.get(off..off + 32).and_then(|b| b.try_into().ok()).ok_or(Error::OpenFailed)?;
    let (mut key, tag) = ct_and_tag(body);
    let tag: &[u8; TAG_LEN] = tag.try_into().map_err(|_| Error::OpenFailed)?;
    hpke_x25519::open(
        (&identity.static_secret(), &identity.recipient().to_bytes()),
        sender.as_ref(),
        enc,
        INFO_X25519,
        &stanza_aad(stanza.kind(), &id, header.sealed_context()),
        key.as_mut_slice(),
        tag,
    )
    .map_err(|_| Error::OpenFailed)?;
    Ok(DataKey::new(key, id, stanza.sender().cloned()))
}
