#!/usr/bin/env node
'use strict';
// A mutual legal assistance exchange with custodia, from Node.js.
//
// The Netherlands (state A) answers a German request (state B) for bank records:
// 1. B gives A the public half of its X25519 key; A imports it.
// 2. A seals the records for B, for the purposes of the request (investigation, prosecution), for the case, to be
//    opened only in DE, and also for its own per-case key.
// 3. B opens them for a permitted purpose (prosecution.trial lies under prosecution).
// 4. B is refused for another purpose (asset_recovery), and the refusal says why.
// 5. B opens them for asset_recovery anyway, under a court order with its justification.
// 5b. B puts an access policy in force (need-to-know): a colleague who is not on the case team is refused.
// 5c. B sends A a signed disclosure receipt of what it did; A verifies and records it, and refuses an altered copy.
// 6. Both audit logs verify.
// 7. The rule of speciality: B may pass signed records on to France, or use them for another purpose, only under A's
//    signed grant; without it the transfer is refused.
// 8. A shreds its case key: from then on A can no longer open its copy.
//
// Run: CUSTODIA_LIB=target/release/libcustodia.so node bindings/node/examples/mla_exchange.js

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');
const custodia = require('..');

const { Actor, Category, Classification, Custodian, ExceptionGround, KeyKind, SealOptions } = custodia;
const CASE = 'MLA-2026-0042';
const RECORDS = Buffer.from('IBAN NL91ABNA0417164300; 2026-03-01 transfer EUR 250,000 to DE89370400440532013000');

/** Run `fn` and require it to throw an instance of `Cls`; returns the error. */
function refused(Cls, fn) {
  try {
    fn();
  } catch (e) {
    if (e instanceof Cls) return e;
    throw e;
  }
  throw new Error(`expected ${Cls.name}`);
}

function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'custodia-mla-'));
  const closers = [];
  const keep = (x) => {
    closers.push(x);
    return x;
  };
  try {
    const jan = keep(new Actor('jan', 'prosecutor', 'NL', Classification.SECRET));
    const anna = keep(new Actor('anna', 'prosecutor', 'DE', Classification.SECRET));
    // Cheap Argon2id costs keep the demo fast; production keeps the defaults.
    const nl = keep(new Custodian(path.join(tmp, 'nl'), { passphrase: 'nl demo passphrase, not for production',
      kdf: [8192, 1, 1], create: true }));
    const de = keep(new Custodian(path.join(tmp, 'de'), { passphrase: 'de demo passphrase, not for production',
      kdf: [8192, 1, 1], create: true }));

    // 1. B's public key travels to A (as text; not secret).
    const deKey = de.generateKey(anna, KeyKind.X25519, 'DE BKA MLA key');
    const deKeyAtNl = nl.importPublic(jan, de.exportPublic(deKey), 'DE BKA MLA key', 'DE');
    assert.ok(deKeyAtNl.equals(deKey));
    console.log(`DE key ${deKey} imported at NL`);

    // 2. A seals for B (and for its own per-case key), bound to purposes, case and jurisdictions.
    const caseKey = nl.caseKey(jan, CASE);
    const terms = new SealOptions(Category.FINANCIAL_RECORDS, ['investigation', 'prosecution'], {
      caseRef: CASE, origin: 'NL', destinations: ['DE'], recipients: [deKeyAtNl, caseKey],
    });
    const envelope = nl.seal(jan, RECORDS, terms);
    terms.close();
    const info = nl.inspect(envelope);
    console.log(`sealed ${RECORDS.length} bytes into a ${envelope.length}-byte envelope: object ${info.objectId}, ` +
      `purposes ${info.purposes.join(', ')}`);

    // 3. B records the arrival (its receipt starts here), then opens for a permitted purpose.
    de.receive(anna, envelope);
    let opened = de.open(anna, envelope, 'prosecution.trial');
    assert.ok(opened.data.equals(RECORDS));
    console.log(`DE opened ${opened.data.length} bytes for prosecution.trial: ${opened.data}`);
    opened.close(); // wipes the plaintext

    // 4. B is refused for a purpose the data was not given for.
    const refusal = refused(custodia.PurposeNotPermitted, () => de.open(anna, envelope, 'asset_recovery'));
    console.log(`DE refused for asset_recovery: ${refusal.message} [${refusal.code} ${refusal.statusName}]`);

    // 5. ... unless a court order says why.
    const order = ExceptionGround.courtOrder('LG-Berlin-123/26',
      'The regional court ordered the freezing of the proceeds identified in these records');
    opened = de.open(anna, envelope, 'asset_recovery', { exception: order });
    assert.ok(opened.data.equals(RECORDS));
    opened.close();
    console.log(`DE opened it for asset_recovery under ${order.describe()}`);
    order.close();

    // 5b. Need-to-know at B: only the case team opens the case's data (docs/POLICY.md).
    const policy = new custodia.AccessPolicy(`version = 1\n[[cases.team]]\ncase = "${CASE}"\nactors = ["anna"]\n`);
    de.setAccessPolicy(anna, policy); // recorded as policy_changed, with the policy's SHA-256
    policy.close();
    const bernd = keep(new Actor('bernd', 'prosecutor', 'DE', Classification.SECRET));
    console.log(`DE refused bernd: ${refused(custodia.NotOnCase, () => de.open(bernd, envelope, 'prosecution.trial')).message}`);

    // 5c. B signs a disclosure receipt with a key whose public half A holds; A imports it.
    const deReceipts = de.generateKey(anna, KeyKind.ED25519, 'DE receipt signing key');
    nl.importPublic(jan, de.exportPublic(deReceipts), 'DE receipt signing key', 'DE');
    const receipt = de.issueReceipt(anna, info.objectId, deReceipts);
    for (const item of receipt.items) {
      console.log(`  receipt: ${item.kind.padEnd(15)} ${item.get('exception_kind') || item.get('purpose') || '-'}`);
    }
    nl.importReceipt(jan, receipt.armored); // what travels back to A is text
    console.log(`NL holds ${nl.receiptsForCase(CASE).length} receipt(s) for ${CASE}`);
    const lines = receipt.armored.split('\n');
    lines[lines.length - 3] = (lines[lines.length - 3][0] === 'A' ? 'B' : 'A') + lines[lines.length - 3].slice(1);
    const altered = refused(custodia.ReceiptInvalid, () => nl.importReceipt(jan, lines.join('\n')));
    console.log(`NL refused an altered receipt: ${altered.message}`);

    // 6. Both audit logs verify.
    for (const [name, c] of [['NL', nl], ['DE', de]]) {
      const report = c.verifyAudit();
      console.log(`${name} audit log verifies: ${report.entries} entries, head ${report.head}`);
    }

    // 7. Rule of speciality: onward transfer and purpose extension need A's grant (A signs what it seals).
    speciality(tmp, nl, de, jan, anna, deKeyAtNl, keep);

    // 8. A shreds its case key: its own copy can no longer be opened.
    const certificate = nl.destroyKey(jan, caseKey, 'case closed; retention period ended');
    certificate.verify(nl.auditPublicKey());
    const shredded = refused(custodia.KeyDestroyed, () => nl.open(jan, envelope, 'investigation'));
    console.log(`NL after shredding: ${shredded.message}`);
    console.log('MLA exchange complete');
  } finally {
    for (const x of closers.reverse()) x.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function speciality(tmp, nl, de, jan, anna, deKey, keep) {
  const signer = nl.generateKey(jan, KeyKind.ED25519, 'NL signing key');
  const terms = new SealOptions(Category.FINANCIAL_RECORDS, ['investigation', 'mla.execution'], {
    caseRef: CASE, destinations: ['DE'], recipients: [deKey], signer,
  });
  const signed = nl.seal(jan, RECORDS, terms);
  terms.close();
  const objectId = nl.inspect(signed).objectId;
  const until = Math.floor(Date.now() / 1000) + 30 * 86400;
  const claire = keep(new Actor('claire', 'magistrate', 'FR', Classification.SECRET));
  const fr = keep(new Custodian(path.join(tmp, 'fr'), { masterKey: Buffer.alloc(32, 7), create: true }));
  const frKey = de.importPublic(anna, fr.exportPublic(fr.generateKey(claire, KeyKind.X25519, 'FR PNF')), 'FR PNF', 'FR');
  const without = refused(custodia.OnwardTransferNotGranted,
    () => de.rewrap(anna, signed, 'mla.execution', { add: [frKey] }));
  console.log(`DE passing it to FR without NL's grant: ${without.message}`);
  const grant = nl.issueOnwardTransferGrant(jan, signer, objectId, 'Parquet national financier', 'FR', frKey, until,
    'DE request letter 2026/118');
  const shared = de.rewrap(anna, signed, 'mla.execution', { add: [frKey], grant });
  let opened = fr.open(claire, shared, 'investigation');
  console.log(`with NL's grant ${grant.id} DE shares it; FR opens ${opened.data.length} bytes`);
  opened.close();
  const extension = nl.issuePurposeExtensionGrant(jan, signer, objectId, ['asset_recovery'], until,
    'DE request letter 2026/119');
  opened = de.open(anna, de.extendPurposes(anna, signed, extension), 'asset_recovery.freezing');
  console.log(`DE opens it for asset_recovery.freezing under NL's purpose extension ${extension.id}`);
  opened.close();
}

main();
