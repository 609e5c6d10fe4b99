//! What keeping a secret in locked, undumpable memory costs (docs/MEMORY.md, "Cost").
//!
//! `cargo bench -p custodia-mem --bench pool`
//!
//! - one 32-byte key made and dropped in the pool (the steady state: the pool keeps a spare page, so no system call)
//!   against the same key in a `Box<Zeroizing<[u8; 32]>>` on the heap;
//! - 1,000 keys made, then all dropped: 8 pages mapped, advised, locked, then unlocked and unmapped (7 of them;
//!   one spare stays), against 1,000 heap boxes: the per-key cost of a keyring's worth of secrets, page system
//!   calls included.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use custodia_mem::{LockedBox, LockedBytes};
use zeroize::Zeroizing;

fn pool(c: &mut Criterion) {
    let mut g = c.benchmark_group("mem");
    g.bench_function("locked_key_32_new_drop", |b| b.iter(|| drop(black_box(LockedBox::new(black_box([7u8; 32]))))));
    g.bench_function("heap_zeroizing_key_32_new_drop", |b| {
        b.iter(|| drop(black_box(Box::new(Zeroizing::new(black_box([7u8; 32]))))))
    });
    g.bench_function("locked_1000_keys_then_drop", |b| {
        b.iter(|| {
            let keys: Vec<LockedBytes> = (0..1000).map(|_| LockedBytes::from_slice(black_box(&[7u8; 32]))).collect();
            drop(black_box(keys));
        })
    });
    g.bench_function("heap_1000_keys_then_drop", |b| {
        b.iter(|| {
            let keys: Vec<Zeroizing<Vec<u8>>> =
                (0..1000).map(|_| Zeroizing::new(black_box(&[7u8; 32]).to_vec())).collect();
            drop(black_box(keys));
        })
    });
    g.finish();
}

criterion_group!(benches, pool);
criterion_main!(benches);
