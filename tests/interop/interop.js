'use strict';
// The Node side of the cross-language interoperability test (tests/interop/run.sh): the same small command line as
// examples/interop.rs, tests/interop/interop.c, interop.py and Interop.java, over the Node binding.
//
//   interop.js generate <dir> kek|x25519          print the new KEK's id, or the new X25519 key's public text
//   interop.js generate <dir> ed25519             print the new Ed25519 key's id, then its public text (two lines)
//   interop.js import <dir> <key-text-file>...    import public keys (authorities in DE), print their ids
//   interop.js seal <dir> <out> <plain> <key-id>...         seal a buffer
//   interop.js seal-stream <dir> <out> <plain> <key-id>...  seal a file from a Node Readable into a Writable
//   interop.js open <dir> <envelope> <purpose> <out>        open a buffer, write the plaintext to <out>
//   interop.js open-stream <dir> <envelope> <purpose> <out> open through a Node Readable over the random-access reader
//   interop.js seal-signed <dir> <out> <plain> <signer> <key-id>...  seal a buffer signed by an own Ed25519 key
//   interop.js grant <dir> <envelope> <signer> <purpose> <out>  issue a purpose extension grant (armored)
//   interop.js extend <dir> <envelope> <grant> <out>        apply a purpose extension grant
//   interop.js receipt-issue <dir> <envelope> <signer-id> <out>  receive the envelope, write a signed receipt for it
//   interop.js receipt-import <dir> <receipt>     import a receipt, print its item kinds (space separated)
//   interop.js receipt-verify <receipt> <key-text-file>  verify with the public key alone, print the item kinds
//   interop.js seal-record <dir> <out> <key-id>...  seal the fixed record (docs/FORMAT.md section 14)
//   interop.js open-record <dir> <envelope> <purpose> <clearance>  open it as an actor of that clearance; print each
//                                                 field in name order: name=<json value>, or name withheld <status>
//
// A custodia error prints `custodia error <code> <name>: <message>` and exits with the status code (255 if it does
// not fit), so a purpose refusal exits with 200 in every language. The fixed master key (bytes 0..31) is a test
// harness's, never a way to handle real keys.

const fs = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const custodia = require(process.env.CUSTODIA_NODE || path.join(__dirname, '..', '..', 'bindings', 'node'));

const { Actor, Category, Classification, Custodian, KeyId, KeyKind, SealOptions } = custodia;
const MASTER_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

function sealOptions(keys) {
  return new SealOptions(Category.EVIDENCE, ['investigation', 'prosecution'], {
    caseRef: 'MLA-2026-0007', origin: 'DE', destinations: ['DE'], recipients: keys.map((k) => new KeyId(k)),
  });
}

const readText = (p) => fs.readFileSync(p, 'utf8');

class Usage extends Error {}

async function run(args) {
  if (args.length === 3 && args[0] === 'receipt-verify') {
    const receipt = new custodia.Receipt(readText(args[1]));
    receipt.verify(readText(args[2]).trim());
    console.log(receipt.kinds().join(' '));
    return;
  }
  if (args.length < 3) throw new Usage('usage: interop.js generate|import|seal|seal-stream|open|open-stream <dir> ...');
  const [command, directory, ...rest] = args;
  const c = new Custodian(directory, { masterKey: MASTER_KEY, create: command === 'generate' });
  const actor = new Actor('interop.node', 'investigator', 'DE', Classification.SECRET);
  try {
    if (command === 'generate' && rest.length === 1 && rest[0] === 'kek') {
      console.log(String(c.generateKey(actor, KeyKind.KEK, 'interop kek')));
    } else if (command === 'generate' && rest.length === 1 && rest[0] === 'x25519') {
      console.log(c.exportPublic(c.generateKey(actor, KeyKind.X25519, 'interop x25519')));
    } else if (command === 'generate' && rest.length === 1 && rest[0] === 'ed25519') {
      const key = c.generateKey(actor, KeyKind.ED25519, 'interop ed25519');
      console.log(String(key));
      console.log(c.exportPublic(key));
    } else if (command === 'receipt-issue' && rest.length === 3) {
      const [envelope, signer, out] = rest;
      const info = c.receive(actor, fs.readFileSync(envelope));
      fs.writeFileSync(out, c.issueReceipt(actor, info.objectId, new KeyId(signer)).armored);
    } else if (command === 'receipt-import' && rest.length === 1) {
      console.log(c.importReceipt(actor, readText(rest[0])).kinds().join(' '));
    } else if (command === 'import') {
      for (const p of rest) console.log(String(c.importPublic(actor, readText(p).trim(), `interop ${p}`, 'DE')));
    } else if ((command === 'seal' || command === 'seal-stream') && rest.length >= 3) {
      const [out, plain, ...keys] = rest;
      const options = sealOptions(keys);
      try {
        if (command === 'seal') {
          fs.writeFileSync(out, c.seal(actor, fs.readFileSync(plain), options));
        } else {
          const dst = fs.createWriteStream(out);
          try {
            await c.sealNodeStream(actor, fs.createReadStream(plain), dst, options);
          } finally {
            await new Promise((resolve) => dst.end(resolve));
          }
        }
      } finally {
        options.close();
      }
    } else if (command === 'seal-signed' && rest.length >= 4) {
      const [out, plain, signer, ...keys] = rest;
      const options = sealOptions(keys);
      try {
        options.setSigner(new KeyId(signer));
        fs.writeFileSync(out, c.seal(actor, fs.readFileSync(plain), options));
      } finally {
        options.close();
      }
    } else if (command === 'grant' && rest.length === 4) {
      const [envelope, signer, purpose, out] = rest;
      const objectId = c.inspect(fs.readFileSync(envelope)).objectId;
      const grant = c.issuePurposeExtensionGrant(actor, new KeyId(signer), objectId, [purpose],
        Math.floor(Date.now() / 1000) + 86400, 'interop request letter');
      fs.writeFileSync(out, grant.toString(), 'ascii');
    } else if (command === 'extend' && rest.length === 3) {
      const [envelope, grantFile, out] = rest;
      const grant = new custodia.Grant(fs.readFileSync(grantFile));
      fs.writeFileSync(out, c.extendPurposes(actor, fs.readFileSync(envelope), grant));
    } else if (command === 'seal-record' && rest.length >= 2) {
      const [out, ...keys] = rest;
      const record = new custodia.Record()
        .text('account_iban', 'NL91ABNA0417164300', Category.FINANCIAL_RECORDS)
        .date('born', '1971-05-04', Category.PERSONAL_IDENTITY)
        .integer('transfers', -42, Category.FINANCIAL_RECORDS, { purposes: ['investigation.financial'] })
        .text('witness_name', 'A. Jansen', Category.WITNESS_IDENTITY);
      const options = new SealOptions(Category.CASE_ADMINISTRATION, ['investigation', 'prosecution'], {
        caseRef: 'MLA-2026-0007', origin: 'DE', destinations: ['DE'], recipients: keys.map((k) => new KeyId(k)),
      });
      try {
        fs.writeFileSync(out, c.sealRecord(actor, record, options));
      } finally {
        options.close();
        record.close();
      }
    } else if (command === 'open-record' && rest.length === 3) {
      const [envelope, purpose, clearance] = rest;
      const reader = new Actor('interop.node.reader', 'investigator', 'DE',
        custodia.vocab.classificationFromName(clearance));
      let record;
      try {
        record = c.openRecord(reader, fs.readFileSync(envelope), purpose);
      } finally {
        reader.close();
      }
      try {
        const lines = record.fields.map((f) => (f.disclosed ? `${f.name}=${f.json}`
          : f.status === 'masked' ? `${f.name} masked ${f.maskedText}` : `${f.name} withheld ${f.error.code}`));
        process.stdout.write(lines.map((l) => `${l}\n`).join(''));
      } finally {
        record.close();
      }
    } else if ((command === 'open' || command === 'open-stream') && rest.length === 3) {
      const [envelope, purpose, out] = rest;
      if (command === 'open') {
        const opened = c.open(actor, fs.readFileSync(envelope), purpose);
        try {
          fs.writeFileSync(out, opened.data.expose());
        } finally {
          opened.close();
        }
      } else {
        // The policy gate decides in openReader, before the output file exists: a refusal leaves nothing.
        const readable = c.createOpenStream(actor, envelope, purpose);
        try {
          await pipeline(readable, fs.createWriteStream(out));
        } catch (e) {
          fs.rmSync(out, { force: true }); // nothing unauthenticated is left behind
          throw e;
        }
      }
    } else {
      throw new Usage(`interop.js: unknown command or wrong arguments: ${args.join(' ')}`);
    }
  } finally {
    actor.close();
    c.close();
  }
}

run(process.argv.slice(2)).then(() => {
  process.exitCode = 0;
}, (e) => {
  if (e instanceof custodia.CustodiaError) {
    process.stderr.write(`custodia error ${e.code} ${e.statusName}: ${e.message}\n`);
    process.exitCode = e.code > 0 && e.code <= 254 ? e.code : 255;
  } else if (e instanceof Usage) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.exitCode = 1;
  }
});
