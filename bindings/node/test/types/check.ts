// Compiled with `tsc --noEmit` by run-tests.sh: uses the declarations of index.d.ts the way an application would, so a
// declaration that no longer matches the JavaScript API (or does not type-check) fails the test run.
import * as custodia from '../..';
import {
  Actor, Category, Classification, Custodian, CustodiaError, ExceptionGround, Grant, KeyId, KeyKind, Opened,
  PurposeNotPermitted, Receipt, Refused, SealOptions, SensitiveBuffer,
} from '../..';

function example(dir: string): void {
  const c: Custodian = new Custodian(dir, { masterKey: Buffer.alloc(32), create: true, durability: 'os_buffered' });
  const anna: Actor = new Actor('anna', 'prosecutor', 'DE', Classification.SECRET);
  const kek: KeyId = c.generateKey(anna, KeyKind.KEK, 'k');
  const opts = new SealOptions(Category.EVIDENCE, ['investigation'], { caseRef: 'MLA-1', recipients: [kek, String(kek)] });
  const envelope: Buffer = c.seal(anna, Buffer.from('x'), opts);
  const opened: Opened = c.open(anna, envelope, 'investigation', { requiredSigner: null });
  const bytes: Buffer = opened.data.expose();
  const same: boolean = opened.data.equals(bytes);
  opened.close();
  try {
    c.open(anna, envelope, 'asset_recovery');
  } catch (e) {
    if (e instanceof PurposeNotPermitted) {
      const code: number = e.code;
      const name: string = e.statusName;
      const refusal: Refused = e;
      void [code, name, refusal];
    } else if (e instanceof CustodiaError) {
      throw e;
    }
  }
  const order: ExceptionGround = ExceptionGround.courtOrder('LG 1/26', 'the court ordered it for these reasons');
  c.open(anna, envelope, 'asset_recovery', { exception: order }).close();
  const info = c.inspect(envelope);
  const purposes: string[] = info.purposes;
  const grants: Grant[] = c.envelopeGrants(envelope);
  const entries = c.auditEntries({ kinds: ['opened'], since: new Date(0) });
  const kind: string = entries[0].kind;
  const report = c.verifyAudit([c.checkpoint()]);
  const n: number = report.entries;
  const receipts: Receipt[] = c.receiptsForCase('MLA-1');
  const stream = c.createOpenStream(anna, '/tmp/x.cust', 'investigation', { chunkSize: 4096 });
  stream.pipe(process.stdout);
  c.sealStream(anna, { read: (t: Uint8Array) => t.length * 0 }, { write: (b: Buffer) => void b }, opts);
  const sinkOpts: custodia.CustodianInit = { masterKey: Buffer.alloc(32), auditSinks: [(e) => void e.kind],
    providers: [new custodia.KeyProvider('kms')], signers: [{ publicKey: () => Buffer.alloc(32), sign: () => Buffer.alloc(64) }] };
  const failures: number = c.auditSinkFailures();
  void [sinkOpts, failures];
  const fs = require('node:fs') as typeof import('node:fs');
  const sealed: Promise<void> = c.sealNodeStream(anna, fs.createReadStream('/tmp/in'), fs.createWriteStream('/tmp/out'), opts);
  const openedInfo: Promise<custodia.EnvelopeInfo> = c.openNodeStream(anna, fs.createReadStream('/tmp/out'),
    process.stdout, 'investigation');
  void [sealed, openedInfo];
  const rec: custodia.Record = new custodia.Record()
    .text('name', 'A. Jansen', Category.WITNESS_IDENTITY, { classification: Classification.SECRET })
    .integer('n', 1n, Category.FINANCIAL_RECORDS, { purposes: ['investigation'] })
    .date('born', new Date(0), Category.PERSONAL_IDENTITY)
    .bytes('scan', Buffer.from('x'), Category.EVIDENCE, {})
    .nested('address', { city: 'Utrecht', zip: 3511 }, Category.CONTACT_DETAILS);
  const recEnv: Buffer = c.sealRecord(anna, rec, opts);
  rec.close();
  const opened2: custodia.OpenedRecord = c.openRecord(anna, recEnv, 'investigation', { exception: null });
  for (const f of opened2) {
    const status: 'disclosed' | 'masked' | 'withheld' = f.status;
    const err: CustodiaError | null = f.error;
    const masked: string | null = f.maskedText;
    const kind: custodia.FieldKindName = f.kind;
    if (f.disclosed) void [f.value as string, f.json.length];
    void [status, err, masked, kind, f.data?.length];
  }
  const names: string[] = [...opened2.disclosed(), ...opened2.withheld(), ...opened2.masked()];
  const v: custodia.OpenedValue = opened2.get('born');
  opened2.close();
  const pseudonyms: string[] = c.pseudonymize(anna, 'investigation', 'MLA-1', Category.PERSONAL_IDENTITY, 'person', ['x']);
  const index: number | null = c.resolvePseudonym(anna, 'investigation', 'MLA-1', Category.PERSONAL_IDENTITY, 'person',
    pseudonyms[0], ['x']);
  const sd: SensitiveBuffer = c.issueSdJwt(anna, recEnv, 'investigation', kek);
  const presentation: string = c.present(anna, sd, ['born'], 'FR-PNF', 'investigation');
  const verified: custodia.VerifiedPresentation = custodia.verifyPresentation(presentation, c.exportPublic(kek));
  const shown: number = verified.withheldCount + verified.fieldCount;
  const first: custodia.PresentedField = verified.fields[0];
  void [names, v, index, shown, first.json, verified.get('born'), custodia.FieldKind.NESTED, custodia.MaskRule.YEAR];
  verified.close();
  sd.close();
  const s = new SensitiveBuffer(Buffer.from('secret'));
  s.close();
  const m = custodia.memoryProtection();
  const counts: { handles: number; buffers: number } = custodia.liveCounts();
  void [same, purposes, grants, kind, n, receipts, m.fullyProtected, counts, custodia.errorClass(200)];
  opts.close();
  anna.close();
  const closing: custodia.Anchor | null = c.close();
  void closing;
}
void example;
