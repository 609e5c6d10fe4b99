//! Parallel sealing and opening: the same bytes and the same errors on any number of threads, and bounded memory
//! in the stream pipeline. Deterministic (seeded RNG, structural bounds); no timing.
//!
//! `format::set_max_threads` is process-wide; every test here only compares outputs that must not depend on it, so
//! tests running concurrently and flipping it cannot change a result.

#![allow(clippy::unwrap_used, reason = "test helpers")]

use std::cell::Cell;
use std::io::{Cursor, Read, Write};
use std::rc::Rc;

use chacha20::ChaCha20Rng;
use custodia::format::{self, EnvelopeOptions, Metadata, Recipient};
use custodia::format::{Kek, SigningKey};
use custodia::{Category, Error, PurposeSet, Timestamp};
use rand_core::SeedableRng;

fn meta(chunk: u32) -> Metadata {
    let mut m = Metadata::new(
        Category::Evidence,
        PurposeSet::parse(&["investigation"]).unwrap(),
        Timestamp::from_unix(1_790_000_000),
    );
    m.chunk_size = chunk;
    m
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| u8::try_from((i * 31 + 7) % 251).unwrap()).collect()
}

fn with_threads<T>(n: usize, f: impl FnOnce() -> T) -> T {
    format::set_max_threads(n);
    let out = f();
    format::set_max_threads(0);
    out
}

/// (plaintext length, chunk size) pairs around every boundary: empty, one chunk, exact multiples, one byte over,
/// fewer chunks than threads, and enough to take the parallel paths.
const SHAPES: &[(usize, u32)] = &[
    (0, 64),
    (1, 64),
    (64, 64),
    (65, 64),
    (64 * 5, 64),
    (256 * 1024 + 1, 256),
    (256 * 1024, 1024),
    (1024 * 1024 + 123, 64 * 1024),
    (1024 * 1024, 64 * 1024),
    (3 * 1024 * 1024 + 5, 64 * 1024),
];

fn seal(pt: &[u8], opts: &EnvelopeOptions<'_>, seed: u8) -> Vec<u8> {
    format::seal_with_rng(pt, opts, &mut ChaCha20Rng::from_seed([seed; 32])).unwrap()
}

fn seal_stream(pt: &[u8], opts: &EnvelopeOptions<'_>, seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    format::seal_stream_with_rng(&mut &pt[..], &mut out, opts, &mut ChaCha20Rng::from_seed([seed; 32])).unwrap();
    out
}

#[test]
fn in_memory_and_stream_seal_are_identical_on_any_number_of_threads() {
    let kek = Kek::from_bytes([9; 32]);
    let signer = SigningKey::from_bytes([4; 32]);
    for &(len, chunk) in SHAPES {
        let pt = data(len);
        for signed in [false, true] {
            let mut opts = EnvelopeOptions::new(meta(chunk), vec![Recipient::Kek(&kek)]);
            if signed {
                opts = opts.with_signer(&signer);
            }
            let one = with_threads(1, || seal(&pt, &opts, 3));
            for threads in [2, 3, 8] {
                assert_eq!(with_threads(threads, || seal(&pt, &opts, 3)), one, "in memory, {len}/{chunk}, {threads}");
                assert_eq!(with_threads(threads, || seal_stream(&pt, &opts, 3)), one, "stream, {len}/{chunk}");
            }
            assert_eq!(with_threads(1, || seal_stream(&pt, &opts, 3)), one, "sequential stream, {len}/{chunk}");
        }
    }
}

fn open_mem(env: &[u8], kek: &Kek) -> custodia::Result<Vec<u8>> {
    format::open(env, &[kek], None).map(|o| o.plaintext.expose_secret().clone())
}

fn open_stream(env: &[u8], kek: &Kek) -> (custodia::Result<u64>, Vec<u8>) {
    let mut src = Cursor::new(env);
    let h = format::read_header(&mut src).unwrap();
    let dk = format::unwrap_with_kek(&h, kek).unwrap();
    let mut out = Vec::new();
    let r = format::open_stream(&h, &dk, &mut src, &mut out, None).map(|rep| rep.len);
    (r, out)
}

#[test]
fn opening_gives_the_same_plaintext_on_any_number_of_threads() {
    let kek = Kek::from_bytes([9; 32]);
    for &(len, chunk) in SHAPES {
        let pt = data(len);
        let env = seal(&pt, &EnvelopeOptions::new(meta(chunk), vec![Recipient::Kek(&kek)]), 5);
        for threads in [1, 2, 8] {
            assert_eq!(with_threads(threads, || open_mem(&env, &kek)).unwrap(), pt, "{len}/{chunk}, {threads}");
            let (r, out) = with_threads(threads, || open_stream(&env, &kek));
            assert_eq!(r.unwrap(), len as u64);
            assert_eq!(out, pt);
        }
    }
}

fn kind(r: &custodia::Result<impl Sized>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(Error::OpenFailed) => "open_failed",
        Err(Error::Truncated) => "truncated",
        Err(Error::SignatureInvalid) => "signature_invalid",
        Err(_) => "other",
    }
}

#[test]
fn alterations_fail_the_same_way_on_any_number_of_threads() {
    let kek = Kek::from_bytes([9; 32]);
    let signer = SigningKey::from_bytes([4; 32]);
    let pt = data(1024 * 1024 + 77);
    let opts = EnvelopeOptions::new(meta(16 * 1024), vec![Recipient::Kek(&kek)]).with_signer(&signer);
    let env = seal(&pt, &opts, 6);
    let head = format::parse_header(&env).unwrap().len();
    let chunk_ct = 16 * 1024 + 16;
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    for i in [0, 7, 30, 64] {
        let mut e = env.clone();
        e[head + i * chunk_ct + 100] ^= 1;
        cases.push(("flip in a chunk", e));
    }
    let mut e = env.clone();
    e.truncate(head + 10 * chunk_ct + 64 + 5);
    cases.push(("truncated mid-stream", e));
    let mut e = env.clone();
    e.truncate(e.len() - 1);
    cases.push(("short signature", e));
    let mut e = env.clone();
    e[head + 3 * chunk_ct + 9] ^= 1;
    e.truncate(head + 10 * chunk_ct + 64 + 5);
    cases.push(("flip before a truncation", e));
    let mut e = env.clone();
    let n = e.len();
    e[n - 3] ^= 1;
    cases.push(("bad signature", e));
    for (what, e) in &cases {
        let want = kind(&with_threads(1, || open_mem(e, &kek)));
        assert_ne!(want, "ok", "{what}");
        for threads in [2, 8] {
            assert_eq!(kind(&with_threads(threads, || open_mem(e, &kek))), want, "in memory: {what}, {threads}");
            let (r, _) = with_threads(threads, || open_stream(e, &kek));
            assert_eq!(kind(&r), want, "stream: {what}, {threads}");
        }
    }
}

#[test]
fn failed_open_into_leaves_the_buffer_empty() {
    let kek = Kek::from_bytes([9; 32]);
    let pt = data(2 * 1024 * 1024);
    let mut env = seal(&pt, &EnvelopeOptions::new(meta(64 * 1024), vec![Recipient::Kek(&kek)]), 8);
    let h = format::parse_header(&env).unwrap();
    let dk = format::unwrap_with_kek(&h, &kek).unwrap();
    let mut out = Vec::new();
    format::open_payload_into(&h, &dk, &env, None, &mut out).unwrap();
    assert_eq!(out, pt);
    let n = env.len();
    env[n - 5] ^= 1; // the last chunk: every other chunk opens before it fails
    for threads in [1, 2] {
        let r = with_threads(threads, || format::open_payload_into(&h, &dk, &env, None, &mut out));
        assert!(matches!(r, Err(Error::OpenFailed)));
        assert!(out.is_empty());
    }
}

/// A source and a sink that share counters, so the sink can check how far reading has run ahead of writing.
struct Counted {
    read: Rc<Cell<u64>>,
    written: Rc<Cell<u64>>,
    ahead_max: Rc<Cell<u64>>,
}

struct Src<'a> {
    inner: &'a [u8],
    c: &'a Counted,
    max_ask: usize,
}

impl Read for Src<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.max_ask = self.max_ask.max(buf.len());
        let n = self.inner.read(buf)?;
        self.c.read.set(self.c.read.get() + n as u64);
        Ok(n)
    }
}

struct Dst<'a> {
    c: &'a Counted,
    out: Vec<u8>,
}

impl Write for Dst<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let w = self.c.written.get() + buf.len() as u64;
        self.c.written.set(w);
        let ahead = self.c.read.get().saturating_sub(w);
        self.c.ahead_max.set(self.c.ahead_max.get().max(ahead));
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn counted() -> Counted {
    Counted { read: Rc::default(), written: Rc::default(), ahead_max: Rc::default() }
}

#[test]
fn stream_pipeline_keeps_a_bounded_number_of_chunks_in_flight() {
    let kek = Kek::from_bytes([9; 32]);
    let chunk = 4096usize;
    let pt = data(3 * 1024 * 1024 + 11); // 769 chunks
    let opts = EnvelopeOptions::new(meta(4096), vec![Recipient::Kek(&kek)]);
    for threads in [1usize, 2, 4] {
        // At most max(2 MiB of chunks, 2 per worker) in flight (the calling thread is one of the threads), plus the
        // one being read and the one being written: far fewer than the stream's 769 chunks.
        let in_flight = ((2 << 20) / chunk).max(2 * (threads - 1));
        let bound = ((in_flight + 2) * (chunk + 16 + 65)) as u64;

        let c = counted();
        let mut src = Src { inner: &pt, c: &c, max_ask: 0 };
        let mut dst = Dst { c: &c, out: Vec::new() };
        with_threads(threads, || format::seal_stream(&mut src, &mut dst, &opts)).unwrap();
        assert!(src.max_ask <= chunk + 1, "asked for {} bytes", src.max_ask);
        // Ciphertext is longer than plaintext, so read - written under-counts the plaintext in flight only by the
        // header and tags already written: compare with a margin for those.
        let header = format::parse_header(&dst.out).unwrap().len() as u64;
        assert!(c.ahead_max.get() <= bound + header, "seal: {} bytes ahead with {threads} threads", c.ahead_max.get());

        let env = dst.out;
        let c = counted();
        let mut src = Src { inner: &env, c: &c, max_ask: 0 };
        let h = format::read_header(&mut src).unwrap();
        let dk = format::unwrap_with_kek(&h, &kek).unwrap();
        c.read.set(0);
        let mut dst = Dst { c: &c, out: Vec::new() };
        with_threads(threads, || format::open_stream(&h, &dk, &mut src, &mut dst, None)).unwrap();
        assert_eq!(dst.out, pt);
        assert!(src.max_ask <= chunk + 16 + 65, "asked for {} bytes", src.max_ask);
        // Plaintext is shorter than ciphertext by 16 bytes per chunk: allow for the tags of the chunks written.
        let tags = 16 * (pt.len() / chunk + 1) as u64;
        assert!(c.ahead_max.get() <= bound + tags, "open: {} bytes ahead with {threads} threads", c.ahead_max.get());
    }
}
