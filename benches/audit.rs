//! Cost of durable audit appends: fsync per event vs group commit across threads; and what entry authentication
//! (`custodia-audit/2`: one Ed25519 signature per entry) adds to each append and to verification.
//!
//! ```text
//! cargo bench --bench audit
//! ```
//!
//! Each append iteration appends one event per thread; throughput is in events. The numbers depend entirely on the
//! storage's fsync latency: measure on the target machine. `entry_auth/sign` is exactly the work entry
//! authentication adds to an append (one signature over the 71-byte message of `docs/AUDIT.md` §3); compare it with
//! `audit_append/fsync_each/1_threads` (one fdatasync) and `audit_append/os_buffered/1_threads` (no sync).

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use custodia::audit::{AuditEvent, AuditLog, AuditOptions, Durability, EventKind};

fn bench_appends(c: &mut Criterion) {
    let mut g = c.benchmark_group("audit_append");
    g.sample_size(20).measurement_time(Duration::from_secs(4));
    let cases = [
        ("fsync_each", Durability::FsyncEach, 1usize),
        ("fsync_each", Durability::FsyncEach, 8),
        ("group_commit", Durability::GroupCommit { max_batch: 8, max_delay: Duration::from_micros(200) }, 8),
        ("group_commit_nodelay", Durability::GroupCommit { max_batch: 64, max_delay: Duration::ZERO }, 8),
        ("os_buffered", Durability::OsBuffered, 1),
    ];
    for (name, durability, threads) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = custodia::audit::SigningKey::from_bytes([5; 32]);
        let opts = AuditOptions::default().durability(durability).checkpoint_every(1000);
        let (log, _) = AuditLog::open(dir.path(), key, opts).expect("opens");
        let log = Arc::new(log);
        g.throughput(Throughput::Elements(threads as u64));
        g.bench_function(format!("{name}/{threads}_threads"), |b| {
            b.iter(|| {
                std::thread::scope(|s| {
                    for t in 0..threads {
                        let log = &log;
                        s.spawn(move || {
                            let e = AuditEvent::new(EventKind::Opened).object(&[0xab; 16]).detail("t", &t.to_string());
                            log.append(&e).expect("appends");
                        });
                    }
                });
            });
        });
    }
    g.finish();
}

fn bench_entry_auth(c: &mut Criterion) {
    use ed25519_dalek::Signer as _;
    let mut g = c.benchmark_group("entry_auth");
    let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
    // The signed message: "custodia/audit/v2/auth" || 0x00 || log id (16) || entry hash (32).
    let mut msg = b"custodia/audit/v2/auth\0".to_vec();
    msg.extend_from_slice(&[0xab; 48]);
    let sig = key.sign(&msg);
    let public = key.verifying_key();
    g.throughput(Throughput::Elements(1));
    g.bench_function("sign", |b| b.iter(|| key.sign(std::hint::black_box(&msg))));
    g.bench_function("verify", |b| b.iter(|| public.verify_strict(std::hint::black_box(&msg), &sig)));
    g.finish();

    // Verifying a whole log: per entry, hash + chain + signature (what `verify` and an open's tail check do).
    let mut g = c.benchmark_group("audit_verify");
    g.sample_size(10);
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = AuditOptions::default().durability(Durability::OsBuffered).checkpoint_every(1000);
    let (log, _) = AuditLog::open(dir.path(), custodia::audit::SigningKey::from_bytes([5; 32]), opts).expect("opens");
    for i in 0..1000u32 {
        let e = AuditEvent::new(EventKind::Opened).object(&[0xab; 16]).detail("i", &i.to_string());
        log.append(&e).expect("appends");
    }
    // The closing checkpoint covers every entry before it; it is the last entry.
    let entries = log.close().expect("closes").count() + 1;
    let path = log.path().to_owned();
    drop(log);
    g.throughput(Throughput::Elements(entries));
    g.bench_function(format!("{entries}_entries"), |b| {
        let public = custodia::audit::SigningKey::from_bytes([5; 32]).verifying_key();
        b.iter(|| custodia::audit::verify(&path, &public, &[]).expect("verifies"));
    });
    g.finish();
}

criterion_group!(benches, bench_entry_auth, bench_appends);
criterion_main!(benches);
