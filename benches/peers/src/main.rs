//! Peers of custodia, timed round-robin in one process: `age` 0.12 (one X25519 recipient, stream API), `ring` 0.17
//! ChaCha20-Poly1305, and the raw RustCrypto primitive (the anchor that custodia's own `ratios` benchmark measures
//! too). Prints JSON lines; `run.sh` turns them into BENCHMARKS.md.
//!
//! `custodia-peers mem` — 1 KiB and 64 MiB in memory; `custodia-peers file DIR` — file to file with peak RSS.

mod harness;

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::iter;
use std::time::Duration;

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};
use harness::{Contender, Group};

const P: &str = "peers";

fn raw_rustcrypto(len: usize) -> impl FnMut() {
    let aead = ChaCha20Poly1305::new(&[7u8; 32].into());
    let mut buf = harness::filled(len);
    move || {
        let tag = aead.encrypt_inout_detached(&[1u8; 12].into(), &[], buf.as_mut_slice().into()).expect("encrypt");
        std::hint::black_box(tag);
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
        std::hint::black_box(tag);
    }
}

fn age_seal(recipient: &age::x25519::Recipient, pt: &[u8]) -> Vec<u8> {
    let enc = age::Encryptor::with_recipients(iter::once(recipient as &dyn age::Recipient)).expect("encryptor");
    let mut out = Vec::with_capacity(pt.len() + pt.len() / 4096 + 512);
    let mut w = enc.wrap_output(&mut out).expect("wrap");
    w.write_all(pt).expect("write");
    w.finish().expect("finish");
    out
}

fn age_open(identity: &age::x25519::Identity, ct: &[u8], len: usize) -> Vec<u8> {
    let dec = age::Decryptor::new(ct).expect("decryptor");
    let mut r = dec.decrypt(iter::once(identity as &dyn age::Identity)).expect("decrypt");
    let mut out = Vec::with_capacity(len);
    r.read_to_end(&mut out).expect("read");
    out
}

fn mem() {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public();
    let mut groups = Vec::new();
    for (label, len) in [("1KiB", 1024usize), ("64MiB", 64 << 20)] {
        let pt = harness::filled(len);
        let ct = age_seal(&recipient, &pt);
        let (r, i) = (recipient.clone(), identity.clone());
        let pt2 = pt.clone();
        groups.push(Group {
            anchor: Contender::new(format!("raw_rustcrypto_encrypt_{label}"), len as u64, raw_rustcrypto(len)),
            contenders: vec![
                Contender::new(format!("ring_encrypt_{label}"), len as u64, ring_encrypt(len)),
                Contender::new(format!("age_x25519_seal_{label}"), len as u64, move || {
                    std::hint::black_box(age_seal(&r, &pt2));
                }),
                Contender::new(format!("age_x25519_open_{label}"), len as u64, move || {
                    std::hint::black_box(age_open(&i, &ct, len));
                }),
            ],
            settle: None,
        });
    }
    harness::run_groups(P, &mut groups, rounds(), Duration::from_millis(20));
}

fn file(dir: &std::path::Path) {
    let len = harness::file_bytes();
    let input = dir.join("input.bin");
    harness::make_input(&input, len);
    let sealed = dir.join("peers.age");
    let opened = dir.join("peers.out");
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public();
    let seal = |r: &age::x25519::Recipient| {
        let enc = age::Encryptor::with_recipients(iter::once(r as &dyn age::Recipient)).expect("encryptor");
        let mut w = enc.wrap_output(File::create(&sealed).expect("create")).expect("wrap");
        harness::copy_64k(&mut File::open(&input).expect("open input"), &mut w);
        w.finish().expect("finish");
    };
    let open = |i: &age::x25519::Identity| {
        let dec = age::Decryptor::new_buffered(BufReader::new(File::open(&sealed).expect("open"))).expect("decryptor");
        let mut r = dec.decrypt(iter::once(i as &dyn age::Identity)).expect("decrypt");
        let mut out = File::create(&opened).expect("create");
        harness::copy_64k(&mut r, &mut out);
    };
    // Peak RSS first, before the anchor's buffer exists.
    harness::reset_peak_rss();
    seal(&recipient);
    harness::print_rss(P, "age_file_seal", harness::peak_rss_kib());
    harness::reset_peak_rss();
    open(&identity);
    harness::print_rss(P, "age_file_open", harness::peak_rss_kib());
    let mut groups = vec![Group {
        anchor: Contender::new("raw_rustcrypto_encrypt_16MiB", 16 << 20, raw_rustcrypto(16 << 20)),
        contenders: vec![
            Contender::new("age_file_seal", len, || seal(&recipient)),
            Contender::new("age_file_open", len, || open(&identity)),
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
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("mem") => mem(),
        Some("file") => file(std::path::Path::new(args.get(2).map_or("/tmp", String::as_str))),
        _ => eprintln!("usage: custodia-peers mem | file DIR"),
    }
}
