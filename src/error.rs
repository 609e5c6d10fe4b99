//! The one error type of custodia, and [`ErrorKind`], the one source of its stable codes and names.
//!
//! Every variant has a kind ([`Error::kind`]); the kind's discriminant is the code that the C API returns as its
//! status, and its name is what the audit log writes. The C header's `CUSTODIA_ERR_*` list, the ffi crate's status
//! enum and the Python and Java exception tables are checked against [`ErrorKind::ALL`] by their tests, so this file
//! is where a code is assigned. Codes are grouped by layer ([`ErrorCategory`]) and are never reused or renumbered: a
//! code retired with its variant stays retired. Codes 120 to 122 and 998 belong to the C boundary (the crate
//! `custodia-ffi`: NULL pointer, invalid UTF-8, invalid handle, poisoned handle), which only C callers can cause;
//! they are never assigned here.
//!
//! Messages never contain secret material. Authentication failures deliberately say only that an envelope could
//! not be opened (no oracle); policy refusals say exactly which rule refused, because that is what an auditor needs.

use crate::vocabulary::CaseRef;
use crate::vocabulary::KeyId;
use crate::vocabulary::jurisdiction::Jurisdiction;
use crate::vocabulary::purpose::PurposeError;
use crate::vocabulary::sensitive::{Category, Classification};
use crate::vocabulary::time::Timestamp;

/// Result type of every fallible custodia operation.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in custodia.
///
/// Match on the variant for the details, or on [`Error::kind`] for the stable code and name ([`Error::code`] across
/// the C ABI). Refusals by the policy gate are the `2xx` codes; [`Error::is_refusal`] (or the kind's
/// [`ErrorCategory::Refusal`]) tells them apart from faults.
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
    /// The operation conflicts with state already recorded (in the keyring or the envelope): the key is already
    /// there, already revoked or marked, the case is already held or not held, the envelope has no stanza to remove.
    /// Not malformed input and not a refusal: the same call can be right at another time, so a caller that wants an
    /// operation to be idempotent matches on `what` (and finds the key or case concerned in `key_id` / `case_ref`).
    ///
    /// ```
    /// # use custodia::{ConflictReason, Error};
    /// # fn place(r: custodia::Result<()>) -> custodia::Result<()> {
    /// match r {
    ///     // Placing a hold that is already in force is what we wanted anyway.
    ///     Err(Error::Conflict { what: ConflictReason::CaseAlreadyHeld, .. }) => Ok(()),
    ///     other => other,
    /// }
    /// # }
    /// ```
    #[error("conflict with recorded state: {}", conflict_text(what, key_id.as_ref(), case_ref.as_ref()))]
    Conflict {
        /// Which conflict.
        what: ConflictReason,
        /// The key concerned, for the key conflicts (every reason but the two legal-hold ones).
        key_id: Option<KeyId>,
        /// The case concerned, for [`ConflictReason::CaseAlreadyHeld`] and [`ConflictReason::CaseNotHeld`].
        case_ref: Option<CaseRef>,
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
        key_id: KeyId,
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
    KeyNotFound(KeyId),
    /// The key exists but may not be used for this (e.g. a decrypt-only key asked to seal).
    #[error("key {key_id} cannot be used to {operation}: it is {state}")]
    KeyState {
        /// The key's id.
        key_id: KeyId,
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

    /// Another authority's key is outside the validity period it was imported with.
    #[error("key {key_id} is valid {period}; now is {now}: nothing is sealed or shared to it outside that period")]
    KeyNotValid {
        /// The key.
        key_id: KeyId,
        /// The period, e.g. `from 2026-01-01T00:00:00Z until 2027-01-01T00:00:00Z`.
        period: String,
        /// The clock's reading.
        now: Timestamp,
    },
    /// A key provider (an HSM over PKCS#11, a host's KMS) could not be reached: its library did not load, the token
    /// is absent or not logged in, its session was lost. Nothing was wrapped or unwrapped.
    #[error("key provider unavailable: {0}")]
    ProviderUnavailable(String),
    /// A key provider was reached but failed or refused the operation (a mechanism error, a host callback that
    /// reported failure or returned something malformed). Never used for a stanza that does not authenticate
    /// ([`Error::OpenFailed`]).
    #[error("key provider failed: {0}")]
    ProviderFailed(String),

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
    /// A Merkle inclusion or consistency proof does not verify against the checkpoint it is checked with: the entry
    /// is not the one at that index of that tree (edited, another index, a proof for another tree size), or the
    /// newer tree does not extend the older one (the log shrank or was rewritten). `docs/AUDIT.md` §12.
    #[error("Merkle proof rejected: {0}")]
    MerkleProofInvalid(String),
    /// A Merkle checkpoint (a signed note) or a proof bundle is malformed (not in the format of `docs/AUDIT.md` §12,
    /// non-canonical base64, bad lines), is not signed by the audit key given, or belongs to another log.
    #[error("Merkle checkpoint rejected: {0}")]
    CheckpointInvalid(String),

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
        key_id: KeyId,
        /// The purpose the actor stated.
        purpose: String,
    },
    /// Another authority's key was to be added, but its authority acts in a jurisdiction the envelope does not permit.
    #[error(
        "recipient key {key_id} belongs to an authority in {jurisdiction}, not permitted; permitted: {permitted} (the \
         envelope's destinations must include {jurisdiction})"
    )]
    RecipientNotPermitted {
        /// The other authority's key.
        key_id: KeyId,
        /// The jurisdiction it was imported with.
        jurisdiction: Jurisdiction,
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
        key_id: KeyId,
    },
    /// Another authority's key was revoked (end of cooperation, compromise): nothing new is sealed or shared to it.
    #[error("key {key_id} was revoked at {revoked_at}: nothing new is sealed or shared to it ({reason})")]
    KeyRevoked {
        /// The revoked key.
        key_id: KeyId,
        /// When it was revoked.
        revoked_at: Timestamp,
        /// Why (as given when revoking).
        reason: String,
    },
    /// An envelope sealed for another authority's key names no destination jurisdiction; the message says which
    /// jurisdiction to add.
    #[error(
        "sealing for key {key_id} of another authority in {jurisdiction} needs the envelope's destinations to name where it goes: add {jurisdiction} to the destinations"
    )]
    DestinationRequired {
        /// The other authority's key.
        key_id: KeyId,
        /// The jurisdiction it was imported with (the one to add).
        jurisdiction: Jurisdiction,
    },
    /// A key marked compromised seals, signs and receives nothing new.
    #[error("key {key_id} was marked compromised at {compromised_at}: it seals, signs and receives nothing new")]
    KeyCompromised {
        /// The compromised key.
        key_id: KeyId,
        /// When it was marked.
        compromised_at: Timestamp,
    },
    /// An onward transfer (adding another authority's key) by a custodian that is not the envelope's originator,
    /// without a valid grant from the originator naming that key; the message says what is missing or wrong
    /// (no grant, unsigned envelope, forged signature, wrong signer, another envelope, expired, jurisdiction).
    #[error("onward transfer to key {key_id} is not granted: {reason}")]
    OnwardTransferNotGranted {
        /// The key that would have been added (or that the grant names).
        key_id: KeyId,
        /// Why no valid grant allows it.
        reason: String,
    },
    /// A purpose extension without a valid grant from the originator; the message says what is wrong (forged
    /// signature, wrong signer, another envelope, expired, unsigned envelope).
    #[error("purpose extension is not granted: {reason}")]
    PurposeExtensionNotGranted {
        /// Why the grant does not allow it.
        reason: String,
    },
    /// Bytes that are not a well-formed grant (structure, lengths, canonical encoding, armor); the message names
    /// the rule broken.
    #[error("invalid grant: {0}")]
    GrantInvalid(String),
    /// The audit log is in a format this library does not write or verify (e.g. a `custodia-audit/1` log, which
    /// has no per-entry signatures); verify it with the version that wrote it and start a new log.
    #[error("unsupported audit log format {0:?}; this library reads custodia-audit/2")]
    AuditUnsupportedFormat(String),

    // ---- added with caller-sized output (`custodia_seal_into`, `custodia_open_into`) ------------------------------
    /// The caller's output buffer is smaller than the output needs; nothing was written (and nothing sealed, opened
    /// or recorded). `needed` is the size to provide.
    #[error("output buffer too small: {needed} bytes needed, {given} given")]
    BufferTooSmall {
        /// The size the output needs, in bytes.
        needed: u64,
        /// The size the caller gave.
        given: u64,
    },

    // ---- added with the access policy (docs/POLICY.md) -----------------------------------------------------------
    /// The access policy (file or builder) is invalid; `line` and `column` (1-based) point at the problem in the file,
    /// both 0 when there is no file position (a built policy, or a file too large to read).
    #[error("access policy invalid at line {line}, column {column}: {reason}")]
    PolicyInvalid {
        /// 1-based line, 0 if none.
        line: usize,
        /// 1-based column (in characters), 0 if none.
        column: usize,
        /// What is wrong.
        reason: String,
    },
    /// Need-to-know: the access policy assigns case teams and the actor is not on this envelope's case.
    #[error("actor {actor} is not on case {case}: {reason}")]
    NotOnCase {
        /// The actor's id.
        actor: String,
        /// The envelope's case reference, or `(none)`.
        case: String,
        /// Which rule refused.
        reason: String,
    },
    /// Need-to-know: the actor's role may not open this category, or for this purpose.
    #[error("role {role} may not open {what}")]
    RoleNotPermitted {
        /// The actor's role.
        role: String,
        /// What the role may not open (a category, a purpose, or anything).
        what: String,
    },
    /// A transfer rule of the access policy refuses data of this category going to this jurisdiction.
    #[error("the access policy refuses transfers of {category} data to {jurisdiction}")]
    TransferRefused {
        /// The data's category.
        category: Category,
        /// The destination.
        jurisdiction: Jurisdiction,
    },
    /// A transfer rule allows this transfer only with a legal basis, and the envelope's legal instrument states none.
    #[error(
        "transfers of {category} data to {jurisdiction} need a stated legal basis: seal with a legal instrument \
         that names its transfer basis"
    )]
    LegalBasisRequired {
        /// The data's category.
        category: Category,
        /// The destination.
        jurisdiction: Jurisdiction,
    },
    /// Four eyes: an exception on this data needs a second approver's valid approval; the message says what was
    /// missing or wrong (none given, unknown approver, bad signature, self-approval, another envelope, expired).
    #[error("a second approver's approval is required: {0}")]
    ApprovalRequired(String),
    /// An approval's bytes or text are malformed (not a canonical `custodia-approval`).
    #[error("malformed approval: {0}")]
    ApprovalInvalid(String),
    // ---- disclosure receipts ---------------------------------------------------------------------------------------
    /// A disclosure receipt was refused: it names an object this custodian never sealed or shared (or never received,
    /// when issuing one), or another case than the object was sealed for. A refusal, recorded in the audit log.
    #[error("receipt not applicable: {0}")]
    ReceiptNotApplicable(String),
    /// A disclosure receipt is malformed (armor, length, order, unknown kind or field), oversized, or its signature
    /// does not verify with the key it names. Says which rule failed; for the signature, only that it does not verify.
    #[error("invalid receipt: {0}")]
    ReceiptInvalid(String),
    /// A disclosure receipt is signed by a key that is not the one expected: not an imported public signing key of
    /// another authority (import), or not the key given (verify).
    #[error("receipt issuer not recognised: {0}")]
    ReceiptIssuerUnknown(String),

    // ---- 9xx: environment ----------------------------------------------------------------------------------------
    /// A file custodia needs exclusively is held by another writer. No operation returns it any more: the audit log
    /// is shared by every writer on its directory, each taking a short lock per append (`docs/AUDIT.md` §2, §6.3).
    /// The variant and its code 902 stay, since codes are never reused and hosts may match on it.
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
    /// What kind of error this is: the stable code and name, and the category, without the details.
    ///
    /// This match is the one place that lists every variant: a new variant does not build until it has a kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Self::InvalidPurpose { .. } => ErrorKind::InvalidPurpose,
            Self::TooManyPurposes { .. } => ErrorKind::TooManyPurposes,
            Self::NoPurpose => ErrorKind::NoPurpose,
            Self::InvalidJurisdiction(_) => ErrorKind::InvalidJurisdiction,
            Self::ClassificationBelowMinimum { .. } => ErrorKind::ClassificationBelowMinimum,
            Self::InvalidException(_) => ErrorKind::InvalidException,
            Self::UnknownCode { .. } => ErrorKind::UnknownCode,
            Self::Conflict { .. } => ErrorKind::Conflict,
            Self::PolicyInvalid { .. } => ErrorKind::PolicyInvalid,
            Self::BufferTooSmall { .. } => ErrorKind::BufferTooSmall,
            Self::NotOnCase { .. } => ErrorKind::NotOnCase,
            Self::RoleNotPermitted { .. } => ErrorKind::RoleNotPermitted,
            Self::TransferRefused { .. } => ErrorKind::TransferRefused,
            Self::LegalBasisRequired { .. } => ErrorKind::LegalBasisRequired,
            Self::ApprovalRequired(_) => ErrorKind::ApprovalRequired,
            Self::ApprovalInvalid(_) => ErrorKind::ApprovalInvalid,
            Self::PurposeNotPermitted { .. } => ErrorKind::PurposeNotPermitted,
            Self::Expired { .. } => ErrorKind::Expired,
            Self::JurisdictionNotPermitted { .. } => ErrorKind::JurisdictionNotPermitted,
            Self::ClearanceInsufficient { .. } => ErrorKind::ClearanceInsufficient,
            Self::KeyDestroyed { .. } => ErrorKind::KeyDestroyed,
            Self::LegalHold { .. } => ErrorKind::LegalHold,
            Self::SignerMismatch { .. } => ErrorKind::SignerMismatch,
            Self::TransferNotPermitted { .. } => ErrorKind::TransferNotPermitted,
            Self::RecipientNotPermitted { .. } => ErrorKind::RecipientNotPermitted,
            Self::RecipientJurisdictionUnknown { .. } => ErrorKind::RecipientJurisdictionUnknown,
            Self::KeyRevoked { .. } => ErrorKind::KeyRevoked,
            Self::DestinationRequired { .. } => ErrorKind::DestinationRequired,
            Self::KeyCompromised { .. } => ErrorKind::KeyCompromised,
            Self::KeyNotValid { .. } => ErrorKind::KeyNotValid,
            Self::ProviderUnavailable(_) => ErrorKind::ProviderUnavailable,
            Self::ProviderFailed(_) => ErrorKind::ProviderFailed,
            Self::OnwardTransferNotGranted { .. } => ErrorKind::OnwardTransferNotGranted,
            Self::PurposeExtensionNotGranted { .. } => ErrorKind::PurposeExtensionNotGranted,
            Self::GrantInvalid(_) => ErrorKind::GrantInvalid,
            Self::Malformed(_) => ErrorKind::Malformed,
            Self::UnsupportedVersion(_) => ErrorKind::UnsupportedVersion,
            Self::UnsupportedSuite(_) => ErrorKind::UnsupportedSuite,
            Self::Truncated => ErrorKind::Truncated,
            Self::LimitExceeded { .. } => ErrorKind::LimitExceeded,
            Self::UnknownCriticalField(_) => ErrorKind::UnknownCriticalField,
            Self::OpenFailed => ErrorKind::OpenFailed,
            Self::NoMatchingRecipient => ErrorKind::NoMatchingRecipient,
            Self::SignatureInvalid => ErrorKind::SignatureInvalid,
            Self::Armor(_) => ErrorKind::Armor,
            Self::EnvelopeChanged { .. } => ErrorKind::EnvelopeChanged,
            Self::KeyNotFound(_) => ErrorKind::KeyNotFound,
            Self::KeyState { .. } => ErrorKind::KeyState,
            Self::WrongPassphrase => ErrorKind::WrongPassphrase,
            Self::KeyringCorrupt(_) => ErrorKind::KeyringCorrupt,
            Self::KeyringVersion(_) => ErrorKind::KeyringVersion,
            Self::InvalidKeyText(_) => ErrorKind::InvalidKeyText,
            Self::KdfParamsOutOfRange { .. } => ErrorKind::KdfParamsOutOfRange,
            Self::CustodianNotFound { .. } => ErrorKind::CustodianNotFound,
            Self::AuditWrite(_) => ErrorKind::AuditWrite,
            Self::AuditMalformed { .. } => ErrorKind::AuditMalformed,
            Self::AuditTampered { .. } => ErrorKind::AuditTampered,
            Self::AuditWrongKey { .. } => ErrorKind::AuditWrongKey,
            Self::AuditUnsupportedFormat(_) => ErrorKind::AuditUnsupportedFormat,
            Self::ReceiptNotApplicable(_) => ErrorKind::ReceiptNotApplicable,
            Self::ReceiptInvalid(_) => ErrorKind::ReceiptInvalid,
            Self::ReceiptIssuerUnknown(_) => ErrorKind::ReceiptIssuerUnknown,
            Self::CustodianClosed => ErrorKind::CustodianClosed,
            Self::AnchorInvalid(_) => ErrorKind::AnchorInvalid,
            Self::MerkleProofInvalid(_) => ErrorKind::MerkleProofInvalid,
            Self::CheckpointInvalid(_) => ErrorKind::CheckpointInvalid,
            Self::Io(_) => ErrorKind::Io,
            Self::Rng => ErrorKind::Rng,
            Self::InUse(_) => ErrorKind::InUse,
            Self::InsecurePermissions { .. } => ErrorKind::InsecurePermissions,
            Self::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The stable numeric code of this error, as returned by the C API. Never `0` (success). Same as
    /// `self.kind().code()`.
    #[must_use]
    pub fn code(&self) -> u32 {
        self.kind().code()
    }

    /// Whether this is a refusal by policy (purpose, expiry, jurisdiction, clearance, destroyed key, legal hold,
    /// signer, onward transfer), as opposed to bad input or a fault. Same as `self.kind().is_refusal()`.
    #[must_use]
    pub fn is_refusal(&self) -> bool {
        self.kind().is_refusal()
    }

    /// A short stable name for the refusal or error kind, as written in the audit log (`purpose_not_permitted`).
    /// Same as `self.kind().name()`.
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        self.kind().name()
    }
}

/// Which state an [`Error::Conflict`] conflicts with. Match on it to make an operation idempotent (a hold placed
/// twice, a key revoked twice). Later versions may add reasons, so a `match` needs a wildcard arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConflictReason {
    /// The key id is already in the keyring (adding a key that is there).
    KeyExists,
    /// Another authority's key is already imported for another jurisdiction than the one given now.
    KeyJurisdictionDiffers {
        /// The jurisdiction the keyring records for the key.
        recorded: Jurisdiction,
        /// The jurisdiction given now.
        given: Jurisdiction,
    },
    /// The key is this custodian's own key (the keyring holds its secret), where another authority's key is meant:
    /// importing it as another authority's, or revoking it (mark it compromised or rotate it instead).
    OwnKey,
    /// The key is already revoked ([`crate::Custodian::revoke_key`] twice).
    KeyAlreadyRevoked,
    /// The key is already marked compromised ([`crate::Custodian::mark_compromised`] twice).
    KeyAlreadyCompromised,
    /// The case is already under legal hold ([`crate::Custodian::place_legal_hold`] twice).
    CaseAlreadyHeld,
    /// The case is not under legal hold ([`crate::Custodian::release_legal_hold`] without a hold).
    CaseNotHeld,
    /// The envelope has no stanza for the key to remove (re-wrapping away a recipient it does not have).
    StanzaNotFound,
    /// The envelope already has a stanza for the key to add (sharing with a recipient it already has).
    RecipientExists,
}

impl ConflictReason {
    /// A stable snake_case name for the reason (`case_already_held`), for logs and bindings.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::KeyExists => "key_exists",
            Self::KeyJurisdictionDiffers { .. } => "key_jurisdiction_differs",
            Self::OwnKey => "own_key",
            Self::KeyAlreadyRevoked => "key_already_revoked",
            Self::KeyAlreadyCompromised => "key_already_compromised",
            Self::CaseAlreadyHeld => "case_already_held",
            Self::CaseNotHeld => "case_not_held",
            Self::StanzaNotFound => "stanza_not_found",
            Self::RecipientExists => "recipient_exists",
        }
    }
}

/// The text of an [`Error::Conflict`].
fn conflict_text(what: &ConflictReason, key: Option<&KeyId>, case: Option<&CaseRef>) -> String {
    let key = key.map_or_else(|| "(none)".to_owned(), ToString::to_string);
    let case = case.map_or_else(|| "(none)".to_owned(), ToString::to_string);
    match what {
        ConflictReason::KeyExists => format!("key {key} is already in the keyring"),
        ConflictReason::KeyJurisdictionDiffers { recorded, given } => {
            format!("key {key} is already imported for jurisdiction {recorded}, not {given}")
        }
        ConflictReason::OwnKey => format!(
            "key {key} is this custodian's own key, not another authority's (mark it compromised or rotate it \
             instead of revoking it)"
        ),
        ConflictReason::KeyAlreadyRevoked => format!("key {key} is already revoked"),
        ConflictReason::KeyAlreadyCompromised => format!("key {key} is already marked compromised"),
        ConflictReason::CaseAlreadyHeld => format!("case {case} is already under legal hold"),
        ConflictReason::CaseNotHeld => format!("case {case} is not under legal hold"),
        ConflictReason::StanzaNotFound => format!("the envelope has no stanza for key {key} to remove"),
        ConflictReason::RecipientExists => format!("the envelope already has a stanza for key {key}"),
    }
}

/// Declares [`ErrorKind`] from one table (variant, code, name), so that the enum, [`ErrorKind::ALL`] and
/// [`ErrorKind::name`] cannot disagree.
macro_rules! error_kinds {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $name:literal;)*) => {
        /// The kind of an [`Error`]: its stable code (the discriminant) and name, without the details (as
        /// [`std::io::ErrorKind`] is to [`std::io::Error`]).
        ///
        /// These are the codes the C API returns as its status (`CUSTODIA_ERR_<NAME>` in `include/custodia.h`) and the
        /// names the audit log writes; the bindings' exception tables are checked against them. Codes are grouped by
        /// hundreds ([`ErrorKind::category`]) and are never reused or renumbered. Later versions may add kinds, so a
        /// `match` needs a wildcard arm; to handle every refusal in one arm, match on [`ErrorCategory::Refusal`] or
        /// test [`ErrorKind::is_refusal`].
        #[repr(u32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[$doc])* $variant = $code,)*
        }

        impl ErrorKind {
            /// Every kind, in code order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The stable snake_case name (`purpose_not_permitted`), as written in the audit log; the C name is
            /// `CUSTODIA_ERR_` and this in upper case.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }
    };
}

error_kinds! {
    // ---- 1xx: invalid input from the caller
    /// `100` `invalid_argument`: [`Error::InvalidArgument`].
    InvalidArgument = 100, "invalid_argument";
    /// `101` `invalid_purpose`: [`Error::InvalidPurpose`].
    InvalidPurpose = 101, "invalid_purpose";
    /// `102` `too_many_purposes`: [`Error::TooManyPurposes`].
    TooManyPurposes = 102, "too_many_purposes";
    /// `103` `no_purpose`: [`Error::NoPurpose`].
    NoPurpose = 103, "no_purpose";
    /// `104` `invalid_jurisdiction`: [`Error::InvalidJurisdiction`].
    InvalidJurisdiction = 104, "invalid_jurisdiction";
    /// `105` `classification_below_minimum`: [`Error::ClassificationBelowMinimum`].
    ClassificationBelowMinimum = 105, "classification_below_minimum";
    /// `106` `invalid_exception`: [`Error::InvalidException`].
    InvalidException = 106, "invalid_exception";
    /// `107` `unknown_code`: [`Error::UnknownCode`].
    UnknownCode = 107, "unknown_code";
    /// `108` `policy_invalid`: [`Error::PolicyInvalid`].
    PolicyInvalid = 108, "policy_invalid";
    /// `109` `buffer_too_small`: [`Error::BufferTooSmall`].
    BufferTooSmall = 109, "buffer_too_small";
    /// `110` `conflict`: [`Error::Conflict`].
    Conflict = 110, "conflict";
    // ---- 2xx: refusals by the policy gate
    /// `200` `purpose_not_permitted`: [`Error::PurposeNotPermitted`].
    PurposeNotPermitted = 200, "purpose_not_permitted";
    /// `201` `expired`: [`Error::Expired`].
    Expired = 201, "expired";
    /// `202` `jurisdiction_not_permitted`: [`Error::JurisdictionNotPermitted`].
    JurisdictionNotPermitted = 202, "jurisdiction_not_permitted";
    /// `203` `clearance_insufficient`: [`Error::ClearanceInsufficient`].
    ClearanceInsufficient = 203, "clearance_insufficient";
    /// `204` `key_destroyed`: [`Error::KeyDestroyed`].
    KeyDestroyed = 204, "key_destroyed";
    /// `205` `legal_hold`: [`Error::LegalHold`].
    LegalHold = 205, "legal_hold";
    /// `206` `signer_mismatch`: [`Error::SignerMismatch`].
    SignerMismatch = 206, "signer_mismatch";
    /// `207` `transfer_not_permitted`: [`Error::TransferNotPermitted`].
    TransferNotPermitted = 207, "transfer_not_permitted";
    /// `208` `recipient_not_permitted`: [`Error::RecipientNotPermitted`].
    RecipientNotPermitted = 208, "recipient_not_permitted";
    /// `209` `recipient_jurisdiction_unknown`: [`Error::RecipientJurisdictionUnknown`].
    RecipientJurisdictionUnknown = 209, "recipient_jurisdiction_unknown";
    /// `210` `not_on_case`: [`Error::NotOnCase`].
    NotOnCase = 210, "not_on_case";
    /// `211` `role_not_permitted`: [`Error::RoleNotPermitted`].
    RoleNotPermitted = 211, "role_not_permitted";
    /// `212` `transfer_refused`: [`Error::TransferRefused`].
    TransferRefused = 212, "transfer_refused";
    /// `213` `legal_basis_required`: [`Error::LegalBasisRequired`].
    LegalBasisRequired = 213, "legal_basis_required";
    /// `214` `approval_required`: [`Error::ApprovalRequired`].
    ApprovalRequired = 214, "approval_required";
    /// `215` `onward_transfer_not_granted`: [`Error::OnwardTransferNotGranted`].
    OnwardTransferNotGranted = 215, "onward_transfer_not_granted";
    /// `216` `purpose_extension_not_granted`: [`Error::PurposeExtensionNotGranted`].
    PurposeExtensionNotGranted = 216, "purpose_extension_not_granted";
    /// `217` `key_revoked`: [`Error::KeyRevoked`].
    KeyRevoked = 217, "key_revoked";
    /// `218` `destination_required`: [`Error::DestinationRequired`].
    DestinationRequired = 218, "destination_required";
    /// `219` `key_compromised`: [`Error::KeyCompromised`].
    KeyCompromised = 219, "key_compromised";
    /// `220` `receipt_not_applicable`: [`Error::ReceiptNotApplicable`].
    ReceiptNotApplicable = 220, "receipt_not_applicable";
    // ---- 3xx: envelope format
    /// `300` `malformed`: [`Error::Malformed`].
    Malformed = 300, "malformed";
    /// `301` `unsupported_version`: [`Error::UnsupportedVersion`].
    UnsupportedVersion = 301, "unsupported_version";
    /// `302` `unsupported_suite`: [`Error::UnsupportedSuite`].
    UnsupportedSuite = 302, "unsupported_suite";
    /// `303` `truncated`: [`Error::Truncated`].
    Truncated = 303, "truncated";
    /// `304` `limit_exceeded`: [`Error::LimitExceeded`].
    LimitExceeded = 304, "limit_exceeded";
    /// `305` `unknown_critical_field`: [`Error::UnknownCriticalField`].
    UnknownCriticalField = 305, "unknown_critical_field";
    /// `306` `open_failed`: [`Error::OpenFailed`].
    OpenFailed = 306, "open_failed";
    /// `307` `no_matching_recipient`: [`Error::NoMatchingRecipient`].
    NoMatchingRecipient = 307, "no_matching_recipient";
    /// `308` `signature_invalid`: [`Error::SignatureInvalid`].
    SignatureInvalid = 308, "signature_invalid";
    /// `309` `armor`: [`Error::Armor`].
    Armor = 309, "armor";
    /// `310` `envelope_changed`: [`Error::EnvelopeChanged`].
    EnvelopeChanged = 310, "envelope_changed";
    /// `311` `approval_invalid`: [`Error::ApprovalInvalid`].
    ApprovalInvalid = 311, "approval_invalid";
    /// `312` `grant_invalid`: [`Error::GrantInvalid`].
    GrantInvalid = 312, "grant_invalid";
    /// `313` `receipt_invalid`: [`Error::ReceiptInvalid`].
    ReceiptInvalid = 313, "receipt_invalid";
    /// `314` `receipt_issuer_unknown`: [`Error::ReceiptIssuerUnknown`].
    ReceiptIssuerUnknown = 314, "receipt_issuer_unknown";
    // ---- 4xx: keys and keyring
    /// `400` `key_not_found`: [`Error::KeyNotFound`].
    KeyNotFound = 400, "key_not_found";
    /// `401` `key_state`: [`Error::KeyState`].
    KeyState = 401, "key_state";
    /// `402` `wrong_passphrase`: [`Error::WrongPassphrase`].
    WrongPassphrase = 402, "wrong_passphrase";
    /// `403` `keyring_corrupt`: [`Error::KeyringCorrupt`].
    KeyringCorrupt = 403, "keyring_corrupt";
    /// `404` `keyring_version`: [`Error::KeyringVersion`].
    KeyringVersion = 404, "keyring_version";
    /// `405` `invalid_key_text`: [`Error::InvalidKeyText`].
    InvalidKeyText = 405, "invalid_key_text";
    /// `406` `kdf_params_out_of_range`: [`Error::KdfParamsOutOfRange`].
    KdfParamsOutOfRange = 406, "kdf_params_out_of_range";
    /// `407` `custodian_not_found`: [`Error::CustodianNotFound`].
    CustodianNotFound = 407, "custodian_not_found";
    /// `408` `key_not_valid`: [`Error::KeyNotValid`].
    KeyNotValid = 408, "key_not_valid";
    /// `409` `provider_unavailable`: [`Error::ProviderUnavailable`].
    ProviderUnavailable = 409, "provider_unavailable";
    /// `410` `provider_failed`: [`Error::ProviderFailed`].
    ProviderFailed = 410, "provider_failed";
    // ---- 5xx: audit
    /// `500` `audit_write`: [`Error::AuditWrite`].
    AuditWrite = 500, "audit_write";
    /// `501` `audit_malformed`: [`Error::AuditMalformed`].
    AuditMalformed = 501, "audit_malformed";
    /// `502` `audit_tampered`: [`Error::AuditTampered`].
    AuditTampered = 502, "audit_tampered";
    /// `503` `audit_wrong_key`: [`Error::AuditWrongKey`].
    AuditWrongKey = 503, "audit_wrong_key";
    /// `504` `audit_unsupported_format`: [`Error::AuditUnsupportedFormat`].
    AuditUnsupportedFormat = 504, "audit_unsupported_format";
    /// `506` `custodian_closed`: [`Error::CustodianClosed`].
    CustodianClosed = 506, "custodian_closed";
    /// `507` `anchor_invalid`: [`Error::AnchorInvalid`].
    AnchorInvalid = 507, "anchor_invalid";
    /// `508` `merkle_proof_invalid`: [`Error::MerkleProofInvalid`].
    MerkleProofInvalid = 508, "merkle_proof_invalid";
    /// `509` `checkpoint_invalid`: [`Error::CheckpointInvalid`].
    CheckpointInvalid = 509, "checkpoint_invalid";
    // ---- 9xx: environment and internal faults
    /// `900` `io`: [`Error::Io`].
    Io = 900, "io";
    /// `901` `rng`: [`Error::Rng`].
    Rng = 901, "rng";
    /// `902` `in_use`: [`Error::InUse`].
    InUse = 902, "in_use";
    /// `903` `insecure_permissions`: [`Error::InsecurePermissions`].
    InsecurePermissions = 903, "insecure_permissions";
    /// `999` `internal`: [`Error::Internal`].
    Internal = 999, "internal";
}

impl ErrorKind {
    /// The stable numeric code, as returned by the C API. Never `0` (success).
    #[must_use]
    pub const fn code(self) -> u32 {
        self as u32
    }

    /// The kind with this code, if this version assigns it.
    #[must_use]
    pub const fn from_code(code: u32) -> Option<Self> {
        let mut i = 0;
        while i < Self::ALL.len() {
            if Self::ALL[i].code() == code {
                return Some(Self::ALL[i]);
            }
            i += 1;
        }
        None
    }

    /// The group this kind belongs to: the hundreds of its code, with internal faults apart from the environment.
    #[must_use]
    pub const fn category(self) -> ErrorCategory {
        if matches!(self, Self::Internal) {
            return ErrorCategory::Internal;
        }
        match self.code() / 100 {
            1 => ErrorCategory::InvalidInput,
            2 => ErrorCategory::Refusal,
            3 => ErrorCategory::Envelope,
            4 => ErrorCategory::Key,
            5 => ErrorCategory::Audit,
            _ => ErrorCategory::Environment,
        }
    }

    /// Whether this is a refusal by the policy gate (the `2xx` codes): a decision, recorded in the audit log, not a
    /// fault.
    #[must_use]
    pub const fn is_refusal(self) -> bool {
        matches!(self.category(), ErrorCategory::Refusal)
    }
}

impl core::fmt::Display for ErrorKind {
    /// The stable name ([`ErrorKind::name`]).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// The groups of [`ErrorKind`]s, by the hundreds of their codes. The bindings' exception classes have one base class
/// per category (Python `Refused`, Java `RefusalException`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCategory {
    /// `1xx`: invalid input from the caller.
    InvalidInput,
    /// `2xx`: a refusal by the policy gate, which says exactly which rule refused.
    Refusal,
    /// `3xx`: envelope format and authentication.
    Envelope,
    /// `4xx`: keys and keyring.
    Key,
    /// `5xx`: audit.
    Audit,
    /// `9xx`: the operating system failed custodia.
    Environment,
    /// `999`: a bug in custodia.
    Internal,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_nonzero_unique_and_in_order() {
        assert!(ErrorKind::ALL.iter().all(|k| k.code() != 0));
        assert!(ErrorKind::ALL.windows(2).all(|w| w[0].code() < w[1].code()), "ALL must be in code order");
        for &k in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(k.code()), Some(k));
        }
        assert_eq!(ErrorKind::from_code(0), None);
        assert_eq!(ErrorKind::from_code(120), None, "120 to 122 and 998 belong to the C boundary");
    }

    #[test]
    fn names_are_unique_snake_case() {
        let mut names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
        assert!(
            names
                .iter()
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
        );
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len());
        assert_eq!(ErrorKind::PurposeNotPermitted.to_string(), "purpose_not_permitted");
    }

    #[test]
    fn categories_follow_the_hundreds() {
        for &k in ErrorKind::ALL {
            let expected = match k.code() / 100 {
                1 => ErrorCategory::InvalidInput,
                2 => ErrorCategory::Refusal,
                3 => ErrorCategory::Envelope,
                4 => ErrorCategory::Key,
                5 => ErrorCategory::Audit,
                9 if k == ErrorKind::Internal => ErrorCategory::Internal,
                9 => ErrorCategory::Environment,
                _ => panic!("{k} has code {} outside the groups", k.code()),
            };
            assert_eq!(k.category(), expected, "{k}");
            assert_eq!(k.is_refusal(), (200..300).contains(&k.code()), "{k}");
        }
    }

    #[test]
    fn errors_delegate_to_their_kind() {
        let e = Error::PurposeNotPermitted { requested: "a".into(), permitted: "b".into() };
        assert_eq!(e.kind(), ErrorKind::PurposeNotPermitted);
        assert_eq!((e.code(), e.kind_name()), (200, "purpose_not_permitted"));
        assert!(e.is_refusal());
        assert!(matches!(e.kind().category(), ErrorCategory::Refusal));
        let e = Error::OpenFailed;
        assert_eq!((e.code(), e.kind_name(), e.is_refusal()), (306, "open_failed", false));
        assert_eq!(Error::Internal(String::new()).kind().category(), ErrorCategory::Internal);
        assert_eq!(Error::Rng.kind().category(), ErrorCategory::Environment);
    }
}
