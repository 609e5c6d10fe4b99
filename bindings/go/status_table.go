package custodia

// The status codes of include/custodia.h (enum custodia_status). Written out, not generated at build time;
// TestStatusTableMatchesHeader checks it against the header both ways.
const (
	// ErrInvalidArgument (100): An argument was malformed; the message names the argument and the rule.
	ErrInvalidArgument Status = 100
	// ErrInvalidPurpose (101): A purpose string does not follow the purpose grammar.
	ErrInvalidPurpose Status = 101
	// ErrTooManyPurposes (102): A purpose set would exceed the maximum (32).
	ErrTooManyPurposes Status = 102
	// ErrNoPurpose (103): A purpose set was empty where at least one purpose is required.
	ErrNoPurpose Status = 103
	// ErrInvalidJurisdiction (104): A jurisdiction is not an assigned ISO 3166-1 alpha-2 code.
	ErrInvalidJurisdiction Status = 104
	// ErrClassificationBelowMinimum (105): A classification below the minimum its category allows.
	ErrClassificationBelowMinimum Status = 105
	// ErrInvalidException (106): An exception (court order, consent, ...) is incomplete: missing reference or justification.
	ErrInvalidException Status = 106
	// ErrUnknownCode (107): A category, classification or other enumerated code is unknown.
	ErrUnknownCode Status = 107
	// ErrPolicyInvalid (108): The access policy (file or builder) is invalid; the message gives the line and column.
	ErrPolicyInvalid Status = 108
	// ErrBufferTooSmall (109): The caller's output buffer is too small; nothing was written, and the size needed was reported.
	ErrBufferTooSmall Status = 109
	// ErrConflict (110): The operation conflicts with recorded state (a legal hold placed twice or released without one, a key already in the keyring, already revoked or marked compromised, a stanza removed that the envelope lacks or added that it has). Not malformed input: a caller making an operation idempotent may treat it as done.
	ErrConflict Status = 110
	// ErrNullPointer (120): A required pointer argument was NULL.
	ErrNullPointer Status = 120
	// ErrInvalidUTF8 (121): A string argument was not valid UTF-8.
	ErrInvalidUTF8 Status = 121
	// ErrInvalidHandle (122): A handle is not live: never issued, already freed, or a handle of another type.
	ErrInvalidHandle Status = 122
	// ErrPurposeNotPermitted (200): The stated purpose is not among (or under) the purposes the data was given for.
	ErrPurposeNotPermitted Status = 200
	// ErrExpired (201): The envelope's not-after time has passed.
	ErrExpired Status = 201
	// ErrJurisdictionNotPermitted (202): The actor's jurisdiction is not one the data may be opened in.
	ErrJurisdictionNotPermitted Status = 202
	// ErrClearanceInsufficient (203): The actor's clearance is below the data's classification.
	ErrClearanceInsufficient Status = 203
	// ErrKeyDestroyed (204): The key needed is destroyed (crypto-shredded); the data cannot be opened by anyone holding only that key.
	ErrKeyDestroyed Status = 204
	// ErrLegalHold (205): A legal hold blocks destroying this key or case.
	ErrLegalHold Status = 205
	// ErrSignerMismatch (206): A signature from a specific signer was required but the envelope was signed by another key or not at all.
	ErrSignerMismatch Status = 206
	// ErrTransferNotPermitted (207): Adding another authority's key (sharing) needs the purpose `mla.execution` (or one under it), granted by the envelope; the stated purpose was another.
	ErrTransferNotPermitted Status = 207
	// ErrRecipientNotPermitted (208): Another authority's key was to be added, but its authority acts in a jurisdiction the envelope does not permit.
	ErrRecipientNotPermitted Status = 208
	// ErrRecipientJurisdictionUnknown (209): Another authority's key was to be added, but it was imported without a jurisdiction; import it again with its authority's jurisdiction.
	ErrRecipientJurisdictionUnknown Status = 209
	// ErrNotOnCase (210): Need-to-know: the access policy assigns case teams and the actor is not on the envelope's case.
	ErrNotOnCase Status = 210
	// ErrRoleNotPermitted (211): Need-to-know: the actor's role may not open this category, or for this purpose.
	ErrRoleNotPermitted Status = 211
	// ErrTransferRefused (212): A transfer rule of the access policy refuses this category going to this jurisdiction.
	ErrTransferRefused Status = 212
	// ErrLegalBasisRequired (213): A transfer rule needs a stated legal basis (a legal instrument with a transfer basis) and there is none.
	ErrLegalBasisRequired Status = 213
	// ErrApprovalRequired (214): Four eyes: an exception on this data needs a second approver's valid approval; the message says why.
	ErrApprovalRequired Status = 214
	// ErrOnwardTransferNotGranted (215): An onward transfer (adding another authority's key) by a custodian that is not the envelope's originator, without a valid grant of the originator naming that key; the message says what is missing or wrong (no grant, unsigned envelope, forged signature, wrong signer, another envelope, expired, jurisdiction).
	ErrOnwardTransferNotGranted Status = 215
	// ErrPurposeExtensionNotGranted (216): A purpose extension without a valid grant of the originator; the message says which check failed.
	ErrPurposeExtensionNotGranted Status = 216
	// ErrKeyRevoked (217): Another authority's key was revoked (`custodia_key_revoke`): nothing new is sealed or shared to it.
	ErrKeyRevoked Status = 217
	// ErrDestinationRequired (218): Sealing for another authority's key needs the envelope's destinations to name its jurisdiction; the message says which to add.
	ErrDestinationRequired Status = 218
	// ErrKeyCompromised (219): The key was marked compromised (`custodia_key_mark_compromised`): it seals, signs and receives nothing new.
	ErrKeyCompromised Status = 219
	// ErrReceiptNotApplicable (220): A disclosure receipt names an object this custodian never sealed or shared (import) or never received (issue), or another case than the object was sent for.
	ErrReceiptNotApplicable Status = 220
	// ErrMalformed (300): Bytes that are not a custodia envelope, or not a well-formed one; the message says which structure.
	ErrMalformed Status = 300
	// ErrUnsupportedVersion (301): The envelope's format version is not supported by this library.
	ErrUnsupportedVersion Status = 301
	// ErrUnsupportedSuite (302): The envelope's cipher suite is not supported by this library.
	ErrUnsupportedSuite Status = 302
	// ErrTruncated (303): The input ended before the structure it declared.
	ErrTruncated Status = 303
	// ErrLimitExceeded (304): A declared size exceeds one of the format's limits.
	ErrLimitExceeded Status = 304
	// ErrUnknownCriticalField (305): A header field this library does not know is marked critical.
	ErrUnknownCriticalField Status = 305
	// ErrOpenFailed (306): The envelope failed authentication. Deliberately says nothing more.
	ErrOpenFailed Status = 306
	// ErrNoMatchingRecipient (307): None of the available keys matches a recipient of the envelope.
	ErrNoMatchingRecipient Status = 307
	// ErrSignatureInvalid (308): The envelope's signature does not verify.
	ErrSignatureInvalid Status = 308
	// ErrArmor (309): The armored text form is malformed.
	ErrArmor Status = 309
	// ErrEnvelopeChanged (310): A seekable reader found a chunk changed since it was verified (the source was modified while open).
	ErrEnvelopeChanged Status = 310
	// ErrApprovalInvalid (311): An approval's bytes or text are malformed.
	ErrApprovalInvalid Status = 311
	// ErrGrantInvalid (312): Bytes that are not a well-formed grant (structure, lengths, canonical encoding, armor).
	ErrGrantInvalid Status = 312
	// ErrReceiptInvalid (313): A disclosure receipt is malformed, oversized, or its signature does not verify.
	ErrReceiptInvalid Status = 313
	// ErrReceiptIssuerUnknown (314): A disclosure receipt is signed by a key that is not the one expected (not an imported public signing key of another authority, or not the key given).
	ErrReceiptIssuerUnknown Status = 314
	// ErrKeyNotFound (400): No key with this id is known.
	ErrKeyNotFound Status = 400
	// ErrKeyState (401): The key exists but may not be used for this (e.g. a decrypt-only key asked to seal).
	ErrKeyState Status = 401
	// ErrWrongPassphrase (402): The keyring could not be unlocked: wrong passphrase or master key.
	ErrWrongPassphrase Status = 402
	// ErrKeyringCorrupt (403): The keyring file is corrupt (truncated, altered, or not a keyring).
	ErrKeyringCorrupt Status = 403
	// ErrKeyringVersion (404): The keyring file has a version this library does not know.
	ErrKeyringVersion Status = 404
	// ErrInvalidKeyText (405): A key in text form is malformed or fails its checksum.
	ErrInvalidKeyText Status = 405
	// ErrKdfParamsOutOfRange (406): The keyring asks for (or a new keyring was given) Argon2id costs outside the accepted range; refused before any derivation.
	ErrKdfParamsOutOfRange Status = 406
	// ErrCustodianNotFound (407): No custodian (directory or keyring) at the path given, and creating one was not asked for (`custodia_custodian_options_set_create`). Parent directories are never created.
	ErrCustodianNotFound Status = 407
	// ErrKeyNotValid (408): Another authority's key is outside the validity period it was imported with; nothing is sealed or shared to it.
	ErrKeyNotValid Status = 408
	// ErrProviderUnavailable (409): A key provider (an HSM over PKCS#11, a host's KMS) could not be reached: its library did not load, the token is absent or not logged in, its session was lost. Nothing was wrapped or unwrapped.
	ErrProviderUnavailable Status = 409
	// ErrProviderFailed (410): A key provider was reached but failed or refused the operation.
	ErrProviderFailed Status = 410
	// ErrAuditWrite (500): An audit event could not be durably recorded; the operation was refused (fail closed).
	ErrAuditWrite Status = 500
	// ErrAuditMalformed (501): The audit log is malformed at the given line.
	ErrAuditMalformed Status = 501
	// ErrAuditTampered (502): Audit verification found the log altered.
	ErrAuditTampered Status = 502
	// ErrAuditWrongKey (503): The audit log (or certificate, or anchor) was signed by another audit key than the one given.
	ErrAuditWrongKey Status = 503
	// ErrAuditUnsupportedFormat (504): The audit log is in a format this library does not write or verify (e.g. a custodia-audit/1 log).
	ErrAuditUnsupportedFormat Status = 504
	// ErrCustodianClosed (506): The custodian was closed (`custodia_custodian_close`): it records nothing more and touches no key; only its audit public key, audit verification and envelope inspection remain. Free the handle; open again.
	ErrCustodianClosed Status = 506
	// ErrAnchorInvalid (507): An audit anchor's signature (or a counter-signature on it) does not verify against the key given, or the anchor belongs to another log.
	ErrAnchorInvalid Status = 507
	// ErrMerkleProofInvalid (508): A Merkle inclusion or consistency proof does not verify: the entry is not the one at that index of that tree, or the newer tree does not extend the older one (the log shrank or was rewritten).
	ErrMerkleProofInvalid Status = 508
	// ErrCheckpointInvalid (509): A Merkle checkpoint or proof bundle is malformed, not signed by the audit key given, or of another log.
	ErrCheckpointInvalid Status = 509
	// ErrIO (900): An operating-system I/O error.
	ErrIO Status = 900
	// ErrRng (901): The operating system's random number generator failed.
	ErrRng Status = 901
	// ErrInUse (902): A file custodia needs exclusively is held by another writer. No current call returns it: writers share the audit log (docs/AUDIT.md); the code stays reserved.
	ErrInUse Status = 902
	// ErrInsecurePermissions (903): A file custodia relies on (the audit log, the keyring) can be written by its group or by others.
	ErrInsecurePermissions Status = 903
	// ErrPoisoned (998): A handle is unusable because an earlier call on it panicked; free it and make a new one.
	ErrPoisoned Status = 998
	// ErrInternal (999): A bug in custodia (for example a caught panic across the C ABI).
	ErrInternal Status = 999
)

// allStatuses lists every code above, in header order.
var allStatuses = []Status{
	ErrInvalidArgument,
	ErrInvalidPurpose,
	ErrTooManyPurposes,
	ErrNoPurpose,
	ErrInvalidJurisdiction,
	ErrClassificationBelowMinimum,
	ErrInvalidException,
	ErrUnknownCode,
	ErrPolicyInvalid,
	ErrBufferTooSmall,
	ErrConflict,
	ErrNullPointer,
	ErrInvalidUTF8,
	ErrInvalidHandle,
	ErrPurposeNotPermitted,
	ErrExpired,
	ErrJurisdictionNotPermitted,
	ErrClearanceInsufficient,
	ErrKeyDestroyed,
	ErrLegalHold,
	ErrSignerMismatch,
	ErrTransferNotPermitted,
	ErrRecipientNotPermitted,
	ErrRecipientJurisdictionUnknown,
	ErrNotOnCase,
	ErrRoleNotPermitted,
	ErrTransferRefused,
	ErrLegalBasisRequired,
	ErrApprovalRequired,
	ErrOnwardTransferNotGranted,
	ErrPurposeExtensionNotGranted,
	ErrKeyRevoked,
	ErrDestinationRequired,
	ErrKeyCompromised,
	ErrReceiptNotApplicable,
	ErrMalformed,
	ErrUnsupportedVersion,
	ErrUnsupportedSuite,
	ErrTruncated,
	ErrLimitExceeded,
	ErrUnknownCriticalField,
	ErrOpenFailed,
	ErrNoMatchingRecipient,
	ErrSignatureInvalid,
	ErrArmor,
	ErrEnvelopeChanged,
	ErrApprovalInvalid,
	ErrGrantInvalid,
	ErrReceiptInvalid,
	ErrReceiptIssuerUnknown,
	ErrKeyNotFound,
	ErrKeyState,
	ErrWrongPassphrase,
	ErrKeyringCorrupt,
	ErrKeyringVersion,
	ErrInvalidKeyText,
	ErrKdfParamsOutOfRange,
	ErrCustodianNotFound,
	ErrKeyNotValid,
	ErrProviderUnavailable,
	ErrProviderFailed,
	ErrAuditWrite,
	ErrAuditMalformed,
	ErrAuditTampered,
	ErrAuditWrongKey,
	ErrAuditUnsupportedFormat,
	ErrCustodianClosed,
	ErrAnchorInvalid,
	ErrMerkleProofInvalid,
	ErrCheckpointInvalid,
	ErrIO,
	ErrRng,
	ErrInUse,
	ErrInsecurePermissions,
	ErrPoisoned,
	ErrInternal,
}

// statusConstNames are the constants' names, for the test that checks them against the header.
var statusConstNames = map[Status]string{
	ErrInvalidArgument:              "ErrInvalidArgument",
	ErrInvalidPurpose:               "ErrInvalidPurpose",
	ErrTooManyPurposes:              "ErrTooManyPurposes",
	ErrNoPurpose:                    "ErrNoPurpose",
	ErrInvalidJurisdiction:          "ErrInvalidJurisdiction",
	ErrClassificationBelowMinimum:   "ErrClassificationBelowMinimum",
	ErrInvalidException:             "ErrInvalidException",
	ErrUnknownCode:                  "ErrUnknownCode",
	ErrPolicyInvalid:                "ErrPolicyInvalid",
	ErrBufferTooSmall:               "ErrBufferTooSmall",
	ErrConflict:                     "ErrConflict",
	ErrNullPointer:                  "ErrNullPointer",
	ErrInvalidUTF8:                  "ErrInvalidUTF8",
	ErrInvalidHandle:                "ErrInvalidHandle",
	ErrPurposeNotPermitted:          "ErrPurposeNotPermitted",
	ErrExpired:                      "ErrExpired",
	ErrJurisdictionNotPermitted:     "ErrJurisdictionNotPermitted",
	ErrClearanceInsufficient:        "ErrClearanceInsufficient",
	ErrKeyDestroyed:                 "ErrKeyDestroyed",
	ErrLegalHold:                    "ErrLegalHold",
	ErrSignerMismatch:               "ErrSignerMismatch",
	ErrTransferNotPermitted:         "ErrTransferNotPermitted",
	ErrRecipientNotPermitted:        "ErrRecipientNotPermitted",
	ErrRecipientJurisdictionUnknown: "ErrRecipientJurisdictionUnknown",
	ErrNotOnCase:                    "ErrNotOnCase",
	ErrRoleNotPermitted:             "ErrRoleNotPermitted",
	ErrTransferRefused:              "ErrTransferRefused",
	ErrLegalBasisRequired:           "ErrLegalBasisRequired",
	ErrApprovalRequired:             "ErrApprovalRequired",
	ErrOnwardTransferNotGranted:     "ErrOnwardTransferNotGranted",
	ErrPurposeExtensionNotGranted:   "ErrPurposeExtensionNotGranted",
	ErrKeyRevoked:                   "ErrKeyRevoked",
	ErrDestinationRequired:          "ErrDestinationRequired",
	ErrKeyCompromised:               "ErrKeyCompromised",
	ErrReceiptNotApplicable:         "ErrReceiptNotApplicable",
	ErrMalformed:                    "ErrMalformed",
	ErrUnsupportedVersion:           "ErrUnsupportedVersion",
	ErrUnsupportedSuite:             "ErrUnsupportedSuite",
	ErrTruncated:                    "ErrTruncated",
	ErrLimitExceeded:                "ErrLimitExceeded",
	ErrUnknownCriticalField:         "ErrUnknownCriticalField",
	ErrOpenFailed:                   "ErrOpenFailed",
	ErrNoMatchingRecipient:          "ErrNoMatchingRecipient",
	ErrSignatureInvalid:             "ErrSignatureInvalid",
	ErrArmor:                        "ErrArmor",
	ErrEnvelopeChanged:              "ErrEnvelopeChanged",
	ErrApprovalInvalid:              "ErrApprovalInvalid",
	ErrGrantInvalid:                 "ErrGrantInvalid",
	ErrReceiptInvalid:               "ErrReceiptInvalid",
	ErrReceiptIssuerUnknown:         "ErrReceiptIssuerUnknown",
	ErrKeyNotFound:                  "ErrKeyNotFound",
	ErrKeyState:                     "ErrKeyState",
	ErrWrongPassphrase:              "ErrWrongPassphrase",
	ErrKeyringCorrupt:               "ErrKeyringCorrupt",
	ErrKeyringVersion:               "ErrKeyringVersion",
	ErrInvalidKeyText:               "ErrInvalidKeyText",
	ErrKdfParamsOutOfRange:          "ErrKdfParamsOutOfRange",
	ErrCustodianNotFound:            "ErrCustodianNotFound",
	ErrKeyNotValid:                  "ErrKeyNotValid",
	ErrProviderUnavailable:          "ErrProviderUnavailable",
	ErrProviderFailed:               "ErrProviderFailed",
	ErrAuditWrite:                   "ErrAuditWrite",
	ErrAuditMalformed:               "ErrAuditMalformed",
	ErrAuditTampered:                "ErrAuditTampered",
	ErrAuditWrongKey:                "ErrAuditWrongKey",
	ErrAuditUnsupportedFormat:       "ErrAuditUnsupportedFormat",
	ErrCustodianClosed:              "ErrCustodianClosed",
	ErrAnchorInvalid:                "ErrAnchorInvalid",
	ErrMerkleProofInvalid:           "ErrMerkleProofInvalid",
	ErrCheckpointInvalid:            "ErrCheckpointInvalid",
	ErrIO:                           "ErrIO",
	ErrRng:                          "ErrRng",
	ErrInUse:                        "ErrInUse",
	ErrInsecurePermissions:          "ErrInsecurePermissions",
	ErrPoisoned:                     "ErrPoisoned",
	ErrInternal:                     "ErrInternal",
}
