//! # custodia
//!
//! Sealed, purpose-bound, audited handling of the sensitive data that authorities exchange under mutual legal
//! assistance (MLA): bank records, subscriber data, witness identities, evidence files.
//!
//! custodia makes the right handling the easy handling:
//!
//! - **Typed sensitive containers**: [`Sensitive<T>`] tags a value with a [`Category`] and a [`Classification`],
//!   redacts it in `Debug`/`Display`, and zeroizes it on drop.
//! - **Purposes**: data is given for stated [`Purpose`]s (`investigation`, `prosecution.trial`, `mla.request`);
//!   opening requires stating one, and the policy gate ([`PolicyGate`]) refuses any other unless an [`Exception`] (court order,
//!   consent, imminent threat, legal obligation) with a written justification is invoked.
//! - **Envelopes**: [`format`](mod@format) seals bytes for KEK, X25519 (HPKE, optionally authenticated) and X-Wing recipients,
//!   bound to purposes, category, jurisdictions and expiry, optionally signed; its header parses without any key so
//!   the policy gate can decide before a key is touched. `docs/FORMAT.md` specifies every byte.
//!
//! ## Quick start
//!
//! ```
//! use std::sync::Arc;
//! use custodia::{Actor, OpenRequest, PolicyGate, Terms};
//! use custodia::{Category, Classification, FixedClock, Jurisdiction, Purpose, PurposeSet, Sensitive, Timestamp};
//!
//! # fn main() -> custodia::Result<()> {
//! let statement = Sensitive::new(b"IBAN NL91ABNA0417164300, balance 1,204,331.17".to_vec(), Category::FinancialRecords);
//! assert_eq!(format!("{statement:?}"), "Sensitive<financial_records, confidential>([REDACTED])");
//!
//! let terms = Terms {
//!     purposes: PurposeSet::parse(&["investigation", "prosecution"])?,
//!     category: statement.category(),
//!     classification: statement.classification(),
//!     origin: Some(Jurisdiction::parse("NL")?),
//!     destinations: vec![Jurisdiction::parse("DE")?],
//!     not_after: Some(Timestamp::from_date(2031, 12, 31)?),
//! };
//! let gate = PolicyGate::new(Arc::new(FixedClock::new(Timestamp::from_date(2026, 11, 23)?)));
//! let anna = Actor::new("anna", "prosecutor", Jurisdiction::parse("DE")?, Classification::Secret)?;
//!
//! // Allowed: prosecution.trial lies under the granted purpose prosecution.
//! gate.decide(&terms, &OpenRequest::new(anna.clone(), Purpose::parse("prosecution.trial")?))?;
//! // Refused, and the refusal says why.
//! let refusal = gate.decide(&terms, &OpenRequest::new(anna, Purpose::parse("asset_recovery")?)).unwrap_err();
//! assert_eq!(refusal.to_string(), "purpose asset_recovery is not permitted; permitted purposes: investigation, prosecution");
//! # Ok(()) }
//! ```
//!
//! ## Errors
//!
//! Every fallible call returns [`Result`] with the one [`Error`] type. Each variant has a stable numeric
//! [`Error::code`], the status code of the C API (the crate `custodia-ffi`, in `ffi/`, builds that API on this
//! one and adds the codes only C callers can cause: NULL pointers, invalid UTF-8, dead or poisoned handles). No error message ever contains plaintext or key material.

#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]

// The public interface is the list below: each item has exactly one path. The facade and the words it speaks are at
// the root; `keys` holds the key types and the keyring; `format` (envelope bytes) and `audit` (the log, its entries,
// verification and queries) are the documented low-level layers under the facade.
pub mod audit;
mod custodian;
mod error;
pub mod format;
pub mod keys;
mod policy;
mod primitives;
mod vocabulary;

pub use custodian::{
    AUDIT_KEY_LABEL, Custodian, CustodianOptions, EnvelopeInfo, KeyInfo, OpenedEnvelope, RewrapItem, RewrapOutput,
    RewrapPlan, SealOptions, Sealed, ShredReport,
};
pub use error::{Error, ErrorCategory, ErrorKind, Result};
pub use policy::{
    Decision, Grant, NewRecipient, ONWARD_TRANSFER_PURPOSE, OpenRequest, PolicyGate, RewrapRequest, Terms,
};
pub use vocabulary::{
    Actor, CaseRef, Category, Classification, Clock, Exception, ExceptionKind, FixedClock, Jurisdiction, KEY_ID_LEN,
    KeyId, KeyKind, MAX_ACTOR_FIELD_LEN, MAX_CASE_REF_LEN, MAX_DEPTH, MAX_JUSTIFICATION_LEN, MAX_PURPOSE_LEN,
    MAX_PURPOSES, MAX_REFERENCE_LEN, MAX_SEGMENT_LEN, MIN_JUSTIFICATION_CHARS, MIN_JUSTIFICATION_WORDS, Purpose,
    PurposeError, PurposeSet, Sensitive, SystemClock, Timestamp, well_known, wipe_bytes,
};
