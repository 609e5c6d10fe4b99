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
//!   opening requires stating one, and the policy gate ([`PolicyGate`]) refuses any other unless an [`ExceptionGround`] (court order,
//!   consent, imminent threat, legal obligation, national security, overriding public interest) with a written
//!   justification is invoked.
//! - **Disclosure receipts**: the recipient signs a [`Receipt`] of what it did with an envelope (received, opened for
//!   what, exception used, shared onward, destroyed, refused) from its audit log; the sender verifies and records it
//!   ([`Custodian::import_receipt`]).
//! - **Envelopes**: [`format`](mod@format) seals bytes for KEK, X25519 (HPKE, optionally authenticated) and X-Wing recipients,
//!   bound to purposes, category, jurisdictions and expiry, optionally signed; its header parses without any key so
//!   the policy gate can decide before a key is touched. `docs/FORMAT.md` specifies every byte.
//! - **The rule of speciality**: an originator's signed [`Grant`] lets a recipient pass an envelope on to one more
//!   authority's key or use it for more purposes ([`Custodian::issue_grant`], [`Custodian::rewrap_with`],
//!   [`Custodian::extend_purposes`]); without one the refusal is typed and audited, and the grant travels in the
//!   envelope's header so every later reader checks it.
//!
//! ## Quick start
//!
//! The [`Custodian`] facade is the way in: a keyring and an audit log in one directory, and every act (seal, open,
//! refusal, key change) recorded before it returns. The low-level policy gate ([`PolicyGate`]) and [`format`](mod@format) are
//! what it is built on.
//!
//! ```
//! use custodia::Unlock;
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
//! let custodian = Custodian::load(&dir, Unlock::passphrase("correct horse"), options)?;
//! let anna = Actor::new("anna", "prosecutor", Jurisdiction::parse("DE")?, Classification::Secret)?;
//! let kek = custodian.generate_key(&anna, KeyKind::Kek, "case MLA-2026-0042")?;
//!
//! let statement = Sensitive::new(b"IBAN NL91ABNA0417164300, balance 1,204,331.17".to_vec(), Category::FinancialRecords);
//! assert_eq!(format!("{statement:?}"), "Sensitive<financial_records, confidential>([REDACTED])");
//! let purposes = PurposeSet::parse(&["investigation", "prosecution"])?;
//! let sealed = custodian.seal(&anna, &statement, &SealOptions::new(purposes, vec![kek]))?.envelope;
//!
//! // Allowed: prosecution.trial lies under the granted purpose prosecution.
//! let trial = OpenRequest::new(anna.clone(), Purpose::parse("prosecution.trial")?);
//! let opened = custodian.open(&trial, &sealed)?;
//! assert_eq!(opened.data.expose_secret(), statement.expose_secret());
//!
//! // Refused before any key is touched, and the refusal says why.
//! let recovery = OpenRequest::new(anna, Purpose::parse("asset_recovery")?);
//! let refusal = custodian.open(&recovery, &sealed).unwrap_err();
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

// The public interface is the list below: each item has exactly one path, except the few named twice on purpose
// (`LegalInstrument`/`InstrumentKind` at the root and in `format`; the Ed25519 key types in `format` and `audit`). The facade and the words it speaks are at
// the root, with the keyring and how to unlock it; `format` (envelope bytes, with the key types its wrap and unwrap
// take) and `audit` (the log, its entries, verification and queries) are the documented low-level layers under the
// facade.
pub mod audit;
mod custodian;
mod error;
mod exchange;
pub mod format;
mod keys;
mod memory;
mod policy;
#[cfg(feature = "postgres")]
pub mod postgres;
mod primitives;
mod vocabulary;

// Other crates in the public API, deliberately and only these (docs/NAMING.md, "Other crates in the API"):
// `Sensitive<T>` needs `T: zeroize::Zeroize`, and the `format::*_with_rng` functions take a `rand_core::CryptoRng`;
// both crates are re-exported so that a caller names exactly the versions custodia was built with. serde 1 is a
// public dependency: metadata types implement its `Serialize`/`Deserialize`, and `Sensitive::deserialize_as` takes
// its `Deserializer`. No `ed25519_dalek`, `x25519_dalek`, `hpke` or cipher type appears in any signature.
pub use rand_core;
pub use zeroize;

pub use custodian::{
    AUDIT_KEY_LABEL, CompromiseReport, Custodian, CustodianOptions, EnvelopeInfo, FieldOutcome, KeyAuthority, KeyInfo,
    MAX_PSEUDONYM_BATCH, MAX_PSEUDONYM_DOMAIN_LEN, Opened, OpenedRecord, ProtectedEnvelope, Pseudonym, RECEIPTS_DIR,
    ReceiptOptions, RecordField, RewrapItem, RewrapOptions, RewrapOutput, RewrapPlan, SealOptions, Sealed, ShredReport,
};
pub use error::{ConflictReason, Error, ErrorCategory, ErrorKind, Result};
/// Verifiable redaction of records: custodia's SD-JWT profile (docs/FORMAT.md section 15).
pub use exchange::sdjwt;
pub use exchange::{
    GRANT_ARMOR_BEGIN, GRANT_ARMOR_END, GRANT_MAGIC, GRANT_VERSION, Grant, GrantScope, MAX_GRANT_REFERENCE_LEN,
};
pub use format::receipt::{
    MAX_RECEIPT_FIELD_LEN, MAX_RECEIPT_ITEM_FIELDS, MAX_RECEIPT_ITEMS, MAX_RECEIPT_LEN, RECEIPT_ARMOR_BEGIN,
    RECEIPT_ARMOR_END, Receipt, ReceiptField, ReceiptItem, ReceiptItemKind,
};
pub use format::{
    FieldDescriptor, FieldKind, FieldName, FieldSpec, FieldValue, InstrumentKind, LegalInstrument, PayloadType, Record,
    RecordDate,
};
/// The PKCS#11 key provider (feature `pkcs11`): key-encryption keys on an HSM token.
#[cfg(feature = "pkcs11")]
pub use keys::pkcs11;
pub use keys::{
    AuditPin, CaseKeyWrapping, KEYRING_FILE, KdfParams, KeyMark, KeyProvider, KeyRecord, KeyState, Keyring, LegalHold,
    MAX_AUTHORITY_LEN, MAX_DESTROY_REASON_LEN, MAX_HOLD_REASON_LEN, MAX_HOLD_REFERENCE_LEN, MAX_KEYRING_LEN,
    MAX_LABEL_LEN, Signer, Unlock, Unwrapped, decode_public, encode_public, public_len,
};
pub use memory::{MemoryProtection, disable_core_dumps, memory_protection};
pub use policy::{
    ACCESS_POLICY_FILE, APPROVAL_PREFIX, AccessPolicy, AccessPolicyBuilder, Admission, Approval, ApprovalTerms,
    Approver, Basis, Decision, Extension, MAX_APPROVAL_LEN, MAX_POLICY_LEN, MaskRule, NewRecipient,
    ONWARD_TRANSFER_PURPOSE, OpenRequest, POLICY_VERSION, PolicyGate, RewrapRequest, Speciality, Terms,
    TransferDecision,
};
pub use vocabulary::{
    Actor, CaseRef, Category, Classification, Clock, DataTag, ExceptionGround, ExceptionKind, FixedClock, GRANT_ID_LEN,
    GrantId, Jurisdiction, KEY_ID_LEN, KeyId, KeyKind, MAX_ACTOR_FIELD_LEN, MAX_CASE_REF_LEN, MAX_DEPTH,
    MAX_JUSTIFICATION_LEN, MAX_PURPOSE_LEN, MAX_PURPOSES, MAX_REFERENCE_LEN, MAX_SEGMENT_LEN, MIN_JUSTIFICATION_CHARS,
    MIN_JUSTIFICATION_WORDS, Purpose, PurposeError, PurposeSet, Sensitive, SystemClock, Timestamp, well_known,
    wipe_bytes,
};
