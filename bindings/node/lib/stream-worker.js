'use strict';
// The worker thread behind Custodian.sealNodeStream / openNodeStream: it makes the blocking C call
// (custodia_seal_stream / custodia_open_stream), whose read callback asks the main thread for input and waits for it
// on a SharedArrayBuffer (Atomics.wait), and whose write callback posts each output chunk to the main thread. The
// handles are process-wide registry ids, valid on any thread; the last error is read here, on the thread of the call.
// Messages to the main thread: { type: 'need', cap } | { type: 'out', chunk } | { type: 'done', info } |
// { type: 'error', code, message, statusName }.

const { workerData, parentPort } = require('node:worker_threads');
const raw = require('./raw');

const { koffi, fns: C } = raw;
const { kind, args, control: controlBuffer, data: dataBuffer } = workerData;
const control = new Int32Array(controlBuffer); // [state, length]
const data = new Uint8Array(dataBuffer);
const NEED = 1;
const FAILED = 3;

const read = (ctx, ptr, cap, outRead) => {
  Atomics.store(control, 0, NEED);
  parentPort.postMessage({ type: 'need', cap: Math.min(cap, data.length) });
  Atomics.wait(control, 0, NEED);
  if (Atomics.load(control, 0) === FAILED) return 1;
  const n = Atomics.load(control, 1);
  if (n > 0) {
    new Uint8Array(koffi.view(ptr, cap)).set(data.subarray(0, n));
    data.fill(0, 0, n);
  }
  koffi.encode(outRead, 'size_t', n);
  return 0;
};

const write = (ctx, ptr, len) => {
  if (len === 0) return 0;
  const chunk = new Uint8Array(len);
  chunk.set(new Uint8Array(koffi.view(ptr, len)));
  parentPort.postMessage({ type: 'out', chunk: chunk.buffer }, [chunk.buffer]);
  return 0;
};

let code;
const info = Buffer.alloc(raw.types.envelope_info.size);
if (kind === 'seal') {
  code = C.custodia_seal_stream(args.custodian, args.actor, args.options, read, null, write, null);
} else {
  code = C.custodia_open_stream(args.custodian, args.actor, args.purpose, args.exception,
    args.requiredSigner ? { bytes: Uint8Array.from(args.requiredSigner) } : null, read, null, write, null, info);
}
if (code === 0) {
  parentPort.postMessage({ type: 'done', info: kind === 'open' ? info : null });
} else {
  parentPort.postMessage({ type: 'error', code, message: C.custodia_last_error_message() || '',
    statusName: C.custodia_status_name(code) || String(code) });
}
