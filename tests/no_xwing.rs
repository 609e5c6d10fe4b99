//! A build without the `xwing` cargo feature (`cargo test -p custodia --no-default-features --test no_xwing`;
//! scripts/test-all.sh runs it): X-Wing key texts and envelopes still parse, generating or importing an X-Wing key
//! is a typed error naming the feature, and an X-Wing stanza is one this build skips (the others still open).
#![cfg(not(feature = "xwing"))]

use std::sync::Arc;

use custodia::format::{self, Kek, StanzaKind, XWING_PUBLIC_LEN};
use custodia::{
    Actor, Classification, Custodian, CustodianOptions, Error, FixedClock, Jurisdiction, KdfParams, KeyKind, Timestamp,
    Unlock, decode_public, encode_public,
};
use serde_json::Value;

const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z

fn custodian(dir: &std::path::Path) -> Custodian {
    let mut opts = CustodianOptions::with_clock(Arc::new(FixedClock::new(Timestamp::from_unix(T0))));
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = true;
    Custodian::load(dir, Unlock::passphrase("test passphrase"), opts).expect("open custodian")
}

fn actor() -> Actor {
    Actor::new("anna", "prosecutor", Jurisdiction::parse("NL").expect("jurisdiction"), Classification::Secret)
        .expect("actor")
}

/// The error every X-Wing request gets in this build: `InvalidArgument`, and its message names the feature.
fn assert_feature_error(r: custodia::Result<custodia::KeyId>, what: &str) {
    match r {
        Err(Error::InvalidArgument(m)) => {
            assert!(m.contains("`xwing` cargo feature"), "{what}: the message names the feature: {m}");
        }
        other => panic!("{what}: expected the missing-feature error, got {other:?}"),
    }
}

fn vector(name: &str) -> (Vec<u8>, Vec<u8>) {
    let path = format!("{}/tests/vectors/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("vector")).expect("json");
    let unhex = |s: &Value| -> Vec<u8> {
        let s = s.as_str().expect("hex string");
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
    };
    (unhex(&v["envelope"]["hex"]), unhex(&v["expect"]["plaintext"]))
}

#[test]
fn generating_an_xwing_key_is_a_typed_error_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = custodian(dir.path());
    let before = c.keys().expect("keys").len();
    assert_feature_error(c.generate_key(&actor(), KeyKind::XWing, "pq"), "generate");
    assert_eq!(c.keys().expect("keys").len(), before, "a refused generation leaves no key behind");
    // The other kinds are unaffected.
    c.generate_key(&actor(), KeyKind::X25519, "x").expect("x25519");
}

#[test]
fn an_xwing_key_text_parses_but_does_not_import() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = custodian(dir.path());
    let before = c.keys().expect("keys").len();
    let public = [7u8; XWING_PUBLIC_LEN];
    let text = encode_public(KeyKind::XWing, &public);
    let (kind, bytes) = decode_public(&text).expect("an X-Wing key text still parses");
    assert_eq!((kind, bytes.as_slice()), (KeyKind::XWing, public.as_slice()));
    let j = Jurisdiction::parse("DE").expect("jurisdiction");
    assert_feature_error(c.import_public(&actor(), &text, "DE pq", j), "import");
    assert_eq!(c.keys().expect("keys").len(), before, "a refused import leaves no key behind");
}

#[test]
fn an_xwing_stanza_parses_and_is_skipped() {
    // KEK, X25519 and X-Wing recipients (tests/format_vectors.rs wrote it; its KEK is 32 bytes of 0x11): the header
    // parses, the X-Wing stanza is there, and the KEK still opens the envelope.
    let (env, plaintext) = vector("multi_recipient");
    let h = format::parse_header(&env).expect("header");
    assert!(h.stanzas().iter().any(|s| s.kind() == StanzaKind::XWing));
    let kek = Kek::from_bytes([0x11; 32]);
    let opened = format::open(&env, &[&kek], None).expect("the KEK stanza opens");
    assert_eq!(opened.plaintext.expose_secret(), &plaintext);

    // X-Wing only: nothing in this build opens it, and the answer is "no matching recipient", not a parse error.
    let (env, _) = vector("xwing");
    let h = format::parse_header(&env).expect("header");
    assert!(h.stanzas().iter().all(|s| s.kind() == StanzaKind::XWing));
    assert!(matches!(format::open(&env, &[&kek], None), Err(Error::NoMatchingRecipient)));
}

#[test]
fn a_custodian_inspects_an_xwing_envelope() {
    // Inspecting reads the header only, so an X-Wing recipient is reported like any other.
    let dir = tempfile::tempdir().expect("tempdir");
    let c = custodian(dir.path());
    let (env, _) = vector("xwing");
    let info = c.inspect(&env).expect("inspect parses an X-Wing envelope");
    assert_eq!(info.recipient_kinds, vec![StanzaKind::XWing]);
}
