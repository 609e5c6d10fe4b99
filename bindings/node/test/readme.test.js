'use strict';
// The README's ten-line example runs as written (with `require('custodia')` pointed at this checkout).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

test('the README example runs and prints the refusal and the plaintext', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const block = /```js\n([\s\S]*?)```/.exec(readme)[1];
  assert.ok(block.split('\n').filter(Boolean).length <= 12, 'about ten lines');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodia-readme-'));
  try {
    const file = path.join(dir, 'example.js');
    fs.writeFileSync(file, block.replace("require('custodia')", `require(${JSON.stringify(path.join(__dirname, '..'))})`));
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^200 purpose_not_permitted purpose asset_recovery is not permitted/m);
    assert.match(r.stdout, /^IBAN NL91ABNA0417164300$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the README records example runs: withheld fields, pseudonyms, a verified presentation', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)][1][1];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodia-readme-'));
  try {
    const file = path.join(dir, 'records.js');
    fs.writeFileSync(file, block.replace("require('custodia')", `require(${JSON.stringify(path.join(__dirname, '..'))})`));
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^account_iban disclosed NL91ABNA0417164300$/m);
    assert.match(r.stdout, /^witness_name withheld clearance_insufficient: field witness_name is withheld/m);
    assert.match(r.stdout, /^transfers withheld purpose_not_permitted: /m);
    assert.match(r.stdout, /^([0-9a-f]{32}) \1$/m);
    assert.match(r.stdout, /^\[ 'born' \] 1971-05-04 3 of 4 withheld$/m);
    assert.doesNotMatch(r.stdout, /Jansen/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
