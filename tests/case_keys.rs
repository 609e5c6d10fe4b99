//! Per-case keys wrapped by a key provider and cached in memory (issue 15 section 2, fourth item; docs/KEYS.md "Case
//! keys wrapped by a provider"), with the counting software provider of tests/common/. Each test tries to break one
//! guarantee: an open costs one provider call per case and cache period, not per object; the time and use bounds of
//! the cache hold; the keyring alone (without the provider) opens nothing; crypto-shredding a case stops every
//! custodian on the directory, including one whose cache held the key, without a provider call.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use common::authority::{j, p};
use common::soft_provider::{SoftProvider, token_key_id};
use custodia::audit::EventKind;
use custodia::{
    Actor, CaseKeyWrapping, CaseRef, Category, Classification, Custodian, CustodianOptions, ErrorKind, FixedClock,
    KdfParams, KeyId, KeyProvider, OpenRequest, PurposeSet, SealOptions, Sensitive, Timestamp, Unlock,
};

const T0: u64 = 1_795_435_200;
const CKA_ID: &[u8] = b"custodia-case-kek";
const KEK: [u8; 32] = [0x3c; 32];

fn jan() -> Actor {
    Actor::new("jan", "central_authority", j("NL"), Classification::Secret).expect("actor")
}

fn case() -> CaseRef {
    CaseRef::parse("MLA-2026-0042").expect("case")
}

/// A custodian on `dir` whose case keys are wrapped by `provider`, cached for `ttl` seconds and `uses` uses.
fn custodian(
    dir: &Path,
    clock: &Arc<FixedClock>,
    provider: Option<&Arc<SoftProvider>>,
    ttl: u64,
    uses: u64,
) -> Custodian {
    let mut opts = CustodianOptions::with_clock(clock.clone());
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = true;
    if let Some(provider) = provider {
        let mut w = CaseKeyWrapping::new(provider.clone() as Arc<dyn KeyProvider>, token_key_id(CKA_ID));
        w.cache_ttl_secs = ttl;
        w.cache_max_uses = uses;
        opts.case_keys = Some(w);
    }
    Custodian::load(dir, Unlock::master_key([4; 32]), opts).expect("load")
}

fn provider() -> Arc<SoftProvider> {
    Arc::new(SoftProvider::new(&[(CKA_ID, KEK)]))
}

fn seal(c: &Custodian, key: KeyId, n: u8) -> Vec<u8> {
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![key]);
    o.case_ref = Some(case());
    let data = Sensitive::new(vec![n; 64], Category::FinancialRecords);
    c.seal(&jan(), &data, &o).expect("seal").envelope
}

fn open(c: &Custodian, envelope: &[u8]) -> custodia::Result<Vec<u8>> {
    c.open(&OpenRequest::new(jan(), p("investigation")), envelope).map(|o| o.data.expose_secret().clone())
}

struct Scene {
    _tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
    clock: Arc<FixedClock>,
    key: KeyId,
    envelopes: Vec<Vec<u8>>,
}

/// A directory with one wrapped case key and five envelopes sealed to it by a first custodian (then dropped).
fn scene() -> Scene {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("c");
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let maker = provider();
    let c = custodian(&dir, &clock, Some(&maker), 300, 1000);
    let key = c.case_key(&jan(), &case(), None).expect("case key");
    assert_eq!(maker.wraps.load(Ordering::SeqCst), 1, "the case key is wrapped once, when it is made");
    let envelopes = (0..5).map(|n| seal(&c, key, n)).collect();
    assert_eq!(maker.unwraps.load(Ordering::SeqCst), 0, "the fresh case key is cached: sealing asks nothing");
    drop(c);
    Scene { _tmp: tmp, dir, clock, key, envelopes }
}

#[test]
fn an_open_costs_one_provider_call_per_case_and_cache_period() {
    let s = scene();
    let prov = provider();
    let c = custodian(&s.dir, &s.clock, Some(&prov), 300, 1000);
    for (n, env) in (0u8..).zip(&s.envelopes) {
        assert_eq!(open(&c, env).expect("open"), vec![n; 64]);
    }
    assert_eq!(prov.unwraps.load(Ordering::SeqCst), 1, "five objects of one case, one provider call");
    // Still within the period: no call.
    s.clock.advance(299);
    open(&c, &s.envelopes[0]).expect("open");
    assert_eq!(prov.unwraps.load(Ordering::SeqCst), 1);
    // The period is over: exactly one more call, then cached again.
    s.clock.advance(1);
    open(&c, &s.envelopes[1]).expect("open");
    open(&c, &s.envelopes[2]).expect("open");
    assert_eq!(prov.unwraps.load(Ordering::SeqCst), 2, "an entry outlived its time bound");
}

#[test]
fn the_use_bound_of_the_cache_holds() {
    let s = scene();
    let prov = provider();
    let c = custodian(&s.dir, &s.clock, Some(&prov), 300, 2);
    for env in &s.envelopes {
        open(&c, env).expect("open");
    }
    // Uses 1-2, 3-4, 5: three provider calls.
    assert_eq!(prov.unwraps.load(Ordering::SeqCst), 3, "an entry outlived its use bound");
    // A zero time bound disables the cache: one call per open.
    let prov0 = provider();
    let c0 = custodian(&s.dir, &s.clock, Some(&prov0), 0, 1000);
    for env in &s.envelopes {
        open(&c0, env).expect("open");
    }
    assert_eq!(prov0.unwraps.load(Ordering::SeqCst), 5);
}

#[test]
fn the_keyring_alone_opens_nothing_the_case_key_is_not_in_it_in_clear() {
    let s = scene();
    // A custodian on the same directory without the provider: the keyring holds only the wrapping.
    let bare = custodian(&s.dir, &s.clock, None, 300, 1000);
    let e = open(&bare, &s.envelopes[0]).expect_err("no provider");
    assert_eq!(e.kind(), ErrorKind::ProviderUnavailable, "{e}");
    let e = bare.danger_export_secret_for_tests(&s.key).expect_err("the keyring holds no 32-byte case key");
    assert_eq!(e.kind(), ErrorKind::KeyringCorrupt, "{e}");
    // With the provider, but the provider down and the cache cold: refused, typed.
    let prov = provider();
    let c = custodian(&s.dir, &s.clock, Some(&prov), 300, 1000);
    prov.down.store(true, Ordering::SeqCst);
    let e = open(&c, &s.envelopes[0]).expect_err("provider down");
    assert_eq!(e.kind(), ErrorKind::ProviderUnavailable, "{e}");
    // A provider holding another KEK under the same id cannot unwrap it (the AAD-bound wrapping fails).
    let wrong = Arc::new(SoftProvider::new(&[(CKA_ID, [0x11; 32])]));
    let c2 = custodian(&s.dir, &s.clock, Some(&wrong), 300, 1000);
    let e = open(&c2, &s.envelopes[0]).expect_err("wrong KEK");
    assert_eq!(e.kind(), ErrorKind::OpenFailed, "{e}");
}

#[test]
fn shredding_the_case_stops_every_custodian_including_one_whose_cache_held_the_key() {
    let s = scene();
    let (pa, pb) = (provider(), provider());
    let a = custodian(&s.dir, &s.clock, Some(&pa), 300, 1000);
    let b = custodian(&s.dir, &s.clock, Some(&pb), 300, 1000);
    open(&a, &s.envelopes[0]).expect("a opens");
    open(&b, &s.envelopes[0]).expect("b opens");
    assert_eq!(pb.unwraps.load(Ordering::SeqCst), 1);
    // B's cache holds the case key (a second open costs nothing) when A shreds the case.
    open(&b, &s.envelopes[1]).expect("b opens from its cache");
    assert_eq!(pb.unwraps.load(Ordering::SeqCst), 1);
    assert_eq!(b.danger_cached_case_keys(), 1);
    a.destroy_key(&jan(), &s.key, "case closed, retention ended").expect("shred");
    // The clear key leaves B's memory at B's next keyring access, even one that does not use it.
    b.legal_holds().expect("b reads the keyring");
    assert_eq!(b.danger_cached_case_keys(), 0, "B's cache kept a destroyed case key");
    assert_eq!(a.danger_cached_case_keys(), 0);
    for env in &s.envelopes {
        for (who, c) in [("a", &a), ("b", &b)] {
            let e = open(c, env).expect_err("shredded");
            assert_eq!(e.kind(), ErrorKind::KeyDestroyed, "{who}: {e}");
        }
    }
    assert_eq!(pb.unwraps.load(Ordering::SeqCst), 1, "the destruction was noticed through the provider, not the store");
    // A custodian started afterwards cannot open either, and sealing to the key is refused.
    let pc = provider();
    let c = custodian(&s.dir, &s.clock, Some(&pc), 300, 1000);
    let e = open(&c, &s.envelopes[0]).expect_err("shredded");
    assert_eq!(e.kind(), ErrorKind::KeyDestroyed, "{e}");
    assert_eq!(pc.unwraps.load(Ordering::SeqCst), 0);
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![s.key]);
    o.case_ref = Some(case());
    let data = Sensitive::new(b"new".to_vec(), Category::FinancialRecords);
    assert_eq!(b.seal(&jan(), &data, &o).expect_err("shredded").kind(), ErrorKind::KeyDestroyed);
    // Audited: the creation says which provider key wraps the case key; the destruction is key_destroyed.
    let events: Vec<_> =
        custodia::audit::entries(a.audit_log().path()).expect("entries").map(|e| e.expect("entry").event).collect();
    let made = events.iter().find(|e| e.kind == EventKind::KeyGenerated && e.keys.contains(&s.key)).expect("made");
    assert_eq!(made.detail.get("wrapped_by"), Some(&token_key_id(CKA_ID).to_string()));
    assert!(events.iter().any(|e| e.kind == EventKind::KeyDestroyed && e.keys.contains(&s.key)));
    // The case gets a new key on next use, wrapped again.
    let fresh = b.case_key(&jan(), &case(), None).expect("new case key");
    assert_ne!(fresh, s.key);
    assert_eq!(pb.wraps.load(Ordering::SeqCst), 1);
}

#[test]
fn a_wrapped_case_key_keeps_the_case_pattern_of_keyring_case_keys() {
    // Same case, same key, across custodians on the directory; rotation wraps the successor too.
    let s = scene();
    let prov = provider();
    let c = custodian(&s.dir, &s.clock, Some(&prov), 300, 1000);
    assert_eq!(c.case_key(&jan(), &case(), None).expect("case key"), s.key);
    assert_eq!(prov.wraps.load(Ordering::SeqCst), 0);
    let next = c.rotate(&jan(), &s.key).expect("rotate");
    assert_eq!(prov.wraps.load(Ordering::SeqCst), 1, "the successor was not wrapped");
    let env = seal(&c, next, 9);
    let other = provider();
    let d = custodian(&s.dir, &s.clock, Some(&other), 300, 1000);
    assert_eq!(open(&d, &env).expect("open"), vec![9; 64]);
    open(&d, &s.envelopes[0]).expect("the old key still opens (decrypt only)");
    assert_eq!(other.unwraps.load(Ordering::SeqCst), 2);
}
