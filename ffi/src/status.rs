//! Status codes: what every exported function returns.
//!
//! The codes are [`Error::code`]; this enum gives them C names. It is written out literally because cbindgen reads
//! source, not macros; the tests check that every [`Error`] variant has its code and name here and in the header.
//! Codes are never reused or renumbered.

use std::collections::BTreeMap;
use std::ffi::{CStr, CString};
use std::sync::{Mutex, PoisonError};

use crate::error::Error;

/// A status code: `CUSTODIA_OK` (0) on success, otherwise the code of what went wrong. Codes are grouped: 1xx
/// invalid input, 2xx refusals by policy, 3xx envelope format, 4xx keys, 5xx audit, 9xx environment and internal
/// faults. Later versions may add codes: treat any unknown non-zero code as a failure.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum custodia_status {
    /// 0: Success.
    CUSTODIA_OK = 0,
    // ---- 1xx: invalid input from the caller
    /// 100: An argument was malformed; the message names the argument and the rule.
    CUSTODIA_ERR_INVALID_ARGUMENT = 100,
    /// 101: A purpose string does not follow the purpose grammar.
    CUSTODIA_ERR_INVALID_PURPOSE = 101,
    /// 102: A purpose set would exceed the maximum (32).
    CUSTODIA_ERR_TOO_MANY_PURPOSES = 102,
    /// 103: A purpose set was empty where at least one purpose is required.
    CUSTODIA_ERR_NO_PURPOSE = 103,
    /// 104: A jurisdiction is not an assigned ISO 3166-1 alpha-2 code.
    CUSTODIA_ERR_INVALID_JURISDICTION = 104,
    /// 105: A classification below the minimum its category allows.
    CUSTODIA_ERR_CLASSIFICATION_BELOW_MINIMUM = 105,
    /// 106: An exception (court order, consent, ...) is incomplete: missing reference or justification.
    CUSTODIA_ERR_INVALID_EXCEPTION = 106,
    /// 107: A category, classification or other enumerated code is unknown.
    CUSTODIA_ERR_UNKNOWN_CODE = 107,
    /// 120: A required pointer argument was NULL.
    CUSTODIA_ERR_NULL_POINTER = 120,
    /// 121: A string argument was not valid UTF-8.
    CUSTODIA_ERR_INVALID_UTF8 = 121,
    /// 122: A handle is not live: never issued, already freed, or a handle of another type.
    CUSTODIA_ERR_INVALID_HANDLE = 122,
    // ---- 2xx: refusals by policy (see custodia_status_is_refusal)
    /// 200: The stated purpose is not among (or under) the purposes the data was given for.
    CUSTODIA_ERR_PURPOSE_NOT_PERMITTED = 200,
    /// 201: The envelope's not-after time has passed.
    CUSTODIA_ERR_EXPIRED = 201,
    /// 202: The actor's jurisdiction is not one the data may be opened in.
    CUSTODIA_ERR_JURISDICTION_NOT_PERMITTED = 202,
    /// 203: The actor's clearance is below the data's classification.
    CUSTODIA_ERR_CLEARANCE_INSUFFICIENT = 203,
    /// 204: The key needed is destroyed (crypto-shredded); the data cannot be opened by anyone holding only that key.
    CUSTODIA_ERR_KEY_DESTROYED = 204,
    /// 205: A legal hold blocks destroying this key or case.
    CUSTODIA_ERR_LEGAL_HOLD = 205,
    /// 206: A signature from a specific signer was required but the envelope was signed by another key or not at all.
    CUSTODIA_ERR_SIGNER_MISMATCH = 206,
    /// 207: Adding another authority's key (sharing) needs the purpose `mla.execution` (or one under it), granted by
    /// the envelope; the stated purpose was another.
    CUSTODIA_ERR_TRANSFER_NOT_PERMITTED = 207,
    /// 208: Another authority's key was to be added, but its authority acts in a jurisdiction the envelope does not
    /// permit.
    CUSTODIA_ERR_RECIPIENT_NOT_PERMITTED = 208,
    /// 209: Another authority's key was to be added, but it was imported without a jurisdiction; import it again with
    /// its authority's jurisdiction.
    CUSTODIA_ERR_RECIPIENT_JURISDICTION_UNKNOWN = 209,
    // ---- 3xx: envelope format
    /// 300: Bytes that are not a custodia envelope, or not a well-formed one; the message says which structure.
    CUSTODIA_ERR_MALFORMED = 300,
    /// 301: The envelope's format version is not supported by this library.
    CUSTODIA_ERR_UNSUPPORTED_VERSION = 301,
    /// 302: The envelope's cipher suite is not supported by this library.
    CUSTODIA_ERR_UNSUPPORTED_SUITE = 302,
    /// 303: The input ended before the structure it declared.
    CUSTODIA_ERR_TRUNCATED = 303,
    /// 304: A declared size exceeds one of the format's limits.
    CUSTODIA_ERR_LIMIT_EXCEEDED = 304,
    /// 305: A header field this library does not know is marked critical.
    CUSTODIA_ERR_UNKNOWN_CRITICAL_FIELD = 305,
    /// 306: The envelope failed authentication. Deliberately says nothing more.
    CUSTODIA_ERR_OPEN_FAILED = 306,
    /// 307: None of the available keys matches a recipient of the envelope.
    CUSTODIA_ERR_NO_MATCHING_RECIPIENT = 307,
    /// 308: The envelope's signature does not verify.
    CUSTODIA_ERR_SIGNATURE_INVALID = 308,
    /// 309: The armored text form is malformed.
    CUSTODIA_ERR_ARMOR = 309,
    /// 310: A seekable reader found a chunk changed since it was verified (the source was modified while open).
    CUSTODIA_ERR_ENVELOPE_CHANGED = 310,
    // ---- 4xx: keys and keyring
    /// 400: No key with this id is known.
    CUSTODIA_ERR_KEY_NOT_FOUND = 400,
    /// 401: The key exists but may not be used for this (e.g. a decrypt-only key asked to seal).
    CUSTODIA_ERR_KEY_STATE = 401,
    /// 402: The keyring could not be unlocked: wrong passphrase or master key.
    CUSTODIA_ERR_WRONG_PASSPHRASE = 402,
    /// 403: The keyring file is corrupt (truncated, altered, or not a keyring).
    CUSTODIA_ERR_KEYRING_CORRUPT = 403,
    /// 404: The keyring file has a version this library does not know.
    CUSTODIA_ERR_KEYRING_VERSION = 404,
    /// 405: A key in text form is malformed or fails its checksum.
    CUSTODIA_ERR_INVALID_KEY_TEXT = 405,
    /// 406: The keyring asks for (or a new keyring was given) Argon2id costs outside the accepted range; refused before
    /// any derivation.
    CUSTODIA_ERR_KDF_PARAMS_OUT_OF_RANGE = 406,
    /// 407: No custodian (directory or keyring) at the path given, and creating one was not asked for
    /// (`custodia_custodian_options_set_create`). Parent directories are never created.
    CUSTODIA_ERR_CUSTODIAN_NOT_FOUND = 407,
    // ---- 5xx: audit
    /// 500: An audit event could not be durably recorded; the operation was refused (fail closed).
    CUSTODIA_ERR_AUDIT_WRITE = 500,
    /// 501: The audit log is malformed at the given line.
    CUSTODIA_ERR_AUDIT_MALFORMED = 501,
    /// 502: Audit verification found the log altered.
    CUSTODIA_ERR_AUDIT_TAMPERED = 502,
    /// 503: The audit log (or certificate, or anchor) was signed by another audit key than the one given.
    CUSTODIA_ERR_AUDIT_WRONG_KEY = 503,
    /// 504: The audit log is in a format this library does not write or verify (e.g. a custodia-audit/1 log).
    CUSTODIA_ERR_AUDIT_UNSUPPORTED_FORMAT = 504,
    /// 506: The custodian was closed (`custodia_custodian_close`): it records nothing more and touches no key; only
    /// its audit public key, audit verification and envelope inspection remain. Free the handle; open again.
    CUSTODIA_ERR_CUSTODIAN_CLOSED = 506,
    /// 507: An audit anchor's signature (or a counter-signature on it) does not verify against the key given, or the
    /// anchor belongs to another log.
    CUSTODIA_ERR_ANCHOR_INVALID = 507,
    // ---- 9xx: environment and internal faults
    /// 900: An operating-system I/O error.
    CUSTODIA_ERR_IO = 900,
    /// 901: The operating system's random number generator failed.
    CUSTODIA_ERR_RNG = 901,
    /// 902: A file custodia needs exclusively (the audit log) is held by another writer, in this process or another.
    CUSTODIA_ERR_IN_USE = 902,
    /// 903: A file custodia relies on (the audit log, the keyring) can be written by its group or by others.
    CUSTODIA_ERR_INSECURE_PERMISSIONS = 903,
    /// 998: A handle is unusable because an earlier call on it panicked; free it and make a new one.
    CUSTODIA_ERR_POISONED = 998,
    /// 999: A bug in custodia (for example a caught panic across the C ABI).
    CUSTODIA_ERR_INTERNAL = 999,
}

/// Every status with its stable name, in code order.
const STATUSES: &[(custodia_status, &str)] = &[
    (custodia_status::CUSTODIA_OK, "ok"),
    (custodia_status::CUSTODIA_ERR_INVALID_ARGUMENT, "invalid_argument"),
    (custodia_status::CUSTODIA_ERR_INVALID_PURPOSE, "invalid_purpose"),
    (custodia_status::CUSTODIA_ERR_TOO_MANY_PURPOSES, "too_many_purposes"),
    (custodia_status::CUSTODIA_ERR_NO_PURPOSE, "no_purpose"),
    (custodia_status::CUSTODIA_ERR_INVALID_JURISDICTION, "invalid_jurisdiction"),
    (custodia_status::CUSTODIA_ERR_CLASSIFICATION_BELOW_MINIMUM, "classification_below_minimum"),
    (custodia_status::CUSTODIA_ERR_INVALID_EXCEPTION, "invalid_exception"),
    (custodia_status::CUSTODIA_ERR_UNKNOWN_CODE, "unknown_code"),
    (custodia_status::CUSTODIA_ERR_NULL_POINTER, "null_pointer"),
    (custodia_status::CUSTODIA_ERR_INVALID_UTF8, "invalid_utf8"),
    (custodia_status::CUSTODIA_ERR_INVALID_HANDLE, "invalid_handle"),
    (custodia_status::CUSTODIA_ERR_PURPOSE_NOT_PERMITTED, "purpose_not_permitted"),
    (custodia_status::CUSTODIA_ERR_EXPIRED, "expired"),
    (custodia_status::CUSTODIA_ERR_JURISDICTION_NOT_PERMITTED, "jurisdiction_not_permitted"),
    (custodia_status::CUSTODIA_ERR_CLEARANCE_INSUFFICIENT, "clearance_insufficient"),
    (custodia_status::CUSTODIA_ERR_KEY_DESTROYED, "key_destroyed"),
    (custodia_status::CUSTODIA_ERR_LEGAL_HOLD, "legal_hold"),
    (custodia_status::CUSTODIA_ERR_SIGNER_MISMATCH, "signer_mismatch"),
    (custodia_status::CUSTODIA_ERR_TRANSFER_NOT_PERMITTED, "transfer_not_permitted"),
    (custodia_status::CUSTODIA_ERR_RECIPIENT_NOT_PERMITTED, "recipient_not_permitted"),
    (custodia_status::CUSTODIA_ERR_RECIPIENT_JURISDICTION_UNKNOWN, "recipient_jurisdiction_unknown"),
    (custodia_status::CUSTODIA_ERR_MALFORMED, "malformed"),
    (custodia_status::CUSTODIA_ERR_UNSUPPORTED_VERSION, "unsupported_version"),
    (custodia_status::CUSTODIA_ERR_UNSUPPORTED_SUITE, "unsupported_suite"),
    (custodia_status::CUSTODIA_ERR_TRUNCATED, "truncated"),
    (custodia_status::CUSTODIA_ERR_LIMIT_EXCEEDED, "limit_exceeded"),
    (custodia_status::CUSTODIA_ERR_UNKNOWN_CRITICAL_FIELD, "unknown_critical_field"),
    (custodia_status::CUSTODIA_ERR_OPEN_FAILED, "open_failed"),
    (custodia_status::CUSTODIA_ERR_NO_MATCHING_RECIPIENT, "no_matching_recipient"),
    (custodia_status::CUSTODIA_ERR_SIGNATURE_INVALID, "signature_invalid"),
    (custodia_status::CUSTODIA_ERR_ARMOR, "armor"),
    (custodia_status::CUSTODIA_ERR_ENVELOPE_CHANGED, "envelope_changed"),
    (custodia_status::CUSTODIA_ERR_KEY_NOT_FOUND, "key_not_found"),
    (custodia_status::CUSTODIA_ERR_KEY_STATE, "key_state"),
    (custodia_status::CUSTODIA_ERR_WRONG_PASSPHRASE, "wrong_passphrase"),
    (custodia_status::CUSTODIA_ERR_KEYRING_CORRUPT, "keyring_corrupt"),
    (custodia_status::CUSTODIA_ERR_KEYRING_VERSION, "keyring_version"),
    (custodia_status::CUSTODIA_ERR_INVALID_KEY_TEXT, "invalid_key_text"),
    (custodia_status::CUSTODIA_ERR_KDF_PARAMS_OUT_OF_RANGE, "kdf_params_out_of_range"),
    (custodia_status::CUSTODIA_ERR_CUSTODIAN_NOT_FOUND, "custodian_not_found"),
    (custodia_status::CUSTODIA_ERR_AUDIT_WRITE, "audit_write"),
    (custodia_status::CUSTODIA_ERR_AUDIT_MALFORMED, "audit_malformed"),
    (custodia_status::CUSTODIA_ERR_AUDIT_TAMPERED, "audit_tampered"),
    (custodia_status::CUSTODIA_ERR_AUDIT_WRONG_KEY, "audit_wrong_key"),
    (custodia_status::CUSTODIA_ERR_AUDIT_UNSUPPORTED_FORMAT, "audit_unsupported_format"),
    (custodia_status::CUSTODIA_ERR_CUSTODIAN_CLOSED, "custodian_closed"),
    (custodia_status::CUSTODIA_ERR_ANCHOR_INVALID, "anchor_invalid"),
    (custodia_status::CUSTODIA_ERR_IO, "io"),
    (custodia_status::CUSTODIA_ERR_RNG, "rng"),
    (custodia_status::CUSTODIA_ERR_IN_USE, "in_use"),
    (custodia_status::CUSTODIA_ERR_INSECURE_PERMISSIONS, "insecure_permissions"),
    (custodia_status::CUSTODIA_ERR_POISONED, "poisoned"),
    (custodia_status::CUSTODIA_ERR_INTERNAL, "internal"),
];

impl custodia_status {
    /// The status for `error`: its [`Error::code`]. A code missing from this enum (a bug the tests catch) becomes
    /// `CUSTODIA_ERR_INTERNAL` rather than an invalid enum value.
    pub(crate) fn from_error(error: &Error) -> Self {
        Self::from_code(error.code()).unwrap_or(Self::CUSTODIA_ERR_INTERNAL)
    }

    /// The status with this code, if assigned.
    pub(crate) fn from_code(code: u32) -> Option<Self> {
        STATUSES.iter().find(|(s, _)| *s as u32 == code).map(|(s, _)| *s)
    }

    /// The stable snake_case name (`purpose_not_permitted`), equal to [`Error::kind_name`]; `ok` for success.
    pub(crate) fn name(self) -> &'static str {
        STATUSES.iter().find(|(s, _)| *s == self).map_or("unknown", |(_, n)| n)
    }
}

/// A `&'static CStr` for a static name, interned so that C can hold the pointer forever. The set of names is
/// fixed (statuses, categories, classifications, kinds), so the table stays small.
pub(crate) fn static_c_name(name: &'static str) -> &'static CStr {
    static NAMES: Mutex<BTreeMap<&'static str, &'static CStr>> = Mutex::new(BTreeMap::new());
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    names.entry(name).or_insert_with(|| {
        // Names are ASCII identifiers; a NUL in one would be a bug, shown as an empty name rather than a panic.
        Box::leak(CString::new(name).unwrap_or_default().into_boxed_c_str())
    })
}

/// The stable snake_case name of a status code (`"ok"`, `"purpose_not_permitted"`), or `"unknown"` for a code this
/// version does not assign. Never NULL.
///
/// # Safety
///
/// Always safe to call, from any thread. The returned string is static: do not free it. Does not change the last
/// error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_status_name(status: u32) -> *const core::ffi::c_char {
    custodia_status::from_code(status).map_or(c"unknown".as_ptr(), |s| static_c_name(s.name()).as_ptr())
}

/// Whether `status` is a refusal by policy (purpose, expiry, jurisdiction, clearance, destroyed key, legal hold,
/// signer, onward transfer): the 2xx codes. A refusal is a decision, recorded in the audit log, not a fault.
///
/// # Safety
///
/// Always safe to call, from any thread. Does not change the last error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_status_is_refusal(status: u32) -> bool {
    (200..300).contains(&status)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::error::Error;
    use custodia_core::Error as CoreError;
    use custodia_core::PurposeError;
    use custodia_core::Timestamp;
    use custodia_core::{Category, Classification};

    /// The position of `e`'s variant. The core error is `#[non_exhaustive]`, so this match needs a wildcard: a new
    /// core variant is caught by the length check in the test below only once it is added to [`one_of_each`].
    fn variant_index(e: &Error) -> usize {
        match e {
            Error::NullPointer(_) => 8,
            Error::InvalidUtf8(_) => 9,
            Error::InvalidHandle(_) => 10,
            Error::Poisoned(_) => 51,
            Error::Core(e) => core_variant_index(e),
        }
    }

    fn core_variant_index(e: &CoreError) -> usize {
        match e {
            CoreError::InvalidArgument(_) => 0,
            CoreError::InvalidPurpose { .. } => 1,
            CoreError::TooManyPurposes { .. } => 2,
            CoreError::NoPurpose => 3,
            CoreError::InvalidJurisdiction(_) => 4,
            CoreError::ClassificationBelowMinimum { .. } => 5,
            CoreError::InvalidException(_) => 6,
            CoreError::UnknownCode { .. } => 7,
            CoreError::PurposeNotPermitted { .. } => 11,
            CoreError::Expired { .. } => 12,
            CoreError::JurisdictionNotPermitted { .. } => 13,
            CoreError::ClearanceInsufficient { .. } => 14,
            CoreError::KeyDestroyed { .. } => 15,
            CoreError::LegalHold { .. } => 16,
            CoreError::SignerMismatch { .. } => 17,
            CoreError::Malformed(_) => 18,
            CoreError::UnsupportedVersion(_) => 19,
            CoreError::UnsupportedSuite(_) => 20,
            CoreError::Truncated => 21,
            CoreError::LimitExceeded { .. } => 22,
            CoreError::UnknownCriticalField(_) => 23,
            CoreError::OpenFailed => 24,
            CoreError::NoMatchingRecipient => 25,
            CoreError::SignatureInvalid => 26,
            CoreError::Armor(_) => 27,
            CoreError::KeyNotFound(_) => 28,
            CoreError::KeyState { .. } => 29,
            CoreError::WrongPassphrase => 30,
            CoreError::KeyringCorrupt(_) => 31,
            CoreError::KeyringVersion(_) => 32,
            CoreError::InvalidKeyText(_) => 33,
            CoreError::AuditWrite(_) => 34,
            CoreError::AuditMalformed { .. } => 35,
            CoreError::AuditTampered { .. } => 36,
            CoreError::AuditWrongKey { .. } => 37,
            CoreError::CustodianClosed => 38,
            CoreError::AnchorInvalid(_) => 39,
            CoreError::KdfParamsOutOfRange { .. } => 40,
            CoreError::CustodianNotFound { .. } => 41,
            CoreError::EnvelopeChanged { .. } => 42,
            CoreError::TransferNotPermitted { .. } => 43,
            CoreError::RecipientNotPermitted { .. } => 44,
            CoreError::RecipientJurisdictionUnknown { .. } => 45,
            CoreError::AuditUnsupportedFormat(_) => 46,
            CoreError::InUse(_) => 47,
            CoreError::InsecurePermissions { .. } => 48,
            CoreError::Io(_) => 49,
            CoreError::Rng => 50,
            CoreError::Internal(_) => 52,
            _ => usize::MAX,
        }
    }

    /// One value of every [`Error`] variant (boundary and core), in [`variant_index`] order.
    pub(crate) fn one_of_each() -> Vec<Error> {
        let t = Timestamp::from_unix(0);
        let s = String::new;
        let v = vec![
            Error::from(CoreError::InvalidArgument(s())),
            Error::from(CoreError::InvalidPurpose { input: s(), reason: PurposeError::Empty }),
            Error::from(CoreError::TooManyPurposes { count: 0, max: 0 }),
            Error::from(CoreError::NoPurpose),
            Error::from(CoreError::InvalidJurisdiction(s())),
            Error::from(CoreError::ClassificationBelowMinimum {
                category: Category::Health,
                classification: Classification::Public,
                minimum: Classification::Confidential,
            }),
            Error::from(CoreError::InvalidException(s())),
            Error::from(CoreError::UnknownCode { what: "", code: 0 }),
            Error::NullPointer(""),
            Error::InvalidUtf8(""),
            Error::InvalidHandle(""),
            Error::from(CoreError::PurposeNotPermitted { requested: s(), permitted: s() }),
            Error::from(CoreError::Expired { not_after: t, now: t }),
            Error::from(CoreError::JurisdictionNotPermitted { actor: s(), permitted: s() }),
            Error::from(CoreError::ClearanceInsufficient {
                required: Classification::Secret,
                held: Classification::Public,
            }),
            Error::from(CoreError::KeyDestroyed { key_id: s(), destroyed_at: t }),
            Error::from(CoreError::LegalHold { case_ref: s(), reference: s() }),
            Error::from(CoreError::SignerMismatch { expected: s(), found: s() }),
            Error::from(CoreError::Malformed(s())),
            Error::from(CoreError::UnsupportedVersion(0)),
            Error::from(CoreError::UnsupportedSuite(0)),
            Error::from(CoreError::Truncated),
            Error::from(CoreError::LimitExceeded { what: "", value: 0, max: 0 }),
            Error::from(CoreError::UnknownCriticalField(0)),
            Error::from(CoreError::OpenFailed),
            Error::from(CoreError::NoMatchingRecipient),
            Error::from(CoreError::SignatureInvalid),
            Error::from(CoreError::Armor(s())),
            Error::from(CoreError::KeyNotFound(s())),
            Error::from(CoreError::KeyState { key_id: s(), operation: "", state: "" }),
            Error::from(CoreError::WrongPassphrase),
            Error::from(CoreError::KeyringCorrupt(s())),
            Error::from(CoreError::KeyringVersion(0)),
            Error::from(CoreError::InvalidKeyText(s())),
            Error::from(CoreError::AuditWrite(s())),
            Error::from(CoreError::AuditMalformed { line: 0, reason: s() }),
            Error::from(CoreError::AuditTampered { entry: 0, reason: s() }),
            Error::from(CoreError::AuditWrongKey { expected: s(), found: s() }),
            Error::from(CoreError::CustodianClosed),
            Error::from(CoreError::AnchorInvalid(s())),
            Error::from(CoreError::KdfParamsOutOfRange { m_cost_kib: 0, t_cost: 0, p_cost: 0 }),
            Error::from(CoreError::CustodianNotFound { path: s(), reason: s() }),
            Error::from(CoreError::EnvelopeChanged { chunk: 0 }),
            Error::from(CoreError::TransferNotPermitted { key_id: s(), purpose: s() }),
            Error::from(CoreError::RecipientNotPermitted { key_id: s(), jurisdiction: s(), permitted: s() }),
            Error::from(CoreError::RecipientJurisdictionUnknown { key_id: s() }),
            Error::from(CoreError::AuditUnsupportedFormat(s())),
            Error::from(CoreError::InUse(s())),
            Error::from(CoreError::InsecurePermissions { path: s(), mode: 0 }),
            Error::from(CoreError::Io(std::io::Error::other("x"))),
            Error::from(CoreError::Rng),
            Error::Poisoned(""),
            Error::from(CoreError::Internal(s())),
        ];
        for (i, e) in v.iter().enumerate() {
            assert_eq!(variant_index(e), i, "one_of_each is out of order at {e:?}");
        }
        v
    }

    #[test]
    fn every_error_has_its_status_with_the_same_code_and_name() {
        let errors = one_of_each();
        for e in &errors {
            let status = custodia_status::from_code(e.code()).unwrap_or_else(|| panic!("no status for {e:?}"));
            assert_eq!(status as u32, e.code());
            assert_eq!(status.name(), e.kind_name());
            assert_eq!(custodia_status::from_error(e), status);
            // SAFETY: no preconditions.
            assert_eq!(unsafe { custodia_status_is_refusal(e.code()) }, e.is_refusal());
        }
        // Nothing in the C list that Rust does not produce (besides OK), and no duplicates.
        assert_eq!(STATUSES.len(), errors.len() + 1);
        let mut codes: Vec<u32> = STATUSES.iter().map(|(s, _)| *s as u32).collect();
        codes.dedup();
        assert_eq!(codes.len(), STATUSES.len(), "codes must be unique and sorted");
    }

    #[test]
    fn names_are_static_c_strings() {
        // SAFETY: the returned pointers are static NUL-terminated strings.
        let name = |code| unsafe { CStr::from_ptr(custodia_status_name(code)) }.to_str().expect("ASCII");
        assert_eq!(name(0), "ok");
        assert_eq!(name(200), "purpose_not_permitted");
        assert_eq!(name(999), "internal");
        assert_eq!(name(12345), "unknown");
        assert_eq!(static_c_name("ok").as_ptr(), static_c_name("ok").as_ptr());
    }
}
