'use strict';
// The Custodian from Node: creating and loading (raw master key and passphrase), seal/open with purposes, every
// refusal that can be provoked through the C ABI, exceptions with justification, inspect/describe, keys (generate,
// import, rotate, destroy, shred, holds), rewrap, audit (verify, checkpoint, anchors, queries, CSV), memory status.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const { custodia, MASTER_KEY, JUSTIFICATION, DATA, tmpdir, later, setup, actor } = require('./helpers');

const { Custodian, SealOptions, Category, Classification, KeyKind, KeyState, ExceptionGround } = custodia;
const now = () => Math.floor(Date.now() / 1000);

// ---- creating and loading

test('a custodian is created with a raw master key, reopened with it, refused with another', (t) => {
  const dir = path.join(tmpdir(t), 'k');
  const c = new Custodian(dir, { masterKey: MASTER_KEY, create: true });
  assert.equal(c.directory, dir);
  const anchor = c.close();
  assert.ok(anchor instanceof custodia.Anchor && anchor.count > 0);
  assert.equal(c.close(), anchor, 'closing again returns the same anchor');
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  new Custodian(dir, { masterKey: new custodia.SensitiveBuffer(MASTER_KEY) }).close();
  assert.throws(() => new Custodian(dir, { masterKey: Buffer.alloc(32) }), custodia.WrongPassphrase);
  assert.throws(() => new Custodian(dir, { masterKey: Buffer.alloc(5) }), custodia.InvalidArgument);
  assert.throws(() => new Custodian(dir, {}), TypeError);
  assert.throws(() => new Custodian(dir, { masterKey: MASTER_KEY, passphrase: 'x' }), TypeError);
});

test('a missing custodian is CustodianNotFound unless create, and parents are never created', (t) => {
  const base = tmpdir(t);
  assert.throws(() => new Custodian(path.join(base, 'typo'), { masterKey: MASTER_KEY }), (e) =>
    e instanceof custodia.CustodianNotFound && e.code === 407 && /no custodian at/.test(e.message));
  assert.ok(!fs.existsSync(path.join(base, 'typo')));
  assert.throws(() => new Custodian(path.join(base, 'no', 'parent'), { masterKey: MASTER_KEY, create: true }),
    custodia.CustodianNotFound);
  assert.ok(!fs.existsSync(path.join(base, 'no')));
});

test('a passphrase custodian (cheap Argon2id costs), a wrong passphrase, and out-of-range KDF costs', (t) => {
  const base = tmpdir(t);
  assert.throws(() => new Custodian(path.join(base, 'k'), { passphrase: 'pass', kdf: [1 << 20, 2, 1], create: true }),
    custodia.KdfParamsOutOfRange);
  assert.ok(!fs.existsSync(path.join(base, 'k')));
  const c = new Custodian(path.join(base, 'k'), { passphrase: 'correct horse', kdf: [64, 1, 1], create: true });
  const anna = actor(t, 'anna');
  const kek = c.generateKey(anna, KeyKind.KEK, 'k');
  c.close();
  assert.throws(() => new Custodian(path.join(base, 'k'), { passphrase: 'wrong horse' }), custodia.WrongPassphrase);
  const again = new Custodian(path.join(base, 'k'), { passphrase: Buffer.from('correct horse') });
  assert.ok(again.keys().some((k) => k.keyId.equals(kek)));
  again.close();
});

test('durability choices are accepted; an unknown one is a TypeError', (t) => {
  const base = tmpdir(t);
  for (const durability of ['fsync_each', 'group_commit', 'os_buffered']) {
    new Custodian(path.join(base, durability), { masterKey: MASTER_KEY, create: true, durability }).close();
  }
  assert.throws(() => new Custodian(path.join(base, 'x'), { masterKey: MASTER_KEY, create: true, durability: 'fast' }),
    TypeError);
});

// ---- seal and open

test('seal/open round trip for a sub-purpose; the plaintext is a SensitiveBuffer wiped on close', (t) => {
  const { c, anna, terms } = setup(t);
  const envelope = c.seal(anna, DATA, terms);
  assert.ok(Buffer.isBuffer(envelope) && !envelope.includes(DATA));
  const opened = c.open(anna, envelope, 'prosecution.trial');
  assert.ok(opened.data instanceof custodia.SensitiveBuffer);
  assert.ok(opened.data.equals(DATA));
  assert.equal(opened.info.category, Category.FINANCIAL_RECORDS);
  assert.doesNotMatch(util.inspect(opened), /IBAN/);
  const view = opened.data.expose();
  opened.close();
  assert.ok(opened.data.closed && view.every((b) => b === 0));
});

test('round trips of many sizes and input types', (t) => {
  const { c, anna, terms } = setup(t);
  for (const data of [Buffer.alloc(0), Buffer.from('x'), require('node:crypto').randomBytes(70000),
    new Uint8Array([1, 2, 3]), 'a string is UTF-8', new custodia.SensitiveBuffer(DATA)]) {
    const opened = c.open(anna, c.seal(anna, data, terms), 'investigation');
    const want = typeof data === 'string' ? Buffer.from(data) : data instanceof custodia.SensitiveBuffer ? DATA : data;
    assert.ok(opened.data.equals(want));
    opened.close();
  }
});

test('sizes around the scratch buffers round trip, with their info', (t) => {
  // Beyond the scratch buffer (128 KiB: open then writes into memory of its exact size), beyond what is kept (4 MiB:
  // seal then uses a buffer for that call alone), then small again; more opens than one block of info slots holds.
  const { c, anna, terms } = setup(t);
  const kept = [];
  for (const size of [0, 1, 200000, 5 << 20, 1024, ...Array(20).fill(100)]) {
    const data = require('node:crypto').randomBytes(size);
    const env = c.seal(anna, data, terms);
    const opened = c.open(anna, env, 'investigation');
    assert.ok(opened.data.equals(data), `size ${size}`);
    kept.push([opened, c.inspect(env).objectId]);
  }
  for (const [opened, id] of kept) {
    assert.equal(opened.info.objectId, id);
    assert.equal(opened.info.category, Category.FINANCIAL_RECORDS);
    opened.close();
  }
});

test('armored envelopes open too', (t) => {
  const { c, anna, kek } = setup(t, { terms: false });
  const opts = new SealOptions(Category.EVIDENCE, ['investigation'], { recipients: [kek], armor: true });
  const env = c.seal(anna, DATA, opts);
  opts.close();
  assert.match(env.toString('ascii'), /^-----BEGIN/);
  const o = c.open(anna, env.toString('ascii'), 'investigation');
  assert.ok(o.data.equals(DATA));
  o.close();
});

test('inspect and describe read the bound metadata without a key', (t) => {
  const { c, anna, terms, kek } = setup(t);
  const env = c.seal(anna, DATA, terms);
  const info = c.inspect(env);
  assert.equal(info.category, Category.FINANCIAL_RECORDS);
  assert.equal(info.classification, Classification.CONFIDENTIAL);
  assert.deepEqual(info.purposes, ['investigation', 'prosecution']);
  assert.equal(info.caseRef, 'MLA-2026-0042');
  assert.equal(info.origin, 'NL');
  assert.deepEqual(info.destinations, ['DE']);
  assert.equal(info.recipients.length, 1);
  assert.ok(info.recipients[0].keyId.equals(kek));
  assert.equal(info.recipients[0].kind, custodia.RecipientKind.KEK);
  assert.equal(info.signer, null);
  assert.match(info.objectId, /^[0-9a-f]{32}$/);
  const text = c.describe(env);
  assert.match(text, /MLA-2026-0042/);
  assert.doesNotMatch(text, /IBAN/);
  assert.throws(() => c.inspect(Buffer.from('not an envelope')), custodia.EnvelopeError);
});

test('a legal instrument and an expiry are bound and read back', (t) => {
  const { c, anna, kek } = setup(t, { terms: false });
  const notAfter = now() + 86400;
  const opts = new SealOptions(Category.EVIDENCE, ['investigation'], {
    recipients: [kek], notAfter, origin: 'DE', destinations: ['FR'],
    instrument: { kind: custodia.InstrumentKind.EUROPEAN_INVESTIGATION_ORDER, reference: 'EIO-2026-17',
      transferBasis: 'Directive 2014/41/EU' },
  });
  const info = c.inspect(c.seal(anna, DATA, opts));
  opts.close();
  assert.equal(info.notAfter.getTime(), notAfter * 1000);
  assert.deepEqual(info.instrument, { kind: 2, reference: 'EIO-2026-17', transferBasis: 'Directive 2014/41/EU' });
});

// ---- refusals

test('a purpose the envelope was not sealed for is refused (200) and audited', (t) => {
  const { c, anna, terms } = setup(t);
  const env = c.seal(anna, DATA, terms);
  assert.throws(() => c.open(anna, env, 'asset_recovery'), (e) => e instanceof custodia.PurposeNotPermitted &&
    e.code === 200 && e.isRefusal && /asset_recovery/.test(e.message) && !/IBAN/.test(e.message));
  const refused = c.auditEntries({ kinds: ['refused'] });
  assert.equal(refused.length, 1);
  assert.equal(refused[0].purpose, 'asset_recovery');
  assert.match(refused[0].outcome, /^refused:purpose_not_permitted/);
});

test('expiry: a not-after already past is refused at seal, one ahead opens; 201 is Expired, a refusal', (t) => {
  // The C ABI has no clock setter (a frozen clock would let expired data open), so data cannot be made to expire here.
  const { c, anna, kek } = setup(t, { terms: false });
  const past = new SealOptions(Category.EVIDENCE, ['investigation'], { recipients: [kek], notAfter: now() - 86400 });
  assert.throws(() => c.seal(anna, DATA, past), (e) => e instanceof custodia.InvalidArgument && /not_after/.test(e.message));
  past.close();
  const ahead = new SealOptions(Category.EVIDENCE, ['investigation'], { recipients: [kek], notAfter: new Date(Date.now() + 86400e3) });
  const o = c.open(anna, c.seal(anna, DATA, ahead), 'investigation');
  ahead.close();
  assert.ok(o.data.equals(DATA));
  o.close();
  assert.equal(custodia.errorClass(201), custodia.Expired);
  assert.ok(new custodia.Expired(201, '', 'expired') instanceof custodia.Refused);
});

test('jurisdiction and clearance refusals', (t) => {
  const { c, anna, terms } = setup(t);
  const env = c.seal(anna, DATA, terms);
  assert.throws(() => c.open(actor(t, 'pierre', 'FR'), env, 'investigation'), custodia.JurisdictionNotPermitted);
  assert.throws(() => c.open(actor(t, 'bo', 'DE', Classification.RESTRICTED), env, 'investigation'),
    custodia.ClearanceInsufficient);
});

test('tampered and truncated envelopes fail without saying more; a foreign keyring has no matching recipient', (t) => {
  const { dir, c, anna, terms } = setup(t);
  const env = c.seal(anna, DATA, terms);
  assert.throws(() => c.open(anna, Buffer.alloc(0), 'investigation'), custodia.EnvelopeError);
  for (const cut of [10, env.length >> 1, env.length - 1]) {
    assert.throws(() => c.open(anna, env.subarray(0, cut), 'investigation'), custodia.EnvelopeError);
  }
  const tampered = Buffer.from(env);
  tampered[tampered.length - 5] ^= 1;
  assert.throws(() => c.open(anna, tampered, 'investigation'), (e) => e instanceof custodia.OpenFailed &&
    !/IBAN/.test(e.message));
  const other = new Custodian(path.join(dir, 'other'), { masterKey: Buffer.alloc(32), create: true });
  later(t, () => other.close());
  assert.throws(() => other.open(anna, env, 'investigation'), custodia.NoMatchingRecipient);
});

test('a required signer: unsigned refused (SignerMismatch), signed opens and names its signer', (t) => {
  const { c, anna, terms } = setup(t);
  const signer = c.generateKey(anna, KeyKind.ED25519, 'signing key');
  const unsigned = c.seal(anna, DATA, terms);
  assert.throws(() => c.open(anna, unsigned, 'investigation', { requiredSigner: signer }), custodia.SignerMismatch);
  terms.setSigner(signer);
  const o = c.open(anna, c.seal(anna, DATA, terms), 'investigation', { requiredSigner: signer });
  assert.ok(o.signer.equals(signer));
  o.close();
});

// ---- exceptions

test('a court order with its justification opens for another purpose, and is audited', (t) => {
  const { c, anna, terms } = setup(t);
  const env = c.seal(anna, DATA, terms);
  const order = ExceptionGround.courtOrder('LG-Berlin-123/26', JUSTIFICATION);
  later(t, () => order.close());
  assert.match(order.describe(), /LG-Berlin-123\/26/);
  const o = c.open(anna, env, 'asset_recovery', { exception: order });
  assert.ok(o.data.equals(DATA));
  o.close();
  assert.ok(c.auditEntries({ kinds: ['exception_used'] }).length >= 1);
});

test('an imminent threat needs no reference; a justification too short is InvalidException', (t) => {
  const { c, anna, terms } = setup(t);
  const env = c.seal(anna, DATA, terms);
  const threat = ExceptionGround.imminentThreat('A kidnapped child is held at an address these records may reveal');
  const o = c.open(anna, env, 'rescue', { exception: threat });
  threat.close();
  assert.ok(o.data.equals(DATA));
  o.close();
  assert.throws(() => ExceptionGround.courtOrder('LG-Berlin-123/26', 'needed'), custodia.InvalidException);
  assert.throws(() => c.open(anna, env, 'asset_recovery', { exception: null }), custodia.PurposeNotPermitted);
  assert.throws(() => c.open(anna, env, 'asset_recovery', { exception: 'court said so' }), TypeError);
});

// ---- keys

test('keys: generated, listed, exported and imported as another authority\'s', (t) => {
  const { dir, c, anna } = setup(t, { terms: false });
  const x = c.generateKey(anna, KeyKind.X25519, 'DE BKA MLA key');
  const info = c.key(x);
  assert.equal(info.kind, KeyKind.X25519);
  assert.equal(info.state, KeyState.ACTIVE);
  assert.equal(info.label, 'DE BKA MLA key');
  assert.ok(info.hasSecret);
  const pub = c.exportPublic(x);
  assert.match(pub, /^custodia-x25519-public:/);
  const nl = new Custodian(path.join(dir, 'nl'), { masterKey: MASTER_KEY, create: true });
  later(t, () => nl.close());
  const jan = actor(t, 'jan', 'NL');
  const imported = nl.importPublic(jan, pub, 'DE BKA MLA key', 'DE');
  assert.ok(imported.equals(x));
  const seen = nl.key(imported);
  assert.equal(seen.hasSecret, false);
  assert.equal(seen.jurisdiction, 'DE');
  assert.throws(() => nl.importPublic(jan, 'custodia-x25519-public:garbage', 'x', 'DE'), custodia.InvalidKeyText);
  assert.throws(() => c.key('00000000000000000000000000000000'), custodia.KeyNotFound);
  // Sealed by NL for DE's public key, opened in DE.
  const opts = new SealOptions(Category.EVIDENCE, ['investigation'], { origin: 'NL', destinations: ['DE'],
    recipients: [imported] });
  const env = nl.seal(jan, DATA, opts);
  opts.close();
  const o = c.open(anna, env, 'investigation');
  assert.ok(o.data.equals(DATA));
  o.close();
  assert.throws(() => nl.open(jan, env, 'investigation'), custodia.NoMatchingRecipient);
});

test('an authority key with a validity period; revoked and compromised keys receive nothing new', (t) => {
  const { dir, c, anna } = setup(t, { terms: false });
  const other = new Custodian(path.join(dir, 'fr'), { masterKey: MASTER_KEY, create: true });
  later(t, () => other.close());
  const pierre = actor(t, 'pierre', 'FR');
  const fr = other.generateKey(pierre, KeyKind.X25519, 'FR key');
  const id = c.importAuthorityKey(anna, other.exportPublic(fr), 'FR PJ', 'Police judiciaire', 'FR',
    { notBefore: now() - 60, notAfter: now() + 86400 });
  assert.equal(c.key(id).authority, 'Police judiciaire');
  const noDest = new SealOptions(Category.EVIDENCE, ['investigation'], { origin: 'DE', recipients: [id] });
  assert.throws(() => c.seal(anna, DATA, noDest), custodia.DestinationRequired);
  noDest.close();
  const opts = new SealOptions(Category.EVIDENCE, ['investigation'], { origin: 'DE', destinations: ['FR'],
    recipients: [id] });
  later(t, () => opts.close());
  c.seal(anna, DATA, opts);
  c.revokeKey(anna, id, 'replaced by the authority');
  assert.throws(() => c.seal(anna, DATA, opts), custodia.KeyRevoked);
  assert.equal(c.key(id).revoked.reason, 'replaced by the authority');
  const own = c.generateKey(anna, KeyKind.KEK, 'own');
  c.markCompromised(anna, own, 'laptop stolen');
  const o2 = new SealOptions(Category.EVIDENCE, ['investigation'], { recipients: [own] });
  assert.throws(() => c.seal(anna, DATA, o2), custodia.KeyCompromised);
  o2.close();
  assert.match(c.compromiseReport(own), /./);
});

test('rotation: the old key is decrypt-only, still opens, rewrap moves envelopes to the successor', (t) => {
  const { c, anna, kek } = setup(t, { terms: false });
  const opts = new SealOptions(Category.EVIDENCE, ['investigation'], { recipients: [kek] });
  later(t, () => opts.close());
  const old = c.seal(anna, DATA, opts);
  assert.ok(c.rewrapRotated(anna, old).equals(old), 'nothing rotated yet: unchanged');
  const next = c.rotate(anna, kek);
  assert.ok(!next.equals(kek));
  assert.equal(c.key(kek).state, KeyState.DECRYPT_ONLY);
  assert.ok(c.key(kek).rotatedTo.equals(next));
  assert.throws(() => c.seal(anna, DATA, opts), custodia.KeyStateError);
  const moved = c.rewrapRotated(anna, old);
  const explicit = c.rewrap(anna, old, 'investigation', { remove: [kek], add: [next] });
  const cert = c.destroyKey(anna, kek, 'rotated out');
  assert.ok(cert instanceof custodia.ErasureCertificate);
  assert.ok(cert.keys[0].equals(kek));
  assert.equal(cert.reason, 'rotated out');
  cert.verify(c.auditPublicKey());
  assert.throws(() => c.open(anna, old, 'investigation'), custodia.KeyDestroyed);
  for (const env of [moved, explicit]) {
    const o = c.open(anna, env, 'investigation');
    assert.ok(o.data.equals(DATA));
    o.close();
  }
  assert.equal(c.key(next).state, KeyState.ACTIVE);
  assert.throws(() => c.rewrap(anna, old, 'asset_recovery', { add: [next] }), custodia.Refused);
});

test('retention, legal holds and shredding', (t) => {
  const { c, anna } = setup(t, { terms: false });
  const t0 = now();
  const caseKey = c.caseKey(anna, 'MLA-2026-0042', t0 + 86400);
  assert.ok(c.caseKey(anna, 'MLA-2026-0042').equals(caseKey), 'one active key per case');
  const opts = new SealOptions(Category.EVIDENCE, ['investigation'], { caseRef: 'MLA-2026-0042', recipients: [caseKey] });
  const env = c.seal(anna, DATA, opts);
  opts.close();
  c.setRetention(anna, caseKey, t0 - 1);
  assert.ok(c.key(caseKey).destroyAfter !== null);
  c.placeLegalHold(anna, 'MLA-2026-0042', 'LG-Berlin-77/26', 'pending appeal in the main proceedings');
  assert.throws(() => c.placeLegalHold(anna, 'MLA-2026-0042', 'LG-Berlin-78/26', 'a second order'), (e) =>
    e instanceof custodia.Conflict && e.code === 110 && !e.isRefusal && e instanceof custodia.InvalidArgument);
  const holds = c.legalHolds();
  assert.equal(holds.length, 1);
  assert.equal(holds[0].reference, 'LG-Berlin-77/26');
  assert.equal(holds[0].setBy, 'anna');
  assert.ok(holds[0].keys.some((k) => k.equals(caseKey)));
  let report = c.shredExpired(anna);
  assert.deepEqual([report.destroyed, report.held], [0, 1]);
  assert.throws(() => c.destroyKey(anna, caseKey, 'case closed'), (e) => e instanceof custodia.LegalHold && e.code === 205);
  c.releaseLegalHold(anna, 'MLA-2026-0042');
  assert.throws(() => c.releaseLegalHold(anna, 'MLA-2026-0042'), custodia.Conflict);
  report = c.shredExpired(anna);
  assert.deepEqual([report.destroyed, report.held], [1, 0]);
  assert.equal(report.certificates.length, 1);
  report.certificates[0].verify(c.auditPublicKey());
  assert.equal(report.certificates[0].caseRef, 'MLA-2026-0042');
  assert.equal(c.key(caseKey).state, KeyState.DESTROYED);
  assert.throws(() => c.open(anna, env, 'investigation'), custodia.KeyDestroyed);
  assert.ok(c.verifyAudit().erasures >= 1);
  const kek2 = c.generateKey(anna, KeyKind.KEK, 'kept');
  c.setRetention(anna, kek2, t0 - 1);
  c.setRetention(anna, kek2, null);
  assert.equal(c.key(kek2).destroyAfter, null);
  assert.equal(c.shredExpired(anna).destroyed, 0);
});

test('batch rewrap: each file its own outcome', (t) => {
  const { dir, c, anna, kek } = setup(t, { terms: false });
  const opts = new SealOptions(Category.EVIDENCE, ['investigation'], { recipients: [kek] });
  const files = [0, 1].map((i) => {
    const p = path.join(dir, `e${i}.cust`);
    fs.writeFileSync(p, c.seal(anna, DATA, opts));
    return p;
  });
  opts.close();
  fs.writeFileSync(path.join(dir, 'garbage'), 'garbage');
  const next = c.rotate(anna, kek);
  const results = c.rewrapBatch(anna, [...files, path.join(dir, 'garbage'), path.join(dir, 'missing')]);
  assert.deepEqual(results.map((r) => r.ok), [true, true, false, false]);
  assert.ok(results[2].error instanceof custodia.EnvelopeError);
  assert.ok(results[3].error instanceof custodia.IoFault);
  c.destroyKey(anna, kek, 'rotated out');
  const o = c.open(anna, fs.readFileSync(files[0]), 'investigation');
  assert.ok(o.data.equals(DATA) && o.info.recipients[0].keyId.equals(next));
  o.close();
});

// ---- audit

test('the audit log verifies, checkpoints make anchors, and tampering is detected', (t) => {
  const { c, anna, terms } = setup(t);
  const env = c.seal(anna, DATA, terms);
  c.open(anna, env, 'investigation').close();
  assert.throws(() => c.open(anna, env, 'asset_recovery'));
  const report = c.verifyAudit();
  assert.ok(report.entries >= 3);
  assert.match(report.head, /^[0-9a-f]{64}$/);
  const anchor = c.checkpoint();
  const auditKey = c.auditPublicKey();
  anchor.verify(auditKey);
  assert.equal(c.verifyAudit([anchor]).anchors, 1);
  assert.match(anchor.logId, /^[0-9a-f]{32}$/);
  assert.equal(anchor.witnessCount, 0);
  const bundle = c.proveAuditEntry(1);
  assert.match(custodia.verifyInclusion(bundle, auditKey), /"seq"/);
  const forged = anchor.json.replace(/"count":\s*\d+/, '"count":1');
  assert.throws(() => new custodia.Anchor(forged).verify(auditKey), custodia.AuditError);
  const log = c.auditPath;
  const text = fs.readFileSync(log, 'utf8');
  fs.writeFileSync(log, text.replace('asset_recovery', 'asset_recoverx'));
  assert.throws(() => c.verifyAudit(), (e) => e instanceof custodia.AuditTampered || e instanceof custodia.AuditMalformed);
});

test('an anchor counter-signed by another authority verifies with both public keys alone', (t) => {
  const { dir, c, anna } = setup(t, { terms: false });
  const de = new Custodian(path.join(dir, 'de'), { masterKey: MASTER_KEY, create: true });
  later(t, () => de.close());
  const witness = de.generateKey(anna, KeyKind.ED25519, 'witness');
  const anchor = c.checkpoint();
  const signed = de.countersignAnchor(anna, anchor, c.auditPublicKey(), witness);
  assert.equal(signed.witnessCount, 1);
  signed.verify(c.auditPublicKey(), de.exportPublic(witness));
  assert.throws(() => signed.verify(de.auditPublicKey()), custodia.AuditError);
});

test('audit queries by kind, actor, case, object and time; CSV to text and to a 0600 file', (t) => {
  const { dir, c, anna, terms } = setup(t);
  const env = c.seal(anna, DATA, terms);
  const objectId = c.inspect(env).objectId;
  c.open(anna, env, 'investigation').close();
  const bo = actor(t, 'bo');
  assert.throws(() => c.open(bo, env, 'asset_recovery'), custodia.PurposeNotPermitted);
  const sealed = c.auditEntries({ kinds: ['sealed'] });
  assert.equal(sealed.length, 1);
  assert.equal(sealed[0].objectId, objectId);
  assert.equal(sealed[0].caseRef, 'MLA-2026-0042');
  assert.equal(sealed[0].actorId, 'anna');
  assert.equal(JSON.parse(sealed[0].json).kind, 'sealed');
  assert.ok(sealed[0].time instanceof Date && typeof sealed[0].seq === 'number');
  assert.deepEqual(c.auditEntries({ actorId: 'bo' }).map((e) => e.kind), ['refused']);
  assert.ok(c.auditEntries({ objectId }).length >= 3);
  assert.ok(c.auditEntries({ caseRef: 'MLA-2026-0042' }).length >= 3);
  assert.equal(c.auditEntries({ caseRef: 'MLA-2026-0001' }).length, 0);
  assert.equal(c.auditEntries({ until: 1 }).length, 0);
  assert.ok(c.auditEntries({ since: now() - 3600 }).length >= 3);
  assert.throws(() => c.auditEntries({ kinds: ['no_such_kind'] }), custodia.InvalidArgument);
  const csv = c.auditCsv({ objectId });
  assert.match(csv, /^[^\r\n]+\r\n/);
  const file = path.join(dir, 'audit.csv');
  assert.equal(c.writeAuditCsv(file, { objectId }), csv.trimEnd().split('\r\n').length - 1);
  assert.equal(fs.readFileSync(file, 'utf8'), csv);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});

test('a closed custodian refuses further calls; its handle is freed', (t) => {
  const dir = path.join(tmpdir(t), 'k');
  const c = new Custodian(dir, { masterKey: MASTER_KEY, create: true });
  c.close();
  assert.throws(() => c.verifyAudit(), /closed/);
});

// ---- memory

test('memory status: secrets in the pool while a custodian is open', (t) => {
  const { c } = setup(t, { terms: false });
  void c;
  const m = custodia.memoryProtection();
  assert.ok(m.liveSecrets > 0);
  assert.ok(m.lockedBytes + m.unlockedBytes > 0);
  assert.equal(typeof m.fullyProtected, 'boolean');
  assert.equal(typeof m.dumpable, 'boolean');
});

test('no handle or buffer is left live by a whole session', (t) => {
  const before = custodia.liveCounts();
  const dir = path.join(tmpdir(t), 'k');
  const c = new Custodian(dir, { masterKey: MASTER_KEY, create: true });
  const a = new custodia.Actor('anna', 'prosecutor', 'DE', Classification.SECRET);
  const kek = c.generateKey(a, KeyKind.KEK, 'k');
  const o = new SealOptions(Category.EVIDENCE, ['investigation'], { recipients: [kek] });
  const opened = c.open(a, c.seal(a, DATA, o), 'investigation');
  c.keys();
  c.auditEntries();
  c.legalHolds();
  opened.close();
  o.close();
  a.close();
  c.close();
  assert.deepEqual(custodia.liveCounts(), before);
});

test('disableCoreDumps makes the process not dumpable (in a child process: it cannot be undone)', () => {
  const { spawnSync } = require('node:child_process');
  const script = `const c = require(${JSON.stringify(path.join(__dirname, '..'))});
    const before = c.memoryProtection().dumpable; c.disableCoreDumps();
    console.log(JSON.stringify([before, c.memoryProtection().dumpable]));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [true, false]);
});

test('a log cut back to an earlier checkpoint is refused when the custodian reopens', (t) => {
  const dir = path.join(tmpdir(t), 'a');
  const anna = actor(t, 'anna');
  const c = new Custodian(dir, { masterKey: MASTER_KEY, create: true });
  const kek = c.generateKey(anna, KeyKind.KEK, 'local');
  const early = c.checkpoint();
  const opts = new SealOptions(Category.EVIDENCE, ['investigation'], { recipients: [kek] });
  c.open(anna, c.seal(anna, DATA, opts), 'investigation').close();
  opts.close();
  const anchor = c.checkpoint();
  assert.ok(anchor.count > early.count);
  const closing = c.close();
  assert.ok(closing.count >= anchor.count);
  const log = path.join(dir, 'audit.log');
  const lines = fs.readFileSync(log, 'utf8').split('\n');
  fs.writeFileSync(log, lines.slice(0, early.count + 1).join('\n') + '\n'); // the seal and the open vanish
  assert.throws(() => new Custodian(dir, { masterKey: MASTER_KEY }), (e) =>
    e instanceof custodia.AuditTampered && /truncated/.test(e.message));
});

test('worker threads share one custodian handle; each reads its own last error', async (t) => {
  // The handles are process-wide registry ids: four workers seal and open through the same custodian, actor and
  // options (raw calls), each provoking a refusal whose message it reads on its own thread.
  const { Worker } = require('node:worker_threads');
  const { c, anna, terms } = setup(t);
  const script = `
    const { workerData, parentPort } = require('node:worker_threads');
    const raw = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'raw.js'))});
    const C = raw.fns;
    const { custodian, actor, options, i } = workerData;
    let ok = 0;
    const refusals = [];
    for (let j = 0; j < 20; j++) {
      const data = Buffer.from('worker ' + i + ' message ' + j);
      const env = {};
      if (C.custodia_seal(custodian, actor, data, data.length, options, env) !== 0) throw new Error('seal failed');
      const sealed = Buffer.from(raw.koffi.view(env.data, env.len).slice(0));
      C.custodia_buffer_free(env);
      const purpose = j === 7 ? 'asset_recovery_' + i : 'investigation';
      const plain = {};
      const code = C.custodia_open(custodian, actor, purpose, 0, sealed, sealed.length, null, plain, null);
      if (code === 0) {
        if (Buffer.from(raw.koffi.view(plain.data, plain.len).slice(0)).equals(data)) ok++;
        C.custodia_buffer_free(plain);
      } else {
        refusals.push([code, C.custodia_last_error_message()]);
      }
    }
    parentPort.postMessage({ ok, refusals });
  `;
  const results = await Promise.all([0, 1, 2, 3].map((i) => new Promise((resolve, reject) => {
    const w = new Worker(script, { eval: true, workerData: { custodian: c.handle, actor: anna.handle,
      options: terms.handle, i } });
    w.once('message', resolve);
    w.once('error', reject);
  })));
  results.forEach((r, i) => {
    assert.equal(r.ok, 19);
    assert.equal(r.refusals.length, 1);
    assert.equal(r.refusals[0][0], 200);
    assert.match(r.refusals[0][1], new RegExp(`asset_recovery_${i} is not permitted`));
  });
  assert.equal(c.auditEntries({ kinds: ['refused'] }).length, 4);
});
