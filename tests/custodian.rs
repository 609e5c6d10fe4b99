//! The `Custodian` facade end to end: keys for their whole life, seal/open through the policy gate, re-wrap,
//! crypto-shredding, retention and legal holds, and the audit trail of all of it.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use custodia::audit::{EventKind, MemorySink};
use custodia::{
    Actor, CaseRef, Category, Classification, Custodian, CustodianOptions, DataTag, Error, ExceptionGround, FixedClock,
    Jurisdiction, KeyId, KeyKind, OpenRequest, Purpose, PurposeSet, SealOptions, Sensitive, Timestamp,
};
use custodia::{KdfParams, KeyState, Unlock};
use custodia::{RewrapItem, RewrapOutput, RewrapPlan};

const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z
const WHY: &str = "The court ordered disclosure of these records for the confiscation hearing next week";

struct Env {
    dir: tempfile::TempDir,
    clock: Arc<FixedClock>,
    c: Custodian,
}

fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let c = open_at(dir.path(), &clock);
    Env { dir, clock, c }
}

fn open_at(dir: &Path, clock: &Arc<FixedClock>) -> Custodian {
    let mut opts = CustodianOptions::with_clock(clock.clone());
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = true;
    Custodian::load(dir, Unlock::passphrase("test passphrase"), opts).expect("open custodian")
}

fn j(s: &str) -> Jurisdiction {
    Jurisdiction::parse(s).expect("jurisdiction")
}

fn actor(jur: &str) -> Actor {
    Actor::new("anna", "prosecutor", j(jur), Classification::Secret).expect("actor")
}

fn p(s: &str) -> Purpose {
    Purpose::parse(s).expect("purpose")
}

fn data(text: &[u8]) -> Sensitive<Vec<u8>> {
    Sensitive::new(text.to_vec(), Category::FinancialRecords)
}

fn opts(recipients: Vec<KeyId>) -> SealOptions {
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation", "prosecution"]).expect("purposes"), recipients);
    o.case_ref = Some(CaseRef::parse("MLA-2026-0042").expect("case"));
    o.destinations = vec![j("DE")];
    o.not_after = Some(Timestamp::from_unix(T0).plus_days(365));
    o
}

fn open_for(c: &Custodian, env_bytes: &[u8], purpose: &str) -> custodia::Result<Vec<u8>> {
    let req = OpenRequest::new(actor("DE"), p(purpose));
    c.open(&req, env_bytes).map(|o| o.data.expose_secret().clone())
}

#[test]
fn seal_open_refuse_and_exception_all_audited() {
    let e = env();
    let a = actor("NL");
    let kek = e.c.generate_key(&a, KeyKind::Kek, "local").expect("kek");
    let sealed = e.c.seal(&a, &data(b"bank statement"), &opts(vec![kek])).expect("seal").envelope;
    assert_eq!(open_for(&e.c, &sealed, "prosecution.trial").expect("open"), b"bank statement");

    let before = e.c.unwrap_attempts();
    let refused = open_for(&e.c, &sealed, "asset_recovery").unwrap_err();
    assert!(matches!(refused, Error::PurposeNotPermitted { .. }), "{refused}");
    assert_eq!(e.c.unwrap_attempts(), before, "a refused open touches no key");
    let wrong_place = e.c.open(&OpenRequest::new(actor("FR"), p("investigation")), &sealed).unwrap_err();
    assert!(matches!(wrong_place, Error::JurisdictionNotPermitted { .. }));
    assert_eq!(e.c.unwrap_attempts(), before);

    let req = OpenRequest::new(actor("DE"), p("asset_recovery"))
        .with_exception(ExceptionGround::court_order("LG Berlin 512 Qs 44/26", WHY).expect("exception"));
    let opened = e.c.open(&req, &sealed).expect("open by exception");
    assert!(opened.decision.used_exception().is_some());
    assert_eq!(opened.info.case_ref.as_ref().map(CaseRef::as_str), Some("MLA-2026-0042"));

    e.clock.advance(366 * 86_400);
    assert!(matches!(open_for(&e.c, &sealed, "investigation"), Err(Error::Expired { .. })));

    let events: Vec<EventKind> = custodia::audit::entries(e.c.audit_log().path())
        .expect("entries")
        .map(|en| en.expect("entry").kind())
        .collect();
    for k in
        [EventKind::KeyGenerated, EventKind::Sealed, EventKind::Opened, EventKind::Refused, EventKind::ExceptionUsed]
    {
        assert!(events.contains(&k), "{k} missing from {events:?}");
    }
    assert_eq!(events.iter().filter(|k| **k == EventKind::Refused).count(), 3);
    let report = e.c.verify_audit(&[]).expect("verify");
    assert!(report.entries > 5);
}

#[test]
fn the_log_never_sees_plaintext_or_keys() {
    let e = env();
    let a = actor("NL");
    let kek = e.c.generate_key(&a, KeyKind::Kek, "local").expect("kek");
    let marker = b"MARKER-PLAINTEXT-8c1f";
    let sealed = e.c.seal(&a, &data(marker), &opts(vec![kek])).expect("seal").envelope;
    open_for(&e.c, &sealed, "investigation").expect("open");
    let log = fs::read(e.c.audit_log().path()).expect("log");
    assert!(!log.windows(marker.len()).any(|w| w == marker));
}

#[test]
fn fail_closed_when_audit_cannot_be_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let siem = Arc::new(MemorySink::new());
    let mut o = CustodianOptions::with_clock(clock.clone());
    o.kdf = KdfParams::DANGER_TEST_ONLY;
    o.secondary_sinks = vec![siem.clone()];
    o.require_secondary_sinks = true;
    o.create = true;
    let c = Custodian::load(dir.path(), Unlock::master_key([3; 32]), o).expect("open");
    let a = actor("NL");
    let kek = c.generate_key(&a, KeyKind::Kek, "local").expect("kek");
    let sealed = c.seal(&a, &data(b"x"), &opts(vec![kek])).expect("seal").envelope;
    assert!(siem.events().iter().any(|ev| ev.kind == EventKind::Sealed));
    siem.set_failing(true);
    let err = open_for(&c, &sealed, "investigation").unwrap_err();
    assert!(matches!(err, Error::AuditWrite(_)), "{err}");
    assert!(matches!(c.seal(&a, &data(b"y"), &opts(vec![kek])), Err(Error::AuditWrite(_))));
    // A stream hands plaintext out as it goes, so its open is recorded first: nothing reaches `dst`.
    let mut out = Vec::new();
    let req = OpenRequest::new(actor("DE"), p("investigation"));
    assert!(matches!(c.open_stream(&req, &mut &sealed[..], &mut out), Err(Error::AuditWrite(_))));
    assert!(out.is_empty());
    siem.set_failing(false);
    assert!(open_for(&c, &sealed, "investigation").is_ok());
}

#[cfg(feature = "xwing")]
#[test]
fn x25519_sender_signer_and_public_key_exchange() {
    // Two authorities, each with its own directory.
    let nl = env();
    let de = env();
    let (a_nl, a_de) = (actor("NL"), actor("DE"));
    let de_id = de.c.generate_key(&a_de, KeyKind::X25519, "DE central authority").expect("x25519");
    let de_pq = de.c.generate_key(&a_de, KeyKind::XWing, "DE post-quantum").expect("xwing");
    let nl_sender = nl.c.generate_key(&a_nl, KeyKind::X25519, "NL identity").expect("x25519");
    let nl_signer = nl.c.generate_key(&a_nl, KeyKind::Ed25519, "NL signing").expect("ed25519");

    // Exchange public keys as text; a typo fails.
    let de_text = de.c.export_public(&de_id).expect("export");
    let mut typo = de_text.clone();
    let last = typo.pop().expect("char");
    typo.push(if last == 'A' { 'B' } else { 'A' });
    assert!(matches!(nl.c.import_public(&a_nl, &typo, "DE", j("DE")), Err(Error::InvalidKeyText(_))));
    assert_eq!(nl.c.import_public(&a_nl, &de_text, "DE central authority", j("DE")).expect("import"), de_id);
    let pq_text = de.c.export_public(&de_pq).expect("export");
    assert_eq!(nl.c.import_public(&a_nl, &pq_text, "DE pq", j("DE")).expect("import"), de_pq);
    for (id, label) in [(nl_sender, "NL identity"), (nl_signer, "NL signing")] {
        let t = nl.c.export_public(&id).expect("export");
        assert_eq!(de.c.import_public(&a_de, &t, label, j("NL")).expect("import"), id);
    }
    assert!(nl.c.export_public(&nl.c.generate_key(&a_nl, KeyKind::Kek, "k").expect("kek")).is_err());

    let mut o = opts(vec![de_id, de_pq]);
    o.sender = Some(nl_sender);
    o.signer = Some(nl_signer);
    let sealed = nl.c.seal(&a_nl, &data(b"witness statement"), &o).expect("seal").envelope;
    let req = OpenRequest::new(actor("DE"), p("investigation")).require_signer(nl_signer);
    let opened = de.c.open(&req, &sealed).expect("open");
    assert_eq!(opened.data.expose_secret(), b"witness statement");
    assert_eq!(opened.signer, Some(nl_signer));
    assert_eq!(opened.recipient, de_id, "the first stanza (X25519, auth mode) opened");
    assert_eq!(opened.sender, Some(nl_sender), "HPKE auth mode names the sender");
    // The stream verb returns the same shape, naming the same recipient, signer and sender.
    let mut out = Vec::new();
    let streamed = de.c.open_stream(&req, &mut &sealed[..], &mut out).expect("open_stream");
    assert_eq!(out, b"witness statement");
    assert_eq!(
        (streamed.recipient, streamed.signer, streamed.sender),
        (opened.recipient, opened.signer, opened.sender)
    );
    assert_eq!(streamed.info, opened.info);
    // Requiring another signer refuses.
    let other = de.c.generate_key(&a_de, KeyKind::Ed25519, "other").expect("ed");
    let req = OpenRequest::new(actor("DE"), p("investigation")).require_signer(other);
    assert!(matches!(de.c.open(&req, &sealed), Err(Error::SignerMismatch { .. })));
    // NL cannot open what it sealed for DE only.
    let nl_req = OpenRequest::new(actor("NL"), p("investigation"));
    assert!(matches!(nl.c.open(&nl_req, &sealed), Err(Error::NoMatchingRecipient)));
}

#[test]
fn rotation_and_rewrap_keep_payload_and_context() {
    let e = env();
    let a = actor("NL");
    let old = e.c.generate_key(&a, KeyKind::Kek, "yearly").expect("kek");
    let escrow = e.c.generate_key(&a, KeyKind::Kek, "escrow").expect("kek");
    let sealed = e.c.seal(&a, &data(&vec![7u8; 200_000]), &opts(vec![old, escrow])).expect("seal").envelope;
    let new = e.c.rotate(&a, &old).expect("rotate");
    assert_eq!(e.c.key(&old).expect("old").state, KeyState::DecryptOnly);
    assert_eq!(e.c.key(&old).expect("old").rotated_to, Some(new));
    assert!(matches!(e.c.seal(&a, &data(b"x"), &opts(vec![old])), Err(Error::KeyState { .. })));
    assert!(open_for(&e.c, &sealed, "investigation").is_ok(), "a decrypt-only key still opens");

    let rewrapped = e.c.rewrap_rotated(&a, &sealed).expect("rewrap");
    let before = e.c.inspect(&sealed).expect("info");
    let after = e.c.inspect(&rewrapped).expect("info");
    assert!(after.recipients.contains(&new) && !after.recipients.contains(&old) && after.recipients.contains(&escrow));
    assert_eq!(
        (before.purposes.clone(), before.not_after, before.destinations.clone()),
        (after.purposes.clone(), after.not_after, after.destinations.clone())
    );
    assert_eq!(before.object_id, after.object_id);
    let payload = |env: &[u8]| {
        let h = custodia::format::parse_header(env).expect("header");
        env[h.len()..].to_vec()
    };
    assert_eq!(payload(&sealed), payload(&rewrapped), "payload bytes untouched");
    // Once the old key is destroyed, only the re-wrapped envelope opens through it... the escrow still opens both.
    e.c.destroy_key(&a, &old, "rotated out").expect("destroy");
    assert_eq!(open_for(&e.c, &rewrapped, "investigation").expect("open").len(), 200_000);

    // Explicit change: remove the escrow, then removing the last stanza is refused.
    let only_new = e.c.rewrap(&a, &p("investigation"), &rewrapped, &[escrow], &[]).expect("remove escrow");
    assert_eq!(e.c.inspect(&only_new).expect("info").recipients, vec![new]);
    assert!(e.c.rewrap(&a, &p("investigation"), &only_new, &[new], &[]).is_err());
}

#[test]
fn batch_rewrap_of_files_and_buffers_survives_a_bad_item() {
    let e = env();
    let a = actor("NL");
    let old = e.c.generate_key(&a, KeyKind::Kek, "yearly").expect("kek");
    let files: Vec<_> = (0..3u8)
        .map(|i| {
            let path = e.dir.path().join(format!("evidence-{i}.cust"));
            let mut src: &[u8] = &[i; 5000];
            let mut out = fs::File::create(&path).expect("create");
            e.c.seal_stream(
                &a,
                DataTag::new(Category::Evidence, Classification::Restricted),
                &opts(vec![old]),
                &mut src,
                &mut out,
            )
            .expect("seal");
            path
        })
        .collect();
    let buffer = e.c.seal(&a, &data(b"buffer"), &opts(vec![old])).expect("seal").envelope;
    let bad = e.dir.path().join("not-an-envelope.cust");
    fs::write(&bad, b"garbage").expect("write");
    let new = e.c.rotate(&a, &old).expect("rotate");

    let mut items: Vec<RewrapItem> = files.iter().cloned().map(RewrapItem::File).collect();
    items.insert(1, RewrapItem::File(bad));
    items.push(RewrapItem::Bytes(buffer));
    let mut seen = Vec::new();
    let results = e.c.rewrap_batch(&a, items, &RewrapPlan::Rotated, &mut |i, r| seen.push((i, r.is_ok())));
    assert_eq!(seen, vec![(0, true), (1, false), (2, true), (3, true), (4, true)]);
    assert!(matches!(results[1], Err(Error::Malformed(_) | Error::Truncated)));
    e.c.destroy_key(&a, &old, "rotated out").expect("destroy");
    for f in &files {
        let bytes = fs::read(f).expect("read");
        assert_eq!(e.c.inspect(&bytes).expect("info").recipients, vec![new]);
        assert_eq!(open_for(&e.c, &bytes, "investigation").expect("open").len(), 5000);
    }
    match &results[4] {
        Ok(RewrapOutput::Bytes(b)) => assert_eq!(open_for(&e.c, b, "investigation").expect("open"), b"buffer"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn crypto_shredding_a_case_key() {
    let e = env();
    let a = actor("NL");
    let case = CaseRef::parse("MLA-2026-0042").expect("case");
    let case_key = e.c.case_key(&a, &case, Some(Timestamp::from_unix(T0).plus_days(30))).expect("case key");
    assert_eq!(e.c.case_key(&a, &case, None).expect("same"), case_key, "created on demand, once");
    let escrow = e.c.generate_key(&a, KeyKind::Kek, "escrow").expect("escrow");
    // The key's bytes, to prove afterwards that they are gone from every file.
    let secret_bytes = e.c.danger_export_secret_for_tests(&case_key).expect("secret");
    let hex: String = secret_bytes.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!format!("{:?}", e.c.keys().expect("keys")).contains(&hex), "key listings never carry secrets");
    let only_case = e.c.seal(&a, &data(b"only case key"), &opts(vec![case_key])).expect("seal").envelope;
    let both = e.c.seal(&a, &data(b"case key and escrow"), &opts(vec![case_key, escrow])).expect("seal").envelope;

    // A legal hold blocks the shred, then is released.
    e.c.place_legal_hold(&a, &case, "HOLD-7", "appeal pending").expect("hold");
    e.clock.advance(31 * 86_400);
    let report = e.c.shred_expired(&a).expect("shred");
    assert!(report.destroyed.is_empty());
    assert_eq!(report.held, vec![(case_key, "HOLD-7".to_owned())]);
    assert!(matches!(e.c.destroy_key(&a, &case_key, "manual"), Err(Error::LegalHold { .. })));
    e.c.release_legal_hold(&a, &case).expect("release");
    let report = e.c.shred_expired(&a).expect("shred");
    assert_eq!(report.destroyed, vec![case_key]);

    // (a) sealed only under it: KeyDestroyed, with id and time.
    match open_for(&e.c, &only_case, "investigation") {
        Err(Error::KeyDestroyed { key_id, destroyed_at }) => {
            assert_eq!(key_id, case_key);
            assert_eq!(destroyed_at, Timestamp::from_unix(T0 + 31 * 86_400));
        }
        other => panic!("{other:?}"),
    }
    // (b) another recipient still opens.
    assert_eq!(open_for(&e.c, &both, "investigation").expect("escrow opens"), b"case key and escrow");
    // (c) no byte sequence of the key in the keyring file, its decrypted body, or any other file in the directory.
    for entry in fs::read_dir(e.dir.path()).expect("dir") {
        let bytes = fs::read(entry.expect("entry").path()).unwrap_or_default();
        assert!(!bytes.windows(32).any(|w| w == &secret_bytes[..]));
    }
    assert!(!e.c.danger_keyring_contains(&secret_bytes[..]).expect("check"));
    // The tombstone survives a reopen; an erasure certificate is in the log.
    drop(e.c);
    let c = open_at(e.dir.path(), &e.clock);
    assert!(matches!(c.key(&case_key).expect("tombstone").state, KeyState::Destroyed { .. }));
    let kinds: Vec<EventKind> =
        custodia::audit::entries(c.audit_log().path()).expect("entries").map(|en| en.expect("entry").kind()).collect();
    assert!(kinds.contains(&EventKind::Erasure) && kinds.contains(&EventKind::ShredRun));
    c.verify_audit(&[]).expect("verify");
}

#[test]
fn streams_and_random_access() {
    let e = env();
    let a = actor("NL");
    let kek = e.c.generate_key(&a, KeyKind::Kek, "local").expect("kek");
    let image: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let path = e.dir.path().join("disk.img.cust");
    let mut o = opts(vec![kek]);
    o.chunk_size = Some(4096);
    let mut src: &[u8] = &image;
    let mut f = fs::File::create(&path).expect("create");
    e.c.seal_stream(&a, DataTag::new(Category::Evidence, Classification::Confidential), &o, &mut src, &mut f)
        .expect("seal");
    drop(f);

    let req = OpenRequest::new(actor("DE"), p("investigation"));
    let mut out = Vec::new();
    let info = e.c.open_stream(&req, &mut fs::File::open(&path).expect("open"), &mut out).expect("open").info;
    assert_eq!(out, image);
    assert_eq!(info.category, Category::Evidence);

    let mut reader = e.c.open_seekable(&req, fs::File::open(&path).expect("open")).expect("open").data;
    reader.seek(SeekFrom::Start(900_001)).expect("seek");
    let mut page = [0u8; 100];
    reader.read_exact(&mut page).expect("read");
    assert_eq!(&page[..], &image[900_001..900_101]);
    // The file changes under the open reader (chunk 219, which it has read): a re-read is refused with a typed
    // error, not decrypted again.
    let chunks = image.len().div_ceil(4096);
    let header_len = fs::metadata(&path).expect("stat").len() - (image.len() + chunks * 16) as u64;
    let at = header_len + 219 * (4096 + 16) + 100;
    let file = fs::OpenOptions::new().read(true).write(true).open(&path).expect("open for writing");
    let mut byte = [0u8; 1];
    std::os::unix::fs::FileExt::read_exact_at(&file, &mut byte, at).expect("read");
    std::os::unix::fs::FileExt::write_all_at(&file, &[byte[0] ^ 1], at).expect("write");
    reader.seek(SeekFrom::Start(0)).expect("seek");
    reader.read_exact(&mut page).expect("an unchanged chunk still reads");
    reader.seek(SeekFrom::Start(900_001)).expect("seek");
    let err = reader.read_exact(&mut page).expect_err("changed");
    let inner = err.get_ref().and_then(|e| e.downcast_ref::<Error>());
    assert!(matches!(inner, Some(Error::EnvelopeChanged { chunk: 219 })), "{err:?}");

    // Refused before reading any payload.
    let bad = OpenRequest::new(actor("DE"), p("extradition"));
    assert!(matches!(
        e.c.open_stream(&bad, &mut fs::File::open(&path).expect("open"), &mut Vec::new()),
        Err(Error::PurposeNotPermitted { .. })
    ));
}

#[test]
fn tampered_and_malformed_envelopes_are_typed_errors() {
    let e = env();
    let a = actor("NL");
    let kek = e.c.generate_key(&a, KeyKind::Kek, "local").expect("kek");
    let sealed = e.c.seal(&a, &data(b"statement"), &opts(vec![kek])).expect("seal").envelope;
    let mut flipped = sealed.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 0x40;
    assert!(matches!(open_for(&e.c, &flipped, "investigation"), Err(Error::OpenFailed)));
    assert!(open_for(&e.c, &sealed[..sealed.len() - 1], "investigation").is_err());
    assert!(open_for(&e.c, b"hello", "investigation").is_err());
    let mut armored_opts = opts(vec![kek]);
    armored_opts.armor = true;
    let armored = e.c.seal(&a, &data(b"armored"), &armored_opts).expect("seal").envelope;
    assert!(armored.starts_with(b"-----BEGIN CUSTODIA ENVELOPE-----"));
    assert_eq!(open_for(&e.c, &armored, "investigation").expect("open"), b"armored");
    e.c.verify_audit(&[]).expect("failed opens are recorded and the log verifies");
}

#[test]
fn the_custodian_is_shared_across_threads() {
    let e = env();
    let a = actor("NL");
    let kek = e.c.generate_key(&a, KeyKind::Kek, "local").expect("kek");
    let c = Arc::new(e.c);
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let c = c.clone();
            let a = a.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    let msg = format!("thread {t} message {i}");
                    let s = c.seal(&a, &data(msg.as_bytes()), &opts(vec![kek])).expect("seal").envelope;
                    assert_eq!(open_for(&c, &s, "investigation").expect("open"), msg.as_bytes());
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    let report = c.verify_audit(&[]).expect("verify");
    assert!(report.entries >= 160);
}

#[test]
fn wrong_passphrase_and_reopen() {
    let e = env();
    let a = actor("NL");
    let kek = e.c.generate_key(&a, KeyKind::Kek, "local").expect("kek");
    let sealed = e.c.seal(&a, &data(b"persisted"), &opts(vec![kek])).expect("seal").envelope;
    drop(e.c);
    let mut o = CustodianOptions::with_clock(e.clock.clone());
    o.kdf = KdfParams::DANGER_TEST_ONLY;
    assert!(matches!(Custodian::load(e.dir.path(), Unlock::passphrase("wrong"), o), Err(Error::WrongPassphrase)));
    let c = open_at(e.dir.path(), &e.clock);
    assert_eq!(open_for(&c, &sealed, "investigation").expect("open"), b"persisted");
    c.verify_audit(&[]).expect("verify");
}

#[test]
fn the_facade_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Custodian>();
    assert_send_sync::<custodia::audit::AuditLog>();
}

#[test]
fn a_mistyped_path_is_an_error_not_a_new_keyring() {
    let base = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let opts =
        |create: bool| CustodianOptions { create, kdf: KdfParams::DANGER_TEST_ONLY, ..CustodianOptions::default() };
    let key = || Unlock::master_key([5; 32]);

    // Not asked to create: a missing directory, or one without a keyring, is CustodianNotFound and stays as it was.
    let typo = base.path().join("case-dta");
    let e = Custodian::load(&typo, key(), opts(false)).unwrap_err();
    assert!(matches!(&e, Error::CustodianNotFound { path, .. } if path.ends_with("case-dta")), "{e}");
    assert_eq!(e.code(), 407);
    assert!(!typo.exists(), "nothing created");
    let empty = base.path().join("empty");
    fs::create_dir(&empty).expect("mkdir");
    assert!(matches!(Custodian::load(&empty, key(), opts(false)), Err(Error::CustodianNotFound { .. })));
    assert_eq!(fs::read_dir(&empty).expect("list").count(), 0, "not even a lock file or an audit log");

    // Asked to create: only the final directory, never a missing parent.
    let deep = base.path().join("no").join("such").join("parent");
    assert!(matches!(Custodian::load(&deep, key(), opts(true)), Err(Error::CustodianNotFound { .. })));
    assert!(!base.path().join("no").exists(), "parents are never created");

    let made = base.path().join("made");
    let c = Custodian::load(&made, key(), opts(true)).expect("created");
    let a = actor("NL");
    let kek = c.generate_key(&a, KeyKind::Kek, "local").expect("kek");
    drop(c);
    let mode = fs::metadata(&made).expect("meta").permissions();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o700);
    // An existing custodian opens the same whether or not creation is allowed, and keeps its keys.
    for create in [false, true] {
        let mut o = opts(create);
        o.clock = clock.clone();
        let c = Custodian::load(&made, key(), o).expect("reopen");
        assert!(c.key(&kek).is_ok());
    }
}

#[test]
fn kdf_costs_beyond_the_range_are_refused_through_the_facade() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let mut o = CustodianOptions::with_clock(clock.clone());
    o.create = true;
    o.kdf = KdfParams { m_cost_kib: 1 << 20, t_cost: 2, p_cost: 1 };
    let fresh = dir.path().join("k");
    assert!(matches!(Custodian::load(&fresh, Unlock::passphrase("pw"), o), Err(Error::KdfParamsOutOfRange { .. })));
    drop(open_at(dir.path(), &clock));
    // The keyring file edited to 1 GiB and 2 passes: refused before any derivation, so fast and without the memory.
    let path = dir.path().join("keyring.cdk");
    let mut bytes = fs::read(&path).expect("read");
    bytes[13..17].copy_from_slice(&(1u32 << 20).to_be_bytes());
    bytes[17..21].copy_from_slice(&2u32.to_be_bytes());
    fs::write(&path, &bytes).expect("write");
    let mut o = CustodianOptions::with_clock(clock.clone());
    o.kdf = KdfParams::DANGER_TEST_ONLY;
    let e = Custodian::load(dir.path(), Unlock::passphrase("test passphrase"), o).unwrap_err();
    assert!(matches!(e, Error::KdfParamsOutOfRange { m_cost_kib: 1_048_576, t_cost: 2, p_cost: 1 }), "{e}");
}

#[test]
fn holds_and_destruction_reasons_are_checked_before_anything_changes() {
    let e = env();
    let a = actor("NL");
    let case = CaseRef::parse("MLA-2026-0042").expect("case");
    let kek = e.c.generate_key(&a, KeyKind::Kek, "local").expect("kek");
    for (reference, reason) in [("OLG 1/26\nforged line", "appeal"), ("OLG 1/26", "appeal\u{0}"), ("", "appeal")] {
        let r = e.c.place_legal_hold(&a, &case, reference, reason);
        assert!(matches!(r, Err(Error::InvalidArgument(_))), "{reference:?} {reason:?}: {r:?}");
    }
    assert!(e.c.legal_holds().expect("holds").is_empty(), "no hold was stored");
    for reason in ["retention\u{0}ended", "a\nb", "   ", &"x".repeat(513)] {
        let r = e.c.destroy_key(&a, &kek, reason);
        assert!(matches!(r, Err(Error::InvalidArgument(_))), "{reason:?}: {r:?}");
    }
    assert_eq!(e.c.key(&kek).expect("key").state, KeyState::Active, "the key was not touched");
    assert!(e.c.key(&kek).expect("key").has_secret);
    e.c.place_legal_hold(&a, &case, "OLG 1/26", "appeal pending").expect("a well-formed hold");
    e.c.destroy_key(&a, &kek, "retention period ended").expect("a well-formed reason");
}

/// `open_to_slice` (what `custodia_open_into` runs): the plaintext lands in the caller's buffer; a buffer one byte
/// short is refused before the gate (no key touched, nothing recorded, nothing written); a refused open leaves a
/// big-enough buffer untouched.
#[test]
fn open_to_slice_decrypts_into_the_callers_buffer_and_refuses_a_small_one() {
    let e = env();
    let a = actor("DE");
    let kek = e.c.generate_key(&a, KeyKind::Kek, "local").expect("kek");
    let text = vec![0x5a_u8; 70_000];
    let sealed = e.c.seal(&a, &data(&text), &opts(vec![kek])).expect("seal").envelope;
    let req = OpenRequest::new(a.clone(), p("investigation"));
    let before = e.c.unwrap_attempts();
    let lines = fs::read_to_string(e.c.audit_log().path()).expect("log").lines().count();
    let mut small = vec![0_u8; text.len() - 1];
    let err = e.c.open_to_slice(&req, &sealed, &mut small).expect_err("too small");
    assert!(matches!(err, Error::BufferTooSmall { needed: 70_000, given: 69_999 }), "{err}");
    assert_eq!(err.code(), 109);
    assert!(small.iter().all(|&b| b == 0));
    assert_eq!(e.c.unwrap_attempts(), before);
    assert_eq!(fs::read_to_string(e.c.audit_log().path()).expect("log").lines().count(), lines);
    let mut out = vec![0_u8; text.len() + 10];
    let refused = OpenRequest::new(a.clone(), p("extradition"));
    assert!(matches!(e.c.open_to_slice(&refused, &sealed, &mut out), Err(Error::PurposeNotPermitted { .. })));
    assert!(out.iter().all(|&b| b == 0));
    let opened = e.c.open_to_slice(&req, &sealed, &mut out).expect("open");
    assert_eq!(opened.data, text.len());
    assert_eq!(&out[..text.len()], &text[..]);
    assert!(out[text.len()..].iter().all(|&b| b == 0));
}
