//! An originator's grant: a small Ed25519-signed object by which the authority that sealed an envelope (its signer)
//! allows a recipient to pass it on to one more authority's key (onward transfer) or to use it for more purposes
//! (purpose extension). `docs/FORMAT.md` ("Grants") specifies every byte; `tests/vectors/grant_*.json` are its
//! vectors.
//!
//! Parsing is strict (exact lengths, canonical encodings, nothing after the signature) and fails with
//! [`Error::GrantInvalid`]; a well-formed grant whose signature does not verify, or that was signed by another key,
//! for another envelope, or has expired, parses fine and is refused where it is used, with the typed refusal
//! ([`Error::OnwardTransferNotGranted`], [`Error::PurposeExtensionNotGranted`]) saying which.

use core::fmt;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::format::{OBJECT_ID_LEN, armor_labeled, dearmor_labeled};
use crate::keys::{ED25519_PUBLIC_LEN, SigningKey, VerifyingKey};
use crate::vocabulary::purpose::{MAX_PURPOSE_LEN, MAX_PURPOSES, Purpose, PurposeSet};
use crate::vocabulary::time::Timestamp;
use crate::vocabulary::{GRANT_ID_LEN, GrantId, Jurisdiction, KEY_ID_LEN, KeyId, is_printable_text};

/// The first 8 bytes of every binary grant.
pub const GRANT_MAGIC: &[u8; 8] = b"CUSTGRNT";
/// The grant encoding version this library writes and reads.
pub const GRANT_VERSION: u16 = 1;
/// First line of a grant's armored text form.
pub const GRANT_ARMOR_BEGIN: &str = "-----BEGIN CUSTODIA GRANT-----";
/// Last line of a grant's armored text form.
pub const GRANT_ARMOR_END: &str = "-----END CUSTODIA GRANT-----";
/// Longest reference (the request letter), in bytes.
pub const MAX_GRANT_REFERENCE_LEN: usize = 1024;
/// Longest authority name in an onward-transfer grant, in bytes: the keyring's limit for the name an authority's
/// key is imported with.
use crate::keys::MAX_AUTHORITY_LEN;

const SIGNATURE_LEN: usize = 64;
/// Domain separation of the signature: `Ed25519(key, SIGNATURE_LABEL || signed part)`.
const SIGNATURE_LABEL: &[u8] = b"custodia/v1/grant\x00";
/// Domain separation of the id: `SHA-256(ID_LABEL || signed part)[..16]`.
const ID_LABEL: &[u8] = b"custodia/v1/grant-id\x00";
const SCOPE_ONWARD: u8 = 1;
const SCOPE_PURPOSES: u8 = 2;

/// What a grant allows.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GrantScope {
    /// Adding this exact key of another authority to the envelope (onward transfer).
    OnwardTransfer {
        /// The recipient authority's name, as text (e.g. "Parquet national financier").
        authority: String,
        /// Where it acts; must match the jurisdiction its key was imported with.
        jurisdiction: Jurisdiction,
        /// The recipient key: a grant names the exact key.
        key_id: KeyId,
    },
    /// Using the envelope for these purposes too (each also permits the purposes under it).
    PurposeExtension(PurposeSet),
}

impl GrantScope {
    /// An onward transfer to `key_id` of `authority` in `jurisdiction`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an authority name that is empty, longer than [`MAX_AUTHORITY_LEN`] bytes,
    /// has spaces at its ends or characters that are not printable on one line.
    pub fn onward_transfer(authority: &str, jurisdiction: Jurisdiction, key_id: KeyId) -> Result<Self> {
        check_text(authority, MAX_AUTHORITY_LEN, "authority").map_err(Error::InvalidArgument)?;
        Ok(Self::OnwardTransfer { authority: authority.to_owned(), jurisdiction, key_id })
    }

    /// A purpose extension to `purposes`.
    ///
    /// # Errors
    /// [`Error::NoPurpose`] for an empty set.
    pub fn purpose_extension(purposes: PurposeSet) -> Result<Self> {
        if purposes.is_empty() {
            return Err(Error::NoPurpose);
        }
        Ok(Self::PurposeExtension(purposes))
    }

    /// `onward_transfer` or `purpose_extension`: the name the audit log and the C API use.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::OnwardTransfer { .. } => "onward_transfer",
            Self::PurposeExtension(_) => "purpose_extension",
        }
    }
}

/// An originator's signed grant for one envelope. Not secret: it names an object id, keys and purposes only.
///
/// Build one with [`Grant::issue`] (or `Custodian::issue_grant`), move it as bytes ([`Grant::to_bytes`]) or text
/// ([`Grant::to_armored`]), and read it back with [`Grant::parse`]. Parsing does not verify the signature: where a
/// grant is used, the custodian checks it against the envelope (its object id, its signer, the time) and verifies
/// the signature ([`Grant::verify_signature`]) before any key is touched.
#[derive(Clone, PartialEq, Eq)]
pub struct Grant {
    /// The signed part, exactly as encoded.
    signed: Vec<u8>,
    signature: [u8; SIGNATURE_LEN],
    object_id: [u8; OBJECT_ID_LEN],
    grantor: VerifyingKey,
    issued_at: Timestamp,
    not_after: Timestamp,
    reference: String,
    scope: GrantScope,
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant")
            .field("id", &self.id())
            .field("object_id", &hex(&self.object_id))
            .field("grantor", &self.grantor.id())
            .field("scope", &self.scope)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl Grant {
    /// Sign a grant for the envelope `object_id` with `signer` (which must be the key that signed the envelope, or
    /// the grant will be refused where it is used).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a reference that is empty, longer than [`MAX_GRANT_REFERENCE_LEN`] bytes or
    /// not printable on one line, or `not_after` before `issued_at`; [`Error::NoPurpose`] for an empty extension.
    pub fn issue(
        signer: &SigningKey,
        object_id: &[u8; OBJECT_ID_LEN],
        scope: GrantScope,
        issued_at: Timestamp,
        not_after: Timestamp,
        reference: &str,
    ) -> Result<Self> {
        check_text(reference, MAX_GRANT_REFERENCE_LEN, "grant reference").map_err(Error::InvalidArgument)?;
        if not_after < issued_at {
            return Err(Error::InvalidArgument("a grant's not_after is before its issued_at".into()));
        }
        match &scope {
            GrantScope::OnwardTransfer { authority, .. } => {
                check_text(authority, MAX_AUTHORITY_LEN, "authority").map_err(Error::InvalidArgument)?;
            }
            GrantScope::PurposeExtension(p) if p.is_empty() => return Err(Error::NoPurpose),
            GrantScope::PurposeExtension(_) => {}
        }
        let grantor = signer.verifying_key();
        let signed = encode_signed(object_id, &grantor, issued_at, not_after, reference, &scope)?;
        let signature = signer.sign(&signed_message(&signed))?;
        Ok(Self {
            signed,
            signature,
            object_id: *object_id,
            grantor,
            issued_at,
            not_after,
            reference: reference.to_owned(),
            scope,
        })
    }

    /// Parse a grant from its binary or armored form. The signature is not verified here.
    ///
    /// # Errors
    /// [`Error::GrantInvalid`] naming the rule broken.
    pub fn parse(input: &[u8]) -> Result<Self> {
        if input.trim_ascii_start().starts_with(GRANT_ARMOR_BEGIN.as_bytes()) {
            let bin = dearmor_labeled(GRANT_ARMOR_BEGIN, GRANT_ARMOR_END, input).map_err(|e| match e {
                Error::Armor(m) => Error::GrantInvalid(format!("armor: {m}")),
                other => other,
            })?;
            Self::from_bytes(&bin)
        } else {
            Self::from_bytes(input)
        }
    }

    /// Parse a grant from its binary form. The signature is not verified here.
    ///
    /// # Errors
    /// [`Error::GrantInvalid`] naming the rule broken.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > crate::format::MAX_GRANT_LEN {
            return Err(Error::GrantInvalid(format!("longer than {} bytes", crate::format::MAX_GRANT_LEN)));
        }
        let body_len = bytes.len().checked_sub(SIGNATURE_LEN).ok_or_else(|| bad("shorter than a signature"))?;
        let (signed, sig) = bytes.split_at(body_len);
        let mut c = Cur(signed);
        if c.take(GRANT_MAGIC.len())? != GRANT_MAGIC {
            return Err(bad("not a custodia grant (bad magic)"));
        }
        let version = c.u16()?;
        if version != GRANT_VERSION {
            return Err(Error::GrantInvalid(format!("unsupported grant version {version}")));
        }
        let object_id: [u8; OBJECT_ID_LEN] = c.array()?;
        let grantor = VerifyingKey::from_bytes(c.array::<ED25519_PUBLIC_LEN>()?)
            .map_err(|_| bad("grantor is not an Ed25519 public key"))?;
        let issued_at = Timestamp::from_unix(c.u64()?);
        let not_after = Timestamp::from_unix(c.u64()?);
        if not_after < issued_at {
            return Err(bad("not_after is before issued_at"));
        }
        let reference = c.text(MAX_GRANT_REFERENCE_LEN, "reference")?;
        let scope = match c.u8()? {
            SCOPE_ONWARD => {
                let authority = c.text(MAX_AUTHORITY_LEN, "authority")?;
                let j = c.take(2)?;
                let jurisdiction = core::str::from_utf8(j)
                    .ok()
                    .and_then(|s| Jurisdiction::parse(s).ok())
                    .ok_or_else(|| bad("invalid jurisdiction"))?;
                let key_id = KeyId::from_bytes(c.array::<KEY_ID_LEN>()?);
                GrantScope::OnwardTransfer { authority, jurisdiction, key_id }
            }
            SCOPE_PURPOSES => {
                let n = usize::from(c.u8()?);
                if n == 0 || n > MAX_PURPOSES {
                    return Err(Error::GrantInvalid(format!("purpose count must be 1 to {MAX_PURPOSES}")));
                }
                let mut list: Vec<Purpose> = Vec::with_capacity(n);
                for _ in 0..n {
                    let l = usize::from(c.u8()?);
                    if l > MAX_PURPOSE_LEN {
                        return Err(bad("purpose too long"));
                    }
                    let s = core::str::from_utf8(c.take(l)?).map_err(|_| bad("purpose is not UTF-8"))?;
                    let p = Purpose::parse(s).map_err(|_| bad("invalid purpose"))?;
                    if list.last().is_some_and(|q| *q >= p) {
                        return Err(bad("purposes not in canonical order"));
                    }
                    list.push(p);
                }
                GrantScope::PurposeExtension(PurposeSet::from_purposes(list)?)
            }
            k => return Err(Error::GrantInvalid(format!("unknown scope kind {k}"))),
        };
        if !c.0.is_empty() {
            return Err(bad("trailing bytes before the signature"));
        }
        let signature: [u8; SIGNATURE_LEN] = sig.try_into().map_err(|_| bad("signature length"))?;
        Ok(Self { signed: signed.to_vec(), signature, object_id, grantor, issued_at, not_after, reference, scope })
    }

    /// The binary form.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.signed.len() + SIGNATURE_LEN);
        out.extend_from_slice(&self.signed);
        out.extend_from_slice(&self.signature);
        out
    }

    /// The armored text form (`-----BEGIN CUSTODIA GRANT-----`, base64 in lines of 64, `-----END ...`).
    #[must_use]
    pub fn to_armored(&self) -> String {
        armor_labeled(GRANT_ARMOR_BEGIN, GRANT_ARMOR_END, &self.to_bytes())
    }

    /// The grant's id: a fingerprint of its signed part.
    #[must_use]
    pub fn id(&self) -> GrantId {
        let mut h = Sha256::new();
        h.update(ID_LABEL);
        h.update(&self.signed);
        let d = h.finalize();
        let mut id = [0u8; GRANT_ID_LEN];
        id.copy_from_slice(&d[..GRANT_ID_LEN]);
        GrantId::from_bytes(id)
    }

    /// The envelope the grant is for.
    #[must_use]
    pub fn object_id(&self) -> &[u8; OBJECT_ID_LEN] {
        &self.object_id
    }

    /// The grantor's Ed25519 key (the envelope's signer, if the grant is genuine).
    #[must_use]
    pub fn grantor(&self) -> &VerifyingKey {
        &self.grantor
    }

    /// When it was issued (by the grantor's clock; not checked against the reader's).
    #[must_use]
    pub fn issued_at(&self) -> Timestamp {
        self.issued_at
    }

    /// After this time the grant allows nothing more, including on every later open (see `docs/FORMAT.md`).
    #[must_use]
    pub fn not_after(&self) -> Timestamp {
        self.not_after
    }

    /// The reference (the request letter).
    #[must_use]
    pub fn reference(&self) -> &str {
        &self.reference
    }

    /// What it allows.
    #[must_use]
    pub fn scope(&self) -> &GrantScope {
        &self.scope
    }

    /// Verify the signature against the grantor's key (strict Ed25519: no malleable or small-order forgeries).
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`].
    pub fn verify_signature(&self) -> Result<()> {
        self.grantor.verify(&signed_message(&self.signed), &self.signature)
    }

    /// Why this grant does not hold for the envelope `object_id` signed by `signer` at `now`, or `None` when it
    /// does. The checks, in order: the envelope is signed, the grant is for it, by its signer, the signature
    /// verifies, and (when `now` is given) it has not expired. The text is what the refusal says.
    pub(crate) fn fault(
        &self,
        object_id: &[u8; OBJECT_ID_LEN],
        signer: Option<&VerifyingKey>,
        now: Option<Timestamp>,
    ) -> Option<String> {
        let id = self.id();
        let Some(signer) = signer else {
            return Some(format!(
                "grant {id}: the envelope is unsigned, so it has no originator whose grant could be checked"
            ));
        };
        if self.object_id != *object_id {
            return Some(format!(
                "grant {id} is for another envelope ({}), not {}",
                hex(&self.object_id),
                hex(object_id)
            ));
        }
        if self.grantor != *signer {
            return Some(format!(
                "grant {id} is signed by key {}, not by the envelope's signer {}",
                self.grantor.id(),
                signer.id()
            ));
        }
        if self.verify_signature().is_err() {
            return Some(format!("grant {id}: the signature does not verify (forged or altered)"));
        }
        if let Some(now) = now
            && now > self.not_after
        {
            return Some(format!("grant {id} expired at {}, now is {now}", self.not_after));
        }
        None
    }

    /// The typed refusal for this grant with `reason`: [`Error::OnwardTransferNotGranted`] naming its key, or
    /// [`Error::PurposeExtensionNotGranted`].
    pub(crate) fn refusal(&self, reason: String) -> Error {
        match &self.scope {
            GrantScope::OnwardTransfer { key_id, .. } => Error::OnwardTransferNotGranted { key_id: *key_id, reason },
            GrantScope::PurposeExtension(_) => Error::PurposeExtensionNotGranted { reason },
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn bad(what: &str) -> Error {
    Error::GrantInvalid(what.to_owned())
}

fn check_text(s: &str, max: usize, what: &str) -> core::result::Result<(), String> {
    if s.is_empty() || s.len() > max || !is_printable_text(s) || s.trim() != s {
        return Err(format!("{what} must be 1 to {max} bytes, printable on one line, without spaces at its ends"));
    }
    Ok(())
}

fn signed_message(signed: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNATURE_LABEL.len() + signed.len());
    m.extend_from_slice(SIGNATURE_LABEL);
    m.extend_from_slice(signed);
    m
}

fn encode_signed(
    object_id: &[u8; OBJECT_ID_LEN],
    grantor: &VerifyingKey,
    issued_at: Timestamp,
    not_after: Timestamp,
    reference: &str,
    scope: &GrantScope,
) -> Result<Vec<u8>> {
    let mut v = Vec::with_capacity(160 + reference.len());
    v.extend_from_slice(GRANT_MAGIC);
    v.extend_from_slice(&GRANT_VERSION.to_be_bytes());
    v.extend_from_slice(object_id);
    v.extend_from_slice(&grantor.to_bytes());
    v.extend_from_slice(&issued_at.as_unix().to_be_bytes());
    v.extend_from_slice(&not_after.as_unix().to_be_bytes());
    put_text(&mut v, reference)?;
    match scope {
        GrantScope::OnwardTransfer { authority, jurisdiction, key_id } => {
            v.push(SCOPE_ONWARD);
            put_text(&mut v, authority)?;
            v.extend_from_slice(&jurisdiction.as_bytes());
            v.extend_from_slice(key_id.as_bytes());
        }
        GrantScope::PurposeExtension(purposes) => {
            v.push(SCOPE_PURPOSES);
            v.push(
                u8::try_from(purposes.len())
                    .map_err(|_| Error::TooManyPurposes { count: purposes.len(), max: MAX_PURPOSES })?,
            );
            for p in purposes {
                // A valid purpose is at most MAX_PURPOSE_LEN (128) bytes.
                v.push(u8::try_from(p.as_str().len()).map_err(|_| Error::Internal("purpose length".into()))?);
                v.extend_from_slice(p.as_str().as_bytes());
            }
        }
    }
    Ok(v)
}

fn put_text(v: &mut Vec<u8>, s: &str) -> Result<()> {
    let n = u16::try_from(s.len()).map_err(|_| Error::InvalidArgument("text too long".into()))?;
    v.extend_from_slice(&n.to_be_bytes());
    v.extend_from_slice(s.as_bytes());
    Ok(())
}

/// A cursor over a grant's bytes; running short is [`Error::GrantInvalid`].
struct Cur<'a>(&'a [u8]);

impl<'a> Cur<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(bad("truncated"));
        }
        let (h, t) = self.0.split_at(n);
        self.0 = t;
        Ok(h)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.take(N)?.try_into().map_err(|_| bad("truncated"))
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    fn text(&mut self, max: usize, what: &str) -> Result<String> {
        let n = usize::from(self.u16()?);
        if n > max {
            return Err(Error::GrantInvalid(format!("{what} longer than {max} bytes")));
        }
        let s = core::str::from_utf8(self.take(n)?).map_err(|_| Error::GrantInvalid(format!("{what} is not UTF-8")))?;
        check_text(s, max, what).map_err(Error::GrantInvalid)?;
        Ok(s.to_owned())
    }
}

/// Stored as its armored form ([`Grant::to_armored`]) (a string), so that any serde format keeps the exact signed bytes; deserializing parses it again
/// ([`Grant::parse`]); its signature is checked where it is used, as for a grant read from a file.
impl serde::Serialize for Grant {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_armored())
    }
}

impl<'de> serde::Deserialize<'de> for Grant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(text.as_bytes()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes([n; 32])
    }

    fn onward() -> GrantScope {
        GrantScope::onward_transfer(
            "Parquet national financier",
            Jurisdiction::parse("FR").expect("j"),
            KeyId::from_bytes([7; 16]),
        )
        .expect("scope")
    }

    fn grant() -> Grant {
        Grant::issue(&key(1), &[9; 16], onward(), Timestamp::from_unix(100), Timestamp::from_unix(200), "letter 42")
            .expect("grant")
    }

    #[test]
    fn round_trips_and_verifies() {
        let g = grant();
        assert_eq!(Grant::from_bytes(&g.to_bytes()).expect("parse"), g);
        assert_eq!(Grant::parse(g.to_armored().as_bytes()).expect("parse"), g);
        assert!(g.to_armored().starts_with("-----BEGIN CUSTODIA GRANT-----\n"));
        g.verify_signature().expect("verifies");
        assert_eq!(g.fault(&[9; 16], Some(&key(1).verifying_key()), Some(Timestamp::from_unix(200))), None);
        let ext = Grant::issue(
            &key(1),
            &[9; 16],
            GrantScope::purpose_extension(PurposeSet::parse(&["prosecution", "asset_recovery"]).expect("p"))
                .expect("scope"),
            Timestamp::from_unix(100),
            Timestamp::from_unix(200),
            "letter 43",
        )
        .expect("grant");
        assert_eq!(Grant::parse(&ext.to_bytes()).expect("parse"), ext);
        assert_ne!(ext.id(), g.id());
    }

    #[test]
    fn each_fault_is_named() {
        let g = grant();
        let signer = key(1).verifying_key();
        let at = Some(Timestamp::from_unix(150));
        assert!(g.fault(&[9; 16], None, at).expect("fault").contains("unsigned"));
        assert!(g.fault(&[8; 16], Some(&signer), at).expect("fault").contains("another envelope"));
        assert!(
            g.fault(&[9; 16], Some(&key(2).verifying_key()), at)
                .expect("fault")
                .contains("not by the envelope's signer")
        );
        assert!(g.fault(&[9; 16], Some(&signer), Some(Timestamp::from_unix(201))).expect("fault").contains("expired"));
        // A flipped bit in any signed byte or in the signature: the signature no longer verifies.
        let bytes = g.to_bytes();
        for i in [10, 30, 60, 70, bytes.len() - 70, bytes.len() - 1] {
            let mut b = bytes.clone();
            b[i] ^= 1;
            match Grant::from_bytes(&b) {
                Ok(forged) => {
                    let f = forged.fault(forged.object_id(), Some(forged.grantor()), at);
                    assert!(f.is_some(), "byte {i}: a forgery passed");
                }
                Err(e) => assert!(matches!(e, Error::GrantInvalid(_)), "{e}"),
            }
        }
    }

    #[test]
    fn hostile_bytes_are_grant_invalid() {
        let good = grant().to_bytes();
        let mut cases: Vec<Vec<u8>> = vec![Vec::new(), good[..10].to_vec(), good[..good.len() - 1].to_vec()];
        let mut trailing = good.clone();
        trailing.insert(good.len() - 64, 0);
        cases.push(trailing);
        let mut magic = good.clone();
        magic[0] = b'X';
        cases.push(magic);
        let mut version = good.clone();
        version[9] = 2;
        cases.push(version);
        let mut scope = good.clone();
        let at = 74 + 2 + "letter 42".len();
        scope[at] = 9;
        cases.push(scope);
        let mut reference = good.clone();
        reference[76] = b'\n';
        cases.push(reference);
        let mut times = good.clone();
        times[58..66].copy_from_slice(&u64::MAX.to_be_bytes());
        cases.push(times);
        cases.push(vec![0; crate::format::MAX_GRANT_LEN + 1]);
        cases.push(b"-----BEGIN CUSTODIA GRANT-----\n!!!!\n-----END CUSTODIA GRANT-----\n".to_vec());
        for (i, c) in cases.iter().enumerate() {
            assert!(matches!(Grant::parse(c), Err(Error::GrantInvalid(_))), "case {i}: {:?}", Grant::parse(c));
        }
    }

    #[test]
    fn issuing_validates_its_inputs() {
        let k = key(1);
        let t = Timestamp::from_unix(100);
        assert!(Grant::issue(&k, &[9; 16], onward(), t, t, "").is_err());
        assert!(Grant::issue(&k, &[9; 16], onward(), t, t, "a\nb").is_err());
        assert!(Grant::issue(&k, &[9; 16], onward(), t, Timestamp::from_unix(99), "ok").is_err());
        assert!(
            GrantScope::onward_transfer(" x", Jurisdiction::parse("FR").expect("j"), KeyId::from_bytes([1; 16]))
                .is_err()
        );
        assert!(matches!(GrantScope::purpose_extension(PurposeSet::new()), Err(Error::NoPurpose)));
    }
}
