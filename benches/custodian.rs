//! End-to-end costs through the `Custodian` facade: policy gate, keyring, envelope and one audit event per operation.
//!
//! ```sh
//! cargo bench --bench custodian
//! ```
//!
//! Every operation appends an audit event and, with the default `Durability::FsyncEach`, waits for `fdatasync`:
//! on most storage that sync, not the cryptography, is the cost. Cases are labelled by where the custodian lives:
//! `disk` (a temporary directory on the working file system; fsync is real) and `tmpfs` (`/dev/shm`, where fsync
//! costs nothing, isolating the CPU cost of policy, keyring, envelope and audit formatting). Group commit only pays
//! off with several threads appending at once: see `cargo bench --bench audit`. Crypto alone: `--bench format`.

use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use custodia::Unlock;
use custodia::audit::Durability;
use custodia::{
    Actor, Category, Classification, Custodian, CustodianOptions, Jurisdiction, KeyKind, OpenRequest, Purpose,
    PurposeSet, SealOptions, Sensitive,
};

fn custodian(dir: &Path, durability: Durability) -> Custodian {
    let opts = CustodianOptions { durability, create: true, ..CustodianOptions::default() };
    Custodian::load(dir, Unlock::master_key([3; 32]), opts).expect("open custodian")
}

fn bench(c: &mut Criterion) {
    let actor = Actor::new("anna", "prosecutor", Jurisdiction::parse("DE").expect("DE"), Classification::Secret)
        .expect("actor");
    let purposes = PurposeSet::parse(&["investigation"]).expect("purpose");
    let request = OpenRequest::new(actor.clone(), Purpose::parse("investigation").expect("purpose"));
    let mut places = vec![("disk", tempfile::tempdir().expect("tempdir"))];
    if let Ok(shm) = tempfile::tempdir_in("/dev/shm") {
        places.push(("tmpfs", shm));
    }
    for (place, dir) in &places {
        let cust = custodian(dir.path(), Durability::FsyncEach);
        let kek = cust.generate_key(&actor, KeyKind::Kek, "bench kek").expect("kek");
        let x = cust.generate_key(&actor, KeyKind::X25519, "bench x25519").expect("x25519");
        let kek2 = cust.generate_key(&actor, KeyKind::Kek, "bench kek 2").expect("kek");
        let mut g = c.benchmark_group(format!("custodian_{place}_fsync_each"));
        g.sample_size(20).measurement_time(Duration::from_secs(3));
        for (label, len) in [("1KiB", 1024usize), ("1MiB", 1 << 20)] {
            g.throughput(Throughput::Bytes(len as u64));
            let data = Sensitive::new(vec![7u8; len], Category::FinancialRecords);
            for (kind, key) in [("kek", kek), ("x25519", x)] {
                let opts = SealOptions::new(purposes.clone(), vec![key]);
                let env = cust.seal(&actor, &data, &opts).expect("seal").envelope;
                g.bench_function(BenchmarkId::new(format!("seal_{kind}"), label), |b| {
                    b.iter(|| cust.seal(&actor, &data, &opts).expect("seal"))
                });
                g.bench_function(BenchmarkId::new(format!("open_{kind}"), label), |b| {
                    b.iter(|| cust.open(&request, &env).expect("open"))
                });
            }
            let env = cust.seal(&actor, &data, &SealOptions::new(purposes.clone(), vec![kek])).expect("seal").envelope;
            g.bench_function(BenchmarkId::new("rewrap_add_kek", label), |b| {
                b.iter(|| cust.rewrap(&actor, &request.purpose, &env, &[], &[kek2]).expect("rewrap"))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
