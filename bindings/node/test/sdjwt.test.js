'use strict';
// Verifiable redaction from Node (issue 16 §3, docs/FORMAT.md section 15), following
// bindings/python/tests/test_sdjwt.py: a record issued as an SD-JWT, presented with some fields, verified with the
// issuer's public key alone. Attacks: an altered disclosure, another issuer's key, a truncated text, a bad key text,
// a field the SD-JWT does not have, a reader not cleared for a field (it never enters the SD-JWT), a key that cannot
// sign; each throws its typed error. Issue and present are audited.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const util = require('node:util');
const { custodia, tmpdir, later } = require('./helpers');

const { Actor, Category, Classification, KeyKind, Record, SealOptions, verifyPresentation } = custodia;

function scene(t) {
  const c = new custodia.Custodian(path.join(tmpdir(t), 'c'), { masterKey: Buffer.alloc(32, 9), create: true });
  const jan = new Actor('jan', 'prosecutor', 'NL', Classification.SECRET);
  const ana = new Actor('ana', 'analyst', 'NL', Classification.CONFIDENTIAL);
  const kek = c.generateKey(jan, KeyKind.KEK, 'case team');
  const signer = c.generateKey(jan, KeyKind.ED25519, 'NL redaction key');
  const options = new SealOptions(Category.CASE_ADMINISTRATION, ['investigation', 'prosecution'],
    { recipients: [kek], caseRef: 'MLA-2026-0042' });
  const r = new Record()
    .text('account_iban', 'NL91ABNA0417164300', Category.FINANCIAL_RECORDS)
    .nested('address', { city: 'Utrecht', postcode: 3511 }, Category.CONTACT_DETAILS)
    .date('born', '1971-05-04', Category.PERSONAL_IDENTITY)
    .bytes('scan', Buffer.from('%PDF\x00\xff', 'latin1'), Category.EVIDENCE,
      { classification: Classification.CONFIDENTIAL })
    .integer('transfers', -42, Category.FINANCIAL_RECORDS)
    .text('witness_name', 'A. Jansen', Category.WITNESS_IDENTITY);
  const envelope = c.sealRecord(jan, r, options);
  r.close();
  later(t, () => {
    options.close();
    ana.close();
    jan.close();
    c.close();
  });
  return { c, jan, ana, kek, signer, envelope };
}

/** Characters 4..7 of a disclosure encode characters 1..3 of its salt: still well formed, no longer signed. */
function alterFirstDisclosure(textAll) {
  const i = textAll.indexOf('~');
  const jwt = textAll.slice(0, i);
  const rest = textAll.slice(i + 1);
  const patch = rest.slice(4, 8) === 'QUFB' ? 'QkJC' : 'QUFB';
  return `${jwt}~${rest.slice(0, 4)}${patch}${rest.slice(8)}`;
}

test('issue, present, verify: exactly the chosen fields, with the issuer\'s key alone', (t) => {
  const { c, jan, signer, envelope } = scene(t);
  const sd = c.issueSdJwt(jan, envelope, 'investigation', signer);
  assert.ok(sd instanceof custodia.SensitiveBuffer);
  const sdText = sd.expose().toString();
  assert.ok(sdText.endsWith('~') && sdText.split('~').length - 1 === 7);
  assert.ok(!util.inspect(sd).includes('~'));
  const pres = c.present(jan, sd, ['born', 'address', 'scan'], 'FR-PNF', 'investigation');
  assert.equal(typeof pres, 'string');
  const v = verifyPresentation(pres, c.exportPublic(signer));
  assert.deepEqual(v.names(), ['address', 'born', 'scan']);
  assert.deepEqual(v.get('address'), { city: 'Utrecht', postcode: 3511 });
  assert.equal(v.get('born'), '1971-05-04');
  assert.ok(v.get('scan').equals(Buffer.from('%PDF\x00\xff', 'latin1')));
  assert.equal(v.fields[1].json, '{"date":"1971-05-04"}');
  assert.equal(v.fieldCount, 6);
  assert.equal(v.withheldCount, 3);
  assert.equal(v.caseRef, 'MLA-2026-0042');
  assert.ok(v.issuer.equals(signer));
  assert.match(v.objectId, /^[0-9a-f]{32}$/);
  assert.ok(v.issuedAt instanceof Date && Math.abs(v.issuedAt.getTime() - Date.now()) < 600e3);
  assert.throws(() => v.get('witness_name'), custodia.InvalidArgument);
  const shown = [util.inspect(v), String(v), JSON.stringify(v), util.inspect(v.fields)].join('\n');
  assert.ok(!shown.includes('Utrecht') && !shown.includes('1971') && shown.includes('born'));
  const data = v.fields[0].data;
  v.close();
  assert.ok(data.closed);
  // The whole SD-JWT verifies too, from its bytes or text, and shows every field.
  const whole = verifyPresentation(sd, c.exportPublic(signer));
  assert.equal(whole.withheldCount, 0);
  assert.equal(whole.get('transfers'), -42);
  assert.equal(whole.get('witness_name'), 'A. Jansen');
  whole.close();
  // present() takes the text as well as the SensitiveBuffer.
  verifyPresentation(c.present(jan, sdText, ['born'], 'FR-PNF', 'investigation'), c.exportPublic(signer)).close();
  const view = sd.expose();
  sd.close();
  assert.ok(view.every((b) => b === 0));
});

test('issue and present are audited', (t) => {
  const { c, jan, signer, envelope } = scene(t);
  const sd = c.issueSdJwt(jan, envelope, 'investigation', signer);
  c.present(jan, sd, ['born'], 'FR-PNF', 'investigation');
  sd.close();
  const entries = c.auditEntries({ kinds: ['selective_disclosure'] });
  const details = entries.map((e) => JSON.parse(e.json).detail);
  assert.deepEqual(details.map((d) => d.operation), ['sd_jwt_issue', 'sd_jwt_present']);
  assert.equal(details[1].audience, 'FR-PNF');
  assert.equal(entries[1].caseRef, 'MLA-2026-0042');
});

test('tampering and wrong keys are refused with typed errors', (t) => {
  const { c, jan, signer, envelope } = scene(t);
  const other = c.generateKey(jan, KeyKind.ED25519, 'another key');
  const key = c.exportPublic(signer);
  const sd = c.issueSdJwt(jan, envelope, 'investigation', signer);
  const pres = c.present(jan, sd, ['account_iban', 'born'], 'FR-PNF', 'investigation');
  sd.close();
  verifyPresentation(pres, key).close();
  assert.throws(() => verifyPresentation(alterFirstDisclosure(pres), key), custodia.SignatureInvalid);
  assert.throws(() => verifyPresentation(pres, c.exportPublic(other)), custodia.SignatureInvalid);
  assert.throws(() => verifyPresentation(pres.slice(0, pres.indexOf('~') - 10), key), custodia.Malformed);
  assert.throws(() => verifyPresentation(pres.slice(0, -6), key), custodia.Malformed);
  assert.throws(() => verifyPresentation(pres, 'not a key'), custodia.InvalidKeyText);
  assert.throws(() => verifyPresentation(null, key), TypeError);
});

test('presenting refuses what the SD-JWT does not hold', (t) => {
  const { c, jan, signer, envelope } = scene(t);
  const sd = c.issueSdJwt(jan, envelope, 'investigation', signer);
  const sdText = sd.expose().toString();
  assert.throws(() => c.present(jan, sd, ['phone'], 'FR-PNF', 'investigation'), custodia.InvalidArgument);
  assert.throws(() => c.present(jan, sd, ['born', 'born'], 'FR-PNF', 'investigation'), custodia.InvalidArgument);
  assert.throws(() => c.present(jan, sd, ['born'], '', 'investigation'), custodia.InvalidArgument);
  assert.throws(() => c.present(jan, alterFirstDisclosure(sdText), ['born'], 'FR-PNF', 'investigation'),
    custodia.SignatureInvalid);
  assert.throws(() => c.present(jan, 'x.y.z~', ['born'], 'FR-PNF', 'investigation'), custodia.Malformed);
  sd.close();
});

test('a field the issuer may not open never enters the SD-JWT', (t) => {
  const { c, ana, kek, signer, envelope } = scene(t);
  const sd = c.issueSdJwt(ana, envelope, 'investigation', signer);
  assert.ok(!sd.expose().toString().includes('Jansen'));
  const v = verifyPresentation(sd, c.exportPublic(signer));
  assert.ok(!v.has('witness_name'));
  assert.equal(v.withheldCount, 1);
  assert.equal(v.fieldCount, 6);
  v.close();
  assert.throws(() => c.present(ana, sd, ['witness_name'], 'FR-PNF', 'investigation'), custodia.InvalidArgument);
  sd.close();
  assert.throws(() => c.issueSdJwt(ana, envelope, 'investigation', kek), custodia.InvalidArgument);
  assert.throws(() => c.issueSdJwt(ana, envelope, 'marketing', signer), custodia.PurposeNotPermitted);
});
