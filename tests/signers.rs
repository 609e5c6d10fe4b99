//! Signing keys held outside the process (`CustodianOptions::signers`, `CustodianOptions::audit_signer`; docs/KEYS.md
//! "Signing keys on a token"), with a software [`Signer`] standing in for an HSM (tests/pkcs11.rs runs the same
//! with SoftHSM2). What it tries to break:
//! - a signer that returns a wrong signature gets nothing signed: no envelope, no log entry, no grant;
//! - the keyring never holds the secret of a key held outside, and a custodian without the signer cannot sign with
//!   the key (nor quietly make a new audit key for a log signed outside);
//! - a directory whose log is signed by one key refuses another audit signer;
//! - a key held outside obeys the keyring's state: compromised, it signs nothing new.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use common::authority::j;
use common::authority::p;
use custodia::audit::{SigningKey, VerifyingKey};
use custodia::{
    Actor, Category, Classification, Custodian, CustodianOptions, ErrorKind, FixedClock, GrantScope, KdfParams,
    OpenRequest, PurposeSet, SealOptions, Sensitive, Signer, Timestamp, Unlock,
};

const T0: u64 = 1_795_435_200;

/// A key held "outside": the test's own, counting its signatures; `lie` makes it sign with another key.
struct Outside {
    key: SigningKey,
    other: SigningKey,
    lie: std::sync::atomic::AtomicBool,
    signed: AtomicU64,
}

impl Outside {
    fn new(seed: u8) -> Arc<Self> {
        Arc::new(Self {
            key: SigningKey::from_bytes([seed; 32]),
            other: SigningKey::from_bytes([seed ^ 0xff; 32]),
            lie: std::sync::atomic::AtomicBool::new(false),
            signed: AtomicU64::new(0),
        })
    }
}

impl Signer for Outside {
    fn name(&self) -> &str {
        "test-hsm"
    }
    fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }
    fn sign(&self, message: &[u8]) -> custodia::Result<[u8; 64]> {
        self.signed.fetch_add(1, Ordering::SeqCst);
        if self.lie.load(Ordering::SeqCst) {
            Signer::sign(&self.other, message)
        } else {
            Signer::sign(&self.key, message)
        }
    }
}

fn options(signers: Vec<Arc<dyn Signer>>, audit: Option<Arc<dyn Signer>>, create: bool) -> CustodianOptions {
    let mut o = CustodianOptions::with_clock(Arc::new(FixedClock::new(Timestamp::from_unix(T0))));
    o.kdf = KdfParams::DANGER_TEST_ONLY;
    o.create = create;
    o.signers = signers;
    o.audit_signer = audit;
    o
}

fn load(dir: &Path, opts: CustodianOptions) -> custodia::Result<Custodian> {
    Custodian::load(dir, Unlock::master_key([5; 32]), opts)
}

fn jan() -> Actor {
    Actor::new("jan", "central_authority", j("NL"), Classification::Secret).expect("actor")
}

/// Sealing for a fresh team KEK of `c`, for `investigation`, signed by `signer` if given.
fn seal_options(c: &Custodian, signer: Option<custodia::KeyId>) -> SealOptions {
    let kek = c.generate_key(&jan(), custodia::KeyKind::Kek, "team").expect("kek");
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]);
    o.signer = signer;
    o
}

fn data() -> Sensitive<Vec<u8>> {
    Sensitive::new(b"subscriber data, line 3".to_vec(), Category::FinancialRecords)
}

#[test]
fn envelopes_signed_outside_verify_and_the_keyring_never_holds_the_secret() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("c");
    let hsm = Outside::new(1);
    let id = hsm.key.id();
    let c = load(&dir, options(vec![hsm.clone()], None, true)).expect("load");
    let jan = jan();
    let o = seal_options(&c, Some(id));
    let sealed = c.seal(&jan, &data(), &o).expect("seal signed outside");
    assert_eq!(hsm.signed.load(Ordering::SeqCst), 1, "one signature, by the outside signer");
    let opened = c
        .open(&OpenRequest::new(jan.clone(), p("investigation")).require_signer(id), &sealed.envelope)
        .expect("open, signer required");
    assert_eq!(opened.signer, Some(id));
    let info = c.keys().expect("keys").into_iter().find(|k| k.id == id).expect("recorded");
    assert!(!info.has_secret, "the keyring holds only the public key");

    // A grant by the originator is signed outside too.
    let scope = GrantScope::PurposeExtension(PurposeSet::parse(&["asset_recovery"]).expect("purposes"));
    let grant = c
        .issue_grant(&jan, &id, &sealed.object_id, scope.clone(), c.now().plus_days(30), "letter 2026/119")
        .expect("grant signed outside");
    assert_eq!(grant.grantor().id(), id);
    c.close().expect("close");

    // Without the signer, the same key signs nothing.
    let bare = load(&dir, options(Vec::new(), None, false)).expect("reload without the signer");
    let e = bare.seal(&jan, &data(), &o).expect_err("no signer, no signature");
    assert_eq!(e.kind(), ErrorKind::KeyState, "{e}");
}

#[test]
fn a_signer_returning_a_wrong_signature_gets_nothing_signed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("c");
    let hsm = Outside::new(2);
    let id = hsm.key.id();
    let c = load(&dir, options(vec![hsm.clone()], None, true)).expect("load");
    let jan = jan();
    let o = seal_options(&c, Some(id));
    let before = c.audit_log().entries().expect("entries").count();
    hsm.lie.store(true, Ordering::SeqCst);
    let e = c.seal(&jan, &data(), &o).expect_err("a wrong signature is refused");
    assert_eq!(e.kind(), ErrorKind::ProviderFailed, "{e}");
    assert!(!e.to_string().contains("subscriber"), "no plaintext in the error");
    // The refusal may be recorded, but no `sealed` entry is.
    let sealed_after = c
        .audit_log()
        .entries()
        .expect("entries")
        .skip(before)
        .filter_map(Result::ok)
        .filter(|en| {
            en.event.kind == custodia::audit::EventKind::Sealed && en.event.outcome == custodia::audit::Outcome::Ok
        })
        .count();
    assert_eq!(sealed_after, 0, "nothing sealed");

    // An audit signer that lies: the log is never created.
    let liar = Outside::new(3);
    liar.lie.store(true, Ordering::SeqCst);
    let e = load(&tmp.path().join("d"), options(Vec::new(), Some(liar), true)).expect_err("genesis not signed");
    assert_eq!(e.kind(), ErrorKind::ProviderFailed, "{e}");
}

#[test]
fn the_audit_log_signed_outside_verifies_and_is_bound_to_its_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("c");
    let hsm = Outside::new(4);
    let c = load(&dir, options(Vec::new(), Some(hsm.clone()), true)).expect("load");
    assert_eq!(c.audit_verifying_key(), hsm.key.verifying_key());
    let jan = jan();
    let o = seal_options(&c, None);
    let sealed = c.seal(&jan, &data(), &o).expect("seal");
    c.open(&OpenRequest::new(jan.clone(), p("investigation")), &sealed.envelope).expect("open");
    let entries = c.audit_log().entries().expect("entries").count() as u64;
    assert!(hsm.signed.load(Ordering::SeqCst) >= entries, "every entry signed outside");
    let audit = c.keys().expect("keys").into_iter().find(|k| k.label == custodia::AUDIT_KEY_LABEL).expect("audit");
    assert!(!audit.has_secret, "no audit secret in the keyring");
    let path = c.audit_log().path().to_owned();
    c.close().expect("close");
    let report = custodia::audit::verify(&path, &hsm.key.verifying_key(), &[]).expect("verifies with the key");
    assert!(report.entries >= entries);

    // Without its signer the directory refuses to load (never a second, local audit key).
    let e = load(&dir, options(Vec::new(), None, false)).expect_err("audit key held outside");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    // With another key: the log is not that key's.
    let e = load(&dir, options(Vec::new(), Some(Outside::new(5)), false)).expect_err("another audit key");
    assert_eq!(e.kind(), ErrorKind::AuditWrongKey, "{e}");
    // With its own, it carries on, and the log still verifies.
    let again = load(&dir, options(Vec::new(), Some(hsm.clone()), false)).expect("reload");
    again.seal(&jan, &data(), &o).expect("seal");
    again.close().expect("close");
    custodia::audit::verify(&path, &hsm.key.verifying_key(), &[]).expect("still verifies");

    // A directory made with a local audit key refuses an outside one.
    let local = tmp.path().join("local");
    load(&local, options(Vec::new(), None, true)).expect("local").close().expect("close");
    let e = load(&local, options(Vec::new(), Some(hsm), false)).expect_err("log signed by the local key");
    assert_eq!(e.kind(), ErrorKind::AuditWrongKey, "{e}");
}

#[test]
fn a_compromised_key_held_outside_signs_nothing_new() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let hsm = Outside::new(6);
    let id = hsm.key.id();
    let c = load(&tmp.path().join("c"), options(vec![hsm.clone()], None, true)).expect("load");
    let jan = jan();
    let o = seal_options(&c, Some(id));
    c.mark_compromised(&jan, &id, "token stolen").expect("mark");
    let signed = hsm.signed.load(Ordering::SeqCst);
    let e = c.seal(&jan, &data(), &o).expect_err("compromised");
    assert_eq!(e.kind(), ErrorKind::KeyCompromised, "{e}");
    assert_eq!(hsm.signed.load(Ordering::SeqCst), signed, "the signer was never asked");
}
