#!/usr/bin/env node
'use strict';
// Cost of one 1 KiB seal + open round trip under a local KEK from Node (Custodian.seal -> custodia_seal_into,
// Custodian.open -> custodia_open_into, two audit entries), against the Rust call in the same run: the
// `durability_bench` example's tmpfs / OsBuffered row (the same round trip through the Rust Custodian). Both on tmpfs
// (/dev/shm) with os_buffered audit durability, so no fsync dominates. The Rust figure is taken before and after the
// Node one and the two averaged, since the machine is shared. Not a test: figures only (issue 19 §2).
//
//   node bindings/node/bench/seal_open.js [rounds=2000] [warmup=500]
//   node bindings/node/bench/seal_open.js --round-trip [rounds=2000] [warmup=500] [dir=/dev/shm]
//
// The second form measures the Node round trip alone (the one of examples/durability_bench.rs --one-row) and prints
// the machine-readable line "node median_us=... n=... warmup=..." that benches/bindings/run.sh reads.
//   (needs target/release/examples/durability_bench: cargo build --release --example durability_bench)

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const custodia = require('..');

const roundTripOnly = process.argv[2] === '--round-trip';
const argv = roundTripOnly ? process.argv.slice(3) : process.argv.slice(2);
const rounds = Number(argv[0] || 2000);
const warmup = Number(argv[1] || 500);
const repo = path.resolve(__dirname, '..', '..', '..');
const base = argv[2] || (fs.existsSync('/dev/shm') ? '/dev/shm' : require('node:os').tmpdir());

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function nodeRoundTrip() {
  const dir = fs.mkdtempSync(path.join(base, 'custodia-node-bench-'));
  const c = new custodia.Custodian(path.join(dir, 'c'), { masterKey: Buffer.alloc(32, 3), create: true,
    durability: 'os_buffered' });
  const actor = new custodia.Actor('bench', 'analyst', 'NL', custodia.Classification.SECRET);
  try {
    const kek = c.generateKey(actor, custodia.KeyKind.KEK, 'bench');
    const opts = new custodia.SealOptions(custodia.Category.FINANCIAL_RECORDS, ['investigation'], { recipients: [kek] });
    const data = Buffer.alloc(1024, 0x42);
    const samples = [];
    for (let i = -warmup; i < rounds; i++) {
      const t0 = process.hrtime.bigint();
      const env = c.seal(actor, data, opts);
      const opened = c.open(actor, env, 'investigation');
      opened.close();
      const t1 = process.hrtime.bigint();
      if (i >= 0) samples.push(Number(t1 - t0) / 1000);
    }
    opts.close();
    return median(samples);
  } finally {
    actor.close();
    c.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function rustRoundTrip() {
  const exe = path.join(repo, 'target', 'release', 'examples', 'durability_bench');
  if (!fs.existsSync(exe)) return null;
  // Its "disk" rows go to /dev/shm too (fast); the tmpfs / OsBuffered row is the comparable figure.
  const r = spawnSync(exe, [String(rounds), base], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`durability_bench failed: ${r.stderr}`);
  const row = r.stdout.split('\n').find((l) => l.startsWith('| tmpfs | OsBuffered'));
  return Number(/\| ([\d.]+) us \|/.exec(row)[1]);
}

if (roundTripOnly) {
  console.log(`node median_us=${nodeRoundTrip().toFixed(2)} n=${rounds} warmup=${warmup}`);
  process.exit(0);
}
const rustBefore = rustRoundTrip();
const node = nodeRoundTrip();
const rustAfter = rustRoundTrip();
console.log(`1 KiB seal + open, local KEK, os_buffered audit on ${base}, median of ${rounds} round trips`);
console.log(`node (koffi, seal_into/open_into): ${node.toFixed(1)} us`);
if (rustBefore === null) {
  console.log('rust: target/release/examples/durability_bench not built (cargo build --release --example durability_bench)');
} else {
  const rust = (rustBefore + rustAfter) / 2;
  console.log(`rust Custodian (durability_bench, before/after): ${rustBefore.toFixed(1)} / ${rustAfter.toFixed(1)} us`);
  console.log(`ratio node / rust: ${(node / rust).toFixed(2)}x`);
}
