//! Status codes: what every exported function returns.
//!
//! The codes are the core's [`ErrorKind`]s plus the boundary's [`BoundaryKind`]s (see [`Kind`]); this enum gives
//! them C names. It is written out literally because cbindgen reads source, not macros; a compile-time check below
//! makes every kind have its status (and every status be a kind), and the tests check the header's
//! `CUSTODIA_ERR_*` names and codes against the kinds in both directions. Codes are never reused or renumbered.

use std::collections::BTreeMap;
use std::ffi::{CStr, CString};
use std::sync::{Mutex, PoisonError};

use crate::error::{BoundaryKind, Error, Kind};
use custodia_core::ErrorKind;

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
    /// 108: The access policy (file or builder) is invalid; the message gives the line and column.
    CUSTODIA_ERR_POLICY_INVALID = 108,
    /// 109: The caller's output buffer is too small; nothing was written, and the size needed was reported.
    CUSTODIA_ERR_BUFFER_TOO_SMALL = 109,
    /// 110: The operation conflicts with recorded state (a legal hold placed twice or released without one, a key
    /// already in the keyring, already revoked or marked compromised, a stanza removed that the envelope lacks or
    /// added that it has). Not malformed input: a caller making an operation idempotent may treat it as done.
    CUSTODIA_ERR_CONFLICT = 110,
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
    /// 210: Need-to-know: the access policy assigns case teams and the actor is not on the envelope's case.
    CUSTODIA_ERR_NOT_ON_CASE = 210,
    /// 211: Need-to-know: the actor's role may not open this category, or for this purpose.
    CUSTODIA_ERR_ROLE_NOT_PERMITTED = 211,
    /// 212: A transfer rule of the access policy refuses this category going to this jurisdiction.
    CUSTODIA_ERR_TRANSFER_REFUSED = 212,
    /// 213: A transfer rule needs a stated legal basis (a legal instrument with a transfer basis) and there is none.
    CUSTODIA_ERR_LEGAL_BASIS_REQUIRED = 213,
    /// 214: Four eyes: an exception on this data needs a second approver's valid approval; the message says why.
    CUSTODIA_ERR_APPROVAL_REQUIRED = 214,
    /// 215: An onward transfer (adding another authority's key) by a custodian that is not the envelope's
    /// originator, without a valid grant of the originator naming that key; the message says what is missing or
    /// wrong (no grant, unsigned envelope, forged signature, wrong signer, another envelope, expired, jurisdiction).
    CUSTODIA_ERR_ONWARD_TRANSFER_NOT_GRANTED = 215,
    /// 216: A purpose extension without a valid grant of the originator; the message says which check failed.
    CUSTODIA_ERR_PURPOSE_EXTENSION_NOT_GRANTED = 216,
    /// 217: Another authority's key was revoked (`custodia_key_revoke`): nothing new is sealed or shared to it.
    CUSTODIA_ERR_KEY_REVOKED = 217,
    /// 218: Sealing for another authority's key needs the envelope's destinations to name its jurisdiction; the
    /// message says which to add.
    CUSTODIA_ERR_DESTINATION_REQUIRED = 218,
    /// 219: The key was marked compromised (`custodia_key_mark_compromised`): it seals, signs and receives nothing
    /// new.
    CUSTODIA_ERR_KEY_COMPROMISED = 219,
    /// 220: A disclosure receipt names an object this custodian never sealed or shared (import) or never received
    /// (issue), or another case than the object was sent for.
    CUSTODIA_ERR_RECEIPT_NOT_APPLICABLE = 220,
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
    /// 311: An approval's bytes or text are malformed.
    CUSTODIA_ERR_APPROVAL_INVALID = 311,
    /// 312: Bytes that are not a well-formed grant (structure, lengths, canonical encoding, armor).
    CUSTODIA_ERR_GRANT_INVALID = 312,
    /// 313: A disclosure receipt is malformed, oversized, or its signature does not verify.
    CUSTODIA_ERR_RECEIPT_INVALID = 313,
    /// 314: A disclosure receipt is signed by a key that is not the one expected (not an imported public signing key
    /// of another authority, or not the key given).
    CUSTODIA_ERR_RECEIPT_ISSUER_UNKNOWN = 314,
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
    /// 408: Another authority's key is outside the validity period it was imported with; nothing is sealed or
    /// shared to it.
    CUSTODIA_ERR_KEY_NOT_VALID = 408,
    /// 409: A key provider (an HSM over PKCS#11, a host's KMS) could not be reached: its library did not load, the
    /// token is absent or not logged in, its session was lost. Nothing was wrapped or unwrapped.
    CUSTODIA_ERR_PROVIDER_UNAVAILABLE = 409,
    /// 410: A key provider was reached but failed or refused the operation.
    CUSTODIA_ERR_PROVIDER_FAILED = 410,
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
    /// 508: A Merkle inclusion or consistency proof does not verify: the entry is not the one at that index of that
    /// tree, or the newer tree does not extend the older one (the log shrank or was rewritten).
    CUSTODIA_ERR_MERKLE_PROOF_INVALID = 508,
    /// 509: A Merkle checkpoint or proof bundle is malformed, not signed by the audit key given, or of another log.
    CUSTODIA_ERR_CHECKPOINT_INVALID = 509,
    // ---- 9xx: environment and internal faults
    /// 900: An operating-system I/O error.
    CUSTODIA_ERR_IO = 900,
    /// 901: The operating system's random number generator failed.
    CUSTODIA_ERR_RNG = 901,
    /// 902: A file custodia needs exclusively is held by another writer. No current call returns it: writers
    /// share the audit log (docs/AUDIT.md); the code stays reserved.
    CUSTODIA_ERR_IN_USE = 902,
    /// 903: A file custodia relies on (the audit log, the keyring) can be written by its group or by others.
    CUSTODIA_ERR_INSECURE_PERMISSIONS = 903,
    /// 998: A handle is unusable because an earlier call on it panicked; free it and make a new one.
    CUSTODIA_ERR_POISONED = 998,
    /// 999: A bug in custodia (for example a caught panic across the C ABI).
    CUSTODIA_ERR_INTERNAL = 999,
}

impl custodia_status {
    /// Every status, in code order: the variants of the enum above, named once more because Rust cannot list an
    /// enum's variants. Checked in both directions against the header (which cbindgen writes from the enum) by the
    /// tests, and against [`ErrorKind::ALL`] and [`BoundaryKind::ALL`] at compile time (below).
    const ALL: &[Self] = &[
        Self::CUSTODIA_OK,
        Self::CUSTODIA_ERR_INVALID_ARGUMENT,
        Self::CUSTODIA_ERR_INVALID_PURPOSE,
        Self::CUSTODIA_ERR_TOO_MANY_PURPOSES,
        Self::CUSTODIA_ERR_NO_PURPOSE,
        Self::CUSTODIA_ERR_INVALID_JURISDICTION,
        Self::CUSTODIA_ERR_CLASSIFICATION_BELOW_MINIMUM,
        Self::CUSTODIA_ERR_INVALID_EXCEPTION,
        Self::CUSTODIA_ERR_UNKNOWN_CODE,
        Self::CUSTODIA_ERR_POLICY_INVALID,
        Self::CUSTODIA_ERR_BUFFER_TOO_SMALL,
        Self::CUSTODIA_ERR_CONFLICT,
        Self::CUSTODIA_ERR_NULL_POINTER,
        Self::CUSTODIA_ERR_INVALID_UTF8,
        Self::CUSTODIA_ERR_INVALID_HANDLE,
        Self::CUSTODIA_ERR_PURPOSE_NOT_PERMITTED,
        Self::CUSTODIA_ERR_EXPIRED,
        Self::CUSTODIA_ERR_JURISDICTION_NOT_PERMITTED,
        Self::CUSTODIA_ERR_CLEARANCE_INSUFFICIENT,
        Self::CUSTODIA_ERR_KEY_DESTROYED,
        Self::CUSTODIA_ERR_LEGAL_HOLD,
        Self::CUSTODIA_ERR_SIGNER_MISMATCH,
        Self::CUSTODIA_ERR_TRANSFER_NOT_PERMITTED,
        Self::CUSTODIA_ERR_RECIPIENT_NOT_PERMITTED,
        Self::CUSTODIA_ERR_RECIPIENT_JURISDICTION_UNKNOWN,
        Self::CUSTODIA_ERR_NOT_ON_CASE,
        Self::CUSTODIA_ERR_ROLE_NOT_PERMITTED,
        Self::CUSTODIA_ERR_TRANSFER_REFUSED,
        Self::CUSTODIA_ERR_LEGAL_BASIS_REQUIRED,
        Self::CUSTODIA_ERR_APPROVAL_REQUIRED,
        Self::CUSTODIA_ERR_ONWARD_TRANSFER_NOT_GRANTED,
        Self::CUSTODIA_ERR_PURPOSE_EXTENSION_NOT_GRANTED,
        Self::CUSTODIA_ERR_KEY_REVOKED,
        Self::CUSTODIA_ERR_DESTINATION_REQUIRED,
        Self::CUSTODIA_ERR_KEY_COMPROMISED,
        Self::CUSTODIA_ERR_RECEIPT_NOT_APPLICABLE,
        Self::CUSTODIA_ERR_MALFORMED,
        Self::CUSTODIA_ERR_UNSUPPORTED_VERSION,
        Self::CUSTODIA_ERR_UNSUPPORTED_SUITE,
        Self::CUSTODIA_ERR_TRUNCATED,
        Self::CUSTODIA_ERR_LIMIT_EXCEEDED,
        Self::CUSTODIA_ERR_UNKNOWN_CRITICAL_FIELD,
        Self::CUSTODIA_ERR_OPEN_FAILED,
        Self::CUSTODIA_ERR_NO_MATCHING_RECIPIENT,
        Self::CUSTODIA_ERR_SIGNATURE_INVALID,
        Self::CUSTODIA_ERR_ARMOR,
        Self::CUSTODIA_ERR_ENVELOPE_CHANGED,
        Self::CUSTODIA_ERR_APPROVAL_INVALID,
        Self::CUSTODIA_ERR_GRANT_INVALID,
        Self::CUSTODIA_ERR_RECEIPT_INVALID,
        Self::CUSTODIA_ERR_RECEIPT_ISSUER_UNKNOWN,
        Self::CUSTODIA_ERR_KEY_NOT_FOUND,
        Self::CUSTODIA_ERR_KEY_STATE,
        Self::CUSTODIA_ERR_WRONG_PASSPHRASE,
        Self::CUSTODIA_ERR_KEYRING_CORRUPT,
        Self::CUSTODIA_ERR_KEYRING_VERSION,
        Self::CUSTODIA_ERR_INVALID_KEY_TEXT,
        Self::CUSTODIA_ERR_KDF_PARAMS_OUT_OF_RANGE,
        Self::CUSTODIA_ERR_CUSTODIAN_NOT_FOUND,
        Self::CUSTODIA_ERR_KEY_NOT_VALID,
        Self::CUSTODIA_ERR_PROVIDER_UNAVAILABLE,
        Self::CUSTODIA_ERR_PROVIDER_FAILED,
        Self::CUSTODIA_ERR_AUDIT_WRITE,
        Self::CUSTODIA_ERR_AUDIT_MALFORMED,
        Self::CUSTODIA_ERR_AUDIT_TAMPERED,
        Self::CUSTODIA_ERR_AUDIT_WRONG_KEY,
        Self::CUSTODIA_ERR_AUDIT_UNSUPPORTED_FORMAT,
        Self::CUSTODIA_ERR_CUSTODIAN_CLOSED,
        Self::CUSTODIA_ERR_ANCHOR_INVALID,
        Self::CUSTODIA_ERR_MERKLE_PROOF_INVALID,
        Self::CUSTODIA_ERR_CHECKPOINT_INVALID,
        Self::CUSTODIA_ERR_IO,
        Self::CUSTODIA_ERR_RNG,
        Self::CUSTODIA_ERR_IN_USE,
        Self::CUSTODIA_ERR_INSECURE_PERMISSIONS,
        Self::CUSTODIA_ERR_POISONED,
        Self::CUSTODIA_ERR_INTERNAL,
    ];

    /// The status for `error`: the status with its kind's code.
    pub(crate) fn from_error(error: &Error) -> Self {
        Self::from_kind(error.kind())
    }

    /// The status with `kind`'s code. Every kind has one: checked at compile time (below the impl).
    const fn from_kind(kind: Kind) -> Self {
        match Self::from_code(kind.code()) {
            Some(status) => status,
            // Unreachable: a kind without a status does not compile.
            None => Self::CUSTODIA_ERR_INTERNAL,
        }
    }

    /// The status with this code, if assigned.
    pub(crate) const fn from_code(code: u32) -> Option<Self> {
        let mut i = 0;
        while i < Self::ALL.len() {
            if Self::ALL[i] as u32 == code {
                return Some(Self::ALL[i]);
            }
            i += 1;
        }
        None
    }

    /// The stable snake_case name (`purpose_not_permitted`), the kind's name; `ok` for success.
    pub(crate) const fn name(self) -> &'static str {
        match Kind::from_code(self as u32) {
            Some(kind) => kind.name(),
            None if matches!(self, Self::CUSTODIA_OK) => "ok",
            // Unreachable: every status but OK is a kind (checked at compile time below).
            None => "unknown",
        }
    }
}

// Every core `ErrorKind` and every `BoundaryKind` has its status, and every status but `CUSTODIA_OK` is one of them:
// a new core kind does not build until it is added to `custodia_status` (and the header regenerated).
const _: () = {
    let mut i = 0;
    while i < ErrorKind::ALL.len() {
        assert!(
            custodia_status::from_code(ErrorKind::ALL[i].code()).is_some(),
            "a core ErrorKind has no custodia_status"
        );
        i += 1;
    }
    let mut i = 0;
    while i < BoundaryKind::ALL.len() {
        assert!(
            custodia_status::from_code(BoundaryKind::ALL[i] as u32).is_some(),
            "a BoundaryKind has no custodia_status"
        );
        i += 1;
    }
    let mut i = 0;
    while i < custodia_status::ALL.len() {
        let status = custodia_status::ALL[i];
        assert!(
            matches!(status, custodia_status::CUSTODIA_OK) || Kind::from_code(status as u32).is_some(),
            "a custodia_status is neither a core ErrorKind nor a BoundaryKind"
        );
        assert!(i == 0 || (custodia_status::ALL[i - 1] as u32) < status as u32, "custodia_status::ALL out of order");
        i += 1;
    }
};

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
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_status_with_the_same_code_name_and_refusal_flag() {
        for kind in Kind::all() {
            let status = custodia_status::from_code(kind.code()).unwrap_or_else(|| panic!("no status for {kind:?}"));
            assert_eq!(status as u32, kind.code());
            assert_eq!(status.name(), kind.name());
            assert_eq!(custodia_status::from_kind(kind), status);
            // SAFETY: no preconditions.
            assert_eq!(unsafe { custodia_status_is_refusal(kind.code()) }, kind.is_refusal());
        }
        // Nothing in the C list that is not a kind (besides OK).
        assert_eq!(custodia_status::ALL.len(), Kind::all().count() + 1);
        assert_eq!(custodia_status::ALL[0], custodia_status::CUSTODIA_OK);
    }

    #[test]
    fn errors_map_through_their_kind() {
        let core = Error::from(custodia_core::Error::OpenFailed);
        assert_eq!(custodia_status::from_error(&core), custodia_status::CUSTODIA_ERR_OPEN_FAILED);
        assert_eq!(core.code(), 306);
        let boundary = Error::NullPointer("x");
        assert_eq!(custodia_status::from_error(&boundary), custodia_status::CUSTODIA_ERR_NULL_POINTER);
        assert_eq!(boundary.code(), 120);
    }

    #[test]
    fn names_are_static_c_strings() {
        // SAFETY: the returned pointers are static NUL-terminated strings.
        let name = |code| unsafe { CStr::from_ptr(custodia_status_name(code)) }.to_str().expect("ASCII");
        assert_eq!(name(0), "ok");
        assert_eq!(name(200), "purpose_not_permitted");
        assert_eq!(name(998), "poisoned");
        assert_eq!(name(999), "internal");
        assert_eq!(name(12345), "unknown");
        assert_eq!(static_c_name("ok").as_ptr(), static_c_name("ok").as_ptr());
    }
}
