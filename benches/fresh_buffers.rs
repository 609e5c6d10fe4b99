//! The experiment behind the allocating API's output buffers (issue 19 §2, BENCHMARKS.md "Where the time goes",
//! "Fresh 64 MiB buffers"): 64 MiB sealed in 64 KiB chunks with RustCrypto ChaCha20-Poly1305, out of place, the way
//! `format::seal` does it, into
//!
//! - a fresh buffer in 4 KiB pages (`vec![0; n]`: every page faulted and zeroed by the kernel as it is written);
//! - a fresh buffer advised for huge pages (`custodia_mem::zeroed_output`, what `format::seal` uses);
//! - a fresh buffer in 4 KiB pages, prefaulted by one more thread that writes each chunk's pages and then hands the
//!   chunk to the encrypting threads (a pipeline over channels: the prefaulting runs ahead of the encryption);
//! - a reused buffer (no faults: the cryptography alone);
//!
//! on both cores (two encrypting threads) and on one. Round-robin over `ROUNDS` rounds (default 9, or
//! `CUSTODIA_BENCH_ROUNDS`); prints each variant's median. Under `cargo test --all-targets` (no `--bench`) it seals
//! 1 MiB once per variant and checks that every variant writes the same bytes.
//!
//! ```text
//! cargo bench --bench fresh_buffers
//! ```

use std::sync::mpsc;
use std::time::Instant;

use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};

const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const PAGE: usize = 4096;

/// Seal the chunks of `pt` (numbered from `first`) into `out`, each followed by its tag.
fn seal_run(c: &ChaCha20Poly1305, first: usize, pt: &[u8], out: &mut [u8]) {
    for (k, (p, o)) in pt.chunks(CHUNK).zip(out.chunks_mut(CHUNK + TAG)).enumerate() {
        seal_chunk(c, first + k, p, o);
    }
}

fn seal_chunk(c: &ChaCha20Poly1305, index: usize, p: &[u8], o: &mut [u8]) {
    let mut nonce = [0u8; 12];
    nonce[..8].copy_from_slice(&(index as u64).to_be_bytes());
    let (data, tag) = o.split_at_mut(p.len());
    let buf = InOutBuf::new(p, data).expect("same length");
    let t = c.encrypt_inout_detached(&Nonce::from(nonce), &[], buf).expect("encrypt");
    tag.copy_from_slice(&t);
}

/// Seal `pt` into `out` on `threads` threads (1 or 2), each a contiguous half.
fn seal(c: &ChaCha20Poly1305, pt: &[u8], out: &mut [u8], threads: usize) {
    if threads == 1 {
        return seal_run(c, 0, pt, out);
    }
    let half = pt.len().div_ceil(CHUNK) / 2;
    let (pa, pb) = pt.split_at(half * CHUNK);
    let (oa, ob) = out.split_at_mut(half * (CHUNK + TAG));
    std::thread::scope(|s| {
        s.spawn(|| seal_run(c, 0, pa, oa));
        seal_run(c, half, pb, ob);
    });
}

/// Seal `pt` into `out` with one more thread prefaulting: it writes one byte per page of each output chunk, in
/// order, and sends the chunk to encrypting thread `index % threads`, which seals it on arrival.
fn seal_prefaulted(c: &ChaCha20Poly1305, pt: &[u8], out: &mut [u8], threads: usize) {
    std::thread::scope(|s| {
        let mut senders = Vec::new();
        for _ in 0..threads {
            let (tx, rx) = mpsc::sync_channel::<(usize, &mut [u8])>(64);
            senders.push(tx);
            s.spawn(move || {
                for (i, o) in rx {
                    let p = &pt[i * CHUNK..pt.len().min((i + 1) * CHUNK)];
                    seal_chunk(c, i, p, o);
                }
            });
        }
        for (i, o) in out.chunks_mut(CHUNK + TAG).enumerate() {
            for b in o.iter_mut().step_by(PAGE) {
                *b = 0;
            }
            senders[i % threads].send((i, o)).expect("worker alive");
        }
    });
}

#[derive(Clone, Copy)]
enum Buffer {
    FourKiB,
    Huge,
    Prefaulted,
    Reused,
}

fn run(c: &ChaCha20Poly1305, pt: &[u8], kind: Buffer, threads: usize, reused: &mut Vec<u8>) -> Vec<u8> {
    let len = pt.len().div_ceil(CHUNK) * TAG + pt.len();
    match kind {
        Buffer::FourKiB => {
            let mut out = vec![0u8; len];
            seal(c, pt, &mut out, threads);
            out
        }
        Buffer::Huge => {
            let mut out = custodia_mem::zeroed_output(len);
            seal(c, pt, &mut out, threads);
            out
        }
        Buffer::Prefaulted => {
            let mut out = vec![0u8; len];
            seal_prefaulted(c, pt, &mut out, threads);
            out
        }
        Buffer::Reused => {
            reused.resize(len, 0);
            seal(c, pt, reused, threads);
            Vec::new()
        }
    }
}

const VARIANTS: [(&str, Buffer, usize); 8] = [
    ("fresh, 4 KiB pages, 2 threads", Buffer::FourKiB, 2),
    ("fresh, huge pages (zeroed_output), 2 threads", Buffer::Huge, 2),
    ("fresh, 4 KiB pages, prefaulted by a 3rd thread, 2 threads", Buffer::Prefaulted, 2),
    ("reused buffer, 2 threads", Buffer::Reused, 2),
    ("fresh, 4 KiB pages, 1 thread", Buffer::FourKiB, 1),
    ("fresh, huge pages (zeroed_output), 1 thread", Buffer::Huge, 1),
    ("fresh, 4 KiB pages, prefaulted by a 2nd thread, 1 thread", Buffer::Prefaulted, 1),
    ("reused buffer, 1 thread", Buffer::Reused, 1),
];

fn main() {
    let c = ChaCha20Poly1305::new(&[7u8; 32].into());
    let mut reused = Vec::new();
    if !std::env::args().any(|a| a == "--bench") {
        // Under `cargo test`: every variant writes the same bytes.
        let pt: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
        let mut expected = vec![0u8; pt.len().div_ceil(CHUNK) * TAG + pt.len()];
        seal(&c, &pt, &mut expected, 1);
        for (name, kind, threads) in VARIANTS {
            let out = run(&c, &pt, kind, threads, &mut reused);
            let got = if matches!(kind, Buffer::Reused) { &reused } else { &out };
            assert!(*got == expected, "{name}: different bytes");
        }
        return;
    }
    let rounds: usize = std::env::var("CUSTODIA_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(9);
    let pt = vec![3u8; 64 << 20];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); VARIANTS.len()];
    for _ in 0..rounds {
        for (i, (_, kind, threads)) in VARIANTS.iter().enumerate() {
            let t = Instant::now();
            let out = run(&c, &pt, *kind, *threads, &mut reused);
            times[i].push(t.elapsed().as_secs_f64() * 1e3);
            drop(std::hint::black_box(out));
        }
    }
    println!("64 MiB sealed in 64 KiB chunks (RustCrypto ChaCha20-Poly1305, out of place), median of {rounds} rounds");
    println!("| output buffer | median | MB/s |");
    println!("|---|---|---|");
    for (i, (name, _, _)) in VARIANTS.iter().enumerate() {
        let mut t = times[i].clone();
        t.sort_by(f64::total_cmp);
        let m = t[t.len() / 2];
        println!("| {name} | {m:.1} ms | {:.0} |", (64 << 20) as f64 / m / 1e3);
    }
}
