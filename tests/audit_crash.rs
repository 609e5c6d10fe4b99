//! Crash recovery: a writer killed mid-append loses no acknowledged event, and a torn last line is cut away and
//! recorded on reopen.
//!
//! The kill test re-executes this test binary in a child mode (selected by an environment variable) that appends
//! in a loop and prints each acknowledged sequence number; the parent kills it after a varying number of
//! acknowledgements (waiting on the child's output, never on time), reopens, verifies, and checks that every
//! acknowledged entry is present.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use custodia::audit::{AuditEvent, AuditLog, Durability, EventKind, entries, verify};
use sha2::{Digest as _, Sha256};

const CHILD_DIR: &str = "CUSTODIA_AUDIT_CRASH_CHILD_DIR";
const CHILD_THREADS: &str = "CUSTODIA_AUDIT_CRASH_CHILD_THREADS";

/// Child mode: does nothing unless the parent set `CHILD_DIR`.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_DIR) else { return };
    let threads: usize = std::env::var(CHILD_THREADS).ok().and_then(|t| t.parse().ok()).unwrap_or(1);
    let durability = if threads > 1 {
        Durability::GroupCommit { max_batch: threads, max_delay: Duration::from_micros(200) }
    } else if std::env::var("CUSTODIA_AUDIT_CRASH_CHILD_OS_BUFFERED").is_ok() {
        // Killing the process (not the OS) must lose nothing acknowledged under this policy either.
        Durability::OsBuffered
    } else {
        Durability::FsyncEach
    };
    let opts = options(clock()).durability(durability).checkpoint_every(16);
    let (log, _) = AuditLog::open(std::path::Path::new(&dir), key(), opts).expect("child opens");
    let log = Arc::new(log);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                // Big enough that a kill can land inside a write.
                let padding = "p".repeat(900);
                for i in 0..20_000u32 {
                    let e = AuditEvent::new(EventKind::Opened)
                        .case(&case())
                        .detail("thread", &t.to_string())
                        .detail("i", &i.to_string())
                        .detail("padding", &padding);
                    let Ok(seq) = log.append(&e) else { return };
                    let mut out = std::io::stdout().lock();
                    if writeln!(out, "ACK {seq}").and_then(|()| out.flush()).is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    std::process::exit(0);
}

#[test]
fn killed_writers_lose_no_acknowledged_event() {
    if std::env::var(CHILD_DIR).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("test binary");
    let mut acked = BTreeSet::new();
    let mut recoveries = 0;
    let mut injected = 0;
    for iter in 0..24u64 {
        let threads = if iter % 3 == 0 { 4 } else { 1 };
        let kill_after = 1 + (iter * 13) % 37;
        let mut child = Command::new(&exe)
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR, dir.path())
            .env(CHILD_THREADS, threads.to_string())
            .env(if iter % 3 == 1 { "CUSTODIA_AUDIT_CRASH_CHILD_OS_BUFFERED" } else { "CUSTODIA_UNUSED" }, "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawns child");
        let mut out = BufReader::new(child.stdout.take().expect("piped"));
        let mut seen = 0;
        let mut line = String::new();
        while seen < kill_after {
            line.clear();
            if out.read_line(&mut line).expect("reads child") == 0 {
                break;
            }
            // Not a prefix: libtest prints "test crash_child ... " without a newline, so the first ACK shares its line.
            if let Some((_, seq)) = line.trim().split_once("ACK ") {
                acked.insert(seq.parse::<u64>().expect("seq"));
                seen += 1;
            }
        }
        child.kill().expect("kills child");
        child.wait().expect("reaps child");
        // Whatever the child acknowledged before it died is in the pipe.
        for l in out.lines() {
            if let Some((_, seq)) = l.expect("reads child").trim().split_once("ACK ") {
                acked.insert(seq.parse::<u64>().expect("seq"));
            }
        }
        assert!(seen > 0, "child acknowledged nothing in iteration {iter}");

        // Every fourth iteration, also simulate a crash inside write(2): a partial line at the end.
        let torn: &[u8] = b"{\"seq\":123456,\"time\":17954352";
        if iter % 4 == 1 {
            let mut f = std::fs::OpenOptions::new().append(true).open(log_path(dir.path())).expect("opens");
            f.write_all(torn).expect("tears");
            injected += 1;
        }
        // What recovery must cut: everything after the last complete line. That is the injected torn bytes, plus
        // the start of an unacknowledged line if the kill landed inside its `write` (Linux ends a buffered write
        // short at a page boundary when a fatal signal is pending, so one `write` of a line can be torn).
        let before = std::fs::read(log_path(dir.path())).expect("reads log");
        let tail = before.len() - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);

        let (log, report) = AuditLog::open(dir.path(), key(), options(clock())).expect("reopens after the kill");
        if let Some(r) = &report.recovery {
            recoveries += 1;
            assert_eq!(r.truncated_bytes, tail as u64, "only the partial last line is cut");
            if iter % 4 == 1 {
                assert!(r.truncated_bytes >= torn.len() as u64, "the torn bytes are cut");
            }
        } else {
            assert_eq!(tail, 0, "a partial last line must be recovered");
            assert_ne!(iter % 4, 1, "an injected torn line must be recovered");
        }
        log.close().expect("closes");
        drop(log);

        let path = log_path(dir.path());
        let v = verify(&path, &key().verifying_key(), &[]).expect("verifies after recovery");
        assert_eq!(v.unsealed_tail, 0);
        let present: BTreeSet<u64> = entries(&path)
            .expect("reads")
            .map(|e| e.expect("entry"))
            .filter(|e| e.kind() == EventKind::Opened)
            .map(|e| e.seq)
            .collect();
        let lost: Vec<_> = acked.difference(&present).collect();
        assert!(lost.is_empty(), "iteration {iter}: acknowledged but missing: {lost:?}");
    }
    assert!(recoveries >= injected);
    assert!(acked.len() >= 24);
}

#[test]
fn a_torn_last_line_of_any_length_is_recovered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = write_sample_log(dir.path());
    let (last, rest) = lines.split_last().expect("lines");
    let complete = rest.concat();
    let path = log_path(dir.path());
    for cut in (1..last.len()).step_by(7).chain([last.len() - 1]) {
        let mut bytes = complete.clone();
        bytes.extend_from_slice(&last[..cut]);
        std::fs::write(&path, &bytes).expect("writes");
        let (log, report) = AuditLog::open(dir.path(), key(), options(clock())).expect("recovers");
        let r = report.recovery.clone().expect("torn line reported");
        assert_eq!(r.truncated_bytes, cut as u64);
        let expected: String = Sha256::digest(&last[..cut]).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(r.discarded_sha256, expected);
        assert_eq!(r.seq, rest.len() as u64);
        assert!(report.sealed_unclosed_tail, "the entry before the torn line was not a checkpoint");
        log.close().expect("closes");
        drop(log);
        let v = verify(&path, &key().verifying_key(), &[]).expect("verifies");
        assert_eq!(v.recoveries, 1);
        // Everything that was complete is still there, byte for byte.
        assert!(std::fs::read(&path).expect("reads").starts_with(&complete));
    }
}

#[test]
fn a_torn_genesis_line_starts_a_fresh_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(log_path(dir.path()), b"{\"seq\":0,\"ti").expect("writes");
    let (log, report) = AuditLog::open(dir.path(), key(), options(clock())).expect("opens");
    assert!(report.created);
    assert_eq!(report.recovery.as_ref().map(|r| r.truncated_bytes), Some(12));
    log.close().expect("closes");
    verify(&log_path(dir.path()), &key().verifying_key(), &[]).expect("verifies");
}
