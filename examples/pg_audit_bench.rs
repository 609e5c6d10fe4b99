//! Audit appends per second on PostgreSQL and on the file log, with 1, 2, 4 and 8 writer processes each running
//! several appending threads (group commit), in the same run (docs/AUDIT.md "On PostgreSQL", BENCHMARKS.md).
//!
//! `cargo run --release --features postgres --example pg_audit_bench -- [events per thread] [threads] [rounds]`
//! (defaults 300, 4, 3). Starts its own PostgreSQL cluster (custodia-testkit; `fsync = on`, default
//! `synchronous_commit`), installs the schema, and for each backend and process count starts the writers (the
//! harness of `audit_multiproc_bench`), each opening the log with `Durability::GroupCommit` (max batch 64, no
//! delay), appending on its threads, and closing. The figure is all events over the time from the start line to the
//! last exit, the median of the rounds; the log is verified after every round. A benchmark, not a test.

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used, reason = "a benchmark program")]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

#[path = "support/multiproc.rs"]
mod multiproc;

use custodia::audit::{AuditEvent, AuditLog, AuditOptions, Durability, EventKind, SigningKey};
use custodia::postgres::{PgConfig, install_schema};
use custodia_testkit::PgCluster;

const APP: &str = "custodia_app";

fn options() -> AuditOptions {
    AuditOptions::default().durability(Durability::GroupCommit { max_batch: 64, max_delay: Duration::ZERO })
}

fn open(backend: &str, target: &str) -> AuditLog {
    let key = SigningKey::from_bytes([7; 32]);
    match backend {
        "postgres" => AuditLog::open_postgres(&PgConfig::new(target).expect("config"), key, options()),
        _ => AuditLog::open(Path::new(target), key, options()),
    }
    .expect("opens the log")
    .0
}

fn child(backend: &str, target: &str, threads: usize, events: usize) {
    let log = Arc::new(open(backend, target));
    multiproc::child_ready();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let log = log.clone();
            std::thread::spawn(move || {
                let e = AuditEvent::new(EventKind::Sealed).detail("bench", "pg_audit");
                for _ in 0..events {
                    log.append(&e).expect("appends");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    log.close().expect("closes");
}

/// One round on a fresh log; events per second.
fn round(backend: &str, pg: &PgCluster, procs: usize, threads: usize, events: usize) -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = match backend {
        "postgres" => {
            // A fresh schema per round, so that every round starts from an empty log.
            pg.psql("postgres", "DROP SCHEMA IF EXISTS custodia CASCADE").expect("drop");
            install_schema(&PgConfig::new(&pg.admin_url()).expect("admin"), APP).expect("schema");
            pg.url(APP, "postgres")
        }
        _ => dir.path().display().to_string(),
    };
    drop(open(backend, &target));
    let args = [backend.to_owned(), target.clone(), threads.to_string(), events.to_string()];
    let secs = multiproc::timed_children(procs, &args).as_secs_f64();
    let key = SigningKey::from_bytes([7; 32]).verifying_key();
    let report = match backend {
        "postgres" => custodia::audit::verify_postgres(&PgConfig::new(&target).expect("config"), &key, &[]),
        _ => custodia::audit::verify(&dir.path().join("audit.log"), &key, &[]),
    }
    .expect("verifies");
    let total = procs * threads * events;
    assert!(report.entries >= total as u64);
    total as f64 / secs
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        child(&args[2], &args[3], args[4].parse().expect("threads"), args[5].parse().expect("events"));
        return;
    }
    let events: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(300);
    let threads: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(4);
    let rounds: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(3);
    let pg = PgCluster::start().expect("a PostgreSQL cluster (scripts/install-deps.sh)");
    pg.psql("postgres", &format!("CREATE ROLE {APP} LOGIN")).expect("role");
    println!(
        "| writer processes (x {threads} threads) | PostgreSQL appends/s | file appends/s | PostgreSQL / file | \
         (median of {rounds}, {events} events per thread) |"
    );
    println!("|---|---|---|---|---|");
    for procs in [1, 2, 4, 8] {
        let p = multiproc::median(rounds, || round("postgres", &pg, procs, threads, events));
        let f = multiproc::median(rounds, || round("file", &pg, procs, threads, events));
        println!("| {procs} | {p:.0} | {f:.0} | {:.2} | |", p / f);
    }
}
