'use strict';
// Re-wrapping and sharing pass the policy gate: a protected witness's identity is refused to Mallory (FR, clearance
// public) as an open and as every re-wrap, with no key touched and the refusal recorded; then what a share needs.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { custodia, tmpdir, later } = require('./helpers');

const { Custodian, SealOptions, Category, Classification, KeyKind } = custodia;
const ADDRESS = Buffer.from('witness W-17: safe house at Keizersgracht 000, Amsterdam');

function scene(t) {
  const dir = tmpdir(t);
  const nl = new Custodian(path.join(dir, 'nl'), { masterKey: Buffer.from(Array.from({ length: 32 }, (_, i) => i)), create: true });
  const outside = new Custodian(path.join(dir, 'out'), { masterKey: Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1)), create: true });
  const mallory = new custodia.Actor('mallory', 'clerk', 'FR', Classification.PUBLIC);
  const jan = new custodia.Actor('jan', 'central_authority', 'NL', Classification.SECRET);
  later(t, () => { mallory.close(); jan.close(); outside.close(); nl.close(); });
  return { nl, outside, mallory, jan };
}

function sealWitness(c, actor, kek, purposes, signer = null) {
  const terms = new SealOptions(Category.WITNESS_IDENTITY, purposes, { caseRef: 'MLA-2026-0042', origin: 'DE',
    destinations: ['NL'], recipients: [kek], signer });
  try {
    return c.seal(actor, ADDRESS, terms);
  } finally {
    terms.close();
  }
}

function lastEntry(c) {
  const lines = fs.readFileSync(c.auditPath, 'utf8').trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

function assertRefusalRecorded(c, actor, operation, kind) {
  const e = lastEntry(c);
  assert.equal(e.kind, 'refused');
  assert.equal(e.actor.id, actor);
  assert.equal(e.detail.operation, operation);
  assert.equal(e.outcome.kind, kind);
}

test('the attack is refused on every re-wrap path, and no key is touched', (t) => {
  const { nl, outside, mallory, jan } = scene(t);
  const kek = nl.generateKey(jan, KeyKind.KEK, 'NL witness protection');
  const envelope = sealWitness(nl, jan, kek, ['witness_protection']);
  const held = outside.generateKey(mallory, KeyKind.X25519, "mallory's own");
  const imported = nl.importPublic(mallory, outside.exportPublic(held), 'a partner authority', 'NL');
  assert.ok(imported.equals(held));
  assert.equal(nl.key(imported).jurisdiction, 'NL');
  assert.equal(nl.key(kek).jurisdiction, null);
  assert.throws(() => nl.open(mallory, envelope, 'witness_protection'), custodia.ClearanceInsufficient);
  const before = nl.unwrapAttempts();
  for (const purpose of ['witness_protection', 'mla.execution']) {
    assert.throws(() => nl.rewrap(mallory, envelope, purpose, { add: [imported] }), (e) =>
      e instanceof custodia.ClearanceInsufficient && e.isRefusal && e.code === 203);
    assertRefusalRecorded(nl, 'mallory', 'share', 'clearance_insufficient');
    assert.equal(lastEntry(nl).purpose, purpose);
  }
  assert.throws(() => nl.rewrap(mallory, envelope, 'witness_protection', { remove: [kek] }), custodia.ClearanceInsufficient);
  assertRefusalRecorded(nl, 'mallory', 'rewrap', 'clearance_insufficient');
  nl.rotate(jan, kek);
  assert.throws(() => nl.rewrapRotated(mallory, envelope), custodia.ClearanceInsufficient);
  assertRefusalRecorded(nl, 'mallory', 'rewrap_rotated', 'clearance_insufficient');
  assert.equal(nl.unwrapAttempts(), before);
  assert.equal(nl.auditEntries({ kinds: ['shared'] }).length, 0);
});

test('sharing needs mla.execution and a permitted jurisdiction', (t) => {
  const { nl, outside, mallory, jan } = scene(t);
  const kek = nl.generateKey(jan, KeyKind.KEK, 'NL witness protection');
  const signer = nl.generateKey(jan, KeyKind.ED25519, 'NL signing');
  const envelope = sealWitness(nl, jan, kek, ['witness_protection', 'mla.execution'], signer);
  const partnerKey = outside.generateKey(mallory, KeyKind.X25519, 'NL partner');
  const partner = nl.importPublic(jan, outside.exportPublic(partnerKey), 'NL partner', 'NL');
  const frKey = outside.generateKey(mallory, KeyKind.X25519, 'FR authority');
  const fr = nl.importPublic(jan, outside.exportPublic(frKey), 'FR authority', 'FR');
  assert.throws(() => nl.importPublic(jan, outside.exportPublic(frKey), 'FR authority', 'XX'), custodia.InvalidJurisdiction);
  assert.throws(() => nl.importPublic(jan, outside.exportPublic(frKey), 'FR authority', 'NL'), custodia.Conflict);
  const before = nl.unwrapAttempts();
  assert.throws(() => nl.rewrap(jan, envelope, 'witness_protection', { add: [partner] }), (e) =>
    e instanceof custodia.TransferNotPermitted && e.code === 207 && /mla\.execution/.test(e.message));
  assertRefusalRecorded(nl, 'jan', 'share', 'transfer_not_permitted');
  assert.throws(() => nl.rewrap(jan, envelope, 'mla.execution', { add: [fr] }), (e) =>
    e instanceof custodia.RecipientNotPermitted && e.code === 208 && /FR/.test(e.message));
  assertRefusalRecorded(nl, 'jan', 'share', 'recipient_not_permitted');
  assert.throws(() => nl.rewrap(jan, envelope, 'investigation', { add: [kek] }), custodia.PurposeNotPermitted);
  assert.equal(nl.unwrapAttempts(), before);
  const shared = nl.rewrap(jan, envelope, 'mla.execution', { add: [partner] });
  assert.equal(lastEntry(nl).kind, 'shared');
  assert.equal(nl.unwrapAttempts(), before + 1);
  const theirs = new custodia.Actor('nl.partner', 'investigator', 'NL', Classification.SECRET);
  const o = outside.open(theirs, shared, 'mla.execution');
  theirs.close();
  assert.ok(o.data.equals(ADDRESS));
  o.close();
});
