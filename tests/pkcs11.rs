//! The PKCS#11 provider against a real token: SoftHSM2 (Debian's `softhsm2`), with its own token directory in a
//! temporary directory. Feature `pkcs11`; run by scripts/test-all.sh as `cargo test --features pkcs11 --test pkcs11`.
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` when the library is initialised, once per process, so this test has its own
//! `main` (harness = false): it makes the temporary token directory and configuration, initialises two tokens with
//! `softhsm2-util`, then runs itself again with `SOFTHSM2_CONF` set, and that child runs every test in order
//! (each on its own token objects) and prints `N passed, N failed`.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use common::authority::{j, p};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::MechanismType;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use custodia::format::StanzaKind;
use custodia::pkcs11::{Pkcs11Config, Pkcs11Provider, key_id_for_cka_id};
use custodia::{
    Actor, Category, Classification, Custodian, CustodianOptions, ErrorKind, FixedClock, KdfParams, KeyId, KeyProvider,
    OpenRequest, PurposeSet, SealOptions, Sensitive, Signer, Timestamp, Unlock, Unwrapped,
};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "1234";
const SO_PIN: &str = "12345678";
const TOKEN_A: &str = "custodia-a";
const TOKEN_B: &str = "custodia-b";
const CHILD: &str = "CUSTODIA_PKCS11_TEST_CHILD";

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    assert!(Path::new(MODULE).exists(), "{MODULE} is missing: run scripts/install-deps.sh (Debian package softhsm2)");
    let dir = tempfile::tempdir().expect("tempdir");
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).expect("token dir");
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!("directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n", tokens.display()),
    )
    .expect("conf");
    for label in [TOKEN_A, TOKEN_B] {
        let st = Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &conf)
            .args(["--init-token", "--free", "--label", label, "--so-pin", SO_PIN, "--pin", PIN])
            .output()
            .expect("softhsm2-util (Debian package softhsm2) runs");
        assert!(st.status.success(), "init token {label}: {}", String::from_utf8_lossy(&st.stderr));
    }
    let status = Command::new(std::env::current_exe().expect("exe"))
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD, "1")
        .status()
        .expect("child");
    std::process::exit(status.code().unwrap_or(1));
}

fn child() {
    let tests: &[(&str, fn())] = &[
        ("token_kek_is_sensitive_non_extractable_and_its_id_is_derived_from_cka_id", token_kek_stays_on_the_token),
        ("seal_to_a_token_kek_and_open", seal_to_a_token_kek_and_open),
        ("wrong_aad_and_tampered_stanza_are_refused", wrong_aad_and_tampered_stanza_are_refused),
        ("key_not_on_the_token_is_not_mine", key_not_on_the_token_is_not_mine),
        ("an_extractable_key_is_not_mine", an_extractable_key_is_not_mine),
        ("token_unavailable_is_a_typed_error", token_unavailable_is_a_typed_error),
        ("refused_open_never_reaches_the_token", refused_open_never_reaches_the_token),
        ("eddsa_on_the_token", eddsa_on_the_token),
        ("ed25519_key_on_the_token_signs_and_never_leaves", ed25519_key_on_the_token_signs_and_never_leaves),
        ("envelope_signer_and_audit_key_on_the_token", envelope_signer_and_audit_key_on_the_token),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (name, f) in tests {
        match std::panic::catch_unwind(f) {
            Ok(()) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Err(_) => {
                println!("test {name} ... FAILED");
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}

fn provider(token: &str) -> Pkcs11Provider {
    Pkcs11Provider::open(&Pkcs11Config::new(MODULE, token, PIN)).expect("open provider")
}

fn jan() -> Actor {
    Actor::new("jan", "central_authority", j("NL"), Classification::Secret).expect("actor")
}

struct Scene {
    _dir: tempfile::TempDir,
    c: Custodian,
}

fn custodian(providers: Vec<Arc<dyn KeyProvider>>) -> Scene {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut opts = CustodianOptions::with_clock(Arc::new(FixedClock::new(Timestamp::from_unix(1_795_435_200))));
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = true;
    opts.providers = providers;
    let c = Custodian::load(dir.path().join("c"), Unlock::master_key([9; 32]), opts).expect("load");
    Scene { _dir: dir, c }
}

fn seal(c: &Custodian, kek: KeyId) -> Vec<u8> {
    let data = Sensitive::new(b"intercept transcript 17".to_vec(), Category::FinancialRecords);
    let o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]);
    c.seal(&jan(), &data, &o).expect("seal").envelope
}

fn open(c: &Custodian, purpose: &str, env: &[u8]) -> custodia::Result<Vec<u8>> {
    c.open(&OpenRequest::new(jan(), p(purpose)), env).map(|o| o.data.expose_secret().clone())
}

/// A second, independent view of the token (the test's own, not the provider's).
fn raw_session(token: &str) -> cryptoki::session::Session {
    let ctx = Pkcs11::new(MODULE).expect("module");
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => panic!("{e}"),
    }
    let slot = ctx
        .get_slots_with_initialized_token()
        .expect("slots")
        .into_iter()
        .find(|s| ctx.get_token_info(*s).expect("info").label() == token)
        .expect("token");
    let s = ctx.open_rw_session(slot).expect("session");
    match s.login(UserType::User, Some(&AuthPin::from(PIN))) {
        Ok(()) | Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::UserAlreadyLoggedIn, _)) => {}
        Err(e) => panic!("{e}"),
    }
    // The context must outlive the session: leak it (the test process is short-lived).
    std::mem::forget(ctx);
    s
}

fn token_kek_stays_on_the_token() {
    let prov = provider(TOKEN_A);
    let id = prov.generate_kek("kek one").expect("generate");
    assert!(prov.holds(&id).expect("holds"));
    assert!(prov.kek_ids().expect("ids").contains(&id));
    // Another provider instance (new handles, new sessions) finds the same key under the same id.
    let again = provider(TOKEN_A);
    assert!(again.kek_ids().expect("ids").contains(&id));
    let s = raw_session(TOKEN_A);
    let handles = s.find_objects(&[Attribute::Label(b"kek one".to_vec())]).expect("find");
    assert_eq!(handles.len(), 1);
    let attrs = s
        .get_attributes(handles[0], &[AttributeType::Sensitive, AttributeType::Extractable, AttributeType::Id])
        .expect("attrs");
    let mut cka_id = None;
    for a in attrs {
        match a {
            Attribute::Sensitive(b) => assert!(b, "KEK not sensitive"),
            Attribute::Extractable(b) => assert!(!b, "KEK extractable"),
            Attribute::Id(v) => cka_id = Some(v),
            _ => {}
        }
    }
    let cka_id = cka_id.expect("CKA_ID");
    assert_eq!(key_id_for_cka_id(&cka_id), id);
    assert_eq!(common::soft_provider::token_key_id(&cka_id), id, "FORMAT.md section 13's derivation");
    // Its value cannot be read off the token.
    let value = s.get_attributes(handles[0], &[AttributeType::Value]).expect("attrs");
    assert!(!value.iter().any(|a| matches!(a, Attribute::Value(_))), "CKA_VALUE was readable");
}

fn seal_to_a_token_kek_and_open() {
    let prov = Arc::new(provider(TOKEN_A));
    let kek = prov.generate_kek("kek seal").expect("generate");
    let sc = custodian(vec![prov.clone()]);
    let env = seal(&sc.c, kek);
    let h = custodia::format::parse_header(&env).expect("header");
    assert_eq!(h.stanzas()[0].kind(), StanzaKind::Pkcs11AesGcm);
    assert_eq!(open(&sc.c, "investigation", &env).expect("open"), b"intercept transcript 17");
    // Another custodian with its own provider instance on the same token opens it too.
    let other = custodian(vec![Arc::new(provider(TOKEN_A))]);
    assert_eq!(open(&other.c, "investigation", &env).expect("open"), b"intercept transcript 17");
}

fn wrong_aad_and_tampered_stanza_are_refused() {
    let prov = provider(TOKEN_A);
    let kek = prov.generate_kek("kek aad").expect("generate");
    let dk = [0x33; 32];
    let wrapped = prov.wrap(&kek, &dk, b"terms one").expect("wrap");
    assert_eq!(wrapped.len(), 60);
    match prov.unwrap(&kek, &wrapped, b"terms one").expect("unwrap") {
        Unwrapped::Key(k) => assert_eq!(*k, dk),
        Unwrapped::NotMine => panic!("not mine"),
    }
    let e = prov.unwrap(&kek, &wrapped, b"terms two").expect_err("other AAD");
    assert_eq!(e.kind(), ErrorKind::OpenFailed, "{e}");
    for i in [0, 12, 43, 59] {
        let mut bad = wrapped.clone();
        bad[i] ^= 0x80;
        let e = prov.unwrap(&kek, &bad, b"terms one").expect_err("tampered");
        assert_eq!(e.kind(), ErrorKind::OpenFailed, "byte {i}: {e}");
    }
    // Through the custodian: a flipped bit in the envelope's stanza.
    let sc = custodian(vec![Arc::new(prov)]);
    let env = seal(&sc.c, kek);
    let h = custodia::format::parse_header(&env).expect("header");
    let mut bad = env.clone();
    bad[h.as_bytes().len() - 32 - 10] ^= 1;
    let e = open(&sc.c, "investigation", &bad).expect_err("tampered");
    assert_eq!(e.kind(), ErrorKind::OpenFailed, "{e}");
}

fn key_not_on_the_token_is_not_mine() {
    let a = Arc::new(provider(TOKEN_A));
    let kek = a.generate_kek("kek a only").expect("generate");
    let env = seal(&custodian(vec![a]).c, kek);
    let b = provider(TOKEN_B);
    assert!(!b.holds(&kek).expect("holds"));
    assert!(matches!(b.unwrap(&kek, &[0; 60], b"").expect("unwrap"), Unwrapped::NotMine));
    let sc = custodian(vec![Arc::new(b)]);
    let e = open(&sc.c, "investigation", &env).expect_err("not on token B");
    assert_eq!(e.kind(), ErrorKind::NoMatchingRecipient, "{e}");
}

fn an_extractable_key_is_not_mine() {
    let s = raw_session(TOKEN_A);
    let cka_id = b"extractable-kek".to_vec();
    s.generate_key(
        &cryptoki::mechanism::Mechanism::AesKeyGen,
        &[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::ValueLen(32.into()),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(false),
            Attribute::Extractable(true),
            Attribute::Encrypt(true),
            Attribute::Decrypt(true),
            Attribute::Id(cka_id.clone()),
        ],
    )
    .expect("generate");
    let prov = provider(TOKEN_A);
    let id = key_id_for_cka_id(&cka_id);
    assert!(!prov.holds(&id).expect("holds"), "an extractable key was taken as a KEK");
    assert!(!prov.kek_ids().expect("ids").contains(&id));
    let e = prov.wrap(&id, &[1; 32], b"").expect_err("wrap to an extractable key");
    assert_eq!(e.kind(), ErrorKind::KeyNotFound, "{e}");
}

fn token_unavailable_is_a_typed_error() {
    let missing = Pkcs11Provider::open(&Pkcs11Config::new("/nonexistent/libpkcs11.so", TOKEN_A, PIN));
    assert_eq!(missing.expect_err("no module").kind(), ErrorKind::ProviderUnavailable);
    let no_token = Pkcs11Provider::open(&Pkcs11Config::new(MODULE, "no-such-token", PIN));
    assert_eq!(no_token.expect_err("no token").kind(), ErrorKind::ProviderUnavailable);
    // A wrong PIN on token B (nothing logged in there yet in this process).
    let wrong_pin = Pkcs11Provider::open(&Pkcs11Config::new(MODULE, TOKEN_B, "9999"));
    let e = wrong_pin.expect_err("wrong pin");
    assert_eq!(e.kind(), ErrorKind::ProviderUnavailable, "{e}");
    assert!(!e.to_string().contains("9999"), "the PIN is in the error: {e}");
}

/// Counts calls, then hands them to the token.
struct Counting {
    inner: Pkcs11Provider,
    unwraps: AtomicU64,
}

impl KeyProvider for Counting {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn stanza_kind(&self) -> StanzaKind {
        self.inner.stanza_kind()
    }
    fn holds(&self, key_id: &KeyId) -> custodia::Result<bool> {
        self.inner.holds(key_id)
    }
    fn wrap(&self, key_id: &KeyId, data_key: &[u8; 32], aad: &[u8]) -> custodia::Result<Vec<u8>> {
        self.inner.wrap(key_id, data_key, aad)
    }
    fn unwrap(&self, key_id: &KeyId, wrapped: &[u8], aad: &[u8]) -> custodia::Result<Unwrapped> {
        self.unwraps.fetch_add(1, Ordering::SeqCst);
        self.inner.unwrap(key_id, wrapped, aad)
    }
}

fn refused_open_never_reaches_the_token() {
    let counting = Arc::new(Counting { inner: provider(TOKEN_A), unwraps: AtomicU64::new(0) });
    let kek = counting.inner.generate_kek("kek gate").expect("generate");
    let sc = custodian(vec![counting.clone()]);
    let env = seal(&sc.c, kek);
    let e = open(&sc.c, "asset_recovery", &env).expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::PurposeNotPermitted, "{e}");
    assert_eq!(counting.unwraps.load(Ordering::SeqCst), 0, "the token was asked before the gate decided");
    open(&sc.c, "investigation", &env).expect("open");
    assert_eq!(counting.unwraps.load(Ordering::SeqCst), 1);
}

/// Whether this SoftHSM2 build offers Ed25519 signing (CKM_EDDSA), for docs/KEYS.md: printed, and checked to be
/// what the documentation says.
fn eddsa_on_the_token() {
    let ctx = Pkcs11::new(MODULE).expect("module");
    let _ = ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK));
    let slot = ctx.get_slots_with_initialized_token().expect("slots")[0];
    let mechs = ctx.get_mechanism_list(slot).expect("mechanisms");
    let eddsa = mechs.contains(&MechanismType::EDDSA);
    println!("SoftHSM2 CKM_EDDSA: {eddsa}; CKM_AES_GCM: {}", mechs.contains(&MechanismType::AES_GCM));
    assert!(mechs.contains(&MechanismType::AES_GCM), "the provider needs CKM_AES_GCM");
    std::mem::forget(ctx);
}

/// An Ed25519 key generated on the token: the private half sensitive, non-extractable, its value unreadable; found
/// again by its custodia key id (from another provider instance); its signatures are plain Ed25519 that verify
/// under the public key custodia derives the id from.
fn ed25519_key_on_the_token_signs_and_never_leaves() {
    let prov = Arc::new(provider(TOKEN_A));
    let signer = prov.generate_signing_key("envelope signer").expect("generate Ed25519 on the token");
    let public = signer.verifying_key();
    let again = Arc::new(provider(TOKEN_A)).signing_key(&public.id()).expect("found by key id");
    assert_eq!(again.verifying_key(), public);
    // Sign through the custodia key type: the signature is checked against the public key before it is returned.
    let key = again.signing_key();
    assert!(key.is_external() && key.expose_bytes().is_none(), "no seed in this process");
    let anchor_like = b"custodia test message";
    let sig = Signer::sign(&key, anchor_like).expect("signed on the token");
    let dalek = ed25519_dalek::VerifyingKey::from_bytes(&public.to_bytes()).expect("public");
    dalek.verify_strict(anchor_like, &ed25519_dalek::Signature::from_bytes(&sig)).expect("plain Ed25519");

    let s = raw_session(TOKEN_A);
    let handles = s
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::KeyType(KeyType::EC_EDWARDS),
            Attribute::Label(b"envelope signer".to_vec()),
        ])
        .expect("find");
    assert_eq!(handles.len(), 1);
    for a in s.get_attributes(handles[0], &[AttributeType::Sensitive, AttributeType::Extractable]).expect("attrs") {
        match a {
            Attribute::Sensitive(b) => assert!(b, "private key not sensitive"),
            Attribute::Extractable(b) => assert!(!b, "private key extractable"),
            _ => {}
        }
    }
    assert!(
        !s.get_attributes(handles[0], &[AttributeType::Value])
            .is_ok_and(|v| v.iter().any(|a| matches!(a, Attribute::Value(b) if !b.is_empty()))),
        "the private key's value was readable"
    );
    // Unknown on this token: typed, not a panic or a wrong key.
    let other = custodia::audit::SigningKey::from_bytes([77; 32]).id();
    assert_eq!(prov.signing_key(&other).expect_err("absent").kind(), ErrorKind::KeyNotFound);
}

/// A custodian whose envelope signer and audit key are on the token: envelopes carry the token's signature, every
/// audit entry is signed inside the token and the log verifies with its public key, the keyring holds neither
/// secret, and a restart with the same token keys carries on.
fn envelope_signer_and_audit_key_on_the_token() {
    let prov = Arc::new(provider(TOKEN_B));
    let envelope_signer = prov.generate_signing_key("signer").expect("signer");
    let audit_key = prov.generate_signing_key("audit").expect("audit key");
    let signer_id = envelope_signer.verifying_key().id();
    let dir = tempfile::tempdir().expect("tempdir");
    let options = |create| {
        let mut o = CustodianOptions::with_clock(Arc::new(FixedClock::new(Timestamp::from_unix(1_795_435_200))));
        o.kdf = KdfParams::DANGER_TEST_ONLY;
        o.create = create;
        o.signers = vec![envelope_signer.clone() as Arc<dyn Signer>];
        o.audit_signer = Some(audit_key.clone() as Arc<dyn Signer>);
        o
    };
    let c = Custodian::load(dir.path().join("c"), Unlock::master_key([9; 32]), options(true)).expect("load");
    assert_eq!(c.audit_verifying_key(), audit_key.verifying_key());
    let kek = c.generate_key(&jan(), custodia::KeyKind::Kek, "team").expect("kek");
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]);
    o.signer = Some(signer_id);
    let data = Sensitive::new(b"intercept transcript 18".to_vec(), Category::FinancialRecords);
    let env = c.seal(&jan(), &data, &o).expect("seal, signed on the token").envelope;
    let opened = c
        .open(&OpenRequest::new(jan(), p("investigation")).require_signer(signer_id), &env)
        .expect("open, token signer required");
    assert_eq!(opened.signer, Some(signer_id));
    assert!(c.keys().expect("keys").iter().all(|k| k.kind != custodia::KeyKind::Ed25519 || !k.has_secret));
    let path = c.audit_log().path().to_owned();
    c.close().expect("close");
    let report = custodia::audit::verify(&path, &audit_key.verifying_key(), &[]).expect("log verifies");
    assert!(report.entries >= 4, "genesis, key, seal, open, close");
    let again = Custodian::load(dir.path().join("c"), Unlock::master_key([9; 32]), options(false)).expect("reload");
    again.open(&OpenRequest::new(jan(), p("investigation")), &env).expect("open after restart");
    again.close().expect("close");
    custodia::audit::verify(&path, &audit_key.verifying_key(), &[]).expect("still verifies");
}
