//! Keyring costs: Argon2id unlock with the default parameters, and a keyring write (one key added).
//!
//! `cargo bench --bench keyring`
//!
//! Keys change only through the `Custodian` facade, which records every change in the audit log; the write is
//! measured there, as `Custodian::generate_key` of a KEK on a raw-key custodian whose audit log is
//! `Durability::OsBuffered`, so that the cost is the atomic keyring write (encrypt, fsync, rename, fsync the
//! directory) plus one unsynced audit append and a key generation, not an audit `fdatasync`.

use criterion::{Criterion, criterion_group, criterion_main};
use custodia::audit::Durability;
use custodia::{Actor, Classification, Custodian, CustodianOptions, Jurisdiction, KeyKind};
use custodia::{KdfParams, Keyring, Unlock};

fn unlock(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    Keyring::open(dir.path(), &Unlock::passphrase("correct horse battery staple"), KdfParams::DEFAULT).expect("create");
    let mut g = c.benchmark_group("keyring");
    g.sample_size(10);
    g.bench_function("unlock_argon2id_64MiB_t3_p1", |b| {
        b.iter(|| Keyring::open(dir.path(), &Unlock::passphrase("correct horse battery staple"), KdfParams::DEFAULT))
    });
    let raw = tempfile::tempdir().expect("tempdir");
    let opts = CustodianOptions { durability: Durability::OsBuffered, create: true, ..CustodianOptions::default() };
    let cust = Custodian::load(raw.path(), Unlock::master_key([9; 32]), opts).expect("create");
    let actor = Actor::new("bench", "keyholder", Jurisdiction::parse("NL").expect("NL"), Classification::Secret)
        .expect("actor");
    g.bench_function("add_key_atomic_write", |b| b.iter(|| cust.generate_key(&actor, KeyKind::Kek, "bench")));
    g.finish();
}

criterion_group!(benches, unlock);
criterion_main!(benches);
