'use strict';
// Between authorities: grants (rule of speciality), disclosure receipts, access policy; and streaming (files,
// descriptors, sync objects through the C callbacks, and a Node Readable over the random-access reader).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { pipeline } = require('node:stream/promises');
const { custodia, MASTER_KEY, DATA, tmpdir, later, setup, actor } = require('./helpers');

const { Custodian, SealOptions, Category, Classification, KeyKind, ExceptionGround, Grant, Receipt } = custodia;
const LETTER = 'DE request letter 2026/118';
const soon = () => Math.floor(Date.now() / 1000) + 30 * 86400;
const STATEMENT = Buffer.from('IBAN NL91ABNA0417164300: 1,204,331.17 EUR moved to FR76 3000 6000 0112 3456');

function open(t, dir, name, key = MASTER_KEY) {
  const c = new Custodian(path.join(dir, name), { masterKey: key, create: true });
  later(t, () => c.close());
  return c;
}

function lastEntry(c) {
  const lines = fs.readFileSync(c.auditPath, 'utf8').trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

function world(t) {
  const dir = tmpdir(t);
  const de = open(t, dir, 'de');
  const nl = open(t, dir, 'nl');
  const fr = open(t, dir, 'fr');
  const anna = actor(t, 'anna', 'DE');
  const jan = new custodia.Actor('jan', 'central_authority', 'NL', Classification.SECRET);
  const claire = new custodia.Actor('claire', 'magistrate', 'FR', Classification.SECRET);
  later(t, () => { jan.close(); claire.close(); });
  const signer = de.generateKey(anna, KeyKind.ED25519, 'DE signing');
  const nlKey = de.importPublic(anna, nl.exportPublic(nl.generateKey(jan, KeyKind.X25519, 'NL')), 'NL', 'NL');
  const frKey = nl.importPublic(jan, fr.exportPublic(fr.generateKey(claire, KeyKind.X25519, 'FR')), 'FR', 'FR');
  const terms = new SealOptions(Category.FINANCIAL_RECORDS, ['investigation', 'mla.execution'],
    { destinations: ['NL'], recipients: [nlKey], signer });
  const envelope = de.seal(anna, STATEMENT, terms);
  terms.close();
  return { dir, de, nl, fr, anna, jan, claire, signer, frKey, envelope, objectId: nl.inspect(envelope).objectId };
}

// ---- grants

test('an onward transfer needs the originator\'s grant; forged grants are refused, the genuine one goes through', (t) => {
  const w = world(t);
  const before = w.nl.unwrapAttempts();
  assert.throws(() => w.nl.rewrap(w.jan, w.envelope, 'mla.execution', { add: [w.frKey] }), (e) =>
    e instanceof custodia.OnwardTransferNotGranted && e.code === 215 && e.isRefusal && /originator/.test(e.message));
  assert.equal(lastEntry(w.nl).kind, 'refused');
  const grant = w.de.issueOnwardTransferGrant(w.anna, w.signer, w.objectId, 'Parquet national financier', 'FR',
    w.frKey, soon(), LETTER);
  assert.ok(grant.toString().startsWith('-----BEGIN CUSTODIA GRANT-----\n'));
  assert.equal(grant.id.length, 32);
  assert.equal(lastEntry(w.de).kind, 'grant_issued');
  assert.ok(new Grant(grant.toString()).equals(grant));
  const text = grant.toString();
  const at = text.length - '-----END CUSTODIA GRANT-----\n'.length - 8;
  const forged = new Grant(text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1));
  assert.throws(() => w.nl.rewrap(w.jan, w.envelope, 'mla.execution', { add: [w.frKey], grant: forged }),
    (e) => e instanceof custodia.OnwardTransferNotGranted && /signature does not verify/.test(e.message));
  assert.throws(() => new Grant(Buffer.from('hello')), (e) => e instanceof custodia.GrantInvalid && e.code === 312);
  assert.equal(w.nl.unwrapAttempts(), before);
  const shared = w.nl.rewrap(w.jan, w.envelope, 'mla.execution', { add: [w.frKey], grant });
  const entry = lastEntry(w.nl);
  assert.equal(entry.kind, 'shared');
  assert.equal(entry.detail.grant, grant.id);
  const o = w.fr.open(w.claire, shared, 'investigation');
  assert.ok(o.data.equals(STATEMENT));
  o.close();
  assert.equal(w.fr.envelopeGrants(shared).length, 1);
  assert.equal(w.fr.envelopeGrants(shared)[0].id, grant.id);
});

test('a purpose extension needs the originator\'s grant', (t) => {
  const w = world(t);
  assert.throws(() => w.nl.open(w.jan, w.envelope, 'prosecution'), custodia.PurposeNotPermitted);
  const onward = w.de.issueOnwardTransferGrant(w.anna, w.signer, w.objectId, 'PNF', 'FR', w.frKey, soon(), LETTER);
  assert.throws(() => w.nl.extendPurposes(w.jan, w.envelope, onward), (e) =>
    e instanceof custodia.PurposeExtensionNotGranted && e.code === 216 && /not a purpose extension/.test(e.message));
  assert.throws(() => w.de.issuePurposeExtensionGrant(w.anna, w.signer, w.objectId, [], soon(), LETTER),
    custodia.NoPurpose);
  assert.throws(() => w.de.issuePurposeExtensionGrant(w.anna, w.signer, 'not hex', ['prosecution'], soon(), LETTER),
    custodia.InvalidArgument);
  const grant = w.de.issuePurposeExtensionGrant(w.anna, w.signer, w.objectId, ['prosecution'], soon(), LETTER);
  const extended = w.nl.extendPurposes(w.jan, w.envelope, grant);
  assert.equal(lastEntry(w.nl).kind, 'grant_applied');
  const o = w.nl.open(w.jan, extended, 'prosecution.trial');
  assert.ok(o.data.equals(STATEMENT));
  o.close();
});

// ---- receipts

function receiptScene(t) {
  const dir = tmpdir(t);
  const de = open(t, dir, 'de', Buffer.alloc(32));
  const nl = open(t, dir, 'nl');
  const anna = actor(t, 'anna', 'DE');
  const jan = actor(t, 'jan', 'NL');
  const nlX = nl.generateKey(jan, KeyKind.X25519, 'NL central authority');
  const signer = nl.generateKey(jan, KeyKind.ED25519, 'NL receipts');
  const toNl = de.importPublic(anna, nl.exportPublic(nlX), 'NL', 'NL');
  de.importPublic(anna, nl.exportPublic(signer), 'NL receipts', 'NL');
  const o = new SealOptions(Category.FINANCIAL_RECORDS, ['investigation', 'mla.execution'],
    { caseRef: 'MLA-2026-0042', destinations: ['NL'], recipients: [toNl] });
  const envelope = de.seal(anna, DATA, o);
  o.close();
  const info = nl.receive(jan, envelope);
  nl.open(jan, envelope, 'investigation').close();
  assert.throws(() => nl.open(jan, envelope, 'asset_recovery'), custodia.PurposeNotPermitted);
  const ns = ExceptionGround.nationalSecurity('Decision AIVD 2026/3',
    'The account funds an imminent attack on critical infrastructure here');
  nl.open(jan, envelope, 'asset_recovery', { exception: ns }).close();
  ns.close();
  return { dir, de, nl, anna, jan, signer, envelope, objectId: info.objectId };
}

test('a disclosure receipt: issued, read item by item, verified with the public key alone, imported and found', (t) => {
  const s = receiptScene(t);
  const receipt = s.nl.issueReceipt(s.jan, s.objectId, s.signer);
  assert.deepEqual(receipt.kinds(), ['received', 'opened', 'refused', 'exception_used', 'opened']);
  assert.equal(receipt.items[1].get('purpose'), 'investigation');
  assert.equal(receipt.items[1].get('role'), 'investigator');
  assert.equal(receipt.items[1].get('actor'), null);
  assert.equal(receipt.items[2].get('refusal'), 'purpose_not_permitted');
  assert.equal(receipt.items[3].get('exception_kind'), 'national_security');
  assert.equal(receipt.caseRef, 'MLA-2026-0042');
  assert.ok(receipt.issuer.equals(s.signer));
  assert.equal(receipt.objectId, s.objectId);
  receipt.verify(s.nl.exportPublic(s.signer));
  assert.ok(receipt.armored.startsWith('-----BEGIN CUSTODIA RECEIPT-----\n'));
  const named = s.nl.issueReceipt(s.jan, s.objectId, s.signer, { nameActors: true });
  assert.equal(named.items[1].get('actor'), 'jan');
  const before = s.de.unwrapAttempts();
  const imported = s.de.importReceipt(s.anna, receipt.armored);
  assert.ok(imported.equals(receipt));
  assert.ok(s.de.receiptsForObject(s.objectId)[0].equals(receipt));
  assert.equal(s.de.receiptsForCase('MLA-2026-0042').length, 1);
  assert.deepEqual(s.de.receiptsForCase('MLA-2026-9999'), []);
  assert.equal(s.de.unwrapAttempts(), before);
});

test('hostile receipts: another signer (314), edited, truncated, oversized (313), not applicable (220)', (t) => {
  const s = receiptScene(t);
  const receipt = s.nl.issueReceipt(s.jan, s.objectId, s.signer);
  const text = receipt.armored;
  const forger = s.nl.generateKey(s.jan, KeyKind.ED25519, 'forger');
  const forged = s.nl.issueReceipt(s.jan, s.objectId, forger);
  assert.throws(() => s.de.importReceipt(s.anna, forged), (e) => e instanceof custodia.ReceiptIssuerUnknown && e.code === 314);
  assert.throws(() => forged.verify(s.nl.exportPublic(s.signer)), custodia.ReceiptIssuerUnknown);
  const lines = text.split('\n');
  lines[1] = (lines[1][0] === 'A' ? 'B' : 'A') + lines[1].slice(1);
  assert.throws(() => s.de.importReceipt(s.anna, lines.join('\n')), (e) => e instanceof custodia.ReceiptInvalid && e.code === 313);
  assert.throws(() => new Receipt(lines.join('\n')), custodia.ReceiptInvalid);
  assert.throws(() => s.de.importReceipt(s.anna, text.slice(0, text.length >> 1)), custodia.ReceiptInvalid);
  assert.throws(() => s.de.importReceipt(s.anna, 'A'.repeat(200000)), custodia.ReceiptInvalid);
  assert.throws(() => s.nl.issueReceipt(s.jan, '00'.repeat(16), s.signer), (e) =>
    e instanceof custodia.ReceiptNotApplicable && e instanceof custodia.Refused && e.code === 220);
  assert.deepEqual(s.de.receiptsForObject(s.objectId), []);
});

// ---- access policy and four eyes

test('an access policy in force refuses a colleague who is not on the case team', (t) => {
  const { c, anna, terms } = setup(t);
  const env = c.seal(anna, DATA, terms);
  const policy = new custodia.AccessPolicy('version = 1\n[[cases.team]]\ncase = "MLA-2026-0042"\nactors = ["anna"]\n');
  later(t, () => policy.close());
  assert.match(policy.sha256(), /^[0-9a-f]{64}$/);
  c.setAccessPolicy(anna, policy);
  c.open(anna, env, 'investigation').close();
  const bo = actor(t, 'bo', 'DE');
  assert.throws(() => c.open(bo, env, 'investigation'), (e) => e instanceof custodia.NotOnCase && e.code === 210);
  assert.throws(() => new custodia.AccessPolicy('version = 1\ncolour = "red"\n'), (e) =>
    e instanceof custodia.PolicyInvalid && e instanceof custodia.InvalidArgument && /line 2/.test(e.message));
  assert.throws(() => custodia.AccessPolicy.load(path.join(tmpdir(t), 'missing.toml')), custodia.CustodiaError);
});

// ---- streaming

function bigFile(dir, n = 300000) {
  const p = path.join(dir, 'statement.bin');
  fs.writeFileSync(p, crypto.randomBytes(n));
  return p;
}

test('files: sealFile/openFile, and the envelope opens as a buffer too', (t) => {
  const { dir, c, anna, terms } = setup(t);
  const plain = bigFile(dir);
  c.sealFile(anna, plain, path.join(dir, 's.cust'), terms);
  const info = c.openFile(anna, path.join(dir, 's.cust'), path.join(dir, 's.out'), 'investigation');
  assert.equal(info.caseRef, 'MLA-2026-0042');
  assert.ok(fs.readFileSync(path.join(dir, 's.out')).equals(fs.readFileSync(plain)));
  assert.throws(() => c.openFile(anna, path.join(dir, 's.cust'), path.join(dir, 'r.out'), 'asset_recovery'),
    custodia.PurposeNotPermitted);
  assert.ok(!fs.existsSync(path.join(dir, 'r.out')), 'a refused open leaves no file');
  assert.throws(() => c.sealFile(anna, path.join(dir, 'missing'), path.join(dir, 'x'), terms), custodia.IoFault);
});

test('streams through the C callbacks over file descriptors, in constant memory', (t) => {
  const { dir, c, anna, terms } = setup(t);
  const plain = bigFile(dir, 3 * 1024 * 1024 + 17);
  const sealed = path.join(dir, 's.cust');
  const out = path.join(dir, 's.out');
  let src = fs.openSync(plain, 'r');
  let dst = fs.openSync(sealed, 'w');
  c.sealStream(anna, src, dst, terms);
  fs.closeSync(src);
  fs.closeSync(dst);
  src = fs.openSync(sealed, 'r');
  dst = fs.openSync(out, 'w');
  const info = c.openStream(anna, src, dst, 'investigation');
  fs.closeSync(src);
  fs.closeSync(dst);
  assert.equal(info.caseRef, 'MLA-2026-0042');
  assert.ok(fs.readFileSync(out).equals(fs.readFileSync(plain)));
  const o = c.open(anna, fs.readFileSync(sealed), 'investigation');
  assert.ok(o.data.equals(fs.readFileSync(plain)));
  o.close();
});

test('streams over sync objects; a refusal writes nothing; a callback error surfaces as itself', (t) => {
  const { c, anna, terms } = setup(t);
  const input = crypto.randomBytes(200000);
  let pos = 0;
  const source = { read(target) { const n = Math.min(target.length, input.length - pos); target.set(input.subarray(pos, pos + n)); pos += n; return n; } };
  const chunks = [];
  c.sealStream(anna, source, { write: (chunk) => chunks.push(chunk) }, terms);
  const envelope = Buffer.concat(chunks);
  const fromBuffer = (buf) => { let p = 0; return { read(t2) { const n = Math.min(t2.length, buf.length - p); t2.set(buf.subarray(p, p + n)); p += n; return n; } }; };
  const plain = [];
  c.openStream(anna, fromBuffer(envelope), { write: (chunk) => plain.push(chunk) }, 'investigation');
  assert.ok(Buffer.concat(plain).equals(input));
  const refused = [];
  assert.throws(() => c.openStream(anna, fromBuffer(envelope), { write: (ch) => refused.push(ch) }, 'asset_recovery'),
    custodia.PurposeNotPermitted);
  assert.equal(refused.length, 0);
  const broken = { read() { throw new Error('disk on fire'); } };
  assert.throws(() => c.sealStream(anna, broken, { write() {} }, terms), (e) => e.message === 'disk on fire' &&
    e.cause instanceof custodia.CustodiaError);
  const tampered = Buffer.from(envelope);
  tampered[tampered.length - 100] ^= 1;
  const partial = [];
  assert.throws(() => c.openStream(anna, fromBuffer(tampered), { write: (ch) => partial.push(ch) }, 'investigation'),
    custodia.OpenFailed);
});

test('a Node Readable over the random-access reader: piped to a file, read at offsets, refused before it exists', async (t) => {
  const { dir, c, anna, terms, kek } = setup(t);
  const plain = bigFile(dir, 1024 * 1024 + 5);
  const sealed = path.join(dir, 's.cust');
  const opts = new SealOptions(Category.EVIDENCE, ['investigation'], { recipients: [kek], chunkSize: 65536 });
  later(t, () => opts.close());
  c.sealFile(anna, plain, sealed, opts);
  const out = path.join(dir, 'piped.out');
  await pipeline(c.createOpenStream(anna, sealed, 'investigation'), fs.createWriteStream(out));
  assert.ok(fs.readFileSync(out).equals(fs.readFileSync(plain)));
  const reader = c.openReader(anna, sealed, 'investigation');
  assert.equal(reader.length, 1024 * 1024 + 5);
  const buf = Buffer.alloc(100);
  assert.equal(reader.readAt(65536 - 50, buf), 100, 'across a chunk boundary');
  assert.ok(buf.equals(fs.readFileSync(plain).subarray(65536 - 50, 65536 + 50)));
  assert.equal(reader.readAt(reader.length, buf), 0);
  reader.close();
  assert.throws(() => c.createOpenStream(anna, sealed, 'asset_recovery'), custodia.PurposeNotPermitted);
  void terms;
  const fd = fs.openSync(sealed, 'r');
  const r2 = c.openReader(anna, fd, 'investigation');
  fs.closeSync(fd);
  const chunks = [];
  for await (const chunk of r2.createReadStream({ chunkSize: 4096 })) chunks.push(chunk);
  assert.ok(Buffer.concat(chunks).equals(fs.readFileSync(plain)));
  assert.ok(r2.closed, 'the reader is closed at the end of the stream');
});

test('a chunk changed after sealing is refused at read time; the stream errors', async (t) => {
  const { dir, c, anna, kek } = setup(t, { terms: false });
  const plain = bigFile(dir, 300000);
  const sealed = path.join(dir, 's.cust');
  const opts = new SealOptions(Category.EVIDENCE, ['investigation'], { recipients: [kek], chunkSize: 65536 });
  c.sealFile(anna, plain, sealed, opts);
  opts.close();
  const bytes = fs.readFileSync(sealed);
  bytes[150000] ^= 1; // inside a middle chunk: the reader opens, the read of that chunk is refused
  fs.writeFileSync(sealed, bytes);
  await assert.rejects(pipeline(c.createOpenStream(anna, sealed, 'investigation'), fs.createWriteStream(path.join(dir, 'o'))),
    custodia.EnvelopeError);
});

test('need-to-know, role and transfer rules, and four eyes (an approval signed by another custodian)', (t) => {
  const dir = tmpdir(t);
  const nl = open(t, dir, 'nl');
  const head = open(t, dir, 'head', Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1)));
  const mk = (user, role = 'prosecutor') => {
    const a = new custodia.Actor(user, role, 'NL', Classification.SECRET);
    later(t, () => a.close());
    return a;
  };
  const anna = mk('anna.schmidt');
  const bob = mk('bob');
  const chief = mk('head.of.unit', 'central_authority');
  const SECRET = Buffer.from('witness W-17');
  const WHY = 'The witness is in immediate danger and the court ordered the disclosure now';
  const kek = nl.generateKey(anna, KeyKind.KEK, 'kek');
  const headKey = head.generateKey(chief, KeyKind.ED25519, 'approvals');
  const opts = new SealOptions(Category.WITNESS_IDENTITY, ['witness_protection'], { caseRef: 'MLA-2026-0042',
    origin: 'NL', recipients: [kek] });
  const env = nl.seal(anna, SECRET, opts);
  opts.close();
  const policy = new custodia.AccessPolicy('version = 1\n' +
    '[roles.prosecutor]\ncategories = ["witness_identity"]\n' +
    'purposes = ["investigation", "prosecution", "witness_protection"]\n' +
    '[[cases.team]]\ncase = "MLA-2026-0042"\nactors = ["anna.schmidt"]\n' +
    '[[transfers.rule]]\ncategory = "witness_identity"\nto = "*"\ndecision = "legal_basis"\n' +
    '[four_eyes]\ncategories = ["witness_identity"]\n' +
    `[[four_eyes.approver]]\nid = "head.of.unit"\nkey = "${head.exportPublic(headKey)}"\n`);
  nl.setAccessPolicy(anna, policy);
  assert.equal(lastEntry(nl).kind, 'policy_changed');
  assert.equal(lastEntry(nl).detail.sha256, policy.sha256());
  policy.close();
  const before = nl.unwrapAttempts();
  assert.throws(() => nl.open(bob, env, 'witness_protection'), (e) => e instanceof custodia.NotOnCase &&
    /bob is not on case MLA-2026-0042/.test(e.message));
  assert.throws(() => nl.open(anna, env, 'mla.execution'), custodia.RoleNotPermitted);
  assert.equal(nl.unwrapAttempts(), before);
  nl.open(anna, env, 'witness_protection').close();
  const abroad = new SealOptions(Category.WITNESS_IDENTITY, ['witness_protection'], { origin: 'NL',
    destinations: ['DE'], recipients: [kek] });
  assert.throws(() => nl.seal(anna, SECRET, abroad), (e) => e instanceof custodia.LegalBasisRequired && e.code === 213);
  abroad.close();

  const order = ExceptionGround.courtOrder('OLG 1/26', WHY);
  later(t, () => order.close());
  assert.throws(() => nl.open(anna, env, 'prosecution', { exception: order }), (e) =>
    e instanceof custodia.ApprovalRequired && /none was given/.test(e.message));
  const request = { objectId: nl.inspect(env).objectId, purpose: 'prosecution', kind: custodia.ExceptionKind.COURT_ORDER,
    reference: 'OLG 1/26', notAfter: 2 ** 40 };
  assert.throws(() => head.approveException(chief, headKey, { ...request, actorId: 'head.of.unit' }),
    custodia.InvalidArgument);
  const approval = head.approveException(chief, headKey, { ...request, actorId: 'anna.schmidt' });
  assert.ok(approval.startsWith('custodia-approval:'));
  assert.equal(lastEntry(head).kind, 'exception_approved');
  for (const bad of ['custodia-approval:AAAA', 'hello', approval.slice(0, -4)]) {
    assert.throws(() => order.withApproval(bad), custodia.ApprovalInvalid);
  }
  const other = head.approveException(chief, headKey, { ...request, actorId: 'anna.schmidt', purpose: 'investigation' });
  const wrong = order.withApproval(other);
  assert.throws(() => nl.open(anna, env, 'prosecution', { exception: wrong }), (e) =>
    e instanceof custodia.ApprovalRequired && /purpose/.test(e.message));
  wrong.close();
  assert.equal(nl.unwrapAttempts(), before + 1);
  const approved = order.withApproval(approval);
  const o = nl.open(anna, env, 'prosecution', { exception: approved });
  approved.close();
  assert.ok(o.data.equals(SECRET));
  o.close();
  const used = nl.auditEntries({ kinds: ['exception_used'] }).pop();
  assert.equal(JSON.parse(used.json).detail.approver, 'head.of.unit');
});

// ---- Node streams (a worker thread runs the C streaming call)

test('sealNodeStream / openNodeStream: a Readable into a Writable both ways, the envelope an ordinary one', async (t) => {
  const { dir, c, anna, terms } = setup(t);
  const plain = bigFile(dir, 2 * 1024 * 1024 + 7);
  const sealed = path.join(dir, 's.cust');
  const out = fs.createWriteStream(sealed);
  await c.sealNodeStream(anna, fs.createReadStream(plain, { highWaterMark: 10000 }), out, terms);
  await new Promise((resolve) => out.end(resolve));
  const o = c.open(anna, fs.readFileSync(sealed), 'investigation');
  assert.ok(o.data.equals(fs.readFileSync(plain)));
  o.close();
  const chunks = [];
  const sink = new (require('node:stream').Writable)({ write(chunk, enc, cb) { chunks.push(Buffer.from(chunk)); cb(); } });
  const info = await c.openNodeStream(anna, fs.createReadStream(sealed), sink, 'prosecution');
  assert.equal(info.caseRef, 'MLA-2026-0042');
  assert.ok(Buffer.concat(chunks).equals(fs.readFileSync(plain)));
  // Any async iterable of bytes is a source.
  async function* pieces() { yield Buffer.from('IBAN '); yield new Uint8Array([78, 76]); yield '91'; }
  const parts = [];
  const collect = new (require('node:stream').Writable)({ write(chunk, enc, cb) { parts.push(Buffer.from(chunk)); cb(); } });
  await c.sealNodeStream(anna, pieces(), collect, terms);
  const back = c.open(anna, Buffer.concat(parts), 'investigation');
  assert.equal(back.data.expose().toString(), 'IBAN NL91');
  back.close();
});

test('Node streams: a refusal writes nothing; source, sink and tampering errors come back typed', async (t) => {
  const { dir, c, anna, terms } = setup(t);
  const { Readable, Writable } = require('node:stream');
  const envelope = c.seal(anna, crypto.randomBytes(300000), terms);
  const written = [];
  const sink = () => new Writable({ write(chunk, enc, cb) { written.push(chunk); cb(); } });
  await assert.rejects(c.openNodeStream(anna, Readable.from([envelope]), sink(), 'asset_recovery'),
    (e) => e instanceof custodia.PurposeNotPermitted && e.code === 200);
  assert.equal(written.length, 0);
  async function* broken() { yield Buffer.from('abc'); throw new Error('disk on fire'); }
  await assert.rejects(c.sealNodeStream(anna, broken(), sink(), terms),
    (e) => e.message === 'disk on fire' && e.cause instanceof custodia.CustodiaError);
  const failing = new Writable({ write(chunk, enc, cb) { cb(new Error('sink full')); } });
  await assert.rejects(c.sealNodeStream(anna, Readable.from([Buffer.alloc(200000)]), failing, terms),
    (e) => e.message === 'sink full');
  const tampered = Buffer.from(envelope);
  tampered[tampered.length - 100] ^= 1;
  await assert.rejects(c.openNodeStream(anna, Readable.from([tampered]), sink(), 'investigation'), custodia.OpenFailed);
  await assert.rejects(c.sealNodeStream(anna, 'not a stream', sink(), terms), TypeError);
  void dir;
});
