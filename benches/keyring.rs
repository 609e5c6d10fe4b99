//! Keyring costs: Argon2id unlock with the default parameters, and a keyring write (one key added).
//!
//! `cargo bench --bench keyring`

use criterion::{Criterion, criterion_group, criterion_main};
use custodia::Timestamp;
use custodia::keys::keyring::{KeyRecord, KeyState, SecretBytes};
use custodia::keys::{KdfParams, KeyId, KeyKind, Keyring, Unlock};
use zeroize::Zeroizing;

fn unlock(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    Keyring::open(dir.path(), &Unlock::passphrase("correct horse battery staple"), KdfParams::DEFAULT).expect("create");
    let mut g = c.benchmark_group("keyring");
    g.sample_size(10);
    g.bench_function("unlock_argon2id_64MiB_t3_p1", |b| {
        b.iter(|| Keyring::open(dir.path(), &Unlock::passphrase("correct horse battery staple"), KdfParams::DEFAULT))
    });
    let raw = tempfile::tempdir().expect("tempdir");
    let mut ring = Keyring::open(raw.path(), &Unlock::master_key([9; 32]), KdfParams::DEFAULT).expect("create");
    let mut n = 0u32;
    g.bench_function("add_key_atomic_write", |b| {
        b.iter(|| {
            n += 1;
            let mut id = [0u8; 16];
            id[..4].copy_from_slice(&n.to_be_bytes());
            ring.update(|body| {
                body.add(KeyRecord {
                    id: KeyId::from_bytes(id),
                    kind: KeyKind::Kek,
                    label: "bench".into(),
                    state: KeyState::Active,
                    created: Timestamp::from_unix(0),
                    case_ref: None,
                    destroy_after: None,
                    rotated_from: None,
                    rotated_to: None,
                    jurisdiction: None,
                    public: None,
                    secret: Some(SecretBytes::new(Zeroizing::new(vec![1; 32]))),
                })
            })
        })
    });
    g.finish();
}

criterion_group!(benches, unlock);
criterion_main!(benches);
