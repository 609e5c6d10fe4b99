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
//!   opening requires stating one, and the [`policy`] gate refuses any other unless an [`ExceptionGround`] (court order,
//!   consent, imminent threat, legal obligation) with a written justification is invoked.
//! - **Envelopes**: [`format`](mod@format) seals bytes for KEK, X25519 (HPKE, optionally authenticated) and X-Wing recipients,
//!   bound to purposes, category, jurisdictions and expiry, optionally signed; its header parses without any key so
//!   the policy gate can decide before a key is touched. `docs/FORMAT.md` specifies every byte.
//!
//! ## Quick start
//!
//! The [`Custodian`] facade is the way in: a keyring and an audit log in one directory, and every act (seal, open,
//! refusal, key change) recorded before it returns. The low-level [`policy`] gate and [`format`](mod@format) are
//! what it is built on.
//!
//! ```
//! use custodia::keys::Unlock;
//! use custodia::{
//!     Actor, Category, Classification, Custodian, CustodianOptions, Error, Jurisdiction, KeyKind, OpenRequest, Purpose,
//!     PurposeSet, SealOptions, Sensitive,
//! };
//!
//! # fn main() -> custodia::Result<()> {
//! # let dir = tempfile::tempdir().map_err(Error::Io)?;
//! # let dir = dir.path().join("case-data");
//! // `create: true` starts a new custodian in `dir` (mode 0700); without it a path holding none is refused.
//! let options = CustodianOptions { create: true, ..CustodianOptions::default() };
//! let custodian = Custodian::open(&dir, Unlock::passphrase("correct horse"), options)?;
//! let anna = Actor::new("anna", "prosecutor", Jurisdiction::parse("DE")?, Classification::Secret)?;
//! let kek = custodian.generate_key(&anna, KeyKind::Kek, "case MLA-2026-0042")?;
//!
//! let statement = Sensitive::new(b"IBAN NL91ABNA0417164300, balance 1,204,331.17".to_vec(), Category::FinancialRecords);
//! assert_eq!(format!("{statement:?}"), "Sensitive<financial_records, confidential>([REDACTED])");
//! let purposes = PurposeSet::parse(&["investigation", "prosecution"])?;
//! let sealed = custodian.seal(&anna, &statement, &SealOptions::new(purposes, vec![kek]))?;
//!
//! // Allowed: prosecution.trial lies under the granted purpose prosecution.
//! let trial = OpenRequest::new(anna.clone(), Purpose::parse("prosecution.trial")?);
//! let opened = custodian.open_envelope(&trial, &sealed, None)?;
//! assert_eq!(opened.data.expose_secret(), statement.expose_secret());
//!
//! // Refused before any key is touched, and the refusal says why.
//! let recovery = OpenRequest::new(anna, Purpose::parse("asset_recovery")?);
//! let refusal = custodian.open_envelope(&recovery, &sealed, None).unwrap_err();
//! assert_eq!(refusal.to_string(), "purpose asset_recovery is not permitted; permitted purposes: investigation, prosecution");
//!
//! // The seal, the open and the refusal are in the signed, hash-chained audit log.
//! let report = custodian.verify_audit(&[])?;
//! assert!(report.entries >= 4);
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

pub mod audit;
pub mod custodian;
pub mod error;
pub mod format;
pub mod jurisdiction;
pub mod keys;
pub mod policy;
mod primitives;
pub mod purpose;
pub mod sensitive;
pub mod time;

pub use audit::{AuditEvent, AuditLog, AuditOptions, AuditSink, Durability, EventKind, Outcome, VerifyReport};
pub use custodian::{Custodian, CustodianOptions, EnvelopeInfo, KeyInfo, OpenedEnvelope, SealOptions};
pub use error::{Error, Result};
pub use format::{Header, Metadata, Opened};
pub use jurisdiction::Jurisdiction;
pub use keys::{KeyId, KeyKind};
pub use policy::{Actor, CaseRef, Decision, Grant, OpenRequest, PolicyGate, Terms};
pub use purpose::{ExceptionGround, ExceptionKind, Purpose, PurposeSet};
pub use sensitive::{Category, Classification, Sensitive};
pub use time::{Clock, FixedClock, SystemClock, Timestamp};
