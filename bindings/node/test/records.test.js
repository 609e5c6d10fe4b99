'use strict';
// Sealed records from Node (issue 16 §1, docs/FORMAT.md section 14), following bindings/python/tests/test_records.py:
// a Record builder in, an OpenedRecord out whose fields are disclosed, masked or withheld. Attacks: a reader not
// cleared for a field never gets its value (its refusal instead); the envelope-level refusal still throws; open and
// openRecord keep to their payload types; a changed byte fails the whole open; values never reach inspect/toString/
// JSON or the audit log, and are wiped on close. Pseudonyms: stable in a case, unrelated across cases, resolvable.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const { custodia, tmpdir, later } = require('./helpers');

const { Actor, Category, Classification, KeyKind, Record, SealOptions } = custodia;

const POLICY = 'version = 1\n' +
  '[roles.prosecutor]\ncategories = ["*"]\npurposes = ["investigation", "prosecution"]\n' +
  '[roles.analyst]\ncategories = ["*"]\npurposes = ["investigation"]\n' +
  '[[mask]]\ncategory = "witness_identity"\npurposes = ["investigation"]\nroles = ["analyst"]\n' +
  'rule = "initials"\n';

function record() {
  return new Record()
    .text('account_iban', 'NL91ABNA0417164300', Category.FINANCIAL_RECORDS)
    .nested('address', { city: 'Utrecht', postcode: 3511 }, Category.CONTACT_DETAILS)
    .date('born', '1971-05-04', Category.PERSONAL_IDENTITY)
    .bytes('scan', Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff]), Category.EVIDENCE,
      { classification: Classification.CONFIDENTIAL })
    .integer('transfers', -42, Category.FINANCIAL_RECORDS, { purposes: ['investigation.financial'] })
    .text('witness_name', 'A. Jansen', Category.WITNESS_IDENTITY);
}

/** A custodian, jan (prosecutor, secret), ana (analyst, confidential), a KEK, the envelope's terms and the record
 * sealed; all closed after the test. */
function scene(t) {
  const dir = path.join(tmpdir(t), 'c');
  const c = new custodia.Custodian(dir, { masterKey: Buffer.alloc(32, 7), create: true });
  const jan = new Actor('jan', 'prosecutor', 'NL', Classification.SECRET);
  const ana = new Actor('ana', 'analyst', 'NL', Classification.CONFIDENTIAL);
  const kek = c.generateKey(jan, KeyKind.KEK, 'case team');
  const options = new SealOptions(Category.CASE_ADMINISTRATION, ['investigation', 'prosecution'],
    { recipients: [kek], caseRef: 'MLA-2026-0042' });
  const r = record();
  const envelope = c.sealRecord(jan, r, options);
  later(t, () => {
    r.close();
    options.close();
    ana.close();
    jan.close();
    c.close();
  });
  return { dir, c, jan, ana, kek, options, record: r, envelope };
}

test('a cleared reader gets every value back as sealed, typed', (t) => {
  const { c, jan, envelope } = scene(t);
  const r = c.openRecord(jan, envelope, 'investigation.financial');
  assert.deepEqual(r.disclosed(), ['account_iban', 'address', 'born', 'scan', 'transfers', 'witness_name']);
  assert.deepEqual(r.withheld(), []);
  assert.deepEqual(r.masked(), []);
  assert.equal(r.get('account_iban'), 'NL91ABNA0417164300');
  assert.deepEqual(r.get('address'), { city: 'Utrecht', postcode: 3511 });
  assert.equal(r.get('born'), '1971-05-04');
  assert.ok(r.get('scan').equals(Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff])));
  assert.equal(r.get('transfers'), -42);
  assert.equal(r.get('witness_name'), 'A. Jansen');
  assert.deepEqual(r.field('transfers').purposes, ['investigation.financial']);
  assert.equal(r.field('born').purposes, null);
  assert.equal(r.field('witness_name').category, Category.WITNESS_IDENTITY);
  assert.equal(r.field('witness_name').classification, Classification.SECRET);
  assert.equal(r.field('scan').classification, Classification.CONFIDENTIAL);
  assert.deepEqual(r.fields.map((f) => f.kind), ['text', 'nested', 'date', 'bytes', 'integer', 'text']);
  assert.equal(r.info.caseRef, 'MLA-2026-0042');
  assert.deepEqual(r.fields.map((f) => f.json), ['{"text":"NL91ABNA0417164300"}',
    '{"nested":{"city":{"text":"Utrecht"},"postcode":{"integer":3511}}}', '{"date":"1971-05-04"}',
    '{"bytes":"2550444600ff"}', '{"integer":-42}', '{"text":"A. Jansen"}']);
  assert.throws(() => r.field('phone'), custodia.InvalidArgument);
  r.close();
});

test('values never show in inspect, toString or JSON, and close() wipes them', (t) => {
  const { c, jan, envelope, record: builder } = scene(t);
  const r = c.openRecord(jan, envelope, 'investigation.financial');
  const shown = [util.inspect(r), String(r), JSON.stringify(r), util.inspect(r.fields), JSON.stringify(r.fields),
    String(r.field('witness_name')), util.inspect(r.field('address'), { depth: 5 }), util.inspect(builder),
    String(builder)].join('\n');
  for (const secret of ['Jansen', 'NL91', 'Utrecht', '1971', '-42', 'PDF']) assert.ok(!shown.includes(secret), secret);
  assert.match(util.inspect(r), /witness_name/);
  const data = r.field('witness_name').data;
  assert.ok(data instanceof custodia.SensitiveBuffer);
  const view = data.expose();
  assert.equal(view.toString(), 'A. Jansen');
  const integer = r.field('transfers').data.expose();
  r.close();
  assert.ok(data.closed && view.every((b) => b === 0) && integer.every((b) => b === 0));
  assert.throws(() => r.get('witness_name'), /closed/);
  r.close(); // idempotent
});

test('fields a reader may not see come back withheld with their refusal, never their value', (t) => {
  const { dir, c, ana, envelope } = scene(t);
  const before = c.unwrapAttempts();
  const r = c.openRecord(ana, envelope, 'investigation');
  assert.equal(c.unwrapAttempts(), before + 1);
  assert.deepEqual(r.disclosed(), ['account_iban', 'address', 'born', 'scan']);
  assert.deepEqual(r.withheld(), ['transfers', 'witness_name']);
  const w = r.field('witness_name');
  assert.equal(w.status, 'withheld');
  assert.equal(w.data, null);
  assert.ok(w.error instanceof custodia.ClearanceInsufficient);
  assert.equal(w.error.code, 203);
  assert.match(w.error.message, /witness_name/);
  assert.throws(() => r.get('witness_name'), custodia.ClearanceInsufficient);
  // A field with its own purposes is withheld for the envelope's purpose that is not one of them.
  const p = r.field('transfers');
  assert.ok(p.error instanceof custodia.PurposeNotPermitted && p.error.code === 200 && p.error.isRefusal);
  assert.throws(() => r.get('transfers'), custodia.PurposeNotPermitted);
  assert.ok(!util.inspect(r).includes('Jansen'));
  r.close();
  const log = fs.readFileSync(path.join(dir, 'audit.log'), 'utf8');
  assert.ok(log.includes('"withheld":"transfers witness_name"'));
  assert.ok(!log.includes('A. Jansen') && !log.includes('NL91ABNA'));
});

test('the envelope gate still throws, payload types are kept, a changed byte fails the open', (t) => {
  const { c, jan, options, envelope } = scene(t);
  const before = c.unwrapAttempts();
  assert.throws(() => c.openRecord(jan, envelope, 'asset_recovery'), custodia.PurposeNotPermitted);
  assert.throws(() => c.open(jan, envelope, 'investigation'), custodia.InvalidArgument);
  assert.equal(c.unwrapAttempts(), before);
  const plain = c.seal(jan, Buffer.from('a document'), options);
  assert.throws(() => c.openRecord(jan, plain, 'investigation'), custodia.InvalidArgument);
  const bad = Buffer.from(envelope);
  bad[bad.length - 30] ^= 1;
  assert.throws(() => c.openRecord(jan, bad, 'investigation'), custodia.OpenFailed);
});

test('sealing refuses what it must', (t) => {
  const { c, jan, ana, options, record: r } = scene(t);
  assert.throws(() => c.sealRecord(ana, r, options), custodia.ClearanceInsufficient);
  const cases = [
    [() => new Record().integer('n', 1, Category.FINANCIAL_RECORDS, { purposes: ['asset_recovery'] }),
      custodia.InvalidArgument],
    [() => new Record(), custodia.InvalidArgument],
  ];
  for (const [make, Err] of cases) {
    const bad = make();
    try {
      assert.throws(() => c.sealRecord(jan, bad, options), Err);
    } finally {
      bad.close();
    }
  }
  const b = new Record();
  try {
    assert.throws(() => b.text('Bad', 'x', Category.CONTACT_DETAILS), custodia.InvalidArgument);
    assert.throws(() => b.text('w', 'x', Category.WITNESS_IDENTITY, { classification: Classification.RESTRICTED }),
      custodia.ClassificationBelowMinimum);
    assert.throws(() => b.date('d', '1971-02-30', Category.PERSONAL_IDENTITY), custodia.InvalidArgument);
    assert.throws(() => b.value('flag', true, Category.CONTACT_DETAILS), TypeError);
    assert.throws(() => b.integer('big', 2 ** 60, Category.CONTACT_DETAILS), TypeError);
    b.text('name', 'x', Category.CONTACT_DETAILS);
    assert.throws(() => b.text('name', 'y', Category.CONTACT_DETAILS), custodia.InvalidArgument, 'a name twice');
  } finally {
    b.close();
  }
  assert.throws(() => c.sealRecord(jan, { name: 'x' }, options), TypeError);
});

test('every value type round-trips, a nested Record and 64-bit integers included', (t) => {
  const { c, jan, options } = scene(t);
  const inner = new Record().text('street', 'Oudegracht 1', Category.CONTACT_DETAILS)
    .bytes('photo', new custodia.SensitiveBuffer(Buffer.from([1, 2, 3])), Category.CONTACT_DETAILS);
  const r = new Record()
    .nested('address', inner, Category.CONTACT_DETAILS)
    .integer('max', 2n ** 63n - 1n, Category.FINANCIAL_RECORDS)
    .integer('min', -(2n ** 63n), Category.FINANCIAL_RECORDS)
    .date('day', new Date(Date.UTC(2026, 0, 31)), Category.PERSONAL_IDENTITY)
    .value('deep', { a: { b: 'c', n: 9007199254740993n } }, Category.CONTACT_DETAILS)
    .text('utf8', 'ünïcödé €', Category.CONTACT_DETAILS)
    .nested('tricky', { note: '{"integer":12345678901234567890}', n: -12345678901234567n }, Category.CONTACT_DETAILS);
  inner.close();
  const envelope = c.sealRecord(jan, r, options);
  r.close();
  const o = c.openRecord(jan, envelope, 'investigation');
  assert.deepEqual(o.get('address'), { street: 'Oudegracht 1', photo: Buffer.from([1, 2, 3]) });
  assert.equal(o.get('max'), 2n ** 63n - 1n);
  assert.equal(o.get('min'), -(2n ** 63n));
  assert.equal(o.get('day'), '2026-01-31');
  assert.deepEqual(o.get('deep'), { a: { b: 'c', n: 9007199254740993n } });
  assert.equal(o.get('utf8'), 'ünïcödé €');
  assert.deepEqual(o.get('tricky'), { note: '{"integer":12345678901234567890}', n: -12345678901234567n });
  o.close();
});

test('a policy mask gives the masked view, never the value', (t) => {
  const { c, jan, ana, envelope } = scene(t);
  const policy = new custodia.AccessPolicy(POLICY);
  c.setAccessPolicy(jan, policy);
  policy.close();
  const r = c.openRecord(ana, envelope, 'investigation');
  const m = r.field('witness_name');
  assert.equal(m.status, 'masked');
  assert.equal(m.maskedText, 'A. J.');
  assert.equal(m.mask, 'initials');
  assert.equal(m.data, null);
  assert.ok(m.error instanceof custodia.ClearanceInsufficient);
  assert.throws(() => r.get('witness_name'), custodia.ClearanceInsufficient);
  assert.deepEqual(r.masked(), ['witness_name']);
  assert.ok(!r.disclosed().includes('witness_name') && !r.withheld().includes('witness_name'));
  assert.deepEqual(r.withheld(), ['transfers']);
  assert.equal(r.field('account_iban').mask, null);
  r.close();
});

test('pseudonyms are stable in a case, differ across cases, and resolving is audited', (t) => {
  const { dir, c, jan } = scene(t);
  const p = c.pseudonymize(jan, 'investigation', 'MLA-2026-0042', Category.PERSONAL_IDENTITY, 'person',
    ['Jan de Vries', ' jan  DE VRIES', 'Anna Smit']);
  assert.equal(p.length, 3);
  assert.equal(p[0], p[1]);
  assert.notEqual(p[0], p[2]);
  assert.match(p[0], /^[0-9a-f]{32}$/);
  const again = c.pseudonymize(jan, 'investigation', 'MLA-2026-0042', Category.PERSONAL_IDENTITY, 'person',
    ['Jan de Vries']);
  assert.equal(again[0], p[0]);
  const other = c.pseudonymize(jan, 'investigation', 'MLA-2026-0043', Category.PERSONAL_IDENTITY, 'person',
    ['Jan de Vries']);
  assert.notEqual(other[0], p[0]);
  assert.equal(c.resolvePseudonym(jan, 'investigation', 'MLA-2026-0042', Category.PERSONAL_IDENTITY, 'person', p[2],
    ['Jan de Vries', 'Anna Smit']), 1);
  assert.equal(c.resolvePseudonym(jan, 'investigation', 'MLA-2026-0042', Category.PERSONAL_IDENTITY, 'person', p[2],
    ['Piet']), null);
  assert.deepEqual(c.pseudonymize(jan, 'investigation', 'MLA-2026-0042', Category.PERSONAL_IDENTITY, 'person', []), []);
  assert.throws(() => c.pseudonymize(jan, 'investigation', 'MLA-2026-0042', Category.PERSONAL_IDENTITY, 'Person',
    ['x']), custodia.InvalidArgument);
  assert.throws(() => c.pseudonymize(jan, 'asset_recovery', 'MLA-2026-0042', Category.PERSONAL_IDENTITY, 'person',
    'x'), TypeError);
  const log = fs.readFileSync(path.join(dir, 'audit.log'), 'utf8');
  assert.ok(log.includes('"kind":"pseudonym_resolved"'));
  assert.ok(!log.includes('Anna Smit') && !log.includes('Jan de Vries'));
});

test('every library handle and buffer is released: records, pseudonyms, SD-JWT', (t) => {
  const { c, jan, ana, envelope } = scene(t);
  const signer = c.generateKey(jan, KeyKind.ED25519, 'redaction');
  const key = c.exportPublic(signer);
  const before = custodia.liveCounts();
  for (const reader of [jan, ana]) c.openRecord(reader, envelope, 'investigation').close();
  assert.throws(() => c.openRecord(jan, envelope, 'asset_recovery'), custodia.PurposeNotPermitted);
  const b = record();
  b.close();
  c.pseudonymize(jan, 'investigation', 'MLA-2026-0042', Category.PERSONAL_IDENTITY, 'person', ['a', 'b']);
  c.resolvePseudonym(jan, 'investigation', 'MLA-2026-0042', Category.PERSONAL_IDENTITY, 'person', '0'.repeat(32), ['a']);
  const sd = c.issueSdJwt(jan, envelope, 'investigation', signer);
  const pres = c.present(jan, sd, ['born'], 'FR-PNF', 'investigation');
  sd.close();
  custodia.verifyPresentation(pres, key).close();
  assert.throws(() => custodia.verifyPresentation(pres, 'not a key'), custodia.InvalidKeyText);
  assert.deepEqual(custodia.liveCounts(), before);
});

test('a legal exception opens a record for a purpose it was not sealed for; a required signer is checked', (t) => {
  const { c, jan, envelope } = scene(t);
  const order = custodia.ExceptionGround.courtOrder('LG Utrecht 12/2026', 'The regional court ordered the disclosure ' +
    'of these records for the confiscation proceedings');
  later(t, () => order.close());
  const r = c.openRecord(jan, envelope, 'asset_recovery', { exception: order });
  assert.equal(r.get('account_iban'), 'NL91ABNA0417164300');
  r.close();
  const signer = c.generateKey(jan, KeyKind.ED25519, 'not the sealer');
  assert.throws(() => c.openRecord(jan, envelope, 'investigation', { requiredSigner: signer }),
    custodia.SignerMismatch);
  assert.throws(() => c.openRecord(jan, envelope, 'investigation', { exception: 'court order' }), TypeError);
});
