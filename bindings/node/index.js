'use strict';
// The Node.js binding of custodia over its C ABI (koffi; lib/raw.js declares the C functions, lib/errors.js the typed
// errors). Every call is synchronous, so the thread-local last error is read on the calling thread right after the
// failing call. Handles are freed by close() (or `using`), and by a FinalizationRegistry as a last resort; plaintext
// comes back in a SensitiveBuffer that is wiped on close(); every library buffer is freed (and so wiped) at once.

const fs = require('node:fs');
const util = require('node:util');
const crypto = require('node:crypto');
const stream = require('node:stream');
const raw = require('./lib/raw');
const errors = require('./lib/errors');

const { koffi, fns: C } = raw;

// ---- errors and buffers -------------------------------------------------------------------------------------------

/** The last error message of this thread, verbatim. */
function lastMessage() {
  return C.custodia_last_error_message() || '';
}

/** Throw the typed error for a non-zero status, with the message read right now on this thread. */
function check(code) {
  if (code !== 0) {
    const message = lastMessage();
    const Cls = errors.errorClass(code);
    const err = new Cls(code, message, C.custodia_status_name(code) || String(code));
    err.isRefusal = C.custodia_status_is_refusal(code);
    throw err;
  }
}

/** A copy of a library buffer's bytes into a fresh (non-pooled) Buffer. */
function copyOut(buf) {
  const out = Buffer.alloc(buf.len);
  if (buf.len) out.set(new Uint8Array(koffi.view(buf.data, buf.len)));
  return out;
}

/** Call fn(...args, outBuffer), take the bytes (as a Buffer) and free (wipe) the library's buffer. */
function takeBytes(fn, ...args) {
  const buf = {};
  check(fn(...args, buf));
  try {
    return copyOut(buf);
  } finally {
    C.custodia_buffer_free(buf);
  }
}

/** As takeBytes, as UTF-8 text. */
function takeText(fn, ...args) {
  return takeBytes(fn, ...args).toString('utf8');
}

/** The bytes of a library buffer read as text, then the buffer freed (for out-buffers filled by multi-output calls). */
function freeText(buf) {
  try {
    return copyOut(buf).toString('utf8');
  } finally {
    C.custodia_buffer_free(buf);
  }
}

/** Live handles and buffers of the library: { handles, buffers }. */
function liveCounts() {
  const h = [0];
  const b = [0];
  check(C.custodia_live_counts(h, b));
  return { handles: Number(h[0]), buffers: Number(b[0]) };
}

function version() {
  return C.custodia_version();
}

function abiVersion() {
  return C.custodia_abi_version();
}

/** The status code's stable name (`purpose_not_permitted`), or null for a code the library does not know. */
function statusName(code) {
  return C.custodia_status_name(code) || null;
}

// ---- SensitiveBuffer ----------------------------------------------------------------------------------------------

const wipeOnCollect = new FinalizationRegistry((buf) => buf.fill(0));
const REDACTED = '[REDACTED]';
const ADOPT = Symbol('adopt');

/** Secret bytes: wiped on close() (and when collected), never shown by util.inspect, toString or JSON. */
class SensitiveBuffer {
  #buf;

  /** Copy `data` into a new wipeable buffer (the caller's own copy stays the caller's to wipe). */
  constructor(data = Buffer.alloc(0), adopt = undefined) {
    if (adopt === ADOPT) {
      this.#buf = data; // the library wrote the plaintext straight into it: no copy
    } else {
      if (!(data instanceof Uint8Array)) {
        throw new TypeError('SensitiveBuffer takes bytes (Buffer, Uint8Array), not a string');
      }
      this.#buf = Buffer.alloc(data.length);
      this.#buf.set(data);
    }
    wipeOnCollect.register(this, this.#buf, this);
  }

  /** Adopt `buf` itself (no copy). */
  static _adopt(buf) {
    return new SensitiveBuffer(buf, ADOPT);
  }

  #live() {
    if (this.#buf === null) throw new Error('SensitiveBuffer is closed (wiped)');
    return this.#buf;
  }

  /** The bytes themselves, without a copy: they read as zeros once this is closed. */
  expose() {
    return this.#live();
  }

  get length() {
    return this.#live().length;
  }

  get closed() {
    return this.#buf === null;
  }

  /** Overwrite the bytes with zeros and drop them. Idempotent. */
  close() {
    const buf = this.#buf;
    this.#buf = null;
    if (buf) {
      buf.fill(0);
      wipeOnCollect.unregister(this);
    }
  }

  /** Constant-time comparison with another SensitiveBuffer or bytes. */
  equals(other) {
    const mine = this.#live();
    const theirs = other instanceof SensitiveBuffer ? other.expose() : other;
    if (!(theirs instanceof Uint8Array)) return false;
    if (theirs.length !== mine.length) return false;
    return crypto.timingSafeEqual(mine, theirs);
  }

  toString() {
    return this.#buf === null ? 'SensitiveBuffer(closed)' : `SensitiveBuffer(len=${this.#buf.length}, ${REDACTED})`;
  }

  toJSON() {
    return this.toString();
  }

  [util.inspect.custom]() {
    return this.toString();
  }

  [Symbol.for('nodejs.dispose')]() {
    this.close();
  }
}
if (Symbol.dispose) SensitiveBuffer.prototype[Symbol.dispose] = SensitiveBuffer.prototype.close;

// ---- handles ------------------------------------------------------------------------------------------------------

const freeOnCollect = new FinalizationRegistry(({ free, id }) => {
  // Runs as its own task, never between a failing call and the read of its message.
  free(id);
});

/** A library handle: close() frees it (idempotent); a forgotten one is freed when collected. */
class Handle {
  constructor(id, free) {
    this._id = id;
    this._free = free;
    freeOnCollect.register(this, { free, id }, this);
  }

  /** The raw handle value; throws once closed. */
  get handle() {
    if (this._id === null) {
      throw new errors.InvalidHandle(122, `${this.constructor.name} is closed (its handle was freed)`, 'invalid_handle');
    }
    return this._id;
  }

  get closed() {
    return this._id === null;
  }

  close() {
    if (this._id === null) return;
    const id = this._id;
    this._id = null;
    freeOnCollect.unregister(this);
    check(this._free(id));
  }

  [Symbol.for('nodejs.dispose')]() {
    this.close();
  }
}
if (Symbol.dispose) Handle.prototype[Symbol.dispose] = function dispose() { this.close(); };

function newHandle(fn, ...args) {
  const out = [0];
  check(fn(...args, out));
  return out[0];
}

// ---- vocabulary ---------------------------------------------------------------------------------------------------

const Classification = Object.freeze({ PUBLIC: 0, RESTRICTED: 1, CONFIDENTIAL: 2, SECRET: 3 });
const Category = Object.freeze({
  PERSONAL_IDENTITY: 1, CONTACT_DETAILS: 2, FINANCIAL_RECORDS: 3, BIOMETRIC: 4, HEALTH: 5,
  COMMUNICATIONS_CONTENT: 6, COMMUNICATIONS_METADATA: 7, EVIDENCE: 8, PRIVILEGED_LEGAL: 9, INVESTIGATIVE_NOTES: 10,
  WITNESS_IDENTITY: 11, CASE_ADMINISTRATION: 12,
});
const ExceptionKind = Object.freeze({
  COURT_ORDER: 1, CONSENT: 2, IMMINENT_THREAT: 3, LEGAL_OBLIGATION: 4, NATIONAL_SECURITY: 5,
  OVERRIDING_PUBLIC_INTEREST: 6,
});
const KeyKind = Object.freeze({ KEK: 1, X25519: 2, XWING: 3, ED25519: 4 });
const KeyState = Object.freeze({ ACTIVE: 0, DECRYPT_ONLY: 1, DESTROYED: 2 });
const InstrumentKind = Object.freeze({
  BILATERAL_TREATY: 1, EUROPEAN_INVESTIGATION_ORDER: 2, MULTILATERAL_CONVENTION: 3, LETTER_ROGATORY: 4, OTHER: 255,
});
const RecipientKind = Object.freeze({ KEK: 1, X25519: 2, X25519_AUTH: 3, XWING: 4 });
const Durability = Object.freeze({ fsync_each: 0, group_commit: 1, os_buffered: 2 });
const ReceiptItemKind = Object.freeze({
  1: 'received', 2: 'opened', 3: 'exception_used', 4: 'shared', 5: 'rewrapped', 6: 'destroyed', 7: 'refused',
});
const ReceiptField = Object.freeze({
  purpose: 1, role: 2, actor: 3, jurisdiction: 4, exception_kind: 5, exception_reference: 6, grant: 7,
  grant_reference: 8, recipients: 9, key: 10, erasure_certificate: 11, erasure_certificate_sha256: 12, refusal: 13,
  operation: 14,
});

function nameOf(fn, code) {
  const out = [null];
  check(fn(code, out));
  return out[0];
}
function codeOf(fn, name) {
  const out = [0];
  check(fn(text(name, 'name'), out));
  return out[0];
}

/** Names and codes of the library's enumerations (the names the audit log writes). */
const vocab = {
  categoryName: (c) => nameOf(C.custodia_category_name, c),
  categoryFromName: (n) => codeOf(C.custodia_category_from_name, n),
  minimumClassification: (c) => {
    const out = [0];
    check(C.custodia_category_minimum_classification(c, out));
    return out[0];
  },
  classificationName: (c) => nameOf(C.custodia_classification_name, c),
  classificationFromName: (n) => codeOf(C.custodia_classification_from_name, n),
  exceptionKindName: (c) => nameOf(C.custodia_exception_kind_name, c),
  exceptionKindFromName: (n) => codeOf(C.custodia_exception_kind_from_name, n),
  keyKindName: (c) => nameOf(C.custodia_key_kind_name, c),
  keyKindFromName: (n) => codeOf(C.custodia_key_kind_from_name, n),
  /** Throws InvalidPurpose unless `p` follows the purpose grammar. */
  validatePurpose: (p) => check(C.custodia_purpose_validate(text(p, 'purpose'))),
  validateJurisdiction: (j) => check(C.custodia_jurisdiction_validate(text(j, 'jurisdiction'))),
  validateCaseRef: (r) => check(C.custodia_case_ref_validate(text(r, 'caseRef'))),
};

function text(value, name) {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, not ${typeof value}`);
  // A C string ends at its first NUL: refused here rather than silently cut short.
  if (value.includes('\0')) throw new errors.InvalidArgument(100, `${name} contains a NUL character`, 'invalid_argument');
  return value;
}
function optText(value, name) {
  return value === undefined || value === null ? null : text(value, name);
}
function bytes(value, name) {
  if (value instanceof SensitiveBuffer) return value.expose();
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw new TypeError(`${name} must be a Buffer, Uint8Array, SensitiveBuffer or string`);
}
function unix(value, name) {
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'bigint' && value >= 0n) return value;
  throw new TypeError(`${name} must be a Date or Unix seconds`);
}
function toDate(seconds) {
  const n = Number(seconds);
  return n === 0 ? null : new Date(n * 1000);
}

/** A 16-byte key id; shown as 32 hex digits. */
class KeyId {
  #bytes;

  constructor(value) {
    if (value instanceof KeyId) {
      this.#bytes = Buffer.from(value.bytes);
    } else if (typeof value === 'string') {
      const out = {};
      check(C.custodia_key_id_parse(text(value, 'keyId'), out));
      this.#bytes = Buffer.from(out.bytes);
    } else if (value instanceof Uint8Array && value.length === 16) {
      this.#bytes = Buffer.from(value);
    } else {
      throw new TypeError('a KeyId is made from its 32 hex digits or its 16 bytes');
    }
  }

  static _from(c) {
    return new KeyId(Uint8Array.from(c.bytes));
  }

  get bytes() {
    return Buffer.from(this.#bytes);
  }

  _c() {
    return { bytes: this.#bytes };
  }

  equals(other) {
    return other instanceof KeyId && this.#bytes.equals(other.bytes);
  }

  toString() {
    return this.#bytes.toString('hex');
  }

  toJSON() {
    return this.toString();
  }

  [util.inspect.custom]() {
    return `KeyId(${this.toString()})`;
  }
}

function keyArg(key, name) {
  if (key instanceof KeyId) return key._c();
  if (typeof key === 'string') return new KeyId(key)._c();
  throw new TypeError(`${name} must be a KeyId or its 32 hex digits`);
}
function optKeyArg(key, name) {
  return key === undefined || key === null ? null : keyArg(key, name);
}
function keyArray(keys, name) {
  const list = [...(keys || [])].map((k) => keyArg(k, name));
  return [list.length ? list : null, list.length];
}

// ---- actors, exceptions, options ----------------------------------------------------------------------------------

/** Who acts: a user id, a role, the jurisdiction they act in, and their clearance. */
class Actor extends Handle {
  constructor(userId, role, jurisdiction, clearance) {
    super(newHandle(C.custodia_actor_new, text(userId, 'userId'), text(role, 'role'),
      text(jurisdiction, 'jurisdiction'), clearance), C.custodia_actor_free);
  }

  describe() {
    return takeText(C.custodia_actor_describe, this.handle);
  }

  toString() {
    return this.closed ? 'Actor(closed)' : this.describe();
  }
}

/** A legal ground to open data for a purpose it was not sealed for (court order, consent, ...), with its reference and
 * justification; audited with the open. */
class ExceptionGround extends Handle {
  constructor(kind, reference, justification, _id) {
    super(_id !== undefined ? _id : newHandle(C.custodia_exception_ground_new, kind, optText(reference, 'reference'),
      text(justification, 'justification')), C.custodia_exception_ground_free);
    this.kind = kind;
  }

  static courtOrder(orderNumber, justification) {
    return new ExceptionGround(ExceptionKind.COURT_ORDER, orderNumber, justification);
  }

  static consent(record, justification) {
    return new ExceptionGround(ExceptionKind.CONSENT, record, justification);
  }

  static imminentThreat(justification, reference = null) {
    return new ExceptionGround(ExceptionKind.IMMINENT_THREAT, reference, justification);
  }

  static legalObligation(provision, justification) {
    return new ExceptionGround(ExceptionKind.LEGAL_OBLIGATION, provision, justification);
  }

  static nationalSecurity(reference, justification) {
    return new ExceptionGround(ExceptionKind.NATIONAL_SECURITY, reference, justification);
  }

  static overridingPublicInterest(reference, justification) {
    return new ExceptionGround(ExceptionKind.OVERRIDING_PUBLIC_INTEREST, reference, justification);
  }

  /** A new ground carrying a four-eyes approval's text. */
  withApproval(approval) {
    const id = newHandle(C.custodia_exception_ground_with_approval, this.handle, text(approval, 'approval'));
    return new ExceptionGround(this.kind, null, null, id);
  }

  describe() {
    return takeText(C.custodia_exception_ground_describe, this.handle);
  }
}

/** An access policy (need-to-know, docs/POLICY.md), parsed from TOML text or loaded from a file. */
class AccessPolicy extends Handle {
  constructor(tomlText, _id) {
    super(_id !== undefined ? _id : newHandle(C.custodia_access_policy_parse, text(tomlText, 'tomlText')),
      C.custodia_access_policy_free);
  }

  static load(path) {
    return new AccessPolicy(null, newHandle(C.custodia_access_policy_load_file, text(path, 'path')));
  }

  sha256() {
    return takeText(C.custodia_access_policy_sha256, this.handle);
  }
}

/** The terms an envelope is sealed under: category, purposes, and optionally classification, case, jurisdictions,
 * expiry, recipients, signer, sender, legal instrument, chunk size, armor. */
class SealOptions extends Handle {
  constructor(category, purposes, opts = {}) {
    const list = (typeof purposes === 'string' ? [purposes] : [...purposes]).map((p) => text(p, 'purposes'));
    super(newHandle(C.custodia_seal_options_new, category, list.length ? list : null, list.length),
      C.custodia_seal_options_free);
    try {
      if (opts.classification !== undefined) this.setClassification(opts.classification);
      if (opts.caseRef !== undefined) this.setCaseRef(opts.caseRef);
      if (opts.origin !== undefined || opts.destinations !== undefined) {
        this.setJurisdictions(opts.origin ?? null, opts.destinations ?? []);
      }
      if (opts.notAfter !== undefined) this.setNotAfter(opts.notAfter);
      for (const r of opts.recipients || []) this.addRecipient(r);
      if (opts.signer !== undefined) this.setSigner(opts.signer);
      if (opts.sender !== undefined) this.setSender(opts.sender);
      if (opts.instrument !== undefined) {
        const { kind, reference = null, transferBasis = null } = opts.instrument;
        this.setInstrument(kind, reference, transferBasis);
      }
      if (opts.chunkSize !== undefined) this.setChunkSize(opts.chunkSize);
      if (opts.armor !== undefined) this.setArmor(opts.armor);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  setClassification(c) { check(C.custodia_seal_options_set_classification(this.handle, c)); }
  setCaseRef(caseRef) { check(C.custodia_seal_options_set_case_ref(this.handle, optText(caseRef, 'caseRef'))); }
  setJurisdictions(origin, destinations = []) {
    const d = [...destinations].map((j) => text(j, 'destinations'));
    check(C.custodia_seal_options_set_jurisdictions(this.handle, optText(origin, 'origin'), d.length ? d : null,
      d.length));
  }
  setNotAfter(t) {
    check(C.custodia_seal_options_set_not_after(this.handle, t === null ? 0 : unix(t, 'notAfter')));
  }
  addRecipient(key) { check(C.custodia_seal_options_add_recipient(this.handle, keyArg(key, 'recipient'))); }
  setSigner(key) { check(C.custodia_seal_options_set_signer(this.handle, optKeyArg(key, 'signer'))); }
  setSender(key) { check(C.custodia_seal_options_set_sender(this.handle, optKeyArg(key, 'sender'))); }
  setInstrument(kind, reference = null, transferBasis = null) {
    check(C.custodia_seal_options_set_instrument(this.handle, kind, optText(reference, 'reference'),
      optText(transferBasis, 'transferBasis')));
  }
  setChunkSize(n) { check(C.custodia_seal_options_set_chunk_size(this.handle, n)); }
  setArmor(armor) { check(C.custodia_seal_options_set_armor(this.handle, Boolean(armor))); }
}

// ---- values -------------------------------------------------------------------------------------------------------

function splitList(s) {
  return s ? s.split(' ').filter(Boolean) : [];
}

const INFO_TYPE = raw.types.envelope_info;
const INFO_OFF = Object.fromEntries(Object.entries(INFO_TYPE.members).map(([k, v]) => [k, v.offset]));
const RECIPIENT_SIZE = koffi.sizeof(raw.types.recipient);

/** A zeroed buffer for a `custodia_envelope_info` out-parameter. */
function infoBuffer() {
  return Buffer.alloc(INFO_TYPE.size);
}

// Output buffers of Custodian.seal and Custodian.open, which the library writes into (custodia_seal_into,
// custodia_open_into). One per kind and per module instance (a worker thread loads its own); a call takes it out and
// puts it back, so a nested call (from a signer, key provider or audit sink callback) gets one of its own instead of
// overwriting the outer call's. Plaintext written into the open buffer is copied out and wiped at once.
const BUFFER_TOO_SMALL = 109;
/** The first scratch buffer's size: a 1 KiB seal needs custodia_seal_max_size, about 66 KiB. */
const SCRATCH_START = 1 << 17;
/** The largest scratch buffer kept between calls; a call needing more allocates for itself alone. */
const SCRATCH_KEEP = 1 << 22;
const SEAL = 0;
const OPEN = 1;
const scratch = [null, null];
function newScratch(size) {
  // mem: the output; len: the size_t out-parameter (length written, or needed).
  return { mem: Buffer.alloc(Math.max(1, size)), len: new BigUint64Array(1) };
}
function takeScratch(kind) {
  const s = scratch[kind];
  if (s === null) return newScratch(SCRATCH_START);
  scratch[kind] = null;
  return s;
}
function putScratch(kind, s) {
  scratch[kind] = s;
}

// Envelope info of opens: slots of a shared block, handed out in turn and never twice (like Buffer's own pool; a
// nested open, from a callback during an open, gets the next slot), each kept by the Opened it belongs to for a lazy
// decode. A block is freed when no Opened holds a slot of it any more.
const INFO_SLOTS = 16;
let infoBlock = null;
let infoNext = INFO_SLOTS;
function infoSlot() {
  if (infoNext === INFO_SLOTS) {
    infoBlock = Buffer.alloc(INFO_TYPE.size * INFO_SLOTS);
    infoNext = 0;
  }
  const i = infoNext++;
  return infoBlock.subarray(i * INFO_TYPE.size, (i + 1) * INFO_TYPE.size);
}

function cstr(buf, offset, size) {
  const end = buf.indexOf(0, offset);
  return buf.toString('utf8', offset, end < 0 || end > offset + size ? offset + size : end);
}

/** What an envelope binds (read without a key by inspect, or with the open), from a filled info buffer. */
function envelopeInfo(b) {
  const o = INFO_OFF;
  const recipients = [];
  const count = Math.min(Number(b.readBigUInt64LE(o.recipient_count)), 64);
  for (let i = 0; i < count; i++) {
    const at = o.recipients + i * RECIPIENT_SIZE;
    recipients.push({ keyId: new KeyId(b.subarray(at, at + 16)), kind: b.readUInt32LE(at + 16) });
  }
  const instrumentKind = b.readUInt32LE(o.instrument_kind);
  return Object.freeze({
    objectId: cstr(b, o.object_id, 33),
    category: b.readUInt32LE(o.category),
    classification: b.readUInt32LE(o.classification),
    created: toDate(b.readBigUInt64LE(o.created)),
    notAfter: toDate(b.readBigUInt64LE(o.not_after)),
    purposes: splitList(cstr(b, o.purposes, 4128)),
    caseRef: cstr(b, o.case_ref, 129) || null,
    origin: cstr(b, o.origin, 3) || null,
    destinations: splitList(cstr(b, o.destinations, 192)),
    recipients,
    signer: b[o.has_signer] ? new KeyId(b.subarray(o.signer, o.signer + 16)) : null,
    instrument: instrumentKind ? { kind: instrumentKind, reference: cstr(b, o.instrument_reference, 1025) || null,
      transferBasis: cstr(b, o.transfer_basis, 1025) || null } : null,
    grantCount: Number(b.readBigUInt64LE(o.grant_count)),
  });
}

/** An opened envelope: the plaintext (a SensitiveBuffer) and what the envelope binds. close() wipes the plaintext. */
class Opened {
  #infoBuffer;
  #info = null;

  constructor(data, infoBuf) {
    this.data = data;
    this.#infoBuffer = infoBuf;
  }

  /** What the envelope binds (read from the library's answer on first use). */
  get info() {
    if (this.#info === null) this.#info = envelopeInfo(this.#infoBuffer);
    return this.#info;
  }

  get signer() {
    return this.info.signer;
  }

  close() {
    this.data.close();
  }

  [util.inspect.custom]() {
    return `Opened(${this.data.toString()}, object ${this.info.objectId})`;
  }

  [Symbol.for('nodejs.dispose')]() {
    this.close();
  }
}
if (Symbol.dispose) Opened.prototype[Symbol.dispose] = Opened.prototype.close;

/** An audit anchor (a signed checkpoint of the log) as JSON text; read by the library. */
class Anchor {
  constructor(jsonText) {
    this.json = text(jsonText, 'anchor');
    const info = {};
    check(C.custodia_anchor_inspect(this.json, info));
    this.logId = info.log_id;
    this.count = Number(info.count);
    this.head = info.head;
    this.witnessCount = Number(info.witness_count);
  }

  /** Throws AnchorInvalid unless signed by `auditKey` (and, if given, counter-signed by `witnessKey`). */
  verify(auditKey, witnessKey = null) {
    check(C.custodia_anchor_verify(this.json, text(auditKey, 'auditKey'), optText(witnessKey, 'witnessKey')));
  }

  toString() {
    return this.json;
  }
}

/** A signed erasure certificate (JSON), read by the library. */
class ErasureCertificate {
  constructor(jsonText) {
    this.json = text(jsonText, 'certificate').trim();
    const info = {};
    const keys = Array.from({ length: 64 }, () => ({ bytes: new Uint8Array(16) }));
    check(C.custodia_erasure_certificate_inspect(this.json, info, keys, 64));
    this.logId = info.log_id;
    this.seq = Number(info.seq);
    this.time = toDate(info.time);
    this.caseRef = info.case_ref || null;
    this.reason = info.reason;
    this.envelopes = info.has_envelopes ? Number(info.envelopes) : null;
    this.keys = keys.slice(0, Number(info.key_count)).map((k) => KeyId._from(k));
  }

  /** Throws unless signed by the audit key given (text). */
  verify(auditKey) {
    check(C.custodia_erasure_certificate_verify(this.json, text(auditKey, 'auditKey')));
  }

  toString() {
    return this.json;
  }
}

/** An originator's grant (rule of speciality): its armored text (or binary form), checked to be well-formed
 * (GrantInvalid otherwise). Not secret. */
class Grant {
  constructor(value) {
    const b = value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(text(value, 'grant'), 'utf8');
    const out = Buffer.alloc(65);
    check(C.custodia_grant_id(b, b.length, out, out.length));
    /** The grant's id (hex), as the audit log names it. */
    this.id = out.subarray(0, out.indexOf(0)).toString('ascii');
    this.text = b.toString('utf8');
  }

  toBytes() {
    return Buffer.from(this.text, 'utf8');
  }

  equals(other) {
    return other instanceof Grant && other.id === this.id;
  }

  toString() {
    return this.text;
  }
}

function withReceipt(id, fn) {
  try {
    return fn(id);
  } finally {
    C.custodia_receipt_free(id);
  }
}

/** A disclosure receipt (armored text), parsed and its signature checked against the key it names. */
class Receipt {
  constructor(armored, handle = undefined) {
    const id = handle !== undefined ? handle : newHandle(C.custodia_receipt_parse, text(armored, 'receipt'));
    withReceipt(id, (h) => this._read(h));
  }

  /** Takes (reads, then frees) a receipt handle. */
  static _fromHandle(id) {
    return new Receipt(null, id);
  }

  _read(h) {
    this.armored = takeText(C.custodia_receipt_armor, h);
    const obj = {};
    const cas = {};
    const issuer = {};
    const at = [0];
    check(C.custodia_receipt_describe(h, obj, cas, issuer, at));
    this.objectId = freeText(obj);
    this.caseRef = freeText(cas) || null;
    this.issuer = KeyId._from(issuer);
    this.issuedAt = toDate(at[0]);
    const n = [0];
    check(C.custodia_receipt_item_count(h, n));
    this.items = [];
    for (let i = 0; i < Number(n[0]); i++) {
      const kind = [0];
      const time = [0];
      check(C.custodia_receipt_item_get(h, i, kind, time));
      const fields = {};
      for (const [fname, fcode] of Object.entries(ReceiptField)) {
        const present = [false];
        const out = {};
        check(C.custodia_receipt_item_field(h, i, fcode, present, out));
        const value = freeText(out);
        if (present[0]) fields[fname] = value;
      }
      this.items.push(Object.freeze({ kind: ReceiptItemKind[kind[0]] || String(kind[0]), time: toDate(time[0]), fields,
        get: (name) => (name in fields ? fields[name] : null) }));
    }
  }

  /** Throws ReceiptIssuerUnknown unless signed by this Ed25519 public key (text). */
  verify(publicKey) {
    const id = newHandle(C.custodia_receipt_parse, this.armored);
    withReceipt(id, (h) => check(C.custodia_receipt_verify(h, text(publicKey, 'publicKey'))));
  }

  kinds() {
    return this.items.map((i) => i.kind);
  }

  equals(other) {
    return other instanceof Receipt && other.armored === this.armored;
  }

  toString() {
    return this.armored;
  }
}

function splitArmored(textAll) {
  const out = [];
  let cur = [];
  for (const line of textAll.split('\n')) {
    if (!line && !cur.length) continue;
    cur.push(line);
    if (line.startsWith('-----END')) {
      out.push(cur.join('\n') + '\n');
      cur = [];
    }
  }
  return out;
}

// ---- streaming ----------------------------------------------------------------------------------------------------

/** Read and write callbacks over file descriptors or sync objects, for one call; the first error a callback hit is
 * kept and thrown after the call instead of the library's generic I/O error. */
class Trampolines {
  constructor(src, dst) {
    this.error = null;
    this.read = src === null ? null : (ctx, ptr, cap, outRead) => {
      try {
        const target = new Uint8Array(koffi.view(ptr, cap));
        const n = typeof src === 'number' ? fs.readSync(src, target, 0, cap, null) : src.read(target);
        if (!Number.isInteger(n) || n < 0 || n > cap) throw new RangeError(`source read returned ${n}`);
        koffi.encode(outRead, 'size_t', n);
        return 0;
      } catch (e) {
        this.error = this.error || e;
        return 1;
      }
    };
    this.write = dst === null ? null : (ctx, ptr, len) => {
      try {
        if (len === 0) return 0;
        // A copy: the library's memory is valid during the callback only.
        const chunk = Buffer.from(new Uint8Array(koffi.view(ptr, len)));
        if (typeof dst === 'number') {
          let off = 0;
          while (off < chunk.length) off += fs.writeSync(dst, chunk, off, chunk.length - off);
        } else {
          dst.write(chunk);
        }
        return 0;
      } catch (e) {
        this.error = this.error || e;
        return 1;
      }
    };
  }

  check(code) {
    try {
      check(code);
    } catch (libraryError) {
      if (this.error) {
        this.error.cause = this.error.cause || libraryError;
        throw this.error;
      }
      throw libraryError;
    }
  }
}

/** Random access to an opened envelope file, every chunk authenticated before a byte of it is returned. */
class EnvelopeReader extends Handle {
  constructor(id, info) {
    super(id, C.custodia_reader_free);
    this.info = info;
    const n = [0];
    check(C.custodia_reader_len(id, n));
    this.length = Number(n[0]);
  }

  /** Read up to target.length bytes at `offset` into `target`; returns how many (0 at the end). */
  readAt(offset, target) {
    const n = [0];
    check(C.custodia_reader_read_at(this.handle, offset, target, target.length, n));
    return Number(n[0]);
  }

  /** A Readable of the plaintext from `start`, in chunks of `chunkSize`; each chunk a fresh Buffer (the caller
   * wipes them: Node streams hand out their chunks). The reader is closed when the stream ends or is destroyed. */
  createReadStream({ start = 0, chunkSize = 64 * 1024 } = {}) {
    let pos = start;
    const reader = this;
    return new stream.Readable({
      read(size) {
        try {
          const buf = Buffer.alloc(Math.max(1, Math.min(size || chunkSize, chunkSize)));
          const n = reader.readAt(pos, buf);
          pos += n;
          if (n === 0) {
            reader.close();
            this.push(null);
          } else {
            this.push(n === buf.length ? buf : buf.subarray(0, n));
          }
        } catch (e) {
          this.destroy(e);
        }
      },
      destroy(err, cb) {
        try {
          reader.close();
        } catch (e) {
          cb(err || e);
          return;
        }
        cb(err);
      },
    });
  }
}

// ---- key providers and signers held by the host --------------------------------------------------------------------

const PROVIDER = { FAILED: 0, OK: 1, NOT_MINE: 2, AUTH_FAILED: 3, UNAVAILABLE: 4 };
/** Stanza kind 6, `external`: the wrapped bytes are the key service's own (1 to 1024 bytes). */
const STANZA_EXTERNAL = 6;
/** Stanza kind 5, `pkcs11-aes-gcm`: exactly iv (12) || ciphertext (32) || tag (16) of AES-256-GCM. */
const STANZA_PKCS11_AES_GCM = 5;

/** A holder of key-encryption keys that wraps and unwraps custodia's data keys without letting them out (a KMS, an
 * HSM the host drives). Subclass it (or pass any object with these methods) in `new Custodian(dir, { providers })`.
 * The library calls them synchronously during seal and open, on this thread, after the policy gate. Nothing they
 * throw reaches the library: OpenFailed from unwrap means "does not authenticate", ProviderUnavailable "cannot be
 * reached", anything else a failure (ProviderFailed for the custodia call). */
class KeyProvider {
  constructor(name = 'host-kms', stanzaKind = STANZA_EXTERNAL) {
    this.name = name;
    this.stanzaKind = stanzaKind;
  }

  /** Whether this provider holds the key `keyId` (and so can seal to it). */
  holds(keyId) { void keyId; throw new Error('KeyProvider.holds is not implemented'); }

  /** Wrap the 32-byte `dataKey` under `keyId`, authenticating `aad`; 1 to 1024 bytes. `dataKey` is wiped after. */
  wrap(keyId, dataKey, aad) { void [keyId, dataKey, aad]; throw new Error('KeyProvider.wrap is not implemented'); }

  /** The 32-byte data key (the binding wipes the Buffer returned), or null when `keyId` is not this provider's;
   * throw OpenFailed when `wrapped` or `aad` does not authenticate. */
  unwrap(keyId, wrapped, aad) { void [keyId, wrapped, aad]; throw new Error('KeyProvider.unwrap is not implemented'); }
}

/** An Ed25519 signing key held by the host (an HSM, a KMS): `publicKey()` gives its 32 bytes, `sign(message)` the
 * 64-byte RFC 8032 signature; every signature is verified by the library before use. Pass it in
 * `new Custodian(dir, { signers: [...] })` or as `auditSigner`. */
class Signer {
  publicKey() { throw new Error('Signer.publicKey is not implemented'); }

  sign(message) { void message; throw new Error('Signer.sign is not implemented'); }

  /** The custodia key id of the key, as the library computes it from `publicKey()`. */
  keyId() {
    const registered = [];
    try {
      return withHandle(signerHandle(this, registered), C.custodia_signer_free, (h) => {
        const out = {};
        check(C.custodia_signer_key_id(h, out));
        return KeyId._from(out);
      });
    } finally {
      for (const r of registered) koffi.unregister(r);
    }
  }
}

function withHandle(id, free, fn) {
  try {
    return fn(id);
  } finally {
    free(id);
  }
}

function copyAt(ptr, len) {
  const out = Buffer.alloc(len);
  if (len) out.set(new Uint8Array(koffi.view(ptr, len)));
  return out;
}

function providerCode(e, unwrap) {
  if (unwrap && e instanceof errors.OpenFailed) return PROVIDER.AUTH_FAILED;
  if (e instanceof errors.ProviderUnavailable) return PROVIDER.UNAVAILABLE;
  return PROVIDER.FAILED;
}

function asBytes(v) {
  return v instanceof SensitiveBuffer ? v.expose() : v instanceof Uint8Array ? v : null;
}

/** A library provider handle over `p`, its callbacks registered into `registered` (kept by the caller until the
 * custodian using them is freed). */
function providerHandle(p, registered) {
  for (const m of ['holds', 'wrap', 'unwrap']) {
    if (!p || typeof p[m] !== 'function') throw new TypeError(`a key provider needs a ${m}() method`);
  }
  const holds = koffi.register((ud, keyIdPtr) => {
    try {
      return p.holds(new KeyId(copyAt(keyIdPtr, 16))) ? PROVIDER.OK : PROVIDER.NOT_MINE;
    } catch (e) {
      return providerCode(e, false);
    }
  }, 'custodia_provider_holds_fn *');
  registered.push(holds);
  const wrap = koffi.register((ud, keyIdPtr, dk, dkLen, aad, aadLen, out, cap, outLen) => {
    const dataKey = copyAt(dk, dkLen);
    try {
      const wrapped = asBytes(p.wrap(new KeyId(copyAt(keyIdPtr, 16)), dataKey, copyAt(aad, aadLen)));
      if (!wrapped || wrapped.length === 0 || wrapped.length > cap) return PROVIDER.FAILED;
      new Uint8Array(koffi.view(out, cap)).set(wrapped);
      koffi.encode(outLen, 'size_t', wrapped.length);
      return PROVIDER.OK;
    } catch (e) {
      return providerCode(e, false);
    } finally {
      dataKey.fill(0);
    }
  }, 'custodia_provider_wrap_fn *');
  registered.push(wrap);
  const unwrap = koffi.register((ud, keyIdPtr, w, wLen, aad, aadLen, out, outLen) => {
    try {
      const key = p.unwrap(new KeyId(copyAt(keyIdPtr, 16)), copyAt(w, wLen), copyAt(aad, aadLen));
      if (key === null || key === undefined) return PROVIDER.NOT_MINE;
      const k = asBytes(key);
      if (!k || k.length !== outLen) return PROVIDER.FAILED;
      new Uint8Array(koffi.view(out, outLen)).set(k);
      k.fill(0);
      return PROVIDER.OK;
    } catch (e) {
      return providerCode(e, true);
    }
  }, 'custodia_provider_unwrap_fn *');
  registered.push(unwrap);
  const name = text(p.name === undefined ? 'host-kms' : p.name, 'provider name');
  return newHandle(C.custodia_key_provider_new, { holds, wrap, unwrap, release: null }, null, name,
    p.stanzaKind === undefined ? STANZA_EXTERNAL : p.stanzaKind);
}

function signerHandle(sg, registered) {
  if (!sg || typeof sg.publicKey !== 'function' || typeof sg.sign !== 'function') {
    throw new TypeError('a signer needs publicKey() and sign() methods');
  }
  const pub = asBytes(sg.publicKey());
  if (!pub || pub.length !== 32) throw new TypeError('publicKey() must return 32 bytes');
  const sign = koffi.register((ud, msg, msgLen, out) => {
    try {
      const sig = asBytes(sg.sign(copyAt(msg, msgLen)));
      if (!sig || sig.length !== 64) return PROVIDER.FAILED;
      new Uint8Array(koffi.view(out, 64)).set(sig);
      return PROVIDER.OK;
    } catch (e) {
      return e instanceof errors.ProviderUnavailable ? PROVIDER.UNAVAILABLE : PROVIDER.FAILED;
    }
  }, 'custodia_signer_sign_fn *');
  registered.push(sign);
  return newHandle(C.custodia_signer_new, Buffer.from(pub), { sign, release: null }, null);
}

// ---- Node streams through a worker thread ----------------------------------------------------------------------------

const STREAM_CHUNK = 64 * 1024;

/** Run custodia_seal_stream / custodia_open_stream on a worker thread, feeding its read callback from the async
 * iterable `src` and writing its output to the Writable `dst` (backpressure: the worker's next read is served only
 * after every earlier output chunk was written and `dst` drained). Resolves with the info buffer (open) or null. */
function runStreamWorker(kind, args, src, dst, wipeOutput) {
  const { Worker } = require('node:worker_threads');
  if (!src || typeof src[Symbol.asyncIterator] !== 'function') {
    return Promise.reject(new TypeError('source must be a Readable or another async iterable of bytes'));
  }
  if (!dst || typeof dst.write !== 'function') return Promise.reject(new TypeError('destination must be a Writable'));
  const control = new Int32Array(new SharedArrayBuffer(8));
  const data = new SharedArrayBuffer(STREAM_CHUNK);
  const input = src[Symbol.asyncIterator]();
  let pending = null;
  let sourceError = null;
  let sinkError = null;
  let queue = Promise.resolve();
  const worker = new Worker(require('node:path').join(__dirname, 'lib', 'stream-worker.js'),
    { workerData: { kind, args, control: control.buffer, data } });
  const answer = (state, n) => {
    Atomics.store(control, 1, n);
    Atomics.store(control, 0, state);
    Atomics.notify(control, 0);
  };
  const serve = async (cap) => {
    try {
      if (sinkError) throw sinkError;
      while (pending === null || pending.length === 0) {
        const { value, done } = await input.next();
        if (done) return answer(2, 0);
        pending = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.length);
      }
      const n = Math.min(cap, pending.length);
      new Uint8Array(data).set(pending.subarray(0, n));
      pending = pending.subarray(n);
      return answer(2, n);
    } catch (e) {
      if (!sinkError) sourceError = e;
      return answer(3, 0);
    }
  };
  const emit = async (chunk) => {
    if (sinkError) return;
    const buf = Buffer.from(chunk);
    try {
      // The write callback fires once `dst` has handled the chunk: waiting for it is the backpressure.
      await new Promise((resolve, reject) => dst.write(buf, (err) => (err ? reject(err) : resolve())));
    } catch (e) {
      sinkError = e;
    } finally {
      if (wipeOutput) buf.fill(0);
    }
  };
  // An error `dst` emits is this call's to report (as `pipeline` does), not an uncaught one.
  const onSinkError = (e) => {
    sinkError = sinkError || e;
  };
  if (typeof dst.on === 'function') dst.on('error', onSinkError);
  const settled = () => {
    // A turn later: an 'error' the stream emits on a later tick for the chunk that failed is still this call's.
    if (typeof dst.off === 'function') setImmediate(() => dst.off('error', onSinkError));
  };
  return new Promise((resolve, reject) => {
    worker.on('message', (m) => {
      queue = queue.then(async () => {
        if (m.type === 'need') await serve(m.cap);
        else if (m.type === 'out') await emit(m.chunk);
        else if (m.type === 'done') {
          if (sinkError) reject(sinkError);
          else resolve(m.info ? Buffer.from(m.info) : null);
        } else if (m.type === 'error') {
          const Cls = errors.errorClass(m.code);
          const libraryError = new Cls(m.code, m.message, m.statusName);
          libraryError.isRefusal = C.custodia_status_is_refusal(m.code);
          const own = sourceError || sinkError;
          if (own) {
            own.cause = own.cause || libraryError;
            reject(own);
          } else {
            reject(libraryError);
          }
        }
      });
    });
    worker.on('error', reject);
    worker.on('exit', (exitCode) => {
      queue.then(() => {
        new Uint8Array(data).fill(0);
        if (exitCode !== 0) reject(new Error(`custodia stream worker exited with ${exitCode}`));
      });
    });
  }).finally(settled);
}

// ---- records (docs/FORMAT.md section 14), pseudonyms and SD-JWT (section 15) ----------------------------------------

/** `CUSTODIA_CLASSIFICATION_MINIMUM`: a field held at its category's minimum classification. */
const CLASSIFICATION_MINIMUM = 0xFFFFFFFF;
/** `CUSTODIA_FIELD_*` codes and `CUSTODIA_MASK_*` codes, by name. */
const FieldKind = Object.freeze({ TEXT: 1, INTEGER: 2, DATE: 3, BYTES: 4, NESTED: 5 });
const MaskRule = Object.freeze({ IBAN: 1, LAST_THREE_DIGITS: 2, INITIALS: 3, YEAR: 4 });
const KIND_NAMES = Object.freeze({ 1: 'text', 2: 'integer', 3: 'date', 4: 'bytes', 5: 'nested' });
const MASK_NAMES = Object.freeze({ 1: 'iban', 2: 'last_three_digits', 3: 'initials', 4: 'year' });
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SIZE_MAX = 2n ** 64n - 1n;

function textList(values, name) {
  if (typeof values === 'string' || !values || typeof values[Symbol.iterator] !== 'function') {
    throw new TypeError(`${name} must be an array of strings`);
  }
  const list = [...values].map((v) => text(v, name));
  return [list.length ? list : null, list.length];
}

/** A field's terms: [category, classification, purposes, count]. */
function fieldTerms(category, { classification = null, purposes = null } = {}) {
  if (!Number.isInteger(category) || category < 0) throw new TypeError('category must be a Category code');
  if (classification !== null && (!Number.isInteger(classification) || classification < 0)) {
    throw new TypeError('classification must be a Classification code or null');
  }
  const [list, n] = purposes === null ? [null, 0] : textList(purposes, 'purposes');
  return [category, classification === null ? CLASSIFICATION_MINIMUM : classification, list, n];
}

function int64(value, name) {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX) return value;
  throw new TypeError(`${name}: an integer field holds a safe integer number or a 64-bit bigint`);
}

function dateText(value, name) {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`${name}: invalid Date`);
    return value.toISOString().slice(0, 10); // the UTC calendar date
  }
  return text(value, name);
}

/** A record being built: typed, named fields, each with its category, optional classification (default: the
 * category's minimum) and optional purposes of its own (default: the envelope's; each must be one the envelope's
 * purposes permit). Seal it with `Custodian.sealRecord` (any number of times); close() wipes every value it holds.
 * Field names: 1 to 64 bytes of `a-z`, then `a-z`, `0-9`, `_`. Every adder returns the builder. */
class Record extends Handle {
  constructor() {
    super(newHandle(C.custodia_record_new), C.custodia_record_free);
  }

  /** A text field (a JS string; its UTF-8 copy handed to the library is wiped after the call). */
  text(name, value, category, terms = {}) {
    const t = fieldTerms(category, terms);
    const data = Buffer.from(text(value, name), 'utf8');
    try {
      check(C.custodia_record_add_text(this.handle, text(name, 'name'), data, data.length, ...t));
    } finally {
      data.fill(0);
    }
    return this;
  }

  /** An integer field: a safe integer number, or a bigint for the whole signed 64-bit range. */
  integer(name, value, category, terms = {}) {
    const t = fieldTerms(category, terms);
    check(C.custodia_record_add_integer(this.handle, text(name, 'name'), int64(value, name), ...t));
    return this;
  }

  /** A date field: `YYYY-MM-DD` (year 0001 to 9999), or a Date (its UTC calendar date). */
  date(name, value, category, terms = {}) {
    const t = fieldTerms(category, terms);
    check(C.custodia_record_add_date(this.handle, text(name, 'name'), dateText(value, name), ...t));
    return this;
  }

  /** A bytes field (Buffer, Uint8Array or SensitiveBuffer; the library copies it). */
  bytes(name, value, category, terms = {}) {
    const t = fieldTerms(category, terms);
    if (!(value instanceof Uint8Array) && !(value instanceof SensitiveBuffer)) {
      throw new TypeError(`${name}: a bytes field holds a Buffer, Uint8Array or SensitiveBuffer`);
    }
    const data = bytes(value, name);
    check(C.custodia_record_add_bytes(this.handle, text(name, 'name'), data, data.length, ...t));
    return this;
  }

  /** A nested field: the values of another Record's fields (their own terms are not kept: the nested value is
   * disclosed or withheld as one, under this field's terms), or a plain object of values (string: text,
   * number/bigint: integer, Date: date, bytes: bytes, object: nested). At most 4 deep. */
  nested(name, value, category, terms = {}) {
    const t = fieldTerms(category, terms);
    if (value instanceof Record) {
      check(C.custodia_record_add_nested(this.handle, text(name, 'name'), value.handle, ...t));
      return this;
    }
    const inner = Record.#fromValues(value, category, name);
    try {
      check(C.custodia_record_add_nested(this.handle, text(name, 'name'), inner.handle, ...t));
    } finally {
      inner.close();
    }
    return this;
  }

  /** Add `value` as the field type its JS type says (see nested()). */
  value(name, value, category, terms = {}) {
    if (typeof value === 'string') return this.text(name, value, category, terms);
    if (typeof value === 'number' || typeof value === 'bigint') return this.integer(name, value, category, terms);
    if (value instanceof Date) return this.date(name, value, category, terms);
    if (value instanceof Uint8Array || value instanceof SensitiveBuffer) return this.bytes(name, value, category, terms);
    if (value instanceof Record || (value !== null && typeof value === 'object' && !Array.isArray(value))) {
      return this.nested(name, value, category, terms);
    }
    throw new TypeError(`field ${name}: ${value === null ? 'null' : typeof value} is not a record value`);
  }

  static #fromValues(values, category, name) {
    if (values === null || typeof values !== 'object' || Array.isArray(values)) {
      throw new TypeError(`field ${name}: a nested value is a Record or a plain object of values`);
    }
    const inner = new Record();
    try {
      for (const [k, v] of Object.entries(values)) inner.value(k, v, category);
    } catch (e) {
      inner.close();
      throw e;
    }
    return inner;
  }

  toString() {
    return this.closed ? 'Record(closed)' : 'Record([REDACTED])';
  }

  [util.inspect.custom]() {
    return this.toString();
  }
}

/** A record value from its JSON form (`{"text": ...}`, `{"integer": n}`, `{"date": ...}`, `{"bytes": hex}`,
 * `{"nested": {...}}`). */
function fromJsonValue(v) {
  const [[kind, x]] = Object.entries(v);
  if (kind === 'bytes') return Buffer.from(x, 'hex');
  if (kind === 'nested') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, fromJsonValue(y)]));
  if (kind === 'integer' && typeof x === 'string') return BigInt(x);
  return x;
}

/** JSON.parse keeping integers beyond 2^53 exact (as bigint strings, turned into bigint by fromJsonValue). The
 * pattern `{"integer":<digits>}` cannot occur inside a JSON string (its quotes would be escaped there). */
function parseValueJson(s) {
  return JSON.parse(s.replace(/\{"integer":(-?\d{16,})\}/g, (m, d) =>
    (Number.isSafeInteger(Number(d)) ? m : `{"integer":"${d}"}`)));
}

/** The library's buffer moved into a SensitiveBuffer (copied into memory this binding owns, then the library's
 * copy freed, which wipes it). */
function takeSensitive(fn, ...args) {
  const buf = {};
  check(fn(...args, buf));
  try {
    return SensitiveBuffer._adopt(copyOut(buf));
  } finally {
    C.custodia_buffer_free(buf);
  }
}

/** A typed value from a field's wipeable bytes. */
function decodeValue(kind, data) {
  const b = data.expose();
  switch (kind) {
    case 'text':
    case 'date':
      return b.toString('utf8');
    case 'integer': {
      const v = b.readBigInt64LE(0);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    case 'bytes':
      return Buffer.from(b);
    default:
      return fromJsonValue(parseValueJson(b.toString('utf8')));
  }
}

/** One field of an opened record: its terms and its status, `disclosed` (the value), `masked` (the access policy's
 * masked view, `maskedText`, never the value) or `withheld` (`error`, the refusal: its class, code and message).
 * The value is kept in a SensitiveBuffer (`data`) wiped when the record is closed; `value` decodes it into a JS
 * value (which JS cannot wipe: keep it short-lived). Never shown by util.inspect, toString or JSON. */
class RecordField {
  #data;

  constructor(meta, data) {
    this.name = meta.name;
    this.category = meta.category;
    this.classification = meta.classification;
    /** `text`, `integer`, `date`, `bytes` or `nested`. */
    this.kind = meta.kind;
    /** Its own purposes, or null when the envelope's apply. */
    this.purposes = meta.purposes;
    /** `disclosed`, `masked` or `withheld`. */
    this.status = meta.status;
    /** The refusal that kept the value from this reader (withheld or masked), or null. */
    this.error = meta.error;
    /** The mask rule (`iban`, `last_three_digits`, `initials`, `year`) of a masked field, or null. */
    this.mask = meta.mask;
    /** The masked view of a masked field, or null. */
    this.maskedText = meta.maskedText;
    this.#data = data;
    Object.freeze(this);
  }

  get disclosed() {
    return this.status === 'disclosed';
  }

  /** The value's bytes (text and dates as UTF-8, an integer as 8 bytes little-endian, bytes as themselves, a nested
   * value as its JSON form), or null when not disclosed. */
  get data() {
    return this.#data;
  }

  /** The typed value: a string (text; a date as `YYYY-MM-DD`), a number (or a bigint beyond 2^53), a Buffer, or an
   * object (nested). Throws the refusal for a field that was not disclosed. */
  get value() {
    if (this.#data === null) throw this.error;
    return decodeValue(this.kind, this.#data);
  }

  /** The value in the JSON form of the record vectors (`{"text":"..."}`, `{"integer":n}`, `{"date":"..."}`,
   * `{"bytes":"<hex>"}`, `{"nested":{...}}`, docs/FORMAT.md section 14). Throws the refusal unless disclosed. */
  get json() {
    if (this.#data === null) throw this.error;
    const b = this.#data.expose();
    switch (this.kind) {
      case 'text':
      case 'date':
        return JSON.stringify({ [this.kind]: b.toString('utf8') });
      case 'integer':
        return `{"integer":${b.readBigInt64LE(0)}}`;
      case 'bytes':
        return JSON.stringify({ bytes: b.toString('hex') });
      default:
        return b.toString('utf8');
    }
  }

  toString() {
    return `RecordField(${this.name}, ${this.kind}, ${this.status}${this.#data ? `, ${REDACTED}` : ''})`;
  }

  toJSON() {
    return { name: this.name, kind: this.kind, category: this.category, classification: this.classification,
      purposes: this.purposes, status: this.status, mask: this.mask,
      error: this.error ? { code: this.error.code, statusName: this.error.statusName } : null };
  }

  [util.inspect.custom]() {
    return this.toString();
  }
}

function refusal(code, message) {
  const Cls = errors.errorClass(code);
  const err = new Cls(code, message, C.custodia_status_name(code) || String(code));
  err.isRefusal = C.custodia_status_is_refusal(code);
  return err;
}

/** Read every field of an opened-record handle (not freed here). */
function readOpenedRecord(h) {
  const n = [0];
  check(C.custodia_opened_record_len(h, n));
  const fields = [];
  try {
    for (let i = 0; i < Number(n[0]); i++) {
      const f = {};
      check(C.custodia_opened_record_field(h, i, f));
      const meta = {
        name: f.name, category: f.category, classification: f.classification, kind: KIND_NAMES[f.kind] || String(f.kind),
        purposes: f.purposes ? splitList(f.purposes) : null, status: 'disclosed', error: null, mask: null,
        maskedText: null,
      };
      let data = null;
      if (f.mask) {
        meta.status = 'masked';
        meta.mask = MASK_NAMES[f.mask] || String(f.mask);
        meta.maskedText = takeText(C.custodia_opened_record_text, h, i);
        meta.error = refusal(f.withheld, `field ${f.name} is masked for this reader (${meta.mask})`);
      } else if (f.withheld) {
        meta.status = 'withheld';
        // The getter returns the refusal again, its message naming the field; read on this thread right after.
        const none = {};
        const code = C.custodia_opened_record_json(h, i, none);
        meta.error = refusal(code || f.withheld, code ? lastMessage() : `field ${f.name} is withheld`);
        if (code === 0) C.custodia_buffer_free(none); // not expected: the library withholds the value
      } else if (f.kind === FieldKind.INTEGER) {
        const v = [0];
        check(C.custodia_opened_record_integer(h, i, v));
        data = SensitiveBuffer._adopt(Buffer.alloc(8));
        data.expose().writeBigInt64LE(BigInt(v[0]));
        v[0] = 0;
      } else if (f.kind === FieldKind.BYTES) {
        data = takeSensitive(C.custodia_opened_record_bytes, h, i);
      } else if (f.kind === FieldKind.TEXT || f.kind === FieldKind.DATE) {
        data = takeSensitive(C.custodia_opened_record_text, h, i);
      } else {
        data = takeSensitive(C.custodia_opened_record_json, h, i);
      }
      fields.push(new RecordField(meta, data));
    }
  } catch (e) {
    for (const f of fields) if (f.data) f.data.close();
    throw e;
  }
  return fields;
}

/** A record as one reader opened it (`Custodian.openRecord`): every field in name order, each disclosed, masked or
 * withheld. close() wipes every disclosed value (so does collection); util.inspect, toString and JSON show the
 * names only. */
class OpenedRecord {
  #fields;
  #byName;
  #infoBuffer;
  #info = null;

  constructor(fields, infoBuf) {
    this.#fields = fields;
    this.#byName = new Map(fields.map((f) => [f.name, f]));
    this.#infoBuffer = infoBuf;
  }

  /** Every field (RecordField), in name order. */
  get fields() {
    return [...this.#fields];
  }

  get size() {
    return this.#fields.length;
  }

  /** What the envelope binds. */
  get info() {
    if (this.#info === null) this.#info = envelopeInfo(this.#infoBuffer);
    return this.#info;
  }

  has(name) {
    return this.#byName.has(name);
  }

  /** The RecordField `name`; InvalidArgument if the record has none. */
  field(name) {
    const f = this.#byName.get(name);
    if (!f) throw new errors.InvalidArgument(100, `the record has no field ${name}`, 'invalid_argument');
    return f;
  }

  /** The typed value of field `name`; throws its refusal when it was withheld or masked. */
  get(name) {
    return this.field(name).value;
  }

  /** The names of the fields disclosed in the clear. */
  disclosed() {
    return this.#fields.filter((f) => f.status === 'disclosed').map((f) => f.name);
  }

  /** The names of the fields withheld (no value, no masked view). */
  withheld() {
    return this.#fields.filter((f) => f.status === 'withheld').map((f) => f.name);
  }

  /** The names of the fields given as a masked view. */
  masked() {
    return this.#fields.filter((f) => f.status === 'masked').map((f) => f.name);
  }

  [Symbol.iterator]() {
    return this.#fields[Symbol.iterator]();
  }

  /** Wipe every disclosed value. Idempotent. */
  close() {
    for (const f of this.#fields) if (f.data) f.data.close();
  }

  toString() {
    return `OpenedRecord(disclosed=[${this.disclosed()}], masked=[${this.masked()}], withheld=[${this.withheld()}])`;
  }

  toJSON() {
    return this.toString();
  }

  [util.inspect.custom]() {
    return this.toString();
  }

  [Symbol.for('nodejs.dispose')]() {
    this.close();
  }
}
if (Symbol.dispose) OpenedRecord.prototype[Symbol.dispose] = OpenedRecord.prototype.close;

/** A disclosed field of a verified presentation: its name and value (as RecordField: `data` wiped on close). */
class PresentedField {
  #data;

  constructor(name, data) {
    this.name = name;
    this.#data = data;
    Object.freeze(this);
  }

  /** The value's JSON form (`{"text": ...}`, ...), as UTF-8 bytes wiped when the presentation is closed. */
  get data() {
    return this.#data;
  }

  /** The value's JSON form as text. */
  get json() {
    return this.#data.expose().toString('utf8');
  }

  /** The typed value (as RecordField.value). */
  get value() {
    return fromJsonValue(parseValueJson(this.json));
  }

  toString() {
    return `PresentedField(${this.name}, ${REDACTED})`;
  }

  toJSON() {
    return { name: this.name };
  }

  [util.inspect.custom]() {
    return this.toString();
  }
}

/** What a verified SD-JWT presentation shows (verifyPresentation): the issuer's signed claims and the disclosed
 * fields. `withheldCount` of the record's `fieldCount` fields are not shown (which ones, it does not say). close()
 * wipes the values; util.inspect, toString and JSON show names and claims only. */
class VerifiedPresentation {
  #fields;

  constructor(claims, fields) {
    this.objectId = claims.objectId;
    this.caseRef = claims.caseRef;
    this.issuer = claims.issuer;
    this.issuedAt = claims.issuedAt;
    this.fieldCount = claims.fieldCount;
    this.withheldCount = claims.withheldCount;
    this.#fields = fields;
  }

  /** The disclosed fields (PresentedField), in name order. */
  get fields() {
    return [...this.#fields];
  }

  /** The names of the disclosed fields, in order. */
  names() {
    return this.#fields.map((f) => f.name);
  }

  has(name) {
    return this.#fields.some((f) => f.name === name);
  }

  /** The typed value of the disclosed field `name`; InvalidArgument if the presentation does not show it. */
  get(name) {
    const f = this.#fields.find((x) => x.name === name);
    if (!f) throw new errors.InvalidArgument(100, `the presentation does not disclose ${name}`, 'invalid_argument');
    return f.value;
  }

  close() {
    for (const f of this.#fields) f.data.close();
  }

  toString() {
    return `VerifiedPresentation(object ${this.objectId}, case ${this.caseRef}, issuer ${this.issuer}, ` +
      `disclosed=[${this.names()}], withheld ${this.withheldCount} of ${this.fieldCount})`;
  }

  toJSON() {
    return { objectId: this.objectId, caseRef: this.caseRef, issuer: String(this.issuer), issuedAt: this.issuedAt,
      fieldCount: this.fieldCount, withheldCount: this.withheldCount, disclosed: this.names() };
  }

  [util.inspect.custom]() {
    return this.toString();
  }

  [Symbol.for('nodejs.dispose')]() {
    this.close();
  }
}
if (Symbol.dispose) VerifiedPresentation.prototype[Symbol.dispose] = VerifiedPresentation.prototype.close;

/** Text for a `const char *` that may hold secrets (an SD-JWT): a NUL-terminated copy, wiped by `done()`. */
function secretCString(value, name) {
  const b = typeof value === 'string' ? Buffer.from(value, 'utf8') : bytes(value, name);
  if (b.includes(0)) throw new errors.InvalidArgument(100, `${name} contains a NUL byte`, 'invalid_argument');
  const out = Buffer.alloc(b.length + 1);
  out.set(b);
  if (typeof value === 'string') b.fill(0);
  return out;
}

/** Verify an SD-JWT presentation (or a whole SD-JWT) of a record with the issuer's public key alone
 * (`issuerPublicKey`: the text `Custodian.exportPublic` gives); no custodian needed. SignatureInvalid for a
 * signature that does not verify (another issuer, an altered or foreign disclosure), Malformed for a text not of the
 * profile, LimitExceeded, InvalidKeyText. */
function verifyPresentation(presentation, issuerPublicKey) {
  const t = secretCString(presentation, 'presentation');
  let h;
  try {
    h = newHandle(C.custodia_sd_jwt_verify, t, text(issuerPublicKey, 'issuerPublicKey'));
  } finally {
    t.fill(0);
  }
  const fields = [];
  try {
    const total = [0];
    const withheld = [0];
    const disclosed = [0];
    check(C.custodia_presentation_counts(h, total, withheld, disclosed));
    const issuer = {};
    check(C.custodia_presentation_issuer(h, issuer));
    const at = [0];
    check(C.custodia_presentation_issued_at(h, at));
    const claims = {
      objectId: takeText(C.custodia_presentation_object_id, h),
      caseRef: takeText(C.custodia_presentation_case_ref, h) || null,
      issuer: KeyId._from(issuer), issuedAt: toDate(at[0]), fieldCount: Number(total[0]),
      withheldCount: Number(withheld[0]),
    };
    for (let i = 0; i < Number(disclosed[0]); i++) {
      const name = {};
      const json = {};
      check(C.custodia_presentation_field(h, i, name, json));
      try {
        fields.push(new PresentedField(copyOut(name).toString('utf8'), SensitiveBuffer._adopt(copyOut(json))));
      } finally {
        C.custodia_buffer_free(name);
        C.custodia_buffer_free(json);
      }
    }
    return new VerifiedPresentation(claims, fields);
  } catch (e) {
    for (const f of fields) f.data.close();
    throw e;
  } finally {
    C.custodia_presentation_free(h);
  }
}

// ---- the custodian ------------------------------------------------------------------------------------------------

function exceptionArg(e) {
  if (e === undefined || e === null) return 0;
  if (e instanceof ExceptionGround) return e.handle;
  throw new TypeError('exception must be an ExceptionGround');
}

/** A keyring and audit log in a directory, unlocked with a raw 32-byte master key or a passphrase. */
class Custodian extends Handle {
  /**
   * @param {string} directory
   * @param {object} opts { masterKey | passphrase, create, kdf: [memoryKib, passes, lanes], durability,
   *   groupCommit: [maxBatch, maxDelayUs] }
   */
  constructor(directory, opts = {}) {
    const {
      masterKey, passphrase, create = false, kdf, durability, groupCommit = [64, 1000], auditSinks = [],
      requireAuditSinks = false, providers = [], caseKeys = null, signers = [], auditSigner = null,
    } = opts;
    if ((masterKey === undefined) === (passphrase === undefined)) {
      throw new TypeError('give exactly one of passphrase or masterKey');
    }
    const dir = text(directory, 'directory');
    // Callbacks the library keeps until the custodian is freed: unregistered after custodia_custodian_free.
    const registered = [];
    const sinkErrors = [];
    const options = newHandle(C.custodia_custodian_options_new);
    let id;
    let secret = null;
    try {
      check(C.custodia_custodian_options_set_create(options, Boolean(create)));
      if (kdf) check(C.custodia_custodian_options_set_kdf(options, kdf[0], kdf[1], kdf[2]));
      if (durability !== undefined) {
        const code = Durability[durability];
        if (code === undefined) throw new TypeError(`unknown durability ${durability}`);
        check(C.custodia_custodian_options_set_durability(options, code, groupCommit[0], groupCommit[1]));
      }
      for (const sink of auditSinks) {
        if (typeof sink !== 'function') throw new TypeError('auditSinks must be functions');
        const fn = koffi.register((userData, event) => {
          try {
            sink(auditEntry(koffi.decode(event, raw.types.audit_entry)));
            return 0;
          } catch (e) {
            if (sinkErrors.push(e) > 100) sinkErrors.shift();
            return 1; // counted by the library (or, with requireAuditSinks, the operation fails)
          }
        }, 'custodia_audit_sink_fn *');
        registered.push(fn);
        check(C.custodia_custodian_options_add_audit_sink(options, fn, null));
      }
      check(C.custodia_custodian_options_set_require_audit_sinks(options, Boolean(requireAuditSinks)));
      for (const p of providers) {
        withHandle(providerHandle(p, registered), C.custodia_key_provider_free,
          (h) => check(C.custodia_custodian_options_add_provider(options, h)));
      }
      if (caseKeys !== null) {
        const { provider, kek, cacheTtlSecs = 300, cacheMaxUses = 10000 } = caseKeys;
        withHandle(providerHandle(provider, registered), C.custodia_key_provider_free,
          (h) => check(C.custodia_custodian_options_set_case_keys(options, h, keyArg(kek, 'caseKeys.kek'),
            cacheTtlSecs, cacheMaxUses)));
      }
      for (const sg of signers) {
        withHandle(signerHandle(sg, registered), C.custodia_signer_free,
          (h) => check(C.custodia_custodian_options_add_signer(options, h)));
      }
      if (auditSigner !== null) {
        withHandle(signerHandle(auditSigner, registered), C.custodia_signer_free,
          (h) => check(C.custodia_custodian_options_set_audit_signer(options, h)));
      }
      if (passphrase !== undefined) {
        // A NUL-terminated copy this binding wipes after the call (a JS string itself cannot be wiped).
        const p = bytes(passphrase, 'passphrase');
        secret = Buffer.alloc(p.length + 1);
        secret.set(p);
        if (secret.indexOf(0) !== p.length) throw new TypeError('passphrase contains a NUL byte');
        id = newHandle(C.custodia_custodian_open_passphrase, dir, secret, options);
      } else {
        const k = bytes(masterKey, 'masterKey');
        id = newHandle(C.custodia_custodian_open_master_key, dir, k, k.length, options);
      }
    } catch (e) {
      C.custodia_custodian_options_free(options);
      for (const r of registered) koffi.unregister(r);
      throw e;
    } finally {
      if (secret) secret.fill(0);
    }
    C.custodia_custodian_options_free(options);
    super(id, (h) => {
      const code = C.custodia_custodian_free(h);
      // The library calls nothing of these after the free: this thread was the only one using the handle.
      for (const r of registered.splice(0)) koffi.unregister(r);
      return code;
    });
    this.directory = dir;
    this._closing = undefined;
    /** The most recent errors thrown by the audit sinks (at most 100), oldest first. */
    this.auditSinkErrors = sinkErrors;
  }

  /** How many times an audit sink has failed (thrown) since this custodian was opened. */
  auditSinkFailures() {
    const n = [0];
    check(C.custodia_custodian_audit_sink_failures(this.handle, n));
    return Number(n[0]);
  }

  /** Write the closing checkpoint, free the handle and return the checkpoint as an Anchor (again: the same). */
  close() {
    if (this.closed) return this._closing ?? null;
    try {
      this._closing = new Anchor(takeText(C.custodia_custodian_close, this.handle));
    } finally {
      super.close();
    }
    return this._closing;
  }

  get auditPath() {
    return `${this.directory}/audit.log`;
  }

  // ---- keys

  generateKey(actor, kind, label) {
    const out = {};
    check(C.custodia_key_generate(this.handle, actor.handle, kind, text(label, 'label'), out));
    return KeyId._from(out);
  }

  caseKey(actor, caseRef, destroyAfter = null) {
    const out = {};
    check(C.custodia_key_for_case(this.handle, actor.handle, text(caseRef, 'caseRef'),
      destroyAfter === null ? 0 : unix(destroyAfter, 'destroyAfter'), out));
    return KeyId._from(out);
  }

  keys() {
    const list = newHandle(C.custodia_key_list_new, this.handle);
    try {
      const n = [0];
      check(C.custodia_key_list_len(list, n));
      const out = [];
      for (let i = 0; i < Number(n[0]); i++) {
        const k = {};
        check(C.custodia_key_list_get(list, i, k));
        out.push(Object.freeze({
          keyId: KeyId._from(k.key_id), kind: k.kind, state: k.state, label: k.label, caseRef: k.case_ref,
          created: toDate(k.created), destroyAfter: toDate(k.destroy_after), destroyedAt: toDate(k.destroyed_at),
          hasSecret: k.has_secret, rotatedFrom: k.has_rotated_from ? KeyId._from(k.rotated_from) : null,
          rotatedTo: k.has_rotated_to ? KeyId._from(k.rotated_to) : null, jurisdiction: k.jurisdiction,
          authority: k.authority, notBefore: toDate(k.not_before), notAfter: toDate(k.not_after),
          revoked: k.revoked_at ? { at: toDate(k.revoked_at), reason: k.revoked_reason } : null,
          compromised: k.compromised_at ? { at: toDate(k.compromised_at), reason: k.compromised_reason } : null,
        }));
      }
      return out;
    } finally {
      C.custodia_key_list_free(list);
    }
  }

  key(keyId) {
    const id = new KeyId(keyId);
    const found = this.keys().find((k) => k.keyId.equals(id));
    if (!found) throw new errors.KeyNotFound(400, `no key ${id} in this keyring`, 'key_not_found');
    return found;
  }

  exportPublic(keyId) {
    return takeText(C.custodia_key_export_public, this.handle, keyArg(keyId, 'keyId'));
  }

  importPublic(actor, keyText, label, jurisdiction) {
    const out = {};
    check(C.custodia_key_import_public(this.handle, actor.handle, text(keyText, 'keyText'), text(label, 'label'),
      optText(jurisdiction, 'jurisdiction'), out));
    return KeyId._from(out);
  }

  importAuthorityKey(actor, keyText, label, authority, jurisdiction, { notBefore = null, notAfter = null } = {}) {
    const out = {};
    check(C.custodia_key_import_authority(this.handle, actor.handle, text(keyText, 'keyText'), text(label, 'label'),
      text(authority, 'authority'), text(jurisdiction, 'jurisdiction'),
      notBefore === null ? 0 : unix(notBefore, 'notBefore'), notAfter === null ? 0 : unix(notAfter, 'notAfter'), out));
    return KeyId._from(out);
  }

  revokeKey(actor, keyId, reason) {
    check(C.custodia_key_revoke(this.handle, actor.handle, keyArg(keyId, 'keyId'), text(reason, 'reason')));
  }

  markCompromised(actor, keyId, reason) {
    check(C.custodia_key_mark_compromised(this.handle, actor.handle, keyArg(keyId, 'keyId'), text(reason, 'reason')));
  }

  /** The breach-response report for a key (text, docs/KEYS.md). */
  compromiseReport(keyId) {
    return takeText(C.custodia_key_compromise_report, this.handle, keyArg(keyId, 'keyId'));
  }

  rotate(actor, keyId) {
    const out = {};
    check(C.custodia_key_rotate(this.handle, actor.handle, keyArg(keyId, 'keyId'), out));
    return KeyId._from(out);
  }

  /** Destroy (crypto-shred) a key; returns its signed ErasureCertificate. */
  destroyKey(actor, keyId, reason) {
    return new ErasureCertificate(takeText(C.custodia_key_destroy, this.handle, actor.handle, keyArg(keyId, 'keyId'),
      text(reason, 'reason')));
  }

  /** Destroy every key past its retention deadline (except those under legal hold). */
  shredExpired(actor) {
    const destroyed = [0];
    const held = [0];
    const certs = {};
    check(C.custodia_key_shred_expired(this.handle, actor.handle, destroyed, held, certs));
    const lines = freeText(certs).split('\n').filter(Boolean);
    return { destroyed: Number(destroyed[0]), held: Number(held[0]),
      certificates: lines.map((l) => new ErasureCertificate(l)) };
  }

  setRetention(actor, keyId, destroyAfter) {
    check(C.custodia_key_set_retention(this.handle, actor.handle, keyArg(keyId, 'keyId'),
      destroyAfter === null ? 0 : unix(destroyAfter, 'destroyAfter')));
  }

  placeLegalHold(actor, caseRef, reference, reason) {
    check(C.custodia_legal_hold_place(this.handle, actor.handle, text(caseRef, 'caseRef'),
      text(reference, 'reference'), text(reason, 'reason')));
  }

  releaseLegalHold(actor, caseRef) {
    check(C.custodia_legal_hold_release(this.handle, actor.handle, text(caseRef, 'caseRef')));
  }

  legalHolds() {
    const list = newHandle(C.custodia_legal_hold_list_new, this.handle);
    try {
      const n = [0];
      check(C.custodia_legal_hold_list_len(list, n));
      const out = [];
      for (let i = 0; i < Number(n[0]); i++) {
        const h = {};
        check(C.custodia_legal_hold_list_get(list, i, h));
        const keys = Number(h.key_count)
          ? koffi.decode(h.keys, raw.types.key_id, Number(h.key_count)).map((k) => KeyId._from(k)) : [];
        out.push(Object.freeze({ caseRef: h.case_ref, reference: h.reference, reason: h.reason, setBy: h.set_by,
          setAt: toDate(h.set_at), keys }));
      }
      return out;
    } finally {
      C.custodia_legal_hold_list_free(list);
    }
  }

  // ---- seal and open

  /** Seal `data` under `options` (a SealOptions); returns the envelope (a Buffer: not secret). The library writes
   * into this binding's scratch buffer (custodia_seal_into), copied out once: one C call per seal, no size call and
   * no fresh buffer of the size bound (about 66 KiB for 1 KiB of data) per seal. */
  seal(actor, data, options) {
    const plain = bytes(data, 'data');
    let s = takeScratch(SEAL);
    try {
      const code = C.custodia_seal_into(this.handle, actor.handle, plain, plain.length, options.handle, s.mem,
        s.mem.length, s.len);
      if (code === BUFFER_TOO_SMALL) {
        // Nothing was sealed or recorded; the library says what it needs. Kept up to SCRATCH_KEEP bytes.
        const bigger = newScratch(Number(s.len[0]));
        if (bigger.mem.length <= SCRATCH_KEEP) s = bigger;
        check(C.custodia_seal_into(this.handle, actor.handle, plain, plain.length, options.handle, bigger.mem,
          bigger.mem.length, bigger.len));
        return Buffer.from(bigger.mem.subarray(0, Number(bigger.len[0])));
      }
      check(code);
      return Buffer.from(s.mem.subarray(0, Number(s.len[0])));
    } finally {
      putScratch(SEAL, s);
    }
  }

  /** Open an envelope as `actor` for `purpose`; refusals throw the Refused subclass naming the rule. The plaintext is
   * written by the library into this binding's scratch buffer (custodia_open_into), copied once into the
   * SensitiveBuffer's memory and wiped there at once: one C call per open, no size call. The envelope info goes
   * into a slot of a shared block (no allocation of its 7.9 KB per open) and is decoded only if asked for. */
  open(actor, envelope, purpose, { exception = null, requiredSigner = null } = {}) {
    const env = bytes(envelope, 'envelope');
    const p = text(purpose, 'purpose');
    const e = exceptionArg(exception);
    const signer = optKeyArg(requiredSigner, 'requiredSigner');
    const info = infoSlot();
    const s = takeScratch(OPEN);
    try {
      const code = C.custodia_open_into(this.handle, actor.handle, p, e, env, env.length, signer, s.mem, s.mem.length,
        s.len, info);
      if (code === BUFFER_TOO_SMALL) {
        // Nothing was decided or recorded; the library says what it needs: memory of exactly that size.
        const plain = Buffer.alloc(Number(s.len[0]));
        const data = SensitiveBuffer._adopt(plain);
        try {
          check(C.custodia_open_into(this.handle, actor.handle, p, e, env, env.length, signer, plain, plain.length,
            s.len, info));
        } catch (err) {
          data.close();
          throw err;
        }
        return new Opened(data, info);
      }
      check(code);
      const n = Number(s.len[0]);
      const plain = Buffer.alloc(n);
      s.mem.copy(plain, 0, 0, n);
      s.mem.fill(0, 0, n);
      return new Opened(SensitiveBuffer._adopt(plain), info);
    } finally {
      putScratch(OPEN, s);
    }
  }

  /** Read an envelope's bound metadata without opening it (no key, not audited). */
  inspect(envelope) {
    const env = bytes(envelope, 'envelope');
    const info = infoBuffer();
    check(C.custodia_envelope_inspect(this.handle, env, env.length, info));
    return envelopeInfo(info);
  }

  describe(envelope) {
    const env = bytes(envelope, 'envelope');
    return takeText(C.custodia_envelope_describe, this.handle, env, env.length);
  }

  /** The grants an envelope's header carries. */
  envelopeGrants(envelope) {
    const env = bytes(envelope, 'envelope');
    const n = this.inspect(env).grantCount;
    const out = [];
    for (let i = 0; i < n; i++) out.push(new Grant(takeText(C.custodia_envelope_grant, this.handle, env, env.length, i)));
    return out;
  }

  /** Record the arrival of an envelope (its receipt starts here); no key touched. */
  receive(actor, envelope) {
    const env = bytes(envelope, 'envelope');
    const info = infoBuffer();
    check(C.custodia_envelope_receive(this.handle, actor.handle, env, env.length, info));
    return envelopeInfo(info);
  }

  /** Re-wrap an envelope's data key for `purpose`: drop `remove`, add `add` (optionally under the originator's
   * grant). Returns the new envelope. */
  rewrap(actor, envelope, purpose, { remove = [], add = [], grant = null } = {}) {
    const env = bytes(envelope, 'envelope');
    const [rm, nrm] = keyArray(remove, 'remove');
    const [ad, nad] = keyArray(add, 'add');
    if (grant === null) {
      return takeBytes(C.custodia_rewrap, this.handle, actor.handle, text(purpose, 'purpose'), env, env.length, rm, nrm,
        ad, nad);
    }
    const g = (grant instanceof Grant ? grant : new Grant(grant)).toBytes();
    return takeBytes(C.custodia_rewrap_with_grant, this.handle, actor.handle, text(purpose, 'purpose'), env,
      env.length, rm, nrm, ad, nad, g, g.length);
  }

  /** Re-wrap an envelope for the successors of its rotated keys. */
  rewrapRotated(actor, envelope) {
    const env = bytes(envelope, 'envelope');
    return takeBytes(C.custodia_rewrap_rotated, this.handle, actor.handle, env, env.length);
  }

  /** Re-wrap many files in place; one outcome per path: { path, error } (error null when done). */
  rewrapBatch(actor, paths, purpose = null, { remove = [], add = [] } = {}) {
    const list = [...paths].map((p) => text(p, 'paths'));
    const [rm, nrm] = keyArray(remove, 'remove');
    const [ad, nad] = keyArray(add, 'add');
    const results = newHandle(C.custodia_rewrap_batch, this.handle, actor.handle, list.length ? list : null,
      list.length, optText(purpose, 'purpose'), rm, nrm, ad, nad);
    try {
      const n = [0];
      check(C.custodia_rewrap_results_len(results, n));
      const out = [];
      for (let i = 0; i < Number(n[0]); i++) {
        const status = [0];
        const msg = [null];
        check(C.custodia_rewrap_results_get(results, i, status, msg));
        const code = status[0];
        const error = code === 0 ? null
          : new (errors.errorClass(code))(code, msg[0] || '', C.custodia_status_name(code) || String(code));
        out.push({ path: list[i], error, ok: code === 0 });
      }
      return out;
    } finally {
      C.custodia_rewrap_results_free(results);
    }
  }

  unwrapAttempts() {
    const n = [0];
    check(C.custodia_custodian_unwrap_attempts(this.handle, n));
    return Number(n[0]);
  }

  // ---- grants

  issueOnwardTransferGrant(actor, signer, objectId, authority, jurisdiction, recipient, notAfter, reference) {
    return new Grant(takeText(C.custodia_grant_issue_onward_transfer, this.handle, actor.handle,
      keyArg(signer, 'signer'), text(objectId, 'objectId'), text(authority, 'authority'),
      text(jurisdiction, 'jurisdiction'), keyArg(recipient, 'recipient'), unix(notAfter, 'notAfter'),
      text(reference, 'reference')));
  }

  issuePurposeExtensionGrant(actor, signer, objectId, purposes, notAfter, reference) {
    const list = [...purposes].map((p) => text(p, 'purposes'));
    return new Grant(takeText(C.custodia_grant_issue_purpose_extension, this.handle, actor.handle,
      keyArg(signer, 'signer'), text(objectId, 'objectId'), list.length ? list : null, list.length,
      unix(notAfter, 'notAfter'), text(reference, 'reference')));
  }

  extendPurposes(actor, envelope, grant) {
    const env = bytes(envelope, 'envelope');
    const g = (grant instanceof Grant ? grant : new Grant(grant)).toBytes();
    return takeBytes(C.custodia_extend_purposes, this.handle, actor.handle, env, env.length, g, g.length);
  }

  // ---- access policy and four eyes

  setAccessPolicy(actor, policy) {
    check(C.custodia_custodian_set_access_policy(this.handle, actor.handle, policy.handle));
  }

  approveException(approver, signingKey, { objectId, actorId, purpose, kind, reference = null, notAfter }) {
    return takeText(C.custodia_custodian_approve_exception, this.handle, approver.handle,
      keyArg(signingKey, 'signingKey'), text(objectId, 'objectId'), text(actorId, 'actorId'),
      text(purpose, 'purpose'), kind, optText(reference, 'reference'), unix(notAfter, 'notAfter'));
  }

  // ---- receipts

  issueReceipt(actor, objectId, signer, { nameActors = false, includeRefusals = true } = {}) {
    return Receipt._fromHandle(newHandle(C.custodia_receipt_issue, this.handle, actor.handle,
      text(objectId, 'objectId'), keyArg(signer, 'signer'), Boolean(nameActors), Boolean(includeRefusals)));
  }

  importReceipt(actor, receipt) {
    const armored = receipt instanceof Receipt ? receipt.armored : text(receipt, 'receipt');
    return Receipt._fromHandle(newHandle(C.custodia_receipt_import, this.handle, actor.handle, armored));
  }

  receiptsForObject(objectId) {
    return splitArmored(takeText(C.custodia_receipt_find_by_object, this.handle, text(objectId, 'objectId')))
      .map((t) => new Receipt(t));
  }

  receiptsForCase(caseRef) {
    return splitArmored(takeText(C.custodia_receipt_find_by_case, this.handle, text(caseRef, 'caseRef')))
      .map((t) => new Receipt(t));
  }

  // ---- files and streams (constant memory)

  sealFile(actor, src, dst, options) {
    check(C.custodia_seal_file(this.handle, actor.handle, options.handle, text(src, 'src'), text(dst, 'dst')));
  }

  openFile(actor, src, dst, purpose, { exception = null, requiredSigner = null } = {}) {
    const info = infoBuffer();
    check(C.custodia_open_file(this.handle, actor.handle, text(purpose, 'purpose'), exceptionArg(exception),
      optKeyArg(requiredSigner, 'requiredSigner'), text(src, 'src'), text(dst, 'dst'), info));
    return envelopeInfo(info);
  }

  /** Seal from `src` to `dst` in constant memory, through the C read/write callbacks, synchronously. `src` is a file
   * descriptor or an object with `read(target: Uint8Array): number` (0 at the end); `dst` a file descriptor or an
   * object with `write(chunk: Buffer)`. */
  sealStream(actor, src, dst, options) {
    const t = new Trampolines(src, dst);
    t.check(C.custodia_seal_stream(this.handle, actor.handle, options.handle, t.read, null, t.write, null));
  }

  /** Open from `src` to `dst` as sealStream. Plaintext reaches `dst` chunk by chunk, each authenticated first. */
  openStream(actor, src, dst, purpose, { exception = null, requiredSigner = null } = {}) {
    const t = new Trampolines(src, dst);
    const info = infoBuffer();
    t.check(C.custodia_open_stream(this.handle, actor.handle, text(purpose, 'purpose'), exceptionArg(exception),
      optKeyArg(requiredSigner, 'requiredSigner'), t.read, null, t.write, null, info));
    return envelopeInfo(info);
  }

  /** Open an envelope file (a path or a file descriptor) for random access: an EnvelopeReader, whose
   * createReadStream() is a Node Readable of the plaintext (constant memory). The policy gate decides first. */
  openReader(actor, source, purpose, { exception = null, requiredSigner = null } = {}) {
    const info = infoBuffer();
    const out = [0];
    const common = [this.handle, actor.handle, text(purpose, 'purpose'), exceptionArg(exception),
      optKeyArg(requiredSigner, 'requiredSigner')];
    if (typeof source === 'number') {
      check(C.custodia_reader_open_fd(...common, source, out, info));
    } else {
      check(C.custodia_reader_open_file(...common, text(source, 'source'), out, info));
    }
    return new EnvelopeReader(out[0], envelopeInfo(info));
  }

  /** A Readable of the plaintext of an envelope file, opened for `purpose` (see openReader). */
  createOpenStream(actor, source, purpose, opts = {}) {
    return this.openReader(actor, source, purpose, opts).createReadStream(opts);
  }

  /** Seal a Node Readable (any async iterable of bytes) into a Writable in constant memory: the C streaming call
   * runs on a worker thread and pulls its input from `src` as it needs it. Keep the actor, options and custodian
   * open until the promise settles. Resolves when `dst` has every byte written (it is not ended: pipe-style
   * callers end it). An error of `src` or `dst` rejects as itself (the library's error as its cause). */
  async sealNodeStream(actor, src, dst, options) {
    await runStreamWorker('seal', { custodian: this.handle, actor: actor.handle, options: options.handle }, src, dst,
      false);
  }

  /** Open an envelope from a Node Readable into a Writable in constant memory (as sealNodeStream); the policy gate
   * decides before anything is written, and each chunk is authenticated before it is written. Each plaintext chunk
   * is wiped once `dst` reports it written. Resolves with what the envelope binds. */
  async openNodeStream(actor, src, dst, purpose, { exception = null, requiredSigner = null } = {}) {
    const signer = optKeyArg(requiredSigner, 'requiredSigner');
    const info = await runStreamWorker('open', { custodian: this.handle, actor: actor.handle,
      purpose: text(purpose, 'purpose'), exception: exceptionArg(exception),
      requiredSigner: signer ? Array.from(signer.bytes) : null }, src, dst, true);
    return envelopeInfo(info);
  }

  // ---- records, pseudonyms and SD-JWT (docs/FORMAT.md sections 14 and 15)

  /** Seal a Record (its fields and their terms) as one envelope; `options` gives the envelope's own category and
   * classification (what every reader must be cleared for to see anything of it), purposes, recipients and the rest.
   * The actor must be cleared for every field. Audited with the field names, never the values. The Record stays
   * open (close it, which wipes its values). */
  sealRecord(actor, record, options) {
    if (!(record instanceof Record)) throw new TypeError('record must be a Record');
    return takeBytes(C.custodia_seal_record, this.handle, actor.handle, record.handle, options.handle);
  }

  /** Open a record envelope field by field as `actor` for `purpose`. The envelope's own terms are decided first (a
   * refusal throws, as for open()); then each field on its own terms: a field this reader may not see comes back
   * withheld (its refusal in `error`) or, under an access policy's `[[mask]]`, masked; it is not thrown. Audited
   * with the disclosed and withheld field names. The values are read into SensitiveBuffers (the library's copies
   * freed and wiped at once); close() the OpenedRecord to wipe them. */
  openRecord(actor, envelope, purpose, { exception = null, requiredSigner = null } = {}) {
    const env = bytes(envelope, 'envelope');
    const info = infoBuffer();
    const out = [0];
    check(C.custodia_open_record(this.handle, actor.handle, text(purpose, 'purpose'), exceptionArg(exception), env,
      env.length, optKeyArg(requiredSigner, 'requiredSigner'), out, info));
    try {
      return new OpenedRecord(readOpenedRecord(out[0]), info);
    } finally {
      C.custodia_opened_record_free(out[0]);
    }
  }

  /** Keyed pseudonyms (32 hex digits each) of `values` within `caseRef` and `domain` (`person`, `iban`, ...): the
   * same value (white space and case normalized) gets the same pseudonym in one case, unrelated ones in another;
   * destroying the case's key destroys the linkability. The actor, stating `purpose`, passes the gate for data of
   * `category` in the case. Audited (count and domain, never the values). */
  pseudonymize(actor, purpose, caseRef, category, domain, values) {
    const [list, n] = textList(values, 'values');
    const out = takeText(C.custodia_pseudonymize, this.handle, actor.handle, text(purpose, 'purpose'),
      text(caseRef, 'caseRef'), category, text(domain, 'domain'), list, n);
    return out ? out.split('\n').slice(0, -1) : [];
  }

  /** The index of the candidate whose pseudonym (in `caseRef` and `domain`) is `pseudonym`, or null when none is:
   * the audited way back from a pseudonym to a value the caller holds. */
  resolvePseudonym(actor, purpose, caseRef, category, domain, pseudonym, candidates) {
    const [list, n] = textList(candidates, 'candidates');
    const out = [0];
    check(C.custodia_resolve_pseudonym(this.handle, actor.handle, text(purpose, 'purpose'), text(caseRef, 'caseRef'),
      category, text(domain, 'domain'), text(pseudonym, 'pseudonym'), list, n, out));
    const i = BigInt(out[0]);
    return i === SIZE_MAX || i >= BigInt(n) ? null : Number(i);
  }

  /** An SD-JWT of a record envelope, signed with this custodian's Ed25519 key `signer`: the record is opened first
   * as openRecord does (the envelope's gate and each field's terms apply); only the fields `actor` may open get a
   * disclosure, the others count as withheld. Audited (`selective_disclosure`). It holds every disclosed value, so
   * it comes back as a SensitiveBuffer (its UTF-8 text; the library's copy wiped): keep it, pass it to present(),
   * close() it. */
  issueSdJwt(actor, envelope, purpose, signer, { exception = null } = {}) {
    const env = bytes(envelope, 'envelope');
    return takeSensitive(C.custodia_sd_jwt_issue, this.handle, actor.handle, text(purpose, 'purpose'),
      exceptionArg(exception), env, env.length, keyArg(signer, 'signer'));
  }

  /** A presentation of the SD-JWT `sdJwt` (from issueSdJwt: a SensitiveBuffer, bytes or text) holding only
   * `fields`, for `audience` (who receives it, e.g. `FR-PNF`) and `purpose`; audited before it is returned. The text
   * to hand over (it holds the chosen values); anyone checks it with verifyPresentation and the issuer's public key. */
  present(actor, sdJwt, fields, audience, purpose) {
    const [list, n] = textList(fields, 'fields');
    const t = secretCString(sdJwt, 'sdJwt');
    try {
      return takeText(C.custodia_sd_jwt_present, this.handle, actor.handle, t, list, n, text(audience, 'audience'),
        text(purpose, 'purpose'));
    } finally {
      t.fill(0);
    }
  }

  // ---- audit

  verifyAudit(anchors = []) {
    const list = [...anchors].map((a) => (a instanceof Anchor ? a.json : text(a, 'anchors')));
    const r = {};
    check(C.custodia_audit_verify(this.handle, list.length ? list : null, list.length, r));
    return Object.freeze({
      entries: Number(r.entries), checkpoints: Number(r.checkpoints), erasures: Number(r.erasures),
      recoveries: Number(r.recoveries), unsealedTail: Number(r.unsealed_tail),
      lastCheckpoint: r.has_last_checkpoint ? Number(r.last_checkpoint) : null, head: r.head,
      anchors: Number(r.anchors),
    });
  }

  checkpoint() {
    return new Anchor(takeText(C.custodia_audit_checkpoint, this.handle));
  }

  auditPublicKey() {
    return takeText(C.custodia_audit_public_key, this.handle);
  }

  countersignAnchor(actor, anchor, theirAuditKey, signer) {
    const json = anchor instanceof Anchor ? anchor.json : text(anchor, 'anchor');
    return new Anchor(takeText(C.custodia_anchor_countersign, this.handle, actor.handle, json,
      text(theirAuditKey, 'theirAuditKey'), keyArg(signer, 'signer')));
  }

  proveAuditEntry(seq) {
    return takeText(C.custodia_audit_merkle_prove, this.handle, seq);
  }

  #query({ caseRef = null, objectId = null, actorId = null, kinds = [], since = null, until = null } = {}) {
    const k = [...kinds].map((x) => text(x, 'kinds'));
    return newHandle(C.custodia_audit_query, this.handle, optText(caseRef, 'caseRef'), optText(objectId, 'objectId'),
      optText(actorId, 'actorId'), k.length ? k : null, k.length, since === null ? 0 : unix(since, 'since'),
      until === null ? 0 : unix(until, 'until'));
  }

  /** The audit entries passing every filter given ({ caseRef, objectId, actorId, kinds, since, until }). */
  auditEntries(filters = {}) {
    const snap = this.#query(filters);
    try {
      const n = [0];
      check(C.custodia_audit_entries_len(snap, n));
      const out = [];
      for (let i = 0; i < Number(n[0]); i++) {
        const e = {};
        check(C.custodia_audit_entries_get(snap, i, e));
        out.push(auditEntry(e));
      }
      return out;
    } finally {
      C.custodia_audit_entries_free(snap);
    }
  }

  auditCsv(filters = {}) {
    const snap = this.#query(filters);
    try {
      const buf = {};
      check(C.custodia_audit_entries_csv(snap, buf, [0]));
      return freeText(buf);
    } finally {
      C.custodia_audit_entries_free(snap);
    }
  }

  writeAuditCsv(path, filters = {}) {
    const snap = this.#query(filters);
    try {
      const rows = [0];
      check(C.custodia_audit_entries_write_csv(snap, text(path, 'path'), rows));
      return Number(rows[0]);
    } finally {
      C.custodia_audit_entries_free(snap);
    }
  }
}

function auditEntry(e) {
  return Object.freeze({
    seq: e.seq === 18446744073709551615n ? null : Number(e.seq), time: toDate(e.time), kind: e.kind || '',
    actorId: e.actor_id, actorRole: e.actor_role, actorJurisdiction: e.actor_jurisdiction, caseRef: e.case_ref,
    objectId: e.object, purpose: e.purpose, outcome: e.outcome || '', json: e.json || '{}',
  });
}

/** Check a Merkle inclusion bundle with the audit key's text alone; returns the entry's line. */
function verifyInclusion(bundle, auditKey) {
  return takeText(C.custodia_audit_merkle_verify_inclusion, text(bundle, 'bundle'), text(auditKey, 'auditKey'));
}

// ---- memory -------------------------------------------------------------------------------------------------------

/** What protects the process's secret memory (docs/MEMORY.md). */
function memoryProtection() {
  const m = {};
  check(C.custodia_memory_status(m));
  const v = {
    lockedBytes: Number(m.locked_bytes), unlockedBytes: Number(m.unlocked_bytes), lockFailures: Number(m.lock_failures),
    dontdumpFailures: Number(m.dontdump_failures), liveSecrets: Number(m.live_secrets), dumpable: m.dumpable !== 0,
  };
  v.fullyProtected = v.unlockedBytes === 0 && v.lockFailures === 0 && v.dontdumpFailures === 0;
  return Object.freeze(v);
}

/** Make this process not dumpable (no core dump, no ptrace by other users): for the whole process, irreversibly. */
function disableCoreDumps() {
  check(C.custodia_disable_core_dumps());
}

module.exports = {
  ...Object.fromEntries(Object.entries(errors).filter(([k]) => /^[A-Z]/.test(k) && k !== 'BY_CODE' && k !== 'TABLE')),
  errorClass: errors.errorClass,
  SensitiveBuffer, KeyId, Actor, ExceptionGround, AccessPolicy, SealOptions, Custodian, Opened, Anchor,
  ErasureCertificate, Grant, Receipt, EnvelopeReader, KeyProvider, Signer, STANZA_EXTERNAL, STANZA_PKCS11_AES_GCM,
  Record, OpenedRecord, RecordField, VerifiedPresentation, PresentedField, verifyPresentation, FieldKind, MaskRule,
  Classification, Category, ExceptionKind, KeyKind, KeyState, InstrumentKind, RecipientKind, ReceiptField,
  vocab, liveCounts, version, abiVersion, statusName, memoryProtection, disableCoreDumps, verifyInclusion,
  libraryPath: raw.libraryPath, ABI_VERSION: raw.ABI_VERSION,
};
