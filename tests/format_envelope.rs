//! API tests of the envelope format: round trips, tampering, truncation, wrong keys, signatures, re-wrap, seeking,
//! streaming.

#![allow(clippy::unwrap_used, reason = "test helpers")]

use std::io::{Cursor, Read, Seek, SeekFrom, Write};

use chacha20::ChaCha20Rng;
#[cfg(feature = "xwing")]
use custodia::format::XWingIdentity;
use custodia::format::{
    self, EnvelopeOptions, InstrumentKind, LegalInstrument, Metadata, Recipient, StanzaKind, Unwrap,
};
use custodia::format::{Kek, SigningKey, X25519Identity};
use custodia::{CaseRef, Category, Classification, Error, Jurisdiction, PurposeSet, Timestamp};
use proptest::prelude::*;
use rand_core::SeedableRng;

fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

fn meta(chunk: u32) -> Metadata {
    let mut m = Metadata::new(
        Category::FinancialRecords,
        PurposeSet::parse(&["investigation", "mla.request"]).unwrap(),
        Timestamp::from_unix(1_790_000_000),
    );
    m.classification = Classification::Secret;
    m.case_ref = Some(CaseRef::parse("MLA-2026-0042").unwrap());
    m.instrument = Some(
        LegalInstrument::new(InstrumentKind::EuropeanInvestigationOrder, Some("EIO/DE/2026/113"), Some("Art. 10 EIO"))
            .unwrap(),
    );
    m.origin = Some(Jurisdiction::parse("NL").unwrap());
    m.destinations = vec![Jurisdiction::parse("DE").unwrap(), Jurisdiction::parse("BE").unwrap()];
    m.not_after = Some(Timestamp::from_unix(1_900_000_000));
    m.chunk_size = chunk;
    m
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| u8::try_from((i * 31 + 7) % 251).unwrap()).collect()
}

struct Keys {
    kek: Kek,
    x: X25519Identity,
    #[cfg(feature = "xwing")]
    xw: XWingIdentity,
    sender: X25519Identity,
    signer: SigningKey,
}

fn keys() -> Keys {
    let mut r = rng(1);
    Keys {
        kek: Kek::generate_with_rng(&mut r),
        x: X25519Identity::generate_with_rng(&mut r),
        #[cfg(feature = "xwing")]
        xw: XWingIdentity::generate_with_rng(&mut r),
        sender: X25519Identity::generate_with_rng(&mut r),
        signer: SigningKey::generate_with_rng(&mut r),
    }
}

fn open_with(env: &[u8], k: &dyn Unwrap) -> custodia::Result<Vec<u8>> {
    format::open(env, &[k], None).map(|o| o.plaintext.expose_secret().clone())
}

#[cfg(feature = "xwing")]
#[test]
fn round_trip_every_recipient_kind_and_size() {
    let k = keys();
    let cs = 64usize;
    for n in [0, 1, cs - 1, cs, cs + 1, 3 * cs, 3 * cs + 5] {
        let pt = data(n);
        let opts = EnvelopeOptions::new(
            meta(64),
            vec![Recipient::Kek(&k.kek), Recipient::X25519(k.x.recipient()), Recipient::XWing(k.xw.recipient())],
        )
        .with_signer(&k.signer);
        let env = format::seal_with_rng(&pt, &opts, &mut rng(2)).unwrap();
        for key in [&k.kek as &dyn Unwrap, &k.x, &k.xw] {
            let o = format::open(&env, &[key], Some(&k.signer.verifying_key())).unwrap();
            assert_eq!(o.plaintext.expose_secret(), &pt, "size {n}");
            assert_eq!(o.signer.unwrap().id(), k.signer.id());
            assert_eq!(o.plaintext.classification(), Classification::Secret);
        }
        // Armored too.
        assert_eq!(open_with(format::armor(&env).as_bytes(), &k.kek).unwrap(), pt);
    }
}

#[test]
fn header_exposes_bound_metadata_without_keys() {
    let k = keys();
    let opts = EnvelopeOptions::new(meta(1024), vec![Recipient::Kek(&k.kek), Recipient::X25519(k.x.recipient())])
        .with_sender(&k.sender)
        .with_signer(&k.signer);
    let env = format::seal(b"hello", &opts).unwrap();
    let h = format::parse_header(&env).unwrap();
    assert_eq!(h.case_ref().unwrap().as_str(), "MLA-2026-0042");
    assert_eq!(h.signer_id(), Some(k.signer.id()));
    let kinds: Vec<_> = h.stanzas().iter().map(|s| (s.kind(), s.key_id())).collect();
    assert_eq!(kinds, vec![(StanzaKind::Kek, k.kek.id()), (StanzaKind::X25519Auth, k.x.id())]);
    assert_eq!(h.senders(), vec![k.sender.recipient()]);
    let t = h.terms();
    assert_eq!(t.purposes.to_string(), "investigation, mla.request");
    assert_eq!(t.destinations.iter().map(|d| d.as_str()).collect::<Vec<_>>(), vec!["BE", "DE"]);
    assert_eq!(t.not_after, Some(Timestamp::from_unix(1_900_000_000)));
    let ins = h.metadata().instrument.as_ref().unwrap();
    assert_eq!(ins.reference(), Some("EIO/DE/2026/113"));
    // Reading from a stream consumes exactly the header.
    let mut cur = Cursor::new(&env);
    let h2 = format::read_header(&mut cur).unwrap();
    assert_eq!(cur.position(), h2.len() as u64);
}

#[test]
fn auth_mode_reports_and_checks_the_sender() {
    let k = keys();
    let other = X25519Identity::generate_with_rng(&mut rng(9));
    let opts = EnvelopeOptions::new(meta(64), vec![Recipient::X25519(k.x.recipient())]).with_sender(&k.sender);
    let env = format::seal(&data(100), &opts).unwrap();
    let h = format::parse_header(&env).unwrap();
    let dk = format::unwrap_with_x25519(&h, &k.x, Some(k.sender.recipient())).unwrap();
    assert_eq!(dk.sender(), Some(k.sender.recipient()));
    let o = format::open_payload(&h, &dk, &env, None).unwrap();
    assert_eq!(o.sender.as_ref(), Some(k.sender.recipient()));
    assert!(matches!(format::unwrap_with_x25519(&h, &k.x, Some(other.recipient())), Err(Error::SignerMismatch { .. })));
    // A base-mode envelope does not satisfy a required sender.
    let base =
        format::seal(&data(10), &EnvelopeOptions::new(meta(64), vec![Recipient::X25519(k.x.recipient())])).unwrap();
    let hb = format::parse_header(&base).unwrap();
    assert!(matches!(
        format::unwrap_with_x25519(&hb, &k.x, Some(k.sender.recipient())),
        Err(Error::SignerMismatch { .. })
    ));
    assert!(format::unwrap_with_x25519(&hb, &k.x, None).unwrap().sender().is_none());
}

#[test]
fn wrong_key_is_no_matching_recipient() {
    let k = keys();
    let env = format::seal(b"x", &EnvelopeOptions::new(meta(64), vec![Recipient::Kek(&k.kek)])).unwrap();
    let other = Kek::generate().unwrap();
    assert!(matches!(open_with(&env, &other), Err(Error::NoMatchingRecipient)));
    assert!(matches!(open_with(&env, &k.x), Err(Error::NoMatchingRecipient)));
    #[cfg(feature = "xwing")]
    assert!(matches!(open_with(&env, &k.xw), Err(Error::NoMatchingRecipient)));
    // Same id, other key bytes: the stanza is found but does not open.
    let impostor = Kek::from_bytes([9; 32]).with_id(k.kek.id());
    assert!(matches!(open_with(&env, &impostor), Err(Error::OpenFailed)));
}

#[test]
fn every_bit_flip_fails_without_plaintext() {
    let k = keys();
    let opts = EnvelopeOptions::new(meta(64), vec![Recipient::Kek(&k.kek)]).with_signer(&k.signer);
    let env = format::seal(&data(150), &opts).unwrap();
    for i in 0..env.len() {
        for bit in 0..8 {
            let mut bad = env.clone();
            bad[i] ^= 1 << bit;
            let r = format::open(&bad, &[&k.kek], None);
            assert!(r.is_err(), "flip of bit {bit} in byte {i} went unnoticed");
        }
    }
}

#[test]
fn truncation_at_every_offset_fails() {
    let k = keys();
    for signed in [false, true] {
        let mut opts = EnvelopeOptions::new(meta(64), vec![Recipient::Kek(&k.kek)]);
        if signed {
            opts = opts.with_signer(&k.signer);
        }
        let env = format::seal(&data(200), &opts).unwrap();
        for cut in 0..env.len() {
            assert!(format::open(&env[..cut], &[&k.kek], None).is_err(), "cut at {cut} (signed {signed})");
        }
        // Extension fails too.
        let mut ext = env.clone();
        ext.push(0);
        assert!(format::open(&ext, &[&k.kek], None).is_err());
    }
}

/// Split the payload of an unsigned envelope into its chunks (each `chunk + 16` bytes, the last shorter).
fn chunks(env: &[u8], chunk: usize) -> (Vec<u8>, Vec<Vec<u8>>) {
    let h = format::parse_header(env).unwrap();
    let head = env[..h.len()].to_vec();
    let body: Vec<Vec<u8>> = env[h.len()..].chunks(chunk + 16).map(<[u8]>::to_vec).collect();
    (head, body)
}

#[test]
fn chunk_drop_duplicate_reorder_fail() {
    let k = keys();
    let env = format::seal(&data(64 * 3 + 10), &EnvelopeOptions::new(meta(64), vec![Recipient::Kek(&k.kek)])).unwrap();
    let (head, c) = chunks(&env, 64);
    assert_eq!(c.len(), 4);
    let build = |order: &[usize]| {
        let mut v = head.clone();
        for &i in order {
            v.extend_from_slice(&c[i]);
        }
        v
    };
    assert!(format::open(&build(&[0, 1, 2, 3]), &[&k.kek], None).is_ok());
    for order in [&[0, 1, 3][..], &[0, 1, 2], &[1, 0, 2, 3], &[0, 0, 1, 2, 3], &[0, 1, 2, 3, 3], &[0, 2, 1, 3]] {
        assert!(format::open(&build(order), &[&k.kek], None).is_err(), "{order:?}");
    }
}

/// Re-encode a header field value by patching bytes: find `needle` after the prefix and replace it.
fn patch(env: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let i = env.windows(needle.len()).position(|w| w == needle).expect("needle present");
    let mut v = env.to_vec();
    v[i..i + needle.len()].copy_from_slice(with);
    v
}

#[test]
fn tampered_bound_fields_fail() {
    let k = keys();
    let env = format::seal(&data(10), &EnvelopeOptions::new(meta(64), vec![Recipient::Kek(&k.kek)])).unwrap();
    let not_after = 1_900_000_000u64.to_be_bytes();
    let later = 1_999_999_999u64.to_be_bytes();
    let cases: Vec<Vec<u8>> = vec![
        patch(&env, b"investigation", b"investigatioo"), // purposes
        patch(&env, &not_after, &later),                 // expiry
        patch(&env, &[0x00, 0x02, 0x00, 0x02, 0x00, 0x03], &[0x00, 0x02, 0x00, 0x02, 0x00, 0x04]), // category
        patch(&env, b"BEDE", b"BEFR"),                   // destinations
        patch(&env, b"NL", b"US"),                       // origin
    ];
    for (i, bad) in cases.iter().enumerate() {
        assert!(format::parse_header(bad).is_ok(), "case {i} still parses");
        assert!(matches!(format::open(bad, &[&k.kek], None), Err(Error::OpenFailed)), "case {i}");
    }
}

#[test]
fn swapped_headers_fail() {
    let k = keys();
    let opts = EnvelopeOptions::new(meta(64), vec![Recipient::Kek(&k.kek)]);
    let a = format::seal(&data(100), &opts).unwrap();
    let b = format::seal(&data(100), &opts).unwrap();
    let ha = format::parse_header(&a).unwrap();
    let hb = format::parse_header(&b).unwrap();
    let mut spliced = a[..ha.len()].to_vec();
    spliced.extend_from_slice(&b[hb.len()..]);
    assert!(matches!(format::open(&spliced, &[&k.kek], None), Err(Error::OpenFailed)));
    // A stanza lifted from one envelope into another fails too.
    let dk_b = format::unwrap_with_kek(&hb, &k.kek).unwrap();
    assert!(matches!(format::open_payload(&ha, &dk_b, &a, None), Err(Error::OpenFailed)));
}

#[test]
fn co_recipient_cannot_forge_signed_content() {
    let k = keys();
    let opts = EnvelopeOptions::new(meta(64), vec![Recipient::Kek(&k.kek), Recipient::X25519(k.x.recipient())])
        .with_signer(&k.signer);
    let env = format::seal(&data(100), &opts).unwrap();
    let h = format::parse_header(&env).unwrap();
    // The X25519 co-recipient learns the data key and re-seals other content under the same header: it can make
    // every chunk and the MAC authentic, but not the signature.
    let dk = format::unwrap_with_x25519(&h, &k.x, None).unwrap();
    let forged_body = format::seal(&data(100), &EnvelopeOptions::new(meta(64), vec![Recipient::Kek(&k.kek)])).unwrap();
    let mut forged = h.as_bytes().to_vec();
    let fh = format::parse_header(&forged_body).unwrap();
    forged.extend_from_slice(&forged_body[fh.len()..]);
    forged.extend_from_slice(&env[env.len() - 64..]);
    assert!(format::open_payload(&h, &dk, &forged, None).is_err());
    // Dropping the signer from the header breaks the MAC; and a required signer refuses unsigned envelopes.
    let unsigned = format::seal(&data(5), &EnvelopeOptions::new(meta(64), vec![Recipient::Kek(&k.kek)])).unwrap();
    assert!(matches!(
        format::open(&unsigned, &[&k.kek], Some(&k.signer.verifying_key())),
        Err(Error::SignerMismatch { .. })
    ));
    let other = SigningKey::generate().unwrap();
    assert!(matches!(format::open(&env, &[&k.kek], Some(&other.verifying_key())), Err(Error::SignerMismatch { .. })));
    // A bad signature trailer.
    let mut bad = env.clone();
    let n = bad.len();
    bad[n - 1] ^= 1;
    assert!(matches!(format::open(&bad, &[&k.kek], None), Err(Error::SignatureInvalid)));
}

#[test]
fn huge_declared_lengths_fail_fast() {
    let mut v = b"CUSTODIA\x00\x01\x00\x01".to_vec();
    v.extend_from_slice(&0xffff_fff0u32.to_be_bytes());
    v.resize(100, 0);
    assert!(matches!(format::parse_header(&v), Err(Error::LimitExceeded { what: "header fields length", .. })));
    let mut r = Cursor::new(v);
    assert!(matches!(format::read_header(&mut r), Err(Error::LimitExceeded { .. })));
    assert!(matches!(format::parse_header(b"CUSTO"), Err(Error::Truncated)));
    assert!(matches!(format::parse_header(b"NOTANENVELOPE___"), Err(Error::Malformed(_))));
    assert!(matches!(format::parse_header(b"CUSTODIA\x00\x02\x00\x01"), Err(Error::UnsupportedVersion(2))));
    assert!(matches!(format::parse_header(b"CUSTODIA\x00\x01\x00\x07"), Err(Error::UnsupportedSuite(7))));
}

#[cfg(feature = "xwing")]
#[test]
fn rewrap_keeps_payload_and_signature() {
    let k = keys();
    let escrow = Kek::generate_with_rng(&mut rng(5));
    let opts = EnvelopeOptions::new(meta(64), vec![Recipient::Kek(&k.kek), Recipient::X25519(k.x.recipient())])
        .with_signer(&k.signer);
    let pt = data(300);
    let env = format::seal(&pt, &opts).unwrap();
    let h = format::parse_header(&env).unwrap();
    let re =
        format::rewrap(&env, &k.kek, &[k.kek.id()], &[Recipient::Kek(&escrow), Recipient::XWing(k.xw.recipient())])
            .unwrap();
    let h2 = format::parse_header(&re).unwrap();
    assert_eq!(&env[h.len()..], &re[h2.len()..], "payload and signature byte-identical");
    assert_eq!(h.terms(), h2.terms());
    assert!(matches!(open_with(&re, &k.kek), Err(Error::NoMatchingRecipient)));
    for key in [&escrow as &dyn Unwrap, &k.x, &k.xw] {
        let o = format::open(&re, &[key], Some(&k.signer.verifying_key())).unwrap();
        assert_eq!(o.plaintext.expose_secret(), &pt);
    }
    // Header-only variant.
    let dk = format::unwrap_with_kek(&h, &k.kek).unwrap();
    let (nh, at) = format::rewrap_header(&h, &dk, &[], &[Recipient::Kek(&escrow)]).unwrap();
    assert_eq!(at, h.len());
    let mut file = nh;
    file.extend_from_slice(&env[at..]);
    assert_eq!(open_with(&file, &escrow).unwrap(), pt);
    // Errors: nothing left, unknown id, duplicate.
    assert!(format::rewrap(&env, &k.kek, &[k.kek.id(), k.x.id()], &[]).is_err());
    assert!(format::rewrap(&env, &k.kek, &[escrow.id()], &[]).is_err());
    assert!(format::rewrap(&env, &k.kek, &[], &[Recipient::Kek(&k.kek)]).is_err());
}

#[test]
fn seek_returns_the_right_bytes() {
    let k = keys();
    let pt = data(64 * 10 + 17);
    for signed in [false, true] {
        let mut opts = EnvelopeOptions::new(meta(64), vec![Recipient::Kek(&k.kek)]);
        if signed {
            opts = opts.with_signer(&k.signer);
        }
        let env = format::seal(&pt, &opts).unwrap();
        let mut cur = Cursor::new(env.clone());
        let h = format::read_header(&mut cur).unwrap();
        let dk = format::unwrap_with_kek(&h, &k.kek).unwrap();
        let mut r = format::Reader::new(&h, &dk, cur, None).unwrap();
        assert_eq!(r.len(), pt.len() as u64);
        for &(off, n) in &[(0usize, 10usize), (63, 2), (64, 64), (100, 300), (600, 200), (pt.len() - 1, 5), (5, 0)] {
            r.seek(SeekFrom::Start(off as u64)).unwrap();
            let mut got = Vec::new();
            r.by_ref().take(n as u64).read_to_end(&mut got).unwrap();
            assert_eq!(got, pt[off..(off + n).min(pt.len())], "offset {off}");
        }
        r.seek(SeekFrom::End(-3)).unwrap();
        let mut tail = Vec::new();
        r.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, pt[pt.len() - 3..]);
        // A truncated file is refused when the reader is built.
        let mut cut = Cursor::new(env[..env.len() - 90].to_vec());
        let h = format::read_header(&mut cut).unwrap();
        assert!(format::Reader::new(&h, &dk, cut, None).is_err());
    }
}

/// A source of `len` pseudo-random bytes that records the largest single read request.
struct Gen {
    left: usize,
    max_ask: usize,
}
impl Read for Gen {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.max_ask = self.max_ask.max(buf.len());
        let n = buf.len().min(self.left).min(1000);
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = u8::try_from((self.left + i) % 253).unwrap();
        }
        self.left -= n;
        Ok(n)
    }
}

/// A sink that records the total and the largest single write.
#[derive(Default)]
struct Sink {
    data: Vec<u8>,
    keep: bool,
    total: u64,
    max_write: usize,
}
impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.max_write = self.max_write.max(buf.len());
        self.total += buf.len() as u64;
        if self.keep {
            self.data.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn streaming_several_mib_in_bounded_buffers() {
    let k = keys();
    let len = 5 * 1024 * 1024 + 123;
    let mut m = meta(64 * 1024);
    m.chunk_size = 64 * 1024;
    let opts = EnvelopeOptions::new(m, vec![Recipient::Kek(&k.kek)]).with_signer(&k.signer);
    let mut src = Gen { left: len, max_ask: 0 };
    let mut sealed = Sink { keep: true, ..Sink::default() };
    assert_eq!(format::seal_stream(&mut src, &mut sealed, &opts).unwrap(), len as u64);
    // One chunk and the byte after it (to tell the last chunk) at most.
    assert!(src.max_ask <= 64 * 1024 + 1, "sealer asked for {} bytes at once", src.max_ask);
    assert!(sealed.max_write <= 64 * 1024 + 16 + 4096);
    let mut input = Cursor::new(sealed.data);
    let h = format::read_header(&mut input).unwrap();
    let dk = format::unwrap_with_kek(&h, &k.kek).unwrap();
    let mut out = Sink::default();
    let rep = format::open_stream(&h, &dk, &mut input, &mut out, Some(&k.signer.verifying_key())).unwrap();
    assert_eq!(rep.len, len as u64);
    assert_eq!(out.total, len as u64);
    assert!(out.max_write <= 64 * 1024);
}

#[test]
fn seal_options_are_validated() {
    let k = keys();
    let mut m = meta(64);
    m.chunk_size = 63;
    assert!(format::seal(b"", &EnvelopeOptions::new(m, vec![Recipient::Kek(&k.kek)])).is_err());
    assert!(format::seal(b"", &EnvelopeOptions::new(meta(64), vec![])).is_err());
    let mut m = meta(64);
    m.purposes = PurposeSet::new();
    assert!(matches!(format::seal(b"", &EnvelopeOptions::new(m, vec![Recipient::Kek(&k.kek)])), Err(Error::NoPurpose)));
    assert!(
        format::seal(b"", &EnvelopeOptions::new(meta(64), vec![Recipient::Kek(&k.kek), Recipient::Kek(&k.kek)]))
            .is_err()
    );
}

#[test]
fn secrets_do_not_print() {
    let k = keys();
    let s = format!("{:?} {:?} {:?}", k.kek, k.x, k.signer);
    #[cfg(feature = "xwing")]
    let s = format!("{s} {:?}", k.xw);
    assert!(s.contains(&k.kek.id().to_string()));
    let hex: String = k.kek.expose_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert!(!s.contains(&hex));
}

#[test]
fn print_overhead() {
    let keks: Vec<Kek> = (0..3).map(|i| Kek::generate_with_rng(&mut rng(40 + i))).collect();
    let mut m =
        Metadata::new(Category::Evidence, PurposeSet::parse(&["investigation"]).unwrap(), Timestamp::from_unix(0));
    m.chunk_size = format::DEFAULT_CHUNK_SIZE;
    for n in [1usize, 3] {
        for size in [0usize, 1024] {
            let r: Vec<Recipient<'_>> = keks[..n].iter().map(Recipient::Kek).collect();
            let env = format::seal(&data(size), &EnvelopeOptions::new(m.clone(), r)).unwrap();
            println!("overhead: {n} KEK recipient(s), {size} B payload: {} bytes", env.len() - size);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn prop_round_trip(size in 0usize..700, mix in 1u8..8, signed: bool, auth: bool) {
        let k = keys();
        let mut r = Vec::new();
        if mix & 1 != 0 { r.push(Recipient::Kek(&k.kek)); }
        if mix & 2 != 0 { r.push(Recipient::X25519(k.x.recipient())); }
        #[cfg(feature = "xwing")]
        if mix & 4 != 0 { r.push(Recipient::XWing(k.xw.recipient())); }
        // Without X-Wing, a mix of X-Wing only falls back to the KEK.
        if r.is_empty() { r.push(Recipient::Kek(&k.kek)); }
        let mut opts = EnvelopeOptions::new(meta(64), r);
        if signed { opts = opts.with_signer(&k.signer); }
        if auth { opts = opts.with_sender(&k.sender); }
        let pt = data(size);
        let env = format::seal(&pt, &opts).unwrap();
        #[cfg(feature = "xwing")]
        let o = format::open(&env, &[&k.kek, &k.x, &k.xw], None).unwrap();
        #[cfg(not(feature = "xwing"))]
        let o = format::open(&env, &[&k.kek, &k.x], None).unwrap();
        prop_assert_eq!(o.plaintext.expose_secret(), &pt);
        prop_assert_eq!(o.signer.is_some(), signed);
    }
}
