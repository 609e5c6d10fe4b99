'use strict';
// What the host plugs in through kept C callbacks: audit sinks, key providers (a host KMS, here AES-256-GCM from
// node:crypto under a host key), case keys wrapped by a provider, and Ed25519 signers held outside the keyring
// (node:crypto's Ed25519). Nothing thrown in a callback reaches the library; each failure is a typed error.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const crypto = require('node:crypto');
const { custodia, MASTER_KEY, DATA, tmpdir, later, actor } = require('./helpers');

const { Custodian, SealOptions, Category, KeyKind, KeyId } = custodia;
const HOST_KEY = new KeyId(Buffer.alloc(16, 0xab));

function open(t, dir, opts = {}) {
  const c = new Custodian(dir, { masterKey: MASTER_KEY, create: true, ...opts });
  later(t, () => c.close());
  return c;
}

// ---- audit sinks

test('a seal and open inside an audit sink get buffers and info slots of their own', (t) => {
  // A sink runs during the seal or open it reports: a seal and open it makes (here on another custodian) must not
  // overwrite the outer call's scratch buffer or envelope info.
  const dir = tmpdir(t);
  const anna = actor(t, 'anna');
  const inner = open(t, path.join(dir, 'inner'));
  const innerOpts = new SealOptions(Category.EVIDENCE, ['investigation'],
    { recipients: [inner.generateKey(anna, KeyKind.KEK, 'i')] });
  later(t, () => innerOpts.close());
  const nested = [];
  const c = open(t, path.join(dir, 'outer'), { requireAuditSinks: true, auditSinks: [(e) => {
    if (e.kind !== 'sealed' && e.kind !== 'opened') return;
    const data = crypto.randomBytes(3000);
    const env = inner.seal(anna, data, innerOpts);
    const o = inner.open(anna, env, 'investigation');
    nested.push(o.data.equals(data) && o.info.objectId === inner.inspect(env).objectId);
    o.close();
  }] });
  const opts = new SealOptions(Category.EVIDENCE, ['investigation'],
    { recipients: [c.generateKey(anna, KeyKind.KEK, 'o')] });
  later(t, () => opts.close());
  const data = crypto.randomBytes(1500);
  const env = c.seal(anna, data, opts);
  const opened = c.open(anna, env, 'investigation');
  assert.ok(opened.data.equals(data));
  assert.equal(opened.info.objectId, c.inspect(env).objectId);
  opened.close();
  assert.deepEqual(nested, [true, true]);
});


test('audit sinks get every event in log order; a failing sink is counted, or fails the operation when required', (t) => {
  const dir = tmpdir(t);
  const events = [];
  const c = open(t, path.join(dir, 'c'), { auditSinks: [(e) => events.push(e)] });
  const anna = actor(t, 'anna');
  const kek = c.generateKey(anna, KeyKind.KEK, 'k');
  const o = new SealOptions(Category.EVIDENCE, ['investigation'], { recipients: [kek] });
  later(t, () => o.close());
  const env = c.seal(anna, DATA, o);
  assert.throws(() => c.open(anna, env, 'asset_recovery'), custodia.PurposeNotPermitted);
  assert.deepEqual(events.map((e) => e.kind), ['key_generated', 'sealed', 'refused']);
  assert.equal(events[1].seq, null, 'not numbered yet');
  assert.equal(events[2].purpose, 'asset_recovery');
  const logged = c.auditEntries({ kinds: ['sealed'] })[0];
  const { seq, ...rest } = JSON.parse(logged.json);
  void seq;
  assert.deepEqual(JSON.parse(events[1].json), rest);
  assert.equal(c.auditSinkFailures(), 0);

  const failing = open(t, path.join(dir, 'f'), { auditSinks: [() => { throw new Error('sink down'); }] });
  failing.generateKey(anna, KeyKind.KEK, 'k');
  assert.equal(failing.auditSinkFailures(), 1);
  assert.equal(failing.auditSinkErrors[0].message, 'sink down');
  const strict = open(t, path.join(dir, 's'), { auditSinks: [() => { throw new Error('sink down'); }],
    requireAuditSinks: true });
  assert.throws(() => strict.generateKey(anna, KeyKind.KEK, 'k'), custodia.AuditWriteFailed);
  assert.equal(strict.auditEntries({ kinds: ['key_generated'] }).length, 1, 'the log, not the sink, is the record');
  assert.throws(() => new Custodian(path.join(dir, 'x'), { masterKey: MASTER_KEY, create: true, auditSinks: ['no'] }),
    TypeError);
});

// ---- key providers

class GcmKms extends custodia.KeyProvider {
  constructor() {
    super('node-kms');
    this.key = crypto.randomBytes(32);
    this.calls = { holds: 0, wrap: 0, unwrap: 0 };
    this.mode = 'ok';
  }

  count(what) {
    this.calls[what] += 1;
    if (this.mode === 'down') throw new custodia.ProviderUnavailable(409, 'kms is down', 'provider_unavailable');
    if (this.mode === 'bug') throw new TypeError('a bug in the host provider');
  }

  holds(keyId) {
    this.count('holds');
    return keyId.equals(HOST_KEY);
  }

  wrap(keyId, dataKey, aad) {
    this.count('wrap');
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(aad);
    return Buffer.concat([iv, c.update(dataKey), c.final(), c.getAuthTag()]);
  }

  unwrap(keyId, wrapped, aad) {
    this.count('unwrap');
    if (!keyId.equals(HOST_KEY)) return null;
    try {
      const d = crypto.createDecipheriv('aes-256-gcm', this.key, wrapped.subarray(0, 12));
      d.setAAD(aad);
      d.setAuthTag(wrapped.subarray(wrapped.length - 16));
      return Buffer.concat([d.update(wrapped.subarray(12, wrapped.length - 16)), d.final()]);
    } catch {
      throw new custodia.OpenFailed(306, 'the wrapped key does not authenticate', 'open_failed');
    }
  }
}

function providerScene(t) {
  const dir = tmpdir(t);
  const kms = new GcmKms();
  const app = open(t, path.join(dir, 'app'), { providers: [kms] });
  const anna = actor(t, 'anna');
  const opts = new SealOptions(Category.FINANCIAL_RECORDS, ['investigation'], { recipients: [HOST_KEY] });
  later(t, () => opts.close());
  return { dir, kms, app, anna, opts };
}

test('seal and open through a host provider; a refused open never calls it', (t) => {
  const { kms, app, anna, opts } = providerScene(t);
  const env = app.seal(anna, DATA, opts);
  assert.equal(kms.calls.wrap, 1);
  assert.ok(kms.calls.holds >= 1);
  const o = app.open(anna, env, 'investigation');
  assert.ok(o.data.equals(DATA));
  o.close();
  assert.equal(kms.calls.unwrap, 1);
  assert.throws(() => app.open(anna, env, 'asset_recovery'), custodia.PurposeNotPermitted);
  assert.equal(kms.calls.unwrap, 1);
});

test('a tampered wrapped key is OpenFailed; provider errors are typed and never unwind', (t) => {
  const { dir, kms, app, anna, opts } = providerScene(t);
  const env = app.seal(anna, DATA, opts);
  const at = env.indexOf(HOST_KEY.bytes);
  const tampered = Buffer.from(env);
  tampered[at + 16 + 30] ^= 1;
  assert.throws(() => app.open(anna, tampered, 'investigation'), custodia.OpenFailed);
  kms.mode = 'down';
  assert.throws(() => app.open(anna, env, 'investigation'), custodia.ProviderUnavailable);
  assert.throws(() => app.seal(anna, Buffer.from('x'), opts), custodia.ProviderUnavailable);
  kms.mode = 'bug';
  assert.throws(() => app.open(anna, env, 'investigation'), custodia.ProviderFailed);
  kms.mode = 'ok';
  app.open(anna, env, 'investigation').close();
  const other = new SealOptions(Category.FINANCIAL_RECORDS, ['investigation'], { recipients: [new KeyId(Buffer.alloc(16))] });
  assert.throws(() => app.seal(anna, Buffer.from('x'), other), custodia.KeyNotFound);
  other.close();
  const bare = open(t, path.join(dir, 'bare'));
  assert.throws(() => bare.open(anna, env, 'investigation'), custodia.NoMatchingRecipient);
  assert.throws(() => new Custodian(path.join(dir, 'y'), { masterKey: MASTER_KEY, create: true, providers: [{}] }),
    TypeError);
});

test('case keys wrapped by a provider: one unwrap per case and cache period; shredding reaches every worker', (t) => {
  const dir = tmpdir(t);
  const kms = new GcmKms();
  const cases = path.join(dir, 'cases');
  const cached = { provider: kms, kek: HOST_KEY, cacheTtlSecs: 300, cacheMaxUses: 100 };
  const w1 = open(t, cases, { caseKeys: cached });
  const w2 = open(t, cases, { caseKeys: cached, create: false });
  const w3 = open(t, cases, { caseKeys: { provider: kms, kek: HOST_KEY, cacheTtlSecs: 0, cacheMaxUses: 0 } });
  const anna = actor(t, 'anna');
  const key = w1.caseKey(anna, 'MLA-2026-0042');
  assert.equal(kms.calls.wrap, 1);
  const o = new SealOptions(Category.FINANCIAL_RECORDS, ['investigation'], { recipients: [key], caseRef: 'MLA-2026-0042' });
  const envs = [0, 1, 2].map((i) => w1.seal(anna, Buffer.concat([DATA, Buffer.from([i])]), o));
  o.close();
  let before = kms.calls.unwrap;
  for (let round = 0; round < 2; round++) {
    envs.forEach((env, i) => {
      const opened = w2.open(anna, env, 'investigation');
      assert.ok(opened.data.equals(Buffer.concat([DATA, Buffer.from([i])])));
      opened.close();
    });
  }
  assert.equal(kms.calls.unwrap, before + 1, 'six opens, one provider call');
  before = kms.calls.unwrap;
  for (const env of envs.slice(0, 2)) w3.open(anna, env, 'investigation').close();
  assert.equal(kms.calls.unwrap, before + 2, 'no cache: one call per open');
  w1.destroyKey(anna, key, 'case closed, retention ended');
  before = kms.calls.unwrap;
  for (const env of envs) assert.throws(() => w2.open(anna, env, 'investigation'), custodia.KeyDestroyed);
  assert.equal(kms.calls.unwrap, before);
});

// ---- signers held outside

class Hsm extends custodia.Signer {
  constructor() {
    super();
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
    this.pub = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
    this.priv = privateKey;
    this.signed = 0;
    this.mode = 'ok';
  }

  publicKey() {
    return this.pub;
  }

  sign(message) {
    this.signed += 1;
    if (this.mode === 'down') throw new custodia.ProviderUnavailable(409, 'hsm unreachable', 'provider_unavailable');
    if (this.mode === 'bug') throw new Error('bug');
    if (this.mode === 'garbage') return crypto.randomBytes(64);
    if (this.mode === 'short') return Buffer.alloc(10);
    if (this.mode === 'other-key') return crypto.sign(null, message, crypto.generateKeyPairSync('ed25519').privateKey);
    return crypto.sign(null, message, this.priv);
  }
}

test('an envelope signed outside verifies, and the keyring holds no secret of that key', (t) => {
  const hsm = new Hsm();
  const keyId = hsm.keyId();
  const c = open(t, path.join(tmpdir(t), 'c'), { signers: [hsm] });
  const anna = actor(t, 'anna');
  const kek = c.generateKey(anna, KeyKind.KEK, 'team');
  const opts = new SealOptions(Category.FINANCIAL_RECORDS, ['investigation'], { recipients: [kek], signer: keyId });
  later(t, () => opts.close());
  const env = c.seal(anna, DATA, opts);
  assert.equal(hsm.signed, 1);
  assert.ok(c.inspect(env).signer.equals(keyId));
  const o = c.open(anna, env, 'investigation', { requiredSigner: keyId });
  assert.ok(o.data.equals(DATA));
  o.close();
  const local = c.generateKey(anna, KeyKind.ED25519, 'a key of this keyring');
  assert.throws(() => c.open(anna, env, 'investigation', { requiredSigner: local }), custodia.SignerMismatch);
  const info = c.key(keyId);
  assert.equal(info.kind, KeyKind.ED25519);
  assert.equal(info.hasSecret, false);
  for (const mode of ['other-key', 'garbage', 'short', 'bug']) {
    hsm.mode = mode;
    assert.throws(() => c.seal(anna, DATA, opts), custodia.ProviderFailed, mode);
  }
  hsm.mode = 'down';
  assert.throws(() => c.seal(anna, DATA, opts), custodia.ProviderUnavailable);
  hsm.mode = 'ok';
  c.seal(anna, DATA, opts);
});

test('an audit log signed outside verifies and needs its signer', (t) => {
  const hsm = new Hsm();
  const d = path.join(tmpdir(t), 'c');
  const anna = actor(t, 'anna');
  const c = new Custodian(d, { masterKey: MASTER_KEY, create: true, auditSigner: hsm });
  const kek = c.generateKey(anna, KeyKind.KEK, 'team');
  const opts = new SealOptions(Category.FINANCIAL_RECORDS, ['investigation'], { recipients: [kek] });
  later(t, () => opts.close());
  c.open(anna, c.seal(anna, DATA, opts), 'investigation').close();
  const report = c.verifyAudit();
  assert.ok(report.entries >= 3 && hsm.signed >= report.entries, 'every entry signed outside');
  c.checkpoint().verify(c.auditPublicKey());
  c.close();
  assert.throws(() => new Custodian(d, { masterKey: MASTER_KEY }), custodia.InvalidArgument);
  assert.throws(() => new Custodian(d, { masterKey: MASTER_KEY, auditSigner: new Hsm() }), custodia.AuditWrongKey);
  const again = open(t, d, { auditSigner: hsm, create: false });
  hsm.mode = 'garbage';
  assert.throws(() => again.seal(anna, DATA, opts), custodia.AuditWriteFailed);
  hsm.mode = 'ok';
  again.seal(anna, DATA, opts);
  again.verifyAudit();
  const liar = new Hsm();
  liar.mode = 'other-key';
  assert.throws(() => new Custodian(path.join(tmpdir(t), 'd'), { masterKey: MASTER_KEY, create: true, auditSigner: liar }),
    custodia.ProviderFailed);
});

test('invalid signers are refused', (t) => {
  const base = tmpdir(t);
  const weak = new Hsm();
  weak.pub = Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]); // the identity point
  assert.throws(() => new Custodian(path.join(base, 'a'), { masterKey: MASTER_KEY, create: true, signers: [weak] }),
    custodia.InvalidArgument);
  const short = new Hsm();
  short.pub = Buffer.alloc(31);
  assert.throws(() => new Custodian(path.join(base, 'b'), { masterKey: MASTER_KEY, create: true, auditSigner: short }),
    TypeError);
  assert.throws(() => new Custodian(path.join(base, 'c'), { masterKey: MASTER_KEY, create: true, signers: [{}] }),
    TypeError);
});
