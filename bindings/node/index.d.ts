// Hand-written type declarations of the Node binding of custodia (index.js); test/types/check.ts, compiled with
// `tsc --noEmit` by run-tests.sh, uses every export so that a drift between the two fails the test run.
/// <reference types="node" />

import { Readable } from 'node:stream';

export type Bytes = Buffer | Uint8Array;
export type BytesLike = Bytes | SensitiveBuffer | string;
/** A point in time: a Date or Unix seconds. */
export type Timestamp = Date | number;
export type KeyIdLike = KeyId | string;

// ---- errors ----------------------------------------------------------------------------------------------------

/** Base of every error custodia reports: `code` is the stable status code, `message` the library's text verbatim. */
export class CustodiaError extends Error {
  constructor(code: number, message: string, statusName?: string);
  readonly code: number;
  /** The stable snake_case name of the code (`purpose_not_permitted`). */
  readonly statusName: string;
  /** Whether this is a decision by policy (recorded in the audit log), not a fault. */
  isRefusal: boolean;
}
export class InvalidArgument extends CustodiaError {}
export class InvalidPurpose extends InvalidArgument {}
export class TooManyPurposes extends InvalidArgument {}
export class NoPurpose extends InvalidArgument {}
export class InvalidJurisdiction extends InvalidArgument {}
export class ClassificationBelowMinimum extends InvalidArgument {}
export class InvalidException extends InvalidArgument {}
export class UnknownCode extends InvalidArgument {}
export class PolicyInvalid extends InvalidArgument {}
export class BufferTooSmall extends InvalidArgument {}
export class Conflict extends InvalidArgument {}
export class NullPointer extends InvalidArgument {}
export class InvalidUtf8 extends InvalidArgument {}
export class InvalidHandle extends InvalidArgument {}
export class Refused extends CustodiaError {}
export class PurposeNotPermitted extends Refused {}
export class Expired extends Refused {}
export class JurisdictionNotPermitted extends Refused {}
export class ClearanceInsufficient extends Refused {}
export class KeyDestroyed extends Refused {}
export class LegalHold extends Refused {}
export class SignerMismatch extends Refused {}
export class TransferNotPermitted extends Refused {}
export class RecipientNotPermitted extends Refused {}
export class RecipientJurisdictionUnknown extends Refused {}
export class NotOnCase extends Refused {}
export class RoleNotPermitted extends Refused {}
export class TransferRefused extends Refused {}
export class LegalBasisRequired extends Refused {}
export class ApprovalRequired extends Refused {}
export class OnwardTransferNotGranted extends Refused {}
export class PurposeExtensionNotGranted extends Refused {}
export class KeyRevoked extends Refused {}
export class DestinationRequired extends Refused {}
export class KeyCompromised extends Refused {}
export class ReceiptNotApplicable extends Refused {}
export class EnvelopeError extends CustodiaError {}
export class Malformed extends EnvelopeError {}
export class UnsupportedVersion extends EnvelopeError {}
export class UnsupportedSuite extends EnvelopeError {}
export class Truncated extends EnvelopeError {}
export class LimitExceeded extends EnvelopeError {}
export class UnknownCriticalField extends EnvelopeError {}
export class OpenFailed extends EnvelopeError {}
export class NoMatchingRecipient extends EnvelopeError {}
export class SignatureInvalid extends EnvelopeError {}
export class ArmorError extends EnvelopeError {}
export class EnvelopeChanged extends EnvelopeError {}
export class ApprovalInvalid extends EnvelopeError {}
export class GrantInvalid extends EnvelopeError {}
export class ReceiptInvalid extends EnvelopeError {}
export class ReceiptIssuerUnknown extends EnvelopeError {}
export class KeyringError extends CustodiaError {}
export class KeyNotFound extends KeyringError {}
export class KeyStateError extends KeyringError {}
export class WrongPassphrase extends KeyringError {}
export class KeyringCorrupt extends KeyringError {}
export class KeyringVersion extends KeyringError {}
export class InvalidKeyText extends KeyringError {}
export class KdfParamsOutOfRange extends KeyringError {}
export class CustodianNotFound extends KeyringError {}
export class KeyNotValid extends KeyringError {}
export class ProviderUnavailable extends KeyringError {}
export class ProviderFailed extends KeyringError {}
export class AuditError extends CustodiaError {}
export class AuditWriteFailed extends AuditError {}
export class AuditMalformed extends AuditError {}
export class AuditTampered extends AuditError {}
export class AuditWrongKey extends AuditError {}
export class AuditUnsupportedFormat extends AuditError {}
export class CustodianClosed extends AuditError {}
export class AnchorInvalid extends AuditError {}
export class MerkleProofInvalid extends AuditError {}
export class CheckpointInvalid extends AuditError {}
export class EnvironmentFault extends CustodiaError {}
export class IoFault extends EnvironmentFault {}
export class RngFault extends EnvironmentFault {}
export class InUse extends EnvironmentFault {}
export class InsecurePermissions extends EnvironmentFault {}
export class InternalError extends CustodiaError {}
export class Poisoned extends InternalError {}

/** The error class for a status code (an unknown code: its group's base, or CustodiaError). */
export function errorClass(code: number): typeof CustodiaError;

// ---- vocabulary --------------------------------------------------------------------------------------------------

export const Classification: Readonly<{ PUBLIC: 0; RESTRICTED: 1; CONFIDENTIAL: 2; SECRET: 3 }>;
export const Category: Readonly<{
  PERSONAL_IDENTITY: 1; CONTACT_DETAILS: 2; FINANCIAL_RECORDS: 3; BIOMETRIC: 4; HEALTH: 5; COMMUNICATIONS_CONTENT: 6;
  COMMUNICATIONS_METADATA: 7; EVIDENCE: 8; PRIVILEGED_LEGAL: 9; INVESTIGATIVE_NOTES: 10; WITNESS_IDENTITY: 11;
  CASE_ADMINISTRATION: 12;
}>;
export const ExceptionKind: Readonly<{
  COURT_ORDER: 1; CONSENT: 2; IMMINENT_THREAT: 3; LEGAL_OBLIGATION: 4; NATIONAL_SECURITY: 5;
  OVERRIDING_PUBLIC_INTEREST: 6;
}>;
export const KeyKind: Readonly<{ KEK: 1; X25519: 2; XWING: 3; ED25519: 4 }>;
export const KeyState: Readonly<{ ACTIVE: 0; DECRYPT_ONLY: 1; DESTROYED: 2 }>;
export const InstrumentKind: Readonly<{
  BILATERAL_TREATY: 1; EUROPEAN_INVESTIGATION_ORDER: 2; MULTILATERAL_CONVENTION: 3; LETTER_ROGATORY: 4; OTHER: 255;
}>;
export const RecipientKind: Readonly<{ KEK: 1; X25519: 2; X25519_AUTH: 3; XWING: 4 }>;
export const ReceiptField: { readonly [K in ReceiptFieldName]: number };
export type ReceiptFieldName = 'purpose' | 'role' | 'actor' | 'jurisdiction' | 'exception_kind' |
  'exception_reference' | 'grant' | 'grant_reference' | 'recipients' | 'key' | 'erasure_certificate' |
  'erasure_certificate_sha256' | 'refusal' | 'operation';

export const vocab: {
  categoryName(code: number): string;
  categoryFromName(name: string): number;
  minimumClassification(category: number): number;
  classificationName(code: number): string;
  classificationFromName(name: string): number;
  exceptionKindName(code: number): string;
  exceptionKindFromName(name: string): number;
  keyKindName(code: number): string;
  keyKindFromName(name: string): number;
  validatePurpose(purpose: string): void;
  validateJurisdiction(jurisdiction: string): void;
  validateCaseRef(caseRef: string): void;
};

// ---- values ------------------------------------------------------------------------------------------------------

/** Secret bytes: wiped on close() (and when collected), never shown by util.inspect, toString or JSON. */
export class SensitiveBuffer {
  /** Copies `data` (the caller's copy stays the caller's to wipe). */
  constructor(data?: Bytes);
  /** The bytes themselves, without a copy; they read as zeros once closed. */
  expose(): Buffer;
  readonly length: number;
  readonly closed: boolean;
  close(): void;
  /** Constant-time comparison. */
  equals(other: SensitiveBuffer | Bytes): boolean;
  toString(): string;
  toJSON(): string;
}

export class KeyId {
  constructor(value: KeyId | string | Bytes);
  readonly bytes: Buffer;
  equals(other: unknown): boolean;
  toString(): string;
  toJSON(): string;
}

/** A library handle: close() frees it (idempotent). */
declare class Handle {
  readonly handle: number | bigint;
  readonly closed: boolean;
  close(): void;
}

export class Actor extends Handle {
  constructor(userId: string, role: string, jurisdiction: string, clearance: number);
  describe(): string;
}

export class ExceptionGround extends Handle {
  constructor(kind: number, reference: string | null, justification: string);
  readonly kind: number;
  static courtOrder(orderNumber: string, justification: string): ExceptionGround;
  static consent(record: string, justification: string): ExceptionGround;
  static imminentThreat(justification: string, reference?: string | null): ExceptionGround;
  static legalObligation(provision: string, justification: string): ExceptionGround;
  static nationalSecurity(reference: string, justification: string): ExceptionGround;
  static overridingPublicInterest(reference: string, justification: string): ExceptionGround;
  withApproval(approval: string): ExceptionGround;
  describe(): string;
}

export class AccessPolicy extends Handle {
  constructor(tomlText: string);
  static load(path: string): AccessPolicy;
  sha256(): string;
}

export interface Instrument {
  kind: number;
  reference?: string | null;
  transferBasis?: string | null;
}

export interface SealOptionsInit {
  classification?: number;
  caseRef?: string | null;
  origin?: string | null;
  destinations?: string[];
  notAfter?: Timestamp | null;
  recipients?: KeyIdLike[];
  signer?: KeyIdLike | null;
  sender?: KeyIdLike | null;
  instrument?: Instrument;
  chunkSize?: number;
  armor?: boolean;
}

export class SealOptions extends Handle {
  constructor(category: number, purposes: string | string[], opts?: SealOptionsInit);
  setClassification(classification: number): void;
  setCaseRef(caseRef: string | null): void;
  setJurisdictions(origin: string | null, destinations?: string[]): void;
  setNotAfter(notAfter: Timestamp | null): void;
  addRecipient(key: KeyIdLike): void;
  setSigner(key: KeyIdLike | null): void;
  setSender(key: KeyIdLike | null): void;
  setInstrument(kind: number, reference?: string | null, transferBasis?: string | null): void;
  setChunkSize(bytes: number): void;
  setArmor(armor: boolean): void;
}

export interface Recipient {
  keyId: KeyId;
  kind: number;
}

export interface EnvelopeInfo {
  readonly objectId: string;
  readonly category: number;
  readonly classification: number;
  readonly created: Date | null;
  readonly notAfter: Date | null;
  readonly purposes: string[];
  readonly caseRef: string | null;
  readonly origin: string | null;
  readonly destinations: string[];
  readonly recipients: Recipient[];
  readonly signer: KeyId | null;
  readonly instrument: { kind: number; reference: string | null; transferBasis: string | null } | null;
  readonly grantCount: number;
}

export class Opened {
  readonly data: SensitiveBuffer;
  readonly info: EnvelopeInfo;
  readonly signer: KeyId | null;
  close(): void;
}

export class Anchor {
  constructor(jsonText: string);
  readonly json: string;
  readonly logId: string;
  readonly count: number;
  readonly head: string;
  readonly witnessCount: number;
  verify(auditKey: string, witnessKey?: string | null): void;
}

export class ErasureCertificate {
  constructor(jsonText: string);
  readonly json: string;
  readonly logId: string;
  readonly seq: number;
  readonly time: Date | null;
  readonly caseRef: string | null;
  readonly reason: string;
  readonly envelopes: number | null;
  readonly keys: KeyId[];
  verify(auditKey: string): void;
}

export class Grant {
  constructor(value: string | Bytes);
  readonly id: string;
  readonly text: string;
  toBytes(): Buffer;
  equals(other: unknown): boolean;
}

export interface ReceiptItem {
  readonly kind: string;
  readonly time: Date | null;
  readonly fields: { [K in ReceiptFieldName]?: string };
  get(name: ReceiptFieldName): string | null;
}

export class Receipt {
  constructor(armored: string);
  readonly armored: string;
  readonly objectId: string;
  readonly caseRef: string | null;
  readonly issuer: KeyId;
  readonly issuedAt: Date | null;
  readonly items: ReceiptItem[];
  verify(publicKey: string): void;
  kinds(): string[];
  equals(other: unknown): boolean;
}

export class EnvelopeReader extends Handle {
  readonly info: EnvelopeInfo;
  readonly length: number;
  readAt(offset: number, target: Bytes): number;
  createReadStream(opts?: { start?: number; chunkSize?: number }): Readable;
}

// ---- records, SD-JWT (docs/FORMAT.md sections 14 and 15) ---------------------------------------------------------

/** `CUSTODIA_FIELD_*`: the type of a record field's value. */
export const FieldKind: Readonly<{ TEXT: 1; INTEGER: 2; DATE: 3; BYTES: 4; NESTED: 5 }>;
/** `CUSTODIA_MASK_*`: the rule of a masked view. */
export const MaskRule: Readonly<{ IBAN: 1; LAST_THREE_DIGITS: 2; INITIALS: 3; YEAR: 4 }>;
export type FieldKindName = 'text' | 'integer' | 'date' | 'bytes' | 'nested';
export type MaskRuleName = 'iban' | 'last_three_digits' | 'initials' | 'year';

/** A field's own terms: its classification (default: its category's minimum) and the purposes it alone may be
 * opened for (default: the envelope's; each must be one the envelope's purposes permit). */
export interface FieldTerms {
  classification?: number | null;
  purposes?: string[] | null;
}

/** What a record holds, as a value: text, an integer (a bigint beyond 2^53), a date (`YYYY-MM-DD` when read back),
 * bytes, or nested named values. */
export type RecordValue = string | number | bigint | Date | Bytes | SensitiveBuffer | RecordValues;
export interface RecordValues {
  [name: string]: RecordValue;
}
/** A value as an opened record or a presentation gives it back. */
export type OpenedValue = string | number | bigint | Buffer | OpenedValues;
export interface OpenedValues {
  [name: string]: OpenedValue;
}

/** A record being built; each adder returns the builder. close() wipes every value it holds. */
export class Record extends Handle {
  constructor();
  text(name: string, value: string, category: number, terms?: FieldTerms): this;
  integer(name: string, value: number | bigint, category: number, terms?: FieldTerms): this;
  /** `YYYY-MM-DD`, or a Date (its UTC calendar date). */
  date(name: string, value: string | Date, category: number, terms?: FieldTerms): this;
  bytes(name: string, value: Bytes | SensitiveBuffer, category: number, terms?: FieldTerms): this;
  /** Another Record's values, or a plain object of values, disclosed or withheld as one under this field's terms. */
  nested(name: string, value: Record | RecordValues, category: number, terms?: FieldTerms): this;
  /** Add a value as the field type its JS type says. */
  value(name: string, value: RecordValue | Record, category: number, terms?: FieldTerms): this;
}

/** One field of an opened record: disclosed (`value`, `data`), masked (`maskedText`, `mask`, `error`) or withheld
 * (`error`: the refusal, with its class, code and message). */
export class RecordField {
  readonly name: string;
  readonly category: number;
  readonly classification: number;
  readonly kind: FieldKindName;
  /** Its own purposes, or null when the envelope's apply. */
  readonly purposes: string[] | null;
  readonly status: 'disclosed' | 'masked' | 'withheld';
  readonly disclosed: boolean;
  /** The refusal that kept the value from this reader, or null when disclosed. */
  readonly error: CustodiaError | null;
  readonly mask: MaskRuleName | null;
  readonly maskedText: string | null;
  /** The value's bytes, wiped when the record is closed; null unless disclosed. */
  readonly data: SensitiveBuffer | null;
  /** The typed value; throws `error` unless disclosed. */
  readonly value: OpenedValue;
  /** The value in the record vectors' JSON form (`{"text":"..."}`, ...); throws `error` unless disclosed. */
  readonly json: string;
}

export class OpenedRecord implements Iterable<RecordField> {
  readonly fields: RecordField[];
  readonly size: number;
  readonly info: EnvelopeInfo;
  has(name: string): boolean;
  field(name: string): RecordField;
  get(name: string): OpenedValue;
  disclosed(): string[];
  withheld(): string[];
  masked(): string[];
  [Symbol.iterator](): Iterator<RecordField>;
  /** Wipes every disclosed value. */
  close(): void;
}

export class PresentedField {
  readonly name: string;
  /** The value's JSON form as UTF-8, wiped when the presentation is closed. */
  readonly data: SensitiveBuffer;
  readonly json: string;
  readonly value: OpenedValue;
}

export class VerifiedPresentation {
  readonly objectId: string;
  readonly caseRef: string | null;
  readonly issuer: KeyId;
  readonly issuedAt: Date | null;
  readonly fieldCount: number;
  readonly withheldCount: number;
  readonly fields: PresentedField[];
  names(): string[];
  has(name: string): boolean;
  get(name: string): OpenedValue;
  close(): void;
}

/** Verify a presentation (or a whole SD-JWT) with the issuer's Ed25519 public key text alone. */
export function verifyPresentation(presentation: string | Bytes | SensitiveBuffer,
  issuerPublicKey: string): VerifiedPresentation;

export interface KeyInfo {
  readonly keyId: KeyId;
  readonly kind: number;
  readonly state: number;
  readonly label: string | null;
  readonly caseRef: string | null;
  readonly created: Date | null;
  readonly destroyAfter: Date | null;
  readonly destroyedAt: Date | null;
  readonly hasSecret: boolean;
  readonly rotatedFrom: KeyId | null;
  readonly rotatedTo: KeyId | null;
  readonly jurisdiction: string | null;
  readonly authority: string | null;
  readonly notBefore: Date | null;
  readonly notAfter: Date | null;
  readonly revoked: { at: Date | null; reason: string | null } | null;
  readonly compromised: { at: Date | null; reason: string | null } | null;
}

export interface AuditReport {
  readonly entries: number;
  readonly checkpoints: number;
  readonly erasures: number;
  readonly recoveries: number;
  readonly unsealedTail: number;
  readonly lastCheckpoint: number | null;
  readonly head: string;
  readonly anchors: number;
}

export interface AuditEntry {
  readonly seq: number | null;
  readonly time: Date | null;
  readonly kind: string;
  readonly actorId: string | null;
  readonly actorRole: string | null;
  readonly actorJurisdiction: string | null;
  readonly caseRef: string | null;
  readonly objectId: string | null;
  readonly purpose: string | null;
  readonly outcome: string;
  readonly json: string;
}

export interface AuditFilters {
  caseRef?: string | null;
  objectId?: string | null;
  actorId?: string | null;
  kinds?: string[];
  since?: Timestamp | null;
  until?: Timestamp | null;
}

export interface LegalHoldInfo {
  readonly caseRef: string;
  readonly reference: string;
  readonly reason: string;
  readonly setBy: string;
  readonly setAt: Date | null;
  readonly keys: KeyId[];
}

export interface OpenOptions {
  exception?: ExceptionGround | null;
  requiredSigner?: KeyIdLike | null;
}

/** A synchronous byte source for sealStream/openStream: returns how many bytes it wrote into target, 0 at the end. */
export interface SyncSource {
  read(target: Uint8Array): number;
}
export interface SyncSink {
  write(chunk: Buffer): void;
}

/** Stanza kind 6, `external`: the wrapped bytes are the key service's own (1 to 1024 bytes). */
export const STANZA_EXTERNAL: 6;
/** Stanza kind 5, `pkcs11-aes-gcm`: exactly iv (12) || ciphertext (32) || tag (16) of AES-256-GCM. */
export const STANZA_PKCS11_AES_GCM: 5;

/** A host's key service (KMS, HSM) wrapping custodia's data keys; called synchronously during seal and open. Throw
 * OpenFailed from unwrap for "does not authenticate", ProviderUnavailable for "cannot be reached". */
export interface KeyProviderLike {
  name?: string;
  stanzaKind?: number;
  holds(keyId: KeyId): boolean;
  /** `dataKey` is wiped after the call. */
  wrap(keyId: KeyId, dataKey: Buffer, aad: Buffer): Bytes;
  /** The 32-byte data key (wiped by the binding once copied), or null when the key is not this provider's. */
  unwrap(keyId: KeyId, wrapped: Buffer, aad: Buffer): Bytes | null;
}
export class KeyProvider implements KeyProviderLike {
  constructor(name?: string, stanzaKind?: number);
  name: string;
  stanzaKind: number;
  holds(keyId: KeyId): boolean;
  wrap(keyId: KeyId, dataKey: Buffer, aad: Buffer): Bytes;
  unwrap(keyId: KeyId, wrapped: Buffer, aad: Buffer): Bytes | null;
}

/** An Ed25519 key held by the host: plain RFC 8032 signatures, each verified by the library before use. */
export interface SignerLike {
  publicKey(): Bytes;
  sign(message: Buffer): Bytes;
}
export class Signer implements SignerLike {
  publicKey(): Bytes;
  sign(message: Buffer): Bytes;
  /** The custodia key id of the key, as the library computes it from publicKey(). */
  keyId(): KeyId;
}

export interface CustodianInit {
  masterKey?: Bytes | SensitiveBuffer;
  passphrase?: string | Bytes | SensitiveBuffer;
  create?: boolean;
  /** Argon2id costs for a keyring this open creates: [memoryKib, passes, lanes]. */
  kdf?: [number, number, number];
  durability?: 'fsync_each' | 'group_commit' | 'os_buffered';
  groupCommit?: [number, number];
  /** Called with each audit event (seq null) after the log has it, on this thread, inside the call that recorded it;
   * must not call back into this custodian. A throw is kept (auditSinkErrors) and counted. */
  auditSinks?: ((event: AuditEntry) => void)[];
  /** A failing sink fails the operation (AuditWriteFailed) instead of only being counted. */
  requireAuditSinks?: boolean;
  providers?: KeyProviderLike[];
  caseKeys?: { provider: KeyProviderLike; kek: KeyIdLike; cacheTtlSecs?: number; cacheMaxUses?: number } | null;
  signers?: SignerLike[];
  auditSigner?: SignerLike | null;
}

export class Custodian extends Handle {
  constructor(directory: string, opts: CustodianInit);
  readonly directory: string;
  readonly auditPath: string;
  /** The most recent errors thrown by the audit sinks (at most 100), oldest first. */
  readonly auditSinkErrors: unknown[];
  auditSinkFailures(): number;
  /** Writes the closing checkpoint, frees the handle, returns the checkpoint (again: the same one). */
  close(): Anchor | null;

  generateKey(actor: Actor, kind: number, label: string): KeyId;
  caseKey(actor: Actor, caseRef: string, destroyAfter?: Timestamp | null): KeyId;
  keys(): KeyInfo[];
  key(keyId: KeyIdLike): KeyInfo;
  exportPublic(keyId: KeyIdLike): string;
  importPublic(actor: Actor, keyText: string, label: string, jurisdiction: string | null): KeyId;
  importAuthorityKey(actor: Actor, keyText: string, label: string, authority: string, jurisdiction: string,
    period?: { notBefore?: Timestamp | null; notAfter?: Timestamp | null }): KeyId;
  revokeKey(actor: Actor, keyId: KeyIdLike, reason: string): void;
  markCompromised(actor: Actor, keyId: KeyIdLike, reason: string): void;
  compromiseReport(keyId: KeyIdLike): string;
  rotate(actor: Actor, keyId: KeyIdLike): KeyId;
  destroyKey(actor: Actor, keyId: KeyIdLike, reason: string): ErasureCertificate;
  shredExpired(actor: Actor): { destroyed: number; held: number; certificates: ErasureCertificate[] };
  setRetention(actor: Actor, keyId: KeyIdLike, destroyAfter: Timestamp | null): void;
  placeLegalHold(actor: Actor, caseRef: string, reference: string, reason: string): void;
  releaseLegalHold(actor: Actor, caseRef: string): void;
  legalHolds(): LegalHoldInfo[];

  seal(actor: Actor, data: BytesLike, options: SealOptions): Buffer;
  open(actor: Actor, envelope: BytesLike, purpose: string, opts?: OpenOptions): Opened;
  inspect(envelope: BytesLike): EnvelopeInfo;
  describe(envelope: BytesLike): string;
  envelopeGrants(envelope: BytesLike): Grant[];
  receive(actor: Actor, envelope: BytesLike): EnvelopeInfo;
  rewrap(actor: Actor, envelope: BytesLike, purpose: string,
    opts?: { remove?: KeyIdLike[]; add?: KeyIdLike[]; grant?: Grant | string | null }): Buffer;
  rewrapRotated(actor: Actor, envelope: BytesLike): Buffer;
  rewrapBatch(actor: Actor, paths: string[], purpose?: string | null,
    opts?: { remove?: KeyIdLike[]; add?: KeyIdLike[] }): { path: string; error: CustodiaError | null; ok: boolean }[];
  unwrapAttempts(): number;

  issueOnwardTransferGrant(actor: Actor, signer: KeyIdLike, objectId: string, authority: string, jurisdiction: string,
    recipient: KeyIdLike, notAfter: Timestamp, reference: string): Grant;
  issuePurposeExtensionGrant(actor: Actor, signer: KeyIdLike, objectId: string, purposes: string[],
    notAfter: Timestamp, reference: string): Grant;
  extendPurposes(actor: Actor, envelope: BytesLike, grant: Grant | string): Buffer;

  setAccessPolicy(actor: Actor, policy: AccessPolicy): void;
  approveException(approver: Actor, signingKey: KeyIdLike, request: { objectId: string; actorId: string;
    purpose: string; kind: number; reference?: string | null; notAfter: Timestamp }): string;

  issueReceipt(actor: Actor, objectId: string, signer: KeyIdLike,
    opts?: { nameActors?: boolean; includeRefusals?: boolean }): Receipt;
  importReceipt(actor: Actor, receipt: Receipt | string): Receipt;
  receiptsForObject(objectId: string): Receipt[];
  receiptsForCase(caseRef: string): Receipt[];

  sealFile(actor: Actor, src: string, dst: string, options: SealOptions): void;
  openFile(actor: Actor, src: string, dst: string, purpose: string, opts?: OpenOptions): EnvelopeInfo;
  sealStream(actor: Actor, src: number | SyncSource, dst: number | SyncSink, options: SealOptions): void;
  openStream(actor: Actor, src: number | SyncSource, dst: number | SyncSink, purpose: string,
    opts?: OpenOptions): EnvelopeInfo;
  openReader(actor: Actor, source: string | number, purpose: string, opts?: OpenOptions): EnvelopeReader;
  createOpenStream(actor: Actor, source: string | number, purpose: string,
    opts?: OpenOptions & { start?: number; chunkSize?: number }): Readable;

  /** Seal a Readable (any async iterable of bytes) into a Writable in constant memory (a worker thread runs the C
   * streaming call). Keep the handles open until it settles; `dst` is not ended. */
  sealNodeStream(actor: Actor, src: AsyncIterable<Uint8Array | string>, dst: NodeJS.WritableStream,
    options: SealOptions): Promise<void>;
  /** Open from a Readable into a Writable in constant memory; each plaintext chunk is wiped once written. */
  openNodeStream(actor: Actor, src: AsyncIterable<Uint8Array | string>, dst: NodeJS.WritableStream, purpose: string,
    opts?: OpenOptions): Promise<EnvelopeInfo>;

  sealRecord(actor: Actor, record: Record, options: SealOptions): Buffer;
  openRecord(actor: Actor, envelope: BytesLike, purpose: string, opts?: OpenOptions): OpenedRecord;
  pseudonymize(actor: Actor, purpose: string, caseRef: string, category: number, domain: string,
    values: string[]): string[];
  /** The index of the candidate with this pseudonym, or null. */
  resolvePseudonym(actor: Actor, purpose: string, caseRef: string, category: number, domain: string,
    pseudonym: string, candidates: string[]): number | null;
  /** The whole SD-JWT (every disclosure: secret) as UTF-8 in a SensitiveBuffer. */
  issueSdJwt(actor: Actor, envelope: BytesLike, purpose: string, signer: KeyIdLike,
    opts?: { exception?: ExceptionGround | null }): SensitiveBuffer;
  present(actor: Actor, sdJwt: SensitiveBuffer | Bytes | string, fields: string[], audience: string,
    purpose: string): string;

  verifyAudit(anchors?: (Anchor | string)[]): AuditReport;
  checkpoint(): Anchor;
  auditPublicKey(): string;
  countersignAnchor(actor: Actor, anchor: Anchor | string, theirAuditKey: string, signer: KeyIdLike): Anchor;
  proveAuditEntry(seq: number): string;
  auditEntries(filters?: AuditFilters): AuditEntry[];
  auditCsv(filters?: AuditFilters): string;
  writeAuditCsv(path: string, filters?: AuditFilters): number;
}

export interface MemoryProtection {
  readonly lockedBytes: number;
  readonly unlockedBytes: number;
  readonly lockFailures: number;
  readonly dontdumpFailures: number;
  readonly liveSecrets: number;
  readonly dumpable: boolean;
  readonly fullyProtected: boolean;
}

export function memoryProtection(): MemoryProtection;
/** Make this process not dumpable, for the whole process and irreversibly. */
export function disableCoreDumps(): void;
export function verifyInclusion(bundle: string, auditKey: string): string;
export function liveCounts(): { handles: number; buffers: number };
export function version(): string;
export function abiVersion(): number;
export function statusName(code: number): string | null;
export const libraryPath: string;
export const ABI_VERSION: number;
