//! Disclosure receipts: the bytes of a signed statement by the recipient's custodian of what it did with one envelope
//! (received, opened for which purpose, exception used, shared onward, re-wrapped, destroyed, refused).
//!
//! This module knows bytes and signatures, not policy and not the audit log: the facade
//! (`Custodian::issue_receipt`) decides what goes into a receipt, and `Custodian::import_receipt` decides whether
//! one applies. `docs/FORMAT.md` section 11 specifies every byte. Parsing is strict: exact lengths, canonical order,
//! known kinds and fields only, every declared length checked against its limit before anything is read, and the
//! signature (Ed25519 `verify_strict`, domain-separated) checked before a [`Receipt`] exists.

use std::collections::BTreeMap;

use super::armor::{armor_labeled, dearmor_labeled};
use crate::error::{Error, Result};
use crate::keys::text;
use crate::keys::{SigningKey, VerifyingKey};
use crate::vocabulary::time::Timestamp;
use crate::vocabulary::{CaseRef, KeyId, KeyKind};

/// First line of a receipt's armored form.
pub const RECEIPT_ARMOR_BEGIN: &str = "-----BEGIN CUSTODIA RECEIPT-----";
/// Last line of a receipt's armored form.
pub const RECEIPT_ARMOR_END: &str = "-----END CUSTODIA RECEIPT-----";
/// Largest receipt, in bytes of its binary form (signature included).
pub const MAX_RECEIPT_LEN: usize = 65_536;
/// Most items in one receipt.
pub const MAX_RECEIPT_ITEMS: usize = 512;
/// Most fields on one item.
pub const MAX_RECEIPT_ITEM_FIELDS: usize = 16;
/// Longest field value, in bytes.
pub const MAX_RECEIPT_FIELD_LEN: usize = 1024;

const MAGIC: &[u8; 8] = b"CUSTRCPT";
const VERSION: u16 = 1;
const DOMAIN: &[u8] = b"custodia/receipt/v1";
const OBJECT_ID_LEN: usize = 16;
const SIG_LEN: usize = 64;
/// Longest armored text accepted: base64 of the largest receipt, its line ends, and the two armor lines.
const MAX_ARMORED_LEN: usize = (MAX_RECEIPT_LEN / 3 + 1) * 4 * 65 / 64 + 256;

/// What a receipt item says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ReceiptItemKind {
    /// The envelope arrived and was checked (`Custodian::receive`).
    Received,
    /// It was opened for a purpose it was given for.
    Opened,
    /// It was opened under an exception ground.
    ExceptionUsed,
    /// It was shared onward with another authority.
    Shared,
    /// It was re-wrapped for other keys of the recipient (e.g. a purpose extension by grant).
    Rewrapped,
    /// The key that protected it here was destroyed.
    Destroyed,
    /// An act on it was refused by the recipient's policy gate.
    Refused,
}

impl ReceiptItemKind {
    /// Every kind, in code order.
    pub const ALL: [Self; 7] = [
        Self::Received,
        Self::Opened,
        Self::ExceptionUsed,
        Self::Shared,
        Self::Rewrapped,
        Self::Destroyed,
        Self::Refused,
    ];

    /// Stable code, as in the binary form and across the C ABI.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Received => 1,
            Self::Opened => 2,
            Self::ExceptionUsed => 3,
            Self::Shared => 4,
            Self::Rewrapped => 5,
            Self::Destroyed => 6,
            Self::Refused => 7,
        }
    }

    /// Stable snake_case name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Opened => "opened",
            Self::ExceptionUsed => "exception_used",
            Self::Shared => "shared",
            Self::Rewrapped => "rewrapped",
            Self::Destroyed => "destroyed",
            Self::Refused => "refused",
        }
    }

    /// The kind with this code.
    ///
    /// # Errors
    /// [`Error::UnknownCode`].
    pub fn from_code(code: u8) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or(Error::UnknownCode { what: "receipt item kind", code: u32::from(code) })
    }
}

impl core::fmt::Display for ReceiptItemKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// A named field of a receipt item. Values are short printable texts (never personal data other than an actor id,
/// which is present only when the issuer chose to name actors).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ReceiptField {
    /// The purpose stated for the act (`investigation`).
    Purpose,
    /// The acting person's role (`prosecutor`).
    Role,
    /// The acting person's id; only when the issuer names actors.
    Actor,
    /// The jurisdiction the actor acts in.
    Jurisdiction,
    /// The exception ground (`court_order`).
    ExceptionKind,
    /// The exception's reference (order number, provision).
    ExceptionReference,
    /// The originator's grant that allowed the act (its id or object).
    Grant,
    /// The grant's reference (the request letter).
    GrantReference,
    /// Key ids added (shared or re-wrapped to), space separated.
    Recipients,
    /// The key id concerned (the recipient key it arrived for; the key destroyed).
    Key,
    /// The erasure certificate of a destroyed key: `<log id hex>:<seq>`.
    ErasureCertificate,
    /// SHA-256 (hex) of the erasure certificate's JSON form.
    ErasureCertificateSha256,
    /// The refusal's kind (`purpose_not_permitted`).
    Refusal,
    /// The act refused or done (`open`, `share`, `rewrap`).
    Operation,
}

impl ReceiptField {
    /// Every field, in tag order.
    pub const ALL: [Self; 14] = [
        Self::Purpose,
        Self::Role,
        Self::Actor,
        Self::Jurisdiction,
        Self::ExceptionKind,
        Self::ExceptionReference,
        Self::Grant,
        Self::GrantReference,
        Self::Recipients,
        Self::Key,
        Self::ErasureCertificate,
        Self::ErasureCertificateSha256,
        Self::Refusal,
        Self::Operation,
    ];

    /// Stable tag, as in the binary form and across the C ABI.
    #[must_use]
    pub const fn tag(self) -> u8 {
        match self {
            Self::Purpose => 1,
            Self::Role => 2,
            Self::Actor => 3,
            Self::Jurisdiction => 4,
            Self::ExceptionKind => 5,
            Self::ExceptionReference => 6,
            Self::Grant => 7,
            Self::GrantReference => 8,
            Self::Recipients => 9,
            Self::Key => 10,
            Self::ErasureCertificate => 11,
            Self::ErasureCertificateSha256 => 12,
            Self::Refusal => 13,
            Self::Operation => 14,
        }
    }

    /// Stable snake_case name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Purpose => "purpose",
            Self::Role => "role",
            Self::Actor => "actor",
            Self::Jurisdiction => "jurisdiction",
            Self::ExceptionKind => "exception_kind",
            Self::ExceptionReference => "exception_reference",
            Self::Grant => "grant",
            Self::GrantReference => "grant_reference",
            Self::Recipients => "recipients",
            Self::Key => "key",
            Self::ErasureCertificate => "erasure_certificate",
            Self::ErasureCertificateSha256 => "erasure_certificate_sha256",
            Self::Refusal => "refusal",
            Self::Operation => "operation",
        }
    }

    /// The field with this tag.
    ///
    /// # Errors
    /// [`Error::UnknownCode`].
    pub fn from_tag(tag: u8) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.tag() == tag)
            .ok_or(Error::UnknownCode { what: "receipt field", code: u32::from(tag) })
    }
}

/// One thing a receipt says happened to the envelope, when, and its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptItem {
    kind: ReceiptItemKind,
    at: Timestamp,
    fields: BTreeMap<ReceiptField, String>,
}

impl ReceiptItem {
    /// An item of `kind` at `at`, with no fields yet.
    #[must_use]
    pub fn new(kind: ReceiptItemKind, at: Timestamp) -> Self {
        Self { kind, at, fields: BTreeMap::new() }
    }

    /// Set a field (checked when the receipt is signed).
    #[must_use]
    pub fn with(mut self, field: ReceiptField, value: &str) -> Self {
        self.fields.insert(field, value.to_owned());
        self
    }

    pub(crate) fn insert(&mut self, field: ReceiptField, value: &str) {
        self.fields.insert(field, value.to_owned());
    }

    /// Whether `value` may be a field's value (1 to 1024 bytes of printable text), as signing requires.
    pub(crate) fn is_valid_value(value: &str) -> bool {
        check_value(value).is_ok()
    }

    /// What happened.
    #[must_use]
    pub fn kind(&self) -> ReceiptItemKind {
        self.kind
    }

    /// When.
    #[must_use]
    pub fn at(&self) -> Timestamp {
        self.at
    }

    /// A field's value, if present.
    #[must_use]
    pub fn get(&self, field: ReceiptField) -> Option<&str> {
        self.fields.get(&field).map(String::as_str)
    }

    /// The fields present, in tag order.
    pub fn fields(&self) -> impl Iterator<Item = (ReceiptField, &str)> {
        self.fields.iter().map(|(f, v)| (*f, v.as_str()))
    }
}

/// A signed disclosure receipt for one envelope, verifiable with the issuer's Ed25519 public key alone.
///
/// Every `Receipt` value has a verified signature by the key it names ([`Receipt::issuer`]): parsing checks it.
/// Whether that key is the recipient authority's is the reader's question: [`Receipt::verify`] answers it for a key
/// given, `Custodian::import_receipt` for the keys imported into a keyring.
#[derive(Clone, PartialEq, Eq)]
pub struct Receipt {
    object_id: [u8; OBJECT_ID_LEN],
    case_ref: Option<CaseRef>,
    issuer: [u8; 32],
    issued_at: Timestamp,
    items: Vec<ReceiptItem>,
    /// The canonical binary form, signature included.
    bytes: Vec<u8>,
}

impl core::fmt::Debug for Receipt {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Receipt")
            .field("object_id", &self.object_id())
            .field("case_ref", &self.case_ref)
            .field("issuer", &self.issuer())
            .field("issued_at", &self.issued_at)
            .field("items", &self.items.len())
            .finish()
    }
}

impl Receipt {
    /// Sign a receipt: the low-level constructor (`Custodian::issue_receipt` builds the items from its audit log).
    /// Items are put in time order (stable).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an item dated after `issued_at`, no items, or a field value that is empty,
    /// longer than [`MAX_RECEIPT_FIELD_LEN`] or not printable; [`Error::LimitExceeded`] for more than
    /// [`MAX_RECEIPT_ITEMS`] items or a receipt larger than [`MAX_RECEIPT_LEN`].
    pub fn sign(
        object_id: [u8; 16],
        case_ref: Option<CaseRef>,
        issued_at: Timestamp,
        mut items: Vec<ReceiptItem>,
        key: &SigningKey,
    ) -> Result<Self> {
        items.sort_by_key(ReceiptItem::at);
        if items.is_empty() {
            return Err(Error::InvalidArgument("a receipt has at least one item".into()));
        }
        if items.len() > MAX_RECEIPT_ITEMS {
            return Err(Error::LimitExceeded {
                what: "receipt items",
                value: items.len() as u64,
                max: MAX_RECEIPT_ITEMS as u64,
            });
        }
        for item in &items {
            if item.at > issued_at {
                return Err(Error::InvalidArgument("a receipt item is dated after the receipt".into()));
            }
            if item.fields.len() > MAX_RECEIPT_ITEM_FIELDS {
                return Err(Error::InvalidArgument("too many fields on a receipt item".into()));
            }
            for (field, value) in &item.fields {
                check_value(value)
                    .map_err(|m| Error::InvalidArgument(format!("receipt field {}: {m}", field.name())))?;
            }
        }
        let issuer = key.verifying_key().to_bytes();
        let mut body = encode_body(&object_id, case_ref.as_ref(), &issuer, issued_at, &items);
        if body.len() + SIG_LEN > MAX_RECEIPT_LEN {
            return Err(Error::LimitExceeded {
                what: "receipt length",
                value: (body.len() + SIG_LEN) as u64,
                max: MAX_RECEIPT_LEN as u64,
            });
        }
        let sig = key.sign(&signed_message(&body))?;
        body.extend_from_slice(&sig);
        Ok(Self { object_id, case_ref, issuer, issued_at, items, bytes: body })
    }

    /// Parse a receipt from its binary form and check its signature with the key it names.
    ///
    /// # Errors
    /// [`Error::ReceiptInvalid`] for anything but a canonical, correctly signed receipt (the message says which rule
    /// failed; for the signature, only that it does not verify).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        decode(bytes).map_err(Error::ReceiptInvalid)
    }

    /// Parse the armored form (`-----BEGIN CUSTODIA RECEIPT-----`) and check its signature, as
    /// [`Receipt::from_bytes`].
    ///
    /// # Errors
    /// [`Error::ReceiptInvalid`], also for text longer than the largest receipt's armor or malformed armor.
    pub fn from_armored(text: &str) -> Result<Self> {
        if text.len() > MAX_ARMORED_LEN {
            return Err(Error::ReceiptInvalid(format!(
                "armored receipt longer than {MAX_ARMORED_LEN} bytes (receipts are at most {MAX_RECEIPT_LEN} bytes)"
            )));
        }
        let bytes = dearmor_labeled(RECEIPT_ARMOR_BEGIN, RECEIPT_ARMOR_END, text.as_bytes()).map_err(|e| match e {
            Error::Armor(m) => Error::ReceiptInvalid(format!("armor: {m}")),
            other => Error::ReceiptInvalid(other.to_string()),
        })?;
        Self::from_bytes(&bytes)
    }

    /// The canonical binary form, signature included.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// The armored text form, to send back to the originating authority.
    #[must_use]
    pub fn to_armored(&self) -> String {
        armor_labeled(RECEIPT_ARMOR_BEGIN, RECEIPT_ARMOR_END, &self.bytes)
    }

    /// Check that this receipt was signed by `public_key` (the recipient authority's Ed25519 public key in text form,
    /// `custodia-ed25519-public:…`, as its `Custodian::export_public` gives it), with nothing else.
    ///
    /// # Errors
    /// [`Error::InvalidKeyText`] for a mistyped key or one that is not Ed25519; [`Error::ReceiptIssuerUnknown`]
    /// when the receipt was signed by another key; [`Error::ReceiptInvalid`] when the signature does not verify.
    pub fn verify(&self, public_key: &str) -> Result<()> {
        let (kind, public) = text::decode_public(public_key)?;
        if kind != KeyKind::Ed25519 {
            return Err(Error::InvalidKeyText(format!("a receipt is verified with an Ed25519 key, not {kind}")));
        }
        if public.as_slice() != self.issuer.as_slice() {
            return Err(Error::ReceiptIssuerUnknown(format!(
                "the receipt is signed by key {}, not by the key given",
                self.issuer()
            )));
        }
        self.check_signature()
    }

    /// The object id of the envelope it is about, lowercase hex.
    #[must_use]
    pub fn object_id(&self) -> String {
        crate::audit::entry::to_hex(&self.object_id)
    }

    /// The case reference it names, if any.
    #[must_use]
    pub fn case_ref(&self) -> Option<&CaseRef> {
        self.case_ref.as_ref()
    }

    /// The key id of the issuer's signing key.
    #[must_use]
    pub fn issuer(&self) -> KeyId {
        KeyId::derive(KeyKind::Ed25519, &self.issuer)
    }

    /// The issuer's public key in text form (`custodia-ed25519-public:…`).
    #[must_use]
    pub fn issuer_public_key(&self) -> String {
        text::encode_public(KeyKind::Ed25519, &self.issuer)
    }

    /// The issuer's raw 32-byte Ed25519 public key.
    #[must_use]
    pub fn issuer_bytes(&self) -> [u8; 32] {
        self.issuer
    }

    /// When it was issued.
    #[must_use]
    pub fn issued_at(&self) -> Timestamp {
        self.issued_at
    }

    /// The items, in time order.
    #[must_use]
    pub fn items(&self) -> &[ReceiptItem] {
        &self.items
    }

    fn check_signature(&self) -> Result<()> {
        let split = self.bytes.len() - SIG_LEN;
        let (body, sig) = self.bytes.split_at(split);
        let sig: [u8; SIG_LEN] = sig.try_into().map_err(|_| Error::ReceiptInvalid("signature length".into()))?;
        VerifyingKey::from_bytes(self.issuer)
            .map_err(|_| Error::ReceiptInvalid("issuer is not a valid Ed25519 public key".into()))?
            .verify(&signed_message(body), &sig)
            .map_err(|_| Error::ReceiptInvalid("the receipt's signature does not verify".into()))
    }
}

/// `"custodia/receipt/v1" || 0x00 || body`.
fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + 1 + body.len());
    m.extend_from_slice(DOMAIN);
    m.push(0);
    m.extend_from_slice(body);
    m
}

fn check_value(v: &str) -> core::result::Result<(), &'static str> {
    if v.is_empty() || v.len() > MAX_RECEIPT_FIELD_LEN {
        return Err("must be 1 to 1024 bytes");
    }
    if !crate::vocabulary::is_printable_text(v) {
        return Err("must be printable text");
    }
    Ok(())
}

fn encode_body(
    object_id: &[u8; OBJECT_ID_LEN],
    case_ref: Option<&CaseRef>,
    issuer: &[u8; 32],
    issued_at: Timestamp,
    items: &[ReceiptItem],
) -> Vec<u8> {
    let mut b = Vec::with_capacity(256);
    b.extend_from_slice(MAGIC);
    b.extend_from_slice(&VERSION.to_be_bytes());
    b.extend_from_slice(object_id);
    b.extend_from_slice(issuer);
    b.extend_from_slice(&issued_at.as_unix().to_be_bytes());
    let case = case_ref.map(CaseRef::as_str).unwrap_or_default();
    // A case ref is 1..=128 bytes by construction (`CaseRef::parse`), so its length fits the u8.
    b.push(u8::try_from(case.len()).unwrap_or(u8::MAX));
    b.extend_from_slice(case.as_bytes());
    // The caller checked items.len() <= MAX_RECEIPT_ITEMS, fields <= 16 and values <= 1024 bytes.
    b.extend_from_slice(&u16::try_from(items.len()).unwrap_or(u16::MAX).to_be_bytes());
    for item in items {
        b.push(item.kind.code());
        b.extend_from_slice(&item.at.as_unix().to_be_bytes());
        b.push(u8::try_from(item.fields.len()).unwrap_or(u8::MAX));
        for (field, value) in &item.fields {
            b.push(field.tag());
            b.extend_from_slice(&u16::try_from(value.len()).unwrap_or(u16::MAX).to_be_bytes());
            b.extend_from_slice(value.as_bytes());
        }
    }
    b
}

/// A cursor over untrusted bytes; every read is bounds-checked.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> core::result::Result<&'a [u8], String> {
        let end =
            self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| format!("truncated in {what}"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u8(&mut self, what: &str) -> core::result::Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> core::result::Result<u16, String> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u64(&mut self, what: &str) -> core::result::Result<u64, String> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }
}

fn decode(bytes: &[u8]) -> core::result::Result<Receipt, String> {
    if bytes.len() > MAX_RECEIPT_LEN {
        return Err(format!("{} bytes, at most {MAX_RECEIPT_LEN}", bytes.len()));
    }
    if bytes.len() < MAGIC.len() + 2 + SIG_LEN {
        return Err("truncated".into());
    }
    let body_len = bytes.len() - SIG_LEN;
    let mut c = Cursor { bytes: &bytes[..body_len], at: 0 };
    if c.take(8, "magic")? != MAGIC {
        return Err("not a custodia receipt (magic)".into());
    }
    let version = c.u16("version")?;
    if version != VERSION {
        return Err(format!("unsupported receipt version {version}"));
    }
    let mut object_id = [0u8; OBJECT_ID_LEN];
    object_id.copy_from_slice(c.take(OBJECT_ID_LEN, "object id")?);
    let mut issuer = [0u8; 32];
    issuer.copy_from_slice(c.take(32, "issuer")?);
    let issued_at = Timestamp::from_unix(c.u64("issued_at")?);
    let case_len = usize::from(c.u8("case_ref length")?);
    let case_ref = if case_len == 0 {
        None
    } else {
        let raw = c.take(case_len, "case_ref")?;
        let s = core::str::from_utf8(raw).map_err(|_| "case_ref is not UTF-8".to_owned())?;
        Some(CaseRef::parse(s).map_err(|e| format!("case_ref: {e}"))?)
    };
    let count = usize::from(c.u16("item count")?);
    if count == 0 {
        return Err("no items".into());
    }
    if count > MAX_RECEIPT_ITEMS {
        return Err(format!("{count} items, at most {MAX_RECEIPT_ITEMS}"));
    }
    let mut items = Vec::with_capacity(count);
    let mut last = Timestamp::from_unix(0);
    for i in 0..count {
        let kind = ReceiptItemKind::from_code(c.u8("item kind")?).map_err(|e| format!("item {i}: {e}"))?;
        let at = Timestamp::from_unix(c.u64("item time")?);
        if at < last {
            return Err(format!("item {i}: items are not in time order"));
        }
        if at > issued_at {
            return Err(format!("item {i}: dated after the receipt"));
        }
        last = at;
        let n = usize::from(c.u8("field count")?);
        if n > MAX_RECEIPT_ITEM_FIELDS {
            return Err(format!("item {i}: {n} fields, at most {MAX_RECEIPT_ITEM_FIELDS}"));
        }
        let mut fields = BTreeMap::new();
        let mut prev: Option<u8> = None;
        for _ in 0..n {
            let tag = c.u8("field tag")?;
            if prev.is_some_and(|p| tag <= p) {
                return Err(format!("item {i}: fields not in strictly ascending tag order"));
            }
            prev = Some(tag);
            let field = ReceiptField::from_tag(tag).map_err(|e| format!("item {i}: {e}"))?;
            let len = usize::from(c.u16("field length")?);
            if len == 0 || len > MAX_RECEIPT_FIELD_LEN {
                return Err(format!("item {i}: field {} is {len} bytes, 1 to {MAX_RECEIPT_FIELD_LEN}", field.name()));
            }
            let raw = c.take(len, "field value")?;
            let value =
                core::str::from_utf8(raw).map_err(|_| format!("item {i}: field {} is not UTF-8", field.name()))?;
            check_value(value).map_err(|m| format!("item {i}: field {} {m}", field.name()))?;
            fields.insert(field, value.to_owned());
        }
        items.push(ReceiptItem { kind, at, fields });
    }
    if c.at != body_len {
        return Err("trailing bytes before the signature".into());
    }
    let receipt = Receipt { object_id, case_ref, issuer, issued_at, items, bytes: bytes.to_vec() };
    receipt.check_signature().map_err(|e| match e {
        Error::ReceiptInvalid(m) => m,
        other => other.to_string(),
    })?;
    Ok(receipt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes([seed; 32])
    }

    fn sample(k: &SigningKey) -> Receipt {
        let items = vec![
            ReceiptItem::new(ReceiptItemKind::Received, Timestamp::from_unix(100)).with(ReceiptField::Role, "clerk"),
            ReceiptItem::new(ReceiptItemKind::Opened, Timestamp::from_unix(200))
                .with(ReceiptField::Purpose, "investigation")
                .with(ReceiptField::Role, "prosecutor"),
        ];
        Receipt::sign([9; 16], Some(CaseRef::parse("MLA-1").unwrap()), Timestamp::from_unix(300), items, k).unwrap()
    }

    #[test]
    fn round_trip_binary_and_armored() {
        let k = key(1);
        let r = sample(&k);
        assert_eq!(Receipt::from_bytes(&r.to_bytes()).unwrap(), r);
        assert_eq!(Receipt::from_armored(&r.to_armored()).unwrap(), r);
        assert!(r.to_armored().starts_with("-----BEGIN CUSTODIA RECEIPT-----\n"));
        r.verify(&r.issuer_public_key()).unwrap();
        let other = text::encode_public(KeyKind::Ed25519, &key(2).verifying_key().to_bytes());
        assert!(matches!(r.verify(&other), Err(Error::ReceiptIssuerUnknown(_))));
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let r = sample(&key(1));
        let b = r.to_bytes();
        for i in 0..b.len() {
            for bit in [0x01u8, 0x80] {
                let mut m = b.clone();
                m[i] ^= bit;
                assert!(matches!(Receipt::from_bytes(&m), Err(Error::ReceiptInvalid(_))), "byte {i} bit {bit:#x}");
            }
        }
        for n in 0..b.len() {
            assert!(matches!(Receipt::from_bytes(&b[..n]), Err(Error::ReceiptInvalid(_))), "truncated to {n}");
        }
    }

    use proptest::prelude::*;

    fn item() -> impl Strategy<Value = ReceiptItem> {
        (0usize..7, 0u64..1000, proptest::collection::btree_map(0usize..14, "[ -~]{1,40}", 0..5)).prop_map(
            |(k, at, fields)| {
                let mut i = ReceiptItem::new(ReceiptItemKind::ALL[k], Timestamp::from_unix(at));
                for (f, v) in fields {
                    i.insert(ReceiptField::ALL[f], &v);
                }
                i
            },
        )
    }

    proptest! {
        #[test]
        fn any_receipt_round_trips(items in proptest::collection::vec(item(), 1..20), oid in any::<[u8; 16]>()) {
            let k = key(5);
            let r = Receipt::sign(oid, None, Timestamp::from_unix(1000), items, &k).unwrap();
            prop_assert_eq!(&Receipt::from_armored(&r.to_armored()).unwrap(), &r);
            prop_assert!(r.items().windows(2).all(|w| w[0].at() <= w[1].at()));
            r.verify(&r.issuer_public_key()).unwrap();
        }

        #[test]
        fn arbitrary_bytes_are_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut with_magic = b"CUSTRCPT\x00\x01".to_vec();
            with_magic.extend_from_slice(&bytes);
            for b in [bytes.as_slice(), with_magic.as_slice()] {
                prop_assert!(matches!(Receipt::from_bytes(b), Err(Error::ReceiptInvalid(_))));
            }
        }
    }
}
