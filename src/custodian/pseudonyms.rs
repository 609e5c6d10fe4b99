//! Keyed pseudonyms (issue 16 §2): the same value gets the same pseudonym within a case and unrelated ones across
//! cases, because the key is derived from the case's own key: shredding the case's key destroys linkability with it.
//! A pseudonym is a blind index for equality search over sealed columns.
//!
//! ```text
//! pseudonym_key = HKDF-SHA256(salt = "custodia/v1/pseudonym", IKM = the case key's 32 bytes,
//!                             info = "custodia/v1/pseudonym-key" || case_ref, 32 bytes)
//! pseudonym     = first 16 bytes of HMAC-SHA256(pseudonym_key, len(domain) (u8) || domain || normalized value),
//!                 as 32 lowercase hex digits
//! normalized    = the value's words (split on Unicode white space) joined by one space, lower-cased (Unicode)
//! ```
//!
//! Only a custodian holding the case key derives pseudonyms, and every derivation is recorded (`pseudonyms_derived`:
//! case, domain, count, purpose, never the values), so resolving a pseudonym back by trial leaves the same trail as the
//! explicit [`Custodian::resolve_pseudonym`] (`pseudonym_resolved`).

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::Custodian;
use crate::audit::{AuditEvent, EventKind};
use crate::error::{Error, Result};
use crate::keys::KeyState;
use crate::keys::provider::secret32;
use crate::policy::{OpenRequest, Terms};
use crate::vocabulary::purpose::PurposeSet;
use crate::vocabulary::sensitive::Category;
use crate::vocabulary::{CaseRef, KeyKind};

/// Longest pseudonym domain, in bytes.
pub const MAX_PSEUDONYM_DOMAIN_LEN: usize = 64;
/// Most values pseudonymized in one call.
pub const MAX_PSEUDONYM_BATCH: usize = 10_000;

/// A keyed pseudonym: 32 lowercase hex digits. Not secret by itself (it reveals nothing without the case key), but
/// it links records of one person within a case: treat it as personal data.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize)]
#[serde(transparent)]
pub struct Pseudonym(String);

impl Pseudonym {
    /// The 32 hex digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parse 32 lowercase hex digits.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for anything else.
    pub fn parse(s: &str) -> Result<Self> {
        if s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            Ok(Self(s.to_owned()))
        } else {
            Err(Error::InvalidArgument("a pseudonym is 32 lowercase hex digits".into()))
        }
    }
}

impl core::fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_domain(domain: &str) -> Result<()> {
    let ok = !domain.is_empty()
        && domain.len() <= MAX_PSEUDONYM_DOMAIN_LEN
        && domain.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "a pseudonym domain is 1 to {MAX_PSEUDONYM_DOMAIN_LEN} bytes of a-z, 0-9, '_' and '.'"
        )))
    }
}

/// The pseudonym key of one case, zeroized on drop.
struct PseudonymKey(Zeroizing<[u8; 32]>);

impl PseudonymKey {
    fn derive(case_key: &[u8; 32], case: &CaseRef) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(b"custodia/v1/pseudonym"), case_key);
        let mut info = b"custodia/v1/pseudonym-key".to_vec();
        info.extend_from_slice(case.as_str().as_bytes());
        let mut key = Zeroizing::new([0u8; 32]);
        hk.expand(&info, key.as_mut()).expect("32 bytes is a valid HKDF-SHA256 length");
        Self(key)
    }

    fn raw(&self, domain: &str, value: &str) -> [u8; 16] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_ref()).expect("HMAC takes any key length");
        mac.update(&[u8::try_from(domain.len()).expect("domains are at most 64 bytes")]);
        mac.update(domain.as_bytes());
        let normalized = normalize(value);
        mac.update(normalized.as_bytes());
        let tag = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&tag[..16]);
        out
    }

    fn pseudonym(&self, domain: &str, value: &str) -> Pseudonym {
        Pseudonym(super::hex(&self.raw(domain, value)))
    }
}

/// The value's words joined by one space, lower-cased: `"  Jan  de VRIES "` and `"jan de vries"` are one person.
fn normalize(value: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(value.len()));
    for (i, w) in value.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        for c in w.chars() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

impl Custodian {
    /// Keyed pseudonyms of `values` within `case` (docs/FORMAT.md-style definition in the module documentation): the
    /// same value (after normalizing white space and case) always gets the same pseudonym in one case and `domain`
    /// (`person`, `iban`, `phone`, ...), and unrelated ones in another case or domain. Usable as a blind index for
    /// equality search over sealed columns.
    ///
    /// The key is derived from the case's active key ([`Custodian::case_key`]; made if the case has none), so
    /// destroying the case's key destroys the linkability. The request passes the gate for data of `category` in the
    /// case (clearance, need-to-know for the stated purpose); the derivation is recorded (`pseudonyms_derived`, with
    /// the count and domain, never the values).
    ///
    /// # Errors
    /// Refusals of the gate; [`Error::InvalidArgument`] for a bad domain or more than [`MAX_PSEUDONYM_BATCH`] values;
    /// key errors; [`Error::AuditWrite`].
    pub fn pseudonymize(
        &self,
        request: &OpenRequest,
        case: &CaseRef,
        category: Category,
        domain: &str,
        values: &[&str],
    ) -> Result<Vec<Pseudonym>> {
        check_domain(domain)?;
        if values.len() > MAX_PSEUDONYM_BATCH {
            return Err(Error::InvalidArgument(format!("at most {MAX_PSEUDONYM_BATCH} values per call")));
        }
        let key = self.pseudonym_key(request, case, category, domain)?;
        let out: Vec<Pseudonym> = values.iter().map(|v| key.pseudonym(domain, v)).collect();
        let ev = AuditEvent::new(EventKind::PseudonymsDerived)
            .actor(&request.actor)
            .case(case)
            .category(category)
            .purpose(&request.purpose)
            .detail("domain", domain)
            .detail("count", &values.len().to_string());
        self.record(ev)?;
        Ok(out)
    }

    /// Which of `candidates` (if any) has the pseudonym `pseudonym` in `case` and `domain`: the audited way back
    /// from a pseudonym to a value the caller holds (compared in constant time per candidate). Recorded
    /// (`pseudonym_resolved`, with the pseudonym, the number of candidates and whether one matched, never a value).
    ///
    /// # Errors
    /// As [`Custodian::pseudonymize`].
    pub fn resolve_pseudonym(
        &self,
        request: &OpenRequest,
        case: &CaseRef,
        category: Category,
        domain: &str,
        pseudonym: &Pseudonym,
        candidates: &[&str],
    ) -> Result<Option<usize>> {
        check_domain(domain)?;
        if candidates.len() > MAX_PSEUDONYM_BATCH {
            return Err(Error::InvalidArgument(format!("at most {MAX_PSEUDONYM_BATCH} candidates per call")));
        }
        let key = self.pseudonym_key(request, case, category, domain)?;
        let want = pseudonym.as_str().as_bytes();
        let mut found = None;
        for (i, c) in candidates.iter().enumerate() {
            let got = key.pseudonym(domain, c);
            if bool::from(got.as_str().as_bytes().ct_eq(want)) && found.is_none() {
                found = Some(i);
            }
        }
        let ev = AuditEvent::new(EventKind::PseudonymResolved)
            .actor(&request.actor)
            .case(case)
            .category(category)
            .purpose(&request.purpose)
            .detail("domain", domain)
            .detail("pseudonym", pseudonym.as_str())
            .detail("candidates", &candidates.len().to_string())
            .detail("matched", if found.is_some() { "yes" } else { "no" });
        self.record(ev)?;
        Ok(found)
    }

    /// The gate for data of `category` in `case` for the request's purpose, then the case key's pseudonym key. A
    /// refusal is recorded.
    fn pseudonym_key(
        &self,
        request: &OpenRequest,
        case: &CaseRef,
        category: Category,
        domain: &str,
    ) -> Result<PseudonymKey> {
        let _op = self.operation();
        let mut purposes = PurposeSet::new();
        purposes.insert(request.purpose.clone())?;
        let terms = Terms {
            purposes,
            category,
            classification: category.minimum_classification(),
            origin: None,
            destinations: Vec::new(),
            not_after: None,
            case: Some(case.clone()),
        };
        let access = self.access_policy();
        if let Err(e) = self.gate.decide_under(&terms, &[], request, access.as_deref()) {
            let ev = AuditEvent::refused(&e)
                .actor(&request.actor)
                .case(case)
                .category(category)
                .purpose(&request.purpose)
                .detail("operation", "pseudonym")
                .detail("domain", domain);
            self.record(ev)?;
            return Err(e);
        }
        let id = self.case_key(&request.actor, case, None)?;
        let ring = self.read()?;
        let rec = ring.body().get(&id).ok_or(Error::KeyNotFound(id))?;
        if rec.kind != KeyKind::Kek || rec.state != KeyState::Active {
            return Err(Error::KeyNotFound(id));
        }
        if rec.wrapped_by.is_some() {
            let kek = self.case_keys.kek(rec, self.clock.now())?;
            Ok(PseudonymKey::derive(kek.expose_bytes(), case))
        } else {
            Ok(PseudonymKey::derive(&*secret32(rec)?, case))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_and_domains() {
        assert_eq!(normalize("  Jan  de VRIES ").as_str(), "jan de vries");
        assert_eq!(normalize("ÆRØ").as_str(), "ærø");
        let case = CaseRef::parse("MLA-1").expect("case");
        let k = PseudonymKey::derive(&[7; 32], &case);
        assert_eq!(k.pseudonym("person", "Jan de Vries"), k.pseudonym("person", " jan  DE vries"));
        assert_ne!(k.pseudonym("person", "Jan de Vries"), k.pseudonym("witness", "Jan de Vries"));
        let other = PseudonymKey::derive(&[7; 32], &CaseRef::parse("MLA-2").expect("case"));
        assert_ne!(k.pseudonym("person", "Jan"), other.pseudonym("person", "Jan"));
        assert!(check_domain("person").is_ok() && check_domain("Person").is_err() && check_domain("").is_err());
        let p = k.pseudonym("person", "Jan");
        assert_eq!(Pseudonym::parse(p.as_str()).expect("parse"), p);
        assert!(Pseudonym::parse("XYZ").is_err());
    }

    /// A fixed vector, so another implementation can check itself: case key 32 x 0x07, case `MLA-2026-0042`, domain
    /// `person`, value `Jan de Vries`.
    #[test]
    fn a_known_answer() {
        let k = PseudonymKey::derive(&[7; 32], &CaseRef::parse("MLA-2026-0042").expect("case"));
        let p = k.pseudonym("person", "Jan de Vries");
        // Computed independently from the definition with HKDF and HMAC below.
        let hk = Hkdf::<Sha256>::new(Some(b"custodia/v1/pseudonym"), &[7; 32]);
        let mut key = [0u8; 32];
        hk.expand(b"custodia/v1/pseudonym-keyMLA-2026-0042", &mut key).expect("expand");
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).expect("key");
        mac.update(b"\x06personjan de vries");
        let want = mac.finalize().into_bytes();
        assert_eq!(p.as_str(), super::super::hex(&want[..16]));
    }
}
