//! The keyring on PostgreSQL (issue 15 section 3, third item; docs/KEYS.md "The keyring on PostgreSQL"), with case
//! keys wrapped by a SoftHSM2 token (section 2). Features `postgres` and `pkcs11`; run by scripts/test-all.sh as
//! `cargo test --features postgres,pkcs11 --test postgres_keys`.
//!
//! Two "servers" are two custodians with directories of their own on one PostgreSQL keyring and one token. Each test
//! tries to break one guarantee: a shred, a rotation, a legal hold or an access policy made on one server holds on
//! the other at once (including for a case key the other held unwrapped in its cache); the database holds no clear
//! key; a row altered or rolled back behind the servers' backs is refused; concurrent writers lose no change.
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` once per process, so this test has its own `main` (harness = false), as
//! tests/pkcs11.rs: it makes the token, then runs itself again with the variable set; that child starts one
//! PostgreSQL cluster (testkit) and runs every test in order, each in a schema of its own.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use common::authority::{j, p};
use custodia::format::StanzaKind;
use custodia::pkcs11::{Pkcs11Config, Pkcs11Provider};
use custodia::postgres::{PgConfig, install_schema};
use custodia::{
    AUDIT_KEY_LABEL, AccessPolicy, Actor, CaseKeyWrapping, CaseRef, Category, Classification, Custodian,
    CustodianOptions, ErrorKind, FixedClock, KdfParams, KeyId, KeyKind, KeyProvider, OpenRequest, PurposeSet,
    SealOptions, Sensitive, Timestamp, Unlock, Unwrapped,
};
use custodia_testkit::{PgCluster, SOFTHSM_MODULE, SOFTHSM_PIN, SoftHsm};

const TOKEN: &str = "custodia-pgkeys";
const CHILD: &str = "CUSTODIA_PG_KEYS_TEST_CHILD";
const WORKER: &str = "CUSTODIA_PG_KEYS_WORKER";
const APP_ROLE: &str = "custodia_app";
const T0: u64 = 1_795_435_200;
const PASSPHRASE: &str = "correct horse battery staple";
const CASE: &str = "MLA-2026-0042";

fn main() {
    if let Ok(spec) = std::env::var(WORKER) {
        worker(&spec);
        return;
    }
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let hsm = SoftHsm::new(&[TOKEN]).expect("SoftHSM2 token (run scripts/install-deps.sh)");
    std::process::exit(hsm.reexec(CHILD).expect("child"));
}

type Test = fn(&Pg);

fn child() {
    let pg = Pg::start();
    let tests: &[(&str, Test)] = &[
        ("a_shred_on_one_server_stops_every_server_even_one_whose_cache_held_the_key", shred_across_servers),
        ("a_rotation_on_one_server_is_seen_by_the_next_seal_of_another", rotation_across_servers),
        ("a_legal_hold_on_one_server_blocks_a_destroy_on_another", legal_hold_across_servers),
        ("an_access_policy_set_on_one_server_applies_on_another", access_policy_across_servers),
        ("the_row_holds_no_clear_key_bytes", the_row_holds_no_clear_key),
        ("a_row_altered_in_the_database_is_keyring_corrupt", tampered_row),
        ("a_row_rolled_back_is_refused_by_a_server_that_saw_newer", rolled_back_row),
        ("the_application_role_cannot_delete_or_rename_the_row", app_role_limits),
        ("concurrent_processes_lose_no_update", concurrent_processes),
        ("a_missing_keyring_is_not_created_without_create", missing_keyring),
        ("a_destruction_elsewhere_stops_the_next_seal_open_and_share", next_operation_sees_destruction),
        ("each_operation_makes_one_version_query", one_version_query_per_operation),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (name, f) in tests {
        match std::panic::catch_unwind(|| f(&pg)) {
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

/// The cluster, and a counter so that every test gets a schema of its own.
struct Pg {
    cluster: PgCluster,
    next: AtomicU64,
}

impl Pg {
    fn start() -> Self {
        let cluster = PgCluster::start().expect("PostgreSQL (run scripts/install-deps.sh)");
        cluster.psql("postgres", &format!("CREATE ROLE {APP_ROLE} LOGIN")).expect("app role");
        Self { cluster, next: AtomicU64::new(0) }
    }

    /// A fresh schema with custodia's tables, and the application's configuration for it.
    fn schema(&self) -> PgConfig {
        let name = format!("t{}", self.next.fetch_add(1, Ordering::SeqCst));
        let admin = PgConfig::new(&self.cluster.admin_url()).expect("url").schema(&name).expect("schema");
        install_schema(&admin, APP_ROLE).expect("install schema");
        PgConfig::new(&self.cluster.url(APP_ROLE, "postgres")).expect("url").schema(&name).expect("schema")
    }

    fn sql(&self, sql: &str) -> String {
        self.cluster.psql("postgres", sql).expect("psql").trim().to_owned()
    }
}

/// A provider that counts the calls reaching the token.
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

fn token() -> Pkcs11Provider {
    Pkcs11Provider::open(&Pkcs11Config::new(SOFTHSM_MODULE, TOKEN, SOFTHSM_PIN)).expect("open provider")
}

/// The token's case-key KEK (made once per process, found again by label afterwards).
fn case_kek() -> KeyId {
    static KEK: std::sync::OnceLock<KeyId> = std::sync::OnceLock::new();
    *KEK.get_or_init(|| token().generate_kek("case kek").expect("generate"))
}

fn jan() -> Actor {
    Actor::new("jan", "central_authority", j("NL"), Classification::Secret).expect("actor")
}

fn case() -> CaseRef {
    CaseRef::parse(CASE).expect("case")
}

/// One application server: its own directory, its own token session and counter, the shared keyring.
struct Server {
    _dir: tempfile::TempDir,
    c: Custodian,
    hsm: Arc<Counting>,
}

fn options(pg: &PgConfig, clock: &Arc<FixedClock>, hsm: &Arc<Counting>) -> CustodianOptions {
    let mut opts = CustodianOptions::with_clock(clock.clone());
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = true;
    opts.postgres = Some(pg.clone());
    opts.case_keys = Some(CaseKeyWrapping::new(hsm.clone() as Arc<dyn KeyProvider>, case_kek()));
    opts
}

fn server(pg: &PgConfig, clock: &Arc<FixedClock>) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let hsm = Arc::new(Counting { inner: token(), unwraps: AtomicU64::new(0) });
    let c = Custodian::load(dir.path().join("server"), Unlock::passphrase(PASSPHRASE), options(pg, clock, &hsm))
        .expect("load");
    Server { _dir: dir, c, hsm }
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(Timestamp::from_unix(T0)))
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

fn shred_across_servers(pg: &Pg) {
    let cfg = pg.schema();
    let clock = clock();
    let a = server(&cfg, &clock);
    let b = server(&cfg, &clock);
    let key = a.c.case_key(&jan(), &case(), None).expect("case key");
    let envelopes: Vec<_> = (0..4).map(|n| seal(&a.c, key, n)).collect();
    assert_eq!(a.hsm.unwraps.load(Ordering::SeqCst), 0, "A made the key: sealing asks the token nothing");
    // B opens every envelope of the case with one token call, then from its cache.
    for (n, env) in (0u8..).zip(&envelopes) {
        assert_eq!(open(&b.c, env).expect("B opens"), vec![n; 64]);
    }
    assert_eq!(b.hsm.unwraps.load(Ordering::SeqCst), 1, "one token call per case and cache period");
    assert_eq!(b.c.danger_cached_case_keys(), 1);
    // A shreds the case. B's cached entry dies at B's next look at the keyring, before the key is asked for.
    a.c.destroy_key(&jan(), &key, "retention period ended").expect("shred");
    b.c.keys().expect("B reads the keyring");
    assert_eq!(b.c.danger_cached_case_keys(), 0, "the clear case key left B's memory with the destruction");
    for env in &envelopes {
        assert_eq!(open(&b.c, env).expect_err("refused").kind(), ErrorKind::KeyDestroyed);
        assert_eq!(open(&a.c, env).expect_err("refused").kind(), ErrorKind::KeyDestroyed);
    }
    assert_eq!(b.hsm.unwraps.load(Ordering::SeqCst), 1, "refused without a token call");
    // A third server started afterwards cannot either.
    let c = server(&cfg, &clock);
    assert_eq!(open(&c.c, &envelopes[0]).expect_err("refused").kind(), ErrorKind::KeyDestroyed);
    assert_eq!(c.hsm.unwraps.load(Ordering::SeqCst), 0);
}

fn rotation_across_servers(pg: &Pg) {
    let cfg = pg.schema();
    let clock = clock();
    let a = server(&cfg, &clock);
    let b = server(&cfg, &clock);
    let old = a.c.generate_key(&jan(), KeyKind::Kek, "team key").expect("kek");
    let before = seal(&b.c, old, 1);
    let new = a.c.rotate(&jan(), &old).expect("rotate");
    // B's very next seal sees the rotation: the old key seals nothing more, the new one does.
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![old]);
    o.case_ref = Some(case());
    let e = b.c.seal(&jan(), &Sensitive::new(vec![2; 8], Category::FinancialRecords), &o).expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::KeyState, "{e}");
    let after = seal(&b.c, new, 3);
    assert_eq!(open(&a.c, &after).expect("A opens B's envelope under the new key"), vec![3; 64]);
    assert_eq!(open(&a.c, &before).expect("decrypt-only still opens"), vec![1; 64]);
}

fn legal_hold_across_servers(pg: &Pg) {
    let cfg = pg.schema();
    let clock = clock();
    let a = server(&cfg, &clock);
    let b = server(&cfg, &clock);
    let key = a.c.case_key(&jan(), &case(), None).expect("case key");
    a.c.place_legal_hold(&jan(), &case(), "LG Berlin 2026/17", "pending appeal").expect("hold");
    let e = b.c.destroy_key(&jan(), &key, "retention period ended").expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::LegalHold, "{e}");
    assert_eq!(b.c.legal_holds().expect("holds").len(), 1);
    a.c.release_legal_hold(&jan(), &case()).expect("release");
    b.c.destroy_key(&jan(), &key, "retention period ended").expect("destroyed once the hold is lifted");
}

fn access_policy_across_servers(pg: &Pg) {
    let cfg = pg.schema();
    let clock = clock();
    let a = server(&cfg, &clock);
    let b = server(&cfg, &clock);
    let key = a.c.generate_key(&jan(), KeyKind::Kek, "team key").expect("kek");
    let env = seal(&a.c, key, 7);
    open(&b.c, &env).expect("no policy yet");
    let policy = AccessPolicy::builder()
        .role("prosecutor", &[Category::FinancialRecords], &["investigation"])
        .case_team(CASE, &["anna"], &[])
        .build()
        .expect("policy");
    let hash = policy.sha256();
    a.c.set_access_policy(&jan(), policy).expect("set on A");
    let before = b.c.unwrap_attempts();
    let e = open(&b.c, &env).expect_err("refused");
    assert!(e.is_refusal(), "B applies A's policy: {e}");
    assert_eq!(b.c.unwrap_attempts(), before, "refused before any key");
    assert_eq!(b.c.access_policy().expect("policy").sha256(), hash);
    // A server restarted (or newly started) applies it from the keyring too; no file is written in a directory.
    let c = server(&cfg, &clock);
    assert_eq!(c.c.access_policy().expect("policy").sha256(), hash);
    assert!(!a.c.dir().join("access-policy.toml").exists());
    // A policy file left in a server's directory is refused rather than quietly applied by that server alone.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("server");
    std::fs::create_dir(&d).expect("dir");
    std::fs::write(d.join("access-policy.toml"), "version = 1\n").expect("write");
    let hsm = Arc::new(Counting { inner: token(), unwraps: AtomicU64::new(0) });
    let e = Custodian::load(&d, Unlock::passphrase(PASSPHRASE), options(&cfg, &clock, &hsm)).expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::PolicyInvalid, "{e}");
}

/// The document as the database holds it.
fn row(pg: &Pg, cfg: &PgConfig) -> Vec<u8> {
    let hex = pg.sql(&format!("SELECT encode(document, 'hex') FROM {}.keyring", cfg.schema_name()));
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn the_row_holds_no_clear_key(pg: &Pg) {
    use base64ct::{Base64, Encoding};
    let cfg = pg.schema();
    let clock = clock();
    let a = server(&cfg, &clock);
    let case_key = a.c.case_key(&jan(), &case(), None).expect("case key");
    let kek = a.c.generate_key(&jan(), KeyKind::Kek, "team key").expect("kek");
    let x = a.c.generate_key(&jan(), KeyKind::X25519, "own x25519").expect("x25519");
    let audit = a.c.keys().expect("keys").iter().find(|k| k.label == AUDIT_KEY_LABEL).expect("audit key").id;
    let doc = row(pg, &cfg);
    assert!(doc.len() > 200, "a document is stored");
    for id in [case_key, kek, x, audit] {
        let secret = if id == case_key {
            a.c.danger_export_case_key_for_tests(&id).expect("clear case key")
        } else {
            a.c.danger_export_secret_for_tests(&id).expect("secret")
        };
        assert!(a.c.danger_keyring_contains(&secret[..]).expect("scan") || id == case_key, "the body holds {id}");
        for needle in [secret.to_vec(), Base64::encode_string(&*secret).into_bytes()] {
            assert!(!contains(&doc, &needle), "key {id} in the clear in the row");
        }
    }
    // The clear case key is not even inside the decrypted document: only the token's wrapping of it is.
    let clear = a.c.danger_export_case_key_for_tests(&case_key).expect("clear case key");
    assert!(!a.c.danger_keyring_contains(&clear[..]).expect("scan"), "the clear case key is in the keyring body");
    assert!(!contains(&doc, PASSPHRASE.as_bytes()));
    assert!(!contains(&doc, b"team key"), "labels are inside the sealed body too");
}

fn flip_byte(pg: &Pg, cfg: &PgConfig, at: usize, bump: bool) {
    let s = cfg.schema_name();
    let version = if bump { "version + 1" } else { "version" };
    // Bypass the version trigger as a superuser would when not bumping it.
    pg.sql(&format!(
        "ALTER TABLE {s}.keyring DISABLE TRIGGER keyring_version_step; \
         UPDATE {s}.keyring SET version = {version}, \
           document = set_byte(document, {at}, get_byte(document, {at}) # 1); \
         ALTER TABLE {s}.keyring ENABLE TRIGGER keyring_version_step"
    ));
}

fn tampered_row(pg: &Pg) {
    let cfg = pg.schema();
    let clock = clock();
    let a = server(&cfg, &clock);
    let kek = a.c.generate_key(&jan(), KeyKind::Kek, "team key").expect("kek");
    let env = seal(&a.c, kek, 1);
    let good = row(pg, &cfg);
    // In the body (the version raised, so the servers re-read it): the next read fails, every read after too.
    flip_byte(pg, &cfg, good.len() - 40, true);
    for _ in 0..2 {
        assert_eq!(a.c.keys().expect_err("refused").kind(), ErrorKind::KeyringCorrupt);
        assert_eq!(open(&a.c, &env).expect_err("refused").kind(), ErrorKind::KeyringCorrupt);
    }
    // A new server refuses it at load.
    let dir = tempfile::tempdir().expect("tempdir");
    let hsm = Arc::new(Counting { inner: token(), unwraps: AtomicU64::new(0) });
    let e = Custodian::load(dir.path().join("s"), Unlock::passphrase(PASSPHRASE), options(&cfg, &clock, &hsm));
    assert_eq!(e.expect_err("refused").kind(), ErrorKind::KeyringCorrupt);
    // Flipped back: readable again.
    flip_byte(pg, &cfg, good.len() - 40, true);
    open(&a.c, &env).expect("restored");
    // Altered without raising the version: servers keep the state they hold, and the next write refuses it.
    flip_byte(pg, &cfg, 100, false);
    let e = a.c.generate_key(&jan(), KeyKind::Kek, "another").expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::KeyringCorrupt, "{e}");
    // The header's costs, altered: refused before any derivation (the bound), or as another keyring.
    flip_byte(pg, &cfg, 100, false);
    flip_byte(pg, &cfg, 30, true);
    assert!(matches!(a.c.keys().expect_err("refused").kind(), ErrorKind::KeyringCorrupt | ErrorKind::WrongPassphrase));
}

fn rolled_back_row(pg: &Pg) {
    let cfg = pg.schema();
    let s = cfg.schema_name().to_owned();
    let clock = clock();
    let a = server(&cfg, &clock);
    // B only reads the keyring: it learns of A's writes by re-reading it.
    let b = server(&cfg, &clock);
    let key = a.c.case_key(&jan(), &case(), None).expect("case key");
    let env = seal(&a.c, key, 9);
    let old = pg.sql(&format!("SELECT encode(document, 'hex') FROM {s}.keyring"));
    a.c.destroy_key(&jan(), &key, "retention period ended").expect("shred");
    assert!(
        b.c.keys()
            .expect("keys")
            .iter()
            .any(|k| k.id == key && matches!(k.state, custodia::KeyState::Destroyed { .. }))
    );
    assert_eq!(open(&a.c, &env).expect_err("refused").kind(), ErrorKind::KeyDestroyed);
    // The database's administrator restores the row from before the shred, as a new version.
    pg.sql(&format!("UPDATE {s}.keyring SET version = version + 1, document = decode('{old}', 'hex')"));
    // B, which only read the newer keyring, remembers it too.
    let mut o = options(&cfg, &clock, &b.hsm);
    o.create = false;
    let e = Custodian::load(b._dir.path().join("server"), Unlock::passphrase(PASSPHRASE), o)
        .expect_err("a server that read the newer keyring refuses the rolled-back row after a restart");
    assert_eq!(e.kind(), ErrorKind::KeyringCorrupt, "{e}");
    // A server that saw the shred refuses the older document: the key stays destroyed for it.
    let e = open(&a.c, &env).expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::KeyringCorrupt, "{e}");
    assert!(e.to_string().contains("rolled back"), "{e}");
    assert_eq!(a.c.keys().expect_err("refused").kind(), ErrorKind::KeyringCorrupt);
    // Restarted, it still refuses: its own keyring file remembers the newest generation it saw.
    let a_dir = a._dir.path().join("server");
    let restart = |restored: bool| {
        let mut o = options(&cfg, &clock, &a.hsm);
        o.keyring_restored = restored;
        Custodian::load(&a_dir, Unlock::passphrase(PASSPHRASE), o)
    };
    let e = restart(false).expect_err("a restarted server refuses the rolled-back row");
    assert_eq!(e.kind(), ErrorKind::KeyringCorrupt, "{e}");
    assert!(e.to_string().contains("rolled back"), "{e}");
    // An administrator who did restore a backup says so once; the restore is on record, and from then on the
    // restored generation is the one this server holds to.
    let accepted = restart(true).expect("a declared restore is accepted");
    let recorded = accepted.audit_log().entries().expect("entries").filter_map(Result::ok).any(|e| {
        e.event.kind == custodia::audit::EventKind::KeyringRestored && e.event.detail.contains_key("generation_seen")
    });
    assert!(recorded, "the accepted restore is in the audit log");
    drop(accepted);
    restart(false).expect("the restored keyring is now the one this server saw");
    // Documented limit: a server that never saw a newer document cannot tell. A server started now reads the old
    // row as current, and (holding the token) can open again: the audit log keeps the destruction on record, and
    // docs/KEYS.md says so.
    let fresh = server(&cfg, &clock);
    assert_eq!(open(&fresh.c, &env).expect("a fresh server cannot detect it"), vec![9; 64]);
}

fn app_role_limits(pg: &Pg) {
    let cfg = pg.schema();
    let clock = clock();
    let _a = server(&cfg, &clock);
    let s = cfg.schema_name();
    for sql in [
        format!("SET ROLE {APP_ROLE}; DELETE FROM {s}.keyring"),
        format!("SET ROLE {APP_ROLE}; UPDATE {s}.keyring SET name = 'other', version = version + 1"),
        format!("SET ROLE {APP_ROLE}; UPDATE {s}.keyring SET version = version + 5"),
        format!("SET ROLE {APP_ROLE}; UPDATE {s}.keyring SET version = version"),
        format!("SET ROLE {APP_ROLE}; TRUNCATE {s}.keyring"),
    ] {
        assert!(pg.cluster.psql("postgres", &sql).is_err(), "the application role may: {sql}");
    }
    assert_eq!(pg.sql(&format!("SELECT count(*) FROM {s}.keyring")), "1");
}

fn missing_keyring(pg: &Pg) {
    let cfg = pg.schema();
    let clock = clock();
    let dir = tempfile::tempdir().expect("tempdir");
    let hsm = Arc::new(Counting { inner: token(), unwraps: AtomicU64::new(0) });
    let mut opts = options(&cfg, &clock, &hsm);
    opts.create = false;
    let e = Custodian::load(dir.path(), Unlock::passphrase(PASSPHRASE), opts).expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::CustodianNotFound, "{e}");
    assert_eq!(pg.sql(&format!("SELECT count(*) FROM {}.keyring", cfg.schema_name())), "0");
    // The wrong passphrase on an existing keyring: refused, nothing written.
    let _a = server(&cfg, &clock);
    let version = pg.sql(&format!("SELECT version FROM {}.keyring", cfg.schema_name()));
    let e = Custodian::load(dir.path().join("x"), Unlock::passphrase("wrong"), options(&cfg, &clock, &hsm));
    assert_eq!(e.expect_err("refused").kind(), ErrorKind::WrongPassphrase);
    assert_eq!(pg.sql(&format!("SELECT version FROM {}.keyring", cfg.schema_name())), version);
}

const PROCESSES: usize = 3;
const KEYS_EACH: usize = 8;

/// Several processes, each a server with its own directory, generate keys and seal at once on one keyring.
fn concurrent_processes(pg: &Pg) {
    let cfg = pg.schema();
    let conninfo = pg.cluster.url(APP_ROLE, "postgres");
    // The keyring exists before the workers start (they race on everything else).
    let clock = clock();
    let first = server(&cfg, &clock);
    let dir = tempfile::tempdir().expect("tempdir");
    let children: Vec<_> = (0..PROCESSES)
        .map(|n| {
            Command::new(std::env::current_exe().expect("exe"))
                .env(WORKER, format!("{}|{}|{}", conninfo, cfg.schema_name(), dir.path().join(n.to_string()).display()))
                .env_remove(CHILD)
                .spawn()
                .expect("spawn worker")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("wait").success(), "a worker failed");
    }
    let keys = first.c.keys().expect("keys");
    let made = keys.iter().filter(|k| k.label.starts_with("worker ")).count();
    assert_eq!(made, PROCESSES * KEYS_EACH, "every key of every process is present");
    assert_eq!(keys.iter().filter(|k| k.label == AUDIT_KEY_LABEL).count(), 1, "one audit key for every server");
}

/// A worker process: generate keys, seal to each, open the seal again.
fn worker(spec: &str) {
    let mut parts = spec.split('|');
    let (Some(conninfo), Some(schema), Some(dir)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("bad worker spec")
    };
    let cfg = PgConfig::new(conninfo).expect("url").schema(schema).expect("schema");
    let mut opts = CustodianOptions::with_clock(clock());
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = true;
    opts.postgres = Some(cfg);
    let c = Custodian::load(Path::new(dir), Unlock::passphrase(PASSPHRASE), opts).expect("load");
    for n in 0..KEYS_EACH {
        let k = c.generate_key(&jan(), KeyKind::Kek, &format!("worker {dir} {n}")).expect("generate");
        let env = seal(&c, k, 1);
        open(&c, &env).expect("open");
    }
}

/// Seal options for `key` without a case (a plain KEK: no case-key cache involved, so only the staleness check stands
/// between B and a key destroyed by A).
fn plain_seal(c: &Custodian, key: KeyId, n: u8) -> custodia::Result<Vec<u8>> {
    let o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![key]);
    c.seal(&jan(), &Sensitive::new(vec![n; 64], Category::FinancialRecords), &o).map(|s| s.envelope)
}

/// Operations check the keyring's staleness once each: this tries to make B use, in a new operation, the keyring as
/// its previous operations left it. B's copy of a plain KEK still holds the secret, so only the check refuses.
fn next_operation_sees_destruction(pg: &Pg) {
    let cfg = pg.schema();
    let clock = clock();
    let a = server(&cfg, &clock);
    let b = server(&cfg, &clock);
    let doomed = a.c.generate_key(&jan(), KeyKind::Kek, "doomed key").expect("kek");
    let other = a.c.generate_key(&jan(), KeyKind::Kek, "other key").expect("kek");
    let env = plain_seal(&a.c, doomed, 1).expect("seal");
    // B uses the key in every kind of operation, so B's keyring in memory holds it, checked and current.
    assert_eq!(open(&b.c, &env).expect("B opens"), vec![1; 64]);
    plain_seal(&b.c, doomed, 2).expect("B seals");
    let shared = b.c.rewrap(&jan(), &p("investigation"), &env, &[], &[other]).expect("B shares");
    // A destroys it; once that returned, each of B's next operations refuses.
    a.c.destroy_key(&jan(), &doomed, "retention period ended").expect("destroy");
    assert_eq!(open(&b.c, &env).expect_err("open refused").kind(), ErrorKind::KeyDestroyed);
    assert_eq!(plain_seal(&b.c, doomed, 3).expect_err("seal refused").kind(), ErrorKind::KeyDestroyed);
    let e = b.c.rewrap(&jan(), &p("investigation"), &env, &[], &[other]).expect_err("share refused");
    assert_eq!(e.kind(), ErrorKind::KeyDestroyed, "{e}");
    // The same on a fresh B (nothing checked since it loaded), operation by operation, seal first then share.
    let b2 = server(&cfg, &clock);
    let k2 = a.c.generate_key(&jan(), KeyKind::Kek, "second doomed key").expect("kek");
    let env2 = plain_seal(&b2.c, k2, 4).expect("B2 seals");
    a.c.destroy_key(&jan(), &k2, "retention period ended").expect("destroy");
    assert_eq!(plain_seal(&b2.c, k2, 5).expect_err("seal refused").kind(), ErrorKind::KeyDestroyed);
    let k3 = a.c.generate_key(&jan(), KeyKind::Kek, "third doomed key").expect("kek");
    let env3 = plain_seal(&b2.c, k3, 6).expect("B2 seals");
    b2.c.rewrap(&jan(), &p("investigation"), &env3, &[], &[other]).expect("B2 shares");
    a.c.destroy_key(&jan(), &k3, "retention period ended").expect("destroy");
    let e = b2.c.rewrap(&jan(), &p("investigation"), &env3, &[], &[other]).expect_err("share refused");
    assert_eq!(e.kind(), ErrorKind::KeyDestroyed, "{e}");
    assert_eq!(open(&b2.c, &env2).expect_err("open refused").kind(), ErrorKind::KeyDestroyed);
    // What B shared before the destruction still opens under the other key: only the destroyed key's stanza died.
    assert_eq!(open(&b.c, &shared).expect("other key opens"), vec![1; 64]);
}

/// Each public operation makes exactly one version query, whether or not the keyring changed since the last one
/// (a change costs one document read on top); reads outside an operation make one each.
fn one_version_query_per_operation(pg: &Pg) {
    let cfg = pg.schema();
    let clock = clock();
    let a = server(&cfg, &clock);
    let b = server(&cfg, &clock);
    let key = a.c.generate_key(&jan(), KeyKind::Kek, "team key").expect("kek");
    let other = a.c.generate_key(&jan(), KeyKind::Kek, "other key").expect("kek");
    let case_key = a.c.case_key(&jan(), &case(), None).expect("case key");
    let env = plain_seal(&a.c, key, 1).expect("seal");
    let case_env = seal(&a.c, case_key, 2);
    let queries = |f: &dyn Fn()| {
        let before = b.c.danger_staleness_checks();
        f();
        b.c.danger_staleness_checks() - before
    };
    for changed_elsewhere in [false, true] {
        let mut n = 0u8;
        let mut change = || {
            if changed_elsewhere {
                n += 1;
                a.c.generate_key(&jan(), KeyKind::Kek, &format!("change {n}")).expect("change on A");
            }
        };
        let why = if changed_elsewhere { " (keyring changed by A)" } else { "" };
        change();
        assert_eq!(queries(&|| drop(plain_seal(&b.c, key, 3).expect("seal"))), 1, "seal{why}");
        change();
        assert_eq!(queries(&|| drop(seal(&b.c, case_key, 4))), 1, "seal with a case key{why}");
        change();
        assert_eq!(queries(&|| drop(open(&b.c, &env).expect("open"))), 1, "open{why}");
        change();
        assert_eq!(queries(&|| drop(open(&b.c, &case_env).expect("open"))), 1, "open with a case key{why}");
        change();
        let share = || drop(b.c.rewrap(&jan(), &p("investigation"), &env, &[], &[other]).expect("share"));
        assert_eq!(queries(&share), 1, "share{why}");
        change();
        assert_eq!(queries(&|| drop(b.c.keys().expect("keys"))), 1, "keys{why}");
        change();
        let refused = || drop(open(&b.c, b"not an envelope").expect_err("refused"));
        assert!(queries(&refused) <= 1, "a refused open{why}");
    }
    // Outside an operation every keyring access checks: two reads, two queries.
    assert_eq!(
        queries(&|| {
            b.c.keys().expect("keys");
            b.c.legal_holds().expect("holds");
        }),
        2
    );
}
