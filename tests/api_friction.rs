//! Issue 17 §3, the friction a Rust user met: what the constructor and `seal` take, identifiers parsed with
//! `FromStr`, the audit key as custodia's own type (no `ed25519-dalek` needed offline), metadata a case database can
//! store (serde round trips), typed error fields, and the messages that said the wrong thing.

use std::path::PathBuf;
use std::sync::Arc;

use custodia::audit::{Anchor, ErasureCertificate, VerifyingKey};
use custodia::{
    Actor, CaseRef, Category, Classification, CompromiseReport, Custodian, CustodianOptions, EnvelopeInfo, Error,
    FixedClock, InstrumentKind, Jurisdiction, KdfParams, KeyId, KeyInfo, KeyKind, LegalInstrument, OpenRequest,
    Purpose, PurposeSet, SealOptions, Sensitive, ShredReport, Timestamp, Unlock,
};

const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z

fn options(clock: &Arc<FixedClock>) -> CustodianOptions {
    let mut o = CustodianOptions::with_clock(clock.clone());
    o.kdf = KdfParams::DANGER_TEST_ONLY;
    o.create = true;
    o
}

fn anna() -> Actor {
    Actor::new("anna", "prosecutor", "DE".parse().expect("jurisdiction"), Classification::Secret).expect("actor")
}

fn custodian(dir: &std::path::Path) -> (Custodian, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let c = Custodian::load(dir.join("c"), Unlock::passphrase("pass"), options(&clock)).expect("custodian");
    (c, clock)
}

#[test]
fn load_takes_any_path_like_argument() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let as_string: String = dir.path().join("a").to_str().expect("utf-8 path").to_owned();
    let as_pathbuf: PathBuf = dir.path().join("b");
    let as_str: &str = as_string.as_str();
    drop(Custodian::load(as_str, Unlock::passphrase("pass"), options(&clock)).expect("&str"));
    drop(Custodian::load(&as_string, Unlock::passphrase("pass"), options(&clock)).expect("&String"));
    drop(Custodian::load(as_pathbuf.clone(), Unlock::passphrase("pass"), options(&clock)).expect("PathBuf"));
    drop(Custodian::load(as_pathbuf.as_path(), Unlock::passphrase("pass"), options(&clock)).expect("&Path"));
}

#[test]
fn a_sensitive_string_seals_and_opens_to_the_same_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, _) = custodian(dir.path());
    let kek = c.generate_key(&anna(), KeyKind::Kek, "local").expect("kek");
    let terms = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]);
    let text = Sensitive::new(String::from("subscriber: +49 30 1234567"), Category::FinancialRecords);
    let sealed = c.seal(&anna(), &text, &terms).expect("a Sensitive<String> seals").envelope;
    // Existing callers with Sensitive<Vec<u8>> still compile and seal.
    let bytes = Sensitive::new(b"subscriber: +49 30 1234567".to_vec(), Category::FinancialRecords);
    c.seal(&anna(), &bytes, &terms).expect("a Sensitive<Vec<u8>> seals");
    let opened = c.open(&OpenRequest::new(anna(), Purpose::parse("investigation").expect("p")), &sealed).expect("open");
    assert_eq!(opened.data.expose_secret().as_slice(), text.expose_secret().as_bytes());
}

#[test]
fn case_references_parse_with_from_str_like_the_other_identifiers() {
    let case: CaseRef = "MLA-2026-0042".parse().expect("parses");
    assert_eq!(case, CaseRef::parse("MLA-2026-0042").expect("parses"));
    assert!(matches!(" MLA".parse::<CaseRef>(), Err(Error::InvalidArgument(_))));
    assert!(matches!("".parse::<CaseRef>(), Err(Error::InvalidArgument(_))));
}

#[test]
fn the_audit_key_text_parses_into_custodias_key_and_verifies_the_log_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, _) = custodian(dir.path());
    let text = c.audit_public_key().expect("text");
    let key: VerifyingKey = text.parse().expect("the exported text parses");
    assert_eq!(key, c.audit_verifying_key());
    assert_eq!(key.to_string(), text, "Display writes the same text back");
    let anchor = c.close().expect("close");
    let report = custodia::audit::verify(&dir.path().join("c").join("audit.log"), &key, &[anchor]).expect("verifies");
    assert_eq!(report.anchors, 1);
    assert!(report.entries > 0);

    // Another custodian's key verifies nothing of this log.
    let other = tempfile::tempdir().expect("tempdir");
    let (o, _) = custodian(other.path());
    let theirs: VerifyingKey = o.audit_public_key().expect("text").parse().expect("parses");
    assert!(custodia::audit::verify(&dir.path().join("c").join("audit.log"), &theirs, &[]).is_err());

    // A key of another kind, a mistyped checksum and garbage are refused, typed, with the article right.
    let kek_free = o.generate_key(&anna(), KeyKind::X25519, "x").expect("x25519");
    let x_text = o.export_public(&kek_free).expect("export");
    let err = x_text.parse::<VerifyingKey>().expect_err("an X25519 key is not an audit key");
    assert!(matches!(err, Error::InvalidKeyText(_)), "{err:?}");
    assert!(err.to_string().contains("not an x25519 key"), "{err}");
    // One mistyped character in the body (letters are read case-insensitively, so change the letter itself).
    let at = text.find(':').expect("prefix") + 5;
    let was = text[at..].chars().next().expect("body");
    let typo = format!("{}{}{}", &text[..at], if was.eq_ignore_ascii_case(&'a') { 'B' } else { 'A' }, &text[at + 1..]);
    assert!(matches!(typo.parse::<VerifyingKey>(), Err(Error::InvalidKeyText(_))));
    assert!(matches!("hello".parse::<VerifyingKey>(), Err(Error::InvalidKeyText(_))));
}

fn roundtrip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) -> String {
    let json = serde_json::to_string(v).expect("serializes");
    let back: T = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(&back, v, "{json}");
    json
}

#[test]
fn metadata_round_trips_through_serde_and_carries_no_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, clock) = custodian(dir.path());
    let a = anna();
    let kek = c.generate_key(&a, KeyKind::Kek, "case key").expect("kek");
    let plaintext = "IBAN NL91ABNA0417164300 balance 1,204,331.17";
    let mut terms = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]);
    terms.case_ref = Some("MLA-2026-0042".parse().expect("case"));
    terms.destinations = vec![Jurisdiction::parse("NL").expect("j")];
    terms.instrument = Some(
        LegalInstrument::new(InstrumentKind::EuropeanInvestigationOrder, Some("EIO-2026-7"), Some("Art. 10 EIO"))
            .expect("instrument"),
    );
    let envelope =
        c.seal(&a, &Sensitive::new(plaintext.to_owned(), Category::FinancialRecords), &terms).expect("seal").envelope;

    let info: EnvelopeInfo = c.inspect(&envelope).expect("inspect");
    let json = roundtrip(&info);
    assert!(json.contains("\"european_investigation_order\""), "{json}");
    roundtrip(info.instrument.as_ref().expect("instrument"));
    let key: KeyInfo = c.key(&kek).expect("key info");
    let key_json = roundtrip(&key);
    roundtrip(&c.verify_audit(&[]).expect("verify"));

    // A stored instrument is validated again: a control character is refused, not smuggled in.
    let forged = r#"{"kind":"other","reference":"a\u0007b","transfer_basis":null}"#;
    assert!(serde_json::from_str::<LegalInstrument>(forged).is_err());

    // Shredding: the report, its certificates and the compromise report of another key.
    c.set_retention(&a, &kek, Some(Timestamp::from_unix(T0 + 10))).expect("retention");
    clock.set(Timestamp::from_unix(T0 + 20));
    let shred: ShredReport = c.shred_expired(&a).expect("shred");
    assert_eq!(shred.destroyed, vec![kek]);
    let shred_json = roundtrip(&shred);
    let cert: &ErasureCertificate = &shred.certificates[0];
    let cert_back: ErasureCertificate = serde_json::from_str(&serde_json::to_string(cert).expect("ser")).expect("de");
    cert_back.verify(&c.audit_verifying_key()).expect("a stored certificate still verifies");
    let x = c.generate_key(&a, KeyKind::X25519, "x").expect("x");
    let report: CompromiseReport = c.compromise_report(&x).expect("report");
    roundtrip(&report);
    let anchor: Anchor = c.checkpoint().expect("anchor");
    let anchor_back: Anchor = serde_json::from_str(&roundtrip(&anchor)).expect("de");
    anchor_back.verify(&c.audit_verifying_key()).expect("a stored anchor still verifies");

    // A tampered stored anchor is refused on load or on verify, never accepted silently.
    let tampered = serde_json::to_string(&anchor).expect("ser").replacen("\\\"count\\\":", "\\\"count\\\":1", 1);
    if let Ok(a) = serde_json::from_str::<Anchor>(&tampered) {
        assert!(a.verify(&c.audit_verifying_key()).is_err());
    }

    // None of it holds the plaintext.
    for j in [&json, &key_json, &shred_json] {
        assert!(!j.contains("NL91ABNA"), "{j}");
    }
}

#[test]
fn error_fields_name_keys_and_jurisdictions_as_typed_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, _) = custodian(dir.path());
    let unknown = KeyId::from_bytes([9; 16]);
    let err = c.key(&unknown).expect_err("unknown");
    assert!(matches!(err, Error::KeyNotFound(id) if id == unknown));
    assert_eq!(err.to_string(), format!("unknown key {unknown}"), "Display is unchanged");
    assert_eq!(err.code(), Error::KeyNotFound(unknown).code());
}

#[test]
fn rotating_a_destroyed_key_says_destroyed_not_public_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, _) = custodian(dir.path());
    let kek = c.generate_key(&anna(), KeyKind::Kek, "k").expect("kek");
    c.destroy_key(&anna(), &kek, "retention period ended").expect("destroy");
    let err = c.rotate(&anna(), &kek).expect_err("a destroyed key does not rotate");
    assert!(matches!(err, Error::KeyState { state: "destroyed", key_id, .. } if key_id == kek), "{err:?}");
    assert!(err.to_string().ends_with("it is destroyed"), "{err}");
}

#[test]
fn a_key_of_the_wrong_kind_is_named_with_the_right_article() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, _) = custodian(dir.path());
    let signer = c.generate_key(&anna(), KeyKind::Ed25519, "signer").expect("ed25519");
    let terms = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![signer]);
    let err = c.seal(&anna(), &Sensitive::new(b"x".to_vec(), Category::FinancialRecords), &terms).expect_err("refused");
    let msg = err.to_string();
    assert!(msg.contains("is an ed25519 key"), "{msg}");
    assert!(!msg.contains(" a ed25519"), "{msg}");
}

#[test]
fn random_bytes_are_not_an_envelope_but_a_cut_magic_is_truncated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, _) = custodian(dir.path());
    let err = c.inspect(&[0x13, 0x37, 0xde, 0xad, 0x42]).expect_err("five random bytes");
    assert!(matches!(err, Error::Malformed(_)), "{err:?}");
    assert!(err.to_string().contains("not a custodia envelope"), "{err}");
    let kek = c.generate_key(&anna(), KeyKind::Kek, "k").expect("kek");
    let terms = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]);
    let env = c.seal(&anna(), &Sensitive::new(b"x".to_vec(), Category::FinancialRecords), &terms).expect("seal");
    for n in 1..8 {
        assert!(matches!(c.inspect(&env.envelope[..n]), Err(Error::Truncated)), "cut to {n}");
    }
    assert!(matches!(c.inspect(&env.envelope[..20]), Err(Error::Truncated)));
}

#[test]
fn a_master_key_of_the_wrong_length_says_so() {
    for len in [0, 31, 33] {
        let err = Unlock::master_key_from_slice(&vec![7; len]).expect_err("wrong length");
        assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
        assert_eq!(err.to_string(), format!("invalid argument: master key must be 32 bytes, got {len}"));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let unlock = Unlock::master_key_from_slice(&[7; 32]).expect("32 bytes");
    assert_eq!(format!("{unlock:?}"), "Unlock::MasterKey([REDACTED])");
    drop(Custodian::load(dir.path().join("m"), unlock, options(&clock)).expect("opens"));
    let again = Custodian::load(dir.path().join("m"), Unlock::master_key([7; 32]), options(&clock));
    assert!(again.is_ok(), "the slice and the array constructor unlock the same keyring");
}
