//! Erasure certificates: signed, PII-free records that keys were destroyed, verifiable with the audit public key
//! alone, long after the destroyed keys (and possibly the log) are gone.

use ed25519_dalek::Signature;

use super::entry::{DOMAIN_ERASURE, LOG_ID_LEN, from_hex, to_hex};
use crate::error::{Error, Result};
use crate::vocabulary::CaseRef;
use crate::vocabulary::KeyId;
use crate::vocabulary::time::Timestamp;

/// The `type` member of a certificate's JSON form.
pub const ERASURE_TYPE: &str = "custodia.erasure.v2";
/// Longest erasure reason, in bytes.
pub const MAX_REASON_LEN: usize = 512;

/// A signed record that keys were destroyed: which keys, for which case, when, why, and how many envelopes became
/// unreadable (when known). It contains no personal data; the reason must not either.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErasureCertificate {
    body: CertBody,
    sig: Signature,
}

/// The signed part, in canonical field order.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CertBody {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) log: String,
    pub(crate) seq: u64,
    pub(crate) time: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) case: Option<CaseRef>,
    pub(crate) keys: Vec<KeyId>,
    pub(crate) reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) envelopes: Option<u64>,
    pub(crate) audit_key: String,
}

impl CertBody {
    // Every argument is a distinct certificate field; a parameter struct would only restate CertBody.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        log_id: &[u8; LOG_ID_LEN],
        seq: u64,
        time: Timestamp,
        case: Option<CaseRef>,
        keys: Vec<KeyId>,
        reason: String,
        envelopes: Option<u64>,
        audit_key: &crate::keys::VerifyingKey,
    ) -> Self {
        Self {
            kind: ERASURE_TYPE.to_owned(),
            log: to_hex(log_id),
            seq,
            time,
            case,
            keys,
            reason,
            envelopes,
            audit_key: to_hex(&audit_key.to_bytes()),
        }
    }

    /// `"custodia/audit/v2/erasure" || 0x00 || canonical JSON of the body`.
    pub(crate) fn message(&self) -> Result<Vec<u8>> {
        let json = serde_json::to_vec(self).map_err(|e| Error::Internal(format!("erasure encoding: {e}")))?;
        let mut m = Vec::with_capacity(DOMAIN_ERASURE.len() + 1 + json.len());
        m.extend_from_slice(DOMAIN_ERASURE);
        m.push(0);
        m.extend_from_slice(&json);
        Ok(m)
    }
}

/// Check an erasure reason: printable, non-empty, bounded.
pub(crate) fn check_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() || reason.len() > MAX_REASON_LEN || reason.chars().any(char::is_control) {
        return Err(Error::InvalidArgument(format!(
            "erasure reason must be 1 to {MAX_REASON_LEN} bytes of printable text"
        )));
    }
    Ok(())
}

impl ErasureCertificate {
    pub(crate) fn new(body: CertBody, sig: [u8; 64]) -> Self {
        let sig = Signature::from_bytes(&sig);
        Self { body, sig }
    }

    /// The destroyed keys.
    #[must_use]
    pub fn keys(&self) -> &[KeyId] {
        &self.body.keys
    }

    /// The case, if the erasure concerned one.
    #[must_use]
    pub fn case(&self) -> Option<&CaseRef> {
        self.body.case.as_ref()
    }

    /// When the erasure was recorded.
    #[must_use]
    pub fn time(&self) -> Timestamp {
        self.body.time
    }

    /// Why (e.g. `retention period ended`).
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.body.reason
    }

    /// How many envelopes became unreadable, if known.
    #[must_use]
    pub fn envelopes(&self) -> Option<u64> {
        self.body.envelopes
    }

    /// Sequence number of the matching `erasure` entry in the log.
    #[must_use]
    pub fn seq(&self) -> u64 {
        self.body.seq
    }

    /// The log's id, lowercase hex.
    #[must_use]
    pub fn log_id(&self) -> &str {
        &self.body.log
    }

    /// Check the signature with the audit public key alone.
    ///
    /// # Errors
    /// [`Error::AuditWrongKey`] when the certificate names another audit key; [`Error::AuditTampered`] when the
    /// signature does not verify.
    pub fn verify(&self, audit_key: &crate::keys::VerifyingKey) -> Result<()> {
        let audit_key = audit_key.dalek();
        let expected = to_hex(audit_key.as_bytes());
        if self.body.audit_key != expected {
            return Err(Error::AuditWrongKey { expected, found: self.body.audit_key.clone() });
        }
        audit_key.verify_strict(&self.body.message()?, &self.sig).map_err(|_| Error::AuditTampered {
            entry: self.body.seq,
            reason: "erasure certificate signature does not verify".into(),
        })
    }

    /// The JSON form: the body's members in canonical order followed by `"sig"`.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string(&self.body).unwrap_or_default();
        s.pop();
        s.push_str(",\"sig\":\"");
        s.push_str(&to_hex(&self.sig.to_bytes()));
        s.push_str("\"}");
        s
    }

    /// Parse the JSON form (exactly as [`ErasureCertificate::to_json`] writes it). Call
    /// [`ErasureCertificate::verify`] next.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for anything else.
    pub fn from_json(s: &str) -> Result<Self> {
        let bad = |m: &str| Error::InvalidArgument(format!("erasure certificate: {m}"));
        let s = s.trim_end();
        let suffix = 8 + 128 + 2; // ,"sig":" + hex + "}
        if s.len() < suffix + 2 || !s.is_char_boundary(s.len() - suffix) || !s.ends_with("\"}") {
            return Err(bad("not a certificate"));
        }
        let split = s.len() - suffix;
        if !s[split..].starts_with(",\"sig\":\"") {
            return Err(bad("the last member must be \"sig\""));
        }
        let sig = from_hex::<64>(&s[split + 8..s.len() - 2]).ok_or_else(|| bad("bad signature"))?;
        let body_text = format!("{}}}", &s[..split]);
        let body: CertBody = serde_json::from_str(&body_text).map_err(|e| bad(&e.to_string()))?;
        if body.kind != ERASURE_TYPE {
            return Err(bad("not a custodia erasure certificate"));
        }
        if serde_json::to_string(&body).ok().as_deref() != Some(body_text.as_str()) {
            return Err(bad("not in canonical form"));
        }
        // The rules `certify_erasure` applied when it was made; a reason breaking them was never written by custodia.
        check_reason(&body.reason)?;
        Ok(Self { body, sig: Signature::from_bytes(&sig) })
    }
}

/// Stored as its JSON form ([`ErasureCertificate::to_json`]) (a string), so that any serde format keeps the exact signed bytes; deserializing parses it again
/// ([`ErasureCertificate::from_json`]); call [`ErasureCertificate::verify`] after loading.
impl serde::Serialize for ErasureCertificate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_json())
    }
}

impl<'de> serde::Deserialize<'de> for ErasureCertificate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::from_json(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_with_a_reason_certify_erasure_refuses_does_not_parse() {
        let key = crate::keys::SigningKey::from_bytes([7; 32]).verifying_key();
        let cert = |reason: &str| {
            let body =
                CertBody::new(&[1; LOG_ID_LEN], 3, Timestamp::from_unix(9), None, vec![], reason.into(), None, &key);
            ErasureCertificate::new(body, [0; 64]).to_json()
        };
        assert!(ErasureCertificate::from_json(&cert("retention period ended")).is_ok());
        for reason in ["", "   ", "retention\u{0}ended", "forged\nline", &"x".repeat(MAX_REASON_LEN + 1)] {
            assert!(ErasureCertificate::from_json(&cert(reason)).is_err(), "{reason:?}");
        }
    }
}
