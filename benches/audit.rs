//! Cost of durable audit appends: fsync per event vs group commit across threads.
//!
//! ```text
//! cargo bench --bench audit
//! ```
//!
//! Each iteration appends one event per thread; throughput is in events. The numbers depend entirely on the
//! storage's fsync latency: measure on the target machine.

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
        let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
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

criterion_group!(benches, bench_appends);
criterion_main!(benches);
