//! Key providers (issue 15 section 2, docs/KEYS.md "Key providers"): sealing to and opening through a
//! `KeyProvider` plugged into `CustodianOptions::providers`, with a software AES-256-GCM provider that writes the
//! `pkcs11-aes-gcm` stanza (no token needed here; tests/pkcs11.rs runs the same against SoftHSM2). Each test tries
//! to break one guarantee: the gate decides before any provider is asked; a stanza that does not authenticate opens
//! nothing; a provider that is down is a typed error; a reader without the provider refuses cleanly.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use common::authority::{j, p};
use common::soft_provider::{SoftProvider, token_key_id};
use custodia::{
    Actor, CaseRef, Category, Classification, Custodian, CustodianOptions, Error, ErrorKind, FixedClock, KdfParams,
    KeyProvider, OpenRequest, PurposeSet, SealOptions, Sensitive, Timestamp, Unlock,
};

const T0: u64 = 1_795_435_200;
const CKA_ID: &[u8] = b"custodia-test-kek-1";
const KEK: [u8; 32] = [0x5a; 32];

fn jan() -> Actor {
    Actor::new("jan", "central_authority", j("NL"), Classification::Secret).expect("actor")
}

struct Scene {
    _dir: tempfile::TempDir,
    c: Custodian,
    provider: Arc<SoftProvider>,
}

fn scene_with(provider: Option<Arc<SoftProvider>>) -> Scene {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let mut opts = CustodianOptions::with_clock(clock);
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = true;
    let provider = provider.unwrap_or_else(|| Arc::new(SoftProvider::new(&[(CKA_ID, KEK)])));
    opts.providers = vec![provider.clone() as Arc<dyn KeyProvider>];
    let c = Custodian::load(dir.path().join("c"), Unlock::master_key([9; 32]), opts).expect("load");
    Scene { _dir: dir, c, provider }
}

fn options() -> SealOptions {
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![token_key_id(CKA_ID)]);
    o.case_ref = Some(CaseRef::parse("MLA-2026-0042").expect("case"));
    o
}

fn seal(c: &Custodian) -> Vec<u8> {
    let data = Sensitive::new(b"bank records, account 4711".to_vec(), Category::FinancialRecords);
    c.seal(&jan(), &data, &options()).expect("seal").envelope
}

fn open(c: &Custodian, purpose: &str, envelope: &[u8]) -> custodia::Result<Vec<u8>> {
    c.open(&OpenRequest::new(jan(), p(purpose)), envelope).map(|o| o.data.expose_secret().clone())
}

#[test]
fn a_seal_to_a_provider_key_writes_its_stanza_and_opens_through_it() {
    let s = scene_with(None);
    let env = seal(&s.c);
    assert_eq!(s.provider.wraps.load(Ordering::SeqCst), 1);
    let info = s.c.inspect(&env).expect("inspect");
    assert_eq!(info.recipients, vec![token_key_id(CKA_ID)]);
    let h = custodia::format::parse_header(&env).expect("header");
    assert_eq!(h.stanzas()[0].kind(), custodia::format::StanzaKind::Pkcs11AesGcm);
    assert_eq!(h.stanzas()[0].kind().code(), 5);
    assert_eq!(open(&s.c, "investigation", &env).expect("open"), b"bank records, account 4711");
    assert_eq!(s.provider.unwraps.load(Ordering::SeqCst), 1);
    assert_eq!(s.c.unwrap_attempts(), 1);
}

#[test]
fn a_refused_open_never_reaches_the_provider() {
    let s = scene_with(None);
    let env = seal(&s.c);
    // Wrong purpose, then an actor without clearance: both refused by the gate.
    let e = open(&s.c, "asset_recovery", &env).expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::PurposeNotPermitted, "{e}");
    let clerk = Actor::new("clerk", "clerk", j("NL"), Classification::Public).expect("actor");
    let e = s.c.open(&OpenRequest::new(clerk, p("investigation")), &env).expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::ClearanceInsufficient, "{e}");
    assert_eq!(s.provider.unwraps.load(Ordering::SeqCst), 0, "the provider was asked before the gate decided");
    assert_eq!(s.c.unwrap_attempts(), 0);
    // The same envelope, allowed: exactly one call.
    open(&s.c, "investigation", &env).expect("open");
    assert_eq!(s.provider.unwraps.load(Ordering::SeqCst), 1);
}

#[test]
fn a_tampered_provider_stanza_opens_nothing() {
    let s = scene_with(None);
    let env = seal(&s.c);
    let h = custodia::format::parse_header(&env).expect("header");
    // The stanza body starts after the bound context, the stanza count (2) and the stanza's kind and length (4).
    let body_at = h.as_bytes().len() - 32 - 76;
    for offset in [16, 16 + 12, 16 + 12 + 31, 16 + 12 + 32 + 15] {
        let mut bad = env.clone();
        bad[body_at + offset] ^= 1;
        let e = open(&s.c, "investigation", &bad).expect_err("tampered");
        assert_eq!(e.kind(), ErrorKind::OpenFailed, "byte {offset}: {e}");
    }
    assert_eq!(s.provider.unwraps.load(Ordering::SeqCst), 4);
    assert_eq!(s.provider.opened.load(Ordering::SeqCst), 0, "a tampered stanza authenticated");
}

#[test]
fn a_stanza_lifted_into_an_envelope_with_other_terms_does_not_open() {
    // Two envelopes to the same provider key, different purposes: the provider's stanza of the first, put in the
    // second (whose terms are broader), must not unwrap: the stanza's AAD binds the terms it was sealed under.
    let s = scene_with(None);
    let narrow = seal(&s.c);
    let data = Sensitive::new(b"other".to_vec(), Category::FinancialRecords);
    let mut o = options();
    o.purposes = PurposeSet::parse(&["investigation", "asset_recovery"]).expect("purposes");
    let broad = s.c.seal(&jan(), &data, &o).expect("seal").envelope;
    let hn = custodia::format::parse_header(&narrow).expect("header");
    let hb = custodia::format::parse_header(&broad).expect("header");
    let stanza_n = &hn.as_bytes()[hn.as_bytes().len() - 32 - 76..hn.as_bytes().len() - 32];
    let at = hb.as_bytes().len() - 32 - 76;
    let mut lifted = broad.clone();
    lifted[at..at + 76].copy_from_slice(stanza_n);
    let e = open(&s.c, "asset_recovery", &lifted).expect_err("lifted");
    assert_eq!(e.kind(), ErrorKind::OpenFailed, "{e}");
    assert_eq!(s.provider.unwraps.load(Ordering::SeqCst), 1);
    assert_eq!(s.provider.opened.load(Ordering::SeqCst), 0, "the stanza unwrapped under other terms");
}

#[test]
fn a_provider_that_is_down_is_a_typed_error_on_seal_and_open() {
    let s = scene_with(None);
    let env = seal(&s.c);
    s.provider.down.store(true, Ordering::SeqCst);
    let e = open(&s.c, "investigation", &env).expect_err("down");
    assert_eq!(e.kind(), ErrorKind::ProviderUnavailable, "{e}");
    assert_eq!(e.kind() as u32, 409);
    let data = Sensitive::new(b"x".to_vec(), Category::FinancialRecords);
    let e = s.c.seal(&jan(), &data, &options()).expect_err("down");
    assert_eq!(e.kind(), ErrorKind::ProviderUnavailable, "{e}");
    s.provider.down.store(false, Ordering::SeqCst);
    open(&s.c, "investigation", &env).expect("open once it is back");
}

#[test]
fn a_key_the_provider_does_not_hold_is_not_mine() {
    let sealer = scene_with(None);
    let env = seal(&sealer.c);
    // Another custodian whose provider holds another KEK: not mine, so no recipient, not malformed.
    let other = scene_with(Some(Arc::new(SoftProvider::new(&[(b"another-kek", [7; 32])]))));
    let e = open(&other.c, "investigation", &env).expect_err("not mine");
    assert_eq!(e.kind(), ErrorKind::NoMatchingRecipient, "{e}");
    assert_eq!(other.provider.unwraps.load(Ordering::SeqCst), 1);
    // And sealing to a key nobody holds is KeyNotFound.
    let mut o = options();
    o.recipients = vec![token_key_id(b"nobody")];
    let data = Sensitive::new(b"x".to_vec(), Category::FinancialRecords);
    let e = sealer.c.seal(&jan(), &data, &o).expect_err("unknown key");
    assert!(matches!(e, Error::KeyNotFound(_)), "{e}");
}

#[test]
fn a_reader_without_the_provider_parses_and_refuses_cleanly() {
    let sealer = scene_with(None);
    let env = seal(&sealer.c);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut opts = CustodianOptions::with_clock(Arc::new(FixedClock::new(Timestamp::from_unix(T0))));
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = true;
    let bare = Custodian::load(dir.path().join("c"), Unlock::master_key([9; 32]), opts).expect("load");
    bare.inspect(&env).expect("a header with a pkcs11 stanza parses without the provider");
    let e = open(&bare, "investigation", &env).expect_err("no provider");
    assert_eq!(e.kind(), ErrorKind::NoMatchingRecipient, "{e}");
}
