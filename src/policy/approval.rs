//! Four-eyes approvals: a second actor's signed consent to one exceptional open (see `docs/POLICY.md`, "Approvals").
//!
//! An [`Approval`] names one envelope (object id), the actor who will open it, the purpose, the exception (kind and
//! reference) and an expiry, and is signed with Ed25519 by an approver the access policy lists. The signed bytes are
//! a domain-separated, length-prefixed canonical encoding, so no two different approvals sign the same bytes. This
//! module checks approvals against a policy and an open request; it never sees the envelope's keys.

use core::fmt;

use data_encoding::BASE32_NOPAD;
use ed25519_dalek::Verifier;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::policy::access::AccessPolicy;
use crate::vocabulary::{ExceptionKind, KeyId, KeyKind, Purpose, Timestamp};

/// Text prefix of an approval.
pub const APPROVAL_PREFIX: &str = "custodia-approval:";
/// Domain separation string prepended to the signed bytes.
const DOMAIN: &[u8] = b"custodia/v1/approval\0";
/// Version byte of the encoding.
const VERSION: u8 = 1;
/// Object id length in bytes (the envelope format's).
const OBJECT_ID_LEN: usize = 16;
/// Ed25519 signature length.
const SIGNATURE_LEN: usize = 64;
/// Largest encoded approval accepted, in bytes.
pub const MAX_APPROVAL_LEN: usize = 2048;

/// What an approval approves: one exceptional open of one envelope, by one actor, for one purpose, until a time.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApprovalTerms {
    /// The envelope's object id (16 bytes).
    pub object_id: [u8; 16],
    /// The actor id of who will open.
    pub actor: String,
    /// The purpose they will state.
    pub purpose: Purpose,
    /// The exception they will invoke.
    pub exception: ExceptionKind,
    /// Its reference (order number, provision), if the kind has one.
    pub reference: Option<String>,
    /// After this time the approval no longer counts.
    pub not_after: Timestamp,
}

impl ApprovalTerms {
    /// Terms for the envelope with lowercase-hex `object_id`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an object id that is not 32 hex digits, an empty or over-long actor id or
    /// reference.
    pub fn new(
        object_id: &str,
        actor: &str,
        purpose: Purpose,
        exception: ExceptionKind,
        reference: Option<&str>,
        not_after: Timestamp,
    ) -> Result<Self> {
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(object_id.as_bytes())
            .map_err(|_| Error::InvalidArgument("object id must be 32 hex digits".into()))?;
        let object_id: [u8; OBJECT_ID_LEN] =
            bytes.try_into().map_err(|_| Error::InvalidArgument("object id must be 32 hex digits".into()))?;
        for (what, v) in [("actor id", Some(actor)), ("exception reference", reference)] {
            if let Some(v) = v
                && (v.is_empty() || v.len() > 1024 || !crate::vocabulary::is_printable_text(v))
            {
                return Err(Error::InvalidArgument(format!("{what} must be 1 to 1024 bytes of printable text")));
            }
        }
        Ok(Self {
            object_id,
            actor: actor.to_owned(),
            purpose,
            exception,
            reference: reference.map(str::to_owned),
            not_after,
        })
    }
}

/// A second approver's signed consent to an exceptional open. Text form: `custodia-approval:<BASE32>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Approval {
    terms: ApprovalTerms,
    approver: String,
    key_id: KeyId,
    signature: [u8; SIGNATURE_LEN],
}

impl fmt::Debug for Approval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Approval")
            .field("approver", &self.approver)
            .field("actor", &self.terms.actor)
            .field("purpose", &self.terms.purpose)
            .field("not_after", &self.terms.not_after)
            .finish_non_exhaustive()
    }
}

impl Approval {
    /// Sign `terms` as `approver` with `key` (crate-private: hosts go through `Custodian::approve_exception`).
    pub(crate) fn sign(terms: ApprovalTerms, approver: &str, key: &crate::keys::SigningKey) -> Result<Self> {
        let key_id = KeyId::derive(KeyKind::Ed25519, &key.verifying_key().to_bytes());
        let mut a = Self { terms, approver: approver.to_owned(), key_id, signature: [0; SIGNATURE_LEN] };
        let body = a.body()?;
        a.signature = key.sign(&signed(&body))?;
        Ok(a)
    }

    /// What is approved.
    #[must_use]
    pub fn terms(&self) -> &ApprovalTerms {
        &self.terms
    }

    /// The approver's actor id.
    #[must_use]
    pub fn approver(&self) -> &str {
        &self.approver
    }

    /// The id of the key that signed it.
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The encoded approval (see `docs/POLICY.md`).
    ///
    /// # Errors
    /// Never for an approval built by this library; [`Error::ApprovalInvalid`] if a field outgrew its length prefix.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = self.body()?;
        v.extend_from_slice(&self.signature);
        Ok(v)
    }

    /// The text form, `custodia-approval:<BASE32>`.
    ///
    /// # Errors
    /// As [`Approval::to_bytes`].
    pub fn to_text(&self) -> Result<String> {
        Ok(format!("{APPROVAL_PREFIX}{}", BASE32_NOPAD.encode(&self.to_bytes()?)))
    }

    /// SHA-256 of [`Approval::to_bytes`], lowercase hex: what the audit log records.
    ///
    /// # Errors
    /// As [`Approval::to_bytes`].
    pub fn hash_hex(&self) -> Result<String> {
        Ok(data_encoding::HEXLOWER.encode(&Sha256::digest(self.to_bytes()?)))
    }

    /// Decode an approval's bytes. The signature is not checked here (that needs the policy's approvers).
    ///
    /// # Errors
    /// [`Error::ApprovalInvalid`] for anything but a canonical encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = |why: &str| Error::ApprovalInvalid(why.to_owned());
        if bytes.len() > MAX_APPROVAL_LEN {
            return Err(bad("longer than an approval can be"));
        }
        let mut r = Reader { b: bytes };
        if r.take(1)? != [VERSION] {
            return Err(bad("unknown approval version"));
        }
        let object_id: [u8; OBJECT_ID_LEN] = r.take(OBJECT_ID_LEN)?.try_into().map_err(|_| bad("object id"))?;
        let approver = r.text()?;
        let actor = r.text()?;
        let purpose = Purpose::parse(&r.text()?).map_err(|_| bad("invalid purpose"))?;
        let exception = ExceptionKind::from_code(r.take(1)?[0]).map_err(|_| bad("unknown exception kind"))?;
        let reference = match r.take(1)?[0] {
            0 => None,
            1 => Some(r.text()?),
            _ => return Err(bad("reference flag must be 0 or 1")),
        };
        let not_after = Timestamp::from_unix(u64::from_be_bytes(r.take(8)?.try_into().map_err(|_| bad("expiry"))?));
        let key_id = KeyId::from_bytes(r.take(16)?.try_into().map_err(|_| bad("key id"))?);
        let signature: [u8; SIGNATURE_LEN] = r.take(SIGNATURE_LEN)?.try_into().map_err(|_| bad("signature"))?;
        if !r.b.is_empty() {
            return Err(bad("trailing bytes"));
        }
        let terms = ApprovalTerms::new(
            &data_encoding::HEXLOWER.encode(&object_id),
            &actor,
            purpose,
            exception,
            reference.as_deref(),
            not_after,
        )
        .map_err(|e| Error::ApprovalInvalid(e.to_string()))?;
        if approver.is_empty() || !crate::vocabulary::is_printable_text(&approver) {
            return Err(bad("approver id"));
        }
        let a = Self { terms, approver, key_id, signature };
        // Canonical: re-encoding gives the same bytes (no second encoding of one approval).
        if a.to_bytes()? != bytes {
            return Err(bad("not canonically encoded"));
        }
        Ok(a)
    }

    /// Decode the text form (whitespace and line breaks ignored; the base32 is case-insensitive).
    ///
    /// # Errors
    /// [`Error::ApprovalInvalid`].
    pub fn from_text(text: &str) -> Result<Self> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let body = compact
            .strip_prefix(APPROVAL_PREFIX)
            .ok_or_else(|| Error::ApprovalInvalid(format!("missing {APPROVAL_PREFIX:?} prefix")))?;
        if body.len() > MAX_APPROVAL_LEN * 2 {
            return Err(Error::ApprovalInvalid("longer than an approval can be".into()));
        }
        let bytes = BASE32_NOPAD
            .decode(body.to_ascii_uppercase().as_bytes())
            .map_err(|_| Error::ApprovalInvalid("not valid base32".into()))?;
        Self::from_bytes(&bytes)
    }

    /// Check this approval for an exceptional open: signed by an approver `policy` lists (id and key), by someone
    /// other than the opening actor, for this envelope, actor, purpose and exception, and not expired at `now`.
    ///
    /// # Errors
    /// [`Error::ApprovalRequired`] saying which check failed.
    pub fn check(&self, policy: &AccessPolicy, expected: &ApprovalTerms, now: Timestamp) -> Result<()> {
        let refuse = |why: String| Error::ApprovalRequired(why);
        let Some(approver) = policy.approvers().iter().find(|a| a.id == self.approver) else {
            return Err(refuse(format!("{} is not an approver the access policy lists", self.approver)));
        };
        if KeyId::derive(KeyKind::Ed25519, &approver.public_key) != self.key_id {
            return Err(refuse(format!("the approval is not signed with approver {}'s key", self.approver)));
        }
        let key = ed25519_dalek::VerifyingKey::from_bytes(&approver.public_key)
            .map_err(|_| refuse(format!("approver {}'s key is not a valid Ed25519 key", self.approver)))?;
        let body = self.body().map_err(|e| refuse(e.to_string()))?;
        let sig = ed25519_dalek::Signature::from_bytes(&self.signature);
        if key.verify(&signed(&body), &sig).is_err() || key.verify_strict(&signed(&body), &sig).is_err() {
            return Err(refuse("the approval's signature does not verify".into()));
        }
        if self.approver == expected.actor {
            return Err(refuse("an actor cannot approve their own exception (four eyes need two people)".into()));
        }
        let t = &self.terms;
        if t.object_id != expected.object_id {
            return Err(refuse("the approval is for another envelope".into()));
        }
        if t.actor != expected.actor {
            return Err(refuse(format!("the approval is for actor {}, not {}", t.actor, expected.actor)));
        }
        if t.purpose != expected.purpose {
            return Err(refuse(format!("the approval is for purpose {}, not {}", t.purpose, expected.purpose)));
        }
        if t.exception != expected.exception || t.reference != expected.reference {
            return Err(refuse("the approval is for another exception (kind or reference)".into()));
        }
        if now > t.not_after {
            return Err(refuse(format!("the approval expired at {}", t.not_after)));
        }
        Ok(())
    }

    /// Everything but the signature, in the canonical encoding.
    fn body(&self) -> Result<Vec<u8>> {
        let t = &self.terms;
        let mut v = Vec::with_capacity(256);
        v.push(VERSION);
        v.extend_from_slice(&t.object_id);
        put(&mut v, &self.approver)?;
        put(&mut v, &t.actor)?;
        put(&mut v, t.purpose.as_str())?;
        v.push(t.exception.code());
        match &t.reference {
            None => v.push(0),
            Some(r) => {
                v.push(1);
                put(&mut v, r)?;
            }
        }
        v.extend_from_slice(&t.not_after.as_unix().to_be_bytes());
        v.extend_from_slice(self.key_id.as_bytes());
        Ok(v)
    }
}

/// The signed message: the domain string, then the body.
fn signed(body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + body.len());
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(body);
    m
}

/// A text with its u16 big-endian length.
fn put(v: &mut Vec<u8>, s: &str) -> Result<()> {
    let len = u16::try_from(s.len()).map_err(|_| Error::ApprovalInvalid("a field is too long".into()))?;
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(s.as_bytes());
    Ok(())
}

struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.b.len() < n {
            return Err(Error::ApprovalInvalid("truncated".into()));
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }

    fn text(&mut self) -> Result<String> {
        let len = u16::from_be_bytes(self.take(2)?.try_into().map_err(|_| Error::ApprovalInvalid("length".into()))?);
        let bytes = self.take(usize::from(len))?;
        String::from_utf8(bytes.to_vec()).map_err(|_| Error::ApprovalInvalid("a text field is not UTF-8".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::Category;

    fn key(n: u8) -> crate::keys::SigningKey {
        crate::keys::SigningKey::from_bytes([n; 32])
    }

    fn key_text(k: &crate::keys::SigningKey) -> String {
        crate::keys::encode_public(KeyKind::Ed25519, &k.verifying_key().to_bytes())
    }

    fn terms(actor: &str) -> ApprovalTerms {
        ApprovalTerms::new(
            &"0f".repeat(16),
            actor,
            Purpose::parse("prosecution").expect("purpose"),
            ExceptionKind::ImminentThreat,
            None,
            Timestamp::from_unix(100),
        )
        .expect("terms")
    }

    #[test]
    fn the_gate_refuses_a_self_approval_and_accepts_a_second_person() {
        let policy = AccessPolicy::builder()
            .four_eyes(Category::WitnessIdentity)
            .approver("boss", &key_text(&key(1)))
            .build()
            .expect("policy");
        // The approver signs an approval naming themself as the opening actor (only possible off the facade).
        let own = Approval::sign(terms("boss"), "boss", &key(1)).expect("sign");
        let e = own.check(&policy, &terms("boss"), Timestamp::from_unix(50)).unwrap_err();
        assert!(matches!(&e, Error::ApprovalRequired(m) if m.contains("own exception")), "{e}");
        let theirs = Approval::sign(terms("anna"), "boss", &key(1)).expect("sign");
        theirs.check(&policy, &terms("anna"), Timestamp::from_unix(100)).expect("valid until not_after inclusive");
        assert!(theirs.check(&policy, &terms("anna"), Timestamp::from_unix(101)).is_err());
        // Decodes to itself; the text form is stable.
        assert_eq!(Approval::from_text(&theirs.to_text().expect("text")).expect("decode"), theirs);
        // Another key under the listed approver's name.
        let forged = Approval::sign(terms("anna"), "boss", &key(2)).expect("sign");
        assert!(matches!(
            forged.check(&policy, &terms("anna"), Timestamp::from_unix(1)),
            Err(Error::ApprovalRequired(_))
        ));
    }
}
