'use strict';
// Header parity: every function include/custodia.h declares is declared in lib/raw.js with the same number of
// parameters, and nothing there is missing from the header (so a new C function, or a changed one, fails here).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { REPO } = require('./helpers');
const raw = require('../lib/raw');

function arity(params) {
  const p = params.replace(/\s+/g, ' ').trim();
  return p === '' || p === 'void' ? 0 : p.split(',').length;
}

test('lib/raw.js declares every function of the header, with its arity, and nothing else', () => {
  const header = fs.readFileSync(path.join(REPO, 'include', 'custodia.h'), 'utf8');
  const inHeader = new Map();
  for (const m of header.matchAll(/^(?:const )?[a-z_0-9]+ \**(custodia_\w+)\(([^;]*?)\);/gm)) {
    inHeader.set(m[1], arity(m[2]));
  }
  assert.ok(inHeader.size > 140, `parsed ${inHeader.size} functions`);
  const declared = new Map();
  for (const line of raw.PROTOTYPES.split('\n')) {
    const m = /(custodia_\w+)\((.*)\)\s*$/.exec(line.trim());
    if (m) declared.set(m[1], arity(m[2]));
  }
  for (const [name, n] of inHeader) {
    assert.ok(declared.has(name), `${name} is in the header but not in lib/raw.js`);
    assert.equal(declared.get(name), n, `${name}: ${n} parameters in the header`);
  }
  for (const name of declared.keys()) assert.ok(inHeader.has(name), `${name} is not in the header`);
  for (const name of declared.keys()) assert.equal(typeof raw.fns[name], 'function');
});

test('the struct layouts match the header\'s sizes where the header states them', () => {
  const { koffi, types } = raw;
  assert.equal(koffi.sizeof(types.buffer), 24);
  assert.equal(koffi.sizeof(types.key_id), 16);
  assert.equal(koffi.sizeof(types.recipient), 20);
});

test('custodia_key_id_from_bytes agrees with KeyId', () => {
  const out = {};
  const bytes = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  assert.equal(raw.fns.custodia_key_id_from_bytes(bytes, 16, out), 0);
  assert.ok(Buffer.from(out.bytes).equals(bytes));
  assert.equal(raw.fns.custodia_key_id_from_bytes(bytes, 15, {}), 100);
});
