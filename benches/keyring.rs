//! Keyring costs: Argon2id unlock with the default parameters, a keyring write (one key added), and the unlock of a
//! 1,000-key keyring with a raw master key.
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

/// Unlocking (reading and decrypting) a keyring of 1,000 KEKs with a raw master key, so no Argon2id: what is left is
/// the file read, the AEAD, the JSON body and 1,000 secrets copied into the locked pool (docs/MEMORY.md, "Cost").
/// On tmpfs when `/dev/shm` exists, so that 1,000 key generations take seconds, not minutes.
fn unlock_1000(c: &mut Criterion) {
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.expect("tempdir");
    let opts = CustodianOptions { durability: Durability::OsBuffered, create: true, ..CustodianOptions::default() };
    let cust = Custodian::load(dir.path(), Unlock::master_key([5; 32]), opts).expect("create");
    let actor = Actor::new("bench", "keyholder", Jurisdiction::parse("NL").expect("NL"), Classification::Secret)
        .expect("actor");
    // `cargo test --all-targets` runs each benchmark once, without `--bench`: a small keyring keeps that quick.
    let keys = if std::env::args().any(|a| a == "--bench") { 1000 } else { 10 };
    for i in 0..keys {
        cust.generate_key(&actor, KeyKind::Kek, &format!("k{i}")).expect("key");
    }
    drop(cust);
    let mut g = c.benchmark_group("keyring");
    g.bench_function("unlock_raw_key_1000_keys", |b| {
        b.iter(|| Keyring::open(dir.path(), &Unlock::master_key([5; 32]), KdfParams::DEFAULT).expect("open"))
    });
    g.finish();
}

criterion_group!(benches, unlock, unlock_1000);
criterion_main!(benches);
