//! Audit appends per second with 1, 2 and 4 processes writing one log (docs/AUDIT.md §11).
//!
//! `cargo run --release --example audit_multiproc_bench -- [events per process] [rounds]` (defaults 2000, 3). Each
//! process opens the log, says it is ready, waits for the start line on its stdin, appends its events on one
//! thread, and closes. The figure is all events over the time from the start line to the last exit, the median of
//! the rounds. Durability `fsync` is `FsyncEach`; `os_buffered` is `OsBuffered`. A benchmark, not a test.

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used, reason = "a benchmark program")]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

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
    println!("ready");
    std::io::stdout().flush().expect("stdout");
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).expect("stdin");
    let e = AuditEvent::new(EventKind::Sealed).detail("bench", "multiproc");
    for _ in 0..events {
        log.append(&e).expect("appends");
    }
    log.close().expect("closes");
}

fn round(d: &str, procs: usize, events: usize) -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(open(dir.path(), d));
    let exe = std::env::current_exe().expect("exe");
    let mut children: Vec<_> = (0..procs)
        .map(|_| {
            Command::new(&exe)
                .arg("--child")
                .arg(dir.path())
                .arg(d)
                .arg(events.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawns")
        })
        .collect();
    for c in &mut children {
        let mut line = String::new();
        BufReader::new(c.stdout.as_mut().expect("stdout")).read_line(&mut line).expect("ready");
        assert_eq!(line.trim(), "ready");
    }
    let start = Instant::now();
    for c in &mut children {
        c.stdin.as_mut().expect("stdin").write_all(b"go\n").expect("go");
    }
    for mut c in children {
        assert!(c.wait().expect("waits").success());
    }
    let secs = start.elapsed().as_secs_f64();
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
            let mut r: Vec<f64> = (0..rounds).map(|_| round(d, procs, events)).collect();
            r.sort_by(f64::total_cmp);
            println!("| {d} | {procs} | {:.0} |", r[r.len() / 2]);
        }
    }
}
