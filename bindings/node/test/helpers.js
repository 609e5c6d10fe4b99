'use strict';
// Shared fixtures: every test gets its own temporary directory; nothing touches the network.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const custodia = require('..');

const MASTER_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i)); // raw master key: no Argon2id, fast tests
const JUSTIFICATION = 'The regional court ordered the freezing of the proceeds identified in these records';
const DATA = Buffer.from('IBAN NL91ABNA0417164300, balance 1,204,331.17');
const REPO = path.resolve(__dirname, '..', '..', '..');

/** A temporary directory removed after the test, after every other cleanup the test registered (closes first). */
function tmpdir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodia-node-'));
  if (!t.cleanups) {
    t.cleanups = [];
    t.after(() => {
      for (const f of t.cleanups.reverse()) f();
    });
  }
  t.cleanups.unshift(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Run `f` after the test, before the temporary directories go. */
function later(t, f) {
  if (!t.cleanups) tmpdir(t);
  t.cleanups.push(f);
}

/** A fresh custodian, an actor (anna, prosecutor, DE, SECRET), a KEK and seal terms, all closed after the test. */
function setup(t, { terms = true } = {}) {
  const dir = tmpdir(t);
  const c = new custodia.Custodian(path.join(dir, 'keys'), { masterKey: MASTER_KEY, create: true });
  const anna = new custodia.Actor('anna', 'prosecutor', 'DE', custodia.Classification.SECRET);
  const kek = c.generateKey(anna, custodia.KeyKind.KEK, 'test kek');
  const opts = terms ? new custodia.SealOptions(custodia.Category.FINANCIAL_RECORDS, ['investigation', 'prosecution'], {
    caseRef: 'MLA-2026-0042', origin: 'NL', destinations: ['DE'], recipients: [kek],
  }) : null;
  later(t, () => {
    if (opts) opts.close();
    anna.close();
    c.close();
  });
  return { dir, c, anna, kek, terms: opts };
}

function actor(t, user, jurisdiction = 'DE', clearance = custodia.Classification.SECRET) {
  const a = new custodia.Actor(user, 'investigator', jurisdiction, clearance);
  later(t, () => a.close());
  return a;
}

module.exports = { custodia, MASTER_KEY, JUSTIFICATION, DATA, REPO, tmpdir, later, setup, actor };
