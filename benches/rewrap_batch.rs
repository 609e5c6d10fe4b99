//! Batch re-wrap through the `Custodian` after a key rotation: envelopes per second, in memory and as files.
//!
//! `cargo bench --bench rewrap_batch`. Every item is audited (one `rewrapped` event each), so the figure includes
//! the audit log's durability cost: measured with fsync per event (the default) and with group commit.

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use custodia::audit::Durability;
use custodia::{
    Actor, Category, Classification, Custodian, CustodianOptions, FixedClock, Jurisdiction, KeyKind, Purpose,
    PurposeSet, SealOptions, Sensitive, Timestamp,
};
use custodia::{KdfParams, Unlock};
use custodia::{RewrapItem, RewrapPlan};

const BATCH: usize = 100;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("rewrap_batch");
    g.sample_size(10);
    g.throughput(Throughput::Elements(BATCH as u64));
    for (name, durability) in [
        ("fsync_each", Durability::FsyncEach),
        ("group_commit", Durability::GroupCommit { max_batch: 64, max_delay: Duration::from_millis(2) }),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut o = CustodianOptions::with_clock(Arc::new(FixedClock::new(Timestamp::from_unix(1_800_000_000))));
        o.kdf = KdfParams::DANGER_TEST_ONLY;
        o.durability = durability;
        o.create = true;
        let cust = Custodian::load(dir.path(), Unlock::master_key([1; 32]), o).expect("open");
        let a =
            Actor::new("ops", "operator", Jurisdiction::parse("NL").expect("nl"), Classification::Secret).expect("a");
        let kek = cust.generate_key(&a, KeyKind::Kek, "yearly").expect("kek");
        let opts = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("p"), vec![kek]);
        let envelopes: Vec<Vec<u8>> = (0..BATCH)
            .map(|i| {
                cust.seal(
                    &a,
                    &Sensitive::new(vec![u8::try_from(i % 256).unwrap_or(0); 1024], Category::Evidence),
                    &opts,
                )
                .expect("seal")
                .envelope
            })
            .collect();
        let files: Vec<_> = envelopes
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let p = dir.path().join(format!("e{i}.cust"));
                std::fs::write(&p, e).expect("write");
                p
            })
            .collect();
        let other = cust.generate_key(&a, KeyKind::Kek, "other").expect("kek");
        let purpose = Purpose::parse("investigation").expect("purpose");
        let there = RewrapPlan::Change { purpose: purpose.clone(), remove: vec![kek], add: vec![other] };
        let back = RewrapPlan::Change { purpose, remove: vec![other], add: vec![kek] };
        g.throughput(Throughput::Elements(2 * BATCH as u64));
        g.bench_function(format!("{name}/files_1KiB_there_and_back"), |b| {
            b.iter(|| {
                for plan in [&there, &back] {
                    let items = files.iter().cloned().map(RewrapItem::File);
                    let r = cust.rewrap_batch(&a, items, plan, &mut |_, _| {});
                    assert!(r.iter().all(Result::is_ok));
                }
            })
        });
        cust.rotate(&a, &kek).expect("rotate");
        g.throughput(Throughput::Elements(BATCH as u64));
        g.bench_function(format!("{name}/buffers_1KiB"), |b| {
            b.iter(|| {
                let items = envelopes.iter().cloned().map(RewrapItem::Bytes);
                let r = cust.rewrap_batch(&a, items, &RewrapPlan::Rotated, &mut |_, _| {});
                assert!(r.iter().all(Result::is_ok));
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
