//! Audit appends per second with 1, 2 and 4 processes writing one log (docs/AUDIT.md §11).
//!
//! `cargo run --release --example audit_multiproc_bench -- [events per process] [rounds]` (defaults 2000, 3). Each
//! process opens the log, says it is ready, waits for the start line on its stdin, appends its events on one
//! thread, and closes. The figure is all events over the time from the start line to the last exit, the median of
//! the rounds. Durability `fsync` is `FsyncEach`; `os_buffered` is `OsBuffered`. A benchmark, not a test.

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used, reason = "a benchmark program")]

use std::path::Path;

#[path = "support/multiproc.rs"]
mod multiproc;

use custodia::audit::SigningKey;
use custodia::audit::{AuditEvent, AuditLog, AuditOptions, Durability, EventKind};

fn durability(name: &str) -> Durability {
    match name {
        "os_buffered" => Durability::OsBuffered,
        _ => Durability::FsyncEach,
    }
}

fn open(dir: &Path, d: &str) -> AuditLog {
    let o = AuditOptions::default().durability(durability(d));
    AuditLog::open(dir, SigningKey::from_bytes([7; 32]), o).expect("opens the log").0
}

fn child(dir: &Path, d: &str, events: usize) {
    let log = open(dir, d);
    multiproc::child_ready();
    let e = AuditEvent::new(EventKind::Sealed).detail("bench", "multiproc");
    for _ in 0..events {
        log.append(&e).expect("appends");
    }
    log.close().expect("closes");
}

fn round(d: &str, procs: usize, events: usize) -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(open(dir.path(), d));
    let args = [dir.path().display().to_string(), d.to_owned(), events.to_string()];
    let secs = multiproc::timed_children(procs, &args).as_secs_f64();
    let key = SigningKey::from_bytes([7; 32]).verifying_key();
    let report = custodia::audit::verify(&dir.path().join("audit.log"), &key, &[]).expect("verifies");
    assert!(report.entries >= (procs * events) as u64);
    (procs * events) as f64 / secs
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        child(Path::new(&args[2]), &args[3], args[4].parse().expect("events"));
        return;
    }
    let events: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let rounds: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(3);
    println!("| durability | processes | appends/s (median of {rounds}) |");
    println!("|---|---|---|");
    for d in ["os_buffered", "fsync"] {
        for procs in [1, 2, 4] {
            println!("| {d} | {procs} | {:.0} |", multiproc::median(rounds, || round(d, procs, events)));
        }
    }
}
