'use strict';
// Typed errors for custodia's status codes (include/custodia.h `custodia_status`), one class per code, each deriving
// from its group's base (1xx InvalidArgument, 2xx Refused, 3xx EnvelopeError, 4xx KeyringError, 5xx AuditError,
// 9xx EnvironmentFault; InternalError for 998/999), all from CustodiaError. The table is written out, not generated:
// test/errors.test.js checks it against the header's CUSTODIA_ERR_* list in both directions.
// Messages come verbatim from custodia_last_error_message() read on the calling thread right after the failing call.

class CustodiaError extends Error {
  /**
   * @param {number} code the status code
   * @param {string} message the library's message, verbatim
   * @param {string} [statusName] the code's stable name (custodia_status_name)
   */
  constructor(code, message, statusName) {
    super(message);
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false, configurable: true, writable: true });
    /** The stable status code (`CUSTODIA_ERR_*`). */
    this.code = code;
    /** The stable snake_case name of the code (`purpose_not_permitted`). */
    this.statusName = statusName || String(code);
    /** Whether this is a decision by policy (recorded in the audit log), not a fault. */
    this.isRefusal = Math.floor(code / 100) === 2;
  }

  toString() {
    return `${this.name}: ${this.message} [${this.code} ${this.statusName}]`;
  }
}

const GROUP_BASES = ['Refused', 'EnvelopeError', 'KeyringError', 'AuditError', 'EnvironmentFault', 'InternalError'];

// [code, class name, base class name]
const TABLE = [
  [100, 'InvalidArgument', 'CustodiaError'],
  [101, 'InvalidPurpose', 'InvalidArgument'],
  [102, 'TooManyPurposes', 'InvalidArgument'],
  [103, 'NoPurpose', 'InvalidArgument'],
  [104, 'InvalidJurisdiction', 'InvalidArgument'],
  [105, 'ClassificationBelowMinimum', 'InvalidArgument'],
  [106, 'InvalidException', 'InvalidArgument'],
  [107, 'UnknownCode', 'InvalidArgument'],
  [108, 'PolicyInvalid', 'InvalidArgument'],
  [109, 'BufferTooSmall', 'InvalidArgument'],
  [110, 'Conflict', 'InvalidArgument'],
  [120, 'NullPointer', 'InvalidArgument'],
  [121, 'InvalidUtf8', 'InvalidArgument'],
  [122, 'InvalidHandle', 'InvalidArgument'],
  [200, 'PurposeNotPermitted', 'Refused'],
  [201, 'Expired', 'Refused'],
  [202, 'JurisdictionNotPermitted', 'Refused'],
  [203, 'ClearanceInsufficient', 'Refused'],
  [204, 'KeyDestroyed', 'Refused'],
  [205, 'LegalHold', 'Refused'],
  [206, 'SignerMismatch', 'Refused'],
  [207, 'TransferNotPermitted', 'Refused'],
  [208, 'RecipientNotPermitted', 'Refused'],
  [209, 'RecipientJurisdictionUnknown', 'Refused'],
  [210, 'NotOnCase', 'Refused'],
  [211, 'RoleNotPermitted', 'Refused'],
  [212, 'TransferRefused', 'Refused'],
  [213, 'LegalBasisRequired', 'Refused'],
  [214, 'ApprovalRequired', 'Refused'],
  [215, 'OnwardTransferNotGranted', 'Refused'],
  [216, 'PurposeExtensionNotGranted', 'Refused'],
  [217, 'KeyRevoked', 'Refused'],
  [218, 'DestinationRequired', 'Refused'],
  [219, 'KeyCompromised', 'Refused'],
  [220, 'ReceiptNotApplicable', 'Refused'],
  [300, 'Malformed', 'EnvelopeError'],
  [301, 'UnsupportedVersion', 'EnvelopeError'],
  [302, 'UnsupportedSuite', 'EnvelopeError'],
  [303, 'Truncated', 'EnvelopeError'],
  [304, 'LimitExceeded', 'EnvelopeError'],
  [305, 'UnknownCriticalField', 'EnvelopeError'],
  [306, 'OpenFailed', 'EnvelopeError'],
  [307, 'NoMatchingRecipient', 'EnvelopeError'],
  [308, 'SignatureInvalid', 'EnvelopeError'],
  [309, 'ArmorError', 'EnvelopeError'],
  [310, 'EnvelopeChanged', 'EnvelopeError'],
  [311, 'ApprovalInvalid', 'EnvelopeError'],
  [312, 'GrantInvalid', 'EnvelopeError'],
  [313, 'ReceiptInvalid', 'EnvelopeError'],
  [314, 'ReceiptIssuerUnknown', 'EnvelopeError'],
  [400, 'KeyNotFound', 'KeyringError'],
  [401, 'KeyStateError', 'KeyringError'],
  [402, 'WrongPassphrase', 'KeyringError'],
  [403, 'KeyringCorrupt', 'KeyringError'],
  [404, 'KeyringVersion', 'KeyringError'],
  [405, 'InvalidKeyText', 'KeyringError'],
  [406, 'KdfParamsOutOfRange', 'KeyringError'],
  [407, 'CustodianNotFound', 'KeyringError'],
  [408, 'KeyNotValid', 'KeyringError'],
  [409, 'ProviderUnavailable', 'KeyringError'],
  [410, 'ProviderFailed', 'KeyringError'],
  [500, 'AuditWriteFailed', 'AuditError'],
  [501, 'AuditMalformed', 'AuditError'],
  [502, 'AuditTampered', 'AuditError'],
  [503, 'AuditWrongKey', 'AuditError'],
  [504, 'AuditUnsupportedFormat', 'AuditError'],
  [506, 'CustodianClosed', 'AuditError'],
  [507, 'AnchorInvalid', 'AuditError'],
  [508, 'MerkleProofInvalid', 'AuditError'],
  [509, 'CheckpointInvalid', 'AuditError'],
  [900, 'IoFault', 'EnvironmentFault'],
  [901, 'RngFault', 'EnvironmentFault'],
  [902, 'InUse', 'EnvironmentFault'],
  [903, 'InsecurePermissions', 'EnvironmentFault'],
  [998, 'Poisoned', 'InternalError'],
  [999, 'InternalError', 'CustodiaError'],
];

const classes = { CustodiaError };
for (const base of GROUP_BASES) {
  classes[base] = { [base]: class extends CustodiaError {} }[base];
}
// 100 is both the 1xx group's base and its own code; 999 (InternalError) is 998's (Poisoned) base.
for (const [, name, base] of TABLE) {
  if (classes[name]) continue;
  const parent = classes[base];
  if (!parent) throw new Error(`errors table: ${name} before its base ${base}`);
  classes[name] = { [name]: class extends parent {} }[name];
}

/** code -> class */
const BY_CODE = new Map(TABLE.map(([code, name]) => [code, classes[name]]));
const GROUPS = new Map([
  [1, classes.InvalidArgument], [2, classes.Refused], [3, classes.EnvelopeError], [4, classes.KeyringError],
  [5, classes.AuditError], [9, classes.EnvironmentFault],
]);

/** The class for a status code; an unknown code maps to its group's base, or CustodiaError. */
function errorClass(code) {
  return BY_CODE.get(code) || GROUPS.get(Math.floor(code / 100)) || CustodiaError;
}

module.exports = { ...classes, errorClass, BY_CODE, TABLE };
