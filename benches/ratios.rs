//! custodia's side of the peer comparison: format-level seal and open timed round-robin against the raw
//! ChaCha20-Poly1305 primitives (RustCrypto, the cross-process anchor, and `ring`), with the same harness as
//! `benches/peers` (which times `age`). Prints JSON lines; `benches/peers/run.sh` runs both and writes BENCHMARKS.md.
//!
//! ```sh
//! cargo bench --bench ratios -- mem          # 1 KiB and 64 MiB in memory
//! cargo bench --bench ratios -- file DIR     # file to file (CUSTODIA_BENCH_FILE_BYTES, default 1 GiB), peak RSS
//! ```

#[path = "peers/src/harness.rs"]
mod harness;

use std::fs::File;
use std::path::Path;
use std::time::Duration;

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};
use custodia::format::{self, EnvelopeOptions, Metadata, Recipient};
use custodia::format::{Kek, X25519Identity};
use custodia::{Category, PurposeSet, Timestamp};
use harness::{Contender, Group};

const P: &str = "custodia";

fn raw_rustcrypto(len: usize) -> impl FnMut() {
    let aead = ChaCha20Poly1305::new(&[7u8; 32].into());
    let mut buf = harness::filled(len);
    move || {
        let tag = aead.encrypt_inout_detached(&[1u8; 12].into(), &[], buf.as_mut_slice().into()).expect("encrypt");
        std::hint::black_box(tag);
    }
}

/// Decrypt `len` bytes (a fresh copy of one ciphertext each time, so the tag verifies).
fn raw_rustcrypto_decrypt(len: usize) -> impl FnMut() {
    let aead = ChaCha20Poly1305::new(&[7u8; 32].into());
    let mut ct = harness::filled(len);
    let tag = aead.encrypt_inout_detached(&[1u8; 12].into(), &[], ct.as_mut_slice().into()).expect("encrypt");
    let mut buf = vec![0u8; len];
    move || {
        buf.copy_from_slice(&ct);
        aead.decrypt_inout_detached(&[1u8; 12].into(), &[], buf.as_mut_slice().into(), &tag).expect("decrypt");
        std::hint::black_box(&buf);
    }
}

/// What a KEK stanza's AEAD does (FORMAT.md §3): a 32-byte data key under a 32-byte key, with the stanza's AAD.
fn raw_rustcrypto_wrap(aad_len: usize) -> impl FnMut() {
    let aad = vec![9u8; aad_len];
    move || {
        let aead = ChaCha20Poly1305::new(&[8u8; 32].into());
        let mut dk = [3u8; 32];
        let tag = aead.encrypt_inout_detached(&[2u8; 12].into(), &aad, dk.as_mut_slice().into()).expect("encrypt");
        std::hint::black_box((dk, tag));
    }
}

/// The length of a KEK stanza's AAD in `env`: kind (2) || key id (16) || the sealed context (the header without the
/// stanza count, the one 80-byte stanza and the 32-byte MAC).
fn stanza_aad_len(env: &[u8]) -> usize {
    let h = format::parse_header(env).expect("header");
    2 + 16 + h.len() - 2 - 80 - 32
}

/// The SHA-256 work FORMAT.md §3-§4 asks of one seal and one open under a local KEK, done directly with the `hkdf`
/// and `hmac` crates: per side, the key schedule (extract + 3 expands), the KEK wrap key (extract + expand) and the
/// header MAC over `header_len - 32` bytes.
fn format_sha256_work(header_len: usize) -> impl FnMut() {
    use hkdf::Hkdf;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;
    let header = vec![4u8; header_len - 32];
    move || {
        for _side in 0..2 {
            let hk = Hkdf::<Sha256>::new(Some(&[1u8; 16]), &[2u8; 32]);
            let mut k = [[0u8; 32]; 3];
            for (info, out) in [&b"custodia/v1/payload"[..], b"custodia/v1/header-mac", b"custodia/v1/commitment"]
                .into_iter()
                .zip(k.iter_mut())
            {
                hk.expand(info, out).expect("32 bytes");
            }
            let mut wrap = [0u8; 32];
            Hkdf::<Sha256>::new(Some(&[1u8; 16]), &[5u8; 32])
                .expand(b"custodia/v1/kek-wrap", &mut wrap)
                .expect("32 bytes");
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&k[1]).expect("any key length");
            mac.update(&header);
            std::hint::black_box((wrap, mac.finalize().into_bytes()));
        }
    }
}

fn ring_encrypt(len: usize) -> impl FnMut() {
    use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
    let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &[7u8; 32]).expect("key"));
    let mut buf = harness::filled(len);
    move || {
        let tag = key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key([1u8; 12]), Aad::empty(), &mut buf)
            .expect("encrypt");
        let _ = std::hint::black_box(tag);
    }
}

fn meta() -> Metadata {
    Metadata::new(
        Category::FinancialRecords,
        PurposeSet::parse(&["investigation"]).expect("purpose"),
        Timestamp::from_unix(1_800_000_000),
    )
}

fn open_kek(kek: &Kek, env: &[u8]) -> usize {
    let h = format::parse_header(env).expect("header");
    let dk = format::unwrap_with_kek(&h, kek).expect("unwrap");
    format::open_payload(&h, &dk, env, None).expect("open").plaintext.expose_secret().len()
}

fn open_x25519_into(id: &X25519Identity, env: &[u8], out: &mut Vec<u8>) -> usize {
    let h = format::parse_header(env).expect("header");
    let dk = format::unwrap_with_x25519(&h, id, None).expect("unwrap");
    format::open_payload_into(&h, &dk, env, None, out).expect("open");
    out.len()
}

fn open_x25519(id: &X25519Identity, env: &[u8]) -> usize {
    let h = format::parse_header(env).expect("header");
    let dk = format::unwrap_with_x25519(&h, id, None).expect("unwrap");
    format::open_payload(&h, &dk, env, None).expect("open").plaintext.expose_secret().len()
}

/// Run `f` with at most `threads` threads (0: all), restoring the default after.
fn with_threads<T>(threads: usize, f: impl FnOnce() -> T) -> T {
    format::set_max_threads(threads);
    let out = f();
    format::set_max_threads(0);
    out
}

fn mem() {
    let kek = Kek::from_bytes([5; 32]);
    let id = X25519Identity::from_bytes([6; 32]);
    let recipient = id.recipient().clone();
    let kek_opts = EnvelopeOptions::new(meta(), vec![Recipient::Kek(&kek)]);
    let x_opts = EnvelopeOptions::new(meta(), vec![Recipient::X25519(&recipient)]);

    let small = harness::filled(1024);
    let small_kek = format::seal(&small, &kek_opts).expect("seal");
    let small_x = format::seal(&small, &x_opts).expect("seal");
    let g1 = Group {
        anchor: Contender::new("raw_rustcrypto_encrypt_1KiB", 1024, raw_rustcrypto(1024)),
        contenders: vec![
            Contender::new("ring_encrypt_1KiB", 1024, ring_encrypt(1024)),
            Contender::new("custodia_kek_seal_1KiB", 1024, || {
                std::hint::black_box(format::seal(&small, &kek_opts).expect("seal"));
            }),
            Contender::new("custodia_kek_open_1KiB", 1024, || {
                std::hint::black_box(open_kek(&kek, &small_kek));
            }),
            Contender::new("custodia_kek_seal_open_1KiB", 1024, || {
                let env = format::seal(&small, &kek_opts).expect("seal");
                std::hint::black_box(open_kek(&kek, &env));
            }),
            // The primitives the format requires of a 1 KiB round trip under a local KEK, each on its own, so the
            // report can say how much of the round trip they are ("Where a 1 KiB round trip goes").
            Contender::new("prim_aead_decrypt_1KiB", 1024, raw_rustcrypto_decrypt(1024)),
            Contender::new("prim_aead_wrap_32B", 1024, raw_rustcrypto_wrap(stanza_aad_len(&small_kek))),
            Contender::new(
                "prim_sha256_round_trip",
                1024,
                format_sha256_work(format::parse_header(&small_kek).expect("header").len()),
            ),
            Contender::new("prim_getrandom_seal", 1024, || {
                let mut b = [0u8; 60];
                getrandom::fill(&mut b).expect("getrandom");
                std::hint::black_box(b);
            }),
            Contender::new("custodia_x25519_seal_1KiB", 1024, || {
                std::hint::black_box(format::seal(&small, &x_opts).expect("seal"));
            }),
            Contender::new("custodia_x25519_open_1KiB", 1024, || {
                std::hint::black_box(open_x25519(&id, &small_x));
            }),
        ],
        settle: None,
    };

    let len = 64 << 20;
    let big = harness::filled(len);
    let big_x = format::seal(&big, &x_opts).expect("seal");
    // Buffers reused across iterations (the `_into` API); the plaintext one is zeroized when dropped.
    let seal_buf = std::cell::RefCell::new(Vec::new());
    let open_buf = std::cell::RefCell::new(zeroize::Zeroizing::new(Vec::new()));
    let g64 = Group {
        anchor: Contender::new("raw_rustcrypto_encrypt_64MiB", len as u64, raw_rustcrypto(len)),
        contenders: vec![
            Contender::new("ring_encrypt_64MiB", len as u64, ring_encrypt(len)),
            Contender::new("custodia_x25519_seal_64MiB_1thread", len as u64, || {
                std::hint::black_box(with_threads(1, || format::seal(&big, &x_opts).expect("seal")));
            }),
            Contender::new("custodia_x25519_open_64MiB_1thread", len as u64, || {
                std::hint::black_box(with_threads(1, || open_x25519(&id, &big_x)));
            }),
            Contender::new("custodia_x25519_seal_into_64MiB_1thread", len as u64, || {
                with_threads(1, || format::seal_into(&big, &x_opts, &mut seal_buf.borrow_mut()).expect("seal"));
            }),
            Contender::new("custodia_x25519_open_into_64MiB_1thread", len as u64, || {
                std::hint::black_box(with_threads(1, || open_x25519_into(&id, &big_x, &mut open_buf.borrow_mut())));
            }),
            Contender::new("custodia_x25519_seal_into_64MiB", len as u64, || {
                format::seal_into(&big, &x_opts, &mut seal_buf.borrow_mut()).expect("seal");
            }),
            Contender::new("custodia_x25519_open_into_64MiB", len as u64, || {
                std::hint::black_box(open_x25519_into(&id, &big_x, &mut open_buf.borrow_mut()));
            }),
            Contender::new("custodia_x25519_seal_64MiB", len as u64, || {
                std::hint::black_box(format::seal(&big, &x_opts).expect("seal"));
            }),
            Contender::new("custodia_x25519_open_64MiB", len as u64, || {
                std::hint::black_box(open_x25519(&id, &big_x));
            }),
        ],
        settle: None,
    };
    harness::run_groups(P, &mut [g1, g64], rounds(), Duration::from_millis(20));
}

fn file(dir: &Path) {
    let len = harness::file_bytes();
    let input = dir.join("input.bin");
    harness::make_input(&input, len);
    let sealed = dir.join("custodia.env");
    let opened = dir.join("custodia.out");
    let id = X25519Identity::from_bytes([6; 32]);
    let recipient = id.recipient().clone();
    let opts = EnvelopeOptions::new(meta(), vec![Recipient::X25519(&recipient)]);
    let seal = || {
        let mut out = File::create(&sealed).expect("create");
        format::seal_stream(&mut File::open(&input).expect("open input"), &mut out, &opts).expect("seal");
    };
    let open = || {
        let mut src = File::open(&sealed).expect("open");
        let h = format::read_header(&mut src).expect("header");
        let dk = format::unwrap_with_x25519(&h, &id, None).expect("unwrap");
        let mut out = File::create(&opened).expect("create");
        format::open_stream(&h, &dk, &mut src, &mut out, None).expect("open");
    };
    // Peak RSS first, before the anchor's buffer exists.
    for (threads, suffix) in [(0, ""), (1, "_1thread")] {
        harness::reset_peak_rss();
        with_threads(threads, seal);
        harness::print_rss(P, &format!("custodia_file_seal{suffix}"), harness::peak_rss_kib());
        harness::reset_peak_rss();
        with_threads(threads, open);
        harness::print_rss(P, &format!("custodia_file_open{suffix}"), harness::peak_rss_kib());
    }
    let mut groups = vec![Group {
        anchor: Contender::new("raw_rustcrypto_encrypt_16MiB", 16 << 20, raw_rustcrypto(16 << 20)),
        contenders: vec![
            Contender::new("custodia_file_seal", len, seal),
            Contender::new("custodia_file_open", len, open),
            Contender::new("custodia_file_seal_1thread", len, || with_threads(1, seal)),
            Contender::new("custodia_file_open_1thread", len, || with_threads(1, open)),
        ],
        settle: Some(harness::sync_all),
    }];
    harness::run_groups(P, &mut groups, file_rounds(), Duration::from_millis(1));
    let _ = std::fs::remove_file(&sealed);
    let _ = std::fs::remove_file(&opened);
}

fn rounds() -> usize {
    std::env::var("CUSTODIA_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(15)
}

fn file_rounds() -> usize {
    std::env::var("CUSTODIA_BENCH_FILE_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5)
}

fn main() {
    // `cargo bench` appends `--bench`; `cargo test --all-targets` runs this without it: then only check that the
    // operations work, quickly.
    if !std::env::args().any(|a| a == "--bench") {
        smoke();
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    match args.first().map(String::as_str) {
        Some("file") => file(Path::new(args.get(1).map_or("/tmp", String::as_str))),
        // `mem`, or plain `cargo bench`: the in-memory comparison.
        _ => mem(),
    }
}

/// One round trip of each kind, no timing (under `cargo test`).
fn smoke() {
    let kek = Kek::from_bytes([5; 32]);
    let id = X25519Identity::from_bytes([6; 32]);
    let recipient = id.recipient().clone();
    let pt = harness::filled(300 * 1024);
    let env = format::seal(&pt, &EnvelopeOptions::new(meta(), vec![Recipient::Kek(&kek)])).expect("seal");
    assert_eq!(open_kek(&kek, &env), pt.len());
    let env = format::seal(&pt, &EnvelopeOptions::new(meta(), vec![Recipient::X25519(&recipient)])).expect("seal");
    let mut out = Vec::new();
    assert_eq!(open_x25519_into(&id, &env, &mut out), pt.len());
    assert_eq!(open_x25519(&id, &env), pt.len());
}
