//! What an audit event says: who did what to which object of which case, for what purpose, with what outcome.
//!
//! Events carry metadata only. They must never carry plaintext, key material, or anything derived from either
//! (except key *ids*, which are one-way fingerprints). The `detail` map is for short non-secret strings.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::policy::{Basis, Decision};
use crate::vocabulary::KeyId;
use crate::vocabulary::purpose::{ExceptionGround, ExceptionKind, Purpose, PurposeSet};
use crate::vocabulary::sensitive::{Category, Classification};
use crate::vocabulary::time::Timestamp;
use crate::vocabulary::{Actor, CaseRef};

/// Most entries in an event's `detail` map.
pub const MAX_DETAIL_ENTRIES: usize = 16;
/// Longest `detail` key, in bytes.
pub const MAX_DETAIL_KEY_LEN: usize = 64;
/// Longest `detail` value, in bytes.
pub const MAX_DETAIL_VALUE_LEN: usize = 1024;
/// Longest object id, in hex digits.
pub const MAX_OBJECT_ID_HEX: usize = 128;
/// Most key ids on one event.
pub const MAX_KEYS: usize = 64;

/// What happened. The snake_case names are the `kind` field of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// First entry of every log: names the log and its audit key. Written by the log itself.
    Genesis,
    /// Data was sealed into an envelope.
    Sealed,
    /// The originator issued a grant (onward transfer or purpose extension) for one of its envelopes; details
    /// `grant` (the grant id), `grant_reference`, `scope` and what it names.
    GrantIssued,
    /// A recipient applied an originator's grant to an envelope (re-issued it with the grant in its header);
    /// details `grant`, `grant_reference`, `scope`, `operation`.
    GrantApplied,
    /// An envelope was opened.
    Opened,
    /// An open (or other operation) was refused; the outcome names the rule.
    Refused,
    /// An exception (court order, consent, ...) was invoked to open data outside its purposes.
    ExceptionUsed,
    /// An envelope was shared with (re-encrypted for) another recipient.
    Shared,
    /// An envelope's data key was re-wrapped under another key-encryption key.
    Rewrapped,
    /// A key was generated.
    KeyGenerated,
    /// A key was rotated.
    KeyRotated,
    /// A key was destroyed (crypto-shredding).
    KeyDestroyed,
    /// A shredding run (destroying keys past retention) was executed.
    ShredRun,
    /// A legal hold was placed on a case.
    LegalHoldSet,
    /// A legal hold was lifted.
    LegalHoldReleased,
    /// This custodian checked another custodian's audit anchor and counter-signed it with one of its own keys (or,
    /// with a `failed` outcome, refused one whose signature did not verify).
    AnchorWitnessed,
    /// A signed erasure certificate. Written by [`crate::audit::AuditLog::certify_erasure`].
    Erasure,
    /// The log was reopened after a crash and a torn last line was cut away. Written by the log itself.
    Recovery,
    /// A signed checkpoint over all earlier entries. Written by the log itself.
    Checkpoint,
    /// The access policy changed: set through the custodian (with the actor), or found changed, new or removed at
    /// load (`source` `file`); details `sha256` (of the new file, `none` when removed) and `previous`.
    PolicyChanged,
    /// This custodian's actor signed a four-eyes approval of another actor's exception (details `for_actor`,
    /// `exception`, `approval` hash).
    ExceptionApproved,
    /// A key's retention deadline was set or cleared (detail `retention_set`: the new deadline or `none`).
    RetentionChanged,
    /// Another authority's key was revoked: nothing new is sealed or shared to it (detail `reason`).
    KeyRevoked,
    /// A key was marked compromised: it seals, signs and receives nothing new (detail `reason`).
    KeyCompromised,
    /// An envelope from another authority arrived and its header was checked: one of this keyring's keys is a
    /// recipient (no key touched).
    Received,
    /// This custodian signed a disclosure receipt for an envelope and handed it out.
    ReceiptIssued,
    /// A disclosure receipt from a recipient authority was verified and stored (or, with a failed or refused
    /// outcome, rejected).
    ReceiptImported,
    /// A server accepted a shared keyring (on PostgreSQL) older than the newest it had seen, because it was loaded
    /// with `CustodianOptions::keyring_restored` after a restore from a backup; details `generation_seen`,
    /// `generation_now`.
    KeyringRestored,
    /// Keyed pseudonyms were derived for a case (`Custodian::pseudonymize`); details `domain`, `count`: never the
    /// values nor the pseudonyms.
    PseudonymsDerived,
    /// A pseudonym was checked against candidate values (`Custodian::resolve_pseudonym`); details `domain`,
    /// `pseudonym`, `candidates`, `matched` (`yes`/`no`): never the values.
    PseudonymResolved,
    /// Verifiable redaction of a record (SD-JWT, docs/FORMAT.md section 15): detail `operation` `sd_jwt_issue` (the
    /// originator signed the fields it may open; details `fields`, `withheld`, key the signer) or `sd_jwt_present`
    /// (a holder passed a presentation on; details `fields`, `audience`, the stated purpose).
    SelectiveDisclosure,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [Self; 31] = [
        Self::Genesis,
        Self::Sealed,
        Self::GrantIssued,
        Self::GrantApplied,
        Self::Opened,
        Self::Refused,
        Self::ExceptionUsed,
        Self::Shared,
        Self::Rewrapped,
        Self::KeyGenerated,
        Self::KeyRotated,
        Self::KeyDestroyed,
        Self::ShredRun,
        Self::LegalHoldSet,
        Self::LegalHoldReleased,
        Self::AnchorWitnessed,
        Self::Erasure,
        Self::Recovery,
        Self::Checkpoint,
        Self::PolicyChanged,
        Self::ExceptionApproved,
        Self::RetentionChanged,
        Self::KeyRevoked,
        Self::KeyCompromised,
        Self::Received,
        Self::ReceiptIssued,
        Self::ReceiptImported,
        Self::KeyringRestored,
        Self::PseudonymsDerived,
        Self::PseudonymResolved,
        Self::SelectiveDisclosure,
    ];

    /// The stable snake_case name, as written in the log.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Genesis => "genesis",
            Self::Sealed => "sealed",
            Self::GrantIssued => "grant_issued",
            Self::GrantApplied => "grant_applied",
            Self::Opened => "opened",
            Self::Refused => "refused",
            Self::ExceptionUsed => "exception_used",
            Self::Shared => "shared",
            Self::Rewrapped => "rewrapped",
            Self::KeyGenerated => "key_generated",
            Self::KeyRotated => "key_rotated",
            Self::KeyDestroyed => "key_destroyed",
            Self::ShredRun => "shred_run",
            Self::LegalHoldSet => "legal_hold_set",
            Self::LegalHoldReleased => "legal_hold_released",
            Self::AnchorWitnessed => "anchor_witnessed",
            Self::Erasure => "erasure",
            Self::Recovery => "recovery",
            Self::Checkpoint => "checkpoint",
            Self::PolicyChanged => "policy_changed",
            Self::ExceptionApproved => "exception_approved",
            Self::RetentionChanged => "retention_changed",
            Self::KeyRevoked => "key_revoked",
            Self::KeyCompromised => "key_compromised",
            Self::Received => "received",
            Self::ReceiptIssued => "receipt_issued",
            Self::ReceiptImported => "receipt_imported",
            Self::KeyringRestored => "keyring_restored",
            Self::PseudonymsDerived => "pseudonyms_derived",
            Self::PseudonymResolved => "pseudonym_resolved",
            Self::SelectiveDisclosure => "selective_disclosure",
        }
    }

    /// Whether only the log itself writes this kind (genesis, checkpoint, recovery, erasure); `append` refuses them.
    #[must_use]
    pub const fn is_reserved(self) -> bool {
        matches!(self, Self::Genesis | Self::Checkpoint | Self::Recovery | Self::Erasure)
    }
}

impl core::fmt::Display for EventKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for EventKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| Error::InvalidArgument(format!("unknown audit event kind {s:?}")))
    }
}

/// How the operation ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Outcome {
    /// It succeeded.
    #[default]
    Ok,
    /// The policy gate refused it; `kind` is [`Error::kind_name`], `message` the refusal's text (which names the
    /// rule and never contains secrets).
    Refused {
        /// Stable refusal name, e.g. `purpose_not_permitted`.
        kind: String,
        /// The refusal's message.
        message: String,
    },
    /// It failed for another reason; only the error's kind is kept (no message, so no oracle and no leak).
    Failed {
        /// Stable error name, e.g. `open_failed`.
        kind: String,
    },
}

impl Outcome {
    /// The outcome for an error: [`Outcome::Refused`] for policy refusals, [`Outcome::Failed`] otherwise.
    #[must_use]
    pub fn from_error(e: &Error) -> Self {
        if e.is_refusal() {
            Self::Refused { kind: e.kind_name().to_owned(), message: e.to_string() }
        } else {
            Self::Failed { kind: e.kind_name().to_owned() }
        }
    }

    /// `ok`, `refused` or `failed`.
    #[must_use]
    pub fn status(&self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Refused { .. } => "refused",
            Self::Failed { .. } => "failed",
        }
    }

    /// `ok`, or `refused:<kind>` / `failed:<kind>`: the compact form used in CSV exports.
    #[must_use]
    pub fn summary(&self) -> String {
        match self {
            Self::Ok => "ok".to_owned(),
            Self::Refused { kind, .. } => format!("refused:{kind}"),
            Self::Failed { kind } => format!("failed:{kind}"),
        }
    }
}

/// An exception as recorded: its kind, reference and justification.
///
/// Deserializing accepts only what [`From<&ExceptionGround>`] produces: a known kind and a reference and justification
/// that [`ExceptionGround::new`] accepts, already in its trimmed form.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, try_from = "ExceptionRecordWire")]
#[non_exhaustive]
pub struct ExceptionRecord {
    /// The legal ground, as [`ExceptionKind::name`] (`court_order`).
    pub kind: String,
    /// Order number, consent record or legal provision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Why it was needed.
    pub justification: String,
}

/// The serialized form of an [`ExceptionRecord`], before validation.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionRecordWire {
    kind: String,
    #[serde(default)]
    reference: Option<String>,
    justification: String,
}

impl TryFrom<ExceptionRecordWire> for ExceptionRecord {
    type Error = Error;
    fn try_from(w: ExceptionRecordWire) -> Result<Self> {
        let kind = ExceptionKind::ALL
            .into_iter()
            .find(|k| k.name() == w.kind)
            .ok_or_else(|| Error::InvalidException(format!("unknown exception kind {:?}", w.kind)))?;
        let record = Self::from(&ExceptionGround::new(kind, w.reference.as_deref(), &w.justification)?);
        let wire = Self { kind: w.kind, reference: w.reference, justification: w.justification };
        if record != wire {
            return Err(Error::InvalidException("reference or justification not in canonical (trimmed) form".into()));
        }
        Ok(record)
    }
}

impl From<&ExceptionGround> for ExceptionRecord {
    fn from(e: &ExceptionGround) -> Self {
        Self {
            kind: e.kind().name().to_owned(),
            reference: e.reference().map(str::to_owned),
            justification: e.justification().to_owned(),
        }
    }
}

impl ExceptionRecord {
    /// The kind, if it is one this library knows.
    #[must_use]
    pub fn known_kind(&self) -> Option<ExceptionKind> {
        ExceptionKind::ALL.into_iter().find(|k| k.name() == self.kind)
    }
}

/// One audit event, built with chained setters:
///
/// ```
/// use custodia::audit::{AuditEvent, EventKind};
/// use custodia::{CaseRef, Category, Purpose};
/// # fn main() -> custodia::Result<()> {
/// let e = AuditEvent::new(EventKind::Opened)
///     .object(&[0xab; 16])
///     .case(&CaseRef::parse("MLA-2026-0042")?)
///     .category(Category::FinancialRecords)
///     .purpose(&Purpose::parse("investigation")?)
///     .detail("channel", "api");
/// assert_eq!(e.object.as_deref(), Some("abababababababababababababababab"));
/// # Ok(()) }
/// ```
///
/// The log assigns the sequence number and (unless [`AuditEvent::at`] was used) the time.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditEvent {
    /// What happened.
    pub kind: EventKind,
    /// When; `None` lets the log stamp it from its clock.
    pub time: Option<Timestamp>,
    /// Who acted.
    pub actor: Option<Actor>,
    /// The object (envelope) id, lowercase hex.
    pub object: Option<String>,
    /// The case.
    pub case: Option<CaseRef>,
    /// The data's category.
    pub category: Option<Category>,
    /// The data's classification.
    pub classification: Option<Classification>,
    /// The purposes the data was given for.
    pub purposes: PurposeSet,
    /// The purpose stated by the actor.
    pub purpose: Option<Purpose>,
    /// The exception invoked, if any.
    pub exception: Option<ExceptionRecord>,
    /// Key ids involved: recipients of a seal or share, the key generated, rotated or destroyed.
    pub keys: Vec<KeyId>,
    /// How it ended.
    pub outcome: Outcome,
    /// Short non-secret strings (e.g. `recipient`, `reason`, `channel`), sorted by key.
    pub detail: BTreeMap<String, String>,
}

impl AuditEvent {
    /// An event of `kind` with outcome [`Outcome::Ok`] and nothing else set.
    #[must_use]
    pub fn new(kind: EventKind) -> Self {
        Self {
            kind,
            time: None,
            actor: None,
            object: None,
            case: None,
            category: None,
            classification: None,
            purposes: PurposeSet::new(),
            purpose: None,
            exception: None,
            keys: Vec::new(),
            outcome: Outcome::Ok,
            detail: BTreeMap::new(),
        }
    }

    /// A `refused` event carrying the refusal (or failure) from `error`.
    #[must_use]
    pub fn refused(error: &Error) -> Self {
        Self::new(EventKind::Refused).outcome(Outcome::from_error(error))
    }

    /// An `opened` (or, when the decision used an exception, `exception_used`) event for an allowed open.
    #[must_use]
    pub fn for_decision(decision: &Decision) -> Self {
        let e = match &decision.basis {
            Basis::Exception(x) => Self::new(EventKind::ExceptionUsed).exception(x),
            Basis::Purpose(_) | Basis::Extended { .. } => Self::new(EventKind::Opened),
        };
        e.purpose(&decision.purpose).at(decision.at)
    }

    /// Set the time explicitly instead of letting the log stamp it.
    #[must_use]
    pub fn at(mut self, t: Timestamp) -> Self {
        self.time = Some(t);
        self
    }

    /// Set the actor.
    #[must_use]
    pub fn actor(mut self, a: &Actor) -> Self {
        self.actor = Some(a.clone());
        self
    }

    /// Set the object id from its bytes (recorded as lowercase hex).
    #[must_use]
    pub fn object(mut self, id: &[u8]) -> Self {
        self.object = Some(crate::audit::entry::to_hex(id));
        self
    }

    /// Set the object id from hex text (lowercased; checked when the event is appended).
    #[must_use]
    pub fn object_hex(mut self, hex: &str) -> Self {
        self.object = Some(hex.to_ascii_lowercase());
        self
    }

    /// Set the case reference.
    #[must_use]
    pub fn case(mut self, c: &CaseRef) -> Self {
        self.case = Some(c.clone());
        self
    }

    /// Set the category.
    #[must_use]
    pub fn category(mut self, c: Category) -> Self {
        self.category = Some(c);
        self
    }

    /// Set the classification.
    #[must_use]
    pub fn classification(mut self, c: Classification) -> Self {
        self.classification = Some(c);
        self
    }

    /// Set the purposes the data was given for.
    #[must_use]
    pub fn purposes(mut self, p: &PurposeSet) -> Self {
        self.purposes = p.clone();
        self
    }

    /// Set the purpose stated by the actor.
    #[must_use]
    pub fn purpose(mut self, p: &Purpose) -> Self {
        self.purpose = Some(p.clone());
        self
    }

    /// Record an exception.
    #[must_use]
    pub fn exception(mut self, e: &ExceptionGround) -> Self {
        self.exception = Some(ExceptionRecord::from(e));
        self
    }

    /// Add a key id (recipient, generated, rotated or destroyed key).
    #[must_use]
    pub fn key(mut self, k: KeyId) -> Self {
        self.keys.push(k);
        self
    }

    /// Add key ids.
    #[must_use]
    pub fn keys<I: IntoIterator<Item = KeyId>>(mut self, ks: I) -> Self {
        self.keys.extend(ks);
        self
    }

    /// Set the outcome.
    #[must_use]
    pub fn outcome(mut self, o: Outcome) -> Self {
        self.outcome = o;
        self
    }

    /// Add a non-secret detail (replacing an earlier value for the same key).
    #[must_use]
    pub fn detail(mut self, key: &str, value: &str) -> Self {
        self.detail.insert(key.to_owned(), value.to_owned());
        self
    }

    /// Check the limits a log enforces before writing: object id is hex, detail and key counts
    /// within limits, no control characters in detail.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the field.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidArgument(format!("audit event: {m}")));
        if let Some(o) = &self.object
            && (o.is_empty()
                || o.len() > MAX_OBJECT_ID_HEX
                || !o.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        {
            return bad(format!("object id must be 1 to {MAX_OBJECT_ID_HEX} lowercase hex digits"));
        }
        if self.keys.len() > MAX_KEYS {
            return bad(format!("at most {MAX_KEYS} key ids"));
        }
        if self.detail.len() > MAX_DETAIL_ENTRIES {
            return bad(format!("at most {MAX_DETAIL_ENTRIES} detail entries"));
        }
        for (k, v) in &self.detail {
            if k.is_empty() || k.len() > MAX_DETAIL_KEY_LEN || v.len() > MAX_DETAIL_VALUE_LEN {
                return bad(format!(
                    "detail keys are 1 to {MAX_DETAIL_KEY_LEN} bytes, values at most {MAX_DETAIL_VALUE_LEN}"
                ));
            }
            if k.chars().chain(v.chars()).any(char::is_control) {
                return bad("detail must not contain control characters".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_by_name() {
        for k in EventKind::ALL {
            assert_eq!(k.name().parse::<EventKind>().expect("known"), k);
            let json = serde_json::to_string(&k).expect("serializes");
            assert_eq!(json, format!("\"{}\"", k.name()));
        }
        assert!("frobbed".parse::<EventKind>().is_err());
    }

    #[test]
    fn refusal_outcome_keeps_kind_and_message_failure_only_kind() {
        let e = Error::PurposeNotPermitted { requested: "a".into(), permitted: "b".into() };
        let o = Outcome::from_error(&e);
        assert_eq!(o.summary(), "refused:purpose_not_permitted");
        assert_eq!(Outcome::from_error(&Error::OpenFailed), Outcome::Failed { kind: "open_failed".into() });
    }

    #[test]
    fn hostile_exception_record_json_is_refused() {
        let why = "The court ordered disclosure of these records for the confiscation hearing";
        let good = format!(r#"{{"kind":"court_order","reference":"LG 12/26","justification":"{why}"}}"#);
        let r: ExceptionRecord = serde_json::from_str(&good).expect("valid");
        assert_eq!(r, ExceptionRecord::from(&ExceptionGround::court_order("LG 12/26", why).expect("valid")));
        assert_eq!(serde_json::to_string(&r).expect("json"), good, "round trip");
        let threat: ExceptionRecord =
            serde_json::from_str(&format!(r#"{{"kind":"imminent_threat","justification":"{why}"}}"#)).expect("valid");
        assert_eq!(threat.known_kind(), Some(ExceptionKind::ImminentThreat));
        let hostile = [
            format!(r#"{{"kind":"because_i_can","reference":"x","justification":"{why}"}}"#),
            format!(r#"{{"kind":"","reference":"x","justification":"{why}"}}"#),
            format!(r#"{{"kind":"court_order","justification":"{why}"}}"#), // a court order needs its reference
            format!(r#"{{"kind":"court_order","reference":"","justification":"{why}"}}"#),
            format!(r#"{{"kind":"court_order","reference":" LG 12/26","justification":"{why}"}}"#),
            format!(r#"{{"kind":"court_order","reference":"LG\n12/26","justification":"{why}"}}"#),
            format!(r#"{{"kind":"court_order","reference":"{}","justification":"{why}"}}"#, "r".repeat(257)),
            r#"{"kind":"court_order","reference":"LG 12/26","justification":""}"#.to_owned(),
            r#"{"kind":"court_order","reference":"LG 12/26","justification":"because"}"#.to_owned(),
            format!(r#"{{"kind":"court_order","reference":"LG 12/26","justification":"{why}\u0000"}}"#),
            format!(r#"{{"kind":"court_order","reference":"LG 12/26","justification":" {why}"}}"#),
            format!(r#"{{"kind":"court_order","reference":"LG 12/26","justification":"{}"}}"#, "word ".repeat(900)),
            format!(r#"{{"kind":"court_order","reference":"LG 12/26","justification":"{why}","by":"x"}}"#),
            format!(r#"{{"kind":1,"reference":"LG 12/26","justification":"{why}"}}"#),
            r#"{"kind":"court_order","reference":"LG 12/26","justification":null}"#.to_owned(),
            "null".to_owned(),
        ];
        for json in &hostile {
            assert!(serde_json::from_str::<ExceptionRecord>(json).is_err(), "accepted {json}");
        }
    }

    #[test]
    fn validation_rejects_bad_fields() {
        assert!(AuditEvent::new(EventKind::Sealed).object_hex("xyz").validate().is_err());
        assert!(AuditEvent::new(EventKind::Sealed).detail("a", "b\nc").validate().is_err());
        assert!(AuditEvent::new(EventKind::Sealed).object(&[1, 2]).detail("a", "b").validate().is_ok());
    }
}
