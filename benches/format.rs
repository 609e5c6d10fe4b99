//! Crypto costs at the format layer (no policy, keyring or audit): seal and open by size and recipient kind,
//! re-wrap, file-to-file streams, with the raw ChaCha20-Poly1305 primitives (RustCrypto and `ring`) in the same run
//! as the baseline.
//!
//! ```sh
//! cargo bench --bench format                                  # everything (the stream cases use 1 GiB files)
//! CUSTODIA_BENCH_FILE_BYTES=67108864 cargo bench --bench format -- stream   # quicker stream cases (64 MiB)
//! ```
//!
//! "_1thread" cases run with `format::set_max_threads(1)`; the others use every CPU. Criterion does not interleave
//! functions: for ratios between contenders use `benches/peers/run.sh` (round-robin, same process).

use std::fs::File;
use std::io::BufReader;
use std::time::Duration;

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use custodia::format::{self, EnvelopeOptions, Metadata, Recipient, Unwrap};
use custodia::format::{Kek, SigningKey, X25519Identity, XWingIdentity};
use custodia::{Category, PurposeSet, Timestamp};

const SIZES: &[(&str, usize)] =
    &[("64B", 64), ("1KiB", 1024), ("64KiB", 64 << 10), ("1MiB", 1 << 20), ("64MiB", 64 << 20)];

/// `cargo test --all-targets` runs every benchmark once, without `--bench`: keep that quick (no 64 MiB values,
/// 1 MiB files).
fn quick() -> bool {
    !std::env::args().any(|a| a == "--bench")
}

fn sizes() -> impl Iterator<Item = &'static (&'static str, usize)> {
    SIZES.iter().filter(|(_, len)| !quick() || *len <= 1 << 20)
}

fn meta() -> Metadata {
    Metadata::new(
        Category::FinancialRecords,
        PurposeSet::parse(&["investigation"]).expect("purpose"),
        Timestamp::from_unix(1_800_000_000),
    )
}

fn filled(len: usize) -> Vec<u8> {
    (0..len).map(|i| u8::try_from(i % 251).expect("< 251")).collect()
}

fn configure(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, len: usize) {
    g.throughput(Throughput::Bytes(len as u64));
    if len >= 1 << 20 {
        g.sample_size(10).measurement_time(Duration::from_secs(3));
    } else {
        g.sample_size(30).measurement_time(Duration::from_secs(2));
    }
}

fn aead_baseline(c: &mut Criterion) {
    let mut g = c.benchmark_group("aead_encrypt");
    let rc = ChaCha20Poly1305::new(&[7u8; 32].into());
    let ring_key = ring::aead::LessSafeKey::new(
        ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, &[7u8; 32]).expect("key"),
    );
    for &(label, len) in sizes() {
        configure(&mut g, len);
        let mut buf = filled(len);
        g.bench_function(BenchmarkId::new("rustcrypto_chacha20poly1305", label), |b| {
            b.iter(|| rc.encrypt_inout_detached(&[1u8; 12].into(), &[], buf.as_mut_slice().into()).expect("encrypt"))
        });
        g.bench_function(BenchmarkId::new("ring_chacha20poly1305", label), |b| {
            b.iter(|| {
                ring_key
                    .seal_in_place_separate_tag(
                        ring::aead::Nonce::assume_unique_for_key([1u8; 12]),
                        ring::aead::Aad::empty(),
                        &mut buf,
                    )
                    .expect("encrypt")
            })
        });
    }
    g.finish();
}

fn open_with(key: &dyn Unwrap, env: &[u8]) -> usize {
    format::open(env, &[key], None).expect("open").plaintext.expose_secret().len()
}

fn by_size(c: &mut Criterion) {
    let kek = Kek::from_bytes([5; 32]);
    let id = X25519Identity::from_bytes([6; 32]);
    let x = id.recipient().clone();
    let kek_opts = EnvelopeOptions::new(meta(), vec![Recipient::Kek(&kek)]);
    let x_opts = EnvelopeOptions::new(meta(), vec![Recipient::X25519(&x)]);
    let mut g = c.benchmark_group("by_size");
    for &(label, len) in sizes() {
        configure(&mut g, len);
        let pt = filled(len);
        for (kind, opts, key) in [("kek", &kek_opts, &kek as &dyn Unwrap), ("x25519", &x_opts, &id)] {
            let env = format::seal(&pt, opts).expect("seal");
            g.bench_function(BenchmarkId::new(format!("seal_{kind}"), label), |b| {
                b.iter(|| format::seal(&pt, opts).expect("seal"))
            });
            g.bench_function(BenchmarkId::new(format!("open_{kind}"), label), |b| b.iter(|| open_with(key, &env)));
            if len >= 1 << 20 {
                let mut out = Vec::new();
                g.bench_function(BenchmarkId::new(format!("seal_into_reused_{kind}"), label), |b| {
                    b.iter(|| format::seal_into(&pt, opts, &mut out).expect("seal"))
                });
                format::set_max_threads(1);
                g.bench_function(BenchmarkId::new(format!("seal_{kind}_1thread"), label), |b| {
                    b.iter(|| format::seal(&pt, opts).expect("seal"))
                });
                g.bench_function(BenchmarkId::new(format!("open_{kind}_1thread"), label), |b| {
                    b.iter(|| open_with(key, &env))
                });
                format::set_max_threads(0);
            }
        }
    }
    g.finish();
}

fn by_recipient(c: &mut Criterion) {
    let kek = Kek::from_bytes([5; 32]);
    let id = X25519Identity::from_bytes([6; 32]);
    let x = id.recipient().clone();
    let sender = X25519Identity::from_bytes([7; 32]);
    let xw = XWingIdentity::from_seed([8; 32]);
    let xwr = xw.recipient();
    let signer = SigningKey::from_bytes([9; 32]);
    let cases: Vec<(&str, EnvelopeOptions<'_>, &dyn Unwrap)> = vec![
        ("kek", EnvelopeOptions::new(meta(), vec![Recipient::Kek(&kek)]), &kek),
        ("x25519", EnvelopeOptions::new(meta(), vec![Recipient::X25519(&x)]), &id),
        ("x25519_auth", EnvelopeOptions::new(meta(), vec![Recipient::X25519(&x)]).with_sender(&sender), &id),
        ("xwing", EnvelopeOptions::new(meta(), vec![Recipient::XWing(xwr)]), &xw),
        (
            "three_recipients",
            EnvelopeOptions::new(meta(), vec![Recipient::Kek(&kek), Recipient::X25519(&x), Recipient::XWing(xwr)]),
            &xw,
        ),
        ("kek_signed", EnvelopeOptions::new(meta(), vec![Recipient::Kek(&kek)]).with_signer(&signer), &kek),
    ];
    for (label, len) in [("1KiB", 1024usize), ("1MiB", 1 << 20)] {
        let mut g = c.benchmark_group(format!("by_recipient_{label}"));
        configure(&mut g, len);
        let pt = filled(len);
        for (kind, opts, key) in &cases {
            let env = format::seal(&pt, opts).expect("seal");
            g.bench_function(BenchmarkId::new("seal", kind), |b| b.iter(|| format::seal(&pt, opts).expect("seal")));
            g.bench_function(BenchmarkId::new("open", kind), |b| b.iter(|| open_with(*key, &env)));
        }
        g.finish();
    }
}

fn rewrap(c: &mut Criterion) {
    let kek = Kek::from_bytes([5; 32]);
    let kek2 = Kek::from_bytes([6; 32]);
    let id = X25519Identity::from_bytes([6; 32]);
    let x = id.recipient().clone();
    let mut g = c.benchmark_group("rewrap");
    for (label, len) in [("1KiB", 1024usize), ("64MiB", 64 << 20)] {
        if quick() && len > 1 << 20 {
            continue;
        }
        configure(&mut g, len);
        let env = format::seal(&filled(len), &EnvelopeOptions::new(meta(), vec![Recipient::Kek(&kek)])).expect("seal");
        g.bench_function(BenchmarkId::new("add_kek", label), |b| {
            b.iter(|| format::rewrap(&env, &kek, &[], &[Recipient::Kek(&kek2)]).expect("rewrap"))
        });
        g.bench_function(BenchmarkId::new("add_x25519", label), |b| {
            b.iter(|| format::rewrap(&env, &kek, &[], &[Recipient::X25519(&x)]).expect("rewrap"))
        });
        // Header only (files: write the new header, then copy the payload from the returned offset).
        let h = format::parse_header(&env).expect("header");
        let dk = format::unwrap_with_kek(&h, &kek).expect("unwrap");
        g.bench_function(BenchmarkId::new("header_only_add_kek", label), |b| {
            b.iter(|| format::rewrap_header(&h, &dk, &[], &[Recipient::Kek(&kek2)]).expect("rewrap"))
        });
    }
    g.finish();
}

/// `CUSTODIA_BENCH_FILE_BYTES` (default 1 GiB).
fn file_bytes() -> u64 {
    if quick() {
        return 1 << 20;
    }
    std::env::var("CUSTODIA_BENCH_FILE_BYTES").ok().and_then(|v| v.parse().ok()).unwrap_or(1 << 30)
}

fn stream(c: &mut Criterion) {
    let len = file_bytes();
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("input.bin");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(File::create(&input).expect("create"));
        let block = filled(1 << 20);
        let mut left = len;
        while left > 0 {
            let n = left.min(block.len() as u64);
            f.write_all(&block[..usize::try_from(n).expect("<= 1 MiB")]).expect("write");
            left -= n;
        }
        f.flush().expect("flush");
    }
    let sealed = dir.path().join("sealed.env");
    let opened = dir.path().join("opened.bin");
    let kek = Kek::from_bytes([5; 32]);
    let opts = EnvelopeOptions::new(meta(), vec![Recipient::Kek(&kek)]);
    let seal = || {
        let mut out = File::create(&sealed).expect("create");
        format::seal_stream(&mut File::open(&input).expect("open"), &mut out, &opts).expect("seal");
    };
    let open = || {
        let mut src = BufReader::with_capacity(64 << 10, File::open(&sealed).expect("open"));
        let h = format::read_header(&mut src).expect("header");
        let dk = format::unwrap_with_kek(&h, &kek).expect("unwrap");
        let mut out = File::create(&opened).expect("create");
        format::open_stream(&h, &dk, &mut src, &mut out, None).expect("open");
    };
    seal();
    let mut g = c.benchmark_group("stream_file_to_file");
    g.throughput(Throughput::Bytes(len)).sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("seal_kek", |b| b.iter(seal));
    g.bench_function("open_kek", |b| b.iter(open));
    format::set_max_threads(1);
    g.bench_function("seal_kek_1thread", |b| b.iter(seal));
    g.bench_function("open_kek_1thread", |b| b.iter(open));
    format::set_max_threads(0);
    g.finish();
}

criterion_group!(benches, aead_baseline, by_size, by_recipient, rewrap, stream);
criterion_main!(benches);
