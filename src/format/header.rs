//! The envelope header: the bound context (every field the envelope is bound to), the recipient stanzas, the header
//! MAC, and the key schedule that ties them to the data key.
//!
//! Parsing needs no secret and touches no key. Everything here is bytes; what the fields mean for access is the
//! policy layer's business.

use core::fmt;
use std::io::Read;

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::format::{
    DEFAULT_CHUNK_SIZE, MAGIC, MAX_CHUNK_SIZE, MAX_DESTINATIONS, MAX_FIELDS, MAX_GRANT_LEN, MAX_GRANTS, MAX_HEADER_LEN,
    MAX_STANZAS, MAX_TEXT_LEN, MIN_CHUNK_SIZE, OBJECT_ID_LEN, SUITE, VERSION,
};
use crate::keys::{ED25519_PUBLIC_LEN, KEY_LEN, VerifyingKey, X25519Recipient};
use crate::policy::Terms;
use crate::vocabulary::CaseRef;
use crate::vocabulary::jurisdiction::Jurisdiction;
use crate::vocabulary::purpose::{MAX_PURPOSES, Purpose, PurposeSet};
use crate::vocabulary::sensitive::{Category, Classification};
use crate::vocabulary::time::Timestamp;
use crate::vocabulary::{KEY_ID_LEN, KeyId};

/// Length of the fixed prefix: magic, version, suite, fields length.
pub(crate) const PREFIX_LEN: usize = 16;
/// Length of the header MAC.
pub(crate) const MAC_LEN: usize = 32;
/// Length of the key commitment.
pub(crate) const COMMITMENT_LEN: usize = 32;

/// Field tags of format v1. A tag with bit 15 set is critical.
pub(crate) mod tag {
    pub(crate) const OBJECT_ID: u16 = 0x0001;
    pub(crate) const CATEGORY: u16 = 0x0002;
    pub(crate) const CLASSIFICATION: u16 = 0x0003;
    pub(crate) const PURPOSES: u16 = 0x0004;
    pub(crate) const CASE_REF: u16 = 0x0005;
    pub(crate) const INSTRUMENT: u16 = 0x0006;
    pub(crate) const ORIGIN: u16 = 0x0007;
    pub(crate) const DESTINATIONS: u16 = 0x0008;
    pub(crate) const CREATED: u16 = 0x0009;
    pub(crate) const NOT_AFTER: u16 = 0x000a;
    pub(crate) const CHUNK_SIZE: u16 = 0x000b;
    pub(crate) const COMMITMENT: u16 = 0x000c;
    pub(crate) const SIGNER: u16 = 0x000d;
    /// Originators' grants applied by a recipient (critical: a reader that cannot check them must not open).
    pub(crate) const GRANTS: u16 = 0x800e;
    pub(crate) const PAYLOAD_TYPE: u16 = 0x800f;
    pub(crate) const CRITICAL: u16 = 0x8000;
}

// ---- legal instrument ---------------------------------------------------------------------------------------------

/// The kind of legal instrument a transfer is made under. Codes are stable (written in envelopes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InstrumentKind {
    /// A bilateral mutual legal assistance treaty.
    BilateralTreaty,
    /// A European Investigation Order (Directive 2014/41/EU).
    EuropeanInvestigationOrder,
    /// A multilateral convention (e.g. the Budapest Convention, the 1959 Council of Europe Convention).
    MultilateralConvention,
    /// A letter rogatory (comity, no treaty).
    LetterRogatory,
    /// Anything else; say what in the transfer basis.
    Other,
}

impl InstrumentKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::BilateralTreaty,
        Self::EuropeanInvestigationOrder,
        Self::MultilateralConvention,
        Self::LetterRogatory,
        Self::Other,
    ];

    /// Stable code.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::BilateralTreaty => 1,
            Self::EuropeanInvestigationOrder => 2,
            Self::MultilateralConvention => 3,
            Self::LetterRogatory => 4,
            Self::Other => 255,
        }
    }

    /// Stable snake_case name, as written in the audit log (`european_investigation_order`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::BilateralTreaty => "bilateral_treaty",
            Self::EuropeanInvestigationOrder => "european_investigation_order",
            Self::MultilateralConvention => "multilateral_convention",
            Self::LetterRogatory => "letter_rogatory",
            Self::Other => "other",
        }
    }

    /// The kind with this code.
    ///
    /// # Errors
    /// [`Error::UnknownCode`] for an unassigned code.
    pub fn from_code(code: u8) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or(Error::UnknownCode { what: "instrument kind", code: u32::from(code) })
    }
}

/// The legal instrument a transfer is made under: its kind, the request's reference, and the transfer basis.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "LegalInstrumentWire")]
pub struct LegalInstrument {
    kind: InstrumentKind,
    reference: Option<String>,
    transfer_basis: Option<String>,
}

impl LegalInstrument {
    /// Validate an instrument. Texts are 1 to [`MAX_TEXT_LEN`] bytes of UTF-8 without control characters.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty, over-long or control-character text.
    pub fn new(kind: InstrumentKind, reference: Option<&str>, transfer_basis: Option<&str>) -> Result<Self> {
        let check = |what: &str, s: Option<&str>| -> Result<Option<String>> {
            match s {
                None => Ok(None),
                Some(s) if valid_text(s) => Ok(Some(s.to_owned())),
                Some(_) => Err(Error::InvalidArgument(format!(
                    "{what} must be 1 to {MAX_TEXT_LEN} bytes without control characters"
                ))),
            }
        };
        Ok(Self {
            kind,
            reference: check("instrument reference", reference)?,
            transfer_basis: check("transfer basis", transfer_basis)?,
        })
    }

    /// The instrument's kind.
    #[must_use]
    pub fn kind(&self) -> InstrumentKind {
        self.kind
    }

    /// The request's reference under the instrument (e.g. the EIO number).
    #[must_use]
    pub fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }

    /// The legal basis for the transfer, as text (e.g. "Art. 18 MLAT NL-US").
    #[must_use]
    pub fn transfer_basis(&self) -> Option<&str> {
        self.transfer_basis.as_deref()
    }
}

/// What a stored [`LegalInstrument`] deserializes from: its texts are checked again by [`LegalInstrument::new`].
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LegalInstrumentWire {
    kind: InstrumentKind,
    reference: Option<String>,
    transfer_basis: Option<String>,
}

impl TryFrom<LegalInstrumentWire> for LegalInstrument {
    type Error = Error;
    fn try_from(w: LegalInstrumentWire) -> Result<Self> {
        Self::new(w.kind, w.reference.as_deref(), w.transfer_basis.as_deref())
    }
}

fn valid_text(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_TEXT_LEN && !s.chars().any(char::is_control)
}

// ---- the bound fields ---------------------------------------------------------------------------------------------

/// The fields an envelope is bound to, as chosen by the sealer. Every one is authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metadata {
    /// What the data is.
    pub category: Category,
    /// How tightly it is held; at least the category's minimum.
    pub classification: Classification,
    /// What it was given for; at least one.
    pub purposes: PurposeSet,
    /// The case it belongs to.
    pub case_ref: Option<CaseRef>,
    /// The legal instrument of the transfer.
    pub instrument: Option<LegalInstrument>,
    /// The state the data comes from.
    pub origin: Option<Jurisdiction>,
    /// The states it may be opened in (written sorted, without duplicates).
    pub destinations: Vec<Jurisdiction>,
    /// When it was sealed.
    pub created: Timestamp,
    /// When it expires.
    pub not_after: Option<Timestamp>,
    /// Plaintext bytes per chunk, [`MIN_CHUNK_SIZE`] to [`MAX_CHUNK_SIZE`]; default [`DEFAULT_CHUNK_SIZE`].
    pub chunk_size: u32,
    /// What the payload is: bytes (the default), or a record of fields (critical field `payload_type`, written by
    /// [`super::seal_record`] only).
    pub payload_type: PayloadType,
}

/// What an envelope's payload holds (docs/FORMAT.md section 14).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PayloadType {
    /// Bytes: what every envelope without a `payload_type` field holds.
    #[default]
    Bytes,
    /// A record of named, typed fields, each under its own key (section 14).
    Record,
}

impl Metadata {
    /// Metadata with the category's minimum classification, no case, instrument or jurisdictions, no expiry and the
    /// default chunk size.
    #[must_use]
    pub fn new(category: Category, purposes: PurposeSet, created: Timestamp) -> Self {
        Self {
            category,
            classification: category.minimum_classification(),
            purposes,
            case_ref: None,
            instrument: None,
            origin: None,
            destinations: Vec::new(),
            created,
            not_after: None,
            chunk_size: DEFAULT_CHUNK_SIZE,
            payload_type: PayloadType::Bytes,
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        self.category.check(self.classification)?;
        if self.purposes.is_empty() {
            return Err(Error::NoPurpose);
        }
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&self.chunk_size) {
            return Err(Error::InvalidArgument(format!(
                "chunk size must be {MIN_CHUNK_SIZE} to {MAX_CHUNK_SIZE} bytes"
            )));
        }
        if self.destinations.len() > MAX_DESTINATIONS {
            return Err(Error::InvalidArgument(format!("at most {MAX_DESTINATIONS} destinations")));
        }
        if let Some(na) = self.not_after
            && na < self.created
        {
            return Err(Error::InvalidArgument("not_after is before created".into()));
        }
        Ok(())
    }
}

/// A header field this library does not know, kept verbatim (and authenticated like every other field).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownField {
    /// The field's tag (bit 15 clear: unknown fields that are critical refuse to parse).
    pub tag: u16,
    /// The field's value.
    pub value: Vec<u8>,
}

// ---- stanzas ------------------------------------------------------------------------------------------------------

/// The most bytes a host's key service may return for one wrapped data key (stanza kind 6, `external`).
pub const MAX_EXTERNAL_WRAPPED: usize = 1024;

/// The kind of a recipient stanza. Codes are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum StanzaKind {
    /// ChaCha20-Poly1305 wrap under a key derived from a KEK.
    Kek,
    /// HPKE base mode to an X25519 key.
    X25519,
    /// HPKE auth mode to an X25519 key, from a named X25519 sender.
    X25519Auth,
    /// HPKE base mode to an X-Wing key.
    XWing,
    /// AES-256-GCM under a key-encryption key that never leaves a PKCS#11 token (FORMAT.md section 13); opened only
    /// through a [`crate::keys::KeyProvider`] holding that key.
    Pkcs11AesGcm,
    /// A data key wrapped by a host's own key service (a KMS behind the C ABI's callback provider): after the key id,
    /// 1 to [`MAX_EXTERNAL_WRAPPED`] bytes whose format belongs to that service (FORMAT.md section 13).
    External,
    /// A kind this library does not know (for another recipient type; skipped, kept, authenticated).
    Unknown(u16),
}

impl StanzaKind {
    /// Stable code.
    #[must_use]
    pub const fn code(self) -> u16 {
        match self {
            Self::Kek => 1,
            Self::X25519 => 2,
            Self::X25519Auth => 3,
            Self::XWing => 4,
            Self::Pkcs11AesGcm => 5,
            Self::External => 6,
            Self::Unknown(c) => c,
        }
    }

    /// The kind with this code.
    #[must_use]
    pub const fn from_code(code: u16) -> Self {
        match code {
            1 => Self::Kek,
            2 => Self::X25519,
            3 => Self::X25519Auth,
            4 => Self::XWing,
            5 => Self::Pkcs11AesGcm,
            6 => Self::External,
            c => Self::Unknown(c),
        }
    }

    /// Exact body length for a known kind.
    pub(crate) const fn body_len(self) -> Option<usize> {
        match self {
            Self::Kek => Some(KEY_ID_LEN + 12 + KEY_LEN + 16),
            Self::X25519 => Some(KEY_ID_LEN + 32 + KEY_LEN + 16),
            Self::X25519Auth => Some(KEY_ID_LEN + 32 + 32 + KEY_LEN + 16),
            Self::XWing => Some(KEY_ID_LEN + 1120 + KEY_LEN + 16),
            Self::Pkcs11AesGcm => Some(KEY_ID_LEN + 12 + KEY_LEN + 16),
            Self::External | Self::Unknown(_) => None,
        }
    }
}

/// One recipient stanza: a copy of the data key wrapped for one key.
#[derive(Clone, PartialEq, Eq)]
pub struct Stanza {
    kind: StanzaKind,
    key_id: KeyId,
    sender: Option<X25519Recipient>,
    body: Vec<u8>,
}

impl Stanza {
    pub(crate) fn new(kind: StanzaKind, body: Vec<u8>) -> Result<Self> {
        if let Some(n) = kind.body_len()
            && body.len() != n
        {
            return Err(Error::Malformed(format!("stanza of kind {} must be {n} bytes", kind.code())));
        }
        if kind == StanzaKind::External && !(KEY_ID_LEN + 1..=KEY_ID_LEN + MAX_EXTERNAL_WRAPPED).contains(&body.len()) {
            return Err(Error::Malformed(format!(
                "stanza of kind 6 must be {} to {} bytes",
                KEY_ID_LEN + 1,
                KEY_ID_LEN + MAX_EXTERNAL_WRAPPED
            )));
        }
        let id: [u8; KEY_ID_LEN] = body
            .get(..KEY_ID_LEN)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| Error::Malformed("stanza shorter than a key id".into()))?;
        let sender = if kind == StanzaKind::X25519Auth {
            let pk: [u8; 32] = body[KEY_ID_LEN..KEY_ID_LEN + 32].try_into().expect("length checked above");
            Some(X25519Recipient::from_bytes(pk).map_err(|_| Error::Malformed("invalid sender key".into()))?)
        } else {
            None
        };
        Ok(Self { kind, key_id: KeyId::from_bytes(id), sender, body })
    }

    /// The stanza's kind.
    #[must_use]
    pub fn kind(&self) -> StanzaKind {
        self.kind
    }

    /// The id of the key the stanza is wrapped for.
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The sender named by an HPKE auth-mode stanza (authenticated once the data key is unwrapped from it).
    #[must_use]
    pub fn sender(&self) -> Option<&X25519Recipient> {
        self.sender.as_ref()
    }

    pub(crate) fn body(&self) -> &[u8] {
        &self.body
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<()> {
        out.extend_from_slice(&self.kind.code().to_be_bytes());
        out.extend_from_slice(&u16_len(self.body.len(), "stanza length")?.to_be_bytes());
        out.extend_from_slice(&self.body);
        Ok(())
    }
}

impl fmt::Debug for Stanza {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Stanza");
        d.field("kind", &self.kind).field("key_id", &self.key_id);
        if let Some(s) = &self.sender {
            d.field("sender", &s.id());
        }
        d.finish()
    }
}

// ---- the header ---------------------------------------------------------------------------------------------------

/// A parsed envelope header: everything the envelope is bound to, and who can open it.
///
/// Parsed without any secret; nothing in it is authenticated until the payload is opened with the data key (the
/// header MAC) or, for signed envelopes, until the signature verifies. The policy gate may read it before a key is
/// touched: a forged header gains nothing, since opening then fails.
#[derive(Clone, Debug)]
pub struct Header {
    raw: Vec<u8>,
    bound_len: usize,
    object_id: [u8; OBJECT_ID_LEN],
    metadata: Metadata,
    commitment: [u8; COMMITMENT_LEN],
    signer: Option<VerifyingKey>,
    unknown: Vec<UnknownField>,
    grants: Vec<Vec<u8>>,
    /// The bound context as sealed (without the grants field), when the header carries grants; `None` when it is
    /// the bound context itself.
    sealed: Option<Vec<u8>>,
    stanzas: Vec<Stanza>,
}

impl Header {
    /// The random object id (unique per envelope; kept across re-wraps).
    #[must_use]
    pub fn object_id(&self) -> &[u8; OBJECT_ID_LEN] {
        &self.object_id
    }

    /// All bound fields.
    #[must_use]
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The case reference, if any.
    #[must_use]
    pub fn case_ref(&self) -> Option<&CaseRef> {
        self.metadata.case_ref.as_ref()
    }

    /// The recipient stanzas, in envelope order.
    #[must_use]
    pub fn stanzas(&self) -> &[Stanza] {
        &self.stanzas
    }

    /// The signer's key, if the envelope is signed.
    #[must_use]
    pub fn signer(&self) -> Option<&VerifyingKey> {
        self.signer.as_ref()
    }

    /// The signer's key id, if the envelope is signed.
    #[must_use]
    pub fn signer_id(&self) -> Option<KeyId> {
        self.signer.map(|s| s.id())
    }

    /// The authenticated-sender keys named by HPKE auth-mode stanzas, without duplicates.
    #[must_use]
    pub fn senders(&self) -> Vec<&X25519Recipient> {
        let mut out: Vec<&X25519Recipient> = Vec::new();
        for s in self.stanzas.iter().filter_map(Stanza::sender) {
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// The encodings of the grants the header carries (field `grants`, in canonical order), unverified: the format
    /// layer knows their bytes only; `custodia::Grant::from_bytes` parses one and the custodian verifies them.
    #[must_use]
    pub fn grants(&self) -> &[Vec<u8>] {
        &self.grants
    }

    /// Header fields this library does not know (non-critical; kept and authenticated).
    #[must_use]
    pub fn unknown_fields(&self) -> &[UnknownField] {
        &self.unknown
    }

    /// The policy terms the envelope is bound to.
    #[must_use]
    pub fn terms(&self) -> Terms {
        Terms::from(self)
    }

    /// The header's length in bytes; the payload starts at this offset.
    #[must_use]
    #[allow(clippy::len_without_is_empty, reason = "a header is never empty")]
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// The header's exact bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    pub(crate) fn bound_context(&self) -> &[u8] {
        &self.raw[..self.bound_len]
    }

    /// The bound context as sealed: without the `grants` field (and its length taken out of the fields length).
    /// Stanza AADs and the signature cover these bytes, so applying grants later changes neither; the header MAC
    /// covers the whole header, grants included.
    pub(crate) fn sealed_context(&self) -> &[u8] {
        self.sealed.as_deref().unwrap_or_else(|| self.bound_context())
    }

    pub(crate) fn commitment(&self) -> &[u8; COMMITMENT_LEN] {
        &self.commitment
    }

    pub(crate) fn chunk_size(&self) -> usize {
        self.metadata.chunk_size as usize
    }

    pub(crate) fn mac(&self) -> &[u8] {
        &self.raw[self.raw.len() - MAC_LEN..]
    }

    pub(crate) fn mac_input(&self) -> &[u8] {
        &self.raw[..self.raw.len() - MAC_LEN]
    }
}

impl From<&Header> for Terms {
    fn from(h: &Header) -> Self {
        let m = &h.metadata;
        Terms {
            purposes: m.purposes.clone(),
            category: m.category,
            classification: m.classification,
            origin: m.origin,
            destinations: m.destinations.clone(),
            not_after: m.not_after,
            case: m.case_ref.clone(),
        }
    }
}

// ---- key schedule -------------------------------------------------------------------------------------------------

/// Secret: the keys derived from one data key; zeroized on drop.
pub(crate) struct KeySchedule {
    pub(crate) payload: Zeroizing<[u8; 32]>,
    pub(crate) mac: Zeroizing<[u8; 32]>,
    pub(crate) commitment: [u8; COMMITMENT_LEN],
}

impl KeySchedule {
    pub(crate) fn derive(data_key: &[u8; KEY_LEN], object_id: &[u8; OBJECT_ID_LEN]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(object_id), data_key);
        let mut payload = Zeroizing::new([0u8; 32]);
        let mut mac = Zeroizing::new([0u8; 32]);
        let mut commitment = [0u8; COMMITMENT_LEN];
        hk.expand(b"custodia/v1/payload", payload.as_mut()).expect("32 bytes is a valid HKDF-SHA256 length");
        hk.expand(b"custodia/v1/header-mac", mac.as_mut()).expect("32 bytes is a valid HKDF-SHA256 length");
        hk.expand(b"custodia/v1/commitment", &mut commitment).expect("32 bytes is a valid HKDF-SHA256 length");
        Self { payload, mac, commitment }
    }

    /// Check the commitment (constant time), then the header MAC (constant time).
    pub(crate) fn verify_header(&self, header: &Header) -> Result<()> {
        if !bool::from(self.commitment.ct_eq(header.commitment())) {
            return Err(Error::OpenFailed);
        }
        let mut m = self.header_mac();
        m.update(header.mac_input());
        m.verify_slice(header.mac()).map_err(|_| Error::OpenFailed)
    }

    pub(crate) fn header_mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as KeyInit>::new_from_slice(self.mac.as_ref()).expect("HMAC takes any key length")
    }
}

// ---- encoding -----------------------------------------------------------------------------------------------------

fn u16_len(n: usize, what: &'static str) -> Result<u16> {
    u16::try_from(n).map_err(|_| Error::LimitExceeded { what, value: n as u64, max: u64::from(u16::MAX) })
}

fn u8_len(n: usize, what: &'static str) -> Result<u8> {
    u8::try_from(n).map_err(|_| Error::LimitExceeded { what, value: n as u64, max: u64::from(u8::MAX) })
}

fn put_field(out: &mut Vec<u8>, tag: u16, value: &[u8]) -> Result<()> {
    out.extend_from_slice(&tag.to_be_bytes());
    out.extend_from_slice(&u16_len(value.len(), "field length")?.to_be_bytes());
    out.extend_from_slice(value);
    Ok(())
}

fn put_text16(v: &mut Vec<u8>, s: Option<&str>) -> Result<()> {
    let b = s.unwrap_or("").as_bytes();
    v.extend_from_slice(&u16_len(b.len(), "text length")?.to_be_bytes());
    v.extend_from_slice(b);
    Ok(())
}

/// Encode the bound context: prefix and fields, in ascending tag order.
pub(crate) fn encode_bound(
    m: &Metadata,
    object_id: &[u8; OBJECT_ID_LEN],
    commitment: &[u8; COMMITMENT_LEN],
    signer: Option<&VerifyingKey>,
    unknown: &[UnknownField],
) -> Result<Vec<u8>> {
    m.validate()?;
    let mut known: Vec<(u16, Vec<u8>)> = Vec::with_capacity(16);
    known.push((tag::OBJECT_ID, object_id.to_vec()));
    known.push((tag::CATEGORY, m.category.code().to_be_bytes().to_vec()));
    known.push((tag::CLASSIFICATION, vec![m.classification.code()]));
    let mut p = vec![u8_len(m.purposes.len(), "purpose count")?];
    for purpose in &m.purposes {
        p.push(u8_len(purpose.as_str().len(), "purpose length")?);
        p.extend_from_slice(purpose.as_str().as_bytes());
    }
    known.push((tag::PURPOSES, p));
    if let Some(c) = &m.case_ref {
        known.push((tag::CASE_REF, c.as_str().as_bytes().to_vec()));
    }
    if let Some(i) = &m.instrument {
        let mut v = vec![i.kind.code()];
        put_text16(&mut v, i.reference())?;
        put_text16(&mut v, i.transfer_basis())?;
        known.push((tag::INSTRUMENT, v));
    }
    if let Some(o) = m.origin {
        known.push((tag::ORIGIN, o.as_bytes().to_vec()));
    }
    let mut dest = m.destinations.clone();
    dest.sort_by_key(Jurisdiction::as_bytes);
    dest.dedup();
    if !dest.is_empty() {
        let mut v = vec![u8_len(dest.len(), "destination count")?];
        for d in &dest {
            v.extend_from_slice(&d.as_bytes());
        }
        known.push((tag::DESTINATIONS, v));
    }
    known.push((tag::CREATED, m.created.as_unix().to_be_bytes().to_vec()));
    if let Some(na) = m.not_after {
        known.push((tag::NOT_AFTER, na.as_unix().to_be_bytes().to_vec()));
    }
    known.push((tag::CHUNK_SIZE, m.chunk_size.to_be_bytes().to_vec()));
    known.push((tag::COMMITMENT, commitment.to_vec()));
    if let Some(s) = signer {
        known.push((tag::SIGNER, s.to_bytes().to_vec()));
    }
    if m.payload_type == PayloadType::Record {
        known.push((tag::PAYLOAD_TYPE, vec![1]));
    }
    for u in unknown {
        known.push((u.tag, u.value.clone()));
    }
    known.sort_by_key(|(t, _)| *t);

    let mut fields = Vec::with_capacity(1024);
    for (t, v) in &known {
        put_field(&mut fields, *t, v)?;
    }
    let mut out = Vec::with_capacity(PREFIX_LEN + fields.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_be_bytes());
    out.extend_from_slice(&SUITE.to_be_bytes());
    let flen = u32::try_from(fields.len()).map_err(|_| Error::LimitExceeded {
        what: "header length",
        value: fields.len() as u64,
        max: MAX_HEADER_LEN as u64,
    })?;
    out.extend_from_slice(&flen.to_be_bytes());
    out.extend_from_slice(&fields);
    Ok(out)
}

/// The object id from the first field of an encoded bound context (writers always put it first: lowest tag).
pub(crate) fn object_id_prefix(envelope: &[u8]) -> Result<[u8; OBJECT_ID_LEN]> {
    let bad = || Error::Malformed("not a custodia envelope".into());
    if envelope.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
        return Err(bad());
    }
    let field = envelope.get(PREFIX_LEN..PREFIX_LEN + 4 + OBJECT_ID_LEN).ok_or_else(bad)?;
    let len = u16::try_from(OBJECT_ID_LEN).map_err(|_| bad())?;
    if field[..2] != tag::OBJECT_ID.to_be_bytes() || field[2..4] != len.to_be_bytes() {
        return Err(bad());
    }
    field[4..].try_into().map_err(|_| bad())
}

/// Assemble a full header from a bound context and stanzas, with its MAC.
pub(crate) fn assemble(mut out: Vec<u8>, stanzas: &[Stanza], keys: &KeySchedule) -> Result<Vec<u8>> {
    if stanzas.is_empty() {
        return Err(Error::InvalidArgument("at least one recipient is required".into()));
    }
    if stanzas.len() > MAX_STANZAS {
        return Err(Error::LimitExceeded {
            what: "stanza count",
            value: stanzas.len() as u64,
            max: MAX_STANZAS as u64,
        });
    }
    for (i, s) in stanzas.iter().enumerate() {
        if stanzas[..i].iter().any(|t| t.key_id == s.key_id) {
            return Err(Error::InvalidArgument(format!("recipient {} appears twice", s.key_id)));
        }
    }
    out.reserve_exact(2 + stanzas.iter().map(|s| 4 + s.body.len()).sum::<usize>() + MAC_LEN);
    out.extend_from_slice(&u16_len(stanzas.len(), "stanza count")?.to_be_bytes());
    for s in stanzas {
        s.encode_into(&mut out)?;
    }
    let mut m = keys.header_mac();
    m.update(&out);
    out.extend_from_slice(&m.finalize().into_bytes());
    if out.len() > MAX_HEADER_LEN {
        return Err(Error::LimitExceeded {
            what: "header length",
            value: out.len() as u64,
            max: MAX_HEADER_LEN as u64,
        });
    }
    Ok(out)
}

// ---- parsing ------------------------------------------------------------------------------------------------------

/// Reads exact lengths from a source, keeps what it read, and enforces the header size limit before allocating.
struct Taker<'r, R: Read + ?Sized> {
    src: &'r mut R,
    raw: Vec<u8>,
}

impl<R: Read + ?Sized> Taker<'_, R> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let total = self.raw.len() as u64 + n as u64;
        if total > MAX_HEADER_LEN as u64 {
            return Err(Error::LimitExceeded { what: "header length", value: total, max: MAX_HEADER_LEN as u64 });
        }
        let start = self.raw.len();
        self.raw.resize(start + n, 0);
        self.src.read_exact(&mut self.raw[start..]).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => Error::Truncated,
            _ => Error::Io(e),
        })?;
        Ok(&self.raw[start..])
    }

    /// The magic's length in bytes, as [`Taker::take`]; a shorter input is [`Error::Truncated`] only when what it
    /// holds is a prefix of the magic, else [`Error::Malformed`] (not an envelope).
    fn take_magic(&mut self) -> Result<&[u8]> {
        let start = self.raw.len();
        self.raw.resize(start + MAGIC.len(), 0);
        let mut got = 0;
        while got < MAGIC.len() {
            match self.src.read(&mut self.raw[start + got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::Io(e)),
            }
        }
        if got < MAGIC.len() {
            return Err(if self.raw[start..start + got] == MAGIC[..got] {
                Error::Truncated
            } else {
                Error::Malformed("not a custodia envelope (bad magic)".into())
            });
        }
        Ok(&self.raw[start..])
    }
}

/// A cursor over a field's value that fails with [`Error::Malformed`] naming the field.
struct Cur<'a> {
    b: &'a [u8],
    what: &'static str,
}

impl<'a> Cur<'a> {
    fn bad(&self) -> Error {
        Error::Malformed(format!("field {}", self.what))
    }
    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.b.len() < n {
            return Err(self.bad());
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.bytes(2)?.try_into().expect("2 bytes")))
    }
    fn end(&self) -> Result<()> {
        if self.b.is_empty() { Ok(()) } else { Err(self.bad()) }
    }
    fn exact<const N: usize>(b: &'a [u8], what: &'static str) -> Result<[u8; N]> {
        b.try_into().map_err(|_| Error::Malformed(format!("field {what}: must be {N} bytes")))
    }
    fn text16(&mut self, what: &'static str) -> Result<Option<String>> {
        let n = usize::from(self.u16()?);
        if n > MAX_TEXT_LEN {
            return Err(Error::LimitExceeded { what, value: n as u64, max: MAX_TEXT_LEN as u64 });
        }
        if n == 0 {
            return Ok(None);
        }
        let s = core::str::from_utf8(self.bytes(n)?).map_err(|_| self.bad())?;
        if !valid_text(s) {
            return Err(self.bad());
        }
        Ok(Some(s.to_owned()))
    }
}

/// Parse a header from a reader, reading exactly the header's bytes.
pub(crate) fn read_header<R: Read + ?Sized>(src: &mut R) -> Result<Header> {
    let mut t = Taker { src, raw: Vec::with_capacity(512) };
    // Magic first: wrong magic is "not an envelope", whatever follows, and however short the input; only a prefix
    // of the magic (an envelope cut short) is truncated.
    let magic = t.take_magic()?;
    if magic != MAGIC {
        return Err(Error::Malformed("not a custodia envelope (bad magic)".into()));
    }
    let vs = t.take(4)?;
    let version = u16::from_be_bytes([vs[0], vs[1]]);
    let suite = u16::from_be_bytes([vs[2], vs[3]]);
    if version != VERSION {
        return Err(Error::UnsupportedVersion(u32::from(version)));
    }
    if suite != SUITE {
        return Err(Error::UnsupportedSuite(u32::from(suite)));
    }
    let flen = u32::from_be_bytes(t.take(4)?.try_into().expect("4 bytes"));
    let max_fields_len = MAX_HEADER_LEN - PREFIX_LEN - 2 - MAC_LEN;
    if flen as usize > max_fields_len {
        return Err(Error::LimitExceeded {
            what: "header fields length",
            value: u64::from(flen),
            max: max_fields_len as u64,
        });
    }
    let fields = t.take(flen as usize)?.to_vec();
    let bound_len = t.raw.len();
    let parsed = parse_fields(&fields)?;

    let count = u16::from_be_bytes(t.take(2)?.try_into().expect("2 bytes"));
    if usize::from(count) > MAX_STANZAS {
        return Err(Error::LimitExceeded { what: "stanza count", value: u64::from(count), max: MAX_STANZAS as u64 });
    }
    if count == 0 {
        return Err(Error::Malformed("no recipient stanza".into()));
    }
    let mut stanzas = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let h = t.take(4)?;
        let kind = StanzaKind::from_code(u16::from_be_bytes([h[0], h[1]]));
        let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
        let body = t.take(len)?.to_vec();
        let stanza = Stanza::new(kind, body)?;
        // Writers never name a key twice; a reader refuses a header that does (which stanza would count?).
        if stanzas.iter().any(|s: &Stanza| s.key_id == stanza.key_id) {
            return Err(Error::Malformed("two stanzas name the same key id".into()));
        }
        stanzas.push(stanza);
    }
    t.take(MAC_LEN)?;
    let Parsed { object_id, metadata, commitment, signer, unknown, grants } = parsed;
    let sealed = if grants.is_empty() { None } else { Some(strip_grants(&t.raw[..bound_len])?) };
    Ok(Header { raw: t.raw, bound_len, object_id, metadata, commitment, signer, unknown, grants, sealed, stanzas })
}

struct Parsed {
    object_id: [u8; OBJECT_ID_LEN],
    metadata: Metadata,
    commitment: [u8; COMMITMENT_LEN],
    signer: Option<VerifyingKey>,
    unknown: Vec<UnknownField>,
    grants: Vec<Vec<u8>>,
}

#[allow(clippy::too_many_lines, reason = "one arm per field reads best in one place")]
fn parse_fields(mut b: &[u8]) -> Result<Parsed> {
    let mut object_id = None;
    let mut category = None;
    let mut classification = None;
    let mut purposes = None;
    let mut case_ref = None;
    let mut instrument = None;
    let mut origin = None;
    let mut destinations = Vec::new();
    let mut created = None;
    let mut not_after = None;
    let mut chunk_size = None;
    let mut commitment = None;
    let mut signer = None;
    let mut grants = Vec::new();
    let mut payload_type = PayloadType::Bytes;
    let mut unknown = Vec::new();

    let mut last: Option<u16> = None;
    let mut count = 0usize;
    while !b.is_empty() {
        count += 1;
        if count > MAX_FIELDS {
            return Err(Error::LimitExceeded { what: "field count", value: count as u64, max: MAX_FIELDS as u64 });
        }
        if b.len() < 4 {
            return Err(Error::Malformed("field header".into()));
        }
        let t = u16::from_be_bytes([b[0], b[1]]);
        let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
        if b.len() < 4 + len {
            return Err(Error::Malformed("field length beyond the fields".into()));
        }
        let v = &b[4..4 + len];
        b = &b[4 + len..];
        if last.is_some_and(|l| t <= l) {
            return Err(Error::Malformed("fields out of order or repeated".into()));
        }
        last = Some(t);
        match t {
            tag::OBJECT_ID => object_id = Some(Cur::exact::<OBJECT_ID_LEN>(v, "object_id")?),
            tag::CATEGORY => {
                let c = u16::from_be_bytes(Cur::exact::<2>(v, "category")?);
                category = Some(Category::from_code(c).map_err(|_| Error::Malformed("unknown category".into()))?);
            }
            tag::CLASSIFICATION => {
                let [c] = Cur::exact::<1>(v, "classification")?;
                classification =
                    Some(Classification::from_code(c).map_err(|_| Error::Malformed("unknown classification".into()))?);
            }
            tag::PURPOSES => {
                let mut c = Cur { b: v, what: "purposes" };
                let n = usize::from(c.u8()?);
                if n > MAX_PURPOSES {
                    return Err(Error::LimitExceeded {
                        what: "purpose count",
                        value: n as u64,
                        max: MAX_PURPOSES as u64,
                    });
                }
                let mut list: Vec<Purpose> = Vec::with_capacity(n);
                for _ in 0..n {
                    let l = usize::from(c.u8()?);
                    if l > crate::vocabulary::purpose::MAX_PURPOSE_LEN {
                        return Err(Error::LimitExceeded {
                            what: "purpose length",
                            value: l as u64,
                            max: crate::vocabulary::purpose::MAX_PURPOSE_LEN as u64,
                        });
                    }
                    let s = core::str::from_utf8(c.bytes(l)?).map_err(|_| c.bad())?;
                    let p = Purpose::parse(s).map_err(|_| Error::Malformed("invalid purpose".into()))?;
                    if list.last().is_some_and(|q| *q >= p) {
                        return Err(Error::Malformed("purposes not in canonical order".into()));
                    }
                    list.push(p);
                }
                c.end()?;
                if list.is_empty() {
                    return Err(Error::Malformed("no purpose".into()));
                }
                purposes = Some(PurposeSet::from_purposes(list)?);
            }
            tag::CASE_REF => {
                // Above the limit is `LimitExceeded`, as for every other length (docs/FORMAT.md section 9.1).
                if v.len() > crate::vocabulary::MAX_CASE_REF_LEN {
                    return Err(Error::LimitExceeded {
                        what: "case_ref length",
                        value: v.len() as u64,
                        max: crate::vocabulary::MAX_CASE_REF_LEN as u64,
                    });
                }
                let s = core::str::from_utf8(v).map_err(|_| Error::Malformed("field case_ref".into()))?;
                case_ref = Some(CaseRef::parse(s).map_err(|_| Error::Malformed("field case_ref".into()))?);
            }
            tag::INSTRUMENT => {
                let mut c = Cur { b: v, what: "instrument" };
                let kind = InstrumentKind::from_code(c.u8()?)
                    .map_err(|_| Error::Malformed("unknown instrument kind".into()))?;
                let reference = c.text16("instrument reference length")?;
                let transfer_basis = c.text16("transfer basis length")?;
                c.end()?;
                instrument = Some(LegalInstrument { kind, reference, transfer_basis });
            }
            tag::ORIGIN => origin = Some(parse_jurisdiction(v)?),
            tag::DESTINATIONS => {
                let mut c = Cur { b: v, what: "destinations" };
                let n = usize::from(c.u8()?);
                if n > MAX_DESTINATIONS {
                    return Err(Error::LimitExceeded {
                        what: "destination count",
                        value: n as u64,
                        max: MAX_DESTINATIONS as u64,
                    });
                }
                if n == 0 {
                    return Err(Error::Malformed("empty destinations field".into()));
                }
                for _ in 0..n {
                    let j = parse_jurisdiction(c.bytes(2)?)?;
                    if destinations.last().is_some_and(|d: &Jurisdiction| d.as_bytes() >= j.as_bytes()) {
                        return Err(Error::Malformed("destinations not in canonical order".into()));
                    }
                    destinations.push(j);
                }
                c.end()?;
            }
            tag::CREATED => created = Some(Timestamp::from_unix(u64::from_be_bytes(Cur::exact(v, "created")?))),
            tag::NOT_AFTER => {
                not_after = Some(Timestamp::from_unix(u64::from_be_bytes(Cur::exact(v, "not_after")?)));
            }
            tag::CHUNK_SIZE => {
                let n = u32::from_be_bytes(Cur::exact(v, "chunk_size")?);
                if n > MAX_CHUNK_SIZE {
                    return Err(Error::LimitExceeded {
                        what: "chunk size",
                        value: u64::from(n),
                        max: u64::from(MAX_CHUNK_SIZE),
                    });
                }
                if n < MIN_CHUNK_SIZE {
                    return Err(Error::Malformed(format!("chunk size below {MIN_CHUNK_SIZE}")));
                }
                chunk_size = Some(n);
            }
            tag::COMMITMENT => commitment = Some(Cur::exact::<COMMITMENT_LEN>(v, "commitment")?),
            tag::SIGNER => {
                let pk = Cur::exact::<ED25519_PUBLIC_LEN>(v, "signer")?;
                signer = Some(VerifyingKey::from_bytes(pk).map_err(|_| Error::Malformed("field signer".into()))?);
            }
            tag::GRANTS => grants = parse_grants(v)?,
            tag::PAYLOAD_TYPE => {
                payload_type = match Cur::exact::<1>(v, "payload_type")? {
                    [1] => PayloadType::Record,
                    _ => return Err(Error::Malformed("unknown payload type".into())),
                };
            }
            t if t & tag::CRITICAL != 0 => return Err(Error::UnknownCriticalField(u32::from(t))),
            t => unknown.push(UnknownField { tag: t, value: v.to_vec() }),
        }
    }
    let missing = |what: &str| Error::Malformed(format!("missing field {what}"));
    let category = category.ok_or_else(|| missing("category"))?;
    let classification = classification.ok_or_else(|| missing("classification"))?;
    if category.check(classification).is_err() {
        return Err(Error::Malformed("classification below the category's minimum".into()));
    }
    let created = created.ok_or_else(|| missing("created"))?;
    // Readers hold writers to `not_after >= created` (docs/FORMAT.md section 2): an envelope that expired before it
    // was made is not one any writer produces.
    if not_after.is_some_and(|na| na < created) {
        return Err(Error::Malformed("not_after is before created".into()));
    }
    let metadata = Metadata {
        category,
        classification,
        purposes: purposes.ok_or_else(|| missing("purposes"))?,
        case_ref,
        instrument,
        origin,
        destinations,
        created,
        not_after,
        chunk_size: chunk_size.ok_or_else(|| missing("chunk_size"))?,
        payload_type,
    };
    Ok(Parsed {
        object_id: object_id.ok_or_else(|| missing("object_id"))?,
        metadata,
        commitment: commitment.ok_or_else(|| missing("commitment"))?,
        signer,
        unknown,
        grants,
    })
}

/// The `grants` field: count (u8, 1 to [`MAX_GRANTS`]), then each grant as u16 length (1 to [`MAX_GRANT_LEN`]) and
/// bytes, in strictly ascending byte order (canonical: sorted, no duplicates).
fn parse_grants(v: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut c = Cur { b: v, what: "grants" };
    let n = usize::from(c.u8()?);
    if n > MAX_GRANTS {
        return Err(Error::LimitExceeded { what: "grant count", value: n as u64, max: MAX_GRANTS as u64 });
    }
    if n == 0 {
        return Err(Error::Malformed("empty grants field".into()));
    }
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(n);
    for _ in 0..n {
        let l = usize::from(c.u16()?);
        if l > MAX_GRANT_LEN {
            return Err(Error::LimitExceeded { what: "grant length", value: l as u64, max: MAX_GRANT_LEN as u64 });
        }
        if l == 0 {
            return Err(Error::Malformed("empty grant".into()));
        }
        let g = c.bytes(l)?;
        if out.last().is_some_and(|p| p.as_slice() >= g) {
            return Err(Error::Malformed("grants not in canonical order".into()));
        }
        out.push(g.to_vec());
    }
    c.end()?;
    Ok(out)
}

/// The value of a `grants` field for these grant encodings (sorted, deduplicated).
fn encode_grants(grants: &[Vec<u8>]) -> Result<Vec<u8>> {
    let mut sorted: Vec<&Vec<u8>> = grants.iter().collect();
    sorted.sort();
    sorted.dedup();
    if sorted.len() > MAX_GRANTS {
        return Err(Error::LimitExceeded { what: "grant count", value: sorted.len() as u64, max: MAX_GRANTS as u64 });
    }
    let mut v = vec![u8_len(sorted.len(), "grant count")?];
    for g in sorted {
        if g.is_empty() || g.len() > MAX_GRANT_LEN {
            return Err(Error::LimitExceeded {
                what: "grant length",
                value: g.len() as u64,
                max: MAX_GRANT_LEN as u64,
            });
        }
        v.extend_from_slice(&u16_len(g.len(), "grant length")?.to_be_bytes());
        v.extend_from_slice(g);
    }
    Ok(v)
}

/// The fields of an encoded bound context (already parsed once, so well-formed), as (tag, value) pairs.
fn fields_of(bound: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut b = bound.get(PREFIX_LEN..).unwrap_or_default();
    while b.len() >= 4 {
        let t = u16::from_be_bytes([b[0], b[1]]);
        let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
        let Some(v) = b.get(4..4 + len) else { break };
        out.push((t, v));
        b = &b[4 + len..];
    }
    out
}

/// Re-encode a bound context from its first 12 bytes (magic, version, suite) and fields in ascending tag order.
fn rebuild_bound(bound: &[u8], fields: &[(u16, &[u8])]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bound.len() + 64);
    out.extend_from_slice(bound.get(..PREFIX_LEN - 4).ok_or_else(|| Error::Malformed("header prefix".into()))?);
    out.extend_from_slice(&[0; 4]);
    for (t, v) in fields {
        put_field(&mut out, *t, v)?;
    }
    let flen = u32::try_from(out.len() - PREFIX_LEN).map_err(|_| Error::LimitExceeded {
        what: "header length",
        value: out.len() as u64,
        max: MAX_HEADER_LEN as u64,
    })?;
    out[PREFIX_LEN - 4..PREFIX_LEN].copy_from_slice(&flen.to_be_bytes());
    Ok(out)
}

/// The bound context without its `grants` field: the context as sealed.
fn strip_grants(bound: &[u8]) -> Result<Vec<u8>> {
    let fields: Vec<(u16, &[u8])> = fields_of(bound).into_iter().filter(|(t, _)| *t != tag::GRANTS).collect();
    rebuild_bound(bound, &fields)
}

/// The sealed context `sealed` with a `grants` field holding `grants` (none: `sealed` itself), in tag order.
fn bound_with_grants(sealed: &[u8], grants: &[Vec<u8>]) -> Result<Vec<u8>> {
    if grants.is_empty() {
        return Ok(sealed.to_vec());
    }
    let value = encode_grants(grants)?;
    let mut fields = fields_of(sealed);
    let at = fields.iter().position(|(t, _)| *t > tag::GRANTS).unwrap_or(fields.len());
    fields.insert(at, (tag::GRANTS, &value));
    rebuild_bound(sealed, &fields)
}

fn parse_jurisdiction(v: &[u8]) -> Result<Jurisdiction> {
    let bad = || Error::Malformed("invalid jurisdiction".into());
    let s = core::str::from_utf8(v).map_err(|_| bad())?;
    if v.len() != 2 {
        return Err(bad());
    }
    Jurisdiction::parse(s).map_err(|_| bad())
}

/// Rebuild a header from its parts with new stanzas (re-wrap) and the given grants (the header's own plus any
/// added): sealed context unchanged, grants field rewritten, MAC recomputed.
pub(crate) fn with_stanzas(
    header: &Header,
    stanzas: &[Stanza],
    grants: &[Vec<u8>],
    keys: &KeySchedule,
) -> Result<Vec<u8>> {
    if grants.is_empty() && header.grants.is_empty() {
        return assemble(header.bound_context().to_vec(), stanzas, keys);
    }
    let mut all: Vec<Vec<u8>> = header.grants.clone();
    all.extend(grants.iter().cloned());
    assemble(bound_with_grants(header.sealed_context(), &all)?, stanzas, keys)
}
