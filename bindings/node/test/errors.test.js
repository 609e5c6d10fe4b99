'use strict';
// Errors and buffers: the status table against the header (both directions), typed errors with code and message,
// the thread-local last error read right after the call, SensitiveBuffer, and every handle and buffer freed.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const { custodia, REPO, DATA, setup } = require('./helpers');
const errors = require('../lib/errors');

function headerCodes() {
  const header = fs.readFileSync(path.join(REPO, 'include', 'custodia.h'), 'utf8');
  const codes = new Map();
  for (const m of header.matchAll(/^\s*CUSTODIA_ERR_([A-Z0-9_]+) = (\d+),/gm)) codes.set(Number(m[2]), m[1]);
  return codes;
}

const camel = (name) => name.toLowerCase().split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
// Class names that are not the CamelCase of the C name, as the Python binding publishes them.
const RENAMED = { 309: 'ArmorError', 401: 'KeyStateError', 500: 'AuditWriteFailed', 900: 'IoFault', 901: 'RngFault',
  999: 'InternalError' };
const BASES = { 1: 'InvalidArgument', 2: 'Refused', 3: 'EnvelopeError', 4: 'KeyringError', 5: 'AuditError',
  9: 'EnvironmentFault' };

test('every header code has its class, and every class its header code', () => {
  const codes = headerCodes();
  assert.ok(codes.size > 70, `parsed ${codes.size} codes`);
  for (const [code, cname] of codes) {
    const cls = errors.BY_CODE.get(code);
    assert.ok(cls, `no class for ${code} ${cname}`);
    assert.equal(custodia.statusName(code), cname.toLowerCase(), `library name of ${code}`);
    assert.equal(cls.name, RENAMED[code] || camel(cname), `${code}: class for ${cname}`);
  }
  for (const code of errors.BY_CODE.keys()) assert.ok(codes.has(code), `class for ${code} is not in the header`);
});

test('each class derives from its group base and from CustodiaError; refusals are flagged as the library says', () => {
  for (const [code, cls] of errors.BY_CODE) {
    const group = Math.floor(code / 100);
    const e = new cls(code, 'm', custodia.statusName(code));
    assert.ok(e instanceof custodia.CustodiaError && e instanceof Error);
    if (code === 998 || code === 999) assert.ok(e instanceof custodia.InternalError);
    else assert.ok(e instanceof custodia[BASES[group]], `${cls.name} under ${BASES[group]}`);
    assert.equal(custodia.errorClass(code), cls);
  }
  assert.equal(custodia.errorClass(299), custodia.Refused, 'an unknown code maps to its group');
  assert.equal(custodia.errorClass(777), custodia.CustodiaError);
});

test('a failing call throws its typed error with the code, name and the library message', (t) => {
  const { c, anna, terms } = setup(t);
  const envelope = c.seal(anna, DATA, terms);
  assert.throws(() => c.open(anna, envelope, 'asset_recovery'), (e) => {
    assert.ok(e instanceof custodia.PurposeNotPermitted && e instanceof custodia.Refused);
    assert.equal(e.code, 200);
    assert.equal(e.statusName, 'purpose_not_permitted');
    assert.equal(e.isRefusal, true);
    assert.match(e.message, /asset_recovery/);
    assert.doesNotMatch(e.message, /IBAN/);
    assert.match(String(e), /^PurposeNotPermitted: .* \[200 purpose_not_permitted\]$/);
    return true;
  });
});

test('bad input is an InvalidArgument subclass naming the rule', (t) => {
  assert.throws(() => new custodia.KeyId('zz'), custodia.InvalidArgument);
  assert.throws(() => custodia.vocab.validatePurpose('Not A Purpose!'), custodia.InvalidPurpose);
  assert.throws(() => custodia.vocab.validateJurisdiction('XX'), custodia.InvalidJurisdiction);
  assert.throws(() => new custodia.SealOptions(custodia.Category.EVIDENCE, []), custodia.NoPurpose);
  assert.throws(() => new custodia.SealOptions(99, ['investigation']), custodia.UnknownCode);
  assert.throws(() => new custodia.Actor('a', 'r', 'DE', 9), custodia.UnknownCode);
  assert.throws(() => new custodia.SealOptions(custodia.Category.HEALTH, ['investigation'],
    { classification: custodia.Classification.PUBLIC }), custodia.ClassificationBelowMinimum);
  assert.throws(() => new custodia.Actor(1, 'r', 'DE', 0), TypeError, 'non-strings are a TypeError before the call');
  const { c, anna } = setup(t, { terms: false });
  assert.throws(() => c.open(anna, DATA, 'Bad Purpose'), custodia.EnvelopeError);
});

test('a freed handle is InvalidHandle, closing twice is a no-op, the last error belongs to the failing call', () => {
  const a = new custodia.Actor('x', 'investigator', 'DE', 0);
  const id = a.handle;
  a.close();
  a.close();
  assert.throws(() => a.handle, /closed/);
  const C = require('../lib/raw').fns;
  const code = C.custodia_actor_free(id);
  assert.equal(code, 122);
  assert.match(C.custodia_last_error_message(), /invalid actor handle/);
  assert.equal(C.custodia_last_error_code(), 122);
});

test('library buffers are freed (wiped) after every call, handles after close', (t) => {
  const before = custodia.liveCounts();
  {
    const { c, anna, terms } = setup(t);
    const env = c.seal(anna, DATA, terms);
    c.open(anna, env, 'investigation').close();
    c.describe(env);
    anna.describe();
    assert.throws(() => c.open(anna, env, 'asset_recovery'));
    assert.equal(custodia.liveCounts().buffers, before.buffers);
  }
});

test('SensitiveBuffer: wiped on close, never shown by inspect, toString or JSON, constant-time equals', () => {
  const s = new custodia.SensitiveBuffer(Buffer.from('IBAN NL91ABNA0417164300'));
  const view = s.expose();
  assert.equal(s.length, 23);
  assert.equal(util.inspect(s), 'SensitiveBuffer(len=23, [REDACTED])');
  assert.equal(`${s}`, 'SensitiveBuffer(len=23, [REDACTED])');
  assert.equal(JSON.stringify({ s }), '{"s":"SensitiveBuffer(len=23, [REDACTED])"}');
  assert.doesNotMatch(util.inspect({ nested: [s] }, { depth: 5 }), /IBAN/);
  assert.ok(s.equals(Buffer.from('IBAN NL91ABNA0417164300')));
  assert.ok(!s.equals(Buffer.from('IBAN NL91ABNA0417164301')));
  assert.ok(!s.equals(Buffer.from('short')));
  s.close();
  assert.ok(s.closed);
  assert.ok(view.every((b) => b === 0), 'the exposed view reads zeros after close');
  assert.equal(String(s), 'SensitiveBuffer(closed)');
  assert.throws(() => s.expose(), /closed/);
  s.close();
  assert.throws(() => new custodia.SensitiveBuffer('text'), TypeError);
});

test('the caller\'s bytes stay the caller\'s: SensitiveBuffer copies them', () => {
  const mine = Buffer.from('secret');
  const s = new custodia.SensitiveBuffer(mine);
  s.close();
  assert.equal(mine.toString(), 'secret');
});

test('versions and ABI', () => {
  assert.equal(custodia.abiVersion(), custodia.ABI_VERSION);
  assert.match(custodia.version(), /^\d+\.\d+\.\d+/);
  assert.ok(custodia.libraryPath.endsWith('libcustodia.so'));
});

test('vocabulary names round-trip through the library', () => {
  for (const [name, code] of Object.entries(custodia.Category)) {
    assert.equal(custodia.vocab.categoryName(code), name.toLowerCase());
    assert.equal(custodia.vocab.categoryFromName(name.toLowerCase()), code);
  }
  for (const [name, code] of Object.entries(custodia.Classification)) {
    assert.equal(custodia.vocab.classificationFromName(name.toLowerCase()), code);
  }
  for (const [name, code] of Object.entries(custodia.ExceptionKind)) {
    assert.equal(custodia.vocab.exceptionKindName(code), name.toLowerCase());
  }
  for (const code of Object.values(custodia.KeyKind)) {
    assert.equal(custodia.vocab.keyKindFromName(custodia.vocab.keyKindName(code)), code);
  }
  assert.equal(custodia.vocab.minimumClassification(custodia.Category.HEALTH), custodia.Classification.CONFIDENTIAL);
  assert.throws(() => custodia.vocab.categoryFromName('nope'), custodia.InvalidArgument);
});

test('KeyId: 32 hex digits or 16 bytes, compared by value', () => {
  const hex = '00112233445566778899aabbccddeeff';
  const k = new custodia.KeyId(hex);
  assert.equal(String(k), hex);
  assert.ok(k.equals(new custodia.KeyId(Buffer.from(hex, 'hex'))));
  assert.equal(util.inspect(k), `KeyId(${hex})`);
  assert.throws(() => new custodia.KeyId(Buffer.alloc(3)), TypeError);
});

test('a NUL inside a text argument is refused before the call, never cut short', (t) => {
  assert.throws(() => custodia.vocab.validatePurpose('inv\0estigation'), (e) =>
    e instanceof custodia.InvalidArgument && /NUL/.test(e.message));
  assert.throws(() => new custodia.Actor('anna\0', 'prosecutor', 'DE', 0), custodia.InvalidArgument);
  assert.throws(() => new custodia.KeyId('00112233445566778899aabbccddeeff\0'), custodia.InvalidArgument);
  const { c, anna, terms } = setup(t);
  const env = c.seal(anna, DATA, terms);
  assert.throws(() => c.open(anna, env, 'investigation\0.anything'), custodia.InvalidArgument);
});

test('purposes: the grammar, good and bad', () => {
  for (const good of ['investigation', 'prosecution.trial', 'mla.execution', 'asset_recovery.freezing']) {
    custodia.vocab.validatePurpose(good);
  }
  for (const bad of ['', 'Investigation', 'a..b', '.x', 'x.', 'has space', 'ünïcode']) {
    assert.throws(() => custodia.vocab.validatePurpose(bad), custodia.InvalidPurpose, JSON.stringify(bad));
  }
  assert.throws(() => custodia.vocab.validatePurpose(7), TypeError);
  custodia.vocab.validateCaseRef('MLA-2026-0042');
  assert.throws(() => custodia.vocab.validateCaseRef(' padded '), custodia.InvalidArgument);
  for (const bad of ['', 'de', 'XX', 'DEU']) {
    assert.throws(() => custodia.vocab.validateJurisdiction(bad), custodia.InvalidJurisdiction);
  }
});

test('closed handles are InvalidHandle, typed', (t) => {
  const { c, anna, kek } = setup(t, { terms: false });
  const opts = new custodia.SealOptions(custodia.Category.EVIDENCE, ['investigation'], { recipients: [kek] });
  const env = c.seal(anna, DATA, opts);
  opts.close();
  assert.throws(() => c.seal(anna, DATA, opts), (e) => e instanceof custodia.InvalidHandle && e.code === 122);
  const a2 = new custodia.Actor('x', 'r', 'DE', 3);
  a2.close();
  assert.throws(() => c.open(a2, env, 'investigation'), custodia.InvalidHandle);
});
