//! The X-Wing recipient stanza (HPKE base mode through the `hpke` crate; X-Wing has no auth mode). Compiled with the
//! `xwing` feature only.

use hpke::aead::{AeadTag, ChaCha20Poly1305 as HpkeChaCha};
use hpke::kdf::HkdfSha256;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use rand_core::CryptoRng;

use super::{TAG_LEN, Unwrap, ct_and_tag, stanza_aad};
use crate::error::{Error, Result};
use crate::format::header::{Header, Stanza, StanzaKind};
use crate::keys::{DataKey, KEY_LEN, XWingIdentity, XWingKem, XWingRecipient};
use crate::vocabulary::{KEY_ID_LEN, KeyId};

/// HPKE `info` for X-Wing stanzas.
const INFO_XWING: &[u8] = b"custodia/v1/hpke/xwing";

/// Wrap `dk` for the X-Wing recipient `pk`, whose id is `id`.
pub(super) fn wrap<R: CryptoRng>(
    pk: &XWingRecipient,
    id: &KeyId,
    dk: &[u8; KEY_LEN],
    bound: &[u8],
    rng: &mut R,
) -> Result<Stanza> {
    let kind = StanzaKind::XWing;
    let pk_r = pk.to_hpke().map_err(|_| Error::InvalidArgument("invalid X-Wing recipient".into()))?;
    let mut buf = [0u8; KEY_LEN];
    buf.copy_from_slice(dk);
    let (enc, tag) = hpke::single_shot_seal_inout_detached_with_rng::<HpkeChaCha, HkdfSha256, XWingKem>(
        &OpModeS::Base,
        &pk_r,
        INFO_XWING,
        buf.as_mut_slice().into(),
        &stanza_aad(kind, id, bound),
        rng,
    )
    .map_err(|_| Error::InvalidArgument("HPKE encapsulation to the X-Wing recipient failed".into()))?;
    let mut body = Vec::with_capacity(KEY_ID_LEN + 1120 + KEY_LEN + TAG_LEN);
    body.extend_from_slice(id.as_bytes());
    body.extend_from_slice(&enc.to_bytes());
    body.extend_from_slice(&buf);
    body.extend_from_slice(&tag.to_bytes());
    Stanza::new(kind, body)
}

impl Unwrap for XWingIdentity {
    fn unwrap_data_key(&self, header: &Header) -> Result<DataKey> {
        unwrap_with_xwing(header, self)
    }
}

/// Unwrap the data key from the X-Wing stanza for `identity`.
///
/// # Errors
/// [`Error::NoMatchingRecipient`] when no stanza names this key; [`Error::OpenFailed`] when it does not open.
pub fn unwrap_with_xwing(header: &Header, identity: &XWingIdentity) -> Result<DataKey> {
    let id = identity.id();
    let stanza = header
        .stanzas()
        .iter()
        .find(|s| s.kind() == StanzaKind::XWing && s.key_id() == id)
        .ok_or(Error::NoMatchingRecipient)?;
    let body = stanza.body();
    let enc = <XWingKem as hpke::Kem>::EncappedKey::from_bytes(&body[KEY_ID_LEN..KEY_ID_LEN + 1120])
        .map_err(|_| Error::OpenFailed)?;
    let (mut key, tag) = ct_and_tag(body);
    let tag = AeadTag::<HpkeChaCha>::from_bytes(tag).map_err(|_| Error::OpenFailed)?;
    hpke::single_shot_open_inout_detached::<HpkeChaCha, HkdfSha256, XWingKem>(
        &OpModeR::Base,
        &identity.to_hpke(),
        &enc,
        INFO_XWING,
        key.as_mut_slice().into(),
        &stanza_aad(StanzaKind::XWing, &id, header.sealed_context()),
        &tag,
    )
    .map_err(|_| Error::OpenFailed)?;
    Ok(DataKey::new(key, id, None))
}
