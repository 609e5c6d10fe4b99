//! The one error type of custodia, with stable numeric codes.
//!
//! Every variant maps to a code that the C API returns as its status (see [`Error::code`]). Codes are grouped by
//! layer and are never reused or renumbered: a code retired with its variant stays retired. Codes 120 to 122 and 998
//! belong to the C boundary (the crate `custodia-ffi`: NULL pointer, invalid UTF-8, invalid handle, poisoned
//! handle), which only C callers can cause; they are never assigned here.
//!
//! Messages never contain secret material. Authentication failures deliberately say only that an envelope could
//! not be opened (no oracle); policy refusals say exactly which rule refused, because that is what an auditor needs.

use crate::vocabulary::purpose::PurposeError;
use crate::vocabulary::sensitive::{Category, Classification};
use crate::vocabulary::time::Timestamp;

/// Result type of every fallible custodia operation.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in custodia.
///
/// Match on the variant, or on [`Error::code`] across the C ABI. Refusals by the policy gate are the
/// `2xx` codes; [`Error::is_refusal`] tells them apart from faults.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- 1xx: invalid input from the caller --------------------------------------------------------------------
    /// An argument was malformed; the message names the argument and the rule.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A purpose string does not follow the purpose grammar.
    #[error("invalid purpose {input:?}: {reason}")]
    InvalidPurpose {
        /// The rejected text (purposes are not secret).
        input: String,
        /// Which rule it broke.
        reason: PurposeError,
    },
    /// A purpose set would exceed [`crate::vocabulary::purpose::MAX_PURPOSES`].
    #[error("too many purposes: {count} (at most {max})")]
    TooManyPurposes {
        /// How many were given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A purpose set was empty where at least one purpose is required.
    #[error("at least one purpose is required")]
    NoPurpose,
    /// A jurisdiction is not an assigned ISO 3166-1 alpha-2 code.
    #[error("invalid jurisdiction {0:?}: not an assigned ISO 3166-1 alpha-2 code")]
    InvalidJurisdiction(String),
    /// A classification below the minimum its category allows.
    #[error("classification {classification} is below the minimum {minimum} for category {category}")]
    ClassificationBelowMinimum {
        /// The data category.
        category: Category,
        /// The classification asked for.
        classification: Classification,
        /// The least the category allows.
        minimum: Classification,
    },
    /// An exception (court order, consent, ...) is incomplete: missing reference or justification.
    #[error("exception not acceptable: {0}")]
    InvalidException(String),
    /// A category, classification or other enumerated code is unknown.
    #[error("unknown {what} code {code}")]
    UnknownCode {
        /// Which enumeration.
        what: &'static str,
        /// The code seen.
        code: u32,
    },

    // ---- 2xx: refusals by the policy gate -----------------------------------------------------------------------
    /// The stated purpose is not among (or under) the purposes the data was given for.
    #[error("purpose {requested} is not permitted; permitted purposes: {permitted}")]
    PurposeNotPermitted {
        /// What the caller asked for.
        requested: String,
        /// What the envelope permits.
        permitted: String,
    },
    /// The envelope's not-after time has passed.
    #[error("expired at {not_after}, now is {now}")]
    Expired {
        /// The envelope's expiry.
        not_after: Timestamp,
        /// The clock's reading.
        now: Timestamp,
    },
    /// The actor's jurisdiction is not one the data may be opened in.
    #[error("jurisdiction {actor} is not permitted; permitted: {permitted}")]
    JurisdictionNotPermitted {
        /// The actor's jurisdiction.
        actor: String,
        /// The jurisdictions the envelope permits.
        permitted: String,
    },
    /// The actor's clearance is below the data's classification.
    #[error("clearance {held} is insufficient for {required} data")]
    ClearanceInsufficient {
        /// The classification of the data.
        required: Classification,
        /// The actor's clearance.
        held: Classification,
    },
    /// The key needed is destroyed (crypto-shredded); the data cannot be opened by anyone holding only that key.
    #[error("key {key_id} was destroyed at {destroyed_at}")]
    KeyDestroyed {
        /// The destroyed key's id.
        key_id: String,
        /// When it was destroyed.
        destroyed_at: Timestamp,
    },
    /// A legal hold blocks destroying this key or case.
    #[error("legal hold {reference} on case {case_ref} blocks this")]
    LegalHold {
        /// The case under hold.
        case_ref: String,
        /// The hold's reference.
        reference: String,
    },
    /// A signature from a specific signer was required but the envelope was signed by another key or not at all.
    #[error("signer mismatch: expected {expected}, found {found}")]
    SignerMismatch {
        /// The signer the caller required.
        expected: String,
        /// Who signed, or `none`.
        found: String,
    },

    // ---- 3xx: envelope format ------------------------------------------------------------------------------------
    /// Bytes that are not a custodia envelope, or not a well-formed one; the message says which structure.
    #[error("malformed envelope: {0}")]
    Malformed(String),
    /// The envelope's format version is not supported by this library.
    #[error("unsupported envelope version {0}")]
    UnsupportedVersion(u32),
    /// The envelope's cipher suite is not supported by this library.
    #[error("unsupported cipher suite {0}")]
    UnsupportedSuite(u32),
    /// The input ended before the structure it declared.
    #[error("envelope is truncated")]
    Truncated,
    /// A declared size exceeds one of the format's limits.
    #[error("limit exceeded: {what} is {value}, at most {max}")]
    LimitExceeded {
        /// Which limit.
        what: &'static str,
        /// The declared value.
        value: u64,
        /// The limit.
        max: u64,
    },
    /// A header field this library does not know is marked critical.
    #[error("unknown critical header field {0}")]
    UnknownCriticalField(u32),
    /// The envelope failed authentication. Deliberately says nothing more.
    #[error("the envelope could not be opened")]
    OpenFailed,
    /// None of the available keys matches a recipient of the envelope.
    #[error("no matching recipient")]
    NoMatchingRecipient,
    /// The envelope's signature does not verify.
    #[error("the envelope's signature is invalid")]
    SignatureInvalid,
    /// The armored text form is malformed.
    #[error("malformed armor: {0}")]
    Armor(String),

    // ---- 4xx: keys and keyring -----------------------------------------------------------------------------------
    /// No key with this id is known.
    #[error("unknown key {0}")]
    KeyNotFound(String),
    /// The key exists but may not be used for this (e.g. a decrypt-only key asked to seal).
    #[error("key {key_id} cannot be used to {operation}: it is {state}")]
    KeyState {
        /// The key's id.
        key_id: String,
        /// What was attempted.
        operation: &'static str,
        /// The key's state.
        state: &'static str,
    },
    /// The keyring could not be unlocked: wrong passphrase or master key.
    #[error("the keyring could not be unlocked: wrong passphrase or master key")]
    WrongPassphrase,
    /// The keyring file is corrupt (truncated, altered, or not a keyring).
    #[error("keyring file is corrupt: {0}")]
    KeyringCorrupt(String),
    /// The keyring file has a version this library does not know.
    #[error("unsupported keyring version {0}")]
    KeyringVersion(u32),
    /// A key in text form is malformed or fails its checksum.
    #[error("invalid key text: {0}")]
    InvalidKeyText(String),

    // ---- 5xx: audit ----------------------------------------------------------------------------------------------
    /// An audit event could not be durably recorded; the operation was refused (fail closed).
    #[error("audit log write failed, operation refused: {0}")]
    AuditWrite(String),
    /// The audit log is malformed at the given line.
    #[error("audit log malformed at line {line}: {reason}")]
    AuditMalformed {
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// Audit verification found the log altered.
    #[error("audit log verification failed at entry {entry}: {reason}")]
    AuditTampered {
        /// Sequence number of the first bad entry.
        entry: u64,
        /// What was found.
        reason: String,
    },
    /// The audit log (or certificate, or anchor) was signed by another audit key than the one given.
    #[error("audit log is signed by key {found}, not by the expected key {expected}")]
    AuditWrongKey {
        /// The public key the caller expected (hex).
        expected: String,
        /// The public key the log names (hex).
        found: String,
    },
    /// The custodian was closed ([`crate::Custodian::close`]): it records nothing more and touches no key; only its
    /// audit public key, audit verification and envelope inspection remain. Open the directory again to continue.
    #[error("the custodian is closed; open it again to continue")]
    CustodianClosed,
    /// An audit anchor's signature (or a counter-signature on it) does not verify against the key given, or the
    /// anchor belongs to another log: it was forged, altered, or comes from another custodian.
    #[error("audit anchor rejected: {0}")]
    AnchorInvalid(String),

    /// The keyring file asks for Argon2id costs outside the range custodia accepts ([`crate::keys::KdfParams::MIN`]
    /// to [`crate::keys::KdfParams::MAX`]); refused before any derivation, so an edited file cannot make an open cost
    /// gigabytes and seconds. Also returned when such costs are asked for a new keyring.
    #[error(
        "Argon2id parameters out of range: {m_cost_kib} KiB, {t_cost} passes, {p_cost} lanes (accepted: {} to {} KiB, \
         1 to {} passes, 1 to {} lanes, memory x passes at most {} KiB)",
        crate::keys::KdfParams::MIN.m_cost_kib,
        crate::keys::KdfParams::MAX.m_cost_kib,
        crate::keys::KdfParams::MAX.t_cost,
        crate::keys::KdfParams::MAX.p_cost,
        crate::keys::KdfParams::MAX_WORK_KIB
    )]
    KdfParamsOutOfRange {
        /// Memory asked for, in KiB.
        m_cost_kib: u32,
        /// Passes asked for.
        t_cost: u32,
        /// Lanes asked for.
        p_cost: u32,
    },
    /// There is no custodian (directory or keyring file) at the path given, and creating one was not asked for
    /// (`CustodianOptions::create`). custodia never creates parent directories.
    #[error("no custodian at {path}: {reason}")]
    CustodianNotFound {
        /// The directory given.
        path: String,
        /// What is missing, and how to create it if that was meant.
        reason: String,
    },

    // ---- 3xx, added later ----------------------------------------------------------------------------------------
    /// A seekable reader re-read a chunk whose bytes differ from those verified when the reader was built (or, for
    /// an unsigned envelope, when the chunk was first read): the source changed under it. No plaintext of the
    /// changed chunk is released.
    #[error("the envelope changed after it was verified: chunk {chunk} differs")]
    EnvelopeChanged {
        /// Index of the chunk (from 0).
        chunk: u64,
    },

    // ---- 2xx (continued): refusals of onward transfer ---------------------------------------------------------------
    /// Adding another authority's key to an envelope (sharing) needs the purpose `mla.execution` (or one under it),
    /// granted by the envelope; the stated purpose was another.
    #[error(
        "onward transfer to key {key_id} of another authority is not permitted for purpose {purpose}: sharing needs \
         the purpose mla.execution (or one under it), granted by the envelope"
    )]
    TransferNotPermitted {
        /// The other authority's key that was to be added.
        key_id: String,
        /// The purpose the actor stated.
        purpose: String,
    },
    /// Another authority's key was to be added, but its authority acts in a jurisdiction the envelope does not permit.
    #[error("recipient key {key_id} belongs to an authority in {jurisdiction}, not permitted; permitted: {permitted}")]
    RecipientNotPermitted {
        /// The other authority's key.
        key_id: String,
        /// The jurisdiction it was imported with.
        jurisdiction: String,
        /// The jurisdictions the envelope permits.
        permitted: String,
    },
    /// Another authority's key was to be added, but the keyring does not know where that authority acts (a key
    /// imported before keys carried a jurisdiction).
    #[error(
        "recipient key {key_id} of another authority has no recorded jurisdiction; import it again with its \
         authority's jurisdiction before sharing with it"
    )]
    RecipientJurisdictionUnknown {
        /// The other authority's key.
        key_id: String,
    },
    /// The audit log is in a format this library does not write or verify (e.g. a `custodia-audit/1` log, which
    /// has no per-entry signatures); verify it with the version that wrote it and start a new log.
    #[error("unsupported audit log format {0:?}; this library reads custodia-audit/2")]
    AuditUnsupportedFormat(String),

    // ---- 9xx: environment ----------------------------------------------------------------------------------------
    /// A file custodia needs exclusively (the audit log) is held by another writer, in this process or another.
    #[error("in use: {0}")]
    InUse(String),
    /// A file custodia relies on (the audit log, the keyring) can be written by its group or by others, so someone
    /// other than its owner could rewrite or replace it; refused until its mode is fixed (e.g. `chmod 600`).
    #[error("insecure permissions on {path}: mode {mode:o} lets group or others write it")]
    InsecurePermissions {
        /// The file.
        path: String,
        /// Its permission bits (e.g. `0o666`).
        mode: u32,
    },
    /// An operating-system I/O error.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Rng,
    /// A bug in custodia (for example a caught panic across the C ABI).
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The stable numeric code of this error, as returned by the C API. Never `0` (success).
    #[must_use]
    pub fn code(&self) -> u32 {
        match self {
            Self::InvalidArgument(_) => 100,
            Self::InvalidPurpose { .. } => 101,
            Self::TooManyPurposes { .. } => 102,
            Self::NoPurpose => 103,
            Self::InvalidJurisdiction(_) => 104,
            Self::ClassificationBelowMinimum { .. } => 105,
            Self::InvalidException(_) => 106,
            Self::UnknownCode { .. } => 107,

            Self::PurposeNotPermitted { .. } => 200,
            Self::Expired { .. } => 201,
            Self::JurisdictionNotPermitted { .. } => 202,
            Self::ClearanceInsufficient { .. } => 203,
            Self::KeyDestroyed { .. } => 204,
            Self::LegalHold { .. } => 205,
            Self::SignerMismatch { .. } => 206,

            Self::Malformed(_) => 300,
            Self::UnsupportedVersion(_) => 301,
            Self::UnsupportedSuite(_) => 302,
            Self::Truncated => 303,
            Self::LimitExceeded { .. } => 304,
            Self::UnknownCriticalField(_) => 305,
            Self::OpenFailed => 306,
            Self::NoMatchingRecipient => 307,
            Self::SignatureInvalid => 308,
            Self::Armor(_) => 309,

            Self::KeyNotFound(_) => 400,
            Self::KeyState { .. } => 401,
            Self::WrongPassphrase => 402,
            Self::KeyringCorrupt(_) => 403,
            Self::KeyringVersion(_) => 404,
            Self::InvalidKeyText(_) => 405,

            Self::AuditWrite(_) => 500,
            Self::AuditMalformed { .. } => 501,
            Self::AuditTampered { .. } => 502,
            Self::AuditWrongKey { .. } => 503,
            Self::CustodianClosed => 506,
            Self::AnchorInvalid(_) => 507,

            Self::KdfParamsOutOfRange { .. } => 406,
            Self::CustodianNotFound { .. } => 407,

            Self::EnvelopeChanged { .. } => 310,

            Self::TransferNotPermitted { .. } => 207,
            Self::RecipientNotPermitted { .. } => 208,
            Self::RecipientJurisdictionUnknown { .. } => 209,
            Self::AuditUnsupportedFormat(_) => 504,
            Self::InUse(_) => 902,
            Self::InsecurePermissions { .. } => 903,

            Self::Io(_) => 900,
            Self::Rng => 901,
            Self::Internal(_) => 999,
        }
    }

    /// Whether this is a refusal by policy (purpose, expiry, jurisdiction, clearance, destroyed key, legal hold,
    /// signer, onward transfer), as opposed to bad input or a fault.
    #[must_use]
    pub fn is_refusal(&self) -> bool {
        (200..300).contains(&self.code())
    }

    /// A short stable name for the refusal or error kind, as written in the audit log (`purpose_not_permitted`).
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::InvalidArgument(_) => "invalid_argument",
            Self::InvalidPurpose { .. } => "invalid_purpose",
            Self::TooManyPurposes { .. } => "too_many_purposes",
            Self::NoPurpose => "no_purpose",
            Self::InvalidJurisdiction(_) => "invalid_jurisdiction",
            Self::ClassificationBelowMinimum { .. } => "classification_below_minimum",
            Self::InvalidException(_) => "invalid_exception",
            Self::UnknownCode { .. } => "unknown_code",
            Self::PurposeNotPermitted { .. } => "purpose_not_permitted",
            Self::Expired { .. } => "expired",
            Self::JurisdictionNotPermitted { .. } => "jurisdiction_not_permitted",
            Self::ClearanceInsufficient { .. } => "clearance_insufficient",
            Self::KeyDestroyed { .. } => "key_destroyed",
            Self::LegalHold { .. } => "legal_hold",
            Self::SignerMismatch { .. } => "signer_mismatch",
            Self::Malformed(_) => "malformed",
            Self::UnsupportedVersion(_) => "unsupported_version",
            Self::UnsupportedSuite(_) => "unsupported_suite",
            Self::Truncated => "truncated",
            Self::LimitExceeded { .. } => "limit_exceeded",
            Self::UnknownCriticalField(_) => "unknown_critical_field",
            Self::OpenFailed => "open_failed",
            Self::NoMatchingRecipient => "no_matching_recipient",
            Self::SignatureInvalid => "signature_invalid",
            Self::Armor(_) => "armor",
            Self::KeyNotFound(_) => "key_not_found",
            Self::KeyState { .. } => "key_state",
            Self::WrongPassphrase => "wrong_passphrase",
            Self::KeyringCorrupt(_) => "keyring_corrupt",
            Self::KeyringVersion(_) => "keyring_version",
            Self::InvalidKeyText(_) => "invalid_key_text",
            Self::AuditWrite(_) => "audit_write",
            Self::AuditMalformed { .. } => "audit_malformed",
            Self::AuditTampered { .. } => "audit_tampered",
            Self::AuditWrongKey { .. } => "audit_wrong_key",
            Self::CustodianClosed => "custodian_closed",
            Self::AnchorInvalid(_) => "anchor_invalid",
            Self::KdfParamsOutOfRange { .. } => "kdf_params_out_of_range",
            Self::CustodianNotFound { .. } => "custodian_not_found",
            Self::EnvelopeChanged { .. } => "envelope_changed",
            Self::TransferNotPermitted { .. } => "transfer_not_permitted",
            Self::RecipientNotPermitted { .. } => "recipient_not_permitted",
            Self::RecipientJurisdictionUnknown { .. } => "recipient_jurisdiction_unknown",
            Self::AuditUnsupportedFormat(_) => "audit_unsupported_format",
            Self::InUse(_) => "in_use",
            Self::InsecurePermissions { .. } => "insecure_permissions",
            Self::Io(_) => "io",
            Self::Rng => "rng",
            Self::Internal(_) => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_nonzero() {
        let samples = [
            Error::InvalidArgument(String::new()),
            Error::NoPurpose,
            Error::InvalidJurisdiction(String::new()),
            Error::OpenFailed,
            Error::Truncated,
            Error::NoMatchingRecipient,
            Error::WrongPassphrase,
            Error::Rng,
            Error::Internal(String::new()),
        ];
        let mut codes: Vec<u32> = samples.iter().map(Error::code).collect();
        assert!(codes.iter().all(|&c| c != 0));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), samples.len());
    }

    #[test]
    fn refusals_are_2xx() {
        let e = Error::PurposeNotPermitted { requested: "a".into(), permitted: "b".into() };
        assert!(e.is_refusal());
        assert!(!Error::OpenFailed.is_refusal());
    }
}
