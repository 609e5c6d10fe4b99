//! Round-robin timing, shared (by `#[path]`) between custodia's `ratios` benchmark and the peers harness, so both
//! processes measure the same way.
//!
//! Criterion times one function at a time; on a shared 2-vCPU machine the load drifts between functions. Here every
//! round runs each group's anchor (the raw ChaCha20-Poly1305 primitive) and then every contender of the group, in a
//! rotating order, and a contender's *normalised cost* for the round is its time per byte divided by the anchor's
//! time per byte in the same round. The report is the median over rounds of the time per operation and of the
//! normalised cost. Two processes that measured the same anchor can be compared through the normalised costs.

#![allow(dead_code, reason = "each harness uses a different subset")]
#![allow(clippy::cast_possible_truncation, reason = "benchmark sizes and filler bytes")]

use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// One timed operation.
pub(crate) struct Contender<'a> {
    /// Stable name, printed in the report.
    pub(crate) name: String,
    /// Bytes processed by one operation (plaintext bytes).
    pub(crate) bytes: u64,
    /// Run the operation once.
    pub(crate) run: Box<dyn FnMut() + 'a>,
}

impl<'a> Contender<'a> {
    /// A contender.
    pub(crate) fn new(name: impl Into<String>, bytes: u64, run: impl FnMut() + 'a) -> Self {
        Self { name: name.into(), bytes, run: Box::new(run) }
    }
}

/// A group: an anchor and the contenders normalised by it.
pub(crate) struct Group<'a> {
    /// The anchor (raw ChaCha20-Poly1305 encryption, RustCrypto, same build flags in both processes).
    pub(crate) anchor: Contender<'a>,
    /// The contenders.
    pub(crate) contenders: Vec<Contender<'a>>,
    /// Run untimed before each contender's sample (file groups: flush dirty pages, so no operation pays for the
    /// writeback of the one before it).
    pub(crate) settle: Option<fn()>,
}

/// Flush every dirty page to disk (`sync(1)`): untimed, between file operations.
pub(crate) fn sync_all() {
    let _ = std::process::Command::new("sync").status();
}

struct Stats {
    ns_per_op: Vec<f64>,
    norm: Vec<f64>,
    iters: u32,
}

/// Iterations so that one sample takes at least `min`.
fn calibrate(c: &mut Contender<'_>, min: Duration) -> u32 {
    (c.run)();
    let mut n = 1u32;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            (c.run)();
        }
        if t.elapsed() >= min || n >= 1 << 20 {
            return n;
        }
        n *= 2;
    }
}

fn sample(c: &mut Contender<'_>, iters: u32) -> f64 {
    let t = Instant::now();
    for _ in 0..iters {
        (c.run)();
    }
    t.elapsed().as_secs_f64() * 1e9 / f64::from(iters)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// Run `rounds` rounds over every group and print one JSON line per contender (anchors included):
/// `{"process": .., "name": .., "bytes": .., "median_ns": .., "mb_s": .., "norm": .., "rounds": ..}`.
pub(crate) fn run_groups(process: &str, groups: &mut [Group<'_>], rounds: usize, min_sample: Duration) {
    let mut stats: Vec<(Stats, Vec<Stats>)> = groups
        .iter_mut()
        .map(|g| {
            let ai = calibrate(&mut g.anchor, min_sample);
            let cs = g
                .contenders
                .iter_mut()
                .map(|c| Stats { ns_per_op: vec![], norm: vec![], iters: calibrate(c, min_sample) })
                .collect();
            (Stats { ns_per_op: vec![], norm: vec![], iters: ai }, cs)
        })
        .collect();
    for round in 0..rounds {
        for (g, (a_stats, c_stats)) in groups.iter_mut().zip(stats.iter_mut()) {
            let n = g.contenders.len();
            let mut order: Vec<usize> = (0..n).collect();
            order.rotate_left(round % n.max(1));
            let mut times = vec![0.0; n];
            // Anchor before and after the contenders; its cost for the round is the mean of the two.
            let a0 = sample(&mut g.anchor, a_stats.iters);
            for &i in &order {
                if let Some(settle) = g.settle {
                    settle();
                }
                times[i] = sample(&mut g.contenders[i], c_stats[i].iters);
            }
            let a1 = sample(&mut g.anchor, a_stats.iters);
            let anchor_ns = (a0 + a1) / 2.0;
            let anchor_per_byte = anchor_ns / g.anchor.bytes.max(1) as f64;
            a_stats.ns_per_op.push(anchor_ns);
            a_stats.norm.push(1.0);
            for i in 0..n {
                c_stats[i].ns_per_op.push(times[i]);
                c_stats[i].norm.push(times[i] / g.contenders[i].bytes.max(1) as f64 / anchor_per_byte);
            }
        }
        eprint!(".");
    }
    eprintln!();
    for (g, (a_stats, c_stats)) in groups.iter().zip(stats.iter_mut()) {
        print_line(process, &g.anchor, a_stats);
        for (c, s) in g.contenders.iter().zip(c_stats.iter_mut()) {
            print_line(process, c, s);
        }
    }
}

fn print_line(process: &str, c: &Contender<'_>, s: &mut Stats) {
    let rounds = s.ns_per_op.len();
    let ns = median(&mut s.ns_per_op);
    let norm = median(&mut s.norm);
    let mb_s = c.bytes as f64 / ns * 1e3;
    println!(
        "{{\"process\": \"{process}\", \"name\": \"{}\", \"bytes\": {}, \"median_ns\": {ns:.1}, \"mb_s\": {mb_s:.1}, \
         \"norm\": {norm:.4}, \"rounds\": {rounds}}}",
        c.name, c.bytes
    );
}

/// Print a measured peak resident set size: `{"process": .., "name": .., "peak_rss_kib": ..}`.
pub(crate) fn print_rss(process: &str, name: &str, kib: u64) {
    println!("{{\"process\": \"{process}\", \"name\": \"{name}\", \"peak_rss_kib\": {kib}}}");
}

/// Reset this process's peak RSS (Linux: `/proc/self/clear_refs`, value 5) so that [`peak_rss_kib`] measures what
/// follows.
pub(crate) fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's peak resident set size since start or the last [`reset_peak_rss`] (`VmHWM`), in KiB.
pub(crate) fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Bytes for the file-to-file benchmarks: `CUSTODIA_BENCH_FILE_BYTES` (default 1 GiB).
pub(crate) fn file_bytes() -> u64 {
    std::env::var("CUSTODIA_BENCH_FILE_BYTES").ok().and_then(|v| v.parse().ok()).unwrap_or(1 << 30)
}

/// Write `len` pseudo-random bytes to `path` (once; reused if it already has that length).
pub(crate) fn make_input(path: &std::path::Path, len: u64) {
    if std::fs::metadata(path).map(|m| m.len()).ok() == Some(len) {
        return;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create input file"));
    let mut buf = vec![0u8; 1 << 20];
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut left = len;
    while left > 0 {
        for w in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            w.copy_from_slice(&x.to_le_bytes()[..w.len()]);
        }
        let n = left.min(buf.len() as u64) as usize;
        f.write_all(&buf[..n]).expect("write input file");
        left -= n as u64;
    }
    f.flush().expect("flush input file");
}

/// Copy with a 64 KiB buffer (the chunk size of both custodia and age).
pub(crate) fn copy_64k(src: &mut dyn Read, dst: &mut dyn Write) -> u64 {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        let n = src.read(&mut buf).expect("read");
        if n == 0 {
            return total;
        }
        dst.write_all(&buf[..n]).expect("write");
        total += n as u64;
    }
}

/// Deterministic filler for in-memory inputs.
pub(crate) fn filled(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(7)).collect()
}
